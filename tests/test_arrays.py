"""Array programs (loop style): derivatives against finite differences and JAX,
exact values at kinks, the kink report, copies of written inputs, float32,
refusals and argument errors.

The programs live in tests/programs/arrays.py.  Every derivative check runs at
a point drawn at random and accepted only when it is generic: along every
coordinate (and along the jvp direction) central differences with steps 1e-3
and 1e-5 agree, so no kink lies within ~1e-3 of the point along those lines.
"""

from __future__ import annotations

import math
import os
import re

import numpy as np
import pytest

import nsadc
from helpers import compare_targets
from programs import arrays as P


@pytest.fixture
def target():
    """The tests below run on the python target; the cpu target (Numba) runs
    every program once in test_cpu_target_matches_python at the end of this
    file, on the points and calls these tests use (docs/testing.md).  The
    cpu-only tests (``..._cpu``) stay as they are."""
    return "python"

PROGRAM = os.path.realpath(P.__file__)
with open(PROGRAM) as _fh:
    LINES = _fh.read().splitlines()


# ------------------------------------------------------------ points


def _n(rng, *shape, scale=1.0):
    return scale * rng.standard_normal(shape)


def _pm1(rng, n):
    return np.where(rng.random(n) < 0.5, -1.0, 1.0)


# name -> (make(rng) -> args, wrt or None for the default)
CASES = {
    "a_dot_tanh": (lambda r: (_n(r, 5, scale=0.5), _n(r, 5, scale=0.5)), None),
    "a_matvec_abs_max": (lambda r: (_n(r, 4, 3), _n(r, 3)), None),
    "a_mlp_loss": (lambda r: (_n(r, 5, 3), _n(r, 5), _n(r, 3, 4), _n(r, 4, scale=0.3), _n(r, 4),
                              float(r.normal())), None),
    "a_svm_hinge": (lambda r: (_n(r, 6, 3), _pm1(r, 6), _n(r, 3), 0.3 * float(r.normal()), 0.1), None),
    "a_lasso": (lambda r: (_n(r, 5, 3), _n(r, 5), _n(r, 3), 0.2), None),
    "a_max_pool_1d": (lambda r: (_n(r, 8), 3), None),
    "a_l1_regression": (lambda r: (_n(r, 4, 3), _n(r, 4), _n(r, 3)), None),
    "a_cumsum_nonlinear": (lambda r: (_n(r, 6, scale=0.7),), None),
    "a_scatter_by_search": (lambda r: (_n(r, 6),), None),
    "a_recurrence": (lambda r: (_n(r, 6), 0.8 + 0.2 * float(r.random())), None),
    "a_recurrence_direct": (lambda r: (_n(r, 6), 0.8 + 0.2 * float(r.random())), None),
    "a_stencil_2d": (lambda r: (_n(r, 5, 4), 0.3), None),
    "a_while_break": (lambda r: (_n(r, 7), 2.0 + float(r.random())), None),
    "a_helper_writes": (lambda r: (_n(r, 6), _n(r, 6)), None),
    "a_helper_statement": (lambda r: (_n(r, 6), _n(r, 6)), None),
    "a_helper_no_return": (lambda r: (_n(r, 6), -0.5, 0.7), None),
    "a_helper_statement_rows": (lambda r: (_n(r, 5),), None),
    "a_inplace_scale": (lambda r: (_n(r, 6),), None),
    "a_inplace_relu_under_if": (lambda r: (_n(r, 6),), None),
    "a_augmented_store": (lambda r: (_n(r, 5, 3), _n(r, 3)), None),
    "a_branching": (lambda r: (_n(r, 6), _n(r, 6)), None),
    "a_mixed_scalars": (lambda r: (_n(r, 4), 0.5 + float(r.random()), float(r.normal()), 3, True), None),
    "a_gather": (lambda r: (_n(r, 5), np.array([0, 2, 2, 4, 1, 0]), _n(r, 6)), ("x", "w")),
    "a_weighted_l1_f32": (lambda r: (_n(r, 6), 0.5 + r.random(6)), None),
    "a_logsumexp": (lambda r: (_n(r, 6),), None),
    "a_huber": (lambda r: (_n(r, 7), 0.8), None),
    "a_tensor3": (lambda r: (_n(r, 2, 3, 2), _n(r, 2), _n(r, 3), _n(r, 2)), None),
    "a_full_ones": (lambda r: (_n(r, 5),), None),
    "a_copy": (lambda r: (_n(r, 5), _n(r, 5)), None),
    "a_continue_clip": (lambda r: (_n(r, 7), 0.2, 0.9), None),
    "a_early_return": (lambda r: (_n(r, 6), 0.9), None),
    "a_helper_calls": (lambda r: (_n(r, 4, 3), _n(r, 3), _n(r, 3)), None),
    "a_helper_calls_indexed": (lambda r: (_n(r, 4, 3), _n(r, 3), _n(r, 3)), None),
    "a_running_max_state": (lambda r: (_n(r, 6),), None),
    "a_softthreshold": (lambda r: (_n(r, 6), 0.3), None),
    "a_matrix_product_trace": (lambda r: (_n(r, 3, 2), _n(r, 2, 3)), None),
    "a_negative_index": (lambda r: (_n(r, 5), _n(r, 3, 4)), None),
    "a_int_counts": (lambda r: (_n(r, 4), np.array([2, 0, 3, 1])), "x"),
    "a_int_factor": (lambda r: (_n(r, 5), np.array([3, -1, 0, 2, 1])), "x"),
    "a_break_reuse": (lambda r: (_n(r, 4, scale=0.7),), None),
    "a_break_no_reuse": (lambda r: (_n(r, 4, scale=0.7),), None),
    "a_scratch_arg": (lambda r: (_n(r, 5), _n(r, 5)), "x"),
}
NAMES = sorted(CASES)

# Open nsadc issues found by these tests: each keeps a strict xfail until it is fixed.
# program -> reason, for the checks that fail because of an open issue (none open now)
REFUSED: dict[str, str] = {}
REVERSE_BUGS = dict(REFUSED)
FORWARD_BUGS = dict(REFUSED)
VALUE_BUGS = dict(REFUSED)
REPORT_BUGS = dict(REFUSED)


def _params(bugs):
    return [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=bugs[n])) if n in bugs else n
            for n in NAMES]


def test_catalogue_is_large_and_complete():
    programs = [n for n in dir(P) if n.startswith("a_")]
    assert len(programs) >= 20
    assert sorted(programs) == NAMES
    assert len(set(NAMES) - set(REVERSE_BUGS)) >= 20


def _copy(args):
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def _call(fn, args):
    """``fn`` on copies: some programs write into their arguments."""
    return fn(*_copy(args))


def _wrt_positions(d):
    return [d._params.index(w) for w in d.wrt]


def _perturb(args, pos, flat, step):
    out = list(_copy(args))
    if isinstance(out[pos], np.ndarray):
        out[pos].reshape(-1)[flat] += step
    else:
        out[pos] = out[pos] + step
    return tuple(out)


def _entries(args, pos):
    a = args[pos]
    return range(a.size) if isinstance(a, np.ndarray) else range(1)


def _value(args, pos, flat):
    a = args[pos]
    return float(a.reshape(-1)[flat]) if isinstance(a, np.ndarray) else float(a)


def _fd(fn, args, pos, flat, h):
    step = h * max(1.0, abs(_value(args, pos, flat)))
    return (_call(fn, _perturb(args, pos, flat, step)) - _call(fn, _perturb(args, pos, flat, -step))) / (2 * step)


def fd_gradient(fn, args, positions, h=1e-6):
    """Central differences, one array (or float) per differentiated argument."""
    out = []
    for pos in positions:
        g = np.array([_fd(fn, args, pos, k, h) for k in _entries(args, pos)])
        out.append(g.reshape(args[pos].shape) if isinstance(args[pos], np.ndarray) else float(g[0]))
    return out


def _along(args, positions, direction, t):
    out = list(_copy(args))
    for pos, v in zip(positions, direction):
        out[pos] = out[pos] + t * v
    return tuple(out)


def fd_directional(fn, args, positions, direction, h=1e-6):
    return (_call(fn, _along(args, positions, direction, h))
            - _call(fn, _along(args, positions, direction, -h))) / (2 * h)


def _smooth_near(fn, args, positions, direction) -> bool:
    """No kink within ~1e-3 along any coordinate or along ``direction``: central
    differences with steps 1e-3 and 1e-5 agree."""
    for pos in positions:
        for k in _entries(args, pos):
            a, b = _fd(fn, args, pos, k, 1e-3), _fd(fn, args, pos, k, 1e-5)
            if abs(a - b) > 1e-4 * (1.0 + abs(b)):
                return False
    a = fd_directional(fn, args, positions, direction, 1e-3)
    b = fd_directional(fn, args, positions, direction, 1e-5)
    return abs(a - b) <= 1e-4 * (1.0 + abs(b))


def _direction(rng, args, positions):
    return [rng.standard_normal(args[p].shape) if isinstance(args[p], np.ndarray) else float(rng.normal())
            for p in positions]


def generic_point(name, seed, positions):
    """A random point of ``name``'s program where it is smooth nearby, and a
    random direction there."""
    fn = getattr(P, name)
    make = CASES[name][0]
    rng = np.random.default_rng(seed)
    for _ in range(50):
        args = make(rng)
        direction = _direction(rng, args, positions)
        if _smooth_near(fn, args, positions, direction):
            return args, direction
    raise AssertionError(f"no generic point found for {name}")


_DIFFERENTIABLES: dict = {}


def differentiable(name, target, **kw):
    """One Differentiable per (program, target, options): compile once per session."""
    key = (name, target, tuple(sorted(kw.items())))
    if key not in _DIFFERENTIABLES:
        wrt = CASES[name][1] if name in CASES else None
        _DIFFERENTIABLES[key] = nsadc.differentiate(getattr(P, name), wrt=wrt, target=target, **kw)
    return _DIFFERENTIABLES[key]


def as_tuple(g):
    return g if isinstance(g, tuple) else (g,)


def assert_grad_close(got, want, rtol=1e-5, atol=1e-6, msg=""):
    got = as_tuple(got)
    assert len(got) == len(want), msg
    for k, (g, w) in enumerate(zip(got, want)):
        if isinstance(w, np.ndarray):
            assert isinstance(g, np.ndarray), f"{msg}[{k}]: expected an array, got {type(g).__name__}"
            assert g.shape == w.shape, f"{msg}[{k}]: shape {g.shape} != {w.shape}"
        else:
            assert np.ndim(g) == 0, f"{msg}[{k}]: expected a scalar, got {g!r}"
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=f"{msg}[{k}]")


def _dot(grad, direction):
    return sum(float(np.sum(np.asarray(g) * np.asarray(v))) for g, v in zip(as_tuple(grad), direction))


# ------------------------------------------------------------ against finite differences


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", _params(REVERSE_BUGS))
def test_reverse_mode_matches_finite_differences(name, seed, target):
    d = differentiable(name, target)
    fn = getattr(P, name)
    positions = _wrt_positions(d)
    args, _ = generic_point(name, seed, positions)
    before = _copy(args)
    want = fd_gradient(fn, args, positions)

    g = d.grad(*args)
    assert_grad_close(g, want, msg=f"{name} grad vs FD")
    for k, pos in enumerate(positions):  # gradients come back in the arguments' dtype
        if isinstance(args[pos], np.ndarray):
            assert as_tuple(g)[k].dtype == args[pos].dtype

    _, g2, _ = d.value_and_grad(*args, report=True)
    assert_grad_close(g2, list(as_tuple(g)), rtol=0, atol=0, msg="grad(report=True) vs grad")

    _, adj = d.vjp(args, 2.0)
    assert_grad_close(adj, [2 * w for w in want], atol=2e-6, msg=f"{name} vjp vs FD")
    for a, b in zip(args, before):  # no derivative call touched the caller's arrays
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", _params(VALUE_BUGS))
def test_every_entry_point_returns_the_value(name, target):
    d = differentiable(name, target)
    fn = getattr(P, name)
    positions = _wrt_positions(d)
    args, direction = generic_point(name, 0, positions)
    want = _call(fn, args)
    got = {
        "primal": d(*_copy(args)),
        "value_and_grad": d.value_and_grad(*args)[0],
        "value_and_grad(report)": d.value_and_grad(*args, report=True)[0],
        "vjp": d.vjp(args, 1.0)[0],
        "jvp": d.jvp(args, tuple(direction))[0],
    }
    for what, v in got.items():
        assert v == pytest.approx(want, rel=1e-12, abs=1e-12), f"{name}: {what} returned {v}, Python {want}"


@pytest.mark.parametrize("name", _params(REPORT_BUGS))
def test_report_is_exact_at_generic_points(name, target):
    d = differentiable(name, target)
    args, _ = generic_point(name, 0, _wrt_positions(d))
    _, rep = d.grad(*args, report=True)
    assert rep.exact is True and rep.kinks == [], f"{name}: a kink reported at a generic point: {rep.kinks}"


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", _params(FORWARD_BUGS))
def test_forward_mode_matches_grad_and_finite_differences(name, seed, target):
    d = differentiable(name, target)
    fn = getattr(P, name)
    positions = _wrt_positions(d)
    args, direction = generic_point(name, seed, positions)
    before = _copy(args)

    value, dot = d.jvp(args, tuple(direction))
    assert value == pytest.approx(_call(fn, args), rel=1e-12, abs=1e-12)
    fd = fd_directional(fn, args, positions, direction)
    assert dot == pytest.approx(fd, rel=1e-5, abs=1e-5), f"{name}: jvp {dot} vs FD {fd}"
    if name not in REVERSE_BUGS:  # (a wrong gradient is the reverse test's business)
        assert dot == pytest.approx(_dot(d.grad(*args), direction), rel=1e-10, abs=1e-10), \
            f"{name}: jvp vs <grad, direction>"
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)


def test_single_wrt_gives_one_array_and_several_a_tuple():
    args, _ = generic_point("a_lasso", 0, [2])
    d = nsadc.differentiate(P.a_lasso, wrt="w", target="python")
    g = d.grad(*args)
    assert isinstance(g, np.ndarray) and g.shape == (3,)
    want = fd_gradient(P.a_lasso, args, [2])[0]
    np.testing.assert_allclose(g, want, rtol=1e-5, atol=1e-6)
    d2 = nsadc.differentiate(P.a_lasso, wrt=("w", "lam"), target="python")
    gw, glam = d2.grad(*args)
    np.testing.assert_allclose(gw, g, rtol=1e-12)
    assert isinstance(glam, float) and glam == pytest.approx(float(np.sum(np.abs(args[2]))), rel=1e-12)
    # functional forms
    np.testing.assert_allclose(nsadc.grad(P.a_lasso, wrt="w", target="python")(*args), g, rtol=1e-12)
    v, g3 = nsadc.value_and_grad(P.a_lasso, wrt=2, target="python")(*args)
    assert v == pytest.approx(P.a_lasso(*args)) and np.allclose(g3, g)
    # a scalar tangent for a float, arrays of the argument's shape for arrays
    _, dot = d2.jvp(args, (np.ones(3), 0.0))
    assert dot == pytest.approx(float(np.sum(g)), rel=1e-12)


def test_mixed_scalars_bool_false_branch(target):
    d = differentiable("a_mixed_scalars", target)
    fn = P.a_mixed_scalars
    args = (np.array([0.3, -0.8, 1.1, 0.4]), 0.7, 0.2, 2, False)
    want = fd_gradient(fn, args, _wrt_positions(d))
    assert_grad_close(d.grad(*args), want, msg="flag=False")


def test_max_pool_gradient_flows_to_window_maxima_only():
    x = np.array([0.1, 0.9, -0.3, 2.0, 0.5, 1.5, 7.0, 8.0])
    g = nsadc.differentiate(P.a_max_pool_1d, target="python").grad(x, 3)
    # windows [0:3] and [3:6]; x[6], x[7] belong to the dropped partial window
    np.testing.assert_array_equal(g, [0.0, 1.8, 0.0, 4.0, 0.0, 0.0, 0.0, 0.0])


# ------------------------------------------------------------ against JAX


def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


def _jax_twins(jnp, lax):
    def mlp_loss(X, y, W1, b1, w2, b2):
        act = jnp.maximum(X @ W1 + b1, 0.0)
        return jnp.mean((act @ w2 + b2 - y) ** 2)

    def svm_hinge(X, y, w, b, lam):
        return jnp.mean(jnp.maximum(0.0, 1.0 - y * (X @ w + b))) + lam * jnp.sum(w * w)

    def lasso(X, y, w, lam):
        return 0.5 * jnp.mean((X @ w - y) ** 2) + lam * jnp.sum(jnp.abs(w))

    def l1_regression(A, b, x):
        return jnp.sum(jnp.abs(A @ x - b))

    def stencil_2d(U, c):
        lap = U[:-2, 1:-1] + U[2:, 1:-1] + U[1:-1, :-2] + U[1:-1, 2:] - 4.0 * U[1:-1, 1:-1]
        V = jnp.zeros_like(U).at[1:-1, 1:-1].set(lap)
        return jnp.sum(jnp.abs(V) + c * V * V + 0.1 * U * U)

    def recurrence(x, a):
        def step(z, xi):
            z = jnp.tanh(a * z + xi)
            return z, z
        z0 = jnp.tanh(x[0])
        _, zs = lax.scan(step, z0, x[1:])
        z = jnp.concatenate([z0[None], zs])
        return jnp.sum(z * z * jnp.arange(1, x.shape[0] + 1))

    def logsumexp(x):
        m = jnp.max(x)
        return m + jnp.log(jnp.sum(jnp.exp(x - m)))

    def cumsum_nonlinear(x):
        c = jnp.cumsum(x)
        return jnp.sum(jnp.sin(c) * c)

    def softthreshold(x, lam):
        z = jnp.maximum(x - lam, 0.0) - jnp.maximum(-x - lam, 0.0)
        return jnp.sum(z * z * (1.0 + x))

    return {"a_mlp_loss": mlp_loss, "a_svm_hinge": svm_hinge, "a_lasso": lasso,
            "a_l1_regression": l1_regression, "a_stencil_2d": stencil_2d, "a_recurrence": recurrence,
            "a_logsumexp": logsumexp, "a_cumsum_nonlinear": cumsum_nonlinear,
            "a_softthreshold": softthreshold}


JAX_NAMES = ["a_mlp_loss", "a_svm_hinge", "a_lasso", "a_l1_regression", "a_stencil_2d", "a_recurrence",
             "a_logsumexp", "a_cumsum_nonlinear", "a_softthreshold"]


@pytest.mark.parametrize("name", JAX_NAMES)
def test_matches_jax_grad(name):
    jax = _jax()
    import jax.numpy as jnp
    from jax import lax

    twin = _jax_twins(jnp, lax)[name]
    d = differentiable(name, "python", kinks="jax")
    positions = _wrt_positions(d)
    args, _ = generic_point(name, 3, positions)
    jargs = [jnp.asarray(a) if isinstance(a, np.ndarray) else jnp.float64(a) for a in args]
    assert float(twin(*jargs)) == pytest.approx(getattr(P, name)(*_copy(args)), rel=1e-12)
    want = jax.grad(twin, argnums=tuple(positions))(*jargs)
    assert_grad_close(d.grad(*args), [np.asarray(w) if np.ndim(w) else float(w) for w in want],
                      rtol=1e-10, atol=1e-12, msg=f"{name} vs jax.grad")


@pytest.mark.parametrize("x", [[0.0, 1.2, 0.0, -0.5], [0.0, 0.0, 0.0, 0.0]])
def test_jax_policy_matches_jax_at_array_kinks(x):
    jax = _jax()
    import jax.numpy as jnp

    x = np.array(x)
    for name, twin in (("k_sum_relu", lambda v: jnp.sum(jnp.maximum(v, 0.0))),
                       ("k_sum_abs", lambda v: jnp.sum(jnp.abs(v)))):
        want = np.asarray(jax.grad(twin)(jnp.asarray(x)))
        got = nsadc.differentiate(getattr(P, name), kinks="jax", target="python").grad(x)
        np.testing.assert_array_equal(got, want, err_msg=name)


# ------------------------------------------------------------ kinks


def _line_of(text):
    return next(i for i, row in enumerate(LINES, 1) if text in row)


KINK_CASES = [
    # program, point, {policy: gradient}, (primitive, source text of the site, number of hits)
    ("k_sum_relu", [0.0, 1.2, 0.0, -0.5],
     {"min-norm": [0, 1, 0, 0], "jax": [0.5, 1, 0.5, 0], "torch": [0.5, 1, 0.5, 0]},
     ("max", "s += max(x[i], 0.0)", 2)),
    ("k_sum_abs", [0.0, -1.0, 2.0, 0.0],
     {"min-norm": [0, -1, 1, 0], "jax": [1, -1, 1, 1], "torch": [0, -1, 1, 0]},
     ("abs", "s += abs(x[i])", 2)),
    ("k_max_pair", [1.0, 1.0, 3.0],
     {p: [0.5, 0.5, 0.0] for p in ("min-norm", "jax", "torch")},
     ("max", "return max(x[0], x[1])", 1)),
]


@pytest.mark.parametrize("policy", ["min-norm", "jax", "torch"])
@pytest.mark.parametrize("name,point,expected,site", KINK_CASES, ids=[c[0] for c in KINK_CASES])
def test_exact_selection_at_array_kinks(name, point, expected, site, policy, target):
    d = differentiable(name, target, kinks=policy)
    x = np.array(point)
    want = np.array(expected[policy], dtype=float)
    g = d.grad(x)
    np.testing.assert_array_equal(g, want)
    # forward mode makes the same selection, coordinate by coordinate
    for k in range(x.size):
        t = np.zeros_like(x)
        t[k] = 1.0
        _, dot = d.jvp((x,), (t,))
        assert dot == want[k], (k, dot, want[k])
    np.testing.assert_array_equal(d.vjp((x,), 3.0)[1][0], 3.0 * want)


@pytest.mark.parametrize("name,point,expected,site", KINK_CASES, ids=[c[0] for c in KINK_CASES])
def test_report_names_the_array_site_met(name, point, expected, site, target):
    prim, text, count = site
    d = differentiable(name, target)
    g, rep = d.grad(np.array(point), report=True)
    np.testing.assert_array_equal(g, expected["min-norm"])
    assert rep.exact is False
    assert len(rep.kinks) == 1, rep.kinks
    hit = rep.kinks[0]
    assert hit.primitive == prim and hit.kind == "kink" and hit.count == count, hit
    line = _line_of(text)
    col = LINES[line - 1].index(f"{prim}(") + 1
    assert hit.location.endswith(f"arrays.py:{line}:{col}"), hit.location
    # a point off the kinks: exact
    _, rep = d.grad(np.array(point) + np.linspace(0.11, 0.37, len(point)), report=True)
    assert rep.exact is True and rep.kinks == []


def test_numeric_selection_applies_to_every_element():
    d = nsadc.differentiate(P.k_sum_abs, kinks={"abs": 0.25}, target="python")
    np.testing.assert_array_equal(d.grad(np.array([0.0, -1.0, 0.0])), [0.25, -1.0, 0.25])


def test_kink_inside_matrix_program_is_reported():
    # A x has a zero entry exactly: abs and max(r - 0.25, 0) ... only abs is met
    A = np.array([[1.0, -1.0], [2.0, 0.5]])
    x = np.array([1.0, 1.0])
    d = nsadc.differentiate(P.a_matvec_abs_max, target="python")
    g, rep = d.grad(A, x, report=True)
    assert not rep.exact and [k.primitive for k in rep.kinks] == ["abs"]
    # row 0: r = 0, abs'(0) = 0 (min-norm), max(r - .25, 0) * r has derivative 0 at r = 0
    # row 1: r = 2.5, d/dr (r + (r - .25) r) = 1 + 2r - .25 = 5.75
    np.testing.assert_allclose(g[0], [[0.0, 0.0], [5.75, 5.75]])
    np.testing.assert_allclose(g[1], [5.75 * 2.0, 5.75 * 0.5])


# ------------------------------------------------------------ inputs the function writes into


def test_written_input_is_copied_by_derivatives_not_by_the_primal(target):
    d = differentiable("a_inplace_scale", target)
    x0 = np.array([0.3, -0.7, 1.1, 0.25, -1.4])
    x = x0.copy()
    expected_value = float(np.sum(np.sin(2 * x0) * 2 * x0))
    expected_grad = 2.0 * np.cos(2 * x0) * 2 * x0 + 2.0 * np.sin(2 * x0)

    g = d.grad(x)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_allclose(g, expected_grad, rtol=1e-12)

    v, g = d.value_and_grad(x)
    np.testing.assert_array_equal(x, x0)
    assert v == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(g, expected_grad, rtol=1e-12)

    d.grad(x, report=True)
    np.testing.assert_array_equal(x, x0)

    t = np.linspace(-1.0, 1.0, x.size)
    v, dot = d.jvp((x,), (t,))
    np.testing.assert_array_equal(x, x0)
    assert v == pytest.approx(expected_value, rel=1e-12)
    assert dot == pytest.approx(float(expected_grad @ t), rel=1e-12)

    v, (adj,) = d.vjp((x,), 1.5)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_allclose(adj, 1.5 * expected_grad, rtol=1e-12)

    # the primal call behaves like Python: it writes into the caller's array
    y = x0.copy()
    P.a_inplace_scale(y)
    assert d(x) == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_array_equal(x, 2.0 * x0)
    np.testing.assert_array_equal(x, y)


def test_written_input_of_functional_forms_is_copied():
    x0 = np.array([0.3, -0.7, 1.1])
    x = x0.copy()
    nsadc.grad(P.a_inplace_scale, target="python")(x)
    nsadc.jvp(P.a_inplace_scale, (x,), (np.ones(3),), target="python")
    _, vjp_fn = nsadc.vjp(P.a_inplace_scale, x, target="python")
    vjp_fn(1.0)
    np.testing.assert_array_equal(x, x0)


# ------------------------------------------------------------ float32


F32_CASES = [
    ("a_weighted_l1_f32", None),
    ("a_lasso", None),
    ("a_mlp_loss", None),
    ("a_stencil_2d", None),
    ("a_inplace_scale", None),
]


@pytest.mark.parametrize("name", [c[0] for c in F32_CASES])
def test_float32_inputs_give_float32_gradients(name, target):
    d = differentiable(name, target)
    positions = _wrt_positions(d)
    args, direction = generic_point(name, 5, positions)
    # round the float64 point to float32 values so both runs see the same numbers
    args = tuple(a.astype(np.float32).astype(np.float64) if isinstance(a, np.ndarray) else a for a in args)
    args32 = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args)
    before = _copy(args32)
    g64 = as_tuple(d.grad(*args))
    g32 = as_tuple(d.grad(*args32))
    for k, pos in enumerate(positions):
        if isinstance(args[pos], np.ndarray):
            assert g32[k].dtype == np.float32, (k, g32[k].dtype)
            assert g32[k].shape == args[pos].shape
            np.testing.assert_allclose(g32[k], g64[k], rtol=2e-4, atol=2e-4 * (1 + np.abs(g64[k]).max()))
        else:
            assert g32[k] == pytest.approx(g64[k], rel=2e-4, abs=2e-4)
    _, adj = d.vjp(args32, 1.0)
    assert all(a.dtype == np.float32 for a, p in zip(adj, positions) if isinstance(args[p], np.ndarray))
    dir32 = tuple(v.astype(np.float32) if isinstance(v, np.ndarray) else v for v in direction)
    _, dot32 = d.jvp(args32, dir32)
    _, dot64 = d.jvp(args, tuple(np.asarray(v, dtype=np.float64) if isinstance(v, np.ndarray) else v
                                 for v in dir32))
    assert float(dot32) == pytest.approx(float(dot64), rel=1e-3, abs=1e-3)
    for a, b in zip(args32, before):
        np.testing.assert_array_equal(a, b)


SCALED_F32 = """
def scaled(x, w, v):
    s = 0.0
    for i in range(x.shape[0]):
        s += abs(x[i] * w - 0.25) + x[i] * v[i]
    return s
"""


@pytest.mark.parametrize("tgt", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_float_parameter_of_float32_data_gets_a_float(tmp_path, tgt):
    # NumPy keeps x[i] * w in float32 where w is a Python float (the python target computes so);
    # w's adjoint still comes back as a float, v's in float32, on both targets and every method
    from helpers import load_function
    fn = load_function(tmp_path, SCALED_F32, "scaled")
    x = np.array([0.5, -1.25, 2.0], dtype=np.float32)
    v = np.array([1.0, 2.0, -3.0], dtype=np.float32)
    d = nsadc.differentiate(fn, wrt=["w", "v"], target=tgt)
    for gw, gv in (d.grad(x, 0.3, v), d.value_and_grad(x, 0.3, v)[1], d.vjp((x, 0.3, v))[1]):
        assert type(gw) is float
        assert gv.dtype == np.float32
        want_w = sum(float(np.sign(float(xi) * 0.3 - 0.25)) * float(xi) for xi in x)
        assert gw == pytest.approx(want_w, rel=1e-6)
        np.testing.assert_allclose(gv, x, rtol=1e-7)


# ------------------------------------------------------------ refusals


_MARKER = re.compile(r"#\s*<- refused:\s*(\w+)\s+@(.+?)\s*$")
MARKERS = {}
for _number, _row in enumerate(LINES, 1):
    _m = _MARKER.search(_row)
    if _m:
        MARKERS[_m.group(1)] = (_number, _m.group(2))
BAD = sorted(n for n in dir(P) if n.startswith("bad_"))


def test_every_bad_program_has_a_marker():
    assert BAD and sorted(MARKERS) == BAD


def check_located(text, name):
    line, token = MARKERS[name]
    assert "Traceback" not in text
    rows = text.splitlines()
    head = re.match(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<msg>.+)$", rows[0])
    assert head, f"first line is not file:line:col: message\n{text}"
    assert os.path.realpath(head["file"]) == PROGRAM, text
    assert int(head["line"]) == line, f"expected line {line}\n{text}"
    col = int(head["col"])
    assert rows[1].strip() == LINES[line - 1].strip(), text
    assert re.fullmatch(r" *\^", rows[2]), f"no caret line\n{text}"
    assert LINES[line - 1][col - 1:].startswith(token), \
        f"caret should point at {token!r}, points at {LINES[line - 1][col - 1:]!r}\n{text}"
    assert any(r.startswith("hint: ") and len(r) > len("hint: ") + 3 for r in rows[3:]), f"no hint\n{text}"


REFUSAL_ARGS = {
    "bad_scatter": (np.array([0.5, -0.3, 1.2]),),
}


@pytest.mark.parametrize("name", BAD)
def test_refused_with_located_error(name, target):
    """Refused when decorated, or (for what only the reverse planner can see)
    at the first call that compiles the derivatives; never a Python traceback."""
    with pytest.raises(nsadc.NsadcError) as info:
        d = nsadc.differentiate(getattr(P, name), target=target)
        args = REFUSAL_ARGS.get(name, (np.array([0.5, -0.3, 1.2]),))
        d.grad(*args)
    assert isinstance(info.value, nsadc.UnsupportedError)
    check_located(str(info.value), name)


def test_alias_hint_says_copy():
    with pytest.raises(nsadc.NsadcError) as info:
        nsadc.differentiate(P.bad_alias, target="python")
    assert "B = A.copy()" in str(info.value)


def test_inplace_read_then_write_hint_says_another_array():
    with pytest.raises(nsadc.NsadcError) as info:
        nsadc.differentiate(P.bad_scatter, target="python").grad(np.array([0.5, -0.3]))
    assert "another array" in str(info.value)


def test_chained_indexing_hint_says_index_all_dimensions():
    """Was (at e2073c3) the generic 'only named arrays can be indexed' / 'assign the
    array to a name first', which leads to another refusal."""
    with pytest.raises(nsadc.NsadcError) as info:
        nsadc.differentiate(P.bad_chained, target="python")
    assert "A[i, j]" in str(info.value) or "a[i, j]" in str(info.value)


def test_clarke_mode_works_for_arrays():
    """(Clarke mode was scalar-only before issue 3; tests/test_clarke_arrays.py has the rest.)"""
    d = nsadc.differentiate(P.k_sum_abs, target="python")
    np.testing.assert_array_equal(d.clarke_grad(np.array([0.0, 1.0])), [1.0, 1.0])  # |x|' along +e0
    auto = nsadc.differentiate(P.k_sum_abs, kinks="auto", target="python")
    np.testing.assert_array_equal(auto.grad(np.array([0.5, -1.0])), [1.0, -1.0])  # no kink met: reverse
    np.testing.assert_array_equal(auto.grad(np.array([0.0, 1.0])), [1.0, 1.0])  # a kink met: Clarke mode


# ------------------------------------------------------------ argument errors


def _argument_error(call, name):
    with pytest.raises(nsadc.ArgumentError) as info:
        call()
    text = str(info.value)
    assert f"'{name}'" in text, text
    assert "Traceback" not in text and "numba" not in text.lower(), text
    return text


def test_argument_errors_name_the_argument(target):
    d = differentiable("a_dot_tanh", target)
    x, y = np.array([0.1, 0.2, 0.3]), np.array([1.0, -1.0, 0.5])
    _argument_error(lambda: d.grad([0.1, 0.2, 0.3], y), "x")
    _argument_error(lambda: d.grad(x, (1.0, -1.0, 0.5)), "y")
    _argument_error(lambda: d.grad(3.0, y), "x")
    assert "complex" in _argument_error(lambda: d.grad(x.astype(complex), y), "x")
    _argument_error(lambda: d.grad(np.array([1, 2, 3]), y), "x")  # int array, differentiated
    _argument_error(lambda: d(np.array(0.5), y), "x")  # 0-d
    _argument_error(lambda: d.jvp((x, y), (np.ones(4), np.ones(3))), "x")  # tangent shape
    L = differentiable("a_lasso", target)
    text = _argument_error(lambda: L.grad(np.ones(5), np.ones(5), np.ones(3), 0.1), "X")  # rank 1 for 2
    assert "1-D" in text and "2" in text
    _argument_error(lambda: L.grad(np.ones((5, 3)), np.ones(5), np.ones(3), np.ones(2)), "lam")
    _argument_error(lambda: L.vjp(([[1.0]], np.ones(1), np.ones(1), 0.1), 1.0), "X")


def test_int_array_is_fine_when_not_differentiated():
    d = differentiable("a_gather", "python")
    x, idx, w = np.array([0.3, -0.5, 1.1, 0.7, -0.2]), np.array([0, 2, 2, 4, 1, 0]), np.linspace(0.1, 0.9, 6)
    gx, gw = d.grad(x, idx, w)
    want = fd_gradient(P.a_gather, (x, idx, w), [0, 2])
    np.testing.assert_allclose(gx, want[0], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gw, want[1], rtol=1e-6, atol=1e-7)
    _argument_error(lambda: d.grad(x, idx.astype(complex), w), "idx")
    # wrt naming an argument the function uses as an int array: refused when it arrives as ints
    with pytest.raises(nsadc.ArgumentError, match="idx"):
        nsadc.differentiate(P.a_gather, wrt=("x", "idx"), target="python").grad(x, idx, w)


def test_default_wrt_excludes_index_arrays():
    """Was (at e2073c3) in the default wrt, so grad(x, idx, w) raised ArgumentError."""
    d = nsadc.differentiate(P.a_gather, target="python")
    x, idx, w = np.array([0.3, -0.5, 1.1, 0.7, -0.2]), np.array([0, 2, 2, 4, 1, 0]), np.linspace(0.1, 0.9, 6)
    gx, gw = d.grad(x, idx, w)
    assert gx.shape == (5,) and gw.shape == (6,)
    assert d.wrt == ["x", "w"]


def test_default_wrt_excludes_int_arrays_used_as_counts():
    """Was an ArgumentError: cnt (range() bounds and a factor) was taken for a float
    array, so it was in the default wrt."""
    d = nsadc.differentiate(P.a_int_counts, target="python")
    g = d.grad(np.array([0.3, -0.5, 1.1, 0.7]), np.array([2, 0, 3, 1]))
    assert g.shape == (4,)


def _int_arrays_check(target):
    """Default wrt, both modes and finite differences for int arrays used as range()
    bounds (a_int_counts: known from the code) and only as a factor (a_int_factor:
    known from the call)."""
    x, cnt, w = np.array([0.3, -0.5, 1.1, 0.7]), np.array([2, 0, 3, 1]), np.array([3, -1, 0, 2])
    counts = nsadc.differentiate(P.a_int_counts, target=target)
    assert counts.wrt == ["x"]  # before any call: range(cnt[k]) says cnt holds ints
    factor = nsadc.differentiate(P.a_int_factor, target=target)
    assert factor.wrt == ["x", "w"]  # the code alone cannot tell; the first call does
    direction = np.array([0.4, -1.0, 0.3, 0.8])
    for d, fn, other in ((counts, P.a_int_counts, cnt), (factor, P.a_int_factor, w)):
        (want,) = fd_gradient(fn, (x, other), [0])
        g = d.grad(x, other)
        assert d.wrt == ["x"]
        np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-8)
        value, dot = d.jvp((x, other), (direction,))
        assert value == pytest.approx(fn(x, other), rel=1e-12)
        assert dot == pytest.approx(float(g @ direction), rel=1e-10)
        value, (adj,) = d.vjp((x, other), 2.0)
        np.testing.assert_allclose(adj, 2.0 * g, rtol=1e-12)
    # the first call settled the wrt: a later float w is an argument, not differentiated
    assert np.shape(factor.grad(x, w.astype(np.float64))) == (4,)
    # kernels made for the static guess (wrt x and w) are not reused once the call settled wrt
    early = nsadc.differentiate(P.a_int_factor, target=target)
    early.compiled()
    early.grad(x, w)
    assert np.shape(early.grad(x, w.astype(np.float64))) == (4,)


def test_int_arrays_leave_the_default_wrt():
    _int_arrays_check("python")


@pytest.mark.slow
def test_int_arrays_leave_the_default_wrt_cpu():
    _int_arrays_check("cpu")


def test_int_array_in_wrt_is_an_argument_error():
    x, cnt, w = np.array([0.3, -0.5, 1.1]), np.array([2, 0, 3]), np.array([3, -1, 0])
    with pytest.raises(nsadc.ArgumentError, match="'cnt'.*integer array"):
        nsadc.differentiate(P.a_int_counts, wrt=("x", "cnt"), target="python")
    explicit = nsadc.differentiate(P.a_int_factor, wrt=("x", "w"), target="python")
    text = _argument_error(lambda: explicit.grad(x, w), "w")
    assert "int64" in text and "wrt names it" in text
    # the first call passed floats, so w is in the default wrt: a later int w is refused
    settled = nsadc.differentiate(P.a_int_factor, target="python")
    assert len(settled.grad(x, w.astype(np.float64))) == 2
    assert "first call" in _argument_error(lambda: settled.grad(x, w), "w")
    # an int array that is all there is to differentiate is refused, not dropped
    alone = nsadc.differentiate(_square_sum_only, target="python")
    _argument_error(lambda: alone.grad(np.array([1, 2, 3])), "x")
    # range() bounds must be ints: a float cnt is refused before it reaches range()
    counts = nsadc.differentiate(P.a_int_counts, target="python")
    assert "integer array" in _argument_error(lambda: counts.grad(x, cnt.astype(np.float64)), "cnt")


def _square_sum_only(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * x[i]
    return s


def _counts_through_arithmetic(x, cnt, m):
    s = 0.0
    for k in range(cnt.shape[0]):
        for r in range(1, cnt[k] + 1):
            s += math.sin(r * x[k])
    for j in range(int(m[0])):  # int() of an element: m may hold floats
        s += m[j] * x[j]
    return s


def test_counts_inferred_through_int_arithmetic_but_not_through_int():
    d = nsadc.differentiate(_counts_through_arithmetic, target="python")
    assert d.wrt == ["x", "m"]
    args = (np.array([0.3, -0.5, 1.1]), np.array([2, 0, 3]), np.array([2.5, 0.5, 1.5]))
    gx, gm = d.grad(*args)
    want = fd_gradient(_counts_through_arithmetic, args, [0, 2])
    np.testing.assert_allclose(gx, want[0], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gm, want[1], rtol=1e-6, atol=1e-8)


def test_static_emit_guesses_float_for_a_factor_array_and_stays_right():
    """Without a call (nsadc emit, source()) w is guessed to be a float array: its
    derivative is then the right one for float w."""
    d = nsadc.differentiate(P.a_int_factor, target="python")
    assert d.wrt == ["x", "w"] and "w_bar" in d.source("reverse")
    x, w = np.array([0.3, -0.5, 1.1]), np.array([3.0, -1.0, 0.5])
    gx, gw = d.grad(x, w)
    want = fd_gradient(P.a_int_factor, (x, w), [0, 1])
    np.testing.assert_allclose(gx, want[0], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(gw, want[1], rtol=1e-6, atol=1e-8)


# ------------------------------------------------------------ helpers called as statements


def _helper_statement_check(target):
    """Was refused ('a call whose result is unused'): the helper's stores into the
    caller's arrays are seen by both modes, as with t = helper(...)."""
    for name in ("a_helper_statement", "a_helper_no_return", "a_helper_statement_rows"):
        fn = getattr(P, name)
        d = nsadc.differentiate(fn, target=target)
        positions = _wrt_positions(d)
        args, direction = generic_point(name, 3, positions)
        g = as_tuple(d.grad(*args))
        assert_grad_close(g, fd_gradient(fn, args, positions), rtol=1e-6, atol=1e-7, msg=name)
        value, dot = d.jvp(args, tuple(direction))
        assert value == pytest.approx(_call(fn, args), rel=1e-12)
        assert dot == pytest.approx(_dot(g, direction), rel=1e-9, abs=1e-12)
    same = nsadc.differentiate(P.a_helper_writes, target=target)
    x, w = np.array([0.3, -0.5, 1.1, 0.7]), np.array([1.2, 0.4, -0.8, 0.9])
    d = nsadc.differentiate(P.a_helper_statement, target=target)
    assert_grad_close(as_tuple(d.grad(x, w)), list(same.grad(x, w)), rtol=1e-14, atol=0.0, msg="forms")


def test_helper_called_as_a_statement():
    _helper_statement_check("python")


@pytest.mark.slow
def test_helper_called_as_a_statement_cpu():
    _helper_statement_check("cpu")


def test_useless_call_statement_keeps_its_hint():
    with pytest.raises(nsadc.UnsupportedError) as info:
        nsadc.differentiate(P.bad_useless_call, target="python")
    text = str(info.value)
    assert "a call whose result is unused" in text
    assert "_square_sum() writes into none of its array arguments" in text and "no other side effects" in text


def _scale_in_place(v, a):
    for i in range(v.shape[0]):
        v[i] = v[i] * a + 0.1 * v[i] * v[i]


def _helper_writes_a_slice(x):
    y = x.copy()
    _scale_in_place(y[2:6], 1.5)
    return np.sum(y * y)


def test_a_helper_writing_into_a_slice_is_refused_with_the_write_back():
    """NumPy would write through the view; the hint spells out the copy and the store back."""
    with pytest.raises(nsadc.UnsupportedError) as info:
        nsadc.differentiate(_helper_writes_a_slice, target="python").grad(np.ones(8))
    text = str(info.value)
    assert "writes into its argument y[2:6], a slice" in text and "test_arrays.py:" in text
    assert "part = y[2:6].copy(); _scale_in_place(part, 1.5); y[2:6] = part" in text


def _fill_bare(out, x):
    for i in range(x.shape[0]):
        out[i] = abs(x[i])


def _assigns_a_helper_without_value(x):
    out = np.zeros_like(x)
    t = _fill_bare(out, x)
    return t + out[0]


def test_a_helper_without_return_needs_the_statement_form():
    with pytest.raises(nsadc.UnsupportedError, match="never returns a value"):
        nsadc.differentiate(_assigns_a_helper_without_value, target="python")


def test_higher_rank_than_indexed_is_a_located_error_not_a_traceback():
    d = nsadc.differentiate(P.a_dot_tanh, target="python")
    with pytest.raises(nsadc.NsadcError) as info:
        d.grad(np.ones((3, 2)), np.ones(3))
    assert "Traceback" not in str(info.value) and "x" in str(info.value)


# ------------------------------------------------------------ layouts, annotations, scalar cross-check


def test_non_contiguous_and_fortran_inputs(target):
    d = differentiable("a_lasso", target)
    args, direction = generic_point("a_lasso", 0, _wrt_positions(d))
    X, y, w, lam = args
    want = as_tuple(d.grad(*args))
    big = np.zeros((2 * X.shape[0], 3 * X.shape[1]))
    big[::2, ::3] = X
    wide = np.zeros(2 * w.size)
    wide[1::2] = w
    for Xv, wv in ((np.asfortranarray(X), w), (big[::2, ::3], wide[1::2])):
        keep = (Xv.copy(), wv.copy())
        got = as_tuple(d.grad(Xv, y, wv, lam))
        assert_grad_close(got, list(want), rtol=1e-12, atol=1e-14, msg="layout")
        _, dot = d.jvp((Xv, y, wv, lam), tuple(direction))
        assert dot == pytest.approx(_dot(want, direction), rel=1e-10)
        np.testing.assert_array_equal(Xv, keep[0])
        np.testing.assert_array_equal(wv, keep[1])


def _copy_only(x):
    c = np.copy(x)
    s = 0.0
    for i in range(c.shape[0]):
        s += c[i] * c[i]
    return s


def _copy_only_annotated(x: np.ndarray):
    c = np.copy(x)
    s = 0.0
    for i in range(c.shape[0]):
        s += c[i] * c[i]
    return s


def test_array_used_only_through_a_copy_is_an_array():
    """A parameter is an array when the body indexes or measures it, or a name
    bound to a copy of it (c = np.copy(x); c[i]); the annotation says so too."""
    d = nsadc.differentiate(_copy_only, target="python")
    np.testing.assert_allclose(d.grad(np.array([0.5, -1.0, 2.0])), [1.0, -2.0, 4.0])
    d = nsadc.differentiate(_copy_only_annotated, target="python")
    assert d.wrt == ["x"]


def test_copy_of_an_annotated_argument():
    """Was (at e2073c3) AssertionError('array derivatives are written by the transforms,
    not by the rule table') from the reverse planner for any x.copy() / np.copy(x)."""
    d = nsadc.differentiate(_copy_only_annotated, target="python")
    np.testing.assert_allclose(d.grad(np.array([0.5, -1.0, 2.0])), [1.0, -2.0, 4.0])


def test_break_then_reused_loop_variable_scalar_program(target):
    """Was (at e2073c3) a wrong reverse-mode gradient (10.0): the first loop's
    re-run started from the later loop's final index."""
    d = differentiable("s_break_reuse", target)
    x, n = 0.3, 5
    # s = sin(x) sin(x + 1), t = 10 x
    want = math.sin(2 * x + 1) + 10.0
    _, dot = d.jvp((x, n), (1.0,))
    assert dot == pytest.approx(want, rel=1e-12)  # forward mode is right
    assert d.grad(x, n) == pytest.approx(want, rel=1e-12)


def test_running_max_reports_no_kink_when_no_tie(target):
    """Was (at e2073c3) counted as a tie whenever x[i] became the new maximum: the
    report compared the updated m with x[i]."""
    d = differentiable("a_logsumexp", target)
    x = np.array([0.1, 0.5, 0.3, 0.9])  # the max changes twice, never a tie
    _, rep = d.grad(x, report=True)
    assert rep.exact, rep.kinks
    _, rep = d.grad(np.array([0.1, 0.9, 0.3, 0.9]), report=True)  # a real tie
    assert not rep.exact and rep.kinks[0].count == 1


def test_triple_nest_value(target):
    """Was (at e2073c3) wrong from grad / vjp / value_and_grad: the re-run of the middle
    loop of a fused triple nest left s at its first iteration's value."""
    d = differentiable("a_tensor3", target)
    T, x, y, z = np.arange(1.0, 9.0).reshape(2, 2, 2), np.ones(2), np.ones(2), np.ones(2)
    assert P.a_tensor3(T, x, y, z) == 36.0
    assert d(T, x, y, z) == 36.0
    value, (gT, *_) = d.value_and_grad(T, x, y, z)
    assert value == 36.0 and d.vjp((T, x, y, z), 1.0)[0] == 36.0
    np.testing.assert_array_equal(gT, np.ones_like(T))


# ------------------------------------------------------------ certificate


@pytest.mark.parametrize("name", ["k_sum_relu", "a_lasso", "a_max_pool_1d"])
def test_static_certificate_of_array_programs(name):
    cert = nsadc.differentiate(getattr(P, name), target="python").certificate()
    assert cert.status in ("certified", "conditional"), cert.status


def test_numeric_probes_on_array_programs_do_not_crash():
    """Was (at a0b18b4) an AttributeError traceback from the traced function."""
    d = nsadc.differentiate(P.k_sum_relu, target="python")
    try:
        cert = d.certificate(probe=True, points=4)
    except nsadc.NsadcError:
        return  # refusing array programs, with a message, would be fine too
    assert cert.status in ("certified", "conditional")


def _filled_by_value(x, w, k: int):
    a = np.full((k, 2), w * 2.0)
    s = 0.0
    for i in range(k):
        s += a[i, 0] * x[i] + a[i, 1]
    return s


def _filled_vectorized(x, w):
    return np.sum(np.full(x.shape[0], w) * x)


@pytest.mark.parametrize("fn, args", [(_filled_by_value, (np.array([1.5, -0.5, 2.0]), 0.3, 3)),
                                      (_filled_vectorized, (np.array([1.5, -0.5, 2.0]), 0.3))])
def test_np_full_carries_the_derivative_of_its_fill_value(fn, args):
    """Was (at 245d1d5) silently 0 for w: np.full was an allocation with no derivative."""
    d = nsadc.differentiate(fn, target="python")
    gx, gw = d.grad(*args)
    fx, fw = fd_gradient(fn, args, [0, 1])
    assert gw == pytest.approx(fw, rel=1e-7) and gw != 0.0
    assert gx == pytest.approx(fx, rel=1e-7)
    value, dot = d.jvp(args, (np.zeros(3), 1.0))
    assert dot == pytest.approx(gw, rel=1e-12) and value == pytest.approx(fn(*args))


def _shifted_recurrence(x, a):
    """Reads y[i], writes y[i + 1]: a different element in every iteration."""
    y = np.zeros(x.shape[0] + 1)
    for i in range(x.shape[0]):
        y[i + 1] = math.sin(a * y[i]) + x[i]
    return np.sum(y * y)


def _two_back(x, a):
    z = np.zeros_like(x)
    z[0] = x[0]
    z[1] = x[1]
    for i in range(2, x.shape[0]):
        i_minus_2 = i - 2
        z[i] = math.tanh(a * z[i - 1] - z[i_minus_2]) + x[i]
    return np.sum(z * z)


def _gathered_recurrence(x, idx):
    """Reads z[idx[i]]: which element is not known, so the read may be the one overwritten."""
    z = x.copy()
    for i in range(x.shape[0]):
        z[i] = math.sin(z[idx[i]]) * 2.0
    return np.sum(z)


@pytest.mark.parametrize("fn", [_shifted_recurrence, _two_back])
def test_recurrences_through_other_elements_are_differentiated(fn):
    """Was refused ('read here and overwritten later in the same loop') until
    the indices were compared: they differ by a constant in every iteration."""
    x, a = np.array([0.3, -0.5, 1.1, 0.7, -0.2]), 0.8
    d = nsadc.differentiate(fn, target="python")
    for got, want in zip(d.grad(x, a), fd_gradient(fn, (x, a), [0, 1])):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9)
    value, dot = d.jvp((x, a), (np.ones(5), 0.5))
    gx, ga = d.grad(x, a)
    assert dot == pytest.approx(gx.sum() + 0.5 * ga, rel=1e-10)


@pytest.mark.parametrize("idx", [[2, 0, 1], [0, 0, 2], [1, 1, 1], [2, 2, 0]])
def test_a_read_of_an_unknown_element_before_a_store_is_differentiated(idx):
    """Was refused: the iteration stores one element known at its start (z[i]),
    so putting that element back before the re-run restores what every read
    saw, whichever element idx[i] names (itself, an earlier one, a later one)."""
    x, idx = np.array([0.3, -0.5, 1.1]), np.array(idx)
    (got,) = nsadc.differentiate(_gathered_recurrence, wrt=["x"], target="python").grad(x, idx),
    np.testing.assert_allclose(got, fd_gradient(_gathered_recurrence, (x, idx), [0])[0], rtol=1e-6, atol=1e-9)


def _full_of_an_array(x, w):
    return np.sum(np.full(x.shape[0], x) * w)


def _full_of_an_array_named(x, w):
    a = np.full(x.shape[0], x)
    return np.sum(a * w)


@pytest.mark.parametrize("fn", [_full_of_an_array, _full_of_an_array_named])
def test_np_full_of_an_array_is_refused(fn):
    """Was (at 2bd274e) silently wrong inside an expression: the array was used as one element."""
    with pytest.raises(nsadc.NsadcError, match="fill value"):
        nsadc.differentiate(fn, target="python").grad(np.ones(3), 0.5)


# ------------------------------------------------------------ the cpu target against the python target


def _primal_and_argument(d, args):
    """The primal's value and the arguments after the call (the primal writes
    into them as Python does)."""
    args = _copy(args)
    return d(*args), args


def _cpu_checks() -> dict:
    """program -> [(label, call)]: the calls the tests above make on the python
    target, to be made on both targets by test_cpu_target_matches_python."""
    checks: dict = {}

    def add(name, label, call, *tolerances):
        checks.setdefault(name, []).append((label, call, *tolerances))

    for name in NAMES:
        positions = _wrt_positions(nsadc.differentiate(getattr(P, name), wrt=CASES[name][1], target="python"))
        for seed in (0, 1):
            args, direction = generic_point(name, seed, positions)
            add(name, f"seed {seed}: primal", lambda d, a=args: _primal_and_argument(d, a))
            add(name, f"seed {seed}: grad", lambda d, a=args: d.grad(*a))
            add(name, f"seed {seed}: value_and_grad", lambda d, a=args: d.value_and_grad(*a))
            add(name, f"seed {seed}: value_and_grad(report)", lambda d, a=args: d.value_and_grad(*a, report=True))
            add(name, f"seed {seed}: vjp(2)", lambda d, a=args: d.vjp(a, 2.0))
            add(name, f"seed {seed}: jvp", lambda d, a=args, t=tuple(direction): d.jvp(a, t))
    for name, point, _, _ in KINK_CASES:  # at the kink, under the default policy (min-norm)
        x = np.array(point)
        add(name, f"kink {point}: grad(report)", lambda d, x=x: d.grad(x, report=True))
        add(name, f"kink {point}: vjp(3)", lambda d, x=x: d.vjp((x,), 3.0))
        for k in range(x.size):
            t = np.zeros_like(x)
            t[k] = 1.0
            add(name, f"kink {point}: jvp along {k}", lambda d, x=x, t=t: d.jvp((x,), (t,)))
        shifted = x + np.linspace(0.11, 0.37, x.size)
        add(name, f"kink {point}: off the kink grad(report)", lambda d, x=shifted: d.grad(x, report=True))
    mixed = (np.array([0.3, -0.8, 1.1, 0.4]), 0.7, 0.2, 2, False)
    add("a_mixed_scalars", "flag=False: grad", lambda d: d.grad(*mixed))
    x0 = np.array([0.3, -0.7, 1.1, 0.25, -1.4])  # test_written_input_is_copied_by_derivatives_not_by_the_primal
    add("a_inplace_scale", "written input: grad(report)", lambda d: d.grad(x0, report=True))
    add("a_inplace_scale", "written input: jvp", lambda d: d.jvp((x0,), (np.linspace(-1.0, 1.0, x0.size),)))
    add("a_inplace_scale", "written input: vjp", lambda d: d.vjp((x0,), 1.5))
    add("a_inplace_scale", "written input: primal", lambda d: _primal_and_argument(d, (x0,)))
    for name, _ in F32_CASES:
        positions = _wrt_positions(nsadc.differentiate(getattr(P, name), wrt=CASES[name][1], target="python"))
        args, direction = generic_point(name, 5, positions)
        args32 = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args)
        dir32 = tuple(v.astype(np.float32) if isinstance(v, np.ndarray) else v for v in direction)
        add(name, "float32: grad", lambda d, a=args32: d.grad(*a), *F32_TOL)
        add(name, "float32: vjp", lambda d, a=args32: d.vjp(a, 1.0), *F32_TOL)
        add(name, "float32: jvp", lambda d, a=args32, t=dir32: d.jvp(a, t), *F32_TOL)
    x, y = np.array([0.1, 0.2, 0.3]), np.array([1.0, -1.0, 0.5])  # test_argument_errors_name_the_argument
    for label, call in [("list", lambda d: d.grad([0.1, 0.2, 0.3], y)), ("tuple", lambda d: d.grad(x, (1.0, -1.0, 0.5))),
                        ("float", lambda d: d.grad(3.0, y)), ("complex", lambda d: d.grad(x.astype(complex), y)),
                        ("int array", lambda d: d.grad(np.array([1, 2, 3]), y)), ("0-d", lambda d: d(np.array(0.5), y)),
                        ("tangent shape", lambda d: d.jvp((x, y), (np.ones(4), np.ones(3))))]:
        add("a_dot_tanh", f"argument error: {label}", call)
    add("a_lasso", "argument error: rank", lambda d: d.grad(np.ones(5), np.ones(5), np.ones(3), 0.1))
    add("a_lasso", "argument error: lam", lambda d: d.grad(np.ones((5, 3)), np.ones(5), np.ones(3), np.ones(2)))
    add("a_lasso", "argument error: list", lambda d: d.vjp(([[1.0]], np.ones(1), np.ones(1), 0.1), 1.0))
    positions = _wrt_positions(nsadc.differentiate(P.a_lasso, target="python"))  # non-contiguous, Fortran
    (X, yy, w, lam), direction = generic_point("a_lasso", 0, positions)
    big = np.zeros((2 * X.shape[0], 3 * X.shape[1]))
    big[::2, ::3] = X
    wide = np.zeros(2 * w.size)
    wide[1::2] = w
    for label, Xv, wv in (("Fortran", np.asfortranarray(X), w), ("strided", big[::2, ::3], wide[1::2])):
        add("a_lasso", f"{label}: grad", lambda d, a=(Xv, yy, wv, lam): d.grad(*a))
        add("a_lasso", f"{label}: jvp", lambda d, a=(Xv, yy, wv, lam), t=tuple(direction): d.jvp(a, t))
    add("s_break_reuse", "jvp", lambda d: d.jvp((0.3, 5), (1.0,)))
    add("s_break_reuse", "grad", lambda d: d.grad(0.3, 5))
    for point in ([0.1, 0.5, 0.3, 0.9], [0.1, 0.9, 0.3, 0.9]):
        add("a_logsumexp", f"{point}: grad(report)", lambda d, x=np.array(point): d.grad(x, report=True))
    T3 = (np.arange(1.0, 9.0).reshape(2, 2, 2), np.ones(2), np.ones(2), np.ones(2))
    add("a_tensor3", "primal", lambda d: d(*T3))
    add("a_tensor3", "value_and_grad", lambda d: d.value_and_grad(*T3))
    add("a_tensor3", "vjp", lambda d: d.vjp(T3, 1.0))
    return checks


F32_TOL = (2e-5, 1e-6)  # float32 sums in another order: float32 rounding
CPU_CHECKS = _cpu_checks()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CPU_CHECKS))
def test_cpu_target_matches_python(name):
    """One program compiled once by Numba: every call the tests above make on the
    python target gives the same result (or the same error) on the cpu target,
    and leaves the caller's arrays as they were (the primal's calls run on copies)."""
    py, cpu = differentiable(name, "python"), differentiable(name, "cpu")
    calls = CPU_CHECKS[name]
    arrays = [(x, x.copy()) for _, call, *_ in calls for value in call.__defaults__ or ()
              for x in (value if isinstance(value, tuple) else (value,)) if isinstance(x, np.ndarray)]
    compare_targets(py, cpu, calls, rtol=1e-10, atol=1e-12)
    for a, b in arrays:
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
@pytest.mark.parametrize("name", BAD)
def test_cpu_target_refuses_as_python_does(name):
    args = REFUSAL_ARGS.get(name, (np.array([0.5, -0.3, 1.2]),))
    compare_targets("python", "cpu", [
        ("differentiate + grad", lambda target: nsadc.differentiate(getattr(P, name), target=target).grad(*args))])


def _banded_sum(a, w):
    n = a.shape[0]
    s = 0.0
    for i in range(n):
        hi = min(n, i + w)
        for j in range(i, hi):
            s += a[j] * a[j] * (j - i + 1)
    return s


def _clamped_window(x, half):
    n = x.shape[0]
    best = 0.0
    for i in range(n):
        lo = max(0, i - half)
        hi = lo + 2 * half
        hi = min(hi, n)
        for k in range(lo, hi):
            best = max(best, abs(x[k] - x[i]))
    return best


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_an_argument_that_reaches_a_range_through_locals_and_min_is_an_int(target):
    """``hi = min(n, i + w); range(i, hi)``: w is an int, so it is not in the
    default wrt, and the python target's range() gets ints (was a TypeError
    there, and a meaningless d/dw in the compiled one)."""
    for fn, other in ((_banded_sum, 2), (_clamped_window, 1)):
        d = nsadc.differentiate(fn, target=target)
        assert d.wrt == ["x" if fn is _clamped_window else "a"]
        x = np.array([0.5, -1.0, 2.0, 0.25])
        (want,) = fd_gradient(fn, (x, other), [0])
        np.testing.assert_allclose(d.grad(x, other), want, rtol=1e-6, atol=1e-8)
