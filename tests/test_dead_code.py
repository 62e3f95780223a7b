"""``grad`` computes no value (nsadc.passes.dead_code): the reverse function without
the value's computation, and what only the value read."""

from __future__ import annotations


import numpy as np
import pytest

import nsadc
from helpers import load_function
from nsadc.pipeline import compile_function


def _load(tmp_path, text, name):
    return load_function(tmp_path, text, name)


CHAINED = """
    def chained(x):
        s = 0.0
        for i in range(x.shape[0] - 1):
            s += max(x[i], x[i + 1]) + abs(x[i] - 0.5)
        return s
"""


def _grad_source(fn, *args):
    d = nsadc.differentiate(fn, target="python")
    comp = compile_function(*d._source(), d.wrt, d.policy, d._env, d._bind(args)[1])
    from nsadc.emit import function_source
    return function_source(comp.grad)


def test_the_value_chain_is_gone(tmp_path):
    fn = _load(tmp_path, CHAINED, "chained")
    text = _grad_source(fn, np.ones(5))
    assert "def chained_grad(x, s_bar):" in text
    assert "s +=" not in text and "return (" in text, text


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_grad_agrees_with_value_and_grad(tmp_path, target):
    fn = _load(tmp_path, CHAINED, "chained")
    d = nsadc.differentiate(fn, target=target)
    x = np.array([0.3, -1.2, 0.8, 1.7, -0.1, 0.55])
    g = d.grad(x)
    value, g2 = d.value_and_grad(x)
    assert value == pytest.approx(fn(x))
    np.testing.assert_array_equal(g, g2)
    np.testing.assert_array_equal(d.grad(x), g)  # the repeated call
    assert d.compiled(x).grad is not None


def test_values_a_tape_or_a_branch_needs_stay(tmp_path):
    fn = _load(tmp_path, """
        def recurrence(x, a):
            z = 0.5
            s = 0.0
            for i in range(x.shape[0]):
                z = math.tanh(a * z + x[i])
                if z > 0.2:
                    s += z * z
                else:
                    s += 0.1 * z
            return s
    """, "recurrence")
    d = nsadc.differentiate(fn, target="python")
    x = np.array([0.3, -1.2, 0.8, 1.7])
    g = d.grad(x, 0.7)
    _, g2 = d.value_and_grad(x, 0.7)
    np.testing.assert_allclose(g[0], g2[0], rtol=0, atol=0)
    assert g[1] == g2[1]
