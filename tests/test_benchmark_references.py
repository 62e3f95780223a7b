"""The hand-written gradients the array benchmarks time nsadc against
(benchmarks/hand_written_arrays.py) compute the same derivative as nsadc:
at generic points, and for max pooling at ties too, where the min-norm
convention splits max(m, x[t]) evenly.  A reference that is wrong would make
the benchmark's ratios meaningless."""

import inspect
import pathlib
import sys

import numpy as np
import pytest

import nsadc
from test_arrays import fd_gradient

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "benchmarks"))
import array_programs as P  # noqa: E402
import hand_written_arrays as H  # noqa: E402

WRT = {"mlp_loss": ["W1", "b1", "w2", "b2"], "svm_hinge": ["w", "b"], "lasso": ["w"], "max_pool_1d": ["x"],
       "l1_regression": ["x"]}


def _case(name, rng):
    if name == "mlp_loss":
        return (rng.standard_normal((7, 3)), rng.standard_normal(7), rng.standard_normal((3, 4)),
                rng.standard_normal(4), rng.standard_normal(4), 0.1)
    if name == "svm_hinge":
        return rng.standard_normal((9, 4)), rng.choice([-1.0, 1.0], 9), rng.standard_normal(4), 0.1, 0.01
    if name == "lasso":
        return rng.standard_normal((9, 4)), rng.standard_normal(9), rng.standard_normal(4), 0.01
    if name == "max_pool_1d":
        return rng.standard_normal(14), 4
    return rng.standard_normal((9, 4)), rng.standard_normal(9), rng.standard_normal(4)


@pytest.mark.parametrize("all_args", [False, True])
@pytest.mark.parametrize("name", sorted(H.HAND_WRITTEN))
def test_hand_written_gradients_match_finite_differences_and_nsadc(name, all_args):
    fn = getattr(P, name)
    args = _case(name, np.random.default_rng(0))
    hand = (H.HAND_WRITTEN_ALL if all_args else H.HAND_WRITTEN)[name].py_func
    value, *grads = hand(*args)
    params = list(inspect.signature(fn).parameters)
    wrt = [p for p, a in zip(params, args) if not isinstance(a, int)] if all_args else WRT[name]
    assert value == pytest.approx(fn(*args), rel=1e-12)
    want = fd_gradient(fn, args, [params.index(w) for w in wrt])
    theirs = nsadc.differentiate(fn, wrt=wrt, target="python").grad(*args)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    for g, w, t in zip(grads, want, theirs, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(g, t, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 7])
def test_max_pooling_reference_splits_ties_as_nsadc_does(k):
    """Values on a coarse grid tie often, also with a window's first entry."""
    x = np.round(np.random.default_rng(k).standard_normal(40) * 2) / 2
    value, g = H.max_pool_1d_grad.py_func(x, k)
    want = nsadc.differentiate(P.max_pool_1d, wrt=["x"], target="python").grad(x, k)
    assert value == P.max_pool_1d(x, k)
    np.testing.assert_array_equal(g, want)


def test_a_window_of_three_equal_entries_splits_a_half_and_two_quarters():
    value, g = H.max_pool_1d_grad.py_func(np.array([1.0, 1.0, 1.0, -2.0]), 4)
    np.testing.assert_array_equal(g, [0.5, 0.5, 1.0, 0.0])  # 2m = 2: the last tie takes half first
    # the shortcut the notes time beside it gives it all to the first (it is never a reference)
    np.testing.assert_array_equal(H.max_pool_1d_grad_ties_ignored.py_func(np.array([1.0, 1.0, 1.0, -2.0]), 4)[1],
                                  [2.0, 0.0, 0.0, 0.0])
