"""The speed corpus (benchmarks/user_programs): every hand-written gradient the
benchmark times nsadc against computes the derivative, checked against
central differences and against nsadc at a generic point; the JAX versions
agree with them where JAX is installed.  Plain-Python runs (the hand-written
gradients' ``py_func``, nsadc's ``target="python"``) are quick; the compiled
ones, and the JAX checks (each compiles with XLA), are marked slow."""

import math

import numpy as np
import pytest

import nsadc
from benchmarks.user_programs import CASES

NAMES = sorted(CASES)


def _as_tuple(g):
    return tuple(g) if isinstance(g, (tuple, list)) else (g,)


def _central_differences(fn, args, positions, h=1e-6):
    """Central differences of fn over every entry of the arguments at ``positions``."""
    out = []
    for p in positions:
        a = args[p]
        if isinstance(a, np.ndarray):
            g = np.empty(a.shape)
            for idx in np.ndindex(a.shape):
                hi = list(args)
                lo = list(args)
                hi[p] = a.copy()
                lo[p] = a.copy()
                step = h * max(1.0, abs(a[idx]))
                hi[p][idx] += step
                lo[p][idx] -= step
                g[idx] = (fn(*hi) - fn(*lo)) / (2 * step)
            out.append(g)
        else:
            step = h * max(1.0, abs(a))
            hi = list(args)
            lo = list(args)
            hi[p] = a + step
            lo[p] = a - step
            out.append((fn(*hi) - fn(*lo)) / (2 * step))
    return out


def _close(got, want, rtol, what):
    assert len(got) == len(want), what
    for g, w in zip(got, want, strict=True):
        g, w = np.asarray(g, dtype=float), np.asarray(w, dtype=float)
        assert g.shape == w.shape, what
        scale = max(1.0, float(np.abs(w).max()))
        np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol * scale, err_msg=what)


def _hand(case, args):
    h = case.hand
    return _as_tuple(getattr(h, "py_func", h)(*args))


@pytest.mark.parametrize("name", NAMES)
def test_hand_written_gradient_matches_central_differences(name):
    case = CASES[name]
    args = case.args(case.test)
    positions = [case.params.index(w) for w in case.wrt]
    _close(_hand(case, args), _central_differences(case.fn, args, positions), 1e-5, f"{name}: hand vs differences")


@pytest.mark.parametrize("name", NAMES)
def test_hand_written_gradient_matches_nsadc(name):
    case = CASES[name]
    args = case.args(case.test)
    theirs = _as_tuple(nsadc.differentiate(case.fn, wrt=list(case.wrt), target="python").grad(*args))
    _close(_hand(case, args), theirs, case.rtol, f"{name}: hand vs nsadc")


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_compiled_gradients_agree(name):
    """The njit-compiled hand-written gradient and nsadc's compiled kernel, at the quick size."""
    case = CASES[name]
    args = case.args(case.quick)
    hand = _as_tuple(case.hand(*args))
    d = nsadc.differentiate(case.fn, wrt=list(case.wrt))
    _close(hand, _as_tuple(d.compiled(*args).grad(*args, 1.0)), case.rtol, f"{name}: kernel")
    _close(hand, _as_tuple(d.grad(*args)), case.rtol, f"{name}: grad")


@pytest.fixture(scope="module")
def jax_modules():
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    return jax, jnp


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_jax_version_agrees(name, jax_modules):
    jax, jnp = jax_modules
    case = CASES[name]
    args = case.args(case.test)
    f = case.module.jax_versions(jax, jnp)[name]
    params = case.params
    static = case.static(args)
    g = jax.jit(jax.grad(lambda *dyn: f(*_merge(args, params, static, dyn)),
                 argnums=tuple(i for i, w in enumerate(_dynamic(params, static)) if w in case.wrt)))
    dyn = [jnp.asarray(a) for p, a in zip(params, args) if p not in static]
    _close(_as_tuple(g(*dyn)), _hand(case, args), case.jax_rtol, f"{name}: JAX vs hand")
    assert math.isfinite(float(f(*args)))


def _dynamic(params, static):
    return [p for p in params if p not in static]


def _merge(args, params, static, dyn):
    it = iter(dyn)
    return [a if p in static else next(it) for p, a in zip(params, args)]
