"""A min or max of three or more whose operand is carried from the loop's
previous iteration combines that operand last (nsadc/passes/extrema_order.py):
the emitted order, values and gradients against central differences, and
against the code with the pass left out (values equal, gradients equal to
the last bit, at ties and on NaN)."""

import inspect
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
import nsadc.pipeline as pipeline
from helpers import central_differences

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import extrema_order as programs  # noqa: E402

_ids = lambda v: getattr(v, "__name__", "")  # noqa: E731


def _value_and_grad(fn, args, unordered=False, monkeypatch=None, tmp_path=None):
    if unordered:
        monkeypatch.setattr(pipeline, "OPTIMISATION_PASSES",
                            [p for p in pipeline.OPTIMISATION_PASSES if p.name != "order_extrema_operands"])
        monkeypatch.setenv("NSADC_CACHE_DIR", str(tmp_path))
    d = nsadc.differentiate(fn, target="python")
    value, g = d.value_and_grad(*args)
    (k,) = d._specs.values()
    return value, [np.asarray(a) for a in (g if isinstance(g, tuple) else (g,))], inspect.getsource(k.grad)


@pytest.mark.parametrize("fn, last", [
    (programs.warping, r"D_i_j_minus_1\w*"),  # D[i, j - 1]: the cell the previous iteration stored
    (programs.running_best, r"best"),         # the running maximum itself
    (programs.smith_waterman, r"left"),       # H[i, j - 1] - 0.6, through a name
    (programs.backwards_costs, r"total"),     # c[i + 1] + abs(x[i]), counting down
], ids=lambda v: getattr(v, "__name__", ""))
def test_the_carried_operand_is_combined_last(fn, last):
    _, _, src = _value_and_grad(fn, programs.arguments(fn, np.random.default_rng(0)))
    forward = src.split("# reverse sweep")[0]
    assert re.search(rf"np\.(minimum|maximum)\((np\.\w+\()+[^\n]*\), {last}\)\n", forward), forward


@pytest.mark.parametrize("fn", programs.CARRIED, ids=_ids)
def test_values_and_gradients_match_the_code_as_written(fn, monkeypatch, tmp_path):
    rng = np.random.default_rng(1)
    for args in (programs.arguments(fn, rng), programs.arguments(fn, rng, integers=True)):
        value, grads, _ = _value_and_grad(fn, args)
        with monkeypatch.context() as m:
            old_value, old_grads, _ = _value_and_grad(fn, args, unordered=True, monkeypatch=m, tmp_path=tmp_path)
        assert value == old_value == pytest.approx(fn(*args), rel=1e-13)
        for g, h in zip(grads, old_grads):
            np.testing.assert_array_equal(g, h)
    args = programs.arguments(fn, np.random.default_rng(2))
    _, grads, _ = _value_and_grad(fn, args)
    for k, g in enumerate(grads):
        np.testing.assert_allclose(g, central_differences(fn, args, k), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", programs.CARRIED, ids=_ids)
def test_nan_in_nan_out_whatever_the_order(fn):
    args = programs.arguments(fn, np.random.default_rng(3))
    args[0][1] = np.nan
    d = nsadc.differentiate(fn, target="python")
    with np.errstate(invalid="ignore"):
        value, _ = d.value_and_grad(*args)
    assert np.isnan(value)
