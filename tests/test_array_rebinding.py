"""A name may take a new array in straight-line code (``y = np.sort(y)``,
``r = np.abs(r)``, ``z = np.ones(n)`` after z was filled): later reads see the
new array, as in Python.  In a loop or a branch (``w = w * g / s``, ``x = x -
t * g``, ``w = tw.copy()`` to reset), an array the function made takes the
new values in place, through a work array where the value reads it other
than element by element; a name bound to a helper's new array or to another
array (``x, v = step(x, v)``, ``y = y_new``) takes its values; an argument
rebound so (``W = W - lr * g``) is the function's own copy of it from the
start, as is a helper's array parameter bound anew (``z = z - np.max(z)``);
a helper's argument written through and bound anew, an array another name
shares, or a value of another shape is refused.  ``n, d = X.shape`` tells X's rank, and so
do ``V = np.clip(X, a, b)`` and ``for x in X[i]`` once V or the row is used
as an array.  An array made in a loop from the arguments' shapes (``un =
u.copy()``, ``h = np.zeros(3)``) is one array filled again by each iteration.
A second name or a row view of an array that the function never writes
through (``S = price``, ``r_i = X[i]``) reads the same values.  Arrays the
function made trade names (``u, un = un, u``, ping-pong buffers) by trading
their elements."""

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
    "swap_from_two_arguments": ("""
        def swap_from_two_arguments(fuel0, ignition, rate):
            fuel = fuel0.copy()
            inten = ignition.copy()
            nxt = np.zeros_like(fuel0)
            for s in range(3):
                for i in range(fuel.shape[0]):
                    for j in range(fuel.shape[1]):
                        heat = inten[(i + 1) % fuel.shape[0], j] + inten[i, (j - 1) % fuel.shape[1]]
                        b = min(rate * max(heat - 0.2, 0.0) * fuel[i, j] + 0.3 * inten[i, j], fuel[i, j])
                        nxt[i, j] = b
                        fuel[i, j] -= b
                inten, nxt = nxt, inten
            return np.sum(fuel0 - fuel) + 0.1 * np.sum(inten)
    """, (np.array([[1.0, 0.8, 1.2], [0.9, 1.1, 0.7]]), np.array([[0.0, 0.9, 0.0], [0.4, 0.0, 0.05]]), 0.6)),
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
    "drifting_weights": ("""
        def drifting_weights(R, tw, band):
            w = tw.copy()
            wealth = 0.0
            for t in range(R.shape[0]):
                growth = 1.0 + R[t]
                port = np.dot(w, growth)
                w = w * growth / port
                wealth += math.log(port)
                if np.max(np.abs(w - tw)) > band:
                    wealth += math.log(1.0 - 0.01 * np.sum(np.abs(tw - w)))
                    w = tw.copy()
            return -wealth
    """, (np.array([[0.02, -0.01, 0.03], [0.05, -0.04, 0.0], [-0.03, 0.06, 0.01], [0.01, 0.02, -0.05]]),
          np.array([0.5, 0.3, 0.2]), 0.015)),
    "halving_descent": ("""
        def halving_descent(A, b, x0, lam):
            x = x0.copy()
            for it in range(4):
                r = A @ x - b
                g = A.T @ np.sign(r) + lam * x
                f = np.sum(np.abs(r)) + 0.5 * lam * np.dot(x, x)
                t = 1.0
                while np.sum(np.abs(A @ (x - t * g) - b)) + 0.5 * lam * np.dot(x - t * g, x - t * g) > f \\
                        and t > 1e-3:
                    t *= 0.5
                x = x - t * g
            return np.sum(np.abs(A @ x - b)) + 0.5 * lam * np.dot(x, x)
    """, (np.array([[1.0, 0.3], [0.2, -1.1], [0.7, 0.4]]), np.array([0.33, -0.71, 0.52]),
          np.array([0.1, -0.2]), 0.3)),
    "power_steps": ("""
        def power_steps(A, w0):
            w = w0.copy()
            for k in range(3):
                w = A @ w
                w = w / np.sqrt(np.dot(w, w))
                w = np.maximum(w, -0.5)
            return np.sum(w * w0)
    """, (np.array([[2.0, 0.3, -0.2], [0.3, 1.0, 0.5], [-0.2, 0.5, 1.5]]), np.array([0.4, -0.9, 0.6]))),
    "mirrored_mix": ("""
        def mirrored_mix(x):
            w = x.copy()
            for k in range(3):
                w = 0.5 * (w + w[::-1]) + np.abs(w)
            return np.sum(w * x)
    """, (np.array([0.3, -1.2, 0.8, 1.7]),)),
    "abs_in_a_branch": ("""
        def abs_in_a_branch(w, c):
            r = w - c
            if c[0] > 0.0:
                r = np.abs(r)
            return np.sum(r * r * r)
    """, (np.array([0.3, -1.2, 0.8]), np.array([2.0, -1.0, 0.45]))),
    "clipped_rows": ("""
        def clipped_rows(X, var):
            v = np.clip(var, 0.1, 2.0)
            s = 0.0
            for k in range(v.shape[0]):
                s += np.sum(np.log(v[k])) + np.dot(X[k], v[k])
            return s
    """, (np.array([[0.3, -1.2], [0.8, 1.7], [0.5, 0.4]]), np.array([[0.05, 1.2], [2.5, 0.7], [1.1, 0.3]]))),
    "row_elements": ("""
        def row_elements(X, d):
            loss = 0.0
            for g in range(X.shape[0]):
                row = X[g]
                mu = np.mean(row)
                for x in row:
                    loss += abs(x - mu) * d
            return loss
    """, (np.array([[0.3, -1.2, 0.8], [1.0, 0.5, -0.25]]), 0.7)),
    # a helper's new arrays bound to names that already hold arrays, in a loop (each step
    # reads the last step's arrays: the values go into them), and in straight-line code
    "stepped_by_helper": ("""
        def _leapfrog(x, v, dt):
            a = -np.sign(x) * np.minimum(np.abs(x), 1.0)
            v2 = v + dt * a
            x2 = x + dt * v2
            return x2, v2

        def stepped_by_helper(x0, v0, dt):
            x = x0.copy()
            v = v0.copy()
            for k in range(5):
                x, v = _leapfrog(x, v, dt)
            return np.sum(x * x) + np.sum(np.abs(v))
    """, (np.array([0.3, -1.2, 2.0]), np.array([0.1, 0.2, -0.4]), 0.1)),
    "one_helper_step": ("""
        def _leapfrog(x, v, dt):
            a = -np.sign(x) * np.minimum(np.abs(x), 1.0)
            v2 = v + dt * a
            x2 = x + dt * v2
            return x2, v2

        def one_helper_step(x0, v0, dt):
            x = x0.copy()
            v = v0.copy()
            x, v = _leapfrog(x, v, dt)
            return np.sum(x * x) + np.sum(np.abs(v))
    """, (np.array([0.3, -1.2, 2.0]), np.array([0.1, 0.2, -0.4]), 0.1)),
    # y = y_new: the new iterate, a name of its own in each iteration
    "weiszfeld_steps": ("""
        def weiszfeld_steps(P, w):
            y = (w @ P) / np.sum(w)
            for it in range(6):
                d = np.maximum(np.sqrt(np.sum((P - y) ** 2, axis=1)), 0.05)
                c = w / d
                y_new = (c @ P) / np.sum(c)
                if np.linalg.norm(y_new - y) < 1e-12:
                    y = y_new
                    break
                y = y_new
            return np.sum(y * y) + np.dot(w, d)
    """, (np.array([[0.3, -1.2], [0.8, 1.7], [0.5, 0.4], [-0.9, 0.2]]), np.array([1.0, 0.5, 2.0, 0.7]))),
    # an argument updated by gradient steps: the function works on its own copy
    "argument_steps": ("""
        def argument_steps(W, X, y, lr):
            for s in range(4):
                r = X @ W - y
                W = W - lr * (X.T @ np.sign(r))
            return np.sum(np.abs(X @ W - y))
    """, (np.array([0.3, -1.2, 2.0]), np.random.default_rng(0).normal(size=(6, 3)),
          np.random.default_rng(1).normal(size=6), 0.05)),
    # np.diff inside an expression, the dual variable clipped in place each step
    "clipped_dual": ("""
        def clipped_dual(y, lam):
            p = np.zeros(y.shape[0] - 1)
            x = y.copy()
            for it in range(8):
                x = y.copy()
                x[:-1] += p
                x[1:] -= p
                p = np.clip(p + 0.25 * np.diff(x), -lam, lam)
            return np.dot(x, x)
    """, (np.array([0.3, -1.2, 0.8, 1.7, -0.1, 0.55]), 0.3)),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_rebinding_is_differentiated(tmp_path, name):
    text, args = PROGRAMS[name]
    check(_load(tmp_path, text, name), args, "python")


def test_arguments_rebound_in_a_loop_are_left_as_they_were(tmp_path):
    text, args = PROGRAMS["argument_steps"]
    kept = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    nsadc.differentiate(_load(tmp_path, text, "argument_steps"), target="python").grad(*args)
    assert all(np.array_equal(a, b) for a, b in zip(args, kept) if isinstance(a, np.ndarray))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["drifting_weights", "halving_descent", "power_steps", "mirrored_mix",
                                  "stepped_by_helper", "weiszfeld_steps", "argument_steps", "clipped_dual"])
def test_rebinding_in_a_loop_compiles(tmp_path, name):
    text, args = PROGRAMS[name]
    check(_load(tmp_path, text, name), args, "cpu")


def test_a_value_reading_other_elements_goes_through_a_work_array(tmp_path):
    """``w = A @ w`` and ``w + w[::-1]`` read w where they write it: computed
    into a work array first; ``w = w / s`` is written in place."""
    text, args = PROGRAMS["mirrored_mix"]
    src = nsadc.differentiate(_load(tmp_path, text, "mirrored_mix"), target="python").source("forward", *args)
    assert "w_new" in src
    text, args = PROGRAMS["drifting_weights"]
    src = nsadc.differentiate(_load(tmp_path, text, "drifting_weights"), target="python").source("forward", *args)
    assert "w_new" not in src


def test_new_values_for_a_helper_argument_a_shared_array_or_another_shape_are_refused(tmp_path):
    argument = _load(tmp_path, """
        def _steps(x, g):
            x[0] = 1.0
            for k in range(3):
                x = x - 0.1 * g
            return np.sum(x * x)

        def helper_argument_steps(x, g):
            return _steps(x, g)
    """, "helper_argument_steps")
    with pytest.raises(nsadc.NsadcError, match="writes into its array parameter 'x' and also binds it anew"):
        nsadc.differentiate(argument, target="python").grad(np.ones(3), np.ones(3))
    shared = _load(tmp_path, """
        def shared_steps(x):
            w = x.copy()
            y = w
            for k in range(3):
                w = w * 0.5
            return np.sum(w * y)
    """, "shared_steps")
    with pytest.raises(nsadc.NsadcError, match="second name"):
        nsadc.differentiate(shared, target="python").grad(np.ones(3))
    shape = _load(tmp_path, """
        def other_shape(x):
            w = np.zeros(3)
            for k in range(3):
                w = np.ones(4) * x[k]
            return np.sum(w)
    """, "other_shape")
    with pytest.raises(nsadc.NsadcError, match="shapes do not match"):
        nsadc.differentiate(shape, target="python").grad(np.ones(3))


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


def test_swapping_an_argument_or_arrays_of_other_shapes_is_refused(tmp_path):
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
    # the shapes are the arguments': checked before the call, refused where they differ
    with pytest.raises(nsadc.ArgumentError, match=r"u, v = v, u .* needs 3 == x.shape\[0\]"):
        nsadc.differentiate(shapes, target="python").grad(np.ones(4))
    ranks = _load(tmp_path, """
        def swaps_ranks(x, y):
            u = x.copy()
            v = y.copy()
            u, v = v, u
            return np.sum(u)
    """, "swaps_ranks")
    with pytest.raises(nsadc.NsadcError, match="one shape"):
        nsadc.differentiate(ranks, target="python").grad(np.ones(4), np.ones((2, 2)))


SHRINKING = """
def shrinking_for(x):
    y = x.copy()
    for k in range(2):
        n = y.shape[0]
        z = np.empty(n - 1)
        for i in range(n - 1):
            z[i] = y[i + 1] * 2.0
        y = z
    return y


def shrinking_while(x):
    y = x.copy()
    while y.shape[0] > 2:
        n = y.shape[0]
        z = np.empty(n - 1)
        for i in range(n - 1):
            z[i] = max(y[i], y[i + 1])
        y = z
    return y


def doubling(x):
    y = x.copy()
    for k in range(2):
        n = y.shape[0]
        z = np.empty(2 * n)
        for i in range(2 * n):
            z[i] = y[i // 2] * 0.5
        y = z
    return np.sum(y * y)
"""


@pytest.mark.parametrize("name", ["shrinking_for", "shrinking_while"])
def test_a_name_whose_length_moves_with_the_loop_is_refused(tmp_path, name):
    # one array per name, filled again, kept the first length: the values of a longer array (and a
    # while loop over the shrinking length never ended)
    fn = load_function(tmp_path, "import numpy as np\n" + SHRINKING, name)
    with pytest.raises(nsadc.UnsupportedError, match=r"whose length differs from the one it holds"):
        nsadc.differentiate(fn, target="python").jvp((np.arange(5.0),), (np.ones(5),))


def test_a_length_that_may_differ_is_checked_on_every_call(tmp_path):
    # the vector output's jvp and the call skipped the check that the function returning a number had
    fn = load_function(tmp_path, "import numpy as np\n" + SHRINKING, "doubling")
    with pytest.raises(nsadc.ArgumentError, match=r"y = z .* needs"):
        nsadc.differentiate(fn, target="python").grad(np.arange(5.0))
