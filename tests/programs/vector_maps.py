"""Vector-valued programs, written the way users write them: complementarity
maps, layers, interpolation, several outputs at once."""

import math

import numpy as np


def ncp_map(x):
    """A nonlinear map F of a complementarity problem (Kojima–Shindo style)."""
    n = x.shape[0]
    F = np.empty(n)
    for i in range(n):
        left = x[i - 1] if i > 0 else 0.0
        right = x[i + 1] if i < n - 1 else 0.0
        F[i] = 3.0 * x[i] * x[i] + 2.0 * x[i] - 0.5 * left - 0.5 * right + math.sin(x[i]) - 1.0
    return F


def min_map(x):
    """The natural residual min(x, F(x)) of the complementarity problem above."""
    n = x.shape[0]
    r = np.empty(n)
    for i in range(n):
        left = x[i - 1] if i > 0 else 0.0
        right = x[i + 1] if i < n - 1 else 0.0
        F = 3.0 * x[i] * x[i] + 2.0 * x[i] - 0.5 * left - 0.5 * right + math.sin(x[i]) - 1.0
        r[i] = min(x[i], F)
    return r


def fischer_burmeister(a, b):
    """phi(a, b) = |(a, b)| - a - b for each pair: zero exactly when a, b >= 0 and a*b = 0."""
    n = a.shape[0]
    out = np.empty(n)
    for i in range(n):
        out[i] = math.hypot(a[i], b[i]) - a[i] - b[i]
    return out


def relu_layer(W, b, x):
    m, n = W.shape
    y = np.empty(m)
    for i in range(m):
        s = b[i]
        for j in range(n):
            s += W[i, j] * x[j]
        y[i] = max(s, 0.0)
    return y


def interp_values(x, grid, values):
    """Piecewise-linear interpolation of (grid, values) at each x (grid sorted, x inside it)."""
    m = x.shape[0]
    k = grid.shape[0]
    out = np.empty(m)
    for i in range(m):
        j = 0
        while j < k - 2 and x[i] > grid[j + 1]:
            j += 1
        t = (x[i] - grid[j]) / (grid[j + 1] - grid[j])
        out[i] = (1.0 - t) * values[j] + t * values[j + 1]
    return out


def polar(r, theta):
    """Several float outputs."""
    return r * math.cos(theta), r * math.sin(theta), abs(r) - 1.0


def stats(x):
    """An array and a float together."""
    n = x.shape[0]
    centred = np.empty(n)
    mean = 0.0
    for i in range(n):
        mean += x[i]
    mean /= n
    spread = 0.0
    for i in range(n):
        centred[i] = x[i] - mean
        spread = max(spread, abs(centred[i]))
    return centred, spread


def residuals(A, w, y):
    """Whole-array NumPy: the residuals of an L1 fit, as an array."""
    return np.abs(A @ w - y)


def running_max(x):
    """Each output element overwritten while it is built."""
    n = x.shape[0]
    out = np.zeros(n)
    best = x[0]
    for i in range(n):
        best = max(best, x[i])
        out[i] = best
        out[i] = out[i] * out[i] + x[i]
    return out


def matrix_out(u, v):
    """A 2-D output: the outer product, clipped."""
    m = u.shape[0]
    n = v.shape[0]
    P = np.empty((m, n))
    for i in range(m):
        for j in range(n):
            P[i, j] = min(max(u[i] * v[j], -1.0), 1.0)
    return P


def smooth_plus_relu(w, X, y, lam):
    """A scalar loss for second order: squared error of a ReLU model plus a ridge term."""
    n = X.shape[0]
    d = X.shape[1]
    s = 0.0
    for i in range(n):
        z = 0.0
        for j in range(d):
            z += X[i, j] * w[j]
        r = max(z, 0.0) - y[i]
        s += r * r
    for j in range(d):
        s += lam * w[j] * w[j]
    return 0.5 * s / n


def scalar_second_order(x, y):
    return math.exp(x) * y + abs(x - y) + max(x * y, 0.0) ** 2 + math.log(1.0 + y * y) * x
