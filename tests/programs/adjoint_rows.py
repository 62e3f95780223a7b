"""Tables filled row by row from the rows before, written as users write
them (dynamic programmes, trellises, time steppers that keep their history):
the reverse sweep of each touches a few neighbouring rows of the table's
adjoint, which the gradient keeps in a ring of rows
(nsadc/passes/adjoint_rows.py).  The look-alikes keep the whole table."""

import math

import numpy as np


def dtw(x, y):
    """Dynamic time warping with |x_i - y_j| costs."""
    n = x.shape[0]
    m = y.shape[0]
    D = np.empty((n + 1, m + 1))
    for j in range(m + 1):
        D[0, j] = math.inf
    for i in range(1, n + 1):
        D[i, 0] = math.inf
    D[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            D[i, j] = abs(x[i - 1] - y[j - 1]) + min(D[i - 1, j], D[i, j - 1], D[i - 1, j - 1])
    return D[n, m]


def edit_distance(x, y, gap):
    """A weighted edit distance: gaps cost ``gap``, substitutions the squared difference."""
    n, m = len(x), len(y)
    D = np.zeros((n + 1, m + 1))
    for i in range(n + 1):
        D[i, 0] = i * gap
    for j in range(m + 1):
        D[0, j] = j * gap
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            sub = D[i - 1, j - 1] + (x[i - 1] - y[j - 1]) ** 2
            D[i, j] = min(sub, D[i - 1, j] + gap, D[i, j - 1] + gap)
    return D[n, m]


def viterbi_score(emit, trans):
    """The best path's score through a trellis; the last row's best at the end."""
    T, S = emit.shape
    V = np.empty((T, S))
    for s in range(S):
        V[0, s] = emit[0, s]
    for t in range(1, T):
        for s in range(S):
            best = -math.inf
            for r in range(S):
                best = max(best, V[t - 1, r] + trans[r, s])
            V[t, s] = best + emit[t, s]
    out = -math.inf
    for s in range(S):
        out = max(out, V[T - 1, s])
    return out


def value_backwards(rewards, discount):
    """A finite-horizon value recursion from the last stage back to the first."""
    T, S = rewards.shape
    V = np.zeros((T + 1, S))
    for t in range(T - 1, -1, -1):
        for s in range(S):
            stay = V[t + 1, s]
            move = V[t + 1, s + 1] if s + 1 < S else -1.0
            V[t, s] = rewards[t, s] + discount * max(stay, move)
    return V[0, 0]


def leapfrog_clipped(c, steps):
    """A second-order recurrence in time: rows t - 1 and t make row t + 1."""
    n = c.shape[0]
    U = np.zeros((steps + 1, n))
    for i in range(n):
        U[1, i] = 0.1 * (i % 3)
    for t in range(1, steps):
        for i in range(1, n - 1):
            lap = U[t, i - 1] - 2.0 * U[t, i] + U[t, i + 1]
            U[t + 1, i] = min(max(2.0 * U[t, i] - U[t - 1, i] + c[i] * lap, -1.0), 1.0)
    return U[steps, n // 2] ** 2 + abs(U[steps - 1, 1])


def leapfrog_summed(c, steps):
    """The same recurrence, its last row summed: that sum's loop is fused, and
    the table's adjoint is the fused loop's derivative array, not a zero fill."""
    n = c.shape[0]
    U = np.zeros((steps + 1, n))
    for i in range(n):
        U[1, i] = 0.1 * (i % 3)
    for t in range(1, steps):
        for i in range(1, n - 1):
            lap = U[t, i - 1] - 2.0 * U[t, i] + U[t, i + 1]
            U[t + 1, i] = min(max(2.0 * U[t, i] - U[t - 1, i] + c[i] * lap, -1.0), 1.0)
    total = 0.0
    for i in range(n):
        total += abs(U[steps, i])
    return total


def stacked_trellis(emit):
    """A table of rank 3: each stage keeps a score per pair of states."""
    T, S = emit.shape
    W = np.zeros((T, S, S))
    for t in range(1, T):
        for a in range(S):
            for b in range(S):
                W[t, a, b] = max(W[t - 1, b, a], W[t - 1, a, b] - 0.5) + abs(emit[t, a] - emit[t - 1, b])
    return W[T - 1, 0, S - 1]


ROWS = [
    (dtw, "x"),
    (edit_distance, "x"),
    (viterbi_score, "emit"),
    (value_backwards, "rewards"),
    (leapfrog_clipped, "c"),
    (stacked_trellis, "emit"),
]

# ------------------------------------------------------------- look-alikes


def history_from_input(u0, k):
    """The last row summed: the sum's loop is fused, and the table's adjoint
    is that loop's derivative array, not a zero fill."""
    steps, n = 6, u0.shape[0]
    U = np.empty((steps + 1, n))
    for i in range(n):
        U[0, i] = u0[i]
    for t in range(steps):
        for i in range(n):
            U[t + 1, i] = U[t, i] + k * abs(U[t, i] - 0.5)
    return np.sum(U[steps, :] * U[steps, :])


def wrapped_rows(x):
    """Row ``t - 1`` at ``t = 0`` is the last row: the ring would not hold it."""
    T = 5
    n = x.shape[0]
    A = np.zeros((T, n))
    for i in range(n):
        A[T - 1, i] = x[i]
    for t in range(T):
        for i in range(n):
            A[t, i] = max(A[t - 1, i], 0.5 * x[i]) + 0.1 * t
    return A[T - 1, 0] + A[T - 2, n - 1]


def table_summed(x, y):
    """Every row is read after the table is filled: the reverse adds into them all first."""
    n, m = len(x), len(y)
    D = np.zeros((n + 1, m + 1))
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            D[i, j] = max(D[i - 1, j], D[i, j - 1]) + abs(x[i - 1] - y[j - 1])
    total = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            total += D[i, j]
    return total


KEPT = [
    (leapfrog_summed, "c"),
    (history_from_input, "u0"),
    (table_summed, "x"),
    (wrapped_rows, "x"),
]


def arguments(fn, rng, integers=False, small=False):
    """Arguments for ``fn`` by its parameter names (integer-valued data puts
    the kinks' operands on ties); ``small``: the tables' smallest sizes."""
    def data(*shape):
        return rng.integers(-2, 3, shape).astype(float) if integers else rng.standard_normal(shape)

    n = 1 if small else 7
    out = []
    for p in fn.__code__.co_varnames[:fn.__code__.co_argcount]:
        if p == "x":
            out.append(data(n if fn is not wrapped_rows else 4))
        elif p == "y":
            out.append(data(1 if small else 6))
        elif p in ("emit", "rewards"):
            out.append(data(1 if small else 6, 2 if small else 4))
        elif p == "trans":
            out.append(data(2 if small else 4, 2 if small else 4))
        elif p == "c":
            out.append(0.2 + 0.1 * np.abs(data(3 if small else 9)))
        elif p == "u0":
            out.append(data(n))
        elif p == "steps":
            out.append(2 if small else 5)
        elif p in ("gap", "k"):
            out.append(0.7 if p == "gap" else 0.1)
        elif p == "discount":
            out.append(0.9)
    return tuple(out)
