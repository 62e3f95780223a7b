"""A slice assignment takes a number or an array, as NumPy does: ``th[:] =
theta0`` resets a work array from a parameter that the caller may pass as a
scalar (every element) or as an array of the slice's shape.  The text does
not say which, so the first call's argument decides.  Gradients against
central differences on both targets, for both kinds of argument."""

import numpy as np
import pytest

import nsadc
from test_regressions import central_differences


def restart_from(theta0, w, n_iter):
    th = np.empty(w.shape[0])
    s = 0.0
    for t in range(3):
        th[:] = theta0
        for it in range(n_iter):
            for k in range(w.shape[0]):
                th[k] = max(th[k] * w[k], -0.5)
        for k in range(w.shape[0]):
            s += th[k] * th[k]
    return s


def padded(theta0, w):
    th = np.zeros(w.shape[0] + 2)
    th[1:-1] = theta0
    s = 0.0
    for k in range(1, w.shape[0] + 1):
        s += abs(th[k] - th[k - 1]) * w[k - 1]
    return s


def _cases():
    rng = np.random.default_rng(0)
    w = rng.standard_normal(4)
    return [("restart_from array", restart_from, (rng.standard_normal(4), w, 2)),
            ("restart_from number", restart_from, (0.7, w, 2)),
            ("padded array", padded, (rng.standard_normal(4), w)),
            ("padded number", padded, (0.3, w))]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("case", range(4))
def test_slice_value_from_a_parameter(case, target):
    _, fn, args = _cases()[case]
    g = nsadc.differentiate(fn, wrt=("theta0", "w"), target=target).grad(*args)
    want = central_differences(fn, args, (0, 1))
    assert len(g) == len(want) == 2
    for got, expected in zip(g, want):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def test_a_value_of_another_shape_is_refused():
    rng = np.random.default_rng(1)
    d = nsadc.differentiate(padded, wrt=("theta0", "w"), target="python")
    with pytest.raises(nsadc.NsadcError):
        d.grad(rng.standard_normal(3), rng.standard_normal(4))
