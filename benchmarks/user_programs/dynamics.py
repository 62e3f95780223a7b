"""Recurrences and searches: a Monte-Carlo barrier option (a ``break``),
exponential smoothing of clipped data, a leaky-ReLU RNN, Newton's method in a
``while`` loop, dynamic time warping (a min-plus recursion) and a drawdown
(a running maximum).

Each program is followed by its hand-written njit gradient and, in
``jax_versions``, the vectorized JAX form."""

import math

import numba
import numpy as np

# --------------------------------------------- Monte-Carlo barrier option


def barrier_call(Z, S0, sigma, r, K, B, T):
    """Down-and-out call: a path that falls below B is knocked out (break)."""
    paths, steps = Z.shape
    dt = T / steps
    drift = (r - 0.5 * sigma * sigma) * dt
    vol = sigma * math.sqrt(dt)
    total = 0.0
    for p in range(paths):
        S = S0
        alive = True
        for k in range(steps):
            S = S * math.exp(drift + vol * Z[p, k])
            if S < B:
                alive = False
                break
        if alive:
            total += max(S - K, 0.0)
    return math.exp(-r * T) * total / paths


@numba.njit(cache=True)
def barrier_call_grad(Z, S0, sigma, r, K, B, T):
    paths, steps = Z.shape
    dt = T / steps
    drift = (r - 0.5 * sigma * sigma) * dt
    vol = sigma * math.sqrt(dt)
    sq = math.sqrt(dt)
    disc = math.exp(-r * T) / paths
    gS0 = 0.0
    gsig = 0.0
    gr = 0.0
    gK = 0.0
    total = 0.0
    for p in range(paths):
        S = S0
        zs = 0.0
        alive = True
        for k in range(steps):
            z = Z[p, k]
            S = S * math.exp(drift + vol * z)
            zs += z
            if S < B:
                alive = False
                break
        if alive and S > K:
            total += S - K
            # log S = log S0 + steps drift + vol sum(z)
            gS0 += S / S0
            gsig += S * (-sigma * T + sq * zs)
            gr += S * T
            gK -= 1.0
    return gS0 * disc, gsig * disc, gr * disc - T * disc * total, gK * disc


# ------------------------------------- exponential smoothing of clipped data


def smooth_clipped(y, alpha, lo, hi):
    """One-step-ahead squared error of exponential smoothing fed with the data clipped to [lo, hi]."""
    n = y.shape[0]
    s = y[0]
    loss = 0.0
    for t in range(1, n):
        e = y[t] - s
        loss += e * e
        if y[t] < lo:
            yc = lo
        elif y[t] > hi:
            yc = hi
        else:
            yc = y[t]
        s = alpha * yc + (1.0 - alpha) * s
    return loss / n


@numba.njit(cache=True)
def smooth_clipped_grad(y, alpha, lo, hi):
    """Forward mode: three parameters, three tangents carried along, no tape."""
    n = y.shape[0]
    s = y[0]
    sa = 0.0
    sl = 0.0
    sh = 0.0
    ga = 0.0
    gl = 0.0
    gh = 0.0
    for t in range(1, n):
        yt = y[t]
        e = yt - s
        ga -= e * sa
        gl -= e * sl
        gh -= e * sh
        ilo = 1.0 if yt < lo else 0.0
        ihi = 1.0 if (yt > hi and not yt < lo) else 0.0
        yc = lo if yt < lo else (hi if yt > hi else yt)
        sa = yc - s + (1.0 - alpha) * sa
        sl = alpha * ilo + (1.0 - alpha) * sl
        sh = alpha * ihi + (1.0 - alpha) * sh
        s = alpha * yc + (1.0 - alpha) * s
    c = 2.0 / n
    return ga * c, gl * c, gh * c


# ------------------------------------------------------ leaky-ReLU RNN


def leaky_rnn(xs, ys, W, U, b, v):
    """Squared error of a leaky-ReLU recurrent network's readout at every step."""
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
        out = 0.0
        for k in range(h):
            state[k] = new[k]
            out += v[k] * state[k]
        loss += (out - ys[t]) ** 2
    return loss / T


@numba.njit(cache=True)
def leaky_rnn_grad(xs, ys, W, U, b, v):
    T, d = xs.shape
    h = W.shape[0]
    H = np.empty((T + 1, h))  # the states, kept for the reverse sweep
    Z = np.empty((T, h))
    for k in range(h):
        H[0, k] = 0.0
    for t in range(T):
        for k in range(h):
            z = b[k]
            for j in range(h):
                z += W[k, j] * H[t, j]
            for j in range(d):
                z += U[k, j] * xs[t, j]
            Z[t, k] = z
            H[t + 1, k] = max(z, 0.1 * z)
    gW = np.zeros((h, h))
    gU = np.zeros((h, d))
    gb = np.zeros(h)
    gv = np.zeros(h)
    hb = np.zeros(h)
    zb = np.empty(h)
    for t in range(T - 1, -1, -1):
        out = 0.0
        for k in range(h):
            out += v[k] * H[t + 1, k]
        c = 2.0 * (out - ys[t]) / T
        for k in range(h):
            gv[k] += c * H[t + 1, k]
            zb[k] = (hb[k] + c * v[k]) * (1.0 if Z[t, k] > 0.0 else 0.1)
            gb[k] += zb[k]
        for j in range(h):
            hb[j] = 0.0
        for k in range(h):
            zk = zb[k]
            for j in range(h):
                gW[k, j] += zk * H[t, j]
                hb[j] += zk * W[k, j]
            for j in range(d):
                gU[k, j] += zk * xs[t, j]
    return gW, gU, gb, gv


# ------------------------------------------------ Newton in a while loop


def newton_roots(a, b):
    """Sum of squares of the real roots of t^3 + a t - b (a > 0), each found by Newton's method."""
    n = a.shape[0]
    s = 0.0
    for i in range(n):
        t = b[i] / (a[i] + 1.0)
        step = 1.0
        while abs(step) > 1e-13:
            f = t * t * t + a[i] * t - b[i]
            step = f / (3.0 * t * t + a[i])
            t = t - step
        s += t * t
    return s


@numba.njit(cache=True)
def newton_roots_grad(a, b):
    """The implicit-function derivative at each root: dt/da = -t / f'(t), dt/db = 1 / f'(t)."""
    n = a.shape[0]
    ga = np.empty(n)
    gb = np.empty(n)
    for i in range(n):
        ai = a[i]
        bi = b[i]
        t = bi / (ai + 1.0)
        step = 1.0
        while abs(step) > 1e-13:
            f = t * t * t + ai * t - bi
            step = f / (3.0 * t * t + ai)
            t = t - step
        q = 2.0 * t / (3.0 * t * t + ai)
        ga[i] = -q * t
        gb[i] = q
    return ga, gb


# --------------------------------------------- dynamic time warping


def dtw(x, y):
    """Dynamic time warping distance with |x_i - y_j| costs (min over the three predecessors)."""
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


@numba.njit(cache=True)
def dtw_grad(x, y):
    """The table, then one walk back along the optimal path."""
    n = x.shape[0]
    m = y.shape[0]
    D = np.empty((n + 1, m + 1))
    for j in range(m + 1):
        D[0, j] = math.inf
    for i in range(1, n + 1):
        D[i, 0] = math.inf
    D[0, 0] = 0.0
    for i in range(1, n + 1):
        xi = x[i - 1]
        for j in range(1, m + 1):
            D[i, j] = abs(xi - y[j - 1]) + min(D[i - 1, j], D[i, j - 1], D[i - 1, j - 1])
    gx = np.zeros(n)
    gy = np.zeros(m)
    i = n
    j = m
    while i > 0 and j > 0:
        e = x[i - 1] - y[j - 1]
        sg = 1.0 if e > 0.0 else (-1.0 if e < 0.0 else 0.0)
        gx[i - 1] += sg
        gy[j - 1] -= sg
        up = D[i - 1, j]
        left = D[i, j - 1]
        diag = D[i - 1, j - 1]
        # min(a, b, c) keeps the first of equal operands
        if up <= left and up <= diag:
            i -= 1
        elif left <= diag:
            j -= 1
        else:
            i -= 1
            j -= 1
    return gx, gy


# ------------------------------------------------------------- drawdown


def ulcer_index(x):
    """Root mean square drawdown of the price path cumsum(x) from its running maximum."""
    n = x.shape[0]
    p = 0.0
    peak = 0.0
    s = 0.0
    for t in range(n):
        p += x[t]
        peak = max(peak, p)
        dd = peak - p
        s += dd * dd
    return math.sqrt(s / n)


@numba.njit(cache=True)
def ulcer_index_grad(x):
    n = x.shape[0]
    g = np.empty(n)  # first d s / d p_t, then summed from the end into d/d x_t
    p = 0.0
    peak = 0.0
    a = -1  # where the running maximum was reached (-1: the start, 0.0)
    share = 0.0  # what the current peak's entry collects, written when the peak moves
    s = 0.0
    for t in range(n):
        p += x[t]
        if p > peak:
            if a >= 0:
                g[a] += share
            share = 0.0
            peak = p
            a = t
        dd = peak - p
        s += dd * dd
        share += 2.0 * dd
        g[t] = -2.0 * dd
    if a >= 0:
        g[a] += share
    u = math.sqrt(s / n)
    c = 0.5 / (u * n) if u > 0.0 else 0.0
    acc = 0.0
    for t in range(n - 1, -1, -1):
        acc += g[t]
        g[t] = acc * c
    return (g,)


def jax_versions(jax, jnp):
    def barrier_call(Z, S0, sigma, r, K, B, T):
        paths, steps = Z.shape
        dt = T / steps
        logS = jnp.log(S0) + jnp.cumsum((r - 0.5 * sigma ** 2) * dt + sigma * jnp.sqrt(dt) * Z, axis=1)
        S = jnp.exp(logS)
        alive = jnp.all(S >= B, axis=1)
        return jnp.exp(-r * T) * jnp.mean(jnp.where(alive, jnp.maximum(S[:, -1] - K, 0.0), 0.0))

    def smooth_clipped(y, alpha, lo, hi):
        yc = jnp.clip(y[1:], lo, hi)

        def step(s, inp):
            yt, yct = inp
            return alpha * yct + (1.0 - alpha) * s, (yt - s) ** 2

        _, e2 = jax.lax.scan(step, y[0], (y[1:], yc))
        return jnp.sum(e2) / y.shape[0]

    def leaky_rnn(xs, ys, W, U, b, v):
        def step(state, inp):
            x, yt = inp
            z = W @ state + U @ x + b
            new = jnp.maximum(z, 0.1 * z)
            return new, (v @ new - yt) ** 2

        _, e2 = jax.lax.scan(step, jnp.zeros(W.shape[0]), (xs, ys))
        return jnp.mean(e2)

    def newton_roots(a, b):
        def step(_, t):
            return t - (t ** 3 + a * t - b) / (3.0 * t * t + a)

        t = jax.lax.fori_loop(0, 12, step, b / (a + 1.0))  # a fixed count: reverse mode needs one
        return jnp.sum(t * t)

    def dtw(x, y):
        m = y.shape[0]

        def row(prev, xi):
            cost = jnp.abs(xi - y)

            def cell(left, inp):
                c, up, diag = inp
                v = c + jnp.minimum(jnp.minimum(up, left), diag)
                return v, v

            _, cur = jax.lax.scan(cell, jnp.inf, (cost, prev[1:], prev[:-1]))  # up, diagonal
            return jnp.concatenate([jnp.array([jnp.inf]), cur]), None

        first = jnp.concatenate([jnp.zeros(1), jnp.full(m, jnp.inf)])
        last, _ = jax.lax.scan(row, first, x)
        return last[-1]

    def ulcer_index(x):
        p = jnp.cumsum(x)
        peak = jnp.maximum(jax.lax.cummax(p), 0.0)
        return jnp.sqrt(jnp.mean((peak - p) ** 2))

    return dict(barrier_call=barrier_call, smooth_clipped=smooth_clipped, leaky_rnn=leaky_rnn,
                newton_roots=newton_roots, dtw=dtw, ulcer_index=ulcer_index)
