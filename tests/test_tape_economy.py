"""Three rules that keep tapes to what a reverse sweep needs, on shapes users
write (nsadc/transforms/reverse_plan.py, nsadc/transforms/tape_size.py):

- a work array each iteration fills before reading it stays untaped when
  the statements after the loop fill it once more before they read it (the
  final state recomputed from the last iterate);
- a loop that differentiates nothing (an insertion sort of indices by the
  data: only comparisons read the active values) is not reversed, so it keeps
  no copy of the array it permutes;
- a tape pushed in a loop whose bound a local of the enclosing iteration
  holds (``n_minus_1 = n - 1`` in the iteration and again in its re-run) is
  sized at entry, with no growth check per push.

Gradients against central differences on both targets, and the emitted
shapes."""

import inspect

import numpy as np
import pytest

import nsadc
from benchmarks.probe.programs_c import km_rmst as survival_area
from benchmarks.probe.programs_c import tv_denoise_dual as dual_tv
from benchmarks.probe.programs_d import pava_isotonic as pooled_violators
from helpers import central_differences


def read_after_the_loop_first(y, iters: int):
    """After the loop, x is read before it is filled again: it must stay taped."""
    n = y.shape[0]
    x = np.empty(n)
    s = 0.0
    for it in range(iters):
        for i in range(n):
            x[i] = y[i] * (it + 1) - s
        for i in range(n):
            s += 0.1 * abs(x[i])
    t = x[0] * x[1]
    for i in range(n):
        x[i] = y[i] * t
    for i in range(n):
        s += x[i] * x[i]
    return s


def sort_then_reuse(x):
    """The same sort, then a loop that writes the permuted array again after a
    loop that reads it: that later store still pushes for the read's re-run."""
    n = x.shape[0]
    order = np.zeros(n, dtype=np.int64)
    for i in range(n):
        order[i] = i
    for i in range(1, n):
        key = order[i]
        j = i - 1
        while j >= 0 and x[order[j]] > x[key]:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = key
    s = 0.0
    for r in range(n):
        s = max(s, x[order[r]] * (r + 1)) + 0.01 * s * s
    for r in range(n):
        order[r] = n - 1 - order[r]
    for r in range(n):
        s += x[order[r]] * r
    return s


_rng = np.random.default_rng(4)
_times = _rng.permutation(np.linspace(0.5, 9.5, 13)) + _rng.uniform(0.0, 0.05, 13)
CASES = [
    (dual_tv, (_rng.normal(size=9), 0.3, 4), 0),
    (dual_tv, (_rng.normal(size=9), 0.3, 4), 1),
    (read_after_the_loop_first, (_rng.uniform(0.2, 1.0, 6), 3), 0),
    (survival_area, (_times, (_rng.uniform(size=13) < 0.7).astype(np.int64), 7.21), 0),
    (survival_area, (_times, (_rng.uniform(size=13) < 0.7).astype(np.int64), 7.21), 2),
    (sort_then_reuse, (_rng.normal(size=8),), 0),
]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn, args, k", CASES, ids=[f"{c[0].__name__}-{c[2]}" for c in CASES])
def test_gradients_against_central_differences(fn, args, k, target):
    names = list(inspect.signature(fn).parameters)
    d = nsadc.differentiate(fn, wrt=[names[k]], target=target)
    value, g = d.value_and_grad(*args)
    assert value == pytest.approx(fn(*args), rel=1e-13)
    np.testing.assert_allclose(g, central_differences(fn, args, k), rtol=1e-6, atol=1e-8)


def _reverse(fn, *args):
    return nsadc.differentiate(fn, target="python").source("reverse", *args)


def test_a_work_array_refilled_after_the_loop_is_not_taped():
    text = _reverse(dual_tv, np.ones(6), 0.3, 2)
    assert "x_elements" not in text
    assert "_reserve(u_elements" not in text  # the clip's elements: sized at entry (n - 1 of them)


def test_a_work_array_read_after_the_loop_before_its_refill_is_taped():
    assert "x_elements" in _reverse(read_after_the_loop_first, np.ones(4), 2)


def test_a_sort_of_indices_is_not_reversed():
    text = nsadc.differentiate(survival_area, wrt=["times", "tau"], target="python").source(
        "reverse", np.ones(5), np.ones(5, dtype=np.int64), 1.0)
    reverse = text.split("# reverse sweep")[1]
    assert "order_elements" not in text and "array_tape" not in text
    assert "key = order" not in reverse  # no re-run of the sort


def insertion_rows(A):
    """An insertion sort of each row's entries by the first column, rows moved
    whole in a 2-D array (stores at two indices, the row and the column)."""
    B = A.copy()
    n, m = B.shape
    for i in range(1, n):
        j = i - 1
        while j >= 0 and B[j, 0] > B[j + 1, 0]:
            for c in range(m):
                t = B[j, c]
                B[j, c] = B[j + 1, c]
                B[j + 1, c] = t * 1.01
            j -= 1
    s = 0.0
    for i in range(n):
        s += (i + 1) * B[i, 0] * B[i, 1]
    return s


_rng2 = np.random.default_rng(5)
JOURNALED = [
    (pooled_violators, (_rng2.normal(size=12), _rng2.uniform(0.5, 2.0, 12), _rng2.normal(size=12)), 0),
    (pooled_violators, (_rng2.normal(size=12), _rng2.uniform(0.5, 2.0, 12), _rng2.normal(size=12)), 1),
    (insertion_rows, (_rng2.normal(size=(7, 2)),), 0),
]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn, args, k", JOURNALED, ids=[f"{c[0].__name__}-{c[2]}" for c in JOURNALED])
def test_journaled_stores_against_central_differences(fn, args, k, target):
    names = list(inspect.signature(fn).parameters)
    d = nsadc.differentiate(fn, wrt=[names[k]], target=target)
    value, g = d.value_and_grad(*args)
    assert value == pytest.approx(fn(*args), rel=1e-13)
    np.testing.assert_allclose(g, central_differences(fn, args, k), rtol=1e-6, atol=1e-8)


def test_a_stack_keeps_each_stores_old_value_not_the_array_per_step():
    """Stores a `while` loop makes (a merge of blocks, an insertion) cost their
    index and old value on tapes, not a copy of the array per iteration."""
    text = _reverse(pooled_violators, np.ones(5), np.ones(5), np.ones(5))
    assert "array_tape" not in text and "val_stores" in text and "wt_stores" in text


# ------------------------------------------------------------ a helper's result, per call


def _nearest_hit(b, c):
    """Two returns, the first under a test: the result is set by a selection."""
    disc = b * b - c
    if disc <= 0.0:
        return -1.0
    return b - np.sqrt(disc)


def nearest_hits(B, C):
    """The nearest positive hit over candidates per ray, as a ray tracer picks it."""
    total = 0.0
    for i in range(B.shape[0]):
        best = 1e300
        for k in range(B.shape[1]):
            t = _nearest_hit(B[i, k], C[i, k])
            if 0.0 < t < best:
                best = t
        if best < 1e300:
            total += best * best
    return total


NEAREST = (np.array([[1.5, 2.0, 0.3], [2.5, 0.4, 1.8], [0.2, 0.1, 0.3], [3.0, 2.2, 1.1]]),
           np.array([[1.0, 3.5, 0.5], [2.0, 1.0, 2.9], [1.0, 1.0, 1.0], [4.0, 0.5, 0.2]]))


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_helper_result_is_not_carried_between_calls(target):
    """``r = -1.0 if disc <= 0 else r`` would read the result of the call of
    the iteration before: each call in a loop starts its result anew, so no
    loop carries it and no tape keeps it per iteration."""
    d = nsadc.differentiate(nearest_hits, target=target)
    g = d.grad(*NEAREST)
    for k in range(2):
        np.testing.assert_allclose(g[k], central_differences(nearest_hits, NEAREST, k), rtol=1e-6, atol=1e-8)
    src = d.source("reverse", *NEAREST)
    assert "tape[n_tape] = _nearest_hit_out" not in src and "= _nearest_hit_out\n" not in src.split(
        "# reverse sweep")[0].split("for i in")[0], src
    assert "_nearest_hit_out = 0.0" in src
