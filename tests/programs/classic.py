"""Classic scalar test functions of optimization and AD tools, written the way a
numerical user would write them (scalar arguments, plain math, loops over
range, helper functions), plus the scalar versions of the nonsmooth problems of
PROBLEMS.md (Lukšan & Vlček and friends).

Nothing here is written for nsadc: the tests differentiate these functions and
compare with finite differences, JAX and the Clarke generalized gradient."""

import math

import numpy as np

# ---------------------------------------------------------------------------
# smooth classics


def rosenbrock(x, y):
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def _rosen_term(a, b):
    return 100.0 * (b - a ** 2) ** 2 + (1.0 - a) ** 2


def rosenbrock4(x1, x2, x3, x4):
    """The extended Rosenbrock function in four scalar variables."""
    total = _rosen_term(x1, x2)
    total += _rosen_term(x2, x3)
    total += _rosen_term(x3, x4)
    return total


def beale(x, y):
    return ((1.5 - x + x * y) ** 2
            + (2.25 - x + x * y ** 2) ** 2
            + (2.625 - x + x * y ** 3) ** 2)


def booth(x, y):
    return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2


def himmelblau(x, y):
    return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2


def goldstein_price(x, y):
    a = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x ** 2 - 14 * y + 6 * x * y + 3 * y ** 2)
    b = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x ** 2 + 48 * y - 36 * x * y + 27 * y ** 2)
    return a * b


def six_hump_camel(x, y):
    x2 = x * x
    y2 = y * y
    return (4.0 - 2.1 * x2 + x2 * x2 / 3.0) * x2 + x * y + (-4.0 + 4.0 * y2) * y2


def rastrigin(x, y):
    a = 10.0
    return 2 * a + (x * x - a * math.cos(2 * math.pi * x)) + (y * y - a * math.cos(2 * math.pi * y))


def ackley(x, y):
    r = math.sqrt(0.5 * (x * x + y * y))
    c = 0.5 * (math.cos(2.0 * math.pi * x) + math.cos(2.0 * math.pi * y))
    return -20.0 * math.exp(-0.2 * r) - math.exp(c) + math.e + 20.0


def styblinski_tang(x, y):
    return 0.5 * ((x ** 4 - 16 * x ** 2 + 5 * x) + (y ** 4 - 16 * y ** 2 + 5 * y))


def speelpenning(x1, x2, x3, x4, x5):
    """Speelpenning's example: the product of the inputs."""
    return x1 * x2 * x3 * x4 * x5


def speelpenning_loop(x, y, n: int):
    """Speelpenning's product of n shifted copies of the inputs, in a loop."""
    p = 1.0
    for i in range(n):
        p *= x + 0.1 * i * y
    return p


def horner(x, a, b, n: int):
    """p(x) = sum_k c_k x^k with c_k = a**k / (k + 1) + b, by Horner's rule."""
    p = 0.0
    for k in range(n, -1, -1):
        p = p * x + (a ** k / (k + 1) + b)
    return p


def exp_taylor(x, n: int):
    """exp(x) by its Taylor polynomial evaluated with Horner's rule."""
    p = 1.0
    for k in range(n, 0, -1):
        p = 1.0 + x * p / k
    return p


def newton_sqrt(a):
    """sqrt(a) by Newton's iteration, stopped on a relative residual."""
    x = a if a > 1.0 else 1.0
    while abs(x * x - a) > 1e-14 * a:
        x = 0.5 * (x + a / x)
    return x


def fixed_point(a, b):
    """The fixed point of x = 0.5 cos(a x) + b by plain iteration."""
    x = 0.0
    for _ in range(80):
        x = 0.5 * math.cos(a * x) + b
    return x


def fixed_point_tol(a, b):
    """The same fixed point, iterated until the step is small."""
    x = 0.0
    step = 1.0
    k = 0
    while step > 1e-15 and k < 500:
        x_new = 0.5 * math.cos(a * x) + b
        step = abs(x_new - x)
        x = x_new
        k += 1
    return x


def _norm_cdf(z):
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def black_scholes_call(s, k, t, r, sigma):
    sqrt_t = math.sqrt(t)
    d1 = (math.log(s / k) + (r + 0.5 * sigma ** 2) * t) / (sigma * sqrt_t)
    d2 = d1 - sigma * sqrt_t
    return s * _norm_cdf(d1) - k * math.exp(-r * t) * _norm_cdf(d2)


def logistic_map(r, x0, n: int):
    x = x0
    for _ in range(n):
        x = r * x * (1.0 - x)
    return x


# ---------------------------------------------------------------------------
# nonsmooth user code


def _soft_threshold(z, tau):
    if z > tau:
        return z - tau
    elif z < -tau:
        return z + tau
    else:
        return 0.0


def ista(a, b, lam, n: int):
    """Proximal gradient (ISTA) for min_x 0.5 (a x - b)^2 + lam |x|."""
    step = 1.0 / (a * a)
    x = 0.0
    for _ in range(n):
        z = x - step * a * (a * x - b)
        x = _soft_threshold(z, step * lam)
    return x


def ista_2d(b1, b2, lam, n: int):
    """ISTA on a 2-variable lasso with a fixed coupling matrix; soft
    thresholding written with copysign and max."""
    x1 = 0.0
    x2 = 0.0
    t = 0.4
    for _ in range(n):
        r1 = 1.0 * x1 + 0.5 * x2 - b1
        r2 = 0.3 * x1 + 1.2 * x2 - b2
        z1 = x1 - t * (1.0 * r1 + 0.3 * r2)
        z2 = x2 - t * (0.5 * r1 + 1.2 * r2)
        x1 = math.copysign(max(abs(z1) - t * lam, 0.0), z1)
        x2 = np.sign(z2) * np.maximum(abs(z2) - t * lam, 0.0)
    return x1 * x1 + x2


def huber(r, delta):
    if abs(r) <= delta:
        return 0.5 * r * r
    return delta * (abs(r) - 0.5 * delta)


def huber_fit(w, c, delta):
    """Huber loss of a line w*t + c on 8 fixed noisy points."""
    loss = 0.0
    for i in range(8):
        t = 0.3 * i
        y = 1.5 * t - 0.4 + 0.8 * math.sin(3.0 * i)
        loss += huber(w * t + c - y, delta)
    return loss / 8


def interp_linear(x, y0, y1, y2, y3):
    """Piecewise-linear interpolation through (0,y0), (1,y1), (2.5,y2), (4,y3),
    constant outside."""
    if x <= 0.0:
        return y0
    elif x <= 1.0:
        return y0 + (y1 - y0) * x
    elif x <= 2.5:
        return y1 + (y2 - y1) * (x - 1.0) / 1.5
    elif x <= 4.0:
        return y2 + (y3 - y2) * (x - 2.5) / 1.5
    else:
        return y3


def _cubic(t, p):
    return t ** 3 + p * t - 1.0


def bisection_root(p):
    """The root of t^3 + p t - 1 on [0, 2] by bisection, refined by one secant
    step on the final bracket: the secant step carries the derivative."""
    lo = 0.0
    hi = 2.0
    while hi - lo > 1e-9:
        mid = 0.5 * (lo + hi)
        if _cubic(mid, p) > 0.0:
            hi = mid
        else:
            lo = mid
    f_lo = _cubic(lo, p)
    f_hi = _cubic(hi, p)
    return lo - f_lo * (hi - lo) / (f_hi - f_lo)


def bisection_plain(p):
    """Plain bisection: the midpoint depends on p only through the branches
    taken, so its selection derivative is 0 (a piecewise-constant program)."""
    lo = 0.0
    hi = 2.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if _cubic(mid, p) > 0.0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


def relu(z):
    return max(z, 0.0)


def relu_net(x, w1, w2, w3, v1, v2, v3):
    """A one-hidden-layer ReLU network with 3 scalar units, squared error."""
    h1 = relu(w1 * x + 0.1)
    h2 = relu(w2 * x - 0.3)
    h3 = np.maximum(0.0, w3 * x + 0.2)
    out = v1 * h1 + v2 * h2 + v3 * h3 + 0.05
    return (out - 0.7) ** 2


def hardtanh_rnn(w, u, v, n: int):
    """A scalar recurrent unit with a hard-tanh activation written with if/elif."""
    h = 0.0
    for k in range(n):
        pre = w * h + u * math.sin(0.7 * k) + 0.1
        if pre > 1.0:
            a = 1.0
        elif pre < -1.0:
            a = -1.0
        else:
            a = pre
        h = v * a
    return h


def smooth_max(x, y, z, t):
    """log-sum-exp smooth maximum, shifted by the max for stability."""
    m = max(x, y, z)
    s = math.exp((x - m) / t) + math.exp((y - m) / t) + math.exp((z - m) / t)
    return m + t * math.log(s)


# ---------------------------------------------------------------------------
# PROBLEMS.md: Lukšan & Vlček nonsmooth test problems, scalar versions


def cb2(x1, x2):
    return max(x1 ** 2 + x2 ** 4, (2 - x1) ** 2 + (2 - x2) ** 2, 2 * math.exp(-x1 + x2))


def cb3(x1, x2):
    return max(x1 ** 4 + x2 ** 2, (2 - x1) ** 2 + (2 - x2) ** 2, 2 * math.exp(-x1 + x2))


def dem(x1, x2):
    f1 = 5 * x1 + x2
    f2 = -5 * x1 + x2
    f3 = x1 * x1 + x2 * x2 + 4 * x2
    return np.maximum(np.maximum(f1, f2), f3)


def ql(x1, x2):
    q = x1 ** 2 + x2 ** 2
    return max(q, q + 10 * (-4 * x1 - x2 + 4), q + 10 * (-x1 - 2 * x2 + 6))


def lq(x1, x2):
    return max(-x1 - x2, -x1 - x2 + (x1 ** 2 + x2 ** 2 - 1))


def mifflin1(x1, x2):
    return -x1 + 20 * max(x1 ** 2 + x2 ** 2 - 1, 0.0)


def mifflin2(x1, x2):
    r = x1 ** 2 + x2 ** 2 - 1
    return -x1 + 2 * r + 1.75 * abs(r)


def crescent(x1, x2):
    f1 = x1 ** 2 + (x2 - 1) ** 2 + x2 - 1
    f2 = -x1 ** 2 - (x2 - 1) ** 2 + x2 + 1
    return max(f1, f2)


def crescent_if(x1, x2):
    """Crescent with the max written as a branch."""
    f1 = x1 ** 2 + (x2 - 1) ** 2 + x2 - 1
    f2 = -x1 ** 2 - (x2 - 1) ** 2 + x2 + 1
    if f1 >= f2:
        return f1
    return f2


def rosen_suzuki(x1, x2, x3, x4):
    f1 = x1 ** 2 + x2 ** 2 + 2 * x3 ** 2 + x4 ** 2 - 5 * x1 - 5 * x2 - 21 * x3 + 7 * x4
    f2 = x1 ** 2 + x2 ** 2 + x3 ** 2 + x4 ** 2 + x1 - x2 + x3 - x4 - 8
    f3 = x1 ** 2 + 2 * x2 ** 2 + x3 ** 2 + 2 * x4 ** 2 - x1 - x4 - 10
    f4 = x1 ** 2 + x2 ** 2 + x3 ** 2 + 2 * x1 - x2 - x4 - 5
    return f1 + 10 * max(0.0, f2, f3, f4)


def nesterov_cheb_rosen1(x1, x2, x3, x4):
    return (0.25 * (x1 - 1) ** 2
            + abs(x2 - 2 * x1 ** 2 + 1)
            + abs(x3 - 2 * x2 ** 2 + 1)
            + abs(x4 - 2 * x3 ** 2 + 1))


def nesterov_cheb_rosen2(x1, x2, x3, x4):
    s = 0.25 * abs(x1 - 1)
    s += abs(x2 - 2 * abs(x1) + 1)
    s += abs(x3 - 2 * abs(x2) + 1)
    s += abs(x4 - 2 * abs(x3) + 1)
    return s


def _lq_piece(a, b):
    return max(-a - b, -a - b + a * a + b * b - 1.0)


def chained_lq(x1, x2, x3, x4):
    return _lq_piece(x1, x2) + _lq_piece(x2, x3) + _lq_piece(x3, x4)
