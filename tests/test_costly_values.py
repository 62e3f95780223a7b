"""A transcendental value a sample's loop computed is kept for the loop
that reverses it (nsadc/passes/costly_values.py), not computed again.
Gradients against central differences, and against the kernel compiled
with the pass left out: equal to the last bit, NaN and float32 data
included; values whose precision an argument decides are not kept."""

import inspect
import math
import re

import numpy as np
import pytest

import nsadc
import nsadc.pipeline as pipeline
from helpers import central_differences


def softmax_loss(X, labels, W):
    """Cross-entropy of a linear softmax, the scores in a work array."""
    n, d = X.shape
    c = W.shape[1]
    z = np.empty(c)
    loss = 0.0
    for i in range(n):
        for k in range(c):
            s = 0.0
            for j in range(d):
                s += X[i, j] * W[j, k]
            z[k] = s
        m = z[0]
        for k in range(1, c):
            m = max(m, z[k])
        se = 0.0
        for k in range(c):
            se += math.exp(z[k] - m)
        loss += m + math.log(se) - z[labels[i]]
    return loss


def weighted_exp(X, labels, W):
    """The exponential of an argument's element: its precision is the argument's, not kept."""
    n, d = X.shape
    c = W.shape[1]
    loss = 0.0
    for i in range(n):
        se = 0.0
        for k in range(c):
            se += math.exp(W[0, k] * X[i, 0])
        loss += math.log(se) - W[1 % d, labels[i]]
    return loss


def _args(seed, dtype=np.float64, n=5, d=3, c=4):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)).astype(dtype), rng.integers(0, c, n),
            rng.standard_normal((d, c)).astype(dtype))


def _grad(fn, args, keep=False, monkeypatch=None, tmp_path=None):
    if keep:
        monkeypatch.setattr(pipeline, "FINAL_PASSES",
                            [p for p in pipeline.FINAL_PASSES if p.name != "keep_costly_values"])
        monkeypatch.setenv("NSADC_CACHE_DIR", str(tmp_path))
    d = nsadc.differentiate(fn, wrt=["W"], target="python")
    g = d.grad(*args)
    (k,) = d._specs.values()
    return g, inspect.getsource(k.grad)


def test_the_exponentials_are_kept_for_their_reverse():
    args = _args(0)
    g, src = _grad(softmax_loss, args)
    kept = re.findall(r"(\w+)_of_k\[k\] = \1\n", src)
    assert kept and src.count("math.exp(") == 1, src  # computed once, read back in the reverse
    assert re.search(rf"{kept[0]} = {kept[0]}_of_k\[k\]", src), src
    np.testing.assert_allclose(g, central_differences(softmax_loss, args, 2), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_kept_value_gives_the_same_bits(dtype, monkeypatch, tmp_path):
    nan_args = _args(2, dtype)
    nan_args[0][1, 1] = np.nan
    for args in (_args(1, dtype), nan_args):
        new, src = _grad(softmax_loss, args)
        with monkeypatch.context() as m:
            old, old_src = _grad(softmax_loss, args, keep=True, monkeypatch=m, tmp_path=tmp_path)
        assert old_src.count("math.exp(") == 2 and src.count("math.exp(") == 1
        assert new.dtype == old.dtype
        np.testing.assert_array_equal(new, old)


def test_a_value_whose_precision_an_argument_decides_is_computed_again():
    args = _args(3)
    g, src = _grad(weighted_exp, args)
    assert "_of_k[k] = " not in src or src.count("math.exp(") == 2, src
    np.testing.assert_allclose(g, central_differences(weighted_exp, args, 2), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_the_compiled_kernel_agrees():
    args = _args(4)
    got = nsadc.differentiate(softmax_loss, wrt=["W"]).grad(*args)
    want = nsadc.differentiate(softmax_loss, wrt=["W"], target="python").grad(*args)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def rescaled_scores(X, labels, W):
    """The scores are rescaled in place after the exponentials: the reverse
    of the exponentials' loop finds the array changed, restored element by
    element; the value is computed again."""
    n, d = X.shape
    c = W.shape[1]
    z = np.empty(c)
    loss = 0.0
    for i in range(n):
        for k in range(c):
            z[k] = X[i, k % d] * W[k % d, k]
        se = 0.0
        for k in range(c):
            se += math.exp(z[k])
        for k in range(c):
            z[k] = 0.5 * z[k] + se
        t = 0.0
        for k in range(c):
            t += z[k] * z[k]
        loss += math.log(se) + t - z[labels[i]]
    return loss


def test_an_array_stored_between_the_loops_keeps_the_value_computed_again():
    args = _args(5)
    g, src = _grad(rescaled_scores, args)
    assert src.count("math.exp(") >= 2 or "_of_k[k] = exp" not in src, src
    np.testing.assert_allclose(g, central_differences(rescaled_scores, args, 2), rtol=1e-5, atol=1e-6)
