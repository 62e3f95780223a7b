"""A loop of dot products runs its inner loop outermost over a buffer
(nsadc/passes/reduction_interchange.py), only where that is valid and
makes the innermost loop contiguous; values stay bit for bit the loop's own."""

import math
import re

import numba
import numpy as np
import pytest

import nsadc
from test_arrays import fd_gradient


def units(X, W, b, v):
    """One hidden unit at a time, its pre-activation in a scalar."""
    n = X.shape[0]
    d = X.shape[1]
    h = W.shape[1]
    s = 0.0
    for i in range(n):
        out = 0.0
        for k in range(h):
            z = b[k]
            for j in range(d):
                z += X[i, j] * W[j, k]
            out += max(z, 0.0) * v[k]
        s += abs(out)
    return s


def two_sums(X, W, b, v):
    """Two accumulators, a private temporary in the inner loop, a kink in it,
    and a value of S1 (c) that the inner loop reads."""
    n = X.shape[0]
    d = X.shape[1]
    h = W.shape[1]
    s = 0.0
    for i in range(n):
        for k in range(1, h):
            c = 0.5 * b[k]
            z = c
            q = 0.0
            for j in range(1, d):
                t = X[i, j] - W[j, k]
                z += c * t
                q += abs(t)
            s += math.tanh(z) * v[k] + q
    return s


def carried(X, W, b, v):
    """S1 reads what S2 of the previous unit wrote: no interchange."""
    n = X.shape[0]
    d = X.shape[1]
    h = W.shape[1]
    s = 0.0
    for i in range(n):
        prev = 0.0
        for k in range(h):
            z = b[k] + 0.5 * prev
            for j in range(d):
                z += X[i, j] * W[j, k]
            prev = max(z, 0.0)
            s += prev * v[k]
    return s


def temporary_used_later(X, W, b, v):
    """The inner loop's temporary t is read after it, in S2: no interchange."""
    n = X.shape[0]
    d = X.shape[1]
    h = W.shape[1]
    s = 0.0
    for i in range(n):
        for k in range(h):
            z = b[k]
            t = 0.0
            for j in range(d):
                t = X[i, j] * W[j, k]
                z += t
            s += abs(z) * v[k] + t
    return s


def reads_what_it_writes(X, W, b, v):
    """The inner loop reads u, which S2 writes: no interchange."""
    n = X.shape[0]
    d = X.shape[1]
    h = W.shape[1]
    s = 0.0
    u = 1.0
    for i in range(n):
        for k in range(h):
            z = b[k]
            for j in range(d):
                z += u * X[i, j] * W[j, k]
            u = 0.5 + 0.25 * math.tanh(z)
            s += max(z, 0.0) * v[k]
    return s


def _args(seed=0, n=3, d=4, h=5):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)), rng.standard_normal((d, h)), rng.standard_normal(h),
            rng.standard_normal(h))


INTERCHANGED = [units, two_sums]
KEPT = [carried, temporary_used_later, reads_what_it_writes]


@pytest.mark.parametrize("fn", INTERCHANGED)
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_the_dot_products_run_with_the_units_innermost(fn, mode):
    text = nsadc.differentiate(fn, target="python").source(mode, *_args())
    forward = text.split("# reverse sweep")[0]
    assert re.search(r"z_of_k = np.full\(0, .*b.dtype.type\(1\)", text)  # in z's own precision
    # the loop over j holds the loop over k, which adds into z_of_k along W's rows
    nest = re.search(r"\n( +)for j in range\((1, )?d\):\n(\1    .*\n)*?\1    for k in range\((1, )?h\):\n"
                     r"(\1        .*\n)*?\1        z_of_k\[k( - 1)?\] \+= ", forward)
    assert nest, forward


@pytest.mark.parametrize("fn", KEPT)
def test_no_interchange_where_the_units_depend_on_each_other(fn):
    for mode in ("forward", "reverse"):
        assert "_of_k" not in nsadc.differentiate(fn, target="python").source(mode, *_args())


@pytest.mark.parametrize("fn", INTERCHANGED + KEPT)
def test_gradients_and_directional_derivatives_match_finite_differences(fn):
    args = _args(1)
    d = nsadc.differentiate(fn, target="python")
    got = d.grad(*args)
    want = fd_gradient(fn, args, [0, 1, 2, 3])
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)
    direction = tuple(np.linspace(-1.0, 1.0, a.size).reshape(a.shape) for a in args)
    _, dot = d.jvp(args, direction)
    assert dot == pytest.approx(sum(float(np.sum(g * v)) for g, v in zip(want, direction)), rel=1e-6)


@pytest.mark.parametrize("fn", INTERCHANGED)
def test_the_value_is_bit_for_bit_the_loops_own(fn):
    """Each unit still adds its terms in the same order."""
    args = _args(2, n=5, d=7, h=6)
    d = nsadc.differentiate(fn, target="python")
    assert d.value_and_grad(*args)[0] == fn(*args)
    assert d.jvp(args, tuple(np.ones_like(a) for a in args))[0] == fn(*args)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn", INTERCHANGED)
def test_float32_sums_stay_float32(fn, target):
    """The buffers take the precision of the values they keep: a float32
    network's pre-activations are summed in float32, as the loop sums them."""
    args = tuple(a.astype(np.float32) for a in _args(5, n=4, d=9, h=7))
    primal = fn if target == "python" else numba.njit(fn)
    d = nsadc.differentiate(fn, target=target)
    value, grads = d.value_and_grad(*args)
    assert value == primal(*args)
    assert all(g.dtype == np.float32 for g in grads)


@pytest.mark.slow
@pytest.mark.parametrize("fn", INTERCHANGED + KEPT)
def test_compiled_gradients_agree_with_the_python_target(fn):
    args = _args(3)
    got = nsadc.differentiate(fn).grad(*args)
    want = nsadc.differentiate(fn, target="python").grad(*args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


def test_an_empty_range_of_units_leaves_the_value_alone():
    args = _args(4, h=1)  # two_sums's units run over range(1, h): none
    d = nsadc.differentiate(two_sums, target="python")
    value, grads = d.value_and_grad(*args)
    assert value == two_sums(*args) == 0.0
    assert all(not np.any(g) for g in grads)


def whole_array_mlp(X, W, b, v):
    hidden = np.maximum(X @ W + b, 0.0)
    return np.mean((hidden @ v) ** 2)


def test_a_whole_array_layer_is_interchanged_in_the_forward_sweep_too(monkeypatch):
    """X @ W lowers to a dot product per element of the hidden layer; the
    forward sweep runs it with the units innermost, and the reverse sweep
    reads the sums back (transforms/reverse.py's _forward_results).  Without
    that rule the re-run computes them again, also with the units innermost."""
    from nsadc.transforms import reverse as reverse_mode

    text = nsadc.differentiate(whole_array_mlp, target="python").source("reverse", *_args())
    forward, reverse = text.split("# reverse sweep")
    assert re.search(r"total_of_j(_\d+)?\[j\] \+= ", forward) and "results_tape[" in reverse
    monkeypatch.setattr(reverse_mode, "_forward_results", lambda *a: {})
    text = nsadc.differentiate(whole_array_mlp, target="python").source("reverse", *_args())
    forward, reverse = text.split("# reverse sweep")
    assert all(re.search(r"total_of_j(_\d+)?\[j\] \+= ", part) for part in (forward, reverse))
    args = _args(6)
    got = nsadc.differentiate(whole_array_mlp, target="python").grad(*args)
    for g, w in zip(got, fd_gradient(whole_array_mlp, args, [0, 1, 2, 3])):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)


# ------------------------------------------- row-wise dot products: strips


def hinge_rows(X, y, w, b):
    """The SVM's shape: a row's dot product in a scalar, a kink after it."""
    n = X.shape[0]
    d = X.shape[1]
    s = 0.0
    for i in range(n):
        m = b
        for j in range(d):
            m += X[i, j] * w[j]
        s += max(0.0, 1.0 - y[i] * m)
    return s


def residuals_in_place(X, y, w, b):
    """The L1 regression's shape: each row accumulated into its own element
    of an array the function allocates."""
    n = X.shape[0]
    d = X.shape[1]
    r = np.zeros(n)
    for i in range(n):
        for j in range(d):
            r[i] += X[i, j] * w[j]
    s = 0.0
    for i in range(n):
        s += abs(r[i] - y[i] + b)
    return s


def rows_carried(X, y, w, b):
    """Each row starts from the previous row's sum: no strip."""
    n = X.shape[0]
    d = X.shape[1]
    s = 0.0
    m = b
    for i in range(n):
        m = 0.5 * m
        for j in range(d):
            m += X[i, j] * w[j]
        s += abs(m - y[i])
    return s


def rows_read_back(X, y, w, b):
    """A row reads the element the previous row stored: no strip."""
    n = X.shape[0]
    d = X.shape[1]
    r = np.zeros(n + 1)
    for i in range(n):
        r[i + 1] = 0.5 * r[i]
        for j in range(d):
            r[i + 1] += X[i, j] * w[j]
    s = 0.0
    for i in range(n):
        s += abs(r[i + 1] - y[i] + b)
    return s


def _row_args(seed=0, n=9, d=5):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)), rng.choice([-1.0, 1.0], n), rng.standard_normal(d),
            float(rng.standard_normal()))


STRIPPED = [hinge_rows, residuals_in_place]
NOT_STRIPPED = [rows_carried, rows_read_back]


@pytest.mark.parametrize("fn", STRIPPED)
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_row_wise_dot_products_run_four_rows_at_a_time(fn, mode):
    text = nsadc.differentiate(fn, target="python").source(mode, *_row_args())
    forward = text.split("# reverse sweep")[0]
    # whole strips, the four rows' sums interleaved inside the loop over j,
    # each in a scalar of its own ...
    strip = re.search(r"\n( +)for i_strip in range\(0, i_strips_end, 4\):\n(\1    .*\n)*?\1    for j in range\(d\):\n"
                      r"((\1        .*\n)*)", forward)
    assert strip, forward
    rows = strip.group(3)
    assert all(f"[i_strip{'' if u == 0 else f' + {u}'}, j]" in rows for u in range(4)), rows
    assert re.search(r"\w+_0 \+= ", rows) and re.search(r"\w+_3 \+= ", rows), rows
    # ... then the rows that do not fill one, as written
    assert re.search(r"\n *for i in range\(i_strips_end, n\):\n", forward), forward
    # rows of a middling length (ROWS_AS_WRITTEN) all run as written: the strips end where they start
    assert "i_strips_end = 0 if 24 <= d and d < 64 else max(0, n - n % 4)" in forward, forward


@pytest.mark.parametrize("d", [5, 24, 30, 63, 64, 70])
@pytest.mark.parametrize("fn", STRIPPED)
def test_rows_of_every_length_keep_values_bit_for_bit_and_gradients(fn, d):
    """Rows of a middling length run as written, the others in strips: the same values."""
    args = _row_args(1, n=9, d=d)
    dd = nsadc.differentiate(fn, target="python")
    value, grads = dd.value_and_grad(*args)
    assert value == fn(*args)
    want = fd_gradient(fn, args, [0, 1, 2, 3])
    for g, w in zip(grads, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("fn", NOT_STRIPPED)
def test_no_strips_where_the_rows_depend_on_each_other(fn):
    for mode in ("forward", "reverse"):
        assert "i_strip" not in nsadc.differentiate(fn, target="python").source(mode, *_row_args())


def test_no_strips_into_an_argument_another_may_share_memory_with():
    def into_argument(X, w, r):
        n = X.shape[0]
        d = X.shape[1]
        for i in range(n):
            for j in range(d):
                r[i] += X[i, j] * w[j]
        s = 0.0
        for i in range(n):
            s += abs(r[i])
        return s

    rng = np.random.default_rng(0)
    X, w = rng.standard_normal((6, 3)), rng.standard_normal(3)
    d = nsadc.differentiate(into_argument, wrt=["X", "w"], target="python")
    assert "i_strip" not in d.source("reverse", X, w, np.zeros(6))
    r = np.zeros(6)
    got = d.grad(X, w, r)
    want = fd_gradient(lambda X, w: into_argument(X, w, np.zeros(6)), (X, w), [0, 1])
    for g, e in zip(got, want):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("n", [0, 1, 3, 4, 5, 9])
@pytest.mark.parametrize("fn", STRIPPED + NOT_STRIPPED)
def test_strips_keep_values_bit_for_bit_and_gradients(fn, n):
    """Every row count: none, fewer than a strip, whole strips, a remainder."""
    args = _row_args(n, n=n)
    d = nsadc.differentiate(fn, target="python")
    value, grads = d.value_and_grad(*args)
    assert value == fn(*args)
    assert d.jvp(args, tuple(np.ones_like(a) if isinstance(a, np.ndarray) else 1.0 for a in args))[0] == fn(*args)
    want = fd_gradient(fn, args, [0, 1, 2, 3])
    for g, w in zip(grads, want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)


def offset_rows(X, c, w):
    """A row's sum starts from an element of c: float32 data sums in float32."""
    n = X.shape[0]
    d = X.shape[1]
    s = 0.0
    for i in range(n):
        m = c[i]
        for j in range(d):
            m += X[i, j] * w[j]
        s += abs(m)
    return s


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_strip_buffers_keep_float32(target):
    X, c, w, _ = _row_args(7, n=10, d=6)
    args = (X.astype(np.float32), c.astype(np.float32), w.astype(np.float32))
    primal = offset_rows if target == "python" else numba.njit(offset_rows)
    d = nsadc.differentiate(offset_rows, target=target)
    assert "m_of_i = np.full(4, c.dtype.type(1) + X.dtype.type(1) * w.dtype.type(1))" in d.source("reverse", *args)
    value, grads = d.value_and_grad(*args)
    assert value == primal(*args)
    assert all(g.dtype == np.float32 for g in grads)


@pytest.mark.slow
@pytest.mark.parametrize("fn", STRIPPED)
def test_compiled_strips_agree_with_the_python_target(fn):
    args = _row_args(8, n=11)
    value, got = nsadc.differentiate(fn).value_and_grad(*args)
    assert value == numba.njit(fn)(*args)
    want = nsadc.differentiate(fn, target="python").grad(*args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)



def second_layer(X, W, b, v):
    """A second layer reads the first one's activations from a work array
    the function allocates (float64, whatever the arguments' precision);
    it reuses the first layer's weights (square: d == h)."""
    n = X.shape[0]
    d = X.shape[1]
    h = W.shape[1]
    a = np.empty(h)
    s = 0.0
    for i in range(n):
        for k in range(h):
            z = b[k]
            for j in range(d):
                z += X[i, j] * W[j, k]
            a[k] = max(z, 0.0)
        for k in range(h):
            y = v[k]
            for j in range(h):
                y += a[j] * W[j, k]
            s += abs(y)
    return s


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_layer_over_a_work_array_is_interchanged_in_the_arrays_precision(target):
    args = _args(7, n=3, d=5, h=5)
    text = nsadc.differentiate(second_layer, target="python").source("reverse", *args)
    # the work array's elements stand as float64 in the buffer's witness
    assert re.search(r"y_of_k = np.full\(0, v.dtype.type\(1\) \+ np.float64\(1\) \* W.dtype.type\(1\)\)", text), text
    assert re.search(r"\n( +)for j in range\(h\):\n(\1    .*\n)*?\1    for k in range\(h\):\n", text), text
    d = nsadc.differentiate(second_layer, target=target)
    value, grads = d.value_and_grad(*args)
    primal = second_layer if target == "python" else numba.njit(second_layer)
    assert value == primal(*args)  # each unit's terms in the loop's order
    for g, w in zip(grads, fd_gradient(second_layer, args, [0, 1, 2, 3])):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)
    args32 = tuple(a.astype(np.float32) for a in args)
    value32, grads32 = d.value_and_grad(*args32)
    assert value32 == primal(*args32)
    assert all(g.dtype == np.float32 for g in grads32)


@pytest.mark.parametrize("witness, float64", [
    ("np.float64(1)", True),
    ("((1.0 if np.float64(1) > 0.0 else 0.0) if np.float64(1) == np.float64(1) else math.nan) * np.float64(1)", True),
    ("0.0 + X.dtype.type(1) * W.dtype.type(1)", False),  # an argument's precision
    ("out_bar * 2.0", False),  # a scalar argument, float32 if the caller passes one
    ("1 + 1", False),  # an int
    (None, False),
])
def test_a_witness_is_a_float64_only_when_it_names_no_argument(witness, float64):
    from nsadc.passes.reduction_interchange import is_float64_witness

    assert is_float64_witness(witness) is float64


def test_a_state_assigned_on_every_branch_is_followed_once_per_name():
    """A model's state variables, each assigned on both branches of a test
    from the one before (v1 = v0 * (v0 + a) either way, v2 from v1 ...): a
    witness follows each name once (remembered), not every path through the
    definitions (4 ** 7 expansions here)."""
    from nsadc.ir.nodes import Assign, Call, Const, Function, If, Param, Var
    from nsadc.passes.reduction_interchange import Precision

    body = []
    for k in range(1, 8):
        prev = Var(f"v{k - 1}")
        body.append(If(Call("gt", (prev, Const(0.0))),
                       [Assign(f"v{k}", Call("mul", (prev, Call("add", (prev, Var("a"))))))],
                       [Assign(f"v{k}", Call("mul", (prev, Call("add", (prev, Var("a"))))))]))
    fn = Function("f", [Param("a", "float"), Param("v0", "float")], body,
                  types={**{f"v{k}": "float" for k in range(8)}, "a": "float"})
    precision = Precision(fn)
    witness = precision.of(Var("v7"), [])
    assert witness is not None and "a" in witness and "v0" in witness
    assert precision._steps < 2000 and not precision.exhausted
