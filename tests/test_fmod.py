"""``math.fmod(x, y)`` (and ``np.fmod``) truncates where ``%`` floors: its
value has the sign of ``x``, its slope in ``y`` is ``-trunc(x / y)``.  It
was refused (the table had mapped it to ``%``, which differs for operands of
mixed sign); now a rule of its own, with its jumps in the kink report."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nsadc
from helpers import check_program_gradient, load_function

TEXT = """
import math
import numpy as np


def scaled_remainder(x, y):
    return math.fmod(x, y) * x


def sawtooth_loss(t, p):
    s = 0.0
    for i in range(t.shape[0]):
        phase = math.fmod(t[i] * 3.0, p)
        s += abs(phase - 0.5 * p)
    return s


def elementwise(t, p):
    return np.sum(np.fmod(t, p) ** 2)
"""


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("x, y", [(5.3, 2.0), (-5.3, 2.0), (5.3, -2.0), (-5.3, -2.1)])
def test_signs_of_both_operands(tmp_path, target, x, y):
    f = load_function(tmp_path, TEXT, "scaled_remainder")
    value, (gx, gy) = nsadc.differentiate(f, target=target).value_and_grad(x, y)
    assert value == f(x, y)
    r = math.fmod(x, y)
    assert gx == pytest.approx(r + x) and gy == pytest.approx(-math.trunc(x / y) * x)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("name", ["sawtooth_loss", "elementwise"])
def test_in_loops_and_on_arrays(tmp_path, target, name):
    t = np.random.default_rng(2).normal(size=7) * 3.0
    check_program_gradient(load_function(tmp_path, TEXT, name), (t, 1.3), target)


def test_a_jump_is_reported(tmp_path):
    f = load_function(tmp_path, TEXT, "scaled_remainder")
    _, report = nsadc.differentiate(f, target="python").grad(4.0, 2.0, report=True)
    assert not report.exact and [(k.primitive, k.kind) for k in report.kinks] == [("fmod", "jump")]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_the_slope_in_y_past_the_int_range(tmp_path, target):
    # -trunc(x / y) with |x / y| > 2**63: an int trunc overflowed on cpu (-9.2e18)
    f = load_function(tmp_path, TEXT, "scaled_remainder")
    for x, y in ((1e19, 0.75), (-1e19, 0.75)):
        gy = nsadc.differentiate(f, target=target).grad(x, y)[1]
        assert gy == pytest.approx(-math.trunc(x / y) * x, rel=1e-15)
