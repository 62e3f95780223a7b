"""A loop that assigns a scalar before reading it in every iteration does not
keep that scalar's value from before the loop (each reversed iteration re-runs
from its own checkpoint); a value an earlier loop carries and that a later
loop overwrites is still given back to the earlier loop's reverse."""

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
