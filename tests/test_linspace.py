"""``np.linspace`` in whole-array code: NumPy's own values (the gradient of
``np.sum(x * t)`` in ``x`` is ``t``, compared bit for bit), and derivatives
through ``start`` and ``stop`` (a time horizon or a grid's ends the caller
differentiates) against central differences, on both targets."""

import inspect
import math

import numpy as np
import pytest

import nsadc
from helpers import check_program_gradient


def weighted(x):
    t = np.linspace(0.0, 1.0, x.shape[0])
    return np.sum(x * t)


def weighted_open(x):
    t = np.linspace(-1, 2, x.shape[0], endpoint=False)
    return np.sum(x * t)


def weighted_keywords(x):
    t = np.linspace(start=0.5, stop=3.0, num=x.shape[0])
    return np.sum(t * x)


@pytest.mark.parametrize("fn", [weighted, weighted_open, weighted_keywords])
@pytest.mark.parametrize("n", [1, 2, 3, 7, 50])
def test_numpys_values(fn, n):
    src = inspect.getsource(fn)
    call = src[src.index("np.linspace"):].split("\n")[0].replace("x.shape[0]", str(n))
    want = eval(call[:call.rindex(")") + 1].replace("np.linspace", "np.linspace"), {"np": np})
    got = nsadc.differentiate(fn, target="python").grad(np.ones(n))
    np.testing.assert_array_equal(got, want)


def tracking_error(x, T):
    """A path sampled on [0, T] against sin(t): T moves every sample point."""
    n = x.shape[0]
    t = np.linspace(0.0, T, n)
    return np.sum(np.abs(x - np.sin(t)))


def grid_quadrature(f, a, b):
    """Trapezoids on a grid between a and b, without its endpoint."""
    h = (b - a) / f.shape[0]
    grid = np.linspace(a, b, f.shape[0], endpoint=False)
    return h * np.sum(np.maximum(f, 0.0) * np.cos(grid))


def loop_over_grid(x, lo):
    w = np.linspace(lo, 2.0, 7)
    s = 0.0
    for i in range(7):
        s += w[i] * max(x[i], 0.0) + math.tanh(w[i]) * x[i]
    return s


RNG = np.random.default_rng(5)
CASES = [(tracking_error, (RNG.normal(size=9), 2.5)),
         (grid_quadrature, (RNG.normal(size=8), -0.4, 1.3)),
         (loop_over_grid, (RNG.normal(size=7), 0.3))]


@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_derivatives_through_the_ends(fn, args):
    check_program_gradient(fn, args, "python")


@pytest.mark.slow
@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_derivatives_through_the_ends_compiled(fn, args):
    check_program_gradient(fn, args, "cpu")


def counted_by_a_float(x):
    t = np.linspace(0.0, 1.0, 5.0)
    return np.sum(x * t)


def test_a_float_count_is_refused_with_its_place():
    with pytest.raises(nsadc.UnsupportedError, match="count must be a non-negative int") as e:
        nsadc.differentiate(counted_by_a_float, target="python").grad(np.ones(5))
    assert "test_linspace.py" in str(e.value)
