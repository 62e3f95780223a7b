"""An array a name takes on every path of an ``if`` (``if c: r =
np.zeros_like(v) else: r = np.clip(v, lo, hi)``, ``elif`` chains included),
outside loops: one array, made at the function's entry from the arguments'
shapes, takes the values of whichever binding runs.  A name bound on some
paths only and read after is still refused with its location.  Gradients
against central differences on both targets, each branch taken."""

import numpy as np
import pytest

import nsadc
from test_regressions import check


def shrink_or_clip(v, c):
    if np.sum(np.abs(v)) <= c:
        r = np.zeros_like(v)
    else:
        r = np.clip(v, -0.5, 0.5)
    return np.sum(r * v) + c * np.sum(r)


def three_ways(v, c):
    if c > 0.0:
        r = v * c
    elif c < -1.0:
        r = np.zeros(v.shape[0])
    else:
        r = np.abs(v) - c
    return np.sum(r * r)


def nested(X, c):
    if c > 0.0:
        if np.sum(X) > 0.0:
            M = X * c
        else:
            M = np.maximum(X, 0.0)
    else:
        M = X.copy()
    return np.sum(M * X)


def one_path_only(v, c):
    if c > 0.0:
        r = v * c
    s = np.sum(r)
    return s


V = np.array([0.3, -2.0, 1.0])
CASES = [
    (shrink_or_clip, (V, 1.0)), (shrink_or_clip, (V, 5.0)),
    (three_ways, (V, 0.7)), (three_ways, (V, -3.0)), (three_ways, (V, -0.5)),
    (nested, (np.array([[0.5, -0.2], [0.1, 0.4]]), 0.8)), (nested, (np.array([[-0.5, -0.2], [0.1, 0.4]]), 0.8)),
    (nested, (np.array([[0.5, -0.2], [0.1, 0.4]]), -0.8)),
]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn, args", CASES, ids=[f"{c[0].__name__}-{k}" for k, c in enumerate(CASES)])
def test_an_array_bound_on_every_path(fn, args, target):
    check(fn, args, target)


def test_an_array_bound_on_one_path_and_read_after_is_refused():
    with pytest.raises(nsadc.NsadcError, match="'r' may be read before it is assigned") as e:
        nsadc.differentiate(one_path_only, target="python").grad(V, 1.0)
    assert "test_branch_arrays.py:" in str(e.value)
