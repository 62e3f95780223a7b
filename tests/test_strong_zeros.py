"""Derivatives where an infinite or NaN value does not reach the output.

The chain rule multiplies a partial by an adjoint or a tangent; where one of
them is an exact zero (a sample skipped, a branch a selection does not take)
and the other infinite or NaN, IEEE arithmetic gives NaN although the
function does not depend on that path.  The API then runs the derivative
again on kernels where a switch's zero wins and a partial's division by
zero is IEEE's rather than Numba's exception; a zero that arithmetic
computed does not win (its product with an infinity may have another
limit), and its NaN stays.  Expected values by hand; everywhere else the
results are the plain kernels', untouched."""

import math

import numpy as np
import pytest

import nsadc
from nsadc.passes.strong_zeros import STRONG_HELPERS


def nan_skip(x, w):
    s = 0.0
    for i in range(x.shape[0]):
        v = x[i] * w[i]
        if v != v:  # a missing sample
            continue
        s += v
    return s


def root_of_relu(x):
    v = max(x, 0.0)
    r = math.sqrt(v)
    return r + x


def limiter(c, u):
    s = 0.0
    for i in range(1, u.shape[0] - 1):
        num = u[i] - u[i - 1]
        den = u[i + 1] - u[i]
        r = num / den
        if not math.isfinite(r):  # a flat stretch
            r = 0.0
        s += c * u[i] + r * c
    return s


def capped_rate(x, a):
    s = 0.0
    for i in range(x.shape[0]):
        lam = min(np.exp(a * x[i]), 5.0)
        s += lam
    return s


def bernoulli_ll(p, y):
    ll = 0.0
    for i in range(p.shape[0]):
        lp = np.log(p[i])
        l1 = np.log(1.0 - p[i])
        if y[i] > 0.5:
            ll += lp
        else:
            ll += l1
    return ll


def nan_value(x):
    return math.sqrt(x) * x


BOTH = ["python", pytest.param("cpu", marks=pytest.mark.slow)]


@pytest.mark.parametrize("target", BOTH)
def test_skipped_missing_sample(target):
    d = nsadc.differentiate(nan_skip, wrt=["w"], target=target)
    x = np.array([1.0, np.nan, 2.0])
    w = np.ones(3)
    np.testing.assert_array_equal(d.grad(x, w), [1.0, 0.0, 2.0])
    value, g = d.value_and_grad(x, w)
    assert value == 3.0
    np.testing.assert_array_equal(g, [1.0, 0.0, 2.0])
    _, (g,) = d.vjp((x, w), 2.0)
    np.testing.assert_array_equal(g, [2.0, 0.0, 4.0])
    # where nothing is missing, the plain kernel's result
    np.testing.assert_array_equal(d.grad(np.array([1.0, 3.0, 2.0]), w), [1.0, 3.0, 2.0])


@pytest.mark.parametrize("target", BOTH)
def test_root_of_a_branch_not_taken(target):
    d = nsadc.differentiate(root_of_relu, target=target)
    assert d.grad(-1.0) == 1.0
    # forward mode's zero here is a tangent arithmetic computed (0 times x's tangent), not a
    # switch: it stays IEEE's, NaN, rather than a number that could be wrong
    value, dot = d.jvp((-1.0,), (2.0,))
    assert value == -1.0 and math.isnan(dot)
    assert d.grad(4.0) == pytest.approx(1.25)


def cube_root_of_cube(x, y):
    return np.cbrt(x ** 3) + y * x


def root_squared(x):
    r = math.sqrt(x)
    return r * r


@pytest.mark.parametrize("fn, args", [(cube_root_of_cube, (0.0, 1.0)), (root_squared, (0.0,))],
                         ids=["cbrt_of_cube", "root_squared"])
def test_a_computed_zero_times_an_infinity_stays_nan(fn, args):
    # 3 * x ** 2 (or 2 * r) is 0 at 0 and the root's partial infinite: the limit of their product
    # is 1, not 0, so no zero may win here; NaN says the chain rule has no answer at this point
    d = nsadc.differentiate(fn, target="python")
    with np.errstate(all="ignore"):
        g = d.grad(*args)
    assert math.isnan(g[0] if isinstance(g, tuple) else g)


def log_in_a_branch_not_taken(p, q):
    lp = np.log(p)
    if p > 0.0:
        r = lp * q
    else:
        r = q * q
    return r


@pytest.mark.slow
def test_a_partials_division_by_zero_does_not_raise_on_cpu():
    # 1 / p of np.log at p == 0 raised ZeroDivisionError (Numba's error model); the adjoint it meets
    # is computed, not a switch, so the entry is NaN, as IEEE arithmetic gives it
    d = nsadc.differentiate(log_in_a_branch_not_taken, target="cpu")
    gp, gq = d.grad(0.0, 1.5)
    assert math.isnan(gp) and gq == 3.0


def test_quotient_replaced_where_not_finite():
    # on cpu the primal's own u / 0 raises, as it does in the user's Numba code
    d = nsadc.differentiate(limiter, wrt=["c"], target="python")
    u = np.array([1.0, 2.0, 2.0, 2.0, 3.0])
    with np.errstate(divide="ignore", invalid="ignore"):
        assert d.grad(2.0, u) == pytest.approx(limiter(1.0, u))  # linear in c
        assert d.jvp((2.0, u), (1.0,))[1] == pytest.approx(limiter(1.0, u))


@pytest.mark.slow
def test_primal_division_by_zero_still_raises_on_cpu():
    d = nsadc.differentiate(limiter, wrt=["c"], target="cpu")
    with pytest.raises(ZeroDivisionError):
        d.grad(2.0, np.array([1.0, 2.0, 2.0, 2.0, 3.0]))


@pytest.mark.slow
def test_overflow_that_a_min_caps():
    # (the python target's math.exp raises OverflowError here: docs/subset.md, "Singular points")
    d = nsadc.differentiate(capped_rate, wrt=["x", "a"], target="cpu")
    gx, ga = d.grad(np.array([800.0, 0.3]), 1.0)
    np.testing.assert_allclose(gx, [0.0, math.exp(0.3)], rtol=1e-15)
    assert ga == pytest.approx(0.3 * math.exp(0.3), rel=1e-15)


@pytest.mark.slow
def test_log_of_zero_discarded():
    # the partial 1 / p at p == 0 raised ZeroDivisionError on cpu (Numba's error model)
    d = nsadc.differentiate(bernoulli_ll, wrt=["p"], target="cpu")
    value, g = d.value_and_grad(np.array([0.3, 1.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    assert value == pytest.approx(math.log(0.7))
    np.testing.assert_allclose(g, [-1.0 / 0.7, 1.0, -1.0], rtol=1e-15)


@pytest.mark.parametrize("target", BOTH)
def test_a_nan_of_the_value_stays(target):
    d = nsadc.differentiate(nan_value, target=target)
    with np.errstate(invalid="ignore"):
        value, g = d.value_and_grad(float("nan"))
    assert math.isnan(value) and math.isnan(g)


def test_strong_products_only_in_the_careful_kernels(tmp_path):
    d = nsadc.differentiate(nan_skip, wrt=["w"], target="python")
    assert not any(name in d.source("reverse", np.ones(3), np.ones(3)) for name in STRONG_HELPERS)
    d.grad(np.array([1.0, np.nan]), np.ones(2))
    (k,) = d._specs.values()
    careful = k.__dict__["strong"]
    import inspect
    text = inspect.getsource(inspect.getmodule(careful.grad))
    assert "_switch_mul(" in text
    # the primal's own products stay IEEE's: the careful kernel's value is the plain one
    assert "v = x_i * w[i]" in text


def root_of_relu_alone(x):
    return math.sqrt(max(x, 0.0))


def signed_root_squared(v):
    s = math.sqrt(abs(v[0]))
    return np.sign(v[0]) * s * s  # v[0] itself


@pytest.mark.parametrize("target", BOTH)
def test_a_product_in_the_returned_values_is_checked(target):
    # the one product sat in the return statement, which the check for switches did not read
    assert nsadc.differentiate(root_of_relu_alone, target=target).grad(-1.0) == 0.0


def test_a_selection_at_its_tie_is_no_structural_zero():
    # abs's partial at v == 0 is the policy's 0, not a branch the function leaves alone: the
    # function is v[0], slope 1; 0 would be wrong, NaN says the chain rule has no answer
    d = nsadc.differentiate(signed_root_squared, target="python")
    with np.errstate(all="ignore"):
        assert np.isnan(d.grad(np.array([0.0]))[0])
    assert d.grad(np.array([-2.0]))[0] == pytest.approx(1.0)


def capped_exponential(v):
    return min(np.exp(v[0] * v[1]), 10.0)


@pytest.mark.slow
def test_a_switch_nested_in_a_product_wins():
    # the reverse writes exp * (dmin * out_bar): the switch sits inside the other factor
    d = nsadc.differentiate(capped_exponential, target="cpu")
    np.testing.assert_array_equal(d.grad(np.array([1000.0, 1.0])), [0.0, 0.0])
