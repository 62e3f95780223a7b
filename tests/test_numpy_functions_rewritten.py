"""NumPy functions written with the ones nsadc differentiates: a one-sided
``np.clip(x, None, hi)`` (``np.minimum``), the method ``x.clip(lo, hi)``,
``np.mod`` / ``np.remainder`` (``%``), ``np.ptp`` (max - min), ``np.average``
(with ``weights=``: a weighted mean), ``np.heaviside`` (a step: no derivative,
``x2`` at 0) and ``np.median`` of a 1-D array (the middle of its sorted values,
the mean of the two middle ones for an even length). Each was refused."""

import numpy as np
import pytest

from helpers import check_program_gradient

def one_sided(x, hi):
    return np.sum(np.clip(x, None, hi) ** 2) + np.sum(np.clip(x, 0.1, None))


def method_clip(x, lo, hi):
    y = x.clip(lo, hi)
    return np.sum(y * y) + np.sum((2.0 * x).clip(-1.0, 1.0))


def wrap(x, L):
    return np.sum(np.mod(x * 3.0, L) ** 2) + np.sum(np.remainder(x, 0.7))


def spread(x):
    return np.ptp(x) + np.ptp(x * x)


def avg(x, w):
    return np.average(x * x, weights=w) + np.average(np.abs(x))


def step(x, h):
    return np.sum(np.heaviside(x, 0.5) * x) + np.sum(np.heaviside(x - h, 0.5))


def mad(x):
    m = np.median(x)
    return np.median(np.abs(x - m)) + m


def scalar_clip(a, lo):
    s = 0.0
    for i in range(3):
        s += np.clip(a * i, lo, None)
    return s


rng = np.random.default_rng(0)
X, W = rng.standard_normal(7), rng.random(7) + 0.1
CASES = [(one_sided, (X, 0.5)), (method_clip, (X, -0.3, 0.6)), (wrap, (X, 1.3)), (spread, (X,)),
         (avg, (X, W)), (step, (X, 0.2)), (mad, (X,)), (mad, (rng.standard_normal(8),)), (scalar_clip, (0.7, 0.2))]


@pytest.mark.parametrize("fn, args", CASES, ids=[f"{f.__name__}-{k}" for k, (f, _) in enumerate(CASES)])
def test_value_and_gradient(fn, args):
    check_program_gradient(fn, args, "python")


@pytest.mark.slow
@pytest.mark.parametrize("fn, args", CASES[:3] + CASES[6:7], ids=lambda v: getattr(v, "__name__", ""))
def test_compiled(fn, args):
    check_program_gradient(fn, args, "cpu")


def weighted_by_magnitudes(r, w):
    ww = np.abs(w)
    return np.average(r * 2.0, weights=ww)


def test_weights_named_from_an_argument():
    """``weights=ww`` with ``ww = np.abs(w)`` shows w is an array (it was
    refused at the call: "w must be a scalar")."""
    check_program_gradient(weighted_by_magnitudes, (X, W - 0.5), "python")
