"""Branches on data, written as users write them: the ones whose two paths
are a few cheap statements become selections in the derivative code
(nsadc/passes/select_branches.py); the look-alikes stay branches."""

import math

import numpy as np


def soft_threshold_energy(b, lam, t):
    """One ISTA-like step into a work array, soft thresholding by if/elif/else."""
    n = b.shape[0]
    z = np.empty(n)
    for i in range(n):
        v = b[i] - t * b[i] * b[i]
        if v > t * lam:
            z[i] = v - t * lam
        elif v < -t * lam:
            z[i] = v + t * lam
        else:
            z[i] = 0.0
    e = 0.0
    for i in range(n):
        e += z[i] * z[i] + lam * abs(z[i])
    return e


def signed_accumulate(x, y):
    """A sum whose term depends on the sign of a data value."""
    s = 0.0
    for i in range(x.shape[0]):
        t = x[i] * y[i] - 0.1
        if t > 0.0:
            s += t * x[i]
        else:
            s -= t * y[i]
    return s


def clipped_sum(x, lo, hi):
    """Clip with if/elif, then a smooth term."""
    s = 0.0
    for i in range(x.shape[0]):
        v = x[i]
        if v > hi:
            v = hi
        elif v < lo:
            v = lo
        s += v * v + 0.5 * v
    return s


def leaky_in_place(x, a):
    """A leaky ReLU written back in place, then summed with weights: the
    forward store becomes a selection, the reverse keeps its branch (its
    adjoint element is touched on one path only, and nothing around it
    shows that element exists)."""
    n = x.shape[0]
    y = np.empty(n)
    for i in range(n):
        y[i] = x[i]
    for i in range(n):
        if y[i] < 0.0:
            y[i] = a * y[i]
        else:
            y[i] = y[i]
    s = 0.0
    for i in range(n):
        s += (i + 1.0) * y[i]
    return s


def while_and_test(x, lo):
    """`while k < n and lo < 0.5`: the `and` assigns its flag under the first
    test; the loop reads the flag, though nothing the loop computes reaches
    the result (a pass that took the flag for dead made the loop run for
    ever)."""
    n = x.shape[0]
    k = 0
    while k < n and lo < 0.5:
        k += 1
        w = x[k - 1]
    s = 0.0
    for i in range(n):
        s += x[i] * x[i]
    return s


# -------------------------------------------------------------- stay branches


def running_max(x):
    """`if v > m: m = v`: the test reads what the branch changes (rarely
    taken on most data, so a well-predicted branch)."""
    m = -1e300
    for i in range(x.shape[0]):
        v = x[i] * x[i] - x[i]
        if v > m:
            m = v
    return m


def neighbour_only_inside(x):
    """The load `x[i - 1]` exists only where `i > 0`: never computed elsewhere."""
    s = 0.0
    for i in range(x.shape[0]):
        d = x[i]
        if i > 0:
            d = x[i] - x[i - 1]
        s += abs(d)
    return s


def stored_on_one_path(x):
    """An element stored on one path only: the other path may not own it."""
    n = x.shape[0]
    y = np.zeros(n)
    for i in range(n):
        if x[i] > 0.0:
            y[i] = x[i] * x[i]
    s = 0.0
    for i in range(n):
        s += y[i]
    return s


def log_on_one_path(x):
    """A path that may fail elsewhere (the log of a negative number)."""
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0.0:
            s += math.log(x[i])
        else:
            s += x[i]
    return s


CONVERTED = [(soft_threshold_energy, "b", r"v_gt_"), (signed_accumulate, "x", r"t_gt_0"),
             (clipped_sum, "x", r"v_gt_hi")]
KEPT = [(running_max, "x", r"> m_so_far"), (neighbour_only_inside, "x", r"i_gt_0"),
        (stored_on_one_path, "x", r"_gt_0"), (log_on_one_path, "x", r"_gt_0"), (leaky_in_place, "x", r"_lt_0")]
