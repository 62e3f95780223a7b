"""Probe corpus N: nonsmooth numerical programs in the style of Numba code
from research repositories and engineering tools on molecular simulation,
sports analytics, reinforcement learning, robust statistics, wind energy,
photovoltaics, glaciology, water distribution, signal processing, machine
learning, computer vision, contact mechanics, building control, tracking,
sparse coding, seismology, celestial mechanics, energy markets and
operations research: a Lennard-Jones energy with a shifted cutoff and a
Verlet neighbour list under the minimum image convention, Glicko-flavoured
Elo updates with clipped steps and a deviation floor scored by prequential
log loss, value iteration on a small MDP stopped on a Bellman residual
tolerance, IRLS regression with Huber then Tukey weights and a
hand-written pivoted elimination, a Jensen wake model with partial overlap
ramps, root-sum-square deficits and a cut-in/rated/cut-out power curve, a
perturb-and-observe maximum power point tracker on a single-diode panel,
a degree-day glacier mass balance with a snow/rain ramp and snow-limited
melt, a tank network with proportional valves, overflow spills and a drain,
a running median by insertion sort per window, staged evaluation of
boosted decision stumps with clipped leaves and a best-stage validation
loss, a warped 1-D TV-L1 flow with the three-case thresholding step and a
projected dual update, a spring chain falling on penalty ground contact
with capped friction, hysteresis thermostats over a week, a constant
velocity Kalman filter with innovation gating and a speed cap, lasso
coordinate descent for sparse codes, 2-D fast sweeping for first-arrival
travel times, a softened leapfrog N-body run with a close-encounter
flag, Pegasos with the ball projection, a home battery under a
time-of-use and block tariff with a monthly demand charge, and a single
server queue by the Lindley recursion feeding a reorder-point inventory.

The programs loop over 1-D and 2-D numpy arrays (nested loops, reversed
sweeps driven by ``while`` loops with a step, iteration loops that stop on
a tolerance with ``break``, ``continue``) and use a little
whole-array numpy (``np.zeros``, ``np.empty``, ``np.full``, ``np.ones``,
``np.zeros_like``, ``.copy()``, ``np.mean``, slice assignment).  Some are
one function, others call module-level ``@numba.njit`` helpers (returning
a scalar, a tuple, or writing into arrays passed to them); integer index
arrays carry match lists, pipe connectivity, stump features, receivers and
permutations.  Nonsmoothness comes from max/min/abs, clipping, if/elif
threshold rules, hysteresis state, sorting, argmax selection, tolerance
based stopping and collision flags.  Each returns one float.

Each entry of ``PROGRAMS``: name -> Program(fn, wrt, args(size, rng),
small, big) where ``small`` is the size of the correctness check and ``big``
the size of the timing."""

import math

import numba
import numpy as np

from benchmarks.probe.programs import Program

# ----------------------------------------------------------------- constants

INF = 1e300
TWO_PI = 2.0 * math.pi
LOG10_400 = math.log(10.0) / 400.0

# time-of-use import price by hour of day, $/kWh
TOU_PRICE = np.array([0.09, 0.09, 0.09, 0.09, 0.09, 0.09, 0.09, 0.16,
                      0.16, 0.16, 0.16, 0.16, 0.16, 0.16, 0.16, 0.16,
                      0.16, 0.34, 0.34, 0.34, 0.34, 0.16, 0.16, 0.09])
HOURS_PER_BILL = 720

# thermostat
COMFORT_BAND = 1.0

# glacier
DAYS_PER_YEAR = 365


# ---------------------------------------------------- molecular dynamics


@numba.njit
def _min_image(d, box):
    return d - box * math.floor(d / box + 0.5)


@numba.njit
def _verlet_list(pos, box, r_list, start, nbr):
    """Half neighbour list (j > i) within r_list; returns the pair count."""
    n = pos.shape[0]
    r2max = r_list * r_list
    cap = nbr.shape[0]
    k = 0
    for i in range(n):
        start[i] = k
        for j in range(i + 1, n):
            dx = _min_image(pos[j, 0] - pos[i, 0], box)
            dy = _min_image(pos[j, 1] - pos[i, 1], box)
            dz = _min_image(pos[j, 2] - pos[i, 2], box)
            if dx * dx + dy * dy + dz * dz < r2max and k < cap:
                nbr[k] = j
                k += 1
    start[n] = k
    return k


def lj_cutoff(pos, box, sigma, eps, r_cut, skin):
    """Lennard-Jones potential energy per particle, truncated and shifted at
    r_cut, summed over a Verlet list built with a skin."""
    n = pos.shape[0]
    start = np.zeros(n + 1, dtype=np.int64)
    nbr = np.zeros(n * 120, dtype=np.int64)
    _verlet_list(pos, box, r_cut + skin, start, nbr)
    rc2 = r_cut * r_cut
    s2 = sigma * sigma
    sr6c = (s2 / rc2) ** 3
    e_shift = 4.0 * eps * (sr6c * sr6c - sr6c)
    energy = 0.0
    for i in range(n):
        for m in range(start[i], start[i + 1]):
            j = nbr[m]
            dx = _min_image(pos[j, 0] - pos[i, 0], box)
            dy = _min_image(pos[j, 1] - pos[i, 1], box)
            dz = _min_image(pos[j, 2] - pos[i, 2], box)
            r2 = dx * dx + dy * dy + dz * dz
            if r2 >= rc2:
                continue
            sr6 = (s2 / r2) ** 3
            energy += 4.0 * eps * (sr6 * sr6 - sr6) - e_shift
    return energy / n


def _lj(size, rng):
    a = 1.12
    g = np.arange(size) * a
    pos = np.empty((size ** 3, 3))
    k = 0
    for i in range(size):
        for j in range(size):
            for l in range(size):
                pos[k, 0] = g[i]
                pos[k, 1] = g[j]
                pos[k, 2] = g[l]
                k += 1
    pos += 0.06 * rng.standard_normal(pos.shape)
    box = size * a
    skin = 0.3
    r_cut = min(2.5, 0.49 * box - skin)
    return (pos, box, 1.0 + 0.02 * rng.random(), 1.0, r_cut, skin)


# ------------------------------------------------------------------ ratings


def elo_glicko(r0, rd0, home, away, score, k_base, max_step, rd_floor, c_drift, shrink):
    """Elo ratings with a Glicko-style deviation per player: the deviation
    grows between games (capped at 350), scales the K factor and the
    expected score, and shrinks with each game down to a floor.  Steps are
    clipped.  Returns the prequential log loss of the forecasts."""
    r = r0.copy()
    rd = rd0.copy()
    q2 = 3.0 * LOG10_400 * LOG10_400 / (math.pi * math.pi)
    loss = 0.0
    n_games = home.shape[0]
    for m in range(n_games):
        a = home[m]
        b = away[m]
        rd[a] = min(math.sqrt(rd[a] * rd[a] + c_drift * c_drift), 350.0)
        rd[b] = min(math.sqrt(rd[b] * rd[b] + c_drift * c_drift), 350.0)
        g = 1.0 / math.sqrt(1.0 + q2 * (rd[a] * rd[a] + rd[b] * rd[b]))
        e = 1.0 / (1.0 + 10.0 ** (-g * (r[a] - r[b]) / 400.0))
        s = score[m]
        p = min(max(e, 0.01), 0.99)
        loss -= s * math.log(p) + (1.0 - s) * math.log(1.0 - p)
        step_a = k_base * rd[a] / 200.0 * (s - e)
        step_b = k_base * rd[b] / 200.0 * (e - s)
        if step_a > max_step:
            step_a = max_step
        elif step_a < -max_step:
            step_a = -max_step
        if step_b > max_step:
            step_b = max_step
        elif step_b < -max_step:
            step_b = -max_step
        r[a] += step_a
        r[b] += step_b
        rd[a] = max(rd[a] * shrink, rd_floor)
        rd[b] = max(rd[b] * shrink, rd_floor)
    return loss / n_games


def _elo(size, rng):
    n_players = max(6, size // 40)
    strength = 1500.0 + 200.0 * rng.standard_normal(n_players)
    home = rng.integers(0, n_players, size)
    away = (home + rng.integers(1, n_players, size)) % n_players
    pa = 1.0 / (1.0 + 10.0 ** (-(strength[home] - strength[away] + 40.0) / 400.0))
    u = rng.random(size)
    score = np.where(u < pa - 0.05, 1.0, np.where(u < pa + 0.05, 0.5, 0.0))
    r0 = 1500.0 + 50.0 * rng.standard_normal(n_players)
    rd0 = 120.0 + 60.0 * rng.random(n_players)
    return (r0, rd0, home, away, score, 32.0, 10.0, 85.0, 15.0, 0.94)


# ------------------------------------------------------ value iteration


def value_iteration(P, R, gamma, tol, max_iter):
    """Bellman optimality backups until the sup-norm change certifies an
    eps-optimal value function (or the iteration cap).  Returns the mean
    optimal value plus the mean gap between the best and second best
    action at the end."""
    S = R.shape[0]
    A = R.shape[1]
    V = np.zeros(S)
    Vn = np.empty(S)
    gap = np.zeros(S)
    stop = tol * (1.0 - gamma) / (2.0 * gamma)
    it = 0
    while it < max_iter:
        delta = 0.0
        for s in range(S):
            best = -INF
            second = -INF
            for a in range(A):
                acc = 0.0
                for s2 in range(S):
                    acc += P[s, a, s2] * V[s2]
                q = R[s, a] + gamma * acc
                if q > best:
                    second = best
                    best = q
                elif q > second:
                    second = q
            Vn[s] = best
            gap[s] = best - second
            d = abs(best - V[s])
            if d > delta:
                delta = d
        for s in range(S):
            V[s] = Vn[s]
        it += 1
        if delta < stop:
            break
    return np.mean(V) + np.mean(gap)


def _mdp(size, rng):
    S = size
    A = 4
    P = np.zeros((S, A, S))
    for s in range(S):
        for a in range(A):
            nxt = rng.integers(0, S, 4)
            w = rng.random(4) + 0.1
            for k in range(4):
                P[s, a, nxt[k]] += w[k]
            P[s, a, :] /= P[s, a, :].sum()
    R = rng.standard_normal((S, A))
    return (P, R, 0.95 + 0.01 * rng.random(), 1e-6, 2000)


# --------------------------------------------------------- robust regression


@numba.njit
def _solve_pivot(A, b, x):
    """Gaussian elimination with partial pivoting on copies of A and b."""
    p = b.shape[0]
    M = A.copy()
    v = b.copy()
    for k in range(p):
        piv = k
        for i in range(k + 1, p):
            if abs(M[i, k]) > abs(M[piv, k]):
                piv = i
        if piv != k:
            for j in range(p):
                t = M[k, j]
                M[k, j] = M[piv, j]
                M[piv, j] = t
            t = v[k]
            v[k] = v[piv]
            v[piv] = t
        for i in range(k + 1, p):
            f = M[i, k] / M[k, k]
            for j in range(k, p):
                M[i, j] -= f * M[k, j]
            v[i] -= f * v[k]
    for i in range(p - 1, -1, -1):
        s = v[i]
        for j in range(i + 1, p):
            s -= M[i, j] * x[j]
        x[i] = s / M[i, i]


def irls_robust(X, y, c_huber, c_tukey, n_huber, n_tukey):
    """M-estimation by iteratively reweighted least squares: Huber weights
    first, then Tukey's biweight, scale from the mean absolute residual.
    Returns the Tukey objective at the final fit."""
    n, p = X.shape
    beta = np.zeros(p)
    w = np.ones(n)
    r = np.empty(n)
    G = np.empty((p, p))
    h = np.empty(p)
    scale = 1.0
    for it in range(n_huber + n_tukey):
        G[:, :] = 0.0
        h[:] = 0.0
        for i in range(n):
            for j in range(p):
                wx = w[i] * X[i, j]
                h[j] += wx * y[i]
                for k in range(p):
                    G[j, k] += wx * X[i, k]
        _solve_pivot(G, h, beta)
        scale = 0.0
        for i in range(n):
            fit = 0.0
            for j in range(p):
                fit += X[i, j] * beta[j]
            r[i] = y[i] - fit
            scale += abs(r[i])
        scale = 1.2533 * scale / n
        for i in range(n):
            u = abs(r[i]) / scale
            if it < n_huber:
                w[i] = 1.0 if u <= c_huber else c_huber / u
            elif u < c_tukey:
                t = 1.0 - (u / c_tukey) ** 2
                w[i] = t * t
            else:
                w[i] = 0.0
    obj = 0.0
    c2 = c_tukey * c_tukey / 6.0
    for i in range(n):
        u = r[i] / scale
        if abs(u) < c_tukey:
            obj += c2 * (1.0 - (1.0 - (u / c_tukey) ** 2) ** 3)
        else:
            obj += c2
    return obj / n


def _irls(size, rng):
    p = 4
    X = np.ones((size, p))
    X[:, 1:] = rng.standard_normal((size, p - 1))
    y = X @ np.array([1.0, 2.0, -1.0, 0.5]) + 0.3 * rng.standard_normal(size)
    out = rng.random(size) < 0.12
    y[out] += 6.0 + 4.0 * rng.random(out.sum())
    return (X, y, 1.345, 4.685, 5, 2)


# ---------------------------------------------------------------- wind farm


@numba.njit
def _turbine_power(u, cut_in, rated_u, cut_out, p_rated):
    if u < cut_in or u > cut_out:
        return 0.0
    if u >= rated_u:
        return p_rated
    return p_rated * (u ** 3 - cut_in ** 3) / (rated_u ** 3 - cut_in ** 3)


def wind_wake(x, y, rotor_d, k_wake, ct, dirs, freq, u_dir, max_deficit):
    """Jensen top-hat wakes: each upstream rotor casts a linearly expanding
    wake; partial overlap ramps the deficit, overlapping deficits add in
    root-sum-square and are capped.  Returns the frequency-weighted farm
    power (MW) over the wind rose."""
    n = x.shape[0]
    r0 = 0.5 * rotor_d
    a = 0.5 * (1.0 - math.sqrt(1.0 - ct))
    total = 0.0
    for d in range(dirs.shape[0]):
        c = math.cos(dirs[d])
        s = math.sin(dirs[d])
        for i in range(n):
            ss = 0.0
            for j in range(n):
                if j == i:
                    continue
                ex = x[i] - x[j]
                ey = y[i] - y[j]
                down = ex * c + ey * s
                if down <= 0.0:
                    continue
                cross = abs(-ex * s + ey * c)
                rw = r0 + k_wake * down
                if cross >= rw + r0:
                    continue
                overlap = min(1.0, (rw + r0 - cross) / (2.0 * r0))
                dfc = 2.0 * a / (1.0 + k_wake * down / r0) ** 2 * overlap
                ss += dfc * dfc
            deficit = 0.0
            if ss > 0.0:
                deficit = min(math.sqrt(ss), max_deficit)
            u = u_dir[d] * (1.0 - deficit)
            total += freq[d] * _turbine_power(u, 3.0, 11.5, 25.0, 3.35)
    return total


def _wind(size, rng):
    side = int(math.ceil(math.sqrt(size)))
    D = 130.0
    x = np.empty(size)
    y = np.empty(size)
    for k in range(size):
        x[k] = (k % side) * 5.0 * D + 0.6 * D * rng.standard_normal()
        y[k] = (k // side) * 6.0 * D + 0.6 * D * rng.standard_normal()
    n_dir = 4 if size < 10 else 36
    dirs = TWO_PI * (np.arange(n_dir) + 0.3 * rng.random(n_dir)) / n_dir
    freq = rng.random(n_dir) + 0.2
    freq /= freq.sum()
    u_dir = 6.0 + 8.0 * rng.random(n_dir)
    return (x, y, D, 0.05 + 0.01 * rng.random(), 0.8, dirs, freq, u_dir, 0.7)


# ------------------------------------------------------------- photovoltaic


@numba.njit
def _panel_power(v, g, t_cell, isc, voc, n_vt):
    """Single-diode module without series resistance, current floored at 0."""
    vt = n_vt * (1.0 + 0.004 * (t_cell - 25.0))
    iph = isc * g / 1000.0 * (1.0 + 0.0005 * (t_cell - 25.0))
    i0 = isc / (math.exp(voc / vt) - 1.0)
    i = iph - i0 * (math.exp(v / vt) - 1.0)
    if i < 0.0:
        i = 0.0
    return v * i


def pv_mppt(irr, t_amb, isc, voc, n_vt, dv, v_start, dt):
    """Perturb and observe: step the operating voltage by dv, reverse the
    direction whenever the power dropped.  The converter sleeps below
    5 W/m^2 and restarts from v_start.  Returns energy harvested (kWh)."""
    v = v_start
    p_prev = 0.0
    direction = 1.0
    energy = 0.0
    v_hi = 1.05 * voc
    for t in range(irr.shape[0]):
        g = irr[t]
        if g < 5.0:
            v = v_start
            p_prev = 0.0
            direction = 1.0
            continue
        t_cell = t_amb[t] + 0.03 * g
        p = _panel_power(v, g, t_cell, isc, voc, n_vt)
        if p < p_prev:
            direction = -direction
        p_prev = p
        energy += p * dt
        v += direction * dv
        if v > v_hi:
            v = v_hi
            direction = -1.0
        elif v < 0.0:
            v = 0.0
            direction = 1.0
    return energy / 3.6e6


def _pv(size, rng):
    t = np.arange(size) / size
    clear = np.maximum(np.sin(TWO_PI * (t - 0.25)), 0.0) * 1000.0
    clouds = 1.0 - 0.5 * (rng.random(size // 50 + 1) < 0.3)
    cloud = np.repeat(clouds, 50)[:size]
    irr = clear * cloud * (0.97 + 0.03 * rng.random(size))
    t_amb = 15.0 + 8.0 * np.sin(TWO_PI * (t - 0.35)) + rng.random(size)
    return (irr, t_amb, 9.5 + 0.2 * rng.random(), 40.0, 1.9, 0.25, 30.0, 86400.0 / size)


# ---------------------------------------------------------------- glaciology


def glacier_mb(t_station, p_station, z_band, area, b_obs, z_station, lapse, t_snow, t_melt,
               ddf_snow, ddf_ice, p_corr, p_grad):
    """Degree-day mass balance per elevation band: lapse-rate temperature
    (K/km), precipitation gradient, linear snow/rain ramp around t_snow,
    melt of the snowpack first and of ice only once the snow is gone.  Returns the
    area-weighted squared misfit of the mean annual band balance (m w.e.)."""
    nb = z_band.shape[0]
    nd = t_station.shape[0]
    years = nd / DAYS_PER_YEAR
    mb = np.zeros(nb)
    for i in range(nb):
        dz = z_band[i] - z_station
        dz_km = 0.001 * dz
        swe = 0.0
        for d in range(nd):
            T = t_station[d] + lapse * dz_km
            P = p_station[d] * p_corr * max(1.0 + p_grad * dz, 0.0)
            if T <= t_snow - 1.0:
                fs = 1.0
            elif T >= t_snow + 1.0:
                fs = 0.0
            else:
                fs = 0.5 * (t_snow + 1.0 - T)
            acc = fs * P
            swe += acc
            pot = max(T - t_melt, 0.0)
            melt_snow = min(ddf_snow * pot, swe)
            swe -= melt_snow
            melt_ice = 0.0
            if swe <= 0.0 and pot > 0.0:
                melt_ice = ddf_ice * (pot - melt_snow / ddf_snow)
            mb[i] += acc - melt_snow - melt_ice
    misfit = 0.0
    a_tot = 0.0
    for i in range(nb):
        e = mb[i] / (1000.0 * years) - b_obs[i]
        misfit += area[i] * e * e
        a_tot += area[i]
    return misfit / a_tot


def _glacier(size, rng):
    nb = 30
    day = np.arange(size) + 150
    t_station = 2.0 - 9.0 * np.cos(TWO_PI * day / DAYS_PER_YEAR) + 3.0 * rng.standard_normal(size)
    p_station = rng.gamma(0.7, 6.0, size) * (rng.random(size) < 0.5)
    z_band = np.linspace(2400.0, 3600.0, nb)
    area = 0.5 + rng.random(nb)
    b_obs = np.linspace(-3.0, 1.0, nb) + 0.1 * rng.standard_normal(nb)
    return (t_station, p_station, z_band, area, b_obs, 1800.0, -6.5, 1.0, 0.0,
            3.5 + 0.3 * rng.random(), 6.5 + 0.5 * rng.random(), 1.3, 0.0004)


# ------------------------------------------------------------- tank network


def tank_network(inflow, area, h_max, src, dst, cv, h_ref, kp, dt):
    """Tanks joined by pipes with proportional valves.  The valve on a pipe
    opens with the level of its upstream tank above the reference (clipped
    to [0, 1]); flow is bidirectional with a regularised square-root law;
    dst == -1 is the drain.  Tanks spill above h_max.  Returns the tracking
    cost plus a penalty on the spilled volume."""
    n_steps = inflow.shape[0]
    n = area.shape[0]
    m = src.shape[0]
    h = 0.5 * h_ref
    q = np.zeros(m)
    net = np.zeros(n)
    cost = 0.0
    spilled = 0.0
    for t in range(n_steps):
        for k in range(m):
            i = src[k]
            j = dst[k]
            u = kp * (h[i] - h_ref[i])
            u = min(max(u, 0.0), 1.0)
            dh = h[i]
            if j >= 0:
                dh -= h[j]
            q[k] = cv[k] * u * dh / math.sqrt(abs(dh) + 0.01)
        for i in range(n):
            net[i] = inflow[t, i]
        for k in range(m):
            net[src[k]] -= q[k]
            if dst[k] >= 0:
                net[dst[k]] += q[k]
        for i in range(n):
            h[i] += dt * net[i] / area[i]
            if h[i] > h_max[i]:
                spilled += (h[i] - h_max[i]) * area[i]
                h[i] = h_max[i]
            elif h[i] < 0.0:
                h[i] = 0.0
            cost += dt * (h[i] - h_ref[i]) ** 2
    return cost / n_steps + 5.0 * spilled


def _tanks(size, rng):
    n = 8
    src = np.array([0, 0, 1, 2, 3, 3, 4, 5, 6, 7])
    dst = np.array([1, 2, 3, 3, 4, 5, 6, 7, -1, -1])
    area = 6.0 + 4.0 * rng.random(n)
    h_max = 3.0 + rng.random(n)
    cv = 0.4 + 0.2 * rng.random(src.shape[0])
    h_ref = 1.5 + rng.random(n)
    inflow = np.zeros((size, n))
    inflow[:, 0] = 0.5 * (1.0 + np.sin(np.arange(size) / 40.0)) + 0.2 * rng.random(size)
    inflow[:, 2] = 0.2 * rng.random(size)
    return (inflow, area, h_max, src, dst, cv, h_ref, 1.2 + 0.1 * rng.random(), 1.0)


# ----------------------------------------------------------- median filter


@numba.njit
def _insertion_median(buf, w):
    for i in range(1, w):
        key = buf[i]
        j = i - 1
        while j >= 0 and buf[j] > key:
            buf[j + 1] = buf[j]
            j -= 1
        buf[j + 1] = key
    return buf[w // 2]


def median_filter_loss(x, target, half, alpha, delta):
    """Running median over a window of 2*half+1 samples (edges replicate),
    each window sorted by insertion; Huber loss against the target plus a
    total-variation term on the filtered signal."""
    n = x.shape[0]
    w = 2 * half + 1
    buf = np.empty(w)
    y = np.empty(n)
    for i in range(n):
        for k in range(w):
            idx = i + k - half
            if idx < 0:
                idx = 0
            elif idx > n - 1:
                idx = n - 1
            buf[k] = x[idx]
        y[i] = _insertion_median(buf, w)
    loss = 0.0
    for i in range(n):
        d = abs(y[i] - target[i])
        if d <= delta:
            loss += 0.5 * d * d
        else:
            loss += delta * (d - 0.5 * delta)
        if i > 0:
            loss += alpha * abs(y[i] - y[i - 1])
    return loss / n


def _median(size, rng):
    t = np.arange(size)
    target = np.sin(t / 15.0) + (np.sin(t / 97.0) > 0.3)
    x = target + 0.2 * rng.standard_normal(size)
    spikes = rng.random(size) < 0.05
    x[spikes] += 3.0 * rng.standard_normal(spikes.sum())
    return (x, target, 3, 0.05 + 0.01 * rng.random(), 0.3)


# --------------------------------------------------------- boosted stumps


def boosted_stumps(X, y, feat, thr, left, right, base, lr, max_delta):
    """Stage-wise margins of an additive model of decision stumps (leaf
    values clipped to max_delta, as a max-delta-step booster does), with
    the logistic loss of the first half (training) and second half
    (validation) of the data after each stage.  Returns the training loss
    at the stage where the validation loss was best."""
    n = X.shape[0]
    K = feat.shape[0]
    n_tr = n // 2
    F = np.full(n, base)
    best_val = INF
    best_tr = 0.0
    for k in range(K):
        lv = min(max(left[k], -max_delta), max_delta)
        rv = min(max(right[k], -max_delta), max_delta)
        f = feat[k]
        for i in range(n):
            if X[i, f] > thr[k]:
                F[i] += lr * rv
            else:
                F[i] += lr * lv
        tr = 0.0
        val = 0.0
        for i in range(n):
            m = y[i] * F[i]
            if m > 0.0:
                l = math.log1p(math.exp(-m))
            else:
                l = -m + math.log1p(math.exp(m))
            if i < n_tr:
                tr += l
            else:
                val += l
        if val < best_val:
            best_val = val
            best_tr = tr
    return best_tr / n_tr


def _stumps(size, rng):
    d = 8
    K = 40
    X = rng.standard_normal((size, d))
    score = X[:, 0] - 0.8 * X[:, 1] + 0.5 * (X[:, 2] > 0.3) + 0.5 * rng.standard_normal(size)
    y = np.where(score > 0.0, 1.0, -1.0)
    feat = rng.integers(0, d, K)
    thr = 0.8 * rng.standard_normal(K)
    left = 0.6 * rng.standard_normal(K)
    right = 0.6 * rng.standard_normal(K)
    for k in range(K):
        if feat[k] == 0:
            left[k] -= 0.5
            right[k] += 0.5
        elif feat[k] == 1:
            left[k] += 0.5
            right[k] -= 0.5
    return (X, y, feat, thr, left, right, 0.05 * rng.standard_normal(), 0.3, 0.8)


# -------------------------------------------------------------- TV-L1 flow


@numba.njit
def _warp(I1, i, u):
    """Linear interpolation of I1 at i + u (clamped) and its slope."""
    n = I1.shape[0]
    pos = i + u
    if pos < 0.0:
        pos = 0.0
    elif pos > n - 1.0:
        pos = n - 1.0
    k = int(math.floor(pos))
    if k > n - 2:
        k = n - 2
    a = pos - k
    return (1.0 - a) * I1[k] + a * I1[k + 1], I1[k + 1] - I1[k]


def tvl1_flow_1d(I0, I1, lam, theta, tau, n_warps, n_iter):
    """Duality-based TV-L1 flow between two 1-D signals: warping with a
    linearised data term, three-case thresholding for v, projected dual
    ascent for the TV part.  Returns the TV-L1 energy of the final flow."""
    n = I0.shape[0]
    u = np.zeros(n)
    v = np.zeros(n)
    p = np.zeros(n)
    rho_c = np.empty(n)
    grad = np.empty(n)
    lt = lam * theta
    for w in range(n_warps):
        for i in range(n):
            val, g = _warp(I1, i, u[i])
            grad[i] = g
            rho_c[i] = val - g * u[i] - I0[i]
        for it in range(n_iter):
            for i in range(n):
                g = grad[i]
                g2 = g * g + 1e-9
                rho = rho_c[i] + g * u[i]
                if rho < -lt * g2:
                    v[i] = u[i] + lt * g
                elif rho > lt * g2:
                    v[i] = u[i] - lt * g
                else:
                    v[i] = u[i] - rho * g / g2
            for i in range(n):
                div = p[i]
                if i > 0:
                    div -= p[i - 1]
                u[i] = v[i] + theta * div
            for i in range(n - 1):
                pi = p[i] + tau / theta * (u[i + 1] - u[i])
                p[i] = pi / max(1.0, abs(pi))
    energy = 0.0
    for i in range(n):
        val, g = _warp(I1, i, u[i])
        energy += lam * abs(val - I0[i])
        if i < n - 1:
            energy += abs(u[i + 1] - u[i])
    return energy / n


def _flow(size, rng):
    t = np.arange(size, dtype=np.float64)
    base = np.sin(t / 3.0) + 0.5 * np.sin(t / 7.3 + 1.0) + 0.1 * rng.standard_normal(size)
    shift = 1.5 * np.sin(t / (0.2 * size + 5.0))
    I0 = base
    I1 = np.interp(t - shift, t, base) + 0.05 * rng.standard_normal(size)
    return (I0, I1, 0.5 + 0.1 * rng.random(), 0.3, 0.25, 4, 30)


# ---------------------------------------------------------- contact chain


def chain_contact(x0, y0, mass, k_spring, rest, c_spring, k_ground, c_ground, mu, g, dt, n_steps):
    """A chain of point masses joined by damped springs falls on the ground
    y = 0: penalty force k_ground * max(0, -y) with Hunt-Crossley damping
    and a friction force clipped to mu times the normal force.  Explicit Euler.
    Returns the final mean height plus kinetic energy and the largest
    normal force seen, in hundreds of body weights."""
    n = x0.shape[0]
    x = x0.copy()
    y = y0.copy()
    vx = np.zeros(n)
    vy = np.zeros(n)
    fx = np.empty(n)
    fy = np.empty(n)
    peak = 0.0
    for t in range(n_steps):
        fx[:] = 0.0
        fy[:] = -mass * g
        for i in range(n - 1):
            dx = x[i + 1] - x[i]
            dy = y[i + 1] - y[i]
            L = math.sqrt(dx * dx + dy * dy)
            rate = ((vx[i + 1] - vx[i]) * dx + (vy[i + 1] - vy[i]) * dy) / L
            f = k_spring * (L - rest) + c_spring * rate
            fx[i] += f * dx / L
            fy[i] += f * dy / L
            fx[i + 1] -= f * dx / L
            fy[i + 1] -= f * dy / L
        for i in range(n):
            pen = max(0.0, -y[i])
            if pen > 0.0:
                # Hunt-Crossley damping: grows with the penetration
                fn = max(k_ground * pen * (1.0 - c_ground * vy[i]), 0.0)
                fy[i] += fn
                ft = min(max(-50.0 * vx[i], -mu * fn), mu * fn)
                fx[i] += ft
                peak = max(peak, fn)
        for i in range(n):
            x[i] += dt * vx[i]
            y[i] += dt * vy[i]
            vx[i] += dt * fx[i] / mass
            vy[i] += dt * fy[i] / mass
    ke = 0.0
    for i in range(n):
        ke += 0.5 * mass * (vx[i] * vx[i] + vy[i] * vy[i])
    return np.mean(y) + ke + 0.01 * peak / (mass * g)


def _chain(size, rng):
    rest = 0.1
    x0 = rest * np.arange(size) + 0.01 * rng.standard_normal(size)
    y0 = 0.15 + 0.075 * np.sin(np.arange(size) * 0.7) + 0.02 * rng.random(size)
    return (x0, y0, 0.05, 400.0 + 20.0 * rng.random(), rest, 2.0, 1000.0, 5.0, 0.4, 9.81, 3e-4, 1000)


# ----------------------------------------------------------------- HVAC


@numba.njit
def _thermostat(T, on, setpoint, band):
    if T < setpoint - band:
        return 1
    elif T > setpoint + band:
        return 0
    return on


def hvac_hysteresis(t_out, solar, ua, C, q_heat, setpoint, band, price, comfort_w, substeps):
    """One-node RC buildings (conductance ua in W/K, capacity C in MJ/K)
    heated by an on/off heat pump under a hysteresis thermostat, hourly
    weather and prices over a week, sub-stepped explicitly.  The heat pump's COP falls with the outdoor
    temperature (floored).  Returns the mean electricity cost plus a
    comfort cost: squared deviation from the setpoint and a linear penalty
    below the comfort band."""
    nb = ua.shape[0]
    nh = t_out.shape[0]
    dt = 3600.0 / substeps
    total = 0.0
    for b in range(nb):
        T = setpoint
        on = 0
        for h in range(nh):
            cop = max(3.2 + 0.08 * t_out[h], 1.5)
            for s in range(substeps):
                on = _thermostat(T, on, setpoint, band)
                q = q_heat[b] * on
                dT = (ua[b] * (t_out[h] - T) + q + 4.0 * solar[h]) / (1e6 * C[b])
                T += dt * dT
                total += price[h] * q / cop * dt / 3.6e6
                dev = T - setpoint
                total += 0.05 * comfort_w * dev * dev * dt / 3600.0
                under = -COMFORT_BAND - dev
                if under > 0.0:
                    total += comfort_w * under * dt / 3600.0
    return total / nb


def _hvac(size, rng):
    nh = 168
    hour = np.arange(nh)
    t_out = 2.0 + 5.0 * np.sin(TWO_PI * (hour - 9) / 24.0) + 1.5 * rng.standard_normal(nh)
    solar = np.maximum(np.sin(TWO_PI * (hour - 6) / 24.0), 0.0) * 500.0 * rng.random(nh)
    price = np.where((hour % 24 >= 7) & (hour % 24 < 22), 0.30, 0.12)
    ua = 170.0 + 80.0 * rng.random(size)
    C = 8.0 + 4.0 * rng.random(size)
    q_heat = 6000.0 + 2000.0 * rng.random(size)
    return (t_out, solar, ua, C, q_heat, 20.5 + 0.1 * rng.random(), 0.5, price, 0.8, 10)


# ---------------------------------------------------------------- tracking


def kalman_clip(z, dt, q, r, c_gate, v_max, x0, v0):
    """Constant-velocity Kalman filter on position readings with the
    covariance in three scalars.  Innovations beyond c_gate standard
    deviations are clipped (a robust gate) and the velocity estimate is
    capped.  Returns the mean Gaussian negative log likelihood."""
    x = x0
    v = v0
    P00 = 10.0
    P01 = 0.0
    P11 = 10.0
    nll = 0.0
    n = z.shape[0]
    for t in range(n):
        x += dt * v
        P00 += dt * (2.0 * P01 + dt * P11) + q * dt ** 3 / 3.0
        P01 += dt * P11 + 0.5 * q * dt * dt
        P11 += q * dt
        S = P00 + r
        nu = z[t] - x
        lim = c_gate * math.sqrt(S)
        if nu > lim:
            nu = lim
        elif nu < -lim:
            nu = -lim
        k0 = P00 / S
        k1 = P01 / S
        x += k0 * nu
        v += k1 * nu
        P11 -= k1 * P01
        P01 -= k0 * P01
        P00 -= k0 * P00
        if v > v_max:
            v = v_max
        elif v < -v_max:
            v = -v_max
        nll += 0.5 * (math.log(TWO_PI * S) + nu * nu / S)
    return nll / n


def _kalman(size, rng):
    dt = 0.1
    acc = 0.3 * rng.standard_normal(size)
    vel = np.clip(np.cumsum(acc) * dt, -4.0, 4.0)
    pos = np.cumsum(vel) * dt
    z = pos + 0.5 * rng.standard_normal(size)
    bad = rng.random(size) < 0.03
    z[bad] += 8.0 * rng.standard_normal(bad.sum())
    return (z, dt, 0.5 + 0.1 * rng.random(), 0.25, 3.0, 3.5, 0.0, 0.0)


# ------------------------------------------------------------ sparse coding


@numba.njit
def _soft(z, t):
    if z > t:
        return z - t
    elif z < -t:
        return z + t
    else:
        return 0.0


def sparse_coding_cd(D, X, lam, n_sweeps):
    """Lasso codes of each row of X on the dictionary D by cyclic
    coordinate descent with a maintained residual.  Returns the mean lasso
    objective after n_sweeps sweeps."""
    m, k = D.shape
    ns = X.shape[0]
    norms = np.empty(k)
    for j in range(k):
        s = 0.0
        for i in range(m):
            s += D[i, j] * D[i, j]
        norms[j] = s
    z = np.zeros(k)
    res = np.empty(m)
    total = 0.0
    for s in range(ns):
        z[:] = 0.0
        for i in range(m):
            res[i] = X[s, i]
        for sweep in range(n_sweeps):
            for j in range(k):
                rho = norms[j] * z[j]
                for i in range(m):
                    rho += D[i, j] * res[i]
                znew = _soft(rho, lam) / norms[j]
                dz = znew - z[j]
                if dz != 0.0:
                    for i in range(m):
                        res[i] -= D[i, j] * dz
                    z[j] = znew
        obj = 0.0
        for i in range(m):
            obj += 0.5 * res[i] * res[i]
        for j in range(k):
            obj += lam * abs(z[j])
        total += obj
    return total / ns


def _sparse(size, rng):
    if size <= 4:
        m, k = 5, 4
    else:
        m, k = 32, 24
    D = rng.standard_normal((m, k))
    D /= np.sqrt((D * D).sum(axis=0))
    codes = rng.standard_normal((size, k)) * (rng.random((size, k)) < 0.25)
    X = codes @ D.T + 0.05 * rng.standard_normal((size, m))
    return (D, X, 0.1 + 0.02 * rng.random(), 8)


# --------------------------------------------------------------- seismology


@numba.njit
def _fsm_sweep(T, slow, h, i0, i1, di, j0, j1, dj, si, sj):
    """One Gauss-Seidel sweep of the Godunov upwind eikonal update in the
    given order; returns the largest decrease."""
    ny, nx = T.shape
    change = 0.0
    i = i0
    while i != i1:
        j = j0
        while j != j1:
            if i != si or j != sj:
                a = min(T[i - 1, j] if i > 0 else INF, T[i + 1, j] if i < ny - 1 else INF)
                b = min(T[i, j - 1] if j > 0 else INF, T[i, j + 1] if j < nx - 1 else INF)
                fh = slow[i, j] * h
                if abs(a - b) >= fh:
                    t_new = min(a, b) + fh
                else:
                    t_new = 0.5 * (a + b + math.sqrt(2.0 * fh * fh - (a - b) ** 2))
                if t_new < T[i, j]:
                    change = max(change, T[i, j] - t_new)
                    T[i, j] = t_new
            j += dj
        i += di
    return change


def eikonal_sweep(slow, h, si, sj, rec_i, rec_j, t_obs, tol, max_rounds):
    """First-arrival travel times from a point source by fast sweeping (the
    four alternating orderings, each axis forward and backward) until no
    node improves by more than tol.  Returns the squared misfit at the
    receivers."""
    ny, nx = slow.shape
    T = np.full((ny, nx), INF)
    T[si, sj] = 0.0
    for rnd in range(max_rounds):
        c = _fsm_sweep(T, slow, h, 0, ny, 1, 0, nx, 1, si, sj)
        c = max(c, _fsm_sweep(T, slow, h, ny - 1, -1, -1, 0, nx, 1, si, sj))
        c = max(c, _fsm_sweep(T, slow, h, ny - 1, -1, -1, nx - 1, -1, -1, si, sj))
        c = max(c, _fsm_sweep(T, slow, h, 0, ny, 1, nx - 1, -1, -1, si, sj))
        if c < tol:
            break
    misfit = 0.0
    for r in range(rec_i.shape[0]):
        d = T[rec_i[r], rec_j[r]] - t_obs[r]
        misfit += d * d
    return misfit


def _eikonal(size, rng):
    ny = nx = size
    depth = np.arange(ny)[:, None] / ny
    slow = 1.0 / (2.0 + 3.0 * depth) * np.ones((1, nx))
    slow *= 1.0 + 0.15 * rng.standard_normal((ny, nx))
    slow[ny // 3: ny // 2, nx // 4: nx // 2] *= 1.6
    n_rec = max(4, size // 4)
    rec_i = np.zeros(n_rec, dtype=np.int64)
    rec_j = np.linspace(0, nx - 1, n_rec).astype(np.int64)
    rec_i[n_rec // 2:] = ny - 1
    h = 10.0 / size
    t_obs = 0.5 * h * (np.abs(rec_j - nx // 2) + np.abs(rec_i - ny // 2)) * (0.9 + 0.2 * rng.random(n_rec))
    return (slow, h, ny // 2, nx // 2, rec_i, rec_j, t_obs, 1e-9, 50)


# ------------------------------------------------------------------- N-body


@numba.njit
def _accelerations(pos, mass, eps2, r_hit, acc):
    """Softened pairwise gravity (G = 1); returns 1 when two bodies come
    closer than r_hit."""
    n = pos.shape[0]
    acc[:, :] = 0.0
    hit = 0
    for i in range(n):
        for j in range(i + 1, n):
            dx = pos[j, 0] - pos[i, 0]
            dy = pos[j, 1] - pos[i, 1]
            dz = pos[j, 2] - pos[i, 2]
            r2 = dx * dx + dy * dy + dz * dz
            if r2 < r_hit * r_hit:
                hit = 1
            inv3 = 1.0 / (r2 + eps2) ** 1.5
            acc[i, 0] += mass[j] * dx * inv3
            acc[i, 1] += mass[j] * dy * inv3
            acc[i, 2] += mass[j] * dz * inv3
            acc[j, 0] -= mass[i] * dx * inv3
            acc[j, 1] -= mass[i] * dy * inv3
            acc[j, 2] -= mass[i] * dz * inv3
    return hit


@numba.njit
def _total_energy(pos, vel, mass, eps2):
    n = pos.shape[0]
    e = 0.0
    for i in range(n):
        e += 0.5 * mass[i] * (vel[i, 0] ** 2 + vel[i, 1] ** 2 + vel[i, 2] ** 2)
        for j in range(i + 1, n):
            r2 = (pos[j, 0] - pos[i, 0]) ** 2 + (pos[j, 1] - pos[i, 1]) ** 2 + (pos[j, 2] - pos[i, 2]) ** 2
            e -= mass[i] * mass[j] / math.sqrt(r2 + eps2)
    return e


def nbody_collide(pos0, vel0, mass, eps, r_hit, dt, n_steps):
    """Kick-drift-kick leapfrog of a softened self-gravitating cluster with
    a collision flag raised by close encounters.  Returns the final kinetic
    energy per body plus the relative energy error and a penalty growing
    with how early the first encounter happened."""
    n = pos0.shape[0]
    pos = pos0.copy()
    vel = vel0.copy()
    acc = np.zeros_like(pos)
    eps2 = eps * eps
    e0 = _total_energy(pos, vel, mass, eps2)
    _accelerations(pos, mass, eps2, r_hit, acc)
    first_hit = n_steps
    for t in range(n_steps):
        for i in range(n):
            for d in range(3):
                vel[i, d] += 0.5 * dt * acc[i, d]
                pos[i, d] += dt * vel[i, d]
        hit = _accelerations(pos, mass, eps2, r_hit, acc)
        for i in range(n):
            for d in range(3):
                vel[i, d] += 0.5 * dt * acc[i, d]
        if hit == 1 and first_hit == n_steps:
            first_hit = t + 1
    e1 = _total_energy(pos, vel, mass, eps2)
    ke = 0.0
    for i in range(n):
        ke += 0.5 * mass[i] * (vel[i, 0] ** 2 + vel[i, 1] ** 2 + vel[i, 2] ** 2)
    return ke / n + abs(e1 - e0) / abs(e0) + 0.01 * (n_steps - first_hit)


def _nbody(size, rng):
    pos = rng.standard_normal((size, 3))
    vel = 0.3 * rng.standard_normal((size, 3))
    mass = (0.5 + rng.random(size)) / size
    return (pos, vel, mass, 0.05, 0.04, 0.01, 100)


# ---------------------------------------------------------------- Pegasos


def pegasos_svm(X, y, order, lam, n_epochs):
    """Pegasos: stochastic subgradient steps on the hinge loss with step
    1/(lam t), each followed by the projection onto the ball of radius
    1/sqrt(lam).  Returns the primal SVM objective."""
    n, d = X.shape
    w = np.zeros(d)
    radius = 1.0 / math.sqrt(lam)
    t = 0
    for ep in range(n_epochs):
        for k in range(n):
            i = order[ep, k]
            t += 1
            eta = 1.0 / (lam * t)
            margin = 0.0
            for j in range(d):
                margin += w[j] * X[i, j]
            margin *= y[i]
            shrink = 1.0 - eta * lam
            nrm2 = 0.0
            for j in range(d):
                w[j] *= shrink
                if margin < 1.0:
                    w[j] += eta * y[i] * X[i, j]
                nrm2 += w[j] * w[j]
            nrm = math.sqrt(nrm2)
            if nrm > radius:
                for j in range(d):
                    w[j] *= radius / nrm
    obj = 0.0
    for i in range(n):
        m = 0.0
        for j in range(d):
            m += w[j] * X[i, j]
        obj += max(0.0, 1.0 - y[i] * m)
    nw = 0.0
    for j in range(d):
        nw += w[j] * w[j]
    return 0.5 * lam * nw + obj / n


def _pegasos(size, rng):
    d = 3 if size < 20 else 10
    n_epochs = 5
    X = rng.standard_normal((size, d))
    w_true = rng.standard_normal(d)
    y = np.where(X @ w_true + 0.5 * rng.standard_normal(size) > 0.0, 1.0, -1.0)
    order = np.empty((n_epochs, size), dtype=np.int64)
    for e in range(n_epochs):
        order[e] = rng.permutation(size)
    return (X, y, order, 0.05 + 0.01 * rng.random(), n_epochs)


# -------------------------------------------------------- battery tariff


def tariff_battery(load, pv, cap, p_max, eta, soc0, low, high, export_ratio, block_kwh,
                   block_adder, demand_charge):
    """A home battery under a time-of-use tariff: charge from the grid in
    cheap hours, discharge against load in expensive hours, soak up PV
    surplus otherwise, within power and energy limits.  Imports above the
    monthly block pay an adder, exports earn a fraction of the price, and
    each bill adds a demand charge on the monthly peak.  Returns the bill."""
    n = load.shape[0]
    soc = soc0 * cap
    bill = 0.0
    peak = 0.0
    used = 0.0
    for t in range(n):
        price = TOU_PRICE[t % 24]
        net = load[t] - pv[t]
        if price <= low:
            p = min(p_max, (cap - soc) / eta)
            soc += eta * p
            net += p
        elif price >= high:
            p = min(p_max, soc * eta, max(net, 0.0))
            soc -= p / eta
            net -= p
        elif net < 0.0:
            p = min(-net, p_max, (cap - soc) / eta)
            soc += eta * p
            net += p
        if net > 0.0:
            used += net
            over = min(net, max(used - block_kwh, 0.0))
            bill += price * net + block_adder * over
            peak = max(peak, net)
        else:
            bill += export_ratio * price * net
        if (t + 1) % HOURS_PER_BILL == 0:
            bill += demand_charge * peak
            peak = 0.0
            used = 0.0
    return bill + demand_charge * peak


def _tariff(size, rng):
    hour = np.arange(size) % 24
    load = 0.4 + 0.8 * rng.random(size) + 1.2 * ((hour >= 17) & (hour < 22))
    pv = np.maximum(np.sin(TWO_PI * (hour - 6) / 24.0), 0.0) * 4.0 * (0.5 + 0.5 * rng.random(size))
    return (load, pv, 10.0 + rng.random(), 3.0 + 0.3 * rng.random(), 0.95, 0.5, 0.1, 0.3, 0.4,
            min(400.0, 8.0 * size / 24.0), 0.05, 8.0)


# ------------------------------------------------------- queue + inventory


def lindley_queue(inter, serv, demand, arr_rate, mu, Q, r_point, lead, h_cost, k_order,
                  short_pen, target, late_pen, server_cost):
    """Single server queue by the Lindley recursion W' = max(0, W + S - A);
    every customer takes stock from a continuous-review (r, Q) inventory
    with a fixed lead time, shortfalls lost at a penalty.  Returns cost per
    unit time: holding, ordering, shortage, server capacity, plus a
    service-level penalty on waits beyond the target."""
    n = inter.shape[0]
    W = 0.0
    s_prev = 0.0
    inv = Q + r_point
    pipeline = 0.0
    due = 0.0
    clock = 0.0
    cost = 0.0
    late = 0.0
    for i in range(n):
        a = inter[i] / arr_rate
        clock += a
        W = max(0.0, W + s_prev - a)
        s_prev = serv[i] / mu
        cost += h_cost * inv * a
        if pipeline > 0.0 and clock >= due:
            inv += pipeline
            pipeline = 0.0
        d = demand[i]
        if inv >= d:
            inv -= d
        else:
            cost += short_pen * (d - inv)
            inv = 0.0
        if inv <= r_point and pipeline == 0.0:
            pipeline = Q
            due = clock + lead
            cost += k_order
        excess = W - target
        if excess > 0.0:
            late += excess * excess
    return cost / clock + server_cost * mu + late_pen * late / n


def _queue(size, rng):
    inter = rng.exponential(1.0, size)
    serv = rng.exponential(1.0, size)
    demand = rng.gamma(2.0, 0.5, size)
    return (inter, serv, demand, 0.8, 1.0 + 0.05 * rng.random(), 40.0 + rng.random(), 12.0 + rng.random(),
            6.0, 0.02, 5.0, 2.0, 2.0, 0.5, 0.3)


# ----------------------------------------------------------------- registry

PROGRAMS = {
    "lj_cutoff": Program(lj_cutoff, ("pos", "sigma", "eps"), _lj, 3, 11),
    "elo_glicko": Program(elo_glicko, ("r0", "k_base", "max_step", "rd_floor"), _elo, 40, 200000),
    "value_iteration": Program(value_iteration, ("R", "gamma"), _mdp, 4, 70),
    "irls_robust": Program(irls_robust, ("y", "c_huber", "c_tukey"), _irls, 14, 60000),
    "wind_wake": Program(wind_wake, ("x", "y", "k_wake", "ct"), _wind, 4, 220),
    "pv_mppt": Program(pv_mppt, ("irr", "isc", "dv", "v_start"), _pv, 200, 400000),
    "glacier_mb": Program(glacier_mb, ("t_station", "lapse", "ddf_snow", "ddf_ice", "p_corr"),
                          _glacier, 60, 60000),
    "tank_network": Program(tank_network, ("area", "cv", "h_ref", "kp"), _tanks, 60, 100000),
    "median_filter_loss": Program(median_filter_loss, ("x", "alpha"), _median, 30, 200000),
    "boosted_stumps": Program(boosted_stumps, ("left", "right", "base"), _stumps, 40, 10000),
    "tvl1_flow_1d": Program(tvl1_flow_1d, ("I0", "I1", "lam"), _flow, 16, 10000),
    "chain_contact": Program(chain_contact, ("x0", "y0", "k_spring", "k_ground"), _chain, 4, 1000),
    "hvac_hysteresis": Program(hvac_hysteresis, ("t_out", "ua", "C", "setpoint", "comfort_w"), _hvac, 2, 450),
    "kalman_clip": Program(kalman_clip, ("z", "q", "r", "c_gate"), _kalman, 40, 300000),
    "sparse_coding_cd": Program(sparse_coding_cd, ("D", "X", "lam"), _sparse, 2, 600),
    "eikonal_sweep": Program(eikonal_sweep, ("slow",), _eikonal, 6, 200),
    "nbody_collide": Program(nbody_collide, ("pos0", "vel0", "mass"), _nbody, 4, 80),
    "pegasos_svm": Program(pegasos_svm, ("X", "lam"), _pegasos, 10, 40000),
    "tariff_battery": Program(tariff_battery, ("load", "pv", "cap", "p_max"), _tariff, 72, 500000),
    "lindley_queue": Program(lindley_queue, ("mu", "Q", "r_point", "target"), _queue, 60, 500000),
}
