"""`while` loops that keep values on a tape, written as users write them:
an iteration count no one knows before the loop runs."""

import math


def newton_cube_roots(a):
    """Newton's method for t^3 = a_i from t = a_i, per element: how many steps
    depends on the element."""
    s = 0.0
    for i in range(a.shape[0]):
        t = a[i]
        step = 1.0
        while abs(step) > 1e-13:
            step = (t * t * t - a[i]) / (3.0 * t * t)
            t = t - step
        s += t * t
    return s


def damped_walks(x, k):
    """Exactly k steps of a nonsmooth recurrence from each x_i, counted by a
    while loop."""
    s = 0.0
    for j in range(x.shape[0]):
        i = 0
        y = x[j]
        while i < k:
            y = 0.9 * y + 0.1 * abs(math.sin(y + i))
            i += 1
        s += y
    return s


def walks_until(x, cap):
    """Walks that stop at a `break` as well as at their test."""
    s = 0.0
    for j in range(x.shape[0]):
        i = 0
        y = x[j]
        while i < 500:
            y = 0.95 * y + 0.05 * math.cos(y)
            i += 1
            if abs(y) > cap:
                break
        s += y * y
    return s


def coupled_walks(x, k):
    """Two floats carried through k steps: each step keeps both on one tape."""
    s = 0.0
    for j in range(x.shape[0]):
        i = 0
        y = x[j]
        z = 0.5 * x[j]
        while i < k:
            y = 0.9 * y + 0.1 * abs(math.sin(y * z + i))
            z = 0.8 * z + 0.1 * math.cos(y)
            i += 1
        s += y + z
    return s


def smoothing_sweeps(x, tol):
    """In-place sweeps until the change is small: each sweep reads the whole
    array and rewrites it, so the reverse keeps the array whole per sweep
    (room for a copy at each iteration, not chunked: 64 copies at a time
    would be reserved for a loop that may run three times)."""
    n = x.shape[0]
    z = x.copy()
    change = 1.0
    sweeps = 0
    while change > tol and sweeps < 1000:
        change = 0.0
        for i in range(1, n):
            new = 0.5 * z[i] + 0.25 * z[i - 1] + 0.25 * abs(z[i])
            change += abs(new - z[i])
            z[i] = new
        sweeps += 1
    s = 0.0
    for i in range(n):
        s += z[i] * z[i]
    return s


# The same loops in iterations that carry a value to the next (a warm start):
# these are reversed with their tapes, where the independent ones above are
# differentiated by tangents along each iteration's inputs.


def warm_cube_roots(a):
    """Newton's method for t^3 = a_i per element, each started from the last root."""
    s = 0.0
    t = 1.0
    for i in range(a.shape[0]):
        step = 1.0
        while abs(step) > 1e-13:
            step = (t * t * t - a[i]) / (3.0 * t * t)
            t = t - step
        s += t * t
    return s


def carried_damped_walks(x, k):
    """damped_walks, each walk starting where the last one ended plus x_j."""
    s = 0.0
    y = 0.0
    for j in range(x.shape[0]):
        i = 0
        y = 0.5 * y + x[j]
        while i < k:
            y = 0.9 * y + 0.1 * abs(math.sin(y + i))
            i += 1
        s += y
    return s


def carried_walks_until(x, cap):
    """walks_until, each walk starting where the last one ended plus x_j."""
    s = 0.0
    y = 0.0
    for j in range(x.shape[0]):
        i = 0
        y = 0.5 * y + x[j]
        while i < 500:
            y = 0.95 * y + 0.05 * math.cos(y)
            i += 1
            if abs(y) > cap:
                break
        s += y * y
    return s
