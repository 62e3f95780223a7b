"""Probe corpus B: a second set of nonsmooth programs written the way a Numba
user writes them (plain loops over numpy arrays, math functions, local work
arrays, if/elif/else, max/min/abs, break, while, small helper functions).
Written once and not edited to suit nsadc.

Same structure as ``programs.py``: name -> Program(fn, wrt, args(size, rng),
small, big).  The argument makers keep the random points away from ties
(kinks) so that central differences are valid there."""

import math

import numba
import numpy as np

from benchmarks.probe.programs import Program

# ------------------------------------------------------------------ programs


def huber_quantile(X, y, w, b, delta, tau):
    """Linear model; Huber loss of the residual plus a pinball (quantile) term."""
    n, p = X.shape
    loss = 0.0
    for i in range(n):
        pred = b
        for j in range(p):
            pred += X[i, j] * w[j]
        r = y[i] - pred
        a = abs(r)
        if a <= delta:
            loss += 0.5 * r * r
        else:
            loss += delta * (a - 0.5 * delta)
        if r >= 0.0:
            loss += tau * r
        else:
            loss += (tau - 1.0) * r
    return loss / n


def interp_bisect(xp, fp, xq, target):
    """Piecewise-linear interpolation of (xp, fp) at the points xq, each
    interval found by bisection; L1 misfit to target."""
    n = xp.shape[0]
    err = 0.0
    for k in range(xq.shape[0]):
        x = xq[k]
        lo = 0
        hi = n
        while lo < hi:
            mid = (lo + hi) // 2
            if xp[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        i = lo - 1
        if i < 0:
            i = 0
        elif i > n - 2:
            i = n - 2
        t = (x - xp[i]) / (xp[i + 1] - xp[i])
        v = fp[i] + t * (fp[i + 1] - fp[i])
        err += abs(v - target[k])
    return err


def lif_neuron(I, w_in, tau, v_th, v_reset, dt):
    """Leaky integrate-and-fire neuron with a refractory period; loss: mean
    squared membrane potential plus the potential at the last threshold crossing."""
    n = I.shape[0]
    v = v_reset
    refr = 0
    acc = 0.0
    last = 0.0
    for t in range(n):
        if refr > 0:
            refr -= 1
            v = v_reset
        else:
            v += dt / tau * (v_reset - v + w_in * I[t])
            if v >= v_th:
                last = v
                v = v_reset
                refr = 3
        acc += v * v
    return acc / n + last


def dtw_distance(a, b, window):
    """Dynamic time warping distance with a Sakoe-Chiba band."""
    n = a.shape[0]
    m = b.shape[0]
    D = np.full((n + 1, m + 1), np.inf)
    D[0, 0] = 0.0
    for i in range(1, n + 1):
        jlo = max(1, i - window)
        jhi = min(m, i + window)
        for j in range(jlo, jhi + 1):
            cost = abs(a[i - 1] - b[j - 1])
            D[i, j] = cost + min(D[i - 1, j], D[i, j - 1], D[i - 1, j - 1])
    return D[n, m]


def multiclass_hinge(W, X, labels, lam):
    """Crammer-Singer multiclass SVM: max over wrong classes of the margin violation."""
    n, d = X.shape
    k = W.shape[0]
    scores = np.empty(k)
    loss = 0.0
    for i in range(n):
        for c in range(k):
            s = 0.0
            for j in range(d):
                s += W[c, j] * X[i, j]
            scores[c] = s
        yi = labels[i]
        worst = 0.0
        for c in range(k):
            if c != yi:
                worst = max(worst, 1.0 + scores[c] - scores[yi])
        loss += worst
    reg = 0.0
    for c in range(k):
        for j in range(d):
            reg += W[c, j] ** 2
    return loss / n + 0.5 * lam * reg


def cholesky_l1(A, b, t):
    """Cholesky factorisation A = L L^T, solve A x = b, L1 distance of x to t."""
    n = A.shape[0]
    L = np.zeros((n, n))
    for j in range(n):
        s = A[j, j]
        for k in range(j):
            s -= L[j, k] * L[j, k]
        L[j, j] = math.sqrt(s)
        for i in range(j + 1, n):
            s = A[i, j]
            for k in range(j):
                s -= L[i, k] * L[j, k]
            L[i, j] = s / L[j, j]
    z = np.empty(n)
    for i in range(n):
        s = b[i]
        for k in range(i):
            s -= L[i, k] * z[k]
        z[i] = s / L[i, i]
    x = np.empty(n)
    for i in range(n - 1, -1, -1):
        s = z[i]
        for k in range(i + 1, n):
            s -= L[k, i] * x[k]
        x[i] = s / L[i, i]
    loss = 0.0
    for i in range(n):
        loss += abs(x[i] - t[i])
    return loss


def box_ls_pg(A, b, lo, hi, step, iters):
    """Box-constrained least squares by projected gradient (clip inside the loop)."""
    m, n = A.shape
    x = np.zeros(n)
    r = np.empty(m)
    for it in range(iters):
        for i in range(m):
            s = -b[i]
            for j in range(n):
                s += A[i, j] * x[j]
            r[i] = s
        for j in range(n):
            g = 0.0
            for i in range(m):
                g += A[i, j] * r[i]
            v = x[j] - step * g
            if v < lo:
                v = lo
            elif v > hi:
                v = hi
            x[j] = v
    f = 0.0
    for i in range(m):
        s = -b[i]
        for j in range(n):
            s += A[i, j] * x[j]
        f += s * s
    return 0.5 * f


def trimmed_squares(X, y, w, h):
    """Least trimmed squares: the h smallest squared residuals, sorted by
    insertion sort of a copy."""
    n, p = X.shape
    r2 = np.empty(n)
    for i in range(n):
        s = y[i]
        for j in range(p):
            s -= X[i, j] * w[j]
        r2[i] = s * s
    a = r2.copy()
    for i in range(1, n):
        key = a[i]
        j = i - 1
        while j >= 0 and a[j] > key:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = key
    tot = 0.0
    for i in range(h):
        tot += a[i]
    return tot


def max_drawdown(weights, returns):
    """Portfolio wealth path; its largest relative peak-to-trough drawdown."""
    T, k = returns.shape
    wealth = 1.0
    peak = 1.0
    mdd = 0.0
    for t in range(T):
        r = 0.0
        for a in range(k):
            r += weights[a] * returns[t, a]
        wealth *= 1.0 + r
        peak = max(peak, wealth)
        dd = (peak - wealth) / peak
        if dd > mdd:
            mdd = dd
    return mdd


def conv2d_maxpool(img, K, v):
    """Valid 2-D convolution, 2x2 max pooling (stride 2), linear read-out."""
    H, W = img.shape
    kh, kw = K.shape
    oh = H - kh + 1
    ow = W - kw + 1
    fm = np.empty((oh, ow))
    for i in range(oh):
        for j in range(ow):
            s = 0.0
            for a in range(kh):
                for b in range(kw):
                    s += img[i + a, j + b] * K[a, b]
            fm[i, j] = s
    ph = oh // 2
    pw = ow // 2
    out = 0.0
    for i in range(ph):
        for j in range(pw):
            m = fm[2 * i, 2 * j]
            m = max(m, fm[2 * i + 1, 2 * j])
            m = max(m, fm[2 * i, 2 * j + 1])
            m = max(m, fm[2 * i + 1, 2 * j + 1])
            out += v[i * pw + j] * m
    return out


def chamfer(P, Q):
    """Symmetric chamfer distance between two 2-D point sets (nearest neighbour)."""
    n = P.shape[0]
    m = Q.shape[0]
    total = 0.0
    for i in range(n):
        best = math.inf
        for j in range(m):
            dx = P[i, 0] - Q[j, 0]
            dy = P[i, 1] - Q[j, 1]
            d2 = dx * dx + dy * dy
            if d2 < best:
                best = d2
        total += math.sqrt(best)
    for j in range(m):
        best = math.inf
        for i in range(n):
            d2 = (P[i, 0] - Q[j, 0]) ** 2 + (P[i, 1] - Q[j, 1]) ** 2
            best = min(best, d2)
        total += math.sqrt(best)
    return total / (n + m)


@numba.njit
def _l1_resid(t, y, a, k):
    s = 0.0
    for i in range(t.shape[0]):
        s += abs(a * math.exp(-k * t[i]) - y[i])
    return s


def gauss_newton_exp(t, y, a0, k0, iters):
    """Fit y ~ a exp(-k t): Gauss-Newton steps, each halved while the L1
    residual grows; return that residual."""
    a = a0
    k = k0
    n = t.shape[0]
    for it in range(iters):
        h00 = 0.0
        h01 = 0.0
        h11 = 0.0
        g0 = 0.0
        g1 = 0.0
        for i in range(n):
            e = math.exp(-k * t[i])
            r = a * e - y[i]
            ja = e
            jk = -a * t[i] * e
            h00 += ja * ja
            h01 += ja * jk
            h11 += jk * jk
            g0 += ja * r
            g1 += jk * r
        det = h00 * h11 - h01 * h01
        da = (h11 * g0 - h01 * g1) / det
        dk = (h00 * g1 - h01 * g0) / det
        old = _l1_resid(t, y, a, k)
        lam = 1.0
        while lam > 1e-3 and _l1_resid(t, y, a - lam * da, k - lam * dk) > old:
            lam *= 0.5
        a -= lam * da
        k -= lam * dk
    return _l1_resid(t, y, a, k)


def thermostat(T0, k_loss, heat, t_on, t_off, T_out, dt, t_end):
    """Room temperature under a bang-bang thermostat with hysteresis, Euler
    steps in a `while t < t_end` loop; comfort plus energy cost."""
    temp = T0
    heating = 1
    t = 0.0
    cost = 0.0
    while t < t_end:
        dT = -k_loss * (temp - T_out)
        if heating == 1:
            dT += heat
        temp += dt * dT
        if heating == 1 and temp > t_off:
            heating = 0
        elif heating == 0 and temp < t_on:
            heating = 1
        cost += dt * (temp - 20.0) ** 2 + dt * 0.1 * heating * heat
        t += dt
    return cost


def reset_accumulator(x, thresh, decay):
    """Integrate-and-dump: leaky sum of x, dumped into bin i // 2 when over
    thresh, floored at -thresh; circular products of neighbouring bins."""
    n = x.shape[0]
    nb = (n + 1) // 2
    bins = np.zeros(nb)
    acc = 0.0
    for i in range(n):
        acc = decay * acc + x[i]
        if acc > thresh:
            bins[i // 2] += acc - thresh
            acc = 0.0
        elif acc < -thresh:
            acc = -thresh
    s = 0.0
    for k in range(nb):
        s += bins[k] * bins[(k + 1) % nb]
    return s + acc


@numba.njit
def _score(X, i, w):
    s = 0.0
    for j in range(X.shape[1]):
        s += X[i, j] * w[j]
    return s


@numba.njit
def _smooth_hinge(z):
    if z >= 1.0:
        return 0.0
    elif z <= 0.0:
        return 0.5 - z
    else:
        return 0.5 * (1.0 - z) ** 2


@numba.njit
def _pair_loss(X, i, k, w):
    return _smooth_hinge(_score(X, i, w) - _score(X, k, w))


def pairwise_rank(X, rel, w, lam):
    """Pairwise ranking loss (smoothed hinge on score differences) plus L1."""
    n = X.shape[0]
    loss = 0.0
    for i in range(n):
        for k in range(n):
            if rel[i] > rel[k]:
                loss += _pair_loss(X, i, k, w)
    nrm = 0.0
    for j in range(w.shape[0]):
        nrm += abs(w[j])
    return loss + lam * nrm


def circular_opening(x, width, target):
    """Grey-scale opening (erosion then dilation) on a periodic signal, squared misfit."""
    n = x.shape[0]
    er = np.empty(n)
    for i in range(n):
        m = x[i]
        for k in range(-width, width + 1):
            v = x[(i + k) % n]
            if v < m:
                m = v
        er[i] = m
    di = np.empty(n)
    for i in range(n):
        m = er[i]
        for k in range(1, width + 1):
            m = max(m, er[(i + k) % n], er[(i - k) % n])
        di[i] = m
    s = 0.0
    for i in range(n):
        s += (di[i] - target[i]) ** 2
    return s


def kepler_orbit(M, e, a, obs):
    """Solve Kepler's equation E - e sin E = M by Newton (while True / break)
    at each mean anomaly; squared misfit of the orbital radius."""
    loss = 0.0
    for i in range(M.shape[0]):
        E = M[i] if e < 0.8 else math.pi
        it = 0
        while True:
            f = E - e * math.sin(E) - M[i]
            dE = f / (1.0 - e * math.cos(E))
            E -= dE
            it += 1
            if abs(dE) < 1e-13 or it > 50:
                break
        r = a * (1.0 - e * math.cos(E))
        loss += (r - obs[i]) ** 2
    return loss


def viterbi_path(logA, logB, obs, log_pi):
    """Viterbi decoding with back-pointers; the emission log-likelihood of the
    decoded path (best score minus its transitions)."""
    T = obs.shape[0]
    S = logA.shape[0]
    delta = np.empty((T, S))
    bp = np.zeros((T, S), dtype=np.int64)
    for s in range(S):
        delta[0, s] = log_pi[s] + logB[s, obs[0]]
    for t in range(1, T):
        for s in range(S):
            best = -np.inf
            arg = 0
            for r in range(S):
                v = delta[t - 1, r] + logA[r, s]
                if v > best:
                    best = v
                    arg = r
            delta[t, s] = best + logB[s, obs[t]]
            bp[t, s] = arg
    last = 0
    for s in range(1, S):
        if delta[T - 1, s] > delta[T - 1, last]:
            last = s
    trans = 0.0
    state = last
    for t in range(T - 1, 0, -1):
        prev = bp[t, state]
        trans += logA[prev, state]
        state = prev
    return delta[T - 1, last] - trans - log_pi[state]


# ------------------------------------------------------------------ arguments


def _huber(n, rng):
    p = 6
    X = rng.standard_normal((n, p))
    w = rng.standard_normal(p)
    y = X @ w + rng.standard_normal(n)
    return (X, y, w + 0.3 * rng.standard_normal(p), 0.2, 1.0, 0.3)


def _interp(n, rng):
    nk = 12
    xp = np.cumsum(rng.uniform(0.5, 1.5, nk))
    fp = rng.standard_normal(nk)
    # queries strictly inside intervals, away from knots (and a few outside the range)
    i = rng.integers(0, nk - 1, n)
    f = rng.uniform(0.1, 0.9, n)
    xq = xp[i] + f * (xp[i + 1] - xp[i])
    xq[: max(1, n // 10)] = xp[0] - rng.uniform(0.2, 1.0, max(1, n // 10))
    target = rng.standard_normal(n)
    v = np.interp(xq, xp, fp)
    target = np.where(np.abs(v - target) < 1e-3, target + 0.1, target)
    return (xp, fp, xq, target)


def _lif(n, rng):
    I = 1.2 + 0.8 * rng.standard_normal(n)
    return (I, 1.5, 8.0, 1.0, 0.0, 0.5)


def _dtw(n, rng):
    a = np.cumsum(rng.standard_normal(n)) * 0.3
    b = np.cumsum(rng.standard_normal(n + 3)) * 0.3
    return (a, b, max(4, n // 4))


def _mhinge(n, rng):
    d, k = 8, 5
    X = rng.standard_normal((n, d))
    labels = rng.integers(0, k, n)
    W = rng.standard_normal((k, d)) * 0.4
    return (W, X, labels, 0.01)


def _chol(n, rng):
    B = rng.standard_normal((n, n))
    A = B @ B.T + n * np.eye(n)
    b = rng.standard_normal(n)
    x = np.linalg.solve(A, b)
    t = x + rng.choice([-1.0, 1.0], n) * rng.uniform(0.05, 0.2, n)
    return (A, b, t)


def _boxls(n, rng):
    m = 2 * n
    A = rng.standard_normal((m, n)) / math.sqrt(m)
    b = rng.standard_normal(m) * 2.0
    L = np.linalg.norm(A, 2) ** 2
    return (A, b, -0.5, 0.6, 0.9 / L, 30)


def _trim(n, rng):
    p = 4
    X = rng.standard_normal((n, p))
    w = rng.standard_normal(p)
    y = X @ w + 0.3 * rng.standard_normal(n)
    y[: n // 5] += 5.0 * rng.standard_normal(n // 5)
    return (X, y, w + 0.1 * rng.standard_normal(p), (3 * n) // 4)


def _mdd(n, rng):
    k = 5
    returns = 0.0005 + 0.01 * rng.standard_normal((n, k))
    w = rng.dirichlet(np.ones(k))
    return (w, returns)


def _conv2d(n, rng):
    img = rng.standard_normal((n, n))
    K = rng.standard_normal((3, 3)) * 0.5
    ph = (n - 2) // 2
    v = rng.standard_normal(ph * ph)
    return (img, K, v)


def _chamfer(n, rng):
    P = rng.standard_normal((n, 2))
    Q = rng.standard_normal((n + n // 2, 2)) * 1.2 + 0.1
    return (P, Q)


def _gn(n, rng):
    t = np.linspace(0.0, 4.0, n) + 0.01 * rng.uniform(size=n)
    y = 2.0 * np.exp(-0.7 * t) + 0.05 * rng.standard_normal(n)
    return (t, y, 1.5, 0.5, 4)


def _thermo(n, rng):
    # n: number of hours simulated (dt = 0.01 h); t_end off the step grid
    return (15.0 + rng.uniform(), 0.3, 4.0 + rng.uniform(), 19.0, 21.0, 5.0 + rng.uniform(), 0.01, n + 0.005)


def _reset(n, rng):
    x = 0.4 + rng.standard_normal(n)
    return (x, 1.7, 0.8)


def _rank(n, rng):
    d = 6
    X = rng.standard_normal((n, d))
    rel = rng.integers(0, 4, n).astype(np.float64)
    w = rng.standard_normal(d) * 0.5
    return (X, rel, w, 0.05)


def _opening(n, rng):
    x = rng.standard_normal(n)
    return (x, 2, rng.standard_normal(n))


def _kepler(n, rng):
    M = rng.uniform(0.1, 2.0 * math.pi - 0.1, n)
    return (M, 0.3 + 0.2 * rng.uniform(), 1.5, 1.5 + 0.3 * rng.standard_normal(n))


def _viterbi(n, rng):
    S, V = 4, 6
    A = rng.dirichlet(np.ones(S), S)
    B = rng.dirichlet(np.ones(V), S)
    pi = rng.dirichlet(np.ones(S))
    obs = rng.integers(0, V, n)
    return (np.log(A), np.log(B), obs, np.log(pi))


PROGRAMS = {
    "huber_quantile": Program(huber_quantile, ("w", "b", "delta", "tau"), _huber, 20, 500000),
    "interp_bisect": Program(interp_bisect, ("xp", "fp", "xq"), _interp, 20, 1000000),
    "lif_neuron": Program(lif_neuron, ("I", "w_in", "tau", "v_th", "v_reset", "dt"), _lif, 60, 2000000),
    "dtw_distance": Program(dtw_distance, ("a", "b"), _dtw, 15, 3000),
    "multiclass_hinge": Program(multiclass_hinge, ("W", "X", "lam"), _mhinge, 12, 200000),
    "cholesky_l1": Program(cholesky_l1, ("A", "b"), _chol, 6, 300),
    "box_ls_pg": Program(box_ls_pg, ("A", "b", "lo", "hi"), _boxls, 6, 200),
    "trimmed_squares": Program(trimmed_squares, ("X", "y", "w"), _trim, 16, 3000),
    "max_drawdown": Program(max_drawdown, ("weights", "returns"), _mdd, 40, 1000000),
    "conv2d_maxpool": Program(conv2d_maxpool, ("img", "K", "v"), _conv2d, 10, 1000),
    "chamfer": Program(chamfer, ("P", "Q"), _chamfer, 8, 2000),
    "gauss_newton_exp": Program(gauss_newton_exp, ("t", "y", "a0", "k0"), _gn, 20, 200000),
    "thermostat": Program(thermostat, ("T0", "k_loss", "heat", "t_on", "t_off", "T_out", "dt", "t_end"),
                          _thermo, 10, 2000),
    "reset_accumulator": Program(reset_accumulator, ("x", "thresh", "decay"), _reset, 30, 2000000),
    "pairwise_rank": Program(pairwise_rank, ("X", "w", "lam"), _rank, 10, 1500),
    "circular_opening": Program(circular_opening, ("x", "target"), _opening, 25, 1000000),
    "kepler_orbit": Program(kepler_orbit, ("M", "e", "a"), _kepler, 15, 200000),
    "viterbi_path": Program(viterbi_path, ("logA", "logB", "log_pi"), _viterbi, 12, 200000),
}
