"""Probe corpus C: a third set of nonsmooth programs written the way a Numba
user writes them (plain loops over numpy arrays, math functions, local float
and integer work arrays, small @numba.njit helpers, if/elif/else, max/min/abs,
break/continue, while loops with data-dependent stopping, enumerate/zip).
Written once and not edited to suit nsadc.

Same structure as ``programs.py``: name -> Program(fn, wrt, args(size, rng),
small, big).  The argument makers keep the random points away from ties
(kinks) so that central differences are valid there."""

import math

import numba
import numpy as np

from benchmarks.probe.programs import Program

# ------------------------------------------------------------------ programs


def median_filter_loss(x, target, half):
    """Running median over a window of 2*half+1 samples (the window copied
    into a buffer, edges clamped, insertion sort); squared misfit to target."""
    n = x.shape[0]
    w = 2 * half + 1
    buf = np.empty(w)
    loss = 0.0
    for i in range(n):
        for k in range(w):
            j = i - half + k
            if j < 0:
                j = 0
            elif j >= n:
                j = n - 1
            buf[k] = x[j]
        for a in range(1, w):
            key = buf[a]
            b = a - 1
            while b >= 0 and buf[b] > key:
                buf[b + 1] = buf[b]
                b -= 1
            buf[b + 1] = key
        d = buf[half] - target[i]
        loss += d * d
    return loss / n


def peak_prominence(x, height):
    """Local maxima above `height` collected in an integer index array; each
    peak's prominence over the higher of the two valley floors reached by
    walking downhill (while loops); mean squared prominence."""
    n = x.shape[0]
    peaks = np.zeros(n, dtype=np.int64)
    npk = 0
    for i in range(1, n - 1):
        if x[i] > x[i - 1] and x[i] > x[i + 1] and x[i] > height:
            peaks[npk] = i
            npk += 1
    total = 0.0
    for p in range(npk):
        i = peaks[p]
        j = i
        while j > 0 and x[j - 1] < x[j]:
            j -= 1
        k = i
        while k < n - 1 and x[k + 1] < x[k]:
            k += 1
        base = max(x[j], x[k], 0.0)
        prom = x[i] - base
        total += prom * prom
    return total / max(npk, 1)


def schmitt_events(x, lo, hi):
    """Schmitt trigger (switch on above hi, off below lo); samples labelled
    with their event number in an integer array; sum over events of the
    square root of the area above lo."""
    n = x.shape[0]
    label = np.zeros(n, dtype=np.int64)
    on = False
    nev = 0
    for i, v in enumerate(x):
        if on:
            if v < lo:
                on = False
        elif v > hi:
            on = True
            nev += 1
        if on:
            label[i] = nev
    area = np.zeros(nev + 1)
    for i in range(n):
        if label[i] > 0:
            area[label[i]] += x[i] - lo
    s = 0.0
    for e in range(1, nev + 1):
        s += math.sqrt(area[e])
    return s


def stop_loss_trades(prices, signal, stop, take, cost):
    """Go long when the signal crosses above zero; leave at the stop-loss or
    the take-profit level (relative to the entry, inner while with break) or
    at the last price; total log return net of a per-trade cost."""
    n = prices.shape[0]
    pnl = 0.0
    i = 1
    while i < n:
        if signal[i - 1] <= 0.0 and signal[i] > 0.0:
            entry = prices[i]
            exit_price = prices[n - 1]
            j = i + 1
            while j < n:
                r = prices[j] / entry - 1.0
                if r <= -stop or r >= take:
                    exit_price = prices[j]
                    break
                j += 1
            pnl += math.log(exit_price / entry) - cost
            i = j
        i += 1
    return pnl


def down_and_out_call(S0, K, B, r, sigma, T, Z):
    """Monte Carlo down-and-out call: log-Euler paths driven by the standard
    normals Z, a path knocked out (break) once it falls to the barrier B."""
    npath, nstep = Z.shape
    dt = T / nstep
    drift = (r - 0.5 * sigma * sigma) * dt
    vol = sigma * math.sqrt(dt)
    total = 0.0
    for p in range(npath):
        S = S0
        alive = True
        for t in range(nstep):
            S *= math.exp(drift + vol * Z[p, t])
            if S <= B:
                alive = False
                break
        if alive:
            total += max(S - K, 0.0)
    return math.exp(-r * T) * total / npath


def stick_slip(F, m, mu, g, dt, v0):
    """Block on a rough floor pushed by the force F[t]: Coulomb friction;
    at rest it stays put (continue) while |F| is below the static limit, and
    it sticks when the velocity would change sign; final position squared
    plus the work done against friction."""
    n = F.shape[0]
    v = v0
    x = 0.0
    work = 0.0
    fs = mu * m * g
    for t in range(n):
        f = F[t]
        if v == 0.0:
            if math.fabs(f) <= fs:
                continue
            a = (f - math.copysign(fs, f)) / m
        else:
            a = (f - math.copysign(fs, v)) / m
        vn = v + dt * a
        if v != 0.0 and vn * v < 0.0:
            vn = 0.0
        x += 0.5 * (v + vn) * dt
        work += fs * math.fabs(vn) * dt
        v = vn
    return x * x + work


def circle_billiard(p0, v0, R, dt, steps):
    """Point particles in a circular arena of radius R: Euler steps, the
    velocity reflected about the wall normal on contact and the position
    mirrored back inside; mean of a linear read-out of the final positions."""
    n = p0.shape[0]
    total = 0.0
    for i in range(n):
        x, y = p0[i, 0], p0[i, 1]
        vx, vy = v0[i, 0], v0[i, 1]
        for s in range(steps):
            x += dt * vx
            y += dt * vy
            r = math.sqrt(x * x + y * y)
            if r > R:
                nx, ny = x / r, y / r
                vn = vx * nx + vy * ny
                vx -= 2.0 * vn * nx
                vy -= 2.0 * vn * ny
                x, y = nx * (2.0 * R - r), ny * (2.0 * R - r)
        total += x + 0.5 * y
    return total / n


@numba.njit
def _sqdist(a, b):
    d = a - b
    return np.dot(d, d)


def knn_regress(Xtr, ytr, Xte, yte, k):
    """k-nearest-neighbour regression with inverse-distance weights: the k
    closest training rows found by repeated minimum search (indices kept in
    an integer array); mean absolute test error."""
    ntr = Xtr.shape[0]
    nte = Xte.shape[0]
    d2 = np.empty(ntr)
    nbr = np.zeros(k, dtype=np.int64)
    err = 0.0
    for i in range(nte):
        for j in range(ntr):
            d2[j] = _sqdist(Xtr[j, :], Xte[i, :])
        for m in range(k):
            best = -1
            for j in range(ntr):
                taken = False
                for q in range(m):
                    if nbr[q] == j:
                        taken = True
                if not taken and (best < 0 or d2[j] < d2[best]):
                    best = j
            nbr[m] = best
        num = 0.0
        den = 0.0
        for m in range(k):
            wgt = 1.0 / (math.sqrt(d2[nbr[m]]) + 1e-3)
            num += wgt * ytr[nbr[m]]
            den += wgt
        err += abs(num / den - yte[i])
    return err / nte


def regression_stump(x, y, w):
    """Weighted regression stump: argsort by x, scan every split with running
    weighted sums, keep the smallest weighted squared error."""
    n = x.shape[0]
    order = np.argsort(x)
    W = 0.0
    S = 0.0
    Q = 0.0
    for i in range(n):
        W += w[i]
        S += w[i] * y[i]
        Q += w[i] * y[i] * y[i]
    best = Q - S * S / W
    wl = 0.0
    sl = 0.0
    ql = 0.0
    for t in range(n - 1):
        i = order[t]
        wl += w[i]
        sl += w[i] * y[i]
        ql += w[i] * y[i] * y[i]
        if x[order[t + 1]] - x[i] < 1e-12:
            continue
        wr = W - wl
        sr = S - sl
        sse = (ql - sl * sl / wl) + ((Q - ql) - sr * sr / wr)
        if sse < best:
            best = sse
    return best


def sparsemax_loss(Z, labels):
    """Sparsemax loss per row: the scores sorted descending (negated copy,
    in-place sort), support size and threshold tau from the cumulative sums."""
    n, c = Z.shape
    zs = np.empty(c)
    loss = 0.0
    for i in range(n):
        for j in range(c):
            zs[j] = -Z[i, j]
        zs.sort()
        cum = 0.0
        k = 0
        csum = 0.0
        for j in range(c):
            z = -zs[j]
            cum += z
            if 1.0 + (j + 1) * z > cum:
                k = j + 1
                csum = cum
        tau = (csum - 1.0) / k
        s = 0.0
        for j in range(c):
            if Z[i, j] > tau:
                s += Z[i, j] ** 2 - tau * tau
        loss += 0.5 * s + 0.5 - Z[i, labels[i]]
    return loss / n


def topk_hinge(W, X, labels, k):
    """Top-k multiclass hinge: the true score against the k-th largest other
    score, found by k rounds of argmax with an integer taken-flag array."""
    n, d = X.shape
    c = W.shape[0]
    scores = np.empty(c)
    taken = np.zeros(c, dtype=np.int64)
    loss = 0.0
    for i in range(n):
        for a in range(c):
            scores[a] = np.dot(W[a, :], X[i, :])
            taken[a] = 0
        y = labels[i]
        taken[y] = 1
        kth = 0.0
        for r in range(k):
            arg = -1
            for a in range(c):
                if taken[a] == 0 and (arg < 0 or scores[a] > scores[arg]):
                    arg = a
            taken[arg] = 1
            kth = scores[arg]
        loss += max(0.0, 1.0 + kth - scores[y])
    return loss / n


def tv_denoise_dual(y, lam, iters):
    """1-D total-variation denoising by projected gradient on the dual
    (clipped to [-lam, lam]); primal objective of the recovered signal."""
    n = y.shape[0]
    u = np.zeros(n - 1)
    x = np.empty(n)
    for it in range(iters):
        x[0] = y[0] + u[0]
        for i in range(1, n - 1):
            x[i] = y[i] - u[i - 1] + u[i]
        x[n - 1] = y[n - 1] - u[n - 2]
        for i in range(n - 1):
            v = u[i] + 0.25 * (x[i + 1] - x[i])
            u[i] = max(-lam, min(v, lam))
    x[0] = y[0] + u[0]
    for i in range(1, n - 1):
        x[i] = y[i] - u[i - 1] + u[i]
    x[n - 1] = y[n - 1] - u[n - 2]
    f = 0.0
    for i in range(n):
        f += 0.5 * (x[i] - y[i]) ** 2
        if i > 0:
            f += lam * math.fabs(x[i] - x[i - 1])
    return f


@numba.njit
def _l1_excess(v, theta, radius):
    s = 0.0
    for i in range(v.shape[0]):
        s += max(abs(v[i]) - theta, 0.0)
    return s - radius


def l1_ball_project(v, radius, c):
    """Euclidean projection onto the L1 ball: bisection (while loop to a
    tolerance) for the soft threshold, then the exact threshold from the
    support found; squared distance of the projection to c."""
    n = v.shape[0]
    lo = 0.0
    hi = 0.0
    for i in range(n):
        hi = max(hi, abs(v[i]))
    if _l1_excess(v, 0.0, radius) <= 0.0:
        theta = 0.0
    else:
        while hi - lo > 1e-10:
            mid = 0.5 * (lo + hi)
            if _l1_excess(v, mid, radius) > 0.0:
                lo = mid
            else:
                hi = mid
        cnt = 0
        s = 0.0
        for i in range(n):
            if abs(v[i]) > lo:
                cnt += 1
                s += abs(v[i])
        theta = (s - radius) / cnt
    d = 0.0
    for i in range(n):
        p = np.sign(v[i]) * max(abs(v[i]) - theta, 0.0)
        d += (p - c[i]) ** 2
    return d


def bellman_ford(src, dst, wt, target):
    """Shortest paths from node 0 by edge relaxation, repeated while any
    distance improves, predecessor edges in an integer array; squared misfit
    of the distances to target plus a tenth of the tree-edge weights."""
    nn = target.shape[0]
    m = wt.shape[0]
    dist = np.full(nn, math.inf)
    pred = np.zeros(nn, dtype=np.int64)
    dist[0] = 0.0
    changed = True
    rounds = 0
    while changed and rounds < nn:
        changed = False
        for e in range(m):
            a = src[e]
            b = dst[e]
            if dist[a] + wt[e] < dist[b]:
                dist[b] = dist[a] + wt[e]
                pred[b] = e
                changed = True
        rounds += 1
    loss = 0.0
    for v in range(1, nn):
        if dist[v] < math.inf:
            loss += (dist[v] - target[v]) ** 2 + 0.1 * wt[pred[v]]
    return loss


@numba.njit
def _seg_dist(px, py, ax, ay, bx, by):
    ex = bx - ax
    ey = by - ay
    t = ((px - ax) * ex + (py - ay) * ey) / (ex * ex + ey * ey)
    t = min(max(t, 0.0), 1.0)
    dx = px - ax - t * ex
    dy = py - ay - t * ey
    return math.sqrt(dx * dx + dy * dy)


def polygon_margin(V, P, margin):
    """Signed distance of points P to the closed polygon V (minimum over the
    edges, sign from even-odd ray casting); squared hinge that asks every
    point to lie at least `margin` inside."""
    nv = V.shape[0]
    loss = 0.0
    for i in range(P.shape[0]):
        px, py = P[i, 0], P[i, 1]
        d = math.inf
        inside = False
        for k in range(nv):
            ax, ay = V[k, 0], V[k, 1]
            bx, by = V[(k + 1) % nv, 0], V[(k + 1) % nv, 1]
            d = min(d, _seg_dist(px, py, ax, ay, bx, by))
            if (ay > py) != (by > py):
                xc = ax + (py - ay) * (bx - ax) / (by - ay)
                if px < xc:
                    inside = not inside
        sd = -d if inside else d
        h = sd + margin
        if h > 0.0:
            loss += h * h
    return loss


@numba.njit
def _dist(X, i, j):
    d = X[i, :] - X[j, :]
    return math.sqrt(np.dot(d, d))


def packing_energy(X, r):
    """Disc-packing energy: overlap penalty max(0, r - d)^2 summed over all
    pairs of centres, minus the smallest pairwise distance."""
    n = X.shape[0]
    dmin = math.inf
    pen = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            d = _dist(X, i, j)
            if d < dmin:
                dmin = d
            over = r - d
            if over > 0.0:
                pen += over * over
    return pen - dmin


def robust_scale(x, trim):
    """Trimmed mean (fraction trim cut from each end of the sorted sample)
    plus 1.4826 times the median absolute deviation (a second sort)."""
    n = x.size
    xs = np.sort(x)
    cut = int(trim * n)
    s = 0.0
    for i in range(cut, n - cut):
        s += xs[i]
    tmean = s / float(n - 2 * cut)
    if n % 2 == 1:
        med = xs[n // 2]
    else:
        med = 0.5 * (xs[n // 2 - 1] + xs[n // 2])
    dev = np.empty(n)
    for i, v in enumerate(x):
        dev[i] = abs(v - med)
    dev.sort()
    mad = 0.5 * (dev[(n - 1) // 2] + dev[n // 2])
    return tmean + 1.4826 * mad


def call_spread_hedge(strikes, qty, bond, Kt, cap, S):
    """Static hedge of a capped call min(max(S - Kt, 0), cap) by a bond plus
    calls (strikes and quantities zipped) over price scenarios S; mean
    absolute hedging error."""
    err = 0.0
    for s in S:
        v = bond
        for K, q in zip(strikes, qty):
            v += q * max(s - K, 0.0)
        target = min(max(s - Kt, 0.0), cap)
        err += abs(v - target)
    return err / S.shape[0]


def km_rmst(times, events, tau):
    """Kaplan-Meier survival curve (insertion argsort into an integer array,
    at-risk count) and its restricted mean survival time up to tau."""
    n = times.shape[0]
    order = np.zeros(n, dtype=np.int64)
    for i in range(n):
        order[i] = i
    for i in range(1, n):
        key = order[i]
        j = i - 1
        while j >= 0 and times[order[j]] > times[key]:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = key
    surv = 1.0
    area = 0.0
    prev = 0.0
    at_risk = n
    for r in range(n):
        i = order[r]
        t = times[i]
        if t >= tau:
            break
        area += surv * (t - prev)
        prev = t
        if events[i] == 1:
            surv *= 1.0 - 1.0 / float(at_risk)
        at_risk -= 1
    area += surv * (tau - prev)
    return area


@numba.njit
def _nearest(X, i, C):
    best = 0
    bd = math.inf
    for c in range(C.shape[0]):
        d = 0.0
        for j in range(X.shape[1]):
            diff = X[i, j] - C[c, j]
            d += diff * diff
        if d < bd:
            bd = d
            best = c
    return best, bd


def kmeans_lloyd(X, C0, max_iter):
    """Lloyd's k-means: nearest-centre labels and cluster counts in integer
    arrays, centres recomputed as means (an empty cluster keeps its start),
    stopping when no label changes; final inertia."""
    n, d = X.shape
    k = C0.shape[0]
    C = C0.copy()
    S = np.zeros((k, d))
    labels = np.zeros(n, dtype=np.int64)
    counts = np.zeros(k, dtype=np.int64)
    it = 0
    while it < max_iter:
        changed = 0
        for i in range(n):
            c, _ = _nearest(X, i, C)
            if c != labels[i] or it == 0:
                changed += 1
            labels[i] = c
        if changed == 0:
            break
        S[:, :] = 0.0
        counts[:] = 0
        for i in range(n):
            c = labels[i]
            counts[c] += 1
            for j in range(d):
                S[c, j] += X[i, j]
        for c in range(k):
            for j in range(d):
                C[c, j] = S[c, j] / counts[c] if counts[c] > 0 else C0[c, j]
        it += 1
    inertia = 0.0
    for i in range(n):
        _, bd = _nearest(X, i, C)
        inertia += bd
    return inertia / n


# ------------------------------------------------------------------ arguments


def _spread(v, gap):
    """Push apart values closer than `gap` (keeps sorted order, no ties)."""
    order = np.argsort(v)
    out = v.copy()
    for a in range(1, v.shape[0]):
        i, j = order[a - 1], order[a]
        if out[j] - out[i] < gap:
            out[j] = out[i] + gap
    return out


def _away(v, level, gap):
    """Move entries of v that lie within `gap` of `level` to level +- gap."""
    out = v.copy()
    close = np.abs(out - level) < gap
    out[close] = level + np.where(out[close] >= level, gap, -gap)
    return out


def _medfilt(n, rng):
    x = _spread(rng.standard_normal(n), 2e-3)
    return (x, rng.standard_normal(n) * 0.5, 2)


def _peaks(n, rng):
    x = np.convolve(rng.standard_normal(n + 4), np.ones(5) / 5.0, mode="valid") * 2.0 + 0.3
    x = _spread(x, 2e-3)
    x = _away(x, 0.0, 2e-3)
    height = 0.4 + 0.01 * rng.uniform()
    x = _away(x, height, 2e-3)
    return (x, height)


def _schmitt(n, rng):
    x = np.convolve(rng.standard_normal(n + 2), np.ones(3) / 3.0, mode="valid") * 1.5
    lo, hi = -0.3, 0.5
    x = _away(_away(x, lo, 2e-3), hi, 2e-3)
    return (x, lo, hi)


def _stoploss(n, rng):
    r = 0.01 * rng.standard_normal(n)
    prices = 100.0 * np.exp(np.cumsum(r))
    sig = np.sin(np.arange(n) * 0.37 + rng.uniform(0, 6)) + 0.3 * rng.standard_normal(n)
    sig = _away(sig, 0.0, 1e-2)
    return (prices, sig, 0.012 + 1e-3 * rng.uniform(), 0.015 + 1e-3 * rng.uniform(), 0.001)


def _barrier(n, rng):
    Z = rng.standard_normal((n, 24))
    return (100.0, 100.0 + rng.uniform(-3, 3), 85.0 + rng.uniform(), 0.03, 0.25, 1.0, Z)


def _stick(n, rng):
    F = 3.0 * np.sin(np.arange(n) * 0.21) + 1.5 * rng.standard_normal(n)
    m, mu, g = 1.0, 0.3, 9.81
    F = _away(_away(F, mu * m * g, 2e-2), -mu * m * g, 2e-2)
    return (F, m, mu, g, 0.05, 0.4)


def _billiard(n, rng):
    ang = rng.uniform(0, 2 * math.pi, n)
    rad = rng.uniform(0.0, 0.8, n)
    p0 = np.stack([rad * np.cos(ang), rad * np.sin(ang)], axis=1)
    v0 = rng.standard_normal((n, 2))
    return (p0, v0, 1.0 + 0.01 * rng.uniform(), 0.05, 60)


def _knn(n, rng):
    d = 3
    Xtr = rng.standard_normal((n, d))
    ytr = np.sin(Xtr[:, 0]) + Xtr[:, 1] + 0.1 * rng.standard_normal(n)
    nte = max(2, n // 2)
    Xte = rng.standard_normal((nte, d))
    yte = np.sin(Xte[:, 0]) + Xte[:, 1] + 0.1 * rng.standard_normal(nte)
    yte = yte + rng.choice([-1.0, 1.0], nte) * 0.05
    return (Xtr, ytr, Xte, yte, 3)


def _stump(n, rng):
    x = _spread(rng.uniform(0, 10, n), 1e-2)
    y = np.where(x > 4.3, 1.0, -0.5) + 0.5 * rng.standard_normal(n)
    w = rng.uniform(0.5, 1.5, n)
    return (x, y, w)


def _sparsemax(n, rng):
    c = 6
    Z = rng.standard_normal((n, c)) * 1.5
    labels = rng.integers(0, c, n)
    return (Z, labels)


def _topk(n, rng):
    c, d = 7, 5
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((c, d)) * 0.6
    labels = rng.integers(0, c, n)
    return (W, X, labels, 2)


def _tv(n, rng):
    base = np.repeat(rng.standard_normal(max(1, n // 8 + 1)), 8)[:n]
    y = base + 0.3 * rng.standard_normal(n)
    return (y, 0.05, 30)


def _l1ball(n, rng):
    v = _spread(rng.standard_normal(n), 2e-3)
    v = _away(v, 0.0, 2e-3)
    radius = 0.3 * np.abs(v).sum()
    return (v, radius, 0.3 * rng.standard_normal(n))


def _bf(n, rng):
    # n nodes; a chain keeps everything reachable, plus 3n random edges
    m = 3 * n
    src = np.concatenate([np.arange(n - 1), rng.integers(0, n, m)])
    dst = np.concatenate([np.arange(1, n), rng.integers(0, n, m)])
    wt = np.concatenate([rng.uniform(2.0, 4.0, n - 1), rng.uniform(0.5, 3.0, m)])
    target = rng.uniform(0.0, 5.0, n)
    return (src.astype(np.int64), dst.astype(np.int64), wt, target)


def _polygon(n, rng):
    nv = 12
    ang = np.linspace(0, 2 * math.pi, nv, endpoint=False) + rng.uniform(-0.15, 0.15, nv)
    rad = rng.uniform(0.7, 1.3, nv)
    V = np.stack([rad * np.cos(ang), rad * np.sin(ang)], axis=1)
    P = rng.uniform(-1.2, 1.2, (n, 2))
    return (V, P, 0.15)


def _packing(n, rng):
    X = rng.uniform(0.0, 1.0, (n, 2))
    return (X, 0.9 / math.sqrt(n))


def _robust(n, rng):
    x = _spread(rng.standard_normal(n) + 0.3 * rng.standard_cauchy(n), 2e-3)
    return (x, 0.11 + 0.02 * rng.uniform())


def _hedge(n, rng):
    strikes = np.array([90.0, 95.0, 100.0, 105.0, 110.0]) + rng.uniform(-0.5, 0.5, 5)
    qty = np.array([0.1, 0.5, 0.3, -0.4, -0.4]) + 0.05 * rng.standard_normal(5)
    S = 100.0 + 10.0 * rng.standard_normal(n)
    for K in list(strikes) + [97.0, 112.0]:
        S = _away(S, K, 2e-2)
    return (strikes, qty, 0.2, 97.0, 15.0, S)


def _km(n, rng):
    times = _spread(rng.exponential(2.0, n), 2e-3)
    events = (rng.uniform(size=n) < 0.7).astype(np.int64)
    ts = np.sort(times)
    k = int(0.8 * n)
    tau = 0.5 * (ts[k - 1] + ts[k])  # between two event times
    return (times, events, tau)


def _kmeans(n, rng):
    k = 3
    centres = np.array([[0.0, 0.0], [3.0, 0.5], [1.0, 3.0]])
    X = centres[rng.integers(0, k, n)] + 0.8 * rng.standard_normal((n, 2))
    C0 = X[:k].copy() + 0.1 * rng.standard_normal((k, 2))
    return (X, C0, 50)


PROGRAMS = {
    "median_filter_loss": Program(median_filter_loss, ("x", "target"), _medfilt, 40, 300000),
    "peak_prominence": Program(peak_prominence, ("x", "height"), _peaks, 50, 1000000),
    "schmitt_events": Program(schmitt_events, ("x", "lo", "hi"), _schmitt, 50, 1000000),
    "stop_loss_trades": Program(stop_loss_trades, ("prices", "signal", "stop", "take", "cost"),
                                _stoploss, 50, 1000000),
    "down_and_out_call": Program(down_and_out_call, ("S0", "K", "B", "r", "sigma", "T"),
                                 _barrier, 8, 30000),
    "stick_slip": Program(stick_slip, ("F", "m", "mu", "g", "dt", "v0"), _stick, 50, 1000000),
    "circle_billiard": Program(circle_billiard, ("p0", "v0", "R"), _billiard, 6, 30000),
    "knn_regress": Program(knn_regress, ("Xtr", "ytr", "Xte"), _knn, 12, 400),
    "regression_stump": Program(regression_stump, ("y", "w"), _stump, 30, 100000),
    "sparsemax_loss": Program(sparsemax_loss, ("Z",), _sparsemax, 8, 30000),
    "topk_hinge": Program(topk_hinge, ("W", "X"), _topk, 8, 30000),
    "tv_denoise_dual": Program(tv_denoise_dual, ("y", "lam"), _tv, 40, 100000),
    "l1_ball_project": Program(l1_ball_project, ("v", "radius", "c"), _l1ball, 40, 100000),
    "bellman_ford": Program(bellman_ford, ("wt", "target"), _bf, 12, 20000),
    "polygon_margin": Program(polygon_margin, ("V", "P", "margin"), _polygon, 20, 100000),
    "packing_energy": Program(packing_energy, ("X", "r"), _packing, 20, 400),
    "robust_scale": Program(robust_scale, ("x", "trim"), _robust, 40, 50000),
    "call_spread_hedge": Program(call_spread_hedge, ("strikes", "qty", "bond", "Kt", "cap"),
                                 _hedge, 30, 1000000),
    "km_rmst": Program(km_rmst, ("times", "tau"), _km, 40, 3000),
    "kmeans_lloyd": Program(kmeans_lloyd, ("X", "C0"), _kmeans, 20, 50000),
}
