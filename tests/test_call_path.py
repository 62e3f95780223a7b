"""The repeated call: after the first call with arguments of given kinds,
grad / value_and_grad / vjp / the primal skip the checks that depend on the
kinds only.  What depends on the values is still checked on every call, and
arguments of other kinds take the full path."""

from __future__ import annotations


import numpy as np
import pytest

import nsadc
from helpers import load_function


def _load(tmp_path, text, name):
    return load_function(tmp_path, text, name)


HINGE = """
    def hinge(w, X, y, n):
        s = 0.0
        for i in range(n):
            m = 0.0
            for j in range(X.shape[1]):
                m += X[i, j] * w[j]
            s += max(0.0, 1.0 - y[i] * m)
        return s
"""


@pytest.fixture(params=["python", pytest.param("cpu", marks=pytest.mark.slow)])
def hinge(tmp_path, request):
    return nsadc.differentiate(_load(tmp_path, HINGE, "hinge"), wrt=(0,), target=request.param)


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=3), rng.normal(size=(6, 3)), np.sign(rng.normal(size=6))


def test_the_repeated_call_gives_the_first_calls_results(hinge):
    w, X, y = _data()
    first = hinge.value_and_grad(w, X, y, 6)
    again = hinge.value_and_grad(w, X, y, 6)
    assert first[0] == again[0] and np.array_equal(first[1], again[1])
    assert np.array_equal(hinge.grad(w, X, y, 6), first[1])
    assert hinge(w, X, y, 6) == first[0]
    value, (g,) = hinge.vjp((w, X, y, 6), 2.0)
    assert value == first[0] and np.allclose(g, 2.0 * first[1])
    assert len(hinge._fast_paths) == 1


def test_values_are_still_checked_on_the_repeated_call(hinge):
    w, X, y = _data()
    hinge.grad(w, X, y, 6)
    with pytest.raises(nsadc.ArgumentError):
        hinge.grad(w, X, y, 2 ** 70)  # an int out of range: the full path says why
    with pytest.raises(nsadc.ArgumentError):
        hinge.vjp((w, X, y, 6), "a cotangent")


def test_other_kinds_take_the_full_path(hinge):
    w, X, y = _data()
    hinge.grad(w, X, y, 6)
    g32 = hinge.grad(w.astype(np.float32), X.astype(np.float32), y.astype(np.float32), 6)
    assert g32.dtype == np.float32 or hinge.target == "python"
    with pytest.raises(nsadc.ArgumentError):
        hinge.grad(w, X[0], y, 6)  # a 1-D X for a 2-D use
    assert np.allclose(hinge.grad(w, X, y, np.int64(6)), hinge.grad(w, X, y, 6))


def test_a_read_only_array_the_function_writes_is_refused_after_a_good_call(tmp_path):
    fn = _load(tmp_path, """
        def clip_in_place(a, w):
            for i in range(a.shape[0]):
                a[i] = min(max(a[i], -1.0), 1.0)
            return w * a[0]
    """, "clip_in_place")
    d = nsadc.differentiate(fn, wrt=(1,), target="python")
    a = np.array([0.5, 2.0])
    d.grad(a.copy(), 0.3)
    frozen = a.copy()
    frozen.flags.writeable = False
    with pytest.raises(nsadc.ArgumentError, match="read-only"):
        d.grad(frozen, 0.3)


def test_shapes_are_still_checked_for_whole_array_code(tmp_path):
    fn = _load(tmp_path, """
        def residual(w, X, y):
            return np.sum(np.abs(X @ w - y))
    """, "residual")
    d = nsadc.differentiate(fn, wrt=(0,), target="python")
    w, X, y = _data()
    d.grad(w, X, y)
    with pytest.raises(nsadc.ArgumentError):
        d.grad(w, X, y[:4])
