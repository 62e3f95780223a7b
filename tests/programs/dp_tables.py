"""Dynamic-programming tables and recurrences into arrays, written as users write them.

``FINAL``: each element is written once and read only after (no element is
kept for the reverse sweep); ``KEPT``: look-alikes where a read precedes the
write of its element, so the reverse sweep needs the old value."""

import math

import numpy as np


def warping(x, y):
    n, m = x.shape[0], y.shape[0]
    D = np.empty((n + 1, m + 1))
    for j in range(m + 1):
        D[0, j] = math.inf
    for i in range(1, n + 1):
        D[i, 0] = math.inf
    D[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            D[i, j] = abs(x[i - 1] - y[j - 1]) + min(D[i - 1, j], D[i, j - 1], D[i - 1, j - 1])
    return D[n, m]


def alignment_score(x, y):
    """A max-plus table from zeros, two predecessors and a match bonus."""
    n, m = x.shape[0], y.shape[0]
    S = np.zeros((n + 1, m + 1))
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            S[i, j] = max(S[i - 1, j] - 0.5, S[i, j - 1] - 0.5) + math.exp(-(x[i - 1] - y[j - 1]) ** 2)
    return S[n, m] + 0.1 * S[n // 2, m // 2]


def smoothed_path(x, y):
    """A 1-D recurrence: z[i] from z[i - 1]."""
    z = np.zeros_like(x)
    z[0] = math.tanh(x[0])
    for i in range(1, x.shape[0]):
        z[i] = math.tanh(y[i % y.shape[0]] * z[i - 1] + x[i])
    s = 0.0
    for i in range(x.shape[0]):
        s += z[i] * z[i]
    return s


def reads_ahead(x, y):
    """Each row reads the next row's old value before that row is written."""
    n, m = x.shape[0], y.shape[0]
    T = np.ones((n + 1, m))
    for i in range(n):
        for j in range(m):
            T[i, j] = T[i + 1, j] * x[i] + max(y[j], T[i, j] * 0.5)
    s = 0.0
    for i in range(n + 1):
        for j in range(m):
            s += T[i, j] * (i + j + 1.0)
    return s


def overwritten_later(x, y):
    """A loop reads the array; a later loop overwrites it."""
    n = x.shape[0]
    A = np.empty(n)
    for i in range(n):
        A[i] = 2.0 * x[i]
    s = 0.0
    for i in range(n):
        s = 0.5 * s + math.sin(A[i]) * y[i % y.shape[0]]
    for i in range(n):
        A[i] = abs(x[i] - y[0])
    for i in range(n):
        s += A[i] * A[i]
    return s


FINAL = [warping, alignment_score, smoothed_path]
KEPT = [reads_ahead, overwritten_later]
