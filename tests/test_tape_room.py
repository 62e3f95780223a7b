"""Room on a tape is made before a `for` loop for all the pushes it makes,
not at each push, where the tape's depth is not known from the arguments
(pushes in a `while` loop that runs until a time is reached); loops of the
reverse sweep, which pop what they push, keep their reservations.  Values
against central differences on both targets, and the emitted shape."""

import math

import numpy as np
import pytest

import nsadc
from test_regressions import central_differences


def until_time(u0, c, t_end):
    n = u0.shape[0]
    u = u0.copy()
    flux = np.zeros(n + 1)
    t = 0.0
    while t < t_end:
        if t > 0.5:
            flux[0] = 0.1 * u[0]
        for i in range(1, n):
            flux[i] = c * max(u[i - 1] - u[i], 0.2 * (u[i - 1] - u[i]))
        dt = min(0.3, t_end - t)
        for i in range(n):
            u[i] += dt * math.tanh(flux[i] - flux[i + 1])
        t += dt
    return np.sum(u ** 3)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_until_time(target):
    args = (np.random.default_rng(2).uniform(-1.0, 1.0, 8), 0.4, 1.0)
    d = nsadc.differentiate(until_time, wrt=("u0", "c"), target=target)
    g = d.grad(*args)
    want = central_differences(until_time, args, (0, 1))
    assert len(g) == len(want) == 2
    for got, expected in zip(g, want):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)


def test_the_flux_pushes_reserve_once_per_step():
    args = (np.random.default_rng(2).uniform(-1.0, 1.0, 8), 0.4, 1.0)
    src = nsadc.differentiate(until_time, wrt=("u0", "c"), target="python").source("reverse", *args)
    forward = src[src.index("# forward sweep"):src.index("# reverse sweep")]
    loop = forward[forward.index("for i in range(1, n):"):]
    loop = loop[:loop.index("for i in range(n):")]
    assert "flux_elements[" in loop and "_reserve" not in loop  # pushed in the loop, room made before it
    assert "_reserve(flux_elements, n_flux_elements + (n - 1)" in forward.replace("len(range(1, n))", "(n - 1)")
