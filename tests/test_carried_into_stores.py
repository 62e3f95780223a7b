"""A state array rebuilt each iteration from a work array and a scalar the
iteration before computed from the state (``x = z - a``, then ``a =
f(x[0])``): ADMM, anchored or pinned relaxations, projected steps.

The reverse sweep re-runs each iteration from the state array restored to
the iteration's start, so it replays the stores, and what they read (the
carried scalar) must be kept as the iteration found it.  And where a
re-run leaves the stores out (the array already holds what they wrote),
it must not push the elements they would overwrite (before a loop or an
`if` that holds them), or the reverse of the loop inside pops the later
values in place of the ones to restore.  Each
program fails without the fixes (one of the two or both), against central
differences, on both targets."""

import numpy as np
import pytest

from helpers import check_program_gradient


def carried_into_an_element_loop(x0, c):
    x = x0.copy()
    z = np.zeros(4)
    a = 0.0
    for it in range(6):
        for i in range(4):
            z[i] = x[i] - 0.3 * (x[i] - c[i])
        for i in range(4):
            x[i] = z[i] - a
        a = 0.2 * x[0] ** 2
    return np.sum(x ** 2)


def carried_into_whole_arrays(x0, c):
    x = x0.copy()
    a = 0.0
    for it in range(6):
        z = x - 0.3 * (x - c)
        x = z - a
        a = 0.05 * np.sum(x ** 2)
    return np.sum(x ** 2)


def carried_on_alternate_steps(x0, c):
    x = x0.copy()
    a = 0.0
    for it in range(6):
        z = x - 0.3 * (x - c)
        if it % 2 == 0:
            x = z - a
        else:
            x = z + 0.5 * a
        a = 0.2 * x[0] ** 2
    return np.sum(x ** 2)


def carried_in_a_while(x0, c):
    x = x0.copy()
    a = 0.0
    k = 0
    while k < 6:
        z = x - 0.3 * (x - c)
        x = z - a
        a = 0.0
        for i in range(x.shape[0]):
            a += 0.05 * x[i] ** 2
        k += 1
    return np.sum(x ** 2)


def pinned_relaxation(y, k):
    u = y.copy()
    left = 0.0
    for t in range(8):
        un = 0.5 * u + 0.25 * np.roll(u, 1) + 0.25 * np.roll(u, -1)
        u = un - left
        left = u[0] * k
    return np.sum(u * y)


def sweeps_inside_steps(y, lam):
    """The rebuild inside a loop of one sweep: the step's re-run leaves its stores out."""
    x = y.copy()
    s = 0.0
    for it in range(3):
        for sw in range(2):
            t = x * 0.5
            x = t - s
        s = x[1] * lam
    return x[0] + 0.3 * x[1] * x[1]


def tv_denoise_admm(y, lam):
    n = len(y)
    x = y.copy()
    z = np.zeros(n - 1)
    u = np.zeros(n - 1)
    rho = 1.0
    for it in range(6):
        for sw in range(3):  # the x-update by a few Jacobi sweeps
            dz = np.zeros(n)
            dz[:-1] -= z - u
            dz[1:] += z - u
            lap = np.zeros(n)
            lap[:-1] += x[1:] - x[:-1]
            lap[1:] -= x[1:] - x[:-1]
            x = (y + rho * (dz + lap + 2 * x)) / (1 + 2 * rho)
        d = x[1:] - x[:-1]
        v = d + u
        z = np.sign(v) * np.maximum(np.abs(v) - lam / rho, 0.0)
        u = u + d - z
    return 0.5 * np.sum((x - y) ** 2) + lam * np.sum(np.abs(x[1:] - x[:-1]))


def verlet_thermostat(pos, T):
    """Pair forces under a cutoff accumulated into a work array, then a
    thermostat scaling the velocities by a sum over them: the step's re-run
    leaves the force loop's stores out, and must not push their elements."""
    n = pos.shape[0]
    x = pos.copy()
    v = np.zeros((n, 2))
    for i in range(n):
        v[i, 0] = 0.1 * (i + 1)
        v[i, 1] = -0.05 * i
    a = np.zeros((n, 2))
    dt = 0.05
    for step in range(4):
        for i in range(n):
            for k in range(2):
                x[i, k] += dt * v[i, k] + 0.5 * dt * dt * a[i, k]
        anew = np.zeros((n, 2))
        for i in range(n):
            for j in range(n):
                if i != j:
                    dx = x[i, 0] - x[j, 0]
                    dy = x[i, 1] - x[j, 1]
                    r2 = dx * dx + dy * dy + 0.1
                    if r2 < 2.0:
                        fm = 1.0 / (r2 * r2)
                        anew[i, 0] += fm * dx
                        anew[i, 1] += fm * dy
        for i in range(n):
            for k in range(2):
                v[i, k] += 0.5 * dt * (a[i, k] + anew[i, k])
        a = anew
        ke = 0.0
        for i in range(n):
            ke += v[i, 0] ** 2 + v[i, 1] ** 2
        lam = np.sqrt(T * n / (ke + 1e-9))
        for i in range(n):
            v[i, 0] *= lam
            v[i, 1] *= lam
    return float(np.sum(x * x))


RNG = np.random.default_rng(21)
CASES = [(carried_into_an_element_loop, (RNG.normal(size=4), RNG.normal(size=4))),
         (carried_into_whole_arrays, (RNG.normal(size=4), RNG.normal(size=4))),
         (carried_on_alternate_steps, (RNG.normal(size=4), RNG.normal(size=4))),
         (carried_in_a_while, (RNG.normal(size=4), RNG.normal(size=4))),
         (pinned_relaxation, (RNG.normal(size=5), 0.8)),
         (sweeps_inside_steps, (RNG.normal(size=3), 0.8)),
         (verlet_thermostat, (np.array([[0.2, 1.1], [1.3, 0.4], [0.7, 1.6], [1.8, 0.9]]), 1.1)),
         (tv_denoise_admm, (np.array([0.9, -0.4, 1.6, 0.2, -1.1, 0.7, 1.3, -0.6, 0.1, 0.5]), 0.45))]
IDS = [c[0].__name__ for c in CASES]


@pytest.mark.parametrize("fn, args", CASES, ids=IDS)
def test_gradients(fn, args):
    check_program_gradient(fn, args, "python", rtol=1e-5, atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("fn, args", CASES, ids=IDS)
def test_gradients_compiled(fn, args):
    check_program_gradient(fn, args, "cpu", rtol=1e-5, atol=1e-6)
