"""Probe corpus D: a fourth set of nonsmooth programs written the way a Numba
user writes them (plain for/while loops over numpy arrays, math functions,
module-level constants, small njit helpers that return tuples or fill an
output array, periodic indexing, clipping, max/min/abs, break, early return).
Written once and not edited afterwards to suit any tool.

Same structure as ``programs.py``: name -> Program(fn, wrt, args(size, rng),
small, big).  The argument makers keep the random points away from ties
(kinks) so that central differences are valid there."""

import math

import numba
import numpy as np

from benchmarks.probe.programs import Program

# ------------------------------------------------------------------ constants

EPS = 1e-12
MAX_ITER = 60
BISECT_RTOL = 1e-13
ROOT_FTOL = 1e-12
LAM_FLOOR = 1e-8
PEAK_START = 8
PEAK_END = 11
PEAK_ADDER = 0.05

# ------------------------------------------------------------------ programs


def heat_periodic_source(u0, src, kappa, cap, dt, steps):
    """Explicit heat equation on a periodic 2-D grid with a reaction source
    src * (1 - u) clipped to [0, cap]; mean square of the final field plus its peak."""
    n, m = u0.shape
    u = u0.copy()
    un = np.empty_like(u)
    for t in range(steps):
        for i in range(n):
            ip = (i + 1) % n
            im = (i - 1) % n
            for j in range(m):
                jp = (j + 1) % m
                jm = (j - 1) % m
                lap = u[ip, j] + u[im, j] + u[i, jp] + u[i, jm] - 4.0 * u[i, j]
                q = src[i, j] * (1.0 - u[i, j])
                if q < 0.0:
                    q = 0.0
                elif q > cap:
                    q = cap
                un[i, j] = u[i, j] + kappa * lap + dt * q
        u, un = un, u
    s = 0.0
    for i in range(n):
        for j in range(m):
            s += u[i, j] * u[i, j]
    return s / (n * m) + np.max(u)


@numba.njit
def _cic(x, dx, nc):
    s = x / dx
    i0 = int(math.floor(s))
    w1 = s - i0
    i0 = i0 % nc
    i1 = (i0 + 1) % nc
    return i0, i1, 1.0 - w1, w1


@numba.njit
def _deposit(x, qw, dx, rho):
    nc = rho.shape[0]
    for k in range(nc):
        rho[k] = 0.0
    for p in range(x.shape[0]):
        i0, i1, w0, w1 = _cic(x[p], dx, nc)
        rho[i0] += qw * w0 / dx
        rho[i1] += qw * w1 / dx


def pic_deposit_gather(xp, vp, qm, L, nc, dt, steps):
    """1-D electrostatic particle-in-cell: cloud-in-cell deposit, field from
    Gauss's law by a running sum, linear gather, push with periodic wrap;
    kinetic plus field energy at the end."""
    npart = xp.shape[0]
    dx = L / nc
    qw = L / npart
    x = xp.copy()
    v = vp.copy()
    rho = np.zeros(nc)
    E = np.zeros(nc)
    for t in range(steps):
        _deposit(x, qw, dx, rho)
        mean = rho.sum() / nc
        E[0] = 0.0
        for k in range(1, nc):
            E[k] = E[k - 1] + dx * (rho[k - 1] - mean)
        em = E.sum() / nc
        for k in range(nc):
            E[k] -= em
        for p in range(npart):
            i0, i1, w0, w1 = _cic(x[p], dx, nc)
            Ep = w0 * E[i0] + w1 * E[i1]
            v[p] += qm * Ep * dt
            xn = x[p] + v[p] * dt
            while xn >= L:
                xn -= L
            while xn < 0.0:
                xn += L
            x[p] = xn
    ke = 0.0
    for p in range(npart):
        ke += 0.5 * v[p] * v[p]
    fe = 0.0
    for k in range(nc):
        fe += 0.5 * E[k] * E[k] * dx
    return ke / npart + fe


@numba.njit
def _block_charge(kwh, edges, prices):
    prev = 0.0
    cost = 0.0
    for k in range(edges.shape[0]):
        if kwh <= edges[k]:
            return cost + prices[k] * (kwh - prev)
        cost += prices[k] * (edges[k] - prev)
        prev = edges[k]
    return cost + prices[edges.shape[0]] * (kwh - prev)


def electricity_bill(load, pv, edges, prices, export_rate, demand_rate, min_charge):
    """Daily electricity bill with rooftop solar: inclining block tariff on the
    imported energy, peak-window adder and demand charge, export credit, and a
    minimum daily charge; mean bill per day."""
    days, H = load.shape
    tou = np.zeros((days, 3))
    total = 0.0
    for d in range(days):
        exported = 0.0
        peak = 0.0
        for h in range(H):
            net = load[d, h] - pv[d, h]
            if h < PEAK_START:
                c = 0
            elif h < PEAK_END:
                c = 1
            else:
                c = 2
            if net > 0.0:
                tou[d, c] += net
                if c == 1:
                    peak = max(peak, net)
            else:
                exported -= net
        imported = tou[d, 0] + tou[d, 1] + tou[d, 2]
        bill = _block_charge(imported, edges, prices) + PEAK_ADDER * tou[d, 1]
        bill += demand_rate * peak - export_rate * exported
        total += max(bill, min_charge)
    return total / days


def inventory_order_up_to(demand, S, amp, h, p, c, lead, period):
    """Periodic-review order-up-to policy with a seasonal target level, orders
    in transit in a ring buffer (lead time), lost sales; mean cost per period."""
    T = demand.shape[0]
    pipe = np.zeros(lead)
    on_hand = S
    cost = 0.0
    for t in range(T):
        slot = t % lead
        on_hand += pipe[slot]
        pipe[slot] = 0.0
        d = demand[t]
        if d > on_hand:
            lost = d - on_hand
            on_hand = 0.0
        else:
            lost = 0.0
            on_hand -= d
        target = S * (1.0 + amp * math.sin(2.0 * math.pi * t / period))
        position = on_hand + pipe.sum()
        order = max(0.0, target - position)
        pipe[slot] = order
        cost += h * on_hand + p * lost + c * order
    return cost / T


def lindley_queue(inter, service, speed, sla, beta, gamma):
    """Single-server FIFO queue by Lindley's recursion W = max(0, W + S - A):
    mean wait, SLA excess, worst wait and server idle fraction."""
    n = inter.shape[0]
    waits = np.empty(n)
    W = 0.0
    idle = 0.0
    horizon = 0.0
    for k in range(n):
        waits[k] = W
        x = W + service[k] / speed - inter[k]
        if x > 0.0:
            W = x
        else:
            idle -= x
            W = 0.0
        horizon += inter[k]
    late = 0.0
    for k in range(n):
        if waits[k] > sla:
            late += waits[k] - sla
    return waits.sum() / n + late / n + beta * np.max(waits) + gamma * idle / horizon


@numba.njit
def _minmod(a, b):
    if a * b <= 0.0:
        return 0.0
    if abs(a) < abs(b):
        return a
    return b


@numba.njit
def _godunov_burgers(uL, uR):
    if uL > uR:
        s = 0.5 * (uL + uR)
        if s > 0.0:
            return 0.5 * uL * uL
        return 0.5 * uR * uR
    if uL > 0.0:
        return 0.5 * uL * uL
    if uR < 0.0:
        return 0.5 * uR * uR
    return 0.0


def muscl_burgers(u0, target, cfl, steps):
    """Inviscid Burgers on a periodic grid: minmod-limited MUSCL reconstruction,
    exact Riemann (Godunov) flux, CFL time step from max |u|; L1 misfit."""
    n = u0.shape[0]
    dx = 1.0 / n
    u = u0.copy()
    slope = np.empty(n)
    F = np.empty(n)
    for t in range(steps):
        umax = 0.0
        for i in range(n):
            umax = max(umax, abs(u[i]))
        dt = cfl * dx / (umax + EPS)
        for i in range(n):
            slope[i] = _minmod(u[i] - u[(i - 1) % n], u[(i + 1) % n] - u[i])
        for i in range(n):
            ip = (i + 1) % n
            F[i] = _godunov_burgers(u[i] + 0.5 * slope[i], u[ip] - 0.5 * slope[ip])
        for i in range(n):
            u[i] -= dt / dx * (F[i] - F[(i - 1) % n])
    err = 0.0
    for i in range(n):
        err += abs(u[i] - target[i])
    return err * dx


@numba.njit
def _erode3(a, out):
    H, W = a.shape
    for i in range(1, H - 1):
        for j in range(W):
            m = a[i, j]
            for dj in range(-1, 2):
                jj = min(max(j + dj, 0), W - 1)
                m = min(m, a[i - 1, jj], a[i, jj], a[i + 1, jj])
            out[i, j] = m
    # top and bottom rows: only two rows of the window are inside
    for j in range(W):
        m0 = a[0, j]
        m1 = a[H - 1, j]
        for dj in range(-1, 2):
            jj = min(max(j + dj, 0), W - 1)
            m0 = min(m0, a[0, jj], a[1, jj])
            m1 = min(m1, a[H - 2, jj], a[H - 1, jj])
        out[0, j] = m0
        out[H - 1, j] = m1


@numba.njit
def _dilate3(a, out):
    H, W = a.shape
    for i in range(1, H - 1):
        for j in range(W):
            m = a[i, j]
            for dj in range(-1, 2):
                jj = min(max(j + dj, 0), W - 1)
                m = max(m, a[i - 1, jj], a[i, jj], a[i + 1, jj])
            out[i, j] = m
    for j in range(W):
        m0 = a[0, j]
        m1 = a[H - 1, j]
        for dj in range(-1, 2):
            jj = min(max(j + dj, 0), W - 1)
            m0 = max(m0, a[0, jj], a[1, jj])
            m1 = max(m1, a[H - 2, jj], a[H - 1, jj])
        out[0, j] = m0
        out[H - 1, j] = m1


def morph_open_close(img, target, lam):
    """Grey-scale 3x3 opening followed by closing (erosion/dilation as min/max
    over the window), squared misfit to target plus the summed morphological
    gradient (dilation minus erosion) of the input."""
    H, W = img.shape
    e = np.empty_like(img)
    d = np.empty_like(img)
    _erode3(img, e)
    _dilate3(e, d)
    _dilate3(d, e)
    _erode3(e, d)
    loss = 0.0
    for i in range(H):
        for j in range(W):
            r = d[i, j] - target[i, j]
            loss += r * r
    _dilate3(img, e)
    _erode3(img, d)
    g = 0.0
    for i in range(H):
        for j in range(W):
            g += e[i, j] - d[i, j]
    return loss + lam * g


@numba.njit
def _project_rows(W, X, Z):
    n, d = X.shape
    k = W.shape[0]
    for i in range(n):
        for c in range(k):
            s = 0.0
            for j in range(d):
                s += W[c, j] * X[i, j]
            Z[i, c] = s


@numba.njit
def _dist(Z, i, j):
    s = 0.0
    for c in range(Z.shape[1]):
        diff = Z[i, c] - Z[j, c]
        s += diff * diff
    return math.sqrt(s + EPS)


@numba.njit
def _hardest(Z, labels, a):
    hp = -1.0
    hn = math.inf
    for j in range(Z.shape[0]):
        if j == a:
            continue
        d = _dist(Z, a, j)
        if labels[j] == labels[a]:
            if d > hp:
                hp = d
        elif d < hn:
            hn = d
    return hp, hn


def triplet_batch_hard(W, X, labels, margin):
    """Batch-hard triplet loss of a linear embedding: for each anchor the
    farthest positive and the nearest negative, hinge with a margin."""
    n = X.shape[0]
    Z = np.zeros((n, W.shape[0]))
    _project_rows(W, X, Z)
    loss = 0.0
    for a in range(n):
        dp, dn = _hardest(Z, labels, a)
        h = dp - dn + margin
        if h > 0.0:
            loss += h
    return loss / n


@numba.njit
def _relu_mlp(W1, b1, W2, x, hbuf, z):
    for r in range(W1.shape[0]):
        s = b1[r]
        for j in range(x.shape[0]):
            s += W1[r, j] * x[j]
        hbuf[r] = s if s > 0.0 else 0.0
    for c in range(W2.shape[0]):
        s = 0.0
        for r in range(W2.shape[1]):
            s += W2[c, r] * hbuf[r]
        z[c] = s


def contrastive_siamese(W1, b1, W2, X, labels, pi, pj, margin):
    """Siamese ReLU network, contrastive loss on index pairs: squared distance
    for same-label pairs, squared hinge max(0, margin - d)^2 for the others."""
    n = X.shape[0]
    k = W2.shape[0]
    Z = np.zeros((n, k))
    hbuf = np.empty(W1.shape[0])
    for i in range(n):
        _relu_mlp(W1, b1, W2, X[i], hbuf, Z[i])
    loss = 0.0
    for q in range(pi.shape[0]):
        a = pi[q]
        b = pj[q]
        d2 = 0.0
        for c in range(k):
            d2 += (Z[a, c] - Z[b, c]) ** 2
        same = labels[a] == labels[b]
        if same:
            loss += d2
        else:
            gap = margin - math.sqrt(d2 + EPS)
            if gap > 0.0:
                loss += gap * gap
    return 0.5 * loss / pi.shape[0]


def huber_pca(X, u0, delta, lam, iters):
    """Rank-one robust PCA: alternating iteratively-reweighted least squares
    with Huber weights min(1, delta/|r|), then the Huber loss of the residual."""
    m, p = X.shape
    u = u0.copy()
    v = np.zeros(p)
    R = np.empty((m, p))
    Wt = np.empty((m, p))
    for it in range(iters):
        for i in range(m):
            for j in range(p):
                R[i, j] = X[i, j]
                R[i, j] -= u[i] * v[j]
                a = abs(R[i, j])
                Wt[i, j] = 1.0 if a <= delta else delta / a
        for j in range(p):
            num = 0.0
            den = lam
            for i in range(m):
                num += Wt[i, j] * u[i] * X[i, j]
                den += Wt[i, j] * u[i] * u[i]
            v[j] = num / den
        for i in range(m):
            for j in range(p):
                r = X[i, j] - u[i] * v[j]
                a = abs(r)
                Wt[i, j] = 1.0 if a <= delta else delta / a
        for i in range(m):
            num = 0.0
            den = lam
            for j in range(p):
                num += Wt[i, j] * v[j] * X[i, j]
                den += Wt[i, j] * v[j] * v[j]
            u[i] = num / den
    loss = 0.0
    for i in range(m):
        for j in range(p):
            a = abs(X[i, j] - u[i] * v[j])
            if a <= delta:
                loss += 0.5 * a * a
            else:
                loss += delta * (a - 0.5 * delta)
    return loss / (m * p)


def pava_isotonic(y, w, target):
    """Weighted isotonic regression by pool-adjacent-violators (a stack of
    blocks merged in a while loop), expanded back to the points; L1 misfit of
    the fit to a target."""
    n = y.shape[0]
    val = np.empty(n)
    wt = np.empty(n)
    cnt = np.empty(n, dtype=np.int64)
    k = -1
    for i in range(n):
        k += 1
        val[k] = y[i]
        wt[k] = w[i]
        cnt[k] = 1
        while k > 0 and val[k - 1] > val[k]:
            tw = wt[k - 1] + wt[k]
            val[k - 1] = (wt[k - 1] * val[k - 1] + wt[k] * val[k]) / tw
            wt[k - 1] = tw
            cnt[k - 1] += cnt[k]
            k -= 1
    fit = np.empty(n)
    i = n - 1
    for b in range(k, -1, -1):
        for r in range(cnt[b]):
            fit[i] = val[b]
            i -= 1
    loss = 0.0
    for i in range(n):
        loss += abs(fit[i] - target[i])
    return loss / n


def lp_subgradient(c, A, b, lo, hi, rho, step0, iters):
    """min c.x + rho * sum_i max(0, A_i x - b_i) over the box lo <= x <= hi by
    projected subgradient with diminishing steps; the best objective seen."""
    m, n = A.shape
    x = np.empty(n)
    for j in range(n):
        x[j] = 0.5 * (lo[j] + hi[j])
    g = np.empty(n)
    best = math.inf
    for k in range(iters):
        f = 0.0
        for j in range(n):
            g[j] = c[j]
            f += c[j] * x[j]
        for i in range(m):
            r = -b[i]
            for j in range(n):
                r += A[i, j] * x[j]
            if r > 0.0:
                f += rho * r
                for j in range(n):
                    g[j] += rho * A[i, j]
        if f < best:
            best = f
        step = step0 / math.sqrt(k + 1.0)
        for j in range(n):
            x[j] = min(max(x[j] - step * g[j], lo[j]), hi[j])
    return best


@numba.njit
def _water_level(inv, P):
    lo = 0.0
    hi = P + np.max(inv)
    it = 0
    while hi - lo > BISECT_RTOL * (1.0 + hi) and it < MAX_ITER:
        mu = 0.5 * (lo + hi)
        tot = 0.0
        for k in range(inv.shape[0]):
            if mu > inv[k]:
                tot += mu - inv[k]
        if tot > P:
            hi = mu
        else:
            lo = mu
        it += 1
    mu = 0.5 * (lo + hi)
    # exact level on the active set found by the bisection
    s = 0.0
    na = 0
    for k in range(inv.shape[0]):
        if inv[k] < mu:
            s += inv[k]
            na += 1
    return (P + s) / na, na


@numba.njit
def _powers(inv, mu, p):
    for k in range(inv.shape[0]):
        p[k] = max(0.0, mu - inv[k])


def waterfill_rates(gains, noise, P, rmin):
    """Water-filling power allocation over parallel channels in each time slot
    (water level by bisection); negative mean rate plus a shortfall penalty
    below a minimum rate."""
    T, K = gains.shape
    inv = np.empty(K)
    p = np.empty(K)
    total = 0.0
    short = 0.0
    for t in range(T):
        for k in range(K):
            inv[k] = noise[k] / gains[t, k]
        mu, na = _water_level(inv, P)
        _powers(inv, mu, p)
        r = 0.0
        for k in range(K):
            r += math.log(1.0 + p[k] / inv[k])
        total += r
        if r < rmin:
            short += rmin - r
    return (-total + 2.0 * short) / T


@numba.njit
def _bond_pv(y, cpn, m, freq):
    disc = 1.0 / (1.0 + y / freq)
    df = 1.0
    pv = 0.0
    for k in range(m):
        df *= disc
        pv += 100.0 * cpn / freq * df
    return pv + 100.0 * df


@numba.njit
def _ytm(price, cpn, m, freq):
    a = 0.0
    b = 0.2
    fa = _bond_pv(a, cpn, m, freq) - price
    fb = _bond_pv(b, cpn, m, freq) - price
    while fb > 0.0:
        b *= 2.0
        fb = _bond_pv(b, cpn, m, freq) - price
    side = 0
    c = a
    it = 0
    while True:
        c = (a * fb - b * fa) / (fb - fa)
        fc = _bond_pv(c, cpn, m, freq) - price
        it += 1
        if abs(fc) < ROOT_FTOL or it >= MAX_ITER:
            break
        if fc * fb > 0.0:
            b = c
            fb = fc
            if side == -1:
                fa *= 0.5
            side = -1
        else:
            a = c
            fa = fc
            if side == 1:
                fb *= 0.5
            side = 1
    return c, it


def bond_curve_fit(prices, coupons, mats, freq, a0, a1, tau):
    """Yield to maturity of each bond by Illinois regula falsi on its price;
    L1 misfit of the yields to a Nelson-Siegel-like curve."""
    loss = 0.0
    for i in range(prices.shape[0]):
        y, it = _ytm(prices[i], coupons[i], mats[i], freq)
        T = mats[i] / freq
        x = T / tau
        curve = a0 + a1 * (1.0 - math.exp(-x)) / x
        loss += abs(y - curve)
    return loss / prices.shape[0]


def hawkes_relu(times, marks, w, mu, alpha, beta, T_end, dt):
    """Marked Hawkes process with exciting and inhibiting marks, intensity
    max(0, mu + decaying state); negative log-likelihood with the compensator
    integrated on a uniform grid."""
    n = times.shape[0]
    s = 0.0
    tlast = 0.0
    ll = 0.0
    for i in range(n):
        s *= math.exp(-beta * (times[i] - tlast))
        lam = mu + s
        if lam < LAM_FLOOR:
            lam = LAM_FLOOR
        ll += math.log(lam)
        s += alpha[marks[i]] * w[i]
        tlast = times[i]
    nsteps = int(T_end / dt)
    decay = math.exp(-beta * dt)
    s = 0.0
    j = 0
    comp = 0.0
    for k in range(nsteps):
        t1 = (k + 1) * dt
        s_next = s * decay
        while j < n and times[j] <= t1:
            s_next += alpha[marks[j]] * w[j] * math.exp(-beta * (t1 - times[j]))
            j += 1
        comp += 0.5 * dt * (max(0.0, mu + s) + max(0.0, mu + s_next))
        s = s_next
    return (comp - ll) / n


def pch_survival(time, event, X, log_haz, beta, width, lam):
    """Proportional-hazards model with a piecewise-constant baseline hazard on
    equal-width intervals (the last one open); negative log-likelihood plus a
    fused-lasso penalty on neighbouring log-hazards."""
    n, p = X.shape
    K = log_haz.shape[0]
    haz = np.empty(K)
    for k in range(K):
        haz[k] = math.exp(log_haz[k])
    nll = 0.0
    for i in range(n):
        eta = 0.0
        for j in range(p):
            eta += X[i, j] * beta[j]
        t = time[i]
        kt = int(math.floor(t / width))
        if kt > K - 1:
            kt = K - 1
        H = 0.0
        for k in range(K):
            start = k * width
            if start >= t:
                break
            end = min(start + width, t) if k < K - 1 else t
            H += haz[k] * (end - start)
        nll += math.exp(eta) * H
        if event[i]:
            nll -= log_haz[kt] + eta
    pen = 0.0
    for k in range(K - 1, 0, -1):
        pen += abs(log_haz[k] - log_haz[k - 1])
    return nll / n + lam * pen


# ------------------------------------------------------------------ arguments


def _heat2d(n, rng):
    u0 = rng.uniform(0.0, 1.6, (n, n))
    src = rng.uniform(0.2, 3.0, (n, n))
    return (u0, src, 0.12 + 0.05 * rng.uniform(), 1.0, 0.1, 12)


def _pic(n, rng):
    L = 2.0 * math.pi
    nc = 32
    dx = L / nc
    # start particles well inside their cells
    cell = rng.integers(0, nc, n)
    xp = (cell + rng.uniform(0.1, 0.9, n)) * dx
    vp = rng.standard_normal(n)
    return (xp, vp, -1.0, L, nc, 0.1, 10)


def _bill(n, rng):
    H = 12
    load = rng.uniform(0.5, 2.8, (n, H))
    prof = np.maximum(0.0, np.sin(np.pi * (np.arange(H) - 2.5) / 7.0))
    sunny = np.where(np.arange(n) % 2 == 0, rng.uniform(2.5, 3.5, n), rng.uniform(0.0, 0.5, n))
    pv = sunny[:, None] * prof[None, :]
    edges = np.array([6.0, 12.0, 18.0])
    prices = np.array([0.12, 0.17, 0.24, 0.31])
    return (load, pv, edges, prices, 0.07, 0.9, 4.0)


def _inventory(n, rng):
    demand = rng.gamma(4.0, 2.5, n)
    return (demand, 45.0, 0.4, 1.0, 9.0, 2.0, 3, 13.0)


def _queue(n, rng):
    inter = rng.exponential(1.0, n) + 0.01
    service = rng.gamma(2.0, 0.42, n)
    return (inter, service, 1.0, 1.5, 0.05, 0.5)


def _burgers(n, rng):
    x = (np.arange(n) + 0.5) / n
    u0 = 0.2 + np.sin(2.0 * np.pi * x) + 0.2 * rng.standard_normal(n)
    target = 0.5 * rng.standard_normal(n)
    return (u0, target, 0.4, 8)


def _morph(n, rng):
    img = rng.standard_normal((n, n))
    target = 0.5 * rng.standard_normal((n, n)) + 0.3
    return (img, target, 0.1)


def _triplet(n, rng):
    d = 5
    labels = rng.permutation(np.arange(n) % 3)
    means = 2.0 * rng.standard_normal((3, d))
    X = means[labels] + 0.8 * rng.standard_normal((n, d))
    # a partly trained embedding: rows near the class-mean directions
    W = means / np.linalg.norm(means, axis=1, keepdims=True) + 0.3 * rng.standard_normal((3, d))
    return (W, X, labels, 0.25)


def _contrastive(n, rng):
    d, h, k = 6, 4, 3
    labels = rng.integers(0, 4, n)
    means = rng.standard_normal((4, d))
    X = means[labels] + 0.7 * rng.standard_normal((n, d))
    npairs = 3 * n
    pi = rng.integers(0, n, npairs)
    pj = (pi + rng.integers(1, n, npairs)) % n
    W1 = 0.6 * rng.standard_normal((h, d))
    b1 = 0.2 * rng.standard_normal(h)
    W2 = 0.6 * rng.standard_normal((k, h))
    return (W1, b1, W2, X, labels, pi, pj, 1.5)


def _hpca(n, rng):
    m, p = n, n // 2 + 2
    ut = rng.standard_normal(m)
    vt = rng.standard_normal(p)
    X = np.outer(ut, vt) + 0.2 * rng.standard_normal((m, p))
    mask = rng.uniform(size=(m, p)) < 0.08
    X[mask] += 4.0 * rng.standard_normal(mask.sum())
    u0 = ut + 0.3 * rng.standard_normal(m)
    return (X, u0, 0.3, 1e-3, 4)


def _pava(n, rng):
    y = np.linspace(0.0, 2.0, n) + 0.4 * rng.standard_normal(n)
    w = rng.uniform(0.5, 2.0, n)
    target = np.linspace(0.0, 2.0, n) + 0.3 * rng.standard_normal(n)
    return (y, w, target)


def _lp(n, rng):
    m = (3 * n) // 4
    A = rng.standard_normal((m, n))
    b = A @ rng.uniform(-0.5, 0.5, n) + 0.5 * rng.uniform(size=m)
    c = rng.standard_normal(n)
    lo = -1.0 + 0.1 * rng.standard_normal(n)
    hi = 1.0 + 0.1 * rng.standard_normal(n)
    return (c, A, b, lo, hi, 5.0, 0.3, 25)


def _waterfill(n, rng):
    K = 12
    gains = rng.exponential(1.0, (n, K)) + 0.05
    noise = rng.uniform(0.5, 1.5, K)
    return (gains, noise, 4.0, 5.0)


def _bonds(n, rng):
    freq = 2.0
    mats = rng.integers(2, 61, n)
    coupons = rng.uniform(0.01, 0.07, n)
    T = mats / freq
    y = 0.045 - 0.02 * (1.0 - np.exp(-T / 3.0)) / (T / 3.0) + 0.004 * rng.standard_normal(n)
    disc = 1.0 / (1.0 + y / freq)
    annuity = (1.0 - disc ** mats) / (y / freq)
    prices = 100.0 * coupons / freq * annuity + 100.0 * disc ** mats
    return (prices, coupons, mats, freq, 0.04, -0.015, 2.5)


def _hawkes(n, rng):
    mu, beta = 1.0, 1.5
    alpha = np.array([0.6, -1.2])
    times = np.empty(n)
    marks = np.empty(n, dtype=np.int64)
    w = np.empty(n)
    t = 0.0
    s_exc = 0.0
    s_all = 0.0
    k = 0
    while k < n:
        bound = mu + s_exc
        dt_ = rng.exponential(1.0 / bound)
        dec = math.exp(-beta * dt_)
        s_exc *= dec
        s_all *= dec
        t += dt_
        if rng.uniform() * bound < max(0.0, mu + s_all):
            times[k] = t
            marks[k] = 0 if rng.uniform() < 0.7 else 1
            w[k] = rng.uniform(0.5, 1.5)
            jump = alpha[marks[k]] * w[k]
            s_all += jump
            if jump > 0.0:
                s_exc += jump
            k += 1
    return (times, marks, w, mu, alpha, beta, t + 1.0 + 0.013, 0.05)


def _pch(n, rng):
    p, K = 4, 12
    X = rng.standard_normal((n, p))
    bt = 0.4 * rng.standard_normal(p)
    t = rng.exponential(1.0, n) / (0.25 * np.exp(X @ bt))
    cens = rng.uniform(2.0, 16.0, n)
    time = np.minimum(t, cens)
    event = t < cens
    log_haz = math.log(0.25) + 0.3 * rng.standard_normal(K)
    return (time, event, X, log_haz, bt + 0.1 * rng.standard_normal(p), 1.0, 0.05)


PROGRAMS = {
    "heat_periodic_source": Program(heat_periodic_source, ("u0", "src", "kappa", "cap"), _heat2d, 6, 160),
    "pic_deposit_gather": Program(pic_deposit_gather, ("xp", "vp", "qm"), _pic, 20, 20000),
    "electricity_bill": Program(electricity_bill, ("load", "prices", "export_rate", "demand_rate", "min_charge"),
                                _bill, 4, 50000),
    "inventory_order_up_to": Program(inventory_order_up_to, ("demand", "S", "amp", "h", "p", "c"),
                                     _inventory, 40, 300000),
    "lindley_queue": Program(lindley_queue, ("inter", "service", "speed", "sla"), _queue, 30, 1000000),
    "muscl_burgers": Program(muscl_burgers, ("u0", "target", "cfl"), _burgers, 30, 20000),
    "morph_open_close": Program(morph_open_close, ("img", "target", "lam"), _morph, 7, 300),
    "triplet_batch_hard": Program(triplet_batch_hard, ("W", "X", "margin"), _triplet, 12, 800),
    "contrastive_siamese": Program(contrastive_siamese, ("W1", "b1", "W2", "margin"), _contrastive, 10, 50000),
    "huber_pca": Program(huber_pca, ("X", "u0", "delta"), _hpca, 8, 400),
    "pava_isotonic": Program(pava_isotonic, ("y", "w", "target"), _pava, 40, 300000),
    "lp_subgradient": Program(lp_subgradient, ("c", "A", "b", "lo", "hi"), _lp, 8, 300),
    "waterfill_rates": Program(waterfill_rates, ("gains", "noise", "P", "rmin"), _waterfill, 4, 5000),
    "bond_curve_fit": Program(bond_curve_fit, ("prices", "coupons", "a0", "a1", "tau"), _bonds, 15, 10000),
    "hawkes_relu": Program(hawkes_relu, ("w", "mu", "alpha", "beta"), _hawkes, 30, 60000),
    "pch_survival": Program(pch_survival, ("X", "log_haz", "beta", "lam"), _pch, 15, 300000),
}
