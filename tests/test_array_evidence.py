"""An array argument the function uses only inside whole-array expressions
(``np.var(np.abs(y))``, ``np.abs(y)[0]``, ``np.abs(y).std()``, a helper
taking ``np.var`` of it) is an array: those calls raised ``ArgumentError``
("must be a scalar") on the first call.  A name beside others in a
broadcast (``A * b + c``) still says nothing about ``c``.  Values and
gradients against central differences."""

import numpy as np
import pytest

import nsadc
from test_regressions import central_differences


def spread_of_magnitudes(y):
    return np.var(np.abs(y))


def spread_by_method(y):
    return np.abs(y).std() + (y - 0.5).var()


def first_magnitude(y):
    return np.abs(y)[0] + (y * y)[-1]


def spread_of_a_named_expression(y):
    z = np.abs(y)
    return np.var(z)


def first_step_of_squares(y):
    return np.diff(y * y)[0]


def largest_square_magnitude(y):
    return np.abs(y)[np.argmax(y * y)]


def _spread(z):
    return np.var(z)


def spread_in_a_helper(y):
    return _spread(y)


def row_sums_first(A):
    return np.sum(np.abs(A), axis=1)[0]


def integrals(y, x):
    return np.trapezoid(np.abs(y), x) + np.trapezoid(y * y, dx=0.1)


def scalar_in_a_broadcast(A, c):
    return np.sum(np.tanh(A + c) ** 2)


_Y = np.array([0.3, -0.25, 0.55, 0.1])
CASES = [
    (spread_of_magnitudes, (_Y,)),
    (spread_by_method, (_Y,)),
    (first_magnitude, (_Y,)),
    (spread_of_a_named_expression, (_Y,)),
    (first_step_of_squares, (_Y,)),
    (largest_square_magnitude, (_Y,)),
    (spread_in_a_helper, (_Y,)),
    (row_sums_first, (np.array([[0.3, -0.7, 0.2], [0.5, 0.1, -0.4], [-0.6, 0.8, 0.9]]),)),
    (integrals, (_Y, np.array([0.0, 0.4, 0.9, 1.5]))),
    (scalar_in_a_broadcast, (np.array([[0.3, -0.7], [0.5, 0.1]]), 0.4)),
]


@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_an_array_used_only_in_whole_array_expressions(fn, args):
    d = nsadc.differentiate(fn, target="python")
    value, grads = d.value_and_grad(*args)
    grads = grads if len(args) > 1 else (grads,)
    assert value == pytest.approx(fn(*args), rel=1e-13)
    want = central_differences(fn, args, tuple(range(len(args))))
    for got, expected in zip(grads, want):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)



def clipped_products(x, y):
    return np.sum(np.clip(x * y, -1.0, 1.0) ** 2) + np.abs(y)[0]


def test_a_number_is_still_taken_where_nothing_pins_an_array():
    # x * y may broadcast a number x: the call decides, as before
    y = np.array([0.3, -0.7, 0.2])
    for x in (0.8, np.array([0.1, -0.9, 2.0])):
        d = nsadc.differentiate(clipped_products, target="python")
        value, (gx, gy) = d.value_and_grad(x, y)
        assert value == pytest.approx(clipped_products(x, y), rel=1e-13)
        want = central_differences(clipped_products, (x, y), (0, 1))
        np.testing.assert_allclose(gx, want[0], rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(gy, want[1], rtol=1e-6, atol=1e-8)
