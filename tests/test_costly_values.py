"""A transcendental value a sample's loop computed is kept for the loop
that reverses it (nsadc/passes/costly_values.py), not computed again.
Gradients against central differences, and against the kernel compiled
with the pass left out: equal to the last bit, NaN and float32 data
included; values whose precision an argument decides are not kept."""

import inspect
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
import nsadc.pipeline as pipeline
from helpers import central_differences

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
from samples import softmax_scores  # noqa: E402


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
    g, src = _grad(softmax_scores, args)
    kept = re.findall(r"(\w+)_of_k\[k\] = \1\n", src)
    assert kept and src.count("math.exp(") == 1, src  # computed once, read back in the reverse
    assert re.search(rf"{kept[0]} = {kept[0]}_of_k\[k\]", src), src
    np.testing.assert_allclose(g, central_differences(softmax_scores, args, 2), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_kept_value_gives_the_same_bits(dtype, monkeypatch, tmp_path):
    nan_args = _args(2, dtype)
    nan_args[0][1, 1] = np.nan
    for args in (_args(1, dtype), nan_args):
        new, src = _grad(softmax_scores, args)
        with monkeypatch.context() as m:
            old, old_src = _grad(softmax_scores, args, keep=True, monkeypatch=m, tmp_path=tmp_path)
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
    got = nsadc.differentiate(softmax_scores, wrt=["W"]).grad(*args)
    want = nsadc.differentiate(softmax_scores, wrt=["W"], target="python").grad(*args)
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


def counted_steps(x, a):
    """The exponential reads a count a loop inside changes: its value is not
    the count's first assignment (a wrong gradient once, found by the fuzzer)."""
    w = np.zeros(3)
    s = 0.0
    for i in range(3):
        k = 0
        while k < 2 and x > -5.0:
            k += 1
            x = 0.5 * x + math.tanh(a[k] + w[i])
        s += math.exp(0.25 * k) * x
    return s


def skipped_samples(x, a):
    """An iteration may stop before the exponential: nothing is kept."""
    w = np.zeros(a.shape[0])
    s = 0.0
    for i in range(a.shape[0]):
        w[i] = a[i] * x
        if w[i] < -0.5:
            continue
        s += math.exp(0.5 * w[i]) + abs(w[i])
    return s


@pytest.mark.parametrize("fn", [counted_steps, skipped_samples])
def test_values_a_loop_changes_or_skips_are_computed_again(fn):
    args = (0.4, np.array([0.9, -1.2, 0.86, 1.8, 0.34]))
    d = nsadc.differentiate(fn, target="python")
    value, grads = d.value_and_grad(*args)
    for got, k in zip(grads, (0, 1)):
        np.testing.assert_allclose(got, central_differences(fn, args, k), rtol=1e-5, atol=1e-6)
    for got, want in zip(grads, d.grad(*args)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)



def _tanh_or_half(u, v, c=0.5):
    if np.tanh(v) > 0.5:
        return math.tanh(v)
    return 0.5


def branch_reads_the_operand(a: np.ndarray, y: float):
    """The kept tanh's operand is read again under a branch of the re-run
    (the helper's ``if np.tanh(v) > 0.5: return math.tanh(v)``): it must
    stay computed there (a wrong gradient once, found by the fuzzer: 0.727
    where 0.782 is right)."""
    z = a
    s = 0.0
    t = 0.0
    for i in range(5):
        u = z[i]
        t = t - u
        s += t + math.tanh(_tanh_or_half(y, 0.5 * i) + y)
    return s


def test_an_operand_a_branch_reads_stays_computed_in_the_rerun():
    args = (np.array([-0.3154687696718641, 0.6103226255356811, 1.9948578991821893, 1.6347707554272888,
                      -0.0886732031519104]), 0.8851888951975035)
    d = nsadc.differentiate(branch_reads_the_operand, target="python")
    assert "_of_i" in d.source("reverse", *args)  # the tanh is kept for the reverse
    for ga, gy in (d.grad(*args), d.vjp(args, 1.0)[1], d.value_and_grad(*args)[1]):
        np.testing.assert_allclose(ga, central_differences(branch_reads_the_operand, args, 0), rtol=1e-5, atol=1e-6)
        assert gy == pytest.approx(central_differences(branch_reads_the_operand, args, 1), rel=1e-6)
