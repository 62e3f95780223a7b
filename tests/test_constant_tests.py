"""Tests with one outcome are decided before differentiation (nsadc.passes.constants):
the branch that cannot run is gone from every emitted function."""

from __future__ import annotations

import math

import nsadc
from helpers import load_function


def test_a_constant_test_keeps_only_its_branch(tmp_path):
    f = load_function(tmp_path, """
        def f(x):
            if (0.75) ** 3 > 0.3:
                y = math.sin(x)
            else:
                y = math.cos(x) + abs(x)
            return y
    """, "f")
    d = nsadc.differentiate(f, target="python")
    for mode in ("forward", "reverse"):
        src = d.source(mode)
        assert "abs" not in src and "if " not in src, src
    assert d.grad(0.4) == math.cos(0.4)


def test_a_name_constant_on_every_path_decides_the_test(tmp_path):
    f = load_function(tmp_path, """
        def f(x, w):
            t = -0.4
            t, w = w, t
            if 0.3 > w:
                k = 0
            else:
                x = x * x
            return x + t
    """, "f")
    d = nsadc.differentiate(f, target="python")
    assert "x * x" not in d.source("reverse")
    assert d.grad(1.5, 2.0) == (1.0, 1.0)


def test_a_test_that_depends_on_the_arguments_stays(tmp_path):
    f = load_function(tmp_path, """
        def f(x):
            c = 1.0
            for i in range(3):
                c = c * x
            if c > 0.5:
                return c
            return -c
    """, "f")
    d = nsadc.differentiate(f, target="python")
    assert d.grad(1.0) == 3.0 and d.grad(0.5) == -0.75

