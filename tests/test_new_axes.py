"""``x[:, None]`` and ``x[None, :]`` (or ``np.newaxis``): an axis of length 1
that broadcasting stretches to the other operand's (an outer product written
``u[:, None] * K * v[None, :]``, the pairwise squared distances
``sq[:, None] + sq[None, :] - 2 X X^T``).  The new axis indexes no dimension
of the array, so ``u[:, None]`` is of a 1-D ``u``.  Gradients against
central differences on both targets."""

import numpy as np
import pytest

import nsadc
from helpers import central_differences


def transport_plan(u, K, v):
    Pi = u[:, None] * K * v[None, :]
    return np.sum(Pi * K) + np.linalg.norm(np.sum(Pi, axis=1) - 1.0)


def kernel_hinge(X, c):
    sq = np.sum(X * X, axis=1)
    D = sq[:, None] + sq[None, :] - 2.0 * (X @ X.T)
    return np.sum(np.maximum(np.exp(-D / c) - 0.2, 0.0))


def centred_rows(X):
    n, d = X.shape
    mu = np.sum(X, axis=0) / n
    Z = X - mu[np.newaxis, :]
    return np.sum(np.abs(Z))


RNG = np.random.default_rng(0)
CASES = [
    (transport_plan, (RNG.uniform(0.5, 1.5, 3), RNG.uniform(0.2, 1.0, (3, 4)), RNG.uniform(0.5, 1.5, 4))),
    (kernel_hinge, (RNG.normal(size=(4, 2)), 0.7)),
    (centred_rows, (RNG.normal(size=(5, 3)),)),
]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_new_axes_broadcast(fn, args, target):
    d = nsadc.differentiate(fn, target=target)
    value, g = d.value_and_grad(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    g = g if isinstance(g, tuple) else (g,)
    for k, a in enumerate(args):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(g[k], central_differences(fn, args, k), rtol=1e-6, atol=1e-8)


def test_a_new_axis_does_not_count_as_a_dimension_of_the_argument():
    """u[:, None] of an argument u used nowhere else: u is 1-D."""
    d = nsadc.differentiate(transport_plan, target="python")
    d.grad(*CASES[0][1])  # a 1-D u is accepted (was: 'u is indexed with 2 indices')


# ------------------------------------------------------------ an indexed expression


def centre_steps(X, C0):
    """A step per centre scaled by its clamped count, the count broadcast
    along the rows of C by indexing the expression (NumPy computes it first)."""
    C = C0.copy()
    k = C.shape[0]
    for step in range(2):
        counts = np.zeros(k)
        for i in range(X.shape[0]):
            counts[i % k] += X[i, 0] * X[i, 0]
        C -= 0.3 * (C0 - X[:k]) / np.maximum(counts, 1.0)[:, None]
    return np.sum(np.abs(C))


def reversed_sum(x, y):
    return np.sum((x - y)[::-1] * x) + np.sum(np.abs((x * 2.0)[1:] - y[:-1]))


EXPRESSIONS = [
    (centre_steps, (RNG.normal(size=(7, 2)), RNG.normal(size=(3, 2)))),
    (reversed_sum, (RNG.normal(size=5), RNG.normal(size=5))),
]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn, args", EXPRESSIONS, ids=[c[0].__name__ for c in EXPRESSIONS])
def test_an_indexed_expression_is_computed_first(fn, args, target):
    test_new_axes_broadcast(fn, args, target)
