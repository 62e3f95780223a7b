"""Tapes sized at entry (nsadc/transforms/tape_size.py).

A bound too small would write past the tape: NumPy raises IndexError under
target="python", so every program here runs there against central finite
differences, at sizes that include empty loops.  The emitted source says
whether the bound was found (one np.empty, no _reserve) or the tape grows."""

import math

import numpy as np
import pytest

import nsadc
from helpers import central_difference


def nested(x, n: int, m: int):
    s = x
    for i in range(n):
        for j in range(m):
            s = math.sin(s) + 0.1 * j  # overwritten, needed: one record per inner iteration
    return s


def windows(x, k: int):
    """Max pooling: the window loop's bounds move with st, its trip count k - 1 does not."""
    s = 0.0
    for st in range(0, len(x) - k + 1, k):
        m = x[st]
        for t in range(st + 1, st + k):
            m = max(m, x[t])
        s += m * m
    return s


def countdown(x, n: int):
    s = x
    for i in range(n, 0, -1):
        s = math.cos(s * i)
    return s


def broken(x, n: int):
    s = x
    for i in range(n):
        s = math.tanh(2.0 * s)
        if s > 0.9:
            break
    return s


def stale(x, n: int):
    """`b` is assigned once but in an earlier iteration than the loop that
    reads it: substituting it would cancel the wrong `st` (must grow)."""
    s = 0.0
    b = 0
    for st in range(n, 0, -1):
        if st == n:
            b = st + 1
        for t in range(st, b):
            s = math.sin(s + x * t)
    return s


def rewhile(x, n: int):
    s = x
    i = 0
    while i < n:
        s = math.sin(s) * 1.5
        i += 1
    return s


SIZED = {nested: [(0.3, 3, 4), (0.3, 0, 4), (0.3, 3, 0), (0.3, -2, 5)],
         countdown: [(0.4, 5), (0.4, 0), (0.4, -3)]}
# a loop with break is a while loop after lowering
GROWS = {stale: [(0.3, 4), (0.3, 1), (0.3, 0)], rewhile: [(0.3, 5), (0.3, 0)], broken: [(0.2, 6), (0.2, 0)]}


@pytest.mark.parametrize("fn, args", [(f, a) for f, cases in SIZED.items() for a in cases])
def test_sized_tapes_hold_every_push(fn, args):
    d = nsadc.differentiate(fn, target="python")
    source = d.source("reverse")
    assert "_reserve" not in source and "np.empty(64)" not in source
    assert d.grad(*args) == pytest.approx(central_difference(fn, args, [0])[0], rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("fn, args", [(f, a) for f, cases in GROWS.items() for a in cases])
def test_tapes_whose_depth_the_arguments_do_not_fix_grow(fn, args):
    d = nsadc.differentiate(fn, target="python")
    assert "_reserve(tape" in d.source("reverse")
    assert d.grad(*args) == pytest.approx(central_difference(fn, args, [0])[0], rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("n, k", [(12, 3), (12, 5), (4, 4), (3, 5), (0, 2), (7, 1)])
def test_window_loops_are_sized_by_their_width(n, k):
    x = np.random.default_rng(n * 10 + k).standard_normal(n)
    d = nsadc.differentiate(windows, target="python")
    source = d.source("reverse", x, k)
    assert "tape = np.empty(len(range(k - 1)))" in source and "_reserve" not in source
    g = d.grad(x, k)
    expected = np.zeros(n)
    for st in range(0, n - k + 1, k):
        a = st + int(np.argmax(x[st:st + k]))
        expected[a] = 2.0 * x[a]
    np.testing.assert_allclose(g, expected, rtol=1e-12)


def test_nested_loops_add_their_depths_not_multiply():
    """The forward sweep keeps one checkpoint per outer iteration (n); the
    re-run of one outer iteration then pushes m and pops them again."""
    source = nsadc.differentiate(nested, target="python").source("reverse")
    assert "tape = np.empty(len(range(m)) + len(range(n)))" in source


@pytest.mark.slow
def test_sized_tapes_compiled():
    d = nsadc.differentiate(windows)
    x = np.random.default_rng(3).standard_normal(1001)
    g = d.grad(x, 4)
    ref = nsadc.differentiate(windows, target="python").grad(x, 4)
    np.testing.assert_allclose(g, ref, rtol=1e-12)


def units(X, W, v):
    """One hidden layer, one unit at a time: each unit's dot product is a loop."""
    loss = 0.0
    for i in range(X.shape[0]):
        out = 0.0
        for k in range(W.shape[1]):
            z = 0.0
            for j in range(X.shape[1]):
                z += X[i, j] * W[j, k]
            out += max(z, 0.0) * v[k]
        loss += out * out
    return loss


def three_deep(A, B, x):
    s = 0.0
    for i in range(A.shape[0]):
        for j in range(B.shape[1]):
            t = 0.0
            for k in range(A.shape[1]):
                u = 0.0
                for m in range(B.shape[0]):
                    u += A[i, m] * B[m, j]
                t += u * x[k]
            s += math.tanh(t)
    return s


def test_a_loop_result_is_taped_not_recomputed():
    """The reverse of a unit needs z, which the dot-product loop leaves: the
    forward sweep tapes z and the re-run pops it instead of running the loop."""
    rng = np.random.default_rng(5)
    X, W, v = rng.standard_normal((6, 4)), rng.standard_normal((4, 5)), rng.standard_normal(5)
    d = nsadc.differentiate(units, target="python")
    source = d.source("reverse")
    assert "z_after_j = tape[n_tape + k]" in source and "z = z_after_j" in source
    rerun = source.split("z_after_j = tape[n_tape + k]")[1]
    assert "z += " not in rerun  # the dot product runs once forward, never again
    gX, gW, gv = d.grad(X, W, v)
    from test_arrays import fd_gradient
    for g, f in zip((gX, gW, gv), fd_gradient(units, (X, W, v), [0, 1, 2])):
        np.testing.assert_allclose(g, f, rtol=1e-6, atol=1e-9)


def test_loops_whose_inner_loops_tape_results_still_run_in_a_re_run():
    rng = np.random.default_rng(6)
    A, B, x = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(4)
    d = nsadc.differentiate(three_deep, target="python")
    from test_arrays import fd_gradient
    for g, f in zip(d.grad(A, B, x), fd_gradient(three_deep, (A, B, x), [0, 1, 2])):
        np.testing.assert_allclose(g, f, rtol=1e-6, atol=1e-9)
