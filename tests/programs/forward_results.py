"""Time-stepping loops written as users write them: each step computes dot
products row by row (inner loops leaving a sum per row), then cheap work
on those sums.  The reverse of a step re-runs it; the rows' sums it reads
back from the forward run instead of computing them again
(``_forward_results`` in nsadc/transforms/reverse.py).  The look-alikes at
the end keep their re-run: an inner loop that stores, a row loop that may
stop early, two row loops in one step."""

import math

import numpy as np


def tanh_rnn(xs, W, U, v):
    """A tanh recurrent network; the readout's square at every step."""
    T = xs.shape[0]
    h = W.shape[0]
    state = np.zeros(h)
    new = np.zeros(h)
    loss = 0.0
    for t in range(T):
        for k in range(h):
            z = 0.0
            for j in range(h):
                z += W[k, j] * state[j]
            for j in range(xs.shape[1]):
                z += U[k, j] * xs[t, j]
            new[k] = math.tanh(z)
        y = 0.0
        for k in range(h):
            state[k] = new[k]
            y += v[k] * state[k]
        loss += y * y
    return loss


def jacobi_abs(A, b, sweeps: int):
    """Jacobi sweeps for A x = b, then the l1 norm of x."""
    n = A.shape[0]
    x = np.zeros(n)
    nxt = np.zeros(n)
    for it in range(sweeps):
        for i in range(n):
            s = b[i]
            for j in range(n):
                if j != i:
                    s -= A[i, j] * x[j]
            nxt[i] = s / A[i, i]
        for i in range(n):
            x[i] = nxt[i]
    total = 0.0
    for i in range(n):
        total += abs(x[i])
    return total


def power_iteration(A, steps: int):
    """Power iteration with the max-norm; the final scale."""
    n = A.shape[0]
    x = np.ones(n)
    y = np.zeros(n)
    scale = 1.0
    for it in range(steps):
        for i in range(n):
            acc = 0.0
            for j in range(n):
                acc += A[i, j] * x[j]
            y[i] = acc
        scale = 0.0
        for i in range(n):
            scale = max(scale, abs(y[i]))
        for i in range(n):
            x[i] = y[i] / scale
    return scale


def euler_relu_field(M, c, x0, dt, steps: int):
    """Explicit Euler on x' = relu(M x + c) - x; the squared distance to the origin."""
    n = x0.shape[0]
    x = np.zeros(n)
    for i in range(n):
        x[i] = x0[i]
    dx = np.zeros(n)
    for s in range(steps):
        for i in range(n):
            r = c[i]
            for j in range(n):
                r += M[i, j] * x[j]
            dx[i] = max(r, 0.0) - x[i]
        for i in range(n):
            x[i] += dt * dx[i]
    out = 0.0
    for i in range(n):
        out += x[i] * x[i]
    return out


def markov_cost(P, cost, p0, steps: int):
    """A distribution pushed through a transition matrix; the expected cost,
    clipped per step."""
    n = p0.shape[0]
    p = np.zeros(n)
    for i in range(n):
        p[i] = p0[i]
    q = np.zeros(n)
    total = 0.0
    for t in range(steps):
        for j in range(n):
            acc = 0.0
            for i in range(n):
                acc += p[i] * P[i, j]
            q[j] = acc
        e = 0.0
        for j in range(n):
            p[j] = q[j]
            e += p[j] * cost[j]
        total += min(e, 1.0)
    return total


def gru_like(xs, Wz, Wh, v):
    """A gated step: two sums per row (gate and candidate), then a blend."""
    T = xs.shape[0]
    h = Wz.shape[0]
    state = np.zeros(h)
    new = np.zeros(h)
    loss = 0.0
    for t in range(T):
        for k in range(h):
            g = xs[t, k % xs.shape[1]]
            for j in range(h):
                g += Wz[k, j] * state[j]
            c = 0.0
            for j in range(h):
                c += Wh[k, j] * state[j]
            gate = 1.0 / (1.0 + math.exp(-g))
            new[k] = gate * state[k] + (1.0 - gate) * math.tanh(c + xs[t, 0])
        out = 0.0
        for k in range(h):
            state[k] = new[k]
            out += v[k] * state[k]
        loss += abs(out - 0.5)
    return loss


def sequences_rnn(xs, W, v):
    """Several sequences, each run through the same network from a zero state:
    the time loop sits inside the loop over sequences, and keeps no
    checkpoint: the re-run of a sequence may leave it out (its reverse re-runs
    each step itself), so it is re-run as before."""
    S, T = xs.shape[0], xs.shape[1]
    h = W.shape[0]
    state = np.zeros(h)
    new = np.zeros(h)
    loss = 0.0
    for s in range(S):
        for k in range(h):
            state[k] = 0.0
        for t in range(T):
            for k in range(h):
                z = xs[s, t]
                for j in range(h):
                    z += W[k, j] * state[j]
                new[k] = max(z, 0.25 * z)
            for k in range(h):
                state[k] = new[k]
        out = 0.0
        for k in range(h):
            out += v[k] * state[k]
        loss += (out - 1.0) ** 2
    return loss


def pair_energy(X, n: int):
    """Pairs of rows (i, j > i) over the first n rows: the row loop of the
    later rows runs no iteration for the last i (its count is never
    negative); each pair's squared distance is an inner sum, and the energy
    decays as pairs are added."""
    e = 0.0
    for i in range(3):
        for j in range(i + 1, n):
            d2 = 0.0
            for k in range(X.shape[1]):
                d2 += (X[j, k] - X[i, k]) ** 2
            e = 0.9 * e + 0.5 / (0.1 + d2)
    return e


# ------------------------------------------------------------------ look-alikes

def inner_store(xs, W, v):
    """The inner loop writes a work array the rest of the step reads: re-run."""
    T = xs.shape[0]
    h = W.shape[0]
    state = np.zeros(h)
    new = np.zeros(h)
    work = np.zeros(h)
    loss = 0.0
    for t in range(T):
        for k in range(h):
            z = xs[t, 0]
            for j in range(h):
                work[j] = W[k, j] * state[j]
                z += work[j]
            new[k] = max(z, 0.3 * z) + work[0]
        out = 0.0
        for k in range(h):
            state[k] = new[k]
            out += v[k] * state[k]
        loss += out * out
    return loss


def early_stop_rows(xs, W, v):
    """The row loop may stop early: its iterations leave no fixed count."""
    T = xs.shape[0]
    h = W.shape[0]
    state = np.zeros(h)
    new = np.zeros(h)
    loss = 0.0
    for t in range(T):
        for k in range(h):
            new[k] = 0.0
        for k in range(h):
            z = xs[t, 0]
            for j in range(h):
                z += W[k, j] * state[j]
            new[k] = math.tanh(z)
            if z > 3.0:
                break
        out = 0.0
        for k in range(h):
            state[k] = new[k]
            out += v[k] * state[k]
        loss += out * out
    return loss


def two_row_loops(xs, W, V, v):
    """Two row loops with sums in one step: each re-run as before."""
    T = xs.shape[0]
    h = W.shape[0]
    a = np.zeros(h)
    b = np.zeros(h)
    loss = 0.0
    for t in range(T):
        for k in range(h):
            z = xs[t, 0]
            for j in range(h):
                z += W[k, j] * b[j]
            a[k] = math.tanh(z)
        for k in range(h):
            z = 0.0
            for j in range(h):
                z += V[k, j] * a[j]
            b[k] = max(z, 0.1 * z)
        out = 0.0
        for k in range(h):
            out += v[k] * b[k]
        loss += out * out
    return loss


def carried_in_row(xs, W, v):
    """The row's inner loop carries a value of its own into the next row
    (``prev``): the re-run must run it to leave that value: re-run."""
    T = xs.shape[0]
    h = W.shape[0]
    state = np.zeros(h)
    new = np.zeros(h)
    loss = 0.0
    for t in range(T):
        prev = xs[t, 0]
        for k in range(h):
            z = 0.0
            for j in range(h):
                z += W[k, j] * state[j] + 0.1 * prev
                prev = math.sin(state[j] + z)
            new[k] = math.tanh(z)
        out = 0.0
        for k in range(h):
            state[k] = new[k]
            out += v[k] * state[k]
        loss += out * out
    return loss


def quantile_steps(X, y, B, lr):
    """Subgradient steps of a quantile regression in whole-array NumPy: the
    products lower to loops of row sums inside the loop over steps, which
    keeps no checkpoint (re-run as before: nothing would push the sums)."""
    n = X.shape[0]
    taus = (np.arange(B.shape[0]) + 1.0) / (B.shape[0] + 1.0)
    for step in range(3):
        R = y[:, None] - X @ B.T
        G = np.where(R > 0.0, -taus, 1.0 - taus)
        B = B - lr * (G.T @ X) / n
    R = y[:, None] - X @ B.T
    return np.sum(taus * np.maximum(R, 0.0) + (1.0 - taus) * np.maximum(-R, 0.0)) / n


def epochs_of_steps(A, x0, epochs: int, steps: int):
    """Epochs of damped steps; each step's energy sums the rows' absolute
    residuals (a sum per row inside a sum per step), then moves the state."""
    n = x0.shape[0]
    x = x0.copy()
    total = 0.0
    for e in range(epochs):
        for t in range(steps):
            energy = 0.0
            for i in range(n):
                r = 0.0
                for j in range(n):
                    r += A[i, j] * x[j]
                energy += abs(r)
            for i in range(n):
                x[i] = math.tanh(x[i] - 0.05 * energy * x[i])
            total += energy
    return total


def sweeps_of_rows(W, b, sweeps: int, inner: int):
    """A row sum inside a step inside a sweep, as in the previous program,
    but the step keeps a scalar state and the rows read a fixed matrix."""
    n = b.shape[0]
    s = 0.5
    out = 0.0
    for k in range(sweeps):
        for t in range(inner):
            acc = 0.0
            for i in range(n):
                z = 0.0
                for j in range(n):
                    z += W[i, j] * b[j] * s
                acc += max(z, 0.0)
            s = math.tanh(s + 0.1 * acc)
            out += s * s
    return out
