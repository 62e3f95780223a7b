"""Losses of models fitted to data: k-means, a 3-layer ReLU network, softmax
cross-entropy, quantile regression, group LASSO, an L1 matrix factorisation,
a pairwise ranking hinge and the energy after a few ISTA steps.

Each program is followed by its hand-written njit gradient (with respect to
the parameters only) and, in ``jax_versions``, the vectorized JAX form."""

import math

import numba
import numpy as np

# ---------------------------------------------------------- k-means loss


def kmeans_loss(X, C):
    """Sum over the points of the squared distance to the nearest centre."""
    n, d = X.shape
    k = C.shape[0]
    loss = 0.0
    for i in range(n):
        best = math.inf
        for c in range(k):
            dist = 0.0
            for j in range(d):
                t = X[i, j] - C[c, j]
                dist += t * t
            if dist < best:
                best = dist
        loss += best
    return loss


@numba.njit(cache=True)
def kmeans_loss_grad(X, C):
    n, d = X.shape
    k = C.shape[0]
    g = np.zeros((k, d))
    for i in range(n):
        best = math.inf
        b = 0
        for c in range(k):
            dist = 0.0
            for j in range(d):
                t = X[i, j] - C[c, j]
                dist += t * t
            b = c if dist < best else b
            best = min(best, dist)
        for j in range(d):
            g[b, j] += 2.0 * (C[b, j] - X[i, j])
    return (g,)


# ------------------------------------------------------ 3-layer ReLU network


def mlp3_loss(X, y, W1, b1, W2, b2, w3, b3):
    """Mean squared error of a network with two ReLU hidden layers."""
    n, d = X.shape
    h1 = W1.shape[1]
    h2 = W2.shape[1]
    a1 = np.empty(h1)
    a2 = np.empty(h2)
    loss = 0.0
    for i in range(n):
        for k in range(h1):
            z = b1[k]
            for j in range(d):
                z += X[i, j] * W1[j, k]
            a1[k] = max(z, 0.0)
        for k in range(h2):
            z = b2[k]
            for j in range(h1):
                z += a1[j] * W2[j, k]
            a2[k] = max(z, 0.0)
        out = b3
        for k in range(h2):
            out += a2[k] * w3[k]
        loss += (out - y[i]) ** 2
    return loss / n


@numba.njit(cache=True)
def mlp3_loss_grad(X, y, W1, b1, W2, b2, w3, b3):
    n, d = X.shape
    h1 = W1.shape[1]
    h2 = W2.shape[1]
    a1 = np.empty(h1)
    a2 = np.empty(h2)
    d1 = np.empty(h1)
    d2 = np.empty(h2)
    gW1 = np.zeros((d, h1))
    gb1 = np.zeros(h1)
    gW2 = np.zeros((h1, h2))
    gb2 = np.zeros(h2)
    gw3 = np.zeros(h2)
    gb3 = 0.0
    for i in range(n):
        for k in range(h1):
            a1[k] = b1[k]
        for j in range(d):
            xij = X[i, j]
            for k in range(h1):
                a1[k] += xij * W1[j, k]
        for k in range(h1):
            a1[k] = max(a1[k], 0.0)
        for k in range(h2):
            a2[k] = b2[k]
        for j in range(h1):
            aj = a1[j]
            for k in range(h2):
                a2[k] += aj * W2[j, k]
        out = b3
        for k in range(h2):
            a2[k] = max(a2[k], 0.0)
            out += a2[k] * w3[k]
        dout = 2.0 * (out - y[i]) / n
        gb3 += dout
        for k in range(h2):
            gw3[k] += dout * a2[k]
            d2[k] = dout * w3[k] if a2[k] > 0.0 else 0.0
            gb2[k] += d2[k]
        for j in range(h1):
            aj = a1[j]
            acc = 0.0
            for k in range(h2):
                gW2[j, k] += aj * d2[k]
                acc += W2[j, k] * d2[k]
            d1[j] = acc if aj > 0.0 else 0.0
            gb1[j] += d1[j]
        for j in range(d):
            xij = X[i, j]
            for k in range(h1):
                gW1[j, k] += xij * d1[k]
    return gW1, gb1, gW2, gb2, gw3, gb3


# ------------------------------------------------ softmax cross-entropy


def softmax_xent(X, labels, W):
    """Mean cross-entropy of a linear softmax classifier, the max subtracted before exp."""
    n, d = X.shape
    c = W.shape[1]
    z = np.empty(c)
    loss = 0.0
    for i in range(n):
        for k in range(c):
            s = 0.0
            for j in range(d):
                s += X[i, j] * W[j, k]
            z[k] = s
        m = z[0]
        for k in range(1, c):
            m = max(m, z[k])
        se = 0.0
        for k in range(c):
            se += math.exp(z[k] - m)
        loss += m + math.log(se) - z[labels[i]]
    return loss / n


@numba.njit(cache=True)
def softmax_xent_grad(X, labels, W):
    n, d = X.shape
    c = W.shape[1]
    z = np.empty(c)
    gW = np.zeros((d, c))
    for i in range(n):
        for k in range(c):
            z[k] = 0.0
        for j in range(d):
            xij = X[i, j]
            for k in range(c):
                z[k] += xij * W[j, k]
        m = z[0]
        for k in range(1, c):
            m = max(m, z[k])
        se = 0.0
        for k in range(c):
            z[k] = math.exp(z[k] - m)
            se += z[k]
        inv = 1.0 / (se * n)
        for k in range(c):
            z[k] *= inv  # softmax / n
        z[labels[i]] -= 1.0 / n
        for j in range(d):
            xij = X[i, j]
            for k in range(c):
                gW[j, k] += xij * z[k]
    return (gW,)


# ------------------------------------------------- quantile regression


def quantile_regression(X, y, w, tau):
    """Mean pinball loss max(tau r, (tau - 1) r) of the residuals r = y - X w."""
    n, d = X.shape
    s = 0.0
    for i in range(n):
        p = 0.0
        for j in range(d):
            p += X[i, j] * w[j]
        r = y[i] - p
        s += max(tau * r, (tau - 1.0) * r)
    return s / n


@numba.njit(cache=True)
def quantile_regression_grad(X, y, w, tau):
    n, d = X.shape
    g = np.zeros(d)
    for i in range(n):
        p = 0.0
        for j in range(d):
            p += X[i, j] * w[j]
        r = y[i] - p
        c = -(tau if r > 0.0 else tau - 1.0) / n
        for j in range(d):
            g[j] += c * X[i, j]
    return (g,)


# --------------------------------------------------------- group LASSO


def group_lasso(X, y, w, gsize, lam):
    """Half mean squared residual plus lam times the norms of consecutive groups of gsize weights."""
    n, d = X.shape
    s = 0.0
    for i in range(n):
        r = -y[i]
        for j in range(d):
            r += X[i, j] * w[j]
        s += r * r
    pen = 0.0
    for g0 in range(0, d, gsize):
        q = 0.0
        for j in range(g0, g0 + gsize):
            q += w[j] * w[j]
        pen += math.sqrt(q)
    return 0.5 * s / n + lam * pen


@numba.njit(cache=True)
def group_lasso_grad(X, y, w, gsize, lam):
    n, d = X.shape
    g = np.zeros(d)
    for i in range(n):
        r = -y[i]
        for j in range(d):
            r += X[i, j] * w[j]
        c = r / n
        for j in range(d):
            g[j] += c * X[i, j]
    for g0 in range(0, d, gsize):
        q = 0.0
        for j in range(g0, g0 + gsize):
            q += w[j] * w[j]
        c = lam / math.sqrt(q) if q > 0.0 else 0.0
        for j in range(g0, g0 + gsize):
            g[j] += c * w[j]
    return (g,)


# --------------------------------------------- L1 matrix factorisation


def robust_factorization(M, U, V, mu):
    """Robust-PCA-like fit: sum |M - U V^T| plus mu (|U|^2 + |V|^2)."""
    m, n = M.shape
    r = U.shape[1]
    s = 0.0
    for i in range(m):
        for j in range(n):
            p = 0.0
            for k in range(r):
                p += U[i, k] * V[j, k]
            s += abs(M[i, j] - p)
    reg = 0.0
    for i in range(m):
        for k in range(r):
            reg += U[i, k] ** 2
    for j in range(n):
        for k in range(r):
            reg += V[j, k] ** 2
    return s + mu * reg


@numba.njit(cache=True)
def robust_factorization_grad(M, U, V, mu):
    # U's row and its gradient in small buffers: the inner loops then do not
    # reload them through possible aliases (1.25x faster than indexing gU[i, k])
    m, n = M.shape
    r = U.shape[1]
    gU = np.empty((m, r))
    gV = np.empty((n, r))
    ui = np.empty(r)
    gi = np.empty(r)
    for j in range(n):
        for k in range(r):
            gV[j, k] = 2.0 * mu * V[j, k]
    for i in range(m):
        for k in range(r):
            ui[k] = U[i, k]
            gi[k] = 2.0 * mu * U[i, k]
        for j in range(n):
            p = 0.0
            for k in range(r):
                p += ui[k] * V[j, k]
            e = M[i, j] - p
            sg = -1.0 if e > 0.0 else (1.0 if e < 0.0 else 0.0)  # d|e|/dp
            for k in range(r):
                gi[k] += sg * V[j, k]
                gV[j, k] += sg * ui[k]
        for k in range(r):
            gU[i, k] = gi[k]
    return gU, gV


# ------------------------------------------------ pairwise ranking hinge


def ranking_hinge(X, y, w):
    """Hinge on every ordered pair: sum over y_i > y_j of max(0, 1 - (s_i - s_j)), s = X w."""
    n, d = X.shape
    s = np.empty(n)
    for i in range(n):
        t = 0.0
        for j in range(d):
            t += X[i, j] * w[j]
        s[i] = t
    loss = 0.0
    for i in range(n):
        for j in range(n):
            if y[i] > y[j]:
                loss += max(0.0, 1.0 - (s[i] - s[j]))
    return loss / n


@numba.njit(cache=True)
def ranking_hinge_grad(X, y, w):
    n, d = X.shape
    s = np.empty(n)
    for i in range(n):
        t = 0.0
        for j in range(d):
            t += X[i, j] * w[j]
        s[i] = t
    cs = np.zeros(n)  # d loss / d s
    for i in range(n):
        ci = 0.0
        for j in range(n):
            act = 1.0 if (y[i] > y[j] and 1.0 - (s[i] - s[j]) > 0.0) else 0.0
            ci -= act
            cs[j] += act
        cs[i] += ci
    g = np.zeros(d)
    for i in range(n):
        c = cs[i] / n
        for j in range(d):
            g[j] += c * X[i, j]
    return (g,)


# ------------------------------------------------------------ ISTA energy


def ista_energy(b, lam, mu, steps: int, t):
    """Energy after ISTA steps on 0.5 x'(L + mu I)x - b'x + lam |x|_1 (L: the 1-D Laplacian),
    soft thresholding written with if / elif / else."""
    n = b.shape[0]
    x = np.zeros(n)
    xn = np.empty(n)
    for it in range(steps):
        for i in range(n):
            lx = 2.0 * x[i]
            if i > 0:
                lx -= x[i - 1]
            if i < n - 1:
                lx -= x[i + 1]
            v = x[i] - t * (lx + mu * x[i] - b[i])
            if v > t * lam:
                xn[i] = v - t * lam
            elif v < -t * lam:
                xn[i] = v + t * lam
            else:
                xn[i] = 0.0
        for i in range(n):
            x[i] = xn[i]
    e = 0.0
    for i in range(n):
        lx = 2.0 * x[i]
        if i > 0:
            lx -= x[i - 1]
        if i < n - 1:
            lx -= x[i + 1]
        e += 0.5 * x[i] * (lx + mu * x[i]) - b[i] * x[i] + lam * abs(x[i])
    return e


@numba.njit(cache=True)
def ista_energy_grad(b, lam, mu, steps, t):
    """Reverse through the steps with every iterate kept (steps x n)."""
    n = b.shape[0]
    xs = np.empty((steps + 1, n))
    for i in range(n):
        xs[0, i] = 0.0
    for it in range(steps):
        for i in range(n):
            xi = xs[it, i]
            lx = 2.0 * xi
            if i > 0:
                lx -= xs[it, i - 1]
            if i < n - 1:
                lx -= xs[it, i + 1]
            v = xi - t * (lx + mu * xi - b[i])
            tl = t * lam
            xs[it + 1, i] = v - tl if v > tl else (v + tl if v < -tl else 0.0)
    gb = np.empty(n)
    gx = np.empty(n)
    glam = 0.0
    for i in range(n):  # the energy: (L + mu) x - b + lam sign(x)
        xi = xs[steps, i]
        lx = (2.0 + mu) * xi
        if i > 0:
            lx -= xs[steps, i - 1]
        if i < n - 1:
            lx -= xs[steps, i + 1]
        sg = 1.0 if xi > 0.0 else (-1.0 if xi < 0.0 else 0.0)
        gx[i] = lx - b[i] + lam * sg
        gb[i] = -xi
        glam += abs(xi)
    gv = np.empty(n)
    for it in range(steps - 1, -1, -1):
        tl = t * lam
        for i in range(n):
            xi = xs[it, i]
            lx = 2.0 * xi
            if i > 0:
                lx -= xs[it, i - 1]
            if i < n - 1:
                lx -= xs[it, i + 1]
            v = xi - t * (lx + mu * xi - b[i])
            if v > tl:
                gv[i] = gx[i]
                glam -= t * gx[i]
            elif v < -tl:
                gv[i] = gx[i]
                glam += t * gx[i]
            else:
                gv[i] = 0.0
        # x_new = v(x): v_i = (1 - t (2 + mu)) x_i + t x_{i-1} + t x_{i+1} + t b_i
        for i in range(n):
            acc = (1.0 - t * (2.0 + mu)) * gv[i]
            if i > 0:
                acc += t * gv[i - 1]
            if i < n - 1:
                acc += t * gv[i + 1]
            gb[i] += t * gv[i]
            gx[i] = acc
    return gb, glam


def jax_versions(jax, jnp):
    def kmeans_loss(X, C):
        d2 = jnp.sum((X[:, None, :] - C[None, :, :]) ** 2, axis=2)
        return jnp.sum(jnp.min(d2, axis=1))

    def mlp3_loss(X, y, W1, b1, W2, b2, w3, b3):
        a1 = jax.nn.relu(X @ W1 + b1)
        a2 = jax.nn.relu(a1 @ W2 + b2)
        return jnp.mean((a2 @ w3 + b3 - y) ** 2)

    def softmax_xent(X, labels, W):
        z = X @ W
        return jnp.mean(jax.nn.logsumexp(z, axis=1) - jnp.take_along_axis(z, labels[:, None], axis=1)[:, 0])

    def quantile_regression(X, y, w, tau):
        r = y - X @ w
        return jnp.mean(jnp.maximum(tau * r, (tau - 1.0) * r))

    def group_lasso(X, y, w, gsize, lam):
        return (0.5 * jnp.mean((X @ w - y) ** 2)
                + lam * jnp.sum(jnp.sqrt(jnp.sum(w.reshape(-1, gsize) ** 2, axis=1))))

    def robust_factorization(M, U, V, mu):
        return jnp.sum(jnp.abs(M - U @ V.T)) + mu * (jnp.sum(U ** 2) + jnp.sum(V ** 2))

    def ranking_hinge(X, y, w):
        s = X @ w
        pairs = y[:, None] > y[None, :]
        return jnp.sum(jnp.where(pairs, jnp.maximum(0.0, 1.0 - (s[:, None] - s[None, :])), 0.0)) / X.shape[0]

    def ista_energy(b, lam, mu, steps, t):
        def lap(x):
            xp = jnp.pad(x, 1)
            return 2.0 * x - xp[:-2] - xp[2:]

        def step(_, x):
            v = x - t * (lap(x) + mu * x - b)
            return jnp.sign(v) * jnp.maximum(jnp.abs(v) - t * lam, 0.0)

        x = jax.lax.fori_loop(0, steps, step, jnp.zeros_like(b))
        return jnp.sum(0.5 * x * (lap(x) + mu * x) - b * x + lam * jnp.abs(x))

    return dict(kmeans_loss=kmeans_loss, mlp3_loss=mlp3_loss, softmax_xent=softmax_xent,
                quantile_regression=quantile_regression, group_lasso=group_lasso,
                robust_factorization=robust_factorization, ranking_hinge=ranking_hinge, ista_energy=ista_energy)
