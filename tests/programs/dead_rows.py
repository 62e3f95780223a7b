"""Programs for tests/test_dead_assignments.py: loops whose reverse re-runs an
iteration, so that the forward run only fed the value."""

import math

import numpy as np


def tv_rows(u, f, lam):
    """An image energy with boundary tests inside the loop."""
    h, w = u.shape
    e = 0.0
    for i in range(h):
        for j in range(w):
            d = u[i, j] - f[i, j]
            e += 0.5 * d * d
            if i + 1 < h:
                e += lam * abs(u[i + 1, j] - u[i, j])
            if j + 1 < w:
                e += lam * abs(u[i, j + 1] - u[i, j])
    return e


def test_changes_between(x, lam):
    """The test that guards an assignment is assigned again before the read
    under it: the read must keep the assignment it may see."""
    n = x.shape[0]
    s = 0.0
    t = 0.0
    for i in range(n):
        c = x[i] > 0.0
        if c:
            t = math.sin(x[i])
        c = x[i] > lam
        if c:
            s += t * x[i]
    return s
