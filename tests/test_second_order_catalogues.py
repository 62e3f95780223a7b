"""Hessian-vector products over the scalar and array catalogues.

``hvp`` is the reverse mode of the forward mode, emitted and compiled again: it
must work on every program of the catalogues (or be refused with a located
message), and agree with central differences of the gradient at generic points
(where the gradient itself is smooth nearby: differences at two steps agree).
"""

from __future__ import annotations

import numpy as np
import pytest

import nsadc
import test_arrays as TA
import test_classic as TC
from programs import arrays as P

# refused, with the reason (the forward mode of these is outside what reverse mode takes);
# none now: a_break_reuse's tangent code reuses its loops' names, each loop now has its own
REFUSED: dict[str, str] = {}


def _differences(grad, args, positions, direction, h):
    def shifted(s):
        a = list(args)
        for p, v in zip(positions, direction):
            a[p] = args[p] + s * h * v
        return TA.as_tuple(grad(*a))
    return [(np.asarray(u, float) - np.asarray(w, float)) / (2 * h) for u, w in zip(shifted(1), shifted(-1))]


def _check(d, args, rng, rtol, atol):
    positions = [d._params.index(w) for w in d.wrt]
    direction = tuple(rng.standard_normal(np.shape(args[p])) if np.ndim(args[p]) else float(rng.standard_normal())
                      for p in positions)
    fine = _differences(d.grad, args, positions, direction, 1e-5)
    coarse = _differences(d.grad, args, positions, direction, 1e-3)
    if not all(np.allclose(a, b, rtol=1e-2, atol=1e-4) for a, b in zip(fine, coarse)):
        return False  # the gradient has a kink or a jump near the point
    got = TA.as_tuple(d.hvp(args, direction))
    for g, want in zip(got, fine):
        np.testing.assert_allclose(np.asarray(g, float), want, rtol=rtol, atol=atol)
    return True


@pytest.mark.parametrize("name", sorted(TA.CASES))
def test_hvp_over_the_array_catalogue(name):
    make, wrt = TA.CASES[name]
    d = nsadc.differentiate(getattr(P, name), wrt=wrt, target="python")
    rng = np.random.default_rng(7)
    if name in REFUSED:
        args = make(rng)
        zeros = tuple(np.zeros_like(args[d._params.index(w)]) for w in d.wrt)
        with pytest.raises(nsadc.UnsupportedError, match=REFUSED[name]):
            d.hvp(args, zeros)
        return
    checked = sum(_check(d, make(rng), rng, rtol=1e-4, atol=1e-5) for _ in range(3))
    assert checked >= 1, "no point with a smooth gradient nearby"


# the gradient of a bisection is a selection with pieces far narrower than any difference step
DENSE_PIECES = {"bisection_root"}


@pytest.mark.parametrize("fn,spec", TC.params([c for c in TC.CASES if c[0].__name__ not in DENSE_PIECES]))
def test_hessian_over_the_classic_catalogue(fn, spec):
    d = nsadc.differentiate(fn, target="python")
    rng = np.random.default_rng(11)
    checked = 0
    for args in TC.points(fn, spec):
        scale = max(1.0, abs(fn(*args)))
        checked += _check(d, args, rng, rtol=1e-3, atol=1e-5 * scale)
    assert checked >= 1, "no point with a smooth gradient nearby"
