"""A parameter used only inside a NumPy call whose result the code indexes
(``c = np.cumsum(x * y)``, then ``c[-1]``): the text shows it may be an
array but not of which rank, so the call's arguments decide (it was
refused at decoration as "'c' is not an array")."""

import numpy as np
import pytest

import nsadc
from nsadc.errors import UnsupportedError

from helpers import check_program_gradient


def running_total(x, y):
    c = np.cumsum(x * y)
    return c[-1] + np.sum(c * c)


def clipped_steps(x, lo):
    z = np.maximum(x - lo, 0.0)
    return z[0] * z[-1] + np.sum(z)


def test_arrays_the_call_passes():
    x = np.linspace(0.1, 1.0, 5)
    check_program_gradient(running_total, (x, x[::-1].copy()), "python")
    check_program_gradient(clipped_steps, (x, 0.3), "python")


def test_scalars_the_call_passes_are_refused_with_their_location():
    with pytest.raises(UnsupportedError, match=r"test_ranks_shown_by_calls.py:\d+:\d+: np.cumsum of a scalar"):
        nsadc.differentiate(running_total, target="python").grad(0.5, 1.5)
