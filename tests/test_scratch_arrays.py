"""A work array each time step fills before reading it (the next state of
an explicit scheme) is not taped: the reverse re-runs a step's stores into it
before its reads (nsadc/transforms/reverse_plan.py, ``_scratch``).  Arrays a
step reads before filling keep their element tape, or the whole array per
step (also where one end is stored straight beside the loop that fills the
rest).  Gradients against central differences, on both targets."""

import inspect
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from helpers import central_differences

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import time_steps as programs  # noqa: E402


def _args(fn, seed):
    rng = np.random.default_rng(seed)
    u0 = rng.uniform(-1.0, 1.0, 9)
    if fn is programs.heat_clip:
        return u0, 0.2, -0.5, 0.55, 6
    if fn is programs.relu_relax:
        return u0, 0.7, 5
    if fn is programs.lagged:
        return u0, 0.3, 5
    return u0, 0.2, 5


def _grad(fn, args, target):
    wrt = [p for p, a in zip(inspect.signature(fn).parameters, args) if not isinstance(a, int)]
    d = nsadc.differentiate(fn, wrt=wrt, target=target)
    g = d.grad(*args)
    (k,) = d._specs.values()
    return (g if isinstance(g, tuple) else (g,)), inspect.getsource(k.grad.py_func if target == "cpu" else k.grad)


def _checked_source(fn):
    """The emitted gradient's source, once its values agree with central
    differences at three points."""
    for seed in range(3):
        args = _args(fn, seed)
        g, src = _grad(fn, args, "python")
        for k, gk in enumerate(g):
            np.testing.assert_allclose(gk, central_differences(fn, args, k), rtol=1e-5, atol=1e-6)
    return src


@pytest.mark.parametrize("fn", programs.FILLED_FIRST, ids=lambda f: f.__name__)
def test_a_work_array_filled_before_it_is_read_keeps_no_tape(fn):
    src = _checked_source(fn)
    work = "un" if fn is programs.heat_clip else "w"
    assert f"{work}_elements" not in src  # no element tape: the re-run stores again
    assert f"        {work}[i] = " in src.split("# reverse sweep")[1]


@pytest.mark.parametrize("fn", programs.READ_STALE, ids=lambda f: f.__name__)
def test_a_work_array_read_before_it_is_filled_keeps_its_tape(fn):
    src = _checked_source(fn)
    assert "un_elements" in src or "array_tape" in src  # its elements, or the whole array, kept


@pytest.mark.slow
@pytest.mark.parametrize("fn", programs.FILLED_FIRST + programs.READ_STALE, ids=lambda f: f.__name__)
def test_compiled_equals_python(fn):
    args = _args(fn, 4)
    g_python, _ = _grad(fn, args, "python")
    g_cpu, _ = _grad(fn, args, "cpu")
    for a, b in zip(g_cpu, g_python):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_the_covering_check_ends_where_spans_send_it_back_and_forth():
    """[0, n) then [n - 1, 5) then [0, n) again ...: the ends are not ordered
    (5 may be below n), so the walk up from 0 must not revisit a point (the
    first version looped for ever)."""
    from nsadc.ir.nodes import Var
    from nsadc.transforms.reverse_plan import _spans_cover

    n = Var("n")
    spans = [({}, {n: 1}), ({n: 1, None: -1}, {None: 5})]
    assert not _spans_cover(spans, {}, {n: 1, None: 7})
    # the interior, then both ends of a time step's next state, cover it
    heat = [({None: 1}, {n: 1, None: -1}), ({}, {None: 1}), ({n: 1, None: -1}, {n: 1})]
    assert _spans_cover(heat, {}, {n: 1})
    assert not _spans_cover(heat[:2], {}, {n: 1})
