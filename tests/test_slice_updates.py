"""A store into a slice whose value reads the array (``u[1:-1] += c * (u[2:]
- 2 * u[1:-1] + u[:-2])``) computes the whole value first, into an array of
its own, as NumPy does (nsadc/frontend/vectorize.py, ``_store_slice``).
Values against the plain function, gradients against central differences,
on both targets."""

import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from helpers import central_differences, load_function

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import slice_updates as programs  # noqa: E402


def _args(fn, seed):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((6, 7)) if fn is programs.heat_2d_clipped else rng.standard_normal(11)), 3


@pytest.mark.parametrize("fn", programs.CASES, ids=lambda f: f.__name__)
def test_value_and_gradient(fn):
    for seed in range(2):
        args = _args(fn, seed)
        value, grad = nsadc.differentiate(fn, wrt=["u0"], target="python").value_and_grad(*args)
        assert value == pytest.approx(fn(*args), rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(grad, central_differences(fn, args, 0), rtol=1e-6, atol=1e-6)


def test_the_value_is_computed_before_it_is_stored():
    d = nsadc.differentiate(programs.heat_steps, wrt=["u0"], target="python")
    src = d.source("forward", *_args(programs.heat_steps, 0))
    assert "u_new[i] = " in src and "u[at_4] = u_new[i_2]" in src, src


def test_a_value_of_fewer_dimensions_that_reads_the_array_is_refused(tmp_path):
    """A row broadcast over the rows below it (A[1:, :] = A[0, :] * 2): name it first."""
    text = """
    def first_row_everywhere(X):
        A = X.copy()
        A[1:, :] = A[0, :] * 2.0
        return np.sum(A * X)
    """
    fn = load_function(tmp_path, text, "first_row_everywhere")
    with pytest.raises(nsadc.NsadcError, match="reads A"):
        nsadc.differentiate(fn, target="python").grad(np.ones((3, 4)))


def test_an_element_of_the_array_in_the_value_is_read_before_the_stores(tmp_path):
    """y[:] = y[0] * 2 + y: y[0] as NumPy reads it, before any element is written."""
    text = """
    def all_from_first(x):
        y = x.copy()
        y[:] = y[0] * 2.0 + y
        z = x.copy()
        z[::-1] = z[0] * 3.0 - z[::-1]
        return np.sum(y * y) + np.sum(z * x)
    """
    fn = load_function(tmp_path, text, "all_from_first")
    x = np.random.default_rng(0).standard_normal(6)
    value, grad = nsadc.differentiate(fn, target="python").value_and_grad(x)
    assert value == pytest.approx(fn(x), rel=1e-12)
    np.testing.assert_allclose(grad, central_differences(fn, (x,), 0), rtol=1e-6, atol=1e-7)


@pytest.mark.slow
@pytest.mark.parametrize("fn", programs.CASES, ids=lambda f: f.__name__)
def test_compiled_equals_plain_python(fn):
    args = _args(fn, 3)
    want = nsadc.differentiate(fn, wrt=["u0"], target="python").value_and_grad(*args)
    got = nsadc.differentiate(fn, wrt=["u0"], target="cpu").value_and_grad(*args)
    assert got[0] == pytest.approx(want[0], rel=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-10, atol=1e-12)
