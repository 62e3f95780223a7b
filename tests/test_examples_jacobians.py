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


@pytest.mark.slow
def test_dask_chunks_add_up_to_the_full_gradient():
    pytest.importorskip("distributed")
    mod = _load("dask_chunks")
    rng = np.random.default_rng(3)
    w_check = rng.standard_normal(8)
    w, history, accuracy, (X, y, lam), (value, grad) = mod.main(n=2000, d=8, chunks=4, steps=8, verbose=False,
                                                                check_at=w_check)
    assert history[-1] < history[0] and accuracy > 0.9
    # the chunks' sum is the gradient of the whole loss, by nsadc on one machine
    import nsadc

    full = nsadc.differentiate(mod.svm_loss, wrt="w", target="python")
    v, g = full.value_and_grad(w_check, X, y, lam)
    np.testing.assert_allclose(value, v / len(y), rtol=1e-12)
    np.testing.assert_allclose(grad, g / len(y), rtol=1e-10, atol=1e-14)


@pytest.mark.slow
def test_kinks_per_epoch_are_counted_in_both_precisions():
    mod = _load("kinks_per_epoch")
    results = mod.main(epochs=3, verbose=False)
    X, _ = mod.data()
    # the first step: biases 0, so each all-zero sample of the first batch meets every unit's kink
    first = int(np.sum(~X[:32].any(axis=1))) * 8
    assert first > 0
    for name in ("float64", "float32"):
        losses = [loss for loss, _ in results[name]]
        assert losses[-1] < losses[0]
        assert results[name][0][1] >= first
