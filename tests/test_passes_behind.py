"""In-place sweeps from the element behind, repeated by a pass loop
(``for t: for j: x[j] += f(x[j - 1])``): their reverse gradients were wrong,
the element read taken for one only an earlier iteration writes, though the
next pass writes it again.  And copies inside whole-array expressions
(``x0.copy() + x0``, ``A0.copy() + 4.0 * np.eye(4)``,
``x0.astype(np.float64) - 0.5 * x0``), whose emitted code did not run.
Values and gradients against the plain function and central differences,
on both targets."""

import sys
from pathlib import Path

import pytest

from helpers import check_program_gradient

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import passes_behind  # noqa: E402


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("name", passes_behind.NAMES)
def test_gradient_matches_central_differences(name, target):
    check_program_gradient(getattr(passes_behind, name), passes_behind.arguments(name), target)
