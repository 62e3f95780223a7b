"""Helpers that return arrays, the way Numba libraries are structured
(tests/test_helper_arrays.py)."""

import math

import numpy as np


def _residual(w, X, y):
    return X @ w - y


def l1_fit(w, X, y):
    r = _residual(w, X, y)
    return np.sum(np.abs(r))


def _moments(x):
    m = np.mean(x)
    v = np.mean((x - m) ** 2)
    return m, v


def moment_loss(x):
    m, v = _moments(x)
    return m * m + math.sqrt(v + 1.0)


def _center(x):
    out = np.empty_like(x)
    mu = np.mean(x)
    for i in range(x.shape[0]):
        out[i] = x[i] - mu
    return out


def centered_hinge(x):
    c = _center(x)
    return np.sum(np.maximum(c, 0.0) ** 2)


def centered_inline(x):
    return np.sum(np.maximum(_center(x), 0.0) ** 2)


def centered_twice(x):
    c1 = _center(x)
    c2 = _center(c1 * 2.0)
    return np.sum(np.abs(c1 - c2))


def _split(x):
    pos = np.maximum(x, 0.0)
    neg = np.minimum(x, 0.0)
    return pos, neg


def asymmetric(x):
    p, n = _split(x)
    return np.sum(p * p) + 2.0 * np.sum(n * n)


def _same(x):
    return x


def passthrough(x):
    y = _same(x)
    return np.sum(y * y)


def _scaled(x, a):
    return x * a


def scaled_in_loop(x):
    s = 0.0
    for k in range(3):
        y = _scaled(x, 0.5 * k)
        s += np.sum(np.abs(y))
    return s


def _l1(x, a):
    t = x * a
    return np.sum(np.abs(t))


def helper_array_in_loop(x):
    """An array the helper makes, the helper called in a loop: one array per iteration."""
    s = 0.0
    for k in range(3):
        s += _l1(x, 0.5 * k + 0.1)
    return s


def written_result(x):
    y = _center(x)
    y[0] = 5.0
    return np.sum(y * x)


def _early(x):
    if x[0] > 0:
        return x * 2.0
    return x * 3.0


def early_array_return(x):
    return np.sum(_early(x))


def result_in_branch(x):
    if x[0] > 0:
        y = _center(x)
    else:
        y = _scaled(x, 2.0)
    return np.sum(y)


def _zero_first_then_scale(v):
    v[0] = 0.0
    v = v / (1.0 + np.sum(np.abs(v)))
    return v


def written_and_bound(x):
    y = x.copy()
    return np.sum(_zero_first_then_scale(y) * y)
