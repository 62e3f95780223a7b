"""The Jacobian and Hessian examples run and do what they say."""

import importlib.util
import pathlib

import numpy as np
import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
def test_semismooth_newton_converges_quadratically():
    mod = _load("semismooth_newton")
    x, history = mod.main(verbose=False)
    assert history[-1] < 1e-13
    assert np.all(x >= 0.0) and np.abs(mod.residual(x)).max() < 1e-13
    # the last full steps square the residual (up to a constant): quadratic convergence
    tail = [h for h in history if 1e-14 < h < 1e-1]
    assert len(tail) >= 3
    rates = [np.log(b) / np.log(a) for a, b in zip(tail, tail[1:])]
    assert rates[-1] > 1.7, history


@pytest.mark.slow
def test_newton_cg_with_hvp_reaches_a_stationary_point():
    result, g = _load("newton_cg").main(verbose=False)
    assert np.linalg.norm(g) < 1e-6
    assert result.nit < 30
