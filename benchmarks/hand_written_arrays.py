"""Peers of the array benchmark programs (array_programs.py).

``HAND_WRITTEN``: the njit gradients a careful person writes to train these
models: with respect to the parameters only (bench_arrays.WRT: the weights and
biases; the signal for max_pool_1d, x for l1_regression), never the data. One
forward pass with the backward pass fused into it sample by sample, no
allocation beyond the gradients themselves and, for the MLP, two
hidden-layer-sized scratch vectors. Each returns ``(value, grad_1, grad_2,
...)``, the gradients in WRT order (argument order).

``HAND_WRITTEN_ALL``: the same with respect to every float or float-array
argument, data and hyperparameters included, in argument order (for
``bench_arrays.py --all-args``).

Kinks take the minimum-norm element in both, the element nsadc's default
policy takes: relu'(0) = 0, abs'(0) = 0, d max(0, t)/dt = 0 at t = 0, and
max(m, x[t]) at a tie m == x[t] gives each operand half (max pooling).

``HAND_WRITTEN_SHORTCUTS``: gradients that skip part of that definition (max
pooling with its ties ignored), timed beside the references to show what the
shortcut would buy; never used to check a result.

``jax_programs(wrt)``: the same functions written the way a JAX user writes
them (vectorized jax.numpy), each as
``jax.jit(jax.value_and_grad(f, argnums=...))`` over the arguments ``wrt``
names (default: every float argument), returning
``(value, (grad_1, grad_2, ...))``."""

import inspect

import numba
import numpy as np

# ------------------------------------------------- the parameters only


@numba.njit(cache=True)
def mlp_loss_grad(X, y, W1, b1, w2, b2):
    n, d = X.shape
    h = W1.shape[1]
    z = np.empty(h)  # one sample's pre-activations
    dz = np.empty(h)  # ... and their adjoints
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
            for k in range(h):
                gW1[j, k] += dz[k] * xij
    return loss / n, gW1, gb1, gw2, gb2


@numba.njit(cache=True)
def svm_hinge_grad(X, y, w, b, lam):
    n, d = X.shape
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
            gb += c
            for j in range(d):
                gw[j] += c * X[i, j]
    r = 0.0
    for j in range(d):
        r += w[j] * w[j]
        gw[j] += 2.0 * lam * w[j]
    return s / n + lam * r, gw, gb


@numba.njit(cache=True)
def lasso_grad(X, y, w, lam):
    n, d = X.shape
    gw = np.zeros(d)
    s = 0.0
    for i in range(n):
        r = 0.0
        for j in range(d):
            r += X[i, j] * w[j]
        e = r - y[i]
        s += e * e
        c = e / n  # d(0.5 e^2 / n) / de
        for j in range(d):
            gw[j] += c * X[i, j]
    p = 0.0
    for j in range(d):
        p += abs(w[j])
        if w[j] > 0.0:  # abs'(0) = 0
            gw[j] += lam
        elif w[j] < 0.0:
            gw[j] -= lam
    return 0.5 * s / n + lam * p, gw


# x is max_pool_1d's only float argument: HAND_WRITTEN_ALL uses this one too
@numba.njit(cache=True)
def max_pool_1d_grad(x, k):
    n = len(x)
    gx = np.empty(n)
    s = 0.0
    for st in range(0, n - k + 1, k):
        # a: where the window's maximum is first attained, as the primal's
        # max(m, x[t]) keeps the earlier entry; tied: whether it is attained
        # again after a.  Branch-free updates: a branch on the comparison ran
        # 2.2x slower on random data.
        a = st
        m = x[st]
        tied = False
        gx[st] = 0.0
        for t in range(st + 1, st + k):
            gx[t] = 0.0
            xt = x[t]
            tied = (tied and not xt > m) or xt == m
            a = t if xt > m else a
            m = max(m, xt)
        s += m * m
        g = 2.0 * m
        if tied:
            # the min-norm convention: max(m, x[t]) at a tie gives each operand
            # half, so walking back each tied entry takes half of what reaches
            # it and the first one the rest
            for t in range(st + k - 1, a, -1):
                if x[t] == m:
                    g *= 0.5
                    gx[t] = g
        gx[a] = g
    for t in range(n - n % k, n):  # the dropped partial window
        gx[t] = 0.0
    return s, gx


@numba.njit(cache=True)
def max_pool_1d_grad_ties_ignored(x, k):
    """The same, wrong where a window's maximum is tied (there it gives all
    of 2m to the first entry): what ignoring ties would buy, for the
    performance notes, never a reference."""
    n = len(x)
    gx = np.empty(n)
    s = 0.0
    for st in range(0, n - k + 1, k):
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
    for t in range(n - n % k, n):
        gx[t] = 0.0
    return s, gx


@numba.njit(cache=True)
def l1_regression_grad(A, b, x):
    m, n = A.shape
    gx = np.zeros(n)
    s = 0.0
    for i in range(m):
        r = 0.0
        for j in range(n):
            r += A[i, j] * x[j]
        e = r - b[i]
        s += abs(e)
        if e > 0.0:  # abs'(0) = 0
            for j in range(n):
                gx[j] += A[i, j]
        elif e < 0.0:
            for j in range(n):
                gx[j] -= A[i, j]
    return s, gx


# ----------------------------------------- every float argument (--all-args)


@numba.njit(cache=True)
def mlp_loss_grad_all(X, y, W1, b1, w2, b2):
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
def svm_hinge_grad_all(X, y, w, b, lam):
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
def lasso_grad_all(X, y, w, lam):
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
def l1_regression_grad_all(A, b, x):
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

# gradients that skip part of the derivative's definition, timed beside the references
HAND_WRITTEN_SHORTCUTS = {"max_pool_1d": ("ties ignored", max_pool_1d_grad_ties_ignored)}

HAND_WRITTEN_ALL = {
    "mlp_loss": mlp_loss_grad_all,
    "svm_hinge": svm_hinge_grad_all,
    "lasso": lasso_grad_all,
    "max_pool_1d": max_pool_1d_grad,
    "l1_regression": l1_regression_grad_all,
}


def jax_programs(wrt=None):
    """name -> jitted ``value_and_grad`` of the JAX version with respect to the
    arguments ``wrt[name]`` names (every float argument where ``wrt`` is None);
    imports JAX, enables float64."""
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

    static = {"max_pool_1d": ("k",)}  # the window width: an int, a static argument

    def vg(f):
        params = list(inspect.signature(f).parameters)
        fixed = static.get(f.__name__, ())
        names = wrt[f.__name__] if wrt is not None else [p for p in params if p not in fixed]
        return jax.jit(jax.value_and_grad(f, argnums=tuple(params.index(a) for a in names)),
                       static_argnums=tuple(params.index(a) for a in fixed))

    return {f.__name__: vg(f) for f in (mlp_loss, svm_hinge, lasso, max_pool_1d, l1_regression)}
