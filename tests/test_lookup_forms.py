"""Table lookups as users write them: ``np.interp`` with one knot, inside a
helper or of an array of points, and gathers through int arithmetic on an index array
(``tab[idx + 1]``), on both targets, against NumPy and central differences."""

import numpy as np
import pytest

import nsadc
from nsadc.errors import UnsupportedError
from tests.helpers import central_differences, load_function

TARGETS = ["python", pytest.param("cpu", marks=pytest.mark.slow)]


@pytest.mark.parametrize("target", TARGETS)
def test_interp_with_one_knot_is_that_knot_s_value(tmp_path, target):
    # NumPy gives fp[0] everywhere (left / right beside the knot): before, the cpu
    # kernel read xp[1], past the end, at x == xp[0]
    f = load_function(tmp_path, """
        def f(x, xp, fp):
            return np.interp(x, xp, fp) + np.interp(x, xp, fp, left=-1.0, right=7.0) * x
        """, "f")
    d = nsadc.differentiate(f, target=target)
    xp, fp = np.array([1.0]), np.array([3.0])
    for x in (0.5, 1.0, 2.0):
        assert d(x, xp, fp) == pytest.approx(f(x, xp, fp))
        gx, gxp, gfp = d.grad(x, xp, fp)
        want_x = {0.5: -1.0, 1.0: 3.0, 2.0: 7.0}[x]  # the second term's value over x
        assert gx == pytest.approx(want_x)
        np.testing.assert_allclose(gxp, [0.0])
        np.testing.assert_allclose(gfp, [1.0 + (x if x == 1.0 else 0.0)])


@pytest.mark.parametrize("target", TARGETS)
def test_interp_inside_a_helper(tmp_path, target):
    f = load_function(tmp_path, """
        def forcing(t, tt, ff):
            return np.interp(t, tt, ff)

        def f(x, tt, ff):
            return forcing(x, tt, ff) * 2.0 + x
        """, "f")
    args = (0.37, np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 2.0]))
    d = nsadc.differentiate(f, target=target)
    assert d(*args) == pytest.approx(f(*args))
    gx, gtt, gff = d.grad(*args)
    assert gx == pytest.approx(2.0 * 2.0 + 1.0)
    np.testing.assert_allclose(gtt, central_differences(f, args, 1), atol=1e-7)
    np.testing.assert_allclose(gff, central_differences(f, args, 2), atol=1e-7)


INTERP_POINTS = """
    def sum_of_squares(x, xp, fp):
        y = np.interp(x, xp, fp)
        return np.sum(y * y)

    def in_an_expression(t, fp):
        xp = np.linspace(0.0, 3.0, 4)
        return np.sum(np.abs(np.interp(t * 2.0, xp, fp, left=0.0, right=fp[-1] * 2.0) - 1.0))

    def of_a_matrix(X, xp, fp):
        Y = np.interp(X, xp, fp)
        return np.sum(Y[:, 0] * Y[:, 1])

    def in_a_loop(x, xp, fp):
        s = 0.0
        for k in range(3):
            y = np.interp(x + 0.4 * k, xp, fp)
            s += np.max(y) + y[0]
        return s
    """


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", ["sum_of_squares", "in_an_expression", "of_a_matrix", "in_a_loop"])
def test_interp_of_an_array_of_points(tmp_path, target, name):
    # each point's own interpolation, as NumPy's; it was refused
    f = load_function(tmp_path, INTERP_POINTS, name)
    rng = np.random.default_rng(8)
    xp, fp = np.array([0.0, 1.0, 2.2, 3.0]), np.array([0.0, 2.0, 1.0, 3.0])
    args = {"in_an_expression": (rng.uniform(-0.3, 1.8, 7), fp),
            "of_a_matrix": (rng.uniform(-0.5, 3.5, (3, 2)), xp, fp)}.get(name, (rng.uniform(-0.5, 2.6, 7), xp, fp))
    value, grads = nsadc.differentiate(f, target=target).value_and_grad(*args)
    assert value == pytest.approx(f(*args), rel=1e-13)
    for k, g in enumerate(grads):
        np.testing.assert_allclose(g, central_differences(f, args, k), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("target", TARGETS)
def test_gathers_through_int_arithmetic_on_an_index_array(tmp_path, target):
    f = load_function(tmp_path, """
        def blend(tab, idx, t):
            n = idx.shape[0]
            return np.sum(tab[idx] * (1.0 - t) + tab[idx + 1] * t) / n
        """, "blend")
    g = load_function(tmp_path, """
        def wrapped(tab, idx: np.ndarray):
            return np.sum(tab[idx - 1] * tab[(idx + 3) % 6] + tab[2 * idx // 2] ** 2)
        """, "wrapped")
    rng = np.random.default_rng(3)
    tab = rng.normal(size=6)
    idx = np.array([0, 2, 2, 4])  # idx - 1 reads tab[-1], the last entry, as in NumPy
    t = rng.uniform(size=4)
    for fn, args, wrt in ((f, (tab, idx, t), ["tab", "t"]), (g, (tab, idx), ["tab"])):
        d = nsadc.differentiate(fn, wrt=wrt, target=target)
        assert d(*args) == pytest.approx(fn(*args))
        grads = d.grad(*args)
        grads = grads if isinstance(grads, tuple) else (grads,)  # one wrt argument: its gradient alone
        np.testing.assert_allclose(grads[0], central_differences(fn, args, 0), atol=1e-7)
        if len(wrt) == 2:
            np.testing.assert_allclose(grads[1], central_differences(fn, args, 2), atol=1e-7)


def test_a_float_array_as_index_is_refused(tmp_path):
    f = load_function(tmp_path, """
        def f(tab, idx: np.ndarray):
            return np.sum(tab[idx + 1])
        """, "f")
    d = nsadc.differentiate(f, wrt="tab", target="python")
    with pytest.raises(UnsupportedError, match=r"idx \+ 1 indexes tab as an array of indices") as err:
        d.grad(np.arange(4.0), np.array([0.0, 1.0]))
    assert "range((idx + 1).shape[0])" in str(err.value)


@pytest.mark.parametrize("target", TARGETS)
def test_gathers_through_arithmetic_where_nothing_else_shows_the_index_array(tmp_path, target):
    # idx appears only inside indices: the call's int array decides (it was "must be a scalar")
    f = load_function(tmp_path, """
        def lininterp(tab, idx, u):
            lo = tab[idx]
            hi = tab[idx + 1]
            return np.sum(lo + (hi - lo) * u) + np.sum(tab[(idx + 3) % 6] * tab[2 * idx // 2])
        """, "lininterp")
    rng = np.random.default_rng(5)
    args = (rng.normal(size=7), np.array([0, 2, 5]), rng.uniform(size=3))
    d = nsadc.differentiate(f, wrt=["tab", "u"], target=target)
    assert d(*args) == pytest.approx(f(*args))
    gtab, gu = d.grad(*args)
    np.testing.assert_allclose(gtab, central_differences(f, args, 0), atol=1e-7)
    np.testing.assert_allclose(gu, central_differences(f, args, 2), atol=1e-7)
