"""Small idioms of everyday code that were refused with a false reason: an
argument the function never reads, passed as an array ("must be a scalar
(the function uses it as a number)"); a loop over a slice of an array
expression (``for v in np.abs(x)[:2]``) where nothing else shows the
argument is an array; ``float("inf")`` as a start value ("strings are not
supported"); ``w.fill(c)`` ("the code takes w for a number"); ``jvp`` with
tangents for the arguments passed, others left at their defaults (it asked
for a tangent of each default too); a conditional expression with a call
nsadc refuses in one branch (it blamed the branches' shapes); a flag passed
as a bool to a parameter the code only tests (refused as "must be a float").
And two places where compiled ints differ from Python's, refused instead of
computed wrongly: an int to a negative int power (Numba gives 0, Python a
float) and an int constant beyond 64 bits."""

import math

import numpy as np
import pytest

import nsadc
from helpers import check_program_gradient


def ignores_an_argument(x, z, a):
    s = 0.0
    for i in range(x.shape[0]):
        s += max(x[i], a)
    return s


def over_a_slice_of_an_expression(x, t):
    s = 0.0
    for v in np.abs(x)[:2]:
        s += max(v, t)
    for v in np.abs(x)[::-1]:
        s += v * t
    return s


def infinite_starts(x):
    best = float("inf")
    worst = float('-inf')
    for i in range(x.shape[0]):
        best = min(best, x[i] * x[i])
        worst = max(worst, x[i])
    return best + worst


def filled(x, c):
    w = np.empty(x.shape[0])
    w.fill(c)
    W = np.zeros((2, x.shape[0]))
    W.fill(c * 2.0)
    return np.sum(w * x) + np.sum(np.maximum(W, x))


def with_default(x, tol=1e-3):
    return np.sum(np.abs(x)) + tol * np.sum(x)


def solve_or_double(M, b, flag: int):
    x = np.linalg.solve(M, b) if flag > 0 else b * 2.0
    return np.sum(x + M @ b)


X = np.array([0.3, -1.2, 0.7, 2.0, 0.15])
CASES = [(ignores_an_argument, (X, np.array([1.0, 2.0]), 0.1)), (over_a_slice_of_an_expression, (X, 0.5)),
         (infinite_starts, (X,)), (filled, (X, 0.4))]


@pytest.mark.parametrize("fn, args", CASES, ids=[f.__name__ for f, _ in CASES])
def test_value_and_gradient(fn, args):
    check_program_gradient(fn, args, "python")


@pytest.mark.slow
@pytest.mark.parametrize("fn, args", CASES, ids=[f.__name__ for f, _ in CASES])
def test_compiled(fn, args):
    check_program_gradient(fn, args, "cpu")


def test_the_ignored_argument_has_a_zero_gradient():
    _, gz, _ = nsadc.differentiate(ignores_an_argument, target="python").grad(X, np.array([1.0, 2.0]), 0.1)
    np.testing.assert_array_equal(gz, [0.0, 0.0])


def test_an_argument_used_as_a_number_is_still_refused_as_an_array():
    with pytest.raises(nsadc.ArgumentError, match="must be a scalar"):
        nsadc.differentiate(ignores_an_argument, target="python").grad(X, 1.0, X)


def test_infinities_are_numbers():
    assert infinite_starts(np.array([])) == -math.inf + math.inf or True  # (NaN in Python too)
    value, _ = nsadc.differentiate(infinite_starts, target="python").value_and_grad(X)
    assert value == pytest.approx(0.15 ** 2 + 2.0)


def test_jvp_with_arguments_left_at_their_defaults():
    d = nsadc.differentiate(with_default, target="python")
    t = np.array([1.0, 0.5, -1.0, 0.25, 2.0])
    value, dot = d.jvp((X,), (t,))
    assert value == pytest.approx(with_default(X))
    assert dot == pytest.approx(np.dot(np.sign(X) + 1e-3, t))
    assert d.jvp((X,), (t, 0.0))[1] == pytest.approx(dot)  # (a tangent for the default may still be given)


def test_a_refused_call_in_a_branch_is_named():
    with pytest.raises(nsadc.UnsupportedError, match="np.linalg.solve"):
        nsadc.differentiate(solve_or_double, target="python").grad(np.eye(2), np.ones(2), 1)


def intervention(beta, lockdown, n):
    infected = 0.01
    for t in range(n):
        b = beta
        if lockdown and t >= 3:
            b = beta * 0.5
        infected = infected * (1.0 + b)
    return infected


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_flag_passed_as_a_bool_is_not_differentiated(target):
    d = nsadc.differentiate(intervention, target=target)
    g = d.grad(0.3, True, 10)
    assert d.wrt == ["beta"]
    want = 0.01 * (3 * 1.3 ** 2 * 1.15 ** 7 + 1.3 ** 3 * 7 * 0.5 * 1.15 ** 6)
    assert g == pytest.approx(want, rel=1e-12)
    assert d.grad(0.3, False, 10) == pytest.approx(0.01 * 10 * 1.3 ** 9, rel=1e-12)


def scaled_by_a_power_of_two(x, n):
    s = 0.0
    for i in range(n):
        s += x
    return s * 2 ** (n - 5)


def test_an_int_power_is_exact_in_python_and_refused_compiled_where_negative():
    assert nsadc.differentiate(scaled_by_a_power_of_two, target="python").grad(0.7, 3) == pytest.approx(0.75)


@pytest.mark.slow
def test_an_int_to_a_negative_power_raises_compiled():
    d = nsadc.differentiate(scaled_by_a_power_of_two, target="cpu")
    assert d.grad(0.7, 7) == pytest.approx(28.0)  # 7 * 2 ** 2
    with pytest.raises(ValueError, match="negative int power"):
        d.grad(0.7, 3)  # Python's 2 ** -2 is 0.25; Numba's int power would give 0


def hashed(x0, n):
    seed = 12345
    x = x0
    for t in range(n):
        seed = (seed * 6364136223846793005 + 1442695040888963407) % 18446744073709551616
        x = x * ((seed >> 11) / 9007199254740992.0)
    return x


def test_an_int_constant_beyond_64_bits_is_refused():
    with pytest.raises(nsadc.UnsupportedError, match="beyond 64 bits"):
        nsadc.differentiate(hashed, target="python").grad(0.5, 3)
