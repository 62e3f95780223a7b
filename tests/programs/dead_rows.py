"""Programs for tests/test_dead_assignments.py: loops whose reverse re-runs an
iteration, so that the forward run only fed the value."""

import math

import numpy as np


def tv_rows(u, f, lam):
    """An image energy with boundary tests inside the loop."""
    h, w = u.shape
    e = 0.0
    for i in range(h):
        for j in range(w):
            d = u[i, j] - f[i, j]
            e += 0.5 * d * d
            if i + 1 < h:
                e += lam * abs(u[i + 1, j] - u[i, j])
            if j + 1 < w:
                e += lam * abs(u[i, j + 1] - u[i, j])
    return e


def test_changes_between(x, lam):
    """The test that guards an assignment is assigned again before the read
    under it: the read must keep the assignment it may see."""
    n = x.shape[0]
    s = 0.0
    t = 0.0
    for i in range(n):
        c = x[i] > 0.0
        if c:
            t = math.sin(x[i])
        c = x[i] > lam
        if c:
            s += t * x[i]
    return s


def disc_coverage(P, w, target, r):
    """Each pixel of a line sees discs front to back: a disc out of reach is
    skipped, a transparent one too, and the pixel stops once nearly opaque.
    The reverse re-runs each pixel, so its forward run only fed the value."""
    n = target.shape[0]
    m = P.shape[0]
    loss = 0.0
    for i in range(n):
        x = (i + 0.5) / n
        seen = 0.0
        left = 1.0
        for k in range(m):
            if x < P[k, 0] - r:
                continue
            if x > P[k, 0] + r:
                continue
            d = 1e300
            for e in range(3):
                gap = x - P[k, 0] - 0.25 * (e - 1) * r
                d = min(d, math.sqrt(gap * gap + 1e-4) * (1.0 + P[k, 1] * P[k, 1]))
            a = min(max(1.0 - d / r, 0.0), 1.0)
            if a == 0.0:
                continue
            seen += left * a * w[k]
            left *= 1.0 - a
            if left < 1e-3:
                break
        diff = seen + 0.1 * left - target[i]
        loss += diff * diff
    return loss / n


def disc_arguments(seed=1, m=12, n=40):
    """Arguments of disc_coverage: m discs with a centre and a shape
    coefficient each, a line of n pixels, a radius."""
    rng = np.random.default_rng(seed)
    P = np.column_stack([rng.uniform(0.05, 0.95, m), rng.uniform(-1.0, 1.0, m)])
    return P, rng.uniform(0.2, 1.0, m), rng.uniform(0.2, 0.8, n), 0.15
