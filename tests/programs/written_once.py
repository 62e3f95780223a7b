"""Programs whose reverse mode adds into each element of an adjoint array once
(the zero fill is left out), and look-alikes that must keep it."""

import math

import numpy as np


# ------------------------------------------------------------ written once


def drawdown(x):
    """A running peak: the recurrence is reversed back to front."""
    n = x.shape[0]
    p = 0.0
    peak = 0.0
    s = 0.0
    for t in range(n):
        p += x[t]
        peak = max(peak, p)
        s += (peak - p) ** 2
    return math.sqrt(s / n)


def clipped_squares(x, lo, hi):
    s = 0.0
    for i in range(len(x)):
        v = min(max(x[i], lo), hi)
        s += v * v
    return s


def row_hinge(A, w):
    """Each element of A read once, in a nest over both axes."""
    m, n = A.shape
    total = 0.0
    for i in range(m):
        z = 0.0
        for j in range(n):
            z += A[i, j] * w[j]
        total += max(0.0, 1.0 - z)
    return total


WRITTEN_ONCE = [(drawdown, "x"), (clipped_squares, "x"), (row_hinge, "A")]


# ------------------------------------------------------------ look-alikes and partial ranges


def skips_the_first(x):
    """range(1, n) leaves x[0] unwritten: it alone is zeroed."""
    s = 0.0
    for i in range(1, x.shape[0]):
        s += abs(x[i])
    return s


def under_a_branch(x):
    """The element is added into only where the branch is taken."""
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0.0:
            s += x[i] * x[i]
    return s


def stops_early(x):
    s = 0.0
    for i in range(x.shape[0]):
        if s > 3.0:
            break
        s += abs(x[i])
    return s


def a_given_length(x, n):
    """n need not be x's length: the elements from n on are zeroed."""
    s = 0.0
    for i in range(n):
        s += abs(x[i])
    return s


def neighbour(x):
    """x[i + 1]: the index is not the loop variable; x[0] alone is zeroed."""
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += max(x[i + 1], 0.0)
    return s


KEEPS_ZEROS = [(under_a_branch, "x"), (stops_early, "x")]
# one element a loop iteration, not over the whole axis: stored, the elements it misses zeroed
ZEROED_OUTSIDE = [(skips_the_first, "x"), (a_given_length, "x"), (neighbour, "x")]
