"""A reverse sweep that re-runs a step of a time loop runs the step's inner
loops forwards, then backwards.  Where an inner loop only overwrites its own
element of a state array, the reverse loop puts each element back before it
reads it, so the forward run, its element tape and its stores go.  Values
against central differences on both targets, look-alikes the rule must
leave alone (another element read or written, the element read back after
its store, a store under a test, an index array), and the emitted shape."""

import inspect
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from test_regressions import central_differences

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import undone_reruns  # noqa: E402


def _case(name):
    fn = getattr(undone_reruns, name)
    args = undone_reruns.arguments(name)
    params = list(inspect.signature(fn).parameters)
    wrt = [p for p, a in zip(params, args)
           if isinstance(a, float) or isinstance(a, np.ndarray) and a.dtype == np.float64]
    return fn, args, wrt, tuple(params.index(w) for w in wrt)


def _reverse_sweep(name):
    fn, args, wrt, _ = _case(name)
    src = nsadc.differentiate(fn, wrt=wrt, target="python").source("reverse", *args)
    return src[src.index("# reverse sweep"):]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("name", undone_reruns.FIRES + undone_reruns.LOOK_ALIKES)
def test_gradient_matches_central_differences(name, target):
    fn, args, wrt, positions = _case(name)
    d = nsadc.differentiate(fn, wrt=wrt, target=target)
    value, grads = d.value_and_grad(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    want = central_differences(fn, args, positions)
    assert len(grads) == len(want) == len(wrt)
    for got, expected in zip(grads, want):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(np.concatenate([np.ravel(g) for g in d.grad(*args)]),
                               np.concatenate([np.ravel(g) for g in grads]), rtol=1e-13, atol=0.0)


@pytest.mark.parametrize("name", undone_reruns.FIRES)
def test_the_inner_loop_keeps_no_element_tape(name):
    sweep = _reverse_sweep(name)
    assert not re.search(r"\w+_elements\[", sweep), sweep


@pytest.mark.parametrize("name", undone_reruns.RERUN_GONE)
def test_the_reverse_sweep_does_not_rerun_the_inner_loop_forwards(name):
    sweep = _reverse_sweep(name)
    # one inner loop per step left: its reverse, counting down
    assert re.findall(r"for \w+ in range\((.*)\):", sweep.split("re-run the iteration", 1)[1])[0].endswith("-1, -1")


@pytest.mark.parametrize("name", undone_reruns.LOOK_ALIKES[1:])
def test_look_alikes_keep_the_element_tape(name):
    assert re.search(r"\w+_elements\[", _reverse_sweep(name))
