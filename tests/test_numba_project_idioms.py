"""Idioms of published Numba code that went wrong: a name bound to a number,
then to an array (``y = a * 2.0`` ... ``y = np.maximum(x, z)``: the emitted
code wrote elements into the number, a gradient of the wrong shape or a
crash; in a loop, ``S = S0`` then ``S = S * np.exp(...)``, it is refused), the
method ``x.clip(lo)`` with one bound (a crash), and a module constant of
another module read through a helper (rebinding it left the compiled code
with the old value: a silently wrong result, as the cache key did not hold
it)."""

import numpy as np
import pytest

import nsadc
from programs import gain_helper, njit_kernels
from programs.gain_helper import scaled_relu

from helpers import check_program_gradient


def number_then_array(x, a):
    y = a * 2.0
    z = y + 1.0
    y = np.maximum(x, z)
    return np.sum(y)


def number_then_product(x, a):
    y = a
    y = x * y
    return np.sum(y * y)


def price_paths(S0, sigma, Z):
    S = S0
    for t in range(Z.shape[1]):
        S = S * np.exp(sigma * Z[:, t])
    return np.mean(np.maximum(S - 100.0, 0.0))


def floored(S):
    return np.sum(S.clip(90.0) ** 2) + np.sum(S.clip(max=100.0)) + np.sum(S.clip(min=95.0, max=110.0))


def through_a_helper_of_another_module(x):
    return scaled_relu(x) * x


rng = np.random.default_rng(4)


@pytest.mark.parametrize("fn, args", [
    (number_then_array, (np.array([3.0, 8.0, 1.0, 2.0]), 2.5)),
    (number_then_product, (rng.standard_normal(4), 0.7)),
    (floored, (np.array([95.5, 85.0, 120.0, 101.0]),)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_value_and_gradient(fn, args):
    check_program_gradient(fn, args, "python")


def test_gradient_of_the_number_has_its_shape():
    g = nsadc.differentiate(number_then_array, target="python").grad(np.array([3.0, 8.0, 1.0, 2.0]), 2.5)
    assert np.ndim(g[1]) == 0 and g[1] == pytest.approx(6.0)


def test_a_number_that_becomes_an_array_in_a_loop_is_refused():
    with pytest.raises(nsadc.NsadcError, match=r"test_numba_project_idioms.py:\d+:\d+: S holds a number before "
                                               r"this line and takes an array here"):
        nsadc.differentiate(price_paths, target="python").grad(100.0, 0.2, rng.standard_normal((5, 3)))


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_constant_of_another_module_rebound(target, tmp_path, monkeypatch):
    monkeypatch.setenv("NSADC_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(gain_helper, "GAIN", 2.0)
    d = nsadc.differentiate(through_a_helper_of_another_module, target=target)
    assert d.value_and_grad(0.7) == pytest.approx((0.98, 2.8))
    monkeypatch.setattr(gain_helper, "GAIN", 5.0)
    assert d.value_and_grad(0.7) == pytest.approx((2.45, 7.0))
    fresh = nsadc.differentiate(through_a_helper_of_another_module, target=target)
    assert fresh.value_and_grad(0.7) == pytest.approx((2.45, 7.0))


def through_the_module_name(x):
    return gain_helper.scaled_relu(x) * x


def through_the_module_name_twice(x, gain_helper_scaled_relu):
    # the name a rewrite would give the helper is taken here: it takes another
    return gain_helper.scaled_relu(x) * gain_helper.scaled_relu(x + 1.0) + gain_helper_scaled_relu * x


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_helper_called_through_its_module_name_is_inlined(target):
    for x in (0.7, -0.4):
        check_program_gradient(through_the_module_name, (x,), target)
        check_program_gradient(through_the_module_name_twice, (x, 0.3), target)
    src = nsadc.differentiate(through_the_module_name, target="python").source("reverse")
    assert "kink: max(x, 0.0) at gain_helper.py" in src  # the helper's own lines, inlined


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_constant_of_a_module_called_through_its_name_rebound(target, tmp_path, monkeypatch):
    monkeypatch.setenv("NSADC_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(gain_helper, "GAIN", 2.0)
    d = nsadc.differentiate(through_the_module_name, target=target)
    assert d.value_and_grad(0.7) == pytest.approx((0.98, 2.8))
    monkeypatch.setattr(gain_helper, "GAIN", 5.0)
    assert d.value_and_grad(0.7) == pytest.approx((2.45, 7.0))


def through_njit_kernels(x, y):
    s = 0.0
    for k in range(x.shape[0]):
        s += njit_kernels.clipped_square(x[k], y) + njit_kernels.smooth_step(x[k] - y)
    return s


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_njit_kernels_called_through_their_module_name(target):
    check_program_gradient(through_njit_kernels, (np.array([0.4, -1.3, 0.9, 2.1]), 1.5), target)


def through_a_numpy_module(x):
    return np.linalg.norm(x) + np.random.rand()


def test_a_library_module_s_functions_are_not_taken_for_helpers():
    with pytest.raises(nsadc.NsadcError, match=r"cannot differentiate a call to 'np.random.rand'"):
        nsadc.differentiate(through_a_numpy_module, target="python").grad(np.ones(3))


def change_between_sweeps(f):
    c = 1.0
    for it in range(3):
        c = np.sum(np.abs(f)) * 0.5 + c * 0.1  # a number each time (a reduction)
    return c


def test_a_reduction_keeps_a_number_a_number():
    check_program_gradient(change_between_sweeps, (np.array([0.5, -1.0, 2.0, 0.25]),), "python")


def _positive_part_sum(x, a):
    s = 0.0
    for v in x:
        s += max(v, 0.0) * a
    return s


def through_a_looping_helper(x, a):
    return _positive_part_sum(x, a)


def _mean_of(x):
    return x.sum() / len(x)


def mean_deviation(x, a):
    return _mean_of(np.abs(x - a))


@pytest.mark.parametrize("fn", [through_a_looping_helper, mean_deviation], ids=lambda f: f.__name__)
def test_helpers_that_show_an_array_the_caller_does_not(fn):
    """A helper loops over its argument or takes its len(): the caller's code
    alone takes the argument for a number (refused as "not the rows of a 2-D
    one", "len() is supported on arrays only"); the call decides."""
    check_program_gradient(fn, (np.array([1.0, -2.0, 3.0]), 0.5), "python")
