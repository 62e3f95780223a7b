"""A loop that reads an element before its first (``a[t - 1]`` at ``t = 0``
is ``a[-1]``, the last) which a later iteration overwrites: the reverse
sweep must re-read the value the first iteration read, not the overwritten
one.  It re-read the overwritten one (a wrong gradient, 0.75 where 0.5 is
right) until the planner stopped taking ``t - 1`` and ``t`` apart where
``t - 1`` may fall below 0.  Gradients against central differences on
both targets."""

import numpy as np
import pytest

import nsadc
from helpers import central_differences


def rows_wrapped(x):
    T = 5
    n = x.shape[0]
    A = np.zeros((T, n))
    for i in range(n):
        A[T - 1, i] = x[i]
    for t in range(T):
        for i in range(n):
            A[t, i] = max(A[t - 1, i], 0.5 * x[i]) + 0.1 * t
    return A[T - 1, 0] + A[T - 2, n - 1]


def ring_filter(x):
    """A filter whose state before the first sample is the buffer's last slot."""
    n = x.shape[0]
    a = np.zeros(n)
    a[n - 1] = x[0]
    for t in range(n):
        a[t] = max(0.5 * a[t - 1], x[t]) + 0.1
    s = 0.0
    for t in range(n):
        s += a[t] * a[t]
    return s


def wrapped_column(x):
    """The wrap in the inner loop's index: column -1 is the last column."""
    n = x.shape[0]
    B = np.zeros((3, n))
    for j in range(n):
        B[0, j] = x[j]
    for r in range(1, 3):
        for j in range(n):
            B[r, j] = abs(B[r - 1, j] - 0.3 * B[r, j - 1]) + x[j]
    return B[2, 0] + 0.5 * B[2, n - 1]


def not_wrapped(x):
    """The same recursion from t = 1: nothing wraps (the table stays restorable without tapes)."""
    T = 5
    n = x.shape[0]
    A = np.zeros((T, n))
    for i in range(n):
        A[0, i] = x[i]
    for t in range(1, T):
        for i in range(n):
            A[t, i] = max(A[t - 1, i], 0.5 * x[i]) + 0.1 * t
    return A[T - 1, 0] + A[T - 2, n - 1]


PROGRAMS = [rows_wrapped, ring_filter, wrapped_column, not_wrapped]


@pytest.mark.parametrize("fn", PROGRAMS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_wrapped_read_gets_the_value_it_read(fn, target):
    d = nsadc.differentiate(fn, target=target)
    for seed in range(4):
        x = np.random.default_rng(seed).standard_normal(5)
        (g,) = (d.grad(x),)
        np.testing.assert_allclose(g, central_differences(fn, (x,), 0), rtol=1e-5, atol=1e-6)
