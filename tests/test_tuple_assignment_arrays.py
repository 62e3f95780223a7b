"""Tuple assignments in which arrays take part (``x_old, x = x, x_new``,
``x, v = x + dt * v, v - dt * x``): each name is bound as if written one
by one, in an order that lets every value read the names as they were
(a value that another one's name would overwrite first is held under a name
of its own). They were refused as "x holds an array; it cannot be given a
scalar value"."""

import numpy as np
import pytest

from helpers import check_program_gradient


def momentum_pair(x0, dt, n):
    x = x0.copy()
    x_old = x0.copy()
    for k in range(n):
        x_new = x + 0.5 * (x - x_old) - dt * np.maximum(x, 0.0)
        x_old, x = x, x_new
    return np.sum(x * x)


def momentum_pair_other_order(x0, dt, n):
    x = x0.copy()
    x_old = x0.copy()
    for k in range(n):
        x_new = x + 0.5 * (x - x_old) - dt * np.maximum(x, 0.0)
        x, x_old = x_new, x
    return np.sum(x * x)


def symplectic_step(x0, v0, dt, n):
    x = x0.copy()
    v = v0.copy()
    for k in range(n):
        x, v = x + dt * v, v - dt * np.abs(x)  # each value reads the other's old array
    return np.sum(x * x) + np.sum(v)


def array_and_scalar(x0, dt, n):
    x = x0.copy()
    s = 0.0
    for k in range(n):
        y = np.maximum(x, 0.1)
        x, s = y * dt + x, s + np.sum(y)
    return s + np.sum(x)


def loop_written_leapfrog(x0, dt, n):
    m = x0.shape[0]
    x = x0.copy()
    x_prev = x0.copy()
    for k in range(n):
        x_next = np.empty(m)
        for i in range(m):
            x_next[i] = 2 * x[i] - x_prev[i] - dt * abs(x[i])
        x_prev, x = x, x_next
    return np.sum(x)


def fista(A, b, lam, n_iter):
    n = A.shape[1]
    x = np.zeros(n)
    x_old = np.zeros(n)
    t = 1.0
    for k in range(n_iter):
        t_new = (1.0 + np.sqrt(1.0 + 4.0 * t * t)) / 2.0
        y = x + ((t - 1.0) / t_new) * (x - x_old)
        z = y - 0.1 * (A.T @ (A @ y - b))
        x_new = np.sign(z) * np.maximum(np.abs(z) - 0.1 * lam, 0.0)
        x_old, x = x, x_new
        t = t_new
    r = A @ x - b
    return 0.5 * np.sum(r * r) + lam * np.sum(np.abs(x))


rng = np.random.default_rng(3)
X0, V0 = rng.standard_normal(6), rng.standard_normal(6)
CASES = {
    momentum_pair: (X0, 0.1, 4),
    momentum_pair_other_order: (X0, 0.1, 4),
    symplectic_step: (X0, V0, 0.1, 4),
    array_and_scalar: (X0, 0.1, 4),
    loop_written_leapfrog: (X0, 0.1, 4),
    fista: (rng.standard_normal((8, 5)), rng.standard_normal(8), 0.3, 5),
}


@pytest.mark.parametrize("fn", list(CASES), ids=lambda f: f.__name__)
def test_gradient(fn):
    check_program_gradient(fn, CASES[fn], "python")


@pytest.mark.slow
@pytest.mark.parametrize("fn", [symplectic_step, momentum_pair_other_order], ids=lambda f: f.__name__)
def test_gradient_compiled(fn):
    check_program_gradient(fn, CASES[fn], "cpu")
