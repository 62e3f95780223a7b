"""Conditional expressions whose branches are arrays (``v = a * 2.0 if c > 0
else a * 3.0``), allocations shaped like an array inside an expression
(``np.zeros_like(a) + 1.0``), integer powers of int arguments in int
positions (``range(2 ** n)``, ``np.zeros(n ** 2)``, ``x[n ** 2 - 1]``),
the transpose of a 1-D array (``x.T @ A @ x``) and ``.astype(np.float64)`` of
an expression (``(x < 0).astype(np.float64) * x``): values and gradients against
the plain function and central differences, on both branches; the code
nsadc cannot follow is refused with its location."""

import numpy as np
import pytest

import nsadc
from nsadc.errors import UnsupportedError

from helpers import check_program_gradient


def scaled(a, c):
    v = a * 2.0 if c > 0 else a * 3.0
    return np.sum(v * v)


def either(a, b, c):
    v = a if c > 0 else b
    return np.sum(v * v) + np.sum(a)


def in_loop(x, lev):
    s = 0.0
    for i in range(x.shape[0]):
        w = x * lev if x[i] > 0 else x * 0.5
        s += np.sum(w) * x[i]
    return s


def or_zeros(a, c):
    v = a * 2.0 if c > 0 else np.zeros_like(a)
    return np.sum(v * a) + c * np.sum(a)


def halves(x, c):
    v = x[:3] * 1.5 if c > 0 else x[3:6] - 1.0
    return np.sum(v * v)


def rows(A, c):
    v = np.maximum(A, 0.0) if c > 0 else np.abs(A)
    return np.sum(v @ A.T)


def like_in_expression(a):
    return np.sum((np.zeros_like(a) + 1.0) * a) + np.sum(np.ones_like(a) * a * a) \
        + np.sum(np.full_like(a, 0.5) * a ** 3)


def doublings(a, n):
    s = 0.0
    for k in range(2 ** n):
        s += a * k
    return s


def squared_size(x, n):
    y = np.zeros(n ** 2)
    for i in range(n ** 2):
        y[i] = x[i] * 2.0
    return np.sum(y * y)


def squared_index(x, n):
    return x[n ** 2 - 1] * x[0]


def romberg(a):
    R = np.zeros(4)
    R[0] = a
    for i in range(1, 4):
        s = 0.0
        for k in range(1, 2 ** i, 2):
            s += math_free_term(a, k)
        R[i] = R[i - 1] * 0.5 + s / 2 ** i
    return R[3]


def math_free_term(a, k):
    return a * a * k


def quadratic_form(x, A):
    return x.T @ A @ x


def written_alias(a, b, c):
    v = a if c > 0 else b
    v[0] = 0.0
    return np.sum(v * a)


def scalar_or_array(a, c):
    v = a * 2.0 if c > 0 else 0.0
    return np.sum(v)


def masked_by_a_test(x):
    return np.sum((x < 0).astype(np.float64) * x) + np.sum(x * (x > 0.2).astype(np.float64))


def converted_expressions(x):
    return np.sum((x * x).astype(np.float64)) + np.dot((x * 2.0).astype(np.float64), x) \
        + np.sum(np.maximum(x, 0.0).astype(np.float64) ** 2)


def _row_times(x, i):
    return x[i] * x


def helper_in_a_branch(x, n):
    s = 0.0
    for i in range(n):
        w = _row_times(x, i) if i < x.shape[0] else x * 0.0  # the helper may run only where i < len(x)
        s += np.sum(w)
    return s


def _arrays():
    rng = np.random.default_rng(7)
    return rng.standard_normal(6), rng.standard_normal(6), rng.standard_normal((3, 4))


@pytest.mark.parametrize("c", [1.3, -0.8])
def test_array_branches(c):
    a, b, A = _arrays()
    check_program_gradient(scaled, (a, c), "python")
    check_program_gradient(either, (a, b, c), "python")
    check_program_gradient(or_zeros, (a, c), "python")
    check_program_gradient(halves, (a, c), "python")
    check_program_gradient(rows, (A, c), "python")


def test_array_branches_in_a_loop():
    a, _, _ = _arrays()
    check_program_gradient(in_loop, (a, 1.7), "python")


def test_allocations_like_an_array_inside_expressions():
    a, _, _ = _arrays()
    check_program_gradient(like_in_expression, (a,), "python")


def test_integer_powers_of_int_arguments():
    x = np.linspace(0.5, 3.0, 10)
    check_program_gradient(doublings, (1.5, 3), "python")
    check_program_gradient(squared_size, (x, 3), "python")
    check_program_gradient(squared_index, (x[:6].copy(), 2), "python")
    check_program_gradient(romberg, (1.3,), "python")


def test_astype_of_an_expression():
    a, _, _ = _arrays()
    check_program_gradient(masked_by_a_test, (a,), "python")
    check_program_gradient(converted_expressions, (a,), "python")


def test_transpose_of_a_vector():
    a, _, _ = _arrays()
    A = np.eye(6) + 0.1
    check_program_gradient(quadratic_form, (a, A), "python")


def test_refused_with_their_location():
    a, b, _ = _arrays()
    with pytest.raises(UnsupportedError, match=r"test_conditional_arrays.py:\d+:\d+: .*hands back one of the arrays"):
        nsadc.differentiate(written_alias, wrt=("a",), target="python").grad(a, b, 1.0)
    with pytest.raises(UnsupportedError, match=r"test_conditional_arrays.py:\d+:\d+: one branch .* a scalar"):
        nsadc.differentiate(scalar_or_array, wrt=("a",), target="python").grad(a, 1.0)
    with pytest.raises(UnsupportedError, match=r"test_conditional_arrays.py:\d+:\d+: .*a branch calls a function"):
        nsadc.differentiate(helper_in_a_branch, wrt=("x",), target="python").grad(a, 8)


@pytest.mark.slow
@pytest.mark.parametrize("c", [1.3, -0.8])
def test_compiled(c):
    a, b, A = _arrays()
    check_program_gradient(either, (a, b, c), "cpu")
    check_program_gradient(or_zeros, (a, c), "cpu")
    check_program_gradient(romberg, (1.3,), "cpu")
    check_program_gradient(squared_size, (np.linspace(0.5, 3.0, 10), 3), "cpu")
    check_program_gradient(masked_by_a_test, (a,), "cpu")
