"""A loop over samples whose iterations share only a sum and work arrays
each iteration fills before it reads them (a network's activations, a
softmax's scores) is reversed one iteration at a time, right after it runs,
with no tape of the work arrays' old elements (transforms/reverse_plan.py:
``_iteration_fusion``, ``_scratch``).  Gradients against central
differences and across targets; the look-alikes, whose work arrays carry
elements from one iteration to the next, keep their tapes."""

import math

import numpy as np
import pytest

import nsadc
from helpers import central_differences


def two_layers(X, y, W1, W2, w3):
    """Two ReLU layers, the first one's activations read by the second."""
    n, d = X.shape
    h1 = W1.shape[1]
    h2 = W2.shape[1]
    a1 = np.empty(h1)
    a2 = np.empty(h2)
    loss = 0.0
    for i in range(n):
        for k in range(h1):
            z = 0.0
            for j in range(d):
                z += X[i, j] * W1[j, k]
            a1[k] = max(z, 0.0)
        for k in range(h2):
            z = 0.0
            for j in range(h1):
                z += a1[j] * W2[j, k]
            a2[k] = max(z, 0.1 * z)
        out = 0.0
        for k in range(h2):
            out += a2[k] * w3[k]
        loss += abs(out - y[i])
    return loss / n


def softmax_scores(X, labels, W):
    """Scores into a work array, then read at a label (an index from data)
    and at its first element."""
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
    return loss / n


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
