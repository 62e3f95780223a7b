"""NumPy functions imported by name (``from numpy import clip``, ``from
numpy.linalg import norm``, ``import numpy.linalg as la``) are NumPy's,
not functions of the program to inline: ``clip`` is written in Python
inside NumPy, so it was taken for one and lowered as the scalar clip (the
compiled primal returned an array, the gradient crashed), and ``norm`` was
inlined from NumPy's own file and refused there."""

import numpy as np
import numpy.linalg as la
import numpy
import pytest
from numpy import clip, maximum
from numpy.linalg import norm

import nsadc

from helpers import check_program_gradient


def clipped_sum(x, hi):
    return np.sum(x + clip(x, -1.0, hi)) + numpy.sum(maximum(x, 0.2))


def norms(x):
    return norm(x - 1.0) + la.norm(2.0 * x)


clip_alias = np.clip


def through_an_alias(x, hi):
    y = clip_alias(x, -0.5, hi)
    return np.sum(y * y)


X = np.array([1.5, -2.0, 0.7, 0.3, 0.1])


@pytest.mark.parametrize("fn, args", [(clipped_sum, (X, 0.5)), (norms, (X,))], ids=lambda v: getattr(v, "__name__", ""))
def test_value_and_gradient(fn, args):
    check_program_gradient(fn, args, "python")


def test_primal_is_a_number():
    assert nsadc.differentiate(clipped_sum, target="python")(X, 0.5) == pytest.approx(clipped_sum(X, 0.5))


def test_an_alias_of_a_numpy_function_is_refused_where_it_is_called():
    with pytest.raises(nsadc.NsadcError, match=r"test_numpy_names_imported.py:\d+:\d+: cannot differentiate a call "
                                               r"to 'clip_alias'"):
        nsadc.differentiate(through_an_alias, target="python").grad(X, 0.5)
