"""Chained and max-type nonsmooth test problems (Lukšan and Vlček's
collection), written as loops over a float64 vector.

Each program is followed by its hand-written njit gradient (the gradient
alone, each entry written once) and, in ``jax_versions``, the vectorized
JAX form."""

import math

import numba
import numpy as np

# ------------------------------------------------------------- Chained LQ


def chained_lq(x):
    """Chained LQ: sum of max(-a - b, -a - b + a^2 + b^2 - 1) over neighbours."""
    n = x.shape[0]
    s = 0.0
    for i in range(n - 1):
        a = x[i]
        b = x[i + 1]
        s += max(-a - b, -a - b + a * a + b * b - 1.0)
    return s


@numba.njit(cache=True)
def chained_lq_grad(x):
    # each entry from its two pairs, recomputed: no value carried from one
    # iteration to the next, so LLVM vectorizes the loop (a carried form ran 1.8x slower)
    n = x.shape[0]
    g = np.empty(n)
    for i in range(n):
        xi = x[i]
        acc = 0.0
        if i + 1 < n:
            b = x[i + 1]
            acc += (2.0 * xi if xi * xi + b * b - 1.0 > 0.0 else 0.0) - 1.0
        if i > 0:
            a = x[i - 1]
            acc += (2.0 * xi if a * a + xi * xi - 1.0 > 0.0 else 0.0) - 1.0
        g[i] = acc
    return (g,)


# ------------------------------------------------------------ Chained CB3


def chained_cb3(x):
    """Chained CB3 I: sum of max(a^4 + b^2, (2 - a)^2 + (2 - b)^2, 2 exp(b - a))."""
    n = x.shape[0]
    s = 0.0
    for i in range(n - 1):
        a = x[i]
        b = x[i + 1]
        s += max(a ** 4 + b ** 2, (2.0 - a) ** 2 + (2.0 - b) ** 2, 2.0 * math.exp(b - a))
    return s


@numba.njit(cache=True)
def chained_cb3_grad(x):
    n = x.shape[0]
    g = np.empty(n)
    carry = 0.0
    for i in range(n - 1):
        a = x[i]
        b = x[i + 1]
        f1 = a ** 4 + b ** 2
        f2 = (2.0 - a) ** 2 + (2.0 - b) ** 2
        e = 2.0 * math.exp(b - a)
        ga = 4.0 * a * a * a
        gb = 2.0 * b
        best = f1
        if f2 > best:
            best = f2
            ga = -2.0 * (2.0 - a)
            gb = -2.0 * (2.0 - b)
        if e > best:
            ga = -e
            gb = e
        g[i] = carry + ga
        carry = gb
    g[n - 1] = carry
    return (g,)


# --------------------------------------------------------- Chained Mifflin 2


def chained_mifflin2(x):
    """Chained Mifflin 2: sum of -a + 2 (a^2 + b^2 - 1) + 1.75 |a^2 + b^2 - 1|."""
    n = x.shape[0]
    s = 0.0
    for i in range(n - 1):
        q = x[i] ** 2 + x[i + 1] ** 2 - 1.0
        s += -x[i] + 2.0 * q + 1.75 * abs(q)
    return s


@numba.njit(cache=True)
def chained_mifflin2_grad(x):
    # as chained_lq_grad: each entry from its two pairs, recomputed (carrying
    # the pair's share ran 2.4x slower, a nested select for the sign 9.7x)
    n = x.shape[0]
    g = np.empty(n)
    for i in range(n):
        xi = x[i]
        acc = 0.0
        if i + 1 < n:
            b = x[i + 1]
            q = xi * xi + b * b - 1.0
            acc += 2.0 * xi * (2.0 + 1.75 * (math.copysign(1.0, q) if q != 0.0 else 0.0)) - 1.0
        if i > 0:
            a = x[i - 1]
            q = a * a + xi * xi - 1.0
            acc += 2.0 * xi * (2.0 + 1.75 * (math.copysign(1.0, q) if q != 0.0 else 0.0))
        g[i] = acc
    return (g,)


# ------------------------------------------------------------------ MAXQ


def maxq(x):
    """MAXQ: the largest x_i^2, found with an if."""
    n = x.shape[0]
    m = x[0] * x[0]
    for i in range(1, n):
        v = x[i] * x[i]
        if v > m:
            m = v
    return m


@numba.njit(cache=True)
def maxq_grad(x):
    n = x.shape[0]
    g = np.zeros(n)
    m = x[0] * x[0]
    a = 0
    for i in range(1, n):
        v = x[i] * x[i]
        if v > m:
            m = v
            a = i
    g[a] = 2.0 * x[a]
    return (g,)


# ---------------------------------------------------------------- MXHILB


def mxhilb(x):
    """MXHILB: the largest |sum_j x_j / (i + j + 1)| over the rows of the Hilbert matrix."""
    n = x.shape[0]
    best = 0.0
    for i in range(n):
        s = 0.0
        for j in range(n):
            s += x[j] / (i + j + 1.0)
        best = max(best, abs(s))
    return best


@numba.njit(cache=True)
def mxhilb_grad(x):
    n = x.shape[0]
    best = 0.0
    arg = -1
    sg = 0.0
    for i in range(n):
        s = 0.0
        for j in range(n):
            s += x[j] / (i + j + 1.0)
        if abs(s) > best:
            best = abs(s)
            arg = i
            sg = 1.0 if s > 0.0 else -1.0
    g = np.empty(n)
    for j in range(n):
        g[j] = sg / (arg + j + 1.0) if arg >= 0 else 0.0
    return (g,)


# ---------------------------------------------------------- Active faces


@numba.njit
def _log_abs1(y):
    return math.log(abs(y) + 1.0)


def active_faces(x):
    """Active faces: max(g(-sum x), max_i g(x_i)) with g(y) = log(|y| + 1)."""
    n = x.shape[0]
    s = 0.0
    m = 0.0
    for i in range(n):
        s += x[i]
        m = max(m, _log_abs1(x[i]))
    return max(_log_abs1(-s), m)


@numba.njit(cache=True)
def active_faces_grad(x):
    n = x.shape[0]
    s = 0.0
    m = 0.0
    a = -1
    for i in range(n):
        s += x[i]
        v = abs(x[i])
        if v > m:  # log(|y| + 1) is increasing in |y|: compare |x_i|
            m = v
            a = i
    g = np.empty(n)
    if abs(s) > m:
        c = -math.copysign(1.0, -s) / (abs(s) + 1.0) if s != 0.0 else 0.0
        for i in range(n):
            g[i] = c
    else:
        for i in range(n):
            g[i] = 0.0
        if a >= 0:
            g[a] = math.copysign(1.0, x[a]) / (abs(x[a]) + 1.0)
    return (g,)


def jax_versions(jax, jnp):
    def chained_lq(x):
        a, b = x[:-1], x[1:]
        return jnp.sum(jnp.maximum(-a - b, -a - b + a * a + b * b - 1.0))

    def chained_cb3(x):
        a, b = x[:-1], x[1:]
        # jnp.max(jnp.stack([...]), axis=0) here: jit(grad) of it returned -inf entries with
        # JAX 0.10.2 on the CPU (eager grad was right); two maximums are as natural
        f = jnp.maximum(jnp.maximum(a ** 4 + b ** 2, (2.0 - a) ** 2 + (2.0 - b) ** 2), 2.0 * jnp.exp(b - a))
        return jnp.sum(f)

    def chained_mifflin2(x):
        q = x[:-1] ** 2 + x[1:] ** 2 - 1.0
        return jnp.sum(-x[:-1] + 2.0 * q + 1.75 * jnp.abs(q))

    def maxq(x):
        return jnp.max(x * x)

    def mxhilb(x):
        n = x.shape[0]
        i = jnp.arange(n)
        H = 1.0 / (i[:, None] + i[None, :] + 1.0)
        return jnp.max(jnp.abs(H @ x))

    def active_faces(x):
        g = lambda y: jnp.log(jnp.abs(y) + 1.0)  # noqa: E731
        return jnp.maximum(g(-jnp.sum(x)), jnp.max(g(x)))

    return dict(chained_lq=chained_lq, chained_cb3=chained_cb3, chained_mifflin2=chained_mifflin2, maxq=maxq,
                mxhilb=mxhilb, active_faces=active_faces)
