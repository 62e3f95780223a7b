"""Names Python lets a program reuse, and the loops around them: a parameter
bound again by a ``for`` loop (``def f(x, i): for i in range(3)``: ``grad``
lost ``i``'s entry and ``jvp`` crashed), a float name bound again by a loop
and read after it (``jvp`` and ``clarke_grad`` crashed), a test's name that
then holds a number (``r = x > 1.0 and y``: ``clarke_grad``'s code did not
run), a name first holding a float and then an index (``k = t + 1.0`` then
``k = 0``: ``t`` was taken for an int), the variable of a loop over a
non-empty constant range read after it, and ``enumerate(x, start)``."""

import numpy as np
import pytest

import nsadc
from helpers import check_program_gradient


def parameter_as_loop_variable(x, i):
    for i in range(3):
        x = x + i * x
    return x


def parameter_read_before_and_after(x, i, n):
    y = x * i
    for i in range(n):
        y = y + i * x
    return y + i * i


def float_name_as_loop_variable(x):
    k = 0.5 * x
    for k in range(2):
        x = x + 1.0
    return x * k


def value_of_and_or(x, y):
    r = x > 1.0 and y
    v = (x < y and x * x) or (y < 0.5 and y) or 2.0 * x
    return r + x + v * y


def float_then_index(x, t):
    k = t + 1.0
    s = k
    k = 0
    j = t * 2.0
    s += j
    for j in range(len(x)):
        s += x[j] * t
    return s + x[k]


def first_crossing(x, t):
    for k in range(6):
        if x * k > t:
            break
    return k * x


def counted_from(x, y, w, n):
    s = 0.0
    for k, v in enumerate(x, 1):
        s += v / k
    for i, (a, b) in enumerate(zip(x, y), start=2):
        s += max(a * i, b) * w
    for k, v in enumerate(x[1:], n):
        s += abs(v - k * 0.1) + x[k - n]
    return s


X, Y = np.array([0.3, -1.2, 0.7, 2.0, 0.15]), np.array([1.3, 0.2, -0.7, 1.0, -0.45])
CASES = [(parameter_as_loop_variable, (0.5, 1.5)), (parameter_read_before_and_after, (0.5, 1.5, 0)),
         (parameter_read_before_and_after, (0.5, 1.5, 3)), (float_name_as_loop_variable, (0.7,)),
         (value_of_and_or, (1.5, 0.6)), (value_of_and_or, (0.5, 0.7)), (value_of_and_or, (1.3, 0.2)),
         (float_then_index, (X, 0.5)), (first_crossing, (0.7, 2.0)), (first_crossing, (0.7, 100.0)),
         (counted_from, (X, Y, 0.7, 3))]


@pytest.mark.parametrize("fn, args", CASES, ids=[f"{f.__name__}-{k}" for k, (f, _) in enumerate(CASES)])
def test_value_and_gradient(fn, args):
    check_program_gradient(fn, args, "python")


@pytest.mark.slow
@pytest.mark.parametrize("fn, args", [CASES[2], CASES[7], CASES[10]], ids=lambda v: getattr(v, "__name__", ""))
def test_compiled(fn, args):
    check_program_gradient(fn, args, "cpu")


@pytest.mark.parametrize("fn, args", [c for c in CASES if all(isinstance(a, float) for a in c[1])],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_every_mode_agrees(fn, args):
    """grad keeps an entry per float argument, and jvp and clarke_grad (away
    from kinks) agree with it."""
    d = nsadc.differentiate(fn, target="python")
    grads = d.grad(*args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    assert len(grads) == len(args)
    np.testing.assert_allclose(d.clarke_grad(*args), grads if len(args) > 1 else grads[0], rtol=1e-12)
    for k in range(len(args)):
        tangent = tuple(1.0 if j == k else 0.0 for j in range(len(args)))
        _, dot = d.jvp(args, tangent)
        assert dot == pytest.approx(grads[k], rel=1e-12, abs=1e-15)
