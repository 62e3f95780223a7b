"""``while`` loops that only count, differentiated as the ``for`` loops they
are: a Gauss-Seidel sweep written with ``i = 1; while i < n - 1: ...; i +=
1`` that overwrites what it reads (refused as a ``while`` loop: its reverse
kept no old elements), a countdown by two with ``>=``, sweeps in either
direction with ``while i != i1: ...; i += di``, the counter read after the
loop (the value the ``while`` loop leaves, not the last iteration's).  Loops
that do not only count (a float counter, a ``break``, a counter the body
changes) stay ``while`` loops."""

import numpy as np
import pytest

import nsadc
from helpers import check_program_gradient


def gauss_seidel(b, w):
    n = b.shape[0]
    u = np.zeros(n)
    for sweep in range(4):
        i = 1
        while i < n - 1:
            u[i] = 0.5 * (u[i - 1] + u[i + 1]) + w * b[i] - 0.1 * abs(u[i])
            i += 1
    return np.sum(u * u)


def down_by_two(x, t):
    s = 0.0
    j = x.shape[0] - 1
    while j >= 0:
        s += max(x[j] - t, 0.0) * x[j]
        j -= 2
    return s + j


def relax(x, c, di):
    n = x.shape[0]
    y = x * c
    i = 1 if di > 0 else n - 2
    i1 = n if di > 0 else -1
    while i != i1:
        y[i] = 0.5 * y[i] + 0.5 * abs(y[i - di] - 0.2)
        i += di
    return np.sum(y * y) + i


def float_clock(x, dt):
    t = 0.0
    s = 0.0
    k = 0
    while t < 1.0:
        s += abs(x[k % x.shape[0]] - t) * dt
        t += dt
        k += 1
    return s


def changes_its_counter(x, t):
    s = 0.0
    i = 0
    while i < x.shape[0]:
        s += max(x[i], t)
        if x[i] > 0.5:
            i += 1
        i += 1
    return s


rng = np.random.default_rng(5)
X = rng.random(9)
CASES = [(gauss_seidel, (X, 0.3)), (down_by_two, (X, 0.4)), (down_by_two, (X[:8], 0.4)),
         (relax, (X, 0.8, 1)), (relax, (X, 0.8, -1)), (float_clock, (X, 0.07)),
         (changes_its_counter, (X, 0.4))]


@pytest.mark.parametrize("fn, args", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_value_and_gradient(fn, args):
    check_program_gradient(fn, args, "python")


@pytest.mark.slow
@pytest.mark.parametrize("fn, args", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_compiled(fn, args):
    check_program_gradient(fn, args, "cpu")


@pytest.mark.parametrize("fn, args, loops", [
    (gauss_seidel, (X, 0.3), "for"), (down_by_two, (X, 0.4), "for"), (relax, (X, 0.8, -1), "for"),
    (float_clock, (X, 0.07), "while"), (changes_its_counter, (X, 0.4), "while")])
def test_which_loops_count(fn, args, loops):
    wrt = [p for p, a in zip(fn.__code__.co_varnames, args) if isinstance(a, (float, np.ndarray))]
    text = nsadc.differentiate(fn, wrt=wrt, target="python").source("forward", *args)
    body = text[text.index("def "):]
    assert ("while " in body) == (loops == "while")
