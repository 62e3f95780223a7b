"""Rows of arrays passed to helpers (``dot(w, X[i])``, ``fill(W, X[i], Z[i])``,
``f(A[i, :])``): the helper works on the row, and what it stores into a row
lands in the caller's array, as NumPy's view would have it.  A row the helper
reads is copied in; one it only stores into starts empty; a written row is
stored back after the call.  The rank of an argument passed only as a row
follows from the helper's use of it.  Gradients against central differences
on both targets; the emitted code keeps no copy of the matrix per row."""

import math

import numba
import numpy as np
import pytest

import nsadc
from helpers import central_differences


@numba.njit
def _dot(w, x):
    s = 0.0
    for j in range(x.shape[0]):
        s += w[j] * x[j]
    return s


@numba.njit
def _relu_layer(W, x, z):
    for r in range(z.shape[0]):
        s = 0.0
        for j in range(len(x)):
            s += W[r, j] * x[j]
        z[r] = s if s > 0.0 else 0.0


@numba.njit
def _scale_in_place(z, c):
    for j in range(z.shape[0]):
        z[j] = max(z[j] * c, -1.0)


def row_dots(w, X):
    s = 0.0
    for i in range(X.shape[0]):
        s += abs(_dot(w, X[i, :])) ** 1.5
    return s


def layer_rows(W, X):
    Z = np.zeros((X.shape[0], W.shape[0]))
    for i in range(X.shape[0]):
        _relu_layer(W, X[i], Z[i])
    return np.sum(Z * Z)


def rows_scaled_in_place(X, c):
    Y = X.copy()
    for i in range(Y.shape[0]):
        _scale_in_place(Y[i], c * (i + 1))
    return np.sum(Y * Y)


_rng = np.random.default_rng(8)
CASES = [
    (row_dots, (_rng.normal(size=3), _rng.normal(size=(5, 3)))),
    (layer_rows, (_rng.normal(size=(4, 3)), _rng.normal(size=(5, 3)))),
    (rows_scaled_in_place, (_rng.normal(size=(4, 3)), 0.7)),
]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn, args", CASES, ids=[c[0].__name__ for c in CASES])
def test_rows_passed_to_helpers(fn, args, target):
    d = nsadc.differentiate(fn, target=target)
    value, g = d.value_and_grad(*args)
    assert value == pytest.approx(fn(*args), rel=1e-13)
    for k, gk in enumerate(g if isinstance(g, tuple) else (g,)):
        np.testing.assert_allclose(gk, central_differences(fn, args, k), rtol=1e-6, atol=1e-8)


def test_an_output_row_is_not_copied_in_and_the_matrix_is_not_kept_per_row():
    text = nsadc.differentiate(layer_rows, target="python").source("reverse", *CASES[1][1])
    assert "array_tape" not in text and "Z_elements" not in text
    assert "= Z[" not in text.split("# reverse sweep")[0].split("for i in range")[1].split("total = ")[0]


def _fill_twice(Z, z):
    for j in range(z.shape[0]):
        z[j] = Z[0, j] + 1.0


def passed_twice(X):
    Z = X.copy()
    _fill_twice(Z, Z[1])
    return np.sum(Z)


def test_an_array_passed_whole_and_as_a_written_row_is_refused():
    with pytest.raises(nsadc.UnsupportedError, match="passed twice") as e:
        nsadc.differentiate(passed_twice, target="python").grad(np.ones((3, 2)))
    assert "test_helper_rows.py:" in str(e.value)


@numba.njit
def _set_first(z, v):
    z[0] = v * v


@numba.njit
def _set_until(z, x):
    for r in range(z.shape[0]):
        if x[r] < 0.0:
            break
        z[r] = x[r] * 2.0


@numba.njit
def _set_prefix(w, z):
    for c in range(w.shape[0]):
        z[c] = w[c] * 2.0


def partly_written_rows(X):
    Y = X * 0.5
    for i in range(Y.shape[0]):
        _set_first(Y[i], X[i, 1])
        _set_until(Y[(i + 1) % Y.shape[0]], X[i])
    Z = X * 0.25
    for i in range(Z.shape[0]):
        _set_prefix(X[i, :2], Z[i])  # stores the first two elements of each row of three
    return np.sum(Y * Y) + np.sum(Z * Z * Z)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_row_the_helper_writes_in_part_keeps_its_other_elements(target):
    """Only a helper that stores every element (a loop over the row's length
    storing z[r] straight in its body, with no exit) may start from an empty
    row; the others copy the row in, so the elements they leave keep their values."""
    X = np.array([[0.3, -1.2, 0.8], [1.0, 0.5, -0.25], [0.7, 0.2, 0.4]])
    d = nsadc.differentiate(partly_written_rows, target=target)
    value, g = d.value_and_grad(X)
    assert value == pytest.approx(partly_written_rows(X), rel=1e-13)
    np.testing.assert_allclose(g, central_differences(partly_written_rows, (X,), 0), rtol=1e-6, atol=1e-8)


def _bump_then_read(Z, z):
    Z[0, 0] = Z[0, 0] + 1.0
    return z[0] * 2.0


def whole_written_row_read(X):
    Z = X.copy()
    return _bump_then_read(Z, Z[0])


def test_an_array_written_whole_and_read_as_a_row_in_one_call_is_refused():
    """NumPy's row would see the write through Z; a copy of it would not."""
    with pytest.raises(nsadc.UnsupportedError, match="passed twice") as e:
        nsadc.differentiate(whole_written_row_read, target="python").grad(np.ones((3, 2)))
    assert "test_helper_rows.py:" in str(e.value)


# ------------------------------------------------------------ rows read in inner loops


@numba.njit
def _manhattan(a, b):
    s = 0.0
    for k in range(a.shape[0]):
        s += abs(a[k] - b[k])
    return s


def pairwise_hinge(X, margin):
    """Every pair of rows through a helper: X[i] and X[j] copied in, two loops down."""
    n = X.shape[0]
    total = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            total += max(0.0, margin - _manhattan(X[i], X[j]))
    return total


@numba.njit
def _hit(dx, dz, center, r):
    b = dx * center[0] + dz * center[1]
    disc = b * b - (center[0] * center[0] + center[1] * center[1] - r * r)
    if disc <= 0.0:
        return -1.0
    return b - math.sqrt(disc)


def nearest_spheres(C, R, dirs):
    """The nearest hit over the circles per ray: the row C[k] copied in per ray and circle."""
    total = 0.0
    for i in range(dirs.shape[0]):
        dx = dirs[i, 0]
        dz = dirs[i, 1]
        best = 1e300
        for k in range(C.shape[0]):
            t = _hit(dx, dz, C[k], R[k])
            if 0.0001 < t < best:
                best = t
        if best < 1e300:
            total += best * best
    return total


_ANGLES = np.linspace(-0.6, 0.7, 9)
INNER_ROWS = [
    (pairwise_hinge, (np.random.default_rng(5).normal(size=(6, 3)), 2.5)),
    (nearest_spheres, (np.array([[0.3, 4.0], [-0.5, 6.0], [1.2, 5.0]]), np.array([1.0, 2.0, 1.5]),
                       np.stack([np.sin(_ANGLES), np.cos(_ANGLES)], axis=1))),
]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn, args", INNER_ROWS, ids=[c[0].__name__ for c in INNER_ROWS])
def test_a_row_copied_in_inside_inner_loops_keeps_no_tape(fn, args, target):
    """The copy of a row a helper reads is filled before each call reads it: the
    reverse fills it again as it re-runs the call, so no store into the copy is
    taped, however deep the loops around the call."""
    d = nsadc.differentiate(fn, target=target)
    g = d.grad(*args)
    g = g if isinstance(g, tuple) else (g,)
    floats = [k for k, a in enumerate(args) if isinstance(a, np.ndarray) or isinstance(a, float)]
    for got, k in zip(g, floats):
        np.testing.assert_allclose(got, central_differences(fn, args, k), rtol=1e-6, atol=1e-8)
    assert "_elements" not in d.source("reverse", *args)
