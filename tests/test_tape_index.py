"""Tapes indexed by the loop's variable instead of a counter stepped per push
(nsadc/passes/tape_index.py): the lines it writes, and where it leaves
the counter alone."""

import re

import numpy as np
import pytest

import nsadc
from nsadc.emit import function_source
from nsadc.ir.nodes import (Assign, Break, Call, Const, CounterStep, For, Function, If, Param, Raw, Return, TapePop,
                            TapePush, TapeReserve, Var)
from nsadc.passes.tape_index import index_tapes_by_loop
from programs import arrays as P


def _lines(body, start=Const(2), stop=Var("n"), step=Const(1), after=()):
    """The lines of ``for t in range(start, stop, step): body`` (then
    ``after``) inside an outer loop, once the pass has run, unindented."""
    loop = For("t", start, stop, step, list(body))
    outer = For("o", Const(0), Const(2), Const(1), [loop, *after])
    fn = Function("f_vjp", [Param("x", "array"), Param("n", "int")], [outer, Return(Const(0.0))])
    index_tapes_by_loop(fn)
    return [line.strip() for line in function_source(fn).splitlines()[2:]]


def test_a_loop_at_the_top_level_keeps_its_counter():
    loop = For("t", Const(0), Var("n"), Const(1), _push())
    fn = Function("f_vjp", [Param("x", "array"), Param("n", "int")], [loop, Return(Const(0.0))])
    index_tapes_by_loop(fn)
    assert "n_tape += 1" in function_source(fn)


def _load(i="t"):
    return Call("load", (Var("x"), Var(i)))


def _push():
    return [Assign("c", _load()), TapePush("tape", Var("n_tape"), Var("c")), CounterStep("n_tape", "+=", Const(1))]


def _pop():
    return [CounterStep("n_tape", "-=", Const(1)), TapePop("tape", Var("n_tape"), Var("c")), Assign("u", Var("c"))]


def test_pushes_are_indexed_by_the_iteration():
    assert _lines(_push()) == ["for t in range(2, n):", "c = x[t]", "tape[n_tape + (t - 2)] = c",
                            "n_tape += len(range(2, n))", "return 0.0"]


def test_two_pushes_per_iteration_take_two_entries_each():
    body = _push() + [TapePush("tape", Var("n_tape"), Var("u")), CounterStep("n_tape", "+=", Const(1))]
    lines = _lines(body, start=Const(0))
    assert lines[2:5] == ["tape[n_tape + 2 * t] = c", "tape[n_tape + 2 * t + 1] = u", "n_tape += 2 * len(range(n))"]


def test_pops_counting_down_read_back_what_the_pushes_wrote():
    """The loop reverses range(2, n): the iteration at t pushed entry
    n_tape - len(range(2, n)) + (t - 2) (with n_tape counted after the pushes)."""
    lines = _lines(_pop(), start=Call("sub", (Var("n"), Const(1))), stop=Const(1), step=Const(-1))
    assert lines[:3] == ["for t in range(n - 1, 1, -1):", "c = tape[n_tape - len(range(2, n)) + (t - 2)]", "u = c"]
    assert lines[3] == "n_tape -= len(range(2, n))"


def test_the_indices_are_those_the_counter_would_take():
    """Run both forms: the same entries are written and read, in the same order."""
    def run(lines, n=7):
        tape, n_tape, x, seen = np.zeros(16), 3, np.arange(10.0), []
        scope = {"tape": tape, "n_tape": n_tape, "x": x, "n": n, "seen": seen}
        exec("\n".join(lines), scope)
        return scope["n_tape"], list(tape), seen

    body = _push() + [TapePush("tape", Var("n_tape"), Call("neg", (Var("c"),))), CounterStep("n_tape", "+=", Const(1)), Raw("seen.append(c)")]
    plain = ["for t in range(2, n):", "    c = x[t]", "    tape[n_tape] = c", "    n_tape += 1",
             "    tape[n_tape] = -c", "    n_tape += 1", "    seen.append(c)"]
    indexed = _lines(body)[:-1]
    indexed = [indexed[0]] + ["    " + s for s in indexed[1:-1]] + [indexed[-1]]
    assert run(indexed) == run(plain)


@pytest.mark.parametrize("body", [
    # a push that may not run
    [Assign("c", _load()), If(Var("flag"), [TapePush("tape", Var("n_tape"), Var("c")), CounterStep("n_tape", "+=", Const(1))])],
    # the iteration may end early
    _push() + [If(Var("flag"), [Break()])],
    # the counter is read elsewhere (a growth check)
    [TapeReserve("tape", "n_tape", Const(1))] + _push(),
    # pushes and pops in one iteration
    _push() + [Assign("v", Var("c"))] + _pop(),
])
def test_the_counter_stays_where_the_iterations_differ(body):
    assert "n_tape += 1" in _lines(body) or "n_tape -= 1" in _lines(body)


def test_bounds_the_body_changes_keep_the_counter():
    body = _push() + [Assign("n", Call("sub", (Var("n"), Const(1))))]
    assert "n_tape += 1" in _lines(body)


def test_pops_in_a_loop_not_counting_down_by_one_keep_the_counter():
    assert "n_tape -= 1" in _lines(_pop(), start=Const(9), stop=Const(0), step=Const(-2))


def test_a_step_back_then_forward_cancels():
    """A loop read counting up steps the counter back by its trip count
    before it (loop_order); once indexed, the step forward after it cancels
    that back-step's twin."""
    body = [TapePop("tape", Var("n_tape"), Var("c")), CounterStep("n_tape", "+=", Const(1))]
    lines = _lines(body, start=Const(0), after=[CounterStep("n_tape", "-=", Call("trips", (Const(0), Var("n"), Const(1))))])
    assert lines == ["for t in range(n):", "c = tape[n_tape + t]", "return 0.0"]


def test_a_window_loop_pushes_and_pops_by_index():
    x = np.random.default_rng(0).standard_normal(12)
    text = nsadc.differentiate(P.a_max_pool_1d, target="python").source("reverse", x, 3)
    assert "n_tape += 1" not in text and "n_tape -= 1" not in text
    # (what is taped is the window's selection: tests/test_tape_selections.py)
    assert re.search(r"tape\[n_tape \+ \(t - st_plus_1\)\] = \w+\n", text)
    assert re.search(r"\w+ = tape\[n_tape - len\(range\(st_plus_1, st_plus_k\)\) \+ \(t - st_plus_1\)\]\n", text)
