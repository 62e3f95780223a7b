"""Probe corpus J: nonsmooth numerical programs in the style of Numba code
from research repositories on structured prediction, dynamic programming,
control, robotics, computational mechanics, signal and image processing,
computational geometry, kernel machines, convolutional networks, public
economics, wireless resource allocation and project scheduling:
loss-augmented Viterbi decoding for a structured SVM, alignment of real
sequences by a weighted Damerau edit distance, road networks with tolls
by Bellman-Ford, value iteration of a sparse MDP, a stereo bus compressor
with a soft knee and a brick-wall ceiling, Hampel despiking by median-of-5
networks, Canny edges with hysteresis, a DC motor with stiction under PID
control, a rate-limited waypoint follower, particles settling on a floor
with penalty contact, an elastoplastic bar by return mapping, a path
through box obstacles scored by their signed distance, a polygon fitted to
samples, Hausdorff shape matching with the early-break algorithm, an L2-SVM
by dual coordinate descent, a 1-D CNN with max pooling, the Gini
coefficient after a bracketed income tax, capped water-filling by bisection
with an active-set polish, ReLU regression by gradient descent and PERT
project crashing.

The programs are written with explicit loops over 1-D, 2-D and 3-D numpy
arrays and some whole-array numpy (``np.dot``, ``np.maximum``, ``np.clip``,
``np.sum``, ``np.argsort``, boolean masks, ``@``).  They use module-level
``@numba.njit`` helpers (some return tuples, some write into arrays passed
to them), module-level constant arrays, integer index arrays (sequence
pointers, edge lists, successor tables, CSR predecessor lists, permutations,
back-pointer tables, explicit stacks), ``while`` loops with a tolerance and
an iteration cap, ``break``, ``continue``, early ``return``, backward
``range`` loops, in-place updates of work arrays, ``np.zeros``/``np.empty``/
``np.full``/``.copy()`` and integer and boolean parameters.  The
nonsmoothness comes from max/min/abs/clip, argmax selection with
back-pointers, relaxations, sign and copysign, yield and contact
conditions, thresholds with hysteresis, sorting networks, projections,
ReLU and max pooling, and brackets.  Each returns one float.  Written once
and not edited to suit nsadc.

Each entry of ``PROGRAMS``: name -> Program(fn, wrt, args(size, rng),
small, big) where ``small`` is the size of the correctness check and ``big``
the size of the timing."""

import math

import numba
import numpy as np

from benchmarks.probe.programs import Program

# ----------------------------------------------------------------- constants

INF = 1e300

ROAD_REVENUE_WEIGHT = 0.2   # weight of the toll revenue in the planner's objective

VI_TOL = 1e-9               # sup-norm tolerance of value iteration (scaled by (1-g)/2g)
VI_MAXIT = 5000

DB_FLOOR = 1e-9             # linear level floor before the log in the detector

HAMPEL_SCALE = 1.4826       # MAD -> sigma for Gaussian noise

TAN_22_5 = 0.41421356237309503
CANNY_SIGMA_WEIGHT = 1.0

STICK_VEL = 1e-4            # rad/s, below this the motor counts as stuck
MOTOR_J = 2e-3              # kg m^2
MOTOR_KT = 0.05             # N m / A
MOTOR_R = 1.2               # ohm

GRAVITY = 9.81
PARTICLE_MASS = 0.05
V_IMPACT_REF = 1.0       # m/s, impact speed the restitution refers to
FRICTION_VREG = 0.05     # m/s, width of the regularised Coulomb law
SLIDE_WEIGHT = 0.1       # J/m

BOX_SAMPLES = 6             # samples per path segment

POLY_LAM = 0.5
POLY_MU = 0.05

SVM_MAX_EPOCH = 60

TAX_LOWER = np.array([0.0, 12.0, 40.0, 90.0, 160.0])      # thousands
TAX_UPPER = np.array([12.0, 40.0, 90.0, 160.0, 1.0e9])

WF_TOL = 1e-12
WF_MAXIT = 200

# ------------------------------------------------------------------ programs


@numba.njit
def emission_scores(W, X, start, stop, out):
    K = W.shape[0]
    F = X.shape[1]
    for t in range(start, stop):
        for k in range(K):
            s = 0.0
            for f in range(F):
                s += W[k, f] * X[t, f]
            out[t - start, k] = s


def ssvm_viterbi_loss(W, T, X, y, seq_ptr, C):
    """Structured SVM for a linear-chain tagger: loss-augmented Viterbi
    (Hamming loss added to the emissions) with back-pointers, the decoded
    path traced back, structured hinge against the gold path, plus L2."""
    K = W.shape[0]
    n_seq = seq_ptr.shape[0] - 1
    max_len = 0
    for s in range(n_seq):
        max_len = max(max_len, seq_ptr[s + 1] - seq_ptr[s])
    E = np.empty((max_len, K))
    delta = np.empty((max_len, K))
    bp = np.zeros((max_len, K), dtype=np.int64)
    path = np.empty(max_len, dtype=np.int64)
    loss = 0.0
    for s in range(n_seq):
        a = seq_ptr[s]
        L = seq_ptr[s + 1] - a
        emission_scores(W, X, a, a + L, E)
        for k in range(K):
            delta[0, k] = E[0, k] + (1.0 if k != y[a] else 0.0)
        for t in range(1, L):
            for k in range(K):
                best = -INF
                arg = 0
                for j in range(K):
                    v = delta[t - 1, j] + T[j, k]
                    if v > best:
                        best = v
                        arg = j
                delta[t, k] = best + E[t, k] + (1.0 if k != y[a + t] else 0.0)
                bp[t, k] = arg
        k = 0
        for j in range(1, K):
            if delta[L - 1, j] > delta[L - 1, k]:
                k = j
        path[L - 1] = k
        for t in range(L - 1, 0, -1):
            path[t - 1] = bp[t, path[t]]
        s_hat = 0.0
        s_gold = 0.0
        ham = 0.0
        for t in range(L):
            s_hat += E[t, path[t]]
            s_gold += E[t, y[a + t]]
            if path[t] != y[a + t]:
                ham += 1.0
            if t > 0:
                s_hat += T[path[t - 1], path[t]]
                s_gold += T[y[a + t - 1], y[a + t]]
        loss += max(0.0, ham + s_hat - s_gold)
    reg = 0.5 * (np.sum(W * W) + np.sum(T * T))
    return reg + C * loss / n_seq


def weighted_edit_distance(a, b, gap, swap, damerau):
    """Alignment cost of two real-valued contours (e.g. pitch tracks):
    substitution |a_i - b_j|, insertions/deletions cost more for large
    values, optional adjacent transposition (Damerau); min of three or four
    predecessors, normalised by the total length."""
    n = a.shape[0]
    m = b.shape[0]
    if n == 0 or m == 0:
        return gap * (n + m)
    D = np.empty((n + 1, m + 1))
    D[0, 0] = 0.0
    for i in range(1, n + 1):
        D[i, 0] = D[i - 1, 0] + gap * (1.0 + abs(a[i - 1]))
    for j in range(1, m + 1):
        D[0, j] = D[0, j - 1] + gap * (1.0 + abs(b[j - 1]))
    for i in range(1, n + 1):
        ai = a[i - 1]
        del_cost = gap * (1.0 + abs(ai))
        for j in range(1, m + 1):
            best = D[i - 1, j - 1] + abs(ai - b[j - 1])
            dele = D[i - 1, j] + del_cost
            ins = D[i, j - 1] + gap * (1.0 + abs(b[j - 1]))
            if dele < best:
                best = dele
            if ins < best:
                best = ins
            if damerau and i > 1 and j > 1:
                tr = D[i - 2, j - 2] + swap + abs(ai - b[j - 2]) + abs(a[i - 2] - b[j - 1])
                best = min(best, tr)
            D[i, j] = best
    return D[n, m] / (n + m)


def bellman_ford_tolls(speed, toll, v_max, length, src, dst, demand, vot, origin):
    """Generalised travel cost from one origin on a road network (edge
    list): minutes at min(speed, limit) plus toll over value of time,
    Bellman-Ford passes until nothing changes, the shortest-path tree
    loaded with the demand in order of decreasing distance; total user cost
    minus a weighted toll revenue."""
    n = demand.shape[0]
    ne = src.shape[0]
    cost = np.empty(ne)
    for e in range(ne):
        cost[e] = 60.0 * length[e] / min(speed[e], v_max) + toll[e] / vot
    dist = np.full(n, INF)
    dist[origin] = 0.0
    pred = -np.ones(n, dtype=np.int64)
    for it in range(n - 1):
        changed = False
        for e in range(ne):
            u = src[e]
            if dist[u] == INF:
                continue
            nd = dist[u] + cost[e]
            v = dst[e]
            if nd < dist[v]:
                dist[v] = nd
                pred[v] = e
                changed = True
        if not changed:
            break
    order = np.argsort(dist)
    node_flow = demand.copy()
    edge_flow = np.zeros(ne)
    for r in range(n - 1, -1, -1):
        v = order[r]
        e = pred[v]
        if e < 0:
            continue
        edge_flow[e] = node_flow[v]
        node_flow[src[e]] += node_flow[v]
    user = 0.0
    for i in range(n):
        if dist[i] < INF:
            user += demand[i] * dist[i]
    revenue = np.dot(edge_flow, toll)
    return (user - ROAD_REVENUE_WEIGHT * revenue) / np.sum(demand)


def mdp_value_iteration(R, gamma, prob, succ, mu0):
    """Value iteration on an MDP with a sparse successor table (each
    state-action pair reaches B states): Bellman max over actions, Jacobi
    sweeps with swapped buffers until the sup-norm change is below the
    epsilon-optimality bound; expected value under the initial law."""
    S, A = R.shape
    B = succ.shape[2]
    V = np.zeros(S)
    Vn = np.empty(S)
    it = 0
    stop = VI_TOL * (1.0 - gamma) / (2.0 * gamma)
    while True:
        diff = 0.0
        for s in range(S):
            best = -INF
            for a in range(A):
                q = R[s, a]
                for k in range(B):
                    q += gamma * prob[s, a, k] * V[succ[s, a, k]]
                if q > best:
                    best = q
            Vn[s] = best
            d = abs(best - V[s])
            if d > diff:
                diff = d
        V, Vn = Vn, V
        it += 1
        if diff < stop or it >= VI_MAXIT:
            break
    return np.dot(mu0, V)


@numba.njit
def knee_gain_db(level_db, thr, ratio, knee):
    """Static curve of a compressor with a quadratic soft knee (gain in dB, <= 0)."""
    over = level_db - thr
    slope = 1.0 - 1.0 / ratio
    if 2.0 * over < -knee:
        return 0.0
    if 2.0 * over > knee:
        return -slope * over
    z = over + 0.5 * knee
    return -slope * z * z / (2.0 * knee)


def stereo_bus_compressor(thr_db, ratio, knee_db, attack_ms, release_ms, makeup_db, x, ref, fs, ceiling,
                          linked):
    """Feed-forward bus compressor: peak detector (stereo-linked max or per
    channel), soft-knee gain computer in dB, gain smoothed with separate
    attack and release coefficients (branch on the direction of the gain
    change), make-up gain and a brick-wall ceiling; MSE to a reference."""
    nch, n = x.shape
    a_att = math.exp(-1000.0 / (attack_ms * fs))
    a_rel = math.exp(-1000.0 / (release_ms * fs))
    env = np.zeros(nch)
    err = 0.0
    for t in range(n):
        peak = 0.0
        if linked:
            for c in range(nch):
                peak = max(peak, abs(x[c, t]))
        for c in range(nch):
            lvl = peak if linked else abs(x[c, t])
            g = knee_gain_db(20.0 * math.log10(max(lvl, DB_FLOOR)), thr_db, ratio, knee_db)
            if g < env[c]:
                env[c] = a_att * env[c] + (1.0 - a_att) * g
            else:
                env[c] = a_rel * env[c] + (1.0 - a_rel) * g
            out = x[c, t] * 10.0 ** ((env[c] + makeup_db) / 20.0)
            if abs(out) > ceiling:
                out = math.copysign(ceiling, out)
            d = out - ref[c, t]
            err += d * d
    return err / (nch * n)


@numba.njit
def median3(a, b, c):
    return max(min(a, b), min(max(a, b), c))


@numba.njit
def median5(a, b, c, d, e):
    """Median of five by a min/max network: drop the extremes of (a, b, c, d)."""
    f = max(min(a, b), min(c, d))
    g = min(max(a, b), max(c, d))
    return median3(e, f, g)


@numba.njit
def reflect(j, n):
    if j < 0:
        return -j
    if j > n - 1:
        return 2 * (n - 1) - j
    return j


def hampel_despike(x, clean, n_sigma, passes):
    """Hampel filter over a 5-sample window (mirror boundaries): local median
    and MAD by median-of-5 networks, samples more than n_sigma scaled MADs
    away replaced by the median; repeated passes; squared error to the clean
    signal."""
    n = x.shape[0]
    y = x.copy()
    w = np.empty(n)
    for p in range(passes):
        n_replaced = 0
        for i in range(n):
            v0 = y[reflect(i - 2, n)]
            v1 = y[reflect(i - 1, n)]
            v2 = y[i]
            v3 = y[reflect(i + 1, n)]
            v4 = y[reflect(i + 2, n)]
            med = median5(v0, v1, v3, v4, v2)
            mad = HAMPEL_SCALE * median5(abs(v0 - med), abs(v1 - med), abs(v3 - med), abs(v4 - med),
                                         abs(v2 - med))
            if abs(v2 - med) > n_sigma * mad:
                w[i] = med
                n_replaced += 1
            else:
                w[i] = v2
        y[:] = w
        if n_replaced == 0:
            break
    return np.sum((y - clean) ** 2) / n


def canny_hysteresis(img, lo_frac, hi_frac):
    """Canny edge strength: Sobel gradients (replicated border), non-maximum
    suppression along the quantised direction, double threshold relative to
    the strongest response, hysteresis by an explicit stack over 8-connected
    weak pixels; mean gradient magnitude over the edge pixels."""
    ny, nx = img.shape
    mag = np.zeros((ny, nx))
    gxs = np.zeros((ny, nx))
    gys = np.zeros((ny, nx))
    for i in range(ny):
        im = max(i - 1, 0)
        ip = min(i + 1, ny - 1)
        for j in range(nx):
            jm = max(j - 1, 0)
            jp = min(j + 1, nx - 1)
            gx = (img[im, jp] + 2.0 * img[i, jp] + img[ip, jp]) - (img[im, jm] + 2.0 * img[i, jm] + img[ip, jm])
            gy = (img[ip, jm] + 2.0 * img[ip, j] + img[ip, jp]) - (img[im, jm] + 2.0 * img[im, j] + img[im, jp])
            gxs[i, j] = gx
            gys[i, j] = gy
            mag[i, j] = math.sqrt(gx * gx + gy * gy)
    nms = np.zeros((ny, nx))
    for i in range(1, ny - 1):
        for j in range(1, nx - 1):
            ax = abs(gxs[i, j])
            ay = abs(gys[i, j])
            if ay <= TAN_22_5 * ax:
                n1 = mag[i, j - 1]
                n2 = mag[i, j + 1]
            elif ax <= TAN_22_5 * ay:
                n1 = mag[i - 1, j]
                n2 = mag[i + 1, j]
            elif gxs[i, j] * gys[i, j] > 0.0:
                n1 = mag[i - 1, j - 1]
                n2 = mag[i + 1, j + 1]
            else:
                n1 = mag[i - 1, j + 1]
                n2 = mag[i + 1, j - 1]
            if mag[i, j] >= n1 and mag[i, j] >= n2:
                nms[i, j] = mag[i, j]
    top = np.max(nms)
    hi = hi_frac * top
    lo = lo_frac * top
    edge = np.zeros((ny, nx), dtype=np.bool_)
    stack_i = np.empty(ny * nx, dtype=np.int64)
    stack_j = np.empty(ny * nx, dtype=np.int64)
    sp = 0
    for i in range(ny):
        for j in range(nx):
            if nms[i, j] > hi and not edge[i, j]:
                edge[i, j] = True
                stack_i[sp] = i
                stack_j[sp] = j
                sp += 1
                while sp > 0:
                    sp -= 1
                    ci = stack_i[sp]
                    cj = stack_j[sp]
                    for di in range(-1, 2):
                        for dj in range(-1, 2):
                            ni = ci + di
                            nj = cj + dj
                            if ni < 0 or ni >= ny or nj < 0 or nj >= nx:
                                continue
                            if edge[ni, nj] or nms[ni, nj] <= lo:
                                continue
                            edge[ni, nj] = True
                            stack_i[sp] = ni
                            stack_j[sp] = nj
                            sp += 1
    total = 0.0
    count = 0
    for i in range(ny):
        for j in range(nx):
            if edge[i, j]:
                total += mag[i, j]
                count += 1
    if count == 0:
        return 0.0
    return CANNY_SIGMA_WEIGHT * total / count


def motor_pid_stiction(kp, ki, kd, coulomb, viscous, ref, dt, stiction, u_max, tau_d):
    """Position loop of a DC motor with Coulomb and viscous friction and
    stiction (Karnopp: stuck below a velocity band until the drive torque
    breaks away, velocity reversals stop the motor): PID with a filtered
    derivative on the measurement, clamped integrator (conditional
    integration) and a saturated voltage; ISE plus control effort."""
    n = ref.shape[0]
    theta = 0.0
    omega = 0.0
    integ = 0.0
    dfilt = 0.0
    prev = 0.0
    a_d = tau_d / (tau_d + dt)
    cost = 0.0
    for t in range(n):
        e = ref[t] - theta
        dfilt = a_d * dfilt + (1.0 - a_d) * (theta - prev) / dt
        prev = theta
        u_raw = kp * e + ki * integ - kd * dfilt
        u = min(max(u_raw, -u_max), u_max)
        if u == u_raw or u_raw * e < 0.0:
            integ += e * dt
        current = (u - MOTOR_KT * omega) / MOTOR_R
        tau = MOTOR_KT * current
        if abs(omega) < STICK_VEL:
            if abs(tau) <= stiction:
                alpha = 0.0
                omega = 0.0
            else:
                alpha = (tau - math.copysign(coulomb, tau)) / MOTOR_J
        else:
            alpha = (tau - math.copysign(coulomb, omega) - viscous * omega) / MOTOR_J
        w_new = omega + dt * alpha
        if omega != 0.0 and w_new * omega < 0.0:
            w_new = 0.0
        omega = w_new
        theta += dt * omega
        cost += (e * e + 1e-3 * u * u) * dt
    return cost


def waypoint_follow(wp, v_max, a_max, k_p, p0, dt, n_steps, radius, w_track):
    """Point robot visiting waypoints in turn: desired velocity towards the
    current waypoint min(v_max, k_p * distance), acceleration limited in
    norm, speed limited, the target advanced inside the acceptance radius;
    control effort plus cross-track error to the current leg (projection
    clipped to the segment)."""
    m = wp.shape[0]
    px = p0[0]
    py = p0[1]
    vx = 0.0
    vy = 0.0
    k = 0
    cost = 0.0
    for step in range(n_steps):
        dx = wp[k, 0] - px
        dy = wp[k, 1] - py
        dist = math.sqrt(dx * dx + dy * dy)
        if dist < radius and k < m - 1:
            k += 1
            dx = wp[k, 0] - px
            dy = wp[k, 1] - py
            dist = math.sqrt(dx * dx + dy * dy)
        sp = min(v_max, k_p * dist)
        ax = (sp * dx / dist - vx) / dt
        ay = (sp * dy / dist - vy) / dt
        an = math.sqrt(ax * ax + ay * ay)
        if an > a_max:
            ax *= a_max / an
            ay *= a_max / an
        vx += dt * ax
        vy += dt * ay
        vn = math.sqrt(vx * vx + vy * vy)
        if vn > v_max:
            vx *= v_max / vn
            vy *= v_max / vn
        px += dt * vx
        py += dt * vy
        if k > 0:
            sx = wp[k - 1, 0]
            sy = wp[k - 1, 1]
        else:
            sx = p0[0]
            sy = p0[1]
        ex = wp[k, 0] - sx
        ey = wp[k, 1] - sy
        s = ((px - sx) * ex + (py - sy) * ey) / (ex * ex + ey * ey)
        s = min(max(s, 0.0), 1.0)
        cx = px - (sx + s * ex)
        cy = py - (sy + s * ey)
        cost += dt * (0.01 * (ax * ax + ay * ay) + w_track * (cx * cx + cy * cy))
    return cost


@numba.njit
def hunt_crossley(overlap, rate, k, alpha):
    """Hunt-Crossley normal force k d (1 + alpha d'), never adhesive."""
    return max(k * overlap * (1.0 + alpha * rate), 0.0)


def particles_floor(pos0, vel0, restitution, k_contact, mu, dt, n_steps, radius, width):
    """Discs dropped into a 2-D bin: gravity, Hunt-Crossley penalty contact
    (force zero at first touch, damping from the coefficient of restitution
    at a reference impact speed) with the floor, the side walls and each
    other, regularised Coulomb friction on the floor; symplectic Euler.
    Final potential plus kinetic energy plus the total sideways slide."""
    n = pos0.shape[0]
    x = pos0.copy()
    v = vel0.copy()
    f = np.zeros((n, 2))
    alpha = 1.5 * (1.0 - restitution) / V_IMPACT_REF
    for step in range(n_steps):
        f[:, 0] = 0.0
        f[:, 1] = -PARTICLE_MASS * GRAVITY
        for i in range(n):
            gap = x[i, 1] - radius
            if gap < 0.0:
                fn = hunt_crossley(-gap, -v[i, 1], k_contact, alpha)
                f[i, 1] += fn
                f[i, 0] -= mu * fn * min(max(v[i, 0] / FRICTION_VREG, -1.0), 1.0)
            gl = x[i, 0] - radius
            if gl < 0.0:
                f[i, 0] += hunt_crossley(-gl, -v[i, 0], k_contact, alpha)
            gr = width - radius - x[i, 0]
            if gr < 0.0:
                f[i, 0] -= hunt_crossley(-gr, v[i, 0], k_contact, alpha)
            for j in range(i + 1, n):
                dx = x[j, 0] - x[i, 0]
                dy = x[j, 1] - x[i, 1]
                d2 = dx * dx + dy * dy
                if d2 >= 4.0 * radius * radius:
                    continue
                d = math.sqrt(d2)
                nx_ = dx / d
                ny_ = dy / d
                vrel = (v[j, 0] - v[i, 0]) * nx_ + (v[j, 1] - v[i, 1]) * ny_
                fc = hunt_crossley(2.0 * radius - d, -vrel, k_contact, alpha)
                f[i, 0] -= fc * nx_
                f[i, 1] -= fc * ny_
                f[j, 0] += fc * nx_
                f[j, 1] += fc * ny_
        for i in range(n):
            v[i, 0] += dt * f[i, 0] / PARTICLE_MASS
            v[i, 1] += dt * f[i, 1] / PARTICLE_MASS
            x[i, 0] += dt * v[i, 0]
            x[i, 1] += dt * v[i, 1]
    pe = PARTICLE_MASS * GRAVITY * np.sum(x[:, 1])
    ke = 0.5 * PARTICLE_MASS * np.sum(v * v)
    slide = np.sum(np.abs(x[:, 0] - pos0[:, 0]))
    return pe + ke + SLIDE_WEIGHT * slide


@numba.njit
def return_map(eps, eps_p, back, alpha, E, sy, H, Hk):
    """1-D return mapping with linear isotropic and kinematic hardening;
    returns the stress and the updated internal variables."""
    sig_tr = E * (eps - eps_p)
    xi = sig_tr - back
    f = abs(xi) - (sy + H * alpha)
    if f <= 0.0:
        return sig_tr, eps_p, back, alpha
    dgam = f / (E + H + Hk)
    sgn = 1.0 if xi > 0.0 else -1.0
    return sig_tr - E * dgam * sgn, eps_p + dgam * sgn, back + Hk * dgam * sgn, alpha + dgam


def elastoplastic_bar(E, sy, H, Hk, eps_hist, sig_obs, area):
    """Parallel bundle of elastoplastic fibres under a cyclic strain history
    (return mapping per fibre and step); squared misfit of the bundle force
    to a measured hysteresis loop plus the plastic dissipation."""
    nf = E.shape[0]
    nt = eps_hist.shape[0]
    eps_p = np.zeros(nf)
    back = np.zeros(nf)
    alpha = np.zeros(nf)
    misfit = 0.0
    dissip = 0.0
    for t in range(nt):
        force = 0.0
        for k in range(nf):
            sig, ep_new, b_new, a_new = return_map(eps_hist[t], eps_p[k], back[k], alpha[k], E[k], sy[k], H, Hk)
            dissip += area[k] * sig * (ep_new - eps_p[k])
            eps_p[k] = ep_new
            back[k] = b_new
            alpha[k] = a_new
            force += area[k] * sig
        r = force - sig_obs[t]
        misfit += r * r
    return misfit / nt + 1e-3 * dissip


@numba.njit
def box_sdf(px, py, cx, cy, hx, hy):
    qx = abs(px - cx) - hx
    qy = abs(py - cy) - hy
    ox = max(qx, 0.0)
    oy = max(qy, 0.0)
    return math.sqrt(ox * ox + oy * oy) + min(max(qx, qy), 0.0)


def box_sdf_path(P, margin, start, goal, centers, half, w_in, w_smooth):
    """Trajectory-optimisation cost of a 2-D path through axis-aligned box
    obstacles: samples along each segment, clearance = min over boxes of
    the signed distance (boxes farther than the margin skipped by a
    bounding test), hinge-squared penalty below the margin and a linear
    penalty inside, plus a smoothness term."""
    m = P.shape[0]
    nb = centers.shape[0]
    pts = np.empty((m + 2, 2))
    pts[0] = start
    pts[1:m + 1] = P
    pts[m + 1] = goal
    coll = 0.0
    for s in range(m + 1):
        for q in range(BOX_SAMPLES):
            t = q / BOX_SAMPLES
            px = (1.0 - t) * pts[s, 0] + t * pts[s + 1, 0]
            py = (1.0 - t) * pts[s, 1] + t * pts[s + 1, 1]
            clear = INF
            for b in range(nb):
                if abs(px - centers[b, 0]) > half[b, 0] + margin or abs(py - centers[b, 1]) > half[b, 1] + margin:
                    continue
                d = box_sdf(px, py, centers[b, 0], centers[b, 1], half[b, 0], half[b, 1])
                if d < clear:
                    clear = d
            if clear >= margin:
                continue
            coll += (margin - clear) ** 2
            if clear < 0.0:
                coll -= w_in * clear
    smooth = 0.0
    for s in range(1, m + 1):
        ax = pts[s + 1, 0] - 2.0 * pts[s, 0] + pts[s - 1, 0]
        ay = pts[s + 1, 1] - 2.0 * pts[s, 1] + pts[s - 1, 1]
        smooth += ax * ax + ay * ay
    return coll + w_smooth * smooth


@numba.njit
def seg_dist(px, py, ax, ay, bx, by):
    """Distance from a point to a segment and the clipped projection parameter."""
    ex = bx - ax
    ey = by - ay
    t = ((px - ax) * ex + (py - ay) * ey) / (ex * ex + ey * ey)
    t = min(max(t, 0.0), 1.0)
    dx = px - ax - t * ex
    dy = py - ay - t * ey
    return math.sqrt(dx * dx + dy * dy), t


def polygon_fit(V, Q, A0):
    """Fit of a closed polygon to scattered boundary samples: mean distance
    of each sample to its nearest edge (clipped projection), |signed
    shoelace area - A0| and the perimeter as a regulariser."""
    m = V.shape[0]
    k = Q.shape[0]
    fit = 0.0
    for q in range(k):
        best = INF
        for e in range(m):
            f = (e + 1) % m
            d, t = seg_dist(Q[q, 0], Q[q, 1], V[e, 0], V[e, 1], V[f, 0], V[f, 1])
            if d < best:
                best = d
        fit += best
    area = 0.0
    perim = 0.0
    for e in range(m):
        f = (e + 1) % m
        area += V[e, 0] * V[f, 1] - V[f, 0] * V[e, 1]
        perim += math.hypot(V[f, 0] - V[e, 0], V[f, 1] - V[e, 1])
    area *= 0.5
    return fit / k + POLY_LAM * abs(area - A0) + POLY_MU * perim


@numba.njit
def directed_hausdorff_sq(A, B, order_a, order_b):
    """Taha-Hanbury early-break directed Hausdorff distance (squared): the
    inner scan stops as soon as a point cannot raise the running maximum."""
    cmax = 0.0
    for ii in range(A.shape[0]):
        i = order_a[ii]
        cmin = INF
        broke = False
        for jj in range(B.shape[0]):
            j = order_b[jj]
            dx = A[i, 0] - B[j, 0]
            dy = A[i, 1] - B[j, 1]
            d = dx * dx + dy * dy
            if d < cmax:
                broke = True
                break
            if d < cmin:
                cmin = d
        if not broke and cmin > cmax:
            cmax = cmin
    return cmax


@numba.njit
def mean_min_dist(A, B):
    s = 0.0
    for i in range(A.shape[0]):
        best = INF
        for j in range(B.shape[0]):
            d = (A[i, 0] - B[j, 0]) ** 2 + (A[i, 1] - B[j, 1]) ** 2
            best = min(best, d)
        s += math.sqrt(best)
    return s / A.shape[0]


def hausdorff_match(A, B, lam, order_a, order_b, symmetric):
    """Shape-matching loss between two point clouds: (symmetric) Hausdorff
    distance by the early-break algorithm over shuffled orders plus lam
    times the modified (mean of minima) Hausdorff distance."""
    h = directed_hausdorff_sq(A, B, order_a, order_b)
    mh = mean_min_dist(A, B)
    if symmetric:
        h = max(h, directed_hausdorff_sq(B, A, order_b, order_a))
        mh = max(mh, mean_min_dist(B, A))
    return math.sqrt(h) + lam * mh


def l2svm_dual_cd(X, C, y, perm, Xv, yv, tol):
    """L2-loss linear SVM by dual coordinate descent (Hsieh et al. 2008):
    per-coordinate Newton step projected on alpha >= 0, projected gradient
    for the stopping rule, epochs in given random orders, stop when the
    projected-gradient spread is below tol.  Validation squared hinge."""
    n, d = X.shape
    D = 0.5 / C
    alpha = np.zeros(n)
    w = np.zeros(d)
    Qd = np.empty(n)
    for i in range(n):
        Qd[i] = np.dot(X[i], X[i]) + D
    for ep in range(SVM_MAX_EPOCH):
        pg_max = -INF
        pg_min = INF
        for ii in range(n):
            i = perm[ep % perm.shape[0], ii]
            G = y[i] * np.dot(w, X[i]) - 1.0 + D * alpha[i]
            if alpha[i] == 0.0:
                PG = min(G, 0.0)
            else:
                PG = G
            pg_max = max(pg_max, PG)
            pg_min = min(pg_min, PG)
            if abs(PG) > 1e-12:
                a_old = alpha[i]
                alpha[i] = max(alpha[i] - G / Qd[i], 0.0)
                step = (alpha[i] - a_old) * y[i]
                for k in range(d):
                    w[k] += step * X[i, k]
        if pg_max - pg_min < tol:
            break
    margins = 1.0 - yv * (Xv @ w)
    return np.sum(np.maximum(margins, 0.0) ** 2) / Xv.shape[0] + 0.5 * np.dot(w, w) / (C * n)


@numba.njit
def conv1d_relu(x, W, b, out):
    """Valid 1-D convolution (cross-correlation) + ReLU: x (C_in, L), W (C_out, C_in, K)."""
    c_out, c_in, K = W.shape
    L_out = x.shape[1] - K + 1
    for o in range(c_out):
        for t in range(L_out):
            s = b[o]
            for c in range(c_in):
                for k in range(K):
                    s += W[o, c, k] * x[c, t + k]
            out[o, t] = s if s > 0.0 else 0.0


def cnn1d_maxpool(W1, b1, W2, b2, V, X, labels):
    """Two conv+ReLU layers with a stride-2 max pool between them, global
    max pooling over time, a linear head and softmax cross-entropy; batch
    mean, all in loops."""
    B, c_in, L = X.shape
    c1, _, K1 = W1.shape
    c2, _, K2 = W2.shape
    n_cls = V.shape[0]
    L1 = L - K1 + 1
    P1 = L1 // 2
    L2 = P1 - K2 + 1
    h1 = np.empty((c1, L1))
    p1 = np.empty((c1, P1))
    h2 = np.empty((c2, L2))
    feat = np.empty(c2)
    logits = np.empty(n_cls)
    loss = 0.0
    for bi in range(B):
        conv1d_relu(X[bi], W1, b1, h1)
        for c in range(c1):
            for t in range(P1):
                p1[c, t] = max(h1[c, 2 * t], h1[c, 2 * t + 1])
        conv1d_relu(p1, W2, b2, h2)
        for c in range(c2):
            m = h2[c, 0]
            for t in range(1, L2):
                if h2[c, t] > m:
                    m = h2[c, t]
            feat[c] = m
        zmax = -INF
        for k in range(n_cls):
            z = 0.0
            for c in range(c2):
                z += V[k, c] * feat[c]
            logits[k] = z
            zmax = max(zmax, z)
        se = 0.0
        for k in range(n_cls):
            se += math.exp(logits[k] - zmax)
        loss += zmax + math.log(se) - logits[labels[bi]]
    return loss / B


def gini_after_tax(income, rates, benefit, taper):
    """Gini coefficient of disposable income: tax by brackets (module-level
    lower/upper bounds, marginal rates), a means-tested benefit withdrawn at
    a taper rate and floored at zero; Gini from all pairwise absolute
    differences."""
    n = income.shape[0]
    net = np.empty(n)
    for i in range(n):
        x = income[i]
        tax = 0.0
        for b in range(TAX_LOWER.shape[0]):
            if x <= TAX_LOWER[b]:
                break
            tax += rates[b] * (min(x, TAX_UPPER[b]) - TAX_LOWER[b])
        net[i] = x - tax + max(0.0, benefit - taper * x)
    s = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            s += abs(net[i] - net[j])
    return s / (n * np.sum(net))


def waterfill_capped(g, noise, P, cap):
    """Water-filling over parallel channels with a per-channel power cap:
    bisection on the water level until the bracket is tiny, then the level
    recomputed exactly on the active set (channels neither off nor capped);
    sum rate in bit/s/Hz."""
    inv = noise / g
    lo = 0.0
    hi = np.max(inv) + P
    it = 0
    while hi - lo > WF_TOL * hi and it < WF_MAXIT:
        mid = 0.5 * (lo + hi)
        total = np.sum(np.clip(mid - inv, 0.0, cap))
        if total > P:
            hi = mid
        else:
            lo = mid
        it += 1
    mu = 0.5 * (lo + hi)
    free = (mu - inv > 0.0) & (mu - inv < cap)
    n_cap = np.sum(mu - inv >= cap)
    n_free = np.sum(free)
    if n_free > 0:
        mu = (P - cap * n_cap + np.sum(inv[free])) / n_free
    p = np.clip(mu - inv, 0.0, cap)
    return np.sum(np.log2(1.0 + p / inv))


def relu_regression_gd(X, y, lr, lam, iters, Xv, yv):
    """Single ReLU unit y ~ max(0, X w + c) fitted by full-batch gradient
    descent with weight decay (gradient masked by the active set);
    validation MSE of the final unit."""
    n, d = X.shape
    w = np.full(d, 0.1)
    c = 0.1
    for it in range(iters):
        z = np.dot(X, w) + c
        r = np.maximum(z, 0.0) - y
        r[z <= 0.0] = 0.0
        gw = np.dot(r, X) / n + lam * w
        gc = np.sum(r) / n
        w -= lr * gw
        c -= lr * gc
    zv = np.dot(Xv, w) + c
    rv = np.maximum(zv, 0.0) - yv
    return np.dot(rv, rv) / Xv.shape[0]


def pert_crashing(d0, crash, d_min, pred_ptr, pred_idx, deadline, penalty, crash_cost, tau):
    """Project crashing on an activity network (activities in topological
    order, predecessors in CSR form): durations max(d_min, d0 - crash),
    forward pass (earliest finish = max over predecessors), successor lists
    built by counting, backward pass (latest finish = min over successors),
    lateness penalty, quadratic crashing cost and a risk term that grows as
    the total float of each activity shrinks."""
    n = d0.shape[0]
    dur = np.empty(n)
    for i in range(n):
        dur[i] = max(d_min[i], d0[i] - crash[i])
    ef = np.zeros(n)
    for i in range(n):
        start = 0.0
        for k in range(pred_ptr[i], pred_ptr[i + 1]):
            start = max(start, ef[pred_idx[k]])
        ef[i] = start + dur[i]
    makespan = np.max(ef)
    n_succ = np.zeros(n, dtype=np.int64)
    for k in range(pred_idx.shape[0]):
        n_succ[pred_idx[k]] += 1
    succ_ptr = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        succ_ptr[i + 1] = succ_ptr[i] + n_succ[i]
    fill = succ_ptr[:-1].copy()
    succ_idx = np.empty(pred_idx.shape[0], dtype=np.int64)
    for i in range(n):
        for k in range(pred_ptr[i], pred_ptr[i + 1]):
            p = pred_idx[k]
            succ_idx[fill[p]] = i
            fill[p] += 1
    lf = np.empty(n)
    for i in range(n - 1, -1, -1):
        finish = makespan
        for k in range(succ_ptr[i], succ_ptr[i + 1]):
            s = succ_idx[k]
            finish = min(finish, lf[s] - dur[s])
        lf[i] = finish
    risk = 0.0
    for i in range(n):
        risk += math.exp(-(lf[i] - ef[i]) / tau)
    late = max(0.0, makespan - deadline)
    return penalty * late + crash_cost * np.sum(crash * crash) + risk / n


# ----------------------------------------------------------------- arguments


def _ssvm(n, rng):
    if n < 50:
        K, F, lmin, lmax = 3, 4, 4, 7
    else:
        K, F, lmin, lmax = 8, 16, 10, 30
    lens = rng.integers(lmin, lmax + 1, n)
    seq_ptr = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    N = seq_ptr[-1]
    W_true = rng.standard_normal((K, F))
    T_true = 1.5 * rng.standard_normal((K, K))
    X = rng.standard_normal((N, F))
    y = np.empty(N, dtype=np.int64)
    for s in range(n):
        prev = -1
        for t in range(seq_ptr[s], seq_ptr[s + 1]):
            sc = W_true @ X[t] + (T_true[prev] if prev >= 0 else 0.0) + 0.8 * rng.standard_normal(K)
            y[t] = int(np.argmax(sc))
            prev = y[t]
    W = 0.3 * rng.standard_normal((K, F))
    T = 0.3 * rng.standard_normal((K, K))
    return (W, T, X, y, seq_ptr, 1.0 + rng.random())


def _edit(n, rng):
    a = np.cumsum(0.4 * rng.standard_normal(n)) + 0.3 * rng.standard_normal()
    m = n + n // 4
    tt = np.linspace(0.0, n - 1.0, m)
    b = np.interp(tt, np.arange(n), a) + 0.15 * rng.standard_normal(m)
    return (a, b, 0.5 + 0.1 * rng.random(), 0.02 + 0.03 * rng.random(), True)


def _roads(n, rng):
    side = n
    idx = np.arange(side * side).reshape(side, side)
    s_list, d_list = [], []
    for i in range(side):
        for j in range(side):
            if j + 1 < side:
                s_list += [idx[i, j], idx[i, j + 1]]
                d_list += [idx[i, j + 1], idx[i, j]]
            if i + 1 < side:
                s_list += [idx[i, j], idx[i + 1, j]]
                d_list += [idx[i + 1, j], idx[i, j]]
    src = np.array(s_list, dtype=np.int64)
    dst = np.array(d_list, dtype=np.int64)
    p = rng.permutation(src.shape[0])
    src, dst = src[p], dst[p]
    ne = src.shape[0]
    length = 0.5 + rng.random(ne)
    speed = 30.0 + 80.0 * rng.random(ne)
    toll = np.where(rng.random(ne) < 0.3, 0.5 + 2.0 * rng.random(ne), 0.05 * rng.random(ne))
    demand = 1.0 + rng.random(side * side)
    return (speed, toll, 90.0 + rng.random(), length, src, dst, demand, 0.4 + 0.05 * rng.random(), 0)


def _mdp(n, rng):
    S, A, B = n, 4, 4
    succ = rng.integers(0, S, (S, A, B)).astype(np.int64)
    prob = rng.random((S, A, B)) + 0.05
    prob /= prob.sum(axis=2, keepdims=True)
    R = rng.standard_normal((S, A))
    mu0 = rng.random(S)
    mu0 /= mu0.sum()
    return (R, 0.9 + 0.02 * rng.random(), prob, succ, mu0)


def _compressor(n, rng):
    fs = 48000.0
    t = np.arange(n) / fs
    env = 0.05 + 0.6 * np.abs(np.sin(2 * np.pi * 3.0 * t + rng.random())) ** 3
    x = np.empty((2, n))
    for c in range(2):
        x[c] = env * (np.sin(2 * np.pi * (220.0 + 50.0 * c) * t) + 0.3 * rng.standard_normal(n))
    ref = x * 0.8 * np.clip(1.0 / (1.0 + 2.0 * env), 0.3, 1.0) + 0.01 * rng.standard_normal((2, n))
    return (-18.0 + rng.random(), 4.0 + rng.random(), 6.0 + rng.random(), 2.0 + 0.5 * rng.random(),
            40.0 + 10.0 * rng.random(), 3.0 + rng.random(), x, ref, fs, 0.9, True)


def _hampel(n, rng):
    t = np.arange(n)
    clean = np.sin(2 * np.pi * t / 40.0) + 0.5 * np.sin(2 * np.pi * t / 13.0 + 1.0)
    x = clean + 0.05 * rng.standard_normal(n)
    spikes = rng.random(n) < 0.08
    x[spikes] += rng.choice([-1.0, 1.0], spikes.sum()) * (1.0 + 2.0 * rng.random(spikes.sum()))
    return (x, clean, 3.0, 3)


def _canny(n, rng):
    yy, xx = np.mgrid[0:n, 0:n] / n
    img = (np.where((xx - 0.5) ** 2 + (yy - 0.45) ** 2 < 0.09, 1.0, 0.0)
           + np.where(xx + 0.3 * yy > 0.8, 0.6, 0.0)
           + 0.2 * np.sin(5.0 * xx) + 0.05 * rng.standard_normal((n, n)))
    return (img, 0.15, 0.35)


def _motor(n, rng):
    dt = 1e-3
    t = np.arange(n) * dt
    ref = np.where((t % 0.6) < 0.3, 1.0, -0.5) + 0.3 * np.sin(2.0 * t)
    return (4.0 + rng.random(), 15.0 + 5.0 * rng.random(), 0.08 + 0.02 * rng.random(), 0.01 + 0.002 * rng.random(),
            2e-3 * (1.0 + rng.random()), ref, dt, 0.015, 12.0, 0.005)


def _waypoints(n, rng):
    m = 5 if n < 10000 else 40
    wp = np.cumsum(rng.uniform(1.0, 3.0, (m, 2)) * rng.choice([-1.0, 1.0], (m, 2)), axis=0)
    return (wp, 1.5 + 0.2 * rng.random(), 1.0 + 0.2 * rng.random(), 0.8 + 0.1 * rng.random(), np.zeros(2), 0.01, n,
            0.3, 2.0)


def _particles(n, rng):
    nn = 4 if n < 4000 else 40
    r = 0.05
    width = 0.6 if nn < 10 else 1.0
    cols = int(width / (2.6 * r))
    pos = np.empty((nn, 2))
    for i in range(nn):
        pos[i, 0] = 1.3 * r + (i % cols) * 2.6 * r + 0.02 * rng.random()
        pos[i, 1] = 0.1 + (i // cols) * 2.6 * r + 0.05 * rng.random()
    vel = 0.3 * rng.standard_normal((nn, 2))
    return (pos, vel, 0.5 + 0.1 * rng.random(), 2000.0 * (1.0 + 0.1 * rng.random()), 0.4 + 0.05 * rng.random(),
            2e-4, n, r, width)


def _plastic(n, rng):
    nf = 3 if n < 1000 else 20
    t = np.linspace(0.0, 4.0, n)
    eps = 0.004 * np.sin(2 * np.pi * t) * (0.5 + 0.25 * t)
    E = 200e3 * (1.0 + 0.1 * rng.standard_normal(nf))
    sy = 250.0 * (1.0 + 0.2 * rng.random(nf))
    area = (1.0 + rng.random(nf)) / nf
    sig_obs = np.empty(n)
    for k in range(n):
        sig_obs[k] = np.sum(area) * 280.0 * math.tanh(eps[k] / 0.0014) + 5.0 * rng.standard_normal()
    return (E, sy, 2e3 * (1.0 + 0.2 * rng.random()), 8e3 * (1.0 + 0.2 * rng.random()), eps, sig_obs, area)


def _boxes(n, rng):
    m = n
    nb = 5 if n < 100 else 150
    start = np.array([0.0, 0.0])
    goal = np.array([10.0, 10.0])
    t = np.linspace(0.0, 1.0, m + 2)[1:-1]
    P = np.column_stack([10.0 * t, 10.0 * t]) + 0.3 * rng.standard_normal((m, 2))
    if nb < 20:
        centers = np.column_stack([np.linspace(2.0, 8.0, nb), np.linspace(2.0, 8.0, nb)]) + 0.3 * rng.standard_normal((nb, 2))
    else:
        centers = rng.uniform(0.5, 9.5, (nb, 2))
    half = rng.uniform(0.2, 0.7, (nb, 2))
    return (P, 0.3 + 0.05 * rng.random(), start, goal, centers, half, 5.0, 2.0)


def _polygon(n, rng):
    m = 6 if n < 100 else 80
    th = np.sort(rng.uniform(0, 2 * np.pi, n))
    rad = 2.0 + 0.3 * np.cos(3 * th)
    Q = np.column_stack([rad * np.cos(th), rad * np.sin(th)]) + 0.05 * rng.standard_normal((n, 2))
    ang = 2 * np.pi * (np.arange(m) + 0.2 * rng.random(m)) / m
    V = np.column_stack([1.8 * np.cos(ang), 1.8 * np.sin(ang)]) + 0.1 * rng.standard_normal((m, 2))
    return (V, Q, 12.5 + rng.random())


def _hausdorff(n, rng):
    m = n + n // 3
    th = rng.uniform(0, 2 * np.pi, n)
    A = np.column_stack([np.cos(th), 0.6 * np.sin(th)]) + 0.05 * rng.standard_normal((n, 2))
    th2 = rng.uniform(0, 2 * np.pi, m)
    B = np.column_stack([1.1 * np.cos(th2) + 0.1, 0.5 * np.sin(th2)]) + 0.05 * rng.standard_normal((m, 2))
    return (A, B, 0.5, rng.permutation(n).astype(np.int64), rng.permutation(m).astype(np.int64), True)


def _svm(n, rng):
    d = 3 if n < 100 else 20
    w_true = rng.standard_normal(d)
    X = rng.standard_normal((n, d))
    y = np.sign(X @ w_true + 0.5 * rng.standard_normal(n))
    nv = max(20, n // 4)
    Xv = rng.standard_normal((nv, d))
    yv = np.sign(Xv @ w_true + 0.5 * rng.standard_normal(nv))
    perm = np.array([rng.permutation(n) for _ in range(SVM_MAX_EPOCH)], dtype=np.int64)
    return (X, 0.5 + rng.random(), y, perm, Xv, yv, 1e-3 if n < 100 else 1e-2)


def _cnn(n, rng):
    if n < 10:
        B, c_in, L, c1, c2, K, ncls = n, 2, 14, 3, 3, 3, 3
    else:
        B, c_in, L, c1, c2, K, ncls = n, 4, 200, 12, 12, 5, 4
    X = rng.standard_normal((B, c_in, L))
    labels = rng.integers(0, ncls, B).astype(np.int64)
    return (0.4 * rng.standard_normal((c1, c_in, K)), 0.1 * rng.standard_normal(c1),
            0.3 * rng.standard_normal((c2, c1, K)), 0.1 * rng.standard_normal(c2),
            0.5 * rng.standard_normal((ncls, c2)), X, labels)


def _gini(n, rng):
    income = np.exp(3.3 + 0.8 * rng.standard_normal(n))
    rates = np.array([0.0, 0.2, 0.3, 0.4, 0.45]) + 0.02 * rng.random(5)
    return (income, rates, 8.0 + rng.random(), 0.35 + 0.05 * rng.random())


def _waterfill(n, rng):
    g = rng.exponential(1.0, n) + 0.01
    noise = 0.5 + rng.random(n)
    return (g, noise, 0.8 * n * (1.0 + 0.1 * rng.random()), 1.2 + 0.2 * rng.random())


def _relu(n, rng):
    d = 3 if n < 100 else 20
    w_true = rng.standard_normal(d)
    X = rng.standard_normal((n, d))
    y = np.maximum(X @ w_true + 0.2, 0.0) + 0.1 * rng.standard_normal(n)
    nv = max(20, n // 4)
    Xv = rng.standard_normal((nv, d))
    yv = np.maximum(Xv @ w_true + 0.2, 0.0) + 0.1 * rng.standard_normal(nv)
    return (X, y, 0.1 + 0.02 * rng.random(), 1e-3, 40 if n < 100 else 30, Xv, yv)


def _pert(n, rng):
    ptr = [0]
    idx = []
    for i in range(n):
        if i > 0:
            k = rng.integers(1, min(i, 3) + 1)
            ps = rng.choice(np.arange(max(0, i - 20), i), size=min(k, i - max(0, i - 20)), replace=False)
            idx += sorted(int(p) for p in ps)
        ptr.append(len(idx))
    d0 = 2.0 + 8.0 * rng.random(n)
    d_min = d0 * (0.5 + 0.2 * rng.random(n))
    crash = d0 * rng.uniform(0.0, 0.7, n)
    depth = np.zeros(n)
    pred_ptr = np.array(ptr, dtype=np.int64)
    pred_idx = np.array(idx, dtype=np.int64)
    for i in range(n):
        for k in range(pred_ptr[i], pred_ptr[i + 1]):
            depth[i] = max(depth[i], depth[pred_idx[k]])
        depth[i] += np.maximum(d_min[i], d0[i] - crash[i])
    return (d0, crash, d_min, pred_ptr, pred_idx, 0.9 * depth.max(), 10.0, 0.01, 3.0)


PROGRAMS = {
    "ssvm_viterbi_loss": Program(ssvm_viterbi_loss, ("W", "T"), _ssvm, 3, 1500),
    "weighted_edit_distance": Program(weighted_edit_distance, ("a", "b", "gap", "swap"), _edit, 8, 1500),
    "bellman_ford_tolls": Program(bellman_ford_tolls, ("speed", "toll", "v_max"), _roads, 3, 60),
    "mdp_value_iteration": Program(mdp_value_iteration, ("R", "gamma", "prob"), _mdp, 6, 2000),
    "stereo_bus_compressor": Program(stereo_bus_compressor, ("thr_db", "ratio", "knee_db", "attack_ms", "release_ms",
                                                             "makeup_db"), _compressor, 2000, 150000),
    "hampel_despike": Program(hampel_despike, ("x",), _hampel, 30, 400000),
    "canny_hysteresis": Program(canny_hysteresis, ("img",), _canny, 8, 600),
    "motor_pid_stiction": Program(motor_pid_stiction, ("kp", "ki", "kd", "coulomb"), _motor, 1500, 400000),
    "waypoint_follow": Program(waypoint_follow, ("wp", "v_max", "a_max", "k_p"), _waypoints, 2000, 300000),
    "particles_floor": Program(particles_floor, ("pos0", "vel0", "restitution", "k_contact", "mu"), _particles,
                               2000, 5000),
    "elastoplastic_bar": Program(elastoplastic_bar, ("E", "sy", "H", "Hk"), _plastic, 200, 100000),
    "box_sdf_path": Program(box_sdf_path, ("P", "margin"), _boxes, 6, 3000),
    "polygon_fit": Program(polygon_fit, ("V", "A0"), _polygon, 15, 12000),
    "hausdorff_match": Program(hausdorff_match, ("A", "B", "lam"), _hausdorff, 8, 1500),
    "l2svm_dual_cd": Program(l2svm_dual_cd, ("X", "C"), _svm, 12, 5000),
    "cnn1d_maxpool": Program(cnn1d_maxpool, ("W1", "b1", "W2", "b2", "V"), _cnn, 2, 96),
    "gini_after_tax": Program(gini_after_tax, ("income", "rates", "benefit", "taper"), _gini, 12, 3000),
    "waterfill_capped": Program(waterfill_capped, ("g", "noise", "P", "cap"), _waterfill, 10, 50000),
    "relu_regression_gd": Program(relu_regression_gd, ("X", "y", "lr"), _relu, 20, 20000),
    "pert_crashing": Program(pert_crashing, ("d0", "crash", "d_min"), _pert, 10, 200000),
}
