"""Stores into a slice whose value reads the array itself, written as
NumPy users write explicit stencils and shifts: NumPy computes the whole
value before it writes any element."""

import numpy as np


def heat_steps(u0, k):
    u = u0.copy()
    for it in range(k):
        u[1:-1] += 0.2 * (u[2:] - 2.0 * u[1:-1] + u[:-2])
    return np.sum(np.abs(u))


def heat_steps_written_out(u0, k):
    u = u0.copy()
    for it in range(k):
        u[1:-1] = u[1:-1] + 0.2 * (u[2:] - 2.0 * u[1:-1] + u[:-2])
    return np.sum(np.maximum(u, 0.0))


def relaxed_upwind(u0, k):
    y = u0.copy()
    for it in range(k):
        y[1:] -= 0.3 * np.maximum(y[:-1], 0.0)
    return np.sum(y ** 2)


def heat_2d_clipped(u0, k):
    u = u0.copy()
    for it in range(k):
        u[1:-1, 1:-1] += 0.1 * (u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2] - 4.0 * u[1:-1, 1:-1])
        u[1:-1, 1:-1] = np.maximum(u[1:-1, 1:-1], -0.5)
    return np.sum(u * u)


def shift_in_place(u0, k):
    y = u0 * 1.0
    y[1:] = y[:-1] * 0.5 + np.abs(y[1:])
    y[:-1] -= y[1:]
    return np.sum(y ** 2) * k


def reverse_in_place(u0, k):
    y = u0.copy()
    y[:] = y[::-1] + 0.1 * y
    return np.sum(np.maximum(y, 0.0)) * k


CASES = [heat_steps, heat_steps_written_out, relaxed_upwind, heat_2d_clipped, shift_in_place, reverse_in_place]
