"""Three-level loop nests updating an array in place whose innermost loop
can stop early (``break``, a ``while`` on the element, a helper's ``return``
from two loops deep), inside a pass or time loop.  Their gradients were
wrong (the middle loop, which keeps the array whole per iteration, was left
out of the outer loop's re-run, so its reverse popped what no run had
pushed) or their emitted code did not run.  Values and gradients against
the plain function and central differences, on both targets."""

import sys
from pathlib import Path

import pytest

from helpers import check_program_gradient

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import nested_exits  # noqa: E402


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("name", nested_exits.NAMES)
def test_gradient_matches_central_differences(name, target):
    check_program_gradient(getattr(nested_exits, name), nested_exits.arguments(name), target)
