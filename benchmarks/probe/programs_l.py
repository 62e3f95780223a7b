"""Probe corpus L: nonsmooth numerical programs in the style of Numba code
from research repositories and engineering tools on diabetes technology,
vehicle automation, electricity distribution, photovoltaics, fixed-income
derivatives, market microstructure, sports analytics, irrigation
agronomy, geometry processing, nonparametric statistics, sparse
regression, weakly supervised learning, artificial life, biomedical
signal processing, content-aware image resizing, water distribution,
radiotherapy planning, game-playing search, vehicle routing and polar
climate: a closed-loop insulin pump on the Bergman minimal model with an
insulin-on-board cap and a low-glucose suspend ramp, a platoon of
intelligent-driver-model cars through a work zone with emergency-braking
saturation, a radial feeder solved by DistFlow backward/forward sweeps
with Volt-VAR inverters, the maximum power point of partially shaded PV
strings with bypass diodes found by a coarse scan and golden-section
search, a callable and puttable convertible bond on a binomial tree,
Avellaneda-Stoikov market making with inventory caps and a drawdown
penalty, Massey ratings from capped margins by Gauss-Seidel, an FAO-56
soil-water balance with stress coefficient and deficit irrigation,
Ericson's closest point on a triangle mesh with bounding-sphere culling,
Abramson adaptive Epanechnikov kernel density with leave-one-out
likelihood, elastic-net coordinate descent scored on a validation set,
multiple-instance learning on CSR features with a top-two bag score and
a ramp loss, a Lenia continuous cellular automaton, Pan-Tompkins QRS
detection with adaptive thresholds and a refractory period, seam carving
by dynamic programming, Hardy Cross loop balancing of a pipe grid with
check valves, projected-gradient beamlet fluence optimisation, depth-3
alpha-beta search over a learned evaluation, time-windowed vehicle routes
with a 2-opt gain probe and a Semtner zero-layer sea-ice column.

The programs are written with explicit loops over 1-D, 2-D and 3-D numpy
arrays (nested loops, backward ``range(n - 1, -1, -1)`` loops, triangular
loops, ``while`` loops with a tolerance and an iteration cap, ``break``,
``continue``, early returns) and some whole-array numpy (``np.dot``,
``@``, ``np.sum``, ``np.mean``, ``np.maximum``, ``np.clip``, ``np.abs``,
``np.cumsum``, slicing, ``np.zeros``/``np.empty``/``.copy()``).  They use
module-level ``@numba.njit`` helpers (some return tuples, some write into
arrays passed to them, some have early returns), module-level constants,
integer index arrays (tree parents, game lists built into CSR form inside
the program, CSR feature rows, bag and route offsets, mesh faces, loop
tables, spanning-tree orders, meal times), boolean masks and integer
parameters.  The nonsmoothness comes from max/min/abs/clip, saturations,
threshold rules with ramps, piecewise-linear curves, argmax and argmin
selection with back-pointers, search cutoffs, Voronoi-region branches,
projections, hinge and ramp losses, and soft thresholding.  Each returns
one float.  Written once and not edited to suit nsadc.

Each entry of ``PROGRAMS``: name -> Program(fn, wrt, args(size, rng),
small, big) where ``small`` is the size of the correctness check and ``big``
the size of the timing."""

import math

import numba
import numpy as np

from benchmarks.probe.programs import Program

# ----------------------------------------------------------------- constants

INF = 1e300

# Bergman minimal model (per-minute rates), 70 kg adult
GLU_BASAL = 90.0         # mg/dL
INS_BASAL = 10.0         # mU/L
GLU_P1 = 0.028
GLU_P2 = 0.025
GLU_P3 = 1.3e-5
INS_N = 0.09
INS_VOL = 12.0           # L
GLU_VOL = 1.7            # dL/kg
BODY_W = 70.0
GUT_KA = 0.025
PUMP_MAX = 40.0          # mU/min
IOB_TAU = 120.0          # min
IOB_GAIN = 0.02
SUSPEND_LO = 75.0
SUSPEND_RAMP = 20.0

# intelligent driver model
V_FREE = 30.0
V_ZONE = 16.0
ZONE_A = 800.0
ZONE_B = 1300.0
TAPER = 100.0
CAR_LEN = 5.0
GAP_FLOOR = 0.5
B_EMERG = 9.0

# Volt-VAR curve breakpoints (per unit)
VV_V1 = 0.95
VV_V2 = 0.98
VV_V3 = 1.02
VV_V4 = 1.05
PF_CAP = 0.95
V_HI = 1.05
V_LO = 0.95
VIOL_W = 200.0

# photovoltaic module (60 cells)
PV_ISC = 9.0
PV_NVT = 1.85
PV_I0 = 1e-8
PV_RSH = 5.0
PV_VBYPASS = 0.5
GOLDEN = 0.6180339887498949

# FAO-56 crop coefficient stages (fractions of the season)
KC_F1 = 0.15
KC_F2 = 0.40
KC_F3 = 0.75
INFIL_CAP = 35.0
LEACH_PRICE = 0.02

# pipes
HW_EXP = 0.852
VALVE_K = 50.0
PRESSURE_W = 10.0

# radiotherapy
HOT = 1.07
MEAN_W = 0.2

# sea ice (SI units, 5-day steps)
SIGMA_SB = 5.67e-8
EMISS = 0.98
T_FREEZE = 271.2
T_MELT = 273.15
K_ICE = 2.03
K_SNOW = 0.31
RHO_I = 917.0
RHO_S = 330.0
RHO_W = 1025.0
L_FUS = 334000.0
C_ML = 1025.0 * 3990.0 * 30.0
C_H = 15.0
A_OCEAN = 0.07
DT_ICE = 5.0 * 86400.0
NEWTON_IT = 6


# ================================================== 1. insulin pump (artificial pancreas)

def glucose_pump(meal_t, meal_g, g0, kp, ki, kd, g_target, i_lim, iob_max, n_steps):
    u_basal = INS_N * INS_BASAL * INS_VOL
    decay = math.exp(-1.0 / IOB_TAU)
    G = g0
    X = 0.0
    I = INS_BASAL
    q1 = 0.0
    q2 = 0.0
    integ = 0.0
    g_prev = g0
    iob = 0.0
    k = 0
    n_meal = meal_t.shape[0]
    hypo = 0.0
    hyper = 0.0
    dev = 0.0
    insulin = 0.0
    for t in range(n_steps):
        while k < n_meal and meal_t[k] <= t:
            q1 += 1000.0 * meal_g[k]
            k += 1
        # PID on glucose with a clamped integrator
        err = G - g_target
        integ = min(max(integ + err, -i_lim), i_lim)
        u = u_basal + kp * err + ki * integ + kd * (G - g_prev)
        if u < 0.0:
            u = 0.0
        elif u > PUMP_MAX:
            u = PUMP_MAX
        # insulin-on-board safety cap
        u_cap = u_basal + max(iob_max - iob, 0.0) * IOB_GAIN
        u = min(u, u_cap)
        # predictive low-glucose suspend, ramped
        ramp = (G - SUSPEND_LO) / SUSPEND_RAMP
        if ramp < 1.0:
            u = u * max(ramp, 0.0)
        iob = decay * iob + (u - u_basal)
        insulin += u
        # gut absorption (two compartments) and glucose kinetics
        ra = GUT_KA * q2 / (GLU_VOL * BODY_W)
        dq1 = -GUT_KA * q1
        dq2 = GUT_KA * (q1 - q2)
        dG = -(GLU_P1 + X) * G + GLU_P1 * GLU_BASAL + ra
        dX = -GLU_P2 * X + GLU_P3 * (I - INS_BASAL)
        dI = -INS_N * I + u / INS_VOL
        g_prev = G
        G += dG
        X += dX
        I += dI
        q1 += dq1
        q2 += dq2
        # risk bookkeeping
        lo = max(70.0 - G, 0.0)
        hi = max(G - 180.0, 0.0)
        hypo += lo * lo
        hyper += hi * hi
        dev += abs(G - 110.0)
    return (5.0 * hypo + hyper) / n_steps + 0.01 * dev / n_steps + 1e-4 * insulin / n_steps


def _glucose(n, rng):
    n_meal = max(2, n // 300)
    gaps = rng.integers(200, 400, n_meal)
    meal_t = (np.cumsum(gaps) - gaps[0] + rng.integers(20, 120)).astype(np.int64)
    meal_t = meal_t[meal_t < n]
    meal_g = rng.uniform(20.0, 90.0, meal_t.shape[0])
    return (meal_t, meal_g, 100.0 + 20.0 * rng.random(), 0.8 + 0.1 * rng.random(),
            0.0025 + 0.0005 * rng.random(), 5.0 + rng.random(), 110.0 + 5.0 * rng.random(),
            4000.0 + 100.0 * rng.random(), 2500.0 + 100.0 * rng.random(), n)


# ================================================== 2. IDM platoon through a work zone

@numba.njit
def _idm_accel(v, v_front, gap, a_max, b_comf, t_head, s0, v_des):
    s_star = s0 + max(0.0, v * t_head + v * (v - v_front) / (2.0 * math.sqrt(a_max * b_comf)))
    acc = a_max * (1.0 - (v / v_des) ** 4 - (s_star / gap) ** 2)
    return max(acc, -B_EMERG)


@numba.njit
def _speed_limit(x):
    if x < ZONE_A - TAPER:
        return V_FREE
    elif x < ZONE_A:
        return V_FREE - (V_FREE - V_ZONE) * (x - (ZONE_A - TAPER)) / TAPER
    elif x <= ZONE_B:
        return V_ZONE
    elif x < ZONE_B + TAPER:
        return V_ZONE + (V_FREE - V_ZONE) * (x - ZONE_B) / TAPER
    return V_FREE


@numba.njit
def _platoon_accels(x, v, a_max, b_comf, t_head, s0, acc):
    n = x.shape[0]
    for i in range(1, n):
        gap = max(x[i - 1] - x[i] - CAR_LEN, GAP_FLOOR)
        acc[i] = _idm_accel(v[i], v[i - 1], gap, a_max, b_comf, t_head, s0, _speed_limit(x[i]))


def idm_platoon(v_lead, x_init, v_init, a_max, b_comf, t_head, s0, dt):
    n_t = v_lead.shape[0]
    n = x_init.shape[0]
    x = x_init.copy()
    v = v_init.copy()
    acc = np.zeros(n)
    acc_old = np.zeros(n)
    jerk = 0.0
    unsafe = 0.0
    for t in range(n_t):
        _platoon_accels(x, v, a_max, b_comf, t_head, s0, acc)
        acc[0] = (v_lead[t] - v[0]) / dt
        for i in range(n):
            v_new = max(v[i] + acc[i] * dt, 0.0)
            x[i] += 0.5 * (v[i] + v_new) * dt
            v[i] = v_new
        for i in range(1, n):
            jerk += abs(acc[i] - acc_old[i])
            gap = x[i - 1] - x[i] - CAR_LEN
            short = s0 + 1.2 * v[i] - gap
            if short > 0.0:
                unsafe += short * short
        acc_old[:] = acc
    delay = 0.0
    for i in range(n):
        delay += V_FREE * n_t * dt - (x[i] - x_init[i])
    return delay / (n * n_t * dt) + 0.05 * jerk / (n * n_t) + unsafe / n_t


def _idm(n, rng):
    n_car = 12
    z = np.cumsum(0.08 * rng.standard_normal(n))
    z -= 0.6 * np.exp(-((np.arange(n) - 0.5 * n) / (0.05 * n + 1.0)) ** 2)
    v_lead = 3.0 + 28.0 / (1.0 + np.exp(-(1.5 + z)))
    x_init = 650.0 - 30.0 * np.arange(n_car) + 3.0 * rng.standard_normal(n_car)
    v_init = 24.0 + rng.random(n_car)
    return (v_lead, x_init, v_init, 1.4 + 0.2 * rng.random(), 2.0 + 0.2 * rng.random(),
            1.5 + 0.1 * rng.random(), 2.0 + 0.2 * rng.random(), 0.1)


# ================================================== 3. radial feeder with Volt-VAR inverters

@numba.njit
def _voltvar(v, q_avail):
    if v < VV_V1:
        return q_avail
    elif v < VV_V2:
        return q_avail * (VV_V2 - v) / (VV_V2 - VV_V1)
    elif v <= VV_V3:
        return 0.0
    elif v < VV_V4:
        return -q_avail * (v - VV_V3) / (VV_V4 - VV_V3)
    return -q_avail


def feeder_voltvar(parent, r, x, p_load, q_load, pv_bus, pv, s_inv, v_sub, q_damp, tol, max_iter):
    nb = parent.shape[0]
    n_pv = pv_bus.shape[0]
    W = np.full(nb, v_sub * v_sub)
    p_inj = np.zeros(nb)
    q_av = np.zeros(nb)
    for k in range(n_pv):
        b = pv_bus[k]
        p_out = min(pv[k], PF_CAP * s_inv[k])     # active power curtailed at the inverter rating
        p_inj[b] += p_out
        q_av[b] += math.sqrt(s_inv[k] * s_inv[k] - p_out * p_out)
    q_inj = np.zeros(nb)
    Ps = np.zeros(nb)
    Qs = np.zeros(nb)
    it = 0
    err = INF
    while err > tol and it < max_iter:
        Ps[:] = 0.0
        Qs[:] = 0.0
        # backward sweep: children have larger indices than their parent
        for i in range(nb - 1, 0, -1):
            p = Ps[i] + p_load[i] - p_inj[i]
            q = Qs[i] + q_load[i] - q_inj[i]
            l2 = (p * p + q * q) / W[i]
            Ps[i] = p + r[i] * l2
            Qs[i] = q + x[i] * l2
            Ps[parent[i]] += Ps[i]
            Qs[parent[i]] += Qs[i]
        # forward sweep on squared voltages (DistFlow)
        err = 0.0
        for i in range(1, nb):
            k = parent[i]
            w_new = (W[k] - 2.0 * (r[i] * Ps[i] + x[i] * Qs[i])
                     + (r[i] * r[i] + x[i] * x[i]) * (Ps[i] * Ps[i] + Qs[i] * Qs[i]) / W[k])
            err = max(err, abs(w_new - W[i]))
            W[i] = w_new
        # damped Volt-VAR response
        for i in range(1, nb):
            if q_av[i] > 0.0:
                dq = q_damp * (_voltvar(math.sqrt(W[i]), q_av[i]) - q_inj[i])
                q_inj[i] += dq
                err = max(err, abs(dq))
        it += 1
    viol = 0.0
    for i in range(1, nb):
        vm = math.sqrt(W[i])
        if vm > V_HI:
            viol += (vm - V_HI) ** 2
        elif vm < V_LO:
            viol += (V_LO - vm) ** 2
    return Ps[0] + VIOL_W * viol


def _feeder(nb, rng):
    parent = np.zeros(nb, dtype=np.int64)
    for i in range(1, nb):
        parent[i] = rng.integers(max(0, i - 4), i)
    r = (1.6 / nb) * rng.uniform(0.5, 1.5, nb)
    x = 0.8 * r * rng.uniform(0.8, 1.2, nb)
    p_load = rng.uniform(0.5, 1.5, nb) / nb
    q_load = 0.4 * p_load * rng.uniform(0.8, 1.2, nb)
    n_pv = max(3, nb // 3)
    pv_bus = np.sort(rng.choice(np.arange(1, nb), n_pv, replace=False)).astype(np.int64)
    s_inv = rng.uniform(3.0, 6.0, n_pv) / nb
    pv = s_inv * rng.uniform(0.6, 1.1, n_pv)
    return (parent, r, x, p_load, q_load, pv_bus, pv, s_inv, 1.0 + 0.03 * rng.random(), 0.2, 1e-13, 300)


# ================================================== 4. shaded PV strings, MPPT

@numba.njit
def _module_voltage(i, iph, rs):
    if i < iph:
        v = PV_NVT * math.log((iph - i) / PV_I0 + 1.0) - i * rs
    else:
        v = -(i - iph) * PV_RSH - i * rs
    return max(v, -PV_VBYPASS)


@numba.njit
def _string_power(i, irr, s, rs):
    v = 0.0
    for k in range(irr.shape[1]):
        v += _module_voltage(i, PV_ISC * irr[s, k], rs)
    return i * v


def pv_string_mpp(irr, rs, n_grid, n_golden):
    n_str = irr.shape[0]
    total = 0.0
    worst = INF
    for s in range(n_str):
        i_hi = 1.02 * PV_ISC * np.max(irr[s])
        best_p = -INF
        best_k = 1
        for k in range(1, n_grid):
            p = _string_power(i_hi * k / n_grid, irr, s, rs)
            if p > best_p:
                best_p = p
                best_k = k
        a = i_hi * (best_k - 1) / n_grid
        b = i_hi * (best_k + 1) / n_grid
        c = b - GOLDEN * (b - a)
        d = a + GOLDEN * (b - a)
        fc = _string_power(c, irr, s, rs)
        fd = _string_power(d, irr, s, rs)
        for it in range(n_golden):
            if fc > fd:
                b = d
                d = c
                fd = fc
                c = b - GOLDEN * (b - a)
                fc = _string_power(c, irr, s, rs)
            else:
                a = c
                c = d
                fc = fd
                d = a + GOLDEN * (b - a)
                fd = _string_power(d, irr, s, rs)
        p_mpp = max(fc, fd)
        total += p_mpp
        worst = min(worst, p_mpp)
    return total / n_str + 0.2 * worst


def _pv(n_str, rng):
    n_mod = 12
    irr = 0.75 + 0.25 * rng.random((n_str, n_mod))
    shade = rng.random((n_str, n_mod)) < 0.25
    irr[shade] *= rng.uniform(0.2, 0.7, int(shade.sum()))
    return (irr, 0.25 + 0.1 * rng.random(), 60, 60)


# ================================================== 5. convertible bond on a binomial tree

def convertible_bond(S0, sigma, r, spread, T, face, coupon, cpn_every, conv_ratio, call_px, put_px,
                     n_steps, call_start, put_step):
    dt = T / n_steps
    h = sigma * math.sqrt(dt)
    u = math.exp(h)
    d = 1.0 / u
    p = (math.exp(r * dt) - d) / (u - d)
    disc = math.exp(-(r + spread) * dt)
    V = np.empty(n_steps + 1)
    for j in range(n_steps + 1):
        S = S0 * math.exp(h * (n_steps - 2 * j))
        V[j] = max(face + coupon, conv_ratio * S)
    for i in range(n_steps - 1, -1, -1):
        cpn = coupon if (i > 0 and i % cpn_every == 0) else 0.0
        for j in range(i + 1):
            conv = conv_ratio * S0 * math.exp(h * (i - 2 * j))
            hold = disc * (p * V[j] + (1.0 - p) * V[j + 1]) + cpn
            if i == put_step:
                hold = max(hold, put_px)
            if i >= call_start:
                hold = min(hold, max(call_px, conv))
            V[j] = max(hold, conv)
    return V[0]


def _convertible(n, rng):
    return (95.0 + 10.0 * rng.random(), 0.3 + 0.05 * rng.random(), 0.03 + 0.01 * rng.random(),
            0.02 + 0.01 * rng.random(), 5.0, 100.0, 2.5, max(1, n // 10), 0.9 + 0.05 * rng.random(),
            112.0 + 3.0 * rng.random(), 101.0 + 2.0 * rng.random(), n, int(0.3 * n), int(0.55 * n))


# ================================================== 6. market making with inventory caps

def mm_inventory_caps(dmid, flow_b, flow_a, mid0, sigma, gamma, kappa, intensity, q_max, tick, dt, day_len,
                      liq_pen, dd_w):
    n = dmid.shape[0]
    s2 = sigma * sigma
    mid = mid0
    q = 0.0
    cash = 0.0
    peak = -INF
    max_dd = 0.0
    for t in range(n):
        tau = (day_len - t % day_len) * dt
        res = mid - q * gamma * s2 * tau
        half = max(0.5 * gamma * s2 * tau + math.log(1.0 + gamma / kappa) / gamma, tick)
        bid = res - half
        ask = res + half
        buy = min(flow_b[t] * intensity * math.exp(-kappa * max(mid - bid, 0.0)) * dt, q_max - q)
        sell = min(flow_a[t] * intensity * math.exp(-kappa * max(ask - mid, 0.0)) * dt, q_max + q)
        q += buy - sell
        cash += sell * ask - buy * bid
        mid += dmid[t]
        pnl = cash + q * mid
        if pnl > peak:
            peak = pnl
        elif peak - pnl > max_dd:
            max_dd = peak - pnl
    return cash + q * mid - liq_pen * q * q - dd_w * max_dd


def _mm(n, rng):
    dt = 0.005
    sigma = 2.0
    dmid = sigma * math.sqrt(dt) * rng.standard_normal(n)
    flow_b = rng.exponential(1.0, n)
    flow_a = rng.exponential(1.0, n)
    return (dmid, flow_b, flow_a, 100.0, sigma, 0.02 + 0.005 * rng.random(), 1.5 + 0.1 * rng.random(),
            140.0 + 10.0 * rng.random(), 2.0 + 0.5 * rng.random(), 0.01, dt, 2000, 0.05, 0.5)


# ================================================== 7. Massey ratings with capped margins

def massey_capped(home, away, margin, test_home, test_away, test_margin, n_teams, cap, hfa, ridge,
                  tol, max_sweeps):
    n_games = home.shape[0]
    # team -> games incidence in CSR form
    deg = np.zeros(n_teams + 1, dtype=np.int64)
    for g in range(n_games):
        deg[home[g] + 1] += 1
        deg[away[g] + 1] += 1
    ptr = np.cumsum(deg)
    fill = ptr[:-1].copy()
    games = np.empty(2 * n_games, dtype=np.int64)
    for g in range(n_games):
        games[fill[home[g]]] = g
        fill[home[g]] += 1
        games[fill[away[g]]] = g
        fill[away[g]] += 1
    m = np.empty(n_games)
    for g in range(n_games):
        m[g] = min(max(margin[g] - hfa, -cap), cap)
    rating = np.zeros(n_teams)
    sweep = 0
    delta = INF
    while delta > tol and sweep < max_sweeps:
        delta = 0.0
        for t in range(n_teams):
            acc = 0.0
            for k in range(ptr[t], ptr[t + 1]):
                g = games[k]
                if home[g] == t:
                    acc += rating[away[g]] + m[g]
                else:
                    acc += rating[home[g]] - m[g]
            new = acc / (ptr[t + 1] - ptr[t] + ridge)
            delta = max(delta, abs(new - rating[t]))
            rating[t] = new
        rating -= np.mean(rating)
        sweep += 1
    loss = 0.0
    n_test = test_home.shape[0]
    for g in range(n_test):
        pred = rating[test_home[g]] - rating[test_away[g]] + hfa
        y = test_margin[g]
        sgn = 1.0 if y > 0.0 else -1.0
        loss += abs(pred - y) + 5.0 * max(0.0, 1.0 - sgn * pred / 3.0)
    return loss / n_test


def _massey(n_games, rng):
    n_teams = max(12, n_games // 10)
    strength = 8.0 * rng.standard_normal(n_teams)

    def games(k):
        h = rng.integers(0, n_teams, k)
        a = (h + rng.integers(1, n_teams, k)) % n_teams
        mg = strength[h] - strength[a] + 3.0 + 12.0 * rng.standard_normal(k)
        return h.astype(np.int64), a.astype(np.int64), mg

    home, away, margin = games(n_games)
    th, ta, tm = games(max(10, n_games // 4))
    return (home, away, margin, th, ta, tm, n_teams, 20.0 + rng.random(), 2.5 + rng.random(), 1.0, 1e-12, 500)


# ================================================== 8. FAO-56 water balance with deficit irrigation

@numba.njit
def _kc_curve(day, n_days, kc_ini, kc_mid, kc_end):
    f = day / n_days
    if f < KC_F1:
        return kc_ini
    elif f < KC_F2:
        return kc_ini + (kc_mid - kc_ini) * (f - KC_F1) / (KC_F2 - KC_F1)
    elif f < KC_F3:
        return kc_mid
    return kc_mid + (kc_end - kc_mid) * (f - KC_F3) / (1.0 - KC_F3)


@numba.njit
def _field_day(dr, taw, p_dep, et0, rain, kc, irr_cap, trigger):
    """One day of the root-zone balance: new depletion, actual ET, crop ET, irrigation, percolation."""
    raw = p_dep * taw
    if dr <= raw:
        ks = 1.0
    else:
        ks = (taw - dr) / ((1.0 - p_dep) * taw)
    etc = kc * et0
    eta = ks * etc
    pe = min(rain, 0.8 * rain + 2.0)
    runoff = max(pe - INFIL_CAP, 0.0)
    irr = min(max(dr - trigger * raw, 0.0), irr_cap)
    dr_new = dr - (pe - runoff) - irr + eta
    dp = 0.0
    if dr_new < 0.0:
        dp = -dr_new
        dr_new = 0.0
    elif dr_new > taw:
        dr_new = taw
    return dr_new, eta, etc, irr, dp


def fao56_irrigation(et0, rain, taw, trigger, p_dep, kc_ini, kc_mid, kc_end, ky, irr_cap,
                     water_price, crop_price):
    n_days = et0.shape[0]
    n_f = taw.shape[0]
    dr = 0.3 * taw
    eta_sum = np.zeros(n_f)
    etc_sum = np.zeros(n_f)
    irr_sum = 0.0
    dp_sum = 0.0
    for day in range(n_days):
        kc = _kc_curve(day, n_days, kc_ini, kc_mid, kc_end)
        for f in range(n_f):
            d_new, eta, etc, irr, dp = _field_day(dr[f], taw[f], p_dep, et0[day], rain[day], kc,
                                                  irr_cap, trigger[f])
            dr[f] = d_new
            eta_sum[f] += eta
            etc_sum[f] += etc
            irr_sum += irr
            dp_sum += dp
    rel_yield = np.maximum(1.0 - ky * (1.0 - eta_sum / etc_sum), 0.0)
    return (crop_price * np.sum(rel_yield) - water_price * irr_sum - LEACH_PRICE * dp_sum) / n_f


def _fao56(n, rng):
    n_f = 8
    t = np.arange(n)
    et0 = 4.0 + 2.5 * np.sin(np.pi * t / n) + 0.6 * rng.standard_normal(n)
    wet = rng.random(n) < 0.2
    rain = np.where(wet, rng.gamma(0.9, 14.0, n), 0.0)
    taw = rng.uniform(80.0, 160.0, n_f)
    trigger = rng.uniform(0.3, 1.3, n_f)
    return (et0, rain, taw, trigger, 0.5 + 0.05 * rng.random(), 0.35, 1.15 + 0.05 * rng.random(), 0.45,
            1.1 + 0.1 * rng.random(), 25.0, 0.001, 1.0)


# ================================================== 9. closest points on a triangle mesh

@numba.njit
def _closest_on_triangle(px, py, pz, ax, ay, az, bx, by, bz, cx, cy, cz):
    """Ericson, Real-Time Collision Detection, 5.1.5: Voronoi regions of the triangle."""
    abx, aby, abz = bx - ax, by - ay, bz - az
    acx, acy, acz = cx - ax, cy - ay, cz - az
    apx, apy, apz = px - ax, py - ay, pz - az
    d1 = abx * apx + aby * apy + abz * apz
    d2 = acx * apx + acy * apy + acz * apz
    if d1 <= 0.0 and d2 <= 0.0:
        return ax, ay, az
    bpx, bpy, bpz = px - bx, py - by, pz - bz
    d3 = abx * bpx + aby * bpy + abz * bpz
    d4 = acx * bpx + acy * bpy + acz * bpz
    if d3 >= 0.0 and d4 <= d3:
        return bx, by, bz
    vc = d1 * d4 - d3 * d2
    if vc <= 0.0 and d1 >= 0.0 and d3 <= 0.0:
        v = d1 / (d1 - d3)
        return ax + v * abx, ay + v * aby, az + v * abz
    cpx, cpy, cpz = px - cx, py - cy, pz - cz
    d5 = abx * cpx + aby * cpy + abz * cpz
    d6 = acx * cpx + acy * cpy + acz * cpz
    if d6 >= 0.0 and d5 <= d6:
        return cx, cy, cz
    vb = d5 * d2 - d1 * d6
    if vb <= 0.0 and d2 >= 0.0 and d6 <= 0.0:
        w = d2 / (d2 - d6)
        return ax + w * acx, ay + w * acy, az + w * acz
    va = d3 * d6 - d5 * d4
    if va <= 0.0 and (d4 - d3) >= 0.0 and (d5 - d6) >= 0.0:
        w = (d4 - d3) / ((d4 - d3) + (d5 - d6))
        return bx + w * (cx - bx), by + w * (cy - by), bz + w * (cz - bz)
    denom = 1.0 / (va + vb + vc)
    v = vb * denom
    w = vc * denom
    return ax + abx * v + acx * w, ay + aby * v + acy * w, az + abz * v + acz * w


def mesh_closest_point(pts, V, F, cap):
    n_p = pts.shape[0]
    n_f = F.shape[0]
    cen = np.zeros((n_f, 3))
    rad = np.zeros(n_f)
    for f in range(n_f):
        for k in range(3):
            cen[f] += V[F[f, k]] / 3.0
        for k in range(3):
            dx = V[F[f, k], 0] - cen[f, 0]
            dy = V[F[f, k], 1] - cen[f, 1]
            dz = V[F[f, k], 2] - cen[f, 2]
            rad[f] = max(rad[f], math.sqrt(dx * dx + dy * dy + dz * dz))
    total = 0.0
    for i in range(n_p):
        px, py, pz = pts[i, 0], pts[i, 1], pts[i, 2]
        best = INF
        for f in range(n_f):
            ex = px - cen[f, 0]
            ey = py - cen[f, 1]
            ez = pz - cen[f, 2]
            lb = math.sqrt(ex * ex + ey * ey + ez * ez) - rad[f]
            if lb > 0.0 and lb * lb >= best:
                continue
            a, b, c = F[f, 0], F[f, 1], F[f, 2]
            qx, qy, qz = _closest_on_triangle(px, py, pz, V[a, 0], V[a, 1], V[a, 2],
                                              V[b, 0], V[b, 1], V[b, 2], V[c, 0], V[c, 1], V[c, 2])
            d2 = (px - qx) ** 2 + (py - qy) ** 2 + (pz - qz) ** 2
            best = min(best, d2)
        total += min(math.sqrt(best), cap)
    return total / n_p


def _mesh(n_p, rng):
    g = 5
    u, v = np.meshgrid(np.linspace(0.0, 1.0, g), np.linspace(0.0, 1.0, g), indexing="ij")
    V = np.column_stack([u.ravel(), v.ravel(), 0.15 * np.sin(3.0 * u.ravel() + 2.0 * v.ravel())])
    V += 0.03 * rng.standard_normal(V.shape)
    faces = []
    for i in range(g - 1):
        for j in range(g - 1):
            a = i * g + j
            faces.append((a, a + g, a + 1))
            faces.append((a + 1, a + g, a + g + 1))
    F = np.array(faces, dtype=np.int64)
    pts = np.column_stack([rng.uniform(-0.2, 1.2, n_p), rng.uniform(-0.2, 1.2, n_p), rng.uniform(-0.4, 0.4, n_p)])
    return (pts, V, F, 0.25 + 0.02 * rng.random())


# ================================================== 10. adaptive Epanechnikov KDE, leave-one-out

def kde_adaptive_loo(x, h, alpha, floor, clip_lo, clip_hi):
    n = x.shape[0]
    # pass 1: fixed-bandwidth pilot (x is sorted ascending)
    pilot = np.empty(n)
    for i in range(n):
        s = 0.0
        j = i - 1
        while j >= 0:
            u = (x[i] - x[j]) / h
            if u >= 1.0:
                break
            s += 1.0 - u * u
            j -= 1
        j = i + 1
        while j < n:
            u = (x[j] - x[i]) / h
            if u >= 1.0:
                break
            s += 1.0 - u * u
            j += 1
        pilot[i] = max(0.75 * s / ((n - 1) * h), floor)
    lg = 0.0
    for i in range(n):
        lg += math.log(pilot[i])
    gmean = math.exp(lg / n)
    # Abramson local bandwidths, clipped
    hl = np.empty(n)
    h_max = 0.0
    for i in range(n):
        hl[i] = h * min(max((gmean / pilot[i]) ** alpha, clip_lo), clip_hi)
        h_max = max(h_max, hl[i])
    # pass 2: adaptive leave-one-out log likelihood
    ll = 0.0
    for i in range(n):
        s = 0.0
        j = i - 1
        while j >= 0 and x[i] - x[j] < h_max:
            u = (x[i] - x[j]) / hl[j]
            if u < 1.0:
                s += (1.0 - u * u) / hl[j]
            j -= 1
        j = i + 1
        while j < n and x[j] - x[i] < h_max:
            u = (x[j] - x[i]) / hl[j]
            if u < 1.0:
                s += (1.0 - u * u) / hl[j]
            j += 1
        ll += math.log(max(0.75 * s / (n - 1), floor))
    return -ll / n


def _kde(n, rng):
    k1 = n // 2
    k2 = n // 3
    x = np.concatenate([rng.normal(-1.0, 0.5, k1), rng.normal(1.5, 0.8, k2),
                        1.5 * rng.standard_t(3, n - k1 - k2)])
    x.sort()
    return (x, 0.25 + 0.02 * rng.random(), 0.5, 1e-3, 0.4, 2.5)


# ================================================== 11. elastic net by coordinate descent

@numba.njit
def _soft(z, t):
    if z > t:
        return z - t
    elif z < -t:
        return z + t
    return 0.0


def enet_cd(X, y, X_val, y_val, lam, l1_ratio, tol, max_sweeps):
    n, p = X.shape
    col_sq = np.zeros(p)
    for j in range(p):
        for i in range(n):
            col_sq[j] += X[i, j] * X[i, j]
        col_sq[j] /= n
    y_mean = np.mean(y)
    r = y - y_mean
    beta = np.zeros(p)
    l1 = lam * l1_ratio
    l2 = lam * (1.0 - l1_ratio)
    sweep = 0
    while sweep < max_sweeps:
        max_step = 0.0
        for j in range(p):
            z = 0.0
            for i in range(n):
                z += X[i, j] * r[i]
            z = z / n + col_sq[j] * beta[j]
            b_new = _soft(z, l1) / (col_sq[j] + l2)
            step = b_new - beta[j]
            if step == 0.0:
                continue
            for i in range(n):
                r[i] -= step * X[i, j]
            beta[j] = b_new
            max_step = max(max_step, abs(step))
        sweep += 1
        if max_step < tol:
            break
    pred = X_val @ beta + y_mean
    return np.mean(np.abs(pred - y_val)) + 0.1 * np.sum(np.abs(beta)) / p


def _enet(n, rng):
    p = 30
    X = rng.standard_normal((n, p))
    X -= X.mean(axis=0)
    b_true = np.zeros(p)
    b_true[:8] = rng.uniform(0.5, 2.0, 8) * np.where(rng.random(8) < 0.5, -1.0, 1.0)
    y = X @ b_true + 1.0 + rng.standard_normal(n)
    X_val = rng.standard_normal((200, p))
    y_val = X_val @ b_true + 1.0 + rng.standard_normal(200)
    return (X, y, X_val, y_val, 0.15 + 0.02 * rng.random(), 0.7, 1e-13, 1000)


# ================================================== 12. multiple-instance learning on CSR rows

@numba.njit
def _row_dot(indptr, indices, data, w, row):
    s = 0.0
    for k in range(indptr[row], indptr[row + 1]):
        s += data[k] * w[indices[k]]
    return s


def mil_csr_ramp(indptr, indices, data, bag_ptr, y_bag, w, b, top_w, ramp_cap, lam):
    n_bags = bag_ptr.shape[0] - 1
    loss = 0.0
    for g in range(n_bags):
        lo = bag_ptr[g]
        hi = bag_ptr[g + 1]
        s1 = -INF
        s2 = -INF
        for row in range(lo, hi):
            s = _row_dot(indptr, indices, data, w, row) + b
            if s > s1:
                s2 = s1
                s1 = s
            elif s > s2:
                s2 = s
        if hi - lo == 1:
            score = s1
        else:
            score = (1.0 - top_w) * s1 + top_w * s2
        margin = y_bag[g] * score
        loss += min(max(1.0 - margin, 0.0), ramp_cap)
    return loss / n_bags + lam * np.sum(np.abs(w))


def _mil(n_bags, rng):
    d = 24 if n_bags < 100 else 64
    w_true = rng.standard_normal(d)
    sizes = rng.integers(1, 6, n_bags)
    bag_ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    n_inst = int(bag_ptr[-1])
    y_bag = np.where(rng.random(n_bags) < 0.5, -1, 1).astype(np.int64)
    nnz = rng.integers(2, 7, n_inst)
    indptr = np.concatenate([[0], np.cumsum(nnz)]).astype(np.int64)
    # distinct columns per row: an arithmetic progression mod d with a stride coprime to d
    strides = np.array([k for k in range(1, d) if math.gcd(k, d) == 1])
    cols = (rng.integers(0, d, n_inst)[:, None] + rng.choice(strides, n_inst)[:, None] * np.arange(6)) % d
    keep = np.arange(6)[None, :] < nnz[:, None]
    cols = np.sort(np.where(keep, cols, d), axis=1)
    indices = cols[np.arange(6)[None, :] < nnz[:, None]].astype(np.int64)
    data = rng.standard_normal(indptr[-1])
    for g in range(n_bags):
        if y_bag[g] > 0:
            r = bag_ptr[g] + rng.integers(0, sizes[g])
            sl = slice(indptr[r], indptr[r + 1])
            data[sl] += 0.8 * np.sign(w_true[indices[sl]])
    w = 0.3 * w_true + 0.2 * rng.standard_normal(d)
    return (indptr, indices, data, bag_ptr, y_bag, w, 0.1 * rng.standard_normal(), 0.3, 1.6, 0.002)


# ================================================== 13. Lenia continuous cellular automaton

@numba.njit
def _ring_kernel(R):
    K = np.zeros((2 * R + 1, 2 * R + 1))
    tot = 0.0
    for di in range(-R, R + 1):
        for dj in range(-R, R + 1):
            rr = math.sqrt(di * di + dj * dj) / R
            if rr <= 0.0 or rr >= 1.0:
                continue
            K[di + R, dj + R] = math.exp(4.0 - 1.0 / (rr * (1.0 - rr)))
            tot += K[di + R, dj + R]
    return K / tot


def lenia_growth(A0, mu, sigma, dt, n_steps, R):
    n = A0.shape[0]
    K = _ring_kernel(R)
    A = A0.copy()
    U = np.empty_like(A)
    for step in range(n_steps):
        for i in range(n):
            for j in range(n):
                s = 0.0
                for di in range(-R, R + 1):
                    ii = (i + di) % n
                    for dj in range(-R, R + 1):
                        kw = K[di + R, dj + R]
                        if kw == 0.0:
                            continue
                        s += kw * A[ii, (j + dj) % n]
                U[i, j] = s
        for i in range(n):
            for j in range(n):
                g = 2.0 * math.exp(-((U[i, j] - mu) ** 2) / (2.0 * sigma * sigma)) - 1.0
                A[i, j] = min(max(A[i, j] + dt * g, 0.0), 1.0)
    mass = np.sum(A) / (n * n)
    spread = np.sum(A * (1.0 - A)) / (n * n)
    return mass + 0.5 * spread


def _lenia(n, rng):
    A0 = rng.random((n, n)) * (rng.random((n, n)) < 0.6)
    A0 = 0.05 + 0.9 * A0 * rng.random((n, n))
    return (A0, 0.17 + 0.02 * rng.random(), 0.04 + 0.005 * rng.random(), 0.1, 8, 3)


# ================================================== 14. Pan-Tompkins QRS detection

def qrs_adaptive(x, fs, win, refractory, learn):
    n = x.shape[0]
    d = np.zeros(n)
    for i in range(4, n):
        d[i] = (2.0 * x[i] + x[i - 1] - x[i - 3] - 2.0 * x[i - 4]) * fs / 8.0
    mwi = np.zeros(n)
    acc = 0.0
    for i in range(n):
        acc += d[i] * d[i]
        if i >= win:
            acc -= d[i - win] * d[i - win]
        mwi[i] = acc / win
    n_init = min(2 * fs, n)
    spki = 0.0
    for i in range(n_init):
        spki = max(spki, mwi[i])
    spki *= 0.5
    npki = 0.5 * np.mean(mwi[:n_init])
    last_qrs = -refractory - 1
    n_beats = 0
    margin_sum = 0.0
    for i in range(1, n - 1):
        v = mwi[i]
        if v <= mwi[i - 1] or v < mwi[i + 1]:
            continue
        th = npki + 0.25 * (spki - npki)
        if v > th and i - last_qrs > refractory:
            spki = learn * v + (1.0 - learn) * spki
            margin_sum += math.log(v / th)
            last_qrs = i
            n_beats += 1
        else:
            npki = learn * v + (1.0 - learn) * npki
    if n_beats == 0:
        return 0.0
    return margin_sum / n_beats + math.log(spki / npki)


def _ecg(n, rng):
    fs = 100
    t = np.arange(n) / fs
    x = 0.15 * np.sin(2 * np.pi * 0.3 * t) + 0.03 * rng.standard_normal(n)
    beat = 0.3 + 0.2 * rng.random()
    while beat < t[-1] + 1.0:
        lo = max(int((beat - 0.6) * fs), 0)
        hi = min(int((beat + 0.8) * fs), n)
        if lo < hi:
            tt = t[lo:hi]
            amp = 1.0 + 0.2 * rng.standard_normal()
            x[lo:hi] += amp * np.exp(-((tt - beat) / 0.025) ** 2)
            x[lo:hi] -= 0.25 * amp * np.exp(-((tt - beat - 0.04) / 0.02) ** 2)
            x[lo:hi] += 0.25 * np.exp(-((tt - beat - 0.3) / 0.07) ** 2)
            x[lo:hi] += 0.1 * np.exp(-((tt - beat + 0.18) / 0.04) ** 2)
        beat += 0.8 + 0.08 * rng.standard_normal()
    return (x, fs, 15, 20, 0.125)


# ================================================== 15. seam carving

@numba.njit
def _seam_energy(img, w, e):
    h = img.shape[0]
    for i in range(h):
        up = max(i - 1, 0)
        dn = min(i + 1, h - 1)
        for j in range(w):
            lf = max(j - 1, 0)
            rt = min(j + 1, w - 1)
            e[i, j] = abs(img[i, rt] - img[i, lf]) + abs(img[dn, j] - img[up, j])


@numba.njit
def _seam_cumulative(e, w, M, back):
    h = e.shape[0]
    for j in range(w):
        M[0, j] = e[0, j]
    for i in range(1, h):
        for j in range(w):
            k = j
            best = M[i - 1, j]
            if j > 0 and M[i - 1, j - 1] < best:
                best = M[i - 1, j - 1]
                k = j - 1
            if j < w - 1 and M[i - 1, j + 1] < best:
                best = M[i - 1, j + 1]
                k = j + 1
            M[i, j] = e[i, j] + best
            back[i, j] = k


def seam_carving(img, n_seams):
    h, w0 = img.shape
    work = img.copy()
    e = np.empty((h, w0))
    M = np.empty((h, w0))
    back = np.zeros((h, w0), dtype=np.int64)
    w = w0
    total = 0.0
    for s in range(n_seams):
        _seam_energy(work, w, e)
        _seam_cumulative(e, w, M, back)
        j = 0
        for c in range(1, w):
            if M[h - 1, c] < M[h - 1, j]:
                j = c
        total += M[h - 1, j]
        for i in range(h - 1, -1, -1):
            for c in range(j, w - 1):
                work[i, c] = work[i, c + 1]
            if i > 0:
                j = back[i, j]
        w -= 1
    rest = work[:, :w]
    return total / (n_seams * h) + 0.01 * np.sum(rest * rest) / (h * w)


def _seam(n, rng):
    yy, xx = np.meshgrid(np.linspace(0.0, 1.0, n), np.linspace(0.0, 1.0, n), indexing="ij")
    img = np.sin(6.0 * xx) * np.cos(4.0 * yy) + 0.3 * rng.standard_normal((n, n))
    img[:, n // 3:n // 2] += 1.5
    return (img, 3 + n // 50)


# ================================================== 16. Hardy Cross with check valves

@numba.njit
def _head_loss(q, rough, valve):
    """Hazen-Williams loss and its derivative; valve = +1 (-1) checks flow against (along) the pipe."""
    rr = rough
    if valve * q < 0.0:
        rr = rough * VALVE_K
    a = abs(q) ** HW_EXP
    return rr * q * a, 1.852 * rr * a


def hardy_cross_valves(p_from, rough, valve, loop_pipes, loop_sign, order, tree_pipe, demand, h_src,
                       h_min, tol, max_iter):
    n_p = p_from.shape[0]
    n_n = order.shape[0]
    n_l = loop_pipes.shape[0]
    # initial flows that satisfy continuity: push every demand down the spanning tree
    q = np.zeros(n_p)
    acc = demand.copy()
    for k in range(n_n - 1, 0, -1):
        node = order[k]
        pp = tree_pipe[node]
        q[pp] = acc[node]
        acc[p_from[pp]] += acc[node]
    it = 0
    while it < max_iter:
        worst = 0.0
        for lp in range(n_l):
            num = 0.0
            den = 0.0
            for k in range(4):
                pp = loop_pipes[lp, k]
                hl, dh = _head_loss(q[pp], rough[pp], valve[pp])
                num += loop_sign[lp, k] * hl
                den += dh
            dq = -num / den
            for k in range(4):
                q[loop_pipes[lp, k]] += loop_sign[lp, k] * dq
            worst = max(worst, abs(dq))
        it += 1
        if worst < tol:
            break
    # nodal heads along the spanning tree, then pressure deficit and dissipated power
    H = np.empty(n_n)
    H[order[0]] = h_src
    for k in range(1, n_n):
        node = order[k]
        pp = tree_pipe[node]
        hl, dh = _head_loss(q[pp], rough[pp], valve[pp])
        H[node] = H[p_from[pp]] - hl
    deficit = 0.0
    for node in range(n_n):
        short = h_min - H[node]
        if short > 0.0:
            deficit += short * short
    power = 0.0
    for pp in range(n_p):
        hl, dh = _head_loss(q[pp], rough[pp], valve[pp])
        power += abs(hl * q[pp])
    return power / n_p + PRESSURE_W * deficit / n_n


def _pipes(g, rng):
    def hp(r, c):
        return r * (g - 1) + c

    def vp(r, c):
        return g * (g - 1) + r * g + c

    n_p = 2 * g * (g - 1)
    p_from = np.zeros(n_p, dtype=np.int64)
    for r in range(g):
        for c in range(g - 1):
            p_from[hp(r, c)] = r * g + c
    for r in range(g - 1):
        for c in range(g):
            p_from[vp(r, c)] = r * g + c
    loop_pipes = np.zeros(((g - 1) * (g - 1), 4), dtype=np.int64)
    loop_sign = np.zeros(((g - 1) * (g - 1), 4))
    for r in range(g - 1):
        for c in range(g - 1):
            lp = r * (g - 1) + c
            loop_pipes[lp] = (hp(r, c), vp(r, c + 1), hp(r + 1, c), vp(r, c))
            loop_sign[lp] = (1.0, 1.0, -1.0, -1.0)
    # comb spanning tree from the corner source: along row 0, then down every column
    order = np.array([r * g + c for c in range(g) for r in range(g)], dtype=np.int64)
    tree_pipe = np.full(g * g, -1, dtype=np.int64)
    for c in range(1, g):
        tree_pipe[c] = hp(0, c - 1)
    for r in range(1, g):
        for c in range(g):
            tree_pipe[r * g + c] = vp(r - 1, c)
    demand = rng.uniform(0.5, 1.5, g * g) * 30.0 / (g * g)
    demand[0] = 0.0
    rough = 0.05 * rng.uniform(0.5, 2.0, n_p)
    for c in range(g - 1):
        rough[hp(0, c)] *= 0.2          # trunk mains along the two edges at the source
        rough[vp(c, 0)] *= 0.2
    u = rng.random(n_p)
    valve = np.where(u < 0.1, 1, np.where(u < 0.2, -1, 0)).astype(np.int64)
    return (p_from, rough, valve, loop_pipes, loop_sign, order, tree_pipe, demand, 50.0,
            45.0 + rng.random(), 1e-12, 2000)


# ================================================== 17. radiotherapy fluence optimisation

@numba.njit
def _imrt_objective(D, is_target, x, rx, d_max, w_oar, n_oar, mod_cap, mod_w, grad):
    n_vox = D.shape[0]
    n_b = D.shape[1]
    dose = D @ x
    g_dose = np.zeros(n_vox)
    obj = 0.0
    for v in range(n_vox):
        dv = dose[v]
        if is_target[v]:
            if dv < rx:
                res = dv - rx
            elif dv > HOT * rx:
                res = dv - HOT * rx
            else:
                res = 0.0
            obj += res * res
            g_dose[v] = 2.0 * res
        else:
            over = max(dv - d_max, 0.0)
            obj += w_oar * over * over + MEAN_W * dv / n_oar
            g_dose[v] = 2.0 * w_oar * over + MEAN_W / n_oar
    gx = D.T @ g_dose
    for k in range(n_b):
        grad[k] = gx[k]
    # deliverability: penalise jumps between neighbouring beamlets beyond mod_cap
    for k in range(n_b - 1):
        diff = x[k + 1] - x[k]
        ex = abs(diff) - mod_cap
        if ex > 0.0:
            obj += mod_w * ex * ex
            sg = 2.0 * mod_w * ex * (1.0 if diff > 0.0 else -1.0)
            grad[k] -= sg
            grad[k + 1] += sg
    return obj


def imrt_fluence(D, is_target, rx, d_max, w_oar, x_max, step, n_iter, mod_cap, mod_w):
    n_vox, n_b = D.shape
    n_oar = 0
    for v in range(n_vox):
        if not is_target[v]:
            n_oar += 1
    # start from the back-projection of the target, scaled to the prescription
    x = np.zeros(n_b)
    for v in range(n_vox):
        if is_target[v]:
            x += D[v]
    x = rx * x / (np.max(x) * 2.0)
    grad = np.empty(n_b)
    for it in range(n_iter):
        _imrt_objective(D, is_target, x, rx, d_max, w_oar, n_oar, mod_cap, mod_w, grad)
        x = np.clip(x - step * grad, 0.0, x_max)
    return _imrt_objective(D, is_target, x, rx, d_max, w_oar, n_oar, mod_cap, mod_w, grad) / n_vox


def _imrt(n_vox, rng):
    n_b = 8 + n_vox // 25
    pos = rng.uniform(-1.0, 1.0, (n_vox, 2))
    is_target = (pos[:, 0] - 0.1) ** 2 + pos[:, 1] ** 2 < 0.25
    ang = np.linspace(0.0, np.pi, n_b, endpoint=False) + 0.01 * rng.standard_normal(n_b)
    off = rng.uniform(-0.6, 0.6, n_b)
    dist = np.abs(-np.sin(ang)[None, :] * pos[:, 0:1] + np.cos(ang)[None, :] * pos[:, 1:2] - off[None, :])
    depth = np.cos(ang)[None, :] * pos[:, 0:1] + np.sin(ang)[None, :] * pos[:, 1:2]
    D = np.exp(-(dist / 0.15) ** 2) * np.exp(-0.3 * (depth + 1.0)) * (8.0 / np.sqrt(n_b))
    D = np.ascontiguousarray(D)
    step = 0.5 / (2.0 * np.linalg.norm(D, 2) ** 2)
    return (D, is_target, 60.0 + rng.random(), 25.0 + rng.random(), 2.0, 20.0, step, 25, 8.0, 0.5)


# ================================================== 18. alpha-beta over a learned evaluation

@numba.njit
def _leaf_value(F, p, leaf, w, c):
    s = 0.0
    for k in range(F.shape[2]):
        s += F[p, leaf, k] * w[k]
    return math.tanh(c * s)


@numba.njit
def _alphabeta3(F, p, w, c, B):
    """Root MAX, then MIN, then MAX over leaves; fail-hard cutoffs."""
    alpha = -INF
    for a in range(B):
        v1 = INF
        for b in range(B):
            v2 = -INF
            for k in range(B):
                val = _leaf_value(F, p, (a * B + b) * B + k, w, c)
                if val > v2:
                    v2 = val
                    if v2 >= v1:
                        break
            if v2 < v1:
                v1 = v2
                if v1 <= alpha:
                    break
        alpha = max(alpha, v1)
    return alpha


def alphabeta_eval(F, target, w, c, B, lam, delta):
    n_pos = F.shape[0]
    loss = 0.0
    for p in range(n_pos):
        e = _alphabeta3(F, p, w, c, B) - target[p]
        if abs(e) <= delta:
            loss += 0.5 * e * e
        else:
            loss += delta * (abs(e) - 0.5 * delta)
    return loss / n_pos + lam * np.sum(np.abs(w))


def _alphabeta(n_pos, rng):
    B = 4
    nf = 8
    F = rng.standard_normal((n_pos, B ** 3, nf))
    w_true = rng.standard_normal(nf) / np.sqrt(nf)
    vals = np.tanh(F @ w_true).reshape(n_pos, B, B, B)
    target = vals.max(axis=3).min(axis=2).max(axis=1) + 0.1 * rng.standard_normal(n_pos)
    w = w_true + 0.3 * rng.standard_normal(nf) / np.sqrt(nf)
    return (F, target, w, 1.0 + 0.1 * rng.random(), B, 0.01, 0.2)


# ================================================== 19. vehicle routes with time windows

@numba.njit
def _dist(xy, a, b):
    dx = xy[a, 0] - xy[b, 0]
    dy = xy[a, 1] - xy[b, 1]
    return math.sqrt(dx * dx + dy * dy)


@numba.njit
def _two_opt_gain(xy, seq, lo, hi):
    """Largest saving of one 2-opt move on depot -> seq[lo:hi] -> depot (0 if none)."""
    m = hi - lo
    best = 0.0
    for i in range(-1, m - 1):
        a = 0 if i < 0 else seq[lo + i]
        b = seq[lo + i + 1]
        for j in range(i + 2, m):
            if i < 0 and j == m - 1:
                continue
            c = seq[lo + j]
            d = 0 if j == m - 1 else seq[lo + j + 1]
            gain = _dist(xy, a, b) + _dist(xy, c, d) - _dist(xy, a, c) - _dist(xy, b, d)
            best = max(best, gain)
    return best


def vrptw_routes(xy, seq, route_ptr, ready, due, service, load, speed, cap, shift, w_wait, w_late,
                 w_over, w_2opt):
    n_routes = route_ptr.shape[0] - 1
    cost = 0.0
    for r in range(n_routes):
        lo = route_ptr[r]
        hi = route_ptr[r + 1]
        if hi == lo:
            continue
        t = 0.0
        prev = 0
        dist = 0.0
        wait = 0.0
        late = 0.0
        q = 0.0
        for k in range(lo, hi):
            c = seq[k]
            leg = _dist(xy, prev, c)
            dist += leg
            t += leg / speed
            if t < ready[c]:
                wait += ready[c] - t
                t = ready[c]
            elif t > due[c]:
                late += t - due[c]
            t += service[c]
            q += load[c]
            prev = c
        leg = _dist(xy, prev, 0)
        dist += leg
        t += leg / speed
        over = max(t - shift, 0.0) + max(q - cap, 0.0)
        cost += dist + w_wait * wait + w_late * late + w_over * over + w_2opt * _two_opt_gain(xy, seq, lo, hi)
    return cost / n_routes


def _vrptw(nc, rng):
    xy = rng.uniform(0.0, 10.0, (nc + 1, 2))
    xy[0] = (5.0, 5.0)
    seq = (rng.permutation(nc) + 1).astype(np.int64)
    sizes = []
    tot = 0
    while tot < nc:
        k = min(int(rng.integers(3, 13)), nc - tot)
        sizes.append(k)
        tot += k
    route_ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    ready = rng.uniform(0.0, 30.0, nc + 1)
    due = ready + rng.uniform(3.0, 12.0, nc + 1)
    service = rng.uniform(0.3, 1.0, nc + 1)
    load = rng.uniform(1.0, 3.0, nc + 1)
    return (xy, seq, route_ptr, ready, due, service, load, 1.0 + 0.1 * rng.random(), 15.0, 40.0,
            0.2, 2.0, 5.0, 0.5)


# ================================================== 20. sea-ice column (Semtner zero-layer)

@numba.njit
def _surface_temp(sw_abs, lw_down, ta, cond):
    """Newton on the surface energy balance; returns Ts capped at melting and the melt flux."""
    ts = ta
    for it in range(NEWTON_IT):
        f = sw_abs + lw_down - EMISS * SIGMA_SB * ts ** 4 + C_H * (ta - ts) + cond * (T_FREEZE - ts)
        df = -4.0 * EMISS * SIGMA_SB * ts ** 3 - C_H - cond
        ts -= f / df
    if ts > T_MELT:
        ts = T_MELT
        melt = sw_abs + lw_down - EMISS * SIGMA_SB * ts ** 4 + C_H * (ta - ts) + cond * (T_FREEZE - ts)
        return ts, melt
    return ts, 0.0


def sea_ice_column(ta_clim, sw_clim, snow_clim, d_ta, alb_ice, alb_snow, f_ocean, n_years):
    n_col = d_ta.shape[0]
    n_per = ta_clim.shape[0]
    total = 0.0
    for col in range(n_col):
        hi = 1.0
        hs = 0.1
        tml = T_FREEZE
        h_mean = 0.0
        h_peak = 0.0
        for yr in range(n_years):
            for t in range(n_per):
                ta = ta_clim[t] + d_ta[col]
                lw = 0.7 * SIGMA_SB * ta ** 4
                if hi > 0.0:
                    frac = min(hi / 0.5, 1.0)
                    alb = A_OCEAN + (alb_ice - A_OCEAN) * frac
                    alb += (alb_snow - alb) * min(hs / 0.05, 1.0) * frac
                    cond = 1.0 / max(hi / K_ICE + hs / K_SNOW, 0.02)
                    ts, melt = _surface_temp((1.0 - alb) * sw_clim[t], lw, ta, cond)
                    e_melt = melt * DT_ICE
                    # surface melt takes the snow first
                    snow_e = hs * RHO_S * L_FUS
                    if e_melt <= snow_e:
                        hs -= e_melt / (RHO_S * L_FUS)
                        e_melt = 0.0
                    else:
                        e_melt -= snow_e
                        hs = 0.0
                    hi -= e_melt / (RHO_I * L_FUS)
                    # basal growth or melt
                    hi += (cond * (T_FREEZE - ts) - f_ocean) * DT_ICE / (RHO_I * L_FUS)
                    hs += snow_clim[t] * min(max(hi, 0.0) / 0.1, 1.0)
                    if hi < 0.0:
                        tml += -hi * RHO_I * L_FUS / C_ML
                        hi = 0.0
                        hs = 0.0
                    else:
                        # snow-ice when the snow load floods the floe
                        excess = hs * RHO_S - hi * (RHO_W - RHO_I)
                        if excess > 0.0:
                            dh = excess / RHO_W
                            hi += dh
                            hs -= dh * RHO_I / RHO_S
                else:
                    net = ((1.0 - A_OCEAN) * sw_clim[t] + lw - EMISS * SIGMA_SB * tml ** 4
                           + C_H * (ta - tml) + f_ocean)
                    tml += net * DT_ICE / C_ML
                    if tml < T_FREEZE:
                        hi = (T_FREEZE - tml) * C_ML / (RHO_I * L_FUS)
                        tml = T_FREEZE
                if yr == n_years - 1:
                    h_mean += hi
                    h_peak = max(h_peak, hi)
        total += h_mean / n_per + 0.3 * h_peak + 0.05 * (tml - T_FREEZE)
    return total / n_col


def _seaice(n_col, rng):
    n_per = 73
    ph = 2 * np.pi * (np.arange(n_per) + 0.5) / n_per
    ta_clim = 255.0 - 18.0 * np.cos(ph) + 1.5 * rng.standard_normal(n_per)
    sw_clim = np.maximum(310.0 * np.sin(ph - 0.5 * np.pi + 0.35) + 60.0, 0.0) + 5.0 * rng.random(n_per)
    snow_clim = np.where(np.cos(ph) > -0.3, 0.012, 0.002) * rng.uniform(0.5, 1.5, n_per)
    d_ta = rng.uniform(-4.0, 6.0, n_col)
    return (ta_clim, sw_clim, snow_clim, d_ta, 0.62 + 0.02 * rng.random(), 0.8 + 0.02 * rng.random(),
            2.0 + 0.3 * rng.random(), 4)


PROGRAMS = {
    "glucose_pump": Program(glucose_pump, ("meal_g", "kp", "ki", "kd", "g_target"), _glucose, 1500, 400000),
    "idm_platoon": Program(idm_platoon, ("v_lead", "a_max", "b_comf", "t_head", "s0"), _idm, 150, 60000),
    "feeder_voltvar": Program(feeder_voltvar, ("p_load", "q_load", "pv", "v_sub"), _feeder, 50, 5000),
    "pv_string_mpp": Program(pv_string_mpp, ("irr", "rs"), _pv, 8, 600),
    "convertible_bond": Program(convertible_bond, ("S0", "sigma", "r", "spread", "conv_ratio", "call_px",
                                                   "put_px"), _convertible, 40, 1000),
    "mm_inventory_caps": Program(mm_inventory_caps, ("dmid", "gamma", "kappa", "intensity", "q_max"), _mm,
                                 150, 200000),
    "massey_capped": Program(massey_capped, ("margin", "cap", "hfa"), _massey, 80, 20000),
    "fao56_irrigation": Program(fao56_irrigation, ("et0", "rain", "taw", "trigger", "p_dep", "kc_mid", "ky"),
                                _fao56, 60, 200000),
    "mesh_closest_point": Program(mesh_closest_point, ("pts", "V", "cap"), _mesh, 40, 10000),
    "kde_adaptive_loo": Program(kde_adaptive_loo, ("x", "h", "alpha"), _kde, 120, 3000),
    "enet_cd": Program(enet_cd, ("y", "lam", "l1_ratio"), _enet, 60, 20000),
    "mil_csr_ramp": Program(mil_csr_ramp, ("data", "w", "b", "top_w", "ramp_cap"), _mil, 8, 100000),
    "lenia_growth": Program(lenia_growth, ("A0", "mu", "sigma"), _lenia, 10, 80),
    "qrs_adaptive": Program(qrs_adaptive, ("x",), _ecg, 300, 800000),
    "seam_carving": Program(seam_carving, ("img",), _seam, 12, 300),
    "hardy_cross_valves": Program(hardy_cross_valves, ("rough", "demand", "h_src", "h_min"), _pipes, 5, 14),
    "imrt_fluence": Program(imrt_fluence, ("D", "rx", "d_max", "w_oar"), _imrt, 30, 2500),
    "alphabeta_eval": Program(alphabeta_eval, ("w", "c"), _alphabeta, 30, 8000),
    "vrptw_routes": Program(vrptw_routes, ("xy", "ready", "due", "service", "speed"), _vrptw, 20, 120000),
    "sea_ice_column": Program(sea_ice_column, ("ta_clim", "d_ta", "alb_ice", "alb_snow", "f_ocean"), _seaice,
                              4, 300),
}
