"""Int arrays made by whole-array expressions stay int (``-np.ones(n,
dtype=np.int64)``, ``counts[:-1].copy()``, ``starts + 1``, ``np.cumsum`` of
ints), so their elements
index other arrays as the user's code does; and a bool array argument whose
elements the code uses as indices (``x[mask]``: NumPy's mask) is refused at
the call instead of being read as positions 0 and 1."""

import numpy as np
import pytest

import nsadc
from nsadc.errors import ArgumentError
from test_regressions import central_differences


def scatter_by_counts(x, idx):
    """Bucket positions by counting (a CSR build): the fill pointers are a
    slice copy of the int prefix sums."""
    n = x.shape[0]
    cnt = np.zeros(n + 1, dtype=np.int64)
    for k in range(idx.shape[0]):
        cnt[idx[k] + 1] += 1
    for i in range(n):
        cnt[i + 1] += cnt[i]
    fill = cnt[:-1].copy()
    out = np.zeros(idx.shape[0])
    for k in range(idx.shape[0]):
        p = idx[k]
        out[fill[p]] = x[p] * (k + 1)
        fill[p] += 1
    s = 0.0
    for k in range(out.shape[0]):
        s += max(out[k], 0.5) * (k + 1)
    return s


def rows_by_cumsum(x, idx, n_rows):
    """A CSR row pointer as the running sum of int counts (np.cumsum), then
    fill pointers copied from it: each row's entries are the x of its items."""
    cnt = np.zeros(n_rows + 1, dtype=np.int64)
    for k in range(idx.shape[0]):
        cnt[idx[k] + 1] += 1
    ptr = np.cumsum(cnt)
    fill = ptr[:-1].copy()
    items = np.empty(idx.shape[0], dtype=np.int64)
    for k in range(idx.shape[0]):
        items[fill[idx[k]]] = k
        fill[idx[k]] += 1
    s = 0.0
    for r in range(n_rows):
        best = 0.0
        for j in range(ptr[r], ptr[r + 1]):
            best = max(best, x[items[j]] * (r + 1))
        s += best * best
    return s


def relax_with_predecessors(w, src, dst):
    """Bellman-Ford relaxations with a predecessor table that starts at -1."""
    n = w.shape[0]
    pred = -np.ones(n, dtype=np.int64)
    dist = np.full(n, 1e9)
    dist[0] = 0.0
    for it in range(n):
        for e in range(src.shape[0]):
            a = src[e]
            b = dst[e]
            if dist[a] + w[e % n] < dist[b]:
                dist[b] = dist[a] + w[e % n]
                pred[b] = a
    s = 0.0
    for v in range(n):
        if pred[v] >= 0:
            s += dist[v] * (v + 1)
    return s


def shifted_gather(x, starts):
    """An index array shifted by an int constant, then gathered through."""
    nxt = starts + 1
    s = 0.0
    for k in range(nxt.shape[0]):
        s += abs(x[nxt[k]] - x[starts[k]])
    return s


def masked_sum(x, mask):
    return np.sum(x[mask] ** 2)


def masked_compare(x, mask):
    return np.sum(x[mask != 0] ** 2)


def flagged_loop(x, mask):
    s = 0.0
    for i in range(x.shape[0]):
        if mask[i]:
            s += abs(x[i])
    return s


def _cases():
    r = np.random.default_rng(2)
    return {
        "scatter_by_counts": (scatter_by_counts, (r.uniform(0.2, 1.0, 4), np.array([0, 2, 1, 2, 3, 0]))),
        "relax_with_predecessors": (relax_with_predecessors, (r.uniform(0.5, 1.5, 5), np.array([0, 1, 2, 3, 0, 2]),
                                                              np.array([1, 2, 3, 4, 2, 4]))),
        "shifted_gather": (shifted_gather, (r.standard_normal(6), np.array([0, 3, 1, 4]))),
        "rows_by_cumsum": (rows_by_cumsum, (r.uniform(0.2, 1.0, 7), np.array([2, 0, 1, 2, 0, 2, 3]), 4)),
    }


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("name", sorted(_cases()))
def test_int_arrays_made_by_expressions_index(name, target):
    fn, args = _cases()[name]
    d = nsadc.differentiate(fn, wrt=[fn.__code__.co_varnames[0]], target=target)  # the first parameter
    value, g = d.value_and_grad(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    (want,) = central_differences(fn, args, [0])
    np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["scatter_by_counts", "relax_with_predecessors", "shifted_gather", "rows_by_cumsum"])
def test_the_made_arrays_are_int(name):
    fn, args = _cases()[name]
    src = nsadc.differentiate(fn, target="python").source("reverse", *args)
    assert "np.empty(" in src
    for line in src.splitlines():
        for made in ("fill = np.empty(", "pred = np.empty(", "nxt = np.empty(", "cumulative = np.empty("):
            if made in line:
                assert "np.int64" in line, line


def test_an_int_full_inside_an_expression_is_refused():
    def shifted(x):
        n = x.shape[0]
        idx = np.full(n, 2, dtype=np.int64) - 1
        return x[idx[0]] * 2.0

    with pytest.raises(nsadc.UnsupportedError, match="int np.full inside an expression"):
        nsadc.differentiate(shifted, target="python").grad(np.ones(3))


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_bool_array_used_as_indices_is_refused(target):
    x = np.array([0.3, -1.2, 0.7, 2.0, -0.4])
    mask = np.array([True, False, True, False, False])
    d = nsadc.differentiate(masked_sum, wrt=["x"], target=target)
    with pytest.raises(ArgumentError, match=r"'mask'.*bool array.*x\[mask != 0\]"):
        d.grad(x, mask)
    assert d.grad(x, np.array([0, 2])) == pytest.approx(np.array([0.6, 0.0, 1.4, 0.0, 0.0]))


@pytest.mark.parametrize("fn", [masked_compare, flagged_loop])
def test_bool_arrays_as_masks_and_flags(fn):
    x = np.array([0.3, -1.2, 0.7, 2.0, -0.4])
    mask = np.array([True, False, True, False, True])
    g = nsadc.differentiate(fn, wrt=["x"], target="python").grad(x, mask)
    (want,) = central_differences(fn, (x, mask), [0])
    np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-8)


def flags_set_in_a_loop(x, thr):
    """Flags made with dtype=np.bool_, set in one loop and read in another."""
    keep = np.zeros(x.shape[0], dtype=np.bool_)
    for i in range(x.shape[0]):
        if abs(x[i]) > thr:
            keep[i] = True
    s = 0.0
    for i in range(x.shape[0]):
        if keep[i]:
            s += x[i] * x[i]
        elif not keep[i]:
            s += 0.1 * x[i]
    return s


def flags_as_a_mask(x, thr):
    keep = np.zeros(x.shape[0], dtype=np.bool_)
    for i in range(x.shape[0]):
        if x[i] > thr:
            keep[i] = True
    return np.sum(x[keep])


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_bool_arrays_made_in_the_function_hold_flags(target):
    x = np.array([0.3, -1.2, 0.7, 2.0, -0.4, 0.05])
    d = nsadc.differentiate(flags_set_in_a_loop, wrt=["x"], target=target)
    value, g = d.value_and_grad(x, 0.5)
    assert value == pytest.approx(flags_set_in_a_loop(x, 0.5), rel=1e-12)
    (want,) = central_differences(flags_set_in_a_loop, (x, 0.5), [0])
    np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-8)


def test_bool_arrays_made_in_the_function_never_gather():
    """x[keep] with keep made as bool flags is NumPy's mask: taken as one, or
    refused, never read as the positions 0 and 1."""
    x = np.array([0.3, -1.2, 0.7, 2.0, -0.4, 0.05])
    try:
        d = nsadc.differentiate(flags_as_a_mask, wrt=["x"], target="python")
        value = d(x, 0.5)
    except nsadc.UnsupportedError as e:
        assert "flags_as_a_mask" in str(e) or "test_int_array_values.py" in str(e)
    else:
        assert value == pytest.approx(flags_as_a_mask(x, 0.5))


def test_a_bool_array_inside_an_expression_is_refused():
    def flagged(x):
        return np.sum(np.where(np.zeros(x.shape[0], dtype=np.bool_), x, 2.0 * x))

    with pytest.raises(nsadc.UnsupportedError, match="bool array inside an expression"):
        nsadc.differentiate(flagged, target="python").grad(np.ones(3))


def shifted_by_an_argument(x, starts, k):
    """k is not used where only an int goes: nsadc holds it, and so nxt, as floats."""
    nxt = starts + k
    s = 0.0
    for q in range(nxt.shape[0]):
        s += abs(x[nxt[q]] - x[starts[q]])
    return s


def test_an_array_held_as_floats_used_as_indices_is_refused_where_it_indexes():
    x = np.array([0.3, -1.2, 0.7, 2.0, -0.4, 0.05])
    d = nsadc.differentiate(shifted_by_an_argument, wrt=["x"], target="python")
    with pytest.raises(nsadc.UnsupportedError, match="nxt indexes an array here, but nsadc holds nxt as floats") as e:
        d.grad(x, np.array([0, 1, 2]), 2)
    assert "test_int_array_values.py:" in str(e.value)
