"""``np.clip(x, lo, hi)`` is ``min(max(x, lo), hi)``: where the bounds cross
(``lo > hi``) its value is ``hi`` whatever ``x`` is, so its derivative is
(0, 0, 1) in (x, lo, hi). The rule assumed ``lo <= hi`` and gave d/dlo = 1
below ``lo`` (a silently wrong gradient, and (0, 1, 1) between the bounds)."""

import numpy as np
import pytest

import nsadc

from helpers import check_program_gradient


def clipped(x, lo, hi):
    return np.clip(x, lo, hi)


def clipped_rows(x, lo, hi):
    return np.sum(np.clip(x, lo, hi) * np.arange(1.0, x.shape[0] + 1.0))


@pytest.mark.parametrize("kinks", ["min-norm", "jax", "torch"])
@pytest.mark.parametrize("x", [-1.0, 0.2, 0.5, 1.0, 2.0])  # below, at hi, between, at lo, above
def test_crossed_bounds_give_hi_derivative(kinks, x):
    d = nsadc.differentiate(clipped, target="python", kinks=kinks)
    assert d.grad(x, 1.0, 0.2) == (0.0, 0.0, 1.0)
    assert d.jvp((x, 1.0, 0.2), (1.0, 2.0, 3.0))[1] == 3.0
    assert d.clarke_grad(x, 1.0, 0.2) == (0.0, 0.0, 1.0)


def test_ordered_bounds_keep_their_derivative():
    d = nsadc.differentiate(clipped, target="python")
    assert d.grad(-1.0, 0.2, 1.0) == (0.0, 1.0, 0.0)
    assert d.grad(0.5, 0.2, 1.0) == (1.0, 0.0, 0.0)
    assert d.grad(2.0, 0.2, 1.0) == (0.0, 0.0, 1.0)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_elementwise_bounds_that_cross_in_places(target):
    rng = np.random.default_rng(1)
    x, lo, hi = rng.standard_normal(9), rng.standard_normal(9), rng.standard_normal(9)
    assert (lo > hi).any() and (lo <= hi).any()
    check_program_gradient(clipped_rows, (x, lo, hi), target)


def clipped_to_one_value(x, c):
    return np.clip(x, c, c)


# x == lo == hi: a tie in min(max(x, lo), hi)'s max, then in its min, x taking
# the policy's share s at each: (s * s, s * (1 - s), 1 - s), summing to 1 (the
# slope along (1, 1, 1) is 1: clip(x + t, lo + t, hi + t) = clip(x, lo, hi) + t).
# The rule took both bounds' shares at once: (0, 1, 1) under min-norm.
@pytest.mark.parametrize("kinks, want", [("min-norm", (0.0, 0.0, 1.0)), ("jax", (0.25, 0.25, 0.5)),
                                         ("torch", (1.0, 0.0, 0.0))])
@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_x_on_both_bounds_shares_one(kinks, want, target):
    d = nsadc.differentiate(clipped, target=target, kinks=kinks)
    assert d.grad(1.0, 1.0, 1.0) == want
    assert d.jvp((1.0, 1.0, 1.0), (1.0, 1.0, 1.0))[1] == 1.0
    # at one bound, the share as before
    s = want[0] if kinks != "jax" else 0.5
    assert d.grad(1.0, 1.0, 2.0) == (s, 1.0 - s, 0.0)
    assert d.grad(2.0, 1.0, 2.0) == (s, 0.0, 1.0 - s)
    # clip(x, c, c) is c everywhere
    gx, gc = nsadc.differentiate(clipped_to_one_value, target=target, kinks=kinks).grad(0.5, 0.5)
    assert gx + gc == 1.0 and 0.0 <= gx <= 1.0


@pytest.mark.parametrize("kinks", ["min-norm", "jax", "torch"])
def test_array_elements_on_both_bounds(kinks):
    x = np.array([1.0, 0.5, 2.0])
    gx, glo, ghi = nsadc.differentiate(clipped_rows, target="python", kinks=kinks).grad(x, 1.0, 1.0)
    assert gx.sum() + glo + ghi == 6.0  # the slope along (1, 1, 1): the weights' sum, 1 + 2 + 3
