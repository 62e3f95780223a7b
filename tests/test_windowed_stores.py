"""A 1-D array a loop adds into in windows that cannot overlap is stored
into, not added into; where the windows tile it, it is allocated without
zeros and only the elements outside them are zeroed
(nsadc/passes/written_once.py).  Overlapping windows, and a loop that can
stop early, keep their additions.
Gradients against central differences, against the code without the pass
(bit for bit, ties included), and across targets."""

import inspect
import os
import re
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

import nsadc
from nsadc import pipeline
from helpers import central_differences

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import windowed_stores as programs  # noqa: E402

ALL = programs.TILED + programs.DISJOINT + programs.KEEP_ADDING + programs.TESTED_HEAD + programs.COUNTED_DOWN
_ids = lambda v: getattr(v, "__name__", None) or repr(v)  # noqa: E731


def _x(seed, n=23, ties=False):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, n)
    if ties:  # equal neighbours: every max and min of a window meets a tie
        x[1::2] = x[::2][: len(x[1::2])]
    return x


def _grad(fn, args, target="python", without_pass=False):
    """The gradient in x and the emitted gradient's source, optionally with
    the pass left out (a cache of its own: the cache's key does not name passes)."""
    saved = list(pipeline.OPTIMISATION_PASSES)
    old_cache = os.environ.get("NSADC_CACHE_DIR")
    os.environ["NSADC_CACHE_DIR"] = tempfile.mkdtemp(prefix="nsadc-windows-")
    try:
        if without_pass:
            pipeline.OPTIMISATION_PASSES[:] = [p for p in saved if p.name != "store_arrays_written_once"]
        d = nsadc.differentiate(fn, wrt=["x"], target=target)
        g = d.grad(*args)
        (k,) = d._specs.values()
        src = inspect.getsource(k.grad.py_func if target == "cpu" else k.grad)
    finally:
        pipeline.OPTIMISATION_PASSES[:] = saved
        if old_cache is None:
            os.environ.pop("NSADC_CACHE_DIR")
        else:
            os.environ["NSADC_CACHE_DIR"] = old_cache
    return np.asarray(g), src


@pytest.mark.parametrize("fn, extra", programs.TILED, ids=_ids)
def test_tiling_windows_are_stored_without_a_zero_fill(fn, extra):
    _, src = _grad(fn, (_x(0), *extra))
    assert "np.zeros_like(x)" not in src and "np.empty_like(x)" in src, src
    assert re.search(r"d\w+_dx\[\w+\] = ", src), src
    assert "stores each element it reaches once; zero the others" in src


@pytest.mark.parametrize("fn, extra", programs.DISJOINT, ids=_ids)
def test_disjoint_windows_are_stored_into_zeros(fn, extra):
    _, src = _grad(fn, (_x(0), *extra))
    assert "np.zeros_like(x)" in src and "np.empty_like(x)" not in src, src
    assert not re.search(r"\w+\[\w+\] \+= ", src), src


@pytest.mark.parametrize("fn, extra", programs.KEEP_ADDING, ids=_ids)
def test_overlapping_or_popped_windows_keep_their_additions(fn, extra):
    _, src = _grad(fn, (_x(0), *extra))
    assert "np.zeros_like(x)" in src and re.search(r"\w+\[\w+\] \+= ", src), src
    assert "tiled" not in src


@pytest.mark.parametrize("fn, extra", ALL, ids=_ids)
@pytest.mark.parametrize("n", [23, 24, 3, 0])
def test_gradients_match_central_differences(fn, extra, n):
    for seed in range(2):
        args = (_x(seed, n), *extra)
        try:
            fn(*args)
        except IndexError:
            pytest.skip("the program itself reads out of bounds at this length (x[-1] of an empty x)")
        g, _ = _grad(fn, args)
        np.testing.assert_allclose(g, central_differences(fn, args, 0), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("fn, extra", ALL, ids=_ids)
def test_at_ties_the_gradient_is_the_one_without_the_pass(fn, extra):
    args = (_x(3, ties=True), *extra)
    g, _ = _grad(fn, args)
    want, _ = _grad(fn, args, without_pass=True)
    np.testing.assert_array_equal(g, want)


@pytest.mark.parametrize("k", [-2, -1, 30])
def test_a_step_that_fails_its_test_still_adds(k):
    """range(0, n - k + 1, k) with k <= 0 runs no window (or windows counted
    down, where a negative k lets it): the whole array is zeroed and added into."""
    for fn in (programs.pooled_maxima, programs.windows_under_a_branch):
        args = (_x(1), k)
        g, src = _grad(fn, args)
        assert "tiled" in src
        want, _ = _grad(fn, args, without_pass=True)
        np.testing.assert_array_equal(g, want)


@pytest.mark.parametrize("fn, extra", programs.COUNTED_DOWN, ids=_ids)
def test_a_loop_counting_down_stores_and_zeroes_below_its_last_window(fn, extra):
    args = (_x(2), *extra)
    g, src = _grad(fn, args)
    assert "np.zeros_like(x)" not in src and "np.empty_like(x)" in src, src
    assert re.search(r"tiled = .*len\(range\(.*, -1\)\).* >= 0", src), src
    want, _ = _grad(fn, args, without_pass=True)
    np.testing.assert_array_equal(g, want)


@pytest.mark.parametrize("fn, extra", programs.TESTED_HEAD, ids=_ids)
def test_a_first_window_below_index_0_is_tested_and_then_added(fn, extra):
    """At lag 0 the first window is x[-1]: the test fails, the array is zeroed
    whole and the stores add, as without the pass."""
    args = (_x(2), *extra)
    g, src = _grad(fn, args)
    assert re.search(r"tiled = .*>= 0", src), src
    want, _ = _grad(fn, args, without_pass=True)
    np.testing.assert_array_equal(g, want)
    np.testing.assert_allclose(g, central_differences(fn, args, 0), rtol=1e-6, atol=1e-7)


@pytest.mark.slow
@pytest.mark.parametrize("fn, extra", ALL, ids=_ids)
def test_compiled_gradients_equal_plain_pythons(fn, extra):
    for ties in (False, True):
        args = (_x(4, ties=ties), *extra)
        g_python, _ = _grad(fn, args)
        g_cpu, _ = _grad(fn, args, "cpu")
        np.testing.assert_allclose(g_cpu, g_python, rtol=1e-12, atol=1e-14)
