"""Room on a tape is made before a `for` loop for all the pushes it makes,
not at each push, where the tape's depth is not known from the arguments
(pushes in a `while` loop that runs until a time is reached).  A loop of
the reverse sweep, each iteration of which pops again what it pushed, has
the room of one iteration made before it; a loop whose counter may climb
otherwise keeps its reservations.  Values against central differences on
both targets, and the emitted shape."""

import ast
import inspect
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from nsadc.ir.nodes import (Assign, Call, Const, CounterStep, For, Function, If, Param, Return, TapePop, TapePush,
                            TapeReserve, Var, While, variables, walk)
from nsadc.passes.tape_room import reserve_before_loops
from test_regressions import central_differences

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import dead_rows  # noqa: E402


def until_time(u0, c, t_end):
    n = u0.shape[0]
    u = u0.copy()
    flux = np.zeros(n + 1)
    t = 0.0
    while t < t_end:
        if t > 0.5:
            flux[0] = 0.1 * u[0]
        for i in range(1, n):
            flux[i] = c * max(u[i - 1] - u[i], 0.2 * (u[i - 1] - u[i]))
        dt = min(0.3, t_end - t)
        for i in range(n):
            u[i] += dt * math.tanh(flux[i] - flux[i + 1])
        t += dt
    return np.sum(u ** 3)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_until_time(target):
    args = (np.random.default_rng(2).uniform(-1.0, 1.0, 8), 0.4, 1.0)
    d = nsadc.differentiate(until_time, wrt=("u0", "c"), target=target)
    g = d.grad(*args)
    want = central_differences(until_time, args, (0, 1))
    assert len(g) == len(want) == 2
    for got, expected in zip(g, want):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)


def test_the_flux_pushes_reserve_once_per_step():
    args = (np.random.default_rng(2).uniform(-1.0, 1.0, 8), 0.4, 1.0)
    src = nsadc.differentiate(until_time, wrt=("u0", "c"), target="python").source("reverse", *args)
    forward = src[src.index("# forward sweep"):src.index("# reverse sweep")]
    loop = forward[forward.index("for i in range(1, n):"):]
    loop = loop[:loop.index("for i in range(n):")]
    assert "flux_elements[" in loop and "_reserve" not in loop  # pushed in the loop, room made before it
    assert "_reserve(flux_elements, n_flux_elements + (n - 1)" in forward.replace("len(range(1, n))", "(n - 1)")


def _push(pair=1):
    return [TapePush("tape", Var("n"), Var("v"), pair), CounterStep("n", "+=", Const(1))]


def _pop(pair=1):
    return [CounterStep("n", "-=", Const(1)), TapePop("tape", Var("n"), Var("v"), pair=pair)]


def _reserve(room=3):
    return TapeReserve("tape", "n", Const(room))


def _loop(body):
    fn = Function("f", [Param("m", "int"), Param("c", "bool")], [For("k", Const(0), Var("m"), Const(1), body),
                                                                 Return(Const(0.0))])
    reserve_before_loops(fn)
    loop = fn.body[-2]
    return [s for s in fn.body if isinstance(s, TapeReserve)], [s for s in walk(loop.body)
                                                                 if isinstance(s, TapeReserve)]


def test_a_loop_that_pops_what_each_iteration_pushes_reserves_one_iteration_s_room_before_it():
    # pop the forward sweep's value, re-run (push), reverse (pop), as a reverse sweep's loop does
    before, inside = _loop(_pop(pair=2) + [If(Var("c"), [_reserve(3), *_push() * 3], [])] + _pop() * 3)
    assert not inside
    assert before == [TapeReserve("tape", "n", Const(3))]  # not m * 3: the counter never climbs past it


def test_a_loop_that_only_pushes_reserves_every_iteration_s_room():
    before, inside = _loop([_reserve(2), *_push() * 2])
    assert not inside
    (r,) = before
    assert r.room != Const(2) and "m" in variables(r.room)  # m iterations of 2


@pytest.mark.parametrize("body", [
    # a value pushed and never read back in the iteration: the counter climbs
    [*_pop(pair=2), _reserve(1), *_push(pair=1)],
    # read back, but by a pop before the push (the previous iteration's value)
    [*_pop(pair=1), _reserve(1), *_push(pair=1)],
    # a push before any reservation in the iteration
    [*_pop(pair=2), *_push(pair=1), _reserve(1), *_push(pair=3), *_pop(pair=3), *_pop(pair=1)],
    # the counter set outright
    [CounterStep("n", "=", Var("m")), _reserve(1), *_push(pair=1), *_pop(pair=1)],
    # a reservation left inside an inner loop (its room moves with that loop)
    [*_pop(pair=2), _reserve(1), *_push(pair=1), For("e", Const(0), Var("k"), Const(1), [
        CounterStep("n", "=", Var("k")), _reserve(1), *_push(pair=3)]), *_pop(pair=3), *_pop(pair=1)],
], ids=["unread", "read_before", "unreserved_push", "counter_set", "inner_reserve"])
def test_reservations_stay_in_a_loop_whose_counter_may_climb(body):
    _, inside = _loop(body)
    assert inside


def _reserves_in_loops(src: str, name: str) -> dict[str, int]:
    """Each loop header of ``name`` -> how many ``_reserve`` calls its body holds."""
    fn = next(f for f in ast.walk(ast.parse(src)) if isinstance(f, ast.FunctionDef) and f.name == name)
    out = {}
    for loop in ast.walk(fn):
        if isinstance(loop, (ast.For, ast.While)):
            head = ast.unparse(loop).splitlines()[0]
            out[head] = sum(isinstance(c, ast.Call) and getattr(c.func, "id", "") == "_reserve" for c in ast.walk(loop))
    return out


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_pixel_s_reverse_over_its_discs_reserves_before_it(target):
    # the reverse of each pixel's loop over discs re-runs a disc's nearest of three edges (a tape of three)
    d = nsadc.differentiate(dead_rows.disc_coverage, wrt=["P", "w"], target=target)
    args = dead_rows.disc_arguments(seed=3)
    gP, gw = d.grad(*args)
    (k,) = d._specs.values()
    src = inspect.getsource(k.grad.py_func if hasattr(k.grad, "py_func") else k.grad)
    loops = _reserves_in_loops(src, "disc_coverage_grad")
    assert loops and not any(loops.values()), src  # every room made before the reverse's loops
    assert "tape = _reserve(tape, n_tape + (len(range(0, m)) + 3))" in src  # a pixel's discs, a disc's edges
    ref = nsadc.differentiate(dead_rows.disc_coverage, wrt=["P", "w"], target="python").grad(*args)
    np.testing.assert_array_equal(gP, ref[0])
    np.testing.assert_array_equal(gw, ref[1])
    h = 1e-6
    for which, g in ((0, gP), (1, gw)):
        for idx in list(np.ndindex(g.shape))[::3]:
            plus, minus = ([a.copy() if isinstance(a, np.ndarray) else a for a in args] for _ in range(2))
            plus[which][idx] += h
            minus[which][idx] -= h
            fd = (dead_rows.disc_coverage(*plus) - dead_rows.disc_coverage(*minus)) / (2 * h)
            assert g[idx] == pytest.approx(fd, rel=1e-5, abs=1e-7)


def test_many_tied_edges_grow_the_tape_past_its_first_size():
    # every disc centred on the pixels' line at the same place: each pixel's three edges tie and the
    # re-run keeps all three, for every disc, on a tape that starts at 64 entries
    m = 40
    P = np.column_stack([np.full(m, 0.5), np.zeros(m)])
    w, target = np.linspace(0.2, 1.0, m), np.full(8, 0.4)
    for t in ("python", "cpu"):
        gP, gw = nsadc.differentiate(dead_rows.disc_coverage, wrt=["P", "w"], target=t).grad(P, w, target, 0.6)
        assert np.all(np.isfinite(gP)) and np.all(np.isfinite(gw))


def test_a_reservation_left_in_an_inner_loop_keeps_the_outer_loop_s():
    # per iteration: one push whose room is known, then a loop that runs while the data says so
    # (a room at each of its pushes): its pushes move the counter past what m * 1 would cover
    until = While(Var("c"), [_reserve(1), *_push(pair=3), Assign("c", Call("gt", (Var("x"), Const(0.0))))])
    _, inside = _loop([_reserve(1), *_push(pair=1), until])
    assert len(inside) == 2


def test_a_reservation_just_before_the_loop_is_added_to_the_loop_s():
    before = TapeReserve("tape", "n", Var("m"))  # room the statements before made for the loop (its own pushes)
    fn = Function("f", [Param("m", "int"), Param("c", "bool")], [
        before, For("k", Const(0), Var("m"), Const(1), [*_push(pair=1), _reserve(2), *_push(pair=2) * 2]),
        Return(Const(0.0))])
    reserve_before_loops(fn)
    (r,) = [s for s in fn.body if isinstance(s, TapeReserve)]
    assert variables(r.room) == {"m"} and r.room != Var("m")  # m + m * 2: one reservation for both


def test_a_reservation_before_the_loop_whose_room_changes_on_the_way_keeps_the_loop_s():
    before = TapeReserve("tape", "n", Var("m"))
    fn = Function("f", [Param("m", "int"), Param("c", "bool")], [
        before, Assign("m", Call("add", (Var("m"), Const(1)))),
        For("k", Const(0), Var("m"), Const(1), [*_push(pair=1), _reserve(2), *_push(pair=2) * 2]),
        Return(Const(0.0))])
    reserve_before_loops(fn)
    assert fn.body[0] is before and any(isinstance(s, TapeReserve) for s in walk(fn.body[2].body))


def _row_norms(indptr, data, x):
    g = np.zeros(x.shape[0])
    for i in range(indptr.shape[0] - 1):
        for k in range(indptr[i], indptr[i + 1]):
            g[k % x.shape[0]] += data[k] * x[k % x.shape[0]]
    return g


def sparse_projected_steps(data, indptr, x0, steps):
    """Projected gradient steps on a sparse design: a gradient buffer reset
    and then added to row by row (rows of data-given length), each step."""
    x = x0.copy()
    g = np.empty(x.shape[0])
    for it in range(steps):
        for j in range(x.shape[0]):
            g[j] = 0.1 * x[j]
        for i in range(indptr.shape[0] - 1):
            for k in range(indptr[i], indptr[i + 1]):
                g[k % x.shape[0]] += data[k] * math.tanh(x[k % x.shape[0]])
        for j in range(x.shape[0]):
            x[j] = min(max(x[j] - 0.3 * g[j], -1.0), 1.0)
    return np.sum(x * x) + np.sum(np.abs(g))


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_steps_over_sparse_rows_keep_room_for_every_element(target):
    rng = np.random.default_rng(5)
    indptr = np.array([0, 3, 3, 9, 14, 20, 26, 31])  # rows of 0 to 6 entries
    data, x0 = rng.standard_normal(31), rng.uniform(-0.8, 0.8, 9)
    args = (data, indptr, x0, 12)
    d = nsadc.differentiate(sparse_projected_steps, wrt=("data", "x0"), target=target)
    g = d.grad(*args)
    want = central_differences(sparse_projected_steps, args, (0, 2))
    for got, expected in zip(g, want):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)
