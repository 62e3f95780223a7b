"""Vectorized NumPy programs: values against plain NumPy, derivatives against
finite differences and JAX, exact values at kinks, the kink report, float32,
shape mistakes and refusals.

The programs live in tests/programs/vectorized.py (``SHAPES`` there describes
their arguments).  Every derivative check runs at a point drawn at random and
accepted only when it is generic: along every coordinate (and along the jvp
direction) central differences with steps 1e-3 and 1e-5 agree, so no kink lies
within ~1e-3 of the point along those lines.
"""

from __future__ import annotations

import inspect
import re
import types

import numpy as np
import pytest

import nsadc
from helpers import compare_targets
from programs import vectorized as V

NAMES = sorted(V.SHAPES)


@pytest.fixture
def target():
    """The tests below run on the python target; the cpu target (Numba) runs
    every program once in test_cpu_target_matches_python at the end of this
    file, on the points and calls these tests use (docs/testing.md)."""
    return "python"


# ------------------------------------------------------------ points


def _arg(rng, kind):
    if kind == V.FLOAT:
        return float(rng.normal())
    if kind == V.POS:
        return 0.5 + float(rng.random())
    if kind == V.INT3:
        return 3
    if isinstance(kind, tuple) and kind and kind[0] == V.LABELS:
        return np.where(rng.random(kind[1]) < 0.5, -1.0, 1.0)
    if isinstance(kind, tuple) and kind and kind[0] == V.ONEHOT:
        y = np.zeros(kind[1])
        y[rng.integers(kind[1])] = 1.0
        return y
    if isinstance(kind, tuple) and kind and kind[0] == V.OFFSET:
        return 8.0 + rng.random(kind[1])
    assert isinstance(kind, tuple) and all(isinstance(n, int) for n in kind), kind
    return rng.standard_normal(kind)


def make_args(name, rng):
    return tuple(_arg(rng, k) for k in V.SHAPES[name][0])


def params_of(name):
    return list(inspect.signature(getattr(V, name)).parameters)


def expected_wrt(name):
    """The wrt the tests use: SHAPES's, or every float / float-array argument."""
    wrt = V.SHAPES[name][1]
    if wrt is not None:
        return list(wrt)
    return [p for p, k in zip(params_of(name), V.SHAPES[name][0]) if k != V.INT3]


def positions_of(name):
    params = params_of(name)
    return [params.index(w) for w in expected_wrt(name)]


def _copy(args):
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def _call(fn, args):
    return float(fn(*_copy(args)))


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
    """Central differences of the plain NumPy function, one array (or float) per
    differentiated argument."""
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
    if not np.isfinite(_call(fn, args)):
        return False
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


def generic_point(name, seed):
    """A random point of ``name``'s program where it is smooth nearby, and a
    random direction (one entry per differentiated argument) there."""
    fn = getattr(V, name)
    positions = positions_of(name)
    rng = np.random.default_rng(seed)
    for _ in range(50):
        args = make_args(name, rng)
        direction = _direction(rng, args, positions)
        if _smooth_near(fn, args, positions, direction):
            return args, direction
    raise AssertionError(f"no generic point found for {name}")


_DIFFERENTIABLES: dict = {}


def differentiable(name, target, **kw):
    """One Differentiable per (program, target, options): compile once per session."""
    key = (name, target, tuple(sorted(kw.items())))
    if key not in _DIFFERENTIABLES:
        wrt = V.SHAPES[name][1] if name in V.SHAPES else None
        _DIFFERENTIABLES[key] = nsadc.differentiate(getattr(V, name), wrt=wrt, target=target, **kw)
    return _DIFFERENTIABLES[key]


def as_tuple(g):
    return g if isinstance(g, tuple) else (g,)


def assert_grad_close(got, want, rtol=1e-6, atol=1e-7, msg=""):
    got = as_tuple(got)
    assert len(got) == len(want), f"{msg}: {len(got)} gradients for {len(want)} wrt arguments"
    for k, (g, w) in enumerate(zip(got, want)):
        if isinstance(w, np.ndarray):
            assert isinstance(g, np.ndarray), f"{msg}[{k}]: expected an array, got {type(g).__name__}"
            assert g.shape == w.shape, f"{msg}[{k}]: shape {g.shape} != {w.shape}"
        else:
            assert np.ndim(g) == 0, f"{msg}[{k}]: expected a scalar, got {g!r}"
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=f"{msg}[{k}]")


def _dot(grad, direction):
    return sum(float(np.sum(np.asarray(g) * np.asarray(v))) for g, v in zip(as_tuple(grad), direction))


def _fd_atol(fn, args):
    """Central differences with h = 1e-6 carry a rounding error of about
    1e-10 |f|: an absolute tolerance well above it."""
    return 1e-7 * (1.0 + abs(_call(fn, args)))


# ------------------------------------------------------------ the catalogue itself (no nsadc)


def test_catalogue_is_large_and_complete():
    programs = sorted(n for n in dir(V) if n.startswith("v_"))
    assert programs == NAMES
    assert len(NAMES) >= 25
    for name in NAMES:
        kinds, wrt = V.SHAPES[name]
        assert len(kinds) == len(params_of(name)), name
        assert wrt is None or set(wrt) <= set(params_of(name)), name


@pytest.mark.parametrize("name", NAMES)
def test_programs_run_in_plain_numpy(name):
    args, _ = generic_point(name, 0)
    v = getattr(V, name)(*args)
    assert np.ndim(v) == 0 and np.isfinite(v)


# ------------------------------------------------------------ values


@pytest.mark.parametrize("name", [n for n in NAMES if V.SHAPES[n][1] is None])
def test_default_wrt_is_every_float_argument(name):
    """No annotations: the arguments used in whole-array expressions are arrays."""
    assert differentiable(name, "python").wrt == expected_wrt(name)


@pytest.mark.parametrize("name", NAMES)
def test_every_entry_point_returns_the_numpy_value(name, target):
    d = differentiable(name, target)
    args, direction = generic_point(name, 0)
    want = _call(getattr(V, name), args)
    got = {
        "primal": d(*_copy(args)),
        "value_and_grad": d.value_and_grad(*args)[0],
        "value_and_grad(report)": d.value_and_grad(*args, report=True)[0],
        "vjp": d.vjp(args, 1.0)[0],
        "jvp": d.jvp(args, tuple(direction))[0],
    }
    for what, v in got.items():
        assert v == pytest.approx(want, rel=1e-12, abs=1e-12), f"{name}: {what} returned {v}, NumPy {want}"


# ------------------------------------------------------------ against finite differences


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", NAMES)
def test_grad_matches_finite_differences(name, seed, target):
    d = differentiable(name, target)
    fn = getattr(V, name)
    positions = positions_of(name)
    args, _ = generic_point(name, seed)
    before = _copy(args)
    want = fd_gradient(fn, args, positions)
    atol = _fd_atol(fn, args)

    g = d.grad(*args)
    assert_grad_close(g, want, atol=atol, msg=f"{name} grad vs FD")
    for k, pos in enumerate(positions):  # gradients come back in the arguments' dtype
        if isinstance(args[pos], np.ndarray):
            assert as_tuple(g)[k].dtype == args[pos].dtype

    _, g2 = d.value_and_grad(*args)
    assert_grad_close(g2, list(as_tuple(g)), rtol=1e-14, atol=0, msg="value_and_grad vs grad")
    _, adj = d.vjp(args, 2.0)
    assert_grad_close(adj, [2 * w for w in want], atol=2 * atol, msg=f"{name} vjp(2) vs FD")
    for a, b in zip(args, before):  # no derivative call touched the caller's arrays
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", NAMES)
def test_jvp_matches_grad_and_finite_differences(name, seed, target):
    d = differentiable(name, target)
    fn = getattr(V, name)
    positions = positions_of(name)
    args, direction = generic_point(name, seed)

    value, dot = d.jvp(args, tuple(direction))
    assert value == pytest.approx(_call(fn, args), rel=1e-12, abs=1e-12)
    fd = fd_directional(fn, args, positions, direction)
    assert dot == pytest.approx(fd, rel=1e-6, abs=_fd_atol(fn, args)), f"{name}: jvp {dot} vs FD {fd}"
    assert dot == pytest.approx(_dot(d.grad(*args), direction), rel=1e-10, abs=1e-12), \
        f"{name}: jvp vs <grad, direction>"


@pytest.mark.parametrize("name", NAMES)
def test_report_is_exact_at_generic_points(name, target):
    d = differentiable(name, target)
    args, _ = generic_point(name, 0)
    _, rep = d.grad(*args, report=True)
    assert rep.exact is True and rep.kinks == [], f"{name}: a kink reported at a generic point: {rep.kinks}"


def test_decorator_on_a_vectorized_function():
    @nsadc.differentiate(target="python")
    def ridge(A, x, b, lam):
        r = A @ x - b
        return 0.5 * np.sum(r * r) + 0.5 * lam * np.dot(x, x)

    rng = np.random.default_rng(7)
    A, x, b = rng.standard_normal((5, 3)), rng.standard_normal(3), rng.standard_normal(5)
    gA, gx, gb, glam = ridge.grad(A, x, b, 0.3)
    r = A @ x - b
    np.testing.assert_allclose(gx, A.T @ r + 0.3 * x, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gA, np.outer(r, x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gb, -r, rtol=1e-12, atol=1e-14)
    assert glam == pytest.approx(0.5 * x @ x, rel=1e-12)
    assert ridge(A, x, b, 0.3) == pytest.approx(0.5 * r @ r + 0.15 * x @ x, rel=1e-12)


# ------------------------------------------------------------ against JAX


def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


def with_numpy(fn, module):
    """``fn`` with its global ``np`` bound to ``module`` (jax.numpy): the same
    program, run by another array library."""
    return types.FunctionType(fn.__code__, {**fn.__globals__, "np": module}, fn.__name__,
                              fn.__defaults__, fn.__closure__)


# Python's max() on a traced JAX value has no JAX twin
JAX_NAMES = [n for n in NAMES if n not in ("v_mixed_loops", "v_slice_stores")]  # Python max(); in-place stores


@pytest.mark.parametrize("name", JAX_NAMES)
def test_matches_jax_grad(name):
    jax = _jax()
    import jax.numpy as jnp

    fn = getattr(V, name)
    twin = with_numpy(fn, jnp)
    positions = positions_of(name)
    args, _ = generic_point(name, 3)
    jargs = [jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args]
    assert float(twin(*jargs)) == pytest.approx(_call(fn, args), rel=1e-12)
    want = jax.grad(twin, argnums=tuple(positions))(*jargs)
    want = [np.asarray(w) if np.ndim(w) else float(w) for w in want]
    d = differentiable(name, "python")
    assert_grad_close(d.grad(*args), want, rtol=1e-10, atol=1e-12, msg=f"{name} vs jax.grad")


# ------------------------------------------------------------ kinks

ALL = ("min-norm", "jax", "torch")
THIRD = [1 / 3, 1 / 3, 1 / 3]

# id -> (program, point (one list per argument), {policy: expected gradient (one list per argument)})
KINK_CASES = {
    "max_two_tied": ("k_max", ([1.0, 3.0, 3.0],), {p: ([0.0, 0.5, 0.5],) for p in ALL}),
    "max_three_tied": ("k_max", ([2.0, 2.0, 2.0],), {p: (THIRD,) for p in ALL}),
    "min_two_tied": ("k_min", ([3.0, 1.0, 1.0],), {p: ([0.0, 0.5, 0.5],) for p in ALL}),
    "min_three_tied": ("k_min", ([-1.0, -1.0, -1.0],), {p: (THIRD,) for p in ALL}),
    "amax_amin_tied": ("k_amax", ([1.0, 3.0, 3.0],), {p: ([1.0, 0.5, 0.5],) for p in ALL}),
    "max_min_methods_tied": ("k_max_method", ([3.0, 3.0, 1.0, 1.0],),
                             {p: ([0.5, 0.5, -0.5, -0.5],) for p in ALL}),
    "max_axis1_tied": ("k_max_axis1", ([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]],),
                       {p: ([[0.0, 0.5, 0.5], THIRD],) for p in ALL}),
    "min_axis0_tied": ("k_min_axis0", ([[1.0, 3.0, 2.0], [1.0, 0.0, 2.0]],),
                       {p: ([[0.5, 0.0, 0.5], [0.5, 1.0, 0.5]],) for p in ALL}),
    "abs_at_zero": ("k_sum_abs", ([0.0, -1.0, 2.0, 0.0],),
                    {"min-norm": ([0.0, -1.0, 1.0, 0.0],), "jax": ([1.0, -1.0, 1.0, 1.0],),
                     "torch": ([0.0, -1.0, 1.0, 0.0],)}),
    "relu_at_zero": ("k_sum_relu", ([0.0, 1.2, 0.0, -0.5],),
                     {"min-norm": ([0.0, 1.0, 0.0, 0.0],), "jax": ([0.5, 1.0, 0.5, 0.0],),
                      "torch": ([0.5, 1.0, 0.5, 0.0],)}),
    "maximum_tie": ("k_maximum_pair", ([1.0, 2.0, 3.0], [1.0, 0.0, 3.0]),
                    {p: ([0.5, 1.0, 0.5], [0.5, 0.0, 0.5]) for p in ALL}),
    "minimum_tie": ("k_minimum_pair", ([1.0, 2.0, 3.0], [1.0, 0.0, 3.0]),
                    {p: ([0.5, 0.0, 0.5], [0.5, 1.0, 0.5]) for p in ALL}),
    "where_boundary": ("k_where_relu", ([0.0, 1.5, -2.0, 0.0],), {p: ([0.0, 1.0, 0.0, 0.0],) for p in ALL}),
    "norm_at_zero": ("k_norm", ([0.0, 0.0, 0.0],), {p: ([0.0, 0.0, 0.0],) for p in ("min-norm", "torch")}),
    "norm_of_difference_at_zero": ("k_norm_diff", ([1.0, 2.0], [1.0, 2.0]),
                                   {p: ([0.0, 0.0], [0.0, 0.0]) for p in ("min-norm", "torch")}),
    "norm1_at_zero": ("k_norm1", ([0.0, 2.0, -1.0],),
                      {"min-norm": ([0.0, 1.0, -1.0],), "jax": ([1.0, 1.0, -1.0],),
                       "torch": ([0.0, 1.0, -1.0],)}),
    "clip_at_bounds": ("k_clip", ([-1.0, 0.3, 1.0, 2.0],),
                       {"min-norm": ([0.0, 1.0, 0.0, 0.0],), "jax": ([0.5, 1.0, 0.5, 0.0],),
                        "torch": ([1.0, 1.0, 1.0, 0.0],)}),
}
KINK_PARAMS = [pytest.param(case, policy, id=f"{case}-{policy}")
               for case, (_, _, expected) in KINK_CASES.items() for policy in expected]


def _kink_case(case, policy):
    name, point, expected = KINK_CASES[case]
    args = tuple(np.array(p, dtype=float) for p in point)
    want = [np.array(w, dtype=float) for w in expected[policy]]
    return name, args, want


@pytest.mark.parametrize("case,policy", KINK_PARAMS)
def test_exact_selection_at_kinks(case, policy, target):
    name, args, want = _kink_case(case, policy)
    d = differentiable(name, target, kinks=policy)
    assert d(*args) == pytest.approx(_call(getattr(V, name), args), rel=1e-15, abs=0)
    assert_grad_close(d.grad(*args), want, rtol=1e-15, atol=0, msg=f"{case} under {policy!r}")
    assert_grad_close(d.vjp(args, 3.0)[1], [3.0 * w for w in want], rtol=1e-15, atol=0,
                      msg=f"{case} vjp(3) under {policy!r}")


@pytest.mark.parametrize("case,policy", KINK_PARAMS)
def test_forward_mode_makes_the_same_selection_at_kinks(case, policy, target):
    """jvp along each coordinate gives that coordinate of the selected gradient."""
    name, args, want = _kink_case(case, policy)
    d = differentiable(name, target, kinks=policy)
    for i, a in enumerate(args):
        for k in range(a.size):
            tangents = [np.zeros_like(b) for b in args]
            tangents[i].reshape(-1)[k] = 1.0
            _, dot = d.jvp(args, tuple(tangents))
            assert dot == pytest.approx(want[i].reshape(-1)[k], rel=1e-15, abs=0), (case, policy, i, k, dot)


# what jax.grad returns at these points (JAX's norm at 0 is nan, which is outside the Clarke set)
JAX_KINK_CASES = [c for c, (_, _, expected) in KINK_CASES.items() if "jax" in expected]


@pytest.mark.parametrize("case", JAX_KINK_CASES)
def test_jax_policy_matches_jax_at_kinks(case):
    jax = _jax()
    import jax.numpy as jnp

    name, args, _ = _kink_case(case, "jax")
    twin = with_numpy(getattr(V, name), jnp)
    want = jax.grad(twin, argnums=tuple(range(len(args))))(*[jnp.asarray(a) for a in args])
    got = differentiable(name, "python", kinks="jax").grad(*args)
    assert_grad_close(got, [np.asarray(w) for w in want], rtol=1e-15, atol=0, msg=f"{case} vs jax.grad")


def _torch_numpy(torch):
    """The few NumPy names the kink probes use, on torch tensors."""

    def _reduce(fn):
        return lambda x, axis=None: fn(x) if axis is None else fn(x, dim=axis)

    def _pair(fn):
        return lambda a, b: fn(a, b if torch.is_tensor(b) else torch.full_like(a, b))

    return types.SimpleNamespace(
        sum=_reduce(torch.sum), max=_reduce(torch.amax), amax=_reduce(torch.amax), min=_reduce(torch.amin),
        amin=_reduce(torch.amin), abs=torch.abs, maximum=_pair(torch.maximum), minimum=_pair(torch.minimum),
        where=torch.where, clip=torch.clip,
        linalg=types.SimpleNamespace(norm=lambda x, ord=None: torch.linalg.norm(x, ord)))


TORCH_KINK_CASES = [c for c, (_, _, expected) in KINK_CASES.items() if "torch" in expected]


@pytest.mark.parametrize("case", TORCH_KINK_CASES)
def test_torch_policy_matches_torch_at_kinks(case):
    torch = pytest.importorskip("torch")
    name, args, _ = _kink_case(case, "torch")
    twin = with_numpy(getattr(V, name), _torch_numpy(torch))
    targs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
    twin(*targs).backward()
    want = [t.grad.numpy().copy() for t in targs]
    got = differentiable(name, "python", kinks="torch").grad(*args)
    assert_grad_close(got, want, rtol=1e-15, atol=0, msg=f"{case} vs torch")


def test_lasso_at_a_sparse_point_reports_the_abs_kink(target):
    """At a LASSO point with an exact zero weight: min-norm abs'(0) = 0, the
    report is not exact and names a kink."""
    d = differentiable("v_lasso", target)
    rng = np.random.default_rng(11)
    A, b = rng.standard_normal((5, 3)), rng.standard_normal(5)
    x = np.array([0.0, 0.5, -1.25])
    lam = 0.7
    gA, gx, gb, glam = d.grad(A, x, b, lam)
    r = A @ x - b
    np.testing.assert_allclose(gx, A.T @ r + lam * np.sign(x), rtol=1e-12, atol=1e-14)  # sign(0) = 0
    np.testing.assert_allclose(gA, np.outer(r, x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gb, -r, rtol=1e-12, atol=1e-14)
    assert glam == pytest.approx(1.75, rel=1e-14)

    g, rep = d.grad(A, x, b, lam, report=True)
    np.testing.assert_allclose(as_tuple(g)[1], gx, rtol=0, atol=0)
    assert rep.exact is False
    assert len(rep.kinks) >= 1, rep.kinks
    assert any("abs" in str(k.primitive) for k in rep.kinks), rep.kinks


@pytest.mark.parametrize("case", ["abs_at_zero", "max_two_tied", "relu_at_zero", "norm_at_zero"])
def test_report_names_a_kink_when_one_is_met(case, target):
    name, args, _ = _kink_case(case, "min-norm")
    d = differentiable(name, target)
    _, rep = d.grad(*args, report=True)
    assert rep.exact is False
    assert len(rep.kinks) >= 1, rep.kinks
    # off the kinks: exact
    shifted = tuple(a + np.linspace(0.11, 0.37, a.size).reshape(a.shape) for a in args)
    _, rep = d.grad(*shifted, report=True)
    assert rep.exact is True and rep.kinks == [], rep.kinks


# ------------------------------------------------------------ float32


F32_NAMES = ["v_least_squares", "v_lasso", "v_relu_net", "v_logsumexp", "v_hinge", "v_huber",
             "v_column_sums", "v_row_max", "v_transpose", "v_norms", "v_broadcast", "v_outer"]


@pytest.mark.parametrize("name", F32_NAMES)
def test_float32_inputs_give_float32_gradients(name, target):
    d = differentiable(name, target)
    positions = positions_of(name)
    args, direction = generic_point(name, 5)
    # round the float64 point to float32 values so both runs see the same numbers
    args = tuple(a.astype(np.float32).astype(np.float64) if isinstance(a, np.ndarray) else a for a in args)
    args32 = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args)
    assert float(d(*args32)) == pytest.approx(d(*args), rel=1e-5, abs=1e-5)
    g64 = as_tuple(d.grad(*args))
    g32 = as_tuple(d.grad(*args32))
    for k, pos in enumerate(positions):
        if isinstance(args[pos], np.ndarray):
            assert isinstance(g32[k], np.ndarray) and g32[k].dtype == np.float32, (k, type(g32[k]))
            assert g32[k].shape == args[pos].shape
            np.testing.assert_allclose(g32[k], g64[k], rtol=2e-4, atol=2e-4 * (1 + np.abs(g64[k]).max()))
        else:
            assert g32[k] == pytest.approx(g64[k], rel=2e-4, abs=2e-4)
    dir32 = tuple(v.astype(np.float32) if isinstance(v, np.ndarray) else v for v in direction)
    _, dot32 = d.jvp(args32, dir32)
    _, dot64 = d.jvp(args, tuple(np.asarray(v, dtype=np.float64) if isinstance(v, np.ndarray) else v
                                 for v in dir32))
    assert float(dot32) == pytest.approx(float(dot64), rel=1e-3, abs=1e-3)


# ------------------------------------------------------------ shape mistakes


def _names(name):
    """``name`` named in a message: quoted, or as ``name.shape`` / ``name has shape``."""
    n = re.escape(name)
    return re.compile(r"['\"`]" + n + r"['\"`]|(?<![\w.])" + n + r"(\.shape\b|\s+has shape\b)")


def _z(*shape):
    return np.linspace(0.1, 0.9, int(np.prod(shape))).reshape(shape)


# id -> (program, arguments, names the error may give)
SHAPE_MISTAKES = {
    "matvec_inner_size": ("v_least_squares", (_z(5, 3), _z(4), _z(5)), ("A", "x")),
    "matvec_minus_b": ("v_least_squares", (_z(5, 3), _z(3), _z(4)), ("A", "x", "b")),
    "elementwise_lengths": ("v_elementwise", (_z(4), _z(5)), ("x", "y")),
    "dot_method_lengths": ("v_methods", (_z(4), _z(3)), ("x", "y")),
    "rank_broadcast_trailing": ("v_broadcast", (_z(4, 3), _z(4), 0.5), ("A", "b")),
    "matmul_inner_size": ("v_matmul", (_z(2, 3), _z(4, 4), _z(4, 2)), ("A", "B")),
    "outer_times_matrix": ("v_outer", (_z(3), _z(4), _z(4, 3)), ("u", "v", "M")),
    "axis1_of_a_vector": ("v_row_max", (_z(4), _z(4)), ("A",)),
    "transpose_matvec": ("v_transpose", (_z(4, 3), _z(3), _z(3)), ("A", "y")),
    "labels_length": ("v_hinge", (_z(6, 3), _z(5), _z(3), 0.1), ("X", "y", "w")),
}


def _shape_error(call, names):
    with pytest.raises(nsadc.ArgumentError) as info:
        call()
    text = str(info.value)
    assert any(_names(n).search(text) for n in names), f"none of {names} named in: {text}"
    assert "Traceback" not in text and "numba" not in text.lower(), text
    return text


@pytest.mark.parametrize("case", list(SHAPE_MISTAKES))
def test_shape_mistakes_are_argument_errors(case, target):
    name, args, names = SHAPE_MISTAKES[case]
    fn = getattr(V, name)
    with pytest.raises((ValueError, IndexError)):  # NumPy refuses these shapes too
        fn(*_copy(args))
    d = differentiable(name, target)
    _shape_error(lambda: d(*_copy(args)), names)
    _shape_error(lambda: d.grad(*_copy(args)), names)
    _shape_error(lambda: d.vjp(_copy(args), 1.0), names)


def test_argument_error_is_an_nsadc_error():
    assert issubclass(nsadc.ArgumentError, nsadc.NsadcError)


# size-1 broadcasting: NumPy accepts these shapes, nsadc does not (yet)
SIZE1 = {
    "vector_times_length1": ("s_product", (_z(4), np.array([0.5]))),
    "length1_times_vector": ("s_product", (np.array([0.5]), _z(4))),
    "column_times_vector": ("s_product", (_z(4, 1), _z(4))),
    "column_times_row_vector": ("s_broadcast", (_z(4, 1), _z(3))),
    "matrix_times_length1": ("s_broadcast", (_z(4, 3), np.array([0.5]))),
}


@pytest.mark.parametrize("case", list(SIZE1))
def test_size1_broadcasting_is_refused_at_the_call(case, target):
    name, args = SIZE1[case]
    np.asarray(getattr(V, name)(*_copy(args)))  # NumPy broadcasts
    d = differentiable(name, target)
    for call in (lambda: d(*_copy(args)), lambda: d.grad(*_copy(args))):
        with pytest.raises(nsadc.NsadcError) as info:
            call()
        text = str(info.value)
        assert "Traceback" not in text and "numba" not in text.lower(), text
        assert len(text) > 20, text


@pytest.mark.parametrize("shapes", [((4, 3), (3,)), ((2, 4, 3), (3,)), ((2, 4, 3), (4, 3)), ((3,), (3,))],
                         ids=["2d_1d", "3d_1d", "3d_2d", "1d_1d"])
def test_rank_broadcasting_of_arguments(shapes, target):
    """A lower-rank operand aligns with the trailing dimensions: d/dA sum(A * b) = b
    broadcast, d/db = A summed over the leading dimensions."""
    A, b = _z(*shapes[0]) - 0.3, _z(*shapes[1]) + 0.2
    d = differentiable("s_broadcast", target)
    assert d(A, b) == pytest.approx(float(np.sum(A * b)), rel=1e-13)
    gA, gb = d.grad(A, b)
    lead = tuple(range(A.ndim - b.ndim))
    np.testing.assert_allclose(gA, np.broadcast_to(b, A.shape), rtol=1e-14, atol=0)
    np.testing.assert_allclose(gb, np.sum(A, axis=lead) if lead else A, rtol=1e-13, atol=1e-15)


# ------------------------------------------------------------ outside the subset


def _refusal(call):
    with pytest.raises(nsadc.NsadcError) as info:
        call()
    text = str(info.value)
    assert "Traceback" not in text and "numba" not in text.lower(), text
    return text


def _line_of(fn_name):
    src = inspect.getsource(V).splitlines()
    return next(i for i, row in enumerate(src, 1) if f"<- refused: {fn_name}" in row)


def _refused_or_right(fn, args, positions, target):
    """An NsadcError (a refusal) or the right value and gradient; never a crash."""
    try:
        d = nsadc.differentiate(fn, target=target)
        g = d.grad(*args)
    except nsadc.NsadcError as e:
        assert "Traceback" not in str(e) and "numba" not in str(e).lower(), str(e)
        return str(e)
    want = fd_gradient(fn, args, positions)
    assert_grad_close(g, want, atol=_fd_atol(fn, args), msg=f"{fn.__name__} grad vs FD")
    assert d(*_copy(args)) == pytest.approx(_call(fn, args), rel=1e-12)
    return None


def test_vector_assignment_inside_a_loop_is_refused_or_right(target):
    x = np.array([0.5, -0.3, 1.2])
    text = _refused_or_right(V.e_vector_in_loop, (x, 3), [0], target)
    if text is not None:  # the refusal says why
        assert "loop" in text.lower(), text


def test_descent_steps_inside_a_loop_are_refused_or_right(target):
    rng = np.random.default_rng(9)
    x0, A = rng.standard_normal(3), rng.standard_normal((3, 3))
    before = (x0.copy(), A.copy())
    _refused_or_right(V.e_descent_in_loop, (x0, A, 4), [0, 1], target)
    np.testing.assert_array_equal(x0, before[0])
    np.testing.assert_array_equal(A, before[1])


@pytest.mark.parametrize("name", ["bad_sort"])
def test_not_yet_supported_calls_are_located_refusals(name, target):
    """docs/vectorized.md, 'Not yet': refused with file:line:col, never a crash."""
    def build_and_call():
        d = nsadc.differentiate(getattr(V, name), target=target)
        d.grad(np.array([0.5, -0.3, 1.2, 0.8]))

    text = _refusal(build_and_call)
    assert f"vectorized.py:{_line_of(name)}:" in text, text


def test_returning_a_vector_is_refused(target):
    def build_and_call():
        d = nsadc.differentiate(V.bad_return_vector, target=target)
        d.grad(_z(3, 2), _z(2))

    text = _refusal(build_and_call)
    line = _line_of("bad_return_vector")
    assert f"vectorized.py:{line}:" in text or "scalar" in text.lower() or "return" in text.lower(), text


EDGE_NAMES = sorted(V.EDGE_SHAPES)


@pytest.mark.parametrize("name", EDGE_NAMES)
def test_beyond_the_listed_subset_is_refused_or_right(name, target):
    """Constructs the feature does not list: a refusal (an NsadcError) is fine, a
    wrong value or gradient is not, and the caller's arrays stay as they were."""
    fn = getattr(V, name)
    rng = np.random.default_rng(4)
    args = tuple(rng.standard_normal(shape) for shape in V.EDGE_SHAPES[name])
    before = _copy(args)
    try:
        d = nsadc.differentiate(fn, target=target)
        g = d.grad(*args)
    except nsadc.NsadcError as e:
        assert "Traceback" not in str(e) and "numba" not in str(e).lower(), str(e)
        return
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)
    positions = list(range(len(args)))
    want = fd_gradient(fn, args, positions)
    assert_grad_close(g, want, atol=_fd_atol(fn, args), msg=f"{name} grad vs FD")
    assert d.value_and_grad(*args)[0] == pytest.approx(_call(fn, args), rel=1e-12)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)


def test_array_exponent_is_refused_or_right():
    """``2.0 ** x`` with an array exponent is outside the listed subset: a refusal
    is fine, a wrong number is not."""
    x = np.array([0.3, -1.2, 0.8])
    try:
        d = nsadc.differentiate(V.bad_array_exponent, target="python")
        g = d.grad(x)
    except nsadc.NsadcError:
        return
    np.testing.assert_allclose(g, np.log(2.0) * 2.0 ** x, rtol=1e-12)


# ------------------------------------------------------------ the cpu target against the python target


def _cpu_checks() -> dict:
    """program -> [(label, call)]: the calls the tests above make on the python
    target, to be made on both targets by test_cpu_target_matches_python."""
    checks: dict = {}

    def add(name, label, call, *tolerances):
        checks.setdefault(name, []).append((label, call, *tolerances))

    for name in NAMES:
        for seed in (0, 1):
            args, direction = generic_point(name, seed)
            add(name, f"seed {seed}: primal", lambda d, a=args: d(*_copy(a)))
            add(name, f"seed {seed}: grad", lambda d, a=args: d.grad(*a))
            add(name, f"seed {seed}: grad(report)", lambda d, a=args: d.grad(*a, report=True))
            add(name, f"seed {seed}: value_and_grad", lambda d, a=args: d.value_and_grad(*a))
            add(name, f"seed {seed}: value_and_grad(report)", lambda d, a=args: d.value_and_grad(*a, report=True))
            add(name, f"seed {seed}: vjp(2)", lambda d, a=args: d.vjp(a, 2.0))
            add(name, f"seed {seed}: jvp", lambda d, a=args, t=tuple(direction): d.jvp(a, t))
    for case in KINK_CASES:  # at the kink, under the default policy (min-norm)
        name, args, _ = _kink_case(case, "min-norm")
        add(name, f"{case}: primal", lambda d, a=args: d(*_copy(a)))
        add(name, f"{case}: grad(report)", lambda d, a=args: d.grad(*a, report=True))
        add(name, f"{case}: vjp(3)", lambda d, a=args: d.vjp(a, 3.0))
        for i, arg in enumerate(args):
            for k in range(arg.size):
                tangents = [np.zeros_like(b) for b in args]
                tangents[i].reshape(-1)[k] = 1.0
                add(name, f"{case}: jvp along {i}.{k}", lambda d, a=args, t=tuple(tangents): d.jvp(a, t))
        shifted = tuple(a + np.linspace(0.11, 0.37, a.size).reshape(a.shape) for a in args)
        add(name, f"{case}: off the kink grad(report)", lambda d, a=shifted: d.grad(*a, report=True))
    rng = np.random.default_rng(11)  # test_lasso_at_a_sparse_point_reports_the_abs_kink
    sparse = (rng.standard_normal((5, 3)), np.array([0.0, 0.5, -1.25]), rng.standard_normal(5), 0.7)
    add("v_lasso", "sparse point: grad(report)", lambda d: d.grad(*sparse, report=True))
    for name in F32_NAMES:
        args, direction = generic_point(name, 5)
        args32 = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in args)
        dir32 = tuple(v.astype(np.float32) if isinstance(v, np.ndarray) else v for v in direction)
        add(name, "float32: primal", lambda d, a=args32: d(*_copy(a)), *F32_TOL)
        add(name, "float32: grad", lambda d, a=args32: d.grad(*a), *F32_TOL)
        add(name, "float32: vjp", lambda d, a=args32: d.vjp(a, 1.0), *F32_TOL)
        add(name, "float32: jvp", lambda d, a=args32, t=dir32: d.jvp(a, t), *F32_TOL)
    for case, (name, args, _) in SHAPE_MISTAKES.items():
        add(name, f"{case}: primal", lambda d, a=args: d(*_copy(a)))
        add(name, f"{case}: grad", lambda d, a=args: d.grad(*_copy(a)))
        add(name, f"{case}: vjp", lambda d, a=args: d.vjp(_copy(a), 1.0))
    for case, (name, args) in SIZE1.items():
        add(name, f"{case}: primal", lambda d, a=args: d(*_copy(a)))
        add(name, f"{case}: grad", lambda d, a=args: d.grad(*_copy(a)))
    for shapes in [((4, 3), (3,)), ((2, 4, 3), (3,)), ((2, 4, 3), (4, 3)), ((3,), (3,))]:
        args = (_z(*shapes[0]) - 0.3, _z(*shapes[1]) + 0.2)
        add("s_broadcast", f"shapes {shapes}: primal", lambda d, a=args: d(*a))
        add("s_broadcast", f"shapes {shapes}: grad", lambda d, a=args: d.grad(*a))
    return checks


F32_TOL = (2e-5, 1e-6)  # float32 sums in another order: float32 rounding
CPU_CHECKS = _cpu_checks()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CPU_CHECKS))
def test_cpu_target_matches_python(name):
    """One program compiled once by Numba: every call the tests above make on the
    python target gives the same result (or the same error) on the cpu target,
    and leaves the caller's arrays as they were."""
    py, cpu = differentiable(name, "python"), differentiable(name, "cpu")
    calls = CPU_CHECKS[name]
    arrays = [(x, x.copy()) for _, call, *_ in calls for value in call.__defaults__ or ()
              for x in (value if isinstance(value, tuple) else (value,)) if isinstance(x, np.ndarray)]
    assert arrays
    compare_targets(py, cpu, calls, rtol=1e-10, atol=1e-12)
    for a, b in arrays:  # (the calls on a point's arguments themselves, not on copies)
        np.testing.assert_array_equal(a, b)


def _refusal_args() -> dict:
    """program -> arguments: the refused-or-right programs and the arguments the
    tests above give them."""
    rng = np.random.default_rng(9)
    x0, A = rng.standard_normal(3), rng.standard_normal((3, 3))
    out = {"e_vector_in_loop": (np.array([0.5, -0.3, 1.2]), 3), "e_descent_in_loop": (x0, A, 4),
           "bad_sort": (np.array([0.5, -0.3, 1.2, 0.8]),), "bad_return_vector": (_z(3, 2), _z(2))}
    for name in EDGE_NAMES:
        rng = np.random.default_rng(4)
        out[name] = tuple(rng.standard_normal(shape) for shape in V.EDGE_SHAPES[name])
    return out


REFUSAL_ARGS = _refusal_args()


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REFUSAL_ARGS))
def test_cpu_target_matches_python_beyond_the_subset(name):
    """The refused-or-right programs: refused on the cpu target with the python
    target's error, or the same value and gradient."""
    fn, args = getattr(V, name), REFUSAL_ARGS[name]
    before = _copy(args)
    compare_targets("python", "cpu", [
        ("grad", lambda target: nsadc.differentiate(fn, target=target).grad(*args)),
        ("value_and_grad", lambda target: nsadc.differentiate(fn, target=target).value_and_grad(*args)),
        ("primal", lambda target: nsadc.differentiate(fn, target=target)(*_copy(args))),
    ], rtol=1e-10, atol=1e-12)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)
