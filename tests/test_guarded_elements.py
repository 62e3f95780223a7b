"""A store under an `if` may name an element only where its test holds
(``if i + 1 < n: x[i + 1] = ...``).  Where a loop's reverse restores that
element before re-running the iteration, its push (made before the `if`,
whichever way it goes) and its pop check that the index lies inside the
array: an element past the end is neither read nor written.  Before, the
python target stopped with an IndexError and compiled code read and wrote
one element past the array.  Gradients against central differences on
both targets."""

import numpy as np
import pytest

import nsadc
from test_regressions import central_differences


def guarded_next(x0, c):
    x = x0.copy()
    for t in range(3):
        for i in range(x.shape[0]):
            x[i] = max(x[i], c * x[i])
            if i + 1 < x.shape[0]:
                x[i + 1] = x[i + 1] + 0.1 * x[i]
    return np.sum(x * x)


def guarded_row(z0, c):
    z = z0.copy()
    for t in range(3):
        for i in range(z.shape[0]):
            for j in range(z.shape[1]):
                if j + 1 < z.shape[1]:
                    z[i, j + 1] = max(z[i, j + 1], c * z[i, j])
    return np.sum(z * z)


def guarded_before(y0, c):
    y = y0.copy()
    for t in range(2):
        for i in range(y.shape[0]):
            if i >= 1:
                y[i - 1] = abs(y[i - 1] - c * y[i])
            y[i] = 0.9 * y[i]
    return np.sum(y ** 3)


CASES = {
    "guarded_next": (guarded_next, lambda r: (r.standard_normal(5), 0.3)),
    "guarded_row": (guarded_row, lambda r: (r.standard_normal((3, 4)), 0.8)),
    "guarded_before": (guarded_before, lambda r: (r.standard_normal(5), 0.6)),
}


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("name", sorted(CASES))
def test_against_central_differences(name, target):
    fn, make = CASES[name]
    for seed in range(3):
        args = make(np.random.default_rng(seed))
        g = nsadc.differentiate(fn, target=target).grad(*args)
        want = central_differences(fn, args, (0, 1))
        assert len(g) == len(want) == 2
        for got, expected in zip(g, want):
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)


def test_the_push_checks_the_index():
    src = nsadc.differentiate(guarded_next, target="python").source("reverse", np.ones(5), 0.3)
    assert "if i + 1 >= -x.shape[0] and i + 1 < x.shape[0]:" in src
