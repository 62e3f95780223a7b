"""A parameter or variable may take any name the user likes, including the
names nsadc's own drivers and derivative code use for their locals (a
restitution coefficient ``e`` once zeroed every Jacobian entry that should
have been its value: the Jacobian driver counted its columns in ``e``)."""

import numpy as np
import pytest

import nsadc
from nsadc.errors import UnsupportedError
from tests.helpers import load_function

# the locals of the drivers (Jacobians, Hessians, batches) and of derivative code
NAMES = ["e", "value", "dot", "adjoints", "_", "out", "out_bar", "tape", "n_tape", "result", "i", "k", "v_bar",
         "v_dot", "v_unit", "cot_0", "cot_0_unit", "J_0_v", "J_1_v", "seed", "idx", "grad", "args", "tangent",
         "basis", "direction", "outs", "numba", "numpy", "ignored", "nan", "inf"]


@pytest.mark.parametrize("name", NAMES)
def test_derivatives_do_not_depend_on_a_parameter_name(tmp_path, name):
    pair = load_function(tmp_path, f"""
        def pair(v, {name}):
            return {name} * v + abs(v), v * 2.0
        """, "pair")
    one = load_function(tmp_path, f"""
        def one(v, {name}):
            return {name} * v * v + abs(v)
        """, "one")
    a, b = -0.8, 0.3
    jac = ((b - 1.0, a), (2.0, 0.0))
    d2 = nsadc.differentiate(pair, target="python")
    np.testing.assert_allclose(np.array(d2.jacobian(a, b), float), jac)
    np.testing.assert_allclose(np.array(d2.jacrev(a, b), float), jac)
    d1 = nsadc.differentiate(one, target="python")
    g = (2 * b * a - 1.0, a * a)
    np.testing.assert_allclose(d1.grad(a, b), g)
    np.testing.assert_allclose(d1.clarke_grad(a, b), g)
    assert d1.jvp((a, b), (1.0, 2.0))[1] == pytest.approx(g[0] + 2 * g[1])
    np.testing.assert_allclose(np.array(d1.hessian(a, b), float), [[2 * b, 2 * a], [2 * a, 0.0]])
    gb = d1.batched(in_axes=(0, None)).grad(np.array([a, 0.5]), b)
    np.testing.assert_allclose(gb[0], [2 * b * a - 1.0, 2 * b * 0.5 + 1.0])


def test_an_array_parameter_named_e(tmp_path):
    f = load_function(tmp_path, """
        def f(x, e):
            y = np.empty(2)
            y[0] = e * x[0]
            y[1] = x[1]
            return y
        """, "f")
    J = nsadc.differentiate(f, wrt="x", target="python").jacfwd(np.array([-0.8, 0.4]), 0.3)
    np.testing.assert_allclose(J, [[0.3, 0.0], [0.0, 1.0]])


@pytest.mark.parametrize("name", ["math", "np"])
def test_a_variable_hiding_a_module_the_derivative_calls_is_refused(tmp_path, name):
    f = load_function(tmp_path, f"""
        def f(v, w):
            {name} = v * w
            return {name} + abs(v)
        """, "f")
    with pytest.raises(UnsupportedError, match=f"a variable named {name} would hide") as err:
        nsadc.differentiate(f, target="python").grad(0.5, 0.3)
    assert f"rename {name}" in str(err.value) and "_mod.py:6:5:" in str(err.value)


KEYWORD_ONLY = """
    def scaled(u, *, scale=2.0):
        return scale * abs(u)

    def loss(w, x, *, lam=0.1, p):
        return np.sum(np.maximum(x * w, 0.0)) + lam * scaled(np.sum(w), scale=p)

    def positional(w, /, c):
        return abs(w - c) * w
    """


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_keyword_only_and_positional_only_parameters(tmp_path, target):
    loss = load_function(tmp_path, KEYWORD_ONLY, "loss")
    positional = load_function(tmp_path, KEYWORD_ONLY, "positional")
    w, x = np.array([0.3, -0.4]), np.array([1.5, 2.0])
    d = nsadc.differentiate(loss, target=target)
    assert d(w, x, p=1.5) == pytest.approx(loss(w, x, p=1.5))
    gw, gx, glam, gp = d.grad(w, x, lam=0.3, p=1.5)
    np.testing.assert_allclose(gw, [1.5 - 0.3 * 1.5, -0.3 * 1.5])
    np.testing.assert_allclose(gx, [0.3, 0.0])
    assert glam == pytest.approx(1.5 * 0.1) and gp == pytest.approx(0.3 * 0.1)
    with pytest.raises(nsadc.ArgumentError, match="too many positional arguments"):
        d.grad(w, x, 0.3, 1.5)  # as Python: keyword-only parameters take keywords
    dp = nsadc.differentiate(positional, target=target)
    assert dp.grad(0.5, c=0.2) == pytest.approx((0.8, -0.5))
    with pytest.raises(nsadc.ArgumentError, match="positional only"):
        dp.grad(w=0.5, c=0.2)


def test_batched_in_axes_for_the_arguments_given_the_rest_left_at_their_defaults(tmp_path):
    sdf = load_function(tmp_path, """
        def sdf(px, py, r, k=0.3):
            d = math.sqrt(px * px + py * py) - r
            return max(d, -k * d)
        """, "sdf")
    d = nsadc.differentiate(sdf, target="python")
    px, py = np.array([0.3, 1.5]), np.array([0.2, -0.7])
    for extra in ((), (0.5,)):  # k left at its default, or passed: shared by every point either way
        got = d.batched(in_axes=(0, 0, None)).grad(px, py, 1.0, *extra)
        want = [d.grad(x, y, 1.0, *extra) for x, y in zip(px, py)]
        for j in range(4):
            np.testing.assert_allclose(got[j], [w[j] for w in want])


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_batched_with_keyword_only_parameters(tmp_path, target):
    # (each point's call passed every argument by position: "too many positional arguments")
    f = load_function(tmp_path, """
        def f(w, b, *, delta=1.0):
            return w * w * delta + b + abs(b)
        """, "f")
    w, b = np.array([1.0, 2.0]), np.array([0.5, 1.0])
    for kinks in (None, "auto"):  # ("auto" goes through value_and_grad: the keyword goes along)
        B = nsadc.differentiate(f, wrt=("w", "b"), kinks=kinks, target=target).batched(in_axes=(0, 0))
        for kw, delta in (({}, 1.0), ({"delta": 3.0}, 3.0)):
            gw, gb = B.grad(w, b, **kw)
            np.testing.assert_allclose(gw, 2.0 * w * delta)
            np.testing.assert_allclose(gb, [2.0, 2.0])
            np.testing.assert_allclose(B.value_and_grad(w, b, **kw)[0], w * w * delta + 2.0 * b)
