"""NaN in, NaN out: a NaN reaching a kink primitive makes its value and every
partial derivative of it NaN, in every mode, whatever the operands' order
(Python's own max keeps or drops a NaN by position; the selections, whose
comparisons with NaN are false, would otherwise pick a side)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nsadc
from helpers import load_function

NAN = float("nan")

PROGRAMS = {
    "max_first": "def f(x, y):\n    return max(0.0, x) + y\n",
    "max_second": "def f(x, y):\n    return max(x, 0.0) + y\n",
    "max_both": "def f(x, y):\n    return max(x, y)\n",
    "max_three": "def f(x, y):\n    return max(x, 1.0, y)\n",
    "min_both": "def f(x, y):\n    return min(y, x)\n",
    "np_maximum": "def f(x, y):\n    return np.maximum(x, y * y)\n",
    "abs": "def f(x, y):\n    return abs(x) * y\n",
    "clip": "def f(x, y):\n    return np.clip(x, -1.0, 1.0) + y\n",
    "hypot": "def f(x, y):\n    return math.hypot(x, 2.0) + y\n",
}
TARGETS = ["python", pytest.param("cpu", marks=pytest.mark.slow)]


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_nan_in_nan_out(tmp_path, name, target):
    f = load_function(tmp_path, PROGRAMS[name], "f")
    d = nsadc.differentiate(f, target=target)
    value, (gx, gy) = d.value_and_grad(NAN, 0.5)
    assert math.isnan(value)
    assert math.isnan(gx)  # the partial with respect to the NaN operand
    _, dot = d.jvp((NAN, 0.5), (1.0, 0.0))
    assert math.isnan(dot)
    _, (ax, _) = d.vjp((NAN, 0.5), 2.0)
    assert math.isnan(ax)
    assert math.isnan(d.clarke_grad(NAN, 0.5)[0])
    _, rep = d.grad(NAN, 0.5, report=True)
    assert not rep.exact and rep.nan[:2] == ["x", "value"]
    # away from NaN nothing changed: the same numbers as before, finite
    value, g = d.value_and_grad(0.3, 0.5)
    assert value == f(0.3, 0.5) and all(math.isfinite(v) for v in g)


@pytest.mark.parametrize("target", TARGETS)
def test_a_nan_operand_makes_every_operands_partial_nan(tmp_path, target):
    """max(x, y) with y NaN: the partial in x depends on the NaN too."""
    f = load_function(tmp_path, PROGRAMS["max_both"], "f")
    d = nsadc.differentiate(f, target=target)
    assert all(math.isnan(g) for g in d.grad(1.0, NAN))
    assert all(math.isnan(g) for g in d.grad(NAN, 1.0))


def test_only_the_entries_that_depend_on_a_nan_are_nan(tmp_path):
    f = load_function(tmp_path, "def f(x):\n    s = 0.0\n    for i in range(x.shape[0]):\n"
                      "        s += abs(x[i]) + max(x[i], 0.0)\n    return s\n", "f")
    d = nsadc.differentiate(f, target="python")
    g = d.grad(np.array([1.0, NAN, -1.0]))
    assert g[0] == 2.0 and math.isnan(g[1]) and g[2] == -1.0
    assert math.isnan(d(np.array([1.0, NAN, -1.0])))


def test_the_emitted_code_says_what_it_computes(tmp_path):
    f = load_function(tmp_path, PROGRAMS["max_second"], "f")
    src = nsadc.differentiate(f, target="python").source("forward")
    assert "np.maximum(x, 0.0)" in src  # computed so that a NaN stays (the cpu module's _maximum: test_backends)
    assert "# kink: max(x, 0.0)" in src  # named as written
    assert "math.nan" in src


@pytest.mark.parametrize("target", TARGETS)
def test_a_max_of_three_carries_nan_through_its_share(tmp_path, target):
    """max(x, y, z): a NaN operand ties with nothing, its share is NaN, and each
    partial, a product with the share, is NaN: no selection tests it; away from
    NaN a tie shares the derivative equally."""
    f = load_function(tmp_path, "def f(x, y, z):\n    return max(x * 2.0, y, z)\n", "f")
    d = nsadc.differentiate(f, target=target)
    src = d.source("reverse")
    assert "share_" in src and "no_nan" not in src and "math.nan" in src
    for point in [(NAN, 1.0, 0.0), (0.0, NAN, 1.0), (0.0, 1.0, NAN)]:
        assert all(math.isnan(g) for g in d.grad(*point)), point
    assert d.grad(0.5, 2.0, 2.0) == (0.0, 0.5, 0.5)  # y and z tie: half each
    assert d.grad(1.0, 2.0, 0.5) == (1.0, 0.5, 0.0)  # 2.0 * x == y: half each (times 2 for x)
    assert d.grad(1.0, 2.0, 2.0) == (2.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0)  # a three-way tie
    assert d.grad(3.0, 2.0, 0.5) == (2.0, 0.0, 0.0)


def test_a_selection_inside_a_selection_is_written_as_calls(tmp_path):
    """max(x, y)'s tie share sits inside its NaN test: the nest is written as
    _select calls (Numba compiles nested conditional expressions to branches,
    which mispredict on data that goes both ways); a lone selection stays a
    conditional expression, and the values are the same."""
    f = load_function(tmp_path, "def f(x, y):\n    return max(x, y) + abs(x)\n", "f")
    d = nsadc.differentiate(f, target="python")
    src = d.source("reverse")
    assert "_select((x == x) * (y == y), _select(x != y, " in src
    assert "def _select(c, a, b):" in src
    assert " if x != 0.0 else 0.0" in src  # abs's selection: alone, a conditional expression
    assert d.grad(1.0, 1.0) == (1.5, 0.5) and d.grad(2.0, 1.0) == (2.0, 0.0)
    assert all(math.isnan(g) for g in d.grad(NAN, 1.0))


@pytest.mark.parametrize("compiled", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_the_max_and_min_helpers_pass_a_nan_on_and_keep_pythons_choice(compiled):
    """The emitted module's float max and min: NaN in either place gives NaN
    (as np.maximum), otherwise Python's max and min, the first of tied
    operands included (the sign of a zero tells which)."""
    from nsadc.emit import EXTREMA_HELPERS
    scope: dict = {}
    exec("\n\n".join(EXTREMA_HELPERS.values()), scope)  # noqa: S102
    helpers = {"max": (scope["_maximum"], max), "min": (scope["_minimum"], min)}
    if compiled:
        import numba
        helpers = {k: (numba.njit(h), py) for k, (h, py) in helpers.items()}
    values = [NAN, -math.inf, -1.5, -0.0, 0.0, 2.0, math.inf]
    for name, (helper, python) in helpers.items():
        for a in values:
            for b in values:
                got = helper(a, b)
                if math.isnan(a) or math.isnan(b):
                    assert math.isnan(got), (name, a, b)
                else:
                    want = python(a, b)
                    assert got == want and math.copysign(1.0, got) == math.copysign(1.0, want), (name, a, b)


@pytest.mark.parametrize("target", TARGETS)
def test_a_variable_named_like_a_helper_keeps_numpys_spelling(tmp_path, target):
    f = load_function(tmp_path, "def f(x):\n    _maximum = 0.0\n    for i in range(x.shape[0]):\n"
                      "        _maximum = max(_maximum, x[i] * x[i])\n    return _maximum + min(x[0], 0.5)\n", "f")
    d = nsadc.differentiate(f, target=target)
    x = np.array([0.3, -1.2, 0.7])
    np.testing.assert_array_equal(d.grad(x), [1.0, -2.4, 0.0])
    src = d.source("reverse", x)
    assert "np.minimum(" in src and "def _minimum" not in src
