"""Slices that move with a loop: ``x[t:t + w]`` inside ``for t in range(0, n
- w + 1, hop)``.  Python clamps a slice to the array, so its length in
general depends on t; where the loops' ranges keep both bounds inside the
array for every value their variables take, it is w, known before the loop,
and the slice is a work array of w elements filled by each iteration.  Where
the bounds are never negative but the length moves (the last windows run off
the end, ``Z[i + 1:]`` for the pairs after row i), the work array is made at
the sliced dimension's length and each iteration fills its first elements;
two such slices with the same bounds of equal dimensions are as long.  Where
a bound may be negative (Python would count it from the end) or the loop
variable is assigned in the body, the slice stays refused with its
location."""

from __future__ import annotations

import numpy as np
import pytest

import nsadc
from helpers import central_differences, load_function
from test_regressions import check

PROGRAMS = {
    "frame_energy": ("""
        W = 4
        HOP = 3

        def frame_energy(x, gate):
            n = x.shape[0]
            feat = 0.0
            for start in range(0, n - W + 1, HOP):
                frame = x[start:start + W]
                energy = np.dot(frame, frame) / W
                if energy < gate:
                    continue
                feat += np.sqrt(energy) + np.max(np.abs(frame))
            return feat
    """, (np.array([0.3, -1.2, 0.8, 1.7, -0.1, 0.55, 0.05, -0.02, 0.9, -1.4, 0.6, 0.2, -0.7]), 0.1)),
    "centred_window": ("""
        def centred_window(x):
            n = x.shape[0]
            s = 0.0
            for i in range(1, n - 1):
                seg = x[i - 1:i + 2]
                s += abs(seg[1] - 0.5 * (seg[0] + seg[2])) + np.min(seg)
            return s
    """, (np.array([0.3, -1.2, 0.8, 1.7, -0.1, 0.55, 0.05]),)),
    "row_blocks": ("""
        def row_blocks(A, w):
            m = A.shape[0]
            s = 0.0
            for i in range(0, m - 1):
                block = A[i:i + 2, :]
                s += np.sum(np.maximum(block @ w, 0.0))
            return s
    """, (np.array([[0.3, -1.2, 0.8], [1.7, -0.1, 0.55], [0.05, 0.9, -1.4], [0.6, 0.2, -0.7]]),
          np.array([0.4, -0.9, 0.6]))),
    "off_the_end": ("""
        def off_the_end(x):
            s = 0.0
            for i in range(x.shape[0]):
                seg = x[i:i + 3]
                s += np.sum(seg * seg)
            return s
    """, (np.linspace(0.1, 1.0, 9),)),
    "pairs_after": ("""
        def pairs_after(Z, labels, margin):
            n = Z.shape[0]
            total = 0.0
            for i in range(n - 1):
                diff = Z[i + 1:] - Z[i]
                d = np.sum(diff * diff, axis=1)
                same = labels[i + 1:] == labels[i]
                total += np.sum(np.where(same, d, np.maximum(0.0, margin - d)))
            return total
    """, (np.array([[0.3, -1.2], [0.8, 1.7], [-0.1, 0.55], [0.05, -0.02], [0.9, -1.4]]),
          np.array([0, 1, 0, 1, 1]), 2.0)),
}


def _load(tmp_path, name):
    return load_function(tmp_path, PROGRAMS[name][0], name)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_slice_the_loops_keep_inside_is_differentiated(tmp_path, name):
    check(_load(tmp_path, name), PROGRAMS[name][1], "python")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_slice_the_loops_keep_inside_compiles(tmp_path, name):
    check(_load(tmp_path, name), PROGRAMS[name][1], "cpu")


def test_a_slice_that_starts_before_the_array_is_what_numpy_reads(tmp_path):
    """x[i - 1:i + 2] at i = 0 is x[-1:2], empty, as NumPy counts -1 from the
    end: the window is allocated at x's length and is as long as NumPy's."""
    text = """
    def before_the_start(x):
        s = 0.0
        for i in range(x.shape[0] - 2):
            seg = x[i - 1:i + 2]
            s += np.sum(seg * seg) * (i + 1.5) + seg.shape[0]
        return s
    """
    fn = load_function(tmp_path, text, "before_the_start")
    x = np.linspace(0.1, 1.0, 9) ** 1.3
    value, grad = nsadc.differentiate(fn, target="python").value_and_grad(x)
    assert value == pytest.approx(fn(x), rel=1e-12)
    np.testing.assert_allclose(grad, central_differences(fn, (x,), 0), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("text", [
    """
    def moved_in_the_body(x):
        s = 0.0
        for i in range(x.shape[0] - 3):
            i = i + 2
            seg = x[i:i + 3]
            s += np.sum(seg * seg)
        return s
    """,
])
def test_a_slice_the_loops_do_not_keep_inside_is_refused(tmp_path, text):
    name = text.split("def ")[1].split("(")[0]
    fn = load_function(tmp_path, text, name)
    with pytest.raises(nsadc.NsadcError, match="shape known before the loop|assigned outside its `for`"):
        nsadc.differentiate(fn, target="python").grad(np.linspace(0.1, 1.0, 9))


def test_slices_of_different_lengths_side_by_side_raise_numpys_error(tmp_path):
    text = """
    def shifted(Z, labels):
        total = 0.0
        for i in range(Z.shape[0] - 2):
            diff = Z[i + 1:] - Z[i]
            same = labels[i + 2:] == labels[i]
            total += np.sum(np.where(same, np.sum(diff * diff, axis=1), 0.0))
        return total
    """
    fn = load_function(tmp_path, text, "shifted")
    args = (np.ones((5, 2)), np.array([0, 1, 0, 1, 1]))
    with pytest.raises(ValueError):  # NumPy: Z[i + 1:] and labels[i + 2:] differ by one
        fn(*args)
    with pytest.raises(ValueError, match=r"broadcast together at .*shifted_mod.py:\d+:\d+"):
        nsadc.differentiate(fn, target="python").grad(*args)
