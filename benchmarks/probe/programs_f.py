"""Probe corpus F: a sixth set of nonsmooth programs written the way people
write quick research code or port MATLAB to NumPy: mostly whole-array
operations inside Python loops (projected and proximal steps that rebind a
name, np.where, np.maximum, np.clip on arrays, np.sign, reductions along an
axis, row and column access, cumsum/diff, reversed views), mixed with some
element loops, while loops with tolerance tests, break, early returns and
small njit helpers that return tuples.  Written once and not edited
afterwards to suit any tool.

Same structure as ``programs.py``: name -> Program(fn, wrt, args(size, rng),
small, big).  The argument makers keep the random points away from ties
(kinks) so that central differences are valid there."""

import math

import numba
import numpy as np

from benchmarks.probe.programs import Program

# ------------------------------------------------------------------ constants

NNLS_ITERS = 80
NNLS_STEP = 1.8
ADMM_ITERS = 40
TV_ITERS = 150
TV_TAU = 0.25
IHT_ITERS = 30
IHT_L1 = 0.05
WEISZ_EPS = 1e-3
WEISZ_TOL = 1e-13
WEISZ_MAXIT = 1000
DIST_WEIGHT = 0.1
PEGASOS_EPOCHS = 4
PEGASOS_T0 = 1.0
KMED_STEPS = 3
KMED_LR = 0.1
HUBER_TOL = 1e-13
HUBER_MAXIT = 200
LEAK = 0.1
NET_STEPS = 6
PERC_EPOCHS = 5
PERC_MARGIN = 0.2
BISECT_ITERS = 60
LINF_TOL = 1e-14
SINK_ITERS = 60
SCALE_MIN = 0.05
SCALE_MAX = 20.0
MASS_PENALTY = 0.5
MC_STEPS = 4
MC_REG = 0.01
GRAD_EPS = 1e-6
QR_STEPS = 5
CROSS_WEIGHT = 2.0
POWER_ITERS = 30
GD_STEPS = 25
GD_STOP = 1e-12
SVR_C = 10.0
DAYS_PER_YEAR = 252.0

# ------------------------------------------------------------------ programs


def nnls_projected(A, b, x0, l1):
    """Projected gradient for nonnegative least squares with a small L1 term
    (linear on the feasible set); fixed step from the Frobenius bound on the
    Lipschitz constant, fixed iteration count.  Returns the final objective."""
    L = np.sum(A * A)
    lr = NNLS_STEP / L
    x = np.maximum(x0, 0.0)
    for it in range(NNLS_ITERS):
        r = A @ x - b
        g = A.T @ r + l1
        x = np.maximum(x - lr * g, 0.0)
    r = A @ x - b
    return 0.5 * np.dot(r, r) + l1 * np.sum(x)


@numba.njit
def _cholesky(M):
    n = M.shape[0]
    L = np.zeros_like(M)
    for j in range(n):
        s = M[j, j]
        for k in range(j):
            s -= L[j, k] * L[j, k]
        L[j, j] = math.sqrt(s)
        for i in range(j + 1, n):
            s = M[i, j]
            for k in range(j):
                s -= L[i, k] * L[j, k]
            L[i, j] = s / L[j, j]
    return L


@numba.njit
def _chol_solve(L, rhs):
    n = rhs.shape[0]
    y = np.empty(n)
    for i in range(n):
        s = rhs[i]
        for k in range(i):
            s -= L[i, k] * y[k]
        y[i] = s / L[i, i]
    x = np.empty(n)
    for i in range(n - 1, -1, -1):
        s = y[i]
        for k in range(i + 1, n):
            s -= L[k, i] * x[k]
        x[i] = s / L[i, i]
    return x


def admm_lasso(A, b, lam, rho):
    """ADMM for the LASSO: Cholesky of A'A + rho I once, then x-update by two
    triangular solves, z-update by soft thresholding written as
    sign * max(|v| - lam/rho, 0), scaled dual update.  Objective at z."""
    n = A.shape[1]
    L = _cholesky(A.T @ A + rho * np.eye(n))
    Atb = A.T @ b
    z = np.zeros(n)
    u = np.zeros(n)
    kappa = lam / rho
    for it in range(ADMM_ITERS):
        x = _chol_solve(L, Atb + rho * (z - u))
        v = x + u
        z = np.sign(v) * np.maximum(np.abs(v) - kappa, 0.0)
        u = u + x - z
    r = A @ z - b
    return 0.5 * np.dot(r, r) + lam * np.sum(np.abs(z))


def tv_denoise(y, lam, target):
    """1-D total-variation denoising by projected gradient on the dual:
    x = y - D'p, p <- clip(p + tau * diff(x), -lam, lam).  Mean squared
    error of the denoised signal against a reference."""
    n = y.shape[0]
    p = np.zeros(n - 1)
    x = y.copy()
    for it in range(TV_ITERS):
        x = y.copy()
        x[:-1] += p
        x[1:] -= p
        p = np.clip(p + TV_TAU * np.diff(x), -lam, lam)
    x[:] = y
    x[:-1] += p
    x[1:] -= p
    e = x - target
    return np.dot(e, e) / n


def iht_recovery(A, b, mu, thr):
    """Iterative hard thresholding for sparse recovery: gradient step on the
    residual, then keep entries with |v| > thr (np.where), fixed iteration
    count.  Residual norm plus a small L1 term of the estimate."""
    n = A.shape[1]
    x = np.zeros(n)
    for it in range(IHT_ITERS):
        v = x + mu * (A.T @ (b - A @ x))
        x = np.where(np.abs(v) > thr, v, 0.0)
    return np.linalg.norm(b - A @ x) + IHT_L1 * np.sum(np.abs(x))


def geometric_median(P, w, target):
    """Weighted geometric median by Weiszfeld iterations with a floor on the
    distances; stops when the step is below a tolerance.  Squared distance of
    the median to a target plus the mean weighted (floored) distance."""
    W = np.sum(w)
    y = (w @ P) / W
    for it in range(WEISZ_MAXIT):
        d = np.sqrt(np.sum((P - y) ** 2, axis=1))
        d = np.maximum(d, WEISZ_EPS)
        c = w / d
        y_new = (c @ P) / np.sum(c)
        if np.linalg.norm(y_new - y) < WEISZ_TOL:
            y = y_new
            break
        y = y_new
    d = np.maximum(np.sqrt(np.sum((P - y) ** 2, axis=1)), WEISZ_EPS)
    e = y - target
    return np.dot(e, e) + DIST_WEIGHT * np.dot(w, d) / W


def pegasos_svm(X, y, lam, w0):
    """Pegasos: subgradient epochs over the rows in order with step
    1/(lam (t + t0)), hinge update when the margin is below one, projection
    onto the ball of radius 1/sqrt(lam).  Final regularised hinge loss."""
    n = X.shape[0]
    w = w0.copy()
    radius = 1.0 / np.sqrt(lam)
    t = 0
    for epoch in range(PEGASOS_EPOCHS):
        for i in range(n):
            t += 1
            eta = 1.0 / (lam * (t + PEGASOS_T0))
            margin = y[i] * np.dot(w, X[i])
            w = (1.0 - eta * lam) * w
            if margin < 1.0:
                w = w + (eta * y[i]) * X[i]
            nw = np.linalg.norm(w)
            if nw > radius:
                w = w * (radius / nw)
    hinge = np.maximum(0.0, 1.0 - y * (X @ w))
    return np.mean(hinge) + 0.5 * lam * np.dot(w, w)


def kmedians(X, C0):
    """k-medians with Manhattan distance: a few sign-subgradient steps on the
    centres with argmin assignment of each point, then the mean distance of
    each point to its nearest centre."""
    n = X.shape[0]
    C = C0.copy()
    for step in range(KMED_STEPS):
        G = np.zeros_like(C)
        counts = np.zeros(C.shape[0])
        for i in range(n):
            dist = np.sum(np.abs(X[i] - C), axis=1)
            j = np.argmin(dist)
            G[j] += np.sign(C[j] - X[i])
            counts[j] += 1.0
        C -= KMED_LR * G / np.maximum(counts, 1.0)[:, None]
    total = 0.0
    for i in range(n):
        dist = np.sum(np.abs(X[i, :] - C), axis=1)
        total += np.min(dist)
    return total / n


@numba.njit
def _solve3(a00, a01, a02, a11, a12, a22, r0, r1, r2):
    # symmetric 3x3 system by Cramer's rule
    det = (a00 * (a11 * a22 - a12 * a12) - a01 * (a01 * a22 - a12 * a02)
           + a02 * (a01 * a12 - a11 * a02))
    d0 = (r0 * (a11 * a22 - a12 * a12) - a01 * (r1 * a22 - a12 * r2)
          + a02 * (r1 * a12 - a11 * r2))
    d1 = (a00 * (r1 * a22 - a12 * r2) - r0 * (a01 * a22 - a12 * a02)
          + a02 * (a01 * r2 - r1 * a02))
    d2 = (a00 * (a11 * r2 - r1 * a12) - a01 * (a01 * r2 - r1 * a02)
          + r0 * (a01 * a12 - a11 * a02))
    return d0 / det, d1 / det, d2 / det


def huber_irls(X, y, delta):
    """Huber regression y ~ c0 + c1 x1 + c2 x2 by iteratively reweighted
    least squares: weights 1 inside the band, delta/|r| outside, weighted
    normal equations solved by hand; while loop with a step tolerance.
    Returns the mean Huber loss at the fit."""
    n = y.shape[0]
    x1 = X[:, 0]
    x2 = X[:, 1]
    w = np.ones(n)
    beta = np.zeros(3)
    r = y.copy()
    it = 0
    while True:
        c0, c1, c2 = _solve3(np.sum(w), np.sum(w * x1), np.sum(w * x2),
                             np.sum(w * x1 * x1), np.sum(w * x1 * x2), np.sum(w * x2 * x2),
                             np.sum(w * y), np.sum(w * x1 * y), np.sum(w * x2 * y))
        beta_new = np.array([c0, c1, c2])
        r = y - c0 - c1 * x1 - c2 * x2
        a = np.abs(r)
        w = np.where(a <= delta, 1.0, delta / a)
        step = np.linalg.norm(beta_new - beta)
        beta = beta_new
        it += 1
        if step < HUBER_TOL or it >= HUBER_MAXIT:
            break
    a = np.abs(r)
    loss = np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))
    return np.sum(loss) / n


def leaky_mlp_train(X, y, W1, b1, w2, lr):
    """Two-layer leaky-ReLU regression network trained for a few full-batch
    gradient steps with a hand-written backward pass; final mean squared
    error."""
    n = X.shape[0]
    for step in range(NET_STEPS):
        Z = X @ W1 + b1
        H = np.where(Z > 0.0, Z, LEAK * Z)
        r = H @ w2 - y
        g = 2.0 * r / n
        gw2 = H.T @ g
        gH = np.outer(g, w2)
        gZ = np.where(Z > 0.0, gH, LEAK * gH)
        W1 = W1 - lr * (X.T @ gZ)
        b1 = b1 - lr * np.sum(gZ, axis=0)
        w2 = w2 - lr * gw2
    H = np.maximum(X @ W1 + b1, LEAK * (X @ W1 + b1))
    r = H @ w2 - y
    return np.mean(r * r)


def averaged_perceptron(X, y, w0, lr):
    """Perceptron with a margin (update when y w.x <= margin |x|) and weight
    averaging over all visits; logistic loss of the averaged weights."""
    n, d = X.shape
    w = w0.copy()
    w_sum = np.zeros(d)
    for epoch in range(PERC_EPOCHS):
        for i in range(n):
            xi = X[i, :]
            if y[i] * np.dot(w, xi) <= PERC_MARGIN * np.linalg.norm(xi):
                w += lr * y[i] * xi
            w_sum += w
    w_avg = w_sum / (PERC_EPOCHS * n)
    z = y * (X @ w_avg)
    return np.sum(np.log(1.0 + np.exp(-z))) / n


@numba.njit
def _simplex_threshold(v):
    # bisection on tau with sum(max(v - tau, 0)) = 1, then the exact tau on
    # the support that bisection found
    lo = np.min(v) - 1.0
    hi = np.max(v)
    for it in range(BISECT_ITERS):
        mid = 0.5 * (lo + hi)
        if np.sum(np.maximum(v - mid, 0.0)) > 1.0:
            lo = mid
        else:
            hi = mid
    support = v > 0.5 * (lo + hi)
    k = np.sum(support)
    return (np.sum(np.where(support, v, 0.0)) - 1.0) / k, k


def simplex_fit(V, C, temp):
    """Each row of V / temp projected onto the probability simplex (threshold
    by bisection, no sort); expected cost under C plus a quadratic term
    divided by the support size."""
    m = V.shape[0]
    total = 0.0
    for i in range(m):
        v = V[i] / temp
        tau, k = _simplex_threshold(v)
        p = np.maximum(v - tau, 0.0)
        total += np.dot(p, C[i]) + 0.5 * np.dot(p, p) / k
    return total / m


def portfolio_drawdown(R, w, risk):
    """Gross-exposure-normalised portfolio of several assets: log wealth by
    cumsum, maximum drawdown via the running minimum of the reversed path,
    ulcer index via the running peak; risk-weighted drawdown minus the
    annualised log return."""
    T = R.shape[0]
    wn = w / np.sum(np.abs(w))
    r = R @ wn
    logw = np.cumsum(np.log1p(r))
    rev = logw[::-1]
    fut = np.empty(T)
    low = rev[0]
    for t in range(T):
        low = min(low, rev[t])
        fut[t] = low
    fut_min = fut[::-1]
    mdd = np.max(logw - fut_min)
    peak = np.empty(T)
    run = 0.0
    for t in range(T):
        if logw[t] > run:
            run = logw[t]
        peak[t] = run
    dd = peak - logw
    ulcer = np.sqrt(np.mean(dd * dd))
    return risk * mdd + ulcer - DAYS_PER_YEAR * logw[-1] / T


@numba.njit
def _prox_linf(v, lam):
    # prox of lam * ||.||_inf: v minus its projection on the L1 ball, i.e.
    # clip(v, -t, t) with sum(max(|v| - t, 0)) = lam
    a = np.abs(v)
    if np.sum(a) <= lam:
        return np.zeros_like(v)
    lo = 0.0
    hi = np.max(a)
    while hi - lo > LINF_TOL * hi:
        t = 0.5 * (lo + hi)
        if np.sum(np.maximum(a - t, 0.0)) > lam:
            lo = t
        else:
            hi = t
    act = a > 0.5 * (lo + hi)
    t = (np.sum(np.where(act, a, 0.0)) - lam) / np.sum(act)
    return np.clip(v, -t, t)


def linf_prox_denoise(Y, lam, Xc):
    """Row-wise proximal operator of the L-infinity norm (threshold found by
    bisection in a while loop); squared error of the result against clean
    rows plus lam times the largest entry removed from each row."""
    m = Y.shape[0]
    P = np.zeros_like(Y)
    pen = 0.0
    for i in range(m):
        P[i, :] = _prox_linf(Y[i, :], lam)
        pen += np.max(np.abs(Y[i, :] - P[i, :]))
    E = P - Xc
    return 0.5 * np.sum(E * E) / m + lam * pen / m


def sinkhorn_clipped(C, a, b, eps):
    """Sinkhorn scaling iterations with both scaling vectors hard-clipped to
    [SCALE_MIN, SCALE_MAX]; transport cost of the resulting plan plus a
    penalty on the norm of the violation of the source marginal."""
    K = np.exp(-C / eps)
    u = np.ones(C.shape[0])
    v = np.ones(C.shape[1])
    for it in range(SINK_ITERS):
        u = np.clip(a / (K @ v), SCALE_MIN, SCALE_MAX)
        v = np.clip(b / (K.T @ u), SCALE_MIN, SCALE_MAX)
    Pi = u[:, None] * K * v[None, :]
    return np.sum(Pi * C) + MASS_PENALTY * np.linalg.norm(np.sum(Pi, axis=1) - a)


def hinge_completion(U, V, rows, cols, y, lr):
    """1-bit matrix completion: a few full-batch subgradient steps on the
    factors for the hinge loss on the observed (row, col, +-1) entries, then
    the regularised mean hinge loss."""
    nobs = rows.shape[0]
    for step in range(MC_STEPS):
        pred = np.sum(U[rows] * V[cols], axis=1)
        active = y * pred < 1.0
        gU = MC_REG * U
        gV = MC_REG * V
        for k in range(nobs):
            if active[k]:
                i = rows[k]
                j = cols[k]
                gU[i, :] -= y[k] * V[j, :] / nobs
                gV[j, :] -= y[k] * U[i, :] / nobs
        U = U - lr * gU
        V = V - lr * gV
    pred = np.sum(U[rows] * V[cols], axis=1)
    hinge = np.maximum(0.0, 1.0 - y * pred)
    return np.mean(hinge) + 0.5 * MC_REG * (np.sum(U * U) + np.sum(V * V))


def gradmag_pool(img, target, gain):
    """Forward-difference gradient magnitude sqrt(gx^2 + gy^2 + eps) of an
    image, 2x2 max pooling, mean absolute error of the scaled pooled map
    against a target."""
    H, W = img.shape
    gx = img[:-1, 1:] - img[:-1, :-1]
    gy = img[1:, :-1] - img[:-1, :-1]
    mag = np.sqrt(gx * gx + gy * gy + GRAD_EPS)
    ph = (H - 1) // 2
    pw = (W - 1) // 2
    pooled = np.empty((ph, pw))
    for i in range(ph):
        for j in range(pw):
            pooled[i, j] = np.max(mag[2 * i:2 * i + 2, 2 * j:2 * j + 2])
    return np.mean(np.abs(gain * pooled - target))


def contrastive_pairs(X, labels, W, margin):
    """Contrastive loss over all pairs of rows of the embedding X W: squared
    distance for same-label pairs, max(0, margin - d) for the others."""
    Z = X @ W
    n = Z.shape[0]
    total = 0.0
    count = 0
    for i in range(n - 1):
        diff = Z[i + 1:] - Z[i]
        d = np.sqrt(np.sum(diff * diff, axis=1))
        same = labels[i + 1:] == labels[i]
        total += np.sum(np.where(same, d * d, np.maximum(0.0, margin - d)))
        count += n - 1 - i
    return total / count


def quantile_grid(X, y, B, lr):
    """Linear quantile regression for a grid of quantile levels at once: a few
    subgradient steps on the pinball loss, then the pinball loss written with
    ReLUs plus a hinge penalty on crossing quantile predictions."""
    n = X.shape[0]
    Q = B.shape[0]
    taus = (np.arange(Q) + 1.0) / (Q + 1.0)
    for step in range(QR_STEPS):
        R = y[:, None] - X @ B.T
        G = np.where(R > 0.0, -taus, 1.0 - taus)
        B = B - lr * (G.T @ X) / n
    P = X @ B.T
    R = y[:, None] - P
    pin = taus * np.maximum(R, 0.0) + (1.0 - taus) * np.maximum(-R, 0.0)
    cross = np.maximum(0.0, P[:, :-1] - P[:, 1:])
    return np.sum(pin) / n + CROSS_WEIGHT * np.sum(cross) / n


def power_clip_descent(A, b, x0, clip):
    """Lipschitz constant of the least-squares gradient by power iteration on
    A'A (Rayleigh quotient), then gradient steps 1/L with the gradient norm
    clipped; mean absolute residual at the end."""
    m, n = A.shape
    v = np.ones(n) / np.sqrt(n)
    for it in range(POWER_ITERS):
        w = A.T @ (A @ v)
        v = w / np.linalg.norm(w)
    L = np.dot(v, A.T @ (A @ v))
    x = x0.copy()
    for it in range(GD_STEPS):
        g = A.T @ (A @ x - b)
        gn = np.linalg.norm(g)
        if gn < GD_STOP:
            break
        if gn > clip:
            g = g * (clip / gn)
        x = x - g / L
    return np.sum(np.abs(A @ x - b)) / m


def svr_kernel(X, y, alpha, bias, gamma, eps):
    """Epsilon-insensitive support vector regression loss of a kernel
    expansion with a Gaussian kernel built from squared distances (Gram
    trick, clamped at zero), plus the RKHS norm of the expansion."""
    sq = np.sum(X * X, axis=1)
    D = sq[:, None] + sq[None, :] - 2.0 * (X @ X.T)
    K = np.exp(-gamma * np.maximum(D, 0.0))
    f = K @ alpha + bias
    loss = np.maximum(np.abs(f - y) - eps, 0.0)
    return SVR_C * np.mean(loss) + 0.5 * np.dot(alpha, K @ alpha)


# ------------------------------------------------------------ argument makers


def _away(x, gap):
    # push entries of x out of (-gap, gap)
    return np.where(np.abs(x) < gap, np.sign(x) * gap + x, x)


def _nnls(n, rng):
    m = 2 * n
    A = rng.standard_normal((m, n))
    x_true = _away(rng.standard_normal(n), 0.2)
    b = A @ x_true + 0.1 * rng.standard_normal(m)
    x0 = _away(rng.uniform(-0.5, 1.0, n), 0.1)
    return (A, b, x0, 0.05 + rng.uniform(-0.01, 0.01))


def _admm(n, rng):
    m = 2 * n
    A = rng.standard_normal((m, n)) / math.sqrt(m)
    s = max(3 * n // 10, 2)
    x_true = np.zeros(n)
    x_true[rng.choice(n, s, replace=False)] = np.array([1.0, -1.0] * s)[:s] * rng.uniform(0.5, 2.0, s)
    b = A @ x_true + 0.05 * rng.standard_normal(m)
    return (A, b, 0.05 + rng.uniform(-0.005, 0.005), 1.0 + rng.uniform(-0.1, 0.1))


def _tv(n, rng):
    k = 6
    cuts = np.sort(rng.choice(np.arange(1, n), k - 1, replace=False))
    levels = rng.uniform(-2.0, 2.0, k)
    clean = levels[np.searchsorted(cuts, np.arange(n), side="right")]
    y = clean + 0.15 * rng.standard_normal(n)
    target = clean + 0.02 * rng.standard_normal(n)
    return (y, 0.3 + rng.uniform(-0.03, 0.03), target)


def _iht(n, rng):
    m = max(n // 2 + 4, 8)
    A = rng.standard_normal((m, n)) / math.sqrt(m)
    s = max(n // 8, 2)
    x_true = np.zeros(n)
    idx = rng.choice(n, s, replace=False)
    x_true[idx] = rng.choice([-1.0, 1.0], s) * rng.uniform(0.8, 1.5, s)
    b = A @ x_true + 0.02 * rng.standard_normal(m)
    mu = 0.9 / np.linalg.norm(A, 2) ** 2
    return (A, b, mu * (1.0 + rng.uniform(-0.02, 0.02)), 0.1 + rng.uniform(-0.01, 0.01))


def _gmed(n, rng):
    d = 3
    P = rng.standard_normal((n, d))
    w = rng.uniform(0.5, 1.5, n)
    P[0] = np.mean(P[1:], axis=0) + 0.2 * rng.standard_normal(d)
    w[0] = 0.5 * np.sum(w[1:])
    return (P, w, 0.5 * rng.standard_normal(d))


def _pegasos(n, rng):
    d = 5
    X = rng.standard_normal((n, d))
    teacher = rng.standard_normal(d)
    y = np.where(X @ teacher + 0.5 * rng.standard_normal(n) > 0.0, 1, -1)
    return (X, y, 0.3 + rng.uniform(-0.02, 0.02), 0.1 * rng.standard_normal(d))


def _kmed(n, rng):
    k, d = 3, 2
    centres = 3.0 * rng.standard_normal((k, d))
    X = centres[rng.integers(0, k, n)] + rng.standard_normal((n, d))
    return (X, centres + 0.5 * rng.standard_normal((k, d)))


def _huber(n, rng):
    X = rng.standard_normal((n, 2))
    y = 1.0 + 2.0 * X[:, 0] - X[:, 1] + 0.3 * rng.standard_normal(n)
    out = rng.uniform(0.0, 1.0, n) < 0.15
    y = y + np.where(out, 5.0 * rng.standard_normal(n), 0.0)
    return (X, y, 0.5 + rng.uniform(-0.05, 0.05))


def _mlp(n, rng):
    d, H = 3, 8
    X = rng.standard_normal((n, d))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2] + 0.05 * rng.standard_normal(n)
    return (X, y, 0.7 * rng.standard_normal((d, H)), 0.1 * rng.standard_normal(H),
            0.5 * rng.standard_normal(H), 0.05 + rng.uniform(-0.005, 0.005))


def _perceptron(n, rng):
    d = 4
    X = rng.standard_normal((n, d))
    teacher = rng.standard_normal(d)
    y = np.where(X @ teacher + 0.3 * rng.standard_normal(n) > 0.0, 1, -1)
    return (X, y, 0.1 * rng.standard_normal(d), 0.1 + rng.uniform(-0.01, 0.01))


def _simplex(n, rng):
    k = 6
    return (rng.standard_normal((n, k)), rng.uniform(0.0, 1.0, (n, k)), 0.8 + rng.uniform(-0.05, 0.05))


def _portfolio(n, rng):
    m = 5
    vol = rng.uniform(0.01, 0.03, m)
    R = 0.0003 + vol * rng.standard_normal((n, m))
    w = np.array([0.3, 0.25, 0.2, 0.15, -0.1]) + rng.uniform(-0.02, 0.02, m)
    return (R, w, 2.0 + rng.uniform(-0.2, 0.2))


def _linf(n, rng):
    k = 8
    Xc = rng.standard_normal((n, k)) * np.exp(rng.uniform(math.log(0.02), math.log(2.0), (n, 1)))
    Y = Xc + 0.05 * rng.standard_normal((n, k))
    return (Y, 1.0 + rng.uniform(-0.05, 0.05), Xc)


def _sinkhorn(n, rng):
    xs = rng.standard_normal((n, 2))
    ys = rng.standard_normal((n, 2)) + np.array([0.5, 0.0])
    xs[0] = np.array([4.0, 4.0]) + 0.1 * rng.standard_normal(2)
    C = np.sum((xs[:, None, :] - ys[None, :, :]) ** 2, axis=2)
    a = rng.uniform(0.5, 1.5, n)
    b = rng.uniform(0.5, 1.5, n)
    return (C, a / np.sum(a), b / np.sum(b), 0.5 + rng.uniform(-0.05, 0.05))


def _completion(n, rng):
    m, p, r = n, n, 3
    Us = rng.standard_normal((m, r))
    Vs = rng.standard_normal((p, r))
    nobs = max(m * p // 3, 4)
    flat = rng.choice(m * p, nobs, replace=False)
    rows, cols = flat // p, flat % p
    y = np.where(np.sum(Us[rows] * Vs[cols], axis=1) + 0.3 * rng.standard_normal(nobs) > 0.0, 1, -1)
    return (0.8 * rng.standard_normal((m, r)), 0.8 * rng.standard_normal((p, r)), rows, cols, y,
            2.0 + rng.uniform(-0.1, 0.1))


def _gradmag(n, rng):
    t = np.linspace(0.0, 1.0, n)
    img = np.sin(6.0 * t)[:, None] * np.cos(4.0 * t)[None, :] + 0.3 * rng.standard_normal((n, n))
    ph = (n - 1) // 2
    target = rng.uniform(0.1, 0.8, (ph, ph))
    return (img, target, 1.0 + rng.uniform(-0.1, 0.1))


def _contrastive(n, rng):
    d, e = 5, 3
    labels = rng.integers(0, 3, n)
    centres = 1.5 * rng.standard_normal((3, d))
    X = centres[labels] + rng.standard_normal((n, d))
    return (X, labels, 0.5 * rng.standard_normal((d, e)), 2.0 + rng.uniform(-0.1, 0.1))


def _quantile(n, rng):
    Q = 5
    X = np.empty((n, 3))
    X[:, 0] = 1.0
    X[:, 1:] = rng.standard_normal((n, 2))
    y = 1.0 + X[:, 1] - 0.5 * X[:, 2] + (0.5 + 0.3 * np.abs(X[:, 1])) * rng.standard_normal(n)
    B = 0.3 * rng.standard_normal((Q, 3))
    return (X, y, B, 0.5 + rng.uniform(-0.05, 0.05))


def _lipschitz(n, rng):
    m = 2 * n
    A = rng.standard_normal((m, n)) / math.sqrt(m)
    b = A @ rng.standard_normal(n) + 0.3 * rng.standard_normal(m)
    return (A, b, 3.0 * rng.standard_normal(n), 2.0 + rng.uniform(-0.1, 0.1))


def _svr(n, rng):
    X = rng.uniform(-2.0, 2.0, (n, 2))
    y = np.sin(X[:, 0]) * np.cos(X[:, 1]) + 0.1 * rng.standard_normal(n)
    return (X, y, 0.2 * rng.standard_normal(n), 0.05 * rng.standard_normal(), 0.8 + rng.uniform(-0.05, 0.05),
            0.1 + rng.uniform(-0.01, 0.01))


PROGRAMS = {
    "nnls_projected": Program(nnls_projected, ("A", "b", "x0", "l1"), _nnls, 8, 260),
    "admm_lasso": Program(admm_lasso, ("A", "b", "lam", "rho"), _admm, 8, 250),
    "tv_denoise": Program(tv_denoise, ("y", "lam", "target"), _tv, 40, 5000),
    "iht_recovery": Program(iht_recovery, ("A", "b", "mu", "thr"), _iht, 16, 700),
    "geometric_median": Program(geometric_median, ("P", "w", "target"), _gmed, 12, 30000),
    "pegasos_svm": Program(pegasos_svm, ("X", "lam", "w0"), _pegasos, 20, 5000),
    "kmedians": Program(kmedians, ("X", "C0"), _kmed, 20, 10000),
    "huber_irls": Program(huber_irls, ("X", "y", "delta"), _huber, 30, 10000),
    "leaky_mlp_train": Program(leaky_mlp_train, ("X", "y", "W1", "b1", "w2", "lr"), _mlp, 20, 5000),
    "averaged_perceptron": Program(averaged_perceptron, ("X", "w0", "lr"), _perceptron, 20, 5000),
    "simplex_fit": Program(simplex_fit, ("V", "C", "temp"), _simplex, 8, 3000),
    "portfolio_drawdown": Program(portfolio_drawdown, ("R", "w", "risk"), _portfolio, 60, 300000),
    "linf_prox_denoise": Program(linf_prox_denoise, ("Y", "lam", "Xc"), _linf, 8, 5000),
    "sinkhorn_clipped": Program(sinkhorn_clipped, ("C", "a", "b", "eps"), _sinkhorn, 8, 400),
    "hinge_completion": Program(hinge_completion, ("U", "V", "lr"), _completion, 8, 200),
    "gradmag_pool": Program(gradmag_pool, ("img", "target", "gain"), _gradmag, 13, 500),
    "contrastive_pairs": Program(contrastive_pairs, ("X", "W", "margin"), _contrastive, 16, 1000),
    "quantile_grid": Program(quantile_grid, ("X", "y", "B", "lr"), _quantile, 30, 20000),
    "power_clip_descent": Program(power_clip_descent, ("A", "b", "x0", "clip"), _lipschitz, 8, 300),
    "svr_kernel": Program(svr_kernel, ("X", "alpha", "bias", "gamma", "eps"), _svr, 12, 550),
}
