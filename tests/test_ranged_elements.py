"""Elements told apart by the ranges of the loops around them: in an
iteration of a factorisation's column loop, ``L[i, k]`` with ``k < j`` is
never the ``L[i, j]`` the iteration stores, and ``L[j, k]`` is never
``L[i, j]`` with ``i > j`` (transforms/reverse_plan.py, ``_other_element``).
The reverse then keeps each overwritten element on its own tape instead of
the whole matrix per column (n^3 memory).  Gradients against central
differences, on the factorisation and on drawn look-alikes whose ranges
overlap or not."""

import math

import numpy as np
import pytest

import nsadc
from helpers import central_differences, load_function


def cholesky_logdet(A):
    n = A.shape[0]
    L = np.zeros((n, n))
    for j in range(n):
        s = A[j, j]
        for k in range(j):
            s -= L[j, k] * L[j, k]
        L[j, j] = math.sqrt(s)
        for i in range(j + 1, n):
            s = A[i, j]
            for k in range(j):
                s -= L[i, k] * L[j, k]
            L[i, j] = s / L[j, j]
    out = 0.0
    for i in range(n):
        out += math.log(L[i, i]) + abs(L[i, 0])
    return 2.0 * out


def _spd(n, seed):
    B = np.random.default_rng(seed).standard_normal((n, n))
    return B @ B.T + n * np.eye(n)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_factorisation_keeps_elements_not_the_whole_matrix(target):
    A = _spd(5, 1)
    d = nsadc.differentiate(cholesky_logdet, target=target)
    np.testing.assert_allclose(d.grad(A), central_differences(cholesky_logdet, (A,), 0), rtol=1e-6, atol=1e-8)
    assert "kept whole" not in d.source("reverse", A)


def _random_nest(rng) -> str:
    """A column loop reading a band of earlier (or the same) columns and storing one."""
    lo = int(rng.integers(0, 2))  # the stored rows start at j + lo
    reach = int(rng.integers(-1, 2))  # the read columns run up to j + reach - 1 (overlapping when reach > 0)
    col = int(rng.integers(0, 2))  # the stored column, j + col
    band = f"max(j + {reach}, 0)" if rng.random() < 0.6 else f"j + {reach + 1}, n"  # before j, or after
    return (f"def nest(A):\n    n = A.shape[0]\n    L = np.zeros((n, n + 2))\n"
            f"    for j in range(n):\n        for i in range(j + {lo}, n):\n            s = A[i, j]\n"
            f"            for k in range({band}):\n                s += 0.3 * math.tanh(L[i, k])\n"
            f"            L[i, j + {col}] = s * A[j, i]\n"
            f"    out = 0.0\n    for i in range(n):\n        for k in range(n):\n"
            f"            out += L[i, k] * L[i, k]\n    return out\n")


def test_random_bands_of_columns(tmp_path):
    rng = np.random.default_rng(20261207)
    for _ in range(12):
        text = _random_nest(rng)
        fn = load_function(tmp_path, text, "nest")
        A = rng.standard_normal((4, 4))
        g = nsadc.differentiate(fn, target="python").grad(A)
        np.testing.assert_allclose(g, central_differences(fn, (A,), 0), rtol=1e-5, atol=1e-7, err_msg=text)
