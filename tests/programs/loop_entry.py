"""Programs whose loops assign the same scalar, for tests/test_loop_entry_values.py."""

import numpy as np


def assigned_first_in_both(b, lam, steps: int):
    """lx is assigned before it is read in both loops: neither loop's reverse
    reads the other's lx."""
    n = b.shape[0]
    x = np.zeros(n)
    for it in range(steps):
        for i in range(n):
            lx = 2.0 * x[i]
            x[i] = 0.5 * lx - b[i]
    e = 0.0
    for i in range(n):
        lx = 2.0 * x[i]
        if i > 0:
            lx -= x[i - 1]
        e += x[i] * lx + lam * abs(x[i])
    return e


def carried_into_the_first(b, lam):
    """The first loop carries c from one iteration to the next (reads it before
    assigning it); the second assigns c first: the first loop's reverse needs c
    as the first loop left it, which the second loop must give back."""
    n = b.shape[0]
    c = 0.0
    s = 0.0
    for i in range(n):
        c = 0.5 * c + b[i]
        s += max(c, lam)
    for i in range(n):
        c = b[i] * lam
        s += c * c
    return s


def two_sums_then_kink(xs, W, U, b):
    """A unit's input summed over two loops, then a kink: a recurrent layer's step."""
    T, d = xs.shape
    h = W.shape[0]
    state = np.zeros(h)
    new = np.empty(h)
    loss = 0.0
    for t in range(T):
        for k in range(h):
            z = b[k]
            for j in range(h):
                z += W[k, j] * state[j]
            for j in range(d):
                z += U[k, j] * xs[t, j]
            new[k] = max(z, 0.1 * z)
        for k in range(h):
            state[k] = new[k]
            loss += state[k] * state[k]
    return loss
