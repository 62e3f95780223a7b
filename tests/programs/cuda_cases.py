"""Programs for the cuda target's tests: read-only array arguments, loops of fixed trip count."""

import math


def weighted_abs(x, b, w, n: int):
    """Scalars differentiated, the array w only read."""
    s = 0.0
    for i in range(n):
        s += abs(x * w[i] - b) + max(w[i] * b, 0.0)
    return s


def row_fit(x, A, k: int):
    """A 2-D array read row k, its length from the shape."""
    s = 0.0
    for j in range(A.shape[1]):
        s += abs(x - A[k, j])
    return s * x


def scaled_in_place(x, w):
    """Writes into its argument: not taken on the cuda target."""
    for i in range(w.shape[0]):
        w[i] = w[i] * x
    return w[0] + x


# Loops with a trip count fixed in the code: the reverse sweep's tape has a size
# known at compile time, so on the GPU it lives in per-thread local memory.

def tent_steps(x, r):
    """A loop-carried nonsmooth map, six steps."""
    z = x
    s = 0.0
    for i in range(6):
        z = r * min(z, 1.0 - z) + 0.1 * math.sin(z)
        z = abs(z)
        s += z
    return s


def projected_steps(x, y, lr):
    """Projected gradient steps on a nonsmooth objective, clipped to a box."""
    for k in range(5):
        gx = 2.0 * (x - 1.0) + (1.0 if x > y else -1.0)
        gy = 2.0 * (y + 0.5) - (1.0 if x > y else -1.0)
        x = min(max(x - lr * gx, -2.0), 2.0)
        y = min(max(y - lr * gy, -2.0), 2.0)
    return abs(x - y) + x * x + y * y


def nested_fixed(a, b):
    """Nested loops of constant trip counts overwriting a carried value."""
    t = a
    for i in range(3):
        for j in range(4):
            t = max(t * b, t - 0.25 * (i + j)) + 0.1
    return t * t
