"""A `while` loop's tapes grow once per chunk of iterations, outside a loop
that runs the chunk (nsadc/passes/tape_chunks.py): the shape of the emitted
gradient, and its values against central differences and the other targets
at trip counts below, at and across the chunk's size."""

import inspect
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from nsadc.ir.nodes import Assign, Call, Const, CounterStep, For, Function, Param, TapePush, TapeReserve, Var, While
from nsadc.passes.tape_chunks import CHUNK, reserve_tapes_by_chunks

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import tape_chunks as programs  # noqa: E402


def _central(fn, args, h=1e-6):
    """Central differences of ``fn`` along each entry of its first argument."""
    x, rest = args[0], args[1:]
    out = np.empty_like(x)
    for k in range(x.size):
        up, down = x.copy(), x.copy()
        up[k] += h * max(1.0, abs(x[k]))
        down[k] -= h * max(1.0, abs(x[k]))
        out[k] = (fn(up, *rest) - fn(down, *rest)) / (up[k] - down[k])
    return out


def _source(d):
    (k,) = d._specs.values()
    return inspect.getsource(k.grad.py_func if hasattr(k.grad, "py_func") else k.grad)


def test_the_tape_grows_outside_the_chunk_loop():
    d = nsadc.differentiate(programs.warm_cube_roots, target="python")
    d.grad(np.array([0.5, 2.0, 30.0]))
    src = _source(d)
    lines = src.splitlines()
    grow = next(k for k, line in enumerate(lines) if "_reserve(" in line)
    chunk = next(k for k, line in enumerate(lines) if re.search(rf"for chunk\w* in range\({CHUNK}\):", line))
    assert grow < chunk, src
    indent = len(lines[chunk]) - len(lines[chunk].lstrip())
    body = []
    for line in lines[chunk + 1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        body.append(line)
    assert not any("_reserve(" in line for line in body), src
    assert any(re.search(r"if not \w+:", line) for line in body) and any("break" in line for line in body)


@pytest.mark.parametrize("fn", [programs.carried_damped_walks, programs.damped_walks], ids=lambda f: f.__name__)
@pytest.mark.parametrize("k", [1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 5])
def test_gradients_at_trip_counts_around_the_chunk(fn, k):
    x = np.array([0.3, -1.2])
    g = nsadc.differentiate(fn, wrt=["x"], target="python").grad(x, k)
    np.testing.assert_allclose(g, _central(fn, (x, k)), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("fn", [programs.warm_cube_roots, programs.newton_cube_roots], ids=lambda f: f.__name__)
def test_newton_steps_against_central_differences(fn):
    a = np.array([0.5, 2.0, 30.0, 1e6])
    g = nsadc.differentiate(fn, target="python").grad(a)
    np.testing.assert_allclose(g, _central(fn, (a,), h=1e-7), rtol=1e-5)


@pytest.mark.parametrize("fn", [programs.carried_walks_until, programs.walks_until], ids=lambda f: f.__name__)
@pytest.mark.parametrize("cap", [0.5, 2.5, 100.0])
def test_a_walk_that_breaks_is_chunked_through_its_flag(fn, cap):
    """The frontend turns the `break` into a flag the loop's test reads, so
    the chunk loop stops on the same test; caps that stop the walks after
    one step, after a few, and never (500 steps).  The independent walks
    carry tangents instead, with no tape."""
    x = np.array([0.2, 3.0])
    d = nsadc.differentiate(fn, wrt=["x"], target="python")
    g = d.grad(x, cap)
    assert ("for chunk" in _source(d)) == (fn is programs.carried_walks_until)
    np.testing.assert_allclose(g, _central(fn, (x, cap)), rtol=1e-6, atol=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("fn", [programs.carried_damped_walks, programs.damped_walks], ids=lambda f: f.__name__)
@pytest.mark.parametrize("k", [CHUNK - 1, CHUNK, 2 * CHUNK + 1])
def test_compiled_gradients_equal_plain_pythons(fn, k):
    x = np.array([0.3, -1.2])
    want = nsadc.differentiate(fn, wrt=["x"], target="python").grad(x, k)
    got = nsadc.differentiate(fn, wrt=["x"], target="cpu").grad(x, k)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("k", [CHUNK + 1, 3 * CHUNK])
def test_two_floats_kept_an_iteration(k):
    fn = programs.coupled_walks
    x = np.array([0.3, -1.2])
    g = nsadc.differentiate(fn, wrt=["x"], target="python").grad(x, k)
    np.testing.assert_allclose(g, _central(fn, (x, k)), rtol=1e-6, atol=1e-9)


def test_two_reservations_of_one_tape_make_one_of_both_rooms():
    """A body that reserves one tape before each of its two pushes: hoisted,
    the room is the sum (the larger alone ran the chunk past the tape, in
    the Hessian-vector product of a fixed point iterated to a tolerance)."""
    push = [TapePush("tape", Var("n_tape"), Var("y")), CounterStep("n_tape", "+=", Const(1))]
    body = [TapeReserve("tape", "n_tape", Const(1)), *push, TapeReserve("tape", "n_tape", Const(1)), *push,
            Assign("go", Call("lt", (Var("n_tape"), Const(500))))]
    fn = Function("f", [Param("y", "float")], [While(Var("go"), body)])
    reserve_tapes_by_chunks(fn)
    loop = fn.body[0]
    reserves = [t for t in loop.body if isinstance(t, TapeReserve)]
    assert len(reserves) == 1 and reserves[0].room == Call("mul", (Const(2), Const(CHUNK))), reserves
    (chunk,) = [t for t in loop.body if isinstance(t, For)]
    assert not any(isinstance(t, TapeReserve) for t in chunk.body)


def test_a_loop_that_keeps_a_whole_array_is_not_chunked():
    fn = programs.smoothing_sweeps
    x = np.array([0.3, -1.2, 0.8, 0.5])
    d = nsadc.differentiate(fn, wrt=["x"], target="python")
    g = d.grad(x, 1e-3)
    src = _source(d)
    assert "for chunk" not in src and "kept whole" in src, src
    np.testing.assert_allclose(g, _central(fn, (x, 1e-3)), rtol=1e-5, atol=1e-8)
