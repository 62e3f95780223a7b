"""Clarke mode (lexicographic derivatives), clarke_grad, and the "auto" policy."""

import math

import numpy as np
import pytest

import nsadc
from helpers import as_tuple
from programs import clarke_cases as CC
from programs.constructs import CONSTRUCT_CASES
from programs.primitives import PRIMITIVE_FUNCTIONS
from test_classic import KINK_CASES, in_clarke_set, in_convex_hull


@pytest.mark.parametrize("fn,x,clarke,starts", KINK_CASES, ids=[c[0].__name__ for c in KINK_CASES])
def test_clarke_grad_lies_in_the_clarke_set(fn, x, clarke, starts, target):
    d = nsadc.differentiate(fn, target=target)
    g = as_tuple(d.clarke_grad(*x))
    assert in_clarke_set(clarke(*x), g), f"{g} is outside the Clarke set"
    # another set of directions gives an element of the same set
    n = len(x)
    m = np.eye(n)[::-1] + 0.25 * np.tri(n)
    g2 = as_tuple(d.clarke_grad(*x, directions=m))
    assert in_clarke_set(clarke(*x), g2), f"{g2} is outside the Clarke set (directions {m.tolist()})"


def _pieces_max(values, grads):
    m = max(values)
    return [g for v, g in zip(values, grads) if v == m]


def _chained_sums(piece_gradients):
    """Vertices of the Clarke set of a chained sum f(x1,x2) + f(x2,x3) + f(x3,x4)
    whose every term has the given active pieces: the sum of three hulls is the
    hull of all sums of one vertex per term."""
    import itertools

    out = []
    for a, b, c in itertools.product(piece_gradients, repeat=3):
        v = np.zeros(4)
        v[0:2] += a
        v[1:3] += b
        v[2:4] += c
        out.append(v)
    return out


def test_maxq_goffin_shor_and_hilbert_problems():
    d = nsadc.differentiate(CC.maxq5, target="python")
    g = d.clarke_grad(0.0, 0.0, 0.0, 0.0, 0.0)
    assert in_convex_hull(np.zeros((1, 5)), g)[0]  # every piece has gradient 0 at 0
    x = (1.0, -1.0, 1.0, 0.5, -1.0)  # pieces 1, 2, 3, 5 tied at 1
    grads = [np.eye(5)[i] * 2 * x[i] for i in range(5)]
    g = nsadc.differentiate(CC.maxq5, target="python").clarke_grad(*x)
    assert in_convex_hull(_pieces_max([xi * xi for xi in x], grads), g)[0]

    x = (2.0, 2.0, 2.0, 2.0)  # Goffin: every x_i = max
    g = nsadc.differentiate(CC.goffin4, target="python").clarke_grad(*x)
    assert in_convex_hull([4 * np.eye(4)[i] - 1 for i in range(4)], g)[0]

    # MXHILB / L1HILB at 0: every row is active and at its kink
    rows = np.array([[1 / (i + j + 1.0) for j in range(3)] for i in range(3)])
    g = nsadc.differentiate(CC.l1hilb3, target="python").clarke_grad(0.0, 0.0, 0.0)
    # Clarke set of Σ|a_i·x| at 0 = {Σ t_i a_i : t_i ∈ [-1, 1]}
    from test_classic import in_zonotope
    assert in_zonotope(np.zeros(3), rows, g)
    g = nsadc.differentiate(CC.mxhilb3, target="python").clarke_grad(0.0, 0.0, 0.0)
    assert in_convex_hull(np.vstack([rows, -rows, np.zeros((1, 3))]), g)[0]

    x = (1.0, 1.0, 1.0, 1.0)  # Chained CB3 I at x*: all three pieces of each term active
    g = nsadc.differentiate(CC.chained_cb3_1, target="python").clarke_grad(*x)
    piece = [np.array([4.0, 2.0]), np.array([-2.0, -2.0]), np.array([-2.0, 2.0])]
    assert in_convex_hull(_chained_sums(piece), g)[0]

    x = (0.0, 0.0, 0.0, 0.0)  # Chained Crescent II at 0: both pieces of each term tied
    g = nsadc.differentiate(CC.chained_crescent_2, target="python").clarke_grad(*x)
    term = [np.array([0.0, -1.0]), np.array([0.0, 3.0])]
    assert in_convex_hull(_chained_sums(term), g)[0]


def test_relu_difference_is_one_at_zero(target):
    d = nsadc.differentiate(CC.relu_difference, target=target)
    assert d.grad(0.0) == 0.0  # the conservative answer: an artificial critical point
    assert d.clarke_grad(0.0) == 1.0  # Clarke mode: the true derivative
    assert nsadc.clarke_grad(CC.relu_difference, target=target)(0.0) == 1.0


@pytest.mark.parametrize("fn", [CC.abs_plain, CC.abs_as_max, CC.abs_as_branch, CC.abs_as_relus])
def test_equivalent_programs_give_equivalent_answers(fn):
    d = nsadc.differentiate(fn, target="python")
    assert d.clarke_grad(0.0) == 1.0
    assert d.clarke_grad(0.0, directions=[[-1.0]]) == -1.0  # along -1: the left piece
    assert d.clarke_grad(0.0, directions=[[2.0]]) == 1.0
    assert d.clarke_grad(-3.0) == -1.0


GENERIC = [(0.63, 1.37), (1.21, 0.43), (-0.37, 0.81)]
POSITIVE = {"p_div", "p_pow", "p_exp_log", "p_log1p_expm1", "p_sqrt", "p_math_pow", "p_inverse_trig"}


@pytest.mark.parametrize("fn", PRIMITIVE_FUNCTIONS, ids=lambda f: f.__name__)
def test_clarke_equals_reverse_at_generic_points(fn):
    d = nsadc.differentiate(fn, target="python")
    for args in GENERIC:
        if fn.__name__ in POSITIVE:
            args = tuple(abs(a) for a in args)
        np.testing.assert_allclose(as_tuple(d.clarke_grad(*args)), as_tuple(d.grad(*args)), rtol=1e-12,
                                   atol=1e-14)


@pytest.mark.parametrize("fn,args", CONSTRUCT_CASES,
                         ids=[f"{f.__name__}-{i}" for i, (f, _) in enumerate(CONSTRUCT_CASES)])
def test_clarke_equals_reverse_on_constructs(fn, args):
    d = nsadc.differentiate(fn, target="python")
    np.testing.assert_allclose(as_tuple(d.clarke_grad(*args)), as_tuple(d.grad(*args)), rtol=1e-11, atol=1e-13)


def test_auto_policy_uses_clarke_mode_only_where_a_kink_is_met(target):
    d = nsadc.differentiate(CC.relu_difference, kinks="auto", target=target)
    g, rep = d.grad(0.0, report=True)
    assert g == 1.0 and rep.method == "clarke" and not rep.exact
    g, rep = d.grad(0.25, report=True)
    assert g == 1.0 and rep.method == "reverse" and rep.exact
    assert d.grad(0.0) == 1.0  # without report= too
    assert d.value_and_grad(0.0) == (0.0, 1.0)


def test_kink_tol_counts_near_ties():
    exact = nsadc.differentiate(CC.relu_difference, kinks="auto", target="python")
    near = nsadc.differentiate(CC.relu_difference, kinks="auto", kink_tol=1e-9, target="python")
    g, rep = exact.grad(1e-12, report=True)
    assert rep.exact and rep.method == "reverse"
    g, rep = near.grad(1e-12, report=True)
    assert not rep.exact and rep.method == "clarke" and g == 1.0
    with pytest.raises(nsadc.NsadcError):
        nsadc.differentiate(CC.relu_difference, kink_tol=-1.0)


def test_directions_must_be_invertible():
    d = nsadc.differentiate(CC.shor, target="python")
    with pytest.raises(nsadc.ArgumentError, match="invertible"):
        d.clarke_grad(1, 1, 1, 1, 1, directions=np.zeros((5, 5)))
    with pytest.raises(nsadc.ArgumentError, match="5x5"):
        d.clarke_grad(1, 1, 1, 1, 1, directions=np.eye(3))


def test_shor_at_its_minimizer_is_a_clarke_subgradient():
    x = (1.12434, 0.97945, 1.47770, 0.92023, 1.12429)
    d = nsadc.differentiate(CC.shor, target="python")
    g = np.array(d.clarke_grad(*x))
    # generic floating point: one piece is active, Clarke mode equals reverse mode
    np.testing.assert_allclose(g, d.grad(*x), rtol=1e-12)


def test_lexicographic_source_is_standalone():
    src = nsadc.differentiate(CC.abs_as_branch, target="python").source("lexicographic")
    assert "def abs_as_branch_ld(x, x_d0):" in src
    assert "nsadc" not in src.split("\n", 1)[1]
    assert "lexicographic sign" in src
