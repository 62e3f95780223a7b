"""Arrays made in a loop from a slice whose length moves with the loop are
allocated once at their bound and refilled; what the code asks of their
shape is this iteration's length (nsadc/frontend/vectorize.py,
``moving_lengths``).  Before, ``.shape``, ``.size``, ``len()``, ``h[-1]``
and ``np.std`` read the bound: silently wrong values and gradients.  Values
against the plain function, gradients against central differences, on both
targets."""

import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from helpers import central_differences

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import moving_windows as programs  # noqa: E402


def _args(seed, n=17, window=4):
    return np.random.default_rng(seed).standard_normal(n), window


@pytest.mark.parametrize("fn", programs.CASES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("n, window", [(17, 4), (6, 9), (3, 1)])
def test_value_and_gradient(fn, n, window):
    for seed in range(2):
        args = _args(seed, n, window)
        value, grad = nsadc.differentiate(fn, wrt=["ret"], target="python").value_and_grad(*args)
        assert value == pytest.approx(fn(*args), rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(grad, central_differences(fn, args, 0), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("fn", programs.MATRIX_CASES, ids=lambda f: f.__name__)
def test_rows_of_a_matrix(fn):
    """Moving slices of rows (Z[i + 1:, :], Z[t - w:t], Z[:t, 0]) and what is
    asked of them (axis sums, .shape[0], .size, block[-1, 0], len)."""
    Z = np.random.default_rng(5).standard_normal((9, 3))
    value, grad = nsadc.differentiate(fn, wrt=["Z"], target="python").value_and_grad(Z, 3)
    assert value == pytest.approx(fn(Z, 3), rel=1e-12)
    np.testing.assert_allclose(grad, central_differences(fn, (Z, 3), 0), rtol=1e-6, atol=1e-6)


def test_the_length_is_held_in_a_name():
    d = nsadc.differentiate(programs.rolling_std, wrt=["ret"], target="python")
    src = d.source("forward", *_args(0))
    assert "hist_len = " in src and "range(hist_len)" in src and "hist.size" not in src


@pytest.mark.slow
@pytest.mark.parametrize("fn", programs.CASES + programs.MATRIX_CASES, ids=lambda f: f.__name__)
def test_compiled_equals_plain_python(fn):
    matrix = fn in programs.MATRIX_CASES
    args = (np.random.default_rng(3).standard_normal((9, 3)), 3) if matrix else _args(3)
    wrt = ["Z" if matrix else "ret"]
    want = nsadc.differentiate(fn, wrt=wrt, target="python").value_and_grad(*args)
    got = nsadc.differentiate(fn, wrt=wrt, target="cpu").value_and_grad(*args)
    assert got[0] == pytest.approx(want[0], rel=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-10, atol=1e-12)
