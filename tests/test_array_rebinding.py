"""A name may take a new array in straight-line code (``y = np.sort(y)``,
``r = np.abs(r)``, ``z = np.ones(n)`` after z was filled): later reads see the
new array, as in Python.  In a loop or a branch it stays refused (the name
would hold different arrays on different paths); ``n, d = X.shape`` tells X's
rank.  An array made in a loop from the arguments' shapes (``un = u.copy()``,
``h = np.zeros(3)``) is one array filled again by each iteration.  A second name or a row view of an array that the function never
writes through (``S = price``, ``r_i = X[i]``) reads the same values.  Arrays
the function made trade names (``u, un = un, u``, ping-pong buffers) by
trading their elements."""

from __future__ import annotations


import numpy as np
import pytest

import nsadc
from helpers import load_function
from test_regressions import check


def _load(tmp_path, text, name):
    return load_function(tmp_path, text, name)


PROGRAMS = {
    "sorted_residual": ("""
        def sorted_residual(w, y):
            y = np.sort(y)
            return np.sum((w - y) ** 2)
    """, (np.array([0.3, -1.2, 0.8]), np.array([2.0, -1.0, 0.5]))),
    "absolute_residual": ("""
        def absolute_residual(w, c):
            r = w - c
            r = np.abs(r)
            r = np.maximum(r, 0.25) * r
            return np.sum(r)
    """, (np.array([0.3, -1.2, 0.8]), np.array([2.0, -1.0, 0.45]))),
    "refilled": ("""
        def refilled(x):
            n = x.shape[0]
            z = np.zeros(n)
            for i in range(n):
                z[i] = x[i] * x[i]
            s = z[0]
            z = np.ones(n) * x
            for i in range(n):
                s += z[i] * z[i]
            return s
    """, (np.array([0.3, -1.2, 0.8]),)),
    "shape_unpacked": ("""
        def shape_unpacked(X, w):
            n, d = X.shape
            return np.sum(np.maximum(X @ w, 0.0)) / n
    """, (np.array([[0.3, -1.2, 0.8], [1.0, 0.5, -0.25]]), np.array([0.5, 0.25, -1.0]))),
    "tail_view": ("""
        def tail_view(x):
            s = 0.0
            y = x[1:]
            for i in range(y.shape[0]):
                s += y[i] * abs(y[i])
            return s
    """, (np.array([0.3, -1.2, 0.8]),)),
    "row_views": ("""
        def row_views(X, w):
            out = 0.0
            for i in range(X.shape[0]):
                r_i = X[i]
                out += np.sum(r_i * w) ** 2
            return out
    """, (np.array([[0.3, -1.2, 0.8], [1.0, 0.5, -0.25]]), np.array([0.5, 0.25, -1.0]))),
    "second_name": ("""
        def second_name(price, w):
            S = price
            return np.sum(np.maximum(S @ w, 0.0))
    """, (np.array([[0.3, -1.2, 0.8], [1.0, 0.5, -0.25]]), np.array([0.5, 0.25, -1.0]))),
    "copy_per_step": ("""
        def copy_per_step(u0, kappa):
            u = u0.copy()
            n = u.shape[0]
            for step in range(4):
                un = u.copy()
                for i in range(1, n - 1):
                    u[i] = un[i] + kappa * (un[i + 1] - 2.0 * un[i] + un[i - 1])
            return np.sum(u * u)
    """, (np.array([0.3, -1.2, 0.8, 1.7, -0.1, 0.55]), 0.2)),
    "scratch_per_row": ("""
        def scratch_per_row(X, w):
            s = 0.0
            for i in range(X.shape[0]):
                h = np.zeros(3)
                for j in range(3):
                    h[j] = math.tanh(X[i, j] * w[j])
                s += np.dot(h, h)
            return s
    """, (np.array([[0.3, -1.2, 0.8], [1.0, 0.5, -0.25]]), np.array([0.5, 0.25, -1.0]))),
    "ping_pong": ("""
        def ping_pong(u0, kappa, cap):
            n = u0.shape[0]
            u = u0.copy()
            un = np.empty_like(u)
            for step in range(5):
                for i in range(n):
                    lap = u[(i + 1) % n] - 2.0 * u[i] + u[(i - 1) % n]
                    un[i] = min(u[i] + kappa * lap, cap)
                u, un = un, u
            return np.sum(u * u) + un[0]
    """, (np.array([0.3, -1.2, 0.8, 1.7, -0.1, 0.55]), 0.2, 1.1)),
    "rotation_2d": ("""
        def rotation_2d(A, w):
            a = A.copy()
            b = np.zeros_like(a)
            c = np.ones_like(a)
            for step in range(3):
                for i in range(a.shape[0]):
                    for j in range(a.shape[1]):
                        b[i, j] = abs(a[i, j] - w * c[i, j])
                a, b, c = b, c, a
            return np.sum(a * b) + np.sum(c)
    """, (np.array([[0.3, -1.2, 0.8], [1.0, 0.5, -0.25]]), 0.7)),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_rebinding_is_differentiated(tmp_path, name):
    text, args = PROGRAMS[name]
    check(_load(tmp_path, text, name), args, "python")


def test_rebinding_in_a_branch_is_refused(tmp_path):
    fn = _load(tmp_path, """
        def branchy(w, c):
            r = w - c
            if c[0] > 0.0:
                r = np.abs(r)
            return np.sum(r)
    """, "branchy")
    with pytest.raises(nsadc.NsadcError, match="only in straight-line code"):
        nsadc.differentiate(fn, target="python")


def test_a_view_written_through_is_refused(tmp_path):
    fn = _load(tmp_path, """
        def written(X, w):
            n, d = X.shape
            r = X[0]
            r[0] = 1.0
            return np.sum(r * w)
    """, "written")
    with pytest.raises(nsadc.NsadcError, match="view of X"):
        nsadc.differentiate(fn, target="python")


def test_an_allocation_in_a_loop_of_unknown_shape_is_refused(tmp_path):
    fn = _load(tmp_path, """
        def growing(x):
            s = 0.0
            for k in range(1, 4):
                h = np.zeros(k)
                for j in range(k):
                    h[j] = x[j]
                s += np.sum(h)
            return s
    """, "growing")
    with pytest.raises(nsadc.NsadcError, match="inside a loop is not supported here"):
        nsadc.differentiate(fn, target="python")


def test_swapping_an_argument_or_arrays_of_unknown_shapes_is_refused(tmp_path):
    arg = _load(tmp_path, """
        def swaps_argument(u0, v):
            u = u0.copy()
            u, v = v, u
            return np.sum(u) + v[0]
    """, "swaps_argument")
    with pytest.raises(nsadc.NsadcError, match="one of them is an argument"):
        nsadc.differentiate(arg, target="python").grad(np.ones(3), np.ones(3))
    shapes = _load(tmp_path, """
        def swaps_shapes(x):
            u = x.copy()
            v = np.zeros(3)
            u, v = v, u
            return np.sum(u)
    """, "swaps_shapes")
    with pytest.raises(nsadc.NsadcError, match="one shape"):
        nsadc.differentiate(shapes, target="python").grad(np.ones(4))
