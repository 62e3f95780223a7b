"""A load of an element just stored reads the stored value's name instead.
Values against the plain Python function and central differences, where
the rewrite applies and where something between the store and the load
(another store that may hit the same element, a moved index, a branch, a
loop, an alias, a conversion) must stop it; and the emitted shape."""

import re

import numpy as np
import pytest

import nsadc
from test_regressions import central_differences


def clip_and_count(x0, lo, hi):
    x = x0.copy()
    over = 0.0
    for i in range(x.shape[0]):
        v = 1.5 * x[i]
        x[i] = min(max(v, lo), hi)
        over += abs(v - x[i])
    return over + np.sum(x * x)


def same_element_by_another_index(x0, a, b, i, j):
    x = x0.copy()
    x[i] = a * a
    x[j] = b * 3.0          # i == j at the test's arguments
    return x[i] * a


def index_moved(x0, a, i):
    x = x0.copy()
    x[i] = a * 2.0
    i = i + 1
    return x[i] * a + x[i - 1]


def stored_under_a_test(x0, a, i):
    x = x0.copy()
    x[i] = a * 2.0
    if a > 0.5:
        x[i] = a * a
    return x[i] * x0[i]


def stored_in_a_loop(x0, a, i):
    x = x0.copy()
    x[i] = a * 2.0
    for k in range(x.shape[0]):
        x[k] = x[k] + a
    return x[i] * a


def value_renamed(x0, a, i):
    x = x0.copy()
    v = a * 2.0
    x[i] = v
    v = v * v
    return x[i] + v


def through_a_parameter(x, a, i):
    x[i] = a * 2.0
    return x[i] * a


def int_array_holds_a_count(x0, a):
    counts = np.zeros(3, dtype=np.int64)
    total = 0.0
    for i in range(x0.shape[0]):
        k = i % 3
        counts[k] = counts[k] + 1
        total += counts[k] * x0[i] * a
    return total


def row_of_a_grid(g0, a):
    g = g0.copy()
    s = 0.0
    for r in range(g.shape[0]):
        for c in range(g.shape[1]):
            g[r, c] = max(g[r, c] * a, 0.1)
            s += g[r, c] * g[r, 0]
    return s


def grid_follows_its_first_column(u0, a):
    u = u0.copy()
    s = 0.0
    for t in range(3):
        for r in range(u.shape[0]):
            for c in range(u.shape[1]):
                u[r, c] = max(u[r, c] * a + 0.1 * u[r, 0], 0.05)
                s += u[r, 0] * u[r, c]
    return s



CASES = {
    clip_and_count: lambda rng: (rng.uniform(-1.0, 1.0, 7), -0.6, 0.7),
    same_element_by_another_index: lambda rng: (rng.uniform(-1.0, 1.0, 5), 0.7, 0.4, 2, 2),
    index_moved: lambda rng: (rng.uniform(-1.0, 1.0, 5), 0.7, 2),
    stored_under_a_test: lambda rng: (rng.uniform(-1.0, 1.0, 5), 0.7, 1),
    stored_in_a_loop: lambda rng: (rng.uniform(-1.0, 1.0, 5), 0.7, 1),
    value_renamed: lambda rng: (rng.uniform(-1.0, 1.0, 5), 0.7, 3),
    through_a_parameter: lambda rng: (rng.uniform(-1.0, 1.0, 5), 0.7, 3),
    int_array_holds_a_count: lambda rng: (rng.uniform(-1.0, 1.0, 7), 0.7),
    row_of_a_grid: lambda rng: (rng.uniform(-1.0, 1.0, (3, 4)), 0.8),
    grid_follows_its_first_column: lambda rng: (rng.uniform(-1.0, 1.0, (3, 4)), 0.8),
}


@pytest.mark.parametrize("fn", list(CASES), ids=lambda f: f.__name__)
def test_values_and_gradients(fn):
    args = CASES[fn](np.random.default_rng(3))
    floats = tuple(k for k, a in enumerate(args) if isinstance(a, (float, np.ndarray)))
    wrt = [fn.__code__.co_varnames[k] for k in floats]
    d = nsadc.differentiate(fn, wrt=wrt, target="python")
    copy = lambda: tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)  # noqa: E731
    value, grads = d.value_and_grad(*copy())
    assert value == pytest.approx(fn(*copy()), rel=1e-13)
    want = central_differences(lambda *xs: fn(*(x.copy() if isinstance(x, np.ndarray) else x for x in xs)),
                               copy(), floats)
    for got, expected in zip(grads, want):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def _forward_sweep(fn):
    args = CASES[fn](np.random.default_rng(3))
    src = nsadc.differentiate(fn, target="python").source("reverse", *args)
    return src[src.index("# forward sweep"):src.index("# reverse sweep")]


def test_the_read_back_takes_the_stored_name():
    fwd = _forward_sweep(clip_and_count)
    assert re.search(r"x\[i\] = (\w+)\n\s+\w+ = \1\n", fwd), fwd


@pytest.mark.parametrize("fn", [same_element_by_another_index, index_moved, stored_in_a_loop,
                                through_a_parameter], ids=lambda f: f.__name__)
def test_loads_that_may_see_another_value_stay(fn):
    fwd = _forward_sweep(fn)
    assert re.search(r"= x\[i\]\n", fwd), fwd
