"""Dynamic-programming tables: each iteration of a loop nest writes its own
element and reads elements earlier iterations wrote (``D[i - 1, j]``,
``D[i, j - 1]``).  The reverse sweep re-runs an iteration without keeping the
table: the elements it reads are never written again.  Checked against central
differences; a table read ahead of where it is written still takes the
general (whole-table) path."""

from __future__ import annotations

import numpy as np
import pytest

import nsadc
from helpers import load_function

DTW = """
def dtw(x, y):
    n = x.shape[0]
    m = y.shape[0]
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
"""

SOFT_EDIT = """
def soft_edit(x, y, gap):
    n = x.shape[0]
    m = y.shape[0]
    T = np.zeros((m + 1, n + 1))
    for i in range(n + 1):
        T[0, i] = gap * i
    for j in range(1, m + 1):
        T[j, 0] = gap * j
    for j in range(1, m + 1):
        for i in range(1, n + 1):
            sub = T[j - 1, i - 1] + (x[i - 1] - y[j - 1]) ** 2
            T[j, i] = min(sub, T[j - 1, i] + gap, T[j, i - 1] + gap)
    return T[m, n]
"""

READ_AHEAD = """
def read_ahead(x):
    n = x.shape[0]
    A = np.ones(n + 1)
    for i in range(n):
        A[i] = A[i + 1] * x[i] + max(A[i], 0.5)
    return A[0] + A[n - 1]
"""


def _fd(f, args, k, h=1e-6):
    x = args[k]
    out = np.zeros_like(x)
    for e in range(x.size):
        step = np.zeros_like(x)
        step.flat[e] = h
        a, b = list(args), list(args)
        a[k], b[k] = x + step, x - step
        out.flat[e] = (f(*a) - f(*b)) / (2 * h)
    return out


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_tables_match_differences_and_keep_no_snapshot(tmp_path, target):
    rng = np.random.default_rng(5)
    dtw = load_function(tmp_path, DTW, "dtw")
    x, y = rng.standard_normal(7), rng.standard_normal(6)
    d = nsadc.differentiate(dtw, target=target)
    gx, gy = d.grad(x, y)
    np.testing.assert_allclose(gx, _fd(dtw, [x, y], 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gy, _fd(dtw, [x, y], 1), rtol=1e-6, atol=1e-8)
    assert "kept whole" not in d.source("reverse", x, y)
    edit = load_function(tmp_path, SOFT_EDIT, "soft_edit")
    d = nsadc.differentiate(edit, wrt=["x", "y"], target=target)
    gx, gy = d.grad(x, y, 0.7)
    np.testing.assert_allclose(gx, _fd(edit, [x, y, 0.7], 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gy, _fd(edit, [x, y, 0.7], 1), rtol=1e-6, atol=1e-8)
    assert "kept whole" not in d.source("reverse", x, y, 0.7)


def test_a_table_read_ahead_still_keeps_what_it_reads(tmp_path):
    f = load_function(tmp_path, READ_AHEAD, "read_ahead")
    x = np.random.default_rng(2).uniform(0.2, 0.9, 6)
    d = nsadc.differentiate(f, target="python")
    np.testing.assert_allclose(d.grad(x), _fd(f, [x], 0), rtol=1e-6, atol=1e-8)
