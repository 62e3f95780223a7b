"""Time steps that fill a work array before reading it (its stores need no
tape), and look-alikes that read what an earlier step left there."""

import math

import numpy as np


def heat_clip(u0, kappa, lo, hi, steps):
    """Explicit heat steps clipped to [lo, hi]: the interior and both ends of
    the next state, then copied back."""
    n = u0.shape[0]
    u = u0.copy()
    un = np.empty(n)
    for t in range(steps):
        for i in range(1, n - 1):
            v = u[i] + kappa * (u[i - 1] - 2.0 * u[i] + u[i + 1])
            if v > hi:
                v = hi
            elif v < lo:
                v = lo
            un[i] = v
        un[0] = u[0]
        un[n - 1] = u[n - 1]
        for i in range(n):
            u[i] = un[i]
    s = 0.0
    for i in range(n):
        s += u[i] * u[i]
    return s


def relu_relax(u0, a, steps):
    """A whole-range work array, read back into the state in another loop."""
    n = u0.shape[0]
    u = u0.copy()
    w = np.zeros(n)
    for t in range(steps):
        for i in range(n):
            w[i] = max(0.0, u[i] - a * u[(i + 1) % n])
        for i in range(n):
            u[i] = 0.5 * u[i] + w[i]
    return np.sum(u * u)


FILLED_FIRST = [heat_clip, relu_relax]


def lagged(u0, c, steps):
    """Reads the work array before it is written in the step: last step's values."""
    n = u0.shape[0]
    u = u0.copy()
    un = np.zeros(n)
    for t in range(steps):
        for i in range(n):
            u[i] = u[i] + c * un[i]
        for i in range(n):
            un[i] = max(u[i], 0.1) * 0.5
    s = 0.0
    for i in range(n):
        s += u[i] * u[i]
    return s


def short_fill(u0, kappa, steps):
    """The interior alone is filled: the ends are read as they were before."""
    n = u0.shape[0]
    u = u0.copy()
    un = np.zeros(n)
    for t in range(steps):
        for i in range(1, n - 1):
            un[i] = abs(u[i] + kappa * (u[i - 1] - 2.0 * u[i] + u[i + 1]))
        for i in range(n):
            u[i] = u[i] + 0.25 * un[i] * u[i]
    return np.sum(u * u)


def ends_beside(u0, c, steps):
    """Reads what the last step left at the ends, then refills the work array:
    a loop over the interior and one end stored straight beside it."""
    n = u0.shape[0]
    u = u0.copy()
    w = np.zeros(n)
    acc = 0.0
    for t in range(steps):
        acc = 0.5 * acc + math.tanh(max(w[0], w[n - 1]))
        for i in range(1, n):
            w[i] = min(max(u[i] + c * u[i - 1], -1.0), 1.5)
        w[0] = u[0]
        for i in range(1, n):
            u[i] = w[i]
    return acc + np.sum(u * u)


READ_STALE = [lagged, short_fill, ends_beside]
