"""Probe corpus H: nonsmooth numerical programs in the style of code found in
published Numba-using packages: traffic and power-system models, operations
research, sports ratings, pharmacokinetics, control, robotics, image
restoration, cloth and contact simulation, wind-farm layout, tax-benefit
microsimulation, queueing, exotic option pricing, recurrent and feed-forward
networks trained by hand, ordinal regression, level sets, shallow water,
crop growth and glacier flow.

The programs loop over 1-D, 2-D and 3-D numpy arrays, read and write
elements, keep local work arrays (np.empty, np.zeros, np.empty_like, .copy()),
call small module-level ``@numba.njit`` helpers that return scalars or tuples
(a few take arrays), use ``math`` functions, builtin ``abs``/``max``/``min``,
``if``/``elif``/``else`` chains, ``break``, ``continue``, early ``return``,
``while`` loops with a tolerance and an iteration cap, integer and boolean
parameters, module-level constants, in-place updates of 2-D and 3-D state
over time steps, and some whole-array numpy (np.maximum, np.where, np.clip,
np.abs, np.sum with an axis, np.dot, ``@``, np.outer, slicing).  The
nonsmoothness comes from min/max/abs/clip, thresholds and data-dependent
branches, projections, saturations, hinge losses and order statistics kept
by insertion.  Each returns one float.  Written once and not edited to suit
nsadc.

Each entry of ``PROGRAMS``: name -> Program(fn, wrt, args(size, rng),
small, big) where ``small`` is the size of the correctness check and ``big``
the size of the timing."""

import math

import numba
import numpy as np

from benchmarks.probe.programs import Program

# ----------------------------------------------------------------- constants

CTM_RHO_JAM = 150.0        # veh/km, jam density
CTM_MISFIT_WEIGHT = 0.05

DISPATCH_TOL = 1e-10
DISPATCH_MAXIT = 60
RESERVE_RAMP_FRAC = 0.15
RESERVE_PRICE = 80.0

ELO_SCALE = 400.0
ELO_FLOOR = 1300.0
ELO_PROVISIONAL = 8
ELO_PCLIP = 1e-6

PK_SUBSTEPS = 48
PK_RATIO_MIN = 0.5
PK_RATIO_MAX = 2.0
PK_TOX_WEIGHT = 10.0
PK_PEAK_WEIGHT = 0.1

SAT_STATE_PENALTY = 100.0

IK_TOL = 1e-14
IK_REG = 0.01

CLOTH_GRAVITY = 9.81
CLOTH_MASS = 0.01
CLOTH_DAMP = 0.2

ROTOR_R = 63.0
WAKE_K = 0.075
THRUST_CT = 0.8
CUT_IN = 3.0
RATED_WS = 11.4
CUT_OUT = 25.0
RATED_MW = 5.0
MIN_SPACING = 315.0
SPACING_PENALTY = 1e-3

PA_TAPER_START = 100000.0
PA_TAPER_RATE = 0.5
NI_MAIN = 0.12
NI_UPPER = 0.02
SUBSISTENCE = 1000.0
FUNDS_VALUE = 2e-5

QUEUE_LATE_WEIGHT = 2.0
QUEUE_WORST_WEIGHT = 0.1

RNN_CAP = 6.0

ORD_ORDER_PENALTY = 10.0

GRAV = 9.81
SW_EPS = 1e-2

T_BASE = 8.0
T_OPT = 30.0
T_CEIL = 42.0
HEAT_ONSET = 34.0
HEAT_SPAN = 8.0
LEAF_FRAC = 0.4
SENESCENCE = 0.004
TRANSP_COEF = 0.25

ICE_GLEN_A = 2.4e-24
ICE_RHO = 910.0
SEC_PER_YEAR = 31556926.0
ICE_CFL = 0.05
ICE_GAMMA = 2.0 * ICE_GLEN_A * (ICE_RHO * GRAV) ** 3 / 5.0 * SEC_PER_YEAR


# ------------------------------------------------------------------ programs

# --- traffic: cell-transmission model of a freeway with a lane drop

def ctm_traffic(rho0, demand, cap, vf, w, dx, dt, det, obs):
    """Daganzo's cell-transmission model: the flow between two cells is the
    min of what the upstream cell can send and the downstream cell can take.
    Returns vehicle-hours travelled plus misfit to loop-detector densities."""
    n = rho0.shape[0]
    T = demand.shape[0]
    rho = rho0.copy()
    flow = np.empty(n + 1)
    vht = 0.0
    misfit = 0.0
    for t in range(T):
        flow[0] = min(demand[t], cap[0], w * (CTM_RHO_JAM - rho[0]))
        for i in range(1, n):
            send = min(vf * rho[i - 1], cap[i - 1])
            recv = min(cap[i], w * (CTM_RHO_JAM - rho[i]))
            flow[i] = min(send, recv)
        flow[n] = min(vf * rho[n - 1], cap[n - 1])
        for i in range(n):
            rho[i] += dt / dx * (flow[i] - flow[i + 1])
        vht += dt * dx * np.sum(rho)
        for k in range(det.shape[0]):
            e = rho[det[k]] - obs[t, k]
            misfit += e * e
    return vht + CTM_MISFIT_WEIGHT * misfit / T


# --- power systems: lambda-iteration economic dispatch, valve-point costs

@numba.njit
def _unit_output(lam, b, c, pmin, pmax):
    """Output of one unit at system marginal price lam and dP/dlam."""
    p = (lam - b) / (2.0 * c)
    if p <= pmin:
        return pmin, 0.0
    if p >= pmax:
        return pmax, 0.0
    return p, 0.5 / c


def economic_dispatch(a, b, c, e, f, pmin, pmax, demand, reserve_req):
    """Safeguarded Newton on the system lambda until the units meet demand,
    then the true (valve-point) fuel cost plus a spinning-reserve shortfall."""
    n = b.shape[0]
    lo = np.min(b + 2.0 * c * pmin)
    hi = np.max(b + 2.0 * c * pmax)
    lam = 0.5 * (lo + hi)
    it = 0
    while it < DISPATCH_MAXIT:
        total = 0.0
        slope = 0.0
        for i in range(n):
            p, s = _unit_output(lam, b[i], c[i], pmin[i], pmax[i])
            total += p
            slope += s
        mismatch = demand - total
        if abs(mismatch) < DISPATCH_TOL * demand:
            break
        if mismatch > 0.0:
            lo = lam
        else:
            hi = lam
        if slope > 0.0:
            lam_new = lam + mismatch / slope
        else:
            lam_new = 0.5 * (lo + hi)
        if lam_new <= lo or lam_new >= hi:
            lam_new = 0.5 * (lo + hi)
        lam = lam_new
        it += 1
    cost = 0.0
    spare = 0.0
    for i in range(n):
        p, _ = _unit_output(lam, b[i], c[i], pmin[i], pmax[i])
        cost += a[i] + b[i] * p + c[i] * p * p + abs(e[i] * math.sin(f[i] * (pmin[i] - p)))
        spare += min(pmax[i] - p, RESERVE_RAMP_FRAC * pmax[i])
    shortfall = max(0.0, reserve_req - spare)
    return cost + RESERVE_PRICE * shortfall


# --- operations research: (s, S) inventory policy with a lead time

def inventory_sS(demand, s, S, lead, hold, penalty, fixed_cost, unit_cost, x0, lost_sales):
    """Periodic review; when the inventory position drops below s, order up
    to S.  Orders arrive lead + 1 periods later.  Unmet demand is lost or
    backordered.  Mean cost per period."""
    T = demand.shape[0]
    pipe = np.zeros(lead + 1)
    inv = x0
    cost = 0.0
    for t in range(T):
        inv += pipe[0]
        for k in range(lead):
            pipe[k] = pipe[k + 1]
        pipe[lead] = 0.0
        position = inv + np.sum(pipe)
        if position < s:
            q = S - position
            pipe[lead] = q
            cost += fixed_cost + unit_cost * q
        inv -= demand[t]
        if inv < 0.0:
            cost += penalty * (-inv)
            if lost_sales:
                inv = 0.0
        else:
            cost += hold * inv
    return cost / T


# --- sports ratings: Elo with provisional K, capped updates and a floor

@numba.njit
def _expected(ra, rb):
    return 1.0 / (1.0 + 10.0 ** ((rb - ra) / ELO_SCALE))


def elo_ratings(r0, home, away, result, k_prov, k_est, max_delta, home_adv, n_train):
    """Run Elo through the season; the matches after n_train are also scored
    by the log-loss of the pre-match prediction."""
    n_players = r0.shape[0]
    r = r0.copy()
    games = np.zeros(n_players, dtype=np.int64)
    logloss = 0.0
    for m in range(home.shape[0]):
        i = home[m]
        j = away[m]
        p = _expected(r[i] + home_adv, r[j])
        s = result[m]
        if m >= n_train:
            pc = min(max(p, ELO_PCLIP), 1.0 - ELO_PCLIP)
            logloss -= s * math.log(pc) + (1.0 - s) * math.log(1.0 - pc)
        ki = k_prov if games[i] < ELO_PROVISIONAL else k_est
        kj = k_prov if games[j] < ELO_PROVISIONAL else k_est
        di = max(-max_delta, min(max_delta, ki * (s - p)))
        dj = max(-max_delta, min(max_delta, kj * (s - p)))
        r[i] = max(ELO_FLOOR, r[i] + di)
        r[j] = max(ELO_FLOOR, r[j] - dj)
        games[i] += 1
        games[j] += 1
    return logloss / (home.shape[0] - n_train)


# --- pharmacokinetics: oral dosing with saturable elimination, TDM dose adjust

@numba.njit
def _pk_rhs(ag, ac, ka, cl, vd, vmax, km):
    conc = ac / vd
    absorb = ka * ag
    elim = cl * conc + vmax * conc / (km + conc)
    return -absorb, absorb - elim


def pk_dosing(ka, cl, vd, vmax, km, dose0, c_target, c_min, c_tox, tau, n_doses, adaptive, dose_cap):
    """One-compartment model with first-order absorption and Michaelis-Menten
    elimination.  With adaptive dosing each dose is the previous one scaled by
    target/trough, the ratio limited to [0.5, 2], and capped.  Penalises time above
    the toxic level, time below the effective level and the peak."""
    dt = tau / PK_SUBSTEPS
    ag = 0.0
    ac = 0.0
    over = 0.0
    under = 0.0
    peak = 0.0
    dose = dose0
    for k in range(n_doses):
        if adaptive and k > 0:
            trough = ac / vd
            ratio = c_target / trough
            if ratio < PK_RATIO_MIN:
                ratio = PK_RATIO_MIN
            elif ratio > PK_RATIO_MAX:
                ratio = PK_RATIO_MAX
            dose = min(dose * ratio, dose_cap)
        ag += dose
        for _ in range(PK_SUBSTEPS):
            dg, dc = _pk_rhs(ag, ac, ka, cl, vd, vmax, km)
            ag += dt * dg
            ac += dt * dc
            conc = ac / vd
            if conc > c_tox:
                over += (conc - c_tox) * dt
            elif conc < c_min:
                under += (c_min - conc) * dt
            peak = max(peak, conc)
    return PK_TOX_WEIGHT * over + under + PK_PEAK_WEIGHT * peak


# --- control: closed-loop rollout with actuator saturation and rate limits

@numba.njit
def _actuator(u_cmd, u_prev, u_max, du_max):
    du = u_cmd - u_prev
    if du > du_max:
        du = du_max
    elif du < -du_max:
        du = -du_max
    return min(max(u_prev + du, -u_max), u_max)


def saturated_feedback(Kgain, x0, A, B, dist, u_max, du_max, x_lim, q_diag, r_w):
    """u = -K x through a rate-limited, saturating actuator on a linear
    plant; quadratic cost plus a penalty on leaving the state box."""
    nx = x0.shape[0]
    nu = Kgain.shape[0]
    T = dist.shape[0]
    x = x0.copy()
    u = np.zeros(nu)
    J = 0.0
    for t in range(T):
        for a in range(nu):
            cmd = 0.0
            for b in range(nx):
                cmd -= Kgain[a, b] * x[b]
            u[a] = _actuator(cmd, u[a], u_max, du_max)
            J += r_w * u[a] * u[a]
        x = A @ x + B @ u + dist[t]
        for b in range(nx):
            J += q_diag[b] * x[b] * x[b]
            viol = abs(x[b]) - x_lim[b]
            if viol > 0.0:
                J += SAT_STATE_PENALTY * viol * viol
    return J / T


# --- robotics: Jacobian-transpose inverse kinematics with joint limits

@numba.njit
def _end_effector(theta, lengths):
    x = 0.0
    y = 0.0
    phi = 0.0
    for k in range(theta.shape[0]):
        phi += theta[k]
        x += lengths[k] * math.cos(phi)
        y += lengths[k] * math.sin(phi)
    return x, y


def planar_ik(lengths, targets, theta0, lo, hi, step, n_iter):
    """For each target, projected Jacobian-transpose steps on a planar arm
    (joints clamped to [lo, hi]), stopping early once the target is hit.
    Mean squared reach error plus a small joint-effort term."""
    nj = lengths.shape[0]
    th = np.empty(nj)
    jx = np.empty(nj)
    jy = np.empty(nj)
    total = 0.0
    for t in range(targets.shape[0]):
        tx = targets[t, 0]
        ty = targets[t, 1]
        th[:] = theta0
        for it in range(n_iter):
            phi = 0.0
            x = 0.0
            y = 0.0
            for k in range(nj):
                phi += th[k]
                x += lengths[k] * math.cos(phi)
                y += lengths[k] * math.sin(phi)
                jx[k] = x
                jy[k] = y
            ex = tx - x
            ey = ty - y
            if ex * ex + ey * ey < IK_TOL:
                break
            px = 0.0
            py = 0.0
            for k in range(nj):
                g = -(y - py) * ex + (x - px) * ey
                th[k] = min(max(th[k] + step * g, lo[k]), hi[k])
                px = jx[k]
                py = jy[k]
        x, y = _end_effector(th, lengths)
        effort = 0.0
        for k in range(nj):
            effort += th[k] * th[k]
        total += (x - tx) ** 2 + (y - ty) ** 2 + IK_REG * effort
    return total / targets.shape[0]


# --- image restoration: ROF total variation by Chambolle-Pock

def tv_chambolle_pock(f, lam, n_iter, isotropic):
    """Primal-dual iterations for min_u 0.5|u - f|^2 + lam TV(u) on a 2-D
    image (forward differences, Neumann boundary); returns the ROF energy."""
    ny, nx = f.shape
    tau = 0.25
    sigma = 0.5
    u = f.copy()
    ubar = f.copy()
    px = np.zeros_like(f)
    py = np.zeros_like(f)
    for it in range(n_iter):
        for i in range(ny):
            for j in range(nx):
                gx = ubar[i, j + 1] - ubar[i, j] if j < nx - 1 else 0.0
                gy = ubar[i + 1, j] - ubar[i, j] if i < ny - 1 else 0.0
                qx = px[i, j] + sigma * gx
                qy = py[i, j] + sigma * gy
                if isotropic:
                    nrm = math.sqrt(qx * qx + qy * qy)
                    scale = max(1.0, nrm / lam)
                    px[i, j] = qx / scale
                    py[i, j] = qy / scale
                else:
                    px[i, j] = min(max(qx, -lam), lam)
                    py[i, j] = min(max(qy, -lam), lam)
        for i in range(ny):
            for j in range(nx):
                div = 0.0
                if j < nx - 1:
                    div += px[i, j]
                if j > 0:
                    div -= px[i, j - 1]
                if i < ny - 1:
                    div += py[i, j]
                if i > 0:
                    div -= py[i - 1, j]
                u_old = u[i, j]
                u[i, j] = (u_old + tau * div + tau * f[i, j]) / (1.0 + tau)
                ubar[i, j] = 2.0 * u[i, j] - u_old
    energy = 0.5 * np.sum((u - f) ** 2)
    for i in range(ny - 1):
        for j in range(nx - 1):
            dx = u[i, j + 1] - u[i, j]
            dy = u[i + 1, j] - u[i, j]
            if isotropic:
                energy += lam * math.sqrt(dx * dx + dy * dy)
            else:
                energy += lam * (abs(dx) + abs(dy))
    return energy


# --- cloth: tension-only spring grid dropped on a sphere and the floor

@numba.njit
def _cable_force(xa, ya, za, xb, yb, zb, rest, k):
    """Force on node a from a cable to node b (no force when slack)."""
    dx = xb - xa
    dy = yb - ya
    dz = zb - za
    L = math.sqrt(dx * dx + dy * dy + dz * dz)
    stretch = L - rest
    if stretch <= 0.0:
        return 0.0, 0.0, 0.0
    s = k * stretch / L
    return s * dx, s * dy, s * dz


def cloth_drape(pos0, rest_u, rest_v, k, center, radius, k_contact, dt, steps, target):
    """Square cloth of cables (pos0 has shape (ny, nx, 3)) falling under
    gravity onto a sphere and the floor z = 0, penalty contact, symplectic
    Euler.  Mean squared distance of the final nodes to a target drape."""
    ny, nx, _ = pos0.shape
    x = pos0.copy()
    v = np.zeros_like(x)
    F = np.empty_like(x)
    for step in range(steps):
        F[:, :, 0] = -CLOTH_DAMP * v[:, :, 0]
        F[:, :, 1] = -CLOTH_DAMP * v[:, :, 1]
        F[:, :, 2] = -CLOTH_DAMP * v[:, :, 2] - CLOTH_MASS * CLOTH_GRAVITY
        for i in range(ny):
            for j in range(nx):
                if j < nx - 1:
                    fx, fy, fz = _cable_force(x[i, j, 0], x[i, j, 1], x[i, j, 2],
                                              x[i, j + 1, 0], x[i, j + 1, 1], x[i, j + 1, 2],
                                              rest_u[i, j], k)
                    F[i, j, 0] += fx
                    F[i, j, 1] += fy
                    F[i, j, 2] += fz
                    F[i, j + 1, 0] -= fx
                    F[i, j + 1, 1] -= fy
                    F[i, j + 1, 2] -= fz
                if i < ny - 1:
                    fx, fy, fz = _cable_force(x[i, j, 0], x[i, j, 1], x[i, j, 2],
                                              x[i + 1, j, 0], x[i + 1, j, 1], x[i + 1, j, 2],
                                              rest_v[i, j], k)
                    F[i, j, 0] += fx
                    F[i, j, 1] += fy
                    F[i, j, 2] += fz
                    F[i + 1, j, 0] -= fx
                    F[i + 1, j, 1] -= fy
                    F[i + 1, j, 2] -= fz
                ddx = x[i, j, 0] - center[0]
                ddy = x[i, j, 1] - center[1]
                ddz = x[i, j, 2] - center[2]
                d = math.sqrt(ddx * ddx + ddy * ddy + ddz * ddz)
                pen = radius - d
                if pen > 0.0:
                    F[i, j, 0] += k_contact * pen * ddx / d
                    F[i, j, 1] += k_contact * pen * ddy / d
                    F[i, j, 2] += k_contact * pen * ddz / d
                if x[i, j, 2] < 0.0:
                    F[i, j, 2] -= k_contact * x[i, j, 2]
        for i in range(ny):
            for j in range(nx):
                for c in range(3):
                    v[i, j, c] += dt * F[i, j, c] / CLOTH_MASS
                    x[i, j, c] += dt * v[i, j, c]
    d2 = np.sum((x - target) ** 2, axis=2)
    return np.sum(d2) / (ny * nx)


# --- wind energy: Jensen wake model, sector-weighted farm output

@numba.njit
def _power_curve(v):
    if v < CUT_IN or v > CUT_OUT:
        return 0.0
    if v >= RATED_WS:
        return RATED_MW
    return RATED_MW * (v ** 3 - CUT_IN ** 3) / (RATED_WS ** 3 - CUT_IN ** 3)


@numba.njit
def _overlap_area(d, rw, r):
    """Area of the rotor disc (radius r) inside a wake of radius rw whose
    centre line is d away."""
    if d >= rw + r:
        return 0.0
    if d <= rw - r:
        return math.pi * r * r
    c1 = (d * d + rw * rw - r * r) / (2.0 * d * rw)
    c2 = (d * d + r * r - rw * rw) / (2.0 * d * r)
    k = (-d + rw + r) * (d + rw - r) * (d - rw + r) * (d + rw + r)
    return rw * rw * math.acos(c1) + r * r * math.acos(c2) - 0.5 * math.sqrt(k)


def wind_farm(xy, wind_dir, wind_speed, freq):
    """Minus the expected farm output over wind sectors (square-sum wake
    superposition of top-hat Jensen wakes), plus a minimum-spacing penalty."""
    n = xy.shape[0]
    xr = np.empty(n)
    yr = np.empty(n)
    a = 1.0 - math.sqrt(1.0 - THRUST_CT)
    rotor_area = math.pi * ROTOR_R * ROTOR_R
    expected = 0.0
    for s in range(wind_dir.shape[0]):
        cs = math.cos(wind_dir[s])
        sn = math.sin(wind_dir[s])
        for i in range(n):
            xr[i] = cs * xy[i, 0] + sn * xy[i, 1]
            yr[i] = -sn * xy[i, 0] + cs * xy[i, 1]
        for i in range(n):
            deficit_sq = 0.0
            for j in range(n):
                dx = xr[i] - xr[j]
                if dx <= 0.0:
                    continue
                rw = ROTOR_R + WAKE_K * dx
                ov = _overlap_area(abs(yr[i] - yr[j]), rw, ROTOR_R)
                if ov > 0.0:
                    dfc = a * (ROTOR_R / rw) ** 2 * ov / rotor_area
                    deficit_sq += dfc * dfc
            v = wind_speed[s] * (1.0 - math.sqrt(deficit_sq))
            expected += freq[s] * _power_curve(v)
    penalty = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            d = math.hypot(xy[i, 0] - xy[j, 0], xy[i, 1] - xy[j, 1])
            gap = MIN_SPACING - d
            if gap > 0.0:
                penalty += gap * gap
    return -expected + SPACING_PENALTY * penalty


# --- public finance: household tax-benefit microsimulation

@numba.njit
def _band_tax(taxable, tops, rates, top_rate):
    tax = 0.0
    lower = 0.0
    for b in range(tops.shape[0]):
        if taxable <= tops[b]:
            return tax + rates[b] * (taxable - lower)
        tax += rates[b] * (tops[b] - lower)
        lower = tops[b]
    return tax + top_rate * (taxable - lower)


def household_budget(earn, hours, children, childcare, weights, allowance, band_tops, band_rates,
                     top_rate, ni_lower, ni_upper, max_award, child_element, taper, work_allowance,
                     cc_rate, cc_cap):
    """Income tax with a tapered personal allowance, national insurance, a
    means-tested award withdrawn at a taper above a work allowance, and a
    capped childcare subsidy for households in work.  Returns weighted log
    disposable income plus the value of net revenue."""
    welfare = 0.0
    revenue = 0.0
    for h in range(earn.shape[0]):
        e = earn[h]
        pa = allowance
        if e > PA_TAPER_START:
            pa = max(0.0, allowance - PA_TAPER_RATE * (e - PA_TAPER_START))
        taxable = max(0.0, e - pa)
        tax = _band_tax(taxable, band_tops, band_rates, top_rate)
        ni = 0.0
        if e > ni_lower:
            ni = NI_MAIN * (min(e, ni_upper) - ni_lower)
            if e > ni_upper:
                ni += NI_UPPER * (e - ni_upper)
        net = e - tax - ni
        kids = children[h]
        award = max_award + child_element * kids
        wa = work_allowance if kids > 0 else 0.0
        award = max(0.0, award - taper * max(0.0, net - wa))
        cc = 0.0
        if kids > 0 and hours[h] >= 16:
            cc = min(cc_rate * childcare[h], cc_cap * min(kids, 2))
        disposable = net + award + cc - childcare[h]
        welfare += weights[h] * math.log(max(disposable, SUBSISTENCE))
        revenue += weights[h] * (tax + ni - award - cc)
    return welfare + FUNDS_VALUE * revenue


# --- queueing: FIFO multi-server queue, Kiefer-Wolfowitz workload vector

def multiserver_queue(inter, service, n_servers, speedup, sla):
    """Workloads of the servers kept in ascending order by insertion; each
    customer waits for the least-loaded server.  Mean wait, SLA lateness and
    the worst wait."""
    n = inter.shape[0]
    w = np.zeros(n_servers)
    total = 0.0
    late = 0.0
    worst = 0.0
    for k in range(n):
        wait = w[0]
        total += wait
        late += max(0.0, wait - sla)
        worst = max(worst, wait)
        v = w[0] + service[k] / speedup
        j = 0
        while j < n_servers - 1 and w[j + 1] < v:
            w[j] = w[j + 1]
            j += 1
        w[j] = v
        for j in range(n_servers):
            w[j] = max(0.0, w[j] - inter[k])
    return total / n + QUEUE_LATE_WEIGHT * late / n + QUEUE_WORST_WEIGHT * worst


# --- finance: Monte Carlo cliquet with local and global caps and floors

def cliquet_mc(sigma, r, T, local_floor, local_cap, global_floor, global_cap, Z, notional):
    """Sum of periodic returns, each clipped to [local_floor, local_cap],
    the sum clipped to [global_floor, global_cap]; piecewise-constant
    volatility per reset period; discounted mean over the paths."""
    npaths, nsteps = Z.shape
    n_reset = sigma.shape[0]
    sub = nsteps // n_reset
    dt = T / nsteps
    sq = math.sqrt(dt)
    acc_paths = 0.0
    for p in range(npaths):
        logs = 0.0
        ref = 0.0
        acc = 0.0
        for k in range(nsteps):
            sg = sigma[k // sub]
            logs += (r - 0.5 * sg * sg) * dt + sg * sq * Z[p, k]
            if (k + 1) % sub == 0:
                ret = math.exp(logs - ref) - 1.0
                acc += min(max(ret, local_floor), local_cap)
                ref = logs
        acc_paths += min(max(acc, global_floor), global_cap)
    return notional * math.exp(-r * T) * acc_paths / npaths


# --- ML: ReLU6 recurrent network rollout with a Huber read-out loss

def relu_rnn(W, U, b, v, c, xs, ys, delta):
    """h_t = min(max(W h_{t-1} + U x_t + b, 0), 6), y_t = v.h_t + c; mean
    Huber loss of y_t against the targets."""
    T, m = xs.shape
    H = W.shape[0]
    h = np.zeros(H)
    hn = np.empty(H)
    loss = 0.0
    for t in range(T):
        for i in range(H):
            a = b[i]
            for j in range(H):
                a += W[i, j] * h[j]
            for j in range(m):
                a += U[i, j] * xs[t, j]
            if a < 0.0:
                a = 0.0
            elif a > RNN_CAP:
                a = RNN_CAP
            hn[i] = a
        h, hn = hn, h
        e = np.dot(v, h) + c - ys[t]
        ae = abs(e)
        if ae <= delta:
            loss += 0.5 * e * e
        else:
            loss += delta * (ae - 0.5 * delta)
    return loss / T


# --- ML: ordinal regression with threshold hinge losses

def ordinal_hinge(w, theta, X, y, lam, all_threshold):
    """Rennie-Srebro ordinal regression: scores X w against ordered cut
    points theta.  All-threshold (every cut point) or immediate-threshold
    (the two around the label) hinge loss, an order penalty on theta and
    ridge on w."""
    n, d = X.shape
    K = theta.shape[0]
    loss = 0.0
    for i in range(n):
        f = 0.0
        for j in range(d):
            f += X[i, j] * w[j]
        yi = y[i]
        for k in range(K):
            if not all_threshold and k != yi - 1 and k != yi:
                continue
            if yi <= k:
                loss += max(0.0, 1.0 - (theta[k] - f))
            else:
                loss += max(0.0, 1.0 + (theta[k] - f))
    loss /= n
    for k in range(K - 1):
        loss += ORD_ORDER_PENALTY * max(0.0, theta[k] - theta[k + 1])
    return loss + lam * np.dot(w, w)


# --- level sets: Osher-Sethian upwind front propagation

def levelset_front(phi0, speed, t_end, dx, cfl, mask, eps):
    """phi_t + F |grad phi| = 0 by Godunov upwinding (max/min selection of
    one-sided differences), CFL time step.  Misfit of the smeared indicator
    of {phi < 0} to an observed mask, plus the area error."""
    ny, nx = phi0.shape
    phi = phi0.copy()
    new = np.empty_like(phi)
    fmax = np.max(np.abs(speed))
    t = 0.0
    while t < t_end:
        dt = min(cfl * dx / fmax, t_end - t)
        for i in range(ny):
            im = i - 1 if i > 0 else 0
            ip = i + 1 if i < ny - 1 else ny - 1
            for j in range(nx):
                jm = j - 1 if j > 0 else 0
                jp = j + 1 if j < nx - 1 else nx - 1
                p = phi[i, j]
                dxm = (p - phi[i, jm]) / dx
                dxp = (phi[i, jp] - p) / dx
                dym = (p - phi[im, j]) / dx
                dyp = (phi[ip, j] - p) / dx
                F = speed[i, j]
                if F > 0.0:
                    g = math.sqrt(max(dxm, 0.0) ** 2 + min(dxp, 0.0) ** 2
                                  + max(dym, 0.0) ** 2 + min(dyp, 0.0) ** 2)
                else:
                    g = math.sqrt(min(dxm, 0.0) ** 2 + max(dxp, 0.0) ** 2
                                  + min(dym, 0.0) ** 2 + max(dyp, 0.0) ** 2)
                new[i, j] = p - dt * F * g
        phi, new = new, phi
        t += dt
    H = np.clip(0.5 - phi / (2.0 * eps), 0.0, 1.0)
    mis = np.sum((H - mask) ** 2) / (ny * nx)
    area_err = (np.sum(H) - np.sum(mask)) * dx * dx
    return mis + area_err * area_err


# --- ML: minibatch SGD with global-norm gradient clipping

def clipped_sgd(W0, b0, v0, lr, clip, X, y, epochs, batch, wd):
    """One-hidden-layer ReLU regression net trained by minibatch SGD with a
    hand-written backward pass, global-norm gradient clipping and weight
    decay; mean absolute error on the held-out last quarter."""
    n = X.shape[0]
    n_train = (3 * n) // 4
    W = W0.copy()
    b = b0.copy()
    v = v0.copy()
    H = W.shape[0]
    for ep in range(epochs):
        for start in range(0, n_train, batch):
            stop = min(start + batch, n_train)
            m = stop - start
            gW = np.zeros_like(W)
            gb = np.zeros(H)
            gv = np.zeros(H)
            for i in range(start, stop):
                z = W @ X[i] + b
                h = np.maximum(z, 0.0)
                e = np.dot(v, h) - y[i]
                gv += e * h
                dz = np.where(z > 0.0, e * v, 0.0)
                gW += np.outer(dz, X[i])
                gb += dz
            gW /= m
            gb /= m
            gv /= m
            gnorm = math.sqrt(np.sum(gW * gW) + np.sum(gb * gb) + np.sum(gv * gv))
            scale = 1.0
            if gnorm > clip:
                scale = clip / gnorm
            W -= lr * (scale * gW + wd * W)
            b -= lr * scale * gb
            v -= lr * (scale * gv + wd * v)
    err = 0.0
    for i in range(n_train, n):
        h = np.maximum(W @ X[i] + b, 0.0)
        err += abs(np.dot(v, h) - y[i])
    return err / (n - n_train)


# --- hydraulics: dam break over a nearly dry bed, Rusanov fluxes

@numba.njit
def _desingularised_velocity(h, q):
    """u = q/h with the Kurganov-Petrova cut-off for (nearly) dry cells."""
    h4 = h * h * h * h
    return math.sqrt(2.0) * h * q / math.sqrt(h4 + max(h4, SW_EPS ** 4))


def dam_break(h0, manning, dx, dt, steps, gauge, h_obs):
    """1-D shallow water between reflecting walls, Rusanov flux (max local
    wave speed), depth clamped at zero, semi-implicit Manning friction with a
    dry-depth floor.  Depth misfit at the end plus the peak depth at a gauge."""
    n = h0.shape[0]
    h = h0.copy()
    q = np.zeros(n)
    u = np.zeros(n)
    fh = np.empty(n + 1)
    fq = np.empty(n + 1)
    peak = 0.0
    for s in range(steps):
        for i in range(n):
            u[i] = _desingularised_velocity(h[i], q[i])
            q[i] = h[i] * u[i]
        for k in range(n + 1):
            if k == 0:
                hl, ul, hr, ur = h[0], -u[0], h[0], u[0]
            elif k == n:
                hl, ul, hr, ur = h[n - 1], u[n - 1], h[n - 1], -u[n - 1]
            else:
                hl, ul, hr, ur = h[k - 1], u[k - 1], h[k], u[k]
            a = max(abs(ul) + math.sqrt(GRAV * hl), abs(ur) + math.sqrt(GRAV * hr))
            fh[k] = 0.5 * (hl * ul + hr * ur) - 0.5 * a * (hr - hl)
            fq[k] = (0.5 * (hl * ul * ul + 0.5 * GRAV * hl * hl + hr * ur * ur + 0.5 * GRAV * hr * hr)
                     - 0.5 * a * (hr * ur - hl * ul))
        for i in range(n):
            h[i] -= dt / dx * (fh[i + 1] - fh[i])
            q[i] -= dt / dx * (fq[i + 1] - fq[i])
            h[i] = max(h[i], 0.0)
            heff = max(h[i], SW_EPS)
            q[i] /= 1.0 + dt * GRAV * manning * manning * abs(q[i]) / heff ** (7.0 / 3.0)
        peak = max(peak, h[gauge])
    mis = 0.0
    for i in range(n):
        mis += (h[i] - h_obs[i]) ** 2 * dx
    return mis + peak


# --- agronomy: daily crop growth with temperature and water stress

@numba.njit
def _thermal_time(tmin, tmax):
    tm = 0.5 * (tmin + tmax)
    if tm <= T_BASE:
        return 0.0
    elif tm <= T_OPT:
        return tm - T_BASE
    elif tm < T_CEIL:
        return (T_OPT - T_BASE) * (T_CEIL - tm) / (T_CEIL - T_OPT)
    return 0.0


def crop_season(tmin, tmax, rad, rain, rue, k_ext, sla, tt_flower, tt_mature, taw, p_dep, lai0):
    """Per field: thermal time, a bucket of plant-available water, light
    interception by LAI, growth limited by the worse of water and heat stress,
    grain partitioning ramping in after flowering, leaf senescence, harvest at
    maturity.  Mean grain yield over the fields."""
    nfield, ndays = tmax.shape
    total = 0.0
    for fld in range(nfield):
        tt = 0.0
        lai = lai0
        sw = 0.6 * taw
        grain = 0.0
        for d in range(ndays):
            dtt = _thermal_time(tmin[fld, d], tmax[fld, d])
            tt += dtt
            sw = min(sw + rain[fld, d], taw)
            intercept = 1.0 - math.exp(-k_ext * lai)
            ws = min(1.0, sw / ((1.0 - p_dep) * taw))
            hs = max(0.0, 1.0 - max(0.0, tmax[fld, d] - HEAT_ONSET) / HEAT_SPAN)
            dbio = rue * rad[fld, d] * intercept * min(ws, hs)
            fgrain = min(max((tt - tt_flower) / (tt_mature - tt_flower), 0.0), 1.0)
            grain += fgrain * dbio
            if tt < tt_flower:
                lai += sla * LEAF_FRAC * dbio
            else:
                lai -= SENESCENCE * dtt * lai
            transp = min(sw, TRANSP_COEF * rad[fld, d] * intercept)
            sw -= transp
            if tt >= tt_mature:
                break
        total += grain
    return total / nfield


# --- glaciology: shallow-ice flowline with an elevation-dependent balance

def glacier_sia(bed, H0, ela, grad_b, max_acc, dx, dt_max, t_end, H_obs):
    """Flowline shallow-ice approximation, diffusivity Gamma H^5 |dS/dx|^2,
    adaptive explicit time step, mass balance linear in elevation above the
    ELA (grad_b in m/yr per km) and capped, thickness kept non-negative.
    Misfit to observed thickness plus volume error."""
    n = bed.shape[0]
    H = H0.copy()
    flux = np.zeros(n + 1)
    t = 0.0
    while t < t_end:
        S = bed + H
        dmax = 0.0
        for i in range(1, n):
            Hs = 0.5 * (H[i - 1] + H[i])
            slope = (S[i] - S[i - 1]) / dx
            D = ICE_GAMMA * Hs ** 5 * slope * slope
            flux[i] = -D * slope
            dmax = max(dmax, D)
        dt = min(dt_max, ICE_CFL * dx * dx / max(dmax, 1.0), t_end - t)
        for i in range(n):
            mb = min(grad_b * (S[i] - ela) / 1000.0, max_acc)
            H[i] += dt * (mb - (flux[i + 1] - flux[i]) / dx)
        H = np.maximum(H, 0.0)
        t += dt
    mis = np.sum((H - H_obs) ** 2) / n
    vol_err = (np.sum(H) - np.sum(H_obs)) * dx / 1e6
    return 1e-4 * mis + vol_err * vol_err


# ------------------------------------------------------------- argument makers

def _ctm(n, rng):
    T = 4 * n
    rho0 = 10.0 + 20.0 * rng.random(n)
    b0 = (2 * n) // 3
    rho0[max(0, b0 - 3):b0] = 60.0 + 30.0 * rng.random(min(3, b0))
    cap = 2000.0 + 100.0 * rng.random(n)
    cap[b0:] = 1400.0 + 60.0 * rng.random(n - b0)
    demand = 1500.0 + 400.0 * rng.random(T)
    det = np.arange(0, n, 3).astype(np.int64)
    obs = 20.0 + 40.0 * rng.random((T, det.shape[0]))
    return (rho0, demand, cap, 100.0, 20.0, 0.5, 10.0 / 3600.0, det, obs)


def _dispatch(n, rng):
    pmin = 50.0 + 100.0 * rng.random(n)
    pmax = pmin + 150.0 + 250.0 * rng.random(n)
    a = 100.0 + 400.0 * rng.random(n)
    b = 10.0 + 15.0 * rng.random(n)
    c = 0.002 + 0.008 * rng.random(n)
    e = 50.0 + 250.0 * rng.random(n)
    f = 0.03 + 0.03 * rng.random(n)
    demand = 0.55 * np.sum(pmax) + 0.1 * np.sum(pmin) * rng.random()
    reserve = (0.16 + 0.04 * rng.random()) * demand
    return (a, b, c, e, f, pmin, pmax, demand, reserve)


def _inventory(n, rng):
    demand = rng.gamma(4.0, 5.0, n)
    return (demand, 55.0 + rng.random(), 130.0 + 10.0 * rng.random(), 2,
            1.0 + 0.2 * rng.random(), 9.0 + rng.random(), 40.0, 2.0, 60.0, True)


def _elo(n, rng):
    P = 8 if n < 1000 else 1000
    strength = 1500.0 + 200.0 * rng.standard_normal(P)
    home = rng.integers(0, P, n)
    away = (home + rng.integers(1, P, n)) % P
    pw = 1.0 / (1.0 + 10.0 ** ((strength[away] - strength[home] - 50.0) / 400.0))
    u = rng.random(n)
    result = np.where(u < pw - 0.1, 1.0, np.where(u < pw + 0.1, 0.5, 0.0))
    r0 = 1500.0 + 150.0 * rng.standard_normal(P)
    r0[:2] = 1320.0 + 20.0 * rng.random(2)
    return (r0, home.astype(np.int64), away.astype(np.int64), result,
            40.0, 20.0, 18.0 + rng.random(), 60.0 + 10.0 * rng.random(), n // 2)


def _pk(n, rng):
    return (1.0 + 0.2 * rng.random(), 4.0 + rng.random(), 50.0 + 5.0 * rng.random(),
            20.0 + 5.0 * rng.random(), 2.0, 250.0 + 30.0 * rng.random(), 3.0 + 0.3 * rng.random(),
            2.5, 9.0 + rng.random(), 12.0, n, True, 700.0 + 50.0 * rng.random())


def _feedback(n, rng):
    dt = 0.1
    A = np.eye(4)
    A[0, 1] = dt
    A[2, 3] = dt
    A[1, 1] = 0.99
    A[1, 2] = 0.02
    A[3, 0] = -0.02
    B = np.zeros((4, 2))
    B[0, 0] = 0.5 * dt * dt
    B[1, 0] = dt
    B[2, 1] = 0.5 * dt * dt
    B[3, 1] = dt
    Q = np.diag([1.0, 0.1, 1.0, 0.1])
    R = 0.1 * np.eye(2)
    P = Q.copy()
    for _ in range(500):
        G = np.linalg.solve(R + B.T @ P @ B, B.T @ P @ A)
        P = Q + A.T @ P @ (A - B @ G)
    K = np.linalg.solve(R + B.T @ P @ B, B.T @ P @ A)
    K = K * (1.0 + 0.1 * rng.standard_normal(K.shape))
    x0 = np.array([3.0, 0.0, -2.5, 0.5]) + 0.2 * rng.standard_normal(4)
    dist = 0.01 * rng.standard_normal((n, 4))
    x_lim = np.array([2.5, 1.5, 2.5, 1.5])
    return (K, x0, A, B, dist, 1.0 + 0.1 * rng.random(), 0.15 + 0.02 * rng.random(), x_lim,
            np.diag(Q).copy(), 0.1)


def _ik(n, rng):
    lengths = np.array([1.0, 0.8, 0.5]) + 0.05 * rng.random(3)
    ang = 2.0 * np.pi * rng.random(n)
    rad = 0.5 + 2.0 * rng.random(n)
    targets = np.column_stack((rad * np.cos(ang), rad * np.sin(ang)))
    theta0 = np.array([0.3, 0.4, 0.2]) + 0.1 * rng.random(3)
    lo = np.array([-1.5, -2.0, -1.2]) + 0.05 * rng.random(3)
    hi = np.array([1.5, 2.0, 1.2]) + 0.05 * rng.random(3)
    return (lengths, targets, theta0, lo, hi, 0.25, 100)


def _tv(n, rng):
    yy, xx = np.mgrid[0:n, 0:n] / float(n)
    clean = np.where((xx - 0.5) ** 2 + (yy - 0.45) ** 2 < 0.09, 1.0, 0.0) + np.where(xx > 0.7, 0.5, 0.0)
    f = clean + 0.15 * rng.standard_normal((n, n))
    return (f, 0.2 + 0.02 * rng.random(), 15 if n < 50 else 30, True)


def _cloth(n, rng):
    side = 0.6
    s = np.linspace(-0.5 * side, 0.5 * side, n)
    X, Y = np.meshgrid(s, s)
    pos0 = np.empty((n, n, 3))
    pos0[:, :, 0] = X + 0.01 * rng.standard_normal((n, n))
    pos0[:, :, 1] = Y + 0.01 * rng.standard_normal((n, n))
    pos0[:, :, 2] = 0.39 + 0.01 * rng.standard_normal((n, n))
    h = side / (n - 1)
    rest_u = h * (0.9 + 0.05 * rng.random((n, n - 1)))
    rest_v = h * (0.9 + 0.05 * rng.random((n - 1, n)))
    center = np.array([0.03, -0.02, 0.2]) + 0.01 * rng.standard_normal(3)
    target = pos0.copy()
    target[:, :, 2] = 0.25 + 0.1 * np.exp(-(X ** 2 + Y ** 2) / 0.02)
    steps = 120 if n < 10 else 3000
    return (pos0, rest_u, rest_v, 20.0 * (n - 1), center, 0.18 + 0.01 * rng.random(), 30.0,
            1e-3, steps, target)


def _wind(n, rng):
    m = math.ceil(math.sqrt(n))
    gx, gy = np.meshgrid(np.arange(m), np.arange(m))
    xy = np.column_stack((gx.ravel(), gy.ravel()))[:n] * 3.0 * 2 * ROTOR_R
    xy = xy + 90.0 * rng.standard_normal(xy.shape)
    ns = 12 if n < 20 else 36
    wind_dir = 2.0 * np.pi * (np.arange(ns) + 0.3 * rng.random(ns)) / ns
    wind_speed = 7.0 + 6.0 * rng.random(ns)
    freq = rng.random(ns) + 0.5
    freq = freq / freq.sum()
    return (xy, wind_dir, wind_speed, freq)


def _budget(n, rng):
    earn = np.exp(math.log(28000.0) + 0.8 * rng.standard_normal(n))
    hours = rng.integers(5, 45, n).astype(np.int64)
    children = rng.integers(0, 4, n).astype(np.int64)
    childcare = np.where((children > 0) & (rng.random(n) < 0.6), 8000.0 * rng.random(n), 0.0)
    weights = 0.5 + rng.random(n)
    return (earn, hours, children, childcare, weights, 12570.0 + 100.0 * rng.random(),
            np.array([37700.0, 125140.0]), np.array([0.2, 0.4]) + 0.01 * rng.random(2), 0.45,
            12570.0, 50270.0, 4500.0, 3200.0 + 100.0 * rng.random(), 0.55 + 0.01 * rng.random(),
            4000.0, 0.85, 9000.0)


def _mmc(n, rng):
    inter = rng.exponential(1.0, n)
    service = rng.gamma(2.0, 1.4, n)
    return (inter, service, 3, 1.0 + 0.05 * rng.random(), 2.0 + rng.random())


def _cliquet(n, rng):
    sub = 2 if n < 1000 else 21
    Z = rng.standard_normal((n, 12 * sub))
    sigma = 0.18 + 0.08 * rng.random(12)
    return (sigma, 0.03 + 0.01 * rng.random(), 1.0, -0.02 - 0.005 * rng.random(), 0.03 + 0.005 * rng.random(),
            0.005 * rng.random(), 0.15 + 0.02 * rng.random(), Z, 100.0)


def _rnn(n, rng):
    H = 5 if n < 1000 else 12
    m = 2 if n < 1000 else 4
    W = 0.4 * rng.standard_normal((H, H)) / math.sqrt(H)
    U = rng.standard_normal((H, m))
    b = 0.2 * rng.standard_normal(H)
    v = rng.standard_normal(H) / math.sqrt(H)
    t = np.arange(n)
    xs = 3.0 * np.sin(0.3 * t[:, None] + np.arange(m)) + 0.5 * rng.standard_normal((n, m))
    ys = np.sin(0.3 * t + 0.5) + 0.2 * rng.standard_normal(n)
    return (W, U, b, v, 0.1 * rng.standard_normal(), xs, ys, 0.8)


def _ordinal(n, rng):
    d = 4 if n < 1000 else 10
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d)
    z = X @ w_true + 0.7 * rng.standard_normal(n)
    y = np.digitize(z, [-1.5, -0.3, 0.6, 1.7]).astype(np.int64)
    w = w_true + 0.3 * rng.standard_normal(d)
    theta = np.array([-1.4, -0.2, 0.7, 1.6]) + 0.1 * rng.standard_normal(4)
    return (w, theta, X, y, 0.01 + 0.01 * rng.random(), True)


def _levelset(n, rng):
    yy, xx = (np.mgrid[0:n, 0:n] + 0.5) / n
    d1 = np.sqrt((xx - 0.35) ** 2 + (yy - 0.4) ** 2) - 0.2
    d2 = np.sqrt((xx - 0.7) ** 2 + (yy - 0.65) ** 2) - 0.15
    phi0 = np.minimum(d1, d2) + 0.01 * rng.standard_normal((n, n))
    speed = 0.3 + 0.8 * np.sin(6.0 * xx + 1.0) * np.cos(4.0 * yy) + 0.05 * rng.standard_normal((n, n))
    mask = np.where((xx - 0.5) ** 2 + (yy - 0.5) ** 2 < 0.12, 1.0, 0.0)
    return (phi0, speed, 0.12, 1.0 / n, 0.5, mask, 1.5 / n)


def _sgd(n, rng):
    d = 3 if n < 100 else 8
    H = 4 if n < 100 else 16
    X = rng.standard_normal((n, d))
    y = np.sin(X[:, 0]) + 0.5 * np.abs(X[:, 1]) + 0.1 * rng.standard_normal(n)
    W0 = rng.standard_normal((H, d)) / math.sqrt(d)
    b0 = 0.1 * rng.standard_normal(H)
    v0 = rng.standard_normal(H) / math.sqrt(H)
    return (W0, b0, v0, 0.05 + 0.01 * rng.random(), 0.5 + 0.1 * rng.random(), X, y,
            3, 4 if n < 100 else 32, 1e-3)


def _dam(n, rng):
    L = 20.0
    dx = L / n
    xc = (np.arange(n) + 0.5) * dx
    h0 = np.where(xc < 0.5 * L, 1.0 + 0.05 * np.sin(xc), 3e-3 * (1.0 + rng.random(n)))
    h0 = h0 + np.where(xc < 0.5 * L, 0.01 * rng.standard_normal(n), 0.0)
    h_obs = np.where(xc < 0.5 * L + 3.0, 0.6, 0.1) + 0.02 * rng.standard_normal(n)
    steps = 30 if n < 100 else n
    return (h0, 0.03 + 0.005 * rng.random(), dx, 0.1 * dx, steps, (3 * n) // 4, h_obs)


def _crop(n, rng):
    nfield = 2 if n < 1000 else n // 120
    ndays = 50 if n < 1000 else 120
    base = 17.0 + 3.0 * rng.standard_normal((nfield, 1))
    tmin = base + 3.0 * rng.standard_normal((nfield, ndays))
    tmax = tmin + 10.0 + 4.0 * rng.random((nfield, ndays))
    tmax[:, ::7] += 6.0 * rng.random((nfield, tmax[:, ::7].shape[1]))
    rad = 15.0 + 10.0 * rng.random((nfield, ndays))
    rain = np.where(rng.random((nfield, ndays)) < 0.25, 5.0 + 15.0 * rng.random((nfield, ndays)), 0.0)
    if n < 1000:
        tt_f, tt_m = 420.0, 720.0
    else:
        tt_f, tt_m = 900.0, 1600.0
    return (tmin, tmax, rad, rain, 1.5 + 0.1 * rng.random(), 0.6 + 0.05 * rng.random(),
            0.015 + 0.001 * rng.random(), tt_f + 10.0 * rng.random(), tt_m + 10.0 * rng.random(),
            110.0 + 10.0 * rng.random(), 0.5, 0.3)


def _glacier(n, rng):
    dx = 20000.0 / n
    xc = np.arange(n) * dx
    bed = 2800.0 - 0.06 * xc + 30.0 * np.sin(xc / 2500.0) + 5.0 * rng.standard_normal(n)
    H0 = np.where(xc < 11000.0, 200.0 * np.sqrt(np.maximum(0.0, 1.0 - xc / 11000.0)), 0.0)
    H_obs = np.where(xc < 13000.0, 180.0 * np.sqrt(np.maximum(0.0, 1.0 - xc / 13000.0)), 0.0)
    return (bed, H0, 2500.0 + 20.0 * rng.random(), 7.0 + rng.random(), 2.0 + 0.2 * rng.random(),
            dx, 1.0, 150.0, H_obs)


PROGRAMS = {
    "ctm_traffic": Program(ctm_traffic, ("rho0", "demand", "cap", "vf", "w"), _ctm, 12, 1200),
    "economic_dispatch": Program(economic_dispatch, ("b", "c", "e", "pmax", "demand"), _dispatch, 10, 200000),
    "inventory_sS": Program(inventory_sS, ("demand", "s", "S", "hold", "penalty"), _inventory, 50, 2000000),
    "elo_ratings": Program(elo_ratings, ("r0", "k_prov", "k_est", "max_delta", "home_adv"), _elo, 60, 1000000),
    "pk_dosing": Program(pk_dosing, ("ka", "cl", "vd", "vmax", "dose0", "c_target", "c_tox"), _pk, 14, 20000),
    "saturated_feedback": Program(saturated_feedback, ("Kgain", "x0", "u_max", "du_max"), _feedback, 60, 100000),
    "planar_ik": Program(planar_ik, ("lengths", "targets", "lo", "hi"), _ik, 8, 5000),
    "tv_chambolle_pock": Program(tv_chambolle_pock, ("f", "lam"), _tv, 8, 300),
    "cloth_drape": Program(cloth_drape, ("pos0", "k", "center", "radius"), _cloth, 3, 24),
    "wind_farm": Program(wind_farm, ("xy", "wind_speed"), _wind, 6, 200),
    "household_budget": Program(household_budget, ("earn", "allowance", "band_rates", "child_element", "taper"),
                                _budget, 40, 1000000),
    "multiserver_queue": Program(multiserver_queue, ("inter", "service", "speedup", "sla"), _mmc, 60, 2000000),
    "cliquet_mc": Program(cliquet_mc, ("sigma", "r", "local_floor", "local_cap", "global_floor", "global_cap"),
                          _cliquet, 24, 20000),
    "relu_rnn": Program(relu_rnn, ("W", "U", "b", "v", "c"), _rnn, 30, 100000),
    "ordinal_hinge": Program(ordinal_hinge, ("w", "theta", "X", "lam"), _ordinal, 30, 500000),
    "levelset_front": Program(levelset_front, ("phi0", "speed"), _levelset, 8, 160),
    "clipped_sgd": Program(clipped_sgd, ("W0", "b0", "v0", "lr", "clip"), _sgd, 24, 4000),
    "dam_break": Program(dam_break, ("h0", "manning"), _dam, 30, 1000),
    "crop_season": Program(crop_season, ("tmax", "rue", "k_ext", "sla", "tt_flower", "taw"), _crop, 2, 2400000),
    "glacier_sia": Program(glacier_sia, ("bed", "ela", "grad_b", "max_acc"), _glacier, 12, 200),
}
