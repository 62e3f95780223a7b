"""The adjoint tidy-up (nsadc/passes/adjoints.py), and emitted modules that stay
standalone (the tape helper inline, never an import of nsadc)."""

import math

import numpy as np
import pytest

import nsadc
from nsadc.backends import tape_helpers
from nsadc.passes.adjoints import tidy_adjoints
from nsadc.ir.nodes import Assign, Break, Call, Const, For, Function, If, Param, Return, Var
from helpers import central_difference


def _lines(fn):
    from nsadc.emit import function_source
    return [line.strip() for line in function_source(fn).splitlines()]


def _fn(body, params=("x", "n")):
    return Function("f", [Param(p, "float") for p in params], body, None, None, {})


def add(a, b):
    return Call("add", (a, b))


def test_first_contribution_onto_a_zero_becomes_an_assignment_and_dead_resets_go():
    # t_bar = 0; for i: t_bar += x; y_bar += 2 * t_bar; t_bar = 0  ->  t_bar = x, no reset
    body = [Assign("t_bar", Const(0.0)), Assign("y_bar", Const(0.0)),
            For("i", Const(0), Var("n"), Const(1), [
                Assign("t_bar", add(Var("t_bar"), Var("x"))),
                Assign("y_bar", add(Var("y_bar"), Call("mul", (Const(2.0), Var("t_bar"))))),
                Assign("t_bar", Const(0.0))]),
            Return(Var("y_bar"))]
    fn = _fn(body)
    tidy_adjoints(fn, {"t_bar", "y_bar"})
    lines = _lines(fn)
    assert "t_bar = x" in lines
    assert "t_bar = 0.0" not in lines  # the initial value and the reset are both dead now
    assert "y_bar = 0.0" in lines and "y_bar += 2.0 * t_bar" in lines  # y_bar accumulates across iterations


def test_a_value_carried_to_the_next_iteration_is_kept():
    # t_bar accumulates across iterations and is read at the start of each one
    body = [Assign("t_bar", Const(0.0)), Assign("y_bar", Const(0.0)),
            For("i", Const(0), Var("n"), Const(1), [
                Assign("y_bar", add(Var("y_bar"), Var("t_bar"))),
                Assign("t_bar", add(Var("t_bar"), Var("x")))]),
            Return(Var("y_bar"))]
    fn = _fn(body)
    tidy_adjoints(fn, {"t_bar", "y_bar"})
    assert _lines(fn)[1:] == ["t_bar = 0.0", "y_bar = 0.0", "for i in range(n):", "y_bar += t_bar",
                              "t_bar += x", "return y_bar"]


def test_a_loop_that_breaks_is_treated_conservatively():
    body = [Assign("t_bar", Const(0.0)),
            For("i", Const(0), Var("n"), Const(1), [
                Assign("t_bar", add(Var("t_bar"), Var("x"))),
                If(Call("gt", (Var("t_bar"), Const(3.0))), [Break()], []),
                Assign("t_bar", Const(0.0))]),
            Return(Var("t_bar"))]
    fn = _fn(body)
    tidy_adjoints(fn, {"t_bar"})
    lines = _lines(fn)
    assert "t_bar += x" in lines  # not known to be zero at the head of a loop that breaks


def test_only_the_named_adjoints_are_touched():
    body = [Assign("a", Const(0.0)), Assign("a", add(Var("a"), Var("x"))), Assign("b", Const(1.0)),
            Return(Var("a"))]
    fn = _fn(body)
    tidy_adjoints(fn, set())
    assert _lines(fn)[1:] == ["a = 0.0", "a += x", "b = 1.0", "return a"]


def _loop_program(x, y, n: int):
    s = 0.0
    for i in range(n):
        t = max(x * y - 0.1 * i, 0.0)
        s += abs(t - y) + math.sin(x) * t
    return s


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_tidied_reverse_mode_still_matches_finite_differences(target):
    d = nsadc.differentiate(_loop_program, target=target)
    args = (0.7, 1.3, 7)
    g = d.grad(*args)
    np.testing.assert_allclose(g, central_difference(_loop_program, args, [0, 1]), rtol=1e-6)
    text = d.source("reverse")
    assert "= 0.0 +" not in text and "+= 0.0" not in text


def _running_max(x, y, n: int):
    m = x
    for i in range(n):
        m = max(m, y * math.sin(i))
    return m


def _running_max_while(x, y, n: int):
    m = x
    i = 0
    while i < n:  # a trip count unknown at entry: the tape grows
        m = max(m, y * math.sin(i))
        i += 1
    return m


def test_emitted_modules_carry_the_tape_helper_and_never_import_nsadc():
    d = nsadc.differentiate(_running_max_while, target="python")
    text = d.source("reverse")
    assert "def _reserve(tape, size):" in text and "nsadc" not in text.split("# Needs only")[1]
    assert tape_helpers.helpers_source().startswith("def _reserve(tape, size):")


def test_tapes_are_sized_at_entry_when_the_arguments_fix_the_trip_counts():
    """range(n) loops: one allocation of the exact depth, no growth helper."""
    text = nsadc.differentiate(_running_max, target="python").source("reverse")
    assert "tape = np.empty(len(range(n)))" in text
    assert "_reserve" not in text


@pytest.mark.slow
def test_compiled_modules_never_import_nsadc():
    d = nsadc.differentiate(_running_max_while)
    kernels = d.compiled(0.5, 0.2, 6)
    module = __import__("sys").modules[kernels.vjp.py_func.__module__]
    text = open(module.__file__).read()
    assert "import nsadc" not in text and "from nsadc" not in text
    assert "def _reserve(tape, size):" in text
    assert d.grad(0.5, 0.2, 6) == pytest.approx(central_difference(_running_max_while, (0.5, 0.2, 6), [0, 1]))


def _branchy(x, y, n: int):
    s = 0.0
    for i in range(n):
        t = math.sin(x * i + y)
        if t > 0.0:
            s += t * x
        else:
            s -= t * y
    return s


def test_a_partial_hoisted_beside_its_primal_stays_there():
    """sin and cos of one argument next to each other compile to one sincos call;
    folding the cos into its use after the branch made this loop 1.8x slower."""
    lines = [line.strip() for line in nsadc.differentiate(_branchy, target="python").source("reverse").splitlines()]
    at = next(k for k, line in enumerate(lines) if "math.sin(" in line)
    assert "math.cos(" in lines[at + 1]


def _residuals(A, b, x):
    r = np.zeros(A.shape[0])
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            r[i] += A[i, j] * x[j]
    s = 0.0
    for i in range(A.shape[0]):
        s += abs(r[i] - b[i])
    return s


def test_the_adjoint_of_an_increment_passes_through():
    """r[i] += v: its reverse read r_bar[i], zeroed it and added it back."""
    d = nsadc.differentiate(_residuals, target="python")
    text = d.source("reverse")
    assert "r_bar[i] = 0.0" not in text and "r_bar[i] +=" not in text
    rng = np.random.default_rng(2)
    A, b, x = rng.standard_normal((5, 3)), rng.standard_normal(5), rng.standard_normal(3)
    gA, gb, gx = d.grad(A, b, x)
    sign = np.sign(A @ x - b)
    np.testing.assert_allclose(gx, A.T @ sign, rtol=1e-12)
    np.testing.assert_allclose(gA, np.outer(sign, x), rtol=1e-12)
    np.testing.assert_allclose(gb, -sign, rtol=1e-12)


def _running_max_with_inner_loop(x, y, n: int):
    m = x
    s = 0.0
    for i in range(n):
        m = max(m, y * math.sin(i))  # its new value: not read again in the iteration
        t = y * i
        for j in range(2):
            t = math.sin(t) * x  # an inner loop with a re-run of its own
        s += t
    return s + m


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_skipped_record_before_an_inner_loop_restores_nothing(target):
    """Was (at 245d1d5) a NameError (m_old): the re-run skipped m = max(m, ...),
    whose reverse then restored m from a local the re-run never set, because
    the inner loop's reverse had cleared the list of skipped records."""
    d = nsadc.differentiate(_running_max_with_inner_loop, target=target)
    got = d.grad(0.3, 0.7, 5)
    want = central_difference(_running_max_with_inner_loop, (0.3, 0.7, 5), [0, 1])
    assert got == pytest.approx(want, rel=1e-7)
    assert "m_old" not in d.source("reverse")


def _carried_quotient(x, y, n: int):
    for i0 in range(n):
        x = math.tanh(x + y) / (1.0 + abs(x))
    return x


def _carried_exp(x, y, n: int):
    for i in range(n):
        x = math.exp(-abs(x) * y)
    return x


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn", [_carried_quotient, _carried_exp])
def test_a_partial_that_uses_the_value_of_a_skipped_statement(fn, target):
    """Was (at 460fb5f and before, found by a 1500-program run of
    test_random_programs) a wrong gradient: the re-run of the iteration skips
    x = a / t (nothing after it reads the new x), whose reverse then took the
    quotient's partial -(x / t) from x, which still held the iteration's
    input.  Such a partial is now computed from the operands."""
    args = (0.6259235924155733, 0.4, 3)
    got = nsadc.differentiate(fn, target=target).grad(*args)
    want = central_difference(fn, args, [0, 1])
    assert got == pytest.approx(want, rel=1e-6, abs=1e-9)


# ------------------------------------- resets of elements no one reads again


def _nest(inner, loops=("i", "j"), after=(), returned="g_bar"):
    """for i: for j: inner; then after; return returned."""
    body = list(inner)
    for v in reversed(loops):
        body = [For(v, Const(0), Var("n"), Const(1), body)]
    return _fn(body + list(after) + [Return(Var(returned))], params=("h_bar", "n", "g_bar"))


def _read_then_reset(index=("i", "j")):
    idx = tuple(Var(v) for v in index)
    return [Assign("t_bar", Call("load", (Var("h_bar"), *idx))),
            Assign("h_bar", Call("store", (Var("h_bar"), *idx, Const(0.0)))),
            Assign("g_bar", Call("store", (Var("g_bar"), Var("i"), Call("add", (
                Call("load", (Var("g_bar"), Var("i"))), Var("t_bar"))))))]


def _resets(fn):
    tidy_adjoints(fn, {"t_bar"}, {"h_bar", "g_bar"})
    return [line for line in _lines(fn) if line.startswith("h_bar[")]


def test_the_reset_of_an_element_each_iteration_owns_goes():
    assert _resets(_nest(_read_then_reset())) == []


@pytest.mark.parametrize("fn", [
    _nest(_read_then_reset(("i",))),  # every j reads h_bar[i] again
    _nest(_read_then_reset(("j", "i")) + [Assign("u", Call("load", (Var("h_bar"), Var("j"), Var("j"))))]),
    _nest(_read_then_reset(), after=[Assign("u", Call("load", (Var("h_bar"), Const(0), Const(0))))]),
    _nest(_read_then_reset(), returned="h_bar"),  # the caller sees the zeros
])
def test_a_reset_that_may_be_read_again_stays(fn):
    assert _resets(fn) != []
