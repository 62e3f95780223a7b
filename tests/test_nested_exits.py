"""Three-level loop nests updating an array in place whose innermost loop
can stop early (``break``, a ``while`` on the element, a helper's ``return``
from two loops deep), inside a pass or time loop.  Their gradients were
wrong (the middle loop, which keeps the array whole per iteration, was left
out of the outer loop's re-run, so its reverse popped what no run had
pushed) or their emitted code did not run.  Values and gradients against
the plain function and central differences, on both targets."""

import inspect
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from test_regressions import central_differences

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import nested_exits  # noqa: E402


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("name", nested_exits.NAMES)
def test_gradient_matches_central_differences(name, target):
    fn = getattr(nested_exits, name)
    args = nested_exits.arguments(name)
    params = list(inspect.signature(fn).parameters)
    positions = tuple(k for k, a in enumerate(args) if isinstance(a, (float, np.ndarray)))
    d = nsadc.differentiate(fn, wrt=[params[k] for k in positions], target=target)
    value, grads = d.value_and_grad(*args)
    grads = grads if len(positions) > 1 else (grads,)  # one wrt name: its gradient alone
    assert value == pytest.approx(fn(*args), rel=1e-12)
    want = central_differences(fn, args, positions)
    assert len(grads) == len(want)
    for got, expected in zip(grads, want):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)
