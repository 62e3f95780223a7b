"""Loop programs for tests/test_parallel.py: which loops the parallel mode
runs on several threads, and which it must keep serial."""

import numpy as np

# per-sample models (work arrays filled in each iteration): shared with other tests
from programs.samples import softmax_scores, two_layers  # noqa: F401


def hinge_sum(x, y):
    """A sum of hinge losses: every loop parallel (a sum reduction)."""
    n = x.shape[0]
    s = 0.0
    for i in range(n):
        s += max(0.0, 1.0 - y[i] * x[i])
    return s


def relu_least_squares(X, y, w):
    """ReLU least squares over the rows of X (w_bar accumulates at j in the loop over i)."""
    n = X.shape[0]
    d = X.shape[1]
    s = 0.0
    for i in range(n):
        z = 0.0
        for j in range(d):
            z += X[i, j] * w[j]
        r = max(z, 0.0) - y[i]
        s += r * r
    return s


def absolute_deviations(X, w):
    """sum |X[i, j] - w[j]|: w_bar accumulated at j in the loop over i (partial arrays)."""
    n = X.shape[0]
    d = X.shape[1]
    s = 0.0
    for i in range(n):
        for j in range(d):
            s += abs(X[i, j] - w[j])
    return s


def total_variation(x):
    """A stencil x[i + 1] - x[i]: the adjoint is written at i and i + 1."""
    n = x.shape[0]
    s = 0.0
    for i in range(n - 1):
        s += abs(x[i + 1] - x[i])
    return s


def differences(x):
    """out[i] = |x[i + 1] - x[i]|: written at the loop index only."""
    n = x.shape[0]
    out = np.zeros(n - 1)
    for i in range(n - 1):
        out[i] = abs(x[i + 1] - x[i])
    s = 0.0
    for i in range(n - 1):
        s += out[i] * out[i]
    return s


def running_sum(x):
    """y[i] reads y[i - 1], written by the previous iteration: serial."""
    n = x.shape[0]
    y = np.zeros(n)
    y[0] = x[0]
    for i in range(1, n):
        y[i] = max(y[i - 1], 0.0) + x[i]
    s = 0.0
    for i in range(n):
        s += y[i] * y[i]
    return s


def recurrence(x, r):
    """A carried scalar recurrence (the reverse mode tapes it): serial."""
    n = x.shape[0]
    h = 0.0
    for i in range(n):
        h = max(r * h + x[i], 0.0)
    return h


def largest(x):
    """m = max(m, ...): a max reduction, kept serial."""
    n = x.shape[0]
    m = x[0]
    for i in range(n):
        m = max(m, x[i] * x[i])
    return m


def until_large(x):
    """A loop with a break: serial."""
    n = x.shape[0]
    s = 0.0
    for i in range(n):
        if x[i] > 1.5:
            break
        s += x[i] * x[i]
    return s


def pair_hinge(x, y):
    """A hinge on every ordered pair: the adjoint of x is added into at both
    indices of the pair, at i in the loop over i too, but each iteration runs a
    loop over j, so partials as long as x cost little beside it."""
    n = x.shape[0]
    loss = 0.0
    for i in range(n):
        for j in range(n):
            if y[i] > y[j]:
                loss += max(0.0, 1.0 - (x[i] - x[j]))
    return loss / n


def abs_factorization(M, U, V):
    """sum |M - U V'|: each row's reverse pops the dot products its forward
    part pushed, on a tape the iteration fills and empties."""
    m, n = M.shape
    r = U.shape[1]
    s = 0.0
    for i in range(m):
        for j in range(n):
            p = 0.0
            for k in range(r):
                p += U[i, k] * V[j, k]
            s += abs(M[i, j] - p)
    return s


def carried_state(X, W):
    """A look-alike: each sample's scores start from the previous sample's
    (read before the iteration writes them): serial."""
    n, d = X.shape
    c = W.shape[1]
    z = np.zeros(c)
    loss = 0.0
    for i in range(n):
        for k in range(c):
            s = 0.5 * z[k]
            for j in range(d):
                s += X[i, j] * W[j, k]
            z[k] = max(s, 0.0)
        for k in range(c):
            loss += z[k]
    return loss


def last_scores(X, W):
    """A look-alike: the work array is read after the loop (the last
    sample's scores): serial."""
    n, d = X.shape
    c = W.shape[1]
    z = np.empty(c)
    loss = 0.0
    for i in range(n):
        for k in range(c):
            s = 0.0
            for j in range(d):
                s += X[i, j] * W[j, k]
            z[k] = abs(s)
        for k in range(c):
            loss += z[k]
    return loss + z[0]


def wrapped_scores(X, W):
    """A look-alike: the filling loop reads the element before its own, the
    previous sample's last score at k = 0 (z[-1]): serial."""
    n, d = X.shape
    c = W.shape[1]
    z = np.zeros(c)
    loss = 0.0
    for i in range(n):
        for k in range(c):
            s = 0.0
            for j in range(d):
                s += X[i, j] * W[j, k]
            z[k] = s
            loss += abs(z[k] - 0.5 * z[k - 1])
    return loss
