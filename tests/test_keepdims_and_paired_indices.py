"""Whole-array idioms of classification losses and normalisations:
reductions with ``keepdims=True`` broadcast back against their array, an
axis of length 1 broadcasting, paired index arrays (``Z[np.arange(n), y]``
picks one entry per row), and an in-place update whose step reads other
elements of the array (``probs /= probs.sum(axis=1, keepdims=True)``, which
NumPy computes whole before it divides), and tests on a whole boolean
array (``np.any(x > 1.0)``, ``np.all(...)``).  Gradients against central
differences on both targets."""

import numpy as np
import pytest

import nsadc
from helpers import check_program_gradient


def centred_rows(A):
    return np.sum(np.abs(A - A.mean(axis=1, keepdims=True)))


def unit_columns(A):
    B = A / np.sqrt(np.sum(A * A, axis=0, keepdims=True))
    return np.sum(np.maximum(B, 0.1))


def logsumexp_rows(Z):
    m = np.max(Z, axis=1, keepdims=True)
    return np.sum(m + np.log(np.sum(np.exp(Z - m), axis=1, keepdims=True)))


def softmax_weighted(Z, W):
    E = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    return np.sum(P * W)


def peak_gap(x):
    return np.sum((x - np.max(x, axis=0, keepdims=True)) ** 2)


def kept_off(A):
    return np.sum(np.abs(A.sum(axis=1, keepdims=False)))


def cross_entropy(W, X, y):
    """As tutorials write it: probabilities normalised in place, then one per row."""
    Z = X @ W
    probs = np.exp(Z - Z.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    return -np.mean(np.log(probs[np.arange(X.shape[0]), y]))


def multiclass_hinge(W, X, y):
    S = X @ W
    n = X.shape[0]
    correct = S[np.arange(n), y]
    margins = np.maximum(0.0, S - correct[:, None] + 1.0)
    return (np.sum(margins) - n) / n


def picked_pairs(A, rows, cols):
    return np.sum(np.abs(A[rows, cols]))


def picked_with_a_number(T, rows, cols):
    return np.sum(T[rows, 1, cols] ** 2)


def reflected_in_place(A):
    """Updates whose step reads other elements: NumPy computes the step first."""
    B = A.copy()
    B -= 0.3 * B[::-1, :]
    B += B.T
    B -= B[0, 0]
    return np.sum(B * B)


def damped_in_place(A, x):
    y = x.copy()
    y -= 0.2 * (A @ y)
    return np.sum(np.abs(y))


def switched_by_any(x):
    if np.any(x > 1.0):
        return np.sum(x ** 2)
    return np.sum(np.abs(x))


def damped_while_all_small(x, A):
    s = 0.0
    for k in range(3):
        if np.all(np.abs(A @ x) < 1.0):
            x = x * 1.1
        s += np.sum(x)
    return s


def masked_any(x):
    m = (x > -0.5) & (x < 0.5)
    return np.sum(x * x) if np.any(m) else np.sum(x)


def single_point_grid(x):
    """A one-element array broadcasts: every element reads its one entry."""
    return np.sum(np.abs(x - np.linspace(2.0, 3.0, 1)))


def rescaled_in_place(x):
    y = x * 1.0
    y -= 0.5 * y[::-1]
    y /= np.sum(np.abs(y)) + 1.0
    return np.sum(y * y)


RNG = np.random.default_rng(4)
LABELS = np.array([0, 2, 1, 2, 1])
CASES = [
    (centred_rows, (RNG.normal(size=(4, 5)),)),
    (unit_columns, (RNG.normal(size=(4, 3)),)),
    (logsumexp_rows, (RNG.normal(size=(4, 5)),)),
    (softmax_weighted, (RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4)))),
    (peak_gap, (RNG.normal(size=5),)),
    (kept_off, (RNG.normal(size=(3, 4)),)),
    (cross_entropy, (RNG.normal(size=(3, 3)), RNG.normal(size=(5, 3)), LABELS)),
    (multiclass_hinge, (RNG.normal(size=(3, 3)), RNG.normal(size=(5, 3)), LABELS)),
    (picked_pairs, (RNG.normal(size=(4, 5)), np.array([0, 3, 3, 1]), np.array([4, 0, 2, 2]))),
    (picked_with_a_number, (RNG.normal(size=(4, 3, 5)), np.array([0, 3, 3, 1]), np.array([4, 0, 2, -1]))),
    (rescaled_in_place, (RNG.normal(size=6),)),
    (reflected_in_place, (RNG.normal(size=(3, 3)),)),
    (damped_in_place, (RNG.normal(size=(4, 4)), RNG.normal(size=4))),
    (single_point_grid, (RNG.normal(size=5),)),
    (switched_by_any, (np.array([0.3, 1.4, -0.2]),)),
    (switched_by_any, (np.array([0.3, 0.4, -0.2]),)),
    (damped_while_all_small, (np.array([0.2, -0.1, 0.3]), 0.5 * RNG.normal(size=(4, 3)))),
    (masked_any, (RNG.normal(size=5),)),
]
IDS = [c[0].__name__ for c in CASES]


@pytest.mark.parametrize("fn, args", CASES, ids=IDS)
def test_gradients(fn, args):
    check_program_gradient(fn, args, "python")


@pytest.mark.slow
@pytest.mark.parametrize("fn, args", CASES, ids=IDS)
def test_gradients_compiled(fn, args):
    check_program_gradient(fn, args, "cpu")


def test_a_kept_reduction_is_computed_once_not_per_element():
    """Z - Z.max(axis=1, keepdims=True): the row maxima go into an array first
    (the elementwise loop reads them, it does not search its row again)."""
    Z = RNG.normal(size=(4, 5))
    src = nsadc.differentiate(softmax_weighted, wrt=["Z"], target="python").source("reverse", Z, Z)
    assert "reduced = np.empty((Z.shape[0], 1))" in src


def no_axis(A):
    return np.sum(A - A.max(keepdims=True))


def float_pairs(A, rows, w):
    return np.sum(A[rows, w])


def test_what_stays_refused_says_where():
    with pytest.raises(nsadc.UnsupportedError, match="keepdims=True is supported with an axis"):
        nsadc.differentiate(no_axis, target="python").grad(np.ones((2, 3)))
    with pytest.raises(nsadc.UnsupportedError, match="not a 1-D array of ints") as e:
        nsadc.differentiate(float_pairs, wrt=["A"], target="python").grad(
            np.ones((2, 3)), np.array([0, 1]), np.array([0.0, 1.0]))
    assert "test_keepdims_and_paired_indices.py" in str(e.value)
