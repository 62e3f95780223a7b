"""The array examples of the README run and do what they say."""

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
def test_relu_mlp_sgd_trains():
    mod = _load("relu_mlp_sgd")
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((32, 4)), rng.standard_normal(32)
    W1, b1, w2 = rng.standard_normal((4, 16)), np.zeros(16), rng.standard_normal(16)
    before = mod.mlp_loss(X, y, W1, b1, w2, 0.0)
    assert mod.main(steps=60) < 0.5 * before


@pytest.mark.slow
def test_svm_separates():
    assert _load("svm").main(steps=100) > 0.95


@pytest.mark.slow
def test_lasso_reaches_optimality():
    mod = _load("lasso")
    w, g = mod.main(steps=300)
    lam = 0.1
    on = w != 0.0
    assert np.all(np.abs(g[on] + lam * np.sign(w[on])) < 1e-6)
    assert np.all(np.abs(g[~on]) <= lam + 1e-9)
    assert on.sum() == 3  # the true support


@pytest.mark.slow
def test_svm_vectorized_matches_the_loops(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))  # it imports examples/svm.py
    accuracy, agree = _load("svm_vectorized").main(steps=100)
    assert accuracy > 0.95 and agree < 1e-12
