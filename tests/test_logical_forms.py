"""Negations and conjunctions written with NumPy's logical functions and
``~``, on numbers and on masks: ``np.logical_not(x[i] > t)`` in an ``if``
test, ``~(x[i] > t)`` times a float (Numba's and NumPy's comparisons give
their own bools, whose ``~`` is the negation), ``m = np.logical_and(x > t,
x < c)`` then ``np.where(~m, ...)``.  The function is lowered once when it
is decorated, before the arguments' ranks are known, and these forms were
refused there as numbers.  ``~`` of an int (``-1 - k`` in Python) stays
refused with its arithmetic as the hint."""

import numpy as np
import pytest

import nsadc
from helpers import check_program_gradient


def logical_calls_on_numbers(x, t):
    s = 0.0
    for i in range(x.shape[0]):
        if np.logical_not(x[i] > t):
            s += x[i] * t
        elif np.logical_and(x[i] > 2.0 * t, np.logical_or(x[i] < 0.9, t < 0.1)):
            s -= abs(x[i] - t)
    return s


def negated_comparison_as_a_number(x, t):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * (i % 3) + (~(x[i] > t)) * t
    return s


def negated_masks(x, t):
    m = np.logical_and(x > t, x < 0.8)
    return np.sum(np.where(~m, x * x, t)) + np.sum(np.where(np.logical_or(m, x < 0.2), t * x, 0.0))


def named_negation(x, t):
    m = np.logical_not(x > t)
    return np.sum(np.where(m, x, t))


def inverted_inline(x, t):
    y = x * 2.0
    return np.sum(np.where(~(y > t), x, t))


def negated_name_of_a_test(x, t):
    s = 0.0
    for i in range(x.shape[0]):
        up = x[i] > t
        if ~up:
            s += x[i] * x[i]
    return s


def present_samples(x, w):
    return np.sum(np.where(~np.isnan(x), w * x, 0.0)) + np.sum(w * x[~np.isnan(x)])


def finite_and_positive(x, w):
    m = np.isfinite(x) & (x > 0.0)
    return np.sum(np.where(m, w * x, 0.0))


def inverted_int(x, k):
    return x[0] * (~k)


rng = np.random.default_rng(7)
X = rng.random(11)
CASES = [logical_calls_on_numbers, negated_comparison_as_a_number, negated_masks, named_negation, inverted_inline,
         negated_name_of_a_test]


@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_value_and_gradient(fn):
    check_program_gradient(fn, (X, 0.37), "python")


@pytest.mark.slow
@pytest.mark.parametrize("fn", CASES, ids=lambda f: f.__name__)
def test_compiled(fn):
    check_program_gradient(fn, (X, 0.37), "cpu")


def test_negated_comparison_is_numpys_negation():
    # Python's own bools would give -2 and -1 here; NumPy's and Numba's give False and True
    d = nsadc.differentiate(negated_comparison_as_a_number, wrt=["t"], target="python")
    x = np.array([0.1, 0.9])
    value, g = d.value_and_grad(x, 0.5)
    assert value == pytest.approx(0.9 + 0.5)
    assert g == pytest.approx(1.0)


@pytest.mark.parametrize("fn", [present_samples, finite_and_positive], ids=lambda f: f.__name__)
def test_masks_of_element_tests(fn):
    # ~np.isnan(x) and np.isfinite(x) & ... were refused as operators on arrays
    x = np.array([0.5, np.nan, -1.5, 2.0])
    d = nsadc.differentiate(fn, wrt=["w"], target="python")
    value, g = d.value_and_grad(x, 0.7)
    h = 1e-6
    assert value == pytest.approx(fn(x, 0.7))
    assert g == pytest.approx((fn(x, 0.7 + h) - fn(x, 0.7 - h)) / (2 * h), rel=1e-7)


def test_inverted_int_is_refused_with_the_arithmetic():
    with pytest.raises(nsadc.UnsupportedError, match=r"bitwise ~ is not supported(.|\n)*-x - 1 is ~x"):
        nsadc.differentiate(inverted_int, wrt=["x"], target="python").grad(X, 3)


def logical_and_of_floats(x, t):
    return x[0] * np.logical_and(x[1], t)


def test_logical_and_of_two_floats_is_not_one_of_them():
    # Python's `and` of 0.5 and 2.0 is 2.0, NumPy's logical_and True: refused rather than the former
    with pytest.raises(nsadc.UnsupportedError, match="logical_and"):
        nsadc.differentiate(logical_and_of_floats, target="python").grad(np.array([3.0, 0.5]), 2.0)
