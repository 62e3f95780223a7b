"""The kink report names where in a loop (for whole-array NumPy: at which
element) a kink site was last met."""

import numpy as np
import pytest

import nsadc


def relu_rows(A, w):
    s = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            s += max(A[i, j] * w, 0.0)
    return s


def hinge(X, y, w):
    return np.sum(np.maximum(1.0 - y * (X @ w), 0.0)) + np.sum(np.abs(w))


TARGETS = ["python", pytest.param("cpu", marks=pytest.mark.slow)]


@pytest.mark.parametrize("target", TARGETS)
def test_loop_indices_of_the_last_hit(target):
    A = np.array([[1.0, 2.0, 3.0], [4.0, 0.0, 6.0], [0.0, 8.0, 9.0]])
    _, _, rep = nsadc.differentiate(relu_rows, wrt="w", target=target).value_and_grad(A, 1.5, report=True)
    (hit,) = rep.kinks
    assert hit.count == 2 and hit.index == (2, 0)  # met at (1, 1) and (2, 0)
    assert "last at index (2, 0)" in str(rep)


@pytest.mark.parametrize("target", TARGETS)
def test_element_index_in_vectorized_code(target):
    X = np.array([[1.0, 0.0], [0.5, 0.5], [2.0, 0.0], [1.0, 0.0]])
    y = np.ones(4)
    w = np.array([1.0, 0.0])  # margins of rows 0 and 3 are exactly 0; w[1] is exactly 0
    _, _, rep = nsadc.differentiate(hinge, wrt="w", target=target).value_and_grad(X, y, w, report=True)
    by_prim = {k.primitive: k for k in rep.kinks}
    assert by_prim["max"].count == 2 and by_prim["max"].index == (3,)  # rows 0 and 3
    assert by_prim["abs"].count == 1 and by_prim["abs"].index == (1,)


def test_a_site_outside_loops_has_no_index():
    _, _, rep = nsadc.differentiate(lambda_free, target="python").value_and_grad(0.0, report=True)
    assert rep.kinks[0].index is None and "last at" not in str(rep)


def lambda_free(x):
    return abs(x)


def test_a_short_report_array_gets_the_counts_only():
    """compiled().vjp_report with one count per site (the layout before indices): no writes past it."""
    k = nsadc.differentiate(relu_rows, wrt="w", target="python").compiled(np.eye(2), 1.0)
    hits = np.zeros(len(k.sites), np.int64)
    k.vjp_report(np.zeros((2, 2)), 1.0, 1.0, hits)
    assert hits.tolist() == [4]
