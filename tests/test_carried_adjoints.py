"""A 1-D loop's additions into neighbouring adjoint elements are summed in
registers and each element stored once (nsadc/passes/carried_adjoints.py);
the look-alikes keep their additions.  Gradients against central
differences, and against the same kernel compiled with the pass left out:
equal to the last bit, at kinks, on NaN and on infinities, and at the sizes
where the loop runs once or not at all."""

import re
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import assert_same_bits, central_differences, kernel_gradient, load_function

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import carried_adjoints as programs  # noqa: E402

_ids = lambda v: getattr(v, "__name__", "")  # noqa: E731
_REWRITES = ("carry_adjoints", "gather_adjoints")


def _grad(fn, wrt, args, target="python", scatter=False, monkeypatch=None, tmp_path=None):
    """``scatter``: compiled with the rewrites of additions left out."""
    return kernel_gradient(fn, wrt, args, target, _REWRITES if scatter else (), monkeypatch, tmp_path)


def _adds_into_an_element(src):
    """Additions into an element the loop's variable picks (not ``x_bar[0] += ...``)."""
    return re.findall(r"^\s*\w+\[[^\]0-9][^\]]*\] [+-]= ", src, re.M)


@pytest.mark.parametrize("fn, wrt", programs.CARRIED, ids=_ids)
def test_neighbouring_sums_are_carried(fn, wrt):
    args = programs.arguments(fn, np.random.default_rng(0))
    _, src = _grad(fn, wrt, args)
    assert "carried:" in src and "np.empty_like(" in src, src
    assert _adds_into_an_element(src) == [], src
    k = fn.__code__.co_varnames.index(wrt)
    for seed, n in ((0, 12), (1, 7), (2, 30)):
        args = programs.arguments(fn, np.random.default_rng(seed), n)
        g, _ = _grad(fn, wrt, args)
        np.testing.assert_allclose(g, central_differences(fn, args, k), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn, wrt", programs.KEPT, ids=_ids)
def test_the_look_alikes_are_not_carried(fn, wrt):
    args = programs.arguments(fn, np.random.default_rng(1))
    g, src = _grad(fn, wrt, args)
    assert "carried:" not in src, src
    k = fn.__code__.co_varnames.index(wrt)
    np.testing.assert_allclose(g, central_differences(fn, args, k), rtol=1e-5, atol=1e-6)


def _hard_inputs(fn, seed):
    """Generic data, integer data (every difference on its kink), data with a
    NaN and an infinity, and vectors so short the loop runs once or never."""
    rng = np.random.default_rng(seed)
    out = [programs.arguments(fn, rng), programs.arguments(fn, rng, integers=True)]
    special = programs.arguments(fn, rng)
    special[0][3], special[0][7] = np.nan, np.inf
    out.append(special)
    out += [programs.arguments(fn, rng, n) for n in (0, 1, 2, 3, 4)]
    return out


def _runs(fn, args):
    try:
        fn(*args)
    except IndexError:  # x[0] of an empty vector
        return False
    return True


@pytest.mark.parametrize("fn, wrt", programs.CARRIED, ids=_ids)
def test_the_carried_gradient_is_the_scatters_to_the_last_bit(fn, wrt, monkeypatch, tmp_path):
    for args in _hard_inputs(fn, 0):
        if not _runs(fn, args):
            continue
        with np.errstate(invalid="ignore", over="ignore"):
            carried, src = _grad(fn, wrt, args)
            with monkeypatch.context() as m:
                scattered, old = _grad(fn, wrt, args, scatter=True, monkeypatch=m, tmp_path=tmp_path)
        assert "carried:" in src and "carried:" not in old
        assert_same_bits(carried, scattered)


@pytest.mark.slow
@pytest.mark.parametrize("fn, wrt", programs.CARRIED, ids=_ids)
def test_the_compiled_carried_gradient_is_the_python_ones(fn, wrt):
    for args in _hard_inputs(fn, 2):
        if not _runs(fn, args):
            continue
        with np.errstate(invalid="ignore", over="ignore"):
            g_cpu, src = _grad(fn, wrt, args, target="cpu")
            g_py, _ = _grad(fn, wrt, args)
        assert "carried:" in src
        np.testing.assert_array_equal(g_cpu, g_py)


def test_the_registers_read_like_the_elements_they_hold():
    _, src = _grad(programs.chained_lq, "x", programs.arguments(programs.chained_lq, np.random.default_rng(0)))
    for line in ("ds_dx_i_plus_1 += ", "ds_dx_i += ", "ds_dx[i] = ds_dx_i", "ds_dx_i = ds_dx_i_plus_1",
                 "ds_dx_i_plus_1 = 0.0", "if n_minus_1 > 0:", "ds_dx[n_minus_1] = ds_dx_i"):
        assert line in src, (line, src)


# ------------------------------------------------------ chains drawn at random


def _random_chain(rng) -> str:
    """A loop-written chained energy over ``range(a, n - b)``, counting up or
    down, whose terms read neighbours ``x[i + c]`` the margins keep in
    range (``-a <= c <= b``), through named indices or directly."""
    a, b = (int(rng.integers(0, 3)) for _ in range(2))
    up = rng.random() < 0.7
    header = f"range({a}, n - {b})" if up else f"range(n - {b} - 1, {a - 1}, -1)"
    ops = ["abs({p} - {q})", "max({p}, {q}) * {p}", "min({p} * {q}, 1.0)", "({p} - 0.5 * {q}) ** 2",
           "abs({p}) * {q}", "math.exp(0.1 * ({p} - {q}))", "max(0.0, {p} + {q} - 0.5)"]
    lines = []
    for k in range(int(rng.integers(1, 4))):
        c, d = (int(rng.integers(-a, b + 1)) for _ in range(2))
        p, q = (f"x[i + {e}]" if e >= 0 else f"x[i - {-e}]" for e in (c, d))
        if rng.random() < 0.3:  # a named index, as users write ``j = i + 1``
            lines.append(f"j{k} = i + {c}")
            p = f"x[j{k}]"
        lines.append("s += " + ops[int(rng.integers(len(ops)))].format(p=p, q=q))
    body = "\n".join(" " * 8 + line for line in lines)
    return f"def chain(x):\n    n = x.shape[0]\n    s = 0.0\n    for i in {header}:\n{body}\n    return s\n"


def test_random_chains_carry_to_the_scatters_bits(tmp_path, monkeypatch):
    """Drawn chains, on their kinks and at short lengths: the carried gradient
    is the scatter's to the last bit; at a generic point, it matches central
    differences."""
    rng = np.random.default_rng(20261206)
    carried = 0
    for k in range(30):
        text = _random_chain(rng)
        fn = load_function(tmp_path, text, "chain")
        for n in (int(rng.integers(0, 6)), 11):
            kinks = (rng.integers(-2, 3, n).astype(float),)
            g, src = _grad(fn, "x", kinks)
            with monkeypatch.context() as m:
                old, _ = _grad(fn, "x", kinks, scatter=True, monkeypatch=m, tmp_path=tmp_path / f"cache{k}_{n}")
            assert_same_bits(g, old, text)
        carried += "carried:" in src
        generic = (rng.standard_normal(11),)
        g, _ = _grad(fn, "x", generic)
        np.testing.assert_allclose(g, central_differences(fn, generic, 0), rtol=1e-5, atol=1e-6, err_msg=text)
    assert carried >= 10, carried  # the draw exercises the rule, not only its refusals
