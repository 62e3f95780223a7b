"""A dense layer's reverse runs its weight adjoints along rows and its input
adjoints as dot products (nsadc/passes/adjoint_layers.py), and the buffers
the loop passes keep grow before the loops, not in them
(nsadc/passes/buffer_growth.py).  Gradients against central differences and
against the same kernel compiled with the pass left out: equal to the last
bit (each weight's adjoint receives one term per sample, each input's its
terms in the units' order), float32 data included."""

import inspect
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
import nsadc.pipeline as pipeline
from helpers import central_differences

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
from samples import two_layers  # noqa: E402


def transposed_weights(X, y, W1, w3):
    """Weights stored unit by row (``W[k, j]``): the inner loop runs along
    rows already, and the layer's reverse is left as it is."""
    n, d = X.shape
    h = W1.shape[0]
    a = np.empty(h)
    loss = 0.0
    for i in range(n):
        for k in range(h):
            z = 0.0
            for j in range(d):
                z += X[i, j] * W1[k, j]
            a[k] = max(z, 0.0)
        out = 0.0
        for k in range(h):
            out += a[k] * w3[k]
        loss += abs(out - y[i])
    return loss


def _args(seed, n=6, d=5, h1=7, h2=4, transposed=False, dtype=np.float64):
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((h1, d) if transposed else (d, h1))
    out = (rng.standard_normal((n, d)), rng.standard_normal(n), W1, rng.standard_normal((h1, h2)),
           rng.standard_normal(h1 if transposed else h2))
    return tuple(a.astype(dtype) for a in out)


WRT = ["W1", "W2", "w3"]


def _grad(fn, args, wrt, keep=(), monkeypatch=None, tmp_path=None):
    """The gradient and its kernel's source; ``keep``: passes left out (in a cache of their own)."""
    if keep:
        for name in ("FINAL_PASSES", "OPTIMISATION_PASSES"):
            monkeypatch.setattr(pipeline, name, [p for p in getattr(pipeline, name) if p.name not in keep])
        monkeypatch.setenv("NSADC_CACHE_DIR", str(tmp_path))
    d = nsadc.differentiate(fn, wrt=wrt, target="python")
    g = d.grad(*args)
    (k,) = d._specs.values()
    return g, inspect.getsource(k.grad)


def test_the_weights_adjoint_runs_along_rows_and_the_inputs_as_dot_products():
    g, src = _grad(two_layers, _args(0), WRT)
    # W2_bar along its rows, k counting up innermost (vectorizable)
    assert re.search(r"for j in range\(h1\):\n\s+(\w+) = a1\[j\]\n\s+for k in range\(h2\):\n"
                     r"\s+dloss_dW2\[j, k\] \+= \1 \* z_bar_of_k\w*\[k\]", src), src
    # a1_bar[j] as a dot product over the units, in the order their loop runs, in a scalar
    assert re.search(r"a1_bar_j = a1_bar\[j\]\n\s+for k in range\(h2(?: - 1, -1, -1)?\):\n"
                     r"\s+a1_bar_j \+= W2\[j, k\] \* z_bar_of_k\w*\[k\]\n\s+a1_bar\[j\] = a1_bar_j", src), src
    args = _args(1)
    g, _ = _grad(two_layers, args, WRT)
    for got, name in zip(g, WRT):
        k = two_layers.__code__.co_varnames.index(name)
        np.testing.assert_allclose(got, central_differences(two_layers, args, k), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_layers_gradient_is_the_loops_own_to_the_last_bit(dtype, monkeypatch, tmp_path):
    kinks = _args(2, dtype=dtype)
    kinks[0][:, 0] = 0.0  # pre-activations on their kinks where the weights allow
    kinks[2][:, 0] = 0.0
    for args in (_args(3, dtype=dtype), kinks):
        new, src = _grad(two_layers, args, WRT)
        with monkeypatch.context() as m:
            old, old_src = _grad(two_layers, args, WRT, keep=("distribute_adjoint_layers",), monkeypatch=m,
                                 tmp_path=tmp_path)
        assert "kept per k: the loop over j" in src and "kept per k: the loop over j" not in old_src
        for a, b in zip(new, old):
            assert a.dtype == b.dtype == dtype
            np.testing.assert_array_equal(a, b)


def test_weights_stored_by_unit_keep_their_loops():
    args = _args(4, transposed=True)
    fn_args = (args[0], args[1], args[2], args[4])
    g, src = _grad(transposed_weights, fn_args, ["W1", "w3"])
    assert "kept per k: the loop over j" not in src
    for got, k in zip(g, (2, 3)):
        np.testing.assert_allclose(got, central_differences(transposed_weights, fn_args, k), rtol=1e-5, atol=1e-6)


def test_buffers_grow_before_the_loop_over_samples(monkeypatch, tmp_path):
    """The dot products' and the layers' buffers grow once, before the loop
    over samples, when their lengths do not change inside it."""
    args = _args(5)
    g, src = _grad(two_layers, args, WRT)
    loop = src.index("for i in range(n):")
    for buffer in re.findall(r"^    (\w+_of_k(?:_\d+)?) = np\.full", src, re.M):
        growth = src.index(f"if {buffer}.shape[0] < ")
        assert growth < loop, (buffer, src)
    with monkeypatch.context() as m:
        old, old_src = _grad(two_layers, args, WRT, keep=("hoist_buffer_growth",), monkeypatch=m, tmp_path=tmp_path)
    assert re.search(r"for i in range\(n\):\n(.*\n)*?\s+if z_of_k\.shape\[0\] < h1:", old_src)
    for a, b in zip(g, old):
        np.testing.assert_array_equal(a, b)


def ragged_rows(X, lens, w):
    """Each sample has its own number of units (a length the sample loop changes)."""
    n, d = X.shape
    s = 0.0
    for i in range(n):
        m = lens[i]
        for k in range(m):
            z = 0.0
            for j in range(d):
                z += X[i, j] * w[j, k]
            s += abs(z)
    return s


def test_a_buffer_whose_length_changes_with_the_sample_grows_inside_the_loop():
    rng = np.random.default_rng(6)
    args = (rng.standard_normal((5, 4)), np.array([3, 1, 6, 2, 6]), rng.standard_normal((4, 6)))
    d = nsadc.differentiate(ragged_rows, wrt=["w"], target="python")
    g = d.grad(*args)
    src = d.source("reverse", *args)
    loop = src.index("for i in range(n):")
    growth = re.search(r"if (\w+)\.shape\[0\] < m", src)
    assert growth and growth.start() > loop, src
    np.testing.assert_allclose(g, central_differences(ragged_rows, args, 2), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_the_compiled_layers_agree_with_the_python_target():
    for dtype in (np.float64, np.float32):
        args = _args(7, dtype=dtype)
        got = nsadc.differentiate(two_layers, wrt=WRT).grad(*args)
        want = nsadc.differentiate(two_layers, wrt=WRT, target="python").grad(*args)
        for a, b in zip(got, want):
            np.testing.assert_allclose(a, b, rtol=1e-5 if dtype == np.float32 else 1e-12)


# ------------------------------------------------------------ networks drawn at random

_ACTIVATIONS = ["max(z, 0.0)", "max(z, 0.1 * z)", "abs(z)", "math.tanh(z)", "z / (1.0 + abs(z))"]


def _random_network(rng) -> str:
    """One to three dense layers over a sample, each with its activation,
    weights stored by input (``W[j, k]``) or, past the first, by unit
    (``W[k, j]``), a bias or none, and a loss."""
    lines = ["def net(X, y, W1, W2, W3, b):", "    n, d = X.shape", "    h = W1.shape[1]",
             "    a0 = np.empty(d)", "    a1 = np.empty(h)", "    a2 = np.empty(h)", "    a3 = np.empty(h)",
             "    loss = 0.0", "    for i in range(n):", "        for j in range(d):", "            a0[j] = X[i, j]"]
    inputs, width = "a0", "d"
    for layer in range(1, int(rng.integers(1, 4)) + 1):
        weight = f"W{layer}[k, j]" if layer > 1 and rng.random() < 0.3 else f"W{layer}[j, k]"
        bias = "b[k]" if rng.random() < 0.5 else "0.0"
        lines += ["        for k in range(h):", f"            z = {bias}", f"            for j in range({width}):",
                  f"                z += {inputs}[j] * {weight}",
                  f"            a{layer}[k] = {_ACTIVATIONS[int(rng.integers(len(_ACTIVATIONS)))]}"]
        inputs, width = f"a{layer}", "h"
    loss = ["(out - y[i]) ** 2", "abs(out - y[i])", "max(out - y[i], 0.0)"][int(rng.integers(3))]
    lines += ["        out = 0.0", "        for k in range(h):", f"            out += {inputs}[k] * b[k]",
              f"        loss += {loss}", "    return loss + 0.0 * (W1[0, 0] + W2[0, 0] + W3[0, 0])"]
    return "\n".join(lines) + "\n"


def test_random_networks_match_central_differences(tmp_path):
    from helpers import load_function

    rng = np.random.default_rng(20261205)
    distributed = 0
    for _ in range(20):
        text = _random_network(rng)
        fn = load_function(tmp_path, text, "net")
        args = (rng.standard_normal((4, 3)), rng.standard_normal(4), *(rng.standard_normal((3, 3)) for _ in range(3)),
                rng.standard_normal(3))
        g, src = _grad(fn, args, ["W1", "W2", "W3", "b"])
        distributed += "kept per k: the loop over j" in src
        for got, k in zip(g, (2, 3, 4, 5)):
            want = central_differences(fn, args, k)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6 * max(1.0, np.abs(want).max()), err_msg=text)
    assert distributed >= 6, distributed  # the draw exercises the rule, not only its refusals


def test_a_length_a_tape_read_gives_keeps_its_growth_in_the_loop():
    """A growth whose length a tape read in the loop assigns stays there; one
    whose length nothing in the loop changes moves before it."""
    from nsadc.ir.nodes import Call, Const, For, Function, If, Raw, TapePop, Var
    from nsadc.passes.buffer_growth import hoist_buffer_growth

    def growth(buffer, length):
        return If(Call("lt", (Call("shape", (Var(buffer), Const(0))), Var(length))),
                  [Raw(f"{buffer} = np.empty({length}, {buffer}.dtype)", allocates=buffer)])

    popped, fixed = growth("a_of_k", "m"), growth("b_of_k", "h")
    loop = For("i", Const(0), Var("n"), Const(1), [TapePop("tape", Var("i"), Var("m"), as_int=True), popped, fixed])
    fn = Function("f", [], [loop], {})
    hoist_buffer_growth(fn)
    assert fn.body == [fixed, loop] and loop.body[1] is popped


# ------------------------------------------------------------ whole-array steps (A.T @ r)


def projected_steps(A, b, x0, lr):
    """Projected gradient steps written with whole arrays: the reverse of
    ``A.T @ r`` is a layer whose inner loop's bound (``A.shape[0]``) the
    unit's own statements name."""
    x = np.maximum(x0, 0.0)
    for it in range(5):
        r = A @ x - b
        g = A.T @ r
        x = np.maximum(x - lr * g, 0.0)
    r = A @ x - b
    return 0.5 * np.dot(r, r)


def _steps_args(seed, m=9, n=6):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, n)), rng.standard_normal(m), rng.uniform(0.2, 1.0, n), 0.05


def test_a_transposed_product_in_a_loop_is_reversed_along_rows_and_its_dot_products_in_strips(monkeypatch, tmp_path):
    args = _steps_args(8)
    new, src = _grad(projected_steps, args, ["A", "b", "x0"])
    layer = re.search(r"(\w+)_bar kept per (\w+): the loop over (\w+) then runs \2 innermost, along rows", src)
    assert layer, src
    # the inputs' dot products four rows at a time, in the reverse of the loop over steps
    assert re.search(r"for it in range\(4, -1, -1\):(.*\n)*?.*4 rows at a time: their sums over "
                     + layer.group(2), src), src
    with monkeypatch.context() as m:
        old, old_src = _grad(projected_steps, args, ["A", "b", "x0"], keep=("distribute_adjoint_layers",),
                             monkeypatch=m, tmp_path=tmp_path)
    assert "innermost, along rows" not in old_src
    for a, b in zip(new, old):  # each element's terms in the same order: the same bits
        np.testing.assert_array_equal(a, b)
    for got, k in zip(new, (0, 1, 2)):
        np.testing.assert_allclose(got, central_differences(projected_steps, args, k), rtol=1e-5, atol=1e-6)
