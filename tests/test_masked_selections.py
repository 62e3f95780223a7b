"""A selection by a boolean mask (``x[m]``) is shorter than ``x``; reduced
directly, or through elementwise operations only, it reads as ``x`` with the
dropped elements left out of the reduction. Anything else between the mask
and the reduction (``np.sort(x[m])``, ``np.roll(x[m], 1)``, ``np.cumsum``,
``np.max(X[m], axis=0)``, ``X[m] @ w``) read ``x`` whole and mixed the
dropped elements in: a wrong value and gradient, now refused with the
location. Beside them, index expressions that crashed the lowering and now
run (an index of an index, a mean over a kept axis, a slice of an index
array), and a mask made with ``&`` of a test of numbers."""

import numpy as np
import pytest

import nsadc

from helpers import check_program_gradient


def max_of_kept_rows(X):
    m = X[:, 0] > 0.0
    return np.sum(np.max(X[m], axis=0))


def sorted_positives(x):
    return np.sum(np.sort(x[x > 0.0]))


def rolled_positives(x):
    return np.sum(np.roll(x[x > 0.0], 1))


def product_of_kept_rows(X, w):
    return np.max(X[X[:, 0] > 0] @ w)


@pytest.mark.parametrize("fn, args", [
    (max_of_kept_rows, (np.array([[1.0, 5.0], [-1.0, 7.0], [2.0, 3.0]]),)),
    (sorted_positives, (np.array([3.0, -1.0, 2.0, -5.0]),)),
    (rolled_positives, (np.array([3.0, -1.0, 2.0, -5.0]),)),
    (product_of_kept_rows, (np.array([[1.0, 5.0], [-1.0, 7.0], [2.0, 3.0]]), np.array([0.5, 1.0]))),
], ids=lambda v: getattr(v, "__name__", ""))
def test_more_than_elementwise_work_on_a_selection_is_refused(fn, args):
    with pytest.raises(nsadc.NsadcError, match=r"test_masked_selections.py:\d+:\d+: .* works on a selection by a "
                                               r"boolean mask"):
        nsadc.differentiate(fn, target="python").grad(*args)


def elementwise_then_reduced(x, c):
    m = x > c
    return np.sum(np.abs(x[m] - c) ** 2) + np.max(2.0 * x[m]) + np.mean(np.where(x[m] > 1.0, x[m], 0.5))


def first_of_a_gather(x, idx):
    z = np.concatenate((x[idx][:3], x))
    return z[0] * z[4] + np.sum(x[idx][1:] ** 2)


def gathered_rows_of_reversed(X, idx):
    m = X[:, 0] > 0.0
    return np.sum(X[::-1][idx] ** 2)


def mean_of_running_sums(X, Y):
    m = X[:, 0]
    return np.mean(np.cumsum(Y - X.mean(axis=0, keepdims=True), axis=1)) + 0.0 * np.sum(m)


def mask_and_test(x, y):
    m = (x > 0.0) & (y < 0.5)
    return np.sum(x[m] ** 2)


def top_three(x):
    order = np.argsort(x)
    return np.sum(x[order[-3:]] ** 2) + np.sum(x[np.argsort(x)[:2]])


def fibonacci_arrays(a, b):
    x = a * 1.0
    y = b * 1.0
    for _ in range(3):
        x, y = y, x + y
    return np.sum(np.abs(x)) + np.sum(y * y)


rng = np.random.default_rng(2)
X4 = rng.standard_normal((4, 3))
CASES = [
    (elementwise_then_reduced, (rng.standard_normal(7), 0.1)),
    (first_of_a_gather, (np.array([1.0, -2.0, 3.0, 0.5]), np.array([3, 0, 2, 1]))),
    (gathered_rows_of_reversed, (X4, np.array([3, 0, 2]))),
    (mean_of_running_sums, (X4, rng.standard_normal((4, 3)))),
    (mask_and_test, (rng.standard_normal(5), 0.2)),
    (top_three, (rng.standard_normal(7),)),
    (fibonacci_arrays, (rng.standard_normal(3), rng.standard_normal(3))),
]


@pytest.mark.parametrize("fn, args", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_value_and_gradient(fn, args):
    check_program_gradient(fn, args, "python")
