"""Long functions: a loop the emitted code holds several times (a helper the
program calls at each stage of a Runge-Kutta step, inlined in the forward
sweep, each re-run and the reverse) is written once as a function of the
Numba module and called (nsadc/backends/outlining.py).  The calls compute what
the loops computed: the same gradient, to the last bit, as the python target,
which keeps every loop in place."""

import importlib.util
import sys

import numpy as np
import pytest

import nsadc
from nsadc.backends import outlining
from nsadc.backends.lowering import NUMBA_CPU
from nsadc.frontend.source import source_of_function
from nsadc.pipeline import compile_function


def _rates(y, k, out):
    n = y.shape[0]
    for j in range(n):
        left = y[j - 1] if j > 0 else 0.0
        right = y[j + 1] if j < n - 1 else 0.0
        out[j] = k * (left + right - 2.0 * y[j]) - max(y[j], 0.0) * y[j]


def rk4_chain(y0, k, dt, n_steps):
    n = y0.shape[0]
    y = y0.copy()
    k1 = np.empty(n)
    k2 = np.empty(n)
    k3 = np.empty(n)
    k4 = np.empty(n)
    tmp = np.empty(n)
    peak = 0.0
    for step in range(n_steps):
        _rates(y, k, k1)
        for j in range(n):
            tmp[j] = y[j] + 0.5 * dt * k1[j]
        _rates(tmp, k, k2)
        for j in range(n):
            tmp[j] = y[j] + 0.5 * dt * k2[j]
        _rates(tmp, k, k3)
        for j in range(n):
            tmp[j] = y[j] + dt * k3[j]
        _rates(tmp, k, k4)
        for j in range(n):
            y[j] = min(y[j] + dt / 6.0 * (k1[j] + 2.0 * k2[j] + 2.0 * k3[j] + k4[j]), 1.0)
        peak = max(peak, y[0])
    return np.sum(y * y) + peak


ARGS = (np.array([0.3, -0.2, 0.8, 0.5, -0.6, 0.1]), 0.7, 0.05, 12)


def _cpu_module(monkeypatch, statements: int) -> str:
    monkeypatch.setattr(outlining, "OUTLINE_STATEMENTS", statements)
    monkeypatch.setattr(outlining, "_MIN_SAVED_STATEMENTS", 0)
    d = nsadc.differentiate(rk4_chain, target="python")
    _, types = d._bind(ARGS)
    comp = compile_function(*source_of_function(rk4_chain), d.wrt, d.policy, d._env, types, d.kink_tol)
    return comp.module(("reverse",), backend=NUMBA_CPU, grad=True)


def test_repeated_loops_are_written_once(monkeypatch):
    text = _cpu_module(monkeypatch, 100)
    assert "def _loop_2(" in text
    grad = text[text.index("def rk4_chain_grad("):]
    assert grad.count("_loop_") >= 6  # the stages of the forward sweep and of the reverse at least
    compile(text, "<module>", "exec")


def test_short_functions_keep_their_loops(monkeypatch):
    assert "def _loop_" not in _cpu_module(monkeypatch, 100_000)


@pytest.mark.slow
def test_outlined_module_computes_the_same(monkeypatch, tmp_path):
    """The outlined Numba module against the python target's module, bit for bit."""
    text = _cpu_module(monkeypatch, 100)
    path = tmp_path / "outlined_rk4.py"
    path.write_text(text.replace("cache=True", "cache=False"))
    spec = importlib.util.spec_from_file_location("outlined_rk4", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    value, grads = module.rk4_chain_vjp(*ARGS, 1.0)
    want_value, want = nsadc.differentiate(rk4_chain, target="python").value_and_grad(*ARGS)
    assert value == pytest.approx(want_value, rel=1e-13)
    for got, expected in zip(grads, want):
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(module.rk4_chain_grad(*ARGS, 1.0)[0], want[0], rtol=1e-13, atol=1e-15)


def test_liveness_keeps_a_loop_that_a_later_read_needs():
    """A loop whose bound name a later statement reads gives it back (the call
    assigns it), and one whose names are all dead is a bare call."""
    from nsadc.ir.nodes import Assign, Call, Const, For, Function, Param, Return, Var

    def loop(i, acc, src):
        body = [Assign(acc, Call("add", (Var(acc), Call("load", (Var(src), Var(i)))))) for _ in range(8)]
        return For(i, Const(0), Const(3), Const(1), body)

    fn = Function("f", [Param("a", "array1"), Param("b", "array1")],
                  [Assign("s", Const(0.0)), loop("i", "s", "a"), Assign("t", Const(0.0)), loop("j", "t", "b"),
                   Return(Call("add", (Var("s"), Var("t"))))])
    fn.types = {"a": "array1", "b": "array1", "s": "float", "t": "float", "i": "int", "j": "int"}
    (out,), helpers = _outlined([fn])
    assert len(helpers) == 1
    lines = [s.code for s in out.body if hasattr(s, "code")]
    assert lines == ["s = _loop_1(s, a)", "t = _loop_1(t, b)"]


def test_a_name_a_loop_may_leave_alone_is_passed_in():
    """``x = 5.0; for ...: if c: x = ...``, read after: the call passes x in and
    takes it back (where the loop binds nothing, x keeps 5.0)."""
    from nsadc.ir.nodes import Assign, Call, Const, For, Function, If, Param, Return, Var

    def loop(i, x, src):
        body = [Assign("v", Call("load", (Var(src), Var(i))))] + [Assign("v", Call("mul", (Var("v"), Var("v"))))
                                                                   for _ in range(6)]
        chosen = If(Call("gt", (Var("v"), Const(1.0))), [Assign(x, Var("v"))])
        return For(i, Const(0), Const(3), Const(1), body + [chosen])

    fn = Function("f", [Param("a", "array1"), Param("b", "array1")],
                  [Assign("x", Const(5.0)), loop("i", "x", "a"), Assign("y", Const(5.0)), loop("j", "y", "b"),
                   Return(Call("add", (Var("x"), Var("y"))))])
    fn.types = {"a": "array1", "b": "array1", "x": "float", "y": "float", "v": "float", "i": "int", "j": "int"}
    (out,), _ = _outlined([fn])
    assert [s.code for s in out.body if hasattr(s, "code")] == ["x = _loop_1(a, x)", "y = _loop_1(b, y)"]


def _outlined(functions):
    saved = outlining.OUTLINE_STATEMENTS, outlining._MIN_SAVED_STATEMENTS
    outlining.OUTLINE_STATEMENTS, outlining._MIN_SAVED_STATEMENTS = 1, 0
    try:
        return outlining.with_repeated_loops_outlined(functions)
    finally:
        outlining.OUTLINE_STATEMENTS, outlining._MIN_SAVED_STATEMENTS = saved
