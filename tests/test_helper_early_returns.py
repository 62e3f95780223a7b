"""A helper that returns an array early (``if np.sum(a) <= lam: return
np.zeros_like(v)``, then more statements and ``return np.clip(v, -t, t)``)
is inlined as one ``if``/``else`` that binds its result on both paths (an
array made once, refilled by the path that runs).  Gradients against central
differences on both targets, with rows taking each path. Several early
returns (successive ``if``\ s, an ``if`` / ``elif`` / ``else`` chain) are
joined the same way; a return inside a loop is still refused with its
location."""

import numpy as np
import pytest

import nsadc
from test_regressions import check


def _shrink(v, lam):
    a = np.abs(v)
    if np.sum(a) <= lam:
        return np.zeros_like(v)
    t = lam / v.shape[0]
    return np.sign(v) * np.maximum(a - t, 0.0)


def shrink_rows(Y, lam, Xc):
    P = np.zeros_like(Y)
    for i in range(Y.shape[0]):
        P[i, :] = _shrink(Y[i, :], lam)
    E = P - Xc
    return 0.5 * np.sum(E * E) + lam * np.sum(np.abs(P))


def _scaled_or_shifted(v, c):
    if c > 0.0:
        w = v * c
        return w + 1.0
    u = np.abs(v)
    return u - c


def scaled_sum(v, c):
    return np.sum(_scaled_or_shifted(v, c) ** 2)


def _two_exits(v, c):
    if c > 1.0:
        return v * c
    if c < -1.0:
        return v - c
    return np.abs(v)


def two_exits(v, c):
    return np.sum(_two_exits(v, c) ** 2)


def _activation(z, kind):
    if kind == 0:
        return np.maximum(z, 0.0)
    elif kind == 1:
        return np.tanh(z)
    else:
        h = 0.1 * z
        return np.maximum(z, h)


def layer(x, W, kind: int):
    h = _activation(W @ x, kind)
    return np.sum(h * h)


def _first_above(v, c):
    for i in range(v.shape[0]):
        if v[i] > c:
            return v * c
    return np.abs(v)


def exit_in_a_loop(v, c):
    return np.sum(_first_above(v, c))


RNG = np.random.default_rng(5)
Y = np.array([[0.2, -0.1, 0.05], [1.5, -2.0, 0.7], [0.1, 0.1, -0.05], [-1.2, 0.4, 2.2]])
CASES = [
    (shrink_rows, (Y, 0.6, RNG.normal(size=(4, 3)))),
    (scaled_sum, (np.array([0.3, -1.2, 0.8]), 0.7)),
    (scaled_sum, (np.array([0.3, -1.2, 0.8]), -0.4)),
    *((two_exits, (np.array([0.3, -1.2, 0.8]), c)) for c in (2.0, -2.0, 0.5)),
    *((layer, (np.array([0.3, -1.2, 0.8]), RNG.normal(size=(4, 3)), k)) for k in (0, 1, 2)),
]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn, args", CASES, ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(CASES)])
def test_an_early_array_return_in_a_helper(fn, args, target):
    check(fn, args, target)


def test_the_rows_take_both_paths():
    sums = np.sum(np.abs(Y), axis=1)
    assert (sums <= 0.6).any() and (sums > 0.6).any()


def test_a_return_in_a_loop_is_refused_with_its_location():
    with pytest.raises(nsadc.NsadcError, match="returns an array before its last statement") as e:
        nsadc.differentiate(exit_in_a_loop, target="python").grad(np.ones(3), 2.0)
    assert "test_helper_early_returns.py:" in str(e.value)
