"""Integer work arrays (``np.zeros(n, dtype=np.int64)``, ``np.full(n, -1,
np.int64)``, ``np.empty(n, np.int64)``): labels, counts, back-pointers and
permutations a program computes and then indexes with; loops that swap two
elements of an array in place (a bubble sort of values or of indices) or
update the elements an index array names (a segment maximum, edge
relaxations), whose reverse puts each element an iteration overwrote back
before it re-runs the iteration; ``v.sort()`` on a 1-D array.  Gradients
against central differences on both targets; the dtypes nsadc does not
create are refused with their location."""

import numpy as np
import pytest

import nsadc
from benchmarks.probe.programs_c import bellman_ford as relaxations
from helpers import central_differences


def nearest_centre_labels(x, c):
    n = x.shape[0]
    k = c.shape[0]
    lab = np.zeros(n, dtype=np.int64)
    for i in range(n):
        best = 0
        bd = abs(x[i] - c[0])
        for j in range(1, k):
            d = abs(x[i] - c[j])
            if d < bd:
                bd = d
                best = j
        lab[i] = best
    s = 0.0
    for i in range(n):
        s += (x[i] - c[lab[i]]) ** 2
    return s


def bin_counts(x, edges):
    m = edges.shape[0] - 1
    cnt = np.zeros(m, np.int64)
    where = np.empty(x.shape[0], dtype=np.int64)
    for i in range(x.shape[0]):
        b = 0
        while b < m - 1 and x[i] > edges[b + 1]:
            b += 1
        cnt[b] += 1
        where[i] = b
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * x[i] / cnt[where[i]]
    return s


def best_path_cost(cost, trans):
    T, K = cost.shape
    back = np.full((T, K), -1, dtype=np.int64)
    v = np.zeros(K)
    for k in range(K):
        v[k] = cost[0, k]
    w = np.zeros(K)
    for t in range(1, T):
        for k in range(K):
            best = v[0] + trans[0, k]
            arg = 0
            for j in range(1, K):
                c = v[j] + trans[j, k]
                if c < best:
                    best = c
                    arg = j
            w[k] = best + cost[t, k]
            back[t, k] = arg
        for k in range(K):
            v[k] = w[k]
    k = 0
    for j in range(1, K):
        if v[j] < v[k]:
            k = j
    s = 0.0
    for t in range(T - 1, 0, -1):
        s += cost[t, k]
        k = back[t, k]
    return s + cost[0, k]


def rank_weighted_sum(x):
    n = x.shape[0]
    perm = np.empty(n, dtype=np.int64)
    for i in range(n):
        perm[i] = i
    for i in range(n):
        for j in range(n - 1 - i):
            if x[perm[j]] > x[perm[j + 1]]:
                t = perm[j]
                perm[j] = perm[j + 1]
                perm[j + 1] = t
    s = 0.0
    for i in range(n):
        s += (i + 1) * x[perm[i]]
    return s


def bubble_sorted_weights(x):
    n = x.shape[0]
    v = x.copy()
    for i in range(n):
        for j in range(n - 1 - i):
            if v[j] > v[j + 1]:
                t = v[j]
                v[j] = v[j + 1]
                v[j + 1] = t
    s = 0.0
    for i in range(n):
        s += (i + 1) * v[i] * abs(v[i])
    return s


def latest_window_max(x, w):
    n = x.shape[0]
    idx = np.zeros(3, dtype=np.int64)
    buf = np.zeros(3)
    s = 0.0
    for t in range(n):
        k = t % 3
        idx[k] = t
        buf[k] = x[t] * w
        m = buf[0]
        a = idx[0]
        for j in range(1, 3):
            if buf[j] > m:
                m = buf[j]
                a = idx[j]
        s += m * x[a]
    return s


def counts_per_pass(x):
    n = x.shape[0]
    s = 0.0
    for p in range(3):
        above = np.zeros(n, dtype=np.int64)  # a fresh int array each pass
        for i in range(n):
            if x[i] * (p + 1) > 1.0:
                above[i] = 1
        for i in range(n):
            s += above[i] * x[i] * x[i] + (1 - above[i]) * abs(x[i])
    return s


def like_an_int_array(x, order):
    seen = np.zeros_like(order)
    s = 0.0
    for i in range(order.shape[0]):
        seen[order[i]] += 1
        s += seen[order[i]] * x[order[i]]
    return s


def segment_max(x, seg, k: int):
    m = np.full(k, -1e30)
    for i in range(x.shape[0]):
        s = seg[i]
        m[s] = max(m[s], x[i])
    t = 0.0
    for j in range(k):
        t += m[j] * m[j]
    return t


def ring_buffer_orders(demand, S, lead: int):
    """Orders in transit in a ring buffer: the slot t % lead is read, emptied,
    summed over and refilled in each period (lost sales beyond stock)."""
    pipe = np.zeros(lead)
    on_hand = S
    cost = 0.0
    for t in range(demand.shape[0]):
        slot = t % lead
        on_hand += pipe[slot]
        pipe[slot] = 0.0
        d = demand[t]
        lost = max(d - on_hand, 0.0)
        on_hand = max(on_hand - d, 0.0)
        order = max(0.0, S - on_hand - pipe.sum())
        pipe[slot] = order
        cost += on_hand + 4.0 * lost + 0.5 * order * order
    return cost


def sorted_in_place(x, k: int):
    v = x.copy()
    v.sort()
    s = 0.0
    for i in range(k, v.shape[0] - k):
        s += v[i] * abs(v[i])
    return s


def top_k_margin(S, labels, k: int):
    """k rounds of argmax over the classes a flag array leaves, per sample:
    the flags are written at an index each round's search finds."""
    n, c = S.shape
    taken = np.zeros(c, dtype=np.int64)
    loss = 0.0
    for i in range(n):
        for a in range(c):
            taken[a] = 0
        y = labels[i]
        taken[y] = 1
        kth = 0.0
        for r in range(k):
            arg = -1
            for a in range(c):
                if taken[a] == 0 and (arg < 0 or S[i, a] > S[i, arg]):
                    arg = a
            taken[arg] = 1
            kth += S[i, arg] * (r + 1)
        loss += max(0.0, 1.0 + kth - S[i, y])
    return loss


def banded_warp_cost(a, b, w):
    """Dynamic time warping in a band, its back-pointers in np.int8 and its path length in np.uint16 (held as
    int64 by nsadc: the same values)."""
    n, m = a.shape[0], b.shape[0]
    D = np.full((n + 1, m + 1), 1e30)
    step = np.zeros((n + 1, m + 1), np.int8)
    length = np.zeros((n + 1, m + 1), dtype=np.uint16)
    D[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(max(1, i - w), min(m, i + w) + 1):
            best, k = D[i - 1, j - 1], 0
            if D[i - 1, j] < best:
                best, k = D[i - 1, j], 1
            if D[i, j - 1] < best:
                best, k = D[i, j - 1], 2
            D[i, j] = abs(a[i - 1] - b[j - 1]) + best
            step[i, j] = k
            length[i, j] = 1 + (length[i - 1, j - 1] if k == 0 else length[i - 1, j] if k == 1 else length[i, j - 1])
    # walk the back-pointers: the cost of the diagonal moves alone
    i, j, diag = n, m, 0.0
    while i > 0 and j > 0:
        k = step[i, j]
        if k == 0:
            diag += abs(a[i - 1] - b[j - 1])
            i -= 1
            j -= 1
        elif k == 1:
            i -= 1
        else:
            j -= 1
    return D[n, m] / length[n, m] + 0.5 * diag


_rng = np.random.default_rng(11)
_edges = np.array([[0, 1], [0, 2], [1, 2], [2, 3], [1, 3], [3, 4], [2, 4], [4, 0]])
CASES = [
    (nearest_centre_labels, (_rng.normal(size=15), np.array([-1.0, 0.2, 1.3])), 0),
    (bin_counts, (_rng.uniform(0.0, 1.0, 25), np.array([0.0, 0.33, 0.61, 1.0])), 0),
    (best_path_cost, (_rng.uniform(0.0, 1.0, (6, 3)), _rng.uniform(0.0, 1.0, (3, 3))), 0),
    (best_path_cost, (_rng.uniform(0.0, 1.0, (6, 3)), _rng.uniform(0.0, 1.0, (3, 3))), 1),
    (rank_weighted_sum, (_rng.normal(size=9),), 0),
    (bubble_sorted_weights, (_rng.normal(size=9),), 0),
    (latest_window_max, (_rng.normal(size=12), 1.3), 0),
    (latest_window_max, (_rng.normal(size=12), 1.3), 1),
    (counts_per_pass, (_rng.uniform(0.05, 1.2, 11),), 0),
    (like_an_int_array, (_rng.normal(size=6), np.array([2, 0, 2, 5, 1, 2, 3])), 0),
    (segment_max, (_rng.normal(size=12), np.array([0, 1, 2, 0, 1, 2, 0, 1, 2, 1, 0, 0]), 3), 0),
    (relaxations, (_edges[:, 0].copy(), _edges[:, 1].copy(), _rng.uniform(0.5, 2.0, 8), _rng.uniform(0.0, 3.0, 5)), 2),
    (relaxations, (_edges[:, 0].copy(), _edges[:, 1].copy(), _rng.uniform(0.5, 2.0, 8), _rng.uniform(0.0, 3.0, 5)), 3),
    (sorted_in_place, (_rng.normal(size=9), 2), 0),
    (top_k_margin, (_rng.normal(size=(5, 6)), np.array([0, 3, 5, 1, 1]), 3), 0),
    (ring_buffer_orders, (_rng.uniform(0.5, 2.0, 12), 3.1, 3), 0),
    (ring_buffer_orders, (_rng.uniform(0.5, 2.0, 12), 3.1, 3), 1),
    (banded_warp_cost, (_rng.normal(size=9), _rng.normal(size=8), 3), 0),
    (banded_warp_cost, (_rng.normal(size=9), _rng.normal(size=8), 3), 1),
]


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
@pytest.mark.parametrize("fn, args, k", CASES, ids=[f"{c[0].__name__}-{c[2]}" for c in CASES])
def test_int_work_arrays_against_central_differences(fn, args, k, target):
    names = fn.__code__.co_varnames[:fn.__code__.co_argcount]
    d = nsadc.differentiate(fn, wrt=[names[k]], target=target)
    value, g = d.value_and_grad(*args)
    assert value == pytest.approx(fn(*args), rel=1e-13)
    np.testing.assert_allclose(g, central_differences(fn, args, k), rtol=1e-6, atol=1e-8)


def test_an_int_allocation_is_emitted_with_its_dtype():
    src = nsadc.differentiate(best_path_cost, wrt=["cost"], target="python").source(
        "reverse", np.ones((4, 3)), np.ones((3, 3)))
    assert "np.empty((T, K), np.int64)" in src


def _swaps(rng, n_stores: int, gather: bool = False):
    """A loop over j whose body, under a test on the values, writes ``n_stores``
    elements near j (offsets drawn, repeats allowed) from values it read at
    other offsets: the shape of a sorting or exchange pass; with ``gather``,
    the elements are those an index array names (``v[p[j + 1]]``)."""
    offsets = [int(o) for o in rng.integers(0, 3, size=n_stores)]
    reads = [int(o) for o in rng.integers(0, 3, size=n_stores)]
    at = (lambda o: f"p[j + {o}]") if gather else (lambda o: f"j + {o}")
    lines = [f"def f(x{', p' if gather else ''}):", "    v = x.copy()", "    n = v.shape[0]", "    for r in range(2):",
             "        for j in range(n - 2):",
             f"            if v[{at(reads[0])}] > v[{at(offsets[0])}] * 0.9:",
             *[f"                t{k} = v[{at(r)}]" for k, r in enumerate(reads)],
             *[f"                v[{at(o)}] = t{k} * {0.5 + 0.25 * k} + 0.1 * v[{at((o + 1) % 3)}]"
               for k, o in enumerate(offsets)],
             "    s = 0.0", "    for i in range(n):", "        s += (i + 1) * v[i] * v[i]", "    return s"]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("gather", [False, True], ids=["offsets", "index_array"])
@pytest.mark.parametrize("seed", range(10))
def test_drawn_exchange_passes_put_back_every_element_they_overwrite(seed, gather, tmp_path):
    """Each iteration writes a few elements whose indices its start fixes
    (offsets of j, or entries of an index array nothing writes); the reverse
    pops them back, last pushed first, before re-running it (two stores of one
    element included: the index array repeats entries)."""
    import importlib.util

    rng = np.random.default_rng(seed)
    path = tmp_path / f"swaps_{seed}_{gather}.py"
    path.write_text(_swaps(rng, int(rng.integers(2, 4)), gather))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    x = rng.normal(size=7)
    args = (x, rng.integers(0, 7, size=7)) if gather else (x,)
    d = nsadc.differentiate(module.f, wrt=["x"], target="python")
    value, g = d.value_and_grad(*args)
    assert value == pytest.approx(module.f(*args), rel=1e-13)
    np.testing.assert_allclose(g, central_differences(module.f, args, 0), rtol=1e-5, atol=1e-7)


def float32_counts(x):
    c = np.zeros(x.shape[0], dtype=np.float32)
    for i in range(x.shape[0]):
        c[i] = x[i]
    return c[0]


def int_array_in_an_expression(x):
    return np.sum(x * np.ones(x.shape[0], dtype=np.int64))


def fractional_int_fill(x):
    a = np.full(x.shape[0], 0.5, dtype=np.int64)
    return x[a[0]]


def sorted_with_a_kind(x):
    v = x.copy()
    v.sort(kind="stable")
    return v[0]


def sorted_in_a_loop(X):
    v = np.empty(X.shape[1])
    s = 0.0
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            v[j] = X[i, j]
        v.sort()
        s += v[0]
    return s


@pytest.mark.parametrize("fn, message", [
    (sorted_with_a_kind, "supported without arguments"),
    (sorted_in_a_loop, "np.sort inside a loop"),
    (float32_counts, "dtype=np.float32 is not supported"),
    (fractional_int_fill, "an int array is filled with an int"),
])
def test_dtypes_nsadc_does_not_create_are_refused_where_they_are_written(fn, message):
    with pytest.raises(nsadc.UnsupportedError, match=message) as e:
        nsadc.differentiate(fn, target="python").grad(np.ones((3, 4)) if fn is sorted_in_a_loop else np.ones(4))
    assert "test_int_work_arrays.py:" in str(e.value)


def test_an_int_array_inside_an_expression_holds_its_ints():
    x = np.array([0.5, -1.0, 2.0, 0.25])
    d = nsadc.differentiate(int_array_in_an_expression, target="python")
    assert d(x) == pytest.approx(np.sum(x))
    np.testing.assert_array_equal(d.grad(x), np.ones(4))


def flagged_sum(x, flags):
    """Flags in a bool array: tested, negated with `not`, counted, in arithmetic."""
    s = 0.0
    seen = 0
    for i in range(x.shape[0]):
        if flags[i]:
            s += x[i] * x[i]
            seen += flags[i]
        elif not flags[i] and x[i] > 0.0:
            s -= (1 - flags[i]) * x[i] + flags[i] * 3.0
    return s + seen * abs(x[0])


@pytest.mark.parametrize("target", ["python", pytest.param("cpu", marks=pytest.mark.slow)])
def test_a_bool_array_argument_reads_as_zeros_and_ones(target):
    x = np.array([0.3, -1.2, 0.8, 1.5, -0.4, 0.6])
    flags = np.array([True, False, False, True, True, False])
    d = nsadc.differentiate(flagged_sum, wrt=["x"], target=target)
    for _ in range(2):  # the second call takes the path kept for these kinds of arguments
        value, g = d.value_and_grad(x, flags)
        assert value == pytest.approx(flagged_sum(x, flags), rel=1e-14)
        np.testing.assert_allclose(g, central_differences(flagged_sum, (x, flags), 0), rtol=1e-6, atol=1e-8)
    assert flags.dtype == np.bool_ and list(flags) == [True, False, False, True, True, False]


def test_a_differentiated_bool_array_is_refused():
    with pytest.raises(nsadc.ArgumentError, match="dtype bool"):
        nsadc.differentiate(flagged_sum, wrt=["x", "flags"], target="python").grad(np.ones(3), np.ones(3, bool))
