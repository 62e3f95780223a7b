"""Images and signals: 2-D stencils with abs and a Huber corner, if-based
max pooling in 2-D, pooling by the argmax of a key, a piecewise-linear fit.

Each program is followed by its hand-written njit gradient and, in
``jax_versions``, the vectorized JAX form."""

import math

import numba
import numpy as np

# ------------------------------------------------ total-variation denoising


def tv_denoise(u, f, lam):
    """Anisotropic TV denoising energy: 0.5 |u - f|^2 + lam (|horizontal| + |vertical| differences)."""
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


@numba.njit(cache=True)
def _sgn(t):
    return 1.0 if t > 0.0 else (-1.0 if t < 0.0 else 0.0)


@numba.njit(cache=True)
def tv_denoise_grad(u, f, lam):
    h, w = u.shape
    g = np.empty((h, w))
    for i in range(h):
        for j in range(w):
            v = u[i, j]
            gij = v - f[i, j]
            if i + 1 < h:
                gij -= lam * _sgn(u[i + 1, j] - v)
            if i > 0:
                gij += lam * _sgn(v - u[i - 1, j])
            if j + 1 < w:
                gij -= lam * _sgn(u[i, j + 1] - v)
            if j > 0:
                gij += lam * _sgn(v - u[i, j - 1])
            g[i, j] = gij
    return (g,)


# ---------------------------------------------------------- Huber-ized TV


def huber_tv(u, f, lam, eps):
    """Isotropic TV with a Huber corner (forward differences, zero past the border)."""
    h, w = u.shape
    e = 0.0
    for i in range(h):
        for j in range(w):
            d = u[i, j] - f[i, j]
            e += 0.5 * d * d
            dx = 0.0
            dy = 0.0
            if i + 1 < h:
                dx = u[i + 1, j] - u[i, j]
            if j + 1 < w:
                dy = u[i, j + 1] - u[i, j]
            r = math.sqrt(dx * dx + dy * dy)
            if r <= eps:
                e += lam * 0.5 * r * r / eps
            else:
                e += lam * (r - 0.5 * eps)
    return e


@numba.njit(cache=True)
def huber_tv_grad(u, f, lam, eps):
    h, w = u.shape
    g = np.empty((h, w))
    # px, py of the row above, kept for the next row; each g[i, j] is written once
    px_up = np.zeros(w)
    for i in range(h):
        py_left = 0.0
        for j in range(w):
            dx = u[i + 1, j] - u[i, j] if i + 1 < h else 0.0
            dy = u[i, j + 1] - u[i, j] if j + 1 < w else 0.0
            r2 = dx * dx + dy * dy
            r = math.sqrt(r2)
            c = lam / eps if r <= eps else lam / r  # d(energy)/d(dx) = c dx
            px = c * dx
            py = c * dy
            g[i, j] = u[i, j] - f[i, j] - px - py + px_up[j] + py_left
            px_up[j] = px
            py_left = py
    return (g,)


# ------------------------------------------------------ 2-D max pooling


def max_pool_2d(img, target):
    """2x2 max pooling with an if per entry, then a squared error against target."""
    h, w = img.shape
    ho = h // 2
    wo = w // 2
    out = np.empty((ho, wo))
    for i in range(ho):
        for j in range(wo):
            m = img[2 * i, 2 * j]
            for di in range(2):
                for dj in range(2):
                    v = img[2 * i + di, 2 * j + dj]
                    if v > m:
                        m = v
            out[i, j] = m
    loss = 0.0
    for i in range(ho):
        for j in range(wo):
            d = out[i, j] - target[i, j]
            loss += d * d
    return loss


@numba.njit(cache=True)
def max_pool_2d_grad(img, target):
    h, w = img.shape
    ho = h // 2
    wo = w // 2
    g = np.zeros((h, w))
    for i in range(ho):
        for j in range(wo):
            bi = 2 * i
            bj = 2 * j
            m = img[bi, bj]
            for di in range(2):
                for dj in range(2):
                    v = img[2 * i + di, 2 * j + dj]
                    if v > m:
                        m = v
                        bi = 2 * i + di
                        bj = 2 * j + dj
            g[bi, bj] = 2.0 * (m - target[i, j])
    return (g,)


# --------------------------------------------------- pooling by argmax of a key


def argmax_pool(key, val, w, k):
    """Per window of width k, the value at the argmax of the key, weighted by w."""
    n = key.shape[0]
    s = 0.0
    for win in range(n // k):
        st = win * k
        a = st
        for t in range(st + 1, st + k):
            if key[t] > key[a]:
                a = t
        s += w[win] * val[a] * val[a]
    return s


@numba.njit(cache=True)
def argmax_pool_grad(key, val, w, k):
    n = key.shape[0]
    nw = n // k
    gv = np.zeros(n)
    gw = np.empty(nw)
    for win in range(nw):
        st = win * k
        a = st
        best = key[st]
        for t in range(st + 1, st + k):
            kt = key[t]
            a = t if kt > best else a
            best = max(best, kt)
        va = val[a]
        gw[win] = va * va
        gv[a] = 2.0 * w[win] * va
    return gv, gw


# ------------------------------------------- piecewise-linear fit with a TV penalty


def pl_fit(c, t, y, lam):
    """Least squares of a piecewise-linear function on [0, 1] (knot values c) plus lam |jumps of c|."""
    m = c.shape[0]
    n = t.shape[0]
    loss = 0.0
    for i in range(n):
        u = t[i] * (m - 1)
        j = int(u)
        if j > m - 2:
            j = m - 2
        a = u - j
        p = (1.0 - a) * c[j] + a * c[j + 1]
        loss += (p - y[i]) ** 2
    pen = 0.0
    for k in range(m - 1):
        pen += abs(c[k + 1] - c[k])
    return loss / n + lam * pen


@numba.njit(cache=True)
def pl_fit_grad(c, t, y, lam):
    m = c.shape[0]
    n = t.shape[0]
    g = np.zeros(m)
    for i in range(n):
        u = t[i] * (m - 1)
        j = min(int(u), m - 2)
        a = u - j
        p = (1.0 - a) * c[j] + a * c[j + 1]
        r = 2.0 * (p - y[i]) / n
        g[j] += (1.0 - a) * r
        g[j + 1] += a * r
    for k in range(m - 1):
        s = lam * _sgn(c[k + 1] - c[k])
        g[k + 1] += s
        g[k] -= s
    return (g,)


def jax_versions(jax, jnp):
    def tv_denoise(u, f, lam):
        return (0.5 * jnp.sum((u - f) ** 2) + lam * jnp.sum(jnp.abs(jnp.diff(u, axis=0)))
                + lam * jnp.sum(jnp.abs(jnp.diff(u, axis=1))))

    def huber_tv(u, f, lam, eps):
        dx = jnp.concatenate([jnp.diff(u, axis=0), jnp.zeros((1, u.shape[1]))], axis=0)
        dy = jnp.concatenate([jnp.diff(u, axis=1), jnp.zeros((u.shape[0], 1))], axis=1)
        r2 = dx * dx + dy * dy
        small = r2 <= eps * eps
        r = jnp.sqrt(jnp.where(small, 1.0, r2))  # the usual guard: no sqrt'(0) in the unused branch
        hub = jnp.where(small, 0.5 * r2 / eps, r - 0.5 * eps)
        return 0.5 * jnp.sum((u - f) ** 2) + lam * jnp.sum(hub)

    def max_pool_2d(img, target):
        h, w = img.shape
        p = img[: h // 2 * 2, : w // 2 * 2].reshape(h // 2, 2, w // 2, 2).max(axis=(1, 3))
        return jnp.sum((p - target) ** 2)

    def argmax_pool(key, val, w, k):
        nw = key.shape[0] // k
        a = jnp.argmax(key[: nw * k].reshape(nw, k), axis=1) + k * jnp.arange(nw)
        return jnp.sum(w * val[a] ** 2)

    def pl_fit(c, t, y, lam):
        m = c.shape[0]
        u = t * (m - 1)
        j = jnp.minimum(u.astype(jnp.int32), m - 2)
        a = u - j
        p = (1.0 - a) * c[j] + a * c[j + 1]
        return jnp.mean((p - y) ** 2) + lam * jnp.sum(jnp.abs(jnp.diff(c)))

    return dict(tv_denoise=tv_denoise, huber_tv=huber_tv, max_pool_2d=max_pool_2d, argmax_pool=argmax_pool,
                pl_fit=pl_fit)
