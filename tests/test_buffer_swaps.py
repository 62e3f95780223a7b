"""Two buffers swapped through a temporary after each step (``tmp = u; u =
u_new; u_new = tmp``), as time-stepping codes write it: the same as the
tuple swap ``u, u_new = u_new, u``, which is how it is lowered where the
temporary is bound only there and read only by the swap.  Where it is read
again, it stays refused (it would be a second name for an array)."""

import numpy as np
import pytest

import nsadc
from helpers import check_program_gradient


def heat_steps(u0, kappa):
    n = u0.shape[0]
    u = u0.copy()
    un = np.empty(n)
    for step in range(20):
        un[0] = u[0]
        un[n - 1] = u[n - 1]
        for i in range(1, n - 1):
            un[i] = u[i] + kappa * max(u[i + 1] - 2.0 * u[i] + u[i - 1], -0.05)
        tmp = u
        u = un
        un = tmp
    return np.sum(u * u)


def scalar_swap(a, b):
    s = 0.0
    for k in range(5):
        s += abs(a - 0.3) * b
        t = a
        a = b
        b = t
    return s


def leapfrog_rotation(q0, dt):
    qo = q0.copy()
    q = q0 * (1.0 + dt)
    qn = np.empty(q0.shape[0])
    for step in range(6):
        for i in range(q0.shape[0]):
            qn[i] = qo[i] + 2.0 * dt * max(q[i] - 0.5, -q[i])
        tmp = qo
        qo = q
        q = qn
        qn = tmp
    return np.sum(q * q) + np.sum(qo)


def swap_then_more(u0, kappa):
    u = u0.copy()
    un = np.empty(u0.shape[0])
    s = 0.0
    for step in range(3):
        for i in range(u0.shape[0]):
            un[i] = kappa * u[i] + 0.1 * abs(u[i] - 0.5)
        tmp = u
        u = un
        un = tmp
        s += np.sum(u * u)  # (the statements after a swap are kept)
    s += u[0]
    return s


def temporary_read_again(u0, kappa):
    u = u0.copy()
    un = np.empty(u0.shape[0])
    for i in range(u0.shape[0]):
        un[i] = kappa * u[i]
    tmp = u
    u = un
    un = tmp
    return np.sum(u) + np.sum(tmp)


rng = np.random.default_rng(3)
U0 = rng.random(12)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_buffers_swapped_through_a_temporary(target):
    check_program_gradient(heat_steps, (U0, 0.2), target)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_three_buffers_rotated_through_a_temporary(target):
    check_program_gradient(leapfrog_rotation, (U0, 0.1), target)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_statements_after_a_swap(target):
    check_program_gradient(swap_then_more, (U0, 0.7), target)


def test_numbers_swapped_through_a_temporary():
    check_program_gradient(scalar_swap, (0.7, -1.3), "python")


def test_a_temporary_read_again_stays_refused():
    with pytest.raises(nsadc.UnsupportedError, match="second name"):
        nsadc.differentiate(temporary_read_again, target="python").grad(U0, 0.2)


def swapped_arguments(a, b):
    for k in range(2):
        a[0] = a[0] * 0.5
        tmp = a
        a = b
        b = tmp
    return np.sum(a * b)


def test_a_refused_swap_through_a_temporary_names_its_line():
    # (it was located at line 0: the rewritten swap had no position)
    with pytest.raises(nsadc.UnsupportedError, match=r"test_buffer_swaps.py:\d+:9: .*\n +tmp = a\n"):
        nsadc.differentiate(swapped_arguments, target="python").grad(U0[:3].copy(), U0[3:6].copy())
