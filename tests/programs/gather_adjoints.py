"""Stencils written as users write them: the reverse sweep of each adds into
neighbouring elements of an adjoint array, which the gradient gathers instead
(nsadc/passes/gather_adjoints.py); the look-alikes keep their additions.
1-D loops whose additions are unconditional are carried in registers
instead (tests/programs/carried_adjoints.py)."""

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




GATHERED = [
    (tv_rows_cols, "u"),
    (backward_differences, "u"),
    (weighted_rows, "u"),
    (interior_rows, "u"),
]

# ------------------------------------------------------------- look-alikes
# (five_point adds into each element once per iteration: copies would only add work)


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


KEPT = [
    (five_point, "u"),
    (relu_differences, "u"),
    (periodic_differences, "x"),
    (strided_pairs, "x"),
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
            out.append(data((7, 9)))
        elif p == "x":
            out.append(data(12))
        elif p == "w":
            out.append(np.abs(data(11)) + 0.5)
        elif p == "c":
            out.append(0.25)
        else:
            out.append(0.3)
    return tuple(out)
