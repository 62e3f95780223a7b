"""What a counter (a name bound to int literals and stepped by them: ``i =
0``, ``i += 1``) is compared with in a ``while`` test is a count, so an
argument used only there (``while i < n``) is an int, as one bounding a
``range()`` is. It was taken for a float and differentiated: at the loop's
exit ``i == n`` exactly, so Clarke mode (and ``kinks="auto"``) read a tie
there and differentiated one iteration more than the function ran."""

import pytest

import nsadc
from nsadc.errors import ArgumentError


def halvings(x, n):
    i = 0
    while i < n:
        x = x * 0.5 + 1.0
        i += 1
    return x


def until_small(x, tol, max_iter):
    it = 0
    while it < max_iter and abs(x) > tol:
        x = x - 0.5 * x + 0.1 * abs(x - 1.0)
        it = it + 1
    return x


def test_the_count_is_an_int():
    d = nsadc.differentiate(halvings, target="python")
    assert list(d.wrt) == ["x"]
    assert d.grad(3.0, 2) == pytest.approx(0.25)
    assert d.clarke_grad(3.0, 2) == pytest.approx(0.25)
    assert nsadc.differentiate(halvings, target="python", kinks="auto").grad(3.0, 2) == pytest.approx(0.25)


def test_a_float_count_is_refused():
    with pytest.raises(ArgumentError, match="a count a loop's counter runs to"):
        nsadc.differentiate(halvings, target="python").grad(3.0, 2.5)


def test_tolerances_stay_floats():
    d = nsadc.differentiate(until_small, target="python")
    assert list(d.wrt) == ["x", "tol"]
    g = d.grad(3.0, 1e-3, 5)
    h = 1e-6
    fd = (until_small(3.0 + h, 1e-3, 5) - until_small(3.0 - h, 1e-3, 5)) / (2 * h)
    assert g[0] == pytest.approx(fd, rel=1e-6)
