"""NumPy idioms of code written array-first (found by a probe corpus of such
programs): a reversed copy taken after the loop that filled the array,
``np.eye`` / ``np.identity`` / ``np.arange`` inside expressions, arrays
allocated in a loop from the shape of an array the function made, and a
matrix argument whose rank only a product shows.  Gradients against central
differences on both targets; what stays refused says where and why."""

import numba
import numpy as np
import pytest

import nsadc
from helpers import central_differences


def drawdown_from_future_minimum(x):
    """fut_min = fut[::-1] after the loop that filled fut: nothing writes either after."""
    T = x.shape[0]
    logw = np.cumsum(x)
    rev = logw[::-1]
    fut = np.empty(T)
    low = rev[0]
    for t in range(T):
        low = min(low, rev[t])
        fut[t] = low
    fut_min = fut[::-1]
    return np.max(logw - fut_min) + 0.1 * np.sum(fut_min * x)


def ridge_gram(A, rho):
    n = A.shape[1]
    M = A.T @ A + rho * np.eye(n) + 0.5 * np.identity(n)
    return np.sum(np.abs(M - 1.0))


def quantile_levels(x):
    Q = x.shape[0]
    taus = (np.arange(Q) + 1.0) / (Q + 1.0)
    k = np.arange(2, Q + 2)
    return np.sum(np.maximum(taus * x, (taus - 1.0) * x)) + np.sum(k * x * x)


@numba.njit
def _forward_solve(L, rhs):
    n = rhs.shape[0]
    y = np.empty(n)
    for i in range(n):
        s = rhs[i]
        for k in range(i):
            s -= L[i, k] * y[k]
        y[i] = s / L[i, i]
    return y


def solves_in_a_loop(L, b, rho):
    """np.empty(n) in a helper called in a loop, n the shape of a loop temporary."""
    x = np.zeros(b.shape[0])
    for it in range(3):
        rhs = b + rho * x
        x = _forward_solve(L, rhs)
        x = np.maximum(x, -0.5)
    return np.sum(x * x)


def product_only(X, w):
    """X's rank shows only in X @ w and X.shape[0]: the call's arrays decide it."""
    n = X.shape[0]
    return np.sum(np.abs(X @ w)) / n


RNG = np.random.default_rng(3)
CASES = [
    (drawdown_from_future_minimum, (RNG.normal(0.0, 0.3, 12),)),
    (ridge_gram, (RNG.normal(size=(4, 3)), 0.7)),
    (quantile_levels, (np.array([0.3, -1.2, 0.8, 1.7]),)),
    (solves_in_a_loop, (np.tril(RNG.uniform(0.2, 1.0, (4, 4))) + 2.0 * np.eye(4), RNG.normal(size=4), 0.3)),
    (product_only, (RNG.normal(size=(5, 3)), RNG.normal(size=3))),
]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_array_idioms(fn, args, target):
    d = nsadc.differentiate(fn, target=target)
    value, g = d.value_and_grad(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12, abs=1e-12)
    g = g if isinstance(g, tuple) else (g,)
    for k, a in enumerate(args):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(g[k], central_differences(fn, args, k), rtol=1e-6, atol=1e-8)


def reversed_then_written(x):
    fut = x.copy()
    fut_min = fut[::-1]
    fut[0] = 5.0
    return np.sum(fut_min * x)


def gathered_rows(U, rows):
    m = rows.shape[0]
    return np.sum(U[rows] * U[rows]) / m


def test_a_view_written_after_is_refused_with_its_location_and_rows_are_gathered():
    with pytest.raises(nsadc.NsadcError, match="view of fut"):
        nsadc.differentiate(reversed_then_written, target="python").grad(np.ones(4))
    U, rows = np.arange(8.0).reshape(4, 2), np.array([0, 2, 2])
    g = nsadc.differentiate(gathered_rows, wrt=["U"], target="python").grad(U, rows)
    np.testing.assert_allclose(g, central_differences(gathered_rows, (U, rows), 0), rtol=1e-7)


def hard_thresholding(A, b, mu, thr):
    """A product of a product, each iteration: A.T @ (b - A @ x)."""
    n = A.shape[1]
    x = np.zeros(n)
    for it in range(4):
        v = x + mu * (A.T @ (b - A @ x))
        x = np.where(np.abs(v) > thr, v, 0.0)
    return np.linalg.norm(b - A @ x) + 0.1 * np.sum(np.abs(x))


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_product_of_a_product_is_computed_once_per_iteration(target):
    """The inner product goes to a work array before the outer one reads it
    (read once per output element, it cost a loop per read: 2900x the primal
    at 700 columns, now 10x)."""
    rng = np.random.default_rng(8)
    args = (rng.normal(size=(6, 4)), rng.normal(size=6), 0.1, 0.05)
    d = nsadc.differentiate(hard_thresholding, wrt=["A", "b"], target=target)
    g = d.grad(*args)
    for k in range(2):
        np.testing.assert_allclose(g[k], central_differences(hard_thresholding, args, k), rtol=1e-6, atol=1e-8)
    forward = d.source("forward", *args)
    assert "product = np.empty" in forward or "product[" in forward
