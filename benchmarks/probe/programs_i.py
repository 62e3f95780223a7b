"""Probe corpus I: nonsmooth numerical programs in the style of Numba code
found in research repositories and engineering, finance and ML libraries:
web-graph ranking, robust sparse regression, groundwater flow with drying
cells, phase-field relaxation, image inpainting, gas-turbine lookup-table
models, electricity tariffs, process-integration pinch analysis, river
network routing, wildfire spread, two-asset option pricing by ADI,
portfolio rebalancing with a no-trade band, occupancy-grid mapping,
particle-in-cell plasma simulation, cable nets by dynamic relaxation,
battery degradation by rainflow counting, recommender factorisation with a
pairwise hinge, seismic travel times by fast sweeping, mine valuation by
switching-option dynamic programming and ART tomography.

The programs keep 2-D and 3-D state arrays updated in place element by
element inside time loops (Gauss-Seidel and SOR sweeps, red-black ordering
by ``(i + j) % 2`` with strided inner loops, sweeps in four orderings,
periodic neighbours by ``%``), refill 2-D work arrays each step and swap
arrays by tuple assignment.  They walk integer index arrays: CSR matrices
(``indptr``, ``indices``, ``data``) for matrix-vector products and
row-action methods, graph edge lists with scatter-adds ``out[dst[e]] += ...``,
(user, item) index triples and receiver positions.  Module-level
``@numba.njit`` helpers call other helpers, return tuples, or take arrays
and write into them.  Control flow includes ``while`` loops with
convergence tests and iteration caps, ``break``, ``continue``, early
``return``, backward ``range(n - 1, -1, -1)``, strided ``range(0, n, 2)``
and triangular ``range(i + 1, n)`` loops.  Table look-ups go through
``math.floor``/``int()`` cell indices, ``np.searchsorted`` and ``np.interp``;
whole-array code uses ``np.cumsum``, ``np.argmax``/``np.argmin``,
``np.sort``, boolean masks, ``np.where``, ``np.clip`` and axis reductions.
Module-level constants and integer and boolean parameters steer them.  The
nonsmoothness comes from abs/min/max/clip, hinge losses, projections,
thresholds, data-dependent branches, piecewise-linear tables, argmax
selection among decisions, discrepancy-principle stopping and cycle
counting.  Each returns one float.  Written once and not edited to suit
nsadc.

Each entry of ``PROGRAMS``: name -> Program(fn, wrt, args(size, rng),
small, big) where ``small`` is the size of the correctness check and ``big``
the size of the timing."""

import math

import numba
import numpy as np

from benchmarks.probe.programs import Program

# ----------------------------------------------------------------- constants

PR_TOL = 1e-14            # L1 change of the rank vector
PR_MAXIT = 1000

SEEP_OMEGA = 1.7          # over-relaxation factor
SEEP_TOL = 1e-13          # m, largest head change in a sweep
SEEP_MAXSWEEP = 5000

INPAINT_MAXIT = 150
INPAINT_TOL = 1e-11

# gas-turbine schedules (fuel flow in kg/s against spool speed, fraction of design)
GT_SPEED_AXIS = np.array([0.5, 0.62, 0.75, 0.85, 0.92, 0.97, 1.0, 1.05])
GT_FUEL_AXIS0 = 0.0
GT_FUEL_STEP = 0.25
GT_INERTIA = 0.9
GT_RATE_LIMIT = 0.6       # kg/s per s

# time-of-use price curve ($/kWh against hour of day) and the tiered energy charge
TOU_HOURS = np.array([0.0, 6.0, 7.0, 16.0, 17.0, 21.0, 22.0, 24.0])
TOU_PRICE = np.array([0.11, 0.11, 0.19, 0.19, 0.42, 0.42, 0.11, 0.11])
PEAK_PRICE = 0.3
TIER_KWH = np.array([0.0, 10.0, 25.0, 1.0e7])
TIER_COST = np.array([0.0, 1.0, 3.25, 3.25 + 0.22 * (1.0e7 - 25.0)])
BATT_ETA = 0.92

FIRE_DI = np.array([-1, -1, -1, 0, 0, 1, 1, 1])
FIRE_DJ = np.array([-1, 0, 1, -1, 1, -1, 0, 1])

OCC_RES = 0.1             # m per cell
OCC_STEP = 0.05           # m between samples along a beam
OCC_LMIN = -3.5
OCC_LMAX = 3.5

DR_DT = 0.08              # dynamic relaxation pseudo time step
DR_DAMP = 0.92
DR_TOL = 1e-11
DR_MAXIT = 20000

BATT_UNMET_PRICE = 0.5    # $/kWh not delivered
BATT_CELL_PRICE = 120.0   # $/kWh of capacity

EIK_BIG = 1e10
EIK_TOL = 1e-13
EIK_MAXIT = 100

ART_MAXSWEEP = 25
ART_TAU = 1.05

# ------------------------------------------------------------------ programs


@numba.njit
def csr_matvec_into(indptr, indices, data, x, out):
    n = indptr.shape[0] - 1
    for i in range(n):
        acc = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            acc += data[k] * x[indices[k]]
        out[i] = acc


@numba.njit
def l1_misfit(r, target):
    s = 0.0
    for i in range(r.shape[0]):
        s += abs(r[i] - target[i])
    return s


def pagerank_capped(data, teleport, damping, indptr, indices, cap, target):
    """Personalised PageRank on a weighted graph stored as CSR by in-links
    (row i lists the pages linking to i), each rank capped at ``cap`` (an
    anti-spam rule) and renormalised every sweep; L1 misfit to a target."""
    n = teleport.shape[0]
    outw = np.zeros(n)
    for k in range(data.shape[0]):
        outw[indices[k]] += data[k]
    tele = teleport / np.sum(teleport)
    r = tele.copy()
    r_new = np.empty(n)
    x = np.empty(n)
    it = 0
    while it < PR_MAXIT:
        dangling = 0.0
        for j in range(n):
            if outw[j] > 0.0:
                x[j] = r[j] / outw[j]
            else:
                x[j] = 0.0
                dangling += r[j]
        csr_matvec_into(indptr, indices, data, x, r_new)
        for i in range(n):
            v = damping * (r_new[i] + dangling * tele[i]) + (1.0 - damping) * tele[i]
            r_new[i] = min(v, cap)
        r_new /= np.sum(r_new)
        diff = np.sum(np.abs(r_new - r))
        r, r_new = r_new, r
        it += 1
        if diff < PR_TOL:
            return n * l1_misfit(r, target)
    return n * l1_misfit(r, target)


@numba.njit
def huber(r, delta):
    a = abs(r)
    if a <= delta:
        return 0.5 * r * r, r
    return delta * (a - 0.5 * delta), math.copysign(delta, r)


@numba.njit
def robust_objective(indptr, indices, data, x, b, delta, lam, grad):
    """Huber data term plus ridge; the gradient is written into ``grad``."""
    m = indptr.shape[0] - 1
    f = 0.0
    for j in range(x.shape[0]):
        grad[j] = lam * x[j]
        f += 0.5 * lam * x[j] * x[j]
    for i in range(m):
        ax = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            ax += data[k] * x[indices[k]]
        h, dh = huber(ax - b[i], delta)
        f += h
        for k in range(indptr[i], indptr[i + 1]):
            grad[indices[k]] += dh * data[k]
    return f


def huber_csr_regression(data, b, delta, lam, indptr, indices, n_cols, lo, hi, iters):
    """Box-constrained robust regression on a sparse design: projected
    gradient with a Schur-bound step, Huber loss; final objective."""
    m = indptr.shape[0] - 1
    row_abs = np.zeros(m)
    col_abs = np.zeros(n_cols)
    for i in range(m):
        for k in range(indptr[i], indptr[i + 1]):
            row_abs[i] += abs(data[k])
            col_abs[indices[k]] += abs(data[k])
    step = 1.0 / (np.max(row_abs) * np.max(col_abs) + lam)
    x = np.zeros(n_cols)
    g = np.empty(n_cols)
    for it in range(iters):
        robust_objective(indptr, indices, data, x, b, delta, lam, g)
        for j in range(n_cols):
            x[j] = min(max(x[j] - step * g[j], lo), hi)
    return robust_objective(indptr, indices, data, x, b, delta, lam, g)


@numba.njit
def harmonic(a, b):
    return 2.0 * a * b / (a + b)


def aquifer_psor(K, h_left, recharge, h_right, cell):
    """Steady unconfined-aquifer heads by projected red-black SOR: fixed
    heads on the left and right edges, no flow top and bottom, wells pump,
    and heads may not drop below the aquifer base (cells go dry).  Returns
    the discharge into the right-hand river plus a storage term."""
    ny, nx = K.shape
    Tx = np.empty((ny, nx - 1))
    Ty = np.empty((ny - 1, nx))
    for i in range(ny):
        for j in range(nx - 1):
            Tx[i, j] = harmonic(K[i, j], K[i, j + 1])
    for i in range(ny - 1):
        for j in range(nx):
            Ty[i, j] = harmonic(K[i, j], K[i + 1, j])
    h = np.empty((ny, nx))
    for i in range(ny):
        for j in range(nx):
            h[i, j] = h_left + (h_right - h_left) * j / (nx - 1)
    q = recharge * cell * cell
    sweeps = 0
    while sweeps < SEEP_MAXSWEEP:
        change = 0.0
        for color in range(2):
            for i in range(ny):
                for j in range(1, nx - 1):
                    if (i + j) % 2 != color:
                        continue
                    num = q[i, j] + Tx[i, j - 1] * h[i, j - 1] + Tx[i, j] * h[i, j + 1]
                    den = Tx[i, j - 1] + Tx[i, j]
                    if i > 0:
                        num += Ty[i - 1, j] * h[i - 1, j]
                        den += Ty[i - 1, j]
                    if i < ny - 1:
                        num += Ty[i, j] * h[i + 1, j]
                        den += Ty[i, j]
                    new = h[i, j] + SEEP_OMEGA * (num / den - h[i, j])
                    if new < 0.0:
                        new = 0.0
                    d = abs(new - h[i, j])
                    if d > change:
                        change = d
                    h[i, j] = new
        sweeps += 1
        if change < SEEP_TOL:
            break
    out = 0.0
    for i in range(ny):
        out += Tx[i, nx - 2] * (h[i, nx - 2] - h[i, nx - 1])
    return out + 0.01 * np.sum(h)


def allen_cahn_obstacle(u0, eps, dt, steps):
    """Allen-Cahn with the double-obstacle potential on a periodic 3-D grid:
    explicit in-place (Gauss-Seidel ordered) updates, a mass-conserving
    multiplier, the phase clipped to [-1, 1]; final Ginzburg-Landau energy."""
    n0, n1, n2 = u0.shape
    u = u0.copy()
    m0 = np.mean(u0)
    e2 = eps * eps
    for s in range(steps):
        mu = np.mean(u) - m0
        for i in range(n0):
            ip = (i + 1) % n0
            im = (i - 1) % n0
            for j in range(n1):
                jp = (j + 1) % n1
                jm = (j - 1) % n1
                for k in range(n2):
                    kp = (k + 1) % n2
                    km = (k - 1) % n2
                    lap = (u[ip, j, k] + u[im, j, k] + u[i, jp, k] + u[i, jm, k]
                           + u[i, j, kp] + u[i, j, km] - 6.0 * u[i, j, k])
                    v = u[i, j, k] + dt * (e2 * lap + u[i, j, k] - mu)
                    u[i, j, k] = min(1.0, max(-1.0, v))
    energy = 0.0
    for i in range(n0):
        for j in range(n1):
            for k in range(n2):
                gx = u[(i + 1) % n0, j, k] - u[i, j, k]
                gy = u[i, (j + 1) % n1, k] - u[i, j, k]
                gz = u[i, j, (k + 1) % n2] - u[i, j, k]
                energy += 0.5 * e2 * (gx * gx + gy * gy + gz * gz) + 0.5 * (1.0 - u[i, j, k] ** 2)
    return energy


def inpaint_tv_redblack(f, eps, known, lo, hi, truth):
    """Inpainting by lagged-diffusivity TV: edge weights 1/max(|u_x|+|u_y|, eps)
    refreshed each outer step, then a red-black Gauss-Seidel sweep over the
    missing pixels; the result is clipped to the display range and scored."""
    ny, nx = f.shape
    u = f.copy()
    fill = np.mean(f.ravel()[known.ravel()])
    for i in range(ny):
        for j in range(nx):
            if not known[i, j]:
                u[i, j] = fill
    w = np.empty((ny, nx))
    for it in range(INPAINT_MAXIT):
        for i in range(ny):
            for j in range(nx):
                gx = u[i, min(j + 1, nx - 1)] - u[i, j]
                gy = u[min(i + 1, ny - 1), j] - u[i, j]
                w[i, j] = 1.0 / max(abs(gx) + abs(gy), eps)
        change = 0.0
        for color in range(2):
            for i in range(1, ny - 1):
                for j in range(1 + (i + color) % 2, nx - 1, 2):
                    if known[i, j]:
                        continue
                    wn = 0.5 * (w[i, j] + w[i - 1, j])
                    ws = 0.5 * (w[i, j] + w[i + 1, j])
                    ww = 0.5 * (w[i, j] + w[i, j - 1])
                    we = 0.5 * (w[i, j] + w[i, j + 1])
                    new = (wn * u[i - 1, j] + ws * u[i + 1, j] + ww * u[i, j - 1]
                           + we * u[i, j + 1]) / (wn + ws + ww + we)
                    change = max(change, abs(new - u[i, j]))
                    u[i, j] = new
        if change < INPAINT_TOL:
            break
    d = np.clip(u, lo, hi) - truth
    return np.sum(d * d)


@numba.njit
def axis_cell(axis, x):
    """Cell of a non-uniform table axis holding x and the fraction in it,
    clamped to the table."""
    n = axis.shape[0]
    k = np.searchsorted(axis, x) - 1
    if k < 0:
        return 0, 0.0
    if k > n - 2:
        return n - 2, 1.0
    return k, (x - axis[k]) / (axis[k + 1] - axis[k])


@numba.njit
def map2(table, speed, fuel):
    """Bilinear look-up in a (speed, fuel) engine map; the fuel axis is uniform."""
    i, fi = axis_cell(GT_SPEED_AXIS, speed)
    t = (fuel - GT_FUEL_AXIS0) / GT_FUEL_STEP
    j = int(math.floor(t))
    if j < 0:
        j = 0
        fj = 0.0
    elif j > table.shape[1] - 2:
        j = table.shape[1] - 2
        fj = 1.0
    else:
        fj = t - j
    return ((1.0 - fi) * (1.0 - fj) * table[i, j] + fi * (1.0 - fj) * table[i + 1, j]
            + (1.0 - fi) * fj * table[i, j + 1] + fi * fj * table[i + 1, j + 1])


def turbine_transient(torque_map, kp, ki, accel_fuel, load, speed_ref, decel_fuel, dt, w_track):
    """Single-spool turboshaft following a speed schedule under a varying
    load: PI governor with integrator clamp, fuel clamped between decel and
    accel schedules (np.interp on speed) and rate limited; net torque from a
    bilinear engine map.  Fuel burnt plus L1 speed-tracking error."""
    n = load.shape[0]
    N = speed_ref[0]
    wf = np.interp(N, GT_SPEED_AXIS, accel_fuel) * 0.5
    integ = 0.0
    fuel_used = 0.0
    track = 0.0
    for t in range(n):
        err = speed_ref[t] - N
        integ += ki * err * dt
        wf_lo = np.interp(N, GT_SPEED_AXIS, decel_fuel)
        wf_hi = np.interp(N, GT_SPEED_AXIS, accel_fuel)
        if integ > wf_hi:
            integ = wf_hi
        elif integ < wf_lo:
            integ = wf_lo
        cmd = min(max(kp * err + integ, wf_lo), wf_hi)
        dwf = cmd - wf
        if abs(dwf) > GT_RATE_LIMIT * dt:
            dwf = math.copysign(GT_RATE_LIMIT * dt, dwf)
        wf += dwf
        q_net = map2(torque_map, N, wf) - load[t] * N * N
        N += dt * q_net / (GT_INERTIA * N)
        fuel_used += wf * dt
        track += abs(N - speed_ref[t]) * dt
    return fuel_used + w_track * track


def tariff_bill(load, pv, batt_kwh, export_cap, batt_kw, feed_in, demand_rate, ndays):
    """Monthly bill of a site with rooftop PV and a battery on a time-of-use
    tariff: greedy battery rule, tiered energy charge (np.interp on the
    cumulative import), demand charge on the worst day's hourly peak, export
    credit capped.  Half-hourly data."""
    n = load.shape[0]
    hour = (np.arange(n) % 48) * 0.5 + 0.25
    price = np.interp(hour, TOU_HOURS, TOU_PRICE)
    soc = 0.5 * batt_kwh
    net = np.empty(n)
    for t in range(n):
        surplus = pv[t] - load[t]
        if surplus > 0.0:
            charge = min(surplus, batt_kw, (batt_kwh - soc) / (0.5 * BATT_ETA))
            soc += 0.5 * BATT_ETA * charge
            net[t] = charge - surplus
        elif price[t] > PEAK_PRICE:
            discharge = min(-surplus, batt_kw, soc / 0.5)
            soc -= 0.5 * discharge
            net[t] = -surplus - discharge
        else:
            net[t] = -surplus
    imp = np.where(net > 0.0, net, 0.0) * 0.5
    exported = -0.5 * np.sum(net[net < 0.0])
    hourly = np.empty(n // 2)
    for t in range(0, n, 2):
        hourly[t // 2] = imp[t] + imp[t + 1]
    daily = hourly.reshape(ndays, 24)
    day_energy = np.sum(daily, axis=1)
    peaks = np.empty(ndays)
    for d in range(ndays):
        peaks[d] = np.max(daily[d])
    worst = np.argmax(peaks)
    energy = np.interp(np.sum(imp), TIER_KWH * ndays, TIER_COST * ndays)
    tou = np.sum(imp * (price - np.min(price)))
    demand = demand_rate * peaks[worst] + 0.01 * np.max(day_energy)
    credit = feed_in * min(exported, export_cap)
    return energy + tou + demand - credit


def pinch_utilities(hot_in, hot_out, hot_cp, cold_in, cold_out, cold_cp, dt_min, c_hot, c_cold):
    """Problem-table algorithm: shifted temperature intervals (sorted),
    interval heat balances, cascade by cumsum, pinch by argmin; annual
    utility cost plus a small pinch-temperature term."""
    nh = hot_in.shape[0]
    nc = cold_in.shape[0]
    half = 0.5 * dt_min
    temps = np.empty(2 * (nh + nc))
    for k in range(nh):
        temps[2 * k] = hot_in[k] - half
        temps[2 * k + 1] = hot_out[k] - half
    for k in range(nc):
        temps[2 * nh + 2 * k] = cold_in[k] + half
        temps[2 * nh + 2 * k + 1] = cold_out[k] + half
    T = np.sort(temps)[::-1]
    m = T.shape[0] - 1
    surplus = np.zeros(m)
    for s in range(m):
        hi = T[s]
        lo = T[s + 1]
        if hi - lo < 1e-12:
            continue
        mid = 0.5 * (hi + lo)
        cp_net = 0.0
        for k in range(nh):
            if hot_out[k] - half < mid < hot_in[k] - half:
                cp_net += hot_cp[k]
        for k in range(nc):
            if cold_in[k] + half < mid < cold_out[k] + half:
                cp_net -= cold_cp[k]
        surplus[s] = cp_net * (hi - lo)
    cascade = np.cumsum(surplus)
    kp = np.argmin(cascade)
    q_hot = max(0.0, -cascade[kp])
    q_cold = cascade[m - 1] + q_hot
    return c_hot * q_hot + c_cold * q_cold + 0.01 * T[kp + 1]


def river_routing(k_res, q_cap, k_flood, rain_scale, runoff, area, src, dst, outlet, q_obs):
    """Linear-reservoir routing down a river network given as an edge list
    (upstream reach -> downstream reach): channel flow capped at bankfull
    capacity, the excess spilled to floodplain storage that drains back when
    there is room.  Outlet hydrograph misfit, flood volume and the peak."""
    n = k_res.shape[0]
    n_steps = runoff.shape[0]
    S = np.zeros(n)
    F = np.zeros(n)
    Q = np.zeros(n)
    inflow = np.zeros(n)
    hydro = np.empty(n_steps)
    flooded = 0.0
    for t in range(n_steps):
        for i in range(n):
            S[i] += inflow[i] + rain_scale * runoff[t, i] * area[i]
            q = k_res[i] * S[i]
            if q > q_cap[i]:
                F[i] += q - q_cap[i]
                q = q_cap[i]
            else:
                back = min(k_flood * F[i], q_cap[i] - q)
                F[i] -= back
                S[i] += back
                q += back
            S[i] -= q
            Q[i] = q
        for i in range(n):
            inflow[i] = 0.0
        for e in range(src.shape[0]):
            inflow[dst[e]] += Q[src[e]]
        hydro[t] = Q[outlet]
        flooded += np.sum(F)
    peak = np.argmax(hydro)
    sse = 0.0
    for t in range(n_steps):
        sse += (hydro[t] - q_obs[t]) ** 2
    return sse / n_steps + 0.001 * flooded / n_steps + 0.1 * hydro[peak]


def fire_spread(fuel0, moisture, wind_x, wind_y, rate, ignition, burn_max, steps):
    """Cellular wildfire on a periodic landscape: heat received from the 8
    neighbours, weighted by wind alignment (clipped at zero), ignites above
    the moisture threshold; burn rate saturates, fuel cannot go negative.
    Burnt fuel plus the residual intensity."""
    ny, nx = fuel0.shape
    fuel = fuel0.copy()
    inten = ignition.copy()
    nxt = np.zeros_like(fuel0)
    for s in range(steps):
        for i in range(ny):
            for j in range(nx):
                heat = 0.0
                for q in range(8):
                    di = FIRE_DI[q]
                    dj = FIRE_DJ[q]
                    src = inten[(i + di) % ny, (j + dj) % nx]
                    if src == 0.0:
                        continue
                    dist = math.sqrt(di * di + dj * dj)
                    align = -(di * wind_y + dj * wind_x) / dist
                    heat += max(0.0, 1.0 + align) * src / dist
                b = rate * max(heat - moisture, 0.0) * fuel[i, j] + 0.3 * inten[i, j]
                b = min(b, burn_max)
                if b > fuel[i, j]:
                    b = fuel[i, j]
                nxt[i, j] = b
                fuel[i, j] -= b
        inten, nxt = nxt, inten
    return np.sum(fuel0 - fuel) + 0.1 * np.sum(inten)


@numba.njit
def thomas(lower, diag, upper, rhs, x):
    n = diag.shape[0]
    cp = np.empty(n)
    dp = np.empty(n)
    cp[0] = upper[0] / diag[0]
    dp[0] = rhs[0] / diag[0]
    for i in range(1, n):
        m = diag[i] - lower[i] * cp[i - 1]
        cp[i] = upper[i] / m
        dp[i] = (rhs[i] - lower[i] * dp[i - 1]) / m
    x[n - 1] = dp[n - 1]
    for i in range(n - 2, -1, -1):
        x[i] = dp[i] - cp[i] * x[i + 1]


@numba.njit
def bs_coeffs(s, ds, sigma, r):
    """Central-difference stencil of 0.5 sigma^2 s^2 V'' + r s V' - r V / 2."""
    a = 0.5 * sigma * sigma * s * s / (ds * ds)
    b = 0.5 * r * s / ds
    return a - b, -2.0 * a - 0.5 * r, a + b


def basket_put_adi(K, r, sigma1, sigma2, rho, T, s1_0, s2_0, smax, n, steps):
    """American put on the average of two assets: Douglas ADI in time to
    maturity (explicit mixed derivative, implicit Thomas solves along each
    axis), early exercise max after every step, payoff on the edges.
    Bilinear read-out at the spot prices."""
    ds = smax / n
    dt = T / steps
    theta = 0.5
    payoff = np.empty((n + 1, n + 1))
    for i in range(n + 1):
        for j in range(n + 1):
            payoff[i, j] = max(K - 0.5 * (i * ds + j * ds), 0.0)
    V = payoff.copy()
    Y0 = payoff.copy()
    Y1 = payoff.copy()
    A1 = np.zeros((n + 1, n + 1))
    A2 = np.zeros((n + 1, n + 1))
    m = n - 1
    lo = np.empty(m)
    di = np.empty(m)
    up = np.empty(m)
    rhs = np.empty(m)
    sol = np.empty(m)
    c12 = rho * sigma1 * sigma2 / (4.0 * ds * ds)
    for step in range(steps):
        for i in range(1, n):
            l1, d1, u1 = bs_coeffs(i * ds, ds, sigma1, r)
            for j in range(1, n):
                l2, d2, u2 = bs_coeffs(j * ds, ds, sigma2, r)
                A1[i, j] = l1 * V[i - 1, j] + d1 * V[i, j] + u1 * V[i + 1, j]
                A2[i, j] = l2 * V[i, j - 1] + d2 * V[i, j] + u2 * V[i, j + 1]
                cross = c12 * (i * ds) * (j * ds) * (V[i + 1, j + 1] - V[i + 1, j - 1]
                                                    - V[i - 1, j + 1] + V[i - 1, j - 1])
                Y0[i, j] = V[i, j] + dt * (A1[i, j] + A2[i, j] + cross)
        for j in range(1, n):
            for i in range(1, n):
                l1, d1, u1 = bs_coeffs(i * ds, ds, sigma1, r)
                lo[i - 1] = -theta * dt * l1
                di[i - 1] = 1.0 - theta * dt * d1
                up[i - 1] = -theta * dt * u1
                rhs[i - 1] = Y0[i, j] - theta * dt * A1[i, j]
            rhs[0] -= lo[0] * payoff[0, j]
            rhs[m - 1] -= up[m - 1] * payoff[n, j]
            thomas(lo, di, up, rhs, sol)
            for i in range(1, n):
                Y1[i, j] = sol[i - 1]
        for i in range(1, n):
            for j in range(1, n):
                l2, d2, u2 = bs_coeffs(j * ds, ds, sigma2, r)
                lo[j - 1] = -theta * dt * l2
                di[j - 1] = 1.0 - theta * dt * d2
                up[j - 1] = -theta * dt * u2
                rhs[j - 1] = Y1[i, j] - theta * dt * A2[i, j]
            rhs[0] -= lo[0] * payoff[i, 0]
            rhs[m - 1] -= up[m - 1] * payoff[i, n]
            thomas(lo, di, up, rhs, sol)
            for j in range(1, n):
                V[i, j] = max(sol[j - 1], payoff[i, j])
    x = s1_0 / ds
    y = s2_0 / ds
    i = int(math.floor(x))
    j = int(math.floor(y))
    fx = x - i
    fy = y - j
    return ((1.0 - fx) * (1.0 - fy) * V[i, j] + fx * (1.0 - fy) * V[i + 1, j]
            + (1.0 - fx) * fy * V[i, j + 1] + fx * fy * V[i + 1, j + 1])


@numba.njit
def band_trades(w, target, band, to_edge, trades):
    """Trades bringing every weight back into its no-trade band; returns
    (turnover, largest deviation before trading)."""
    turnover = 0.0
    worst = 0.0
    for a in range(w.shape[0]):
        dev = w[a] - target[a]
        worst = max(worst, abs(dev))
        if abs(dev) <= band:
            trades[a] = 0.0
            continue
        if to_edge:
            goal = target[a] + math.copysign(band, dev)
        else:
            goal = target[a]
        trades[a] = goal - w[a]
        turnover += abs(trades[a])
    return turnover, worst


def portfolio_band(target, band, cost, R, cov, risk_aversion, to_edge):
    """Back-test of a multi-asset portfolio rebalanced with a no-trade band
    and proportional costs: drift, band trades, renormalisation, ex-ante
    variance (triangular loop), downside and tracking penalties."""
    T, n = R.shape
    w = target.copy()
    trades = np.empty(n)
    log_growth = 0.0
    downside = 0.0
    risk = 0.0
    track = 0.0
    for t in range(T):
        port = 0.0
        for a in range(n):
            port += w[a] * R[t, a]
        for a in range(n):
            w[a] = w[a] * (1.0 + R[t, a]) / (1.0 + port)
        turnover, worst = band_trades(w, target, band, to_edge, trades)
        track = max(track, worst)
        for a in range(n):
            w[a] += trades[a]
        w /= np.sum(w)
        net = port - cost * turnover
        log_growth += math.log1p(net)
        downside += min(net, 0.0) ** 2
        var = 0.0
        for a in range(n):
            var += w[a] * w[a] * cov[a, a]
            for b in range(a + 1, n):
                var += 2.0 * w[a] * w[b] * cov[a, b]
        risk += var
    return -log_growth / T + risk_aversion * risk / T + 50.0 * downside / T + 0.1 * track


def occupancy_logodds(ranges, l_occ, l_free, width, poses, angles, truth, prior):
    """Log-odds occupancy mapping from range scans: samples marched along
    each beam (cell by math.floor), free evidence ramped before the hit,
    occupied evidence in a triangle around it, log-odds clamped; the map is
    scored by cross-entropy against a surveyed map on the observed cells."""
    ny, nx = truth.shape
    Lg = np.full((ny, nx), prior)
    seen = np.zeros((ny, nx), dtype=np.int64)
    n_scan, n_beam = ranges.shape
    for s in range(n_scan):
        x0 = poses[s, 0]
        y0 = poses[s, 1]
        for b in range(n_beam):
            r = ranges[s, b]
            c = math.cos(poses[s, 2] + angles[b])
            sn = math.sin(poses[s, 2] + angles[b])
            d = 0.5 * OCC_STEP
            while d < r + width:
                j = int(math.floor((x0 + d * c) / OCC_RES))
                i = int(math.floor((y0 + d * sn) / OCC_RES))
                if i < 0 or i >= ny or j < 0 or j >= nx:
                    break
                free = l_free * min(max((r - d) / width, 0.0), 1.0)
                occ = l_occ * max(0.0, 1.0 - abs(d - r) / width)
                Lg[i, j] = min(max(Lg[i, j] + free + occ, OCC_LMIN), OCC_LMAX)
                seen[i, j] += 1
                d += OCC_STEP
    loss = 0.0
    count = 0
    for i in range(ny):
        for j in range(nx):
            if seen[i, j] == 0:
                continue
            p = 1.0 / (1.0 + math.exp(-Lg[i, j]))
            loss -= truth[i, j] * math.log(p) + (1.0 - truth[i, j]) * math.log(1.0 - p)
            count += 1
    return loss / count


def pic_two_stream(x0, v0, qm, L, ng, dt, steps):
    """1-D electrostatic particle-in-cell (two-stream set-up): cloud-in-cell
    deposition with a floor-based cell index, Gauss's law by cumsum,
    field gathered back with the same weights, leapfrog push, periodic
    wrap by %.  Time-averaged field energy plus kinetic energy."""
    npart = x0.shape[0]
    dx = L / ng
    x = x0.copy()
    v = v0.copy()
    q = -L / npart
    rho = np.empty(ng)
    field_energy = 0.0
    for s in range(steps):
        rho[:] = 1.0
        for p in range(npart):
            xi = x[p] / dx
            j = int(math.floor(xi))
            f = xi - j
            j = j % ng
            rho[j] += q * (1.0 - f) / dx
            rho[(j + 1) % ng] += q * f / dx
        E = np.cumsum(rho) * dx
        E -= np.mean(E)
        field_energy += 0.5 * dx * np.sum(E * E)
        for p in range(npart):
            xi = x[p] / dx
            j = int(math.floor(xi))
            f = xi - j
            j = j % ng
            v[p] += qm * ((1.0 - f) * E[j] + f * E[(j + 1) % ng]) * dt
            x[p] = (x[p] + v[p] * dt) % L
    return field_energy / steps + 0.5 * np.mean(v * v)


@numba.njit
def axial_force(dx, dy, dz, L0, k, kind):
    """Tension (positive) and unit vector of one member.  kind 0: cable
    (no compression), 1: prop (no tension), 2: bar."""
    L = math.sqrt(dx * dx + dy * dy + dz * dz)
    t = k * (L - L0) / L0
    if kind == 0 and t < 0.0:
        t = 0.0
    elif kind == 1 and t > 0.0:
        t = 0.0
    return t, dx / L, dy / L, dz / L


@numba.njit
def nodal_forces(pos, src, dst, L0, k, kind, P, F):
    for i in range(pos.shape[0]):
        F[i, 0] = 0.0
        F[i, 1] = 0.0
        F[i, 2] = -P
    for e in range(src.shape[0]):
        a = src[e]
        b = dst[e]
        t, ux, uy, uz = axial_force(pos[b, 0] - pos[a, 0], pos[b, 1] - pos[a, 1],
                                    pos[b, 2] - pos[a, 2], L0[e], k[e], kind[e])
        F[a, 0] += t * ux
        F[a, 1] += t * uy
        F[a, 2] += t * uz
        F[b, 0] -= t * ux
        F[b, 1] -= t * uy
        F[b, 2] -= t * uz


def cable_net(L0, P, k, pos0, src, dst, kind, fixed):
    """Pretensioned cable net under a uniform nodal load, with props under
    some nodes that only push, by viscous dynamic relaxation until the
    out-of-balance force is tiny.  Load work plus the largest sag."""
    n = pos0.shape[0]
    pos = pos0.copy()
    vel = np.zeros_like(pos0)
    F = np.empty_like(pos0)
    it = 0
    while it < DR_MAXIT:
        nodal_forces(pos, src, dst, L0, k, kind, P, F)
        res = 0.0
        for i in range(n):
            if fixed[i]:
                continue
            for c in range(3):
                vel[i, c] = DR_DAMP * vel[i, c] + DR_DT * F[i, c]
                pos[i, c] += DR_DT * vel[i, c]
                res = max(res, abs(F[i, c]))
        it += 1
        if res < DR_TOL:
            break
    sag = pos0[:, 2] - pos[:, 2]
    deepest = np.argmax(sag)
    return P * np.sum(sag) + sag[deepest]


@numba.njit
def reversals(s, out):
    """Turning points of a series (plateaus skipped) written into ``out``;
    returns how many."""
    n = s.shape[0]
    out[0] = s[0]
    m = 1
    prev = s[0]
    rising = 0
    for t in range(1, n):
        x = s[t]
        if x == prev:
            continue
        up = 1 if x > prev else -1
        if rising != 0 and up != rising:
            out[m] = prev
            m += 1
        rising = up
        prev = x
    out[m] = prev
    return m + 1


@numba.njit
def rainflow_damage(tp, m, k):
    """Three-point rainflow count with a Woehler exponent k; residue as halves."""
    stack = np.empty(m)
    top = 0
    damage = 0.0
    for idx in range(m):
        stack[top] = tp[idx]
        top += 1
        while top >= 3:
            x = abs(stack[top - 1] - stack[top - 2])
            y = abs(stack[top - 2] - stack[top - 3])
            if x < y:
                break
            if top == 3:
                damage += 0.5 * y ** k
                stack[0] = stack[1]
                stack[1] = stack[2]
                top = 2
            else:
                damage += y ** k
                stack[top - 3] = stack[top - 1]
                top -= 2
    for i in range(top - 1):
        damage += 0.5 * abs(stack[i + 1] - stack[i]) ** k
    return damage


@numba.njit
def cycle_damage(soc, k):
    tp = np.empty(soc.shape[0])
    m = reversals(soc, tp)
    return rainflow_damage(tp, m, k)


def battery_rainflow(power, capacity, eta_c, eta_d, p_max, soc0, soc_lo, soc_hi, k_wohler, n_ref, dt):
    """Battery following a power request (positive = discharge), power
    clipped, state of charge held in its window (shortfall costed); cycle
    ageing by rainflow counting of the SOC trace and the deepest drawdown
    from the running maximum."""
    n = power.shape[0]
    soc = np.empty(n + 1)
    soc[0] = soc0
    unmet = 0.0
    for t in range(n):
        p = min(max(power[t], -p_max), p_max)
        if p >= 0.0:
            s = soc[t] - p * dt / (eta_d * capacity)
        else:
            s = soc[t] - p * eta_c * dt / capacity
        if s > soc_hi:
            s = soc_hi
        elif s < soc_lo:
            unmet += (soc_lo - s) * capacity * eta_d
            s = soc_lo
        soc[t + 1] = s
    peak = soc[0]
    drawdown = 0.0
    for t in range(n + 1):
        peak = max(peak, soc[t])
        drawdown = max(drawdown, peak - soc[t])
    damage = cycle_damage(soc, k_wohler) / n_ref
    return BATT_CELL_PRICE * capacity * (damage + 0.01 * drawdown ** 2) + BATT_UNMET_PRICE * unmet


@numba.njit
def clip_row_norm(A, r, max_norm):
    s = 0.0
    for f in range(A.shape[1]):
        s += A[r, f] * A[r, f]
    nrm = math.sqrt(s)
    if nrm > max_norm:
        for f in range(A.shape[1]):
            A[r, f] *= max_norm / nrm


def bpr_hinge_mf(U0, V0, lr, reg, users, pos, neg, epochs, margin, max_norm, val_users, val_pos, val_neg):
    """Pairwise-ranking matrix factorisation: SGD over (user, liked item,
    other item) triples with a hinge on the score gap, rows projected onto
    a norm ball; validation hinge loss."""
    U = U0.copy()
    V = V0.copy()
    d = U.shape[1]
    for ep in range(epochs):
        for t in range(users.shape[0]):
            u = users[t]
            i = pos[t]
            j = neg[t]
            gap = 0.0
            for f in range(d):
                gap += U[u, f] * (V[i, f] - V[j, f])
            if gap >= margin:
                continue
            for f in range(d):
                uf = U[u, f]
                U[u, f] += lr * ((V[i, f] - V[j, f]) - reg * uf)
                V[i, f] += lr * (uf - reg * V[i, f])
                V[j, f] += lr * (-uf - reg * V[j, f])
            clip_row_norm(U, u, max_norm)
            clip_row_norm(V, i, max_norm)
            clip_row_norm(V, j, max_norm)
    loss = 0.0
    for t in range(val_users.shape[0]):
        u = val_users[t]
        gap = 0.0
        for f in range(d):
            gap += U[u, f] * (V[val_pos[t], f] - V[val_neg[t], f])
        loss += max(0.0, margin - gap)
    return loss / val_users.shape[0]


@numba.njit
def godunov_update(a, b, fh):
    if abs(a - b) >= fh:
        return min(a, b) + fh
    return 0.5 * (a + b + math.sqrt(2.0 * fh * fh - (a - b) * (a - b)))


def eikonal_traveltime(slowness, h, src_i, src_j, rec_i, rec_j, t_obs):
    """First-arrival travel times by fast sweeping (Godunov upwind update,
    Gauss-Seidel sweeps in the four orderings, repeated until nothing
    changes); L1 misfit at the receivers."""
    ny, nx = slowness.shape
    T = np.full((ny, nx), EIK_BIG)
    T[src_i, src_j] = 0.0
    it = 0
    while it < EIK_MAXIT:
        change = 0.0
        for sweep in range(4):
            if sweep == 0:
                i0, i1, di, j0, j1, dj = 0, ny, 1, 0, nx, 1
            elif sweep == 1:
                i0, i1, di, j0, j1, dj = ny - 1, -1, -1, 0, nx, 1
            elif sweep == 2:
                i0, i1, di, j0, j1, dj = ny - 1, -1, -1, nx - 1, -1, -1
            else:
                i0, i1, di, j0, j1, dj = 0, ny, 1, nx - 1, -1, -1
            for i in range(i0, i1, di):
                for j in range(j0, j1, dj):
                    if i == src_i and j == src_j:
                        continue
                    a = min(T[i - 1, j] if i > 0 else EIK_BIG, T[i + 1, j] if i < ny - 1 else EIK_BIG)
                    b = min(T[i, j - 1] if j > 0 else EIK_BIG, T[i, j + 1] if j < nx - 1 else EIK_BIG)
                    if a >= EIK_BIG and b >= EIK_BIG:
                        continue
                    t = godunov_update(a, b, slowness[i, j] * h)
                    if t < T[i, j]:
                        change = max(change, T[i, j] - t)
                        T[i, j] = t
        it += 1
        if change < EIK_TOL:
            break
    misfit = 0.0
    for r in range(rec_i.shape[0]):
        misfit += abs(T[rec_i[r], rec_j[r]] - t_obs[r])
    return misfit


@numba.njit
def expect(V, state, i, j, iu, idn, pu, pm, pd):
    return pu * V[state, iu, j] + pm * V[state, i, j] + pd * V[state, idn, j]


def mine_switching(sigma, cost, fixed_open, maint, switch_cost, salvage, r, p0, q, n_price, n_res, steps, T):
    """Brennan-Schwartz style mine: trinomial lattice in log price, reserve
    in units, operating state open / mothballed (3-D value array).  Backward
    induction; at every node the best of produce / switch / abandon is taken
    by argmax.  Value of an open mine with full reserve at today's price."""
    dt = T / steps
    dx = sigma * math.sqrt(3.0 * dt)
    nu = r - 0.5 * sigma * sigma
    a = (sigma * sigma * dt + nu * nu * dt * dt) / (dx * dx)
    pu = 0.5 * (a + nu * dt / dx)
    pd = 0.5 * (a - nu * dt / dx)
    pm = 1.0 - pu - pd
    disc = math.exp(-r * dt)
    mid = n_price // 2
    price = np.empty(n_price)
    for i in range(n_price):
        price[i] = p0 * math.exp((i - mid) * dx)
    V = np.zeros((2, n_price, n_res + 1))
    Vn = np.empty_like(V)
    vals = np.empty(3)
    for t in range(steps - 1, -1, -1):
        for i in range(n_price):
            iu = min(i + 1, n_price - 1)
            idn = max(i - 1, 0)
            for j in range(n_res + 1):
                cash = q * (price[i] - cost) * dt - fixed_open * dt
                # open mine: produce one unit, mothball, or abandon
                if j > 0:
                    vals[0] = cash + disc * expect(V, 0, i, j - 1, iu, idn, pu, pm, pd)
                else:
                    vals[0] = -1e30
                vals[1] = -switch_cost - maint * dt + disc * expect(V, 1, i, j, iu, idn, pu, pm, pd)
                vals[2] = salvage
                Vn[0, i, j] = vals[np.argmax(vals)]
                # mothballed mine: reopen and produce, stay closed, or abandon
                if j > 0:
                    vals[0] = cash - switch_cost + disc * expect(V, 0, i, j - 1, iu, idn, pu, pm, pd)
                else:
                    vals[0] = -1e30
                vals[1] = -maint * dt + disc * expect(V, 1, i, j, iu, idn, pu, pm, pd)
                Vn[1, i, j] = vals[np.argmax(vals)]
        V, Vn = Vn, V
    return V[0, mid, n_res]


def art_tomography(b, relax, data, indptr, indices, x_max, noise_level, truth, symmetric):
    """Algebraic reconstruction (Kaczmarz row action) on a CSR ray matrix,
    box projection after each sweep, alternating sweep direction when
    ``symmetric``, stopped by the discrepancy principle; L1 error against
    the phantom."""
    m = indptr.shape[0] - 1
    n = truth.shape[0]
    rownorm = np.zeros(m)
    for i in range(m):
        for k in range(indptr[i], indptr[i + 1]):
            rownorm[i] += data[k] * data[k]
    x = np.zeros(n)
    for sweep in range(ART_MAXSWEEP):
        if symmetric and sweep % 2 == 1:
            start, stop, step = m - 1, -1, -1
        else:
            start, stop, step = 0, m, 1
        for i in range(start, stop, step):
            if rownorm[i] == 0.0:
                continue
            ax = 0.0
            for k in range(indptr[i], indptr[i + 1]):
                ax += data[k] * x[indices[k]]
            c = relax * (b[i] - ax) / rownorm[i]
            for k in range(indptr[i], indptr[i + 1]):
                x[indices[k]] += c * data[k]
        x = np.clip(x, 0.0, x_max)
        res = 0.0
        for i in range(m):
            ax = 0.0
            for k in range(indptr[i], indptr[i + 1]):
                ax += data[k] * x[indices[k]]
            res += (b[i] - ax) ** 2
        if math.sqrt(res) <= ART_TAU * noise_level * math.sqrt(m):
            break
    return np.sum(np.abs(x - truth)) / n


# ----------------------------------------------------------------- arguments


def _pagerank(n, rng):
    pop = 1.0 + rng.pareto(1.2, n)
    src = rng.choice(n, size=4 * n, p=pop / pop.sum())
    dst = rng.integers(0, n, 4 * n)
    keep = src != dst
    key = np.unique(dst[keep] * n + src[keep])
    rows = key // n
    indptr = np.searchsorted(rows, np.arange(n + 1)).astype(np.int64)
    indices = (key % n).astype(np.int64)
    data = 0.5 + rng.random(indices.shape[0])
    teleport = 0.5 + rng.random(n)
    target = (0.5 + rng.random(n)) / n
    return (data, teleport, 0.85, indptr, indices, 1.5 / n, target)


def _huber(n, rng):
    n_cols = max(8, n // 10)
    per_row = 3 if n < 1000 else 5
    indptr = np.arange(0, per_row * (n + 1), per_row, dtype=np.int64)
    indices = np.empty(per_row * n, dtype=np.int64)
    for i in range(n):
        indices[per_row * i:per_row * (i + 1)] = np.sort(rng.choice(n_cols, per_row, replace=False))
    data = rng.standard_normal(per_row * n)
    x_true = rng.uniform(-1.6, 1.6, n_cols)
    b = np.array([data[indptr[i]:indptr[i + 1]] @ x_true[indices[indptr[i]:indptr[i + 1]]] for i in range(n)])
    b += 0.1 * rng.standard_normal(n)
    out = rng.random(n) < 0.1
    b[out] += 4.0 * rng.standard_normal(out.sum())
    return (data, b, 0.4 + 0.1 * rng.random(), 0.05 + 0.02 * rng.random(), indptr, indices, n_cols,
            -1.0, 1.0, 40)


def _aquifer(n, rng):
    ny, nx = n, n + 2
    K = np.exp(0.5 * rng.standard_normal((ny, nx)))
    recharge = 0.05 + 0.02 * rng.random((ny, nx))
    for w in range(max(1, n // 4)):
        recharge[rng.integers(1, ny - 1), rng.integers(2, nx - 2)] = -30.0 - 10.0 * rng.random()
    return (K, 10.0 + rng.random(), recharge, 8.0, 1.0)


def _allen(n, rng):
    return (rng.uniform(-1.3, 1.3, (n, n, n)), 0.35 + 0.05 * rng.random(), 0.12, 6 if n < 10 else 16)


def _inpaint(n, rng):
    yy, xx = np.mgrid[0:n, 0:n] / n
    truth = np.where(xx + 0.5 * yy > 0.6, 1.05, -0.05) + 0.4 * np.sin(3.0 * xx) * np.cos(2.0 * yy) - 0.2
    f = truth + 0.03 * rng.standard_normal((n, n))
    known = rng.random((n, n)) < 0.55
    known[0, :] = True
    known[-1, :] = True
    known[:, 0] = True
    known[:, -1] = True
    return (f, 0.05 + 0.01 * rng.random(), known, 0.0, 1.0, truth)


def _turbine(n, rng):
    dt = 0.02
    t = np.arange(n) * dt
    period = n * dt
    speed_ref = 0.8 + 0.18 * (np.sin(2 * np.pi * t / period) > 0.0) + 0.02 * np.sin(7.0 * t)
    load = 0.4 + 0.08 * np.sin(2 * np.pi * 1.5 * t / period + 0.5) + 0.05 * (np.cos(3.1 * t) > 0.6)
    N, W = np.meshgrid(GT_SPEED_AXIS, GT_FUEL_AXIS0 + GT_FUEL_STEP * np.arange(8), indexing="ij")
    torque_map = 1.6 * W * (0.6 + 0.4 * N) - 0.5 * N * N - 0.1 + 0.02 * rng.standard_normal(N.shape)
    accel = 0.4 + 0.8 * GT_SPEED_AXIS + 0.02 * rng.standard_normal(8)
    decel = 0.1 + 0.15 * GT_SPEED_AXIS
    return (torque_map, 4.8 + 0.2 * rng.random(), 2.0 + 0.2 * rng.random(), accel, load, speed_ref, decel,
            dt, 5.0)


def _tariff(n, rng):
    h = (np.arange(48 * n) % 48) * 0.5 + 0.25
    load = (0.35 + 1.2 * np.exp(-0.5 * ((h - 7.5) / 1.0) ** 2) + 1.8 * np.exp(-0.5 * ((h - 18.5) / 1.5) ** 2)
            + 0.25 * rng.random(48 * n))
    cloud = np.repeat(0.5 + 0.5 * rng.random(n), 48)
    pv = np.maximum(0.0, 3.2 * cloud * np.sin(np.pi * (h - 6.0) / 13.0)) * (1.0 + 0.1 * rng.random(48 * n))
    return (load, pv, 5.0 + rng.random(), 6.0 * n * (0.8 + 0.4 * rng.random()), 2.5, 0.06, 2.0, n)


def _pinch(n, rng):
    hot_in = 150.0 + 100.0 * rng.random(n)
    hot_out = hot_in - 30.0 - 90.0 * rng.random(n)
    cold_in = 20.0 + 100.0 * rng.random(n)
    cold_out = cold_in + 30.0 + 100.0 * rng.random(n)
    return (hot_in, hot_out, 1.0 + 4.0 * rng.random(n), cold_in, cold_out, 1.0 + 4.0 * rng.random(n),
            10.0 + rng.random(), 0.12, 0.02)


def _river(n, rng):
    n_steps = 60 if n < 1000 else 400
    dst = np.array([rng.integers(i + 1, min(i + 4, n - 1) + 1) for i in range(n - 1)], dtype=np.int64)
    src = np.arange(n - 1, dtype=np.int64)
    area = 1.0 + rng.random(n)
    upstream = area.copy()
    for i in range(n - 1):
        upstream[dst[i]] += upstream[i]
    t = np.arange(n_steps)
    storms = np.zeros(n_steps)
    for c in rng.uniform(0.1, 0.7, 3) * n_steps:
        storms += np.exp(-0.5 * ((t - c) / 3.0) ** 2)
    runoff = storms[:, None] * (0.5 + rng.random((n_steps, n)))
    k_res = 0.2 + 0.3 * rng.random(n)
    q_cap = upstream * (0.25 + 0.3 * rng.random(n))
    q_obs = 0.3 * upstream[-1] * (storms + 0.1) * (1.0 + 0.1 * rng.standard_normal(n_steps))
    return (k_res, q_cap, 0.1 + 0.05 * rng.random(), 0.9 + 0.2 * rng.random(), runoff, area, src, dst,
            n - 1, q_obs)


def _fire(n, rng):
    ign = np.zeros((n, n))
    c = n // 2
    ign[c - 1:c + 1, c - 1:c + 1] = 0.8 + 0.2 * rng.random((2, 2))
    return (1.0 + 0.5 * rng.random((n, n)), 0.9 + 0.1 * rng.random(), 1.3 + 0.1 * rng.random(),
            0.4 + 0.1 * rng.random(), 0.4 + 0.05 * rng.random(), ign, 0.9, 8 if n < 20 else 30)


def _adi(n, rng):
    return (100.0 + 5.0 * rng.random(), 0.03 + 0.02 * rng.random(), 0.25 + 0.05 * rng.random(),
            0.2 + 0.05 * rng.random(), 0.3 + 0.2 * rng.random(), 0.5, 100.0, 97.0, 300.0, n, max(6, n // 2))


def _portfolio(n, rng):
    a = 8
    vol = 0.04 + 0.04 * rng.random(a)
    C = 0.3 + 0.7 * np.eye(a)
    cov = C * np.outer(vol, vol)
    R = 0.006 + rng.standard_normal((n, a)) @ np.linalg.cholesky(cov).T
    target = 0.5 + rng.random(a)
    return (target / target.sum(), 0.02 + 0.005 * rng.random(), 0.002 + 0.001 * rng.random(), R, cov, 2.0, True)


def _occupancy(n, rng):
    ny = nx = 30
    truth = np.zeros((ny, nx))
    truth[0, :] = truth[-1, :] = truth[:, 0] = truth[:, -1] = 1.0
    truth[12:17, 18:22] = 1.0
    n_beam = 12 if n < 10 else 90
    angles = np.linspace(-np.pi, np.pi, n_beam, endpoint=False) + 0.01
    poses = np.column_stack([rng.uniform(0.4, 1.5, n), rng.uniform(0.4, 2.6, n), rng.uniform(-np.pi, np.pi, n)])
    ranges = np.empty((n, n_beam))
    for s in range(n):
        for b in range(n_beam):
            c = math.cos(poses[s, 2] + angles[b])
            sn = math.sin(poses[s, 2] + angles[b])
            d = 0.0
            while truth[int((poses[s, 1] + d * sn) / OCC_RES), int((poses[s, 0] + d * c) / OCC_RES)] == 0.0:
                d += 0.005
            ranges[s, b] = d + 0.03 * rng.standard_normal()
    return (ranges, 0.85 + 0.05 * rng.random(), -0.4 - 0.05 * rng.random(), 0.15, poses, angles, truth, 0.0)


def _pic(n, rng):
    L = 4.0 * np.pi
    ng = 16 if n < 1000 else 64
    x0 = (np.arange(n) + rng.random(n)) * L / n
    x0 = (x0 + 0.05 * np.sin(2 * np.pi * x0 / L)) % L
    v0 = np.where(np.arange(n) % 2 == 0, 1.0, -1.0) + 0.05 * rng.standard_normal(n)
    return (x0, v0, -1.0, L, ng, 0.1, 20)


def _cable(n, rng):
    m = n
    idx = np.arange(m * m).reshape(m, m)
    xs, ys = np.meshgrid(np.arange(m, dtype=float), np.arange(m, dtype=float), indexing="ij")
    pos = np.column_stack([xs.ravel(), ys.ravel(), np.zeros(m * m)])
    fixed = np.zeros(m * m, dtype=np.bool_)
    fixed[idx[0, :]] = fixed[idx[-1, :]] = fixed[idx[:, 0]] = fixed[idx[:, -1]] = True
    src = list(idx[:-1, :].ravel()) + list(idx[:, :-1].ravel())
    dst = list(idx[1:, :].ravel()) + list(idx[:, 1:].ravel())
    kind = [0] * len(src)
    L0 = list(0.96 + 0.05 * rng.random(len(src)))
    interior = idx[1:-1, 1:-1].ravel()
    props = interior[rng.random(interior.shape[0]) < 0.4]
    if props.shape[0] == 0:
        props = interior[:1]
    anchors = []
    for p in props:
        anchors.append(pos[p] - np.array([0.0, 0.0, 0.5]))
        src.append(p)
        dst.append(m * m + len(anchors) - 1)
        kind.append(1)
        L0.append(0.35 + 0.2 * rng.random())
    pos = np.vstack([pos, np.array(anchors)])
    fixed = np.concatenate([fixed, np.ones(len(anchors), dtype=np.bool_)])
    k = np.where(np.array(kind) == 0, 20.0, 40.0) * (1.0 + 0.1 * rng.random(len(kind)))
    return (np.array(L0), 0.3 + 0.1 * rng.random(), k, pos, np.array(src, dtype=np.int64),
            np.array(dst, dtype=np.int64), np.array(kind, dtype=np.int64), fixed)


def _battery(n, rng):
    t = np.arange(n)
    power = 1.2 * np.sin(2 * np.pi * t / 24.0) + 0.3 * np.sin(2 * np.pi * t / 170.0) + 0.8 * rng.standard_normal(n)
    power[rng.random(n) < 0.03] *= 5.0
    return (power, 10.0 + rng.random(), 0.94 + 0.02 * rng.random(), 0.95, 3.0, 0.5, 0.1, 0.95, 1.7, 3000.0, 1.0)


def _bpr(n, rng):
    if n < 1000:
        nu, ni, d = 6, 10, 3
    else:
        nu, ni, d = 2000, 1000, 16
    Ut = rng.standard_normal((nu, d))
    Vt = rng.standard_normal((ni, d))

    def triples(m):
        u = rng.integers(0, nu, m)
        a = rng.integers(0, ni, m)
        b = (a + rng.integers(1, ni, m)) % ni
        sa = np.einsum("ij,ij->i", Ut[u], Vt[a])
        sb = np.einsum("ij,ij->i", Ut[u], Vt[b])
        return u, np.where(sa >= sb, a, b), np.where(sa >= sb, b, a)

    users, pos, neg = triples(n)
    vu, vp, vn = triples(max(40, n // 10))
    return (0.4 * rng.standard_normal((nu, d)), 0.4 * rng.standard_normal((ni, d)), 0.05 + 0.01 * rng.random(),
            0.01, users, pos, neg, 3, 0.5, 1.0, vu, vp, vn)


def _eikonal(n, rng):
    yy, xx = np.mgrid[0:n, 0:n] / n
    slowness = 1.0 + 0.3 * np.sin(4.0 * xx + 1.0) * np.cos(3.0 * yy) + 0.05 * rng.random((n, n))
    rec_j = np.arange(2, n, 2, dtype=np.int64)
    rec_i = np.zeros(rec_j.shape[0], dtype=np.int64)
    rec_i = np.concatenate([rec_i, np.arange(1, n, 2, dtype=np.int64)])
    rec_j = np.concatenate([rec_j, np.full(n // 2, n - 1, dtype=np.int64)])
    h = 1.0 / n
    dist = h * np.hypot(rec_i - (n - 2), rec_j - n // 3)
    t_obs = 1.1 * dist * (1.0 + 0.05 * rng.standard_normal(dist.shape[0]))
    return (slowness, h, n - 2, n // 3, rec_i, rec_j, t_obs)


def _mine(n, rng):
    if n < 100:
        n_price, n_res = 9, 4
    else:
        n_price, n_res = 151, 40
    return (0.3 + 0.05 * rng.random(), 20.0 + rng.random(), 30.0 + rng.random(), 5.0 + rng.random(),
            8.0 + rng.random(), 2.0 + rng.random(), 0.05, 25.0, 10.0, n_price, n_res, n, 10.0)


def _art(n, rng):
    n_ang = n
    n_ray = n + 2
    yy, xx = (np.mgrid[0:n, 0:n] + 0.5) / n - 0.5
    truth = np.where(xx ** 2 / 0.16 + yy ** 2 / 0.09 < 1.0, 0.6, 0.03)
    truth += np.where((xx - 0.1) ** 2 + (yy + 0.05) ** 2 < 0.02, 0.5, 0.0)
    truth = truth.ravel()
    rows, cols, vals = [], [], []
    ds = 0.05
    for a in range(n_ang):
        th = np.pi * (a + 0.3) / n_ang
        c, s = math.cos(th), math.sin(th)
        for r in range(n_ray):
            off = (r + 0.5 - n_ray / 2) * n / n_ray
            acc = {}
            for t in np.arange(-n, n, ds):
                px = n / 2 + off * -s + t * c
                py = n / 2 + off * c + t * s
                if 0.0 <= px < n and 0.0 <= py < n:
                    k = int(py) * n + int(px)
                    acc[k] = acc.get(k, 0.0) + ds
            for k in sorted(acc):
                rows.append(a * n_ray + r)
                cols.append(k)
                vals.append(acc[k])
    rows = np.array(rows, dtype=np.int64)
    indptr = np.searchsorted(rows, np.arange(n_ang * n_ray + 1)).astype(np.int64)
    data = np.array(vals)
    indices = np.array(cols, dtype=np.int64)
    b_clean = np.array([data[indptr[i]:indptr[i + 1]] @ truth[indices[indptr[i]:indptr[i + 1]]]
                        for i in range(n_ang * n_ray)])
    noise = 0.04 * np.mean(np.abs(b_clean))
    b = b_clean + noise * rng.standard_normal(b_clean.shape[0])
    return (b, 0.9 + 0.2 * rng.random(), data, indptr, indices, 1.0, noise, truth, True)


PROGRAMS = {
    "pagerank_capped": Program(pagerank_capped, ("data", "teleport", "damping"), _pagerank, 16, 20000),
    "huber_csr_regression": Program(huber_csr_regression, ("data", "b", "delta", "lam"), _huber, 30, 20000),
    "aquifer_psor": Program(aquifer_psor, ("K", "h_left"), _aquifer, 6, 64),
    "allen_cahn_obstacle": Program(allen_cahn_obstacle, ("u0", "eps"), _allen, 5, 32),
    "inpaint_tv_redblack": Program(inpaint_tv_redblack, ("f", "eps"), _inpaint, 8, 128),
    "turbine_transient": Program(turbine_transient, ("torque_map", "kp", "ki", "accel_fuel"), _turbine, 150, 100000),
    "tariff_bill": Program(tariff_bill, ("load", "pv", "batt_kwh", "export_cap"), _tariff, 1, 20000),
    "pinch_utilities": Program(pinch_utilities, ("hot_in", "hot_out", "hot_cp", "cold_in", "cold_out", "cold_cp",
                                                 "dt_min"), _pinch, 6, 1000),
    "river_routing": Program(river_routing, ("k_res", "q_cap", "k_flood", "rain_scale"), _river, 20, 5000),
    "fire_spread": Program(fire_spread, ("fuel0", "moisture", "wind_x", "wind_y", "rate"), _fire, 8, 160),
    "basket_put_adi": Program(basket_put_adi, ("K", "r", "sigma1", "sigma2", "rho"), _adi, 10, 100),
    "portfolio_band": Program(portfolio_band, ("target", "band", "cost"), _portfolio, 60, 200000),
    "occupancy_logodds": Program(occupancy_logodds, ("ranges", "l_occ", "l_free", "width"), _occupancy, 3, 400),
    "pic_two_stream": Program(pic_two_stream, ("x0", "v0", "qm"), _pic, 40, 60000),
    "cable_net": Program(cable_net, ("L0", "P"), _cable, 4, 16),
    "battery_rainflow": Program(battery_rainflow, ("power", "capacity", "eta_c"), _battery, 80, 1000000),
    "bpr_hinge_mf": Program(bpr_hinge_mf, ("U0", "V0", "lr", "reg"), _bpr, 60, 100000),
    "eikonal_traveltime": Program(eikonal_traveltime, ("slowness",), _eikonal, 10, 300),
    "mine_switching": Program(mine_switching, ("sigma", "cost", "fixed_open", "maint", "switch_cost", "salvage", "r"),
                              _mine, 6, 200),
    "art_tomography": Program(art_tomography, ("b", "relax"), _art, 6, 48),
}
