"""Two arrays filled by one recurrence, one element each per step (an
Adams-Bashforth history ``ys[k] = ys[k - 1] + h * fs[k - 1]; fs[k] =
rate(ys[k])``), where only one reaches the result. The reverse of a step
reads two adjoint elements (``fs_bar[k]`` and ``ys_bar[k]``); the pass that
skips a step whose one incoming adjoint is zero took the first for the only
one and skipped the step where it was zero: the gradient was silently zero.
A step that reads a second adjoint element is no longer skipped."""

import numpy as np
import pytest

from helpers import check_program_gradient


def copied_history(y0):
    ys = np.zeros(3)
    fs = np.zeros(3)
    ys[0] = y0
    for k in range(1, 3):
        ys[k] = ys[k - 1] + fs[k - 1]
        fs[k] = ys[k]
    return ys[2]


def running_copy(u):
    n = u.shape[0]
    a = u.copy()
    w = np.zeros(n)
    for i in range(1, n):
        a[i] = a[i] + w[i - 1]
        w[i] = a[i]
    return a[n - 1] + 0.5 * np.sum(a)


def adams_bashforth(y0, lam, h, n):
    ys = np.zeros(n)
    fs = np.zeros(n)
    ys[0] = y0
    fs[0] = -lam * abs(y0)
    ys[1] = y0 + h * fs[0]
    fs[1] = -lam * abs(ys[1])
    for k in range(2, n):
        ys[k] = ys[k - 1] + h * (1.5 * fs[k - 1] - 0.5 * fs[k - 2])
        fs[k] = -lam * abs(ys[k]) + 0.1 * ys[k]
    return ys[n - 1] ** 2


def symplectic_euler(x0, v0, h, n):
    xs = np.zeros(n)
    vs = np.zeros(n)
    xs[0] = x0
    vs[0] = v0
    for k in range(1, n):
        vs[k] = vs[k - 1] - h * np.sin(xs[k - 1])
        xs[k] = xs[k - 1] + h * vs[k]
    return abs(vs[n - 1])


CASES = [
    (copied_history, (1.5,)),
    (running_copy, (np.array([1.0, 2.0, 3.0, -0.5]),)),
    (adams_bashforth, (0.8, 0.7, 0.1, 12)),
    (symplectic_euler, (0.4, 0.9, 0.1, 15)),
]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn, args", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_value_and_gradient(fn, args, target):
    check_program_gradient(fn, args, target)


def products_of_neighbours(u, nsteps):
    v = u.copy()
    n = v.shape[0]
    for k in range(nsteps):
        w = np.zeros(n - 1)  # a copy's length less one: known before the loop
        for i in range(n - 1):
            w[i] = v[i] * v[i + 1]
        v[0] += np.sum(np.abs(w))
    return v[0]


def trapezoid_with_spacing(y, h):
    return np.trapezoid(y, dx=h)


@pytest.mark.parametrize("fn, args", [
    (products_of_neighbours, (np.array([0.1, -0.2, 0.3, 0.4]), 2)),
    (trapezoid_with_spacing, (np.linspace(0.0, 1.0, 6) ** 2, 0.1)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_refusals_taken(fn, args):
    """Refused before: an array sized `n - 1` in a loop, with `n` the length of a
    copy ("its shape is not known"), and `dx=h` taken for an array argument."""
    check_program_gradient(fn, args, "python")
