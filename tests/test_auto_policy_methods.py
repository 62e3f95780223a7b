"""Under ``kinks="auto"`` every method of a function returning one float agrees
with ``grad``: ``vjp``, ``jvp``, ``jacobian``, ``jacfwd`` and ``jacrev`` use
the gradient ``value_and_grad`` gives (Clarke mode where a kink is met).
They used reverse or forward mode's min-norm choice, which at ``x = 0`` of
``relu(x) - relu(-x) + |x| / 2`` is the artificial critical point 0 that
``"auto"`` exists to avoid, while ``grad`` gave 1.5."""

import numpy as np
import pytest

import nsadc
from tests.helpers import load_function

PROGRAMS = """
def odd(x):
    return max(x, 0.0) - max(-x, 0.0) + 0.5 * abs(x)

def two(a, b):
    return max(a, b) + abs(a - 1.0) + min(a * b, 0.5) + np.clip(b, -1.0, 1.0)

def rows(w):
    return np.sum(np.maximum(w, 0.0)) + abs(w[0])
"""


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_every_method_agrees_with_grad_at_a_kink(tmp_path, target):
    odd = load_function(tmp_path, PROGRAMS, "odd")
    d = nsadc.differentiate(odd, kinks="auto", target=target)
    g = d.grad(0.0)
    assert g == pytest.approx(1.5)  # in the Clarke set [0.5, 1.5]; reverse mode alone gives 0
    assert d.vjp((0.0,), 2.0)[1] == pytest.approx((3.0,))
    assert d.jvp((0.0,), (1.0,))[1] == pytest.approx(1.5)
    for jac in (d.jacobian, d.jacfwd, d.jacrev):
        assert jac(0.0) == pytest.approx(1.5)

    two = load_function(tmp_path, PROGRAMS, "two")
    d2 = nsadc.differentiate(two, kinks="auto", target=target)
    g2 = d2.grad(1.0, 1.0)
    assert d2.vjp((1.0, 1.0), 2.0)[1] == pytest.approx(tuple(2.0 * np.asarray(g2)))
    assert d2.jvp((1.0, 1.0), (1.0, 0.5))[1] == pytest.approx(g2[0] + 0.5 * g2[1])
    assert d2.jacobian(1.0, 1.0) == pytest.approx(g2)

    rows = load_function(tmp_path, PROGRAMS, "rows")
    d3 = nsadc.differentiate(rows, kinks="auto", target=target)
    w = np.array([0.0, 1.0])
    g3 = d3.grad(w)
    np.testing.assert_allclose(d3.vjp((w,), 2.0)[1][0], 2.0 * g3)
    np.testing.assert_allclose(d3.jacobian(w), g3)
    assert d3.jvp((w,), (np.array([1.0, 1.0]),))[1] == pytest.approx(np.sum(g3))


def test_away_from_kinks_auto_is_reverse_mode(tmp_path):
    odd = load_function(tmp_path, PROGRAMS, "odd")
    d, plain = nsadc.differentiate(odd, kinks="auto", target="python"), nsadc.differentiate(odd, target="python")
    for x in (-0.7, 0.4):
        assert d.vjp((x,), 1.0)[1] == pytest.approx(plain.vjp((x,), 1.0)[1])
        assert d.jvp((x,), (1.0,))[1] == pytest.approx(plain.jvp((x,), (1.0,))[1])


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_batched_jvp_agrees_with_grad_at_a_kink(tmp_path, target):
    # batched jvp ran forward mode's min-norm choice: 0 at x = 0, where grad gives 1.5
    d = nsadc.differentiate(load_function(tmp_path, PROGRAMS, "odd"), kinks="auto", target=target)
    b = d.batched(in_axes=(0,))
    xs = np.array([0.0, 0.3])
    values, slopes = b.jvp((xs,), (np.array([2.0, 3.0]),))
    np.testing.assert_allclose(values, [d(x) for x in xs])
    np.testing.assert_allclose(slopes, [2.0 * d.grad(0.0), 3.0 * d.grad(0.3)])
    d2 = nsadc.differentiate(load_function(tmp_path, PROGRAMS, "two"), kinks="auto", target=target)
    _, slopes = d2.batched(in_axes=(0, 0)).jvp((np.ones(2), np.ones(2)), (1.0, np.array([1.0, 2.0])))
    g2 = np.asarray(d2.grad(1.0, 1.0))
    np.testing.assert_allclose(slopes, [g2 @ [1.0, 1.0], g2 @ [1.0, 2.0]])
