"""Rows of arrays passed to helpers (``dot(w, X[i])``, ``fill(W, X[i], Z[i])``,
``f(A[i, :])``): the helper works on the row, and what it stores into a row
lands in the caller's array, as NumPy's view would have it.  A row the helper
reads is copied in; one it only stores into starts empty; a written row is
stored back after the call.  The rank of an argument passed only as a row
follows from the helper's use of it.  Gradients against central differences
on both targets; the emitted code keeps no copy of the matrix per row."""

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
