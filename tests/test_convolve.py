"""``np.convolve(a, v, mode)`` of 1-D float arrays, in its three modes, with
either operand the longer, of expressions and inside loops: each element the
sum of ``a[i - j] * v[j]`` over the ``j`` that keep ``i - j`` inside ``a``.
Checked against NumPy's values and central differences."""

from __future__ import annotations

import numpy as np
import pytest

import nsadc
from helpers import central_differences, load_function

TEXT = """
import numpy as np


def smoothed(x, k):
    y = np.convolve(x, k, mode="same")
    return np.sum(np.abs(y - x))


def moving_average(x, w: int):
    y = np.convolve(x, np.ones(w) / w, mode="valid")
    return np.max(y) + np.sum(y * y)


def full_energy(a, b):
    return np.sum(np.convolve(a, b) ** 2)


def kernel_first(a, b):
    return np.sum(np.convolve(b, a, "same") * np.arange(1.0, a.shape[0] + 1.0))


def in_a_loop(x, k):
    s = 0.0
    for t in range(3):
        y = np.convolve(x * (t + 1.0), k, mode="valid")
        s += np.sum(np.maximum(y, 0.0))
    return s
"""

_rng = np.random.default_rng(12)
x9, k3, a5, b2 = _rng.normal(size=9), _rng.normal(size=3), _rng.normal(size=5), _rng.normal(size=2)
CASES = {"smoothed": (x9, k3), "moving_average": (x9, 4), "full_energy": (a5, k3), "kernel_first": (a5, b2),
         "in_a_loop": (x9, k3)}


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("name", sorted(CASES))
def test_convolve(tmp_path, target, name):
    f = load_function(tmp_path, TEXT, name)
    args = CASES[name]
    value, grads = nsadc.differentiate(f, target=target).value_and_grad(*args)
    assert value == pytest.approx(f(*args), rel=1e-12)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for k, g in enumerate(grads):
        np.testing.assert_allclose(g, central_differences(f, args, k), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("n, m", [(6, 3), (6, 4), (3, 6), (1, 1), (2, 7)])
def test_the_modes_agree_with_numpy(tmp_path, mode, n, m):
    f = load_function(tmp_path, f"""
        def weighted(a, v):
            return np.sum(np.convolve(a, v, mode="{mode}") * np.arange(1.0, {max(n, m) + min(n, m)}.0)[:{
                {"full": n + m - 1, "same": max(n, m), "valid": max(n, m) - min(n, m) + 1}[mode]}])
        """, "weighted")
    a, v = _rng.normal(size=n), _rng.normal(size=m)
    value, (ga, gv) = nsadc.differentiate(f, target="python").value_and_grad(a, v)
    assert value == pytest.approx(f(a, v), rel=1e-12)
    np.testing.assert_allclose(ga, central_differences(f, (a, v), 0), rtol=1e-6, atol=1e-8)


def test_a_mode_that_is_not_a_string_is_refused(tmp_path):
    f = load_function(tmp_path, """
        def f(a, v, mode):
            return np.sum(np.convolve(a, v, mode))
        """, "f")
    with pytest.raises(nsadc.NsadcError, match=r"mode= of np.convolve\(\) must be the string"):
        nsadc.differentiate(f, target="python").grad(np.ones(3), np.ones(2), 1.0)
