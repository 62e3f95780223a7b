"""The gradient of a function of at most four floats, where reverse mode
would keep a tape and no array carries a derivative, is taken by tangents
(nsadc/transforms/tangent_gradient.py): one forward sweep carrying a tangent
along each float.  It agrees with reverse mode (vjp, which it transposes) to
rounding at generic points and at kinks under every policy, with central
differences where smooth, and on both targets."""

import importlib.util
import inspect
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from helpers import central_difference

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import few_floats as programs  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from scale_programs import long_loop  # noqa: E402

ALL = programs.BY_TANGENTS + programs.BY_REVERSE


def _floats(fn):
    names = fn.__code__.co_varnames[:fn.__code__.co_argcount]
    return [p for p in names if p not in ("y", "Z")]


def _args(fn, seed):
    rng = np.random.default_rng(seed)
    out = []
    for p in fn.__code__.co_varnames[:fn.__code__.co_argcount]:
        if p == "y":
            out.append(rng.standard_normal(40))
        elif p == "Z":
            out.append(rng.standard_normal((30, 20)))
        elif fn is programs.knock_out:
            out.append({"s0": 1.1, "sigma": 0.4, "barrier": 0.8}[p] + 0.05 * rng.standard_normal())
        elif fn is programs.tent:
            out.append({"x": 0.3, "r": 1.7}[p] + 0.01 * rng.standard_normal())
        elif fn is programs.smoothing:
            out.append({"alpha": 0.3, "lo": -0.8, "hi": 0.9}[p] + 0.05 * rng.standard_normal())
        else:
            out.append(float(rng.uniform(0.3, 1.2)))
    return tuple(out)


def _tuple(g):
    return g if isinstance(g, tuple) else (g,)


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
def test_few_floats_are_differentiated_by_tangents(fn):
    d = nsadc.differentiate(fn, wrt=_floats(fn), target="python")
    d.grad(*_args(fn, 0))
    (k,) = d._specs.values()
    src = inspect.getsource(k.grad)
    # (or, inside the one loop that iterates, by a tangent along each input of an iteration)
    by_tangents = "by one tangent along each" in src or "no tape" in src
    assert by_tangents == (fn in programs.BY_TANGENTS)


@pytest.mark.parametrize("kinks", ["min-norm", "jax", "torch"])
@pytest.mark.parametrize("fn", ALL, ids=lambda f: f.__name__)
def test_the_gradient_is_reverse_modes(fn, kinks, target):
    d = nsadc.differentiate(fn, wrt=_floats(fn), kinks=kinks, target=target)
    for seed in range(4):
        args = _args(fn, seed)
        g = _tuple(d.grad(*args))
        value, adj = d.vjp(args, 1.0)
        np.testing.assert_allclose(g, adj, rtol=1e-12, atol=1e-14)
        # a cotangent other than one scales
        np.testing.assert_allclose(_tuple(d.compiled(*args).grad(*args, -2.5)), -2.5 * np.asarray(adj),
                                   rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kinks", ["min-norm", "jax", "torch"])
def test_kinks_at_ties_select_as_reverse_mode(kinks):
    d = nsadc.differentiate(programs.ties, kinks=kinks, target="python")
    for a, b in [(0.5, 0.5), (-0.5, 0.5), (0.0, 0.0), (1.0, -1.0)]:
        g = d.grad(a, b)
        _, adj = d.vjp((a, b), 1.0)
        assert g == pytest.approx(adj, rel=1e-15, abs=1e-15), (a, b)
    g = d.grad(math.nan, 0.5)
    assert np.isnan(g).all()


@pytest.mark.parametrize("fn", programs.BY_TANGENTS, ids=lambda f: f.__name__)
def test_central_differences(fn):
    d = nsadc.differentiate(fn, wrt=_floats(fn), target="python")
    names = list(fn.__code__.co_varnames[:fn.__code__.co_argcount])
    for seed in range(3):
        args = _args(fn, 10 + seed)
        g = _tuple(d.grad(*args))
        for k, w in enumerate(_floats(fn)):
            i = names.index(w)
            assert g[k] == pytest.approx(central_difference(fn, args, [i])[0], rel=1e-5, abs=1e-6), (fn.__name__, w)


@pytest.mark.parametrize("body, tangents", [(30, True), (100, False)])
def test_a_long_loop_body_keeps_reverse_mode(tmp_path, body, tangents):
    """Four floats through a loop body of 30 statements: by tangents; of 100:
    the tangents would add more operations than they are worth compiling, so
    reverse mode.  The gradient is the same either way."""
    path = tmp_path / f"long_body_{body}.py"
    path.write_text(long_loop(body))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    d = nsadc.differentiate(mod.g, wrt=["x", "y", "z", "w"], target="python")
    args = (0.3, 0.2, 0.1, 0.4, 5)
    g = d.grad(*args)
    (k,) = d._specs.values()
    assert ("by one tangent along each" in inspect.getsource(k.grad)) == tangents
    _, adj = d.vjp(args, 1.0)
    np.testing.assert_allclose(g, adj, rtol=1e-12, atol=1e-14)
