"""The max / min reductions of whole-array NumPy (frontend/vectorize.py,
``_first_extreme`` and ``_reduction``): one pass finds the first extreme entry
and counts its ties; the derivative goes to that entry, or, at a tie, is shared
equally among the tied entries under every policy (the minimum-norm element
of the Clarke set, also what JAX and torch give).  Values are NumPy's, ties at
any position and all-equal windows are shared, the kink report flags ties and
only ties, and Clarke mode still follows the directions.
"""

from __future__ import annotations

import numpy as np
import pytest

import nsadc

POLICIES = ("min-norm", "jax", "torch")


def vmax(x):
    return np.max(x) * 2.0


def vmin(x):
    return np.min(x) * 3.0


def amax_methods(x):
    return x.max() - np.amin(x)


def max_abs(x):
    return np.max(np.abs(x))


def whole_matrix(A):
    return np.max(A) + A.min()


def rows_and_columns(A):
    return np.sum(np.max(A, axis=1) ** 2) + np.sum(np.min(A, axis=0) * 1.5)


def max_pool(x, k: int):
    n = x.shape[0]
    return np.sum(np.max(x[:n - n % k].reshape(-1, k), axis=1) ** 2)


def row_max_in_loop(A):
    s = 0.0
    for i in range(A.shape[0]):
        s += np.max(A[i, :]) * A[i, 0]
    return s


def argmax_value(x):
    return x[np.argmax(x)] * 2.0 + x[np.argmin(x)]


def argmax_rows(A):
    k = np.argmax(A, axis=1)
    s = 0.0
    for i in range(A.shape[0]):
        s += A[i, k[i]] * (i + 1.0)
    return s


def max_of_products(A, x):
    return np.max(A @ x)


def _d(fn, target="python", policy="min-norm"):
    return nsadc.differentiate(fn, target=target, kinks=policy)


def _shares(row, best):
    """The equal shares of a reduction's derivative among the entries equal to ``best``."""
    tied = row == best
    return tied / tied.sum()


# windows of width 4: no tie, a tie at the first and last positions, at the
# middle two, three tied, all four equal, and a tie of a non-extreme value
POOL = np.array([0.5, 2.0, -1.0, 1.5,
                 3.0, 1.0, 0.0, 3.0,
                 -2.0, 4.0, 4.0, 1.0,
                 1.0, 1.0, -5.0, 1.0,
                 2.5, 2.5, 2.5, 2.5,
                 -1.0, -1.0, 7.0, 0.0,
                 9.0])  # a trailing partial window, dropped


def _pool_grad(x, k):
    g = np.zeros_like(x)
    for s in range(0, x.size - k + 1, k):
        w = x[s:s + k]
        g[s:s + k] = 2.0 * w.max() * _shares(w, w.max())
    return g


@pytest.mark.parametrize("policy", POLICIES)
def test_max_pool_shares_ties_at_every_position(policy, target):
    d = _d(max_pool, target, policy)
    x = POOL.copy()
    assert d(x, 4) == max_pool(x, 4)
    np.testing.assert_array_equal(d.grad(x, 4), _pool_grad(x, 4))
    # width 3 puts the ties elsewhere in the windows
    np.testing.assert_array_equal(d.grad(x, 3), _pool_grad(x, 3))
    assert d(x, 3) == max_pool(x, 3)


@pytest.mark.parametrize("policy", POLICIES)
def test_whole_array_ties(policy, target):
    cases = [np.array([1.0, 3.0, 3.0, -2.0, 0.0]), np.array([3.0, -1.0, 0.0, 3.0, 3.0]),
             np.array([2.0, 2.0, 2.0, 2.0]), np.array([5.0]), np.array([-1.0, 3.0, -1.0, 0.0, -1.0])]
    for x in cases:
        assert _d(vmax, target, policy)(x) == vmax(x)
        assert _d(vmin, target, policy)(x) == vmin(x)
        np.testing.assert_array_equal(_d(vmax, target, policy).grad(x), 2.0 * _shares(x, x.max()))
        np.testing.assert_array_equal(_d(vmin, target, policy).grad(x), 3.0 * _shares(x, x.min()))
        np.testing.assert_array_equal(_d(amax_methods, target, policy).grad(x),
                                      _shares(x, x.max()) - _shares(x, x.min()))
        a = np.abs(x)
        np.testing.assert_array_equal(_d(max_abs, target, policy).grad(x), np.sign(x) * _shares(a, a.max()))


@pytest.mark.parametrize("policy", POLICIES)
def test_axis_reductions_share_ties(policy, target):
    A = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [-1.0, 5.0, -1.0, 5.0]])
    d = _d(rows_and_columns, target, policy)
    assert d(A) == rows_and_columns(A)
    want = np.array([2.0 * r.max() * _shares(r, r.max()) for r in A])
    want += np.array([1.5 * _shares(c, c.min()) for c in A.T]).T
    np.testing.assert_array_equal(d.grad(A), want)
    d = _d(whole_matrix, target, policy)
    assert d(A) == whole_matrix(A)
    np.testing.assert_array_equal(d.grad(A), _shares(A, A.max()) + _shares(A, A.min()))


def test_reduction_inside_a_loop_shares_ties(target):
    A = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0], [4.0, -1.0, 0.0]])
    d = _d(row_max_in_loop, target)
    assert d(A) == row_max_in_loop(A)
    want = np.array([r[0] * _shares(r, r.max()) for r in A])
    want[:, 0] += A.max(axis=1)
    np.testing.assert_array_equal(d.grad(A), want)


def test_argmax_takes_the_first_extreme_entry(target):
    x = np.array([1.0, 4.0, -2.0, 4.0, -2.0])
    d = _d(argmax_value, target)
    assert d(x) == argmax_value(x)
    np.testing.assert_array_equal(d.grad(x), [0.0, 2.0, 1.0, 0.0, 0.0])


def test_argmax_along_an_axis_takes_the_first_extreme_entry(target):
    A = np.array([[1.0, 4.0, 4.0], [2.0, 2.0, 2.0], [0.0, -1.0, 3.0]])
    d = _d(argmax_rows, target)
    assert d(A) == argmax_rows(A)
    np.testing.assert_array_equal(d.grad(A), [[0.0, 1.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 3.0]])


@pytest.mark.parametrize("policy", POLICIES)
def test_an_element_that_is_a_loop_shares_ties(policy, target):
    """np.max(A @ x): each element is a dot product (the shares are then one
    loop nest, over the extreme entry alone when it is not tied)."""
    A = np.array([[1.0, 2.0], [0.5, -1.0], [1.0, 2.0], [2.0, 0.5]])
    x = np.array([1.0, 1.0])  # rows 0 and 2 give 3.0, row 3 gives 2.5
    d = _d(max_of_products, target, policy)
    assert d(A, x) == max_of_products(A, x)
    gA, gx = d.grad(A, x)
    share = np.array([0.5, 0.0, 0.5, 0.0])
    np.testing.assert_array_equal(gA, np.outer(share, x))
    np.testing.assert_array_equal(gx, share @ A)
    x = np.array([1.0, 0.5])  # row 3 alone: 2.25
    gA, gx = d.grad(A, x)
    np.testing.assert_array_equal(gA, np.outer([0.0, 0.0, 0.0, 1.0], x))
    np.testing.assert_array_equal(gx, A[3])
    _, rep = d.grad(A, x, report=True)
    assert rep.exact is True


def test_infinite_extremes_are_shared(target):
    x = np.array([np.inf, 1.0, np.inf, -np.inf])
    assert _d(vmax, target)(x) == np.inf
    np.testing.assert_array_equal(_d(vmax, target).grad(x), [1.0, 0.0, 1.0, 0.0])
    assert _d(vmin, target)(x) == -np.inf
    np.testing.assert_array_equal(_d(vmin, target).grad(x), [0.0, 0.0, 0.0, 3.0])


def test_a_first_entry_nan_is_the_extreme(target):
    """A NaN first entry stays the extreme, as NumPy's value is NaN, and no
    entry gets a share of the derivative; the other windows are unaffected.
    (A NaN after the first entry is passed over by the search.)"""
    x = np.array([np.nan, 1.0, 2.0, 3.0, 1.0, 3.0])
    d = _d(vmax, target)
    assert np.isnan(d(x[:3]))
    np.testing.assert_array_equal(d.grad(x[:3]), [0.0, 0.0, 0.0])
    d = _d(max_pool, target)
    assert np.isnan(d(x, 3)) and np.isnan(max_pool(x, 3))
    g = d.grad(x, 3)
    assert np.isnan(g[:3]).all()  # 0 times the window's cotangent 2·NaN
    np.testing.assert_array_equal(g[3:], [3.0, 0.0, 3.0])


def test_the_report_flags_ties_and_only_ties(target):
    d = _d(max_pool, target)
    _, rep = d.grad(POOL, 4, report=True)
    assert rep.exact is False
    [hit] = rep.kinks
    assert hit.primitive == "share"
    # every tied entry of a tied maximum: 2 + 2 + 3 + 4 (the tied 1.0 of the
    # last window is not its maximum)
    assert hit.count == 11
    assert hit.index is not None and hit.index[0] == 4  # last met in the all-equal window
    x = POOL + np.linspace(0.0, 0.1, POOL.size)  # no ties
    _, rep = d.grad(x, 4, report=True)
    assert rep.exact is True and rep.kinks == []
    _, rep = _d(vmax, target).grad(np.array([1.0, 3.0, 2.0, 3.0]), report=True)
    assert [k.count for k in rep.kinks] == [2]


def test_float32(target):
    x = POOL.astype(np.float32)
    d = _d(max_pool, target)
    assert d(x, 4) == pytest.approx(float(max_pool(x.astype(np.float64), 4)))
    g = d.grad(x, 4)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, _pool_grad(POOL, 4), rtol=1e-6)


def test_clarke_mode_picks_one_tied_entry_per_window():
    x = POOL[:24]
    g = _d(max_pool).clarke_grad(x, 4)
    for s in range(0, 24, 4):
        w, gw = x[s:s + 4], g[s:s + 4]
        tied = np.flatnonzero(w == w.max())
        assert np.count_nonzero(gw) == (1 if w.max() != 0 else 0)
        assert gw[tied].sum() == 2.0 * w.max() and np.all(gw[w != w.max()] == 0.0)
    # the identity's first direction moves the first tied entry first
    np.testing.assert_array_equal(_d(vmax).clarke_grad(np.array([1.0, 3.0, 3.0])), [0.0, 2.0, 0.0])
    np.testing.assert_array_equal(_d(vmax).clarke_grad(np.array([1.0, 3.0, 3.0]), directions=np.eye(3)[::-1]),
                                  [0.0, 0.0, 2.0])
    # an element that is a loop: the search's entry carries its directions
    A = np.array([[1.0, 2.0], [0.5, -1.0], [1.0, 2.0], [2.0, 0.5]])
    gA, gx = _d(max_of_products).clarke_grad(A, np.array([1.0, 1.0]))
    np.testing.assert_array_equal(gA, [[1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(gx, A[0])
