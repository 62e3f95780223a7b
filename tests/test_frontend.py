"""Frontend behaviour that is accepted (not refused) but was easy to get wrong:
a `continue` in a while loop, one-line bodies, `...` bodies of helpers, frozen
closures, math.nan."""

from __future__ import annotations

import math

import pytest

import nsadc
from helpers import check_against_fd


def while_continue(x, n: int):
    k = 0
    s = 0.0
    while k < n and s < 100.0:  # a test that needs statements: they must run after `continue`
        k += 1
        if k > 2:
            continue
        s += x * k
    return s


def while_continue_break(x, n: int):
    k = 0
    s = x
    while k < n and abs(s) < 50.0:
        k += 1
        if k % 2 == 0:
            continue
        if s > 20.0:
            break
        s = s * 1.5 + x
    return s


def one_line_bodies(x, y):
    if x > y: return x * y  # noqa: E701
    t = x; u = y  # noqa: E702
    return t - u * 0.5


def while_true_return(x):
    s = x
    while True:
        s = s * 0.5
        if abs(s) < 0.1:
            return s + x


def nan_guard(x):
    if x > 1e300:
        return math.nan
    return x * x


@pytest.mark.parametrize("fn,args", [
    (while_continue, (1.5, 0)), (while_continue, (1.5, 5)), (while_continue, (-0.7, 9)),
    (while_continue_break, (0.9, 7)), (while_continue_break, (-1.3, 12)),
    (one_line_bodies, (0.4, 1.1)), (one_line_bodies, (1.4, 0.3)),
    (while_true_return, (3.3,)), (nan_guard, (0.7,)),
], ids=lambda v: getattr(v, "__name__", None))
def test_accepted_constructs_are_right(fn, args, target):
    d = nsadc.differentiate(fn, target=target)
    assert d(*args) == pytest.approx(fn(*args), rel=1e-12, abs=1e-12)
    check_against_fd(d, fn, args)


def make_scaled(a):
    def scaled(x):
        return a * x * x

    return scaled


def test_unchanging_closure_is_frozen():
    d = nsadc.differentiate(make_scaled(3.0), target="python")
    assert d(2.0) == pytest.approx(12.0)
    assert d.grad(2.0) == pytest.approx(12.0)
