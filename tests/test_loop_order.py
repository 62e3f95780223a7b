"""Reversed loops whose iterations commute run counting up
(nsadc/passes/loop_order.py); the others keep counting down."""

import re

import numpy as np
import pytest

import nsadc
from nsadc.ir.nodes import Assign, Call, Comment, Const, CounterStep, For, Function, Param, Return, TapePop, TapePush, Var
from nsadc.passes.loop_order import run_forward_where_order_free
from programs import arrays as P
from test_arrays import fd_gradient


def lasso_data_term(X, y, w):
    n = X.shape[0]
    d = X.shape[1]
    s = 0.0
    for i in range(n):
        r = 0.0
        for j in range(d):
            r += X[i, j] * w[j]
        s += abs(r - y[i])
    return s


def strided(x, k: int):
    s = 0.0
    for i in range(1, len(x), k):
        s += x[i] * x[i - 1]
    return s


def prefix_recurrence(x, a):
    """y[i] reads y[i - 1]: the reverse must run backwards."""
    n = len(x)
    y = np.zeros(n)
    y[0] = x[0]
    for i in range(1, n):
        y[i] = a * y[i - 1] + abs(x[i])
    s = 0.0
    for i in range(n):
        s += y[i] * y[i]
    return s


def two_layer(X, W, v):
    """Each unit's dot product is taped and popped in the reverse."""
    n = X.shape[0]
    d = X.shape[1]
    h = W.shape[1]
    s = 0.0
    for i in range(n):
        out = 0.0
        for k in range(h):
            z = 0.0
            for j in range(d):
                z += X[i, j] * W[j, k]
            out += max(z, 0.0) * v[k]
        s += abs(out)
    return s


def triangular(X, W, v):
    """The inner loop's bounds move with the unit: no interchange."""
    n = X.shape[0]
    h = W.shape[1]
    s = 0.0
    for i in range(n):
        for k in range(h):
            z = 0.0
            for j in range(k + 1):
                z += X[i, j] * W[j, k]
            s += abs(z) * v[k]
    return s


def rows_inner(X, W, v):
    """W[k, j] with j innermost is contiguous already: no interchange."""
    n = X.shape[0]
    d = X.shape[1]
    h = W.shape[0]
    s = 0.0
    for i in range(n):
        for k in range(h):
            z = 0.0
            for j in range(d):
                z += X[i, j] * W[k, j]
            s += max(z, 0.0) * v[k]
    return s


def whole_array_mlp(X, W, v, y):
    hidden = np.maximum(X @ W, 0.0)
    return np.mean((hidden @ v - y) ** 2)


def _data(seed, m=7, n=5):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, n)), rng.standard_normal(m), rng.standard_normal(n)


def _reverse_source(fn, *args):
    return nsadc.differentiate(fn, target="python").source("reverse", *args)


def test_an_accumulating_reverse_loop_counts_up():
    X, y, w = _data(0)
    text = _reverse_source(lasso_data_term, X, y, w)
    assert "for j in range(d):" in text.split("# reverse sweep")[0].split("fused")[1]
    assert "-1, -1" not in text


def test_both_loops_of_an_in_place_accumulation_count_up():
    A, b, x = _data(1)
    text = _reverse_source(P.a_l1_regression, A, b, x).split("# reverse sweep")[1]
    assert "for i in range(m):" in text and "for j in range(n):" in text
    assert "-1, -1" not in text


def test_a_loop_that_pops_one_value_per_iteration_reads_the_tape_counting_up():
    rng = np.random.default_rng(3)
    text = _reverse_source(two_layer, rng.standard_normal((4, 3)), rng.standard_normal((3, 5)),
                           rng.standard_normal(5))
    assert re.search(r"n_tape -= len\(range\(h\)\)\n(\s+#.*\n)?\s+for k in range\(h\):", text), text
    assert "-1, -1" not in text


def test_an_accumulation_across_a_stride_is_interchanged():
    rng = np.random.default_rng(3)
    text = _reverse_source(two_layer, rng.standard_normal((4, 3)), rng.standard_normal((3, 5)),
                           rng.standard_normal(5))
    reverse = text.split("n_tape -= len(range(h))")[1]
    assert "z_bar_of_k[k] = " in reverse
    # X[i, j] is read once per j, before the loop over k
    assert re.search(r"for j in range\(d\):\n(.*\n)*? {12}X_i_j\w* = X\[i, j\]\n {12}for k in range\(h\):", reverse)
    assert re.search(r"z_bar_of_k = np\.(empty|full)\(0", text.split("# forward sweep")[0])


def test_an_inner_bound_the_iteration_recomputes_is_taken_from_its_value(monkeypatch):
    """n_5 = X.shape[1] is assigned in each iteration of the units' loop, from
    names no iteration changes: the interchanged loop runs over X.shape[1].
    (The re-run reads the units' sums back from the forward sweep instead,
    transforms/reverse.py's _forward_results; without that rule it computes
    them again, and that computation is the one interchanged.)"""
    from nsadc.transforms import reverse

    rng = np.random.default_rng(5)
    args = (rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5), rng.standard_normal(4))
    assert "results_tape[" in _reverse_source(whole_array_mlp, *args).split("# reverse sweep")[1]
    monkeypatch.setattr(reverse, "_forward_results", lambda *a: {})
    text = _reverse_source(whole_array_mlp, *args)
    assert "_of_" in text and "range(X.shape[1]):" in text.split("# reverse sweep")[1]


@pytest.mark.parametrize("fn, shape_w", [(triangular, (3, 3)), (rows_inner, (5, 3))])
def test_no_interchange_where_it_cannot_help_or_is_not_valid(fn, shape_w):
    rng = np.random.default_rng(4)
    text = _reverse_source(fn, rng.standard_normal((4, 3)), rng.standard_normal(shape_w), rng.standard_normal(5))
    # no buffer per unit for a whole interchange (rows_inner's units are
    # strip-mined instead, four at a time: test_reduction_interchange.py)
    assert "_of_k = np.full(0," not in text


def test_a_recurrence_keeps_counting_down():
    x = np.random.default_rng(2).standard_normal(6)
    text = _reverse_source(prefix_recurrence, x, 0.7).split("# reverse sweep")[1]
    assert "for i in range(n - 1, 0, -1):" in text


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn, make, positions", [
    (lasso_data_term, lambda rng: (rng.standard_normal((7, 5)), rng.standard_normal(7), rng.standard_normal(5)),
     [0, 1, 2]),
    (P.a_l1_regression, lambda rng: (rng.standard_normal((6, 4)), rng.standard_normal(6), rng.standard_normal(4)),
     [0, 1, 2]),
    (strided, lambda rng: (rng.standard_normal(11), 3), [0]),
    (two_layer, lambda rng: (rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5)),
     [0, 1, 2]),
    (triangular, lambda rng: (rng.standard_normal((4, 3)), rng.standard_normal((3, 3)), rng.standard_normal(3)),
     [0, 1, 2]),
    (rows_inner, lambda rng: (rng.standard_normal((4, 3)), rng.standard_normal((5, 3)), rng.standard_normal(5)),
     [0, 1, 2]),
    (whole_array_mlp, lambda rng: (rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5),
                                   rng.standard_normal(4)), [0, 1, 2, 3]),
    (prefix_recurrence, lambda rng: (rng.standard_normal(6), 0.7), [0, 1]),
])
def test_gradients_match_finite_differences(fn, make, positions, target):
    args = make(np.random.default_rng(5))
    got = nsadc.differentiate(fn, target=target).grad(*args)
    got = got if isinstance(got, tuple) else (got,)
    for g, want in zip(got, fd_gradient(fn, args, positions)):
        np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-8)


# ------------------------------------------------ the decision, on IR


def _loop(body):
    return For("j", Const(9), Const(-1), Const(-1), body)


def _decide(body, after=()):
    """Whether the pass turns ``for j in range(9, -1, -1): body`` around."""
    loop = _loop(body)
    fn = Function("f_vjp", [Param("g", "array"), Param("c", "float")], [loop, *after, Return(Var("c"))])
    fn.counting_up = {id(loop): For("j", Const(0), Const(10), Const(1), [])}
    run_forward_where_order_free(fn)
    up = next(s for s in fn.body if isinstance(s, For))
    return up.step == Const(1)


def _load(a, i="j"):
    return Call("load", (Var(a), Var(i)))


def _accumulate(a, value, i="j"):
    return Assign(a, Call("store", (Var(a), Var(i), Call("add", (_load(a, i), value)))))


def test_private_temporaries_and_accumulations_commute():
    assert _decide([Comment("re-run"), Assign("t", _load("x")),
                    _accumulate("g", Call("mul", (Var("t"), Var("c")))),
                    Assign("s_bar", Call("add", (Var("s_bar"), Var("t"))))])


@pytest.mark.parametrize("body", [
    # t is read before this iteration assigns it: the previous iteration's value
    [Assign("u", Var("t")), Assign("t", _load("x")), _accumulate("g", Var("u"))],
    # the adjoint array is read as well as accumulated
    [_accumulate("g", _load("g", "k"))],
    [Assign("t", _load("g")), _accumulate("g", Var("t"), "k")],
    # a plain store, not an accumulation, into an element other iterations store into too
    [Assign("g", Call("store", (Var("g"), Var("k"), _load("x"))))],
    # its own element, read at another iteration's index
    [Assign("t", _load("g", "k")), Assign("g", Call("store", (Var("g"), Var("j"), Const(0.0)))),
     Assign("c", Call("add", (Var("c"), Var("t"))))],
    # an accumulator read inside the loop
    [Assign("c", Call("add", (Var("c"), Const(1.0)))), _accumulate("g", Var("c"))],
    # opaque tape lines: order matters
    [TapePush("tape", Var("n_tape"), Var("c")), CounterStep("n_tape", "+=", Const(1)), _accumulate("g", Var("c"), "k")],
    [Assign("t", _load("x")), CounterStep("n_tape", "-=", Const(1)), TapePop("tape", Var("n_tape"), Var("u")),
     _accumulate("g", Call("mul", (Var("u"), Var("t"))))],
    # two pops from one tape in each iteration
    [CounterStep("n_tape", "-=", Const(1)), TapePop("tape", Var("n_tape"), Var("u")), CounterStep("n_tape", "-=", Const(1)), TapePop("tape", Var("n_tape"), Var("t")),
     _accumulate("g", Var("u"))],
])
def test_order_dependences_keep_the_loop_counting_down(body):
    assert not _decide(body)


def test_an_iteration_that_reads_and_resets_its_own_element_commutes():
    # the reverse of an array rewritten in each step: read the element's adjoint, then zero it
    reset = [Assign("t", _load("g")), Assign("g", Call("store", (Var("g"), Var("j"), Const(0.0)))),
             Assign("c", Call("add", (Var("c"), Var("t"))))]
    assert _decide(reset)
    # not where the range reaches below 0: g[-1] is g[n - 1], another iteration's element
    loop = For("j", Const(4), Const(-2), Const(-1), reset)
    fn = Function("f_vjp", [Param("g", "array"), Param("c", "float")], [loop, Return(Var("c"))])
    fn.counting_up = {id(loop): For("j", Const(-1), Const(5), Const(1), [])}
    run_forward_where_order_free(fn)
    assert next(s for s in fn.body if isinstance(s, For)).step == Const(-1)


def test_a_pop_opening_the_body_is_read_in_push_order():
    loop = _loop([Comment("pop"), CounterStep("n_tape", "-=", Const(1)), TapePop("tape", Var("n_tape"), Var("u")), _accumulate("g", Var("u"))])
    fn = Function("f_vjp", [Param("g", "array")], [loop, Return(Var("g"))])
    fn.counting_up = {id(loop): For("j", Const(0), Const(10), Const(1), [])}
    run_forward_where_order_free(fn)
    from nsadc.emit import function_source
    lines = [line.strip() for line in function_source(fn).splitlines()]
    at = lines.index("for j in range(10):")
    assert lines[at - 1] == "n_tape -= len(range(10))" and lines[at + 2:at + 4] == ["u = tape[n_tape]", "n_tape += 1"]
    assert lines[at + 5] == "n_tape -= len(range(10))"


def test_a_private_value_read_after_the_loop_keeps_it_counting_down():
    body = [Assign("t", _load("x")), _accumulate("g", Var("t"))]
    assert _decide(body)
    assert not _decide(body, [Assign("c", Var("t"))])
    assert not _decide(body, [Assign("c", Var("j"))])  # the loop variable's last value
    assert _decide(body, [Assign("t", Const(0.0)), Assign("c", Var("t"))])


def test_a_read_inside_a_later_while_loop_keeps_it_counting_down():
    from nsadc.ir.nodes import While
    body = [Assign("t", _load("x")), _accumulate("g", Var("t"))]
    later = While(Var("c"), [Assign("c", Var("t"))])
    assert not _decide(body, [later])
    assert not _decide(body, [For("m", Const(0), Const(3), Const(1), [later])])


def test_a_temporary_each_inner_loop_assigns_first_is_private():
    """t is assigned before it is read in each of two inner loops: no
    iteration sees another's t (a loop that may not run leaves t alone,
    and the next one assigns it first too)."""
    def inner(reads_first):
        first = [] if reads_first else [Assign("t", _load("x", "m"))]
        return For("m", Const(0), Var("c"), Const(1), first + [_accumulate("g", Var("t"))])
    assert _decide([inner(False), inner(False)])
    # the second loop may read the t of a previous iteration (the first loop may not run)
    assert not _decide([inner(False), inner(True)])
