"""Clarke mode (lexicographic derivatives) for programs with arrays.

With N the number of scalar entries of the wrt arguments, Clarke mode runs
vector forward mode along N directions (the identity by default) and returns
``J_L f(x; M)·M⁻¹``, an element of the Clarke generalized gradient of a
piecewise-C¹ program, shaped like the wrt arguments.  At generic points it is
the gradient; at kinks the tests check exact LD values where they are known.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import nsadc
import test_arrays as TA
import test_vectorized as TV
from programs import arrays as P

# ------------------------------------------------------------ programs


def relu_difference_sum(x):
    """Σ relu(x_i) - relu(-x_i) = Σ x_i: its gradient is 1 everywhere, also at 0."""
    s = 0.0
    for i in range(x.shape[0]):
        s += max(x[i], 0.0) - max(-x[i], 0.0)
    return s


def relu_difference_vectorized(A):
    return np.sum(np.maximum(A, 0.0) - np.maximum(-A, 0.0))


def vmax(x):
    return np.max(x)


def vmin(x):
    return np.min(x)


def running_max(x):
    m = x[0]
    for i in range(1, x.shape[0]):
        m = max(m, x[i])
    return m


def row_max_sum(A):
    return np.sum(np.max(A, axis=1))


def argmax_value(x):
    return 2.0 * x[np.argmax(x)]


def sum_abs(x):
    return np.sum(np.abs(x))


def where_leaky(x):
    return np.sum(np.where(x > 0.0, x, 0.5 * x))


def svm(X, y, w, b, lam):
    margins = 1.0 - y * (X @ w + b)
    return np.mean(np.maximum(margins, 0.0)) + lam * np.sum(w ** 2)


def two_layer(X, W, v):
    """2-D argument, 2-D local: a ReLU layer and a linear read-out."""
    H = np.maximum(X @ W, 0.0)
    return np.sum(H @ v) / X.shape[0]


def hinge_loop(X, y, w):
    total = 0.0
    for i in range(X.shape[0]):
        m = 0.0
        for k in range(X.shape[1]):
            m += X[i, k] * w[k]
        total += max(0.0, 1.0 - y[i] * m)
    return total / X.shape[0]


def scaled_norm(x, c):
    return c * np.linalg.norm(x)


def fill_with(x, w):
    a = np.full(x.shape[0], w)
    s = 0.0
    for i in range(x.shape[0]):
        s += a[i] * x[i]
    return s


def python(fn, **kw):
    return nsadc.differentiate(fn, target="python", **kw)


# ------------------------------------------------------------ generic points

@pytest.mark.parametrize("name", [n for n in TA.NAMES if n not in TA.REFUSED])
def test_clarke_equals_grad_on_loop_programs(name):
    wrt = TA.CASES[name][1]
    d = python(getattr(P, name), wrt=wrt)
    positions = TA._wrt_positions(d)
    args, _ = TA.generic_point(name, 7, positions)
    c, g = TV.as_tuple(d.clarke_grad(*args)), TV.as_tuple(d.grad(*args))
    assert len(c) == len(g)
    for a, b, w in zip(c, g, d.wrt):
        assert type(a) is type(b) or isinstance(b, np.floating), (w, type(a), type(b))
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"{name}: {w}")


@pytest.mark.parametrize("name", TV.NAMES)
def test_clarke_equals_grad_on_vectorized_programs(name):
    args, _ = TV.generic_point(name, 3)
    d = TV.differentiable(name, "python")
    TV.assert_grad_close(d.clarke_grad(*args), TV.as_tuple(d.grad(*args)), rtol=1e-10, atol=1e-12,
                         msg=name)


@pytest.mark.parametrize("fn,make", [
    (svm, lambda r: (r.standard_normal((6, 3)), np.sign(r.standard_normal(6)), r.standard_normal(3),
                     0.2, 0.1)),
    (two_layer, lambda r: (r.standard_normal((5, 3)), r.standard_normal((3, 4)), r.standard_normal(4))),
    (hinge_loop, lambda r: (r.standard_normal((6, 3)), np.sign(r.standard_normal(6)), r.standard_normal(3))),
])
def test_clarke_matches_finite_differences(fn, make):
    args = make(np.random.default_rng(5))
    d = python(fn)
    positions = TA._wrt_positions(d)
    expected = TA.fd_gradient(fn, args, positions)
    c = TV.as_tuple(d.clarke_grad(*args))
    for got, want in zip(c, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    # the shapes follow the arguments: a float for a float, an array of its shape for an array
    for got, pos in zip(c, positions):
        if isinstance(args[pos], np.ndarray):
            assert isinstance(got, np.ndarray) and got.shape == args[pos].shape
        else:
            assert isinstance(got, float)


# ------------------------------------------------------------ kinks: exact LD values

def test_relu_difference_is_one_at_zero_where_reverse_mode_is_not():
    """The point of Clarke mode: relu(x) - relu(-x) = x has Clarke gradient {1}
    at 0, while reverse mode with relu'(0) = 0 gives 0 (an artificial critical point)."""
    x = np.array([0.0, 1.5, 0.0, -2.0])
    d = python(relu_difference_sum)
    np.testing.assert_array_equal(d.grad(x), [0.0, 1.0, 0.0, 1.0])
    np.testing.assert_array_equal(d.clarke_grad(x), np.ones(4))
    np.testing.assert_array_equal(d.clarke_grad(x, directions=-np.eye(4)), np.ones(4))
    A = np.zeros((2, 3))
    np.testing.assert_array_equal(python(relu_difference_vectorized).clarke_grad(A), np.ones((2, 3)))
    np.testing.assert_array_equal(nsadc.clarke_grad(relu_difference_sum, target="python")(x), np.ones(4))


def test_max_at_a_tie_picks_the_vertex_the_directions_lead_to():
    x = np.array([1.0, 3.0, 3.0])
    for fn in (vmax, running_max):
        d = python(fn)
        # identity: along e1 first, x[1] becomes the larger one
        np.testing.assert_array_equal(d.clarke_grad(x), [0.0, 1.0, 0.0])
        np.testing.assert_array_equal(d.clarke_grad(x, directions=np.eye(3)[::-1]), [0.0, 0.0, 1.0])
        np.testing.assert_array_equal(d.clarke_grad(np.array([2.0, 2.0, 2.0])), [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(python(vmax).grad(x), [0.0, 0.5, 0.5])  # min-norm: the hull's centre
    # min: the lexicographically smallest tied entry; along e1, x[1] grows, so x[2] is the min
    np.testing.assert_array_equal(python(vmin).clarke_grad(np.array([3.0, 1.0, 1.0])), [0.0, 0.0, 1.0])
    # per row, 2-D
    A = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    np.testing.assert_array_equal(python(row_max_sum).clarke_grad(A), [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    # np.argmax searches lexicographically too, so the index follows the same entry
    d = python(argmax_value)
    assert d(x) == 6.0
    np.testing.assert_array_equal(d.clarke_grad(x), [0.0, 2.0, 0.0])


def test_max_at_a_tie_with_random_directions_is_a_vertex():
    x = np.array([1.0, 3.0, 3.0])
    m = np.random.default_rng(0).standard_normal((3, 3))
    g = python(vmax).clarke_grad(x, directions=m)
    first = m[1, 0] - m[2, 0]  # which tied entry grows faster along the first direction
    np.testing.assert_allclose(g, [0.0, 1.0, 0.0] if first > 0 else [0.0, 0.0, 1.0], atol=1e-12)


def test_abs_and_where_at_zero_follow_the_directions():
    x = np.array([0.0, -1.0, 2.0, 0.0])
    d = python(sum_abs)
    np.testing.assert_array_equal(d.clarke_grad(x), [1.0, -1.0, 1.0, 1.0])
    np.testing.assert_array_equal(d.clarke_grad(x, directions=-np.eye(4)), [-1.0, -1.0, 1.0, -1.0])
    d = python(where_leaky)
    x = np.array([0.0, 2.0, -1.0])
    np.testing.assert_array_equal(d.clarke_grad(x), [1.0, 1.0, 0.5])  # x > 0 decided along +e0
    np.testing.assert_array_equal(d.clarke_grad(x, directions=-np.eye(3)), [0.5, 1.0, 0.5])


def _svm_at_margin():
    X = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 1.0], [-1.0, 0.5]])
    y = np.array([1.0, -1.0, 1.0, -1.0])
    w = np.array([0.5, 0.25])  # sample 0: y·(x·w + b) = 1 exactly, on the margin
    return X, y, w, 0.0, 0.1


def _svm_gradient(X, y, w, lam, active):
    n = X.shape[0]
    gw = 2 * lam * w - sum(y[i] * X[i] for i in active) / n
    gb = -sum(y[i] for i in active) / n
    return gw, gb


def test_hinge_loss_at_the_margin_gives_a_vertex_of_the_clarke_set():
    X, y, w, b, lam = _svm_at_margin()
    margins = 1.0 - y * (X @ w + b)
    assert margins[0] == 0.0
    inside = [i for i in range(4) if margins[i] > 0]
    d = python(svm, wrt=("w", "b"))
    # identity: along +w[0] the margin of sample 0 is met from outside: its term is 0
    gw, gb = d.clarke_grad(X, y, w, b, lam)
    want_w, want_b = _svm_gradient(X, y, w, lam, inside)
    np.testing.assert_allclose(gw, want_w, rtol=1e-14)
    assert gb == pytest.approx(want_b, rel=1e-14) and isinstance(gb, float)
    # along -w[0] first, sample 0 enters the hinge's linear piece
    gw, gb = d.clarke_grad(X, y, w, b, lam, directions=-np.eye(3))
    want_w, want_b = _svm_gradient(X, y, w, lam, inside + [0])
    np.testing.assert_allclose(gw, want_w, rtol=1e-14)
    assert gb == pytest.approx(want_b, rel=1e-14)
    # the loop-written hinge agrees
    g = python(hinge_loop, wrt="w").clarke_grad(X, y, w)
    np.testing.assert_allclose(g, _svm_gradient(X, y, w, 0.0, inside)[0], rtol=1e-14)


def test_hinge_loss_with_random_directions_lies_in_the_clarke_set():
    X, y, w, b, lam = _svm_at_margin()
    inside = [i for i in range(4) if 1.0 - y[i] * (X[i] @ w + b) > 0]
    vertices = [np.concatenate([gw, [gb]]) for gw, gb in
                (_svm_gradient(X, y, w, lam, inside), _svm_gradient(X, y, w, lam, inside + [0]))]
    d = python(svm, wrt=("w", "b"))
    for seed in range(4):
        m = np.random.default_rng(seed).standard_normal((3, 3))
        gw, gb = d.clarke_grad(X, y, w, b, lam, directions=m)
        g = np.concatenate([gw, [gb]])
        assert min(np.abs(g - v).max() for v in vertices) < 1e-10, (seed, g)


# ------------------------------------------------------------ auto policy, dtypes, arguments

def test_auto_switches_to_clarke_mode_where_a_kink_is_met():
    d = python(relu_difference_sum, kinks="auto")
    g, rep = d.grad(np.array([0.0, 1.5, -2.0]), report=True)
    assert rep.method == "clarke" and not rep.exact
    np.testing.assert_array_equal(g, np.ones(3))
    g, rep = d.grad(np.array([0.3, 1.5, -2.0]), report=True)
    assert rep.method == "reverse" and rep.exact
    np.testing.assert_array_equal(g, np.ones(3))
    value, g = d.value_and_grad(np.array([0.0, 0.0]))
    assert value == 0.0
    np.testing.assert_array_equal(g, np.ones(2))
    X, y, w, b, lam = _svm_at_margin()
    (gw, _), rep = python(svm, wrt=("w", "b"), kinks="auto").grad(X, y, w, b, lam, report=True)
    assert rep.method == "clarke"
    np.testing.assert_allclose(gw, python(svm, wrt=("w", "b")).clarke_grad(X, y, w, b, lam)[0], rtol=0)


def test_float32_comes_back_in_float32():
    x = np.array([1.0, 3.0, 3.0], dtype=np.float32)
    g = python(vmax).clarke_grad(x)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0])
    g = python(relu_difference_sum).clarke_grad(np.zeros(4, dtype=np.float32))
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, np.ones(4))


def test_directions_must_be_an_invertible_n_by_n_matrix():
    X, y, w, b, lam = _svm_at_margin()
    d = python(svm, wrt=("w", "b"))  # N = 2 entries of w + 1 for b
    with pytest.raises(nsadc.ArgumentError, match=r"3x3 matrix .*w, b"):
        d.clarke_grad(X, y, w, b, lam, directions=np.eye(2))
    with pytest.raises(nsadc.ArgumentError, match="invertible"):
        d.clarke_grad(X, y, w, b, lam, directions=np.ones((3, 3)))
    with pytest.raises(nsadc.ArgumentError, match="4x4"):
        python(sum_abs).clarke_grad(np.zeros((2, 2)), directions=np.eye(2))


# ------------------------------------------------------------ refusals

def test_the_two_norm_at_zero_is_refused_with_its_location():
    d = python(scaled_norm)
    np.testing.assert_allclose(d.clarke_grad(np.array([3.0, 4.0]), 2.0)[0], [1.2, 1.6])
    with pytest.raises(nsadc.NsadcError, match=r"test_clarke_arrays\.py:\d+:\d+: .*np\.linalg\.norm") as e:
        d.clarke_grad(np.zeros(2), 2.0)
    assert "hint:" in str(e.value)
    # grad still works there (it selects 0, the centre of the unit ball)
    np.testing.assert_array_equal(d.grad(np.zeros(2), 2.0)[0], [0.0, 0.0])


def test_np_full_of_a_differentiated_value_carries_its_derivative():
    """Was refused (np.full had no derivative in any mode); np.full(n, w) with a
    variable w is now lowered to stores of w."""
    d = python(fill_with)
    x = np.array([1.0, -2.0, 0.5])
    gx, gw = d.clarke_grad(x, 0.5)
    np.testing.assert_allclose(gx, [0.5, 0.5, 0.5])
    assert gw == pytest.approx(x.sum())
    assert d.grad(x, 0.5)[1] == pytest.approx(x.sum())


# ------------------------------------------------------------ emitted code

def test_lexicographic_source_allocates_only_at_entry():
    src = python(svm, wrt=("w", "b")).source("lexicographic", *_svm_at_margin())
    assert "def svm_ld(X, y, w, b, lam, w_d, b_d):" in src
    assert "nsadc" not in src.split("\n", 1)[1]
    assert "for j in range(nd):" in src and "lexicographic" in src
    body = src.split("def svm_ld", 1)[1]
    for line in body.splitlines():
        if re.search(r"np\.(zeros|empty|ones|full)|\.copy\(\)", line):
            assert line.startswith("    ") and not line.startswith("     "), f"allocation in a block: {line}"


# ------------------------------------------------------------ numba

@pytest.mark.slow
def test_compiled_clarke_mode_at_kinks():
    x = np.array([0.0, 1.5, 0.0, -2.0])
    np.testing.assert_array_equal(nsadc.differentiate(relu_difference_sum).clarke_grad(x), np.ones(4))
    d = nsadc.differentiate(vmax)
    np.testing.assert_array_equal(d.clarke_grad(np.array([1.0, 3.0, 3.0])), [0.0, 1.0, 0.0])
    g = d.clarke_grad(np.array([1.0, 3.0, 3.0], dtype=np.float32), directions=np.eye(3)[::-1])
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0])


@pytest.mark.slow
def test_compiled_clarke_mode_matches_python_and_auto():
    X, y, w, b, lam = _svm_at_margin()
    compiled = nsadc.differentiate(svm, wrt=("w", "b"))
    for directions in (None, -np.eye(3)):
        c = compiled.clarke_grad(X, y, w, b, lam, directions=directions)
        p = python(svm, wrt=("w", "b")).clarke_grad(X, y, w, b, lam, directions=directions)
        np.testing.assert_allclose(c[0], p[0], rtol=1e-14)
        assert c[1] == pytest.approx(p[1], rel=1e-14)
    # a 2-D argument and a 2-D local, with a ReLU exactly at 0 (X @ W)[0, 0] = 0
    args = (np.array([[1.0, 0.0]]), np.array([[0.0, 1.0], [1.0, 0.5]]), np.array([1.0, 2.0]))
    g, rep = nsadc.differentiate(two_layer, kinks="auto").grad(*args, report=True)
    assert rep.method == "clarke"
    for got, want in zip(g, python(two_layer).clarke_grad(*args)):
        np.testing.assert_allclose(got, want, rtol=1e-14)


def test_a_returned_value_also_read_once_keeps_its_directions(tmp_path):
    """The returned value's directions were folded into their one other read
    (a comparison's operand here) and the function returned zeros for them."""
    from helpers import load_function

    f = load_function(tmp_path, "def f(x, c):\n    s = x[0] * x[1]\n    t = s + c\n    y = np.zeros(2)\n"
                      "    y[0] = t\n    if y[0] > 0.0:\n        c = 2.0\n    return s\n", "f")
    d = nsadc.differentiate(f, wrt="x", target="python")
    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(d.clarke_grad(x, 1.0), [2.0, 0.5])
    np.testing.assert_allclose(d.grad(x, 1.0), [2.0, 0.5])
