"""Sweeps that update one element an iteration while reading the others
(Gauss-Seidel, projected SOR, with or without a `break` or a `return`;
coupled states, several arrays updated at one element an iteration): the reverse puts
the iteration's element back before re-running it (the reverse plan's
``_restorable``) and keeps the array whole per sweep (also where the sweeps
sit inside another loop: each rewrites the whole array).  Gradients against
central differences, on both targets."""

import inspect
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from helpers import central_differences

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import in_place_sweeps as programs  # noqa: E402


def _args(fn, seed):
    rng = np.random.default_rng(seed)
    n = 5
    A = 0.3 * rng.standard_normal((n, n)) + 3.0 * np.eye(n)
    b = rng.standard_normal(n)
    if fn is programs.gauss_seidel:
        return A, b, 3
    if fn is programs.gauss_seidel_until:
        return A, b, 6, 1e-3
    if fn is programs.damped_cycles:
        return A, b, 0.8
    if fn in (programs.squash_until, programs.squash_return, programs.squash_rounds):
        return rng.uniform(-1.0, 1.0, 7), 0.4
    if fn is programs.predator_prey:
        return rng.uniform(-1.0, 1.0, 6), rng.uniform(-1.0, 1.0, 6), 0.7
    if fn is programs.three_species:
        return rng.uniform(-1.0, 1.0, 6), rng.uniform(-1.0, 1.0, 6), rng.uniform(-1.0, 1.0, 6), 0.4
    return A + A.T, np.abs(b) - 0.3, 1.2, 4


def _wrt(fn, args):
    return [p for p, a in zip(inspect.signature(fn).parameters, args) if isinstance(a, np.ndarray)
            or (isinstance(a, float) and p not in ("tol", "thr"))]


@pytest.mark.parametrize("fn", programs.IN_PLACE, ids=lambda f: f.__name__)
def test_in_place_sweeps_against_central_differences(fn):
    for seed in range(3):
        args = _args(fn, seed)
        wrt = _wrt(fn, args)
        g = nsadc.differentiate(fn, wrt=wrt, target="python").grad(*args)
        g = g if isinstance(g, tuple) else (g,)
        params = list(inspect.signature(fn).parameters)
        for name, gk in zip(wrt, g):
            np.testing.assert_allclose(gk, central_differences(fn, args, params.index(name)), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("fn", programs.IN_PLACE, ids=lambda f: f.__name__)
def test_compiled_equals_python(fn):
    args = _args(fn, 4)
    wrt = _wrt(fn, args)
    g_python = nsadc.differentiate(fn, wrt=wrt, target="python").grad(*args)
    g_cpu = nsadc.differentiate(fn, wrt=wrt, target="cpu").grad(*args)
    for a, b in zip(g_cpu if isinstance(g_cpu, tuple) else (g_cpu,), g_python if isinstance(g_python, tuple)
                    else (g_python,)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_a_row_rewritten_inside_another_loop_keeps_the_row():
    """In-place LU: the loop over rows rewrites one row per step of a matrix
    it reads; each step keeps that row's elements (not the whole matrix) for
    its reverse, and the loop over pivots keeps nothing: the reverse of its
    step starts from the matrix as the step left it."""
    A = 0.3 * np.random.default_rng(0).standard_normal((5, 5)) + 3.0 * np.eye(5)
    d = nsadc.differentiate(programs.lu_energy, target="python")
    np.testing.assert_allclose(d.grad(A), central_differences(programs.lu_energy, (A,), 0), rtol=1e-5, atol=1e-8)
    src = d.source("reverse", A)
    assert "kept whole" not in src
