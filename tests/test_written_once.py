"""An adjoint array whose elements one loop nest adds into once each is
allocated without zeros and stored into (nsadc/passes/written_once.py); a
loop over part of the axis stores and zeroes the rest; the look-alikes keep
the zero fill.  Gradients against central differences and
across targets."""

import inspect
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from helpers import central_differences

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import written_once as programs  # noqa: E402


def _args(fn, seed):
    rng = np.random.default_rng(seed)
    out = []
    for p in fn.__code__.co_varnames[:fn.__code__.co_argcount]:
        if p == "A":
            out.append(rng.standard_normal((7, 5)))
        elif p in ("x", "w"):
            out.append(rng.standard_normal(5 if fn is programs.row_hinge else 12))
        elif p == "n":
            out.append(9)
        else:
            out.append({"lo": -0.6, "hi": 0.7}[p])
    return tuple(out)


def _grad_source(fn, wrt, args, target="python"):
    d = nsadc.differentiate(fn, wrt=[wrt], target=target)
    g = d.grad(*args)
    (k,) = d._specs.values()
    src = inspect.getsource(k.grad.py_func if target == "cpu" else k.grad)
    return g, src


@pytest.mark.parametrize("fn, wrt", programs.WRITTEN_ONCE, ids=lambda v: getattr(v, "__name__", v))
def test_an_adjoint_written_once_is_not_zero_filled(fn, wrt):
    args = _args(fn, 0)
    g, src = _grad_source(fn, wrt, args)
    # the adjoint, or the fused loop's derivative array it takes over (ds_dx)
    (array,) = re.findall(rf"(\w+) = np.empty_like\({wrt}\)", src)
    assert f"np.zeros_like({wrt})" not in src
    assert re.search(rf"{array}\[[^\]]*\] = ", src) and not re.search(rf"{array}\[[^\]]*\] \+= ", src)
    k = fn.__code__.co_varnames.index(wrt)
    for seed in range(3):
        args = _args(fn, seed)
        want = central_differences(fn, args, k)
        np.testing.assert_allclose(nsadc.differentiate(fn, wrt=[wrt], target="python").grad(*args), want,
                                   rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn, wrt", programs.KEEPS_ZEROS, ids=lambda v: getattr(v, "__name__", v))
def test_look_alikes_keep_the_zero_fill(fn, wrt):
    args = _args(fn, 0)
    g, src = _grad_source(fn, wrt, args)
    assert "empty_like" not in src
    k = fn.__code__.co_varnames.index(wrt)
    want = central_differences(fn, args, k)
    np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn, wrt", programs.ZEROED_OUTSIDE, ids=lambda v: getattr(v, "__name__", v))
def test_a_partial_range_is_stored_and_the_rest_zeroed(fn, wrt):
    args = _args(fn, 0)
    g, src = _grad_source(fn, wrt, args)
    assert f"np.zeros_like({wrt})" not in src and f"np.empty_like({wrt})" in src
    assert "zero the others" in src and re.search(r"\w+\[\w+\] = 0\.0", src)
    k = fn.__code__.co_varnames.index(wrt)
    np.testing.assert_allclose(g, central_differences(fn, args, k), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("fn, wrt", programs.WRITTEN_ONCE + programs.KEEPS_ZEROS + programs.ZEROED_OUTSIDE,
                         ids=lambda v: getattr(v, "__name__", v))
def test_compiled_gradients_equal_plain_pythons(fn, wrt):
    args = _args(fn, 1)
    g_python, _ = _grad_source(fn, wrt, args)
    g_cpu, src = _grad_source(fn, wrt, args, "cpu")
    np.testing.assert_allclose(g_cpu, g_python, rtol=1e-12, atol=1e-14)
