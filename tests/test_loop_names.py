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
    s = 0.0
    for j in range(x.shape[0]):
        s += x[j] * x[0]
    return s + x[j]


def read_by_the_next_test(x):
    j = 0
    s = 0.0
    while j < 3:
        for j in range(j, j + 2):
            s += x[j] * x[3 - j]
        j = j + 1
    return s


def search_then_read(x):
    k = 0
    for k in range(x.shape[0]):
        if x[k] > 1.0:
            break
    return x[k] * 2.0 + x[0]


def nested_search(x):
    s = 0.0
    i = j = 0
    for i in range(3):
        for j in range(i, 4):
            if x[j] > 1.0:
                break
            s += x[j] * x[i]
        s += x[j]
    return s + x[j] * x[i]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn", [read_after_the_loop, read_by_the_next_test, search_then_read, nested_search],
                         ids=lambda f: f.__name__)
def test_a_read_after_the_loop_sees_its_last_value(fn, target):
    """Python leaves a `for` variable at its last value (where a `break` left
    it): each iteration assigns the name from the loop's own variable."""
    for x in (np.array([-0.5, -0.2, 1.3, 0.7]), np.array([0.3, -0.2, 0.6, 0.7])):
        d = nsadc.differentiate(fn, target=target)
        value, g = d.value_and_grad(x)
        assert value == pytest.approx(fn(x), rel=1e-14)
        np.testing.assert_allclose(g, central_differences(fn, (x,), 0), rtol=1e-6, atol=1e-8)


def unassigned_if_the_loop_does_not_run(x, m: int):
    for i in range(m):
        x[0] += 0.0
    return x[i]


def test_a_read_after_a_loop_that_may_not_run_asks_for_a_value_before_it():
    with pytest.raises(nsadc.UnsupportedError, match="may be read before it is assigned") as e:
        nsadc.differentiate(unassigned_if_the_loop_does_not_run, wrt=["x"], target="python").grad(np.ones(4), 2)
    assert "test_loop_names.py:" in str(e.value) and "give i a value before" in str(e.value)


def second_loop_may_not_run(x, m: int):
    j = 0
    s = 0.0
    for j in range(3):
        s += x[j]
    for j in range(m):
        s += 0.5 * x[j]
    return s * x[j]


@pytest.mark.parametrize("m", [0, 2])
def test_a_later_loop_over_the_name_that_does_not_run_leaves_the_first_ones_value(m):
    x = np.array([-0.5, -0.2, 1.3, 0.7])
    d = nsadc.differentiate(second_loop_may_not_run, wrt=["x"], target="python")
    value, g = d.value_and_grad(x, m)
    assert value == pytest.approx(second_loop_may_not_run(x, m), rel=1e-14)
    np.testing.assert_allclose(g, central_differences(second_loop_may_not_run, (x, m), 0), rtol=1e-6, atol=1e-8)


def _newton_sqrt(a):
    x = a if a > 1.0 else 1.0
    while True:
        nx = 0.5 * (x + a / x)
        if abs(nx - x) < 1e-14 * nx:
            break
        x = nx
    return nx  # assigned on the one way out of the loop


def through_a_while_true_helper(a, b):
    return _newton_sqrt(a) * b + _newton_sqrt(a * b)


def _maybe_assigned(a):
    if a > 0.0:
        y = a * 2.0
    return y


def through_a_maybe_assigning_helper(a):
    return _maybe_assigned(a) + 1.0


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_helper_s_while_true_assigns_what_it_reads_after_the_loop(target):
    """A helper's own variables are checked where it is inlined, while its
    `break` still ends the loop's only way out."""
    d = nsadc.differentiate(through_a_while_true_helper, target=target)
    for a, b in ((2.0, 1.5), (0.7, 3.0)):
        value, g = d.value_and_grad(a, b)
        assert value == pytest.approx(through_a_while_true_helper(a, b), rel=1e-14)
        np.testing.assert_allclose(g, [central_differences(through_a_while_true_helper, (a, b), k)
                                       for k in range(2)], rtol=1e-6)


def test_a_helper_s_variable_not_assigned_on_every_path_is_still_refused():
    with pytest.raises(nsadc.UnsupportedError, match=r"test_loop_names.py:\d+:\d+: 'y' may be read before it is "
                                                     r"assigned"):
        nsadc.differentiate(through_a_maybe_assigning_helper, target="python").grad(2.0)
