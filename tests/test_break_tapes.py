"""Tapes of loops that may stop early (nsadc/transforms/while_trips.py).

A `for` loop over a range with a `break` runs at most as many iterations as
its range, and so does a `while` loop whose test caps a counter: the tapes
its iterations push onto are reserved once before the loop (no `_reserve`
inside it).  A genuine `while` loop still grows its tapes, behind an inline
capacity test.

Every gradient is checked against central differences; the emitted reverse
code is also run with a `_reserve` that allocates exactly what it is asked
for (no doubling, tapes starting empty), where a reservation too small for
the loop raises IndexError.  Breaks are taken on the first iteration, on the
last, in between, and never."""

import ast
import math
import re

import numpy as np
import pytest

import nsadc
from helpers import central_difference, central_differences


# ------------------------------------------------------------ user programs


def knocked_out(Z, S0, B):
    """Monte-Carlo paths of a down-and-out option: a path below B stops."""
    paths, steps = Z.shape
    total = 0.0
    for p in range(paths):
        S = S0
        alive = True
        for k in range(steps):
            S = S * math.exp(0.01 + 0.2 * Z[p, k])
            if S < B:
                alive = False
                break
        if alive:
            total += max(S - 1.0, 0.0)
    return total / paths


def first_above(x, c, level):
    """A search: the running value where it first passes ``level``."""
    n = x.shape[0]
    acc = 0.0
    for i in range(n):
        acc = acc * 0.5 + math.sin(x[i] * c)
        if acc > level:
            break
    return acc


def rows_until_small(A, c):
    """Nested loops, the inner one stopped early per row."""
    m, n = A.shape
    s = 0.0
    for i in range(m):
        t = c
        for j in range(n):
            t = math.tanh(t + A[i, j])
            if t < -0.5:
                break
        s += t * t
    return s


def warm_started_newton(a, b):
    """A genuine `while` loop, each solve started from the last root: the
    iterations carry t, so they are reversed and their tapes grow."""
    n = a.shape[0]
    s = 0.0
    t = 0.0
    for i in range(n):
        step = 1.0
        while abs(step) > 1e-13:
            f = t * t * t + a[i] * t - b[i]
            step = f / (3.0 * t * t + a[i])
            t = t - step
        s += t * t
    return s


def capped_newton(a, b):
    """Newton's method with an iteration cap: `while it < maxit and ...`."""
    maxit = 6
    n = a.shape[0]
    s = 0.0
    for i in range(n):
        t = b[i] / (a[i] + 1.0)
        step = 1.0
        it = 0
        while it < maxit and abs(step) > 1e-13:
            f = t * t * t + a[i] * t - b[i]
            step = f / (3.0 * t * t + a[i])
            t = t - step
            it += 1
        s += t * t
    return s


def uncapped_newton(a, b):
    """A genuine `while` loop in iterations that share only a sum: each is
    differentiated by tangents along a[i] and b[i], with no tape."""
    n = a.shape[0]
    s = 0.0
    for i in range(n):
        t = b[i] / (a[i] + 1.0)
        step = 1.0
        while abs(step) > 1e-13:
            f = t * t * t + a[i] * t - b[i]
            step = f / (3.0 * t * t + a[i])
            t = t - step
        s += t * t
    return s


def counting_down(x, n: int):
    """A break in a loop counting down by two."""
    s = x
    for i in range(n, 0, -2):
        s = math.sin(s * 1.1 + 0.01 * i)
        if s < -0.9:
            break
    return s


# ------------------------------------------------------------ helpers


def _scalar_fd(fn, args, index, h=1e-6):
    return central_difference(fn, list(args), [index], h)[0]


def _array_fd(fn, args, index, h=1e-6):
    x = np.array(args[index], dtype=float)
    out = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        a, b = list(args), list(args)
        a[index], b[index] = up, down
        out[k] = (fn(*a) - fn(*b)) / (2 * h)
    return out


def _check_fd(fn, args, rtol=1e-5, atol=1e-7):
    d = nsadc.differentiate(fn, target="python")
    grads = d.grad(*args)
    grads = grads if isinstance(grads, tuple) else (grads,)
    wrt = [k for k, a in enumerate(args) if isinstance(a, np.ndarray) or isinstance(a, float)]
    assert len(grads) == len(wrt)
    for g, k in zip(grads, wrt):
        want = _array_fd(fn, args, k) if isinstance(args[k], np.ndarray) else _scalar_fd(fn, args, k)
        np.testing.assert_allclose(g, want, rtol=rtol, atol=atol, err_msg=f"{fn.__name__}: argument {k}")
    return d


def _exact_run(fn, args):
    """The emitted reverse code run with tapes that start empty and grow to
    exactly the size asked for: a reservation too small raises IndexError."""
    d = nsadc.differentiate(fn, target="python")
    src = d.source("reverse", *args)
    src = src.replace("max(size, 2 * tape.shape[0])", "size")
    src = src.replace("np.empty(64)", "np.empty(0)").replace("np.empty(64, np.int64)", "np.empty(0, np.int64)")
    assert "np.empty(64" not in src
    scope: dict = {}
    exec(compile(src, f"<{fn.__name__}_vjp>", "exec"), scope)
    value, grads = scope[f"{fn.__name__}_vjp"](*args, 1.0)
    want = d.grad(*args)
    want = want if isinstance(want, tuple) else (want,)
    for g, w in zip(grads, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    return value


def _loops_with_reserve(src: str, name: str) -> list[tuple[str, bool]]:
    """(kind of loop, whether each of its `_reserve` calls sits under a capacity
    test) for every loop of the reverse function that calls `_reserve`."""
    fn = next(f for f in ast.walk(ast.parse(src)) if isinstance(f, ast.FunctionDef) and f.name == name)
    out = []
    for loop in ast.walk(fn):
        if not isinstance(loop, (ast.For, ast.While)):
            continue
        calls = [c for c in ast.walk(loop) if isinstance(c, ast.Call) and getattr(c.func, "id", "") == "_reserve"]
        if not calls:
            continue
        guarded = {id(c) for t in ast.walk(loop) if isinstance(t, ast.If) and ".shape[0]" in ast.unparse(t.test)
                   for c in ast.walk(t) if isinstance(c, ast.Call)}
        out.append((type(loop).__name__, all(id(c) in guarded for c in calls)))
    return out


def _inner_while_reserves(src: str, name: str) -> bool:
    """Whether a `while` loop of the reverse function calls `_reserve`."""
    return any(kind == "While" for kind, _ in _loops_with_reserve(src, name))


RNG = np.random.default_rng(7)
Z = RNG.standard_normal((5, 8))

CASES = {
    # barrier: knocked out at once (first iteration), never, on the last step
    "first": (knocked_out, (Z, 1.0, 1.5)),
    "never": (knocked_out, (Z, 1.0, 0.01)),
    "last": (knocked_out, (np.concatenate([np.full((1, 7), 0.05), [[-3.0]]], axis=1), 1.0, 0.7)),
    "some": (knocked_out, (Z, 1.0, 0.75)),
    "search_first": (first_above, (np.linspace(0.5, 1.5, 90), 2.0, 0.1)),
    "search_never": (first_above, (np.linspace(0.5, 1.5, 90), 0.3, 5.0)),
    "search_middle": (first_above, (np.linspace(0.5, 1.5, 90), 1.0, 1.2)),
    "nested": (rows_until_small, (RNG.standard_normal((6, 70)), 0.3)),
    "nested_never": (rows_until_small, (np.abs(RNG.standard_normal((4, 70))), 0.3)),
    "capped": (capped_newton, (np.array([1.0, 2.0, 0.5, 3.0]), np.array([0.5, -1.0, 2.0, 0.1]))),
    "uncapped": (uncapped_newton, (np.array([1.0, 2.0, 0.5, 3.0]), np.array([0.5, -1.0, 2.0, 0.1]))),
    "warm": (warm_started_newton, (np.array([1.0, 2.0, 0.5, 3.0]), np.array([0.5, -1.0, 2.0, 0.1]))),
    "down": (counting_down, (0.3, 101)),
    "down_first": (counting_down, (-1.4, 101)),
}


def test_cases_take_their_breaks_where_named():
    """The cases above take the break where their names say (so that each is tested)."""
    def steps_run(Zp, S0, B):
        S = S0
        for k in range(Zp.shape[0]):
            S = S * math.exp(0.01 + 0.2 * Zp[k])
            if S < B:
                return k + 1
        return None
    for name in ("first", "never", "last"):
        Zc, S0, B = CASES[name][1]
        runs = [steps_run(Zc[p], S0, B) for p in range(Zc.shape[0])]
        want = {"first": 1, "never": None, "last": Zc.shape[1]}[name]
        assert all(r == want for r in runs), (name, runs)


@pytest.mark.parametrize("case", sorted(CASES))
def test_gradient_matches_finite_differences(case):
    fn, args = CASES[case]
    _check_fd(fn, args)


@pytest.mark.parametrize("case", sorted(CASES))
def test_reservations_hold_every_push(case):
    fn, args = CASES[case]
    assert _exact_run(fn, args) == pytest.approx(fn(*args), rel=1e-12)


@pytest.mark.parametrize("fn", [knocked_out, first_above, rows_until_small, capped_newton, counting_down])
def test_no_reserve_inside_a_loop_with_a_capped_trip_count(fn):
    args = next(a for f, a in CASES.values() if f is fn)
    src = nsadc.differentiate(fn, target="python").source("reverse", *args)
    assert not _inner_while_reserves(src, f"{fn.__name__}_vjp"), src


def test_the_reservation_is_the_range_of_the_break_loop():
    src = nsadc.differentiate(knocked_out, target="python").source("reverse", *CASES["some"][1])
    # made once before the reverse loop over the paths, each of whose re-runs pops what it pushes,
    # with the break loop's counter at its start (k = 0 in every path)
    reverse = src[src.index("# reverse sweep"):]
    assert "tape = _reserve(tape, n_tape + len(range(0, steps)))" in reverse.split("for p in range(")[0]


def test_a_genuine_while_loop_grows_behind_an_inline_test():
    src = nsadc.differentiate(warm_started_newton, target="python").source("reverse", *CASES["warm"][1])
    loops = _loops_with_reserve(src, "warm_started_newton_vjp")
    assert ("While", True) in loops and all(guarded for _, guarded in loops), loops


def test_a_float_cap_is_not_a_trip_count():
    """`it < cap` with a float cap bounds nothing the tape can be sized by (a
    count a counter runs to is an int unless annotated otherwise)."""
    def capped_by_float(x, cap: float):
        it = 0
        s = x
        while it < cap and s > 0.1:
            s = math.sin(s)
            it += 1
        return s
    d = nsadc.differentiate(capped_by_float, target="python")
    src = d.source("reverse", 0.9, 3.0)
    assert _inner_while_reserves(src, "capped_by_float_vjp")
    assert d.grad(0.9, 3.0)[0] == pytest.approx(_scalar_fd(capped_by_float, (0.9, 3.0), 0), rel=1e-6)


def test_a_counter_stepped_in_a_branch_is_not_a_trip_count():
    """A counter the body steps only sometimes caps nothing."""
    def sometimes(x, n: int):
        i = 0
        s = x
        while i < n:
            s = math.sin(s) * 1.5
            if s > 0.0:
                i += 1
            else:
                i += 2
        return s
    src = nsadc.differentiate(sometimes, target="python").source("reverse", 0.3, 5)
    assert _inner_while_reserves(src, "sometimes_vjp")


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
def test_python_and_cpu_targets_agree(case):
    fn, args = CASES[case]
    py = nsadc.differentiate(fn, target="python")
    cpu = nsadc.differentiate(fn)
    for got, want in zip(cpu.grad(*args) if isinstance(cpu.grad(*args), tuple) else (cpu.grad(*args),),
                         py.grad(*args) if isinstance(py.grad(*args), tuple) else (py.grad(*args),)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------ stepped counters


def stepped_by_two(x, c):
    """A `while` loop whose counter steps by 2, read as an index and after the loop."""
    s = 0.0
    i = 1
    while i < x.shape[0] and s < c:
        s += x[i] * x[i - 1] + math.sin(s)
        i += 2
    return s + x[i - 1]


def shifted_down(x, key):
    """An insertion step: `j -= 1` each iteration, the loop's test reads x[j]."""
    y = x.copy()
    j = y.shape[0] - 2
    while j >= 0 and y[j] > key:
        y[j + 1] = y[j] * 0.9
        j -= 1
    y[j + 1] = key
    s = 0.0
    for i in range(y.shape[0]):
        s += (i + 1) * y[i] * y[i]
    return s


def paths_with_break(Z, B):
    total = 0.0
    for p in range(Z.shape[0]):
        S = 1.0
        for t in range(Z.shape[1]):
            S *= math.exp(0.1 * Z[p, t])
            if S <= B:
                break
        total += S * S
    return total


@pytest.mark.parametrize("fn, args", [
    (stepped_by_two, (np.linspace(0.3, 1.1, 9), 2.0)),
    (stepped_by_two, (np.linspace(0.3, 1.1, 9), 50.0)),
    (shifted_down, (np.array([-1.0, -0.2, 0.4, 0.9, 1.3, 0.5]), 0.1)),
    (paths_with_break, (np.random.default_rng(2).normal(size=(5, 8)), 0.93)),
])
def test_a_counter_stepped_once_an_iteration_is_computed_not_taped(fn, args):
    """Its value after the loop is kept; the reverse gives iteration k from the
    end last - step * (k + 1), and pushes no counter per iteration."""
    d = nsadc.differentiate(fn, target="python")
    g = d.grad(*args)
    g = g if isinstance(g, tuple) else (g,)
    for k, a in enumerate(args):
        if isinstance(a, np.ndarray):
            np.testing.assert_allclose(g[k], central_differences(fn, args, k), rtol=1e-6, atol=1e-8)
    text = d.source("reverse", *args)
    assert "k_back" in text and "_last = " in text


# ------------------------------------------------------------ trip counts of a re-run


def merged_events(times, w, beta, dt, steps):
    """Events merged into a time grid: `while j < n and times[j] <= t1`."""
    n = times.shape[0]
    s = 0.0
    j = 0
    total = 0.0
    for k in range(steps):
        t1 = (k + 1) * dt
        s_next = s * math.exp(-beta * dt)
        while j < n and times[j] <= t1:
            s_next += w[j] * math.exp(-beta * (t1 - times[j]))
            j += 1
        total += max(0.0, s_next - 0.5) + s * s
        s = s_next
    return total


def newton_when_asked(a, b, flags):
    """A `while` loop under a branch of the iteration: some iterations run it."""
    n = a.shape[0]
    s = 0.0
    for i in range(n):
        t = b[i] / (a[i] + 1.0)
        if flags[i] > 0:
            step = 1.0
            while abs(step) > 1e-13:
                f = t * t * t + a[i] * t - b[i]
                step = f / (3.0 * t * t + a[i])
                t = t - step
        s += t * t
    return s


TRIP_CASES = [
    (merged_events, (np.sort(np.random.default_rng(3).uniform(0.0, 4.0, 12)),
                     np.random.default_rng(4).uniform(0.5, 1.5, 12), 0.7, 0.13, 33)),
    (newton_when_asked, (np.array([1.0, 2.0, 0.5, 3.0, 1.5]), np.array([0.5, -1.0, 2.0, 0.1, 0.7]),
                         np.array([1, 0, 1, 1, 0]))),
    (rows_until_small, (RNG.standard_normal((6, 70)), 0.3)),
    (uncapped_newton, (np.array([1.0, 2.0, 0.5, 3.0]), np.array([0.5, -1.0, 2.0, 0.1]))),
]


@pytest.mark.parametrize("fn, args", TRIP_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_a_rerun_keeps_its_inner_loops_trip_count_in_a_local(fn, args):
    """A `while` loop re-run in one iteration of the loop around it is
    reversed in that same iteration: its trip count and its stepped
    counter's last value stay in locals, never on a tape."""
    d = nsadc.differentiate(fn, target="python")
    g = d.grad(*args)
    g = g if isinstance(g, tuple) else (g,)
    arrays = [k for k, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype == float]
    for got, k in zip(g, arrays):
        np.testing.assert_allclose(got, central_differences(fn, args, k), rtol=1e-6, atol=1e-8)
    text = d.source("reverse", *args)
    assert "= n_iter" not in text and "] = n_iter" not in text, text
    assert not re.search(r"itape\[n_itape\] = \w+_last|\w+_last = itape", text), text
    _exact_run(fn, args)


@pytest.mark.slow
@pytest.mark.parametrize("fn, args", TRIP_CASES[:2], ids=lambda v: getattr(v, "__name__", ""))
def test_a_rerun_trip_count_compiles_where_a_branch_may_skip_the_loop(fn, args):
    """The local is assigned under the branch that runs the loop and read under
    the same branch: numba compiles it, and agrees with the python target."""
    cpu = nsadc.differentiate(fn).grad(*args)
    py = nsadc.differentiate(fn, target="python").grad(*args)
    for a, b in zip(cpu if isinstance(cpu, tuple) else (cpu,), py if isinstance(py, tuple) else (py,)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
