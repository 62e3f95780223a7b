"""A loop over samples whose iterations share only a sum and work arrays
each iteration fills before it reads them (a network's activations, a
softmax's scores) is reversed one iteration at a time, right after it runs,
with no tape of the work arrays' old elements (transforms/reverse_plan.py:
``_iteration_fusion``, ``_scratch``).  Gradients against central
differences and across targets; the look-alikes, whose work arrays carry
elements from one iteration to the next, keep their tapes."""

import math
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from helpers import central_differences

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
from samples import softmax_scores, two_layers  # noqa: E402


def oversized_buffer(X, y, W1, w3):
    """A work array with room to spare: each sample fills and reads the
    first h elements only (the reads in a loop inside the loop over units)."""
    n, d = X.shape
    h = W1.shape[1]
    a = np.empty(h + 3)
    loss = 0.0
    for i in range(n):
        for k in range(h):
            z = 0.0
            for j in range(d):
                z += X[i, j] * W1[j, k]
            a[k] = max(z, 0.0)
        out = 0.0
        for k in range(d):
            t = 0.0
            for j in range(h):
                t += a[j] * W1[k, j]
            out += t * w3[k % h]
        loss += abs(out - y[i])
    return loss


def running_state(X, y, W1, w3):
    """The work array's elements carry over: each sample updates a state."""
    n, d = X.shape
    h = W1.shape[1]
    state = np.zeros(h)
    loss = 0.0
    for i in range(n):
        for k in range(h):
            z = 0.5 * state[k]
            for j in range(d):
                z += X[i, j] * W1[j, k]
            state[k] = max(z, 0.0)
        out = 0.0
        for k in range(h):
            out += state[k] * w3[k]
        loss += (out - y[i]) ** 2
    return loss


def partly_filled(X, y, W1, w3):
    """Each sample fills all but the last element, which keeps the first
    sample's value... and reads the whole array."""
    n, d = X.shape
    h = W1.shape[1]
    a = np.zeros(h)
    loss = 0.0
    for i in range(n):
        for k in range(h - 1):
            z = 0.0
            for j in range(d):
                z += X[i, j] * W1[j, k]
            a[k] = abs(z)
        if i == 0:
            a[h - 1] = X[0, 0]
        out = 0.0
        for k in range(h):
            out += a[k] * w3[k]
        loss += (out - y[i]) ** 2
    return loss


def _network_args(seed, n=5, d=4, h1=6, h2=5):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)), rng.standard_normal(n), rng.standard_normal((d, h1)),
            rng.standard_normal((h1, h2)), rng.standard_normal(h2))


def _one_layer_args(seed):
    X, y, W1, _, w3 = _network_args(seed, h1=6, h2=6)
    return X, y, W1, w3


def _softmax_args(seed, n=6, d=4, c=5):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, c, n), rng.standard_normal((d, c))


CASES = [
    (two_layers, ("W1", "W2", "w3"), _network_args, True),
    (softmax_scores, ("W",), _softmax_args, True),
    (oversized_buffer, ("W1", "w3"), lambda s: _one_layer_args(s), True),
    (running_state, ("W1", "w3"), lambda s: _one_layer_args(s), False),
    (partly_filled, ("W1", "w3"), lambda s: _one_layer_args(s), False),
]


def _grad_source(d):
    (k,) = d._specs.values()
    import inspect
    return inspect.getsource(getattr(k.grad, "py_func", k.grad))


@pytest.mark.parametrize("fn, wrt, make, fused", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_samples_that_share_only_a_sum_and_work_arrays_are_reversed_one_by_one(fn, wrt, make, fused):
    args = make(0)
    d = nsadc.differentiate(fn, wrt=list(wrt), target="python")
    grads = d.grad(*args)
    grads = (grads,) if len(wrt) == 1 else grads
    src = _grad_source(d)
    assert ("fused: iterations share only loss" in src) == fused, src
    assert ("_elements" in src) != fused, src  # the old elements are taped only where they carry over
    names = fn.__code__.co_varnames[:fn.__code__.co_argcount]
    for g, w in zip(grads, wrt):
        np.testing.assert_allclose(g, central_differences(fn, args, names.index(w)), rtol=1e-5, atol=1e-7)


@pytest.mark.slow
@pytest.mark.parametrize("fn, wrt, make, fused", CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_the_compiled_gradient_is_the_python_ones(fn, wrt, make, fused):
    args = make(1)
    got = nsadc.differentiate(fn, wrt=list(wrt)).grad(*args)
    want = nsadc.differentiate(fn, wrt=list(wrt), target="python").grad(*args)
    for g, w in zip(*((x,) if len(wrt) == 1 else x for x in (got, want))):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)


def rescaled_in_place(X, y, W1, w3):
    """The work array is rewritten in place after it is read: the reverse
    needs its elements as they were before, so they are kept."""
    n, d = X.shape
    h = W1.shape[1]
    a = np.empty(h)
    loss = 0.0
    for i in range(n):
        for k in range(h):
            z = 0.0
            for j in range(d):
                z += X[i, j] * W1[j, k]
            a[k] = z
        se = 0.0
        for k in range(h):
            se += math.exp(0.1 * a[k])
        for k in range(h):
            a[k] = 0.5 * a[k] * a[k] + se
        out = 0.0
        for k in range(h):
            out += a[k] * w3[k]
        loss += (out - y[i]) ** 2
    return loss


CASES.append((rescaled_in_place, ("W1", "w3"), lambda s: _one_layer_args(s), False))


# ------------------------------------------------------------ drawn at random

_STEPS = [
    "for k in range(h):\n    a[k] = X[i, k % d] * W[k % d, k] + 0.5 * a[k]",  # reads the old element
    "for k in range(h):\n    a[k] = X[i, k % d] * W[k % d, k]",               # fills the array
    "for k in range(1, h):\n    a[k] = abs(X[i, k % d] - W[k % d, k])",       # all but the first
    "for k in range(h):\n    a[k] = max(a[k], 0.0) * 0.5 + 0.25 * a[k]",       # in place, after reads
    "for k in range(h):\n    s += math.exp(0.2 * a[k])",                       # reads
    "s += a[labels[i]] * a[0]",                                                 # reads by data
    "for k in range(h):\n    t = 0.0\n    for j in range(h):\n        t += a[j] * W[j % d, k]\n    s += abs(t)",
]


def _random_sample_loop(rng) -> str:
    steps = [int(k) for k in rng.integers(0, len(_STEPS), int(rng.integers(2, 5)))]
    if rng.random() < 0.6:
        steps.insert(0, 1)  # most per-sample code fills its work array first
    body = "\n".join(" " * 8 + line for k in steps for line in _STEPS[k].split("\n"))
    return (f"def samples(X, labels, W):\n    n, d = X.shape\n    h = W.shape[1]\n    a = np.zeros(h)\n"
            f"    s = 0.0\n    for i in range(n):\n{body}\n        s += a[h - 1] * (1.0 + 0.0 * labels[i])\n    return s\n")


def test_random_sample_loops_over_a_work_array(tmp_path):
    """Per-sample loops over a work array, drawn from fills, partial fills,
    in-place updates, reads and reads by data: whatever the planner keeps or
    fuses, the gradient matches central differences."""
    from helpers import load_function

    rng = np.random.default_rng(20261205)
    fused = 0
    for k in range(40):
        text = _random_sample_loop(rng)
        fn = load_function(tmp_path, text, "samples")
        args = (rng.standard_normal((4, 3)), rng.integers(0, 5, 4), rng.standard_normal((3, 5)))
        d = nsadc.differentiate(fn, wrt=["W"], target="python")
        g = d.grad(*args)
        fused += "fused: iterations share only" in _grad_source(d)
        np.testing.assert_allclose(g, central_differences(fn, args, 2), rtol=1e-5, atol=1e-6, err_msg=text)
    assert fused >= 5, fused


def refilled_after_use(X, labels, W):
    """Fill, read, refill part of the array, read again: the first read's
    reverse must see the elements as they were before the refill (a work
    array once taken as needing no tape here: a wrong gradient)."""
    n, d = X.shape
    h = W.shape[1]
    a = np.zeros(h)
    s = 0.0
    for i in range(n):
        for k in range(h):
            a[k] = X[i, k % d] * W[k % d, k]
        for k in range(h):
            s += abs(a[k]) * W[k % d, k]
        for k in range(1, h):
            a[k] = abs(X[i, k % d] - W[k % d, k])
        for k in range(h):
            s += a[k] * (1.0 + 0.0 * labels[i])
    return s


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_an_array_refilled_after_it_was_read_keeps_its_old_elements(target):
    args = _softmax_args(3, c=5)
    g = nsadc.differentiate(refilled_after_use, wrt=["W"], target=target).grad(*args)
    np.testing.assert_allclose(g, central_differences(refilled_after_use, args, 2), rtol=1e-5, atol=1e-6)


def damped_iterations(a, iters):
    """Each iteration fills a work array from the state with an inner sum,
    then steps the state with it: the reverse of an iteration re-runs the
    fill before the step reads it (the fill loop leaves its sum's last values
    behind, and skipping its re-run as if those were all it made left the
    step reading the last iteration's array: a wrong gradient)."""
    n = a.shape[0]
    x = np.zeros(n)
    r = np.empty(n)
    for it in range(iters):
        for i in range(n):
            s = 1.0
            for j in range(n):
                s += a[j] * x[j]
            r[i] = s
        for j in range(n):
            x[j] = x[j] - a[j] * r[j]
    return x[0]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_work_array_filled_by_a_loop_with_a_sum_is_filled_again_in_the_reverse(target):
    args = (np.array([0.9, 0.6, -0.3]), 3)
    g = nsadc.differentiate(damped_iterations, wrt=["a"], target=target).grad(*args)
    np.testing.assert_allclose(g, central_differences(damped_iterations, args, 0), rtol=1e-5, atol=1e-6)


_FILLS = [
    "for i in range(n):\n    t = 0.0\n    for j in range(n):\n        t += A[i, j] * x[j]\n    r[i] = t",
    "for i in range(n):\n    r[i] = x[i] * A[i, i] + 0.5",
    "for i in range(n):\n    r[i] = max(x[i], 0.0) - A[i, 0]",
    "for i in range(n):\n    t = x[i]\n    for j in range(i):\n        t = max(t, x[j] * A[i, j])\n    r[i] = t",
]
_USES = [
    "for j in range(n):\n    x[j] = x[j] - 0.1 * r[j]",
    "for j in range(n):\n    x[j] = math.tanh(x[j] + r[j] * A[0, j])",
    "for j in range(n):\n    s += r[j] * r[j]",
    "s += abs(r[0] - x[n - 1])",
]


def _random_iterations(rng) -> str:
    steps = [_FILLS[int(rng.integers(len(_FILLS)))]]
    for _ in range(int(rng.integers(1, 4))):
        pool = _USES if rng.random() < 0.7 else _FILLS
        steps.append(pool[int(rng.integers(len(pool)))])
    steps.append(_USES[int(rng.integers(2))])  # the state moves every iteration
    body = "\n".join(" " * 8 + line for step in steps for line in step.split("\n"))
    return (f"def iterations(x0, A, iters):\n    n = x0.shape[0]\n    x = x0.copy()\n    r = np.empty(n)\n"
            f"    s = 0.0\n    for it in range(iters):\n{body}\n    return s + x[0] + 0.5 * x[n - 1]\n")


def test_random_iterations_over_a_work_array(tmp_path):
    """A state stepped by iterations that fill a work array from it (inner
    sums, kinks, partial maxima) and use it: the gradient matches central
    differences whatever the planner re-runs or keeps."""
    from helpers import load_function

    rng = np.random.default_rng(20261206)
    for k in range(30):
        text = _random_iterations(rng)
        fn = load_function(tmp_path, text, "iterations")
        args = (rng.standard_normal(4), 0.4 * rng.standard_normal((4, 4)), int(rng.integers(1, 4)))
        g = nsadc.differentiate(fn, wrt=["x0", "A"], target="python").grad(*args)
        want = [central_differences(fn, args, 0), central_differences(fn, args, 1)]
        for got, w in zip(g, want):
            np.testing.assert_allclose(got, w, rtol=1e-5, atol=1e-6, err_msg=text)
