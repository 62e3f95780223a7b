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


WEIGHTS = np.array([1.0, 0.5, -0.5, 2.0, 1.5])


def with_array_default(x, w=WEIGHTS):
    return np.sum(np.abs(x * w))


def test_jvp_with_an_array_left_at_its_default():
    d = nsadc.differentiate(with_array_default, target="python")
    t = np.array([1.0, 0.5, -1.0, 0.25, 2.0])
    _, dot = d.jvp((X,), (t,))
    assert dot == pytest.approx(np.dot(np.sign(X * WEIGHTS) * WEIGHTS, t))


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


def flipped_then_written(x):
    y = np.flip(x)
    x[0] = 2.0 * x[1]
    return y[-1]


def same_array_written(x):
    y = np.asarray(x)
    y[0] = 2.0 * y[1]
    return np.sum(x)


def writes_what_it_loops_over(x):
    for i, v in enumerate(x[:-1]):
        x[i + 1] += v
    return np.sum(x)


@pytest.mark.parametrize("fn, says", [
    (flipped_then_written, "view of x"),  # NumPy's flip is a view: y[-1] sees the write (a copy did not)
    (same_array_written, "second name for the array x"),  # np.asarray(x) is x itself
    (writes_what_it_loops_over, "the loop writes into x, which its iterable x"),
])
def test_views_written_through_are_refused(fn, says):
    with pytest.raises(nsadc.UnsupportedError, match=says):
        nsadc.differentiate(fn, target="python").grad(np.array([1.0, 2.0, 3.0]))


def flipped_and_read(x, X):
    y = np.flip(x)
    B = np.fliplr(X)
    return np.sum(y * x) + np.sum(B * np.asarray(X))


def counted_from_an_argument(x, k):
    s = 0.0
    for j, v in enumerate(x, k):
        s += v * j
    return s


@pytest.mark.parametrize("fn, args", [(flipped_and_read, (X, np.arange(6.0).reshape(2, 3) / 5.0)),
                                      (counted_from_an_argument, (X, 3))], ids=lambda v: getattr(v, "__name__", ""))
def test_views_read_and_counts_from_arguments(fn, args):
    check_program_gradient(fn, args, "python")


def percentile_of(x, q):
    return np.percentile(x, q)


def test_a_percentile_outside_its_range_is_the_end_value():
    """NumPy raises for q outside [0, 100]; nsadc gives the end value (never a
    read outside x), and at q = 100 every mode takes the top value."""
    d = nsadc.differentiate(percentile_of, target="python")
    for q, want in ((120.0, 2.0), (-5.0, -1.2), (100.0, 2.0)):
        value, (gx, gq) = d.value_and_grad(X, q)
        assert value == want and gq == 0.0
        np.testing.assert_array_equal(d.clarke_grad(X, q)[0], gx)


def _euler_step(y, dt):
    y += dt * np.maximum(y * y - 0.1, 0.0)
    y *= 0.9


def stepped_in_place(y0, dt):
    y = y0.copy()
    for _ in range(3):
        _euler_step(y, dt)
    return float(np.sum(y * y))


def stepped_slice(y0, dt):
    y = y0.copy()
    _euler_step(y[1:], dt)
    return float(np.sum(y))


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_helper_updating_its_array_in_place(target):
    """``y += v`` on an array parameter updates the caller's array, as NumPy
    does (it was refused as "assigns its array parameter", whose hint would
    have changed the program)."""
    check_program_gradient(stepped_in_place, (np.array([0.1, 0.5, -0.7, 0.9]), 0.2), target)


def test_a_helper_updating_a_slice_in_place_is_refused():
    with pytest.raises(nsadc.UnsupportedError, match="a slice: NumPy would write through the view"):
        nsadc.differentiate(stepped_slice, target="python").grad(np.array([0.1, 0.5, -0.7]), 0.2)


def _dense(h, W, kind):
    z = h @ W
    if kind == 0:
        return np.maximum(z, 0.0)
    return np.clip(z, -1.0, 1.0)


def layers_through_one_name(X, W1, W2, w3):
    h = _dense(X, W1, 0)
    h = _dense(h, W2, 1)
    return float(np.sum(h @ w3))


def test_a_name_bound_again_to_a_helpers_array():
    """``h = _dense(h, W2, 1)`` where the helper returns early: the name takes
    the helper's new array (it was left without one: a false "@ is supported on
    1-D and 2-D arrays")."""
    rng = np.random.default_rng(0)
    args = (rng.standard_normal((3, 4)), rng.standard_normal((4, 5)), rng.standard_normal((5, 5)),
            rng.standard_normal(5))
    check_program_gradient(layers_through_one_name, args, "python")
