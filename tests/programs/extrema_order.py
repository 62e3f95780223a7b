"""Recurrences through a min or max of three or more operands, one of them
carried from the loop's previous iteration, written as users write them: the
carried operand is combined last (nsadc/passes/extrema_order.py)."""

import math

import numpy as np


def warping(x, y):
    """Time warping: the left neighbour D[i, j - 1] is the carried operand."""
    n, m = x.shape[0], y.shape[0]
    D = np.full((n + 1, m + 1), math.inf)
    D[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            D[i, j] = abs(x[i - 1] - y[j - 1]) + min(D[i - 1, j], D[i, j - 1], D[i - 1, j - 1])
    return D[n, m]


def running_best(x, y):
    """A running maximum over three candidates, the carried one first."""
    best = -math.inf
    s = 0.0
    for i in range(x.shape[0]):
        best = max(best, x[i] - y[i], 0.5 * x[i] * y[i])
        s += best
    return s


def smith_waterman(x, y):
    """A local alignment score: a max of four, the cell to the left named first."""
    n, m = len(x), len(y)
    H = np.zeros((n + 1, m + 1))
    best = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            left = H[i, j - 1] - 0.6
            H[i, j] = max(left, H[i - 1, j - 1] + 1.0 - abs(x[i - 1] - y[j - 1]), H[i - 1, j] - 0.6, 0.0)
            best = max(best, H[i, j])
    return best


def backwards_costs(x):
    """Counting down: the carried element is the one above, stored one iteration before."""
    n = x.shape[0]
    c = np.zeros(n + 1)
    for i in range(n - 1, -1, -1):
        c[i] = min(c[i + 1] + abs(x[i]), 1.0 + x[i] * x[i], 2.0 - x[i])
    return c[0]


CARRIED = [warping, running_best, smith_waterman, backwards_costs]


def arguments(fn, rng, integers=False):
    def data(k):
        return rng.integers(-2, 3, k).astype(float) if integers else rng.standard_normal(k)
    if fn in (running_best,):
        return data(9), data(9)
    if fn is backwards_costs:
        return (data(9),)
    return data(7), data(6)
