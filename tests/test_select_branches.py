"""A branch on data whose paths are a few cheap statements becomes a
selection in the derivative code (nsadc/passes/select_branches.py); the
look-alikes stay branches.  Gradients against central differences, against
the same code compiled with the branches kept (equal to the last bit, at
kinks and on NaN too) and across targets."""

import inspect
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
import nsadc.pipeline as pipeline
from helpers import central_differences
from nsadc.ir.nodes import Assign, Call, Const, For, Function, If, Param, Var
from nsadc.passes.select_branches import select_branches

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import select_branches as programs  # noqa: E402

_SCALARS = {"lam": 0.3, "t": 0.5, "lo": -0.5, "hi": 0.6, "a": 0.1}


def _args(fn, seed, x=None):
    rng = np.random.default_rng(seed)
    out = []
    for p in fn.__code__.co_varnames[:fn.__code__.co_argcount]:
        if p in _SCALARS:
            out.append(_SCALARS[p])
        else:
            out.append(rng.standard_normal(11) if x is None or p != "x" and p != "b" else x.copy())
    return tuple(out)


def _grad(fn, wrt, args, target="python", keep_branches=False, monkeypatch=None, tmp_path=None):
    """The gradient and the source of the kernel that computed it."""
    if keep_branches:
        monkeypatch.setattr(pipeline, "OPTIMISATION_PASSES",
                            [p for p in pipeline.OPTIMISATION_PASSES if p.name != "select_branches"])
        monkeypatch.setenv("NSADC_CACHE_DIR", str(tmp_path))
    d = nsadc.differentiate(fn, wrt=[wrt], target=target)
    g = d.grad(*args)
    (k,) = d._specs.values()
    return np.asarray(g), inspect.getsource(k.grad.py_func if target == "cpu" else k.grad)


def _branch_lines(src, test):
    return re.findall(rf"^\s*(?:el)?if [^\n]*{test}[^\n]*:$", src, re.M)


@pytest.mark.parametrize("fn, wrt, test", programs.CONVERTED, ids=lambda v: getattr(v, "__name__", ""))
def test_a_branch_of_cheap_paths_becomes_a_selection(fn, wrt, test):
    args = _args(fn, 0)
    _, src = _grad(fn, wrt, args)
    assert _branch_lines(src, test) == [], src
    assert re.search(rf"(_select\(\w*{test}\w*,| if \w*{test}\w* else )", src), src
    k = fn.__code__.co_varnames.index(wrt)
    for seed in range(3):
        args = _args(fn, seed)
        g, _ = _grad(fn, wrt, args)
        np.testing.assert_allclose(g, central_differences(fn, args, k), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn, wrt, test", programs.KEPT, ids=lambda v: getattr(v, "__name__", ""))
def test_the_look_alikes_stay_branches(fn, wrt, test):
    args = _args(fn, 0, np.abs(np.random.default_rng(0).standard_normal(11)) + 0.1)
    g, src = _grad(fn, wrt, args)
    assert _branch_lines(src, test), src
    k = fn.__code__.co_varnames.index(wrt)
    np.testing.assert_allclose(g, central_differences(fn, args, k), rtol=1e-5, atol=1e-6)


def _kinks_and_nan(fn):
    """Inputs on every kink of the program's tests, and one with a NaN."""
    x = np.array([0.6, -0.5, 0.0, 0.3, -0.3, 1.5, -2.0, 0.6, 0.1, -0.1, 0.25])
    if fn is programs.soft_threshold_energy:
        # v = b - t b^2 lands on +-t lam = +-0.15 at these b (t = 0.5)
        x[:4] = [1.0 - np.sqrt(0.7), 1.0 - np.sqrt(1.6), 0.0, 2.0]
    if fn is programs.signed_accumulate:
        x[:3] = [0.1, 0.2, -0.5]  # x y = 0.1 for y = 1, 0.5, -0.2 below
    return [x, np.where(np.arange(11) == 4, np.nan, x)]


@pytest.mark.parametrize("fn, wrt, test", programs.CONVERTED, ids=lambda v: getattr(v, "__name__", ""))
def test_the_selection_agrees_with_the_branch_to_the_bit(fn, wrt, test, monkeypatch, tmp_path):
    """At kinks (the branch's test on its boundary) and on NaN the selected
    values are those the branch picks."""
    for x in _kinks_and_nan(fn):
        args = list(_args(fn, 1, x))
        if fn is programs.signed_accumulate:
            args[1] = np.where(np.arange(11) < 3, [1.0, 0.5, -0.2] + [0.0] * 8, args[1])
        selected, src = _grad(fn, wrt, tuple(args))
        assert not _branch_lines(src, test)
        with monkeypatch.context() as m:
            branched, src = _grad(fn, wrt, tuple(args), keep_branches=True, monkeypatch=m, tmp_path=tmp_path)
            assert _branch_lines(src, test), src
        np.testing.assert_array_equal(selected, branched)


@pytest.mark.slow
@pytest.mark.parametrize("fn, wrt, test", programs.CONVERTED + programs.KEPT,
                         ids=lambda v: getattr(v, "__name__", ""))
def test_compiled_kernels_agree_with_python(fn, wrt, test):
    for seed in range(2):
        args = _args(fn, seed)
        want, _ = _grad(fn, wrt, args)
        got, src = _grad(fn, wrt, args, target="cpu")
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


# -------------------------------------------------------------- the pass alone


def _loop(body, extra=()):
    """``for i in range(n): body`` after ``s = 0.0`` (and ``extra``), returning s."""
    return Function("f", [Param("x", "array1"), Param("n", "int")],
                    [Assign("s", Const(0.0)), *extra, For("i", Const(0), Var("n"), Const(1), body)],
                    types={"x": "array1", "y": "array1", "s": "float", "v": "float", "c": "bool"})


def test_a_name_read_on_the_other_path_before_the_branch_keeps_the_branch():
    """`v` is read-first on the path that leaves it: computed ahead, the
    other path would see the new value; with `v` assigned before the loop,
    the value is selected instead."""
    load = Call("load", (Var("x"), Var("i")))
    body = [Assign("c", Call("gt", (load, Const(0.0)))),
            If(Var("c"), [Assign("v", Call("mul", (load, Const(2.0))))],
               [Assign("s", Call("add", (Var("s"), Var("v"))))])]
    fn = _loop(body)
    select_branches(fn)
    assert isinstance(fn.body[1].body[1], If)  # v is not assigned on every way to the loop
    fn = _loop([*body[:1], If(body[1].test, body[1].body, body[1].orelse)], [Assign("v", Const(1.0))])
    select_branches(fn)
    loop = fn.body[2]
    assert not any(isinstance(t, If) for t in loop.body)
    (v,) = [t for t in loop.body if isinstance(t, Assign) and t.target == "v"]
    assert v.value.prim == "select"


def test_an_element_stored_on_one_path_needs_an_access_around_it():
    """`y[i] = ...` on one path only is selected against the old element
    where the statements around the branch touch `y[i]`, else kept."""
    load = Call("load", (Var("x"), Var("i")))
    store = Assign("y", Call("store", (Var("y"), Var("i"), Call("mul", (load, load)))))
    test = Assign("c", Call("gt", (load, Const(0.0))))
    fn = _loop([test, If(Var("c"), [store], [])])
    select_branches(fn)
    assert isinstance(fn.body[1].body[1], If)
    after = Assign("s", Call("add", (Var("s"), Call("load", (Var("y"), Var("i"))))))
    fn = _loop([test, If(Var("c"), [store], []), after])
    select_branches(fn)
    assert not any(isinstance(t, If) for t in fn.body[1].body)


def test_a_path_reading_a_name_assigned_under_an_earlier_branch_keeps_the_branch():
    """`w` exists only where the first test held (a log: that branch stays);
    the second branch reads it on one path: computing that path always would
    read a name that may not exist (Python raises, as the reverse sweep of
    `huber` did)."""
    load = Call("load", (Var("x"), Var("i")))
    first = If(Var("c"), [Assign("w", Call("log", (load,)))], [])
    second = If(Var("c"), [Assign("s", Call("add", (Var("s"), Var("w"))))], [])
    fn = _loop([Assign("c", Call("gt", (load, Const(0.0)))), first, second])
    fn.types["w"] = "float"
    select_branches(fn)
    body = fn.body[1].body
    assert isinstance(body[-1], If) and body[-1].body[0].target == "s"


def test_a_loop_reads_the_flag_its_test_assigns_under_a_branch():
    """The flag of `while k < n and x[k] > lo` is assigned under `k < n`:
    selected, never assigned as if the branch were always taken (the loop
    then ran past the array, for ever)."""
    fn = programs.while_and_test
    x = np.array([0.5, 0.9, -0.4, 0.7])
    d = nsadc.differentiate(fn, wrt=["x"], target="python")
    d.value_and_grad(x, 0.0)
    (k,) = d._specs.values()
    src = inspect.getsource(k.jvp)
    (flag,) = set(re.findall(r"while (\w+):", src))
    lines = src.splitlines()
    for at, line in enumerate(lines):
        if re.match(rf"\s*{flag} = ", line) and "<" in line and "k < n" not in line:
            # the second test: under `if flag:`, or selected against the old flag
            above = [u for u in lines[:at] if u.strip() and not u.strip().startswith("#")][-1]
            assert above.strip() == f"if {flag}:" or f"else {flag}" in line, src
    value, tangent = d.jvp((x, 0.0), (np.ones(4),))
    assert value == fn(x, 0.0) and abs(value - (0.25 + 0.81 + 0.16 + 0.49)) < 1e-12
    np.testing.assert_allclose(tangent, 2.0 * x.sum())


def test_a_path_that_changes_the_test_selects_by_the_test_it_was_taken_on():
    """`if c: c = x[i] > 1.0; s = s + 1.0`: the selections read the test as
    the branch saw it, not the value the path gives it."""
    load = Call("load", (Var("x"), Var("i")))
    body = [Assign("c", Call("gt", (load, Const(0.0)))),
            If(Var("c"), [Assign("c", Call("gt", (load, Const(1.0)))),
                          Assign("s", Call("add", (Var("s"), Const(1.0))))], [])]
    fn = _loop(body)
    select_branches(fn)
    loop = fn.body[1].body
    assert not any(isinstance(t, If) for t in loop)
    (kept,) = [t for t in loop if isinstance(t, Assign) and t.value == Var("c")]  # the test, copied first
    (s,) = [t for t in loop if isinstance(t, Assign) and t.target == "s"]
    assert s.value.prim == "select" and s.value.args[0] == Var(kept.target)
    assert loop.index(kept) < min(k for k, t in enumerate(loop) if k > 0 and isinstance(t, Assign)
                                  and t.target == "c")
