"""np.sort, and axis= for np.argmax / np.argmin / np.cumsum / np.concatenate /
np.stack in whole-array code (docs/vectorized.md).

Every program is checked in reverse mode (grad, vjp) and forward mode (jvp)
against central differences at random points where it is smooth, against
NumPy for its value, and against jax.grad.  At ties np.sort has a kink: each
policy's selection is checked exactly there, in both modes, and against JAX
and torch for their policies; the kink report names the sort.
"""

from __future__ import annotations

import inspect
import types

import numpy as np
import pytest

import nsadc

# ------------------------------------------------------------ programs


def sort_weighted(x, w):
    return np.sum(np.sort(x) * w)


def sort_named(x, w):
    """A sorted expression given a name, then used nonlinearly and element by element."""
    n = x.shape[0]
    y = np.sort(np.tanh(x) - 0.3 * x)
    return np.sum(np.exp(y) * w) + y[0] * y[n - 1] + np.sum(np.cumsum(y) ** 2)


def sort_trimmed_mean(x):
    y = np.sort(x)
    return np.mean(y[1:-1] ** 3) + np.max(y) * y[1]


def sort_then_loop(x, w):
    """The sorted array read by a loop whose reverse re-reads it."""
    y = np.sort(x)
    s = 0.0
    for i in range(x.shape[0]):
        s += np.maximum(y[i] - w[i], 0.0) ** 2 + y[i] * s * 0.01
    return s


def sort_rows(A, W):
    return np.sum(np.sort(A, axis=1) * W)


def sort_cols(A, W):
    return np.sum(np.sort(A, axis=0) * W) + np.sum(np.sort(A * A, 0) ** 2 * W)


def sort_default_axis(A, W):
    return np.sum(np.sort(A) * W) + np.sum(np.sort(A, axis=-2) ** 2)


def sort_flat(A, w):
    return np.sum(np.sort(A, axis=None) * w)


def sort_matvec(A, v, w):
    return np.sum(np.sort(A @ v) ** 2 * w)


def argmax_rows(A, x):
    k = np.argmax(A, axis=1)
    return np.sum(A[0] * x) * x[k[0]] + np.sum(np.argmin(A, axis=0) * x) + np.sum(np.argmax(A, axis=-1))


def argmax_methods(A, x):
    return np.sum(A.argmax(axis=0) * x) + np.sum(A.argmin(1) * A[:, 0]) + np.argmax(A)


def cumsum_axes(A):
    return (np.sum(np.cumsum(A, axis=0) ** 2) + np.sum(np.sin(np.cumsum(A, axis=1)))
            + np.sum(np.cumsum(A, -1) * A) + np.sum(np.cumsum(A) * 0.1) + np.max(A.cumsum(axis=1)))


def concat_axis1(A, B):
    C = np.concatenate((A, np.tanh(B), A * A), axis=1)
    return np.sum(C * C[:, ::-1]) + np.sum(np.concatenate([A, B], -1) * 0.5)


def stack_axis1(x, y):
    S = np.stack((x, y * x), axis=1)
    return np.sum(S[:, 0] * np.exp(S[:, 1])) + np.sum(np.stack([x, y], 1) @ np.array([1.0, -2.0]))


def stack_inner(A, B):
    S = np.stack((A, np.tanh(B)), axis=-1)
    T = np.stack((A, B), axis=1)
    return np.sum(np.max(S, axis=2) ** 2) + np.sum(T[:, 1, :] * T[:, 0, :]) / A.shape[1]


def pick(x, k: int):
    y = np.sort(x)
    return y[k] + 0.0 * x[0]


# name -> argument shapes (one tuple per argument)
SHAPES = {
    "sort_weighted": [(7,), (7,)],
    "sort_named": [(6,), (6,)],
    "sort_trimmed_mean": [(6,)],
    "sort_then_loop": [(5,), (5,)],
    "sort_rows": [(3, 5), (3, 5)],
    "sort_cols": [(4, 3), (4, 3)],
    "sort_default_axis": [(3, 4), (3, 4)],
    "sort_flat": [(3, 4), (12,)],
    "sort_matvec": [(5, 3), (3,), (5,)],
    "argmax_rows": [(4, 3), (3,)],
    "argmax_methods": [(3, 4), (4,)],
    "cumsum_axes": [(3, 4)],
    "concat_axis1": [(3, 2), (3, 2)],
    "stack_axis1": [(5,), (5,)],
    "stack_inner": [(3, 4), (3, 4)],
}
NAMES = sorted(SHAPES)
PROGRAMS = {name: globals()[name] for name in NAMES}

# ------------------------------------------------------------ helpers


def _copy(args):
    return [np.array(a, copy=True) for a in args]


def _fd(fn, args, i, k, h):
    plus, minus = _copy(args), _copy(args)
    plus[i].reshape(-1)[k] += h
    minus[i].reshape(-1)[k] -= h
    return (float(fn(*plus)) - float(fn(*minus))) / (2 * h)


def fd_gradient(fn, args, h=1e-6):
    return [np.array([_fd(fn, args, i, k, h) for k in range(a.size)]).reshape(a.shape)
            for i, a in enumerate(args)]


def fd_directional(fn, args, direction, h=1e-6):
    plus = [a + h * d for a, d in zip(args, direction)]
    minus = [a - h * d for a, d in zip(args, direction)]
    return (float(fn(*plus)) - float(fn(*minus))) / (2 * h)


def _smooth_near(fn, args) -> bool:
    """No kink within ~1e-3 of the point along any coordinate: steps 1e-3 and 1e-5 agree."""
    for i, a in enumerate(args):
        for k in range(a.size):
            coarse, fine = _fd(fn, args, i, k, 1e-3), _fd(fn, args, i, k, 1e-5)
            if abs(coarse - fine) > 1e-4 * (1.0 + abs(fine)):
                return False
    return True


def generic_point(name, seed):
    fn = PROGRAMS[name]
    rng = np.random.default_rng(seed)
    for _ in range(50):
        args = [rng.standard_normal(s) for s in SHAPES[name]]
        if _smooth_near(fn, args):
            return args, [rng.standard_normal(s) for s in SHAPES[name]]
    raise AssertionError(f"no generic point for {name}")


def as_tuple(g):
    return g if isinstance(g, tuple) else (g,)


def assert_grads(got, want, rtol, atol, msg):
    got = as_tuple(got)
    assert len(got) == len(want), msg
    for k, (g, w) in enumerate(zip(got, want)):
        assert isinstance(g, np.ndarray) and g.shape == w.shape, f"{msg}[{k}]: {g!r}"
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=f"{msg}[{k}]")


_CACHE: dict = {}


def differentiable(fn, target="python", **kw):
    key = (fn.__name__, target, tuple(sorted(kw.items())))
    if key not in _CACHE:
        _CACHE[key] = nsadc.differentiate(fn, target=target, **kw)
    return _CACHE[key]


def _jax():
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


def with_numpy(fn, module):
    """``fn`` with its global ``np`` bound to another array module."""
    return types.FunctionType(fn.__code__, {**fn.__globals__, "np": module}, fn.__name__,
                              fn.__defaults__, fn.__closure__)


# ------------------------------------------------------------ generic points


@pytest.mark.parametrize("name", NAMES)
def test_value_is_numpys(name):
    fn = PROGRAMS[name]
    d = differentiable(fn)
    args, direction = generic_point(name, 0)
    want = float(fn(*_copy(args)))
    for what, got in (("primal", d(*_copy(args))), ("grad", d.value_and_grad(*args)[0]),
                      ("vjp", d.vjp(tuple(args), 1.0)[0]), ("jvp", d.jvp(tuple(args), tuple(direction))[0])):
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12), f"{name}: {what} gave {got}, NumPy {want}"


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", NAMES)
def test_reverse_and_forward_match_finite_differences(name, seed):
    fn = PROGRAMS[name]
    d = differentiable(fn)
    args, direction = generic_point(name, seed)
    before = _copy(args)
    want = fd_gradient(fn, args)
    atol = 1e-7 * (1.0 + abs(float(fn(*args))))
    g = d.grad(*args)
    assert_grads(g, want, rtol=1e-6, atol=atol, msg=f"{name} grad vs FD")
    _, adj = d.vjp(tuple(args), 2.0)
    assert_grads(adj, [2 * w for w in want], rtol=1e-6, atol=2 * atol, msg=f"{name} vjp vs FD")
    _, dot = d.jvp(tuple(args), tuple(direction))
    assert dot == pytest.approx(fd_directional(fn, args, direction), rel=1e-6, abs=atol)
    assert dot == pytest.approx(sum(float(np.sum(a * b)) for a, b in zip(as_tuple(g), direction)),
                                rel=1e-10, abs=1e-12)
    for a, b in zip(args, before):  # the caller's arrays are left as they were
        np.testing.assert_array_equal(a, b)
    _, rep = d.grad(*args, report=True)
    assert rep.exact is True and rep.kinks == [], rep.kinks


@pytest.mark.parametrize("name", NAMES)
def test_matches_jax_grad(name):
    jax = _jax()
    import jax.numpy as jnp

    fn = PROGRAMS[name]
    twin = with_numpy(fn, jnp)
    args, _ = generic_point(name, 2)
    want = jax.grad(twin, argnums=tuple(range(len(args))))(*[jnp.asarray(a) for a in args])
    assert float(twin(*[jnp.asarray(a) for a in args])) == pytest.approx(float(fn(*args)), rel=1e-12)
    assert_grads(differentiable(fn).grad(*args), [np.asarray(w) for w in want], rtol=1e-10, atol=1e-12,
                 msg=f"{name} vs jax.grad")


@pytest.mark.parametrize("name", ["sort_weighted", "sort_rows", "sort_cols", "cumsum_axes", "concat_axis1",
                                  "stack_inner"])
def test_float32_inputs_give_float32_derivatives(name):
    fn = PROGRAMS[name]
    d = differentiable(fn)
    args, direction = generic_point(name, 5)
    args = [a.astype(np.float32).astype(np.float64) for a in args]  # the same numbers in both runs
    args32 = [a.astype(np.float32) for a in args]
    g64, g32 = as_tuple(d.grad(*args)), as_tuple(d.grad(*args32))
    for a, g, h in zip(args, g32, g64):
        assert g.dtype == np.float32 and g.shape == a.shape
        np.testing.assert_allclose(g, h, rtol=2e-4, atol=2e-4 * (1 + np.abs(h).max()))
    _, dot32 = d.jvp(tuple(args32), tuple(v.astype(np.float32) for v in direction))
    _, dot64 = d.jvp(tuple(args), tuple(v.astype(np.float32).astype(np.float64) for v in direction))
    assert float(dot32) == pytest.approx(float(dot64), rel=1e-3, abs=1e-3)


def test_sorted_values_are_numpys_with_infinities_and_nan():
    x = np.array([3.0, np.nan, -np.inf, 1.0, np.inf, 1.0, -2.5, 0.0, np.nan, 1.0])
    d = differentiable(pick)
    want = np.sort(x)
    got = np.array([d(x, k) for k in range(x.size)])
    np.testing.assert_array_equal(got, want)  # NaN last, as NumPy sorts them


def test_emitted_source_is_standalone_and_names_the_kink():
    d = differentiable(sort_rows)
    A = np.ones((2, 3))
    for mode in ("forward", "reverse"):
        text = d.source(mode, A, A)
        assert "import nsadc" not in text and "from nsadc" not in text
        assert "def _stable_argsort(values):" in text
        assert "kink: np.sort at" in text


# ------------------------------------------------------------ ties: exact selections

W6 = [1.0, 10.0, 100.0, 1000.0, 1e4, 1e5]
X6 = [3.0, 1.0, 3.0, 1.0, 2.0, 3.0]  # two tie groups: 1 (twice), 3 (three times)

# id -> (program, point, {policy: expected gradient (one list per argument)})
TIE_CASES = {
    "groups_of_two_and_three": (sort_weighted, (X6, W6), {
        "min-norm": ([37000.0, 5.5, 37000.0, 5.5, 100.0, 37000.0], [1.0, 1.0, 2.0, 3.0, 3.0, 3.0]),
        "jax": ([1000.0, 1.0, 10000.0, 10.0, 100.0, 1e5], [1.0, 1.0, 2.0, 3.0, 3.0, 3.0]),
        "torch": ([1000.0, 1.0, 10000.0, 10.0, 100.0, 1e5], [1.0, 1.0, 2.0, 3.0, 3.0, 3.0]),
    }),
    "all_equal": (sort_weighted, ([0.5, 0.5, 0.5, 0.5], [1.0, 2.0, 4.0, 9.0]), {
        "min-norm": ([4.0, 4.0, 4.0, 4.0], [0.5, 0.5, 0.5, 0.5]),
        "jax": ([1.0, 2.0, 4.0, 9.0], [0.5, 0.5, 0.5, 0.5]),
        "torch": ([1.0, 2.0, 4.0, 9.0], [0.5, 0.5, 0.5, 0.5]),
    }),
    "rows": (sort_rows, ([[2.0, 1.0, 2.0], [0.0, 0.0, 5.0]], [[1.0, 2.0, 4.0], [8.0, 16.0, 32.0]]), {
        "min-norm": ([[3.0, 1.0, 3.0], [12.0, 12.0, 32.0]], [[1.0, 2.0, 2.0], [0.0, 0.0, 5.0]]),
        "jax": ([[2.0, 1.0, 4.0], [8.0, 16.0, 32.0]], [[1.0, 2.0, 2.0], [0.0, 0.0, 5.0]]),
        "torch": ([[2.0, 1.0, 4.0], [8.0, 16.0, 32.0]], [[1.0, 2.0, 2.0], [0.0, 0.0, 5.0]]),
    }),
    "columns": (sort_flat, ([[1.0, 1.0], [1.0, 0.0]], [2.0, 4.0, 8.0, 16.0]), {
        "min-norm": ([[28 / 3, 28 / 3], [28 / 3, 2.0]], [0.0, 1.0, 1.0, 1.0]),
        "jax": ([[4.0, 8.0], [16.0, 2.0]], [0.0, 1.0, 1.0, 1.0]),
        "torch": ([[4.0, 8.0], [16.0, 2.0]], [0.0, 1.0, 1.0, 1.0]),
    }),
}
TIE_PARAMS = [pytest.param(case, policy, id=f"{case}-{policy}")
              for case, (_, _, expected) in TIE_CASES.items() for policy in expected]


def _tie_case(case, policy):
    fn, point, expected = TIE_CASES[case]
    return fn, [np.array(p, dtype=float) for p in point], [np.array(w, dtype=float) for w in expected[policy]]


def _exact_selection(fn, args, want, policy, target):
    d = differentiable(fn, target, kinks=policy)
    assert d(*args) == float(fn(*args))
    assert_grads(d.grad(*args), want, rtol=1e-14, atol=0, msg=f"{fn.__name__} under {policy!r}")
    assert_grads(d.vjp(tuple(args), 3.0)[1], [3.0 * w for w in want], rtol=1e-14, atol=0,
                 msg=f"{fn.__name__} vjp(3) under {policy!r}")
    for i, a in enumerate(args):  # forward mode makes the same selection
        for k in range(a.size):
            tangents = [np.zeros_like(b) for b in args]
            tangents[i].reshape(-1)[k] = 1.0
            _, dot = d.jvp(tuple(args), tuple(tangents))
            assert dot == pytest.approx(want[i].reshape(-1)[k], rel=1e-14, abs=0), (policy, i, k, dot)


@pytest.mark.parametrize("case,policy", TIE_PARAMS)
def test_exact_selection_at_ties(case, policy):
    fn, args, want = _tie_case(case, policy)
    _exact_selection(fn, args, want, policy, "python")


@pytest.mark.parametrize("case", list(TIE_CASES))
def test_jax_policy_is_jax_grad_at_ties(case):
    jax = _jax()
    import jax.numpy as jnp

    fn, args, _ = _tie_case(case, "jax")
    want = jax.grad(with_numpy(fn, jnp), argnums=tuple(range(len(args))))(*[jnp.asarray(a) for a in args])
    assert_grads(differentiable(fn, kinks="jax").grad(*args), [np.asarray(w) for w in want], rtol=1e-15,
                 atol=0, msg=f"{case} vs jax.grad")


@pytest.mark.parametrize("case", list(TIE_CASES))
def test_torch_policy_is_torch_at_ties(case):
    """torch's default sort is stable up to 16 entries on the CPU (these cases)."""
    torch = pytest.importorskip("torch")

    def sort(x, axis=-1):
        return torch.sort(x.reshape(-1) if axis is None else x, dim=-1 if axis is None else axis).values

    fn, args, _ = _tie_case(case, "torch")
    twin = with_numpy(fn, types.SimpleNamespace(sum=torch.sum, sort=sort))
    targs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in args]
    twin(*targs).backward()
    assert_grads(differentiable(fn, kinks="torch").grad(*args), [t.grad.numpy() for t in targs],
                 rtol=1e-15, atol=0, msg=f"{case} vs torch")


def test_min_norm_is_the_mean_of_the_permutations():
    """The min-norm selection is the centroid of the Clarke Jacobian (the convex hull
    of the tied group's permutations): the mean of the stable orders of all the
    orderings of the tied entries."""
    import itertools

    x, w = np.array([2.0, 2.0, 1.0, 2.0]), np.array([1.0, 3.0, 9.0, 27.0])
    tied = [0, 1, 3]
    grads = []
    for perm in itertools.permutations(range(3)):
        # the jax selection at a point ordered by perm, moved onto the tie
        eps = np.zeros(4)
        eps[tied] = 1e-3 * np.array(perm, dtype=float)
        grads.append(differentiable(sort_weighted, kinks="jax").grad(x + eps, w)[0])
    got = differentiable(sort_weighted).grad(x, w)[0]
    np.testing.assert_allclose(got, np.mean(grads, axis=0), rtol=1e-14)


def test_the_report_flags_a_tie():
    fn, args, _ = _tie_case("groups_of_two_and_three", "min-norm")
    d = differentiable(fn)
    _, rep = d.grad(*args, report=True)
    assert rep.exact is False
    assert [k.primitive for k in rep.kinks] == ["sort"], rep.kinks
    assert rep.kinks[0].count == 5  # the five outputs that belong to a tie group
    assert "np.sort" in rep.kinks[0].code
    args[0] = args[0] + np.linspace(0.01, 0.06, 6)  # ties broken
    _, rep = d.grad(*args, report=True)
    assert rep.exact is True and rep.kinks == []


def test_a_mapping_selects_the_sort_policy():
    fn, args, want = _tie_case("groups_of_two_and_three", "jax")
    d = nsadc.differentiate(fn, target="python", kinks={"sort": "jax"})
    assert_grads(d.grad(*args), want, rtol=1e-15, atol=0, msg="kinks={'sort': 'jax'}")
    with pytest.raises(nsadc.NsadcError):
        nsadc.differentiate(fn, target="python", kinks={"sort": 0.5})


# ------------------------------------------------------------ shape mistakes and refusals


@pytest.mark.parametrize("fn,args", [
    (sort_weighted, (np.ones(5), np.ones(4))),
    (sort_rows, (np.ones((3, 4)), np.ones((3, 5)))),
    (concat_axis1, (np.ones((3, 2)), np.ones((4, 2)))),
    (stack_axis1, (np.ones(5), np.ones(4))),
], ids=["sort", "sort_rows", "concat_axis1", "stack_axis1"])
def test_shape_mistakes_are_argument_errors(fn, args):
    with pytest.raises((ValueError, IndexError)):
        fn(*args)  # NumPy refuses these shapes too
    d = differentiable(fn)
    for call in (lambda: d(*args), lambda: d.grad(*args), lambda: d.jvp(args, args)):
        with pytest.raises(nsadc.NsadcError) as info:
            call()
        text = str(info.value)
        assert isinstance(info.value, nsadc.ArgumentError), text
        assert "Traceback" not in text and "numba" not in text.lower(), text


def bad_sort_in_loop(x):
    s = 0.0
    for i in range(3):
        y = np.sort(x * i)  # <- refused: bad_sort_in_loop
        s += np.sum(y * x)
    return s


def _sorted_sum(x):
    return np.sum(np.sort(x) * x)  # <- refused: bad_sort_in_callee


def bad_sort_in_callee(x):
    return _sorted_sum(x)


def bad_sort_3d(x):
    return np.sum(np.sort(x.reshape(2, 2, -1)))  # <- refused: bad_sort_3d


def bad_sort_axis(x):
    return np.sum(np.sort(x.reshape(2, -1), axis=2))  # <- refused: bad_sort_axis


def bad_sort_method(x):
    y = x.sort()  # <- refused: bad_sort_method
    return np.sum(y)


def bad_argsort(x):
    return np.sum(x[np.argsort(x)] * x)  # <- refused: bad_argsort


def bad_concat_none(x):
    return np.sum(np.concatenate((x, x), axis=None))  # <- refused: bad_concat_none


def bad_concat_axis(x):
    A = x.reshape(2, -1)
    return np.sum(np.concatenate((A, A), axis=2))  # <- refused: bad_concat_axis


def bad_stack_axis(x):
    A = x.reshape(2, -1)
    return np.sum(np.stack((A, A), axis=3))  # <- refused: bad_stack_axis


def bad_cumsum_axis(x):
    return np.sum(np.cumsum(x.reshape(2, -1), axis=-3))  # <- refused: bad_cumsum_axis


def bad_argmax_axis(x):
    return np.sum(np.argmax(x.reshape(2, -1), axis=2))  # <- refused: bad_argmax_axis


REFUSED = [n for n in sorted(globals()) if n.startswith("bad_")]


def _line_of(marker):
    lines = inspect.getsource(inspect.getmodule(bad_argsort)).splitlines()
    return next(i for i, row in enumerate(lines, 1) if row.rstrip().endswith(f"<- refused: {marker}"))


@pytest.mark.parametrize("name", REFUSED)
def test_unsupported_uses_are_located_refusals(name):
    def build_and_call():
        d = nsadc.differentiate(globals()[name], target="python")
        d.grad(np.linspace(0.1, 0.8, 8))

    with pytest.raises(nsadc.NsadcError) as info:
        build_and_call()
    text = str(info.value)
    assert f"test_vectorized_sort_axes.py:{_line_of(name)}:" in text, text
    assert "hint:" in text and "Traceback" not in text, text


# ------------------------------------------------------------ compiled (numba)


@pytest.mark.slow
@pytest.mark.parametrize("case,policy", [("groups_of_two_and_three", "min-norm"), ("rows", "jax")])
def test_compiled_selection_at_ties(case, policy):
    fn, args, want = _tie_case(case, policy)
    _exact_selection(fn, args, want, policy, "cpu")
    _, rep = differentiable(fn, "cpu", kinks=policy).grad(*args, report=True)
    assert [k.primitive for k in rep.kinks] == ["sort"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sort_cols", "concat_axis1", "cumsum_axes"])
def test_compiled_matches_finite_differences(name):
    fn = PROGRAMS[name]
    d = differentiable(fn, "cpu")
    args, direction = generic_point(name, 1)
    assert d(*args) == pytest.approx(float(fn(*args)), rel=1e-12)
    atol = 1e-7 * (1.0 + abs(float(fn(*args))))
    assert_grads(d.grad(*args), fd_gradient(fn, args), rtol=1e-6, atol=atol, msg=f"{name} compiled vs FD")
    _, dot = d.jvp(tuple(args), tuple(direction))
    assert dot == pytest.approx(fd_directional(fn, args, direction), rel=1e-6, abs=atol)
    args32 = [a.astype(np.float32) for a in args]
    assert all(g.dtype == np.float32 for g in as_tuple(d.grad(*args32)))
