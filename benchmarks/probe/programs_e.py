"""Probe corpus E: a fifth set of nonsmooth programs written the way a Numba
user writes them (control loops with saturation, event flags, clipping and
clamped indexing, argmax loops, while loops with tolerances, break/continue,
enumerate/zip over arrays, small njit helpers that return tuples or fill an
output array).  Written once and not edited afterwards to suit any tool.

Same structure as ``programs.py``: name -> Program(fn, wrt, args(size, rng),
small, big).  The argument makers keep the random points away from ties
(kinks) so that central differences are valid there."""

import math

import numba
import numpy as np

from benchmarks.probe.programs import Program

# ------------------------------------------------------------------ constants

INF = 1e300
LEVEL_FLOOR = 1e-5
CONTROL_WEIGHT = 0.01
SIR_SUBSTEPS = 4
REVIEW_DAYS = 7
PEAK_WEIGHT = 5.0
LOCK_COST = 0.002
RAY_EPS = 1e-4
AMBIENT = 0.08
BACKGROUND = 0.1
TRADE_FEE = 1e-4
HUBER_TOL = 1e-14
HUBER_MAXIT = 500
OUTER_ITERS = 12
ARMIJO_C = 1e-4
T_MIN = 1e-12
GRAD_TOL = 1e-20
FRAME = 32
HOP = 16
MIN_BID = 0.01
DISCOUNT = 0.995
UNFILLED_PENALTY = 0.05
WIDTH = 3
HAMMING_COST = 1.0
DT_HOURS = 1.0
TERMINAL_PRICE = 40.0
SOR_OMEGA = 1.5
VAR_MIN = 0.05
VAR_MAX = 2.5
LOG2PI = math.log(2.0 * math.pi)

# ------------------------------------------------------------------ programs


def audio_compressor(x, target, threshold_db, ratio, attack, release, makeup_db):
    """Feed-forward dynamic-range compressor: peak envelope follower with
    separate attack/release coefficients, hard-knee gain computer in dB,
    make-up gain; mean square error of the output against a target."""
    n = x.shape[0]
    env = 0.0
    err = 0.0
    slope = 1.0 - 1.0 / ratio
    for i in range(n):
        level = abs(x[i])
        if env < level:
            env = attack * env + (1.0 - attack) * level
        else:
            env = release * env + (1.0 - release) * level
        level_db = 20.0 * math.log10(max(env, LEVEL_FLOOR))
        over = level_db - threshold_db
        gain_db = makeup_db - slope * over if over > 0.0 else makeup_db
        y = x[i] * 10.0 ** (gain_db / 20.0)
        err += (y - target[i]) ** 2
    return err / n


def pid_antiwindup(setpoint, Kp, Ki, Kd, umax, tau, y0, dt):
    """Discrete PID loop on a first-order lag plant; the actuator saturates at
    +-umax and the integrator is frozen (clamping anti-windup) while saturated.
    Integrated squared error plus a small control-effort term."""
    n = setpoint.shape[0]
    y = y0
    integ = 0.0
    e_prev = setpoint[0] - y0
    cost = 0.0
    for k in range(n):
        e = setpoint[k] - y
        integ += e * dt
        u = Kp * e + Ki * integ + Kd * (e - e_prev) / dt
        if u > umax:
            u = umax
            integ -= e * dt
        elif u < -umax:
            u = -umax
            integ -= e * dt
        y += dt / tau * (u - y)
        cost += (e * e + CONTROL_WEIGHT * u * u) * dt
        e_prev = e
    return cost


def sir_lockdown(beta, gamma, waning, reduction, on_level, off_level, vax_rate, vax_cap, S0, I0):
    """SIRS epidemic with a seasonal contact rate per day.  A lockdown flag is
    switched on when prevalence exceeds on_level and off again below off_level
    (hysteresis, reviewed weekly); vaccination is proportional to S but capped.  Cumulative
    infections plus peak prevalence plus a cost per lockdown day."""
    days = beta.shape[0]
    dt = 1.0 / SIR_SUBSTEPS
    S = S0
    I = I0
    R = 1.0 - S0 - I0
    locked = False
    lock_days = 0
    peak = I
    cum = 0.0
    for d in range(days):
        if d % REVIEW_DAYS == 0:
            if not locked and I > on_level:
                locked = True
            elif locked and I < off_level:
                locked = False
        if locked:
            lock_days += 1
        b = beta[d] * (1.0 - reduction) if locked else beta[d]
        for s in range(SIR_SUBSTEPS):
            new_inf = b * S * I * dt
            rec = gamma * I * dt
            vac = min(vax_rate * S, vax_cap) * dt
            back = waning * R * dt
            S += back - new_inf - vac
            I += new_inf - rec
            R += rec + vac - back
            cum += new_inf
        if I > peak:
            peak = I
    return cum + PEAK_WEIGHT * peak + LOCK_COST * lock_days


@numba.njit
def _hit_sphere(dx, dy, dz, center, r):
    # camera at the origin, unit direction (dx, dy, dz)
    b = dx * center[0] + dy * center[1] + dz * center[2]
    c = center[0] * center[0] + center[1] * center[1] + center[2] * center[2] - r * r
    disc = b * b - c
    if disc <= 0.0:
        return -1.0
    return b - math.sqrt(disc)


def ray_spheres(centers, radii, albedo, light, target, fov):
    """Pinhole camera rays against several spheres: nearest positive hit wins,
    Lambert shading max(0, n.l) plus ambient, constant background on a miss;
    mean square difference to a target image."""
    H, W = target.shape
    K = radii.shape[0]
    ln = np.sqrt(np.sum(light * light))
    lx = light[0] / ln
    ly = light[1] / ln
    lz = light[2] / ln
    loss = 0.0
    for i in range(H):
        for j in range(W):
            px = fov * ((j + 0.5) / W - 0.5)
            py = fov * (0.5 - (i + 0.5) / H)
            norm = math.sqrt(px * px + py * py + 1.0)
            dx, dy, dz = px / norm, py / norm, 1.0 / norm
            t_best = INF
            hit = -1
            for k in range(K):
                t = _hit_sphere(dx, dy, dz, centers[k], radii[k])
                if RAY_EPS < t < t_best:
                    t_best = t
                    hit = k
            if hit < 0:
                shade = BACKGROUND
            else:
                r = radii[hit]
                nx = (t_best * dx - centers[hit, 0]) / r
                ny = (t_best * dy - centers[hit, 1]) / r
                nz = (t_best * dz - centers[hit, 2]) / r
                lam = max(0.0, nx * lx + ny * ly + nz * lz)
                shade = albedo[hit] * (AMBIENT + lam)
            loss += (shade - target[i, j]) ** 2
    return loss / (H * W)


def income_tax(income, deduction, edges, rates, credit_max, phase_start, phase_rate):
    """Progressive income tax over brackets (edges ascending, one more rate
    than edges) after a standard deduction, minus a non-refundable credit
    that phases out linearly above phase_start; mean tax per household."""
    n = income.shape[0]
    nb = edges.shape[0]
    total = 0.0
    for h in range(n):
        taxable = max(income[h] - deduction, 0.0)
        tax = 0.0
        if taxable > 0.0:
            lo = 0.0
            for b in range(nb + 1):
                hi = edges[b] if b < nb else INF
                if lo < taxable <= hi:
                    tax += rates[b] * (taxable - lo)
                    break
                tax += rates[b] * (hi - lo)
                lo = hi
        credit = max(credit_max - phase_rate * max(0.0, income[h] - phase_start), 0.0)
        total += max(tax - credit, 0.0)
    return total / n


def rebalance_backtest(returns, target_w, band, cost_rate):
    """Buy-and-hold between rebalances: the weights drift with the returns and
    the book is traded back to target when any weight leaves the no-trade band,
    paying proportional costs on the turnover; negative mean log growth."""
    T, m = returns.shape
    tw = target_w / np.sum(target_w)
    w = tw.copy()
    log_wealth = 0.0
    trades = 0
    for t in range(T):
        growth = 1.0 + returns[t]
        port = np.dot(w, growth)
        w = w * growth / port
        log_wealth += math.log(port)
        drift = np.max(np.abs(w - tw))
        if drift > band:
            turnover = np.sum(np.abs(tw - w))
            log_wealth += math.log(1.0 - cost_rate * turnover)
            w = tw.copy()
            trades += 1
    return -log_wealth / T + TRADE_FEE * trades


@numba.njit
def _hard_sigmoid(z):
    return np.clip(0.2 * z + 0.5, 0.0, 1.0)


def hard_lstm(X, y, Wx, Wh, b, wout):
    """LSTM-style cell with hard-sigmoid gates and hard-tanh (clip) candidate
    and output nonlinearities run over a sequence; squared error of a linear
    readout at every step."""
    T = X.shape[0]
    H = Wh.shape[1]
    h = np.zeros(H)
    c = np.zeros(H)
    loss = 0.0
    for t in range(T):
        z = Wx @ X[t] + Wh @ h + b
        i_g = _hard_sigmoid(z[:H])
        f_g = _hard_sigmoid(z[H:2 * H])
        g = np.clip(z[2 * H:3 * H], -1.0, 1.0)
        o_g = _hard_sigmoid(z[3 * H:])
        c = f_g * c + i_g * g
        h = o_g * np.clip(c, -1.0, 1.0)
        r = np.dot(wout, h) - y[t]
        loss += r * r
    return loss / T


def maxout_hinge(X, y, W, b, v, c, lam):
    """One maxout hidden layer (each unit the max of K affine pieces) and a
    linear score; mean hinge loss for +-1 labels plus weight decay."""
    n = X.shape[0]
    K, Hh, _ = W.shape
    hidden = np.empty(Hh)
    loss = 0.0
    for i in range(n):
        for j in range(Hh):
            best = -INF
            for p in range(K):
                best = max(best, np.dot(W[p, j], X[i]) + b[p, j])
            hidden[j] = best
        score = np.dot(v, hidden) + c
        loss += max(0.0, 1.0 - y[i] * score)
    return loss / n + lam * (np.sum(W * W) + np.sum(v * v))


def huber_location(X, delta, target):
    """Huber M-estimate of location of every row by iteratively reweighted
    means (weight 1 inside delta, delta/|r| outside), iterated in a while loop
    to a relative tolerance; squared error of the estimates against targets."""
    m = X.shape[0]
    loss = 0.0
    for g in range(m):
        row = X[g]
        mu = np.mean(row)
        step = INF
        it = 0
        while step > HUBER_TOL * (1.0 + abs(mu)) and it < HUBER_MAXIT:
            wsum = 0.0
            s = 0.0
            for x in row:
                r = math.fabs(x - mu)
                w = 1.0 if r <= delta else delta / r
                wsum += w
                s += w * x
            new = s / wsum
            step = abs(new - mu)
            mu = new
            it += 1
        loss += (mu - target[g]) ** 2
    return loss / m


def contact_chain(x0, v0, k, rest, kc, gap, wall, mass, dt, steps):
    """Chain of point masses joined by linear springs with a one-sided contact
    penalty kc * max(0, gap - spacing)^2 between neighbours and against a wall
    at the left, symplectic Euler steps; final energy plus accumulated
    penetration plus the chain length."""
    n = x0.shape[0]
    x = x0.copy()
    v = v0.copy()
    f = np.zeros(n)
    pen = 0.0
    for s in range(steps):
        f[:] = 0.0
        ext = x[1:] - x[:-1] - rest
        f[:-1] += k * ext
        f[1:] -= k * ext
        ov = np.maximum(0.0, gap - (x[1:] - x[:-1]))
        fc = kc * ov * ov
        f[:-1] -= fc
        f[1:] += fc
        pen += np.sum(ov * ov) * dt
        wov = wall - x[0]
        if wov > 0.0:
            f[0] += kc * wov * wov
            pen += wov * wov * dt
        for i in range(n):
            v[i] += dt * f[i] / mass
            x[i] += dt * v[i]
    ext = x[1:] - x[:-1] - rest
    energy = 0.5 * mass * np.sum(v * v) + 0.5 * k * np.sum(ext * ext)
    return energy + kc * pen + 0.1 * (x[-1] - x[0])


@numba.njit
def _l1_objective(A, b, x, lam):
    r = A @ x - b
    return np.sum(np.abs(r)) + lam * np.dot(x, x)


@numba.njit
def _l1_subgradient(A, b, x, lam, g):
    m, p = A.shape
    for j in range(p):
        g[j] = 2.0 * lam * x[j]
    for i in range(m):
        r = -b[i]
        for j in range(p):
            r += A[i, j] * x[j]
        s = 1.0 if r > 0.0 else -1.0
        for j in range(p):
            g[j] += s * A[i, j]


def backtracking_descent(A, b, x0, lam, t0):
    """Subgradient descent on the least-absolute-deviations objective with a
    ridge term; every step size comes from an Armijo backtracking search (a
    while loop halving the step); the objective at the final iterate."""
    x = x0.copy()
    g = np.empty_like(x)
    for it in range(OUTER_ITERS):
        fx = _l1_objective(A, b, x, lam)
        _l1_subgradient(A, b, x, lam, g)
        gg = np.dot(g, g)
        if gg < GRAD_TOL:
            return fx
        t = t0
        while _l1_objective(A, b, x - t * g, lam) > fx - ARMIJO_C * t * gg and t > T_MIN:
            t *= 0.5
        x = x - t * g
    return _l1_objective(A, b, x, lam)


@numba.njit
def _cell(s, size):
    # clamp to the edge, then split into a cell index and the fraction inside it
    s = min(max(s, 0.0), size - 1.0)
    i0 = int(math.floor(s))
    i1 = min(i0 + 1, size - 1)
    return i0, i1, s - i0


def affine_warp(img, theta, target):
    """Warp an image by an affine map about its centre with bilinear sampling
    and clamp-to-edge addressing; mean square difference to a target."""
    H, W = img.shape
    cy = 0.5 * (H - 1)
    cx = 0.5 * (W - 1)
    loss = 0.0
    for i in range(H):
        for j in range(W):
            u = j - cx
            w = i - cy
            sx = theta[0] * u + theta[1] * w + theta[2] + cx
            sy = theta[3] * u + theta[4] * w + theta[5] + cy
            x0, x1, fx = _cell(sx, W)
            y0, y1, fy = _cell(sy, H)
            top = (1.0 - fx) * img[y0, x0] + fx * img[y0, x1]
            bot = (1.0 - fx) * img[y1, x0] + fx * img[y1, x1]
            val = (1.0 - fy) * top + fy * bot
            loss += (val - target[i, j]) ** 2
    return loss / (H * W)


def zcr_envelope(x, weights, decay, gate, peak_thresh):
    """Frame features of a signal: frames quieter than the gate are skipped,
    the others add energy and zero-crossing rate; then a peak-hold envelope
    follower and peak picking above a threshold; weighted sum of the features."""
    n = x.shape[0]
    feat = 0.0
    frames = 0
    for start in range(0, n - FRAME + 1, HOP):
        frame = x[start:start + FRAME]
        energy = np.dot(frame, frame) / FRAME
        if energy < gate:
            continue
        zc = 0
        for k in range(1, FRAME):
            if frame[k - 1] * frame[k] < 0.0:
                zc += 1
        feat += weights[0] * energy + weights[1] * math.sqrt(energy) * zc / FRAME
        frames += 1
    env = np.empty_like(x)
    level = 0.0
    for i in range(n):
        a = abs(x[i])
        level = a if a > level else decay * level
        env[i] = level
    peaks = 0.0
    for i in range(1, n - 1):
        if env[i] <= peak_thresh:
            continue
        if not (env[i - 1] < env[i] > env[i + 1]):
            continue
        peaks += env[i] - peak_thresh
    return feat / max(frames, 1) + weights[2] * peaks


def first_price_auction(values, rival_bids, shade, reserve, seller_weight):
    """Bidder shading its value in repeated first-price sealed-bid auctions:
    it wins when its bid beats both the best rival and the reserve and then
    pays its own bid; a rival wins at its bid if it clears the reserve.
    Negative bidder surplus minus weighted seller revenue, per auction."""
    n, m = rival_bids.shape
    surplus = 0.0
    revenue = 0.0
    for a in range(n):
        bid = shade * values[a]
        top = rival_bids[a, 0]
        for r in range(1, m):
            if rival_bids[a, r] > top:
                top = rival_bids[a, r]
        hurdle = max(top, reserve, MIN_BID)
        if bid > hurdle:
            surplus += values[a] - bid
            revenue += bid
        elif top >= reserve:
            revenue += top
    return -(surplus + seller_weight * revenue) / n


def order_book_fill(limits, qtys, ask_prices, ask_sizes, refill):
    """Marketable limit buy orders walking an ask book level by level (stop at
    the limit price or when filled), the book refilling a fraction of each
    level's size between orders; discounted slippage plus unfilled penalty."""
    avail = ask_sizes.copy()
    ref = ask_prices[0]
    cost = 0.0
    for j, (lim, q) in enumerate(zip(limits, qtys)):
        remaining = q
        paid = 0.0
        for k, (p, s) in enumerate(zip(ask_prices, avail)):
            if remaining <= 0.0 or p > lim:
                break
            take = min(remaining, s)
            paid += take * p
            avail[k] -= take
            remaining -= take
        filled = q - remaining
        cost += DISCOUNT ** j * (paid - filled * ref + UNFILLED_PENALTY * remaining)
        for k, size in enumerate(ask_sizes):
            avail[k] = min(avail[k] + refill * size, size)
    return cost / limits.shape[0]


@numba.njit
def _conv_relu_pool(emb, W, bias, out):
    L, d = emb.shape
    F = W.shape[0]
    for f in range(F):
        best = 0.0
        for t in range(L - WIDTH + 1):
            z = bias[f]
            for a in range(WIDTH):
                for c in range(d):
                    z += W[f, a * d + c] * emb[t + a, c]
            z = max(z, 0.0)
            if z > best:
                best = z
        out[f] = best


def text_cnn(X, labels, W, bias, u, c0):
    """Text-CNN: one width-3 convolution bank over token embeddings, ReLU,
    max-over-time pooling, logistic output; mean logistic loss."""
    B = X.shape[0]
    F = W.shape[0]
    pooled = np.empty(F)
    loss = 0.0
    for s in range(B):
        _conv_relu_pool(X[s], W, bias, pooled)
        score = np.dot(u, pooled) + c0
        m = -score if labels[s] == 1 else score
        if m > 0.0:
            loss += m + math.log1p(math.exp(-m))
        else:
            loss += math.log1p(math.exp(m))
    return loss / B


@numba.njit
def _sequence_score(unary, trans, code, K):
    # decode a configuration number into labels, return (score, last label)
    s = 0.0
    prev = -1
    for t in range(unary.shape[0]):
        k = code % K
        code //= K
        s += unary[t, k]
        if prev >= 0:
            s += trans[prev, k]
        prev = k
    return s, prev


def seq_struct_hinge(X, tags, W, trans, lam):
    """Structured hinge loss for short label sequences with unary and
    transition scores: the loss-augmented best wrong sequence is found by
    enumerating every configuration (no Viterbi) with Hamming cost."""
    n, T, d = X.shape
    K = W.shape[0]
    ncfg = K ** T
    unary = np.empty((T, K))
    total = 0.0
    for i in range(n):
        for t in range(T):
            for k in range(K):
                unary[t, k] = np.dot(W[k], X[i, t])
        gold_code = 0
        for t in range(T - 1, -1, -1):
            gold_code = gold_code * K + tags[i, t]
        gold, _ = _sequence_score(unary, trans, gold_code, K)
        best = -INF
        for code in range(ncfg):
            if code == gold_code:
                continue
            s, last = _sequence_score(unary, trans, code, K)
            ham = 0
            c = code
            for t in range(T):
                if c % K != tags[i, t]:
                    ham += 1
                c //= K
            aug = s + HAMMING_COST * ham
            if aug > best:
                best = aug
        total += max(0.0, best - gold)
    return total / n + lam * (np.sum(W * W) + np.sum(trans * trans))


def battery_arbitrage(prices, buy_below, sell_above, gain, p_max, cap, eta_c, eta_d, soc0):
    """Threshold policy for a grid battery: charge when the price is below
    buy_below, discharge above sell_above, power proportional to the distance
    and limited to p_max; state of charge clipped to [0, cap], efficiency by
    the sign of the flow.  Negative profit including the terminal energy."""
    T = prices.shape[0]
    soc = soc0
    profit = 0.0
    for t in range(T):
        p = prices[t]
        if p < buy_below:
            power = min(gain * (buy_below - p), p_max)
        elif p > sell_above:
            power = -min(gain * (p - sell_above), p_max)
        else:
            power = 0.0
        stored = power * eta_c if power > 0.0 else power / eta_d
        new_soc = min(max(soc + stored * DT_HOURS, 0.0), cap)
        delta = new_soc - soc
        grid = delta / eta_c if delta > 0.0 else delta * eta_d
        profit -= p * grid
        soc = new_soc
    return -(profit + TERMINAL_PRICE * eta_d * soc) / T


def obstacle_sor(f, lower, u0, target, sweeps):
    """Projected SOR for the 1-D obstacle problem -u'' = f, u >= lower,
    u = 0 at both ends: alternating forward and backward sweeps updating u in
    place, u_i = max(lower_i, relaxed update); misfit to a target plus the
    contact force."""
    n = f.shape[0]
    h = 1.0 / (n + 1)
    h2 = h * h
    u = u0.copy()
    for s in range(sweeps):
        if s % 2 == 0:
            start, stop, step = 0, n, 1
        else:
            start, stop, step = n - 1, -1, -1
        for i in range(start, stop, step):
            left = u[i - 1] if i > 0 else 0.0
            right = u[i + 1] if i < n - 1 else 0.0
            gs = 0.5 * (left + right + h2 * f[i])
            u[i] = max(lower[i], u[i] + SOR_OMEGA * (gs - u[i]))
    lap = np.empty(n)
    lap[1:-1] = (u[:-2] - 2.0 * u[1:-1] + u[2:]) / h2
    lap[0] = (-2.0 * u[0] + u[1]) / h2
    lap[-1] = (u[-2] - 2.0 * u[-1]) / h2
    contact = np.sum(np.maximum(0.0, -lap - f)) * h
    return np.sum((u - target) ** 2) * h + 0.01 * contact


def gmm_nll(X, mu, var, logits):
    """Negative log-likelihood of a diagonal Gaussian mixture with variances
    clipped to [VAR_MIN, VAR_MAX]; log-weights and the per-point mixture sum
    by log-sum-exp with an explicit max shift."""
    n, D = X.shape
    K = mu.shape[0]
    v = np.clip(var, VAR_MIN, VAR_MAX)
    lm = logits[0]
    for k in range(1, K):
        lm = max(lm, logits[k])
    logw = logits - (lm + math.log(np.sum(np.exp(logits - lm))))
    half_logdet = np.empty(K)
    for k in range(K):
        half_logdet[k] = 0.5 * np.sum(np.log(v[k]))
    a = np.empty(K)
    nll = 0.0
    for i in range(n):
        for k in range(K):
            q = 0.0
            for j in range(D):
                r = X[i, j] - mu[k, j]
                q += r * r / v[k, j]
            a[k] = logw[k] - 0.5 * q - half_logdet[k] - 0.5 * D * LOG2PI
        amax = a[0]
        for k in range(1, K):
            if a[k] > amax:
                amax = a[k]
        s = 0.0
        for k in range(K):
            s += math.exp(a[k] - amax)
        nll -= amax + math.log(s)
    return nll / n


# ------------------------------------------------------------ argument makers


def _compressor(n, rng):
    t = np.arange(n)
    seg = max(n // 8, 4)
    amp = rng.uniform(0.05, 1.0, n // seg + 1)[t // seg]
    freq = rng.uniform(0.02, 0.08)
    x = amp * np.sin(2.0 * math.pi * freq * t + rng.uniform(0.3, 1.0)) + 0.01 * rng.standard_normal(n)
    target = 0.5 * np.tanh(2.0 * x) + 0.01 * rng.standard_normal(n)
    return (x, target, -12.0 + rng.uniform(-1.0, 1.0), 4.0 + rng.uniform(-0.5, 0.5),
            0.6 + rng.uniform(-0.05, 0.05), 0.95 + rng.uniform(-0.02, 0.02), 2.0 + rng.uniform(-0.5, 0.5))


def _pid(n, rng):
    seg = max(n // 6, 5)
    levels = rng.uniform(-2.0, 2.0, n // seg + 1)
    setpoint = levels[np.arange(n) // seg] + 0.02 * rng.standard_normal(n)
    return (setpoint, 2.0 + rng.uniform(-0.2, 0.2), 1.5 + rng.uniform(-0.2, 0.2),
            0.05 + rng.uniform(-0.01, 0.01), 2.5 + rng.uniform(-0.2, 0.2), 0.5, 0.1 * rng.standard_normal(), 0.02)


def _sir_review_margin(beta, gamma, waning, reduction, on_level, off_level, vax_rate, vax_cap, S0, I0):
    # smallest relative distance of the prevalence to the level it is compared
    # with at a weekly review (the lockdown switch is a jump of the objective)
    dt = 1.0 / SIR_SUBSTEPS
    S, I, R = S0, I0, 1.0 - S0 - I0
    locked = False
    margin = INF
    for d in range(beta.shape[0]):
        if d % REVIEW_DAYS == 0:
            level = off_level if locked else on_level
            margin = min(margin, abs(I - level) / level)
            if not locked and I > on_level:
                locked = True
            elif locked and I < off_level:
                locked = False
        b = beta[d] * (1.0 - reduction) if locked else beta[d]
        for _ in range(SIR_SUBSTEPS):
            new_inf, rec = b * S * I * dt, gamma * I * dt
            vac, back = min(vax_rate * S, vax_cap) * dt, waning * R * dt
            S, I, R = S + back - new_inf - vac, I + new_inf - rec, R + rec + vac - back
    return margin


def _sir(n, rng):
    d = np.arange(n)
    beta = 0.32 + 0.06 * np.sin(2.0 * math.pi * d / 90.0 + rng.uniform(0.0, 6.0)) + 0.01 * rng.standard_normal(n)
    args = None
    for _ in range(100):
        args = (beta, 0.1 + rng.uniform(-0.01, 0.01), 0.01 + rng.uniform(-0.002, 0.002),
                0.55 + rng.uniform(-0.05, 0.05), 0.03 + rng.uniform(-0.003, 0.003),
                0.012 + rng.uniform(-0.002, 0.002), 0.01, 0.008, 0.99, 0.001)
        if n > 5000 or _sir_review_margin(*args) > 0.005:
            break
    return args


def _rays(n, rng):
    K = 4
    centers = np.empty((K, 3))
    centers[:, 0] = rng.uniform(-1.2, 1.2, K)
    centers[:, 1] = rng.uniform(-1.2, 1.2, K)
    centers[:, 2] = rng.uniform(4.0, 7.0, K)
    radii = rng.uniform(0.6, 1.1, K)
    albedo = rng.uniform(0.4, 1.0, K)
    light = np.array([rng.uniform(-1.0, 1.0), rng.uniform(0.2, 1.0), -1.0])
    target = rng.uniform(0.0, 0.8, (n, n))
    return (centers, radii, albedo, light, target, 1.0)


def _tax(n, rng):
    income = np.exp(math.log(50.0) + 0.9 * rng.standard_normal(n))
    edges = np.array([10.0, 40.0, 85.0, 160.0, 200.0]) + rng.uniform(-1.0, 1.0, 5)
    rates = np.array([0.10, 0.12, 0.22, 0.24, 0.32, 0.37]) + rng.uniform(-0.005, 0.005, 6)
    return (income, 12.0 + rng.uniform(-0.5, 0.5), edges, rates, 3.0 + rng.uniform(-0.2, 0.2), 40.0,
            0.08 + rng.uniform(-0.01, 0.01))


def _rebalance(n, rng):
    m = 5
    vol = rng.uniform(0.01, 0.03, m)
    returns = 0.0004 + vol * rng.standard_normal((n, m))
    return (returns, rng.uniform(0.5, 1.5, m), 0.02 + rng.uniform(-0.002, 0.002), 0.002)


def _lstm(n, rng):
    d, H = 4, 6
    X = rng.standard_normal((n, d))
    y = np.sin(0.3 * np.arange(n)) + 0.1 * rng.standard_normal(n)
    return (X, y, 0.8 * rng.standard_normal((4 * H, d)), 0.5 * rng.standard_normal((4 * H, H)),
            0.5 * rng.standard_normal(4 * H), rng.standard_normal(H))


def _maxout(n, rng):
    d, K, Hh = 6, 3, 8
    X = rng.standard_normal((n, d))
    teacher = rng.standard_normal(d)
    y = np.where(X @ teacher + 0.3 * rng.standard_normal(n) > 0.0, 1, -1)
    return (X, y, 0.5 * rng.standard_normal((K, Hh, d)), 0.3 * rng.standard_normal((K, Hh)),
            0.5 * rng.standard_normal(Hh), 0.1, 1e-3)


def _huber(n, rng):
    p = 30
    loc = rng.uniform(-3.0, 3.0, n)
    X = loc[:, None] + rng.standard_normal((n, p))
    out = rng.uniform(0.0, 1.0, (n, p)) < 0.15
    X = np.where(out, X + 6.0 + 3.0 * rng.standard_normal((n, p)), X)
    return (X, 1.345 + rng.uniform(-0.05, 0.05), loc + 0.1 * rng.standard_normal(n))


def _chain(n, rng):
    x0 = np.cumsum(rng.uniform(0.6, 1.4, n)) - 0.3
    v0 = 0.8 * rng.standard_normal(n)
    v0[0] = -abs(v0[0]) - 1.0
    return (x0, v0, 2.0 + rng.uniform(-0.2, 0.2), 1.0, 200.0 + rng.uniform(-10.0, 10.0),
            0.7, 0.3, 1.0 + rng.uniform(-0.1, 0.1), 0.01, 200)


def _linesearch(n, rng):
    p = 8
    A = rng.standard_normal((n, p))
    b = A @ rng.standard_normal(p) + rng.laplace(0.0, 0.5, n)
    return (A, b, 0.1 * rng.standard_normal(p), 0.05 + rng.uniform(-0.01, 0.01), 1.0)


def _warp(n, rng):
    yy, xx = np.mgrid[0:n, 0:n] / max(n - 1, 1)
    img = np.zeros((n, n))
    for _ in range(4):
        cx, cy, s = rng.uniform(0.0, 1.0), rng.uniform(0.0, 1.0), rng.uniform(0.1, 0.3)
        img += rng.uniform(0.5, 1.5) * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2.0 * s * s))
    img += 0.05 * rng.standard_normal((n, n))
    a = rng.uniform(0.15, 0.3)
    sc = rng.uniform(1.1, 1.25)
    sh = 0.15 * n
    theta = np.array([sc * math.cos(a), -sc * math.sin(a), rng.uniform(-sh, sh),
                      sc * math.sin(a), sc * math.cos(a), rng.uniform(-sh, sh)])
    target = img + 0.2 * rng.standard_normal((n, n))
    return (img, theta, target)


def _zcr(n, rng):
    t = np.arange(n)
    seg = 96
    on = rng.uniform(0.0, 1.0, n // seg + 1) < 0.6
    on[0] = True
    amp = np.where(on, rng.uniform(0.3, 1.0, n // seg + 1), 0.0)[t // seg]
    x = amp * np.sin(2.0 * math.pi * rng.uniform(0.05, 0.2) * t + 0.7) * (1.0 + 0.3 * np.sin(0.05 * t))
    x += 0.01 * rng.standard_normal(n)
    return (x, np.array([1.0, 0.5, 0.2]) + 0.1 * rng.standard_normal(3), 0.97 + rng.uniform(-0.01, 0.01),
            0.01, 0.5 + rng.uniform(-0.02, 0.02))


def _auction(n, rng):
    m = 4
    return (rng.uniform(0.5, 1.5, n), rng.uniform(0.0, 0.8, (n, m)), 0.7 + rng.uniform(-0.05, 0.05),
            0.45 + rng.uniform(-0.02, 0.02), 0.2)


def _orders(n, rng):
    nlev = 10
    ask_prices = 100.0 + np.cumsum(rng.uniform(0.01, 0.05, nlev))
    ask_sizes = rng.uniform(1.0, 3.0, nlev)
    limits = 100.0 + rng.uniform(0.0, 0.4, n)
    qtys = rng.exponential(3.0, n) + 0.1
    return (limits, qtys, ask_prices, ask_sizes, 0.3 + rng.uniform(-0.05, 0.05))


def _textcnn(n, rng):
    L, d, F = 12, 5, 6
    X = rng.standard_normal((n, L, d))
    labels = (rng.uniform(0.0, 1.0, n) < 0.5).astype(np.int64)
    return (X, labels, 0.4 * rng.standard_normal((F, WIDTH * d)), 0.3 * rng.standard_normal(F),
            rng.standard_normal(F), 0.1)


def _struct(n, rng):
    T, K, d = 4, 3, 5
    X = rng.standard_normal((n, T, d))
    Wt = rng.standard_normal((K, d))
    tags = np.argmax(np.einsum("ntd,kd->ntk", X, Wt), axis=2).astype(np.int64)
    return (X, tags, 3.0 * Wt + 0.5 * rng.standard_normal((K, d)), 0.5 * rng.standard_normal((K, K)), 0.01)


def _battery(n, rng):
    t = np.arange(n)
    prices = 50.0 + 20.0 * np.sin(2.0 * math.pi * (t - 8) / 24.0) + 8.0 * rng.standard_normal(n)
    return (prices, 45.0 + rng.uniform(-1.0, 1.0), 60.0 + rng.uniform(-1.0, 1.0), 0.5, 5.0, 12.0,
            0.92, 0.9, 6.0 + rng.uniform(-0.5, 0.5))


def _obstacle(n, rng):
    xs = np.arange(1, n + 1) / (n + 1)
    f = -20.0 + 3.0 * rng.standard_normal(n)
    lower = -0.8 + 2.0 * (xs - 0.5) ** 2 + 0.02 * rng.standard_normal(n)
    u0 = 0.05 * rng.standard_normal(n)
    target = -0.6 * np.sin(math.pi * xs)
    return (f, lower, u0, target, 40 + n // 4)


def _gmm(n, rng):
    K, D = 4, 3
    centers = 2.0 * rng.standard_normal((K, D))
    X = centers[rng.integers(0, K, n)] + rng.standard_normal((n, D))
    var = rng.uniform(0.01, 4.0, (K, D))
    var[0, 0] = 0.02
    var[1, 1] = 3.5
    return (X, centers + 0.3 * rng.standard_normal((K, D)), var, rng.standard_normal(K))


PROGRAMS = {
    "audio_compressor": Program(audio_compressor, ("x", "threshold_db", "ratio", "attack", "release", "makeup_db"),
                                _compressor, 64, 300000),
    "pid_antiwindup": Program(pid_antiwindup, ("setpoint", "Kp", "Ki", "Kd", "umax", "tau"), _pid, 60, 700000),
    "sir_lockdown": Program(sir_lockdown, ("beta", "gamma", "waning", "reduction", "vax_rate", "vax_cap"),
                            _sir, 300, 200000),
    "ray_spheres": Program(ray_spheres, ("centers", "radii", "albedo", "light"), _rays, 12, 500),
    "income_tax": Program(income_tax, ("income", "deduction", "edges", "rates", "credit_max", "phase_rate"),
                          _tax, 40, 500000),
    "rebalance_backtest": Program(rebalance_backtest, ("returns", "target_w", "band", "cost_rate"),
                                  _rebalance, 60, 50000),
    "hard_lstm": Program(hard_lstm, ("X", "Wx", "Wh", "b", "wout"), _lstm, 20, 6000),
    "maxout_hinge": Program(maxout_hinge, ("X", "W", "b", "v", "c"), _maxout, 20, 6000),
    "huber_location": Program(huber_location, ("X", "delta", "target"), _huber, 6, 5000),
    "contact_chain": Program(contact_chain, ("x0", "v0", "k", "kc", "mass"), _chain, 6, 2000),
    "backtracking_descent": Program(backtracking_descent, ("A", "b", "x0", "lam"), _linesearch, 20, 8000),
    "affine_warp": Program(affine_warp, ("img", "theta"), _warp, 8, 600),
    "zcr_envelope": Program(zcr_envelope, ("x", "weights", "decay", "peak_thresh"), _zcr, 256, 500000),
    "first_price_auction": Program(first_price_auction, ("values", "rival_bids", "shade", "reserve", "seller_weight"),
                                   _auction, 40, 500000),
    "order_book_fill": Program(order_book_fill, ("qtys", "ask_prices", "ask_sizes", "refill"), _orders, 30, 150000),
    "text_cnn": Program(text_cnn, ("X", "W", "bias", "u", "c0"), _textcnn, 6, 10000),
    "seq_struct_hinge": Program(seq_struct_hinge, ("X", "W", "trans"), _struct, 6, 3000),
    "battery_arbitrage": Program(battery_arbitrage, ("prices", "buy_below", "sell_above", "gain", "cap", "eta_c",
                                                     "eta_d"), _battery, 72, 1000000),
    "obstacle_sor": Program(obstacle_sor, ("f", "lower", "u0", "target"), _obstacle, 12, 1500),
    "gmm_nll": Program(gmm_nll, ("X", "mu", "var", "logits"), _gmm, 30, 100000),
}
