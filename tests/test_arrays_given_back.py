"""Two ways simulation code names its arrays: a helper that updates an array
in place and returns it (``P = _step(P, dt)``: P is that array already, it
was refused as "P = P would make P a second name for the array P"), and a
length read as ``u0.size`` (the same dimension as ``u0.shape[0]`` for a 1-D
array; an array allocated with it inside a loop was refused as having a
shape not known before the loop)."""

import numpy as np

from helpers import check_program_gradient


def _step(P, dt):
    for i in range(P.shape[0]):
        P[i] = P[i] + dt * abs(P[i])
    return P


def stepped_in_place(P0, n):
    P = P0.copy()
    for s in range(n):
        P = _step(P, 0.1)
    return np.sum(P * P)


def halved_by_size(u0, n_steps):
    n = u0.size
    u = u0.copy()
    for t in range(n_steps):
        u_next = np.zeros(n)
        for i in range(n):
            u_next[i] = 0.5 * u[i] + 0.1 * abs(u[i - 1])
        u = u_next
    return np.sum(u)


def test_helper_returns_the_array_it_updated():
    check_program_gradient(stepped_in_place, (np.array([1.0, -0.5, 0.25]), 2), "python")


def test_length_read_as_size():
    check_program_gradient(halved_by_size, (np.array([1.0, -0.5, 0.25, 0.7]), 3), "python")
