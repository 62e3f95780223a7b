"""A work array each time step fills before reading it (the next state of
an explicit scheme) is not taped: the reverse re-runs a step's stores into it
before its reads (nsadc/transforms/reverse_plan.py, ``_scratch``), or, where
no adjoint reads its values, not even that.  Arrays a
step reads before filling keep their element tape, or the whole array per
step (also where one end is stored straight beside the loop that fills the
rest).  A work array zeroed, then added into (forces), is one too where no
loop's reverse re-reads what a later store changes.  Gradients against
central differences, on both targets."""

import inspect
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from helpers import central_differences

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import time_steps as programs  # noqa: E402


def _args(fn, seed):
    rng = np.random.default_rng(seed)
    u0 = rng.uniform(-1.0, 1.0, 9)
    if fn is programs.heat_clip:
        return u0, 0.2, -0.5, 0.55, 6
    if fn is programs.relu_relax:
        return u0, 0.7, 5
    if fn is programs.lagged:
        return u0, 0.3, 5
    return u0, 0.2, 5


def _grad(fn, args, target):
    wrt = [p for p, a in zip(inspect.signature(fn).parameters, args) if not isinstance(a, int)]
    d = nsadc.differentiate(fn, wrt=wrt, target=target)
    g = d.grad(*args)
    (k,) = d._specs.values()
    return (g if isinstance(g, tuple) else (g,)), inspect.getsource(k.grad.py_func if target == "cpu" else k.grad)


def _checked_source(fn):
    """The emitted gradient's source, once its values agree with central
    differences at three points."""
    for seed in range(3):
        args = _args(fn, seed)
        g, src = _grad(fn, args, "python")
        for k, gk in enumerate(g):
            np.testing.assert_allclose(gk, central_differences(fn, args, k), rtol=1e-5, atol=1e-6)
    return src


@pytest.mark.parametrize("fn", programs.FILLED_FIRST, ids=lambda f: f.__name__)
def test_a_work_array_filled_before_it_is_read_keeps_no_tape(fn):
    src = _checked_source(fn)
    work = "un" if fn is programs.heat_clip else "w"
    assert f"{work}_elements" not in src  # no element tape
    # and no re-run of its stores either: the work array enters the next state linearly, so no
    # adjoint reads its values (passes/dead_assignments.py)
    assert f"        {work}[i] = " not in src.split("# reverse sweep")[1]


@pytest.mark.parametrize("fn", programs.READ_STALE, ids=lambda f: f.__name__)
def test_a_work_array_read_before_it_is_filled_keeps_its_tape(fn):
    src = _checked_source(fn)
    assert "un_elements" in src or "array_tape" in src  # its elements, or the whole array, kept


@pytest.mark.slow
@pytest.mark.parametrize("fn", programs.FILLED_FIRST + programs.READ_STALE, ids=lambda f: f.__name__)
def test_compiled_equals_python(fn):
    args = _args(fn, 4)
    g_python, _ = _grad(fn, args, "python")
    g_cpu, _ = _grad(fn, args, "cpu")
    for a, b in zip(g_cpu, g_python):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_the_covering_check_ends_where_spans_send_it_back_and_forth():
    """[0, n) then [n - 1, 5) then [0, n) again ...: the ends are not ordered
    (5 may be below n), so the walk up from 0 must not revisit a point (the
    first version looped for ever)."""
    from nsadc.ir.nodes import Var
    from nsadc.transforms.reverse_plan import _spans_cover

    n = Var("n")
    spans = [({}, {n: 1}), ({n: 1, None: -1}, {None: 5})]
    assert not _spans_cover(spans, {}, {n: 1, None: 7})
    # the interior, then both ends of a time step's next state, cover it
    heat = [({None: 1}, {n: 1, None: -1}), ({}, {None: 1}), ({n: 1, None: -1}, {n: 1})]
    assert _spans_cover(heat, {}, {n: 1})
    assert not _spans_cover(heat[:2], {}, {n: 1})


# ------------------------------------------------------------ accumulated work arrays

ACCUMULATED = {
    # forces zeroed each step, then added into from the springs and contacts (slices of x)
    "spring_forces": ("""
        def spring_forces(x0, v0, k, kc, gap, dt, steps):
            n = x0.shape[0]
            x = x0.copy()
            v = v0.copy()
            f = np.zeros(n)
            pen = 0.0
            for s in range(steps):
                f[:] = 0.0
                ext = x[1:] - x[:-1] - 1.0
                f[:-1] += k * ext
                f[1:] -= k * ext
                ov = np.maximum(0.0, gap - (x[1:] - x[:-1]))
                f[:-1] -= kc * ov * ov
                f[1:] += kc * ov * ov
                pen += np.sum(ov * ov)
                for i in range(n):
                    v[i] += dt * f[i]
                    x[i] += dt * v[i]
            return np.sum(v * v) + pen + x[-1] * x[-1]
    """, lambda rng: (np.cumsum(rng.uniform(0.7, 1.3, 7)), rng.normal(0.0, 0.2, 7), 0.8, 3.0, 0.95, 0.05, 6)),
    # a loop whose reverse re-reads f (f[i] * f[i]) before a later store scales f
    "used_then_scaled": ("""
        def used_then_scaled(u0, c, steps):
            n = u0.shape[0]
            u = u0.copy()
            f = np.zeros(n)
            e = 0.0
            for t in range(steps):
                for i in range(n):
                    f[i] = math.sin(u[i])
                for i in range(n):
                    e += f[i] * f[i] * c
                for i in range(n):
                    f[i] = f[i] * 0.5 + c
                for i in range(n):
                    u[i] = u[i] + f[i]
            return e + np.sum(u * u)
    """, lambda rng: (rng.uniform(-1.0, 1.0, 6), 0.3, 4)),
    # f[i] = f[i] * c: the product's derivative in c reads the f[i] it replaced
    "scaled_in_place": ("""
        def scaled_in_place(u0, c, steps):
            n = u0.shape[0]
            u = u0.copy()
            f = np.zeros(n)
            for t in range(steps):
                for i in range(n):
                    f[i] = u[i] * u[i]
                for i in range(n):
                    f[i] = f[i] * c
                for i in range(n):
                    u[i] = u[i] - 0.1 * f[i]
            return np.sum(u)
    """, lambda rng: (rng.uniform(-1.0, 1.0, 6), 0.7, 4)),
    # a buffer filled and read inside an inner loop, from a value the outer iteration computes
    "inner_buffer_from_outer": ("""
        def inner_buffer_from_outer(x, y):
            n = x.shape[0]
            m = y.shape[0]
            buf = np.empty(m)
            total = 0.0
            for i in range(n):
                s = math.sin(x[i]) * 2.0
                for j in range(3):
                    for k in range(m):
                        buf[k] = s * y[k] + j
                    for k in range(m):
                        total += max(buf[k], 0.5) * buf[k] * x[i]
            return total
    """, lambda rng: (rng.uniform(-1.0, 1.0, 4), rng.uniform(-1.0, 1.0, 5))),
}


def _accumulated(tmp_path, name, seed):
    from helpers import load_function

    text, make = ACCUMULATED[name]
    fn = load_function(tmp_path, text, name)
    args = make(np.random.default_rng(seed))
    return fn, args


@pytest.mark.parametrize("name", sorted(ACCUMULATED))
def test_an_accumulated_work_array_is_differentiated(tmp_path, name):
    fn, _ = _accumulated(tmp_path, name, 0)
    for seed in range(3):
        _, args = _accumulated(tmp_path, name, seed)
        g, _ = _grad(fn, args, "python")
        for k, gk in zip([j for j, a in enumerate(args) if not isinstance(a, int)], g):
            np.testing.assert_allclose(gk, central_differences(fn, args, k), rtol=1e-5, atol=1e-6)


def test_forces_added_into_after_zeroing_keep_no_tape(tmp_path):
    """f[:] = 0, then f[i] += ...: no reverse re-reads the sums, so f (and the
    slices' work arrays ext, ov) are filled again by the re-run, not taped."""
    fn, args = _accumulated(tmp_path, "spring_forces", 0)
    _, src = _grad(fn, args, "python")
    assert "f_elements" not in src and "ext_elements" not in src and "ov_elements" not in src, src


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ACCUMULATED))
def test_accumulated_compiled_equals_python(tmp_path, name):
    fn, args = _accumulated(tmp_path, name, 4)
    g_python, _ = _grad(fn, args, "python")
    g_cpu, _ = _grad(fn, args, "cpu")
    for a, b in zip(g_cpu, g_python):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
