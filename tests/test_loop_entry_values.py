"""A loop that assigns a scalar before reading it in every iteration does not
keep that scalar's value from before the loop (each reversed iteration re-runs
from its own checkpoint); a value an earlier loop carries and that a later
loop overwrites is still given back to the earlier loop's reverse."""

import re
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import loop_entry  # noqa: E402


def _central(fn, args, k, h=1e-6):
    out = []
    base = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    x = base[k]
    for j in range(x.size):
        up = [a.copy() if isinstance(a, np.ndarray) else a for a in base]
        down = [a.copy() if isinstance(a, np.ndarray) else a for a in base]
        up[k][j] += h
        down[k][j] -= h
        out.append((fn(*up) - fn(*down)) / (2 * h))
    return np.array(out)


def test_a_scalar_each_loop_assigns_first_is_not_kept_per_iteration():
    d = nsadc.differentiate(loop_entry.assigned_first_in_both, wrt=["b"], target="python")
    b = np.random.default_rng(1).standard_normal(9)
    src = d.source("reverse", b, 0.3, 3)
    assert "lx_entry" not in src and "= lx\n" not in src  # no value of lx taped or kept
    g = d.grad(b, 0.3, 3)
    np.testing.assert_allclose(g, _central(loop_entry.assigned_first_in_both, [b, 0.3, 3], 0), rtol=1e-6,
                               atol=1e-8)


def test_a_value_an_earlier_loop_carries_is_given_back(target):
    d = nsadc.differentiate(loop_entry.carried_into_the_first, wrt=["b"], target=target)
    b = np.random.default_rng(2).standard_normal(11)
    src = d.source("reverse", b, 0.1)
    assert "c_entry" in src  # the second loop gives the first loop's reverse its c back
    g = d.grad(b, 0.1)
    np.testing.assert_allclose(g, _central(loop_entry.carried_into_the_first, [b, 0.1], 0), rtol=1e-6, atol=1e-8)
    assert d.grad(b, 0.1) == pytest.approx(nsadc.differentiate(loop_entry.carried_into_the_first, wrt=["b"],
                                                               target="python").grad(b, 0.1), rel=1e-12)


def test_a_sum_reversed_keeps_nothing_of_its_running_value():
    """The reverse of `z += U[k, j] * xs[t, j]` needs the terms' operands, not z: the
    loop over j keeps no value of z per iteration (z after the loops is kept once)."""
    f = loop_entry.two_sums_then_kink
    rng = np.random.default_rng(3)
    xs, W, U, b = rng.standard_normal((5, 3)), 0.5 * rng.standard_normal((4, 4)), rng.standard_normal((4, 3)), \
        rng.standard_normal(4)
    d = nsadc.differentiate(f, wrt=["W", "U", "b"], target="python")
    src = d.source("reverse", xs, W, U, b)
    reverse = src.split("# reverse sweep")[1]
    assert not re.search(r"\n( +)for j in range\(d\):\n\1    tape\[", reverse), reverse
    gW, gU, gb = d.grad(xs, W, U, b)
    _, (vW, vU, vb) = d.vjp((xs, W, U, b), 1.0)
    np.testing.assert_array_equal(gb, vb)
    np.testing.assert_allclose(gb, _central(f, [xs, W, U, b], 3), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gU.ravel(), _central(lambda xs, W, U, b: f(xs, W, U.reshape(4, 3), b),
                                                    [xs, W, U.ravel(), b], 2), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gW.ravel(), _central(lambda xs, W, U, b: f(xs, W.reshape(4, 4), U, b),
                                                    [xs, W.ravel(), U, b], 1), rtol=1e-6, atol=1e-8)
