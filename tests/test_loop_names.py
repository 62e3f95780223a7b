"""A `for` loop variable whose name other statements assign too (``for j``
then ``j = 0; while ...``): each such loop gets a variable of its own, where
nothing reads the name after the loop before assigning it again
(frontend/loop_names.py).  Values and gradients against the functions and
central differences; a read after the loop, which would see the loop's last
value, stays refused with its location."""

import numpy as np
import pytest

import nsadc
from helpers import central_differences


def sum_then_scan(x):
    s = 0.0
    for j in range(x.shape[0]):
        s += x[j] * x[j]
    j = 0
    while j < x.shape[0] and x[j] < 0.0:
        j += 1
    return s + x[j]


def sum_then_insertion_sort(x):
    n = x.shape[0]
    y = x.copy()
    s = 0.0
    for i in range(n):
        s += abs(y[i])
    for i in range(1, n):
        key = y[i]
        j = i - 1
        while j >= 0 and y[j] > key:
            y[j + 1] = y[j]
            j -= 1
        y[j + 1] = key
    for i in range(n // 2):
        s += y[i] * y[i]
    return s


def assigned_in_both_branches(x):
    s = 0.0
    for j in range(x.shape[0]):
        s += x[j]
    if s > 0:
        j = 1
    else:
        j = 2
    return s * x[j]


def reassigned_before_the_next_iteration(x):
    s = 0.0
    t = 0
    j = 1
    while t < 3:
        s += x[j] * 0.25
        for j in range(2):
            s += x[j] * s * 0.5
        j = 0
        t += 1
    return s


def unpacked_after(x):
    s = 0.0
    for i in range(3):
        s += max(x[i], 0.1 * x[i])
    i, m = 1, 2
    return s * x[i] + x[m]


PROGRAMS = [sum_then_scan, sum_then_insertion_sort, assigned_in_both_branches,
            reassigned_before_the_next_iteration, unpacked_after]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn", PROGRAMS, ids=lambda f: f.__name__)
def test_a_reused_loop_name_gets_a_variable_per_loop(fn, target):
    x = np.array([-0.5, -0.2, 1.3, 0.7])
    d = nsadc.differentiate(fn, target=target)
    value, g = d.value_and_grad(x)
    assert value == pytest.approx(fn(x), rel=1e-14)
    np.testing.assert_allclose(g, central_differences(fn, (x,), 0), rtol=1e-6, atol=1e-8)


def read_after_the_loop(x):
    j = 0
    for j in range(x.shape[0]):
        x[0] += 0.0
    return x[j]


def read_by_the_next_test(x):
    j = 0
    s = 0.0
    while j < 3:
        j = j + 1
        for j in range(2):
            s += x[j]
    return s


@pytest.mark.parametrize("fn, line", [(read_after_the_loop, "j = 0"), (read_by_the_next_test, "j = 0")])
def test_a_read_that_may_see_the_loops_last_value_is_refused(fn, line):
    with pytest.raises(nsadc.UnsupportedError, match="assign the name again after the loop") as e:
        nsadc.differentiate(fn, target="python").grad(np.ones(4))
    assert "test_loop_names.py:" in str(e.value) and line in str(e.value)
