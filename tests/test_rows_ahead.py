"""Loop nests that update an array in place and read a row a later iteration
of the outer loop overwrites (``u[i, j] = f(u[i + 1, j])``): the reverse
sweep must put the row's elements back before it re-reads them.  These
gradients were wrong (the row read was taken for one an earlier iteration
wrote); beside them, nests whose row read an earlier iteration did write,
and a nest of sweeps restoring rows and elements at three levels.  Values
and gradients against the plain function and central differences, on both
targets."""

import inspect
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from test_regressions import central_differences

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import rows_ahead  # noqa: E402


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("name", rows_ahead.NAMES)
def test_gradient_matches_central_differences(name, target):
    fn = getattr(rows_ahead, name)
    args = rows_ahead.arguments(name)
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
