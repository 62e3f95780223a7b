"""Array benchmark programs, written the way a Numba user writes them.

Explicit loops over float64 arrays, element reads and writes, scalar
``max`` / ``abs`` at the kinks, a float return: the loop style nsadc's first
array step supports (no slices, no vectorized NumPy calls). Every function
also runs unchanged under ``numba.njit``."""

import numpy as np


def mlp_loss(X, y, W1, b1, w2, b2):
    """Mean squared loss of a one-hidden-layer ReLU network over the samples of X."""
    n = X.shape[0]
    d = X.shape[1]
    h = W1.shape[1]
    loss = 0.0
    for i in range(n):
        out = b2
        # one hidden unit at a time, in a scalar: no per-sample scratch array
        for k in range(h):
            z = b1[k]
            for j in range(d):
                z += X[i, j] * W1[j, k]
            a = max(z, 0.0)
            out += a * w2[k]
        loss += (out - y[i]) ** 2
    return loss / n


def svm_hinge(X, y, w, b, lam):
    """Mean hinge loss of a linear classifier plus an L2 penalty."""
    n = X.shape[0]
    d = X.shape[1]
    s = 0.0
    for i in range(n):
        m = b
        for j in range(d):
            m += X[i, j] * w[j]
        s += max(0.0, 1.0 - y[i] * m)
    r = 0.0
    for j in range(d):
        r += w[j] * w[j]
    return s / n + lam * r


def lasso(X, y, w, lam):
    """Half mean squared residual of a linear model plus an L1 penalty."""
    n = X.shape[0]
    d = X.shape[1]
    s = 0.0
    for i in range(n):
        r = 0.0
        for j in range(d):
            r += X[i, j] * w[j]
        s += (r - y[i]) ** 2
    p = 0.0
    for j in range(d):
        p += abs(w[j])
    return 0.5 * s / n + lam * p


def max_pool_1d(x, k):
    """Sum of squared maxima over the non-overlapping windows of width k (a trailing partial window is dropped)."""
    n = len(x)
    s = 0.0
    for st in range(0, n - k + 1, k):
        m = x[st]
        for t in range(st + 1, st + k):
            m = max(m, x[t])
        s += m * m
    return s


def l1_regression(A, b, x):
    """Sum of absolute residuals of A x - b, the products accumulated into an array."""
    m = A.shape[0]
    n = A.shape[1]
    # the residuals are accumulated in place (r[i] += ...): the pattern where
    # reverse mode must not lose the values an element held before each write
    r = np.zeros(m)
    for i in range(m):
        for j in range(n):
            r[i] += A[i, j] * x[j]
    s = 0.0
    for i in range(m):
        s += abs(r[i] - b[i])
    return s
