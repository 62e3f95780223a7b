"""An array the gradient fills with one number is that number where it is
read (nsadc/passes/constant_arrays.py): a plain sum's derivatives, all 1.
Gradients against central differences, and against the kernel compiled
with the pass left out: equal to the last bit."""

import inspect

import numpy as np
import pytest

import nsadc
import nsadc.pipeline as pipeline
from helpers import central_differences


def sum_against_peak(x):
    """A plain sum in a loop of its own, against a peak found in another."""
    n = x.shape[0]
    s = 0.0
    for i in range(n):
        s += x[i]
    m = 0.0
    for i in range(n):
        m = max(m, x[i] * x[i])
    return abs(s) + 0.5 * m


def signed_halves(x):
    """Derivatives 1 and -1: two numbers, kept in the array."""
    n = x.shape[0]
    s = 0.0
    for i in range(n):
        if i < n // 2:
            s += x[i]
        else:
            s -= x[i]
    m = 0.0
    for i in range(n):
        m = max(m, x[i])
    return s * s + m


def plain_sum(x):
    """The sum's derivative array is the gradient itself: it stays."""
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i]
    return s


def _grad(fn, x, keep=False, monkeypatch=None, tmp_path=None):
    if keep:
        monkeypatch.setattr(pipeline, "FINAL_PASSES",
                            [p for p in pipeline.FINAL_PASSES if p.name != "drop_constant_arrays"])
        monkeypatch.setenv("NSADC_CACHE_DIR", str(tmp_path))
    d = nsadc.differentiate(fn, target="python")
    g = d.grad(x)
    (k,) = d._specs.values()
    return np.asarray(g), inspect.getsource(k.grad)


@pytest.mark.parametrize("fn, dropped", [(sum_against_peak, True), (signed_halves, False), (plain_sum, False)],
                         ids=lambda v: getattr(v, "__name__", ""))
def test_a_sums_derivative_array_of_ones_is_read_as_one(fn, dropped, monkeypatch, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(9)
    g, src = _grad(fn, x)
    assert ("ds_dx = np." not in src) == dropped, src
    np.testing.assert_allclose(g, central_differences(fn, (x,), 0), rtol=1e-5, atol=1e-6)
    for data in (x, np.round(x), np.array([0.0, 1.0, -1.0, np.nan, 2.0, 0.0, np.inf, -2.0, 1.0])):
        with np.errstate(invalid="ignore"):
            new, _ = _grad(fn, data)
            with monkeypatch.context() as m:
                old, _ = _grad(fn, data, keep=True, monkeypatch=m, tmp_path=tmp_path)
        np.testing.assert_array_equal(new, old)


def test_two_numbers_or_a_non_element_use_keep_the_array():
    from nsadc.ir.nodes import Assign, Call, Const, For, Var
    from nsadc.passes.constant_arrays import _constant

    def store(v):
        return Assign("d", Call("store", (Var("d"), Var("i"), Const(v))))

    alloc = Assign("d", Call("empty_like", (Var("x"),)))
    read = Assign("t", Call("mul", (Call("load", (Var("d"), Var("i"))), Var("g"))))
    loop = lambda *body: For("i", Const(0), Var("n"), Const(1), list(body))  # noqa: E731
    assert _constant([alloc, loop(store(1.0)), loop(read)], "d", alloc) == Const(1.0)
    assert _constant([alloc, loop(store(1.0)), loop(store(2.0)), loop(read)], "d", alloc) is None
    assert _constant([alloc, loop(store(1.0)), Assign("e", Var("d"))], "d", alloc) is None  # the array escapes
    assert _constant([alloc, loop(Assign("d", Call("store", (Var("d"), Var("i"), Var("g"))))), loop(read)],
                     "d", alloc) is None  # a value, not a number
