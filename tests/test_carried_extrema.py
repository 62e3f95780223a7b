"""A loop-carried maximum or minimum reaches its value through its argmax in
reverse mode (nsadc/transforms/carried_extrema.py): the gradient equals, bit
for bit, the reverse mode of the loop as written (the kink report's variant,
which the rewrite leaves alone) at generic points, at ties, with NaN and
infinities, under every kink policy, and central differences where smooth.

One difference is by design: the loop as written multiplies the partials of
every iteration the extremum did not select by a zero cotangent, which is NaN
where such a partial is infinite or NaN (and an adjoint summed over the
iterations is NaN with it); the rewrite never visits those iterations, whose
inputs the value does not depend on.  With a NaN or an infinity among the
inputs, the two must agree wherever the loop as written is not NaN."""

import math
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from helpers import central_differences

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import carried_extrema as programs  # noqa: E402

ALL = programs.SEARCHED + programs.AS_WRITTEN


def _args(fn, rng, kind="generic"):
    """Arguments of ``fn`` by parameter name: ``kind`` picks generic values,
    ties, a NaN or infinities in the array."""
    n = 9
    x = rng.standard_normal(n)
    if kind == "ties":  # equal squares, equal values, zeros: the extremum is attained several times
        x = np.array([1.5, -1.5, 1.5, 0.0, 0.0, 0.25, -1.5, -1.5, 0.0])
    elif kind == "nan":
        x[4] = math.nan
    elif kind == "nan_first":  # before any value the search could keep
        x[0] = math.nan
    elif kind == "inf":
        x[3], x[6] = math.inf, -math.inf
    out = []
    for p in fn.__code__.co_varnames[:fn.__code__.co_argcount]:
        if p == "x":
            out.append(x)
        elif p == "A":
            A = rng.standard_normal((5, 4))
            if kind == "ties":  # every row's |A w| the same (w = 1), and each row's largest entry twice
                A = np.tile([0.5, -0.5, 0.5, 0.25], (5, 1))
                A[1::2] *= -1.0
            out.append(A)
        elif p == "w" and fn in (programs.worst_row, programs.rows_max_sum, programs.nearest_centre_sum):
            out.append(np.ones(4) if kind == "ties" else rng.standard_normal(4))
        else:
            out.append(0.5 if kind == "ties" else float(rng.uniform(0.2, 1.5)))
    return tuple(out)


def _wrt(fn):
    return [p for p in fn.__code__.co_varnames[:fn.__code__.co_argcount]]


def _same(a, b, unless_b_nan=False):
    """Bitwise equal (NaN equal to NaN); with ``unless_b_nan``, anything of
    ``a`` may stand where ``b`` has NaN."""
    a = a if isinstance(a, tuple) else (a,)
    b = b if isinstance(b, tuple) else (b,)
    if unless_b_nan:
        b = tuple(np.where(np.isnan(v), u, v) for u, v in zip(a, b))
    return len(a) == len(b) and all(np.array_equal(np.asarray(u), np.asarray(v), equal_nan=True)
                                    for u, v in zip(a, b))


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
def test_the_rewrite_applies_to_extrema_alone(fn):
    d = nsadc.differentiate(fn, wrt=_wrt(fn), target="python")
    args = _args(fn, np.random.default_rng(0))
    src = d.source("reverse", *args)
    assert ("_so_far" in src) == (fn in programs.SEARCHED), src


@pytest.mark.parametrize("kind", ["generic", "ties", "nan", "nan_first", "inf"])
@pytest.mark.parametrize("kinks", ["min-norm", "jax", "torch"])
@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
def test_the_gradient_is_the_reverse_mode_of_the_loop_as_written(fn, kinks, kind):
    d = nsadc.differentiate(fn, wrt=_wrt(fn), kinks=kinks, target="python")
    for seed in range(3):
        args = _args(fn, np.random.default_rng(seed), kind)
        try:
            fn(*args)
        except ValueError:  # math.sin(inf) in plain Python: the derivative code raises too
            with pytest.raises(ValueError):
                d.grad(*args)
            continue
        value, g = d.value_and_grad(*args)
        value_written, g_written, _ = d.value_and_grad(*args, report=True)
        assert _same(value, value_written), (args, value, value_written)
        assert _same(g, g_written, unless_b_nan=kind in ("nan", "nan_first", "inf")), (args, g, g_written)
        assert _same(d.grad(*args), g)


@pytest.mark.parametrize("fn", programs.SEARCHED, ids=lambda f: f.__name__)
def test_central_differences_at_generic_points(fn):
    d = nsadc.differentiate(fn, wrt=_wrt(fn), target="python")
    for seed in range(3):
        args = _args(fn, np.random.default_rng(10 + seed))
        g = d.grad(*args)
        g = g if isinstance(g, tuple) else (g,)
        for k in range(len(args)):
            assert np.asarray(g[k]) == pytest.approx(central_differences(fn, args, k), rel=1e-5, abs=1e-6), \
                (fn.__name__, k)


def test_the_argmax_of_a_branch_is_the_first_of_ties_and_of_ge_the_last():
    x = np.array([0.3, -0.9, 0.2, 0.9, 0.1])  # x^2 is largest at 1 and 3
    g = nsadc.grad(programs.largest_square, target="python")(x)
    assert g.tolist() == [0.0, -1.8, 0.0, 0.0, 0.0]  # strict >: the first stays
    f = programs.last_largest
    x = np.array([1.0, 2.0, 1.0, 0.5])
    g = nsadc.grad(f, target="python")(x)
    # sin(1)*1 is attained at 0 and 2; sin(2)*2 = 1.82 is larger: index 1 alone
    assert np.count_nonzero(g) == 1 and g[1] == pytest.approx(math.cos(2.0) * 2.0 + math.sin(2.0))
    x = np.array([1.0, 0.3, 1.0])
    g = nsadc.grad(f, target="python")(x)
    assert g[0] == 0.0 and g[2] == pytest.approx(math.cos(1.0) + math.sin(1.0))  # >=: the last of the tie


def test_ties_share_as_the_policy_says():
    x = np.array([0.5, -0.5, 0.1])  # |w x - 1| with w = 2: 0 at x = 0.5, 2 at x = -0.5 ...
    f = programs.spread  # y = x^2 + x: hi and lo
    x = np.array([0.5, -1.5, 0.2])  # y = 0.75 at both 0.5 and -1.5: hi tied
    g = nsadc.grad(f, target="python")(x)
    # min-norm: half of hi's cotangent to each tied entry; lo at 0.2 (y = 0.24) gets -1
    assert g.tolist() == pytest.approx([0.5 * 2.0, 0.5 * -2.0, -(2 * 0.2 + 1.0)])


@pytest.mark.slow
@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
def test_compiled_gradients_equal_the_python_target(fn):
    d = nsadc.differentiate(fn, wrt=_wrt(fn), target="cpu")
    p = nsadc.differentiate(fn, wrt=_wrt(fn), target="python")
    for kind in ("generic", "ties", "nan"):
        args = _args(fn, np.random.default_rng(3), kind)
        (value, g), (want_value, want) = d.value_and_grad(*args), p.value_and_grad(*args)
        assert _same(value, want_value) and _same(g, want), (fn.__name__, kind)
        assert _same(d.grad(*args), want)


def _search_loop(src):
    """The lines of the search loop (the first loop that assigns ``_so_far``)."""
    lines = src.splitlines()
    first = next(k for k, line in enumerate(lines) if "_so_far = " in line and line.startswith("        "))
    start = max(k for k in range(first) if lines[k].lstrip().startswith("for "))
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = next((k for k in range(start + 1, len(lines))
                if lines[k].strip() and len(lines[k]) - len(lines[k].lstrip()) <= indent), len(lines))
    return "\n".join(lines[start:end])


@pytest.mark.parametrize("fn", programs.INCREASING, ids=lambda f: f.__name__)
def test_the_search_compares_the_value_the_operand_increases_with(fn):
    """log(|x| + 1), sqrt(x^2 + 1), exp(c x), tanh(x / 2 - 1/4), 2 x + 1:
    the search compares |x|, x^2, c x, x; the function runs at the index
    found alone (and, where the search ends tied, in the loop as written)."""
    d = nsadc.differentiate(fn, wrt=_wrt(fn), target="python")
    args = _args(fn, np.random.default_rng(0))
    src = d.source("reverse", *args)
    search = _search_loop(src)
    assert "for " in search and "_so_far" in search
    assert not any(f in search for f in ("math.log", "math.sqrt", "math.exp", "math.tanh", "2.0 *")), search
    for seed in range(3):
        args = _args(fn, np.random.default_rng(seed))
        got = nsadc.differentiate(fn, wrt=_wrt(fn), target="python").grad(*args)
        for k, g in enumerate(got if isinstance(got, tuple) else (got,)):
            np.testing.assert_allclose(g, central_differences(fn, args, k), rtol=1e-5, atol=1e-7)


def test_the_start_value_wins_over_every_element():
    """Every distance below the start 1.2: the search still finds an index,
    and the check against the start keeps the start (a zero gradient)."""
    fn = programs.farthest_from_origin
    x = np.array([0.1, -0.3, 0.2, 0.05])
    g = nsadc.differentiate(fn, wrt=["x"], target="python").grad(x)
    np.testing.assert_array_equal(g, np.zeros(4))
    x[2] = 2.0
    g = nsadc.differentiate(fn, wrt=["x"], target="python").grad(x)
    np.testing.assert_allclose(g, [0.0, 0.0, 2.0 / math.sqrt(5.0), 0.0])
