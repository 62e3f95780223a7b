"""Reading through an array of indices (NumPy's fancy indexing): ``U[rows]``
gathers row ``rows[k]`` of ``U`` as row k, ``X[:, idx]`` columns, ``x[idx]``
elements, ``X[idx, 0]`` one entry per index.  The reverse adds each row's
adjoint back into the row it came from, so an index that repeats collects
the adjoints of all its copies.  Writing through such an index (NumPy writes
a repeated index once, even with ``+=``) and two index arrays at once are
refused with their location.  Gradients against central differences on both
targets."""

import numpy as np
import pytest

import nsadc
from helpers import central_differences


def completion_hinge(U, V, rows, cols, y):
    pred = np.sum(U[rows] * V[cols], axis=1)
    return np.sum(np.maximum(1.0 - y * pred, 0.0))


def picked_abs(x, idx):
    return np.sum(np.abs(x[idx] - 0.3))


def columns_and_entries(X, idx, w):
    return np.sum(np.maximum(X[idx, 0] * w[0] + X[idx, 1] * w[1], 0.0)) + np.sum(X[:, idx] ** 2)


def embedding_steps(E, tokens, target):
    """A few steps on a bias over the embedding rows a batch names (one token twice)."""
    b = np.zeros(E.shape[1])
    for step in range(3):
        h = np.tanh(E[tokens] + b)
        r = np.sum(h, axis=0) - target
        b = b - 0.1 * r
    return np.sum(np.abs(np.sum(E[tokens], axis=0) + b - target))


RNG = np.random.default_rng(4)
CASES = [
    (completion_hinge, (RNG.normal(size=(5, 3)), RNG.normal(size=(4, 3)), np.array([0, 2, 2, 4, 1]),
                        np.array([3, 0, 1, 1, 2]), np.array([1.0, -1.0, 1.0, 1.0, -1.0])), (0, 1)),
    (picked_abs, (RNG.normal(size=6), np.array([1, 1, 5, 0])), (0,)),
    (columns_and_entries, (RNG.normal(size=(3, 3)), np.array([2, 0, 2]), RNG.normal(size=2)), (0, 2)),
    (embedding_steps, (RNG.normal(size=(6, 2)), np.array([4, 1, 4]), RNG.normal(size=2)), (0, 2)),
]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_gathers_match_central_differences(fn, args, wrt, target):
    names = fn.__code__.co_varnames
    d = nsadc.differentiate(fn, wrt=[names[k] for k in wrt], target=target)
    value, g = d.value_and_grad(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    g = g if isinstance(g, tuple) else (g,)
    for got, k in zip(g, wrt):
        np.testing.assert_allclose(got, central_differences(fn, args, k), rtol=1e-6, atol=1e-8)


def test_a_repeated_index_collects_every_copy():
    x, idx = np.array([1.0, 2.0, 3.0]), np.array([2, 2, 2, 0])
    g = nsadc.differentiate(picked_abs, wrt=["x"], target="python").grad(x, idx)
    np.testing.assert_array_equal(g, [1.0, 0.0, 3.0])


def scatter_add(x, idx, v):
    x = x.copy()
    x[idx] += v
    return np.sum(x * x)


@pytest.mark.parametrize("fn, args, message", [
    (scatter_add, (np.ones(4), np.array([0, 0]), np.ones(2)), "through an array of indices"),
    (picked_abs, (np.ones(3), np.array([0.0, 1.0])), "is not a 1-D array of ints"),
])
def test_what_is_refused_says_where_and_why(fn, args, message):
    with pytest.raises(nsadc.NsadcError) as e:
        nsadc.differentiate(fn, target="python").grad(*args)
    assert message in str(e.value) and "test_gather.py:" in str(e.value)


def counted(x, n):
    s = np.sum(x * x)
    for i in range(n):
        s += x[i]
    return s


def test_a_number_parameter_given_an_array_is_still_refused_by_name():
    """Only a parameter read solely as a whole index may come as an array of ints."""
    with pytest.raises(nsadc.ArgumentError, match="argument 'n' of counted must be a scalar"):
        nsadc.differentiate(counted, wrt=["x"], target="python").grad(np.ones(3), np.array([2]))
