"""A kink's selection taped in place of the value it is made from
(nsadc/passes/tape_selections.py): where it applies, where it must not,
and the derivatives, at ties too."""

import numpy as np
import pytest

import nsadc
from programs import arrays as P
from test_arrays import fd_gradient


def min_max_window(x, k: int):
    """Two kinks in each step, each with its own selection."""
    n = len(x)
    s = 0.0
    for st in range(0, n - k + 1, k):
        hi = x[st]
        lo = x[st]
        for t in range(st + 1, st + k):
            hi = max(hi, x[t])
            lo = min(lo, x[t])
        s += hi * hi - lo
    return s


def product_window(x, k: int):
    """The reverse reads m for the product as well: m stays taped."""
    n = len(x)
    s = 0.0
    for st in range(0, n - k + 1, k):
        m = x[st]
        for t in range(st + 1, st + k):
            m = max(m, x[t]) * 0.9 + 0.1 * m * x[t]
        s += m
    return s


def _reverse_source(fn, x, k=3):
    return nsadc.differentiate(fn, target="python").source("reverse", x, k)


def test_the_window_tapes_its_selection():
    text = _reverse_source(P.a_max_pool_1d, np.random.default_rng(0).standard_normal(12))
    forward, reverse = text.split("m_bar = ")[0], text.split("m_bar = ")[1]
    assert "dmax_m = 1.0 if m > x_t else 0.0" in forward and "] = dmax_m" in forward
    assert "dmax_m = tape[" in reverse
    assert "x[t]" not in reverse and "m > x_t" not in reverse  # nothing re-read, nothing compared again
    assert "] = m\n" not in text


def test_two_values_pushed_per_step_stay_as_they_are():
    """The pass takes a loop that pushes one value per iteration; hi and lo
    are both taped, and the reverse still compares."""
    text = _reverse_source(min_max_window, np.random.default_rng(1).standard_normal(12))
    assert "] = hi\n" in text and "] = lo\n" in text and "hi > x_t" in text.split("hi_bar = ")[1]


def test_a_value_the_reverse_reads_again_stays_taped():
    text = _reverse_source(product_window, np.random.default_rng(2).standard_normal(12))
    assert "] = m\n" in text


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn", [P.a_max_pool_1d, min_max_window, product_window])
def test_gradients_match_finite_differences(fn, target):
    x = np.random.default_rng(3).standard_normal(14)
    got = nsadc.differentiate(fn, target=target).grad(x, 3)
    np.testing.assert_allclose(got, fd_gradient(fn, (x, 3), [0])[0], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_ties_share_as_the_policy_says(target):
    """max(max(1, 1), 0): the tie splits m_bar = 2 equally (min-norm), the
    second step passes it all to m; the dropped partial window gets 0."""
    x = np.array([1.0, 1.0, 0.0, 3.0, 3.0, 3.0, 5.0])
    got = nsadc.differentiate(P.a_max_pool_1d, target=target).grad(x, 3)
    # second window: three-way tie, chained: (0.25, 0.25, 0.5) of 6
    np.testing.assert_array_equal(got, [1.0, 1.0, 0.0, 1.5, 1.5, 3.0, 0.0])
