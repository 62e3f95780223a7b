"""Hand-written njit gradients of the scalar benchmark programs: what a careful
person writes (one fused loop where the math allows, a tape where it does not)."""

import math

import numba
import numpy as np


@numba.njit(cache=True)
def nonsmooth_sum_grad(x, y, n):
    s = 0.0
    gx = 0.0
    gy = 0.0
    for i in range(n):
        a = x * i * 12.9898 + y * 78.233
        t = math.sin(a)
        ct = math.cos(a)
        at = abs(t)
        sg = math.copysign(1.0, t) if t != 0.0 else 0.0
        m = 0.3 * y
        hi = 1.0 if t > m else 0.0
        ty = t * y
        lo = 1.0 if ty < 0.1 else 0.0
        s += at * x + max(t, m) - min(ty, 0.1)
        # d/dt of the term, then chain through t = sin(a)
        dt = sg * x + hi - lo * y
        gx += at + dt * ct * i * 12.9898
        gy += (1.0 - hi) * 0.3 - lo * t + dt * ct * 78.233
    return s, gx, gy


@numba.njit(cache=True)
def tent_recurrence_grad(x, r, n):
    # the state z is overwritten each iteration: keep it on a tape
    zs = np.empty(n + 1)
    z = x
    zs[0] = z
    s = 0.0
    for i in range(n):
        u = r * min(z, 1.0 - z) + 0.4 * math.sin(i * 12.9898 + x)
        z = abs(u)
        zs[i + 1] = z
        s += z
    zb = 0.0
    xb = 0.0
    rb = 0.0
    for i in range(n - 1, -1, -1):
        z0 = zs[i]
        a = i * 12.9898 + x
        mn = min(z0, 1.0 - z0)
        u = r * mn + 0.4 * math.sin(a)
        zb += 1.0 / n
        ub = zb * math.copysign(1.0, u) if u != 0.0 else 0.0
        rb += ub * mn
        xb += ub * 0.4 * math.cos(a)
        d = 1.0 if z0 < 1.0 - z0 else -1.0
        d = d if z0 != 1.0 - z0 else 0.0
        zb = ub * r * d
    return s / n, zb + xb, rb


@numba.njit(cache=True)
def branchy_grad(x, y, n):
    s = 0.0
    gx = 0.0
    gy = 0.0
    for i in range(n):
        a = x * i * 12.9898 + y * 78.233
        t = math.sin(a)
        ct = math.cos(a)
        if t > 0.0:
            s += t * x
            dt = x
            gx += t
        else:
            s -= t * y * y
            dt = -y * y
            gy -= 2.0 * t * y
        gx += dt * ct * i * 12.9898
        gy += dt * ct * 78.233
    return s, gx, gy


HAND_WRITTEN = {
    "nonsmooth_sum": nonsmooth_sum_grad,
    "tent_recurrence": tent_recurrence_grad,
    "branchy": branchy_grad,
}
