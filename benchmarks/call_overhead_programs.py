"""Small programs for bench_call_overhead.py (nsadc reads their source from this file)."""

import math

import numpy as np


def hinge(w, X, y):
    s = 0.0
    for i in range(X.shape[0]):
        m = 0.0
        for j in range(X.shape[1]):
            m += X[i, j] * w[j]
        s += max(0.0, 1.0 - y[i] * m)
    return s / X.shape[0]


def chain(a, b, c, d):
    s = (1.0 - a) ** 2 + 100.0 * (b - a * a) ** 2
    s += abs(c - b) + max(d * c, 0.5)
    return s + math.log1p(d * d)


def l1_residual(w, X, y):
    return np.sum(np.abs(X @ w - y))
