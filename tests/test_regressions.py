"""Programs that once got a silently wrong derivative or crashed inside Numba
(tests/programs/regressions.py): each is checked against central differences
in reverse mode (grad, vjp) and forward mode (jvp along random directions)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import nsadc
from programs import regressions

H = 1e-6


def _floats(args, wrt=None):
    return [k for k, a in enumerate(args) if (wrt is None or k in wrt) and (isinstance(a, float) or (
        isinstance(a, np.ndarray) and a.dtype.kind == "f"))]


def _fresh(args):
    return [copy.deepcopy(a) for a in args]


def central_differences(fn, args, wrt=None):
    """The gradient of ``fn`` in its float arguments (those in ``wrt``), by central differences."""
    out = []
    for k in _floats(args, wrt):
        x = np.array(args[k], dtype=float)
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            plus, minus = x.copy(), x.copy()
            plus[idx] += H
            minus[idx] -= H
            a, b = _fresh(args), _fresh(args)
            a[k] = plus if x.ndim else float(plus)
            b[k] = minus if x.ndim else float(minus)
            g[idx] = (fn(*a) - fn(*b)) / (2 * H)
        out.append(g)
    return out


def check(fn, args, target):
    wrt = regressions.WRT.get(fn.__name__)
    d = nsadc.differentiate(fn, target=target, wrt=wrt)
    expected = central_differences(fn, args, wrt)
    value, g = d.value_and_grad(*_fresh(args))
    g = g if isinstance(g, tuple) else (g,)
    assert value == pytest.approx(fn(*_fresh(args)), rel=1e-12, abs=1e-12)
    for got, want in zip(g, expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    rng = np.random.default_rng(0)
    tangents = [rng.normal(size=np.shape(args[k])) if np.ndim(args[k]) else float(rng.normal())
                for k in _floats(args, wrt)]
    _, dot = d.jvp(tuple(_fresh(args)), tuple(tangents))
    want = sum(float(np.sum(np.asarray(t) * e)) for t, e in zip(tangents, expected))
    assert dot == pytest.approx(want, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("name", sorted(regressions.CASES))
def test_regression_python(name):
    check(getattr(regressions, name), regressions.CASES[name], "python")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(regressions.CASES))
def test_regression_compiled(name):
    check(getattr(regressions, name), regressions.CASES[name], "cpu")


def test_the_kink_report_runs_where_the_value_does():
    """grad(report=True) runs the reverse with the kink count: it must not
    compute, in a re-run, a stale value the primal never computed."""
    fn = regressions.doubling_no_adjoint_reads
    args = regressions.CASES["doubling_no_adjoint_reads"]
    g, report = nsadc.differentiate(fn, target="python").grad(*args, report=True)
    np.testing.assert_allclose(g, central_differences(fn, args, [1]), atol=1e-6)
    assert report.exact
