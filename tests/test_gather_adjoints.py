"""A stencil's adjoint array is gathered in the gradient, each element stored
once (nsadc/passes/gather_adjoints.py); the look-alikes keep their
additions.  Gradients against central differences, and against the same
kernel compiled with the pass left out: equal to the last bit, at kinks, on
NaN and on infinities, since each element receives the same terms in the
same order."""

import re
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import assert_same_bits, central_differences, kernel_gradient
from nsadc.ir.nodes import Call, Const, Var
from nsadc.passes import gather_adjoints as gather

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import gather_adjoints as programs  # noqa: E402

_ids = lambda v: getattr(v, "__name__", "")  # noqa: E731


def _grad(fn, wrt, args, target="python", scatter=False, monkeypatch=None, tmp_path=None):
    """``scatter``: compiled with the pass left out."""
    return kernel_gradient(fn, wrt, args, target, ("gather_adjoints",) if scatter else (), monkeypatch, tmp_path)


def _adds_into_adjoint(src):
    """Lines that add into an array element (``de_du[i, j] += ...``)."""
    return re.findall(r"^\s*\w+\[[^\]]*\] [+-]= ", src, re.M)


@pytest.mark.parametrize("fn, wrt", programs.GATHERED, ids=_ids)
def test_a_stencils_adjoint_is_gathered(fn, wrt):
    args = programs.arguments(fn, np.random.default_rng(0))
    _, src = _grad(fn, wrt, args)
    assert "np.empty_like(" in src and "gathered:" in src, src
    assert _adds_into_adjoint(src) == [], src
    k = fn.__code__.co_varnames.index(wrt)
    for seed in range(3):
        args = programs.arguments(fn, np.random.default_rng(seed))
        g, _ = _grad(fn, wrt, args)
        np.testing.assert_allclose(g, central_differences(fn, args, k), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn, wrt", programs.KEPT, ids=_ids)
def test_the_look_alikes_keep_their_additions(fn, wrt):
    args = programs.arguments(fn, np.random.default_rng(1))
    g, src = _grad(fn, wrt, args)
    assert "gathered:" not in src and _adds_into_adjoint(src), src
    k = fn.__code__.co_varnames.index(wrt)
    np.testing.assert_allclose(g, central_differences(fn, args, k), rtol=1e-5, atol=1e-6)


def _hard_inputs(fn, seed):
    """Generic data, integer data (every difference on its kink), and data
    with a NaN and an infinity in it."""
    rng = np.random.default_rng(seed)
    generic = programs.arguments(fn, rng)
    kinks = programs.arguments(fn, rng, integers=True)
    special = [a.copy() if isinstance(a, np.ndarray) else a for a in programs.arguments(fn, rng)]
    first = special[0]
    first.flat[3] = np.nan
    first.flat[first.size // 2] = np.inf
    return [generic, kinks, tuple(special)]


@pytest.mark.parametrize("fn, wrt", programs.GATHERED, ids=_ids)
def test_the_gathered_gradient_is_the_scatters_to_the_last_bit(fn, wrt, monkeypatch, tmp_path):
    for args in _hard_inputs(fn, 0):
        with np.errstate(invalid="ignore"):
            gathered, src = _grad(fn, wrt, args)
            with monkeypatch.context() as m:
                scattered, old = _grad(fn, wrt, args, scatter=True, monkeypatch=m, tmp_path=tmp_path)
        assert "gathered:" in src and "gathered:" not in old
        assert_same_bits(gathered, scattered)


@pytest.mark.slow
@pytest.mark.parametrize("fn, wrt", programs.GATHERED, ids=_ids)
def test_the_compiled_gathered_gradient_is_the_python_ones(fn, wrt):
    for args in _hard_inputs(fn, 2):
        with np.errstate(invalid="ignore"):
            g_cpu, src = _grad(fn, wrt, args, target="cpu")
            g_py, _ = _grad(fn, wrt, args)
        assert "gathered:" in src
        np.testing.assert_array_equal(g_cpu, g_py)


def test_a_periodic_index_keeps_the_wrapped_contribution():
    """``x[i - 1]`` at ``i = 0`` reads ``x[-1]``: its adjoint lands on the last element."""
    x = np.array([0.5, -1.0, 2.0, 0.25, -0.75])
    g, src = _grad(programs.periodic_differences, "x", (x,))
    want = np.array([np.sign(x[i] - x[i - 1]) - np.sign(x[(i + 1) % 5] - x[i]) + x[i] for i in range(5)])
    np.testing.assert_array_equal(g, want)
    assert "gathered:" not in src


# ----------------------------------------------------- the facts the proof uses


def _form(**coefficients):
    return {(None if k == "one" else Var(k)): c for k, c in coefficients.items() if c}


@pytest.mark.parametrize("prim, holds, fact", [
    ("lt", True, _form(i=1, h=-1)),            # i < h
    ("le", True, _form(i=1, h=-1, one=-1)),    # i <= h: i - h - 1 < 0
    ("gt", True, _form(i=-1, h=1)),            # i > h
    ("ge", True, _form(i=-1, h=1, one=-1)),    # i >= h
    ("lt", False, _form(i=-1, h=1, one=-1)),   # not i < h: i >= h
    ("ge", False, _form(i=1, h=-1)),           # not i >= h: i < h
])
def test_a_test_states_the_fact_it_holds(prim, holds, fact):
    (got,) = gather._facts(Call(prim, (Var("i"), Var("h"))), holds, {})
    assert got == fact


def test_a_fact_implies_only_what_follows_from_it():
    i_lt_h_minus_1 = _form(i=1, h=-1, one=1)      # i < h - 1
    assert gather._implies(i_lt_h_minus_1, _form(i=1, h=-1))            # so i < h
    assert not gather._implies(_form(i=1, h=-1), i_lt_h_minus_1)        # not the other way
    assert not gather._implies(i_lt_h_minus_1, _form(i=1, w=-1))        # nor of another bound
    i_gt_0 = gather._facts(Call("gt", (Var("i"), Const(0))), True, {})[0]
    assert gather._implies(i_gt_0, _form(i=-1, one=0))                  # i - 1 >= 0 (as -i < 0)
    assert not gather._implies(i_gt_0, _form(i=-1, one=1))              # not i - 2 >= 0


# ------------------------------------------------------ stencils drawn at random


def _random_stencil(rng) -> str:
    """A loop-written 2-D stencil energy: a few terms, each reading the
    element and at most one neighbour (offsets -1..1), guarded the ways
    users guard borders, kept in range by a margin of the loop's range, or
    left to wrap around (``u[i - 1, j]`` at ``i = 0`` reads the last row)."""
    margin_i, margin_j = (int(rng.integers(0, 2)) for _ in range(2))
    # a guard and the neighbours it keeps in range
    guards = [(None, []), ("if i + 1 < h:", [(1, 0)]), ("if i >= 1:", [(-1, 0)]), ("if j + 1 < w:", [(0, 1)]),
              ("if j > 0:", [(0, -1)]), ("if i <= h - 2:", [(1, 0)])]
    # orderings (max, min) less often: each copy would evaluate them again, and the rule refuses that
    ops = ["abs({d})", "{d} * {d}", "abs({d}) * c", "abs({d})", "{d} * {d} * c", "max({d}, 0.25 * {d})",
           "min(abs({d}), 1.0)"]
    lines = []
    for _ in range(int(rng.integers(2, 5))):
        guard, reach = guards[int(rng.integers(len(guards)))]
        options = list(reach) + ([(1, 0), (-1, 0)] if margin_i else []) + ([(0, 1), (0, -1)] if margin_j else [])
        if guard is None and rng.random() < 0.3:
            options = [(-1, 0), (0, -1)]  # unguarded: at the first row or column the index wraps around
        di, dj = options[int(rng.integers(len(options)))] if options else (0, 0)
        diff = f"(u[i + {di}, j + {dj}] - u[i, j])" if (di, dj) != (0, 0) else "(u[i, j] - f[i, j])"
        statement = "e += " + ops[int(rng.integers(len(ops)))].format(d=diff)
        lines += [guard, "    " + statement] if guard else [statement]
    lines.append("e += 0.5 * (u[i, j] - f[i, j]) ** 2")
    body = "\n".join(" " * 12 + line for line in lines)
    return (f"def stencil(u, f, c):\n    h, w = u.shape\n    e = 0.0\n"
            f"    for i in range({margin_i}, h - {margin_i}):\n"
            f"        for j in range({margin_j}, w - {margin_j}):\n{body}\n    return e\n")


def test_random_stencils_gather_to_the_scatters_bits(tmp_path, monkeypatch):
    """Drawn stencils, on their kinks: the gathered gradient is the scatter's
    to the last bit; at a generic point, it matches central differences."""
    from helpers import load_function

    rng = np.random.default_rng(20261205)
    gathered = 0
    for k in range(30):
        text = _random_stencil(rng)
        fn = load_function(tmp_path, text, "stencil")
        kinks = (rng.integers(-2, 3, (6, 7)).astype(float), rng.integers(-1, 2, (6, 7)).astype(float), 0.3)
        g, src = _grad(fn, "u", kinks)
        with monkeypatch.context() as m:
            old, _ = _grad(fn, "u", kinks, scatter=True, monkeypatch=m, tmp_path=tmp_path / f"cache{k}")
        np.testing.assert_array_equal(g, old, err_msg=text)
        gathered += "gathered:" in src
        generic = (rng.standard_normal((6, 7)), rng.standard_normal((6, 7)), 0.3)
        g, _ = _grad(fn, "u", generic)
        np.testing.assert_allclose(g, central_differences(fn, generic, 0), rtol=1e-5, atol=1e-6, err_msg=text)
    assert gathered >= 6, gathered  # the draw exercises the rule, not only its refusals
