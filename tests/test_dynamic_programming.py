"""Dynamic-programming tables: each iteration of a loop nest writes its own
element and reads elements earlier iterations wrote (``D[i - 1, j]``,
``D[i, j - 1]``).  The reverse sweep re-runs an iteration without keeping the
table: the elements it reads are never written again, so their stores push
nothing either, and a cell's reverse runs only where its adjoint is not zero.
Checked against central differences; a table read ahead of where it is
written still takes the general (whole-table) path, and look-alikes that read
an element before it is written keep it."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from helpers import load_function

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import dp_tables as programs  # noqa: E402

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
    dtw = programs.warping
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


# ---- tables and recurrences written as users write them (tests/programs/dp_tables.py)

ALL = programs.FINAL + programs.KEPT


def _pair(seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(7), rng.standard_normal(6)


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
def test_elements_are_kept_only_where_a_read_precedes_the_write(fn):
    d = nsadc.differentiate(fn, target="python")
    src = d.source("reverse", *_pair(0))
    assert ("_elements" in src) == (fn in programs.KEPT), src


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
def test_gradients_against_central_differences(fn, target):
    d = nsadc.differentiate(fn, target=target)
    for seed in range(3):
        x, y = _pair(seed)
        gx, gy = d.grad(x, y)
        value, (vx, vy) = d.value_and_grad(x, y)
        assert value == pytest.approx(fn(x.copy(), y.copy()), rel=1e-13)
        np.testing.assert_allclose(gx, vx, rtol=1e-12, atol=1e-14)
        for which, g in ((0, gx), (1, gy)):
            assert g == pytest.approx(_fd(fn, [x, y], which), rel=1e-5, abs=1e-6), (fn.__name__, which)


@pytest.mark.parametrize("fn", programs.FINAL, ids=lambda f: f.__name__)
def test_cells_the_cotangent_does_not_reach_are_skipped(fn):
    """The reverse of a cell runs only where its adjoint is not zero (the
    report variant, which counts every cell's kinks, runs them all): the same
    gradients, bit for bit, at generic points and at ties."""
    d = nsadc.differentiate(fn, target="python")
    src = d.source("reverse", *_pair(0))
    assert re.search(r"\n( +)(\w+_bar) = \w+_bar\[[^\n]*\]\n\1if \2 != 0\.0:\n", src), src
    for seed in range(4):
        x, y = _pair(seed)
        if seed % 2:  # ties: equal costs and equal predecessors
            x, y = np.round(x), np.round(y)
        g = d.grad(x, y)
        _, g_all, _ = d.value_and_grad(x, y, report=True)
        for a, b in zip(g, g_all):
            np.testing.assert_array_equal(a, b)


def test_no_guard_where_the_adjoint_does_not_flow_on_through_its_array():
    def rows_then_abs(A, x):
        n = A.shape[0]
        r = np.zeros(n)
        for i in range(n):
            for j in range(x.shape[0]):
                r[i] += A[i, j] * x[j]
        s = 0.0
        for i in range(n):
            s += abs(r[i])
        return s

    d = nsadc.differentiate(rows_then_abs, target="python")
    rng = np.random.default_rng(0)
    assert "!= 0.0:" not in d.source("reverse", rng.standard_normal((5, 3)), rng.standard_normal(3)).split(
        "# reverse sweep")[1].replace("if s_bar != 1.0:", "")
