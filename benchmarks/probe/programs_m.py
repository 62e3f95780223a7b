"""Probe corpus M: nonsmooth numerical programs in the style of Numba code
from research repositories and engineering tools on hydrology,
pharmacokinetics, epidemiology, battery management, robotics, computer
graphics, audio signal processing, supply chains, derivatives pricing,
power systems, freeway traffic, structural mechanics, chemical kinetics,
agronomy, spatial ecology, image restoration, machine learning, time-series
matching, permafrost geophysics and facility location: an HBV-style
rainfall-runoff bucket with a field-capacity threshold, linear reservoirs
and a triangular routing kernel scored by Nash-Sutcliffe efficiency, an
oral two-compartment RK4 model with trough-based dose tapering below a
toxic level, a metapopulation SEIR with hospital-triggered lockdowns that
tighten fast and relax slowly and excess mortality above bed capacity, a
Thevenin equivalent-circuit cell with a lookup-table OCV, Coulomb counting,
a power-to-current quadratic and voltage and current limits, warm-started
damped-least-squares inverse kinematics of a planar arm with joint limits
and a velocity clamp, sphere tracing of a signed distance field with
early exit, finite-difference normals and soft shadows, a feed-forward
compressor with a soft-knee gain computer, a branching attack/release
detector and a brick-wall limiter, an (s, S) inventory policy with a
lead-time pipeline, capped backorders and lost sales, an up-and-out
arithmetic Asian call by antithetic Monte Carlo with a Brownian-bridge
crossing correction and an immediate rebate, ramp-constrained economic
dispatch by safeguarded lambda iteration, a cell transmission model with
off-ramp splits, a lane drop and ALINEA ramp metering, an elastoplastic
Pratt truss under incremental load with 1-D return mapping, Newton
iterations and a hand-written Cholesky solve, an Arrhenius reaction network integrated by
RK4 with a temperature ramp cap, clamping, product crystallisation and
early stop at full conversion, a degree-day crop model with ramped frost
kill and grain partitioning, a Rosenzweig-MacArthur predator-prey grid
with reflecting diffusion, threshold harvesting and a habitat carrying
capacity clip, Chambolle's projected dual iteration for total-variation
denoising, a two-layer leaky-ReLU network with a Crammer-Singer hinge
loss, dynamic time warping in banded storage with a Sakoe-Chiba window
and back-pointer path length normalisation, an enthalpy-method active
layer model with an n-factor snow rule, and a projected subgradient
method with Michelot's simplex projection on a capacitated facility cost.

The programs are written with explicit loops over 1-D, 2-D and 3-D numpy
arrays (nested loops, backward ``range(n - 1, -1, -1)`` loops, triangular
loops, iteration loops that stop on a tolerance or an iteration cap,
``while`` loops for a table search, a finite projection algorithm and a
path backtrack, ``break``, ``continue``, early returns) and some whole-array numpy (``np.dot``,
``@``, ``np.sum``, ``np.mean``, ``np.maximum``, ``np.minimum``,
``np.clip``, ``np.abs``, ``np.sqrt``, ``np.power``, slicing,
``np.zeros``/``np.empty``/``np.full``/``.copy()``).  Some are one long
function, others lean on module-level ``@numba.njit`` helpers (some return
tuples, some write into arrays passed to them, some have early returns);
they use module-level constants and lookup tables, integer index arrays
(truss connectivity, fixed degrees of freedom, ramp and exit cells,
reaction stoichiometry, class labels), boolean work arrays and integer
size parameters.  Some are scalar time-stepping loops over long
horizons, some are stencil or matrix sweeps over small grids.  The
nonsmoothness comes from max/min/abs/clip, saturations, threshold rules
with ramps, piecewise-linear tables, argmin selection with back-pointers,
projections, hinge losses, knock-out events and tolerance-based early
stopping.  Each returns one float.  Written once and not edited to suit
nsadc.

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

# HBV triangular MAXBAS routing weights (3-day base)
MAXBAS_W = np.array([0.25, 0.5, 0.25])

# open-circuit voltage of an NMC cell against state of charge
OCV_SOC = np.array([0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0])
OCV_V = np.array([3.0, 3.3, 3.45, 3.55, 3.62, 3.67, 3.72, 3.78, 3.86, 3.95, 4.05, 4.12, 4.2])

# sphere tracing settings
MAX_MARCH = 96
HIT_EPS = 1e-4
NORMAL_EPS = 1e-4

# freeway layout for the cell transmission model
N_CELLS = 60
RAMP_CELLS = np.array([8, 21, 34, 47])
EXIT_CELLS = np.array([15, 40])
LANE_DROP = 52

# steel, N/mm^2
E_MOD = 200000.0

# reaction network: A + B -> C, C -> A + B, C -> P, C + B -> Q, P -> Q, A -> Q
# species 0:A 1:B 2:C 3:P 4:Q ; -1 marks an empty slot
REACTANTS = np.array([[0, 1], [2, -1], [2, -1], [2, 1], [3, -1], [0, -1]])
PRODUCTS = np.array([[2, -1], [0, 1], [3, -1], [4, -1], [4, -1], [4, -1]])
R_GAS = 8.314e-3  # kJ/mol/K
P_SAT = 0.35      # solubility of the product, mol/L

# permafrost soil
L_FUSION = 3.34e8   # J per m^3 of water
C_FROZEN = 1.9e6    # J/m^3/K
C_THAWED = 2.5e6


# ---------------------------------------------------------------- hydrology


@numba.njit
def _hbv_soil(sm, p, pet, fc, beta, lp):
    """HBV soil routine: returns (soil moisture, recharge, actual ET)."""
    rel = sm / fc
    if rel > 1.0:
        rel = 1.0
    recharge = p * rel ** beta
    sm = sm + p - recharge
    if sm > fc:
        # anything above field capacity drains straight to the upper zone
        recharge += sm - fc
        sm = fc
    et = pet * min(sm / (lp * fc), 1.0)
    if et > sm:
        et = sm
    return sm - et, recharge, et


def hbv_runoff(rain, pet, q_obs, fc, beta, lp, k0, k1, k2, uzl, perc):
    """HBV-light style rainfall-runoff: soil box, upper and lower linear
    reservoirs, fast runoff only above the UZL threshold, triangular
    routing.  Returns the Nash-Sutcliffe efficiency after a warm-up."""
    n = rain.shape[0]
    sm = 0.8 * fc
    suz = 0.0
    slz = 5.0
    q_gen = np.zeros(n)
    for t in range(n):
        sm, rech, et = _hbv_soil(sm, rain[t], pet[t], fc, beta, lp)
        suz += rech
        # percolation is limited by what the upper zone holds
        p = min(perc, suz)
        suz -= p
        slz += p
        q0 = k0 * max(suz - uzl, 0.0)
        q1 = k1 * suz
        suz -= q0 + q1
        q2 = k2 * slz
        slz -= q2
        q_gen[t] = q0 + q1 + q2

    nb = MAXBAS_W.shape[0]
    q_sim = np.zeros(n)
    for t in range(n):
        for k in range(nb):
            if t - k < 0:
                break
            q_sim[t] += MAXBAS_W[k] * q_gen[t - k]

    warm = n // 10
    qm = np.mean(q_obs[warm:])
    num = 0.0
    den = 0.0
    for t in range(warm, n):
        num += (q_sim[t] - q_obs[t]) ** 2
        den += (q_obs[t] - qm) ** 2
    return 1.0 - num / den


def _hbv(n, rng):
    wet = rng.random(n) < 0.45
    rain = rng.gamma(0.6, 6.0, n) * wet
    day = np.arange(n)
    pet = 2.5 + 2.0 * np.sin(TWO_PI * day / 365.0) + 0.3 * rng.random(n)
    kern = np.exp(-np.arange(30) / 6.0)
    kern /= kern.sum()
    q_obs = 0.45 * np.convolve(rain, kern)[:n] + 0.25 + 0.1 * rng.random(n)
    fc = 120.0 + 20.0 * rng.random()
    beta = 1.5 + 0.5 * rng.random()
    return (rain, pet, q_obs, fc, beta, 0.7, 0.15, 0.08, 0.01, 6.0, 0.6)


# --------------------------------------------------------- pharmacokinetics


@numba.njit
def _pk_rhs(gut, a1, a2, ka, cl, v1, q, v2):
    c1 = a1 / v1
    c2 = a2 / v2
    absorb = ka * gut
    dist = q * (c1 - c2)
    return -absorb, absorb - cl * c1 - dist, dist


@numba.njit
def _pk_rk4(state, dt, ka, cl, v1, q, v2):
    g = state[0]
    a1 = state[1]
    a2 = state[2]
    k1g, k1a, k1b = _pk_rhs(g, a1, a2, ka, cl, v1, q, v2)
    h = 0.5 * dt
    k2g, k2a, k2b = _pk_rhs(g + h * k1g, a1 + h * k1a, a2 + h * k1b, ka, cl, v1, q, v2)
    k3g, k3a, k3b = _pk_rhs(g + h * k2g, a1 + h * k2a, a2 + h * k2b, ka, cl, v1, q, v2)
    k4g, k4a, k4b = _pk_rhs(g + dt * k3g, a1 + dt * k3a, a2 + dt * k3b, ka, cl, v1, q, v2)
    s = dt / 6.0
    state[0] = g + s * (k1g + 2.0 * k2g + 2.0 * k3g + k4g)
    state[1] = a1 + s * (k1a + 2.0 * k2a + 2.0 * k3a + k4a)
    state[2] = a2 + s * (k1b + 2.0 * k2b + 2.0 * k3b + k4b)


def pk_two_compartment(dose, ka, cl, v1, q, v2, c_tox, c_mec, dose_every, dt, n_steps):
    """Oral dosing into a two-compartment model.  Before each dose the
    trough level is checked: the dose is tapered linearly between half the
    toxic level and the toxic level, and skipped above it.  Score: time
    integral of the level above the MEC minus a toxicity penalty."""
    state = np.zeros(3)
    auc_eff = 0.0
    tox = 0.0
    peak = 0.0
    for k in range(n_steps):
        if k % dose_every == 0:
            c_trough = state[1] / v1
            frac = (c_tox - c_trough) / (0.5 * c_tox)
            frac = min(max(frac, 0.0), 1.0)
            state[0] += dose * frac
        _pk_rk4(state, dt, ka, cl, v1, q, v2)
        c = state[1] / v1
        if c > c_mec:
            auc_eff += (c - c_mec) * dt
        if c > c_tox:
            tox += (c - c_tox) ** 2 * dt
        peak = max(peak, c)
    return auc_eff - 50.0 * tox - 0.1 * peak


def _pk(n, rng):
    dose = 500.0 * (1.0 + 0.1 * rng.random())
    ka = 1.0 + 0.2 * rng.random()
    cl = 5.0 + rng.random()
    v1 = 30.0 + 3.0 * rng.random()
    q = 10.0 + rng.random()
    v2 = 50.0 + 5.0 * rng.random()
    return (dose, ka, cl, v1, q, v2, 13.0 + rng.random(), 5.0, 160, 0.05, n)


# ------------------------------------------------------------- epidemiology


def seir_lockdown(beta, mix, pop, seed_i, sigma, gamma, p_hosp, los, ifr_h, ifr_over,
                  cap, trig, eff, n_days):
    """Metapopulation SEIR with a hospital compartment.  Each region's
    lockdown level follows hospital occupancy per 100k through a ramp above
    the trigger, tightens at once and relaxes slowly; deaths rise above the
    bed capacity.  Returns deaths plus a lockdown cost (person-days)."""
    n = pop.shape[0]
    S = pop - seed_i
    E = np.zeros(n)
    I = seed_i.copy()
    H = np.zeros(n)
    D = np.zeros(n)
    lock = np.zeros(n)
    prev = np.empty(n)
    dt = 0.25
    beds = cap * pop / 1e5
    lock_cost = 0.0
    for day in range(n_days):
        for i in range(n):
            occ = 1e5 * H[i] / pop[i]
            target = min(max((occ - trig) / (0.5 * trig), 0.0), 1.0)
            if target > lock[i]:
                lock[i] = target
            else:
                lock[i] = 0.9 * lock[i] + 0.1 * target
        for sub in range(4):
            for i in range(n):
                prev[i] = I[i] / pop[i]
            lam = beta * (1.0 - eff * lock) * (mix @ prev)
            for i in range(n):
                new_e = lam[i] * S[i] * dt
                new_i = sigma * E[i] * dt
                rec = gamma * I[i] * dt
                adm = p_hosp * rec
                over = max(H[i] - beds[i], 0.0)
                deaths = (ifr_h * (H[i] - over) + ifr_over * over) / los * dt
                dis = H[i] / los * dt
                S[i] -= new_e
                E[i] += new_e - new_i
                I[i] += new_i - rec
                H[i] += adm - dis - deaths
                D[i] += deaths
        lock_cost += np.dot(lock, pop)
    return np.sum(D) + 1e-5 * lock_cost


def _seir(n, rng):
    beta = 0.3 + 0.15 * rng.random(n)
    mix = 0.02 * rng.random((n, n)) / n
    for i in range(n):
        mix[i, i] = 0.0
        mix[i, i] = 1.0 - mix[i].sum()
    pop = 1e5 + 9e5 * rng.random(n)
    seed_i = np.zeros(n)
    seed_i[0] = 50.0
    seed_i[n // 2] = 20.0
    return (beta, mix, pop, seed_i, 0.25, 1.0 / 6.0, 0.05, 8.0, 0.1, 0.4,
            30.0 + 5.0 * rng.random(), 15.0 + 2.0 * rng.random(), 0.6, 200)


# ------------------------------------------------------- battery management


@numba.njit
def _ocv(soc):
    """Piecewise-linear OCV lookup, flat beyond the table ends."""
    n = OCV_SOC.shape[0]
    if soc <= OCV_SOC[0]:
        return OCV_V[0]
    if soc >= OCV_SOC[n - 1]:
        return OCV_V[n - 1]
    k = 1
    while OCV_SOC[k] < soc:
        k += 1
    w = (soc - OCV_SOC[k - 1]) / (OCV_SOC[k] - OCV_SOC[k - 1])
    return OCV_V[k - 1] + w * (OCV_V[k] - OCV_V[k - 1])


def battery_ecm(power, dt, cap_ah, r0, r1, c1, soc0, i_max, v_min, v_max, eta):
    """First-order Thevenin cell following a power profile (W, discharge
    positive).  The current solves P = I (OCV - V_rc - I R0), then the
    terminal-voltage window and the current limit cut it back.  Returns
    unmet energy plus ohmic loss (Wh) and a penalty for a deep discharge."""
    n = power.shape[0]
    soc = soc0
    v_rc = 0.0
    decay = math.exp(-dt / (r1 * c1))
    unmet = 0.0
    loss = 0.0
    soc_lo = 1.0
    for k in range(n):
        p = power[k]
        e = _ocv(soc) - v_rc
        disc = e * e - 4.0 * r0 * p
        if disc < 0.0:
            # demand beyond the maximum power point: deliver what we can
            i = e / (2.0 * r0)
        else:
            i = (e - math.sqrt(disc)) / (2.0 * r0)
        v = e - i * r0
        if v < v_min:
            i = (e - v_min) / r0
        elif v > v_max:
            i = (e - v_max) / r0
        i = min(max(i, -i_max), i_max)
        if soc <= 0.0 and i > 0.0:
            i = 0.0
        if soc >= 1.0 and i < 0.0:
            i = 0.0
        v = e - i * r0
        delivered = i * v
        if p > 0.0:
            unmet += max(p - delivered, 0.0) * dt
        else:
            unmet += max(delivered - p, 0.0) * dt
        loss += i * i * r0 * dt
        # Coulomb counting with a charge efficiency
        if i < 0.0:
            soc -= eta * i * dt / (3600.0 * cap_ah)
        else:
            soc -= i * dt / (3600.0 * cap_ah)
        v_rc = v_rc * decay + r1 * (1.0 - decay) * i
        soc_lo = min(soc_lo, soc)
    return (unmet + loss) / 3600.0 + 10.0 * max(0.1 - soc_lo, 0.0)


def _battery(n, rng):
    k = np.arange(n)
    noise = np.zeros(n)
    z = rng.standard_normal(n)
    a = 0.0
    for t in range(n):
        a = 0.95 * a + z[t]
        noise[t] = a
    power = 0.5 + 12.0 * np.sin(TWO_PI * k / 900.0) + 4.0 * noise
    return (power, 1.0, 3.0 + 0.2 * rng.random(), 0.015 + 0.002 * rng.random(),
            0.01 + 0.002 * rng.random(), 2000.0 + 200.0 * rng.random(), 0.6, 10.0, 3.0, 4.2, 0.98)


# ----------------------------------------------------------------- robotics


@numba.njit
def _arm_fk(q, lengths, px, py):
    """Forward kinematics: joint positions into px/py, returns the tip."""
    a = 0.0
    x = 0.0
    y = 0.0
    for k in range(q.shape[0]):
        a += q[k]
        x += lengths[k] * math.cos(a)
        y += lengths[k] * math.sin(a)
        px[k] = x
        py[k] = y
    return x, y


def arm_ik(lengths, targets, q_lo, q_hi, lam, step, tol, max_iter):
    """Track a sequence of targets with damped least squares IK, warm
    started from the previous solution: dq = J^T (J J^T + lam^2 I)^-1 e,
    each joint step clamped and the joints clipped to their limits; stop
    on a tolerance.  Returns the summed final squared error plus a small
    joint-effort term."""
    nj = lengths.shape[0]
    m = targets.shape[0]
    q = 0.5 * (q_lo + q_hi)
    px = np.empty(nj)
    py = np.empty(nj)
    jac = np.empty((2, nj))
    total = 0.0
    for t in range(m):
        tx = targets[t, 0]
        ty = targets[t, 1]
        err = 0.0
        for it in range(max_iter):
            xe, ye = _arm_fk(q, lengths, px, py)
            ex = tx - xe
            ey = ty - ye
            err = math.sqrt(ex * ex + ey * ey)
            if err < tol:
                break
            # revolute joint k turns the tip about the previous joint
            for k in range(nj):
                if k == 0:
                    bx = 0.0
                    by = 0.0
                else:
                    bx = px[k - 1]
                    by = py[k - 1]
                jac[0, k] = -(ye - by)
                jac[1, k] = xe - bx
            a11 = lam * lam
            a12 = 0.0
            a22 = lam * lam
            for k in range(nj):
                a11 += jac[0, k] * jac[0, k]
                a12 += jac[0, k] * jac[1, k]
                a22 += jac[1, k] * jac[1, k]
            det = a11 * a22 - a12 * a12
            y0 = (a22 * ex - a12 * ey) / det
            y1 = (a11 * ey - a12 * ex) / det
            for k in range(nj):
                dq = step * (jac[0, k] * y0 + jac[1, k] * y1)
                dq = min(max(dq, -0.2), 0.2)
                q[k] = min(max(q[k] + dq, q_lo[k]), q_hi[k])
        total += err * err + 1e-3 * np.sum(q * q)
    return total


def _arm(n, rng):
    lengths = np.array([1.0, 0.8, 0.6, 0.4]) * (1.0 + 0.05 * rng.random(4))
    s = np.linspace(0.0, 4.0 * math.pi, n)
    targets = np.empty((n, 2))
    targets[:, 0] = 0.6 + 1.3 * np.cos(s) + 0.02 * rng.standard_normal(n)
    targets[:, 1] = 0.8 + 1.0 * np.sin(1.5 * s) + 0.02 * rng.standard_normal(n)
    q_lo = np.array([-math.pi, -2.4, -2.4, -2.0])
    q_hi = np.array([math.pi, 2.4, 2.4, 2.0])
    return (lengths, targets, q_lo, q_hi, 0.1 + 0.02 * rng.random(), 0.5, 1e-4, 60)


# --------------------------------------------------------- computer graphics


@numba.njit
def _scene_sdf(x, y, z, centers, radii):
    """Union (min) of a ground plane at y = -1 and spheres."""
    d = y + 1.0
    for k in range(radii.shape[0]):
        dx = x - centers[k, 0]
        dy = y - centers[k, 1]
        dz = z - centers[k, 2]
        ds = math.sqrt(dx * dx + dy * dy + dz * dz) - radii[k]
        if ds < d:
            d = ds
    return d


@numba.njit
def _march(ox, oy, oz, dx, dy, dz, centers, radii, t_max):
    t = 0.0
    for it in range(MAX_MARCH):
        d = _scene_sdf(ox + t * dx, oy + t * dy, oz + t * dz, centers, radii)
        if d < HIT_EPS:
            return t, True
        t += d
        if t > t_max:
            break
    return t, False


@numba.njit
def _soft_shadow(x, y, z, lx, ly, lz, centers, radii, k):
    res = 1.0
    t = 0.02
    for it in range(48):
        h = _scene_sdf(x + t * lx, y + t * ly, z + t * lz, centers, radii)
        if h < HIT_EPS:
            return 0.0
        res = min(res, k * h / t)
        t += min(h, 0.5)
        if t > 12.0:
            break
    return res


def sdf_raymarch(centers, radii, light, albedo, n_px):
    """Render an n_px x n_px image of spheres on a floor by sphere tracing
    (pinhole camera at z = -4), Lambert shading with a soft shadow, sky
    for missed rays; returns the mean brightness."""
    ln = math.sqrt(light[0] ** 2 + light[1] ** 2 + light[2] ** 2)
    lx = light[0] / ln
    ly = light[1] / ln
    lz = light[2] / ln
    ox, oy, oz = 0.0, 0.0, -4.0
    total = 0.0
    for iy in range(n_px):
        for ix in range(n_px):
            u = 2.0 * (ix + 0.5) / n_px - 1.0
            v = 1.0 - 2.0 * (iy + 0.5) / n_px
            dn = math.sqrt(u * u + v * v + 2.25)
            dx = u / dn
            dy = v / dn
            dz = 1.5 / dn
            t, hit = _march(ox, oy, oz, dx, dy, dz, centers, radii, 20.0)
            if not hit:
                total += 0.3 + 0.4 * max(dy, 0.0)
                continue
            x = ox + t * dx
            y = oy + t * dy
            z = oz + t * dz
            e = NORMAL_EPS
            nx = _scene_sdf(x + e, y, z, centers, radii) - _scene_sdf(x - e, y, z, centers, radii)
            ny = _scene_sdf(x, y + e, z, centers, radii) - _scene_sdf(x, y - e, z, centers, radii)
            nz = _scene_sdf(x, y, z + e, centers, radii) - _scene_sdf(x, y, z - e, centers, radii)
            nn = math.sqrt(nx * nx + ny * ny + nz * nz)
            nx /= nn
            ny /= nn
            nz /= nn
            diff = max(nx * lx + ny * ly + nz * lz, 0.0)
            if diff > 0.0:
                diff *= _soft_shadow(x + 2e-3 * nx, y + 2e-3 * ny, z + 2e-3 * nz,
                                     lx, ly, lz, centers, radii, 8.0)
            total += albedo * (0.1 + 0.9 * diff)
    return total / (n_px * n_px)


def _sdf(n, rng):
    centers = np.array([[-1.0, -0.4, 1.0], [0.6, -0.5, 0.5], [0.1, 0.3, 2.2], [1.4, 0.1, 3.0]])
    centers += 0.05 * rng.standard_normal(centers.shape)
    radii = np.array([0.6, 0.5, 0.8, 0.7]) * (1.0 + 0.05 * rng.random(4))
    light = np.array([0.6, 0.9, -0.5]) + 0.05 * rng.standard_normal(3)
    return (centers, radii, light, 0.8, n)


# ---------------------------------------------------------------- audio DSP


def compressor(x, ref, thresh_db, ratio, knee_db, attack_ms, release_ms, makeup_db, ceiling, fs):
    """Feed-forward log-domain compressor (Giannoulis, Massberg and Reiss
    2012): soft-knee static curve, branching smooth peak detector on the
    gain reduction, makeup gain, then a brick-wall limiter.  Returns the
    mean squared error against a reference mix plus a peak term."""
    n = x.shape[0]
    a_att = math.exp(-1.0 / (attack_ms * 1e-3 * fs))
    a_rel = math.exp(-1.0 / (release_ms * 1e-3 * fs))
    half = 0.5 * knee_db
    y_l = 0.0
    gain_db = np.empty(n)
    for i in range(n):
        x_db = 20.0 * math.log10(max(abs(x[i]), 1e-6))
        over = x_db - thresh_db
        if 2.0 * over < -knee_db:
            y_db = x_db
        elif 2.0 * abs(over) <= knee_db:
            y_db = x_db + (1.0 / ratio - 1.0) * (over + half) ** 2 / (2.0 * knee_db)
        else:
            y_db = thresh_db + over / ratio
        x_l = x_db - y_db
        if x_l > y_l:
            y_l = a_att * y_l + (1.0 - a_att) * x_l
        else:
            y_l = a_rel * y_l + (1.0 - a_rel) * x_l
        gain_db[i] = makeup_db - y_l
    out = x * np.power(10.0, gain_db / 20.0)
    out = np.clip(out, -ceiling, ceiling)
    err = out - ref
    return np.mean(err * err) + 0.01 * np.max(np.abs(out))


def _compressor(n, rng):
    fs = 48000.0
    t = np.arange(n) / fs
    env = 0.08 + 0.6 * np.abs(np.sin(TWO_PI * 6.0 * t + 1.0)) ** 3
    x = env * np.sin(TWO_PI * 220.0 * t + 3.0 * np.sin(TWO_PI * 0.5 * t)) + 0.01 * rng.standard_normal(n)
    ref = 0.5 * np.tanh(2.0 * x)
    return (x, ref, -18.0 + rng.random(), 4.0 + rng.random(), 6.0, 5.0, 80.0, 4.0, 0.7, fs)


# ------------------------------------------------------------- supply chain


def inventory_sS(demand, s_lvl, S_up, lead, h, b, p_lost, k_order, c_unit, bo_cap):
    """Periodic-review (s, S) policy per SKU with a fixed lead time.
    Arrivals clear old backorders first; unmet demand waits only while the
    backlog is under its cap, the rest is lost.  Returns the average cost
    per SKU-period."""
    n_sku, n_t = demand.shape
    total = 0.0
    pipe = np.zeros(lead)
    for k in range(n_sku):
        on_hand = S_up[k]
        backlog = 0.0
        pipe[:] = 0.0
        for t in range(n_t):
            arrived = pipe[0]
            for l in range(lead - 1):
                pipe[l] = pipe[l + 1]
            pipe[lead - 1] = 0.0
            on_hand += arrived
            served = min(backlog, on_hand)
            backlog -= served
            on_hand -= served

            d = demand[k, t]
            sold = min(d, on_hand)
            on_hand -= sold
            short = d - sold
            room = max(bo_cap[k] - backlog, 0.0)
            wait = min(short, room)
            backlog += wait
            lost = short - wait

            pos = on_hand + np.sum(pipe) - backlog
            if pos <= s_lvl[k]:
                q = S_up[k] - pos
                pipe[lead - 1] = q
                total += k_order + c_unit * q
            total += h * on_hand + b * backlog + p_lost * lost
    return total / (n_sku * n_t)


def _inventory(n, rng):
    n_t = 104
    lead = 3
    mean = 10.0 + 40.0 * rng.random(n)
    demand = rng.gamma(4.0, 1.0, (n, n_t)) * (mean / 4.0)[:, None]
    s_lvl = mean * (lead + 1) * 0.9
    S_up = s_lvl + 2.5 * mean * (1.0 + 0.2 * rng.random(n))
    bo_cap = 0.3 * mean
    return (demand, s_lvl, S_up, lead, 0.2, 2.0, 6.0, 40.0, 1.0, bo_cap)


# ------------------------------------------------------------------ finance


def asian_barrier(S0, K, r, sigma, T, barrier, rebate, Z):
    """Up-and-out arithmetic Asian call, antithetic Monte Carlo on given
    normals.  Between monitoring dates the survival probability is
    multiplied by the Brownian-bridge non-crossing probability; a
    monitored crossing knocks the path out and pays the rebate at once."""
    n_paths, n_steps = Z.shape
    dt = T / n_steps
    drift = (r - 0.5 * sigma * sigma) * dt
    vol = sigma * math.sqrt(dt)
    lb = math.log(barrier)
    x0 = math.log(S0)
    acc = 0.0
    for p in range(n_paths):
        for a in range(2):
            sgn = 1.0 - 2.0 * a
            x = x0
            surv = 1.0
            s_sum = 0.0
            knocked = False
            for k in range(n_steps):
                x_new = x + drift + sgn * vol * Z[p, k]
                if x_new >= lb:
                    acc += rebate * math.exp(-r * (k + 1) * dt)
                    knocked = True
                    break
                surv *= 1.0 - math.exp(-2.0 * (lb - x) * (lb - x_new) / (sigma * sigma * dt))
                x = x_new
                s_sum += math.exp(x)
            if knocked:
                continue
            avg = s_sum / n_steps
            payoff = surv * max(avg - K, 0.0) + (1.0 - surv) * rebate
            acc += math.exp(-r * T) * payoff
    return acc / (2 * n_paths)


def _asian(n, rng):
    Z = rng.standard_normal((n, 52))
    return (100.0 + rng.random(), 100.0, 0.03, 0.25 + 0.02 * rng.random(), 1.0,
            130.0 + rng.random(), 2.0, Z)


# ------------------------------------------------------------ power systems


def lambda_dispatch(demand, a, b, c, pmin, pmax, ramp, voll, tol, max_iter):
    """Hourly economic dispatch of quadratic-cost units by lambda
    iteration: each unit sits at clip((lambda - b) / 2c) inside its
    ramp-limited window, lambda takes Newton steps on the balance,
    safeguarded by bisection inside the bracket found so far.  Demand
    beyond the window is unserved at VOLL.  Returns the mean hourly cost."""
    n_gen = b.shape[0]
    n_hours = demand.shape[0]
    p = pmin.copy()
    lo = np.empty(n_gen)
    hi = np.empty(n_gen)
    lam = np.mean(b)
    total = 0.0
    for hr in range(n_hours):
        for i in range(n_gen):
            lo[i] = max(pmin[i], p[i] - ramp[i])
            hi[i] = min(pmax[i], p[i] + ramp[i])
        d = demand[hr]
        cap_hi = np.sum(hi)
        cap_lo = np.sum(lo)
        unserved = 0.0
        if d >= cap_hi:
            unserved = d - cap_hi
            p[:] = hi
        elif d <= cap_lo:
            p[:] = lo
        else:
            lam_lo = -INF
            lam_hi = INF
            for it in range(max_iter):
                mismatch = d
                slope = 0.0
                for i in range(n_gen):
                    pi = (lam - b[i]) / (2.0 * c[i])
                    if pi < lo[i]:
                        pi = lo[i]
                    elif pi > hi[i]:
                        pi = hi[i]
                    else:
                        slope += 1.0 / (2.0 * c[i])
                    p[i] = pi
                    mismatch -= pi
                if abs(mismatch) < tol:
                    break
                if mismatch > 0.0:
                    lam_lo = lam
                else:
                    lam_hi = lam
                if slope > 0.0:
                    lam_new = lam + mismatch / slope
                elif mismatch > 0.0:
                    lam_new = lam + 10.0
                else:
                    lam_new = lam - 10.0
                if lam_new <= lam_lo or lam_new >= lam_hi:
                    lam_new = 0.5 * (lam_lo + lam_hi)
                lam = lam_new
        cost = 0.0
        for i in range(n_gen):
            cost += a[i] + b[i] * p[i] + c[i] * p[i] * p[i]
        total += cost + voll * unserved
    return total / n_hours


def _dispatch(n, rng):
    g = 20
    pmin = 50.0 + 100.0 * rng.random(g)
    pmax = pmin + 150.0 + 400.0 * rng.random(g)
    a = 100.0 + 400.0 * rng.random(g)
    b = 10.0 + 30.0 * rng.random(g)
    c = 0.001 + 0.01 * rng.random(g)
    ramp = 40.0 + 120.0 * rng.random(g)
    hours = np.arange(n)
    total = pmax.sum()
    daily = 0.62 + 0.25 * np.sin(TWO_PI * hours / 24.0 - 1.8)
    demand = total * (daily + 0.03 * rng.standard_normal(n))
    return (demand, a, b, c, pmin, pmax, ramp, 1000.0, 1e-8, 50)


# ------------------------------------------------------------------ traffic


@numba.njit
def _ctm_fluxes(rho, vf, w, q_cap, rho_jam, exit_split, main_in, out_flow):
    """Demand/supply fluxes between cells; the last cell discharges freely."""
    nc = rho.shape[0]
    main_in[0] = 0.0
    for i in range(nc):
        send = min(vf * rho[i], q_cap[i])
        if i < nc - 1:
            recv = min(q_cap[i + 1], w * (rho_jam[i + 1] - rho[i + 1]))
        else:
            recv = q_cap[i]
        beta = exit_split[i]
        f = min(send, recv / (1.0 - beta))
        out_flow[i] = f
        if i < nc - 1:
            main_in[i + 1] = (1.0 - beta) * f


def ctm_alinea(demand_up, ramp_demand, rho0, vf, w, q_max, rho_jam, occ_target, k_r, r_min, r_max,
               beta_off, dx, dt):
    """Cell transmission model of a three-lane freeway that drops to two
    lanes near its end, with a queue at the upstream boundary, off-ramp
    splits and on-ramps metered by ALINEA every minute.  On-ramps merge
    into whatever supply the mainline leaves.  Returns the total time
    spent (veh h) on the mainline and in the queues."""
    n_steps = demand_up.shape[0]
    nr = RAMP_CELLS.shape[0]
    q_cap = np.full(N_CELLS, q_max)
    jam = np.full(N_CELLS, rho_jam)
    for i in range(LANE_DROP, N_CELLS):
        q_cap[i] *= 2.0 / 3.0
        jam[i] *= 2.0 / 3.0
    rho = rho0.copy()
    main_in = np.zeros(N_CELLS)
    out_flow = np.zeros(N_CELLS)
    ramp_in = np.zeros(N_CELLS)
    exit_split = np.zeros(N_CELLS)
    for j in range(EXIT_CELLS.shape[0]):
        exit_split[EXIT_CELLS[j]] = beta_off
    queue = np.zeros(nr)
    rate = np.full(nr, 0.5 * r_max)
    up_queue = 0.0
    tts = 0.0
    for t in range(n_steps):
        _ctm_fluxes(rho, vf, w, q_cap, jam, exit_split, main_in, out_flow)
        # upstream boundary: queued plus arriving vehicles, limited by supply
        supply0 = min(q_cap[0], w * (jam[0] - rho[0]))
        main_in[0] = min(up_queue / dt + demand_up[t], supply0)
        up_queue += (demand_up[t] - main_in[0]) * dt
        for k in range(nr):
            j = RAMP_CELLS[k]
            supply = min(q_cap[j], w * (jam[j] - rho[j]))
            room = max(supply - main_in[j], 0.0)
            rf = min(rate[k], queue[k] / dt + ramp_demand[t, k], room)
            ramp_in[j] = rf
            queue[k] += (ramp_demand[t, k] - rf) * dt
        for i in range(N_CELLS):
            rho[i] += dt / dx * (main_in[i] + ramp_in[i] - out_flow[i])
        if t % 6 == 5:
            for k in range(nr):
                j = RAMP_CELLS[k]
                occ = rho[j] / jam[j]
                rate[k] = min(max(rate[k] + k_r * (occ_target - occ), r_min), r_max)
        tts += dt * (dx * np.sum(rho) + np.sum(queue) + up_queue)
    return tts


def _ctm(n, rng):
    t = np.arange(n)
    peak = np.sin(math.pi * t / n) ** 2
    demand_up = 3600.0 + 2200.0 * peak + 150.0 * rng.standard_normal(n)
    ramp_demand = np.empty((n, RAMP_CELLS.shape[0]))
    for k in range(RAMP_CELLS.shape[0]):
        ramp_demand[:, k] = 350.0 + 500.0 * peak * (0.8 + 0.4 * rng.random()) + 40.0 * rng.standard_normal(n)
    ramp_demand = np.maximum(ramp_demand, 0.0)
    # detector snapshot: light traffic upstream, a queue behind the lane drop
    rho0 = 25.0 + 30.0 * rng.random(N_CELLS)
    rho0[38:LANE_DROP] = 260.0 + 40.0 * rng.random(LANE_DROP - 38)
    rho0[LANE_DROP:] = 100.0 + 40.0 * rng.random(N_CELLS - LANE_DROP)
    return (demand_up, ramp_demand, rho0, 100.0 + 5.0 * rng.random(), 20.0 + rng.random(),
            6000.0 + 200.0 * rng.random(), 540.0, 0.095 + 0.01 * rng.random(), 7000.0,
            200.0, 1200.0, 0.12, 0.5, 10.0 / 3600.0)


# ---------------------------------------------------- structural engineering


@numba.njit
def _return_map(eps, eps_p, alpha, sy, hard):
    """1-D elastoplastic return mapping with linear isotropic hardening:
    returns (stress, plastic strain, hardening variable, tangent)."""
    sig_tr = E_MOD * (eps - eps_p)
    f = abs(sig_tr) - (sy + hard * alpha)
    if f <= 0.0:
        return sig_tr, eps_p, alpha, E_MOD
    dg = f / (E_MOD + hard)
    sgn = 1.0 if sig_tr > 0.0 else -1.0
    return sig_tr - E_MOD * dg * sgn, eps_p + dg * sgn, alpha + dg, E_MOD * hard / (E_MOD + hard)


@numba.njit
def _cholesky_solve(K, rhs, x, L):
    """Solve K x = rhs for symmetric positive definite K (L is workspace)."""
    n = K.shape[0]
    for j in range(n):
        s = K[j, j]
        for k in range(j):
            s -= L[j, k] * L[j, k]
        d = math.sqrt(s)
        L[j, j] = d
        for i in range(j + 1, n):
            s = K[i, j]
            for k in range(j):
                s -= L[i, k] * L[j, k]
            L[i, j] = s / d
    for i in range(n):
        s = rhs[i]
        for k in range(i):
            s -= L[i, k] * x[k]
        x[i] = s / L[i, i]
    for i in range(n - 1, -1, -1):
        s = x[i]
        for k in range(i + 1, n):
            s -= L[k, i] * x[k]
        x[i] = s / L[i, i]


def truss_plastic(xy, bars, fixed, loads, area, sy, hard, load, n_steps, tol, max_newton):
    """Pin-jointed truss of elastoplastic bars (small strain) loaded in
    increments; each increment is solved by Newton's method with the
    consistent tangent, plastic state committed at convergence.  Returns
    the midspan deflection (mm) plus the plastic dissipation (kJ)."""
    nn = xy.shape[0]
    nb = bars.shape[0]
    nd = 2 * nn
    length = np.empty(nb)
    cx = np.empty(nb)
    cy = np.empty(nb)
    for e in range(nb):
        dx = xy[bars[e, 1], 0] - xy[bars[e, 0], 0]
        dy = xy[bars[e, 1], 1] - xy[bars[e, 0], 1]
        length[e] = math.sqrt(dx * dx + dy * dy)
        cx[e] = dx / length[e]
        cy[e] = dy / length[e]

    u = np.zeros(nd)
    du = np.zeros(nd)
    fint = np.zeros(nd)
    res = np.zeros(nd)
    K = np.zeros((nd, nd))
    L = np.zeros((nd, nd))
    eps_p = np.zeros(nb)
    alpha = np.zeros(nb)
    eps_p_new = np.zeros(nb)
    alpha_new = np.zeros(nb)
    sig = np.zeros(nb)
    dofs = np.empty(4, np.int64)
    g = np.empty(4)
    f_norm = np.sqrt(np.sum(loads * loads))
    dissip = 0.0
    for step in range(1, n_steps + 1):
        lf = load * step / n_steps
        for it in range(max_newton):
            K[:, :] = 0.0
            fint[:] = 0.0
            for e in range(nb):
                i = bars[e, 0]
                j = bars[e, 1]
                dofs[0] = 2 * i
                dofs[1] = 2 * i + 1
                dofs[2] = 2 * j
                dofs[3] = 2 * j + 1
                g[0] = -cx[e]
                g[1] = -cy[e]
                g[2] = cx[e]
                g[3] = cy[e]
                eps = 0.0
                for a in range(4):
                    eps += g[a] * u[dofs[a]]
                eps /= length[e]
                s, ep, al, et = _return_map(eps, eps_p[e], alpha[e], sy, hard)
                sig[e] = s
                eps_p_new[e] = ep
                alpha_new[e] = al
                force = s * area[e]
                kk = et * area[e] / length[e]
                for a in range(4):
                    fint[dofs[a]] += force * g[a]
                    for bb in range(4):
                        K[dofs[a], dofs[bb]] += kk * g[a] * g[bb]
            for d in range(nd):
                res[d] = lf * loads[d] - fint[d]
            for q in range(fixed.shape[0]):
                d = fixed[q]
                res[d] = 0.0
                K[d, :] = 0.0
                K[:, d] = 0.0
                K[d, d] = 1.0
            if np.sqrt(np.sum(res * res)) < tol * lf * f_norm:
                break
            _cholesky_solve(K, res, du, L)
            u += du
        for e in range(nb):
            dissip += area[e] * length[e] * sig[e] * (eps_p_new[e] - eps_p[e])
        eps_p[:] = eps_p_new
        alpha[:] = alpha_new
    n_panels = (nn - 2) // 2
    mid = n_panels // 2
    return -u[2 * mid + 1] + 1e-6 * dissip


def _truss(n, rng):
    # Pratt truss: bottom nodes 0..n, top nodes n+1..2n+1, 2 m panels,
    # depth at least 2 m and at least span / 8
    panel = 2000.0
    depth = panel * max(1.0, n / 8.0)
    xy = np.zeros((2 * n + 2, 2))
    for i in range(n + 1):
        xy[i, 0] = i * panel
        xy[n + 1 + i, 0] = i * panel
        xy[n + 1 + i, 1] = depth
    bars = []
    for i in range(n):
        bars.append((i, i + 1))
        bars.append((n + 1 + i, n + 2 + i))
    for i in range(n + 1):
        bars.append((i, n + 1 + i))
    for i in range(n):
        if i < n // 2:
            bars.append((i, n + 2 + i))
        else:
            bars.append((i + 1, n + 1 + i))
    bars = np.array(bars, dtype=np.int64)
    fixed = np.array([0, 1, 2 * n + 1], dtype=np.int64)
    loads = np.zeros(2 * (2 * n + 2))
    for i in range(1, n):
        loads[2 * i + 1] = -1.0
    area = 1000.0 * (1.0 + 0.5 * rng.random(bars.shape[0]))
    # nodal load that takes the midspan chords to about 1.5 x yield
    load = 3.0e6 / n ** 2 * (depth / panel) * (1.0 + 0.1 * rng.random())
    return (xy, bars, fixed, loads, area, 250.0, 2000.0, load, 10, 1e-9, 20)


# ---------------------------------------------------------------- chemistry


@numba.njit
def _arrhenius(log_a, ea, temp, k):
    for j in range(log_a.shape[0]):
        k[j] = math.exp(log_a[j] - ea[j] / (R_GAS * temp))


@numba.njit
def _net_rates(c, k, out):
    out[:] = 0.0
    for j in range(k.shape[0]):
        r = k[j] * c[REACTANTS[j, 0]]
        if REACTANTS[j, 1] >= 0:
            r *= c[REACTANTS[j, 1]]
        for s in range(2):
            if REACTANTS[j, s] >= 0:
                out[REACTANTS[j, s]] -= r
            if PRODUCTS[j, s] >= 0:
                out[PRODUCTS[j, s]] += r


@numba.njit
def _rk4_step(c, k, dt, k1, k2, k3, k4, tmp):
    _net_rates(c, k, k1)
    for s in range(c.shape[0]):
        tmp[s] = c[s] + 0.5 * dt * k1[s]
    _net_rates(tmp, k, k2)
    for s in range(c.shape[0]):
        tmp[s] = c[s] + 0.5 * dt * k2[s]
    _net_rates(tmp, k, k3)
    for s in range(c.shape[0]):
        tmp[s] = c[s] + dt * k3[s]
    _net_rates(tmp, k, k4)
    for s in range(c.shape[0]):
        c[s] += dt / 6.0 * (k1[s] + 2.0 * k2[s] + 2.0 * k3[s] + k4[s])


def kinetics_batch(log_a, ea, c0, t_max, feed_ratio, heat_rate, t0, dt, n_steps):
    """A sweep of batch runs of a consecutive-competitive network under a
    heating ramp capped at t_max.  RK4 steps; concentrations are clamped
    at zero, product above its solubility crystallises out of solution,
    and a run stops once A is 99.9 % converted.  Returns the mean of
    (product recovered - 0.5 byproduct - 1e-4 batch time)."""
    n_runs = feed_ratio.shape[0]
    ns = c0.shape[0]
    c = np.empty(ns)
    k = np.empty(log_a.shape[0])
    k1 = np.empty(ns)
    k2 = np.empty(ns)
    k3 = np.empty(ns)
    k4 = np.empty(ns)
    tmp = np.empty(ns)
    score = 0.0
    for run in range(n_runs):
        c[:] = c0
        c[1] = c0[1] * feed_ratio[run]
        solid = 0.0
        t_end = n_steps * dt
        for step in range(n_steps):
            temp = min(t0 + heat_rate[run] * step * dt, t_max)
            _arrhenius(log_a, ea, temp, k)
            _rk4_step(c, k, dt, k1, k2, k3, k4, tmp)
            for s in range(ns):
                if c[s] < 0.0:
                    c[s] = 0.0
            if c[3] > P_SAT:
                solid += c[3] - P_SAT
                c[3] = P_SAT
            if c[0] < 1e-3 * c0[0]:
                t_end = (step + 1) * dt
                break
        score += c[3] + solid - 0.5 * c[4] - 1e-4 * t_end
    return score / n_runs


def _kinetics(n, rng):
    ea = np.array([55.0, 70.0, 65.0, 80.0, 90.0, 110.0]) + rng.random(6)
    k350 = np.array([0.05, 0.01, 0.02, 0.01, 0.0005, 0.0002])
    log_a = np.log(k350) + ea / (R_GAS * 350.0) + 0.05 * rng.standard_normal(6)
    c0 = np.array([1.0, 1.2, 0.0, 0.0, 0.0]) + np.array([0.05, 0.05, 0.0, 0.0, 0.0]) * rng.random(5)
    feed_ratio = 0.8 + 0.6 * rng.random(n)
    heat_rate = 0.05 + 0.1 * rng.random(n)
    return (log_a, ea, c0, 370.0 + rng.random(), feed_ratio, heat_rate, 320.0, 2.0, 600)


# -------------------------------------------------------------- agriculture


def crop_gdd(tmin, tmax, rad, t_shift, t_base, t_upper, rue, k_ext, t_kill, gdd_emerge,
             gdd_flower, gdd_fill, gdd_mature, lai_rate, lai_max):
    """Degree-day crop model per field: capped growing degree days drive
    emergence, logistic leaf growth, a ramped switch from vegetative
    growth to grain fill, and maturity; radiation use efficiency with
    Beer's law interception; frost after emergence kills a ramped fraction
    of the canopy and can end the season.  Returns the mean grain yield."""
    n_fields, n_days = tmin.shape
    total = 0.0
    for f in range(n_fields):
        cum = 0.0
        lai = 0.0
        grain = 0.0
        emerged = False
        for d in range(n_days):
            lo = tmin[f, d] + t_shift[f]
            hi = tmax[f, d] + t_shift[f]
            gdd = max(min(0.5 * (lo + hi), t_upper) - t_base, 0.0)
            cum += gdd
            if not emerged:
                if cum < gdd_emerge:
                    continue
                emerged = True
                lai = 0.05
            if lo < t_kill:
                kill = min((t_kill - lo) / 4.0, 1.0)
                lai *= 1.0 - kill
                if lai < 1e-3:
                    break
            fill = min(max((cum - gdd_flower) / gdd_fill, 0.0), 1.0)
            growth = lai_rate * gdd * lai * (1.0 - lai / lai_max) * (1.0 - fill)
            senescence = 0.002 * gdd * lai * fill
            lai = max(lai + growth - senescence, 0.0)
            dw = rue * 0.5 * rad[f, d] * (1.0 - math.exp(-k_ext * lai))
            grain += 0.8 * fill * dw
            if cum >= gdd_mature:
                break
        total += grain
    return total / n_fields


def _crop(n, rng):
    n_days = 200
    d = np.arange(n_days)
    seasonal = 7.0 + 17.0 * np.sin(math.pi * d / n_days)
    offs = 2.0 * rng.standard_normal(n)
    tmean = seasonal[None, :] + offs[:, None] + 3.0 * rng.standard_normal((n, n_days))
    # late spring cold snaps
    for f in range(n):
        for snap in range(2):
            d0 = rng.integers(30, 70)
            tmean[f, d0:d0 + 3] -= 4.0 + 3.0 * rng.random()
    tmin = tmean - 6.0 - 2.0 * rng.random((n, n_days))
    tmax = tmean + 6.0 + 2.0 * rng.random((n, n_days))
    rad = 12.0 + 12.0 * np.sin(math.pi * d / n_days)[None, :] + 2.0 * rng.random((n, n_days))
    t_shift = 0.5 * rng.standard_normal(n)
    return (tmin, tmax, rad, t_shift, 8.0 + 0.2 * rng.random(), 30.0, 3.5, 0.6, 0.2 * rng.random(),
            100.0, 800.0 + 10.0 * rng.random(), 600.0, 1500.0, 0.012, 5.0)


# ------------------------------------------------------------------ ecology


@numba.njit
def _laplacian_neumann(z, out):
    """5-point Laplacian with reflecting boundaries (edge cells mirrored)."""
    n, m = z.shape
    for i in range(n):
        im = max(i - 1, 0)
        ip = min(i + 1, n - 1)
        for j in range(m):
            jm = max(j - 1, 0)
            jp = min(j + 1, m - 1)
            out[i, j] = z[im, j] + z[ip, j] + z[i, jm] + z[i, jp] - 4.0 * z[i, j]


def predator_prey_grid(u0, v0, habitat, r, a, h, e, m, du, dv, harvest, v_thr, dt, n_steps):
    """Rosenzweig-MacArthur prey and predator on a grid with reflecting
    diffusion, Holling type II uptake, predator harvesting above a
    threshold density and prey clipped to the local carrying capacity.
    Returns the mean predator density plus a prey spread term."""
    n = u0.shape[0]
    u = u0.copy()
    v = v0.copy()
    lu = np.empty((n, n))
    lv = np.empty((n, n))
    for step in range(n_steps):
        _laplacian_neumann(u, lu)
        _laplacian_neumann(v, lv)
        uptake = a * u * v / (1.0 + a * h * u)
        u = u + dt * (du * lu + r * u * (1.0 - u / habitat) - uptake)
        v = v + dt * (dv * lv + e * uptake - m * v)
        v = v - dt * harvest * np.maximum(v - v_thr, 0.0)
        u = np.minimum(np.maximum(u, 0.0), habitat)
        v = np.maximum(v, 0.0)
    return np.mean(v) + 0.1 * np.mean(np.abs(u - np.mean(u)))


def _ecology(n, rng):
    habitat = 0.8 + 0.7 * rng.random((n, n))
    u0 = 0.6 * habitat * rng.random((n, n))
    v0 = 0.1 + 0.2 * rng.random((n, n))
    return (u0, v0, habitat, 1.0 + 0.1 * rng.random(), 3.0 + 0.2 * rng.random(), 1.0, 0.6, 0.4,
            0.5 + 0.05 * rng.random(), 0.2, 0.8, 0.35, 0.05, 200)


# ---------------------------------------------------------- computer vision


@numba.njit
def _forward_grad(g, gx, gy):
    n, m = g.shape
    for i in range(n):
        for j in range(m):
            gx[i, j] = g[i + 1, j] - g[i, j] if i < n - 1 else 0.0
            gy[i, j] = g[i, j + 1] - g[i, j] if j < m - 1 else 0.0


@numba.njit
def _divergence(p, out):
    """Minus the adjoint of _forward_grad for a dual field p[0], p[1]."""
    n, m = out.shape
    for i in range(n):
        for j in range(m):
            d = 0.0
            if i < n - 1:
                d += p[0, i, j]
            if i > 0:
                d -= p[0, i - 1, j]
            if j < m - 1:
                d += p[1, i, j]
            if j > 0:
                d -= p[1, i, j - 1]
            out[i, j] = d


def tv_chambolle(f, clean, lam, tau, n_iter):
    """ROF denoising through Chambolle's projected dual iteration:
    p <- Proj_{|p| <= 1}(p + tau grad(div p - f / lam)), u = f - lam div p.
    Returns the mean squared error to the clean image."""
    n, m = f.shape
    p = np.zeros((2, n, m))
    d = np.zeros((n, m))
    gx = np.empty((n, m))
    gy = np.empty((n, m))
    for it in range(n_iter):
        _divergence(p, d)
        _forward_grad(d - f / lam, gx, gy)
        for i in range(n):
            for j in range(m):
                qx = p[0, i, j] + tau * gx[i, j]
                qy = p[1, i, j] + tau * gy[i, j]
                # project back onto the unit disc
                nrm = max(1.0, math.sqrt(qx * qx + qy * qy))
                p[0, i, j] = qx / nrm
                p[1, i, j] = qy / nrm
    _divergence(p, d)
    u = f - lam * d
    err = u - clean
    return np.mean(err * err)


def _tv(n, rng):
    yy, xx = np.mgrid[0:n, 0:n] / max(n - 1, 1)
    clean = 0.2 + 0.6 * ((xx - 0.5) ** 2 + (yy - 0.45) ** 2 < 0.1) + 0.2 * (xx > 0.7)
    clean = clean.astype(np.float64)
    f = clean + 0.15 * rng.standard_normal((n, n))
    return (f, clean, 0.12 + 0.02 * rng.random(), 0.24, 60)


# --------------------------------------------------------- machine learning


@numba.njit
def _leaky_relu_(z, slope):
    n, m = z.shape
    for i in range(n):
        for j in range(m):
            if z[i, j] < 0.0:
                z[i, j] *= slope


def mlp_hinge(W1, b1, W2, b2, X, y, slope, margin, reg):
    """Two-layer leaky-ReLU network scored on a minibatch by the
    Crammer-Singer multiclass hinge loss plus weight decay."""
    n = X.shape[0]
    c = W2.shape[1]
    Z = X @ W1 + b1
    _leaky_relu_(Z, slope)
    S = Z @ W2 + b2
    loss = 0.0
    for i in range(n):
        yi = y[i]
        best = -INF
        for k in range(c):
            if k == yi:
                continue
            if S[i, k] > best:
                best = S[i, k]
        viol = margin + best - S[i, yi]
        if viol > 0.0:
            loss += viol
    return loss / n + reg * (np.sum(W1 * W1) + np.sum(W2 * W2))


def _mlp(n, rng):
    d, hdim, c = 6, 12, 4
    X = rng.standard_normal((n, d))
    T = rng.standard_normal((d, c))
    y = np.argmax(np.tanh(X @ T) + 0.3 * rng.standard_normal((n, c)), axis=1).astype(np.int64)
    W1 = 0.5 * rng.standard_normal((d, hdim))
    b1 = 0.1 * rng.standard_normal(hdim)
    W2 = 0.5 * rng.standard_normal((hdim, c))
    b2 = 0.1 * rng.standard_normal(c)
    return (W1, b1, W2, b2, X, y, 0.05, 1.0, 1e-3)


# ------------------------------------------------------- signal processing


def dtw_band(a, b, window):
    """DTW distance with an absolute-difference cost inside a Sakoe-Chiba
    band, stored by diagonal offset (row i, column j - i + w), with
    back-pointers to recover the warping path; returns the accumulated
    cost divided by the path length."""
    n = a.shape[0]
    m = b.shape[0]
    w = max(window, abs(n - m))
    width = 2 * w + 1
    D = np.full((n + 1, width), INF)
    ptr = np.zeros((n + 1, width), np.int8)
    D[0, w] = 0.0
    for i in range(1, n + 1):
        j_lo = max(1, i - w)
        j_hi = min(m, i + w)
        for j in range(j_lo, j_hi + 1):
            kk = j - i + w
            best = D[i - 1, kk]          # (i-1, j-1)
            move = 0
            if kk + 1 < width and D[i - 1, kk + 1] < best:   # (i-1, j)
                best = D[i - 1, kk + 1]
                move = 1
            if kk > 0 and D[i, kk - 1] < best:               # (i, j-1)
                best = D[i, kk - 1]
                move = 2
            D[i, kk] = abs(a[i - 1] - b[j - 1]) + best
            ptr[i, kk] = move
    i = n
    j = m
    steps = 0
    while i > 0 and j > 0:
        mv = ptr[i, j - i + w]
        if mv == 0:
            i -= 1
            j -= 1
        elif mv == 1:
            i -= 1
        else:
            j -= 1
        steps += 1
    return D[n, m - n + w] / steps


def _dtw(n, rng):
    t = np.linspace(0.0, 6.0 * math.pi, n)
    m = n - n // 10
    s = np.linspace(0.0, 6.0 * math.pi, m)
    a = np.sin(t) + 0.3 * np.sin(3.1 * t) + 0.1 * rng.standard_normal(n)
    b = np.sin(s + 0.3 * np.sin(0.5 * s)) + 0.3 * np.sin(3.1 * s) + 0.1 * rng.standard_normal(m)
    return (a, b, max(n // 10, 3))


# --------------------------------------------------------------- geoscience


@numba.njit
def _temperature(H, lat):
    """Enthalpy to temperature: frozen, zero curtain, thawed."""
    if H < 0.0:
        return H / C_FROZEN
    if H < lat:
        return 0.0
    return (H - lat) / C_THAWED


@numba.njit
def _heat_substeps(H, T, k, flux, lat, t_surf, k_f, k_t, g_flux, dz, dt, n_sub):
    nz = H.shape[0]
    for s in range(n_sub):
        for i in range(nz):
            T[i] = _temperature(H[i], lat)
            phi = min(max(H[i] / lat, 0.0), 1.0)
            k[i] = k_f + (k_t - k_f) * phi
        # surface temperature applied half a cell above the first node
        flux[0] = 2.0 * k[0] * (t_surf - T[0]) / dz
        for i in range(1, nz):
            kh = 2.0 * k[i - 1] * k[i] / (k[i - 1] + k[i])
            flux[i] = kh * (T[i - 1] - T[i]) / dz
        flux[nz] = -g_flux
        for i in range(nz):
            H[i] += dt * (flux[i] - flux[i + 1]) / dz


def permafrost_alt(t_air, t_mean, amp, n_factor, k_thawed, theta, k_frozen, g_flux, dz, nz, n_sub):
    """Enthalpy-method 1-D heat conduction in a soil column with a
    phase-change plateau at 0 C.  Negative air temperatures are damped by a
    snow n-factor.  Each day the thaw depth is read from the contiguous
    thawed cells below the surface; returns the largest thaw depth of the
    last year plus a deep-temperature term."""
    n_days = t_air.shape[0]
    lat = L_FUSION * theta
    H = np.empty(nz)
    for i in range(nz):
        t0 = t_mean + 0.03 * (i + 0.5) * dz
        if t0 < 0.0:
            H[i] = t0 * C_FROZEN
        else:
            H[i] = lat + t0 * C_THAWED
    T = np.empty(nz)
    k = np.empty(nz)
    flux = np.empty(nz + 1)
    dt = 86400.0 / n_sub
    start = max(n_days - 365, 0)
    alt_max = 0.0
    for day in range(n_days):
        ta = t_mean + amp * math.sin(TWO_PI * day / 365.0) + t_air[day]
        ts = ta * n_factor if ta < 0.0 else ta
        _heat_substeps(H, T, k, flux, lat, ts, k_frozen, k_thawed, g_flux, dz, dt, n_sub)
        if day < start:
            continue
        alt = 0.0
        for i in range(nz):
            phi = min(max(H[i] / lat, 0.0), 1.0)
            alt += phi * dz
            if phi < 1.0:
                break
        alt_max = max(alt_max, alt)
    for i in range(nz):
        T[i] = _temperature(H[i], lat)
    return alt_max + 0.1 * np.mean(T[nz // 2:])


def _permafrost(n, rng):
    z = rng.standard_normal(n)
    t_air = np.zeros(n)
    a = 0.0
    for d in range(n):
        a = 0.7 * a + 2.0 * z[d]
        t_air[d] = a
    return (t_air, -4.0 + 0.2 * rng.random(), 16.0 + rng.random(), 0.5 + 0.05 * rng.random(),
            1.2 + 0.1 * rng.random(), 0.3 + 0.02 * rng.random(), 2.0, 0.06, 0.1, 50, 24)


# ------------------------------------------------------ operations research


@numba.njit
def _project_simplex(v, out, active):
    """Michelot's finite algorithm for the projection onto the unit simplex."""
    m = v.shape[0]
    for j in range(m):
        active[j] = True
    tau = 0.0
    while True:
        s = 0.0
        cnt = 0
        for j in range(m):
            if active[j]:
                s += v[j]
                cnt += 1
        tau = (s - 1.0) / cnt
        changed = False
        for j in range(m):
            if active[j] and v[j] <= tau:
                active[j] = False
                changed = True
        if not changed:
            break
    for j in range(m):
        out[j] = max(v[j] - tau, 0.0)


def facility_subgradient(c, d, u, f, rho, step0, n_iter):
    """Fractional assignment of customers to capacitated facilities.  A
    facility costs f * utilisation up to capacity, then f plus rho per unit
    of overload; shipping costs c * demand.  Projected subgradient steps
    with diminishing step length, rows projected onto the simplex; returns
    the best objective seen."""
    n, m = c.shape
    x = np.full((n, m), 1.0 / m)
    load = np.zeros(m)
    slope = np.zeros(m)
    v = np.empty(m)
    xr = np.empty(m)
    active = np.empty(m, np.bool_)
    best = INF
    for it in range(n_iter):
        load[:] = 0.0
        obj = 0.0
        for i in range(n):
            for j in range(m):
                load[j] += d[i] * x[i, j]
                obj += c[i, j] * d[i] * x[i, j]
        for j in range(m):
            if load[j] < u[j]:
                obj += f[j] * load[j] / u[j]
                slope[j] = f[j] / u[j]
            else:
                obj += f[j] + rho * (load[j] - u[j])
                slope[j] = rho
        best = min(best, obj)
        alpha = step0 / math.sqrt(it + 1.0)
        for i in range(n):
            for j in range(m):
                v[j] = x[i, j] - alpha * (c[i, j] + slope[j])
            _project_simplex(v, xr, active)
            x[i, :] = xr
    return best


def _facility(n, rng):
    m = 8
    cust = rng.random((n, 2))
    fac = rng.random((m, 2))
    c = np.empty((n, m))
    for i in range(n):
        for j in range(m):
            c[i, j] = 1.0 + 10.0 * math.sqrt((cust[i, 0] - fac[j, 0]) ** 2 + (cust[i, 1] - fac[j, 1]) ** 2)
    d = 1.0 + 9.0 * rng.random(n)
    u = d.sum() / m * (0.9 + 0.5 * rng.random(m))
    f = u * (1.0 + 2.0 * rng.random(m))
    return (c, d, u, f, 20.0, 0.05, 60)


# ----------------------------------------------------------------- registry

PROGRAMS = {
    "hbv_runoff": Program(hbv_runoff, ("rain", "fc", "beta", "k0", "k1", "perc"), _hbv, 200, 300000),
    "pk_two_compartment": Program(pk_two_compartment, ("dose", "ka", "cl", "v1", "q", "v2", "c_tox"),
                                  _pk, 600, 300000),
    "seir_lockdown": Program(seir_lockdown, ("beta", "sigma", "gamma", "eff", "trig", "cap"), _seir, 4, 200),
    "battery_ecm": Program(battery_ecm, ("power", "cap_ah", "r0", "r1", "c1"), _battery, 250, 300000),
    "arm_ik": Program(arm_ik, ("lengths", "targets", "lam"), _arm, 10, 20000),
    "sdf_raymarch": Program(sdf_raymarch, ("centers", "radii", "light"), _sdf, 6, 120),
    "compressor": Program(compressor, ("x", "thresh_db", "ratio", "knee_db", "attack_ms", "makeup_db"),
                          _compressor, 256, 300000),
    "inventory_sS": Program(inventory_sS, ("demand", "S_up", "h", "b", "p_lost"), _inventory, 2, 6000),
    "asian_barrier": Program(asian_barrier, ("S0", "K", "r", "sigma", "barrier", "rebate"), _asian,
                             40, 10000),
    "lambda_dispatch": Program(lambda_dispatch, ("demand", "b", "c", "pmax"), _dispatch, 24, 20000),
    "ctm_alinea": Program(ctm_alinea, ("demand_up", "vf", "w", "q_max", "occ_target"), _ctm, 120, 30000),
    "truss_plastic": Program(truss_plastic, ("area", "sy", "hard", "load"), _truss, 4, 40),
    "kinetics_batch": Program(kinetics_batch, ("log_a", "ea", "c0", "t_max"), _kinetics, 1, 100),
    "crop_gdd": Program(crop_gdd, ("t_shift", "t_base", "rue", "k_ext", "t_kill", "gdd_flower"), _crop,
                        3, 5000),
    "predator_prey_grid": Program(predator_prey_grid, ("u0", "r", "a", "du"), _ecology, 8, 88),
    "tv_chambolle": Program(tv_chambolle, ("f", "lam"), _tv, 10, 256),
    "mlp_hinge": Program(mlp_hinge, ("W1", "b1", "W2", "b2"), _mlp, 16, 100000),
    "dtw_band": Program(dtw_band, ("a", "b"), _dtw, 40, 3000),
    "permafrost_alt": Program(permafrost_alt, ("t_mean", "amp", "n_factor", "k_thawed", "theta"),
                             _permafrost, 60, 2000),
    "facility_subgradient": Program(facility_subgradient, ("c", "d", "u", "f"), _facility, 12, 3000),
}
