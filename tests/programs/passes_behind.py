"""Sweeps that update an array in place from the element behind them
(``x[j] += f(x[j - 1])``, ``A[i, j] = ... A[i - 1, j]``), repeated by a pass
loop around: within one pass the element read was written by an earlier
iteration, but the next pass writes it again, so the reverse sweep must
put it back before re-reading it.  And copies inside whole-array
expressions (``x0.copy() + x0``), once lowered as numbers."""

import math

import numpy as np


def _relax(x, a):
    for j in range(1, x.shape[0]):
        x[j] = x[j] + a * x[j - 1] ** 2


def two_passes(x0):
    x = x0.copy()
    for t in range(2):
        for j in range(1, 3):
            x[j] = x[j] + x[j - 1] * x[j - 1]
    return x[2]


def rows_from_the_left(A0, a):
    A = A0.copy()
    for t in range(2):
        for i in range(A.shape[0]):
            for j in range(1, A.shape[1]):
                A[i, j] = A[i, j] + a * A[i, j - 1] ** 2
    return np.sum(A * A)


def columns_from_above(A0, a):
    A = A0.copy()
    m, n = A.shape
    for t in range(2):
        for j in range(n):
            for i in range(1, m):
                A[i, j] = 0.5 * A[i, j] + math.sin(a * A[i - 1, j])
    return np.sum(A * A)


def passes_until_a_count(x0, a):
    x = x0.copy()
    it = 0
    while it < 3:
        for j in range(1, x.shape[0]):
            x[j] += a * abs(x[j - 1]) * x[j - 1]
        it += 1
    return np.sum(x * x)


def passes_by_a_helper(x0, a):
    x = x0.copy()
    for t in range(2):
        _relax(x, a)
    return np.sum(x * x)


def coupled_lags(x0, y0):
    x = x0.copy()
    y = y0.copy()
    for t in range(2):
        for j in range(1, x.shape[0]):
            x[j] = x[j] + 0.5 * max(y[j - 1], 0.0) * y[j - 1]
            y[j] = y[j] - 0.5 * x[j - 1] * x[j - 1]
    return np.sum(x * y)


def copy_plus_itself(x0, a):
    x = x0.copy() + x0
    return np.sum(x * x) * a


def shifted_copy_factorised(A0, a):
    A = A0.copy() + 4.0 * np.eye(4)
    n = A.shape[0]
    for k in range(n):
        for i in range(k + 1, n):
            A[i, k] = A[i, k] / A[k, k]
            for j in range(k + 1, n):
                A[i, j] -= A[i, k] * A[k, j]
    return np.sum(A * A) * a


def float_copy_plus(x0, a):
    x = x0.astype(np.float64) - 0.5 * x0
    return np.sum(np.abs(x)) * a


def arguments(name: str):
    x4 = np.array([0.2739, -0.4604, -0.9181, -0.9669])
    a44 = np.array([[0.31, -0.52, 0.27, 0.44], [-0.63, 0.18, 0.75, -0.29],
                    [0.12, 0.58, -0.41, 0.36], [0.47, -0.22, 0.09, -0.71]])
    return {
        "two_passes": (x4,),
        "rows_from_the_left": (a44, 0.6),
        "columns_from_above": (a44, 0.6),
        "passes_until_a_count": (x4, 0.6),
        "passes_by_a_helper": (x4, 0.6),
        "coupled_lags": (x4, x4[::-1].copy()),
        "copy_plus_itself": (x4, 0.6),
        "shifted_copy_factorised": (a44, 0.6),
        "float_copy_plus": (x4, 0.6),
        "clipped_flags_steer": (np.array([-1.0068, 0.8784, -0.8026, 1.0632, 1.4551]),
                                np.array([-1.3523, -1.5443, -0.3480, -0.9925, 1.3949])),
    }[name]


NAMES = ("two_passes", "rows_from_the_left", "columns_from_above", "passes_until_a_count", "passes_by_a_helper",
         "coupled_lags", "copy_plus_itself", "shifted_copy_factorised", "float_copy_plus", "clipped_flags_steer")


def clipped_flags_steer(a, b):
    """A loop steered by data the gradient does not flow through, which is
    then clipped in place (``if b[i] < 0: b[i] = 0.0``): the clip's reverse
    re-runs its test, which must read the element as it was."""
    z = a.copy()
    k = 0
    while k < 3:
        k += 1
        for i in range(k):
            if b[1] >= 0.0:
                z[0] -= 0.1 * np.sum(z[1:] - z[:-1])
            else:
                z[k] = 0.5 * z[k - 1] + math.sin(a[i + 1])
    for i in range(b.shape[0]):
        if b[i] < 0.0:
            b[i] = 0.0
    return 0.3 * math.tanh(z[0]) + 0.2 * math.tanh(z[-1]) + z[2] * z[1]
