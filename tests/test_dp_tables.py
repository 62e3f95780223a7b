"""A store into an element that each re-run reads only after it was written, once,
keeps nothing for the reverse sweep (a dynamic-programming table): the
gradients stay right against central differences, and look-alikes that read
an element before it is written keep the old value."""

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
