"""A `while` loop that steps its counter first, then stores through it
(``k += 1``, then ``a[k - 1] = max(a[k - 1], y)``): the element a store
overwrites is named by the counter's value at the iteration's start plus
the step, so the loop's reverse puts it back before re-running the
iteration, the push made before the counter moves.  Gradients against
central differences on both targets."""

import inspect
import math

import numpy as np
import pytest

import nsadc
from test_regressions import central_differences


def clipped_prefix(a0, y, n):
    a = a0.copy()
    s = 0.0
    for r in range(3):
        k = 0
        while k < n and a[k] < 2.0:
            k += 1
            a[k - 1] = max(a[k - 1], y) + 0.1 * a[k]
            a[1] = 0.5 * a[1] + math.tanh(a[k - 1])
        s += a[0] * a[k]
    return s + np.sum(a * a)


def counted_down(z0, c, n):
    z = z0.copy()
    j = n
    while j > 1:
        j -= 1
        z[j] = abs(z[j] - c * z[j - 1])
    return np.sum(z ** 3)


def bounded_sweeps(x0, lam, reps):
    x = x0.copy()
    t = 0
    total = 0.0
    while t < reps:
        t += 1
        x[t % 3] = min(x[t % 3], lam) - 0.2 * x[(t + 1) % 3]
        total += x[t % 3] ** 2
    return total


def rows_after_counter(z0, c, n):
    """The counter bounds the loop over the row it names (a triangle)."""
    z = z0.copy()
    k = 0
    s = 0.0
    while k < n - 1:
        k += 1
        for j in range(k):
            z[k, j] = max(z[k, j] * c, z[k - 1, j]) + 0.1 * z[k, j + 1]
        s += z[k, 0] ** 2
    return s + np.sum(z * z)


CASES = {
    "clipped_prefix": (clipped_prefix, (0, 1), lambda r: (r.standard_normal(6), 0.2, 4)),
    "counted_down": (counted_down, (0, 1), lambda r: (r.standard_normal(7), 0.6, 7)),
    "bounded_sweeps": (bounded_sweeps, (0, 1), lambda r: (r.standard_normal(4), 0.3, 9)),
    "rows_after_counter": (rows_after_counter, (0, 1), lambda r: (r.standard_normal((5, 5)), 0.7, 5)),
}


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("name", sorted(CASES))
def test_against_central_differences(name, target):
    fn, floats, make = CASES[name]
    for seed in range(3):
        args = make(np.random.default_rng(seed))
        names = [list(inspect.signature(fn).parameters)[k] for k in floats]
        g = nsadc.differentiate(fn, wrt=names, target=target).grad(*args)
        want = central_differences(fn, args, floats)
        assert len(g) == len(want) == len(floats)
        for got, expected in zip(g, want):
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)
