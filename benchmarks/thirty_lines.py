"""A 30-line nonsmooth function for the compile-time benchmark."""

import math


def piecewise_model(x, y, a, b, n: int):
    """A small simulation: a damped, clipped oscillator with a hinge penalty."""
    pos = x
    vel = y
    energy = 0.0
    penalty = 0.0
    for i in range(n):
        force = -a * pos - b * vel + 0.1 * math.sin(0.3 * i)
        vel = vel + 0.01 * force
        vel = max(min(vel, 2.0), -2.0)
        pos = pos + 0.01 * vel
        if pos > 1.0:
            pos = 2.0 - pos
            vel = -vel
        elif pos < -1.0:
            pos = -2.0 - pos
            vel = -vel
        e = 0.5 * vel * vel + 0.5 * a * pos * pos
        energy += e
        penalty += max(abs(pos) - 0.8, 0.0)
    spread = math.hypot(pos, vel)
    total = energy / n + 10.0 * penalty / n
    if total > 1.0:
        total = 1.0 + math.log(total)
    return total + 0.1 * spread
