"""Whole-array operations whose operands' lengths the function computes
(``L[i, :i] @ y[:i]`` in a triangular solve, ``d[k:] @ d[:n - k]`` in an
autocorrelation, ``np.arange(1.0, n + 1.0)`` beside ``x``): the code compares
the two lengths where it reaches them and raises NumPy's ValueError where
they differ, before reading an element.  Values and gradients against the
plain function and central differences; the error where they differ."""

import numpy as np
import pytest

import nsadc

from helpers import check_program_gradient


def forward_substitution(L, b):
    n = b.shape[0]
    y = np.zeros(n)
    for i in range(n):
        y[i] = (b[i] - np.dot(L[i, :i], y[:i])) / L[i, i]
    return np.sum(y * y)


def back_substitution(U, b):
    n = b.shape[0]
    x = np.zeros(n)
    for i in range(n - 1, -1, -1):
        x[i] = (b[i] - np.sum(U[i, i + 1:] * x[i + 1:])) / U[i, i]
    return np.sum(np.abs(x))


def weighted(x, y):
    return np.dot(y, np.arange(1.0, x.shape[0] + 1.0) ** 2) + np.sum(x * np.arange(1.0, 1.0 + x.shape[0]))


def autocorrelation(d):
    n = d.shape[0]
    s = 0.0
    for k in range(1, 4):
        ck = np.dot(d[k:], d[:n - k])
        s += ck * ck / (n - k)
    return s


def prefixes(x, m):
    s = 0.0
    for i in range(1, 3):
        s += np.dot(x[:i], x[:i + m])
    return s


def _problem():
    rng = np.random.default_rng(3)
    L = np.tril(rng.random((5, 5))) + 2.0 * np.eye(5)
    return L, rng.standard_normal(5), rng.standard_normal(9)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_lengths_computed_inside(target):
    L, b, d = _problem()
    check_program_gradient(forward_substitution, (L, b), target)
    check_program_gradient(back_substitution, (L.T.copy(), b), target)
    check_program_gradient(weighted, (b, b[::-1].copy()), target)
    check_program_gradient(autocorrelation, (d,), target)
    check_program_gradient(prefixes, (b, 0), target)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_lengths_that_differ_raise_numpys_error(target):
    _, b, _ = _problem()
    with pytest.raises(ValueError):
        prefixes(b, 1)
    f = nsadc.differentiate(prefixes, wrt=("x",), target=target)
    with pytest.raises(ValueError, match=r"broadcast together at .*test_shapes_checked_in_code.py:\d+:\d+"):
        f.grad(b, 1)
    with pytest.raises(ValueError, match="broadcast together"):
        f(b, 1)
