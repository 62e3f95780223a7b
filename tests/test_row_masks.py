"""A boolean mask with fewer dimensions than the array it indexes selects
along the array's first dimensions: ``Q[m] = 0.0`` with a 2-D ``Q`` and a
1-D ``m`` zeroes whole rows, and ``np.sum(P[m] ** 2)`` sums whole rows. The
mask was broadcast against the array's last axis instead, which on a square
array was a silently wrong value and gradient. NumPy also computes the whole
mask before it assigns through it, so a mask that reads elements the
assignment overwrites (``Q[np.abs(Q[:, 0]) > lim] = 0.0``,
``y[y[::-1] > lim] = 0.0``) is held in an array of its own first."""

import numpy as np
import pytest

import nsadc

from helpers import check_program_gradient


def zero_rows_named(P, lim):
    Q = P.copy()
    m = np.abs(Q[:, 0]) > lim
    Q[m] = 0.0
    return np.sum(Q ** 2)


def zero_rows_inline(P, lim):
    Q = P.copy()
    Q[np.abs(Q[:, 0]) > lim] = 0.0  # the mask reads column 0, which the rows it zeroes hold
    return np.sum(Q ** 2)


def zero_by_reversed_mask(x, lim):
    y = x.copy()
    y[y[::-1] > lim] = 0.0
    return np.sum(y ** 2)


def double_rows(P, lim):
    Q = P.copy()
    m = Q[:, 1] > lim
    Q[m] *= 2.0
    return np.sum(Q * Q)


def replace_rows(A, B, lim):
    C = A.copy()
    m = A[:, 0] > lim
    C[m] = B[m]
    return np.sum(C * C)


def row_statistics(P, lim):
    m = P[:, 2] > lim
    return np.mean(P[m]) + np.max(P[m]) + np.sum(P[m] ** 2)


def leading_mask_3d(T, lim):
    m = T[:, 0, 0] > lim
    return np.sum(T[m] ** 2)


rng = np.random.default_rng(0)
SQUARE, TALL = rng.standard_normal((3, 3)), rng.standard_normal((5, 3))
CASES = [
    (zero_rows_named, (SQUARE, 0.5)), (zero_rows_named, (TALL, 0.5)),
    (zero_rows_inline, (SQUARE, 0.5)), (zero_rows_inline, (TALL, 0.5)),
    (zero_by_reversed_mask, (rng.standard_normal(6), 0.1)),
    (double_rows, (TALL, 0.1)), (replace_rows, (TALL, rng.standard_normal((5, 3)), 0.1)),
    (row_statistics, (TALL, 0.1)), (row_statistics, (SQUARE, 0.1)),
    (leading_mask_3d, (rng.standard_normal((5, 2, 3)), 0.1)),
]


@pytest.mark.parametrize("fn, args", CASES, ids=[f"{f.__name__}-{a[0].shape}" for f, a in CASES])
def test_values_and_gradients(fn, args):
    check_program_gradient(fn, args, "python")


def test_square_rows_exactly():
    """The case that was silently wrong: row 0 zeroed, so no gradient there."""
    P = np.array([[2.0, 1.0, 3.0], [0.1, 0.5, 0.2], [0.2, 0.7, 0.4]])
    value, (gP, glim) = nsadc.differentiate(zero_rows_inline, target="python").value_and_grad(P, 1.0)
    assert value == pytest.approx(0.99)
    np.testing.assert_array_equal(gP, np.where(np.abs(P[:, :1]) > 1.0, 0.0, 2.0 * P))
    assert glim == 0.0


@pytest.mark.slow
@pytest.mark.parametrize("fn, args", CASES[2:5], ids=lambda v: getattr(v, "__name__", ""))
def test_compiled(fn, args):
    check_program_gradient(fn, args, "cpu")
