"""Every primitive and construct of the scalar subset, in both modes and both
targets, against central finite differences at generic points."""

import math
import random

import pytest

import nsadc
from helpers import check_against_fd
from programs.constructs import CONSTRUCT_CASES
from programs.primitives import PRIMITIVE_FUNCTIONS

GENERIC_POINTS = [(0.63, 1.37), (1.21, 0.43), (-0.37, 0.81), (0.29, -0.58)]
# domains: some primitives need positive or bounded arguments
POSITIVE = {"p_div", "p_pow", "p_exp_log", "p_log1p_expm1", "p_sqrt", "p_math_pow", "p_inverse_trig"}


@pytest.mark.parametrize("fn", PRIMITIVE_FUNCTIONS, ids=lambda f: f.__name__)
def test_primitive_matches_finite_differences(fn, target):
    d = nsadc.differentiate(fn, target=target)
    points = GENERIC_POINTS if fn.__name__ not in POSITIVE else [(abs(a), abs(b)) for a, b in GENERIC_POINTS]
    for args in points:
        check_against_fd(d, fn, args)


@pytest.mark.parametrize("fn,args", CONSTRUCT_CASES,
                         ids=[f"{f.__name__}-{i}" for i, (f, _) in enumerate(CONSTRUCT_CASES)])
def test_construct_matches_finite_differences(fn, args, target):
    d = nsadc.differentiate(fn, target=target)
    check_against_fd(d, fn, args)
    assert d(*args) == pytest.approx(fn(*args), rel=1e-12, abs=1e-12)


def test_random_generic_points_python_target():
    rng = random.Random(7)
    from programs.constructs import c_recurrence, c_early_return
    for fn, n in ((c_recurrence, 17), (c_early_return, 6)):
        d = nsadc.differentiate(fn, target="python")
        for _ in range(20):
            args = (rng.uniform(-1, 1), rng.uniform(-1, 1), n)
            check_against_fd(d, fn, args, rtol=1e-4, atol=1e-5)


def test_parameter_outside_wrt_overwritten_later(target):
    """Its incoming value has tangent 0 (forward and Clarke mode read the
    tangent before the assignment that makes it active)."""
    from programs.constructs import c_overwritten_constant_param as fn

    d = nsadc.differentiate(fn, wrt="x", target=target)
    check_against_fd(d, fn, (0.7, 3.0))
    assert d.clarke_grad(0.7, 3.0) == pytest.approx(3.0 * math.cos(0.7) + 1.4, rel=1e-12)
