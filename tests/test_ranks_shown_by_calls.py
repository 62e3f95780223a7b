"""A parameter used only inside a NumPy call whose result the code indexes
(``c = np.cumsum(x * y)``, then ``c[-1]``): the text shows it may be an
array but not of which rank, so the call's arguments decide (it was
refused at decoration as "'c' is not an array")."""

import numpy as np
import pytest

import nsadc
from nsadc.errors import UnsupportedError

from helpers import check_program_gradient


def running_total(x, y):
    c = np.cumsum(x * y)
    return c[-1] + np.sum(c * c)


def clipped_steps(x, lo):
    z = np.maximum(x - lo, 0.0)
    return z[0] * z[-1] + np.sum(z)


def test_arrays_the_call_passes():
    x = np.linspace(0.1, 1.0, 5)
    check_program_gradient(running_total, (x, x[::-1].copy()), "python")
    check_program_gradient(clipped_steps, (x, 0.3), "python")


def test_scalars_the_call_passes_are_refused_with_their_location():
    with pytest.raises(UnsupportedError, match=r"test_ranks_shown_by_calls.py:\d+:\d+: np.cumsum of a scalar"):
        nsadc.differentiate(running_total, target="python").grad(0.5, 1.5)


def reversed_order(x):
    order = np.argsort(x)[::-1]  # a slice of a call's result: an array
    return x[order[0]] + 0.5 * x[order[-1]]


def row_shares(U):
    E = U * 1.0  # a name of U's shape: E.sum(axis=1) shows U's rank
    P = E / E.sum(axis=1, keepdims=True)
    return P[0, 0] + P[1, 2]


def running_peak(x):
    P = np.maximum.accumulate(x)
    return P[-1] + np.sum(P)


def weighted_running_total(x):
    s = x * 2.0
    return np.sum(np.cumsum(s) * np.arange(s.shape[0]))


@pytest.mark.parametrize("fn, args", [
    (reversed_order, (np.array([0.3, 2.0, 1.1, -0.4]),)),
    (row_shares, (np.array([[1.0, 2.0, 3.0], [0.5, 1.5, 0.25]]),)),
    (running_peak, (np.array([0.3, 2.0, 1.1, 2.5, -0.4]),)),
    (weighted_running_total, (np.array([0.3, 2.0, 1.1, -0.4]),)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_arrays_named_through_expressions(fn, args):
    """Each was refused as "'order' (P, s) is not an array": the code binds a
    name to an expression of the argument and indexes or measures that name."""
    check_program_gradient(fn, args, "python")


def step_lengths(P):
    t = P[1:] - P[:-1]  # P[1:] shows one dimension at least; t[:, 0] a second
    return np.sum(t[:, 0] ** 2) + np.sum(np.abs(t[:, 1]))


def box_extent(P):
    lo = np.min(P, axis=0)
    hi = np.max(P, axis=0)
    ext = hi - lo
    return ext[0] * ext[1]


def floor_then_weigh(I, lo):
    J = I.copy()
    J[J < lo] = lo
    return np.sum(J * np.arange(J.shape[1]))


@pytest.mark.parametrize("fn, args", [
    (step_lengths, (np.array([[0.0, 1.0], [0.5, 0.3], [1.7, -0.2], [2.0, 0.9]]),)),
    (box_extent, (np.array([[0.0, 1.0], [0.5, 0.3], [1.7, -0.2], [2.0, 0.9]]),)),
    (floor_then_weigh, (np.array([[0.1, 1.0, -0.3], [0.5, -0.7, 0.3]]), 0.2)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_more_dimensions_than_the_code_shows(fn, args):
    """A 2-D argument that the code indexes with one index before it names
    the result (P[1:], np.min(P, axis=0), I.copy()): refused at decoration
    as "t has 1 dimension but is indexed with 2" (or "'ext' is not an
    array", ".shape[1] does not exist"); the call's arguments decide."""
    check_program_gradient(fn, args, "python")


def gap_of_sorted(x, y):
    order = np.argsort(x)
    z = y[order]  # a gather by an index array: y's rank, not a row of y
    return z[0] - z[1] + 0.5 * z[-1]


def sorted_rows(P):
    order = np.argsort(P[:, 0])
    Q = P[order]
    return np.sum(Q[1:, 1]) + np.max(np.abs(Q[:, 0]))


def overwrite_a_gathered_copy(x):
    order = np.argsort(x)
    y = x[order]  # fancy indexing copies: writing y leaves x alone
    y[0] = 0.0
    return np.sum(y * y * np.arange(1.0, x.shape[0] + 1.0))


@pytest.mark.parametrize("fn, args", [
    (gap_of_sorted, (np.array([0.3, 2.0, 1.1, -0.4, 0.8]), np.array([1.0, -2.0, 0.5, 0.25, 3.0]))),
    (sorted_rows, (np.array([[0.3, 1.0], [-1.2, 0.5], [2.0, -0.7], [0.9, 0.1]]),)),
    (overwrite_a_gathered_copy, (np.array([0.3, -1.0, 2.0, 0.7]),)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_gathers_by_index_arrays_are_no_rows(fn, args):
    """``z = y[order]`` with ``order = np.argsort(x)`` was taken for a row of
    a 2-D y (refused at the call: "y is a 1-D array, but the function indexes
    it with 2 indices"), and ``y = x[order]`` written through for a view."""
    check_program_gradient(fn, args, "python")
