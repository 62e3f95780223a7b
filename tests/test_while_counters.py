"""`while` loops that step several counters together (two pointers, a
write position beside a read position, a weight that grows with the index).

The reverse sweep rebuilds each counter's value in every reversed iteration
from its last value, which the forward sweep pushes after the loop; the
last values must be popped in the reverse of their push order, or each
counter starts from another's last value (a wrong gradient, or an index
off the array).  Each program is checked against central differences on
both targets; each fails with the two pops swapped."""

import math

import numpy as np
import pytest

from helpers import check_program_gradient


def weights_from_a_second_counter(x):
    s = 0.0
    i = 2
    k = 0
    while i < x.shape[0]:
        s += x[i] * k
        i += 1
        k += 1
    return s


def steps_of_two(x):
    s = 0.0
    i = 0
    k = 0
    while i < x.shape[0]:
        s += x[i] * k
        k += 2
        i += 1
    return s


def pointers_inward(x):
    i = 0
    j = x.shape[0] - 1
    s = 0.0
    while i < j:
        s += x[i] * x[j] + math.sin(x[i])
        i += 1
        j -= 1
    return s


def reversed_into_a_buffer(x):
    out = np.zeros(4)
    i = 0
    k = 3
    while i < 4:
        out[k] = x[2 * i] - x[2 * i + 1]
        i += 1
        k -= 1
    return np.sum(out * np.arange(1, 5)) + out[0] ** 2


def ring_copy(x):
    n = x.shape[0]
    y = np.zeros(n)
    src = 0
    dst = n // 2
    while src < n:
        y[dst % n] = x[src] ** 2
        src += 1
        dst += 1
    return np.sum(y * np.arange(n))


def merge_sorted(x, y):
    n = x.shape[0]
    m = y.shape[0]
    out = np.zeros(n + m)
    i = 0
    j = 0
    k = 0
    while i < n and j < m:
        if x[i] <= y[j]:
            out[k] = x[i]
            i += 1
        else:
            out[k] = y[j]
            j += 1
        k += 1
    while i < n:
        out[k] = x[i]
        i += 1
        k += 1
    while j < m:
        out[k] = y[j]
        j += 1
        k += 1
    s = 0.0
    for t in range(n + m):
        s += out[t] * (t + 1)
    return s


def tail_from_the_last_positive(x):
    k = 0
    for i in range(x.shape[0]):
        if x[i] > 0:
            k = i
    s = 0.0
    j = k
    m = 0
    while j < x.shape[0]:
        s += x[j] * (m + 1)
        j += 1
        m += 1
    return s + x[k]


def three_counters(x):
    """A read position, a write position and a weight, each its own step."""
    out = np.zeros(x.shape[0])
    r = 0
    w = x.shape[0] - 1
    c = 0.5
    while r < x.shape[0]:
        out[w] = c * abs(x[r])
        r += 1
        w -= 1
        c += 0.25
    return np.sum(out * out)


RNG = np.random.default_rng(11)
CASES = [(weights_from_a_second_counter, (RNG.normal(size=7),)),
         (steps_of_two, (RNG.normal(size=6),)),
         (pointers_inward, (RNG.normal(size=8),)),
         (reversed_into_a_buffer, (RNG.normal(size=8),)),
         (ring_copy, (RNG.normal(size=8),)),
         (merge_sorted, (np.sort(RNG.normal(size=5)), np.sort(RNG.normal(size=4)))),
         (tail_from_the_last_positive, (RNG.normal(size=8),)),
         (three_counters, (RNG.normal(size=6),))]
IDS = [c[0].__name__ for c in CASES]


@pytest.mark.parametrize("fn, args", CASES, ids=IDS)
def test_counters_stepped_together(fn, args):
    check_program_gradient(fn, args, "python")


@pytest.mark.slow
@pytest.mark.parametrize("fn, args", CASES, ids=IDS)
def test_counters_stepped_together_compiled(fn, args):
    check_program_gradient(fn, args, "cpu")
