"""Probe corpus: nonsmooth programs written the way a Numba user writes them
(loops over numpy arrays, math functions, element reads and writes, if/elif,
max/min/abs, break, while).  Written once and not edited to suit nsadc.

Each entry of ``PROGRAMS``: name -> Program(fn, wrt, args(size, rng),
small, big) where ``small`` is the size of the correctness check and ``big``
the size of the timing."""

import math
from dataclasses import dataclass

import numpy as np

# ------------------------------------------------------------------ programs


def american_put(S0, K, r, sigma, T, n):
    """American put on a CRR binomial tree: backward DP, early exercise."""
    dt = T / n
    u = math.exp(sigma * math.sqrt(dt))
    d = 1.0 / u
    p = (math.exp(r * dt) - d) / (u - d)
    disc = math.exp(-r * dt)
    V = np.empty(n + 1)
    for j in range(n + 1):
        S = S0 * u ** j * d ** (n - j)
        V[j] = max(K - S, 0.0)
    for i in range(n - 1, -1, -1):
        for j in range(i + 1):
            S = S0 * u ** j * d ** (i - j)
            cont = disc * (p * V[j + 1] + (1.0 - p) * V[j])
            V[j] = max(K - S, cont)
    return V[0]


def heat_clip(u0, kappa, lo, hi, steps):
    """Explicit heat-equation steps, the state clipped to [lo, hi] each step."""
    n = u0.shape[0]
    u = u0.copy()
    un = np.empty(n)
    for t in range(steps):
        for i in range(1, n - 1):
            v = u[i] + kappa * (u[i - 1] - 2.0 * u[i] + u[i + 1])
            if v > hi:
                v = hi
            elif v < lo:
                v = lo
            un[i] = v
        un[0] = u[0]
        un[n - 1] = u[n - 1]
        for i in range(n):
            u[i] = un[i]
    s = 0.0
    for i in range(n):
        s += u[i] * u[i]
    return s


def bounce(x0, v0, g, L, dt, steps):
    """Particles falling in a box [0, L], reflected at the walls."""
    total = 0.0
    for p in range(x0.shape[0]):
        x = x0[p]
        v = v0[p]
        for t in range(steps):
            v -= g * dt
            x += v * dt
            if x < 0.0:
                x = -x
                v = -v
            elif x > L:
                x = 2.0 * L - x
                v = -v
        total += x * x + 0.1 * v * v
    return total


def minimax_residual(c, t, y):
    """L-infinity fit residual max_i |p(t_i) - y_i|, p by Horner's rule."""
    m = c.shape[0]
    worst = 0.0
    for i in range(t.shape[0]):
        p = c[m - 1]
        for k in range(m - 2, -1, -1):
            p = p * t[i] + c[k]
        r = abs(p - y[i])
        if r > worst:
            worst = r
    return worst


def bilinear_loss(G, px, py, target):
    """Bilinear interpolation of a grid at scattered points, int() indexing."""
    ny, nx = G.shape
    s = 0.0
    for k in range(px.shape[0]):
        x = px[k]
        y = py[k]
        j = int(x)
        i = int(math.floor(y))
        if j < 0:
            j = 0
        if j > nx - 2:
            j = nx - 2
        if i < 0:
            i = 0
        if i > ny - 2:
            i = ny - 2
        fx = x - j
        fy = y - i
        v = ((1.0 - fx) * (1.0 - fy) * G[i, j] + fx * (1.0 - fy) * G[i, j + 1]
             + (1.0 - fx) * fy * G[i + 1, j] + fx * fy * G[i + 1, j + 1])
        d = v - target[k]
        s += d * d
    return s


def conv_relu(x, w, b):
    """Valid 1-D convolution, ReLU, sum of squares."""
    n = x.shape[0]
    k = w.shape[0]
    s = 0.0
    for i in range(n - k + 1):
        a = b
        for j in range(k):
            a += w[j] * x[i + j]
        a = max(a, 0.0)
        s += a * a
    return s


def logsumexp_ls(A, x, b):
    """log-sum-exp of A x - b, the max subtracted (found in a first loop)."""
    m, n = A.shape
    z = np.empty(m)
    for i in range(m):
        acc = -b[i]
        for j in range(n):
            acc += A[i, j] * x[j]
        z[i] = acc
    zmax = z[0]
    for i in range(1, m):
        if z[i] > zmax:
            zmax = z[i]
    s = 0.0
    for i in range(m):
        s += math.exp(z[i] - zmax)
    return zmax + math.log(s)


def soft_threshold_fit(M, lam, T):
    """Soft-threshold prox applied column by column, then a fit to T plus the
    largest |entry| of each column."""
    n, m = M.shape
    P = np.zeros((n, m))
    for j in range(m):
        for i in range(n):
            v = M[i, j]
            if v > lam:
                P[i, j] = v - lam
            elif v < -lam:
                P[i, j] = v + lam
    loss = 0.0
    for j in range(m):
        colmax = 0.0
        for i in range(n):
            d = P[i, j] - T[i, j]
            loss += d * d
            if abs(P[i, j]) > colmax:
                colmax = abs(P[i, j])
        loss += colmax
    return loss


def abs_spline_integral(yk, mk, nsub):
    """Trapezoid integral of |f| for a cubic Hermite spline on unit knots."""
    nk = yk.shape[0]
    h = 1.0 / nsub
    total = 0.0
    for k in range(nk - 1):
        prev = abs(yk[k])
        for s in range(1, nsub + 1):
            t = s * h
            t2 = t * t
            t3 = t2 * t
            h00 = 2.0 * t3 - 3.0 * t2 + 1.0
            h10 = t3 - 2.0 * t2 + t
            h01 = -2.0 * t3 + 3.0 * t2
            h11 = t3 - t2
            f = h00 * yk[k] + h10 * mk[k] + h01 * yk[k + 1] + h11 * mk[k + 1]
            cur = abs(f)
            total += 0.5 * h * (prev + cur)
            prev = cur
    return total


def gauss_seidel_ave(A, b, sweeps, tol):
    """Gauss-Seidel for the absolute value equation A x - |x| = b, stopping
    (break) once a sweep changes x by less than tol."""
    n = b.shape[0]
    x = np.zeros(n)
    for it in range(sweeps):
        change = 0.0
        for i in range(n):
            s = b[i] + abs(x[i])
            for j in range(n):
                if j != i:
                    s -= A[i, j] * x[j]
            new = s / A[i, i]
            change = max(change, abs(new - x[i]))
            x[i] = new
        if change < tol:
            break
    out = 0.0
    for i in range(n):
        out += x[i] * x[i]
    return out


def tax_total(income, rates, b1, b2, b3):
    """Piecewise-linear tax schedule (an elif chain), summed over incomes."""
    total = 0.0
    for i in range(income.shape[0]):
        x = income[i]
        if x <= b1:
            t = rates[0] * x
        elif x <= b2:
            t = rates[0] * b1 + rates[1] * (x - b1)
        elif x <= b3:
            t = rates[0] * b1 + rates[1] * (b2 - b1) + rates[2] * (x - b2)
        else:
            t = rates[0] * b1 + rates[1] * (b2 - b1) + rates[2] * (b3 - b2) + rates[3] * (x - b3)
        total += t
    return total


def cusum_peak(x, k):
    """One-sided CUSUM s = max(0, s + x_i - k); its largest value."""
    s = 0.0
    peak = 0.0
    for i in range(x.shape[0]):
        s = max(0, s + x[i] - k)
        peak = max(peak, s)
    return peak


def hardtanh_net(X, y, W1, b1, w2):
    """Two-layer network with hard-tanh (clip to [-1, 1]) hidden units."""
    n, d = X.shape
    h = W1.shape[0]
    loss = 0.0
    for i in range(n):
        out = 0.0
        for k in range(h):
            a = b1[k]
            for j in range(d):
                a += W1[k, j] * X[i, j]
            a = min(1.0, max(-1.0, a))
            out += w2[k] * a
        r = out - y[i]
        loss += r * r
    return loss / n


def xcorr_onset(sig, template, thresh):
    """Find the onset (while loop), then the best cross-correlation after it."""
    n = sig.shape[0]
    m = template.shape[0]
    start = 0
    while start < n - m and abs(sig[start]) < thresh:
        start += 1
    best = -np.inf
    for lag in range(start, n - m + 1):
        c = 0.0
        for j in range(m):
            c += sig[lag + j] * template[j]
        if c > best:
            best = c
    return best


def svm_linf(X, y, w, b, lam):
    """Hinge-loss SVM with an L-infinity norm regulariser."""
    n, p = X.shape
    loss = 0.0
    for i in range(n):
        m = b
        for j in range(p):
            m += X[i, j] * w[j]
        loss += max(0.0, 1.0 - y[i] * m)
    reg = 0.0
    for j in range(p):
        if abs(w[j]) > reg:
            reg = abs(w[j])
    return loss / n + lam * reg


# ------------------------------------------------------------------ arguments


def _american(n, rng):
    return (100.0, 105.0, 0.03, 0.25, 1.0, n)


def _heat(n, rng):
    u0 = 1.5 * rng.standard_normal(n)
    return (u0, 0.2, -1.0, 1.1, max(4, n // 4))


def _bounce(n, rng):
    L = 10.0
    return (rng.uniform(1.0, 9.0, n), rng.standard_normal(n) * 8.0, 9.81, L, 0.001, 1000)


def _minimax(n, rng):
    t = np.linspace(-1.0, 1.0, n) + 0.01 * rng.standard_normal(n)
    y = np.sin(3.0 * t) + 0.1 * rng.standard_normal(n)
    c = rng.standard_normal(8) * 0.3
    return (c, t, y)


def _bilinear(n, rng):
    ny, nx = 16, 20
    G = rng.standard_normal((ny, nx))
    px = rng.uniform(0.2, nx - 1.2, n)
    py = rng.uniform(0.2, ny - 1.2, n)
    # keep away from integer grid lines (kinks of int())
    px = np.floor(px) + 0.1 + 0.8 * (px - np.floor(px))
    py = np.floor(py) + 0.1 + 0.8 * (py - np.floor(py))
    return (G, px, py, rng.standard_normal(n))


def _conv(n, rng):
    return (rng.standard_normal(n), rng.standard_normal(9) * 0.5, 0.1)


def _lse(n, rng):
    m = n
    return (rng.standard_normal((m, 20)), rng.standard_normal(20), rng.standard_normal(m))


def _soft(n, rng):
    return (rng.standard_normal((n, n)), 0.4, rng.standard_normal((n, n)))


def _spline(n, rng):
    return (rng.standard_normal(n), rng.standard_normal(n), 64)


def _gs(n, rng):
    A = rng.standard_normal((n, n)) * (0.3 / math.sqrt(n))
    for i in range(n):
        A[i, i] = 3.0 + rng.uniform()
    return (A, rng.standard_normal(n), 50, 1e-10)


def _tax(n, rng):
    income = rng.uniform(0.0, 200.0, n)
    return (income, np.array([0.1, 0.2, 0.35, 0.45]), 30.0, 80.0, 150.0)


def _cusum(n, rng):
    x = rng.standard_normal(n) + 0.3 * np.sin(np.arange(n) / 50.0)
    return (x, 0.5)


def _hardtanh(n, rng):
    d, h = 10, 16
    X = rng.standard_normal((n, d))
    y = rng.standard_normal(n)
    return (X, y, rng.standard_normal((h, d)) * 0.4, rng.standard_normal(h) * 0.3, rng.standard_normal(h))


def _xcorr(n, rng):
    sig = 0.05 * rng.standard_normal(n)
    sig[n // 5:] += rng.standard_normal(n - n // 5)
    return (sig, rng.standard_normal(16), 0.5)


def _svm(n, rng):
    p = 20
    X = rng.standard_normal((n, p))
    w = rng.standard_normal(p) * 0.3
    y = np.sign(X @ (w + 0.2 * rng.standard_normal(p)) + 0.1)
    return (X, y, w, 0.05, 0.1)


@dataclass
class Program:
    fn: object
    wrt: tuple
    args: object
    small: int
    big: int


PROGRAMS = {
    "american_put": Program(american_put, ("S0", "K", "r", "sigma", "T"), _american, 12, 600),
    "heat_clip": Program(heat_clip, ("u0", "kappa", "lo", "hi"), _heat, 12, 8000),
    "bounce": Program(bounce, ("x0", "v0", "g", "L"), _bounce, 4, 4000),
    "minimax_residual": Program(minimax_residual, ("c", "y"), _minimax, 30, 1000000),
    "bilinear_loss": Program(bilinear_loss, ("G", "px", "py"), _bilinear, 25, 1000000),
    "conv_relu": Program(conv_relu, ("x", "w", "b"), _conv, 30, 2000000),
    "logsumexp_ls": Program(logsumexp_ls, ("A", "x", "b"), _lse, 10, 100000),
    "soft_threshold_fit": Program(soft_threshold_fit, ("M", "lam"), _soft, 6, 700),
    "abs_spline_integral": Program(abs_spline_integral, ("yk", "mk"), _spline, 8, 20000),
    "gauss_seidel_ave": Program(gauss_seidel_ave, ("A", "b"), _gs, 6, 200),
    "tax_total": Program(tax_total, ("income", "rates", "b1", "b2", "b3"), _tax, 20, 1000000),
    "cusum_peak": Program(cusum_peak, ("x", "k"), _cusum, 40, 1000000),
    "hardtanh_net": Program(hardtanh_net, ("X", "y", "W1", "b1", "w2"), _hardtanh, 8, 50000),
    "xcorr_onset": Program(xcorr_onset, ("sig", "template"), _xcorr, 60, 500000),
    "svm_linf": Program(svm_linf, ("w", "b", "lam"), _svm, 15, 500000),
}
