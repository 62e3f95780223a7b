"""A parameter that the function only passes on to a helper of its file,
which counts with it (``range(B)``, an index, ``np.zeros(n)``), is an int:
the caller's ``4`` stays 4, not 4.0 (which ``range`` refuses). A parameter
the helper uses as a number stays a float whatever the caller passes."""

import math

import numpy as np
import pytest

import nsadc
from test_regressions import central_differences

INF = 1e300


def _leaf(F, p, idx, w):
    s = 0.0
    for k in range(F.shape[2]):
        s += F[p, idx, k] * w[k]
    return math.tanh(s)


def _minimax(F, p, w, B):
    best = -INF
    for a in range(B):
        worst = INF
        for b in range(B):
            worst = min(worst, _leaf(F, p, a * B + b, w))
        best = max(best, worst)
    return best


def game_values(F, w, B):
    """A depth-2 game search per position: the branching factor only passed on."""
    s = 0.0
    for p in range(F.shape[0]):
        s += _minimax(F, p, w, B) ** 2
    return s


def _window_mean(x, start, width):
    t = 0.0
    for i in range(start, start + width):
        t += x[i]
    return t / width


def _smoothed(x, width):
    return abs(_window_mean(x, 0, width)) + abs(_window_mean(x, x.shape[0] - width, width))


def two_levels(x, width):
    """The width goes through one helper into another, by keyword at the end."""
    return _smoothed(x, width=width) + np.sum(x * x)


def _scaled(x, c):
    return np.sum(np.abs(x) * c)


def passed_as_a_number(x, c):
    """Look-alike: the helper multiplies by c; an int from the caller is a float here."""
    return _scaled(x, c) + 0.5 * c


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_branching_factor_passed_to_a_helper_is_an_int(target):
    rng = np.random.default_rng(3)
    F, w = rng.standard_normal((3, 9, 4)), rng.standard_normal(4)
    d = nsadc.differentiate(game_values, wrt=["w"], target=target)
    assert d._static_types["B"] == "int"
    g = d.grad(F, w, 3)
    np.testing.assert_allclose(g, central_differences(game_values, (F, w, 3), (1,))[0], rtol=1e-6, atol=1e-9)
    with pytest.raises(nsadc.ArgumentError):
        d.grad(F, w, 3.0)  # a float where the helper counts: refused, not truncated


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_width_passed_through_two_helpers_by_keyword_is_an_int(target):
    x = np.random.default_rng(4).standard_normal(11)
    d = nsadc.differentiate(two_levels, target=target)
    assert d._static_types["width"] == "int"
    np.testing.assert_allclose(d.grad(x, 4), central_differences(two_levels, (x, 4), (0,))[0], rtol=1e-6,
                               atol=1e-9)


def test_a_number_passed_to_a_helper_stays_a_float():
    x = np.array([0.5, -1.5, 2.0])
    d = nsadc.differentiate(passed_as_a_number, target="python")
    assert d._static_types["c"] == "float"
    gx, gc = d.grad(x, 2)  # an int from the caller, differentiated as a float
    np.testing.assert_allclose(gx, 2.0 * np.sign(x))
    assert gc == pytest.approx(np.sum(np.abs(x)) + 0.5)
