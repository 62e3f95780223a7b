"""np.roll of 1-D arrays, written as users write periodic boundaries and
circular differences."""

import numpy as np
def roll_diff(x, k):
    return np.sum(np.abs(x - np.roll(x, k)))

def periodic_heat(u0, steps):
    u = u0.copy()
    for it in range(steps):
        u = u + 0.2 * (np.roll(u, 1) - 2.0 * u + np.roll(u, -1))
    return np.sum(np.maximum(u, 0.1))

def rolled_window(x, k):
    s = 0.0
    for t in range(1, x.shape[0]):
        r = np.roll(x[:t], 1)
        s += np.dot(r, x[:t]) + r[0] * k
    return s

def big_shift(x, k):
    return np.sum(np.roll(x, 3 * x.shape[0] + 2) * x) + np.sum(np.roll(x, -k - x.shape[0]) ** 2)


CASES = [roll_diff, periodic_heat, rolled_window, big_shift]
