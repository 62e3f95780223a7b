"""A 2-D array updated in place, element by element, in a loop over its rows
(``z[i, j] = f(z[i, j])`` over ``for j``, in ``for i``, often repeated by a
time loop): the reverse of a row's iteration must find the row as the
iteration found it.  The loop over rows keeps each row's elements before it
rewrites them (not the whole array per row), and a Gauss-Seidel sweep's
reads of the elements already rewritten see the new values when the row is
run again.  Gradients against central differences on both targets."""

import inspect
import math

import numpy as np
import pytest

import nsadc
from test_regressions import central_differences


def leaky_steps(z0, w, steps):
    n, m = z0.shape
    z = z0.copy()
    for t in range(steps):
        for i in range(n):
            for j in range(m):
                z[i, j] = max(z[i, j] * w[j], 0.1 * z[i, j]) + 0.01
    s = 0.0
    for i in range(n):
        for j in range(m):
            s += z[i, j] * z[i, j]
    return s


def gauss_seidel_clip(u0, f, h, cap, sweeps):
    n, m = u0.shape
    u = u0.copy()
    for k in range(sweeps):
        for i in range(1, n - 1):
            for j in range(1, m - 1):
                v = 0.25 * (u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1] - h * h * f[i, j])
                if v > cap:
                    v = cap
                elif v < -cap:
                    v = -cap
                u[i, j] = v
    r = 0.0
    for i in range(n):
        for j in range(m):
            r += abs(u[i, j])
    return r


def rows_once(z0, w):
    n, m = z0.shape
    z = z0.copy()
    for i in range(n):
        for j in range(m):
            z[i, j] = max(z[i, j] * w[j], 0.1 * z[i, j]) + 0.01
    return np.sum(z * z)


def capped_where_over(P, cap, rate, steps):
    n, m = P.shape
    Q = P.copy()
    for t in range(steps):
        for i in range(n):
            for j in range(m):
                Q[i, j] = Q[i, j] * rate
                if Q[i, j] > cap:
                    Q[i, j] = cap + 0.5 * (Q[i, j] - cap)
    return np.sum(np.abs(Q)) + Q[0, 0] ** 2


def upper_triangle(A, lam):
    n = A.shape[0]
    B = A.copy()
    for k in range(n):
        for i in range(k + 1, n):
            for j in range(i, n):
                B[i, j] = B[i, j] - lam * abs(B[k, j]) * B[i, k]
    return np.sum(B * B)


def right_to_left(z0, decay, steps):
    n, m = z0.shape
    z = z0.copy()
    for t in range(steps):
        for i in range(n):
            for j in range(m - 2, -1, -1):
                z[i, j] = max(z[i, j], decay * z[i, j + 1])
    return np.sum(z)


def dual_projection(f, lam, iters):
    """Two coupled dual fields updated in place under an if/else, then the
    primal from their divergence (a primal-dual TV step)."""
    ny, nx = f.shape
    u = f.copy()
    px = np.zeros_like(f)
    py = np.zeros_like(f)
    for it in range(iters):
        for i in range(ny):
            for j in range(nx):
                gx = u[i, j + 1] - u[i, j] if j < nx - 1 else 0.0
                gy = u[i + 1, j] - u[i, j] if i < ny - 1 else 0.0
                qx = px[i, j] + 0.5 * gx
                qy = py[i, j] + 0.5 * gy
                nrm = abs(qx) + abs(qy)
                if nrm > lam:
                    px[i, j] = qx * lam / nrm
                    py[i, j] = qy * lam / nrm
                else:
                    px[i, j] = qx
                    py[i, j] = qy
        for i in range(ny):
            for j in range(nx):
                div = px[i, j] + py[i, j]
                if j > 0:
                    div -= px[i, j - 1]
                if i > 0:
                    div -= py[i - 1, j]
                u_old = u[i, j]
                u[i, j] = (u_old + 0.25 * div + 0.25 * f[i, j]) / 1.25
    return np.sum((u - f) ** 2) + lam * np.sum(np.abs(px))


def volume_relax(V0, k, steps):
    """A 3-D field relaxed in place, plane by plane, row by row."""
    a, b, c = V0.shape
    V = V0.copy()
    for t in range(steps):
        for p in range(a):
            for q in range(b):
                for r in range(c):
                    V[p, q, r] = V[p, q, r] - k * max(V[p, q, r], 0.0)
                    if r > 0:
                        V[p, q, r] += 0.1 * V[p, q, r - 1]
    return np.sum(V * V)


def permuted_columns(z0, perm, w, steps):
    """Each row's elements rewritten through a permutation of the columns."""
    n, m = z0.shape
    z = z0.copy()
    for t in range(steps):
        for i in range(n):
            for j in range(m):
                c = perm[j]
                z[i, c] = math.tanh(z[i, c] * w[j]) + 0.5 * abs(z[i, c])
    return np.sum(z * z)


def skip_small(z0, thr, steps):
    """A row loop with `continue`: small elements are left as they are."""
    n, m = z0.shape
    z = z0.copy()
    for t in range(steps):
        for i in range(n):
            for j in range(m):
                if abs(z[i, j]) < thr:
                    continue
                z[i, j] = 0.8 * z[i, j] + 0.1 * math.copysign(thr, z[i, j])
    return np.sum(z ** 3)


def rows_by_index(U0, V, lr, users, items, epochs):
    """SGD on rows picked through index arrays; ``u`` is bound again in
    the validation loop, so only the loop's own binding names the row."""
    U = U0.copy()
    d = U.shape[1]
    for ep in range(epochs):
        for t in range(users.shape[0]):
            u = users[t]
            i = items[t]
            gap = 0.0
            for f in range(d):
                gap += U[u, f] * V[i, f]
            if gap >= 1.0:
                continue
            for f in range(d):
                U[u, f] += lr * (V[i, f] - 0.1 * abs(U[u, f]))
    loss = 0.0
    for t in range(users.shape[0]):
        u = users[t]
        loss += max(0.0, 1.0 - np.dot(U[u], V[items[t]]))
    return loss


def four_sweeps(T0, s, rounds):
    """Gauss-Seidel sweeps in the four orderings, their directions held in
    names (a fast-sweeping solver's shape)."""
    ny, nx = T0.shape
    T = T0.copy()
    for r in range(rounds):
        for sweep in range(4):
            if sweep == 0:
                i0, i1, di, j0, j1, dj = 0, ny, 1, 0, nx, 1
            elif sweep == 1:
                i0, i1, di, j0, j1, dj = ny - 1, -1, -1, 0, nx, 1
            elif sweep == 2:
                i0, i1, di, j0, j1, dj = ny - 1, -1, -1, nx - 1, -1, -1
            else:
                i0, i1, di, j0, j1, dj = 0, ny, 1, nx - 1, -1, -1
            for i in range(i0, i1, di):
                for j in range(j0, j1, dj):
                    a = min(T[i - 1, j] if i > 0 else 9.0, T[i + 1, j] if i < ny - 1 else 9.0)
                    b = min(T[i, j - 1] if j > 0 else 9.0, T[i, j + 1] if j < nx - 1 else 9.0)
                    t = min(a, b) + s[i, j]
                    if t < T[i, j]:
                        T[i, j] = t
    return np.sum(T * T)


def _rng():
    return np.random.default_rng(3)


CASES = {
    "leaky_steps": (leaky_steps, ("z0", "w"), lambda r: (r.standard_normal((3, 4)), r.standard_normal(4), 3)),
    "gauss_seidel_clip": (gauss_seidel_clip, ("u0", "f", "h"),
                          lambda r: (r.standard_normal((5, 6)), 4.0 * r.standard_normal((5, 6)), 0.7, 0.4, 3)),
    "rows_once": (rows_once, ("z0", "w"), lambda r: (r.standard_normal((4, 3)), r.standard_normal(3))),
    "capped_where_over": (capped_where_over, ("P", "cap", "rate"),
                          lambda r: (r.standard_normal((3, 5)), 0.6, 1.3, 3)),
    "upper_triangle": (upper_triangle, ("A", "lam"), lambda r: (r.standard_normal((5, 5)), 0.3)),
    "right_to_left": (right_to_left, ("z0", "decay"), lambda r: (r.standard_normal((3, 6)), 0.9, 2)),
    "dual_projection": (dual_projection, ("f", "lam"), lambda r: (r.standard_normal((4, 5)), 0.3, 3)),
    "volume_relax": (volume_relax, ("V0", "k"), lambda r: (r.standard_normal((2, 3, 4)), 0.3, 2)),
    "permuted_columns": (permuted_columns, ("z0", "w"),
                         lambda r: (r.standard_normal((3, 4)), r.permutation(4), r.standard_normal(4), 2)),
    "skip_small": (skip_small, ("z0", "thr"), lambda r: (r.standard_normal((3, 5)), 0.4, 3)),
    "rows_by_index": (rows_by_index, ("U0", "V", "lr"),
                      lambda r: (0.5 * r.standard_normal((4, 3)), 0.5 * r.standard_normal((5, 3)), 0.3,
                                 r.integers(0, 4, 7), r.integers(0, 5, 7), 2)),
    "four_sweeps": (four_sweeps, ("T0", "s"),
                    lambda r: (r.uniform(0.0, 3.0, (4, 5)), r.uniform(0.1, 1.0, (4, 5)), 2)),
}


def _check(name, target):
    check_case(CASES[name], _rng(), target)


def check_case(case, rng, target):
    """Value and gradient of ``case`` (fn, wrt, args from an rng) against the
    function itself and central differences."""
    fn, wrt, make = case
    args = make(rng)
    d = nsadc.differentiate(fn, wrt=wrt, target=target)
    value, g = d.value_and_grad(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
    assert value == pytest.approx(fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in args]), rel=1e-12)
    params = list(inspect.signature(fn).parameters)
    want = central_differences(fn, args, [params.index(p) for p in wrt])
    got = g if isinstance(g, tuple) else (g,)
    assert len(want) == len(got) == len(wrt)
    for got_k, expected in zip(got, want):
        np.testing.assert_allclose(got_k, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_python(name):
    _check(name, "python")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_compiled(name):
    _check(name, "cpu")


def test_a_row_is_kept_not_the_matrix():
    """Each row's iteration keeps that row's elements: the tapes grow with the
    matrix's size per time step, not with its size times its rows."""
    fn, wrt, make = CASES["rows_once"]
    src = nsadc.differentiate(fn, wrt=wrt, target="python").source("reverse", *make(_rng()))
    assert "kept whole" not in src
    assert "array_tape" not in src
