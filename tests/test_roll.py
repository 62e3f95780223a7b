"""``np.roll(x, k)`` of a 1-D array: element i is ``x[(i - k) % n]``
(nsadc/frontend/vectorize.py, ``_roll``).  Values against the plain
function, gradients against central differences, both targets; an axis or
a 2-D array is refused with its location."""

import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from helpers import central_differences, load_function

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import rolled as programs  # noqa: E402


@pytest.mark.parametrize("fn", programs.CASES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("n, k", [(9, 3), (5, -7), (1, 2)])
def test_value_and_gradient(fn, n, k):
    x = np.random.default_rng(n).standard_normal(n)
    wrt = fn.__code__.co_varnames[0]
    value, grad = nsadc.differentiate(fn, wrt=[wrt], target="python").value_and_grad(x, k)
    assert value == pytest.approx(fn(x, k), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(grad, central_differences(fn, (x, k), 0), rtol=1e-6, atol=1e-7)


def test_the_shift_is_an_index_modulo_the_length():
    d = nsadc.differentiate(programs.periodic_heat, wrt=["u0"], target="python")
    src = d.source("forward", np.ones(9), 3)
    assert "(i - 1) % n" in src and "+ 1) % n" in src


def test_an_axis_is_refused(tmp_path):
    text = """
    def rows(A):
        return np.sum(np.roll(A, 1, axis=0) * A)
    """
    fn = load_function(tmp_path, text, "rows")
    with pytest.raises(nsadc.NsadcError, match="np.roll"):
        nsadc.differentiate(fn, target="python").grad(np.ones((3, 4)))


def test_a_shift_that_is_not_an_integer_is_refused(tmp_path):
    text = """
    def half_step(x):
        return np.sum(np.roll(x, 1.5) * x)
    """
    fn = load_function(tmp_path, text, "half_step")
    with pytest.raises(nsadc.NsadcError, match="shift must be one integer"):
        nsadc.differentiate(fn, target="python").grad(np.ones(4))


@pytest.mark.slow
@pytest.mark.parametrize("fn", programs.CASES, ids=lambda f: f.__name__)
def test_compiled_equals_plain_python(fn):
    x = np.random.default_rng(4).standard_normal(10)
    wrt = fn.__code__.co_varnames[0]
    want = nsadc.differentiate(fn, wrt=[wrt], target="python").value_and_grad(x, 3)
    got = nsadc.differentiate(fn, wrt=[wrt], target="cpu").value_and_grad(x, 3)
    assert got[0] == pytest.approx(want[0], rel=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-10, atol=1e-12)
