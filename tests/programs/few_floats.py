"""Functions of a few floats (and data arrays), written the ways users write them:
their gradients are taken by tangents (nsadc/transforms/tangent_gradient.py)."""

import math

import numpy as np


def smoothing(y, alpha, lo, hi):
    """Exponential smoothing of clipped data: if/elif/else, a recurrence."""
    s = y[0]
    loss = 0.0
    for t in range(1, y.shape[0]):
        e = y[t] - s
        loss += e * e
        if y[t] < lo:
            yc = lo
        elif y[t] > hi:
            yc = hi
        else:
            yc = y[t]
        s = alpha * yc + (1.0 - alpha) * s
    return loss / y.shape[0]


def knock_out(Z, s0, sigma, barrier):
    """Paths that stop early (a for loop with a break), a payoff with a kink."""
    paths, steps = Z.shape
    total = 0.0
    for p in range(paths):
        s = s0
        alive = 1.0
        for k in range(steps):
            s = s * math.exp(-0.5 * sigma * sigma * 0.01 + sigma * 0.1 * Z[p, k])
            if s < barrier:
                alive = 0.0
                break
        total += alive * max(s - 1.0, 0.0)
    return total / paths


def newton_sqrt(y, a, b):
    """A while loop to convergence, its result compared and clipped."""
    total = 0.0
    for i in range(y.shape[0]):
        c = a * y[i] * y[i] + b
        x = 1.0 + abs(c)
        it = 0
        while abs(x * x - abs(c)) > 1e-12 and it < 50:
            x = 0.5 * (x + abs(c) / x)
            it += 1
        total += min(x, 2.0 + a)
    return total


def tent(x, r):
    """A chaotic recurrence of kinks."""
    z = x
    acc = 0.0
    for i in range(12):
        z = abs(r * min(z, 1.0 - z))
        acc += z * (i + 1.0)
    return acc


def with_scratch(y, a, b):
    """An array the function fills from its floats, then reads back: reverse mode
    (a tangent array per float would cost more than one adjoint array)."""
    n = y.shape[0]
    work = np.empty(n)
    for i in range(n):
        work[i] = max(a * y[i], b) - b * y[i]
    s = 0.0
    for i in range(n):
        s += work[i] * work[n - 1 - i]
    return s


def five_floats(y, a, b, c, d, e):
    """Five floats: reverse mode."""
    s = 0.0
    for i in range(y.shape[0]):
        s += max(a * y[i] + b, c * y[i] - d) * e
    return s


def ties(a, b):
    """max, abs and min at ties for equal arguments, in a recurrence (reverse mode keeps a tape)."""
    z = a
    acc = 0.0
    for i in range(3):
        z = max(z, b) - 0.5 * abs(a - b)
        acc += z + min(a * a, b * b)
    return acc


def closed_form(a, b):
    """No loop: reverse mode keeps no tape, one sweep either way."""
    return max(a, b) + abs(a - b) + min(a * a, b * b)


BY_TANGENTS = [smoothing, knock_out, newton_sqrt, tent, ties]
BY_REVERSE = [five_floats, with_scratch, closed_form]
