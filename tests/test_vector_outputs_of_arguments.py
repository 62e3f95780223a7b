"""Functions that return an elementwise expression of several arguments
(``np.sqrt(a * a + b * b) - a - b``, a soft threshold ``np.sign(x) *
np.maximum(np.abs(x) - lam, 0.0)``) or stack such arrays: the code does not
show which argument is the array, so the call decides. They were refused at
the call ("x must be a scalar"), and ``np.stack`` at decoration ("needs
arrays of one number of dimensions")."""

import numpy as np
import pytest

import nsadc


def fischer_burmeister(a, b):
    return np.sqrt(a * a + b * b) - a - b


def soft_threshold(x, lam):
    return np.sign(x) * np.maximum(np.abs(x) - lam, 0.0)


def stacked(x, y):
    return np.stack((np.abs(x) * y, np.minimum(x, y)))


def _jacobian_by_differences(f, args, k, h=1e-6):
    base = np.asarray(f(*args))
    x = np.asarray(args[k], dtype=float)
    cols = []
    for i in range(x.size):
        up, down = [list(args), list(args)]
        e = np.zeros_like(x)
        e.flat[i] = h
        up[k], down[k] = x + e, x - e
        cols.append((np.asarray(f(*up)) - np.asarray(f(*down))) / (2 * h))
    return np.stack(cols, axis=-1).reshape(base.shape + x.shape)


rng = np.random.default_rng(7)
A, B = rng.standard_normal(4), rng.standard_normal(4)


@pytest.mark.parametrize("fn, args, k", [
    (fischer_burmeister, (A, B), 0), (fischer_burmeister, (A, B), 1),
    (soft_threshold, (A, 0.3), 0), (stacked, (A, B), 0), (stacked, (A, B), 1),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_jacobians(fn, args, k):
    d = nsadc.differentiate(fn, target="python")
    name = list(d.wrt)[k]
    forward = nsadc.differentiate(fn, wrt=(name,), target="python").jacfwd(*args)
    backward = nsadc.differentiate(fn, wrt=(name,), target="python").jacrev(*args)
    want = _jacobian_by_differences(fn, args, k)
    np.testing.assert_allclose(forward, want, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(backward, want, rtol=1e-6, atol=1e-8)
