"""``np.maximum.accumulate`` and ``np.minimum.accumulate``: a running max /
min along an axis (default 0), each step the scalar ``max`` / ``min`` with
its derivative and its kinks (nsadc/frontend/vectorize.py, ``_running``,
which ``np.cumsum`` shares).  Values, gradients against central
differences, the selection at ties, and both targets."""

import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from helpers import central_differences

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import accumulated as programs  # noqa: E402


def _x(fn, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((4, 5)) if fn is programs.running_min_cols else 0.3 * rng.standard_normal(12)


@pytest.mark.parametrize("fn", programs.CASES, ids=lambda f: f.__name__)
def test_value_and_gradient(fn):
    for seed in range(3):
        args = (_x(fn, seed), 3)
        value, grad = nsadc.differentiate(fn, wrt=[fn.__code__.co_varnames[0]], target="python").value_and_grad(*args)
        assert value == pytest.approx(fn(*args), rel=1e-12)
        np.testing.assert_allclose(grad, central_differences(fn, args, 0), rtol=1e-6, atol=1e-7)


def test_at_a_tie_each_operand_takes_half():
    """m = [1, 3, 3, 3, 3, 5] over x = [1, 3, 3, 2, 3, 5]: the one gap (m[3] - x[3])
    reaches m[2] = max(m[1], x[2]), a tie, so x[1] and x[2] take half each."""
    x = np.array([1.0, 3.0, 3.0, 2.0, 3.0, 5.0])
    g = nsadc.differentiate(programs.cummax_gap, wrt=["x"], target="python").grad(x, 1)
    np.testing.assert_array_equal(g, [0.0, 1.0, 1.0, -2.0, 0.0, 0.0])


@pytest.mark.slow
@pytest.mark.parametrize("fn", programs.CASES, ids=lambda f: f.__name__)
def test_compiled_equals_plain_python(fn):
    args = (_x(fn, 5), 3)
    wrt = [fn.__code__.co_varnames[0]]
    want = nsadc.differentiate(fn, wrt=wrt, target="python").value_and_grad(*args)
    got = nsadc.differentiate(fn, wrt=wrt, target="cpu").value_and_grad(*args)
    assert got[0] == pytest.approx(want[0], rel=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-10, atol=1e-12)
