"""A hinge loss with an L1 penalty: the example that the README emits."""

import math


def hinge_pen(w, x, y, lam):
    m = 1.0 - y * (w * x)
    return max(m, 0.0) + lam * abs(w)


def soft_threshold_path(x, lam, steps: int):
    """A few proximal-gradient steps on 0.5*(z - x)**2 + lam*|z|: loops, kinks, branches."""
    z = 0.0
    for k in range(steps):
        z = z - 0.5 * (z - x)
        if z > lam:
            z = z - lam
        elif z < -lam:
            z = z + lam
        else:
            z = 0.0
    return z * z + lam * abs(z) + math.exp(-x * x)
