"""Exact derivatives at kinks for every policy, the kink report, and policy errors."""

import math

import numpy as np
import pytest

import nsadc
from programs import kinks as K

POLICY_CASES = [
    # function, point, {policy: expected gradient}
    (K.k_abs, (0.0,), {"min-norm": 0.0, "jax": 1.0, "torch": 0.0}),
    (K.k_relu, (0.0,), {"min-norm": 0.0, "jax": 0.5, "torch": 0.5}),
    # the constant first: the active operand's min-norm share is still 0
    (K.k_relu_const_first, (0.0,), {"min-norm": 0.0, "jax": 0.5, "torch": 0.5}),
    (K.k_min_const_first, (0.0,), {"min-norm": 0.0, "jax": 0.5, "torch": 0.5}),
    (K.k_max2, (1.0, 1.0), {"min-norm": (0.5, 0.5), "jax": (0.5, 0.5), "torch": (0.5, 0.5)}),
    (K.k_min2, (1.0, 1.0), {"min-norm": (0.5, 0.5), "jax": (0.5, 0.5), "torch": (0.5, 0.5)}),
    (K.k_max3, (2.0, 2.0, 2.0), {p: (1 / 3, 1 / 3, 1 / 3) for p in ("min-norm", "jax", "torch")}),
    (K.k_min3, (2.0, 2.0, 2.0), {p: (1 / 3, 1 / 3, 1 / 3) for p in ("min-norm", "jax", "torch")}),
    (K.k_max3, (2.0, 2.0, 1.0), {p: (0.5, 0.5, 0.0) for p in ("min-norm", "jax", "torch")}),
    (K.k_max3_const, (1.0, 1.0), {"min-norm": (0.0, 0.0), "jax": (1 / 3, 1 / 3), "torch": (1 / 3, 1 / 3)}),
    (K.k_clip, (0.0,), {"min-norm": 0.0, "jax": 0.5, "torch": 1.0}),
    (K.k_clip, (1.0,), {"min-norm": 0.0, "jax": 0.5, "torch": 1.0}),
    (K.k_hypot, (0.0, 0.0), {"min-norm": (0.0, 0.0), "jax": (0.5, 0.5), "torch": (0.0, 0.0)}),
    (K.k_copysign, (0.0, 1.0), {"min-norm": (0.0, 0.0), "jax": (1.0, 0.0), "torch": (0.0, 0.0)}),
    (K.k_copysign, (0.0, -1.0), {"min-norm": (0.0, 0.0), "jax": (-1.0, 0.0), "torch": (0.0, 0.0)}),
    (K.k_floor, (2.0,), {p: 1.0 for p in ("min-norm", "jax", "torch")}),
    (K.k_relu_difference, (0.0,), {"min-norm": 0.0, "jax": 1.0, "torch": 1.0}),
]


@pytest.mark.parametrize("fn,point,expected", POLICY_CASES,
                         ids=[f"{f.__name__}{p}" for f, p, _ in POLICY_CASES])
@pytest.mark.parametrize("policy", ["min-norm", "jax", "torch"])
def test_selection_at_kink(fn, point, expected, policy, target):
    d = nsadc.differentiate(fn, kinks=policy, target=target)
    g = d.grad(*point)
    np.testing.assert_allclose(g, expected[policy], atol=1e-15)
    # forward mode makes the same selection
    n = len(point)
    for k in range(n):
        t = [0.0] * n
        t[k] = 1.0
        _, dot = d.jvp(point, t)
        want = expected[policy] if n == 1 else expected[policy][k]
        assert dot == pytest.approx(want, abs=1e-15)


def test_numeric_selections_inside_the_clarke_set():
    assert nsadc.differentiate(K.k_abs, kinks={"abs": 0.25}, target="python").grad(0.0) == 0.25
    assert nsadc.differentiate(K.k_abs, kinks={"abs": -1}, target="python").grad(0.0) == -1.0
    g = nsadc.differentiate(K.k_max2, kinks={"max": 1.0}, target="python").grad(1.0, 1.0)
    assert g == (1.0, 0.0)
    g = nsadc.differentiate(K.k_relu, kinks={"max": 1.0}, target="python").grad(0.0)
    assert g == 1.0
    g = nsadc.differentiate(K.k_clip, kinks={"clip": 0.75}, target="python").grad(1.0)
    assert g == 0.75
    g = nsadc.differentiate(K.k_hypot, kinks={"hypot": (0.6, -0.8)}, target="python").grad(0.0, 0.0)
    assert g == (0.6, -0.8)
    # a mapping may name a base policy for the rest
    d = nsadc.differentiate(K.k_relu_difference, kinks={"default": "jax", "max": 1.0}, target="python")
    assert d.grad(0.0) == 2.0  # 1 from max(x, 0) and 1 from -max(-x, 0)
    # an alias (np.maximum, math.fabs) names the same primitive
    assert nsadc.differentiate(K.k_abs, kinks={"math.fabs": 0.5}, target="python").grad(0.0) == 0.5


@pytest.mark.parametrize("kinks,match", [
    ({"abs": 2.0}, "outside its Clarke set"),
    ({"abs": -1.5}, "outside its Clarke set"),
    ({"max": 1.5}, "outside its Clarke set"),
    ({"clip": -0.1}, "outside its Clarke set"),
    ({"hypot": (1.0, 1.0)}, "outside its Clarke set"),
    ({"abs": float("nan")}, "outside its Clarke set"),
    ({"floor": 0.5}, "not a primitive with a selectable kink"),
    ({"exp": 1.0}, "not a primitive with a selectable kink"),
    ({"nonsense": 1.0}, "not a primitive with a selectable kink"),
    ("lexicographic", "unknown kink policy"),
    (3, "takes a policy name or a mapping"),
])
def test_selection_outside_the_clarke_set_is_refused(kinks, match):
    with pytest.raises(nsadc.PolicyError, match=match):
        nsadc.differentiate(K.k_abs, kinks=kinks, target="python")


def test_report_exact_at_generic_point(target):
    d = nsadc.differentiate(K.k_loop, target=target)
    g, rep = d.grad(0.3, 5, report=True)
    assert rep.exact and rep.kinks == []
    assert g == pytest.approx(sum(math.copysign(1.0, 0.3 - i) for i in range(5)))


def test_report_names_the_site_met(target):
    d = nsadc.differentiate(K.k_loop, target=target)
    g, rep = d.grad(2.0, 5, report=True)
    assert not rep.exact
    assert len(rep.kinks) == 1
    hit = rep.kinks[0]
    assert hit.primitive == "abs" and hit.kind == "kink" and hit.count == 1
    line = next(i for i, text in enumerate(open(K.__file__).read().splitlines(), 1)
                if "s += abs(x - i)" in text)
    assert hit.location.endswith(f"kinks.py:{line}:14")
    assert g == 1.0 + 1.0 + 0.0 - 1.0 - 1.0  # abs'(0) = 0 at the met kink (min-norm)


def test_report_branch_at_equality():
    d = nsadc.differentiate(K.k_branch, target="python")
    _, rep = d.grad(1.0, 2.0, report=True)
    assert rep.exact
    g, rep = d.grad(1.5, 1.5, report=True)
    assert not rep.exact and rep.kinks[0].kind == "branch" and rep.kinks[0].primitive == "gt"
    assert g == (0.0, 1.0)  # x > y is False at the tie: the else branch is differentiated


def test_report_jump_of_piecewise_constant():
    d = nsadc.differentiate(K.k_floor, target="python")
    assert d.grad(2.5, report=True)[1].exact
    g, rep = d.grad(3.0, report=True)
    assert g == 1.0 and not rep.exact and rep.kinks[0].kind == "jump"


def test_artificial_critical_point_is_reported():
    d = nsadc.differentiate(K.k_relu_difference, target="python")
    g, rep = d.grad(0.0, report=True)
    assert g == 0.0  # outside the Clarke set {1}: the report must say a kink was met
    assert not rep.exact and {k.primitive for k in rep.kinks} == {"max"}


# ------------------------------------------------------------- against the libraries



def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


JAX_TWINS = {
    "k_abs": lambda jnp: jnp.abs,
    "k_relu": lambda jnp: (lambda x: jnp.maximum(x, 0.0)),
    "k_relu_const_first": lambda jnp: (lambda x: jnp.maximum(0.0, x)),
    "k_min_const_first": lambda jnp: (lambda x: jnp.minimum(0.0, x)),
    "k_max2": lambda jnp: jnp.maximum,
    "k_min2": lambda jnp: jnp.minimum,
    "k_max3": lambda jnp: (lambda x, y, z: jnp.max(jnp.stack([x, y, z]))),
    "k_min3": lambda jnp: (lambda x, y, z: jnp.min(jnp.stack([x, y, z]))),
    "k_max3_const": lambda jnp: (lambda x, y: jnp.max(jnp.stack([x, y, jnp.asarray(1.0)]))),
    "k_clip": lambda jnp: (lambda x: jnp.clip(x, 0.0, 1.0)),
    "k_hypot": lambda jnp: jnp.hypot,
    "k_copysign": lambda jnp: jnp.copysign,
    "k_floor": lambda jnp: (lambda x: jnp.floor(x) + x),
    "k_relu_difference": lambda jnp: (lambda x: jnp.maximum(x, 0.0) - jnp.maximum(-x, 0.0)),
}


@pytest.mark.parametrize("fn,point,expected", POLICY_CASES,
                         ids=[f"{f.__name__}{p}" for f, p, _ in POLICY_CASES])
def test_jax_policy_matches_jax(fn, point, expected):
    jax = _jax()
    import jax.numpy as jnp

    twin = JAX_TWINS[fn.__name__](jnp)
    want = jax.grad(twin, argnums=tuple(range(len(point))))(*[jnp.float64(p) for p in point])
    got = nsadc.differentiate(fn, kinks="jax", target="python").grad(*point)
    np.testing.assert_allclose(np.atleast_1d(got), np.array([float(w) for w in want]), atol=1e-15)


TORCH_TWINS = {
    "k_abs": lambda torch: torch.abs,
    "k_relu": lambda torch: (lambda x: torch.maximum(x, torch.zeros_like(x))),
    "k_relu_const_first": lambda torch: (lambda x: torch.maximum(torch.zeros_like(x), x)),
    "k_min_const_first": lambda torch: (lambda x: torch.minimum(torch.zeros_like(x), x)),
    "k_max2": lambda torch: torch.maximum,
    "k_min2": lambda torch: torch.minimum,
    "k_max3": lambda torch: (lambda x, y, z: torch.max(torch.stack([x, y, z]))),
    "k_min3": lambda torch: (lambda x, y, z: torch.min(torch.stack([x, y, z]))),
    "k_max3_const": lambda torch: (lambda x, y: torch.max(torch.stack([x, y, torch.ones_like(x)]))),
    "k_clip": lambda torch: (lambda x: torch.clamp(x, 0.0, 1.0)),
    "k_copysign": lambda torch: torch.copysign,
    "k_floor": lambda torch: (lambda x: torch.floor(x) + x),
    "k_relu_difference": lambda torch: (lambda x: torch.maximum(x, torch.zeros_like(x))
                                        - torch.maximum(-x, torch.zeros_like(x))),
}


@pytest.mark.parametrize("fn,point,expected", [c for c in POLICY_CASES if c[0].__name__ in TORCH_TWINS],
                         ids=[f"{f.__name__}{p}" for f, p, _ in POLICY_CASES if f.__name__ in TORCH_TWINS])
def test_torch_policy_matches_torch(fn, point, expected):
    torch = pytest.importorskip("torch")
    xs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in point]
    TORCH_TWINS[fn.__name__](torch)(*xs).backward()
    want = [0.0 if x.grad is None else x.grad.item() for x in xs]
    got = nsadc.differentiate(fn, kinks="torch", target="python").grad(*point)
    np.testing.assert_allclose(np.atleast_1d(got), want, atol=1e-15)


def test_torch_hypot_at_origin_is_nan_so_policy_uses_min_norm():
    torch = pytest.importorskip("torch")
    xs = [torch.tensor(0.0, dtype=torch.float64, requires_grad=True) for _ in range(2)]
    torch.hypot(*xs).backward()
    assert math.isnan(xs[0].grad.item())  # outside the Clarke set: nsadc does not copy it
    assert nsadc.differentiate(K.k_hypot, kinks="torch", target="python").grad(0.0, 0.0) == (0.0, 0.0)


def running_max3(x):
    m = x[0]
    for k in range(1, x.shape[0] - 1):
        m = max(m, x[k], x[k + 1])
    return m * m


@pytest.mark.parametrize("x", [np.array([0.3, -0.2, 1.1, 0.7, 0.9]), np.array([0.3, 1.1, 1.1, 0.7, 1.1])])
def test_a_three_operand_max_whose_value_is_overwritten_is_computed_once_in_its_reverse(x):
    """m = max(m, a, b): the reverse needs the maximum again (m holds the new
    value no more); it is one temporary that each tie test reads, and the
    tied operands share m's derivative equally (min-norm)."""
    d = nsadc.differentiate(running_max3, target="python")
    text = d.source("reverse", x)
    assert text.count("np.maximum(np.maximum(") == 2  # the forward sweep's and the reverse's one
    m, g = d.value_and_grad(x)
    best = np.max(x)
    assert m == pytest.approx(best * best)
    if len(set(x)) == len(x):  # generic: all of the derivative at the argmax
        want = np.zeros(5)
        want[int(np.argmax(x))] = 2.0 * best
        np.testing.assert_allclose(g, want)
    else:  # tied maxima: shares of 2 * best, each nonnegative, on the tied entries only
        assert g.sum() == pytest.approx(2.0 * best) and np.all(g >= 0.0) and np.all(g[x != best] == 0.0)
