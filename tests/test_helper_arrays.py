"""Functions of the file that return arrays or tuples of arrays: the caller's
names stand for the arrays the helper returns from its last statement (an
array the helper makes, called in a loop, is one array refilled by each
iteration).  An array returned early from one top-level ``if`` is the result
of that ``if``'s branch (the helper reads as one ``if``/``else``); a name
that takes helper arrays in branches is one array, made at the entry, that
each branch fills.  A helper that writes into its array parameter and also
binds it anew is refused with a located message (which writes reach the
caller's array would depend on the path taken)."""

from __future__ import annotations

import numpy as np
import pytest

import nsadc
from programs import helper_arrays as P
from test_regressions import check

_rng = np.random.default_rng(3)
X, w, y, x = _rng.normal(size=(5, 3)), _rng.normal(size=3), _rng.normal(size=5), _rng.normal(size=4)

CASES = {
    "l1_fit": (w, X, y), "moment_loss": (x,), "centered_hinge": (x,), "centered_inline": (x,),
    "centered_twice": (x,), "asymmetric": (x,), "passthrough": (x,), "scaled_in_loop": (x,),
    "helper_array_in_loop": (x,), "written_result": (x,), "early_array_return": (x,),
    "result_in_branch": (x,),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_helper_arrays(name):
    check(getattr(P, name), CASES[name], "python")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_helper_arrays_compiled(name):
    check(getattr(P, name), CASES[name], "cpu")


@pytest.mark.parametrize("name, message", [
    ("written_and_bound", r"helper_arrays.py:\d+:\d+: _zero_first_then_scale\(\) writes into its array parameter 'v'"),
])
def test_refused(name, message):
    with pytest.raises(nsadc.NsadcError, match=message):
        nsadc.differentiate(getattr(P, name), target="python").grad(x)


def _add_into(y, v):
    y += v
    return 0.0


def added_by_a_helper_statement(y, x):
    _add_into(y, x)
    return np.sum(x * y)


def test_a_helper_adding_into_its_array_called_as_a_statement():
    # refused before the call (ranks guessed: `y += v` read as numbers) as a call whose result is unused
    y = np.ones(3)
    x = np.arange(3.0)
    d = nsadc.differentiate(added_by_a_helper_statement, wrt=["x"], target="python")
    value, g = d.value_and_grad(y, x)
    assert value == added_by_a_helper_statement(np.ones(3), x)
    np.testing.assert_allclose(g, y + 2.0 * x)
    np.testing.assert_array_equal(y, np.ones(3))
