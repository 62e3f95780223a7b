"""Vector outputs, Jacobians and Hessian-vector products.

At generic points: forward and reverse Jacobians agree with central
differences of the plain Python function, Clarke mode agrees with both, and
jvp / vjp are the Jacobian's products.  At kinks: Clarke-mode Jacobians are
checked against independently computed Clarke (B-subdifferential) sets, and
the Hessian at a ReLU kink is the Hessian of the selected piece.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import nsadc
from tests.programs import vector_maps as vm

RNG = np.random.default_rng(20261205)


def _fd_jacobian(fn, args: list, i: int, h: float = 1e-6) -> np.ndarray:
    """d fn(args) / d args[i] by central differences, shaped out.shape + arg.shape."""
    x = np.asarray(args[i], dtype=np.float64)
    cols = []
    for e in range(x.size):
        step = np.zeros_like(x)
        step.flat[e] = h
        plus, minus = list(args), list(args)
        plus[i] = x + step if x.ndim else float(x + step)
        minus[i] = x - step if x.ndim else float(x - step)
        cols.append((np.asarray(fn(*plus), dtype=np.float64) - np.asarray(fn(*minus), dtype=np.float64)) / (2 * h))
    out_shape = np.shape(fn(*args))
    stacked = np.array(cols).reshape(x.shape + out_shape)
    return np.moveaxis(stacked, list(range(x.ndim)), list(range(len(out_shape), len(out_shape) + x.ndim)))


def _generic_cases():
    n = 6
    x = RNG.uniform(0.2, 1.5, n)
    W, b, v = RNG.standard_normal((4, 5)), RNG.standard_normal(4), RNG.standard_normal(5)
    grid = np.linspace(0.0, 1.0, 6)
    return [
        ("ncp_map", vm.ncp_map, [x], ["x"]),
        ("min_map", vm.min_map, [RNG.uniform(-1, 1, n)], ["x"]),
        ("fischer_burmeister", vm.fischer_burmeister, [RNG.standard_normal(n), RNG.standard_normal(n)], ["a", "b"]),
        ("relu_layer", vm.relu_layer, [W, b, v], ["W", "b", "x"]),
        ("interp_values", vm.interp_values, [RNG.uniform(0.01, 0.99, 5), grid, RNG.standard_normal(6)],
         ["x", "values"]),
        ("residuals", vm.residuals, [RNG.standard_normal((5, 3)), RNG.standard_normal(3), RNG.standard_normal(5)],
         ["A", "w"]),
        ("running_max", vm.running_max, [RNG.standard_normal(7)], ["x"]),
        ("matrix_out", vm.matrix_out, [RNG.standard_normal(3), 0.5 * RNG.standard_normal(4)], ["u", "v"]),
    ]


CASES = _generic_cases()


def _blocks(jac, n_wrt):
    return jac if n_wrt > 1 else (jac,)


@pytest.mark.parametrize("name,fn,args,wrt", CASES, ids=[c[0] for c in CASES])
def test_array_output_jacobians_match_central_differences(name, fn, args, wrt):
    d = nsadc.differentiate(fn, wrt=wrt, target="python")
    positions = [list(d._params).index(w) for w in wrt]
    fwd, rev, clarke = (_blocks(j, len(wrt)) for j in (d.jacfwd(*args), d.jacrev(*args),
                                                        d.clarke_jacobian(*args)))
    for k, i in enumerate(positions):
        expected = _fd_jacobian(fn, args, i)
        assert fwd[k].shape == expected.shape == rev[k].shape == clarke[k].shape
        np.testing.assert_allclose(fwd[k], expected, rtol=1e-5, atol=1e-6, err_msg=f"jacfwd d/d{wrt[k]}")
        np.testing.assert_allclose(rev[k], fwd[k], rtol=1e-12, atol=1e-12, err_msg=f"jacrev d/d{wrt[k]}")
        np.testing.assert_allclose(clarke[k], fwd[k], rtol=1e-12, atol=1e-12, err_msg=f"Clarke d/d{wrt[k]}")
    # jvp and vjp are the Jacobian's products: <c, J t> = <J^T c, t>
    value = fn(*args)
    tangents = [RNG.standard_normal(np.shape(args[i])) for i in positions]
    cot = RNG.standard_normal(np.shape(value))
    v1, dot = d.jvp(args, tangents)
    v2, adj = d.vjp(args, cot)
    np.testing.assert_allclose(v1, value, rtol=1e-12)
    np.testing.assert_allclose(v2, value, rtol=1e-12)
    expected_dot = sum(np.tensordot(fwd[k], t, axes=t.ndim) for k, t in enumerate(tangents))
    np.testing.assert_allclose(dot, expected_dot, rtol=1e-9, atol=1e-12)
    for k, a in enumerate(adj):
        np.testing.assert_allclose(a, np.tensordot(cot, fwd[k], axes=cot.ndim), rtol=1e-9, atol=1e-12)
    assert abs(np.sum(cot * dot) - sum(np.sum(a * t) for a, t in zip(adj, tangents))) < 1e-9


@pytest.mark.slow
@pytest.mark.parametrize("name,fn,args,wrt", CASES, ids=[c[0] for c in CASES])
def test_compiled_jacobians_match_python(name, fn, args, wrt):
    py = nsadc.differentiate(fn, wrt=wrt, target="python")
    cpu = nsadc.differentiate(fn, wrt=wrt, target="cpu")
    for method in ("jacfwd", "jacrev", "clarke_jacobian"):
        for a, b in zip(_blocks(getattr(cpu, method)(*args), len(wrt)), _blocks(getattr(py, method)(*args), len(wrt))):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=method)
    np.testing.assert_allclose(cpu(*args), fn(*args), rtol=1e-12)


def test_several_float_outputs():
    d = nsadc.differentiate(vm.polar, target="python")
    r, theta = 1.7, 0.4
    J = d.jacrev(r, theta)
    assert J == d.jacfwd(r, theta)
    assert all(isinstance(x, float) for row in J for x in row)
    expected = [[math.cos(theta), -r * math.sin(theta)], [math.sin(theta), r * math.cos(theta)], [1.0, 0.0]]
    np.testing.assert_allclose(np.array(J), expected, rtol=1e-12)
    value, adj = d.vjp((r, theta), (1.0, 2.0, -1.0))
    assert value == vm.polar(r, theta)
    np.testing.assert_allclose(adj, np.array(expected).T @ [1.0, 2.0, -1.0], rtol=1e-12)
    value, dot = d.jvp((r, theta), (1.0, 0.5))
    np.testing.assert_allclose(dot, np.array(expected) @ [1.0, 0.5], rtol=1e-12)


def test_array_and_float_outputs_together():
    d = nsadc.differentiate(vm.stats, target="python")
    x = RNG.standard_normal(5)
    jc, js = d.jacrev(x)
    np.testing.assert_allclose(jc, np.eye(5) - 1.0 / 5, atol=1e-12)
    np.testing.assert_allclose(js, _fd_jacobian(lambda x: vm.stats(x)[1], [x], 0), atol=1e-6)
    jfc, jfs = d.jacfwd(x)
    np.testing.assert_allclose(jfc, jc, atol=1e-12)
    np.testing.assert_allclose(jfs, js, atol=1e-12)
    value, adj = d.vjp((x,), (np.ones(5), 2.0))
    np.testing.assert_allclose(adj[0], np.ones(5) @ jc + 2.0 * js, atol=1e-12)


def test_jacobian_picks_a_mode_and_agrees():
    d = nsadc.differentiate(vm.relu_layer, wrt="x", target="python")
    W, b, x = RNG.standard_normal((3, 8)), RNG.standard_normal(3), RNG.standard_normal(8)
    np.testing.assert_allclose(d.jacobian(W, b, x), d.jacrev(W, b, x), atol=1e-12)
    np.testing.assert_allclose(nsadc.jacfwd(vm.relu_layer, wrt="x", target="python")(W, b, x),
                               d.jacrev(W, b, x), atol=1e-12)
    np.testing.assert_allclose(nsadc.jacrev(vm.relu_layer, wrt="x", target="python")(W, b, x),
                               d.jacfwd(W, b, x), atol=1e-12)


def test_scalar_function_jacobian_is_its_gradient():
    d = nsadc.differentiate(vm.smooth_plus_relu, wrt="w", target="python")
    X, y, w = RNG.standard_normal((10, 3)), RNG.standard_normal(10), RNG.standard_normal(3)
    g = d.grad(w, X, y, 0.1)
    np.testing.assert_allclose(d.jacrev(w, X, y, 0.1), g, atol=1e-12)
    np.testing.assert_allclose(d.jacfwd(w, X, y, 0.1), g, atol=1e-12)


# ------------------------------------------------------------------ at kinks


def _in_segment(row, a, b, tol=1e-12) -> bool:
    """Whether ``row`` lies on the segment [a, b]."""
    d = b - a
    t = float(np.dot(row - a, d) / np.dot(d, d))
    return -tol <= t <= 1 + tol and np.allclose(a + t * d, row, atol=1e-10)


def _grad_F0(x):
    """The gradient of F_0 of ncp_map, by hand."""
    g = np.zeros_like(x)
    g[0] = 6.0 * x[0] + 2.0 + math.cos(x[0])
    g[1] = -0.5
    return g


def _degenerate_point():
    """A point where x_0 == F_0(x): min(x_0, F_0) is at its kink."""
    x = np.array([0.25, 0.0, 0.8, 0.5])
    x[1] = 2.0 * (3.0 * x[0] ** 2 + x[0] + math.sin(x[0]) - 1.0)  # exact in floating point here
    return x


def test_min_map_at_a_degenerate_point():
    x = _degenerate_point()
    d = nsadc.differentiate(vm.min_map, target="python")
    e0, g0 = np.eye(4)[0], _grad_F0(x)
    # Clarke mode: an element of the B-subdifferential, one of the two pieces' gradients
    assert any(np.allclose(d.clarke_jacobian(x)[0], p, atol=1e-12) for p in (e0, g0))
    # reverse and forward: an element of the Clarke set, the segment between them
    for row in (d.jacrev(x)[0], d.jacfwd(x)[0]):
        assert _in_segment(row, e0, g0)


def test_min_map_clarke_mode_follows_the_directions():
    x = _degenerate_point()
    assert vm.ncp_map(x)[0] == x[0]  # exact in floating point at this point
    d = nsadc.differentiate(vm.min_map, target="python")
    e0, g0 = np.eye(4)[0], _grad_F0(x)
    # along e_0 first: F_0 grows faster than x_0 (dF_0/dx_0 > 1), so min follows x_0
    assert np.allclose(d.clarke_jacobian(x)[0], e0)
    # with -e_0 first, min follows F_0
    m = np.eye(4)
    m[:, 0] = -m[:, 0]
    assert np.allclose(d.clarke_jacobian(x, directions=m)[0], g0)


def test_fischer_burmeister_at_the_origin_is_in_the_b_subdifferential():
    d = nsadc.differentiate(vm.fischer_burmeister, target="python")
    a = np.array([0.0, 0.0, 1.0, 0.0])
    b = np.array([0.0, 0.0, 0.0, 2.0])
    Ja, Jb = d.clarke_jacobian(a, b)
    for i in (0, 1):  # (a_i, b_i) = (0, 0): the set {(xi - 1, eta - 1): xi^2 + eta^2 = 1}
        assert abs((Ja[i, i] + 1) ** 2 + (Jb[i, i] + 1) ** 2 - 1.0) < 1e-12
    for i in (2, 3):  # smooth there
        r = math.hypot(a[i], b[i])
        assert abs(Ja[i, i] - (a[i] / r - 1)) < 1e-12 and abs(Jb[i, i] - (b[i] / r - 1)) < 1e-12
    # reverse mode at the origin: an element of the Clarke set (the disc), here its minimum-norm choice
    Ra, Rb = d.jacrev(a, b)
    for i in (0, 1):
        assert (Ra[i, i] + 1) ** 2 + (Rb[i, i] + 1) ** 2 <= 1.0 + 1e-12


def test_relu_layer_rows_at_a_kink():
    W = np.array([[1.0, -1.0, 0.5], [0.3, 0.2, -0.4]])
    b = np.array([0.0, 0.1])
    x = np.array([1.0, 1.0, 0.0])  # W[0] @ x + b[0] == 0 exactly
    d = nsadc.differentiate(vm.relu_layer, wrt="x", target="python")
    J = d.clarke_jacobian(W, b, x)
    assert any(np.allclose(J[0], p) for p in (np.zeros(3), W[0]))  # a B-subdifferential row
    np.testing.assert_allclose(J[1], W[1])  # active, smooth
    R = d.jacrev(W, b, x)
    assert _in_segment(R[0], np.zeros(3), W[0])


def test_interpolation_at_a_knot():
    grid = np.linspace(0.0, 1.0, 5)
    values = np.array([0.0, 1.0, 0.5, 2.0, 2.5])
    x = np.array([0.25, 0.6, 0.5])  # 0.25 and 0.5 are knots
    d = nsadc.differentiate(vm.interp_values, wrt="x", target="python")
    slopes = np.diff(values) / np.diff(grid)
    for J in (d.clarke_jacobian(x, grid, values), d.jacrev(x, grid, values)):
        assert J[0, 0] in (slopes[0], slopes[1])
        assert J[2, 2] in (slopes[1], slopes[2])
        assert abs(J[1, 1] - slopes[2]) < 1e-12
        assert np.count_nonzero(J - np.diag(np.diag(J))) == 0


# ------------------------------------------------------------------ second order


def test_hvp_matches_differences_of_the_gradient():
    X, y, w = RNG.standard_normal((30, 4)), RNG.standard_normal(30), RNG.standard_normal(4)
    d = nsadc.differentiate(vm.smooth_plus_relu, wrt="w", target="python")
    v = RNG.standard_normal(4)
    h = 1e-6
    expected = (d.grad(w + h * v, X, y, 0.2) - d.grad(w - h * v, X, y, 0.2)) / (2 * h)
    np.testing.assert_allclose(d.hvp((w, X, y, 0.2), (v,)), expected, rtol=1e-6, atol=1e-8)
    H = d.hessian(w, X, y, 0.2)
    assert H.shape == (4, 4)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    np.testing.assert_allclose(H @ v, d.hvp((w, X, y, 0.2), v), atol=1e-12)
    np.testing.assert_allclose(nsadc.hvp(vm.smooth_plus_relu, (w, X, y, 0.2), (v,), wrt="w", target="python"),
                               H @ v, atol=1e-12)


def test_hessian_of_scalars_matches_differences():
    d = nsadc.differentiate(vm.scalar_second_order, target="python")
    x, y, h = 0.4, 1.3, 1e-6
    H = np.array(d.hessian(x, y))
    fd = np.array([(np.array(d.grad(x + h * e[0], y + h * e[1])) - np.array(d.grad(x - h * e[0], y - h * e[1])))
                   / (2 * h) for e in np.eye(2)])
    np.testing.assert_allclose(H, fd, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(d.hvp((x, y), (1.0, -2.0)), H @ [1.0, -2.0], atol=1e-12)


def test_hessian_at_a_relu_kink_is_the_selected_pieces():
    X = np.array([[0.0, 1.0, 2.0], [1.0, 0.5, -0.2], [2.0, -1.0, 0.3], [-1.0, 0.2, 0.1]])
    y = np.array([0.5, -0.3, 0.2, 0.1])
    w = np.array([1.0, 0.0, 0.0])  # X[0] @ w == 0 exactly: the ReLU of sample 0 sits at its kink
    lam = 0.1
    d = nsadc.differentiate(vm.smooth_plus_relu, wrt="w", target="python")
    z = X @ w
    assert z[0] == 0.0
    active = z > 0  # min-norm selects relu'(0) = 0: sample 0 is on the flat piece
    # f = (sum_i (relu(z_i) - y_i)^2 + lam |w|^2) / (2 n): on the selected piece
    expected = (X[active].T @ X[active] + lam * np.eye(3)) / len(y)
    np.testing.assert_allclose(d.hessian(w, X, y, lam), expected, atol=1e-12)


@pytest.mark.slow
def test_compiled_hvp_matches_python():
    X, y, w = RNG.standard_normal((30, 4)), RNG.standard_normal(30), RNG.standard_normal(4)
    v = RNG.standard_normal(4)
    py = nsadc.differentiate(vm.smooth_plus_relu, wrt="w", target="python")
    cpu = nsadc.differentiate(vm.smooth_plus_relu, wrt="w", target="cpu")
    np.testing.assert_allclose(cpu.hvp((w, X, y, 0.2), v), py.hvp((w, X, y, 0.2), v), rtol=1e-12)


# ------------------------------------------------------------------ errors


def test_gradient_of_a_vector_output_is_refused_with_what_to_use():
    d = nsadc.differentiate(vm.min_map, target="python")
    x = RNG.standard_normal(4)
    for call in (lambda: d.grad(x), lambda: d.value_and_grad(x), lambda: d.clarke_grad(x),
                 lambda: d.hvp((x,), (x,))):
        with pytest.raises(nsadc.NsadcError, match="returns an array.*jacrev"):
            call()


def test_cotangents_are_checked():
    d = nsadc.differentiate(vm.min_map, target="python")
    x = RNG.standard_normal(4)
    with pytest.raises(nsadc.ArgumentError, match="cotangent r_cot must have the shape of the output r"):
        d.vjp((x,), np.ones(3))
    with pytest.raises(nsadc.ArgumentError, match="1-D float array"):
        d.vjp((x,), 1.0)
    p = nsadc.differentiate(vm.polar, target="python")
    with pytest.raises(nsadc.ArgumentError, match="returns 3 values, but the cotangent has 2"):
        p.vjp((1.0, 0.3), (1.0, 2.0))
    with pytest.raises(nsadc.ArgumentError, match="tuple of 3"):
        p.vjp((1.0, 0.3), 1.0)


def test_emitted_vjp_of_a_vector_output_reads_well():
    d = nsadc.differentiate(vm.min_map, target="python")
    src = d.source("reverse", RNG.standard_normal(4))
    assert "def min_map_vjp(x, r_cot):" in src
    assert "the cotangent r_cot must have the shape of the output r" in src
    fwd = d.source("forward", RNG.standard_normal(4))
    assert "return r, r_dot" in fwd


# ------------------------------------------------------------------ the command line


def test_cli_emits_vector_and_hvp_modules(tmp_path):
    import importlib.util

    from typer.testing import CliRunner

    from nsadc.cli import app

    programs = "tests/programs/vector_maps.py"
    runner = CliRunner()
    out = tmp_path / "hvp_module.py"
    result = runner.invoke(app, ["emit", f"{programs}:scalar_second_order", "--mode", "hvp", "-o", str(out)])
    assert result.exit_code == 0, result.output
    spec = importlib.util.spec_from_file_location("hvp_module", out)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    d = nsadc.differentiate(vm.scalar_second_order, target="python")
    np.testing.assert_allclose(mod.scalar_second_order_hvp(0.4, 1.3, 1.0, -2.0), d.hvp((0.4, 1.3), (1.0, -2.0)),
                               rtol=1e-14)
    out = tmp_path / "fb.py"
    result = runner.invoke(app, ["emit", f"{programs}:fischer_burmeister", "--mode", "both", "-o", str(out)])
    assert result.exit_code == 0, result.output
    spec = importlib.util.spec_from_file_location("fb", out)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    a, b = RNG.standard_normal(3), RNG.standard_normal(3)
    value, (a_bar, b_bar) = mod.fischer_burmeister_vjp(a, b, np.ones(3))
    np.testing.assert_allclose(value, vm.fischer_burmeister(a, b))
    Ja, Jb = nsadc.differentiate(vm.fischer_burmeister, target="python").jacrev(a, b)
    np.testing.assert_allclose(a_bar, Ja.sum(axis=0), atol=1e-14)
    np.testing.assert_allclose(b_bar, Jb.sum(axis=0), atol=1e-14)


def test_certificate_of_a_vector_output_probes_its_rows(tmp_path):
    d = nsadc.differentiate(vm.polar, target="python")
    assert d.certificate(probe=True, points=32).status == "certified"
    from tests.helpers import load_function

    jumping = load_function(tmp_path, "def jumping(x, y):\n    z = x + 1.0 if x > 0.0 else x\n"
                            "    return x * y, z\n", "jumping")
    assert nsadc.differentiate(jumping, target="python").certificate(probe=True, points=32).status == "rejected"


def test_batched_refuses_a_vector_output():
    B = nsadc.differentiate(vm.polar, target="python").batched((0, 0))
    with pytest.raises(nsadc.UnsupportedError, match="batched.*one float"):
        B.grad(np.ones(3), np.ones(3))


# ------------------------------------------------------------------ which rows met a kink


def test_report_says_which_rows_met_a_kink():
    x = _degenerate_point()
    d = nsadc.differentiate(vm.min_map, target="python")
    for method in ("clarke_jacobian", "jacrev", "jacfwd"):
        J, rep = getattr(d, method)(x, report=True)
        assert not rep.exact and [k.primitive for k in rep.kinks] == ["min"]
        assert rep.rows.tolist() == [True, False, False, False], method
        assert "output at [0]" in str(rep)
    _, rep = d.jacrev(np.array([0.3, 0.2, 0.1, 0.5]), report=True)
    assert rep.exact and not rep.rows.any()


def test_rows_of_several_outputs_and_of_a_layer():
    _, rep = nsadc.differentiate(vm.polar, target="python").jacfwd(0.0, 1.0, report=True)
    assert rep.rows == (False, False, True)  # only |r| - 1 has a kink at r = 0
    W = np.array([[1.0, -1.0, 0.5], [0.3, 0.2, -0.4], [0.5, 0.5, 1.0]])
    b = np.array([0.0, 0.1, -1.0])
    x = np.array([1.0, 1.0, 0.0])  # rows 0 and 2 sit at relu's kink
    _, rep = nsadc.differentiate(vm.relu_layer, wrt="x", target="python").clarke_jacobian(W, b, x, report=True)
    assert rep.rows.tolist() == [True, False, True]


def test_a_tie_steering_an_index_flags_every_row():
    """Interpolation at a knot: the tie decides an index, which no tangent carries."""
    grid = np.linspace(0.0, 1.0, 5)
    values = np.array([0.0, 1.0, 0.5, 2.0, 2.5])
    d = nsadc.differentiate(vm.interp_values, wrt="x", target="python")
    _, rep = d.jacrev(np.array([0.25, 0.6, 0.55]), grid, values, report=True)
    assert not rep.exact and rep.rows.all()
    _, rep = d.jacrev(np.array([0.3, 0.6, 0.55]), grid, values, report=True)
    assert rep.exact and not rep.rows.any()


@pytest.mark.slow
def test_compiled_rows_report():
    x = _degenerate_point()
    _, rep = nsadc.differentiate(vm.min_map, target="cpu").clarke_jacobian(x, report=True)
    assert rep.rows.tolist() == [True, False, False, False]


# ------------------------------------------------------------------ against JAX (where installed)


def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax, jax.numpy


def test_jacobians_match_jax():
    jax, jnp = _jax()

    def min_map(x):
        left = jnp.concatenate([jnp.zeros(1), x[:-1]])
        right = jnp.concatenate([x[1:], jnp.zeros(1)])
        return jnp.minimum(x, 3.0 * x * x + 2.0 * x - 0.5 * left - 0.5 * right + jnp.sin(x) - 1.0)

    def fischer_burmeister(a, b):
        return jnp.sqrt(a * a + b * b) - a - b

    def relu_layer(W, b, x):
        return jnp.maximum(W @ x + b, 0.0)

    x = RNG.uniform(-1, 1, 7)
    d = nsadc.differentiate(vm.min_map, target="python")
    for ours in (d.jacfwd(x), d.jacrev(x), d.clarke_jacobian(x)):
        np.testing.assert_allclose(ours, jax.jacfwd(min_map)(x), atol=1e-12)
    a, b = RNG.standard_normal(5), RNG.standard_normal(5)
    d = nsadc.differentiate(vm.fischer_burmeister, target="python")
    for ours, theirs in zip(d.jacrev(a, b), jax.jacrev(fischer_burmeister, argnums=(0, 1))(a, b)):
        np.testing.assert_allclose(ours, theirs, atol=1e-12)
    W, bias, v = RNG.standard_normal((4, 6)), RNG.standard_normal(4), RNG.standard_normal(6)
    d = nsadc.differentiate(vm.relu_layer, target="python")
    for ours, theirs in zip(d.jacfwd(W, bias, v), jax.jacfwd(relu_layer, argnums=(0, 1, 2))(W, bias, v)):
        np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_hessian_and_hvp_match_jax():
    jax, jnp = _jax()

    def loss(w, X, y, lam):
        r = jnp.maximum(X @ w, 0.0) - y
        return 0.5 * (jnp.sum(r * r) + lam * jnp.sum(w * w)) / X.shape[0]

    def scalar(x, y):
        return jnp.exp(x) * y + jnp.abs(x - y) + jnp.maximum(x * y, 0.0) ** 2 + jnp.log(1.0 + y * y) * x

    X, y, w = RNG.standard_normal((25, 4)), RNG.standard_normal(25), RNG.standard_normal(4)
    d = nsadc.differentiate(vm.smooth_plus_relu, wrt="w", target="python")
    np.testing.assert_allclose(d.hessian(w, X, y, 0.3), jax.hessian(loss)(w, X, y, 0.3), atol=1e-12)
    v = RNG.standard_normal(4)
    theirs = jax.jvp(lambda z: jax.grad(loss)(z, X, y, 0.3), (w,), (v,))[1]
    np.testing.assert_allclose(d.hvp((w, X, y, 0.3), v), theirs, atol=1e-12)
    s = nsadc.differentiate(vm.scalar_second_order, target="python")
    np.testing.assert_allclose(np.array(s.hessian(0.4, 1.3)),
                               np.array(jax.hessian(scalar, argnums=(0, 1))(0.4, 1.3)), atol=1e-12)


def test_cli_emits_jacobian_drivers(tmp_path):
    import importlib.util

    from typer.testing import CliRunner

    from nsadc.cli import app

    out = tmp_path / "polar_jac.py"
    result = CliRunner().invoke(app, ["emit", "tests/programs/vector_maps.py:polar", "--mode", "jacobian",
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    spec = importlib.util.spec_from_file_location("polar_jac", out)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    value, blocks = mod.polar_jacrev(1.7, 0.4)
    expected = nsadc.differentiate(vm.polar, target="python").jacfwd(1.7, 0.4)
    np.testing.assert_allclose(np.array(blocks).reshape(3, 2), np.array(expected), atol=1e-14)
    _, blocks_fwd = mod.polar_jacfwd(1.7, 0.4)
    np.testing.assert_allclose(np.array(blocks_fwd).reshape(3, 2), np.array(expected), atol=1e-14)
    result = CliRunner().invoke(app, ["emit", "tests/programs/vector_maps.py:smooth_plus_relu", "--mode",
                                      "jacobian"])
    assert result.exit_code == 2 and "returns one float" in result.output
