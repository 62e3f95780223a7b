"""Tape memory kept between calls (nsadc/backends/reused_tapes.py, the API).

The twin of a reverse-mode function carves its float tapes from an array
the caller passes; it must give the plain function's result to the last bit
whatever that array holds (NaN-filled), whatever its length (none, too
short, longer than needed), and the API's calls must stay right across
sizes that grow and shrink, across threads, and past the retention limit."""

import math

import numpy as np
import pytest

import nsadc
from nsadc import api
from nsadc.backends.lowering import PYTHON
from nsadc.backends.reused_tapes import SUFFIX, carved_sizes, with_reused_tapes
from nsadc.emit import module_source
from nsadc.pipeline import compile_function

from helpers import assert_same_bits, central_differences, from_threads


def decay(x, n: int):
    """Scalars overwritten at every iteration of two loops: one tape, sized by both."""
    s = 0.0
    for i in range(x.shape[0]):
        s = math.sin(s + x[i]) * 0.9
    t = 0.5
    for k in range(n):
        t = math.tanh(t + s)
    return s * t


def stepped(W, x0, T: int):
    """A state array read, then overwritten, at every step: kept whole per step,
    on a tape sized by the shape of a local array (state = np.zeros(h))."""
    h = W.shape[0]
    state = np.zeros(h)
    for k in range(h):
        state[k] = x0[k]
    new = np.empty(h)
    loss = 0.0
    for t in range(T):
        for k in range(h):
            z = 0.0
            for j in range(h):
                z += W[k, j] * state[j]
            new[k] = max(z, 0.2 * z)
        for k in range(h):
            state[k] = new[k]
            loss += abs(state[k] - 0.1 * t)
    return loss


def _data(n, seed=0):
    rng = np.random.default_rng(seed)
    return 0.6 * rng.standard_normal((n, n)) / math.sqrt(n), rng.standard_normal(n)


def _vjp_function(fn, args):
    d = nsadc.differentiate(fn, target="python")
    types = d._bind(args)[1]
    return compile_function(*d._source(), d.wrt, d.policy, d._env, types, d.kink_tol)


def test_a_local_arrays_snapshots_are_sized_at_entry():
    W, x0 = _data(5)
    d = nsadc.differentiate(stepped, wrt="W", target="python")
    source = d.source("reverse", W, x0, 4)
    assert "_reserve" not in source and "np.empty(64)" not in source
    assert "array_tape = np.empty(len(range(T)) * len(range(W.shape[0])))" in source
    g = d.grad(W, x0, 4)
    np.testing.assert_allclose(g, central_differences(stepped, (W, x0, 4), 0), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("memory", ["none", "short", "long"])
def test_the_twin_gives_the_plain_functions_bits(memory):
    x = np.random.default_rng(1).standard_normal(37)
    comp = _vjp_function(decay, (x, 6))
    plain, twin = with_reused_tapes(comp.vjp)
    assert twin.name == comp.vjp.name + SUFFIX and twin.params[-1].name == "tape_memory"
    assert carved_sizes(comp.vjp) == ["len(range(n)) + len(range(x.shape[0]))"]
    namespace: dict = {}
    exec(module_source([], [plain, twin], PYTHON), namespace)  # noqa: S102 - emitted by nsadc
    want = namespace[plain.name](x, 6, 1.0)
    n = {"none": 0, "short": 5, "long": 500}[memory]
    given = np.full(n, np.nan)  # what a previous call left: never read before written
    got = namespace[twin.name](x, 6, 1.0, given)
    assert got[0] == want[0]
    assert_same_bits(got[1][0], want[1][0])


def test_the_twin_is_only_in_the_apis_modules():
    x = np.random.default_rng(2).standard_normal(9)
    assert SUFFIX not in nsadc.differentiate(decay).source("reverse", x, 3)


@pytest.mark.slow
def test_kept_tapes_across_sizes_modes_and_threads(monkeypatch):
    monkeypatch.setattr(api, "SMALL_TAPE_ENTRIES", 0)  # the twin at these small sizes too
    d = nsadc.differentiate(stepped, wrt="W")
    plain = {}
    for n, T in [(6, 5), (9, 12), (4, 2), (9, 12), (12, 0)]:
        W, x0 = _data(n, seed=n + T)
        g = d.grad(W, x0, T)
        kernel = d.compiled(W, x0, T).grad
        assert_same_bits(g, kernel(W, x0, T, 1.0)[0])
        value, g2 = d.value_and_grad(W, x0, T)
        assert value == stepped(W, x0, T)
        assert_same_bits(g2, g)
        _, (g3,) = d.vjp((W, x0, T), 2.0)
        np.testing.assert_allclose(g3, 2.0 * g, rtol=1e-14, atol=0)
        _, g4, report = d.value_and_grad(W, x0, T, report=True)
        assert_same_bits(g4, g)
        plain[(n, T)] = g
    (k,) = d._specs.values()
    assert {"grad", "vjp", "vjp_report"} <= set(k.kept)
    kept = d._memory.tapes
    d.grad(*_data(4, seed=6), 2)
    assert d._memory.tapes is kept  # smaller arguments: the same memory
    W, x0 = _data(9, seed=21)
    results = from_threads(lambda: d.grad(W, x0, 12))
    for r in results:
        assert_same_bits(r, plain[(9, 12)])


@pytest.mark.slow
def test_tapes_past_the_limit_are_allocated_by_the_kernel(monkeypatch):
    monkeypatch.setattr(api, "KEPT_TAPE_ENTRIES", 10)
    W, x0 = _data(7, seed=3)
    d = nsadc.differentiate(stepped, wrt="W")
    g = d.grad(W, x0, 8)
    assert getattr(d._memory, "tapes", None) is None
    assert_same_bits(g, d.compiled(W, x0, 8).grad(W, x0, 8, 1.0)[0])


@pytest.mark.slow
def test_small_tapes_are_the_plain_kernels_own():
    """Below SMALL_TAPE_ENTRIES the plain kernel runs (no memory kept, no
    per-call check); above it the twin, with the same bits."""
    d = nsadc.differentiate(stepped, wrt="W")
    W, x0 = _data(4, seed=5)
    small = d.grad(W, x0, 3)
    assert getattr(d._memory, "tapes", None) is None
    assert_same_bits(small, d.compiled(W, x0, 3).grad(W, x0, 3, 1.0)[0])
    T = api.SMALL_TAPE_ENTRIES // 4 + 1  # the snapshot tape alone: T * 4 entries
    large = d.grad(W, x0, T)
    assert d._memory.tapes.shape[0] >= api.SMALL_TAPE_ENTRIES
    assert_same_bits(large, d.compiled(W, x0, T).grad(W, x0, T, 1.0)[0])
