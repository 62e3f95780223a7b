"""Scalar benchmark programs: loops of 10^6 iterations with abs / max / branches.

Signs inside the loops change pseudo-randomly from one iteration to the next
(sin of a large, irregular argument), so kink selections and branches cannot be
predicted: the case where a compiled branch costs most (mispredictions),
and branch-free selections pay."""

import math


def nonsmooth_sum(x, y, n: int):
    """A reduction: every term depends only on the inputs and the loop index."""
    s = 0.0
    for i in range(n):
        t = math.sin(x * i * 12.9898 + y * 78.233)
        s += abs(t) * x + max(t, 0.3 * y) - min(t * y, 0.1)
    return s


def tent_recurrence(x, r, n: int):
    """A loop-carried nonsmooth map: the state is overwritten every iteration."""
    z = x
    s = 0.0
    for i in range(n):
        z = r * min(z, 1.0 - z) + 0.4 * math.sin(i * 12.9898 + x)
        z = abs(z)
        s += z
    return s / n


def branchy(x, y, n: int):
    """A data-dependent branch in the loop body."""
    s = 0.0
    for i in range(n):
        t = math.sin(x * i * 12.9898 + y * 78.233)
        if t > 0.0:
            s += t * x
        else:
            s -= t * y * y
    return s
