"""A ``for`` loop over a 1-D array expression (``img.flatten()``, ``x[1:]``,
``np.abs(x)``, ``zip(S[1:], h)``): Python evaluates it once, before the
loop, so it is computed into an array of its own and the loop runs over
that. It was refused ("for loops must run over range(...)", or "not the
rows of a 2-D one" for a 1-D slice). A loop that writes into the array the
expression reads stays refused: over a view (``x[1:]``) Python would see
the writes."""

import numpy as np
import pytest

import nsadc

from helpers import check_program_gradient


def flattened(img):
    s = 0.0
    for v in img.flatten():
        s += abs(v)
    return s


def hedged(S, h):
    tot = 0.0
    for s, hh in zip(S[1:], h):
        tot += hh * abs(s)
    return tot


def tail_and_magnitudes(x):
    tot = 0.0
    for k, v in enumerate(np.abs(x - 0.3)):
        tot += max(v, 0.2) * (k + 1)
    for v in x[1:]:
        tot += v * v
    return tot


def writes_what_it_runs_over(x):
    y = x.copy()
    for v in y[1:]:
        y[0] += v
    return np.sum(y)


rng = np.random.default_rng(6)


@pytest.mark.parametrize("fn, args", [
    (flattened, (np.arange(6.0).reshape(2, 3) - 2.5,)),
    (hedged, (rng.standard_normal(5), rng.standard_normal(4))),
    (tail_and_magnitudes, (rng.standard_normal(6),)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_value_and_gradient(fn, args):
    check_program_gradient(fn, args, "python")


def test_a_loop_writing_the_array_it_runs_over_is_refused():
    with pytest.raises(nsadc.NsadcError, match=r"test_loops_over_expressions.py:\d+:\d+"):
        nsadc.differentiate(writes_what_it_runs_over, target="python").grad(rng.standard_normal(4))
