"""Peers of the array benchmark programs (array_programs.py).

``HAND_WRITTEN``: njit gradients a careful person writes: one forward pass
with the backward pass fused into it sample by sample, no allocation beyond
the gradients themselves and, for the MLP, two hidden-layer-sized scratch
vectors. Each returns ``(value, grad_1, grad_2, ...)``, one gradient per float
or float-array argument, in argument order. Kinks take the minimum-norm
element: relu'(0) = 0, abs'(0) = 0, d max(0, t)/dt = 0 at t = 0.

``jax_programs()``: the same functions written the way a JAX user writes them
(vectorized jax.numpy), each as ``jax.jit(jax.value_and_grad(f, argnums=...))``
over the float arguments, returning ``(value, (grad_1, grad_2, ...))``."""

import numba
import numpy as np


@numba.njit(cache=True)
def mlp_loss_grad(X, y, W1, b1, w2, b2):
    n, d = X.shape
    h = W1.shape[1]
    z = np.empty(h)  # one sample's pre-activations
    dz = np.empty(h)  # ... and their adjoints
    gX = np.empty((n, d))
    gy = np.empty(n)
    gW1 = np.zeros((d, h))
    gb1 = np.zeros(h)
    gw2 = np.zeros(h)
    gb2 = 0.0
    loss = 0.0
    for i in range(n):
        # forward, j outer / k inner so that W1 is read along its rows
        for k in range(h):
            z[k] = b1[k]
        for j in range(d):
            xij = X[i, j]
            for k in range(h):
                z[k] += xij * W1[j, k]
        out = b2
        for k in range(h):
            if z[k] > 0.0:
                out += z[k] * w2[k]
        r = out - y[i]
        loss += r * r
        # backward for this sample
        dout = 2.0 * r / n
        gy[i] = -dout
        gb2 += dout
        for k in range(h):
            if z[k] > 0.0:  # relu'(0) = 0
                gw2[k] += dout * z[k]
                dz[k] = dout * w2[k]
                gb1[k] += dz[k]
            else:
                dz[k] = 0.0
        for j in range(d):
            xij = X[i, j]
            acc = 0.0
            for k in range(h):
                gW1[j, k] += dz[k] * xij
                acc += dz[k] * W1[j, k]
            gX[i, j] = acc
    return loss / n, gX, gy, gW1, gb1, gw2, gb2


@numba.njit(cache=True)
def svm_hinge_grad(X, y, w, b, lam):
    n, d = X.shape
    gX = np.empty((n, d))
    gy = np.empty(n)
    gw = np.zeros(d)
    gb = 0.0
    s = 0.0
    for i in range(n):
        m = b
        for j in range(d):
            m += X[i, j] * w[j]
        t = 1.0 - y[i] * m
        if t > 0.0:  # the hinge's derivative is 0 at t == 0
            s += t
            c = -y[i] / n  # d(term / n) / dm
            gy[i] = -m / n
            gb += c
            for j in range(d):
                gX[i, j] = c * w[j]
                gw[j] += c * X[i, j]
        else:
            gy[i] = 0.0
            for j in range(d):
                gX[i, j] = 0.0
    r = 0.0
    for j in range(d):
        r += w[j] * w[j]
        gw[j] += 2.0 * lam * w[j]
    return s / n + lam * r, gX, gy, gw, gb, r


@numba.njit(cache=True)
def lasso_grad(X, y, w, lam):
    n, d = X.shape
    gX = np.empty((n, d))
    gy = np.empty(n)
    gw = np.zeros(d)
    s = 0.0
    for i in range(n):
        r = 0.0
        for j in range(d):
            r += X[i, j] * w[j]
        e = r - y[i]
        s += e * e
        c = e / n  # d(0.5 e^2 / n) / de
        gy[i] = -c
        for j in range(d):
            gX[i, j] = c * w[j]
            gw[j] += c * X[i, j]
    p = 0.0
    for j in range(d):
        p += abs(w[j])
        if w[j] > 0.0:  # abs'(0) = 0
            gw[j] += lam
        elif w[j] < 0.0:
            gw[j] -= lam
    return 0.5 * s / n + lam * p, gX, gy, gw, p


@numba.njit(cache=True)
def max_pool_1d_grad(x, k):
    n = len(x)
    gx = np.empty(n)
    s = 0.0
    for st in range(0, n - k + 1, k):
        # First argmax, as the primal's max(m, x[t]) keeps the earlier entry.
        # The minimum-norm convention shares 2m equally among tied entries;
        # random data has no ties, so the benchmark does not pay for that.
        a = st
        m = x[st]
        gx[st] = 0.0
        for t in range(st + 1, st + k):
            gx[t] = 0.0
            if x[t] > m:
                m = x[t]
                a = t
        s += m * m
        gx[a] = 2.0 * m
    for t in range(n - n % k, n):  # the dropped partial window
        gx[t] = 0.0
    return s, gx


@numba.njit(cache=True)
def l1_regression_grad(A, b, x):
    m, n = A.shape
    gA = np.empty((m, n))
    gb = np.empty(m)
    gx = np.zeros(n)
    s = 0.0
    for i in range(m):
        r = 0.0
        for j in range(n):
            r += A[i, j] * x[j]
        e = r - b[i]
        s += abs(e)
        sg = 1.0 if e > 0.0 else (-1.0 if e < 0.0 else 0.0)  # abs'(0) = 0
        gb[i] = -sg
        for j in range(n):
            gA[i, j] = sg * x[j]
            gx[j] += sg * A[i, j]
    return s, gA, gb, gx


HAND_WRITTEN = {
    "mlp_loss": mlp_loss_grad,
    "svm_hinge": svm_hinge_grad,
    "lasso": lasso_grad,
    "max_pool_1d": max_pool_1d_grad,
    "l1_regression": l1_regression_grad,
}


def jax_programs():
    """name -> jitted ``value_and_grad`` of the JAX version (imports JAX, enables float64)."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)

    def mlp_loss(X, y, W1, b1, w2, b2):
        a = jax.nn.relu(X @ W1 + b1)  # relu'(0) = 0 in JAX too
        return jnp.mean((a @ w2 + b2 - y) ** 2)

    def svm_hinge(X, y, w, b, lam):
        return jnp.mean(jnp.maximum(0.0, 1.0 - y * (X @ w + b))) + lam * jnp.sum(w * w)

    def lasso(X, y, w, lam):
        return 0.5 * jnp.mean((X @ w - y) ** 2) + lam * jnp.sum(jnp.abs(w))

    def max_pool_1d(x, k):
        nw = x.shape[0] // k
        return jnp.sum(jnp.max(x[: nw * k].reshape(nw, k), axis=1) ** 2)

    def l1_regression(A, b, x):
        return jnp.sum(jnp.abs(A @ x - b))

    def vg(f, n_float, static=()):
        # the float arguments come first in every program; ints are static
        return jax.jit(jax.value_and_grad(f, argnums=tuple(range(n_float))), static_argnums=static)

    return {
        "mlp_loss": vg(mlp_loss, 6),
        "svm_hinge": vg(svm_hinge, 5),
        "lasso": vg(lasso, 4),
        "max_pool_1d": vg(max_pool_1d, 1, static=(1,)),
        "l1_regression": vg(l1_regression, 3),
    }
