"""Probe corpus K: nonsmooth numerical programs in the style of Numba code
from research repositories on water resources, hydrology, state estimation,
photogrammetry, structural mechanics, operations research, energy systems,
population ecology, quantitative finance, music information retrieval,
speech processing, differentiable graphics, robotics, contact mechanics,
probabilistic machine learning, learning to rank, constrained optimization,
scheduling, image processing and astronomy: a reservoir operated by a
hedging rule with spill and channel flooding, the HBV conceptual rainfall-
runoff model with snow and soil thresholds and MAXBAS routing, a Kalman
filter with Huber-clipped innovations followed by an RTS smoother, bundle
adjustment scored with Tukey's biweight, a beam on a tensionless Winkler
foundation solved by active sets and a hand-written Cholesky, pharmacy
inventory with FIFO issuing, expiry and an (s, S) policy, battery arbitrage
with price thresholds, ramp and state-of-charge limits, a predator-prey
fishery with a prey refuge and an annual catch quota, drawdown-controlled
leverage with a rolling historical VaR backtest, spectral-flux onset
detection with an adaptive median threshold, autocorrelation pitch tracking
with parabolic peak refinement, soft rasterization of triangles with
clamped edge coverage, joint-limited inverse kinematics by clamped
Jacobian-transpose steps, projected Gauss-Seidel contacts with exact
friction-cone projection, quantile regression forest scoring by pinball
loss, a LambdaRank pairwise hinge with a top-k cutoff, projected gradient
onto the simplex by bisection with an active-set polish, non-preemptive
earliest-deadline-first scheduling with setups and tardiness, an iterated
bilateral filter with range clipping and sigma-clipped aperture photometry.

The programs are written with explicit loops over 1-D and 2-D numpy arrays
(nested, backward, ``while`` loops with a tolerance and an iteration cap,
``break``, ``continue``, early exits) and some whole-array numpy
(``np.dot``, ``@``, ``np.sum``, ``np.mean``, ``np.std``, ``np.maximum``,
``np.minimum``, ``np.clip``, ``np.sort``, ``np.argsort``, slicing,
``np.log1p``).  They use module-level ``@numba.njit`` helpers (some return
tuples, some write into arrays passed to them), module-level constants,
integer index arrays (camera/point indices, support nodes, contact pairs,
tree node tables, query pointers, star positions, job families), boolean
masks and integer and boolean parameters.  The nonsmoothness comes from
max/min/abs/clip, threshold rules, argmax selection, sorting, projections
onto cones and simplices, active sets, robust losses and clipping.  Each
returns one float.  Written once and not edited to suit nsadc.

Each entry of ``PROGRAMS``: name -> Program(fn, wrt, args(size, rng),
small, big) where ``small`` is the size of the correctness check and ``big``
the size of the timing."""

import math

import numba
import numpy as np

from benchmarks.probe.programs import Program

# ----------------------------------------------------------------- constants

INF = 1e300

RES_CAP = 120.0          # reservoir capacity (hm^3)
RES_DEAD = 8.0           # dead storage below the lowest outlet
CHANNEL_CAP = 14.0       # downstream channel capacity before flooding (hm^3/day)

HBV_SM_MIN = 1e-6        # keeps (SM/FC)**BETA away from 0**beta

ZC_MIN = 0.1             # cheirality guard: depth floor in front of the camera

GRAVITY = 9.81
BAUMGARTE = 0.2          # fraction of penetration corrected per step

BISECT_TOL = 1e-13
BISECT_MAXIT = 200

ETA_C = 0.95             # battery charging efficiency
ETA_D = 0.93             # battery discharging efficiency

LEV_FLOOR = 0.25         # drawdown control never de-levers below this

SIGCLIP_MAXIT = 10
FLUX_FLOOR = 1e-3
MAG_ERR = 1.0857362047581294   # 2.5 / ln(10)


# ================================================== 1. reservoir operation

@numba.njit
def _release_rule(s, target, k_rel, r_min, r_max):
    """Linear hedging around the rule curve, clamped to the outlet range."""
    r = r_min + k_rel * (s - target)
    if r < r_min:
        return r_min
    return min(r, r_max)


def reservoir_spill(inflow, demand, rule, s0, k_rel, r_min, r_max, flood_w):
    n = inflow.shape[0]
    m = rule.shape[0]
    s = s0
    cost = 0.0
    spilled = 0.0
    for t in range(n):
        target = rule[(t // 30) % m]
        r = _release_rule(s, target, k_rel, r_min, r_max)
        avail = s + inflow[t] - RES_DEAD
        if r > avail:
            r = max(avail, 0.0)
        s = s + inflow[t] - r
        spill = 0.0
        if s > RES_CAP:
            spill = s - RES_CAP
            s = RES_CAP
        spilled += spill
        short = max(demand[t] - r, 0.0)
        q_down = r + spill
        flood = q_down - CHANNEL_CAP if q_down > CHANNEL_CAP else 0.0
        cost += short * short + flood_w * flood * flood
    # carry-over: penalise ending the horizon below the rule curve
    end_def = max(rule[((n - 1) // 30) % m] - s, 0.0)
    return (cost + 0.01 * spilled) / n + 0.1 * end_def


def _reservoir(n, rng):
    t = np.arange(n)
    inflow = np.maximum(9.0 + 7.0 * np.sin(2 * np.pi * t / 365.0) + rng.gamma(1.5, 2.0, n) - 3.0, 0.3)
    demand = 9.0 + 2.5 * np.cos(2 * np.pi * t / 365.0) + 0.5 * rng.standard_normal(n)
    rule = 70.0 + 25.0 * np.cos(2 * np.pi * (np.arange(12) + 0.5) / 12.0) + rng.standard_normal(12)
    return (inflow, demand, rule, 60.0 + rng.random(), 0.25, 2.0, 16.0, 0.5)


# ================================================== 2. HBV rainfall-runoff

@numba.njit
def _triangular_weights(maxbas):
    w = np.empty(maxbas)
    tot = 0.0
    for i in range(maxbas):
        w[i] = min(i + 1.0, maxbas - i * 1.0)
        tot += w[i]
    return w / tot


def hbv_model(precip, temp, pet, q_obs, tt, cfmax, fc, beta, lp, k0, k1, k2, uzl, perc, maxbas, warmup):
    n = precip.shape[0]
    w = _triangular_weights(maxbas)
    qgen = np.zeros(n)
    snow = 0.0
    sm = 0.5 * fc
    suz = 0.0
    slz = 0.0
    for t in range(n):
        if temp[t] < tt:
            snow += precip[t]
            rain = 0.0
        else:
            rain = precip[t]
        melt = min(cfmax * max(temp[t] - tt, 0.0), snow)
        snow -= melt
        inp = rain + melt
        recharge = inp * min(max(sm, HBV_SM_MIN) / fc, 1.0) ** beta
        sm += inp - recharge
        if sm > fc:
            recharge += sm - fc
            sm = fc
        et = pet[t] * min(sm / (lp * fc), 1.0)
        sm = max(sm - et, 0.0)
        suz += recharge
        pc = min(perc, suz)
        suz -= pc
        slz += pc
        q0 = k0 * max(suz - uzl, 0.0)
        q1 = k1 * suz
        suz -= q0 + q1
        q2 = k2 * slz
        slz -= q2
        qgen[t] = q0 + q1 + q2
    qbar = np.mean(q_obs[warmup:])
    sse = 0.0
    sst = 0.0
    for t in range(warmup, n):
        q = 0.0
        for i in range(maxbas):
            if t - i < 0:
                break
            q += w[i] * qgen[t - i]
        sse += (q - q_obs[t]) ** 2
        sst += (q_obs[t] - qbar) ** 2
    return sse / sst  # 1 - Nash-Sutcliffe efficiency


def _hbv(n, rng):
    t = np.arange(n)
    temp = 4.0 + 11.0 * np.sin(2 * np.pi * (t - 110) / 365.0) + 3.0 * rng.standard_normal(n)
    wet = rng.random(n) < 0.45
    precip = np.where(wet, rng.gamma(0.8, 6.0, n), 0.0)
    pet = np.maximum(0.15 * temp, 0.0) + 0.3 * rng.random(n)
    kern = np.exp(-np.arange(30) / 8.0) / 8.0
    q_obs = 0.5 * np.convolve(precip, kern)[:n] + 0.2 + 0.1 * rng.random(n)
    return (precip, temp, pet, q_obs, 0.0, 3.0, 150.0, 2.0, 0.7, 0.2, 0.08, 0.02, 20.0, 1.5, 4, min(30, n // 4))


# ================================================== 3. robust Kalman smoother

@numba.njit
def _huber_update(m0, m1, p00, p01, p11, y, r, c):
    """Measurement update with the normalised innovation clipped at c."""
    s = p00 + r
    nu = y - m0
    if abs(nu) > c * math.sqrt(s):
        nu = math.copysign(c * math.sqrt(s), nu)
    k0 = p00 / s
    k1 = p01 / s
    return m0 + k0 * nu, m1 + k1 * nu, p00 - k0 * p00, p01 - k0 * p01, p11 - k1 * p01


def huber_kalman_smoother(y, x_true, dt, q, r, c, mask):
    n = y.shape[0]
    mf = np.empty((n, 2))
    mp = np.empty((n, 2))
    pf = np.empty((n, 3))
    pp = np.empty((n, 3))
    m0, m1 = y[0], 0.0
    p00, p01, p11 = r, 0.0, 1.0
    for t in range(n):
        if t > 0:
            m0 = m0 + dt * m1
            a00 = p00 + 2.0 * dt * p01 + dt * dt * p11 + q * dt ** 3 / 3.0
            a01 = p01 + dt * p11 + q * dt * dt / 2.0
            p11 = p11 + q * dt
            p00, p01 = a00, a01
        mp[t, 0], mp[t, 1] = m0, m1
        pp[t, 0], pp[t, 1], pp[t, 2] = p00, p01, p11
        if mask[t]:
            m0, m1, p00, p01, p11 = _huber_update(m0, m1, p00, p01, p11, y[t], r, c)
        mf[t, 0], mf[t, 1] = m0, m1
        pf[t, 0], pf[t, 1], pf[t, 2] = p00, p01, p11
    s0, s1 = mf[n - 1, 0], mf[n - 1, 1]
    loss = (s0 - x_true[n - 1]) ** 2
    for t in range(n - 2, -1, -1):
        # C = Pf F^T, G = C Pp[t+1]^{-1}
        c00 = pf[t, 0] + dt * pf[t, 1]
        c01 = pf[t, 1]
        c10 = pf[t, 1] + dt * pf[t, 2]
        c11 = pf[t, 2]
        b00, b01, b11 = pp[t + 1, 0], pp[t + 1, 1], pp[t + 1, 2]
        det = b00 * b11 - b01 * b01
        g00 = (c00 * b11 - c01 * b01) / det
        g01 = (c01 * b00 - c00 * b01) / det
        g10 = (c10 * b11 - c11 * b01) / det
        g11 = (c11 * b00 - c10 * b01) / det
        d0 = s0 - mp[t + 1, 0]
        d1 = s1 - mp[t + 1, 1]
        s0 = mf[t, 0] + g00 * d0 + g01 * d1
        s1 = mf[t, 1] + g10 * d0 + g11 * d1
        loss += (s0 - x_true[t]) ** 2
    return loss / n


def _kalman(n, rng):
    dt = 0.1
    v = np.cumsum(0.5 * rng.standard_normal(n)) * dt
    x = np.cumsum(v) * dt
    y = x + 0.3 * rng.standard_normal(n)
    out = rng.random(n) < 0.08
    out[0] = False
    k = int(out.sum())
    y[out] += np.where(rng.random(k) < 0.5, -1.0, 1.0) * rng.uniform(2.0, 5.0, k)
    mask = rng.random(n) > 0.1
    mask[0] = True
    return (y, x, dt, 0.25, 0.09, 1.5, mask)


# ================================================== 4. bundle adjustment

@numba.njit
def _project(cam, px, py, pz, focal):
    """cam = (yaw, tx, ty, tz); pinhole projection of a world point."""
    cy = math.cos(cam[0])
    sy = math.sin(cam[0])
    xc = cy * px + sy * pz + cam[1]
    yc = py + cam[2]
    zc = max(-sy * px + cy * pz + cam[3], ZC_MIN)
    return focal * xc / zc, focal * yc / zc


@numba.njit
def _tukey(r, c):
    if abs(r) >= c:
        return c * c / 6.0
    u = 1.0 - (r / c) ** 2
    return c * c / 6.0 * (1.0 - u * u * u)


def bundle_tukey(cams, pts, obs, cam_idx, pt_idx, focal, c, gauge_w):
    m = obs.shape[0]
    cost = 0.0
    for k in range(m):
        i = cam_idx[k]
        j = pt_idx[k]
        u, v = _project(cams[i], pts[j, 0], pts[j, 1], pts[j, 2], focal)
        cost += _tukey(u - obs[k, 0], c) + _tukey(v - obs[k, 1], c)
    # gauge freedom: the first camera is held near the origin
    cost += gauge_w * np.sum(cams[0] * cams[0])
    return cost / m


def _bundle(n_pts, rng):
    n_cam = max(3, n_pts // 200)
    cams = np.empty((n_cam, 4))
    cams[:, 0] = rng.uniform(-0.3, 0.3, n_cam)
    cams[:, 1:] = rng.uniform(-0.5, 0.5, (n_cam, 3))
    cams[0] = 0.0
    pts = np.column_stack([rng.uniform(-2, 2, n_pts), rng.uniform(-2, 2, n_pts), rng.uniform(4, 8, n_pts)])
    cam_idx = ((rng.integers(0, n_cam, n_pts)[:, None] + np.arange(3)) % n_cam).ravel().astype(np.int64)
    pt_idx = np.repeat(np.arange(n_pts), 3).astype(np.int64)
    focal = 500.0
    c, s = np.cos(cams[cam_idx, 0]), np.sin(cams[cam_idx, 0])
    P = pts[pt_idx]
    xc = c * P[:, 0] + s * P[:, 2] + cams[cam_idx, 1]
    yc = P[:, 1] + cams[cam_idx, 2]
    zc = -s * P[:, 0] + c * P[:, 2] + cams[cam_idx, 3]
    obs = np.column_stack([focal * xc / zc, focal * yc / zc]) + 0.5 * rng.standard_normal((len(pt_idx), 2))
    bad = rng.random(len(pt_idx)) < 0.1
    obs[bad] += rng.uniform(-40, 40, (int(bad.sum()), 2))
    cams_init = cams + 0.005 * rng.standard_normal(cams.shape)
    pts_init = pts + 0.02 * rng.standard_normal(pts.shape)
    return (cams_init, pts_init, obs, cam_idx, pt_idx, focal, 4.0, 10.0)


# ================================================== 5. beam on tensionless foundation

@numba.njit
def _assemble_beam(ei_h4, K):
    """Finite-difference EI w'''' on a simply supported beam (ghost w_-1 = -w_1)."""
    n = K.shape[0]
    K[:, :] = 0.0
    for i in range(n):
        K[i, i] = 6.0 * ei_h4
        if i >= 1:
            K[i, i - 1] = -4.0 * ei_h4
            K[i - 1, i] = -4.0 * ei_h4
        if i >= 2:
            K[i, i - 2] = ei_h4
            K[i - 2, i] = ei_h4
    K[0, 0] = 5.0 * ei_h4
    K[n - 1, n - 1] = 5.0 * ei_h4


@numba.njit
def _cholesky_solve(A, b, x):
    """Solve A x = b for SPD A; A is overwritten by its lower Cholesky factor."""
    n = b.shape[0]
    for j in range(n):
        s = A[j, j]
        for k in range(j):
            s -= A[j, k] * A[j, k]
        d = math.sqrt(s)
        A[j, j] = d
        for i in range(j + 1, n):
            s = A[i, j]
            for k in range(j):
                s -= A[i, k] * A[j, k]
            A[i, j] = s / d
    for i in range(n):
        s = b[i]
        for k in range(i):
            s -= A[i, k] * x[k]
        x[i] = s / A[i, i]
    for i in range(n - 1, -1, -1):
        s = x[i]
        for k in range(i + 1, n):
            s -= A[k, i] * x[k]
        x[i] = s / A[i, i]


def beam_tensionless(load, EI, k_soil, length, sup_idx, k_sup, maxit, w_lift):
    n = load.shape[0]
    h = length / (n + 1)
    K = np.empty((n, n))
    _assemble_beam(EI / h ** 4, K)
    A = np.empty((n, n))
    u = np.zeros(n)
    active = np.ones(n, dtype=np.bool_)
    for it in range(maxit):
        A[:, :] = K
        for i in range(n):
            if active[i]:
                A[i, i] += k_soil
        for s in range(sup_idx.shape[0]):
            A[sup_idx[s], sup_idx[s]] += k_sup
        _cholesky_solve(A, load, u)
        changed = 0
        for i in range(n):
            a = u[i] > 0.0  # soil reacts only where the beam presses into it
            if a != active[i]:
                active[i] = a
                changed += 1
        if changed == 0:
            break
    lift = np.minimum(u, 0.0)
    return 0.5 * np.dot(load, u) + w_lift * np.sum(lift * lift)


def _beam(n, rng):
    x = (np.arange(n) + 1.0) / (n + 1.0)
    load = 1.0 + 0.3 * rng.standard_normal(n) - 4.0 * np.exp(-((x - 0.75) / 0.08) ** 2)
    sup_idx = np.sort(rng.choice(n, 2, replace=False)).astype(np.int64)
    return (load, 1.0, 1500.0, 1.0, sup_idx, 2.0e4, 30, 1.0e3)


# ================================================== 6. pharmacy inventory with expiry

@numba.njit
def _consume_fifo(shelf, demand):
    """Issue the oldest stock first; returns the unmet demand."""
    rem = demand
    for a in range(shelf.shape[0] - 1, -1, -1):
        if rem <= 0.0:
            break
        take = min(shelf[a], rem)
        shelf[a] -= take
        rem -= take
    return rem


def pharmacy_fifo(demand, S, s_reorder, lead, shelf_life, h_cost, p_cost, w_cost, c_order):
    n = demand.shape[0]
    shelf = np.zeros(shelf_life)  # shelf[a] = units of age a days
    pipe = np.zeros(lead + 1)
    cost = 0.0
    for t in range(n):
        shelf[0] += pipe[0]
        for l in range(lead):
            pipe[l] = pipe[l + 1]
        pipe[lead] = 0.0
        lost = _consume_fifo(shelf, demand[t])
        waste = shelf[shelf_life - 1]
        for a in range(shelf_life - 1, 0, -1):
            shelf[a] = shelf[a - 1]
        shelf[0] = 0.0
        on_hand = np.sum(shelf)
        position = on_hand + np.sum(pipe)
        order = 0.0
        if position < s_reorder:
            order = max(S - position, 0.0)
            pipe[lead] += order
        cost += h_cost * on_hand + p_cost * lost + w_cost * waste + c_order * order
    return cost / n


def _pharmacy(n, rng):
    t = np.arange(n)
    demand = rng.gamma(4.0, 2.5, n) * (1.0 + 0.3 * np.sin(2 * np.pi * t / 7.0))
    return (demand, 60.0 + rng.random(), 35.0 + rng.random(), 2, 6, 0.05, 2.0, 1.0, 0.3)


# ================================================== 7. battery arbitrage

def storage_dispatch(price, lo, hi, p_max, ramp, e_max, soc0, deg_cost):
    n = price.shape[0]
    soc = soc0 * e_max
    p_prev = 0.0
    profit = 0.0
    mid = 0.5 * (lo + hi)
    for t in range(n):
        pr = price[t]
        if pr <= lo:
            target = -p_max
        elif pr >= hi:
            target = p_max
        else:
            target = p_max * (pr - mid) / (hi - mid) * 0.5
        p = min(max(target, p_prev - ramp), p_prev + ramp)
        if p > 0.0:
            p = min(p, soc * ETA_D)
            soc -= p / ETA_D
        else:
            p = max(p, -(e_max - soc) / ETA_C)
            soc -= p * ETA_C
        profit += pr * p - deg_cost * abs(p)
        p_prev = p
    terminal = (soc - soc0 * e_max) * np.mean(price)
    return -(profit + terminal) / n


def _storage(n, rng):
    t = np.arange(n)
    price = 40.0 + 15.0 * np.sin(2 * np.pi * (t - 8) / 24.0) + 8.0 * rng.standard_normal(n)
    spikes = rng.random(n) < 0.02
    price[spikes] += rng.exponential(60.0, int(spikes.sum()))
    return (price, 32.0, 50.0, 5.0, 1.5, 20.0, 0.5, 0.8)


# ================================================== 8. predator-prey fishery

@numba.njit
def _lv_rhs(x, y, alpha, beta, delta, gamma, refuge, kcap):
    xa = max(x - refuge, 0.0)  # prey in the refuge cannot be eaten
    return alpha * x * (1.0 - x / kcap) - beta * xa * y, delta * xa * y - gamma * y


def predator_prey_quota(x0, y0, alpha, beta, delta, gamma, quota, effort, refuge, kcap, years, steps, x_floor):
    dt = 1.0 / steps
    x = x0
    y = y0
    total = 0.0
    penalty = 0.0
    for yr in range(years):
        caught = 0.0
        for s in range(steps):
            dx, dy = _lv_rhs(x, y, alpha, beta, delta, gamma, refuge, kcap)
            xe = max(x + dt * dx, 0.0)
            ye = max(y + dt * dy, 0.0)
            dx2, dy2 = _lv_rhs(xe, ye, alpha, beta, delta, gamma, refuge, kcap)
            x = max(x + 0.5 * dt * (dx + dx2), 0.0)
            y = max(y + 0.5 * dt * (dy + dy2), 0.0)
            h = effort * x * dt
            if caught + h > quota:
                h = max(quota - caught, 0.0)
            x -= h
            caught += h
        total += caught
        penalty += max(x_floor - x, 0.0) ** 2
        if x <= 1e-9:
            break  # stock collapse ends the fishery
    return -total / years + 0.1 * penalty / years


def _lv(years, rng):
    return (40.0 + rng.uniform(-2, 2), 9.0 + rng.uniform(-1, 1), 1.1, 0.04, 0.01, 0.4, 15.0, 0.3, 5.0, 200.0,
            years, 100, 30.0)


# ================================================== 9. drawdown-controlled leverage

@numba.njit
def _hist_var(buf, alpha):
    """Historical value-at-risk at level alpha with linear interpolation."""
    s = np.sort(buf)
    pos = alpha * (s.shape[0] - 1)
    i = int(pos)
    frac = pos - i
    return -(s[i] * (1.0 - frac) + s[i + 1] * frac)


def drawdown_leverage(ret, lev_max, dd_max, vol_target, window, alpha, lam):
    n = ret.shape[0]
    wealth = 1.0
    peak = 1.0
    viol = 0.0
    for t in range(window, n):
        dd = 1.0 - wealth / peak
        lev = lev_max * (1.0 - dd / dd_max)
        lev = min(max(lev, LEV_FLOOR), lev_max)
        hist = ret[t - window:t]
        sd = np.std(hist)
        lev = min(lev, vol_target / max(sd, 1e-8))
        var = _hist_var(hist * lev, alpha)
        pnl = lev * ret[t]
        if -pnl > var:
            viol += -pnl - var  # VaR exceedance size
        wealth *= max(1.0 + pnl, 1e-6)
        peak = max(peak, wealth)
    return -math.log(wealth) + lam * viol / (n - window)


def _drawdown(n, rng):
    ret = 0.0004 + 0.012 * rng.standard_t(4, n) / math.sqrt(2.0)
    return (ret, 2.0, 0.2, 0.02, 40, 0.05, 5.0)


# ================================================== 10. onset detection

@numba.njit
def _window_median(x, lo, hi, buf):
    m = hi - lo
    for i in range(m):
        buf[i] = x[lo + i]
    for i in range(1, m):  # insertion sort
        v = buf[i]
        j = i - 1
        while j >= 0 and buf[j] > v:
            buf[j + 1] = buf[j]
            j -= 1
        buf[j + 1] = v
    if m % 2 == 1:
        return buf[m // 2]
    return 0.5 * (buf[m // 2 - 1] + buf[m // 2])


def onset_detect(spec, gamma, delta, lam, pre, post, wait):
    T = spec.shape[0]
    logs = np.log1p(gamma * spec)
    flux = np.zeros(T)
    for t in range(1, T):
        flux[t] = np.sum(np.maximum(logs[t] - logs[t - 1], 0.0))
    buf = np.empty(pre + post + 1)
    score = 0.0
    last = -wait - 1
    for t in range(1, T):
        lo = max(t - pre, 0)
        hi = min(t + post + 1, T)
        thr = delta + lam * _window_median(flux, lo, hi, buf)
        if flux[t] < thr:
            continue
        is_peak = True
        for s in range(lo, hi):
            if flux[s] > flux[t]:
                is_peak = False
                break
        if not is_peak or t - last <= wait:
            continue
        last = t
        score += flux[t] - thr
    return score


def _onset(T, rng):
    K = 8 if T < 100 else 32
    spec = 0.1 + 0.05 * rng.random((T, K))
    env = np.zeros(T + 12)
    starts = np.nonzero(rng.random(T) < 0.06)[0].tolist() + [T // 3, (2 * T) // 3]
    for o in starts:
        env[o:o + 12] += rng.uniform(0.5, 2.0) * np.exp(-np.arange(12) / 3.0)
    spec += env[:T, None] * rng.uniform(0.5, 1.5, (T, K))
    return (spec, 10.0, 0.05, 1.0, 3, 3, 2)


# ================================================== 11. pitch tracking

@numba.njit
def _autocorr(x, start, n, lmin, lmax, r):
    """Normalised autocorrelation of one frame for lags lmin..lmax (into r)."""
    e0 = 0.0
    for i in range(n):
        e0 += x[start + i] * x[start + i]
    for lag in range(lmin, lmax + 1):
        acc = 0.0
        for i in range(n - lag):
            acc += x[start + i] * x[start + i + lag]
        r[lag - lmin] = acc / (e0 + 1e-12)
    return e0


def pitch_autocorr(x, f0_ref, fs, frame, hop, lmin, lmax, voicing, w_unvoiced):
    n_fr = (x.shape[0] - frame) // hop + 1
    r = np.empty(lmax - lmin + 1)
    loss = 0.0
    for f in range(n_fr):
        _autocorr(x, f * hop, frame, lmin, lmax, r)
        best = 1
        bval = r[1]
        for k in range(2, r.shape[0] - 1):
            if r[k] > bval:
                bval = r[k]
                best = k
        if bval < voicing:
            if f0_ref[f] > 0.0:
                loss += w_unvoiced * (voicing - bval)  # missed voicing
            continue
        a = r[best - 1]
        c = r[best + 1]
        den = a - 2.0 * bval + c
        shift = 0.5 * (a - c) / den if den < -1e-12 else 0.0
        f0 = fs / (lmin + best + shift)
        if f0_ref[f] > 0.0:
            loss += (math.log(f0) - math.log(f0_ref[f])) ** 2
        else:
            loss += w_unvoiced * (bval - voicing)  # false voicing
    return loss / n_fr


def _pitch(n_fr, rng):
    fs, frame, hop, lmin, lmax = 4000.0, 128, 64, 10, 80
    N = frame + hop * (n_fr - 1)
    f0_ref = 150.0 * np.exp(np.cumsum(0.03 * rng.standard_normal(n_fr)))
    f0_ref = np.clip(f0_ref, 80.0, 320.0)
    f0_ref[rng.random(n_fr) < 0.2] = 0.0
    f0_ref[0] = 150.0 + rng.random()
    f0_ref[n_fr // 2] = 0.0
    f0_s = f0_ref[np.minimum(np.arange(N) // hop, n_fr - 1)]
    ph = 2 * np.pi * np.cumsum(f0_s / fs)
    voiced = f0_s > 0.0
    x = np.where(voiced, np.sin(ph) + 0.5 * np.sin(2 * ph) + 0.3 * np.sin(3 * ph), 0.0)
    x = x + np.where(voiced, 0.1, 0.5) * rng.standard_normal(N)
    return (x, f0_ref, fs, frame, hop, lmin, lmax, 0.4, 0.5)


# ================================================== 12. soft rasterization

@numba.njit
def _edge_dist(ax, ay, bx, by, px, py):
    """Signed distance of p to the edge a->b, positive on the left (inside of a CCW triangle)."""
    ex = bx - ax
    ey = by - ay
    return (ex * (py - ay) - ey * (px - ax)) / (math.sqrt(ex * ex + ey * ey) + 1e-12)


def soft_raster(V, color, order, target, sigma, bg):
    H, W = target.shape
    T = V.shape[0]
    loss = 0.0
    for i in range(H):
        py = (i + 0.5) / H
        for j in range(W):
            px = (j + 0.5) / W
            acc = 0.0
            trans = 1.0
            for o in range(T):
                t = order[o]
                if px < min(V[t, 0, 0], V[t, 1, 0], V[t, 2, 0]) - sigma:
                    continue
                if px > max(V[t, 0, 0], V[t, 1, 0], V[t, 2, 0]) + sigma:
                    continue
                if py < min(V[t, 0, 1], V[t, 1, 1], V[t, 2, 1]) - sigma:
                    continue
                if py > max(V[t, 0, 1], V[t, 1, 1], V[t, 2, 1]) + sigma:
                    continue
                d = INF
                for e in range(3):
                    f = (e + 1) % 3
                    d = min(d, _edge_dist(V[t, e, 0], V[t, e, 1], V[t, f, 0], V[t, f, 1], px, py))
                cov = min(max(0.5 + d / sigma, 0.0), 1.0)
                if cov == 0.0:
                    continue
                acc += trans * cov * color[t]
                trans *= 1.0 - cov
                if trans < 1e-4:
                    break
            diff = acc + trans * bg - target[i, j]
            loss += diff * diff
    return loss / (H * W)


def _raster(n, rng):
    T = max(3, (n * n) // 150)
    cen = rng.uniform(0.15, 0.85, (T, 2))
    rad = rng.uniform(0.1, 0.25, T)
    ang = rng.uniform(0, 2 * np.pi, T)[:, None] + np.array([0.0, 2.1, 4.2]) + rng.uniform(-0.3, 0.3, (T, 3))
    V = np.empty((T, 3, 2))
    V[:, :, 0] = cen[:, 0:1] + rad[:, None] * np.cos(ang)
    V[:, :, 1] = cen[:, 1:2] + rad[:, None] * np.sin(ang)
    color = rng.uniform(0.2, 1.0, T)
    order = np.argsort(rng.random(T)).astype(np.int64)
    target = 0.35 + 0.3 * rng.random((n, n))
    return (V, color, order, target, 1.5 / n, 0.1)


# ================================================== 13. inverse kinematics

@numba.njit
def _fk(q, L, px, py):
    """Joint positions of a planar serial arm (into px, py); returns the tip."""
    a = 0.0
    x = 0.0
    y = 0.0
    for i in range(q.shape[0]):
        a += q[i]
        x += L[i] * math.cos(a)
        y += L[i] * math.sin(a)
        px[i] = x
        py[i] = y
    return x, y


def ik_joint_limits(target, L, q0, q_lo, q_hi, alpha, max_step, tol, maxit, w_reg):
    n = q0.shape[0]
    q = q0.copy()
    px = np.empty(n)
    py = np.empty(n)
    dq = np.empty(n)
    ex = 0.0
    ey = 0.0
    for it in range(maxit):
        x, y = _fk(q, L, px, py)
        ex = target[0] - x
        ey = target[1] - y
        if math.sqrt(ex * ex + ey * ey) < tol:
            break
        for i in range(n):
            bx = 0.0 if i == 0 else px[i - 1]
            by = 0.0 if i == 0 else py[i - 1]
            dq[i] = alpha * (-(y - by) * ex + (x - bx) * ey)  # J^T e
        q = np.clip(q + np.clip(dq, -max_step, max_step), q_lo, q_hi)
    x, y = _fk(q, L, px, py)
    ex = target[0] - x
    ey = target[1] - y
    return ex * ex + ey * ey + w_reg * np.sum((q - q0) ** 2)


def _ik(n, rng):
    L = rng.uniform(0.5, 1.5, n) * 3.0 / n
    reach = L.sum()
    q0 = rng.uniform(-0.3, 0.3, n)
    q_lo = -1.0 - 0.2 * rng.random(n)
    q_hi = 1.0 + 0.2 * rng.random(n)
    th = rng.uniform(0, 2 * np.pi)
    target = 0.7 * reach * np.array([np.cos(th), np.sin(th)])
    return (target, L, q0, q_lo, q_hi, 0.3 / (n * reach * reach), 0.05, 1e-10, 30 + 100 * n, 1e-3)


# ================================================== 14. friction-cone contacts

@numba.njit
def _project_cone(ln, lt1, lt2, mu):
    """Euclidean projection onto the Coulomb cone ||lt|| <= mu ln."""
    t = math.sqrt(lt1 * lt1 + lt2 * lt2)
    if t <= mu * ln:
        return ln, lt1, lt2
    if mu * t <= -ln:
        return 0.0, 0.0, 0.0
    lp = (ln + mu * t) / (1.0 + mu * mu)
    s = mu * lp / t
    return lp, lt1 * s, lt2 * s


@numba.njit
def _contact_frames(x, ci, cj, radius, nrm, t1, t2, gap):
    for k in range(ci.shape[0]):
        i = ci[k]
        j = cj[k]
        if j < 0:  # ground plane z = 0
            n0, n1, n2 = 0.0, 0.0, 1.0
            gap[k] = x[i, 2] - radius
        else:
            d0 = x[i, 0] - x[j, 0]
            d1 = x[i, 1] - x[j, 1]
            d2 = x[i, 2] - x[j, 2]
            dist = math.sqrt(d0 * d0 + d1 * d1 + d2 * d2)
            n0, n1, n2 = d0 / dist, d1 / dist, d2 / dist
            gap[k] = dist - 2.0 * radius
        if abs(n2) < 0.9:
            a0, a1, a2 = n1, -n0, 0.0  # n x e_z
        else:
            a0, a1, a2 = 0.0, n2, -n1  # n x e_x
        an = math.sqrt(a0 * a0 + a1 * a1 + a2 * a2)
        nrm[k, 0], nrm[k, 1], nrm[k, 2] = n0, n1, n2
        t1[k, 0], t1[k, 1], t1[k, 2] = a0 / an, a1 / an, a2 / an
        t2[k, 0] = n1 * t1[k, 2] - n2 * t1[k, 1]
        t2[k, 1] = n2 * t1[k, 0] - n0 * t1[k, 2]
        t2[k, 2] = n0 * t1[k, 1] - n1 * t1[k, 0]


def friction_cone_pgs(x0, v0, mu, radius, ci, cj, dt, steps, iters):
    m = ci.shape[0]
    x = x0.copy()
    v = v0.copy()
    nrm = np.empty((m, 3))
    t1 = np.empty((m, 3))
    t2 = np.empty((m, 3))
    gap = np.empty(m)
    lam = np.zeros((m, 3))
    for s in range(steps):
        v[:, 2] -= GRAVITY * dt
        _contact_frames(x, ci, cj, radius, nrm, t1, t2, gap)
        lam[:, :] = 0.0
        for it in range(iters):
            for k in range(m):
                if gap[k] > 0.0:
                    continue
                i = ci[k]
                j = cj[k]
                meff = 1.0 if j < 0 else 0.5
                vn = 0.0
                vt1 = 0.0
                vt2 = 0.0
                for c in range(3):
                    rv = v[i, c] - (v[j, c] if j >= 0 else 0.0)
                    vn += rv * nrm[k, c]
                    vt1 += rv * t1[k, c]
                    vt2 += rv * t2[k, c]
                ln = lam[k, 0] - meff * (vn + BAUMGARTE * gap[k] / dt)
                ln, l1, l2 = _project_cone(ln, lam[k, 1] - meff * vt1, lam[k, 2] - meff * vt2, mu)
                d0, d1, d2 = ln - lam[k, 0], l1 - lam[k, 1], l2 - lam[k, 2]
                lam[k, 0], lam[k, 1], lam[k, 2] = ln, l1, l2
                for c in range(3):
                    imp = d0 * nrm[k, c] + d1 * t1[k, c] + d2 * t2[k, c]
                    v[i, c] += imp
                    if j >= 0:
                        v[j, c] -= imp
        x += dt * v
    slide = 0.0
    for i in range(x.shape[0]):
        slide += math.sqrt((x[i, 0] - x0[i, 0]) ** 2 + (x[i, 1] - x0[i, 1]) ** 2)
    return 0.5 * np.sum(v * v) + slide


def _friction(N, rng):
    radius = 0.1
    side = int(math.ceil(math.sqrt(N)))
    g = np.arange(N)
    x0 = np.empty((N, 3))
    x0[:, 0] = (g % side) * 2.02 * radius + 0.01 * rng.standard_normal(N)
    x0[:, 1] = (g // side) * 2.02 * radius + 0.01 * rng.standard_normal(N)
    x0[:, 2] = radius - 0.002 * rng.random(N)
    v0 = rng.normal(0.0, 0.6, (N, 3))
    v0[:, 2] = -0.1 * np.abs(v0[:, 2])
    d = np.sqrt(((x0[:, None, :] - x0[None, :, :]) ** 2).sum(-1))
    ii, jj = np.nonzero(np.triu(d < 4.5 * radius, 1))
    ci = np.concatenate([np.arange(N), ii]).astype(np.int64)
    cj = np.concatenate([-np.ones(N), jj]).astype(np.int64)
    steps = 40 if N < 50 else 60
    return (x0, v0, 0.4, radius, ci, cj, 0.01, steps, 8)


# ================================================== 15. quantile regression forest

@numba.njit
def _leaf_of(xrow, feat, thr, left, right, tree):
    node = 0
    while feat[tree, node] >= 0:
        if xrow[feat[tree, node]] <= thr[tree, node]:
            node = left[tree, node]
        else:
            node = right[tree, node]
    return node


def quantile_forest(X, y, y_tr, feat, thr, left, right, leaf_start, leaf_cnt, leaf_idx, taus):
    """Meinshausen's quantile regression forest: training-sample weights from
    shared leaves, weighted empirical CDF, pinball loss on held-out data."""
    n = X.shape[0]
    T = feat.shape[0]
    n_tr = y_tr.shape[0]
    order = np.argsort(y_tr)
    wts = np.zeros(n_tr)
    loss = 0.0
    for s in range(n):
        wts[:] = 0.0
        used = 0
        for tr in range(T):
            leaf = _leaf_of(X[s], feat, thr, left, right, tr)
            c = leaf_cnt[tr, leaf]
            if c == 0:
                continue
            for q in range(c):
                wts[leaf_idx[leaf_start[tr, leaf] + q]] += 1.0 / c
            used += 1
        if used == 0:
            continue
        for qi in range(taus.shape[0]):
            tau = taus[qi]
            cum = 0.0
            prev = y_tr[order[0]]
            pred = y_tr[order[n_tr - 1]]
            first = True
            for r in range(n_tr):
                k = order[r]
                if wts[k] == 0.0:
                    continue
                wk = wts[k] / used
                if cum + wk >= tau:
                    pred = y_tr[k] if first else prev + (tau - cum) / wk * (y_tr[k] - prev)
                    break
                cum += wk
                prev = y_tr[k]
                first = False
            res = y[s] - pred
            loss += max(tau * res, (tau - 1.0) * res)  # pinball loss
    return loss / (n * taus.shape[0])


def _qforest(n, rng):
    p, T, depth, n_tr = 5, 10, 5, 300
    n_nodes = 2 ** (depth + 1) - 1
    n_int = 2 ** depth - 1
    feat = np.full((T, n_nodes), -1, dtype=np.int64)
    thr = np.zeros((T, n_nodes))
    left = np.full((T, n_nodes), -1, dtype=np.int64)
    right = np.full((T, n_nodes), -1, dtype=np.int64)
    feat[:, :n_int] = rng.integers(0, p, (T, n_int))
    thr[:, :n_int] = rng.normal(0.0, 0.7, (T, n_int))
    left[:, :n_int] = 2 * np.arange(n_int) + 1
    right[:, :n_int] = 2 * np.arange(n_int) + 2

    def target(X):
        return X[:, 0] + 0.5 * np.sin(2.0 * X[:, 1]) + 0.3 * rng.standard_normal(X.shape[0])

    X_tr = rng.standard_normal((n_tr, p))
    y_tr = target(X_tr)
    leaf_start = np.zeros((T, n_nodes), dtype=np.int64)
    leaf_cnt = np.zeros((T, n_nodes), dtype=np.int64)
    idx = []
    for tr in range(T):
        nodes = np.zeros(n_tr, dtype=np.int64)
        for _ in range(depth):
            go_left = X_tr[np.arange(n_tr), feat[tr, nodes]] <= thr[tr, nodes]
            nodes = np.where(go_left, left[tr, nodes], right[tr, nodes])
        boot = rng.integers(0, n_tr, n_tr)
        for leaf in range(n_int, n_nodes):
            members = boot[nodes[boot] == leaf]
            leaf_start[tr, leaf] = len(idx)
            leaf_cnt[tr, leaf] = len(members)
            idx.extend(members.tolist())
    X = rng.standard_normal((n, p))
    y = target(X)
    return (X, y, y_tr, feat, thr, left, right, leaf_start, leaf_cnt, np.array(idx, dtype=np.int64),
            np.array([0.1, 0.5, 0.9]))


# ================================================== 16. LambdaRank with top-k cutoff

@numba.njit
def _rank_in_query(s, lo, hi, rank):
    order = np.argsort(-s[lo:hi])
    for r in range(hi - lo):
        rank[lo + order[r]] = r


def lambdarank_topk(X, w, rel, qptr, k_top, margin, l2):
    s = X @ w
    n_q = qptr.shape[0] - 1
    rank = np.empty(s.shape[0], dtype=np.int64)
    loss = 0.0
    for q in range(n_q):
        lo = qptr[q]
        hi = qptr[q + 1]
        _rank_in_query(s, lo, hi, rank)
        g = np.sort(rel[lo:hi])[::-1]
        idcg = 0.0
        for r in range(min(k_top, hi - lo)):
            idcg += (2.0 ** g[r] - 1.0) / math.log2(r + 2.0)
        if idcg <= 0.0:
            continue
        for i in range(lo, hi):
            for j in range(lo, hi):
                if rel[i] <= rel[j]:
                    continue
                if rank[i] >= k_top and rank[j] >= k_top:
                    continue  # pair entirely below the cutoff: no NDCG@k change
                di = 1.0 / math.log2(rank[i] + 2.0) if rank[i] < k_top else 0.0
                dj = 1.0 / math.log2(rank[j] + 2.0) if rank[j] < k_top else 0.0
                delta = abs((2.0 ** rel[i] - 2.0 ** rel[j]) * (di - dj)) / idcg
                loss += delta * max(0.0, margin - (s[i] - s[j]))
    return loss / n_q + l2 * np.dot(w, w)


def _lambdarank(nq, rng):
    p = 12
    cnt = rng.integers(6, 16, nq)
    qptr = np.concatenate([[0], np.cumsum(cnt)]).astype(np.int64)
    n = int(qptr[-1])
    X = rng.standard_normal((n, p))
    w_true = rng.standard_normal(p) / math.sqrt(p)
    rel = np.clip(np.round(0.8 * (X @ w_true) + 1.5 + 0.5 * rng.standard_normal(n)), 0.0, 4.0)
    w = 0.1 * rng.standard_normal(p)
    return (X, w, rel, qptr, 5, 1.0, 1e-3)


# ================================================== 17. projected gradient on the simplex

@numba.njit
def _project_simplex(v, radius, out):
    """Projection onto {x >= 0, sum x = radius}: bisection on the threshold, then an exact polish."""
    n = v.shape[0]
    lo = np.min(v) - radius / n
    hi = np.max(v)
    it = 0
    while hi - lo > BISECT_TOL and it < BISECT_MAXIT:
        tau = 0.5 * (lo + hi)
        s = 0.0
        for i in range(n):
            d = v[i] - tau
            if d > 0.0:
                s += d
        if s > radius:
            lo = tau
        else:
            hi = tau
        it += 1
    tau = 0.5 * (lo + hi)
    tot = 0.0
    cnt = 0
    for i in range(n):
        if v[i] > tau:
            tot += v[i]
            cnt += 1
    if cnt > 0:
        tau = (tot - radius) / cnt
    for i in range(n):
        out[i] = max(v[i] - tau, 0.0)


@numba.njit
def _power_lipschitz(A, At, iters):
    v = np.ones(A.shape[1])
    L = 1.0
    for k in range(iters):
        w = At @ (A @ v)
        L = math.sqrt(np.dot(w, w) / np.dot(v, v))
        v = w / math.sqrt(np.dot(w, w))
    return L


def simplex_pg(A, b, c, radius, n_iter):
    """min 0.5||A x - b||^2 + c.x over the simplex of the given radius."""
    n = A.shape[1]
    At = np.ascontiguousarray(A.T)
    step = 1.0 / (1.01 * _power_lipschitz(A, At, 20))
    x = np.full(n, radius / n)
    for it in range(n_iter):
        g = At @ (A @ x - b) + c
        _project_simplex(x - step * g, radius, x)
    r = A @ x - b
    return 0.5 * np.dot(r, r) + np.dot(c, x)


def _simplex(n, rng):
    m = n + n // 3 + 2
    A = rng.standard_normal((m, n)) / math.sqrt(m)
    b = rng.standard_normal(m)
    c = 0.1 * rng.standard_normal(n)
    return (A, b, c, 1.0 + 0.1 * rng.random(), 30 if n < 50 else 200)


# ================================================== 18. EDF scheduling with tardiness

def edf_tardiness(p, r, d, w, family, setup, use_setup, rho):
    n = p.shape[0]
    done = np.zeros(n, dtype=np.bool_)
    t = 0.0
    cost = 0.0
    worst = -INF
    last = -1
    scheduled = 0
    while scheduled < n:
        best = -1
        bd = INF
        rmin = INF
        for j in range(n):
            if done[j]:
                continue
            if r[j] <= t and d[j] < bd:
                bd = d[j]
                best = j
            rmin = min(rmin, r[j])
        if best == -1:
            t = rmin  # machine idles until the next release
            continue
        if use_setup and last >= 0 and family[best] != family[last]:
            t += setup
        t += p[best]
        done[best] = True
        scheduled += 1
        last = best
        cost += w[best] * max(0.0, t - d[best])
        worst = max(worst, t - d[best])
    return cost / n + rho * worst


def _edf(n, rng):
    p = rng.uniform(0.5, 3.0, n)
    r = rng.uniform(0.0, p.sum() / 0.95, n)
    d = r + p * rng.uniform(1.5, 4.0, n)
    w = rng.uniform(0.5, 2.0, n)
    family = rng.integers(0, 3, n).astype(np.int64)
    return (p, r, d, w, family, 0.3, True, 0.5)


# ================================================== 19. bilateral filter

@numba.njit
def _spatial_kernel(R, sigma_s):
    k = np.empty((2 * R + 1, 2 * R + 1))
    for a in range(-R, R + 1):
        for b in range(-R, R + 1):
            k[a + R, b + R] = math.exp(-(a * a + b * b) / (2.0 * sigma_s * sigma_s))
    return k


def bilateral_clip(img, clean, sigma_s, sigma_r, r_clip, R, passes):
    H, W = img.shape
    ks = _spatial_kernel(R, sigma_s)
    u = img.copy()
    out = np.empty_like(u)
    inv2r = 1.0 / (2.0 * sigma_r * sigma_r)
    for ps in range(passes):
        for i in range(H):
            for j in range(W):
                c = u[i, j]
                num = 0.0
                den = 0.0
                for a in range(-R, R + 1):
                    ii = min(max(i + a, 0), H - 1)
                    for b in range(-R, R + 1):
                        jj = min(max(j + b, 0), W - 1)
                        dv = u[ii, jj] - c
                        if abs(dv) > r_clip:
                            continue  # hard range cutoff
                        wgt = ks[a + R, b + R] * math.exp(-dv * dv * inv2r)
                        num += wgt * u[ii, jj]
                        den += wgt
                out[i, j] = min(max(num / den, 0.0), 1.0)
        u, out = out, u
    return np.mean((u - clean) ** 2)


def _bilateral(n, rng):
    clean = np.full((n, n), 0.2) + 0.3 * np.linspace(0, 1, n)[None, :]
    for _ in range(4):
        i0, j0 = rng.integers(0, n - 2, 2)
        clean[i0:i0 + n // 3 + 2, j0:j0 + n // 3 + 2] = rng.uniform(0.1, 0.9)
    img = clean + 0.08 * rng.standard_normal((n, n))
    return (img, clean, 1.5, 0.12, 0.3, 2, 2)


# ================================================== 20. sigma-clipped photometry

@numba.njit
def _sigma_clipped_stats(vals, k_sigma, maxit):
    n = vals.shape[0]
    keep = np.ones(n, dtype=np.bool_)
    mu = 0.0
    sd = 0.0
    for it in range(maxit):
        tot = 0.0
        cnt = 0
        for i in range(n):
            if keep[i]:
                tot += vals[i]
                cnt += 1
        mu = tot / cnt
        ss = 0.0
        for i in range(n):
            if keep[i]:
                ss += (vals[i] - mu) ** 2
        sd = math.sqrt(ss / max(cnt - 1, 1))
        changed = False
        for i in range(n):
            k = abs(vals[i] - mu) <= k_sigma * sd
            if k != keep[i]:
                keep[i] = k
                changed = True
        if not changed:
            break
    return mu, sd


def sigma_clip_photometry(img, xs, ys, ref_mag, r_ap, r_in, r_out, k_sigma, zp, gain):
    H, W = img.shape
    ns = xs.shape[0]
    R = int(r_out) + 1
    buf = np.empty((2 * R + 1) * (2 * R + 1))
    chi2 = 0.0
    for s in range(ns):
        cx = xs[s]
        cy = ys[s]
        m = 0
        for i in range(max(cy - R, 0), min(cy + R + 1, H)):
            for j in range(max(cx - R, 0), min(cx + R + 1, W)):
                dd = math.sqrt((i - cy) ** 2 + (j - cx) ** 2)
                if dd >= r_in and dd < r_out:
                    buf[m] = img[i, j]
                    m += 1
        bg, sd = _sigma_clipped_stats(buf[:m], k_sigma, SIGCLIP_MAXIT)
        flux = 0.0
        npix = 0.0
        for i in range(max(cy - R, 0), min(cy + R + 1, H)):
            for j in range(max(cx - R, 0), min(cx + R + 1, W)):
                wgt = min(max(r_ap + 0.5 - math.sqrt((i - cy) ** 2 + (j - cx) ** 2), 0.0), 1.0)
                if wgt == 0.0:
                    continue
                flux += wgt * (img[i, j] - bg)
                npix += wgt
        f = max(flux, FLUX_FLOOR)
        sig_mag = MAG_ERR * math.sqrt(f / gain + npix * sd * sd) / f
        mag = zp - 2.5 * math.log10(f)
        chi2 += (mag - ref_mag[s]) ** 2 / (sig_mag * sig_mag + 1e-4)
    return chi2 / ns


def _photometry(ns, rng):
    side = int(30 * math.sqrt(ns)) + 20
    xs = rng.integers(10, side - 10, ns).astype(np.int64)
    ys = rng.integers(10, side - 10, ns).astype(np.int64)
    flux = 10.0 ** rng.uniform(2.5, 4.0, ns)
    img = 50.0 + 3.0 * rng.standard_normal((side, side))
    a = np.arange(-7, 8)
    for s in range(ns):
        ox, oy = rng.uniform(-0.5, 0.5, 2)
        psf = np.exp(-((a[None, :] - ox) ** 2 + (a[:, None] - oy) ** 2) / (2 * 1.5 ** 2)) / (2 * np.pi * 1.5 ** 2)
        img[ys[s] - 7:ys[s] + 8, xs[s] - 7:xs[s] + 8] += flux[s] * psf
    hot = rng.random((side, side)) < 0.002
    img[hot] += 300.0
    ref_mag = 25.0 - 2.5 * np.log10(flux) + 0.02 * rng.standard_normal(ns)
    return (img, xs, ys, ref_mag, 3.5, 6.0, 9.0, 2.5, 25.0 + 0.05 * rng.standard_normal(), 2.0)


PROGRAMS = {
    "reservoir_spill": Program(reservoir_spill, ("inflow", "rule", "k_rel", "r_max"), _reservoir, 150, 400000),
    "hbv_model": Program(hbv_model, ("tt", "cfmax", "fc", "beta", "k0", "k1", "uzl", "perc"), _hbv, 200, 300000),
    "huber_kalman_smoother": Program(huber_kalman_smoother, ("y", "q", "r", "c"), _kalman, 60, 200000),
    "bundle_tukey": Program(bundle_tukey, ("cams", "pts"), _bundle, 8, 60000),
    "beam_tensionless": Program(beam_tensionless, ("load", "EI", "k_soil"), _beam, 12, 320),
    "pharmacy_fifo": Program(pharmacy_fifo, ("demand", "S"), _pharmacy, 120, 200000),
    "storage_dispatch": Program(storage_dispatch, ("price", "lo", "hi", "p_max", "ramp"), _storage, 200, 500000),
    "predator_prey_quota": Program(predator_prey_quota, ("x0", "alpha", "beta", "quota", "effort"), _lv, 3, 2000),
    "drawdown_leverage": Program(drawdown_leverage, ("ret", "lev_max", "dd_max", "vol_target"), _drawdown,
                                 100, 20000),
    "onset_detect": Program(onset_detect, ("spec", "gamma", "delta"), _onset, 40, 40000),
    "pitch_autocorr": Program(pitch_autocorr, ("x",), _pitch, 5, 2000),
    "soft_raster": Program(soft_raster, ("V", "color"), _raster, 8, 192),
    "ik_joint_limits": Program(ik_joint_limits, ("target", "L", "q0"), _ik, 3, 40),
    "friction_cone_pgs": Program(friction_cone_pgs, ("x0", "v0", "mu"), _friction, 4, 400),
    "quantile_forest": Program(quantile_forest, ("y", "y_tr"), _qforest, 6, 5000),
    "lambdarank_topk": Program(lambdarank_topk, ("w", "margin"), _lambdarank, 3, 3000),
    "simplex_pg": Program(simplex_pg, ("A", "b", "radius"), _simplex, 6, 300),
    "edf_tardiness": Program(edf_tardiness, ("p", "r", "d", "setup"), _edf, 12, 3000),
    "bilateral_clip": Program(bilateral_clip, ("img", "sigma_s", "sigma_r"), _bilateral, 8, 160),
    "sigma_clip_photometry": Program(sigma_clip_photometry, ("img", "r_ap", "zp"), _photometry, 2, 1500),
}
