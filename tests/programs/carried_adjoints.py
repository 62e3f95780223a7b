"""1-D loops written as users write them, each adding its adjoints into
neighbouring elements (the loop variable plus constants): the gradient keeps
those sums in registers and stores each element once
(nsadc/passes/carried_adjoints.py).  The look-alikes keep their additions."""

import math

import numpy as np


def chained_lq(x):
    """Chained LQ, a kink per pair of neighbours."""
    n = x.shape[0]
    s = 0.0
    for i in range(n - 1):
        a = x[i]
        b = x[i + 1]
        s += max(-a - b, -a - b + a * a + b * b - 1.0)
    return s


def chained_pairs(x):
    """A chained test function: each term couples x[i] and x[i + 1]."""
    n = x.shape[0]
    s = 0.0
    for i in range(n - 1):
        a = x[i]
        b = x[i + 1]
        s += max(a * a + b * b - 1.0, abs(a - b)) + 0.5 * a
    return s


def reversed_chain(x):
    """The same coupling, the loop counting down."""
    s = 0.0
    for i in range(x.shape[0] - 1, 0, -1):
        s += abs(x[i] - 0.5 * x[i - 1]) + x[i] * x[i - 1]
    return s


def interior_laplacian(u):
    """A three-point stencil over the interior: the range keeps it in bounds."""
    n = u.shape[0]
    s = 0.0
    for i in range(1, n - 1):
        r = u[i - 1] - 2.0 * u[i] + u[i + 1]
        s += abs(r) + 0.25 * r * r
    return s


def exp_coupling(x):
    """An exponential of neighbours' difference, computed once per iteration."""
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += math.exp(x[i + 1] - x[i]) + abs(x[i])
    return s


def running_coupling(x):
    """A value carried from one iteration to the next."""
    s = 0.0
    m = 0.0
    for i in range(x.shape[0] - 1):
        m = 0.5 * m + x[i] - x[i + 1]
        s += m + abs(x[i])
    return s


def second_neighbours(x):
    """Offsets 0 and 2: the element between is added into by neither."""
    s = 0.0
    for i in range(len(x) - 2):
        s += abs(x[i + 2] - x[i]) - 0.1 * x[i]
    return s


def lagged_hinge(x):
    """A loop from 2, reading one behind: element 0 is never read."""
    n = len(x)
    total = 0.0
    for t in range(2, n):
        total += max(0.0, x[t - 1] - 0.5 * x[t]) ** 2
    return total


def short_of_the_end(x):
    """A loop that stops three short: the last two elements are never read."""
    s = 0.0
    for i in range(x.shape[0] - 3):
        s += min(x[i], x[i + 1]) ** 2
    return s


def backwards_three_points(x):
    """Counting down over the interior, three neighbours, a kink."""
    n = x.shape[0]
    s = 0.0
    for i in range(n - 2, 0, -1):
        left = x[i - 1]
        mid = x[i]
        right = x[i + 1]
        s += abs(left + right - 2.0 * mid) * (1.0 + 0.1 * mid * mid)
    return s


def weighted_differences(x, w):
    """Weights from a second array, the neighbour through a named index."""
    s = 0.0
    for i in range(x.shape[0] - 1):
        j = i + 1
        d = x[j] - x[i]
        s += w[i] * abs(d) + 0.5 * d * d
    return s


def rosenbrock_nonsmooth(x):
    """Nesterov's nonsmooth Chebyshev-Rosenbrock: a chain through abs."""
    s = 0.25 * abs(x[0] - 1.0)
    for i in range(x.shape[0] - 1):
        s += abs(x[i + 1] - 2.0 * x[i] * x[i] + 1.0)
    return s


CARRIED = [
    (chained_lq, "x"),
    (chained_pairs, "x"),
    (reversed_chain, "x"),
    (interior_laplacian, "u"),
    (exp_coupling, "x"),
    (running_coupling, "x"),
    (second_neighbours, "x"),
    (lagged_hinge, "x"),
    (short_of_the_end, "x"),
    (backwards_three_points, "x"),
    (weighted_differences, "x"),
    (rosenbrock_nonsmooth, "x"),
]

# ------------------------------------------------------------- look-alikes


def periodic_differences(x):
    """``x[i - 1]`` at ``i = 0`` is ``x[-1]``: the index wraps around."""
    s = 0.0
    for i in range(x.shape[0]):
        s += abs(x[i] - x[i - 1]) + 0.5 * x[i] * x[i]
    return s


def strided_pairs(x):
    """Pairs (x[2k], x[2k + 1]): not the loop variable plus a constant."""
    s = 0.0
    for k in range(x.shape[0] // 2):
        s += abs(x[2 * k] - x[2 * k + 1])
    return s


def unguarded_neighbour(x, w):
    """The neighbour's index is in bounds only by what the caller passes."""
    s = 0.0
    for i in range(w.shape[0]):
        s += abs(x[i + 1] - x[i]) * w[i]
    return s


def guarded_neighbour(x):
    """The neighbour is read under a test: its addition sits under a branch."""
    n = x.shape[0]
    s = 0.0
    for i in range(n):
        s += x[i] * x[i]
        if i + 1 < n:
            s += abs(x[i + 1] - x[i])
    return s


def stopped_early(x):
    """A loop that may stop before its end."""
    s = 0.0
    for i in range(x.shape[0] - 1):
        if x[i] > 3.0:
            break
        s += abs(x[i + 1] - x[i])
    return s


KEPT = [
    (periodic_differences, "x"),
    (strided_pairs, "x"),
    (unguarded_neighbour, "x"),
    (guarded_neighbour, "x"),
    (stopped_early, "x"),
]


def arguments(fn, rng, n=12, integers=False):
    """Arguments for ``fn``: vectors of length ``n`` by parameter name
    (integer-valued data puts differences on their kinks)."""
    def data(m):
        return rng.integers(-2, 3, m).astype(float) if integers else rng.standard_normal(m)

    out = []
    for p in fn.__code__.co_varnames[:fn.__code__.co_argcount]:
        if p == "w":
            out.append(np.abs(data(n - 1 if fn is unguarded_neighbour else n)) + 0.5)
        else:
            out.append(data(n))
    return tuple(out)
