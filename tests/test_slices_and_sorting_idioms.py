"""Idioms of published Numba code that nsadc takes as NumPy means them:

- a slice whose bound may be negative at run time counts it from the end
  (``x[t - w:t]`` is empty at ``t < w`` when ``t - w`` wraps past ``t``);
  before, the bound was clamped at 0 and the window read ``x[0:t]``: a wrong
  value and gradient, with no warning;
- ``np.argsort`` of a 1-D array gives the int order (ties in their order,
  as ``kind="stable"``), through which values are read with their derivatives;
- element targets in a tuple assignment (``P[k, 0], P[k, 1] = x, y``,
  ``a[i], a[i + 1] = a[i + 1], a[i]``) are assigned left to right after the
  whole right-hand side is evaluated.

Values against the function itself, gradients against central differences,
on both targets."""

import numpy as np
import pytest

from test_grid_in_place import check_case


def trailing_window(x, k: int):
    """The k-3:k window, empty (or counted from the end) for small k."""
    return np.sum(x[k - 3:k] ** 2)


def tail_from(x, k: int):
    """x[k - 3:]: the last 3 - k entries when k < 3, as Python counts them."""
    return np.sum(np.abs(x[k - 3:]))


def moving_energy(x, w: int):
    """A trailing window per step: its first w steps wrap past their end."""
    s = 0.0
    for t in range(x.shape[0]):
        s += np.sum(x[t - w:t] ** 2) * (t + 1)
    return s


def trimmed_squares(x, k: int):
    """The sum of squares without the k smallest and k largest entries."""
    order = np.argsort(x)
    s = 0.0
    for j in range(k, x.shape[0] - k):
        s += x[order[j]] ** 2
    return s


def rank_weighted_hinge(s, rel):
    """A pairwise hinge over the entries in descending score order."""
    order = np.argsort(-s)
    total = 0.0
    for a in range(s.shape[0]):
        for b in range(a + 1, s.shape[0]):
            i = order[a]
            j = order[b]
            if rel[j] > rel[i]:
                total += max(0.0, 1.0 - (s[j] - s[i])) / (a + 1.0)
    return total


def sorted_cumsum(x, y):
    """y gathered in the order of x, summed cumulatively, clipped."""
    idx = np.argsort(x)
    w = np.cumsum(y[idx])
    return np.sum(np.maximum(w, 0.0) * x[idx])


def row_extremes(X):
    """The order of each row, made inside the loop over rows."""
    total = 0.0
    for i in range(X.shape[0]):
        order = np.argsort(X[i])
        total += X[i, order[0]] * 2.0 + abs(X[i, order[-1]])
    return total


def paired_columns(x, y):
    """Two columns of a row written by one tuple assignment."""
    n = x.shape[0]
    P = np.empty((n, 2))
    for i in range(n):
        P[i, 0], P[i, 1] = x[i] * y[i], max(x[i], y[i])
    s = 0.0
    for i in range(n):
        s += P[i, 0] ** 2 + abs(P[i, 1])
    return s


def bubble_pass(x):
    """One bubble-sort pass by element swaps."""
    a = x.copy()
    n = a.shape[0]
    for i in range(n - 1):
        if a[i] > a[i + 1]:
            a[i], a[i + 1] = a[i + 1], a[i]
    return np.sum(a * np.arange(n))


def _pair(v):
    return v * 2.0, abs(v)


def helper_pair_into_row(x):
    """A helper's tuple unpacked into a row's elements."""
    out = np.empty((x.shape[0], 2))
    for i in range(x.shape[0]):
        out[i, 0], out[i, 1] = _pair(x[i])
    return np.sum(out ** 2)


def index_read_after_assignment(x):
    """``k, a[k] = 1, x[0]`` stores into a[1]: the index is read after k is assigned."""
    a = np.zeros(3)
    k = 0
    k, a[k] = 1, x[0]
    a[2] = x[1] * k
    return np.sum(a * a) + a[1]


def _x(n):
    return lambda rng: (rng.standard_normal(n),)


CASES = {
    "trailing_window_wraps": (trailing_window, ["x"], lambda rng: (rng.standard_normal(6), 1)),
    "trailing_window_inside": (trailing_window, ["x"], lambda rng: (rng.standard_normal(6), 4)),
    "tail_from_the_end": (tail_from, ["x"], lambda rng: (rng.standard_normal(6), 1)),
    "moving_energy": (moving_energy, ["x"], lambda rng: (rng.standard_normal(7), 2)),
    "trimmed_squares": (trimmed_squares, ["x"], lambda rng: (rng.standard_normal(9), 2)),
    "rank_weighted_hinge": (rank_weighted_hinge, ["s"], lambda rng: (rng.standard_normal(7), rng.random(7))),
    "sorted_cumsum": (sorted_cumsum, ["x", "y"], lambda rng: (rng.standard_normal(8), rng.standard_normal(8))),
    "row_extremes": (row_extremes, ["X"], lambda rng: (rng.standard_normal((4, 6)),)),
    "paired_columns": (paired_columns, ["x", "y"], lambda rng: (rng.standard_normal(6), rng.standard_normal(6))),
    "bubble_pass": (bubble_pass, ["x"], _x(7)),
    "helper_pair_into_row": (helper_pair_into_row, ["x"], _x(5)),
    "index_read_after_assignment": (index_read_after_assignment, ["x"], _x(2)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_python(name):
    check_case(CASES[name], np.random.default_rng(11), "python")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_compiled(name):
    check_case(CASES[name], np.random.default_rng(11), "cpu")


def test_the_wrapped_window_is_what_numpy_reads():
    x = np.arange(1.0, 7.0)
    assert trailing_window(x, 1) == 0.0  # x[-2:1] is empty
    assert tail_from(x, 1) == 11.0       # x[-2:] is x[4:]
    import nsadc
    assert nsadc.differentiate(trailing_window, wrt=["x"], target="python").value_and_grad(x, 1)[0] == 0.0
    value, g = nsadc.differentiate(tail_from, wrt=["x"], target="python").value_and_grad(x, 1)
    assert value == 11.0 and list(g) == [0.0, 0.0, 0.0, 0.0, 1.0, 1.0]


def test_argsort_of_a_matrix_is_refused_with_its_location():
    import nsadc
    from nsadc.errors import UnsupportedError

    def orders(X):
        order = np.argsort(X, axis=0)
        return X[order[0, 0], 0]

    with pytest.raises(UnsupportedError, match="np.argsort is supported on a 1-D array"):
        nsadc.differentiate(orders, target="python").grad(np.ones((3, 3)))
