"""Gaussian elimination written in place with row slices (``f = M[i, k] /
M[k, k]`` then ``M[i, k:] -= f * M[k, k:]``): the slice's start is the
outer loop's variable, which was taken for a name the body rebinds (it
appears inside the subscript of the update), so the slice start was
clamped as if it could be negative, and the store's elements were no
longer known at the iteration's start: refused as "M is read here and
overwritten later in the same loop". The same elimination written with
loops was accepted."""

import numpy as np
import pytest

import nsadc

from helpers import check_program_gradient


def solve_by_slices(M0, rhs):
    M = M0.copy()
    v = rhs.copy()
    n = M.shape[0]
    for k in range(n):
        for i in range(k + 1, n):
            f = M[i, k] / M[k, k]
            M[i, k:] -= f * M[k, k:]
            v[i] -= f * v[k]
    x = np.zeros(n)
    for i in range(n - 1, -1, -1):
        x[i] = (v[i] - np.dot(M[i, i + 1:], x[i + 1:])) / M[i, i]
    return np.sum(np.abs(x))


def solve_with_pivoting(A, b):
    M = A.copy()
    v = b.copy()
    n = M.shape[0]
    for k in range(n):
        p = k + np.argmax(np.abs(M[k:, k]))
        if p != k:
            row = M[k, :].copy()
            M[k, :] = M[p, :]
            M[p, :] = row
            t = v[k]
            v[k] = v[p]
            v[p] = t
        for i in range(k + 1, n):
            f = M[i, k] / M[k, k]
            M[i, k:] -= f * M[k, k:]
            v[i] -= f * v[k]
    x = np.zeros(n)
    for i in range(n - 1, -1, -1):
        x[i] = (v[i] - np.dot(M[i, i + 1:], x[i + 1:])) / M[i, i]
    return np.sum(np.abs(x)) + np.max(x)


def inverse_by_gauss_jordan(A):
    n = A.shape[0]
    M = np.zeros((n, 2 * n))
    M[:, :n] = A
    for i in range(n):
        M[i, n + i] = 1.0
    for k in range(n):
        M[k, :] = M[k, :] / M[k, k]
        for i in range(n):
            if i != k:
                M[i, :] -= M[i, k] * M[k, :]
    return np.sum(np.abs(M[:, n:]))


rng = np.random.default_rng(0)
A = rng.standard_normal((5, 5)) + 3.0 * np.eye(5)
B = rng.standard_normal(5)
CASES = [(solve_by_slices, (A, B)), (solve_with_pivoting, (A, B)), (inverse_by_gauss_jordan, (A,))]


@pytest.mark.parametrize("fn, args", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_gradient(fn, args):
    check_program_gradient(fn, args, "python")


def test_against_numpy_solve():
    """The gradient of sum|A^-1 b| in b is A^-T sign(x)."""
    x = np.linalg.solve(A, B)
    _, gb = nsadc.differentiate(solve_by_slices, target="python").grad(A, B)
    np.testing.assert_allclose(gb, np.linalg.solve(A.T, np.sign(x)), rtol=1e-10)


def test_slice_start_of_a_loop_variable_is_not_clamped_below():
    """``M[i, k:]`` with ``k`` from ``range(n)``: k is never negative."""
    src = nsadc.differentiate(solve_by_slices, target="python").source("reverse", A, B)
    assert "k < 0" not in src and "np.maximum(k, 0)" not in src


@pytest.mark.slow
@pytest.mark.parametrize("fn, args", CASES[:2], ids=lambda v: getattr(v, "__name__", ""))
def test_gradient_compiled(fn, args):
    check_program_gradient(fn, args, "cpu")
