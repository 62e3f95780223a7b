"""A store into an element that each re-run reads only after it was written, once,
keeps nothing for the reverse sweep (a dynamic-programming table): the
gradients stay right against central differences, and look-alikes that read
an element before it is written keep the old value."""

import re
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import dp_tables as programs  # noqa: E402

ALL = programs.FINAL + programs.KEPT


def _args(seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(7), rng.standard_normal(6)


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
def test_elements_are_kept_only_where_a_read_precedes_the_write(fn):
    d = nsadc.differentiate(fn, target="python")
    src = d.source("reverse", *_args(0))
    assert ("_elements" in src) == (fn in programs.KEPT), src


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
def test_gradients_against_central_differences(fn, target):
    d = nsadc.differentiate(fn, target=target)
    for seed in range(3):
        x, y = _args(seed)
        gx, gy = d.grad(x, y)
        value, (vx, vy) = d.value_and_grad(x, y)
        assert value == pytest.approx(fn(x.copy(), y.copy()), rel=1e-13)
        np.testing.assert_allclose(gx, vx, rtol=1e-12, atol=1e-14)
        h = 1e-6
        for which, g in ((0, gx), (1, gy)):
            for k in range(len((x, y)[which])):
                up = [x.copy(), y.copy()]
                down = [x.copy(), y.copy()]
                up[which][k] += h
                down[which][k] -= h
                fd = (fn(*up) - fn(*down)) / (2 * h)
                assert g[k] == pytest.approx(fd, rel=1e-5, abs=1e-6), (fn.__name__, which, k)


@pytest.mark.parametrize("fn", programs.FINAL, ids=lambda f: f.__name__)
def test_cells_the_cotangent_does_not_reach_are_skipped(fn):
    """The reverse of a cell runs only where its adjoint is not zero (the
    report variant, which counts every cell's kinks, runs them all): the same
    gradients, bit for bit, at generic points and at ties."""
    d = nsadc.differentiate(fn, target="python")
    src = d.source("reverse", *_args(0))
    assert re.search(r"\n( +)(\w+_bar) = \w+_bar\[[^\n]*\]\n\1if \2 != 0\.0:\n", src), src
    for seed in range(4):
        x, y = _args(seed)
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
