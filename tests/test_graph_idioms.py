"""Idioms of graph and search code: a search index started as a float
before the loop that sets it (``k = 0.0``, then ``for k in range(n): ...
break``, then ``x[k]``: Numba could not give one name a float and an int;
it starts as the int 0 now, and the refusal without it suggests ``k = 0``),
a bool mask argument under the default ``wrt`` (refused for its dtype, it
is left out as int arrays are), and Floyd-Warshall written with length-1
slices (``D[:, k:k + 1] + D[k:k + 1, :]``: nsadc does not broadcast a
length the code computes; the error now says so and how to write it)."""

import numpy as np
import pytest

import nsadc

from helpers import check_program_gradient


def first_above(x, t):
    n = x.shape[0]
    k = 0.0
    for k in range(n):
        if x[k] > t:
            break
    return x[k] * k


def first_above_unset(x, t):
    n = x.shape[0]
    for k in range(n):
        if x[k] > t:
            break
    return x[k] * k


def masked_squares(v, mask):
    s = 0.0
    for i in range(v.shape[0]):
        if mask[i]:
            s += v[i] * v[i]
    return s


def floyd_warshall_slices(D0):
    D = D0.copy()
    n = D.shape[0]
    for k in range(n):
        D = np.minimum(D, D[:, k:k + 1] + D[k:k + 1, :])
    return np.sum(D)


def floyd_warshall_axes(D0):
    D = D0.copy()
    n = D.shape[0]
    for k in range(n):
        D = np.minimum(D, D[:, k][:, None] + D[k, :][None, :])
    return np.sum(D)


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_search_index_started_as_a_float(target):
    check_program_gradient(first_above, (np.array([0.1, 0.9, 0.3]), 0.5), target)


def test_the_hint_for_a_loop_variable_is_an_int():
    with pytest.raises(nsadc.NsadcError, match=r"e\.g\. `k = 0`\)"):
        nsadc.differentiate(first_above_unset, target="python").grad(np.array([0.1, 0.9, 0.3]), 0.5)


def test_a_bool_mask_is_left_out_of_the_default_wrt():
    d = nsadc.differentiate(masked_squares, target="python")
    g = d.grad(np.array([1.0, 2.0, 3.0]), np.array([True, False, True]))
    np.testing.assert_array_equal(g, [2.0, 0.0, 6.0])


D0 = np.abs(np.random.default_rng(0).standard_normal((4, 4))) + 0.1


def test_floyd_warshall_with_new_axes():
    check_program_gradient(floyd_warshall_axes, (D0,), "python")


def test_length_one_slices_say_how_to_write_them():
    with pytest.raises(ValueError, match=r"nsadc does not broadcast a length of 1 .*test_graph_idioms.py:\d+:\d+"):
        nsadc.differentiate(floyd_warshall_slices, target="python").grad(D0)


def powers_until_large(x):
    y = x.copy()
    for k in range(3):
        y = y * x
        if y[0] > 100.0:
            break
    return y


def test_clarke_jacobian_of_an_array_from_a_loop_left_by_break():
    """A loop with a `break` gave the function's result a placeholder 0.0 before
    its array (a NameError in the Clarke-mode code of an array output); with one
    return, at the end, no placeholder is made."""
    x = np.array([1.3, 2.0, 0.7])
    d = nsadc.differentiate(powers_until_large, target="python")
    np.testing.assert_allclose(d.clarke_jacobian(x), d.jacfwd(x), rtol=1e-12)
    np.testing.assert_allclose(np.diag(d.jacfwd(x)), 4.0 * x ** 3, rtol=1e-12)
