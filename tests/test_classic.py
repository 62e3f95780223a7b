"""Classic scalar AD/optimization test functions and the nonsmooth problems of
PROBLEMS.md (tests/programs/classic.py), written as a user would, checked

- against central finite differences at random generic points (reverse, forward
  and vjp: ``check_against_fd``), python target; a subset on the cpu target;
- against analytic derivatives where the program computes something known
  (Newton sqrt, fixed points, bisection root, Black–Scholes Greeks);
- against ``jax.grad`` of JAX transcriptions where JAX is importable;
- at the known optima x* of PROBLEMS.md: the value f*, the kink report, and
  membership of the returned vector in the Clarke generalized gradient computed
  independently here from the active pieces.
"""

from __future__ import annotations

import inspect
import math
import random
from pathlib import Path

import numpy as np
import pytest

import nsadc
from helpers import as_tuple, check_against_fd
from programs import classic as C

CLASSIC_FILE = Path(C.__file__).resolve()
SQRT2 = math.sqrt(2.0)
S = 1.0 / SQRT2

# ---------------------------------------------------------------------------
# random generic points: one (lo, hi) box per float argument; ints are fixed

CASES = [
    (C.rosenbrock, [(-2, 2), (-1, 3)]),
    (C.rosenbrock4, [(-1.5, 1.5)] * 4),
    (C.beale, [(-2, 2), (-2, 2)]),
    (C.booth, [(-10, 10), (-10, 10)]),
    (C.himmelblau, [(-5, 5), (-5, 5)]),
    (C.goldstein_price, [(-2, 2), (-2, 2)]),
    (C.six_hump_camel, [(-3, 3), (-2, 2)]),
    (C.rastrigin, [(-5.12, 5.12), (-5.12, 5.12)]),
    (C.ackley, [(-5, 5), (-5, 5)]),
    (C.styblinski_tang, [(-5, 5), (-5, 5)]),
    (C.speelpenning, [(-2, 2)] * 5),
    (C.speelpenning_loop, [(-1, 1), (-1, 1), 6]),
    (C.horner, [(-1, 1), (-1.5, 1.5), (-1, 1), 7]),
    (C.exp_taylor, [(-2, 2), 20]),
    (C.newton_sqrt, [(0.1, 50.0)]),
    (C.fixed_point, [(-1.5, 1.5), (-1, 1)]),
    (C.fixed_point_tol, [(-1.5, 1.5), (-1, 1)]),
    (C.black_scholes_call, [(80, 120), (80, 120), (0.2, 2.0), (0.0, 0.08), (0.1, 0.5)]),
    (C.logistic_map, [(2.5, 3.4), (0.1, 0.9), 12]),
    (C.ista, [(0.5, 2.0), (-2, 2), (0.05, 1.0), 30]),
    (C.ista_2d, [(-2, 2), (-2, 2), (0.05, 0.8), 40]),
    (C.huber, [(-2, 2), (0.1, 1.5)]),
    (C.huber_fit, [(0, 3), (-1, 1), (0.1, 1.0)]),
    (C.interp_linear, [(-0.5, 4.5)] + [(-2, 2)] * 4),
    (C.bisection_root, [(0.1, 3.0)]),
    (C.relu_net, [(-2, 2)] + [(-1.5, 1.5)] * 6),
    (C.hardtanh_rnn, [(-1.5, 1.5), (-2, 2), (-1.5, 1.5), 8]),
    (C.smooth_max, [(-1, 1), (-1, 1), (-1, 1), (0.1, 1.0)]),
    (C.cb2, [(-2, 3), (-2, 3)]),
    (C.cb3, [(-2, 3), (-2, 3)]),
    (C.dem, [(-3, 3), (-3, 3)]),
    (C.ql, [(-2, 4), (-2, 4)]),
    (C.lq, [(-2, 2), (-2, 2)]),
    (C.mifflin1, [(-1.5, 1.5), (-1.5, 1.5)]),
    (C.mifflin2, [(-1.5, 1.5), (-1.5, 1.5)]),
    (C.crescent, [(-2, 2), (-2, 2)]),
    (C.crescent_if, [(-2, 2), (-2, 2)]),
    (C.rosen_suzuki, [(-3, 3)] * 4),
    (C.nesterov_cheb_rosen1, [(-1.5, 1.5)] * 4),
    (C.nesterov_cheb_rosen2, [(-1.5, 1.5)] * 4),
    (C.chained_lq, [(-2, 2)] * 4),
]
N_POINTS = 4

# known nsadc bugs: name -> pytest.mark.xfail(strict=True, reason="bug: ...") (none open)
KNOWN_BUGS: dict = {}


def params(cases):
    return [pytest.param(f, spec, id=f.__name__, marks=KNOWN_BUGS.get(f.__name__, ())) for f, spec in cases]

# programs whose finite differences are less accurate (large values, long loops)
LOOSE = {"goldstein_price", "logistic_map", "black_scholes_call", "newton_sqrt",
         "fixed_point", "fixed_point_tol", "ista", "ista_2d"}


_DIFFERENTIATED: dict = {}


def diff(fn, kinks=None, target="python"):
    """nsadc.differentiate, shared between the tests of this module (each
    compile costs ~0.1 s; the same program is checked several ways)."""
    key = (fn, kinks, target)
    if key not in _DIFFERENTIATED:
        _DIFFERENTIATED[key] = nsadc.differentiate(fn, target=target, kinks=kinks)
    return _DIFFERENTIATED[key]


def sample(spec, rng):
    return tuple(rng.uniform(*s) if isinstance(s, tuple) else s for s in spec)


def points(fn, spec, n=N_POINTS):
    rng = random.Random(f"classic-{fn.__name__}")
    return [sample(spec, rng) for _ in range(n)]


def tolerances(fn, args):
    scale = max(1.0, abs(fn(*args)))
    if fn.__name__ in LOOSE:
        return dict(rtol=1e-4, atol=1e-6 * scale)
    return dict(rtol=1e-5, atol=1e-7 * scale)


@pytest.mark.parametrize("fn,spec", params(CASES))
def test_classic_matches_finite_differences(fn, spec):
    d = diff(fn)
    for args in points(fn, spec):
        check_against_fd(d, fn, args, **tolerances(fn, args))
        assert d(*args) == pytest.approx(fn(*args), rel=1e-13, abs=1e-13)


CPU_SUBSET = {"hardtanh_rnn", "rosenbrock4", "goldstein_price", "ackley", "horner", "newton_sqrt", "black_scholes_call",
              "ista_2d", "huber_fit", "interp_linear", "bisection_root", "relu_net", "smooth_max",
              "cb3", "dem", "rosen_suzuki", "nesterov_cheb_rosen2", "chained_lq"}


@pytest.mark.slow
@pytest.mark.parametrize("fn,spec", params(c for c in CASES if c[0].__name__ in CPU_SUBSET))
def test_classic_cpu_target(fn, spec):
    d = nsadc.differentiate(fn, target="cpu")
    ref = diff(fn)
    for args in points(fn, spec, 2):
        g = check_against_fd(d, fn, args, **tolerances(fn, args))
        np.testing.assert_allclose(g, as_tuple(ref.grad(*args)), rtol=1e-12, atol=1e-12)
        assert d(*args) == pytest.approx(fn(*args), rel=1e-13, abs=1e-13)


# ---------------------------------------------------------------------------
# derivatives known in closed form


def test_newton_sqrt_derivative_is_that_of_sqrt():
    d = diff(C.newton_sqrt)
    for a in (0.3, 2.0, 7.5, 123.0):
        assert d(a) == pytest.approx(math.sqrt(a), rel=1e-14)
        assert d.grad(a) == pytest.approx(0.5 / math.sqrt(a), rel=1e-10)


@pytest.mark.parametrize("fn", [C.fixed_point, C.fixed_point_tol], ids=lambda f: f.__name__)
def test_fixed_point_derivative_is_the_implicit_one(fn):
    d = diff(fn)
    for a, b in ((0.8, 0.3), (-1.2, 0.5), (1.4, -0.6)):
        x = d(a, b)
        assert x == pytest.approx(0.5 * math.cos(a * x) + b, abs=1e-14)
        denom = 1.0 + 0.5 * a * math.sin(a * x)
        ga, gb = d.grad(a, b)
        assert ga == pytest.approx(-0.5 * x * math.sin(a * x) / denom, rel=1e-9, abs=1e-12)
        assert gb == pytest.approx(1.0 / denom, rel=1e-9)


def test_bisection_root_derivative_via_selected_branch():
    """The bracket is built by branches; the final secant step carries the
    parameter, so the selection derivative is the implicit-function one."""
    d = diff(C.bisection_root)
    for p in (0.2, 0.8, 1.7, 2.9):
        r = d(p)
        assert r ** 3 + p * r - 1.0 == pytest.approx(0.0, abs=1e-14)
        assert d.grad(p) == pytest.approx(-r / (3 * r * r + p), rel=1e-7)


def test_plain_bisection_has_zero_selection_derivative():
    """Plain bisection is piecewise constant in p (jumps of one bracket width):
    the selection derivative is 0 there, and finite differences are not a valid
    reference (they see the staircase's envelope)."""
    d = diff(C.bisection_plain)
    for p in (0.3, 0.8, 2.2):
        assert d(p) == C.bisection_plain(p)
        assert d.grad(p) == 0.0
        value, dot = d.jvp((p,), (1.0,))
        assert dot == 0.0


def test_black_scholes_greeks():
    d = diff(C.black_scholes_call)
    s, k, t, r, sigma = 105.0, 100.0, 0.75, 0.03, 0.22
    d1 = (math.log(s / k) + (r + 0.5 * sigma ** 2) * t) / (sigma * math.sqrt(t))
    d2 = d1 - sigma * math.sqrt(t)
    cdf = lambda z: 0.5 * (1 + math.erf(z / SQRT2))  # noqa: E731
    pdf = lambda z: math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)  # noqa: E731
    delta = cdf(d1)
    dk = -math.exp(-r * t) * cdf(d2)
    theta_t = s * pdf(d1) * sigma / (2 * math.sqrt(t)) + r * k * math.exp(-r * t) * cdf(d2)  # dC/dT
    rho = k * t * math.exp(-r * t) * cdf(d2)
    vega = s * pdf(d1) * math.sqrt(t)
    np.testing.assert_allclose(d.grad(s, k, t, r, sigma), (delta, dk, theta_t, rho, vega), rtol=1e-12)


def test_exp_taylor_derivative():
    d = diff(C.exp_taylor)
    for x in (-1.3, 0.2, 1.9):
        assert d.grad(x, 25) == pytest.approx(math.exp(x), rel=1e-13)


def test_speelpenning_gradient():
    d = diff(C.speelpenning)
    xs = (0.5, 1.2, -0.7, 1.4, 0.9)
    expected = [math.prod(xs[:i] + xs[i + 1:]) for i in range(5)]
    np.testing.assert_allclose(d.grad(*xs), expected, rtol=1e-15)


# ---------------------------------------------------------------------------
# known optima (PROBLEMS.md and the usual tables)

OPTIMA = [
    (C.rosenbrock, (1.0, 1.0), 0.0, 0.0, True),
    (C.rosenbrock4, (1.0, 1.0, 1.0, 1.0), 0.0, 0.0, True),
    (C.beale, (3.0, 0.5), 0.0, 0.0, True),
    (C.booth, (1.0, 3.0), 0.0, 0.0, True),
    (C.himmelblau, (3.0, 2.0), 0.0, 0.0, True),
    (C.goldstein_price, (0.0, -1.0), 3.0, 1e-12, True),
    (C.six_hump_camel, (0.0898, -0.7126), -1.0316, 1e-4, False),
    (C.rastrigin, (0.0, 0.0), 0.0, 0.0, True),
    (C.ackley, (0.0, 0.0), 0.0, 1e-14, False),  # a cone point: sqrt at 0
    (C.styblinski_tang, (-2.903534, -2.903534), -78.33233, 1e-4, False),
    (C.cb2, (1.139286, 0.899365), 1.9522245, 1e-5, False),  # x* given to 6 digits,
    (C.cb3, (1.0, 1.0), 2.0, 0.0, False),
    (C.dem, (0.0, -3.0), -3.0, 0.0, False),
    (C.ql, (1.2, 2.4), 7.2, 1e-12, False),
    (C.lq, (S, S), -SQRT2, 1e-15, False),
    (C.mifflin1, (1.0, 0.0), -1.0, 0.0, False),
    (C.mifflin2, (1.0, 0.0), -1.0, 0.0, False),
    (C.crescent, (0.0, 0.0), 0.0, 0.0, False),
    (C.crescent_if, (0.0, 0.0), 0.0, 0.0, False),
    (C.rosen_suzuki, (0.0, 1.0, 2.0, -1.0), -44.0, 0.0, False),
    (C.nesterov_cheb_rosen1, (1.0, 1.0, 1.0, 1.0), 0.0, 0.0, False),
    (C.nesterov_cheb_rosen2, (1.0, 1.0, 1.0, 1.0), 0.0, 0.0, False),
    (C.chained_lq, (S, S, S, S), -3 * SQRT2, 1e-14, False),
]


@pytest.mark.parametrize("fn,x,fstar,tol,stationary", OPTIMA, ids=[o[0].__name__ for o in OPTIMA])
def test_known_optimum(fn, x, fstar, tol, stationary):
    d = diff(fn)
    assert fn(*x) == pytest.approx(fstar, abs=tol)
    assert d(*x) == fn(*x)
    if stationary:  # smooth minimizer: the gradient vanishes, and no kink is met
        g, rep = d.grad(*x, report=True)
        np.testing.assert_allclose(as_tuple(g), 0.0, atol=1e-12)
        assert rep.exact


# ---------------------------------------------------------------------------
# at kinks: report and Clarke generalized gradient


def in_convex_hull(G, g, tol=1e-9):
    """min ||G^T λ - g|| over λ ≥ 0, Σλ = 1 (the sum as a heavily weighted row)."""
    from scipy.optimize import nnls

    G = np.atleast_2d(np.asarray(G, dtype=float))
    w = 1e3
    A = np.vstack([G.T, w * np.ones(G.shape[0])])
    b = np.concatenate([np.asarray(g, dtype=float), [w]])
    lam, res = nnls(A, b)
    return res <= tol * max(1.0, np.abs(G).max()), lam


def in_zonotope(center, G, g, tol=1e-9):
    """g ∈ center + {Σ t_i G_i : t_i ∈ [-1, 1]} (a sum of |·| terms' Clarke sets)."""
    from scipy.optimize import lsq_linear

    G = np.atleast_2d(np.asarray(G, dtype=float))
    r = lsq_linear(G.T, np.asarray(g, dtype=float) - np.asarray(center, dtype=float), bounds=(-1, 1),
                   method="bvls")
    return np.linalg.norm(G.T @ r.x - (np.asarray(g) - np.asarray(center))) <= tol * max(1.0, np.abs(G).max())


def _active(values, grads):
    m = max(values)
    return [gr for v, gr in zip(values, grads) if v == m]


def clarke_cb3(x1, x2):
    e = 2 * math.exp(-x1 + x2)
    vals = [x1 ** 4 + x2 ** 2, (2 - x1) ** 2 + (2 - x2) ** 2, e]
    grads = [(4 * x1 ** 3, 2 * x2), (-2 * (2 - x1), -2 * (2 - x2)), (-e, e)]
    return "hull", _active(vals, grads)


def clarke_dem(x1, x2):
    vals = [5 * x1 + x2, -5 * x1 + x2, x1 * x1 + x2 * x2 + 4 * x2]
    grads = [(5, 1), (-5, 1), (2 * x1, 2 * x2 + 4)]
    return "hull", _active(vals, grads)


def clarke_crescent(x1, x2):
    vals = [x1 ** 2 + (x2 - 1) ** 2 + x2 - 1, -x1 ** 2 - (x2 - 1) ** 2 + x2 + 1]
    grads = [(2 * x1, 2 * (x2 - 1) + 1), (-2 * x1, -2 * (x2 - 1) + 1)]
    return "hull", _active(vals, grads)


def clarke_mifflin1(x1, x2):
    vals = [-x1 + 20 * (x1 ** 2 + x2 ** 2 - 1), -x1]
    grads = [(-1 + 40 * x1, 40 * x2), (-1, 0)]
    return "hull", _active(vals, grads)


def clarke_rosen_suzuki(x1, x2, x3, x4):
    g1 = np.array([2 * x1 - 5, 2 * x2 - 5, 4 * x3 - 21, 2 * x4 + 7])
    vals = [0.0,
            x1 ** 2 + x2 ** 2 + x3 ** 2 + x4 ** 2 + x1 - x2 + x3 - x4 - 8,
            x1 ** 2 + 2 * x2 ** 2 + x3 ** 2 + 2 * x4 ** 2 - x1 - x4 - 10,
            x1 ** 2 + x2 ** 2 + x3 ** 2 + 2 * x1 - x2 - x4 - 5]
    grads = [np.zeros(4),
             np.array([2 * x1 + 1, 2 * x2 - 1, 2 * x3 + 1, 2 * x4 - 1]),
             np.array([2 * x1 - 1, 4 * x2, 2 * x3, 4 * x4 - 1]),
             np.array([2 * x1 + 2, 2 * x2 - 1, 2 * x3, -1.0])]
    return "hull", [g1 + 10 * gr for gr in _active(vals, grads)]


def clarke_mifflin2(x1, x2):
    r = x1 ** 2 + x2 ** 2 - 1
    assert r == 0.0
    return "zonotope", (-1 + 4 * x1, 4 * x2), [(1.75 * 2 * x1, 1.75 * 2 * x2)]


def clarke_ncr1(x1, x2, x3, x4):
    xs = (x1, x2, x3, x4)
    center = np.array([0.5 * (x1 - 1), 0, 0, 0])
    gens = []
    for i in range(3):
        gi = np.zeros(4)
        gi[i], gi[i + 1] = -4 * xs[i], 1.0
        if xs[i + 1] - 2 * xs[i] ** 2 + 1 == 0:
            gens.append(gi)
        else:
            center += math.copysign(1.0, xs[i + 1] - 2 * xs[i] ** 2 + 1) * gi
    return "zonotope", center, gens


def clarke_ncr2(x1, x2, x3, x4):
    xs = (x1, x2, x3, x4)
    assert all(x > 0 for x in xs) and x1 == 1.0
    gens = [np.array([0.25, 0, 0, 0])]
    for i in range(3):
        assert xs[i + 1] - 2 * xs[i] + 1 == 0
        gi = np.zeros(4)
        gi[i], gi[i + 1] = -2.0, 1.0
        gens.append(gi)
    return "zonotope", np.zeros(4), gens


def clarke_interp(x, y0, y1, y2, y3):
    assert x == 1.0
    return "hull", [(y1 - y0, 0, 1, 0, 0), ((y2 - y1) / 1.5, 0, 1, 0, 0)]


def clarke_relu_net(x, w1, w2, w3, v1, v2, v3):
    """All three pre-activations are 0: every on/off pattern is essentially
    active, and the Clarke set is the hull of the 8 patterns' gradients."""
    zs = (w1 * x + 0.1, w2 * x - 0.3, w3 * x + 0.2)
    assert zs == (0.0, 0.0, 0.0)
    ws, vs = (w1, w2, w3), (v1, v2, v3)
    grads = []
    for pattern in range(8):
        on = [(pattern >> i) & 1 for i in range(3)]
        h = [on[i] * zs[i] for i in range(3)]
        out = sum(vs[i] * h[i] for i in range(3)) + 0.05
        dout = np.zeros(7)  # d out / d (x, w1, w2, w3, v1, v2, v3)
        for i in range(3):
            if on[i]:
                dout[0] += vs[i] * ws[i]
                dout[1 + i] += vs[i] * x
                dout[4 + i] += h[i]
        grads.append(2 * (out - 0.7) * dout)
    return "hull", grads


# (fn, x*, Clarke set, text the kink sites' source must start with)
KINK_CASES = [
    (C.cb3, (1.0, 1.0), clarke_cb3, ("max(",)),
    (C.dem, (0.0, -3.0), clarke_dem, ("np.maximum(",)),
    (C.crescent, (0.0, 0.0), clarke_crescent, ("max(",)),
    (C.crescent_if, (0.0, 0.0), clarke_crescent, ("f1 >= f2",)),
    (C.mifflin1, (1.0, 0.0), clarke_mifflin1, ("max(",)),
    (C.mifflin2, (1.0, 0.0), clarke_mifflin2, ("abs(",)),
    (C.rosen_suzuki, (0.0, 1.0, 2.0, -1.0), clarke_rosen_suzuki, ("max(",)),
    (C.nesterov_cheb_rosen1, (1.0, 1.0, 1.0, 1.0), clarke_ncr1, ("abs(",)),
    (C.nesterov_cheb_rosen2, (1.0, 1.0, 1.0, 1.0), clarke_ncr2, ("abs(",)),
    (C.interp_linear, (1.0, 0.2, 1.1, -0.3, 0.8), clarke_interp, ("x <= 1.0",)),
    (C.relu_net, (1.0, -0.1, 0.3, -0.2, 0.5, -0.8, 1.3), clarke_relu_net, ("max(", "np.maximum(")),
]


def in_clarke_set(clarke, g):
    kind, *data = clarke
    if kind == "hull":
        ok, _ = in_convex_hull(data[0], g)
        return ok
    return in_zonotope(data[0], data[1], g)


def check_kink_sites(rep, starts):
    lines = CLASSIC_FILE.read_text().splitlines()
    assert rep.kinks, "a kink was met but none is named"
    for hit in rep.kinks:
        path, line, col = hit.location.rsplit(":", 2)
        assert Path(path).resolve() == CLASSIC_FILE, hit.location
        text = lines[int(line) - 1][int(col) - 1:]
        assert text.startswith(starts), f"{hit.location} points at {text!r}"


@pytest.mark.parametrize("kinks", [None, "jax"])
@pytest.mark.parametrize("fn,x,clarke,starts", KINK_CASES, ids=[c[0].__name__ for c in KINK_CASES])
def test_kink_point_report_and_clarke_membership(fn, x, clarke, starts, kinks):
    d = diff(fn, kinks)
    g, rep = d.grad(*x, report=True)
    assert not rep.exact
    check_kink_sites(rep, starts)
    assert in_clarke_set(clarke(*x), as_tuple(g)), f"{as_tuple(g)} is outside the Clarke set"
    # forward mode applies the same selections: its directional derivatives agree
    n = len(x)
    for k in range(n):
        _, dot = d.jvp(x, [float(j == k) for j in range(n)])
        assert dot == pytest.approx(as_tuple(g)[k], rel=1e-12, abs=1e-12)


def test_min_norm_max_shares_tied_pieces_equally():
    """The default policy's value at exact ties, worked out by hand."""
    g = diff(C.cb3).grad(1.0, 1.0)
    np.testing.assert_allclose(g, np.mean([(4, 2), (-2, -2), (-2, 2)], axis=0), atol=1e-15)
    g = diff(C.crescent).grad(0.0, 0.0)
    np.testing.assert_allclose(g, (0.0, 1.0), atol=1e-15)


def test_smooth_max_is_exact_through_a_tied_max():
    """log-sum-exp is smooth although it calls max: whatever max's selection at
    a tie, the shift cancels and the gradient is the softmax."""
    for kinks in (None, "jax"):
        d = diff(C.smooth_max, kinks)
        g, rep = d.grad(0.4, 0.4, 0.4, 0.3, report=True)
        assert not rep.exact and rep.kinks[0].primitive == "max"
        np.testing.assert_allclose(g, (1 / 3, 1 / 3, 1 / 3, math.log(3.0)), rtol=1e-14)


def test_huber_is_c1_at_the_switch():
    d = diff(C.huber)
    for r in (0.5, -0.5):
        g, rep = d.grad(r, 0.5, report=True)
        assert not rep.exact  # the branch condition is met with equality
        np.testing.assert_allclose(g, (r, 0.0), atol=1e-15)


def test_generic_points_are_exact():
    d = diff(C.cb3)
    _, rep = d.grad(1.3, 0.7, report=True)
    assert rep.exact and rep.kinks == []


# ---------------------------------------------------------------------------
# JAX transcriptions


@pytest.fixture(scope="module")
def jax_mods():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    return jax, jnp


def jax_transcriptions(jnp):
    def jmax(*a):
        return jnp.max(jnp.stack([jnp.asarray(v, dtype=jnp.float64) for v in a]))

    def rosenbrock(x, y):
        return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2

    def beale(x, y):
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2

    def booth(x, y):
        return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2

    def himmelblau(x, y):
        return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2

    def goldstein_price(x, y):
        a = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x ** 2 - 14 * y + 6 * x * y + 3 * y ** 2)
        b = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x ** 2 + 48 * y - 36 * x * y + 27 * y ** 2)
        return a * b

    def six_hump_camel(x, y):
        return (4 - 2.1 * x ** 2 + x ** 4 / 3) * x ** 2 + x * y + (-4 + 4 * y ** 2) * y ** 2

    def rastrigin(x, y):
        return 20 + x ** 2 - 10 * jnp.cos(2 * jnp.pi * x) + y ** 2 - 10 * jnp.cos(2 * jnp.pi * y)

    def ackley(x, y):
        return (-20 * jnp.exp(-0.2 * jnp.sqrt(0.5 * (x ** 2 + y ** 2)))
                - jnp.exp(0.5 * (jnp.cos(2 * jnp.pi * x) + jnp.cos(2 * jnp.pi * y))) + jnp.e + 20)

    def styblinski_tang(x, y):
        return 0.5 * (x ** 4 - 16 * x ** 2 + 5 * x + y ** 4 - 16 * y ** 2 + 5 * y)

    def cb2(x1, x2):
        return jmax(x1 ** 2 + x2 ** 4, (2 - x1) ** 2 + (2 - x2) ** 2, 2 * jnp.exp(-x1 + x2))

    def cb3(x1, x2):
        return jmax(x1 ** 4 + x2 ** 2, (2 - x1) ** 2 + (2 - x2) ** 2, 2 * jnp.exp(-x1 + x2))

    def dem(x1, x2):
        return jnp.maximum(jnp.maximum(5 * x1 + x2, -5 * x1 + x2), x1 ** 2 + x2 ** 2 + 4 * x2)

    def crescent(x1, x2):
        return jnp.maximum(x1 ** 2 + (x2 - 1) ** 2 + x2 - 1, -x1 ** 2 - (x2 - 1) ** 2 + x2 + 1)

    def mifflin1(x1, x2):
        return -x1 + 20 * jnp.maximum(x1 ** 2 + x2 ** 2 - 1, 0.0)

    def mifflin2(x1, x2):
        r = x1 ** 2 + x2 ** 2 - 1
        return -x1 + 2 * r + 1.75 * jnp.abs(r)

    def rosen_suzuki(x1, x2, x3, x4):
        f1 = x1 ** 2 + x2 ** 2 + 2 * x3 ** 2 + x4 ** 2 - 5 * x1 - 5 * x2 - 21 * x3 + 7 * x4
        f2 = x1 ** 2 + x2 ** 2 + x3 ** 2 + x4 ** 2 + x1 - x2 + x3 - x4 - 8
        f3 = x1 ** 2 + 2 * x2 ** 2 + x3 ** 2 + 2 * x4 ** 2 - x1 - x4 - 10
        f4 = x1 ** 2 + x2 ** 2 + x3 ** 2 + 2 * x1 - x2 - x4 - 5
        return f1 + 10 * jmax(0.0, f2, f3, f4)

    def nesterov_cheb_rosen1(x1, x2, x3, x4):
        return (0.25 * (x1 - 1) ** 2 + jnp.abs(x2 - 2 * x1 ** 2 + 1)
                + jnp.abs(x3 - 2 * x2 ** 2 + 1) + jnp.abs(x4 - 2 * x3 ** 2 + 1))

    return {f.__name__: f for f in (rosenbrock, beale, booth, himmelblau, goldstein_price, six_hump_camel,
                                    rastrigin, ackley, styblinski_tang, cb2, cb3, dem, crescent, mifflin1,
                                    mifflin2, rosen_suzuki, nesterov_cheb_rosen1)}


JAX_GENERIC = ["rosenbrock", "beale", "booth", "himmelblau", "goldstein_price", "six_hump_camel", "rastrigin",
               "ackley", "styblinski_tang", "cb2", "cb3", "dem", "crescent"]


@pytest.mark.parametrize("name", JAX_GENERIC)
def test_matches_jax_at_generic_points(name, jax_mods):
    jax, jnp = jax_mods
    jfn = jax_transcriptions(jnp)[name]
    fn = getattr(C, name)
    spec = dict(CASES)[fn]
    d = diff(fn)
    pts = points(fn, spec, 4)
    batch = [jnp.asarray(col, dtype=jnp.float64) for col in zip(*pts)]
    values, grads = jax.vmap(jax.value_and_grad(jfn, argnums=tuple(range(len(spec)))))(*batch)
    for i, args in enumerate(pts):
        expected = [float(gk[i]) for gk in grads]
        np.testing.assert_allclose(as_tuple(d.grad(*args)), expected, rtol=1e-12, atol=1e-12 * max(1, abs(fn(*args))))
        assert d(*args) == pytest.approx(float(values[i]), rel=1e-13, abs=1e-13)


JAX_KINKS = [("cb3", (1.0, 1.0)), ("dem", (0.0, -3.0)), ("crescent", (0.0, 0.0)), ("mifflin1", (1.0, 0.0)),
             ("mifflin2", (1.0, 0.0)), ("rosen_suzuki", (0.0, 1.0, 2.0, -1.0)),
             ("nesterov_cheb_rosen1", (1.0, 1.0, 1.0, 1.0))]


@pytest.mark.parametrize("name,x", JAX_KINKS, ids=[k[0] for k in JAX_KINKS])
def test_jax_policy_matches_jax_at_kinks(name, x, jax_mods):
    """kinks="jax" reproduces jax.grad at exact ties (jnp.maximum shares 1/2,
    jnp.max over a stack shares equally, jnp.abs'(0) = 1)."""
    jax, jnp = jax_mods
    jfn = jax_transcriptions(jnp)[name]
    d = diff(getattr(C, name), "jax")
    expected = [float(v) for v in jax.grad(jfn, argnums=tuple(range(len(x))))(*x)]
    np.testing.assert_allclose(as_tuple(d.grad(*x)), expected, rtol=1e-13, atol=1e-13)


def test_every_classic_function_is_exercised():
    tested = {f.__name__ for f, _ in CASES} | {"bisection_plain"}
    public = {n for n, f in inspect.getmembers(C, inspect.isfunction)
              if not n.startswith("_") and f.__module__ == C.__name__}
    assert public - tested <= {"relu"}, public - tested  # relu is relu_net's helper
