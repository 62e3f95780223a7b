"""``A[i][j]``, the list-of-lists spelling of ``A[i, j]``: one element of a
NumPy array either way, read as ``A[i, j]`` where every index is an integer
(``X[idx][0]`` with an index array ``idx`` is row ``idx[0]``, not column 0
of the gathered rows, and is not rewritten). It was refused."""

import numpy as np
import pytest

import nsadc

from helpers import check_program_gradient


def hinge_of_products(A, w):
    s = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            s += max(A[i][j] * w[j], 0.0)
    return s


def rank_shown_by_chained_reads(A, w):
    s = 0.0
    for i in range(3):
        for j in range(len(w)):
            s += abs(A[i][j] - w[j])
    return s


def stored_through_a_chain(A):
    B = A.copy()
    B[0][1] = 2.0 * B[0][1]
    return np.sum(B * B)


rng = np.random.default_rng(0)
A, W = rng.standard_normal((3, 4)), rng.standard_normal(4)


@pytest.mark.parametrize("fn", [hinge_of_products, rank_shown_by_chained_reads], ids=lambda f: f.__name__)
def test_reads(fn):
    check_program_gradient(fn, (A, W), "python")


def test_emitted_as_one_subscript():
    src = nsadc.differentiate(hinge_of_products, target="python").source("reverse", A, W)
    assert "A[i, j]" in src and "][" not in src


def test_a_store_through_a_chain_is_refused_with_its_location():
    with pytest.raises(nsadc.NsadcError, match=r"test_chained_indexing.py:\d+:\d+"):
        nsadc.differentiate(stored_through_a_chain, target="python").grad(A)
