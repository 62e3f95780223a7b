"""The rule table's kinks, checked against hand-derived Clarke sets, and the
dot-product test of forward against reverse mode.

Rule-table units: for each primitive whose rule declares a kink with a Clarke
set (abs, max, min, clip, hypot, copysign), a small program calls it at a kink
point.  Every policy's derivative there must lie in the Clarke generalized
derivative worked out by hand below (not read from the rule table), and Clarke
mode (lexicographic derivatives along the columns of a direction matrix) must
give a gradient ``g`` with ``g · m₁ = f'(x; m₁)``, the one-sided derivative
along the first direction, also written out by hand; for these piecewise
functions the whole lexicographic gradient is known by hand too.

Dot-product test: ``⟨t, vjp(c)⟩ = ⟨jvp(t), c⟩`` for random tangents ``t`` and
cotangents ``c`` at random generic points, for scalar- and vector-output
programs (python target).
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest

import nsadc
from nsadc.rules.table import RULES
from tests.programs import vector_maps as vm

POLICIES = ("min-norm", "jax", "torch", "auto")


# ------------------------------------------------------------ programs with one kink primitive

def k_abs(x):
    return abs(x)


def k_fabs(x):
    return math.fabs(x)


def k_np_abs(x):
    return np.abs(x)


def k_max(x, y):
    return max(x, y)


def k_min(x, y):
    return min(x, y)


def k_np_maximum(x, y):
    return np.maximum(x, y)


def k_np_minimum(x, y):
    return np.minimum(x, y)


def k_max3(x, y, z):
    return max(x, y, z)


def k_min3(x, y, z):
    return min(x, y, z)


def k_relu(x):
    return max(x, 0.0)


def k_clip(x):
    return np.clip(x, -0.5, 0.5)


def k_hypot(x, y):
    return math.hypot(x, y)


def k_copysign(x, y):
    return math.copysign(x, y)


def k_np_max(x):
    return np.max(x)


def k_np_min(x):
    return np.min(x)


def k_norm(x):
    return np.linalg.norm(x)


def k_sort(x):
    s = np.sort(x)
    return s[0] + 2.0 * s[1] + 3.0 * s[2]


# ------------------------------------------------------------ Clarke sets, by hand
# Each set is given as the vertices of a polytope (a convex hull), or as the
# unit disc for hypot.

def _hull(*vertices):
    return ("hull", np.array(vertices, dtype=float))


def _in_hull(vertices: np.ndarray, g: np.ndarray, tol: float = 1e-12) -> bool:
    """Is g a convex combination of the rows of ``vertices``?  Solved exactly for
    the small cases here: least squares on [V^T; 1] λ = [g; 1], then λ ≥ 0."""
    v = np.asarray(vertices, dtype=float)
    a = np.vstack([v.T, np.ones(len(v))])
    b = np.concatenate([np.atleast_1d(g).astype(float), [1.0]])
    lam, *_ = np.linalg.lstsq(a, b, rcond=None)
    return bool(np.all(lam >= -tol) and np.allclose(a @ lam, b, atol=tol))


def in_clarke(clarke, g) -> bool:
    g = np.atleast_1d(np.asarray(g, dtype=float))
    kind, data = clarke
    if kind == "ball":
        return bool(np.linalg.norm(g) <= 1.0 + 1e-12)
    return _in_hull(data, g)


# abs at 0: the hull of the slopes -1 and 1 of its two pieces: [-1, 1]
ABS0 = _hull([-1.0], [1.0])
# max / min of two tied operands: the hull of the two unit vectors
TIE2 = _hull([1.0, 0.0], [0.0, 1.0])
TIE3 = _hull([1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0])
# max(x, y, z) at x == y > z: only the tied operands' unit vectors
TIE_XY = _hull([1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
# max(x, 0) at 0: slopes 0 and 1; clip at a bound: slopes 0 (outside) and 1 (inside)
UNIT = _hull([0.0], [1.0])
# hypot and the 2-norm at the origin: a norm's Clarke set at 0 is the dual unit
# ball (the 2-norm is its own dual)
BALL = ("ball", None)
# copysign(x, y) = |x|·sign(y) at x == 0, y != 0: locally |x|·sign(y), constant
# in y (it is 0 for every y near y₀), so the set is [-1, 1] × {0}
COPYSIGN0 = _hull([-1.0, 0.0], [1.0, 0.0])


def _sign(v: float) -> float:
    return 1.0 if v > 0 else -1.0


def _first_sign(row: np.ndarray) -> float:
    """The sign of the first nonzero entry: the side of the kink x + ε₁m₁ + ε₂m₂ + …
    lies on when ``row`` holds one coordinate of m₁, m₂, … ."""
    return _sign(next(v for v in row if v != 0))


# The lexicographic gradient along the columns m₁, m₂, … of M, by hand: the
# gradient of the piece that is active at x + ε₁m₁ + ε₂m₂ + … for ε₁ ≫ ε₂ ≫ … > 0
# (every case here is piecewise linear near its kink, or a norm: hypot).
def _lex_first_wins(m: np.ndarray, better) -> np.ndarray:
    """max/min of tied operands: the operand that wins along m₁, then m₂, … ."""
    n = m.shape[0]
    alive = list(range(n))
    for col in m.T:
        best = better(col[i] for i in alive)
        alive = [i for i in alive if col[i] == best]
        if len(alive) == 1:
            break
    return np.eye(n)[alive[0]]


# (name, program, kink point, Clarke set, one-sided derivative f'(x; d), lexicographic gradient g(M))
KINKS = [
    ("abs", k_abs, (0.0,), ABS0, lambda d: abs(d[0]), lambda m: np.array([_sign(m[0, 0])])),
    ("math.fabs", k_fabs, (0.0,), ABS0, lambda d: abs(d[0]), lambda m: np.array([_sign(m[0, 0])])),
    ("np.abs", k_np_abs, (0.0,), ABS0, lambda d: abs(d[0]), lambda m: np.array([_sign(m[0, 0])])),
    ("max", k_max, (1.5, 1.5), TIE2, lambda d: max(d), lambda m: _lex_first_wins(m, max)),
    ("min", k_min, (-0.5, -0.5), TIE2, lambda d: min(d), lambda m: _lex_first_wins(m, min)),
    ("np.maximum", k_np_maximum, (2.0, 2.0), TIE2, lambda d: max(d), lambda m: _lex_first_wins(m, max)),
    ("np.minimum", k_np_minimum, (0.0, 0.0), TIE2, lambda d: min(d), lambda m: _lex_first_wins(m, min)),
    ("max of three, all tied", k_max3, (0.25, 0.25, 0.25), TIE3, lambda d: max(d),
     lambda m: _lex_first_wins(m, max)),
    ("max of three, two tied", k_max3, (1.0, 1.0, -1.0), TIE_XY, lambda d: max(d[0], d[1]),
     lambda m: _lex_first_wins(m[:2], max).tolist() + [0.0]),
    ("min of three, all tied", k_min3, (-2.0, -2.0, -2.0), TIE3, lambda d: min(d),
     lambda m: _lex_first_wins(m, min)),
    ("max with a constant", k_relu, (0.0,), UNIT, lambda d: max(d[0], 0.0),
     lambda m: np.array([1.0 if m[0, 0] > 0 else 0.0])),
    ("clip at its lower bound", k_clip, (-0.5,), UNIT, lambda d: max(d[0], 0.0),
     lambda m: np.array([1.0 if m[0, 0] > 0 else 0.0])),
    ("clip at its upper bound", k_clip, (0.5,), UNIT, lambda d: min(d[0], 0.0),
     lambda m: np.array([1.0 if m[0, 0] < 0 else 0.0])),
    ("hypot", k_hypot, (0.0, 0.0), BALL, lambda d: math.hypot(d[0], d[1]),
     lambda m: m[:, 0] / np.linalg.norm(m[:, 0])),
    ("copysign, positive sign", k_copysign, (0.0, 2.0), COPYSIGN0, lambda d: abs(d[0]),
     lambda m: np.array([_first_sign(m[0]), 0.0])),
    ("copysign, negative sign", k_copysign, (0.0, -3.0), COPYSIGN0, lambda d: -abs(d[0]),
     lambda m: np.array([-_first_sign(m[0]), 0.0])),
    # the reductions' ties (rule "share"): the tied entries' unit vectors
    ("np.max, two entries tied", k_np_max, (np.array([1.0, 1.0, 0.0]),), TIE_XY, lambda d: max(d[0], d[1]),
     lambda m: _lex_first_wins(m[:2], max).tolist() + [0.0]),
    ("np.min, all entries tied", k_np_min, (np.array([0.5, 0.5, 0.5]),), TIE3, lambda d: min(d),
     lambda m: _lex_first_wins(m, min)),
    # Clarke mode refuses these two (lex None): the directions cannot decide them
    ("np.linalg.norm at 0", k_norm, (np.zeros(3),), BALL, lambda d: float(np.linalg.norm(d)), None),
    # s = sort(x) at x = (1, 1, 0): s = (x₂, x₀, x₁) or (x₂, x₁, x₀), so f = s₀ + 2s₁ + 3s₂
    # has the pieces' gradients (2, 3, 1) and (3, 2, 1)
    ("np.sort with a tie", k_sort, (np.array([1.0, 1.0, 0.0]),), _hull([2.0, 3.0, 1.0], [3.0, 2.0, 1.0]),
     lambda d: d[2] + 2.0 * min(d[0], d[1]) + 3.0 * max(d[0], d[1]), None),
]
KINK_IDS = [k[0] for k in KINKS]

# the primitives whose rule has a Clarke set (kind "kink"), each with a case above
COVERED = {"abs", "max", "min", "clip", "hypot", "copysign", "share", "norm_root", "sort"}
NAMED = {"abs": "abs", "math.fabs": "abs", "np.abs": "abs", "max": "max", "min": "min", "np.maximum": "max",
         "np.minimum": "min", "clip": "clip", "hypot": "hypot", "copysign": "copysign", "np.max": "share",
         "np.min": "share", "np.linalg.norm": "norm_root", "np.sort": "sort"}


def test_every_kink_primitive_of_the_rule_table_has_a_hand_derived_case():
    with_clarke_set = {name for name, rule in RULES.items() if rule.kink is not None and rule.kink.kind == "kink"}
    assert with_clarke_set == COVERED, "a kink primitive was added or removed: derive its Clarke set above"
    assert {NAMED[n.split()[0].rstrip(',')] for n in KINK_IDS} == COVERED


def _flat(g) -> np.ndarray:
    return np.concatenate([np.atleast_1d(np.asarray(v, dtype=float)).ravel() for v in (g if isinstance(g, tuple)
                                                                                        else (g,))])


def _grad(d, x):
    return _flat(d.grad(*x))


def _size(x) -> int:
    return sum(np.size(v) for v in x)


def _unit_tangents(x):
    """The tangent tuples e₀, e₁, … over all scalar entries of the arguments."""
    if len(x) == 1 and isinstance(x[0], np.ndarray):
        return [(row,) for row in np.eye(x[0].size)]
    return [tuple(float(j == k) for j in range(len(x))) for k in range(len(x))]


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("name,fn,x,clarke,directional,lex", KINKS, ids=KINK_IDS)
def test_each_policy_selects_an_element_of_the_clarke_set(name, fn, x, clarke, directional, lex, policy):
    d = nsadc.differentiate(fn, kinks=policy, target="python")
    if policy == "auto" and lex is None:  # "auto" takes Clarke mode at the kink, which refuses these
        with pytest.raises(nsadc.NsadcError, match="Clarke mode|directions"):
            d.grad(*x)
        return
    g, rep = d.grad(*x, report=True)
    g = _flat(g)
    assert in_clarke(clarke, g), f"{policy}: {g.tolist()} lies outside the Clarke set of {name} at {x}"
    assert not rep.exact and rep.kinks, "the kink is met: the report must say so"
    # forward mode applies the policy's selection too ("auto" switches reverse mode
    # to Clarke mode at a kink; its forward mode is min-norm's): its partials are
    # the gradient's, and in the Clarke set
    partials = np.array([float(d.jvp(x, t)[1]) for t in _unit_tangents(x)])
    assert in_clarke(clarke, partials), f"{policy}: jvp partials {partials.tolist()} outside the Clarke set"
    if policy != "auto":
        np.testing.assert_allclose(partials, g, rtol=0, atol=1e-15, err_msg=f"{policy}: jvp partials")


def _directions(n: int, rng) -> list[np.ndarray]:
    """The identity, its reverse, minus the identity, and random invertible matrices."""
    out = [np.eye(n), np.eye(n)[::-1].copy(), -np.eye(n)]
    while len(out) < 7:
        m = rng.standard_normal((n, n))
        if abs(np.linalg.det(m)) > 1e-3:
            out.append(m)
    return out


@pytest.mark.parametrize("name,fn,x,clarke,directional,lex", KINKS, ids=KINK_IDS)
def test_clarke_mode_follows_the_one_sided_derivative(name, fn, x, clarke, directional, lex):
    d = nsadc.differentiate(fn, target="python")
    rng = np.random.default_rng(7)
    for m in _directions(_size(x), rng):
        if lex is None:
            with pytest.raises(nsadc.NsadcError, match="Clarke mode|directions"):
                d.clarke_grad(*x, directions=m)
            continue
        g = _flat(d.clarke_grad(*x, directions=m))
        m1 = m[:, 0]
        assert g @ m1 == pytest.approx(directional(m1), abs=1e-12), \
            f"g·m₁ = {g @ m1} but f'(x; m₁) = {directional(m1)} (directions {m.tolist()})"
        np.testing.assert_allclose(g, lex(m), rtol=1e-12, atol=1e-12,
                                   err_msg=f"lexicographic gradient along {m.tolist()}")
        assert in_clarke(clarke, g), f"{g.tolist()} lies outside the Clarke set"


def test_the_auto_policy_gives_clarke_mode_at_a_kink():
    """"auto" runs Clarke mode where a kink is met: along the identity, max at a
    tie follows the first operand (it wins along e₁), min the second."""
    np.testing.assert_allclose(_grad(nsadc.differentiate(k_max, kinks="auto", target="python"), (1.5, 1.5)),
                               [1.0, 0.0])
    np.testing.assert_allclose(_grad(nsadc.differentiate(k_min, kinks="auto", target="python"), (1.5, 1.5)),
                               [0.0, 1.0])
    np.testing.assert_allclose(_grad(nsadc.differentiate(k_abs, kinks="auto", target="python"), (0.0,)), [1.0])


@pytest.mark.parametrize("s", [-1.0, -0.3, 0.0, 0.6, 1.0])
def test_a_numeric_selection_inside_the_clarke_set_is_used(s):
    d = nsadc.differentiate(k_abs, kinks={"abs": s}, target="python")
    assert _grad(d, (0.0,)) == pytest.approx([s])
    assert _grad(d, (-2.0,)) == pytest.approx([-1.0])  # off the kink the selection plays no part
    lam = (s + 1.0) / 2.0  # a share in [0, 1] for max / clip
    d = nsadc.differentiate(k_max, kinks={"max": lam}, target="python")
    np.testing.assert_allclose(_grad(d, (1.5, 1.5)), [lam, 1.0 - lam])
    d = nsadc.differentiate(k_clip, kinks={"clip": lam}, target="python")
    assert _grad(d, (0.5,)) == pytest.approx([lam])
    d = nsadc.differentiate(k_hypot, kinks={"hypot": (0.6 * s, 0.8 * s)}, target="python")
    np.testing.assert_allclose(_grad(d, (0.0, 0.0)), [0.6 * s, 0.8 * s])


@pytest.mark.parametrize("kinks", [{"abs": 1.5}, {"abs": -1.01}, {"max": 1.2}, {"max": -0.1}, {"clip": 2.0},
                                   {"hypot": (0.8, 0.8)}, {"copysign": 3.0}])
def test_a_selection_outside_the_clarke_set_is_refused(kinks):
    with pytest.raises(nsadc.PolicyError, match="outside its Clarke set"):
        nsadc.differentiate(k_abs, kinks=kinks, target="python").grad(0.0)


# ------------------------------------------------------------ the dot-product test

def s_mix(x, y, z):
    return math.sin(x * y) + max(x, z) * abs(y - z) + math.hypot(x, z) + np.clip(y, -0.3, 0.4)


def s_loop(x, y, n: int):
    acc = 0.0
    for i in range(n):
        acc = acc + max(x * i, y) - min(abs(x), y * y)
    return acc


def s_array(A, w, lam):
    r = A @ w
    return np.sum(np.maximum(r, 0.0)) + lam * np.sum(np.abs(w))


def v_pair(x, y):
    out = np.zeros(3)
    out[0] = x * y
    out[1] = max(x, y) + math.exp(x)
    out[2] = abs(x - 2.0 * y)
    return out


def _dot(a, b) -> float:
    return float(np.sum(np.asarray(a, dtype=float) * np.asarray(b, dtype=float)))


def _dot_cases():
    n = 6
    grid = np.linspace(0.0, 1.0, 6)
    return [
        ("s_mix", s_mix, lambda rng: [*rng.uniform(-1.0, 1.0, 3)], ("x", "y", "z")),
        ("s_loop", s_loop, lambda rng: [*rng.uniform(-1.0, 1.0, 2), 5], ("x", "y")),
        ("s_array", s_array, lambda rng: [rng.standard_normal((4, 3)), rng.standard_normal(3), rng.uniform(0.1, 1)],
         ("A", "w", "lam")),
        ("v_pair", v_pair, lambda rng: [*rng.uniform(-1.0, 1.0, 2)], ("x", "y")),
        ("ncp_map", vm.ncp_map, lambda rng: [rng.uniform(0.2, 1.5, n)], ("x",)),
        ("fischer_burmeister", vm.fischer_burmeister, lambda rng: [rng.standard_normal(n), rng.standard_normal(n)],
         ("a", "b")),
        ("relu_layer", vm.relu_layer, lambda rng: [rng.standard_normal((4, 5)), rng.standard_normal(4),
                                               rng.standard_normal(5)], ("W", "b", "x")),
        ("interp_values", vm.interp_values, lambda rng: [rng.uniform(0.01, 0.99, 5), grid, rng.standard_normal(6)],
         ("x", "values")),
        ("running_max", vm.running_max, lambda rng: [rng.standard_normal(7)], ("x",)),
        ("matrix_out", vm.matrix_out, lambda rng: [rng.standard_normal(3), 0.5 * rng.standard_normal(4)], ("u", "v")),
    ]


DOT_CASES = _dot_cases()


@pytest.mark.parametrize("name,fn,draw,wrt", DOT_CASES, ids=[c[0] for c in DOT_CASES])
def test_dot_product_of_jvp_and_vjp(name, fn, draw, wrt):
    """⟨t, vjp(c)⟩ = ⟨jvp(t), c⟩ for random t and c at random generic points;
    both sides are also checked against central differences of fn along t."""
    d = nsadc.differentiate(fn, wrt=list(wrt), target="python")
    params = list(d._params)
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    for _ in range(5):
        args = draw(rng)
        positions = [params.index(w) for w in wrt]
        value = np.asarray(fn(*args), dtype=float)
        t = [rng.standard_normal(np.shape(args[i])) if np.ndim(args[i]) else float(rng.standard_normal())
             for i in positions]
        c = rng.standard_normal(value.shape) if value.ndim else float(rng.standard_normal())
        v1, tangent_out = d.jvp(args, tuple(t))
        v2, adjoints = d.vjp(args, c)
        adjoints = adjoints if isinstance(adjoints, tuple) else (adjoints,)
        np.testing.assert_allclose(v1, value, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(v2, value, rtol=1e-12, atol=1e-14)
        assert len(adjoints) == len(t)
        lhs = sum(_dot(ti, ai) for ti, ai in zip(t, adjoints))
        rhs = _dot(tangent_out, c)
        scale = 1.0 + abs(lhs) + abs(rhs)
        assert abs(lhs - rhs) <= 1e-11 * scale, f"⟨t, vjp(c)⟩ = {lhs} but ⟨jvp(t), c⟩ = {rhs}"
        # neither side is trivially right: jvp(t) is the derivative along t
        h = 1e-6
        plus, minus = list(args), list(args)
        for i, ti in zip(positions, t):
            plus[i] = args[i] + h * ti
            minus[i] = args[i] - h * ti
        fd = (np.asarray(fn(*plus), dtype=float) - np.asarray(fn(*minus), dtype=float)) / (2 * h)
        np.testing.assert_allclose(tangent_out, fd, rtol=1e-5, atol=1e-6)
