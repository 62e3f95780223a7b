"""Loop nests that update an array in place and read a row a later iteration
of the outer loop overwrites (``u[i, j] = f(u[i + 1, j])``): the reverse
sweep must put the row's elements back before it re-reads them.  These
gradients were wrong (the row read was taken for one an earlier iteration
wrote); beside them, nests whose row read an earlier iteration did write,
and a nest of sweeps restoring rows and elements at three levels.  Values
and gradients against the plain function and central differences, on both
targets."""

import sys
from pathlib import Path

import pytest

from helpers import check_program_gradient

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import rows_ahead  # noqa: E402


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("name", rows_ahead.NAMES)
def test_gradient_matches_central_differences(name, target):
    check_program_gradient(getattr(rows_ahead, name), rows_ahead.arguments(name), target)
