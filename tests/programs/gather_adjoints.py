"""Stencils written as users write them: the reverse sweep of each adds into
neighbouring elements of an adjoint array, which the gradient gathers instead
(nsadc/passes/gather_adjoints.py); the look-alikes keep their additions."""

import math

import numpy as np


def tv_rows_cols(u, f, lam):
    """Anisotropic total variation with forward differences, tests at the border."""
    h, w = u.shape
    e = 0.0
    for i in range(h):
        for j in range(w):
            r = u[i, j] - f[i, j]
            e += 0.5 * r * r
            if i + 1 < h:
                e += lam * abs(u[i + 1, j] - u[i, j])
            if j + 1 < w:
                e += lam * abs(u[i, j + 1] - u[i, j])
    return e


def backward_differences(u, lam):
    """Backward differences, tested against the first row and column."""
    h, w = u.shape
    e = 0.0
    for i in range(h):
        for j in range(w):
            if i > 0:
                e += abs(u[i, j] - u[i - 1, j])
            if j >= 1:
                e += lam * abs(u[i, j] - u[i, j - 1])
    return e


def weighted_rows(u, c):
    """Rows tested with ``<=``, the row's weight from an outer-loop assignment."""
    h = u.shape[0]
    w = u.shape[1]
    e = 0.0
    for i in range(h):
        wi = 1.0 + 0.1 * i
        for j in range(w):
            if i <= h - 2:
                d = u[i + 1, j] - u[i, j]
                e += wi * abs(d) + c * d * d
            if j <= w - 2:
                e += abs(u[i, j + 1] - u[i, j]) * wi
    return e


def interior_rows(u):
    """Only the interior rows, against their neighbours above and below."""
    h = u.shape[0]
    w = u.shape[1]
    e = 0.0
    for i in range(1, h - 1):
        for j in range(w):
            e += abs(u[i + 1, j] - u[i, j]) + abs(u[i, j] - u[i - 1, j]) + 0.5 * u[i, j] * u[i, j]
    return e


def interior_laplacian(u):
    """A three-point stencil over the interior: the range keeps it in bounds."""
    n = u.shape[0]
    s = 0.0
    for i in range(1, n - 1):
        r = u[i - 1] - 2.0 * u[i] + u[i + 1]
        s += abs(r) + 0.25 * r * r
    return s


def five_point(u):
    """A five-point stencil over the interior of a grid."""
    h = u.shape[0]
    w = u.shape[1]
    s = 0.0
    for i in range(1, h - 1):
        for j in range(1, w - 1):
            lap = u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1] - 4.0 * u[i, j]
            s += min(lap * lap, abs(lap))
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


GATHERED = [
    (tv_rows_cols, "u"),
    (backward_differences, "u"),
    (weighted_rows, "u"),
    (interior_rows, "u"),
    (reversed_chain, "x"),
]

# ------------------------------------------------------------- look-alikes
# (the first three add into each element once per iteration)


def relu_differences(u, lam):
    """A ``max`` kink: its selection goes either way on data, and each copy
    would evaluate it again."""
    h, w = u.shape
    e = 0.0
    for i in range(h):
        for j in range(w):
            if j >= 1:
                e += lam * max(u[i, j] - u[i, j - 1], 0.0) + abs(u[i, j])
    return e


def periodic_differences(x):
    """``x[i - 1]`` at ``i = 0`` is ``x[-1]``: the index wraps around."""
    s = 0.0
    for i in range(x.shape[0]):
        s += abs(x[i] - x[i - 1]) + 0.5 * x[i] * x[i]
    return s


def exp_coupling(x):
    """Each copy would compute the exponential again."""
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += math.exp(x[i + 1] - x[i]) + abs(x[i])
    return s


def strided_pairs(x):
    """Pairs (x[2k], x[2k + 1]): not the loop variable plus a constant."""
    s = 0.0
    for k in range(x.shape[0] // 2):
        s += abs(x[2 * k] - x[2 * k + 1])
    return s


def running_coupling(x):
    """A value carried from one iteration to the next (its adjoint, in the reverse sweep)."""
    s = 0.0
    m = 0.0
    for i in range(x.shape[0] - 1):
        m = 0.5 * m + x[i] - x[i + 1]
        s += m + abs(x[i])
    return s


def unguarded_neighbour(x, w):
    """The neighbour's index is in bounds only by what the caller passes."""
    s = 0.0
    for i in range(w.shape[0]):
        s += abs(x[i + 1] - x[i]) * w[i]
    return s


KEPT = [
    (interior_laplacian, "u"),
    (five_point, "u"),
    (chained_pairs, "x"),
    (relu_differences, "u"),
    (periodic_differences, "x"),
    (exp_coupling, "x"),
    (strided_pairs, "x"),
    (running_coupling, "x"),
    (unguarded_neighbour, "x"),
]


def arguments(fn, rng, integers=False):
    """Arguments for ``fn``: a grid or a vector by its parameter names
    (integer-valued data puts the differences on their kinks)."""
    def data(shape):
        return rng.integers(-2, 3, shape).astype(float) if integers else rng.standard_normal(shape)

    out = []
    for p in fn.__code__.co_varnames[:fn.__code__.co_argcount]:
        if p in ("u", "f"):
            out.append(data((7, 9)) if fn is not interior_laplacian else data(13))
        elif p == "x":
            out.append(data(12))
        elif p == "w":
            out.append(np.abs(data(11)) + 0.5)
        elif p == "c":
            out.append(0.25)
        else:
            out.append(0.3)
    return tuple(out)
