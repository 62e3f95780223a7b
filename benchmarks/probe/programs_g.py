"""Probe corpus G: nonsmooth numerical programs written in the style of code
published in real Numba-using projects (scientific packages, finance
libraries, hydrology and climate models, signal processing, robotics,
computational geometry, operations research, ML utilities).

The programs loop over 1-D and 2-D numpy arrays, call small module-level
``@numba.njit`` helpers that return scalars or tuples of scalars (a few take
arrays), use ``math`` functions, ``abs``/``max``/``min``, ``if``/``elif``
chains, ``break`` in loops, ``while`` loops with a tolerance and an iteration
cap, module-level constants, local work arrays and some whole-array numpy.
Each returns one float (a loss, a price, a cost, an energy).  Written once
and not edited to suit nsadc.

Each entry of ``PROGRAMS``: name -> Program(fn, wrt, args(size, rng),
small, big) where ``small`` is the size of the correctness check and ``big``
the size of the timing."""

import math

import numba
import numpy as np

from benchmarks.probe.programs import Program

# ----------------------------------------------------------------- constants

MUSK_SPILL_FRAC = 0.6
MUSK_PEAK_WEIGHT = 0.05
MUSK_SPILL_WEIGHT = 1e-4

GA_F_INIT = 0.5
GA_F_MIN = 0.2
GA_DRY_RATE = 0.1
GA_RECOVERY = 0.05
GA_TOL = 1e-13
GA_MAXIT = 60

SNOW_T_LO = -1.0
SNOW_T_HI = 2.0
MELT_T0 = 0.0
ET_FRAC = 0.7
FC_FRAC = 0.5

SIR_SUBSTEPS = 4
SIR_HOSP_FRAC = 0.05
SIR_MU_OVER = 5.0
SIR_WANE = 1.0 / 180.0
SIR_LOCK_CAP = 0.7
SIR_LOCK_STRENGTH = 0.6
SIR_OVERFLOW_COST = 0.5
SIR_PER_1000 = 1000.0
SIR_ECON_COST = 0.002

RM_MAX_STEPS = 48
RM_T_FAR = 20.0
RM_CAM_Z = -6.0
RM_FOV = 0.6
RM_FLOOR_Y = -1.5
RM_BOX_X = 1.6
RM_BOX_Y = -0.6
RM_BOX_Z = 1.0

PGS_IMPULSE_WEIGHT = 0.5

LJ_RC = 2.5

HK_DT = 1.0

LIM_KNEE_DB = 6.0
LIM_CLIP = 0.8
LIM_EPS = 1e-9
LN10_OVER_20 = math.log(10.0) / 20.0

INV_SQRT2 = 1.0 / math.sqrt(2.0)
HAAR_LEVEL_GAIN = 0.8
HAAR_MAD_SCALE = math.sqrt(0.5 * math.pi)

MORPH_PEAK_WEIGHT = 0.1

TRAJ_MARGIN = 0.15
TRAJ_W_SMOOTH = 50.0
TRAJ_W_OBS = 10.0
TRAJ_W_VEL = 100.0

BATT_DT = 1.0
BATT_DEG = 2.0

FS_W_TARDY = 1.0

CVAR_ALPHA = 0.95
CVAR_TC = 0.002
CVAR_RISK = 2.0


# ------------------------------------------------------------------ programs

# --- hydrology: Muskingum routing with a spillway

@numba.njit
def _muskingum_coeffs(K, X, dt):
    denom = 2.0 * K * (1.0 - X) + dt
    c0 = (dt - 2.0 * K * X) / denom
    c1 = (dt + 2.0 * K * X) / denom
    c2 = (2.0 * K * (1.0 - X) - dt) / denom
    return c0, c1, c2


@numba.njit
def _spillway_split(q, crest):
    """Flow kept in the channel and flow diverted over the spillway crest."""
    if q <= crest:
        return q, 0.0
    over = q - crest
    spill = MUSK_SPILL_FRAC * over
    return q - spill, spill


def muskingum_spillway(inflow, obs, K, X, crest, dt):
    """Muskingum channel routing; above the crest part of the routed flow is
    diverted.  Loss: MSE against gauged flow, plus the peak and the volume
    spilled."""
    n = inflow.shape[0]
    c0, c1, c2 = _muskingum_coeffs(K, X, dt)
    out = inflow[0]
    sse = 0.0
    peak = 0.0
    spilled = 0.0
    for t in range(1, n):
        out = c0 * inflow[t] + c1 * inflow[t - 1] + c2 * out
        q, s = _spillway_split(out, crest)
        spilled += s * dt
        err = q - obs[t]
        sse += err * err
        if q > peak:
            peak = q
    return sse / (n - 1) + MUSK_PEAK_WEIGHT * peak + MUSK_SPILL_WEIGHT * spilled


# --- hydrology: Green-Ampt infiltration with ponding

@numba.njit
def _ga_potential(F, Ks, psd, dt):
    """Potential infiltration over dt from cumulative depth F: the implicit
    Green-Ampt equation solved by Newton iterations."""
    x = Ks * dt + math.sqrt(2.0 * Ks * psd * dt)
    it = 0
    while it < GA_MAXIT:
        g = x - psd * math.log((F + x + psd) / (F + psd)) - Ks * dt
        dg = (F + x) / (F + x + psd)
        step = g / dg
        x -= step
        if abs(step) <= GA_TOL * (1.0 + x):
            break
        it += 1
    return x


def green_ampt_runoff(rain, Ks, psi, dtheta, dt):
    """Infiltration-excess runoff: rain above the Green-Ampt capacity ponds
    and runs off; the soil recovers slowly in dry spells."""
    n = len(rain)
    psd = psi * dtheta
    F = GA_F_INIT
    runoff = 0.0
    peak = 0.0
    for k in range(n):
        supply = rain[k] * dt
        cap = _ga_potential(F, Ks, psd, dt)
        if supply <= cap:
            infil = supply
            excess = 0.0
        else:
            infil = cap
            excess = supply - cap
        F += infil
        dry = max(GA_DRY_RATE - rain[k], 0.0)
        F = max(F - GA_RECOVERY * dt * (dry / GA_DRY_RATE) * F, GA_F_MIN)
        runoff += excess
        peak = max(peak, excess / dt)
    return runoff + 0.5 * peak


# --- climate: degree-day snow and a soil water bucket

def snow_soil_bucket(temp, precip, pet, obs, ddf, wmax, kdrain):
    """Daily degree-day snowpack feeding a piecewise-linear soil bucket
    (ET limited by storage, saturation excess, linear drainage above field
    capacity).  Loss: MSE of simulated against observed runoff."""
    n = temp.shape[0]
    swe = 0.0
    w = 0.6 * wmax
    loss = 0.0
    for d in range(n):
        T = temp[d]
        frac = (SNOW_T_HI - T) / (SNOW_T_HI - SNOW_T_LO)
        frac = min(max(frac, 0.0), 1.0)
        swe += frac * precip[d]
        melt = min(ddf * max(T - MELT_T0, 0.0), swe)
        swe -= melt
        w += (1.0 - frac) * precip[d] + melt
        et = pet[d] * min(1.0, w / (ET_FRAC * wmax))
        et = min(et, w)
        w -= et
        runoff = max(w - wmax, 0.0)
        w -= runoff
        drain = kdrain * max(w - FC_FRAC * wmax, 0.0)
        w -= drain
        q = runoff + drain
        loss += (q - obs[d]) ** 2
    return loss / n


# --- epidemiology: SIR with a hospital capacity and a lockdown rule

@numba.njit
def _hospital(I, cap, mu):
    load = SIR_HOSP_FRAC * I * SIR_PER_1000
    treated = min(load, cap)
    untreated = max(load - cap, 0.0)
    deaths = mu * (treated + SIR_MU_OVER * untreated) / SIR_PER_1000
    return deaths, untreated


def sir_capacity(beta, lock, gamma, mu, cap, I0):
    """SIRS model, Euler substeps, a daily lockdown stringency (capped) that
    cuts contacts; mortality rises above hospital capacity.  Cost: deaths,
    hospital overflow and the economic cost of lockdown.  cap is in beds per
    1000 inhabitants, the compartments are fractions of the population."""
    S = 1.0 - I0
    I = I0
    R = 0.0
    h = 1.0 / SIR_SUBSTEPS
    cost = 0.0
    for day in range(beta.shape[0]):
        stringency = min(lock[day], SIR_LOCK_CAP)
        b = beta[day] * (1.0 - SIR_LOCK_STRENGTH * stringency)
        for _ in range(SIR_SUBSTEPS):
            deaths, overflow = _hospital(I, cap, mu)
            inf = b * S * I * h
            inf = min(inf, S)
            rec = gamma * I * h
            dead = deaths * h
            wane = SIR_WANE * R * h
            S += wane - inf
            I += inf - rec - dead
            R += rec - wane
            cost += dead + SIR_OVERFLOW_COST * overflow / SIR_PER_1000 * h
        cost += SIR_ECON_COST * stringency
    return cost


# --- graphics / geometry: sphere tracing an SDF scene

@numba.njit
def _sd_box(px, py, pz, hx, hy, hz):
    qx = abs(px) - hx
    qy = abs(py) - hy
    qz = abs(pz) - hz
    ox = max(qx, 0.0)
    oy = max(qy, 0.0)
    oz = max(qz, 0.0)
    outside = math.sqrt(ox * ox + oy * oy + oz * oz)
    inside = min(max(qx, max(qy, qz)), 0.0)
    return outside + inside


@numba.njit
def _scene(px, py, pz, centers, radii, half):
    d = py - RM_FLOOR_Y
    for k in range(centers.shape[0]):
        dx = px - centers[k, 0]
        dy = py - centers[k, 1]
        dz = pz - centers[k, 2]
        d = min(d, math.sqrt(dx * dx + dy * dy + dz * dz) - radii[k])
    db = _sd_box(px - RM_BOX_X, py - RM_BOX_Y, pz - RM_BOX_Z, half[0], half[1], half[2])
    return min(d, db)


def sdf_raymarch(centers, radii, half, n):
    """Mean depth of an n x n image of a scene (spheres, a box, a floor; min
    unions) found by sphere tracing with a step cap and a far plane."""
    total = 0.0
    for i in range(n):
        v = 1.0 - 2.0 * (i + 0.5) / n
        for j in range(n):
            u = 2.0 * (j + 0.5) / n - 1.0
            rx = u * RM_FOV
            ry = v * RM_FOV
            norm = math.sqrt(rx * rx + ry * ry + 1.0)
            dx = rx / norm
            dy = ry / norm
            dz = 1.0 / norm
            t = 0.0
            it = 0
            while it < RM_MAX_STEPS:
                d = _scene(dx * t, dy * t, RM_CAM_Z + dz * t, centers, radii, half)
                t += d
                if t > RM_T_FAR:
                    break
                it += 1
            total += min(t, RM_T_FAR)
    return total / (n * n)


# --- computational geometry: signed distance to a polygon

@numba.njit
def _clamp01(t):
    if t < 0.0:
        return 0.0
    elif t > 1.0:
        return 1.0
    return t


@numba.njit
def _seg_dist2(ax, ay, bx, by, px, py):
    ex = bx - ax
    ey = by - ay
    wx = px - ax
    wy = py - ay
    t = _clamp01((wx * ex + wy * ey) / (ex * ex + ey * ey))
    dx = wx - t * ex
    dy = wy - t * ey
    return dx * dx + dy * dy


def polygon_sdist(vx, vy, px, py, target):
    """Signed distance of query points to a simple polygon (nearest edge,
    even-odd inside test), squared error against target distances."""
    m = vx.shape[0]
    n = px.shape[0]
    loss = 0.0
    for i in range(n):
        x = px[i]
        y = py[i]
        best = 1e300
        inside = False
        j = m - 1
        for k in range(m):
            d2 = _seg_dist2(vx[j], vy[j], vx[k], vy[k], x, y)
            if d2 < best:
                best = d2
            if (vy[k] > y) != (vy[j] > y):
                xc = vx[k] + (y - vy[k]) * (vx[j] - vx[k]) / (vy[j] - vy[k])
                if x < xc:
                    inside = not inside
            j = k
        d = math.sqrt(best)
        if inside:
            d = -d
        r = d - target[i]
        loss += r * r
    return loss / n


# --- contact mechanics: projected Gauss-Seidel for an LCP

def lcp_pgs(M, q, tol, max_sweeps):
    """Solve the LCP  z >= 0, Mz + q >= 0, z'(Mz + q) = 0  by projected
    Gauss-Seidel (stop when a sweep moves z less than tol); return the QP
    energy plus a weighted total impulse."""
    n = q.shape[0]
    z = np.zeros(n)
    for sweep in range(max_sweeps):
        change = 0.0
        for i in range(n):
            r = q[i]
            for j in range(n):
                r += M[i, j] * z[j]
            znew = max(0.0, z[i] - r / M[i, i])
            change = max(change, abs(znew - z[i]))
            z[i] = znew
        if change < tol:
            break
    energy = 0.5 * np.dot(z, np.dot(M, z)) + np.dot(q, z)
    return energy + PGS_IMPULSE_WEIGHT * np.sum(z)


# --- molecular dynamics: truncated and shifted Lennard-Jones

@numba.njit
def _wrap(d, L):
    if d > 0.5 * L:
        return d - L
    elif d < -0.5 * L:
        return d + L
    return d


@numba.njit
def _lj_pair(dx, dy, dz, L, sig2, eps, rc2, shift):
    dx = _wrap(dx, L)
    dy = _wrap(dy, L)
    dz = _wrap(dz, L)
    r2 = dx * dx + dy * dy + dz * dz
    if r2 >= rc2:
        return 0.0
    s2 = sig2 / r2
    s6 = s2 * s2 * s2
    return 4.0 * eps * (s6 * s6 - s6) - shift


def lj_cutoff(pos, L, eps, sigma):
    """Potential energy per particle, periodic cube (minimum image), LJ cut
    at LJ_RC sigma and shifted to zero there."""
    n = pos.shape[0]
    sig2 = sigma * sigma
    rc2 = (LJ_RC * sigma) ** 2
    sr6 = (1.0 / LJ_RC) ** 6
    shift = 4.0 * eps * (sr6 * sr6 - sr6)
    e = 0.0
    for i in range(n - 1):
        xi = pos[i, 0]
        yi = pos[i, 1]
        zi = pos[i, 2]
        for j in range(i + 1, n):
            e += _lj_pair(pos[j, 0] - xi, pos[j, 1] - yi, pos[j, 2] - zi, L, sig2, eps, rc2, shift)
    return e / n


# --- ML: linear SVM, dual coordinate descent with box clipping

def svm_dual_cd(X, y, C, epochs):
    """Hinge-loss linear SVM by dual coordinate descent (alpha clipped to
    [0, C]); returns the dual objective after a fixed number of epochs."""
    n, d = X.shape
    alpha = np.zeros(n)
    w = np.zeros(d)
    qii = np.empty(n)
    for i in range(n):
        s = 0.0
        for k in range(d):
            s += X[i, k] * X[i, k]
        qii[i] = s
    for ep in range(epochs):
        for i in range(n):
            g = 0.0
            for k in range(d):
                g += w[k] * X[i, k]
            g = y[i] * g - 1.0
            a_old = alpha[i]
            a_new = min(max(a_old - g / qii[i], 0.0), C)
            delta = (a_new - a_old) * y[i]
            if delta != 0.0:
                for k in range(d):
                    w[k] += delta * X[i, k]
            alpha[i] = a_new
    return np.sum(alpha) - 0.5 * np.dot(w, w)


# --- ML: batch-hard triplet loss

def triplet_margin(emb, labels, margin):
    """Batch-hard triplet loss on L2-normalised embeddings: for every anchor
    the farthest positive and the nearest negative, hinge at the margin."""
    n, d = emb.shape
    z = np.empty_like(emb)
    for a in range(n):
        s = 0.0
        for k in range(d):
            s += emb[a, k] * emb[a, k]
        inv = 1.0 / math.sqrt(s)
        for k in range(d):
            z[a, k] = emb[a, k] * inv
    total = 0.0
    for a in range(n):
        hardest_pos = 0.0
        hardest_neg = 1e300
        for b in range(n):
            if b == a:
                continue
            s = 0.0
            for k in range(d):
                diff = z[a, k] - z[b, k]
                s += diff * diff
            dist = math.sqrt(s)
            if labels[b] == labels[a]:
                hardest_pos = max(hardest_pos, dist)
            else:
                hardest_neg = min(hardest_neg, dist)
        total += max(hardest_pos - hardest_neg + margin, 0.0)
    return total / n


# --- statistics: quantile regression by subgradient steps

@numba.njit
def _pinball(r, tau):
    if r >= 0.0:
        return tau * r
    return (tau - 1.0) * r


@numba.njit
def _pinball_mean(X, y, w, tau):
    n, d = X.shape
    s = 0.0
    for i in range(n):
        r = y[i]
        for k in range(d):
            r -= X[i, k] * w[k]
        s += _pinball(r, tau)
    return s / n


def quantile_subgrad(X, y, tau, lr, steps):
    """Linear quantile regression: subgradient steps on the pinball loss with
    a 1/sqrt(k) step size; returns the loss at the averaged iterate."""
    n, d = X.shape
    w = np.zeros(d)
    wbar = np.zeros(d)
    g = np.empty(d)
    for it in range(steps):
        g[:] = 0.0
        for i in range(n):
            r = y[i]
            for k in range(d):
                r -= X[i, k] * w[k]
            c = tau if r > 0.0 else tau - 1.0
            for k in range(d):
                g[k] -= c * X[i, k]
        step = lr / math.sqrt(it + 1.0)
        for k in range(d):
            w[k] -= step * g[k] / n
            wbar[k] += w[k]
    wbar /= steps
    return _pinball_mean(X, y, wbar, tau)


# --- signal processing: Huber-robust Kalman filter

@numba.njit
def _huber_psi(e, c):
    if e > c:
        return c
    elif e < -c:
        return -c
    return e


@numba.njit
def _huber_rho(e, c):
    a = abs(e)
    if a <= c:
        return 0.5 * e * e
    return c * a - 0.5 * c * c


@numba.njit
def _robust_update(x0, x1, p00, p01, p11, z, r, c):
    s = p00 + r
    sq = math.sqrt(s)
    e = (z - x0) / sq
    psi = _huber_psi(e, c)
    k0 = p00 / s
    k1 = p01 / s
    x0 = x0 + k0 * sq * psi
    x1 = x1 + k1 * sq * psi
    n00 = p00 - k0 * p00
    n01 = p01 - k0 * p01
    n11 = p11 - k1 * p01
    nll = _huber_rho(e, c) + 0.5 * math.log(s)
    return x0, x1, n00, n01, n11, nll


def huber_kalman(z, q, r, c):
    """Constant-velocity Kalman filter whose measurement update clips the
    standardised innovation (Huber psi); returns the mean robust negative
    log-likelihood."""
    n = z.shape[0]
    x0 = z[0]
    x1 = 0.0
    p00 = r
    p01 = 0.0
    p11 = 1.0
    dt = HK_DT
    q00 = q * dt * dt * dt / 3.0
    q01 = q * dt * dt / 2.0
    q11 = q * dt
    total = 0.0
    for t in range(1, n):
        # predict
        x0 = x0 + dt * x1
        a00 = p00 + 2.0 * dt * p01 + dt * dt * p11 + q00
        a01 = p01 + dt * p11 + q01
        a11 = p11 + q11
        # robust update
        x0, x1, p00, p01, p11, nll = _robust_update(x0, x1, a00, a01, a11, z[t], r, c)
        total += nll
    return total / (n - 1)


# --- audio: compressor with attack/release envelope and soft clipper

@numba.njit
def _gain_db(level_db, thresh, ratio):
    over = level_db - thresh
    slope = 1.0 / ratio - 1.0
    if 2.0 * over < -LIM_KNEE_DB:
        return 0.0
    elif 2.0 * over > LIM_KNEE_DB:
        return slope * over
    else:
        u = over + 0.5 * LIM_KNEE_DB
        return slope * u * u / (2.0 * LIM_KNEE_DB)


@numba.njit
def _soft_clip(y):
    a = abs(y)
    if a <= LIM_CLIP:
        return y
    s = LIM_CLIP + (1.0 - LIM_CLIP) * math.tanh((a - LIM_CLIP) / (1.0 - LIM_CLIP))
    return s if y > 0.0 else -s


def audio_limiter(x, ref, thresh, ratio, attack, release, makeup):
    """Feed-forward compressor (peak envelope with separate attack and
    release, soft-knee gain in dB, make-up gain) followed by a tanh soft
    clipper; MSE against a reference signal."""
    n = x.shape[0]
    env = 0.0
    err = 0.0
    for i in range(n):
        a = abs(x[i])
        if a > env:
            env = attack * env + (1.0 - attack) * a
        else:
            env = release * env + (1.0 - release) * a
        lvl = 20.0 * math.log10(env + LIM_EPS)
        g = _gain_db(lvl, thresh, ratio) + makeup
        y = _soft_clip(x[i] * math.exp(g * LN10_OVER_20))
        d = y - ref[i]
        err += d * d
    return err / n


# --- signal processing: Haar wavelet shrinkage

def haar_shrink(x, clean, lam, levels):
    """Haar DWT, soft thresholding of the details (noise level from the mean
    absolute finest detail, threshold shrinking with level), inverse DWT;
    MSE against the clean signal."""
    n = x.shape[0]
    c = x.copy()
    tmp = np.empty(n)
    m = n
    for lev in range(levels):
        h = m // 2
        for i in range(h):
            a = c[2 * i]
            b = c[2 * i + 1]
            tmp[i] = (a + b) * INV_SQRT2
            tmp[h + i] = (a - b) * INV_SQRT2
        for i in range(m):
            c[i] = tmp[i]
        m = h
    # noise scale from the finest details
    h = n // 2
    mad = 0.0
    for i in range(h, n):
        mad += abs(c[i])
    sigma = HAAR_MAD_SCALE * mad / h
    thr = lam * sigma
    lo = n // 2
    hi = n
    for lev in range(levels):
        for i in range(lo, hi):
            v = c[i]
            if v > thr:
                c[i] = v - thr
            elif v < -thr:
                c[i] = v + thr
            else:
                c[i] = 0.0
        hi = lo
        lo = lo // 2
        thr *= HAAR_LEVEL_GAIN
    for lev in range(levels):
        h = m
        m = 2 * h
        for i in range(h):
            a = c[i]
            d = c[h + i]
            tmp[2 * i] = (a + d) * INV_SQRT2
            tmp[2 * i + 1] = (a - d) * INV_SQRT2
        for i in range(m):
            c[i] = tmp[i]
    return np.sum((c - clean) ** 2) / n


# --- image processing: morphological gradient edge energy

@numba.njit
def _window_minmax(img, i, j):
    h, w = img.shape
    lo = img[i, j]
    hi = lo
    for di in range(-1, 2):
        ii = min(max(i + di, 0), h - 1)
        for dj in range(-1, 2):
            jj = min(max(j + dj, 0), w - 1)
            v = img[ii, jj]
            if v < lo:
                lo = v
            elif v > hi:
                hi = v
    return lo, hi


def morph_gradient(img, thr):
    """3x3 dilation minus erosion (replicated borders), thresholded; mean
    squared edge strength plus the strongest edge."""
    h, w = img.shape
    edge = np.zeros_like(img)
    for i in range(h):
        for j in range(w):
            lo, hi = _window_minmax(img, i, j)
            edge[i, j] = max(hi - lo - thr, 0.0)
    return np.sum(edge * edge) / (h * w) + MORPH_PEAK_WEIGHT * np.max(edge)


# --- robotics: trajectory cost with collision and speed penalties

def collision_traj(wp, obs_c, obs_r, start, goal, vmax):
    """Waypoint path from start to goal: smoothness (second differences),
    a hinge on speed above vmax and a hinge on clearance to the nearest
    circular obstacle below a margin."""
    T = wp.shape[0]
    K = obs_c.shape[0]
    cost = 0.0
    prev_x = start[0]
    prev_y = start[1]
    pvx = 0.0
    pvy = 0.0
    for t in range(T + 1):
        if t < T:
            x = wp[t, 0]
            y = wp[t, 1]
        else:
            x = goal[0]
            y = goal[1]
        vx = x - prev_x
        vy = y - prev_y
        speed = math.hypot(vx, vy)
        cost += TRAJ_W_VEL * max(speed - vmax, 0.0)
        if t > 0:
            ax = vx - pvx
            ay = vy - pvy
            cost += TRAJ_W_SMOOTH * (ax * ax + ay * ay)
        if t < T:
            dmin = 1e300
            for k in range(K):
                dk = math.hypot(x - obs_c[k, 0], y - obs_c[k, 1]) - obs_r[k]
                dmin = min(dmin, dk)
            cost += TRAJ_W_OBS * max(TRAJ_MARGIN - dmin, 0.0)
        prev_x = x
        prev_y = y
        pvx = vx
        pvy = vy
    return cost


# --- energy markets: battery arbitrage with power and charge limits

def battery_arbitrage(price, soc0, cap, pmax, eta, pref, gain):
    """A proportional price-following battery policy with power limits,
    charge limits and round-trip losses; returns net cost (energy bought
    minus sold, plus degradation, minus the value of the final charge)."""
    soc = soc0
    cost = 0.0
    for t in range(len(price)):
        p = gain * (pref - price[t])
        p = min(max(p, -pmax), pmax)
        if p >= 0.0:
            de = eta * p * BATT_DT
        else:
            de = p * BATT_DT / eta
        new = min(max(soc + de, 0.0), cap)
        de = new - soc
        soc = new
        if de >= 0.0:
            grid = de / eta
        else:
            grid = de * eta
        cost += price[t] * grid + BATT_DEG * abs(grid)
    cost -= pref * eta * soc
    return cost


# --- operations research: flow-shop makespan (max-plus recursion)

def flowshop_makespan(P, release, due):
    """Permutation flow shop in the given job order: completion times by the
    max-plus recursion; makespan plus mean tardiness."""
    n, m = P.shape
    C = np.zeros(m)
    tardy = 0.0
    for i in range(n):
        C[0] = max(C[0], release[i]) + P[i, 0]
        for j in range(1, m):
            C[j] = max(C[j], C[j - 1]) + P[i, j]
        tardy += max(C[m - 1] - due[i], 0.0)
    return C[m - 1] + FS_W_TARDY * tardy / n


# --- materials: Prandtl-Ishlinskii hysteresis (play operators)

def play_hysteresis(u, y_obs, r, w, w0):
    """Weighted bank of play (backlash) operators driven by u; MSE against
    an observed output."""
    m = r.shape[0]
    z = np.zeros(m)
    loss = 0.0
    for k in range(u.shape[0]):
        uk = u[k]
        y = w0 * uk
        for j in range(m):
            z[j] = max(uk - r[j], min(uk + r[j], z[j]))
            y += w[j] * z[j]
        e = y - y_obs[k]
        loss += e * e
    return loss / u.shape[0]


# --- finance: CVaR portfolio objective (Rockafellar-Uryasev)

def cvar_portfolio(w, R, w_prev, t):
    """Gross-leverage-normalised weights; risk-averse CVaR (RU form with
    threshold t) minus mean return plus an L1 turnover cost."""
    gross = np.sum(np.abs(w))
    wn = w / gross
    losses = -np.dot(R, wn)
    excess = np.maximum(losses - t, 0.0)
    cvar = t + np.sum(excess) / ((1.0 - CVAR_ALPHA) * R.shape[0])
    turnover = np.sum(np.abs(wn - w_prev))
    mean_ret = -np.mean(losses)
    return CVAR_RISK * cvar - mean_ret + CVAR_TC * turnover


# ------------------------------------------------------------ argument makers


def _muskingum(n, rng):
    t = np.arange(n)
    amp = 100.0 + 120.0 * rng.random(n // 40 + 1)
    inflow = 60.0 + amp[t // 40] * np.sin(np.pi * (t % 40) / 40.0) ** 4 + 3.0 * rng.standard_normal(n)
    obs = 0.85 * np.roll(inflow, 2) + 5.0 * rng.standard_normal(n)
    return (inflow, obs, 6.0, 0.2, 150.0, 3.0)


def _green_ampt(n, rng):
    wet = (np.arange(n) // 16) % 2 == 1
    rain = np.where(wet, 0.3 + rng.gamma(2.0, 1.0, n), 0.05 * rng.random(n))
    return (rain, 0.6, 11.0, 0.3, 0.25)


def _snow_bucket(n, rng):
    d = np.arange(n)
    season = np.cos(2.0 * np.pi * (d + 60.0) / 365.0)
    temp = 4.0 - 12.0 * season + 3.0 * rng.standard_normal(n)
    precip = rng.gamma(0.6, 6.0, n) * (rng.random(n) < 0.5)
    pet = 0.5 + 1.5 * (1.0 - season) + 0.2 * rng.random(n)
    obs = 0.8 * rng.gamma(0.5, 3.0, n)
    return (temp, precip, pet, obs, 3.0, 100.0, 0.05)


def _sir(n, rng):
    days = np.arange(n)
    beta = 0.3 + 0.06 * np.sin(2.0 * np.pi * days / 120.0) + 0.02 * rng.standard_normal(n)
    lock = np.clip(0.45 + 0.35 * np.sin(2.0 * np.pi * days / 90.0) + 0.1 * rng.standard_normal(n), 0.01, 0.99)
    return (beta, lock, 0.1, 0.02, 2.0, 1e-3)


def _raymarch(n, rng):
    centers = np.array([[-1.2, -0.4, 0.5], [0.4, 0.3, 1.5], [-0.2, -0.9, -0.8], [1.3, 0.9, 2.5]])
    centers = centers + 0.1 * rng.standard_normal(centers.shape)
    radii = np.array([0.8, 1.0, 0.55, 0.7]) + 0.05 * rng.random(4)
    half = np.array([0.5, 0.6, 0.45]) + 0.05 * rng.random(3)
    return (centers, radii, half, n)


def _polygon(n, rng):
    m = 10 if n < 100 else 64
    th = 2.0 * np.pi * (np.arange(m) + 0.3 * rng.random(m)) / m
    rad = 1.0 + 0.3 * np.sin(3.0 * th) + 0.1 * rng.random(m)
    vx = rad * np.cos(th)
    vy = rad * np.sin(th)
    px = rng.uniform(-1.8, 1.8, n)
    py = rng.uniform(-1.8, 1.8, n)
    target = 0.2 * rng.standard_normal(n)
    return (vx, vy, px, py, target)


def _lcp(n, rng):
    B = rng.standard_normal((n, n))
    M = 0.5 * (B @ B.T) / n + np.diag(1.5 + rng.random(n))
    q = rng.standard_normal(n)
    return (M, q, 1e-13, 500)


def _lj(n, rng):
    side = int(math.ceil(n ** (1.0 / 3.0) - 1e-9))
    a = max(1.2, 5.3 / side)
    L = a * side
    ijk = np.array([(i, j, k) for i in range(side) for j in range(side) for k in range(side)], dtype=np.float64)
    sites = ijk[rng.permutation(len(ijk))[:n]]
    pos = (sites + 0.5 + rng.uniform(-0.1, 0.1, (n, 3))) * a
    return (pos, L, 1.0, 1.0)


def _svm(n, rng):
    d = 5 if n < 1000 else 8
    y = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    mu = np.zeros(d)
    mu[0] = 1.0
    mu[1] = 0.5
    X = rng.standard_normal((n, d)) + np.outer(y, mu)
    return (X, y, 1.0, 6 if n < 1000 else 4)


def _triplet(n, rng):
    d = 4 if n < 100 else 8
    labels = rng.permutation(np.arange(n) % 4)
    means = rng.standard_normal((4, d))
    emb = means[labels] + 0.9 * rng.standard_normal((n, d))
    return (emb, labels, 0.3)


def _quantile(n, rng):
    d = 3 if n < 1000 else 6
    X = rng.standard_normal((n, d))
    X[:, 0] = 1.0
    beta = rng.standard_normal(d)
    y = X @ beta + (0.5 + 0.5 * np.abs(X[:, 1])) * rng.standard_normal(n) + 0.3
    return (X, y, 0.7, 0.5, 30)


def _kalman(n, rng):
    vel = np.cumsum(0.05 * rng.standard_normal(n))
    pos = np.cumsum(vel)
    z = pos + 0.5 * rng.standard_normal(n)
    outl = rng.random(n) < 0.03
    z = z + outl * 15.0 * rng.standard_normal(n)
    return (z, 0.01, 0.25, 1.5)


def _limiter(n, rng):
    t = np.arange(n) / 8000.0
    amp = 0.3 + 0.9 * (0.5 + 0.5 * np.sin(2.0 * np.pi * 1.3 * t)) ** 2
    x = amp * (np.sin(2.0 * np.pi * 220.0 * t) + 0.3 * np.sin(2.0 * np.pi * 331.0 * t + 0.4))
    x = x + 0.01 * rng.standard_normal(n)
    ref = 0.7 * np.tanh(x)
    return (x, ref, -12.0, 4.0, 0.9, 0.999, 3.0)


def _haar(n, rng):
    t = np.linspace(0.0, 1.0, n)
    clean = np.sin(6.0 * np.pi * t) + np.where(t > 0.37, 1.0, 0.0) - np.where(t > 0.71, 1.5, 0.0)
    x = clean + 0.2 * rng.standard_normal(n)
    return (x, clean, 1.5, 4 if n < 1000 else 6)


def _morph(n, rng):
    yy, xx = np.mgrid[0:n, 0:n] / float(n)
    img = np.sin(6.0 * xx) * np.cos(4.0 * yy) + 0.3 * rng.standard_normal((n, n))
    return (img, 0.4)


def _traj(n, rng):
    T = n
    start = np.array([0.0, 0.0])
    goal = np.array([2.0, 1.0])
    s = np.arange(1, T + 1) / (T + 1.0)
    wp = np.outer(s, goal - start) + start
    wp = wp + 0.02 * rng.standard_normal((T, 2)) * np.sqrt(20.0 / T)
    K = 5 if T < 100 else 40
    sk = (np.arange(K) + 0.5) / K
    obs_c = np.outer(sk, goal - start) + 0.15 * rng.standard_normal((K, 2))
    obs_r = 0.08 + 0.08 * rng.random(K)
    vmax = 1.05 * math.hypot(2.0, 1.0) / (T + 1)
    return (wp, obs_c, obs_r, start, goal, vmax)


def _battery(n, rng):
    h = np.arange(n)
    price = 40.0 + 20.0 * np.sin(2.0 * np.pi * h / 24.0) + 8.0 * rng.standard_normal(n)
    price = price + (rng.random(n) < 0.02) * rng.gamma(2.0, 40.0, n)
    return (price, 20.0, 40.0, 10.0, 0.92, 40.0, 0.5)


def _flowshop(n, rng):
    m = 5 if n < 100 else 8
    P = rng.gamma(3.0, 1.0, (n, m)) + 0.1
    release = np.cumsum(rng.exponential(2.8, n))
    due = release + 1.5 * P.sum(axis=1) + 5.0 * rng.random(n)
    return (P, release, due)


def _play(n, rng):
    m = 5 if n < 1000 else 10
    k = np.arange(n)
    u = 2.0 * (0.4 + 0.6 * np.exp(-k / (0.7 * n))) * np.sin(2.0 * np.pi * k / 50.0) + 0.05 * rng.standard_normal(n)
    r = np.linspace(0.1, 1.5, m) + 0.02 * rng.random(m)
    w = (0.5 + rng.random(m)) / m
    y_obs = 0.8 * np.tanh(u) + 0.05 * rng.standard_normal(n)
    return (u, y_obs, r, w, 0.5)


def _cvar(n, rng):
    m = 4 if n < 1000 else 30
    R = 0.0005 + 0.01 * rng.standard_t(4, (n, m))
    w = np.where(rng.random(m) < 0.75, 1.0, -1.0) * (0.2 + rng.random(m))
    w_prev = rng.random(m)
    w_prev = w_prev / w_prev.sum()
    losses = -(R @ (w / np.abs(w).sum()))
    srt = np.sort(losses)
    k = int(0.9 * n)
    t = 0.5 * (srt[k - 1] + srt[k])
    return (w, R, w_prev, float(t))


PROGRAMS = {
    "muskingum_spillway": Program(muskingum_spillway, ("inflow", "K", "X", "crest"), _muskingum, 60, 1000000),
    "green_ampt_runoff": Program(green_ampt_runoff, ("rain", "Ks", "psi", "dtheta"), _green_ampt, 64, 100000),
    "snow_soil_bucket": Program(snow_soil_bucket, ("temp", "precip", "ddf", "wmax", "kdrain"),
                                _snow_bucket, 80, 500000),
    "sir_capacity": Program(sir_capacity, ("beta", "lock", "gamma", "mu", "cap"), _sir, 80, 150000),
    "sdf_raymarch": Program(sdf_raymarch, ("centers", "radii", "half"), _raymarch, 6, 90),
    "polygon_sdist": Program(polygon_sdist, ("vx", "vy", "px", "py"), _polygon, 40, 15000),
    "lcp_pgs": Program(lcp_pgs, ("M", "q"), _lcp, 10, 600),
    "lj_cutoff": Program(lj_cutoff, ("pos", "L", "eps", "sigma"), _lj, 20, 1000),
    "svm_dual_cd": Program(svm_dual_cd, ("X", "C"), _svm, 20, 200000),
    "triplet_margin": Program(triplet_margin, ("emb", "margin"), _triplet, 16, 1200),
    "quantile_subgrad": Program(quantile_subgrad, ("X", "y", "tau"), _quantile, 30, 30000),
    "huber_kalman": Program(huber_kalman, ("z", "q", "r", "c"), _kalman, 50, 500000),
    "audio_limiter": Program(audio_limiter, ("x", "thresh", "ratio", "attack", "release", "makeup"),
                             _limiter, 80, 300000),
    "haar_shrink": Program(haar_shrink, ("x", "lam"), _haar, 64, 1 << 20),
    "morph_gradient": Program(morph_gradient, ("img", "thr"), _morph, 10, 600),
    "collision_traj": Program(collision_traj, ("wp", "obs_c", "obs_r"), _traj, 20, 20000),
    "battery_arbitrage": Program(battery_arbitrage, ("price", "cap", "pmax", "eta", "pref", "gain"),
                                 _battery, 100, 1000000),
    "flowshop_makespan": Program(flowshop_makespan, ("P", "release", "due"), _flowshop, 12, 300000),
    "play_hysteresis": Program(play_hysteresis, ("u", "r", "w", "w0"), _play, 60, 300000),
    "cvar_portfolio": Program(cvar_portfolio, ("w", "R", "t"), _cvar, 40, 200000),
}
