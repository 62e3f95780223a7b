"""Bitwise operators on ints, as Numba code uses them: halving a length with
``n >> 1`` (a Haar transform), a bit-reversal permutation (``(j << 1) | (k &
1)``), ``i & 1`` as a parity test, and the augmented forms (``m >>= 1``).
They carry no derivative (ints); gradients through the float values they
index or steer are checked against central differences on both targets. On
a float they are refused where they are applied, as Python raises there."""

import math

import numpy as np
import pytest

import nsadc
from helpers import check_program_gradient


def haar_energy(x):
    n = x.shape[0]
    a = x.copy()
    s = 0.0
    while n > 1:
        half = n >> 1
        for i in range(half):
            s += abs(a[2 * i] - a[2 * i + 1])
            a[i] = 0.5 * (a[2 * i] + a[2 * i + 1])
        n = half
    return s + a[0]


def bit_reversed(x):
    n = x.shape[0]
    bits = 0
    m = n
    while m > 1:
        m >>= 1
        bits += 1
    s = 0.0
    for i in range(n):
        j = 0
        k = i
        for b in range(bits):
            j = (j << 1) | (k & 1)
            k >>= 1
        s += (i + 1) * x[j] * x[j] + math.sin(x[j])
    return s


def odd_and_even(x):
    s = 0.0
    for i in range(x.shape[0]):
        if i & 1:
            s += x[i] ** 2
        elif (i ^ 2) < i:
            s -= max(x[i], 0.0)
        else:
            s += 0.5 * x[i]
    return s


CASES = [haar_energy, bit_reversed, odd_and_even]


@pytest.mark.parametrize("fn", CASES, ids=[f.__name__ for f in CASES])
def test_bitwise_ints_steer_and_index(fn):
    check_program_gradient(fn, (np.random.default_rng(3).normal(size=8),), "python")


@pytest.mark.slow
@pytest.mark.parametrize("fn", CASES, ids=[f.__name__ for f in CASES])
def test_bitwise_ints_steer_and_index_compiled(fn):
    check_program_gradient(fn, (np.random.default_rng(3).normal(size=8),), "cpu")


def shifted_float(x):
    return (x[0] * 2.0) >> 1


def test_a_bitwise_operator_on_a_float_is_refused_where_it_is_applied():
    with pytest.raises(nsadc.UnsupportedError, match="bitwise operator >> is applied to a float") as e:
        nsadc.differentiate(shifted_float, target="python").grad(np.ones(3))
    assert "test_bitwise.py:" in str(e.value)
