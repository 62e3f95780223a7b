"""A corpus of numerical functions written the way Numba libraries write them.

Each function here was written for nsadc's tests in the style of published
Numba code (statistics densities and losses, distances, interpolation, option
pricing, state-space simulation, proximal operators, physics potentials,
optimisation test functions, dynamic programming): ``@njit`` decorators,
helpers that return numbers, arrays or tuples, ``n, d = X.shape``,
``np.empty_like``, ``a.dot(b)``, ``numba.prange``, guard clauses that raise,
``math.erf`` / ``math.lgamma``, ``dtype=np.float64``, module-level constant
arrays, row views ``r_i = coords[i]`` and rebinding ``y = np.sort(y)``.

``CASES`` lists, for each entry point, a function making example arguments
from a ``numpy.random.Generator`` and the arguments to differentiate
(``wrt``).  ``tests/test_numba_corpus.py`` differentiates every case and
checks it against central finite differences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numba
import numpy as np
from numba import njit, prange

LOG_2PI = math.log(2.0 * math.pi)
SQRT2 = math.sqrt(2.0)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
EARTH_RADIUS_KM = 6371.0
RASTRIGIN_A = 10.0
# 5-point Gauss-Legendre rule on [-1, 1]
GL_NODES = np.array([-0.9061798459386640, -0.5384693101056831, 0.0,
                     0.5384693101056831, 0.9061798459386640])
GL_WEIGHTS = np.array([0.2369268850561891, 0.4786286704993665, 0.5688888888888889,
                       0.4786286704993665, 0.2369268850561891])
# Abramowitz & Stegun 26.2.17 coefficients for the normal CDF
CND_COEFFS = np.array([0.319381530, -0.356563782, 1.781477937, -1.821255978, 1.330274429])


# ---------------------------------------------------------------- statistics


@njit(cache=True)
def normal_logpdf(x, mu, sigma):
    if sigma <= 0.0:
        raise ValueError("sigma must be positive")
    z = (x - mu) / sigma
    return -0.5 * z * z - math.log(sigma) - 0.5 * LOG_2PI


@njit(cache=True)
def normal_loglik(x, mu, sigma):
    n = x.shape[0]
    total = 0.0
    for i in range(n):
        total += normal_logpdf(x[i], mu, sigma)
    return total


@njit
def student_t_loglik(x, mu, scale, nu):
    if scale <= 0.0 or nu <= 0.0:
        raise ValueError("scale and nu must be positive")
    n = x.size
    const = (math.lgamma(0.5 * (nu + 1.0)) - math.lgamma(0.5 * nu)
             - 0.5 * math.log(nu * math.pi) - math.log(scale))
    ll = n * const
    for i in range(n):
        z = (x[i] - mu) / scale
        ll -= 0.5 * (nu + 1.0) * math.log1p(z * z / nu)
    return ll


@njit
def _log1pexp(z):
    if z > 0.0:
        return z + math.log1p(math.exp(-z))
    return math.log1p(math.exp(z))


@njit
def logistic_nll(w, X, y, alpha):
    n, d = X.shape
    loss = 0.0
    for i in range(n):
        z = X[i].dot(w)
        loss += _log1pexp(-y[i] * z)
    return loss / n + 0.5 * alpha * w.dot(w)


@njit
def huber_regression(w, X, y, delta):
    n = X.shape[0]
    pred = X.dot(w)
    total = 0.0
    for i in range(n):
        r = y[i] - pred[i]
        a = abs(r)
        if a <= delta:
            total += 0.5 * r * r
        else:
            total += delta * (a - 0.5 * delta)
    return total / n


@njit
def quantile_loss(w, X, y, tau):
    n, d = X.shape
    loss = 0.0
    for i in range(n):
        r = y[i]
        for j in range(d):
            r -= X[i, j] * w[j]
        loss += max(tau * r, (tau - 1.0) * r)
    return loss / n


@njit
def norm_cdf(x):
    return 0.5 * (1.0 + math.erf(x / SQRT2))


@njit
def probit_nll(w, X, y):
    n = X.shape[0]
    eta = np.empty(n, dtype=np.float64)
    for i in range(n):
        eta[i] = X[i].dot(w)
    s = 0.0
    for i in range(n):
        if y[i] > 0.5:
            s -= math.log(norm_cdf(eta[i]))
        else:
            s -= math.log(0.5 * math.erfc(eta[i] / SQRT2))
    return s


@njit
def logsumexp(a):
    amax = a[0]
    for i in range(1, a.shape[0]):
        if a[i] > amax:
            amax = a[i]
    s = 0.0
    for i in range(a.shape[0]):
        s += math.exp(a[i] - amax)
    return amax + math.log(s)


@njit
def gaussian_kde_loglik(points, data, bandwidth):
    if bandwidth <= 0.0:
        raise ValueError("bandwidth must be positive")
    m = points.shape[0]
    n = data.shape[0]
    norm = 1.0 / (n * bandwidth * math.sqrt(2.0 * math.pi))
    ll = 0.0
    for i in range(m):
        dens = 0.0
        for j in range(n):
            u = (points[i] - data[j]) / bandwidth
            dens += math.exp(-0.5 * u * u)
        ll += math.log(dens * norm)
    return ll


@njit
def poisson_glm_nll(beta, X, counts):
    n, p = X.shape
    nll = 0.0
    for i in range(n):
        eta = 0.0
        for j in range(p):
            eta += X[i, j] * beta[j]
        nll += math.exp(eta) - counts[i] * eta + math.lgamma(counts[i] + 1.0)
    return nll


@njit
def gamma_loglik(x, shape, rate):
    n = len(x)
    s = 0.0
    slog = 0.0
    for i in range(n):
        s += x[i]
        slog += math.log(x[i])
    return n * (shape * math.log(rate) - math.lgamma(shape)) + (shape - 1.0) * slog - rate * s


@njit
def softmax_cross_entropy(W, X, labels):
    n, d = X.shape
    k = W.shape[1]
    loss = 0.0
    for i in range(n):
        m = -np.inf
        for c in range(k):
            z = 0.0
            for j in range(d):
                z += X[i, j] * W[j, c]
            m = max(m, z)
        s = 0.0
        zy = 0.0
        for c in range(k):
            z = 0.0
            for j in range(d):
                z += X[i, j] * W[j, c]
            s += math.exp(z - m)
            if c == labels[i]:
                zy = z
        loss += m + math.log(s) - zy
    return loss / n


@njit
def weighted_variance(x, w):
    wsum = np.sum(w)
    mean = np.sum(w * x) / wsum
    var = 0.0
    for i in range(x.shape[0]):
        var += w[i] * (x[i] - mean) ** 2
    return var / wsum


# ---------------------------------------------------------------- distances


@njit
def pairwise_euclidean(X):
    n, d = X.shape
    D = np.zeros((n, n), dtype=np.float64)
    for i in range(n):
        for j in range(i + 1, n):
            s = 0.0
            for k in range(d):
                diff = X[i, k] - X[j, k]
                s += diff * diff
            D[i, j] = math.sqrt(s)
            D[j, i] = D[i, j]
    return D


@njit
def stress(X, target):
    D = pairwise_euclidean(X)
    n = D.shape[0]
    total = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            total += (D[i, j] - target[i, j]) ** 2
    return total


@njit
def kmedians_objective(X, C):
    n, d = X.shape
    k = C.shape[0]
    total = 0.0
    for i in range(n):
        best = np.inf
        for c in range(k):
            dist = 0.0
            for j in range(d):
                dist += abs(X[i, j] - C[c, j])
            best = min(best, dist)
        total += best
    return total


@njit
def cosine_similarity(a, b):
    num = a.dot(b)
    na = math.sqrt(a.dot(a))
    nb = math.sqrt(b.dot(b))
    if na == 0.0 or nb == 0.0:
        return 0.0
    return num / (na * nb)


@njit
def haversine(lat1, lon1, lat2, lon2):
    phi1 = math.radians(lat1)
    phi2 = math.radians(lat2)
    dphi = math.radians(lat2 - lat1)
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(0.5 * dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(0.5 * dlmb) ** 2
    return 2.0 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@njit(parallel=True)
def haversine_total(lats, lons, lat0, lon0):
    n = lats.shape[0]
    out = np.empty(n)
    for i in prange(n):
        out[i] = haversine(lats[i], lons[i], lat0, lon0)
    return out.sum()


@njit
def mahalanobis_sq(x, mu, P):
    diff = x - mu
    return diff.dot(P.dot(diff))


@njit
def chamfer_distance(A, B):
    na, d = A.shape
    nb = B.shape[0]
    total = 0.0
    for i in range(na):
        best = np.inf
        for j in range(nb):
            d2 = 0.0
            for k in range(d):
                t = A[i, k] - B[j, k]
                d2 += t * t
            if d2 < best:
                best = d2
        total += best
    return total / na


# ---------------------------------------------------------------- interpolation


@njit
def _find_interval(xp, x):
    lo = 0
    hi = xp.shape[0] - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if xp[mid] <= x:
            lo = mid
        else:
            hi = mid
    return lo


@njit
def interp_bisect(x, xp, fp):
    total = 0.0
    for i in range(x.shape[0]):
        k = _find_interval(xp, x[i])
        t = (x[i] - xp[k]) / (xp[k + 1] - xp[k])
        total += (1.0 - t) * fp[k] + t * fp[k + 1]
    return total


@njit
def interp_scan(x, xp, fp):
    n = xp.shape[0]
    out = np.empty_like(x)
    j = 0
    for i in range(x.shape[0]):
        while j < n - 2 and xp[j + 1] < x[i]:
            j += 1
        slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
        out[i] = fp[j] + slope * (x[i] - xp[j])
    return np.sum(out * out)


@njit
def cubic_hermite(t, xk, yk, mk):
    n = xk.shape[0]
    total = 0.0
    for i in range(t.shape[0]):
        k = 0
        for j in range(n - 1):
            if xk[j] <= t[i]:
                k = j
        h = xk[k + 1] - xk[k]
        s = (t[i] - xk[k]) / h
        s2 = s * s
        s3 = s2 * s
        h00 = 2.0 * s3 - 3.0 * s2 + 1.0
        h10 = s3 - 2.0 * s2 + s
        h01 = -2.0 * s3 + 3.0 * s2
        h11 = s3 - s2
        total += h00 * yk[k] + h10 * h * mk[k] + h01 * yk[k + 1] + h11 * h * mk[k + 1]
    return total


@njit
def trapezoid_energy(y, x):
    s = 0.0
    for i in range(1, len(x)):
        s += 0.5 * (x[i] - x[i - 1]) * (y[i] * y[i] + y[i - 1] * y[i - 1])
    return s


@njit
def gauss_legendre_gaussian(a, b, c):
    half = 0.5 * (b - a)
    mid = 0.5 * (b + a)
    s = 0.0
    for k in range(GL_NODES.shape[0]):
        t = mid + half * GL_NODES[k]
        s += GL_WEIGHTS[k] * math.exp(-c * t * t)
    return half * s


# ---------------------------------------------------------------- option pricing


@njit
def _ncdf(x):
    return 0.5 * math.erfc(-x / SQRT2)


@njit
def black_scholes_call(S, K, T, r, sigma):
    if sigma <= 0.0 or T <= 0.0:
        raise ValueError("sigma and T must be positive")
    sqrt_t = math.sqrt(T)
    d1 = (math.log(S / K) + (r + 0.5 * sigma * sigma) * T) / (sigma * sqrt_t)
    d2 = d1 - sigma * sqrt_t
    return S * _ncdf(d1) - K * math.exp(-r * T) * _ncdf(d2)


@njit
def _cnd_poly(d):
    k = 1.0 / (1.0 + 0.2316419 * abs(d))
    poly = 0.0
    for c in range(CND_COEFFS.shape[0] - 1, -1, -1):
        poly = k * (CND_COEFFS[c] + poly)
    ret = 1.0 - INV_SQRT_2PI * math.exp(-0.5 * d * d) * poly
    if d < 0.0:
        ret = 1.0 - ret
    return ret


@njit
def black_scholes_book(price, strike, T, rate, vol):
    n = price.shape[0]
    call = np.empty_like(price)
    put = np.empty_like(price)
    for i in range(n):
        S = price[i]
        X = strike[i]
        sqrt_t = math.sqrt(T[i])
        d1 = (math.log(S / X) + (rate + 0.5 * vol * vol) * T[i]) / (vol * sqrt_t)
        d2 = d1 - vol * sqrt_t
        cnd1 = _cnd_poly(d1)
        cnd2 = _cnd_poly(d2)
        disc = math.exp(-rate * T[i])
        call[i] = S * cnd1 - X * disc * cnd2
        put[i] = X * disc * (1.0 - cnd2) - S * (1.0 - cnd1)
    return np.sum(call) + 0.5 * np.sum(put)


@njit
def binomial_american_put(S, K, T, r, sigma, steps):
    dt = T / steps
    u = math.exp(sigma * math.sqrt(dt))
    d = 1.0 / u
    disc = math.exp(-r * dt)
    p = (math.exp(r * dt) - d) / (u - d)
    q = 1.0 - p
    v = np.empty(steps + 1, dtype=np.float64)
    for j in range(steps + 1):
        v[j] = max(K - S * u ** (2 * j - steps), 0.0)
    for i in range(steps - 1, -1, -1):
        for j in range(i + 1):
            exercise = K - S * u ** (2 * j - i)
            v[j] = max(disc * (p * v[j + 1] + q * v[j]), exercise)
    return v[0]


@njit
def mc_asian_call(S0, K, r, sigma, T, Z):
    n_paths, n_steps = Z.shape
    dt = T / n_steps
    drift = (r - 0.5 * sigma * sigma) * dt
    vol = sigma * math.sqrt(dt)
    total = 0.0
    for p in range(n_paths):
        s = S0
        acc = 0.0
        for t in range(n_steps):
            s = s * math.exp(drift + vol * Z[p, t])
            acc += s
        total += max(acc / n_steps - K, 0.0)
    return math.exp(-r * T) * total / n_paths


@njit
def mc_european_put(S0, K, r, sigma, T, z):
    ST = S0 * np.exp((r - 0.5 * sigma ** 2) * T + sigma * math.sqrt(T) * z)
    payoff = np.maximum(K - ST, 0.0)
    return math.exp(-r * T) * payoff.mean()


@njit
def bachelier_call(F, K, T, sigma):
    if sigma <= 0.0:
        raise ValueError("sigma must be positive")
    s = sigma * math.sqrt(T)
    d = (F - K) / s
    pdf = math.exp(-0.5 * d * d) * INV_SQRT_2PI
    cdf = 0.5 * math.erfc(-d / SQRT2)
    return (F - K) * cdf + s * pdf


@njit
def mc_up_and_out_call(S0, K, B, r, sigma, T, Z):
    n_paths, n_steps = Z.shape
    dt = T / n_steps
    log_barrier = math.log(B)
    total = 0.0
    for p in range(n_paths):
        log_s = math.log(S0)
        alive = 1.0
        for t in range(n_steps):
            log_s += (r - 0.5 * sigma * sigma) * dt + sigma * math.sqrt(dt) * Z[p, t]
            if log_s >= log_barrier:
                alive = 0.0
                break
        total += alive * max(math.exp(log_s) - K, 0.0)
    return math.exp(-r * T) * total / n_paths


# ---------------------------------------------------------------- state space


@njit
def simulate_linear(A, B, x0, u):
    n = x0.shape[0]
    T = u.shape[0]
    x = np.zeros((n, T + 1))
    for i in range(n):
        x[i, 0] = x0[i]
    for t in range(T):
        for i in range(n):
            for j in range(n):
                x[i, t + 1] += A[i, j] * x[j, t]
            x[i, t + 1] += B[i] * u[t]
    cost = 0.0
    for t in range(T + 1):
        for i in range(n):
            cost += x[i, t] ** 2
    return cost


@njit
def local_level_loglik(y, q, r, a0, p0):
    a = a0
    p = p0
    ll = 0.0
    for t in range(y.shape[0]):
        f = p + r
        v = y[t] - a
        ll -= 0.5 * (LOG_2PI + math.log(f) + v * v / f)
        k = p / f
        a = a + k * v
        p = p * (1.0 - k) + q
    return ll


@njit
def ar1_css(y, phi, c):
    resid = np.empty_like(y)
    resid[0] = 0.0
    for t in range(1, y.shape[0]):
        resid[t] = y[t] - c - phi * y[t - 1]
    return 0.5 * np.sum(resid ** 2)


@njit
def holt_sse(y, alpha, beta):
    n = y.shape[0]
    level = np.empty(n)
    trend = np.empty(n)
    level[0] = y[0]
    trend[0] = y[1] - y[0]
    sse = 0.0
    for t in range(1, n):
        fc = level[t - 1] + trend[t - 1]
        err = y[t] - fc
        sse += err * err
        level[t] = alpha * y[t] + (1.0 - alpha) * fc
        trend[t] = beta * (level[t] - level[t - 1]) + (1.0 - beta) * trend[t - 1]
    return sse


@njit
def rnn_loss(W, U, b, xs, target):
    T = xs.shape[0]
    H = W.shape[0]
    h = np.zeros((T + 1, H))
    for t in range(T):
        for i in range(H):
            a = b[i] + U[i] * xs[t]
            for j in range(H):
                a += W[i, j] * h[t, j]
            h[t + 1, i] = math.tanh(a)
    loss = 0.0
    for i in range(H):
        loss += (h[T, i] - target[i]) ** 2
    return loss


# ---------------------------------------------------------------- proximal operators


@njit
def soft_threshold(x, lam):
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        if x[i] > lam:
            out[i] = x[i] - lam
        elif x[i] < -lam:
            out[i] = x[i] + lam
        else:
            out[i] = 0.0
    return out


@njit
def moreau_envelope_l1(v, lam):
    z = soft_threshold(v, lam)
    return 0.5 * np.sum((z - v) ** 2) + lam * np.sum(np.abs(z))


@njit
def box_distance(x, lo, hi):
    p = np.empty_like(x)
    for i in range(x.size):
        p[i] = min(max(x[i], lo[i]), hi[i])
    d = x - p
    return d.dot(d)


@njit
def l1_ball_threshold(v, radius):
    n = v.shape[0]
    u = np.abs(v)
    u = np.sort(u)
    cumsum = 0.0
    theta = 0.0
    for k in range(n):
        cumsum += u[n - 1 - k]
        t = (cumsum - radius) / (k + 1)
        if u[n - 1 - k] > t:
            theta = t
    return theta


@njit
def l1_ball_distance(v, radius):
    theta = max(l1_ball_threshold(v, radius), 0.0)
    s = 0.0
    for i in range(v.shape[0]):
        w = np.sign(v[i]) * max(abs(v[i]) - theta, 0.0)
        s += (v[i] - w) ** 2
    return 0.5 * s


@njit
def elastic_net_prox_value(x, l1, l2):
    s = 0.0
    for i in range(x.shape[0]):
        z = np.sign(x[i]) * max(abs(x[i]) - l1, 0.0) / (1.0 + l2)
        s += 0.5 * (z - x[i]) ** 2 + l1 * abs(z) + 0.5 * l2 * z * z
    return s


@njit
def block_soft_threshold(V, lam):
    n_groups, size = V.shape
    total = 0.0
    for g in range(n_groups):
        nrm = 0.0
        for k in range(size):
            nrm += V[g, k] ** 2
        nrm = math.sqrt(nrm)
        scale = max(1.0 - lam / nrm, 0.0) if nrm > 0.0 else 0.0
        for k in range(size):
            total += (scale * V[g, k]) ** 2
    return total


# ---------------------------------------------------------------- physics potentials


@njit
def lennard_jones(X, epsilon, sigma):
    n = X.shape[0]
    energy = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            d = X[i] - X[j]
            r2 = d.dot(d)
            sr6 = (sigma * sigma / r2) ** 3
            energy += 4.0 * epsilon * (sr6 * sr6 - sr6)
    return energy


@njit
def coulomb_energy(coords, charges):
    n = coords.shape[0]
    e = 0.0
    for i in range(n):
        r_i = coords[i]
        for j in range(i):
            r_j = coords[j]
            dist = math.sqrt((r_i[0] - r_j[0]) ** 2 + (r_i[1] - r_j[1]) ** 2 + (r_i[2] - r_j[2]) ** 2)
            e += charges[i] * charges[j] / dist
    return e


@njit
def bond_energy(X, bonds, k, r0):
    e = 0.0
    for b in range(bonds.shape[0]):
        i = bonds[b, 0]
        j = bonds[b, 1]
        dx = X[i, 0] - X[j, 0]
        dy = X[i, 1] - X[j, 1]
        dz = X[i, 2] - X[j, 2]
        r = math.sqrt(dx * dx + dy * dy + dz * dz)
        e += 0.5 * k * (r - r0) ** 2
    return e


@njit
def morse_energy(X, D, a, re):
    n, dim = X.shape
    e = 0.0
    for i in range(n - 1):
        for j in range(i + 1, n):
            r = 0.0
            for k in range(dim):
                r += (X[i, k] - X[j, k]) ** 2
            r = math.sqrt(r)
            t = 1.0 - math.exp(-a * (r - re))
            e += D * t * t
    return e


@njit(parallel=True)
def gravity_potential(pos, mass, soft):
    n = pos.shape[0]
    pot = np.zeros(n)
    for i in numba.prange(n):
        acc = 0.0
        for j in range(n):
            if j != i:
                dx = pos[i, 0] - pos[j, 0]
                dy = pos[i, 1] - pos[j, 1]
                acc -= mass[j] / math.sqrt(dx * dx + dy * dy + soft * soft)
        pot[i] = mass[i] * acc
    return 0.5 * pot.sum()


# ---------------------------------------------------------------- optimisation test functions


@njit
def rosenbrock(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


@njit
def rastrigin(x):
    n = x.size
    return RASTRIGIN_A * n + np.sum(x ** 2 - RASTRIGIN_A * np.cos(2.0 * np.pi * x))


@njit
def ackley(x):
    d = len(x)
    sq = sum(x ** 2)
    cs = sum(np.cos(2.0 * math.pi * x))
    return -20.0 * math.exp(-0.2 * math.sqrt(sq / d)) - math.exp(cs / d) + 20.0 + math.e


@njit
def lasso_objective(w, X, y, lam):
    r = X.dot(w) - y
    return 0.5 * r.dot(r) / X.shape[0] + lam * np.abs(w).sum()


@njit(parallel=True)
def svm_hinge(w, X, y, C):
    n = X.shape[0]
    losses = np.zeros(n)
    for i in prange(n):
        margin = y[i] * X[i].dot(w)
        losses[i] = max(0.0, 1.0 - margin)
    return 0.5 * w.dot(w) + C * losses.sum()


@njit
def max_of_affine(x, A, b):
    m = A.shape[0]
    best = -np.inf
    for i in range(m):
        v = A[i].dot(x) + b[i]
        if v > best:
            best = v
    return best


@njit
def styblinski_tang(x):
    s = 0.0
    for xi in x:
        s += xi ** 4 - 16.0 * xi ** 2 + 5.0 * xi
    return 0.5 * s


@njit
def griewank(x):
    s = 0.0
    p = 1.0
    for i in range(x.shape[0]):
        s += x[i] * x[i] / 4000.0
        p *= math.cos(x[i] / math.sqrt(i + 1.0))
    return 1.0 + s - p


@njit
def log_cosh_loss(w, X, y):
    n, d = X.shape
    total = 0.0
    for i in range(n):
        r = X[i].dot(w) - y[i]
        a = abs(r)
        total += a + math.log1p(math.exp(-2.0 * a)) - math.log(2.0)
    return total / n


# ---------------------------------------------------------------- dynamic programming


@njit
def soft_dtw(x, y, gamma):
    n = x.shape[0]
    m = y.shape[0]
    R = np.full((n + 1, m + 1), np.inf)
    R[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost = (x[i - 1] - y[j - 1]) ** 2
            r0 = -R[i - 1, j - 1] / gamma
            r1 = -R[i - 1, j] / gamma
            r2 = -R[i, j - 1] / gamma
            rmax = max(max(r0, r1), r2)
            rsum = math.exp(r0 - rmax) + math.exp(r1 - rmax) + math.exp(r2 - rmax)
            R[i, j] = cost - gamma * (math.log(rsum) + rmax)
    return R[n, m]


@njit
def dtw_distance(x, y):
    n = x.shape[0]
    m = y.shape[0]
    D = np.full((n + 1, m + 1), np.inf, dtype=np.float64)
    D[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            c = abs(x[i - 1] - y[j - 1])
            D[i, j] = c + min(D[i - 1, j], D[i, j - 1], D[i - 1, j - 1])
    return D[n, m]


@njit
def hmm_forward_loglik(log_pi, log_A, log_B):
    T, K = log_B.shape
    alpha = np.empty((T, K))
    for k in range(K):
        alpha[0, k] = log_pi[k] + log_B[0, k]
    for t in range(1, T):
        for k in range(K):
            m = -np.inf
            for j in range(K):
                m = max(m, alpha[t - 1, j] + log_A[j, k])
            s = 0.0
            for j in range(K):
                s += math.exp(alpha[t - 1, j] + log_A[j, k] - m)
            alpha[t, k] = m + math.log(s) + log_B[t, k]
    m = -np.inf
    for k in range(K):
        m = max(m, alpha[T - 1, k])
    s = 0.0
    for k in range(K):
        s += math.exp(alpha[T - 1, k] - m)
    return m + math.log(s)


@njit
def running_max_drawdown(prices, w):
    n = prices.shape[0]
    peak = prices[0] * w
    worst = 0.0
    for t in range(1, n):
        value = prices[t] * w
        peak = max(peak, value)
        worst = max(worst, (peak - value) / peak)
    return worst


# ---------------------------------------------------------------- more statistics and finance


@njit
def sharpe_ratio(w, R):
    port = R.dot(w)
    return -np.mean(port) / np.std(port)


@njit(cache=True)
def garch11_nll(omega, alpha, beta, r):
    if omega <= 0.0 or alpha < 0.0 or beta < 0.0:
        raise ValueError("GARCH parameters out of range")
    n = r.shape[0]
    sigma2 = np.empty_like(r)
    sigma2[0] = np.var(r)
    nll = 0.0
    for t in range(n):
        if t > 0:
            sigma2[t] = omega + alpha * r[t - 1] ** 2 + beta * sigma2[t - 1]
        nll += 0.5 * (LOG_2PI + math.log(sigma2[t]) + r[t] ** 2 / sigma2[t])
    return nll


@njit
def negbin_nll(log_mu, log_alpha, y):
    alpha = math.exp(log_alpha)
    r = 1.0 / alpha
    nll = 0.0
    for i in range(y.shape[0]):
        mu = math.exp(log_mu[i])
        nll -= (math.lgamma(y[i] + r) - math.lgamma(r) - math.lgamma(y[i] + 1.0)
                + r * math.log(r / (r + mu)) + y[i] * math.log(mu / (r + mu)))
    return nll


@njit
def beta_loglik(x, a, b):
    lbeta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
    ll = 0.0
    for xi in x:
        ll += (a - 1.0) * math.log(xi) + (b - 1.0) * math.log1p(-xi) - lbeta
    return ll


@njit
def binary_cross_entropy(w, X, y):
    eps = np.finfo(np.float64).eps
    n = X.shape[0]
    loss = 0.0
    for i in range(n):
        p = 1.0 / (1.0 + math.exp(-X[i].dot(w)))
        p = min(max(p, eps), 1.0 - eps)
        loss -= y[i] * math.log(p) + (1.0 - y[i]) * math.log(1.0 - p)
    return loss / n


@njit
def kl_divergence(p, q):
    total = 0.0
    for i in range(p.shape[0]):
        if p[i] > 0.0:
            total += p[i] * math.log(p[i] / q[i])
    return total


@njit
def ou_euler_path(theta, mu, sigma, x0, dW, dt):
    n = dW.shape[0]
    x = np.empty(n + 1, dtype=np.float64)
    x[0] = x0
    for i in range(n):
        x[i + 1] = x[i] + theta * (mu - x[i]) * dt + sigma * dW[i]
    return np.sum((x - mu) ** 2) * dt


# ---------------------------------------------------------------- more interpolation and kernels


@njit
def interp_value(c, grid, values, beta):
    total = 0.0
    for i in range(c.shape[0]):
        u = math.log(c[i])
        total += u + beta * np.interp(grid[-1] - c[i], grid, values)
    return total


@njit
def total_variation(x, y, lam):
    d = np.diff(x)
    return 0.5 * np.sum((x - y) ** 2) + lam * np.sum(np.abs(d))


@njit
def rbf_kernel_energy(X, alpha, gamma):
    n, d = X.shape
    K = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            d2 = 0.0
            for k in range(d):
                d2 += (X[i, k] - X[j, k]) ** 2
            K[i, j] = math.exp(-gamma * d2)
    e = 0.0
    for i in range(n):
        for j in range(n):
            e += alpha[i] * K[i, j] * alpha[j]
    return e


# ---------------------------------------------------------------- solvers, simulations, recursions


@njit
def _bs_price_vega(S, K, T, r, sigma):
    st = math.sqrt(T)
    d1 = (math.log(S / K) + (r + 0.5 * sigma * sigma) * T) / (sigma * st)
    d2 = d1 - sigma * st
    price = S * _ncdf(d1) - K * math.exp(-r * T) * _ncdf(d2)
    vega = S * math.exp(-0.5 * d1 * d1) / math.sqrt(2.0 * math.pi) * st
    return price, vega

@njit
def implied_vol(price, S, K, T, r):
    sigma = 0.2
    for it in range(50):
        p, v = _bs_price_vega(S, K, T, r, sigma)
        diff = p - price
        if abs(diff) < 1e-12:
            break
        sigma -= diff / v
    return sigma

@njit
def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-14 * a:
        x = 0.5 * (x + a / x)
    return x

@njit
def nbody_energy(pos, vel, mass):
    n = pos.shape[0]
    e = 0.0
    for i in range(n):
        v2 = 0.0
        for k in range(3):
            v2 += vel[i, k] ** 2
        e += 0.5 * mass[i] * v2
        for j in range(i + 1, n):
            d2 = 0.0
            for k in range(3):
                d2 += (pos[i, k] - pos[j, k]) ** 2
            e -= mass[i] * mass[j] / math.sqrt(d2)
    return e

@njit
def jacobi_relax(u0, f, h, iters):
    n = u0.shape[0]
    u = u0.copy()
    for it in range(iters):
        new = np.empty_like(u)
        new[0] = u[0]
        new[n - 1] = u[n - 1]
        for i in range(1, n - 1):
            new[i] = 0.5 * (u[i - 1] + u[i + 1] - h * h * f[i])
        u = new
    return np.sum(u ** 2)

@njit
def logsumexp_rows(X):
    n, m = X.shape
    out = 0.0
    for i in range(n):
        mx = X[i, 0]
        for j in range(1, m):
            mx = max(mx, X[i, j])
        s = 0.0
        for j in range(m):
            s += math.exp(X[i, j] - mx)
        out += mx + math.log(s)
    return out

@njit
def kmeans_inertia(X, C):
    n = X.shape[0]
    k = C.shape[0]
    labels = np.empty(n, dtype=np.int64)
    for i in range(n):
        best = np.inf
        for c in range(k):
            d = 0.0
            for j in range(X.shape[1]):
                d += (X[i, j] - C[c, j]) ** 2
            if d < best:
                best = d
                labels[i] = c
    total = 0.0
    for i in range(n):
        for j in range(X.shape[1]):
            total += (X[i, j] - C[labels[i], j]) ** 2
    return total

@njit
def cumulative_returns(w, R):
    T = R.shape[0]
    wealth = 1.0
    peak = 1.0
    dd = 0.0
    for t in range(T):
        wealth *= 1.0 + R[t].dot(w)
        if wealth > peak:
            peak = wealth
        dd = max(dd, 1.0 - wealth / peak)
    return math.log(wealth) - 2.0 * dd

@njit
def smoothed_hinge(w, X, y):
    n = X.shape[0]
    total = 0.0
    for i in range(n):
        z = y[i] * X[i].dot(w)
        if z >= 1.0:
            continue
        elif z <= 0.0:
            total += 0.5 - z
        else:
            total += 0.5 * (1.0 - z) ** 2
    return total

@njit(parallel=True)
def parallel_loglik(theta, X, y):
    n = X.shape[0]
    ll = np.zeros(n)
    for i in prange(n):
        eta = 0.0
        for j in range(X.shape[1]):
            eta += X[i, j] * theta[j]
        ll[i] = y[i] * eta - math.log1p(math.exp(eta))
    return -ll.sum()

@njit
def spline_penalty(c, lam):
    n = c.shape[0]
    pen = 0.0
    for i in range(1, n - 1):
        d2 = c[i - 1] - 2.0 * c[i] + c[i + 1]
        pen += d2 * d2
    return lam * pen + np.sum(c ** 2)

@njit
def heat_explicit(u0, alpha, steps):
    n = u0.shape[0]
    u = np.empty((steps + 1, n))
    for i in range(n):
        u[0, i] = u0[i]
    for t in range(steps):
        u[t + 1, 0] = 0.0
        u[t + 1, n - 1] = 0.0
        for i in range(1, n - 1):
            u[t + 1, i] = u[t, i] + alpha * (u[t, i - 1] - 2.0 * u[t, i] + u[t, i + 1])
    return np.sum(u[steps] ** 2)

@njit
def viterbi_score(log_A, log_B):
    T, K = log_B.shape
    delta = np.empty(K)
    for k in range(K):
        delta[k] = log_B[0, k]
    for t in range(1, T):
        new = np.empty(K)
        for k in range(K):
            best = -np.inf
            for j in range(K):
                best = max(best, delta[j] + log_A[j, k])
            new[k] = best + log_B[t, k]
        delta = new
    return np.max(delta)


# ---------------------------------------------------------------- a statistics library's layout
# A decorator factory, a prange alias, names imported from math, helpers that
# return arrays of densities, and wrappers that reduce them.

from math import erf as _erf  # noqa: E402
from math import lgamma as _lgamma  # noqa: E402

_prange = numba.prange


def _jit(parallel=False):
    return numba.njit(cache=False, error_model="numpy", parallel=parallel)


@_jit()
def _standardize(x, loc, scale):
    return (x - loc) / scale


@_jit(parallel=True)
def _norm_logpdf(x, loc, scale):
    z = _standardize(x, loc, scale)
    r = np.empty_like(z)
    for i in _prange(len(z)):
        r[i] = -0.5 * z[i] * z[i] - 0.5 * LOG_2PI
    return r - math.log(scale)


@_jit()
def _norm_cdf(x, loc, scale):
    z = _standardize(x, loc, scale)
    c = np.empty_like(z)
    for i in range(len(z)):
        c[i] = 0.5 * (1.0 + _erf(z[i] / SQRT2))
    return c


@_jit()
def norm_nll(x, loc, scale):
    return -np.sum(_norm_logpdf(x, loc, scale))


@_jit()
def truncnorm_nll(x, loc, scale, xmin, xmax):
    lo = _norm_cdf(np.array([xmin]), loc, scale)[0]
    hi = _norm_cdf(np.array([xmax]), loc, scale)[0]
    return -np.sum(_norm_logpdf(x, loc, scale)) + len(x) * math.log(hi - lo)


@_jit()
def _poisson_logpmf(k, mu):
    r = np.empty_like(k)
    for i in range(len(k)):
        r[i] = k[i] * math.log(mu) - mu - _lgamma(k[i] + 1.0)
    return r


@_jit()
def poisson_binned_nll(counts, mu):
    return -np.sum(_poisson_logpmf(counts, mu))


@_jit()
def _expon_pdf(x, loc, scale):
    z = _standardize(x, loc, scale)
    return np.exp(-z) / scale


@_jit()
def mixture_nll(x, frac, mu, sigma, tau):
    f1 = np.exp(_norm_logpdf(x, mu, sigma))
    f2 = _expon_pdf(x, 0.0, tau)
    return -np.sum(np.log(frac * f1 + (1.0 - frac) * f2))


# ---------------------------------------------------------------- the table


@dataclass(frozen=True)
class Case:
    fn: Callable
    make_args: Callable  # rng -> tuple of arguments
    wrt: tuple[str, ...]
    group: str

    @property
    def name(self) -> str:
        return getattr(self.fn, "py_func", self.fn).__name__

    @property
    def python(self) -> Callable:
        """The plain Python function (what finite differences evaluate)."""
        return getattr(self.fn, "py_func", self.fn)


def _pos(rng, *shape, lo=0.5, hi=2.0):
    return rng.uniform(lo, hi, size=shape)


def _sorted_grid(rng, n):
    return np.cumsum(rng.uniform(0.5, 1.5, size=n))


def _interp_args(rng):
    xp = _sorted_grid(rng, 7)
    x = np.sort(rng.uniform(xp[0] + 0.1, xp[-1] - 0.1, size=5))
    return x, xp, rng.normal(size=7)


def _hermite_args(rng):
    xk = _sorted_grid(rng, 6)
    t = rng.uniform(xk[0] + 0.1, xk[-1] - 0.1, size=5)
    return t, xk, rng.normal(size=6), rng.normal(size=6)


def _bonds(rng):
    X = rng.normal(size=(5, 3))
    bonds = np.array([[0, 1], [1, 2], [2, 3], [3, 4], [0, 4]], dtype=np.int64)
    return X, bonds, 2.0, 0.8


def _grid_points(rng, n, dim, spacing=1.5):
    """n points near a grid (no two close: pair potentials stay tame)."""
    base = np.array([[(k % 3) * spacing, (k // 3) * spacing, 0.0][:dim] for k in range(n)], dtype=np.float64)
    return base + 0.1 * rng.normal(size=(n, dim))


CASES: list[Case] = [
    # statistics
    Case(normal_loglik, lambda r: (r.normal(size=6), 0.3, 1.4), ("mu", "sigma"), "statistics"),
    Case(student_t_loglik, lambda r: (r.normal(size=6), 0.2, 1.3, 4.5), ("mu", "scale", "nu"), "statistics"),
    Case(logistic_nll, lambda r: (r.normal(size=3), r.normal(size=(8, 3)),
                                  np.sign(r.normal(size=8)), 0.1), ("w",), "statistics"),
    Case(huber_regression, lambda r: (r.normal(size=3), r.normal(size=(8, 3)), r.normal(size=8) * 2, 0.9),
         ("w", "delta"), "statistics"),
    Case(quantile_loss, lambda r: (r.normal(size=3), r.normal(size=(8, 3)), r.normal(size=8), 0.3),
         ("w",), "statistics"),
    Case(probit_nll, lambda r: (0.5 * r.normal(size=3), r.normal(size=(8, 3)),
                                (r.uniform(size=8) > 0.5).astype(np.float64)), ("w",), "statistics"),
    Case(logsumexp, lambda r: (r.normal(size=7),), ("a",), "statistics"),
    Case(gaussian_kde_loglik, lambda r: (r.normal(size=4), r.normal(size=9), 0.7),
         ("points", "data", "bandwidth"), "statistics"),
    Case(poisson_glm_nll, lambda r: (0.3 * r.normal(size=3), r.normal(size=(7, 3)),
                                     r.integers(0, 5, size=7).astype(np.float64)), ("beta",), "statistics"),
    Case(gamma_loglik, lambda r: (_pos(r, 8), 2.3, 1.7), ("x", "shape", "rate"), "statistics"),
    Case(softmax_cross_entropy, lambda r: (r.normal(size=(3, 4)), r.normal(size=(6, 3)),
                                           r.integers(0, 4, size=6)), ("W", "X"), "statistics"),
    Case(weighted_variance, lambda r: (r.normal(size=7), _pos(r, 7)), ("x", "w"), "statistics"),
    # distances
    Case(stress, lambda r: (_grid_points(r, 5, 2), _pos(r, 5, 5, lo=1.0, hi=3.0)), ("X",), "distances"),
    Case(kmedians_objective, lambda r: (r.normal(size=(7, 2)), r.normal(size=(3, 2))), ("X", "C"), "distances"),
    Case(cosine_similarity, lambda r: (r.normal(size=5), r.normal(size=5)), ("a", "b"), "distances"),
    Case(haversine_total, lambda r: (r.uniform(-60, 60, size=5), r.uniform(-170, 170, size=5), 12.5, 40.0),
         ("lats", "lons", "lat0", "lon0"), "distances"),
    Case(mahalanobis_sq, lambda r: (r.normal(size=4), r.normal(size=4),
                                    np.eye(4) + 0.1 * np.ones((4, 4))), ("x", "mu", "P"), "distances"),
    Case(chamfer_distance, lambda r: (r.normal(size=(5, 2)), r.normal(size=(6, 2))), ("A", "B"), "distances"),
    # interpolation
    Case(interp_bisect, _interp_args, ("x", "fp"), "interpolation"),
    Case(interp_scan, _interp_args, ("x", "xp", "fp"), "interpolation"),
    Case(cubic_hermite, _hermite_args, ("t", "yk", "mk"), "interpolation"),
    Case(trapezoid_energy, lambda r: (r.normal(size=8), _sorted_grid(r, 8)), ("y", "x"), "interpolation"),
    Case(gauss_legendre_gaussian, lambda r: (-0.7, 1.3, 0.8), ("a", "b", "c"), "interpolation"),
    # option pricing
    Case(black_scholes_call, lambda r: (100.0, 95.0, 0.75, 0.03, 0.25), ("S", "K", "T", "r", "sigma"),
         "options"),
    Case(black_scholes_book, lambda r: (r.uniform(80, 120, 5), r.uniform(80, 120, 5), r.uniform(0.2, 2.0, 5),
                                        0.02, 0.3), ("price", "strike", "rate", "vol"), "options"),
    Case(binomial_american_put, lambda r: (100.0, 104.3, 1.0, 0.05, 0.2, 25), ("S", "K", "T", "r", "sigma"),
         "options"),
    Case(mc_asian_call, lambda r: (100.0, 98.7, 0.03, 0.2, 1.0, r.normal(size=(16, 12))),
         ("S0", "K", "r", "sigma", "T"), "options"),
    Case(mc_european_put, lambda r: (100.0, 101.3, 0.03, 0.25, 1.0, r.normal(size=32)),
         ("S0", "K", "r", "sigma", "T"), "options"),
    Case(bachelier_call, lambda r: (101.0, 99.5, 0.8, 12.0), ("F", "K", "T", "sigma"), "options"),
    Case(mc_up_and_out_call, lambda r: (100.0, 95.0, 131.7, 0.02, 0.2, 1.0, r.normal(size=(16, 10))),
         ("S0", "K", "r", "sigma"), "options"),
    # state space
    Case(simulate_linear, lambda r: (0.4 * r.normal(size=(3, 3)), r.normal(size=3), r.normal(size=3),
                                     r.normal(size=6)), ("A", "B", "x0", "u"), "state-space"),
    Case(local_level_loglik, lambda r: (r.normal(size=10).cumsum(), 0.5, 1.2, 0.1, 2.0),
         ("y", "q", "r", "a0", "p0"), "state-space"),
    Case(ar1_css, lambda r: (r.normal(size=10), 0.6, 0.1), ("y", "phi", "c"), "state-space"),
    Case(holt_sse, lambda r: (r.normal(size=10).cumsum(), 0.4, 0.3), ("y", "alpha", "beta"), "state-space"),
    Case(rnn_loss, lambda r: (0.5 * r.normal(size=(3, 3)), r.normal(size=3), r.normal(size=3),
                              r.normal(size=5), r.normal(size=3)), ("W", "U", "b"), "state-space"),
    # proximal operators
    Case(moreau_envelope_l1, lambda r: (r.normal(size=7), 0.45), ("v", "lam"), "proximal"),
    Case(box_distance, lambda r: (2 * r.normal(size=7), -np.ones(7) + 0.1 * r.normal(size=7),
                                  np.ones(7) + 0.1 * r.normal(size=7)), ("x", "lo", "hi"), "proximal"),
    Case(l1_ball_distance, lambda r: (r.normal(size=6), 1.3), ("v", "radius"), "proximal"),
    Case(elastic_net_prox_value, lambda r: (r.normal(size=7), 0.35, 0.5), ("x", "l1", "l2"), "proximal"),
    Case(block_soft_threshold, lambda r: (r.normal(size=(4, 3)), 1.1), ("V", "lam"), "proximal"),
    # physics
    Case(lennard_jones, lambda r: (_grid_points(r, 5, 3), 1.2, 1.1), ("X", "epsilon", "sigma"), "physics"),
    Case(coulomb_energy, lambda r: (_grid_points(r, 5, 3), r.normal(size=5)), ("coords", "charges"), "physics"),
    Case(bond_energy, _bonds, ("X", "k", "r0"), "physics"),
    Case(morse_energy, lambda r: (_grid_points(r, 5, 3), 1.5, 1.3, 1.4), ("X", "D", "a", "re"), "physics"),
    Case(gravity_potential, lambda r: (_grid_points(r, 6, 2), _pos(r, 6), 0.1), ("pos", "mass", "soft"),
         "physics"),
    # optimisation test functions
    Case(rosenbrock, lambda r: (r.normal(size=6),), ("x",), "test-functions"),
    Case(rastrigin, lambda r: (r.normal(size=6),), ("x",), "test-functions"),
    Case(ackley, lambda r: (r.normal(size=6),), ("x",), "test-functions"),
    Case(lasso_objective, lambda r: (r.normal(size=4), r.normal(size=(9, 4)), r.normal(size=9), 0.1),
         ("w",), "test-functions"),
    Case(svm_hinge, lambda r: (r.normal(size=3), r.normal(size=(9, 3)), np.sign(r.normal(size=9)), 0.7),
         ("w",), "test-functions"),
    Case(max_of_affine, lambda r: (r.normal(size=3), r.normal(size=(6, 3)), r.normal(size=6)),
         ("x", "A", "b"), "test-functions"),
    Case(styblinski_tang, lambda r: (r.normal(size=6),), ("x",), "test-functions"),
    Case(griewank, lambda r: (3 * r.normal(size=6),), ("x",), "test-functions"),
    Case(log_cosh_loss, lambda r: (r.normal(size=3), r.normal(size=(8, 3)), r.normal(size=8)), ("w",),
         "test-functions"),
    # dynamic programming
    Case(soft_dtw, lambda r: (r.normal(size=5), r.normal(size=6), 0.7), ("x", "y", "gamma"),
         "dynamic-programming"),
    Case(dtw_distance, lambda r: (r.normal(size=5), r.normal(size=6)), ("x", "y"), "dynamic-programming"),
    Case(hmm_forward_loglik, lambda r: (np.log(np.full(3, 1.0 / 3.0)), r.normal(size=(3, 3)),
                                        r.normal(size=(6, 3))), ("log_pi", "log_A", "log_B"),
         "dynamic-programming"),
    Case(running_max_drawdown, lambda r: (np.exp(0.1 * r.normal(size=12).cumsum()), 1.7), ("prices", "w"),
         "dynamic-programming"),
    # more statistics and finance
    Case(sharpe_ratio, lambda r: (r.uniform(0.1, 1.0, size=3), 0.01 + 0.05 * r.normal(size=(12, 3))), ("w",),
         "statistics"),
    Case(garch11_nll, lambda r: (0.1, 0.15, 0.7, r.normal(size=12)), ("omega", "alpha", "beta"), "statistics"),
    Case(negbin_nll, lambda r: (0.5 * r.normal(size=6), -0.7, r.integers(0, 6, size=6).astype(np.float64)),
         ("log_mu", "log_alpha"), "statistics"),
    Case(beta_loglik, lambda r: (r.uniform(0.1, 0.9, size=6), 2.2, 3.1), ("x", "a", "b"), "statistics"),
    Case(binary_cross_entropy, lambda r: (r.normal(size=3), r.normal(size=(8, 3)),
                                          (r.uniform(size=8) > 0.5).astype(np.float64)), ("w",), "statistics"),
    Case(kl_divergence, lambda r: (r.dirichlet(np.ones(5)), r.dirichlet(np.ones(5))), ("p", "q"), "statistics"),
    Case(ou_euler_path, lambda r: (1.3, 0.4, 0.3, 1.0, 0.3 * r.normal(size=10), 0.1),
         ("theta", "mu", "sigma", "x0"), "state-space"),
    Case(interp_value, lambda r: (r.uniform(0.5, 2.0, size=4), np.linspace(0.0, 4.0, 9), r.normal(size=9), 0.95),
         ("c", "values"), "interpolation"),
    Case(total_variation, lambda r: (r.normal(size=7), r.normal(size=7), 0.3), ("x", "lam"), "proximal"),
    Case(rbf_kernel_energy, lambda r: (r.normal(size=(5, 2)), r.normal(size=5), 0.6), ("X", "alpha", "gamma"),
         "distances"),
    # solvers, simulations, recursions
    Case(implied_vol, lambda r: (10.45, 100.0, 100.0, 1.0, 0.05), ("price", "S", "K", "T", "r"), "options"),
    Case(newton_sqrt, lambda r: (2.0,), ("a",), "test-functions"),
    Case(nbody_energy, lambda r: (_grid_points(r, 4, 3), r.normal(size=(4, 3)), _pos(r, 4)), ("pos", "vel", "mass"),
         "physics"),
    Case(jacobi_relax, lambda r: (r.normal(size=6), r.normal(size=6), 0.3, 5), ("u0", "f", "h"), "state-space"),
    Case(logsumexp_rows, lambda r: (r.normal(size=(3, 4)),), ("X",), "statistics"),
    Case(kmeans_inertia, lambda r: (r.normal(size=(7, 2)), r.normal(size=(3, 2))), ("X", "C"), "distances"),
    Case(cumulative_returns, lambda r: (r.uniform(0.1, 0.5, 3), 0.02 * r.normal(size=(8, 3))), ("w", "R"),
         "options"),
    Case(smoothed_hinge, lambda r: (r.normal(size=3), r.normal(size=(9, 3)), np.sign(r.normal(size=9))), ("w",),
         "test-functions"),
    Case(parallel_loglik, lambda r: (r.normal(size=3), r.normal(size=(8, 3)),
                                     (r.uniform(size=8) > 0.5).astype(np.float64)), ("theta",), "statistics"),
    Case(spline_penalty, lambda r: (r.normal(size=7), 0.4), ("c", "lam"), "proximal"),
    Case(heat_explicit, lambda r: (r.normal(size=6), 0.2, 5), ("u0", "alpha"), "state-space"),
    Case(viterbi_score, lambda r: (r.normal(size=(3, 3)), r.normal(size=(5, 3))), ("log_A", "log_B"),
         "dynamic-programming"),
    # a statistics library's layout
    Case(norm_nll, lambda r: (r.normal(size=8), 0.2, 1.3), ("x", "loc", "scale"), "statistics"),
    Case(truncnorm_nll, lambda r: (r.uniform(-1.0, 2.0, size=8), 0.3, 1.1, -1.5, 2.5), ("loc", "scale"),
         "statistics"),
    Case(poisson_binned_nll, lambda r: (r.integers(0, 8, size=6).astype(np.float64), 3.3), ("mu",), "statistics"),
    Case(mixture_nll, lambda r: (r.uniform(0.1, 4.0, size=10), 0.4, 1.5, 0.6, 1.2),
         ("frac", "mu", "sigma", "tau"), "statistics"),
]
