"""``int(...)`` of a value that is already an int (``int(np.argmax(w))`` in a
loop that changes ``w``): the reverse sweep reads the index back from an int
buffer, a NumPy int64 on the python target, which ``math.trunc`` refused
(``TypeError: type numpy.int64 doesn't define __trunc__``).  ``int`` of a
float truncates as before.  Values and gradients against central
differences."""

import numpy as np
import pytest

from helpers import check_program_gradient


def winner_takes_all(x, lr):
    w = x * 1.0
    for i in range(2):
        a = int(np.argmax(w))
        w = w * lr
        w[a] = 0.0
    return np.sum(w * w)


def binned_remainder(x, h):
    s = 0.0
    for i in range(x.shape[0]):
        k = int(x[i] / h)
        s += (x[i] - k * h) ** 2
    return s


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_int_of_ints_and_of_floats(target):
    x = np.array([0.3, -1.2, 0.8, 0.1])
    check_program_gradient(winner_takes_all, (x, 0.5), target)
    check_program_gradient(binned_remainder, (x, 0.37), target)
