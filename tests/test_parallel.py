"""The cpu target's parallel mode (docs/parallel.md): which loops it runs on
several threads (numba.prange), which it keeps serial, and that its
derivatives equal the serial target's to rounding and finite differences."""

import re
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import nsadc
from nsadc.backends.targets import backend_for
from nsadc.cli import app, load
from nsadc.errors import NsadcError
from nsadc.ir.build import add
from nsadc.ir.nodes import Const, For, Var
from nsadc.passes.parallel_loops import parallel_loops

sys.path.insert(0, str(Path(__file__).resolve().parent))
import parallel_programs as programs  # noqa: E402

PROGRAMS = Path(programs.__file__)


def emitted(name: str, parallel: bool = True, target: str = "cpu") -> str:
    path = Path(getattr(programs, name).__code__.co_filename)  # (some are shared: tests/programs/samples.py)
    comp = load(f"{path}:{name}", None, None, None, standalone=True)
    return comp.module(("forward", "reverse"), primal=True, report=True,
                       backend=backend_for(target, parallel=parallel))


def functions(text: str) -> dict[str, str]:
    """Each emitted function's source, with the decorator line above it."""
    out = {}
    for m in re.finditer(r"^(@[^\n]*\n)?def (\w+)\(.*?(?=^@|^def |\Z)", text, flags=re.M | re.S):
        out[m.group(2)] = m.group(0)
    return out


def parallel_headers(source: str) -> list[str]:
    return [line.strip() for line in source.splitlines() if "numba.prange(" in line]


# ------------------------------------------------------------ which loops


def test_a_sum_of_hinge_losses_runs_in_parallel_in_every_mode():
    fs = functions(emitted("hinge_sum"))
    for name in ("hinge_sum", "hinge_sum_jvp", "hinge_sum_vjp", "hinge_sum_grad"):
        assert parallel_headers(fs[name]) == ["for i in numba.prange(n):"], name
        assert fs[name].startswith("@numba.njit(cache=True, parallel=True)\n"), name
    # the report variants record where each kink was last met: a carried value, serial
    assert parallel_headers(fs["hinge_sum_vjp_report"]) == []
    assert fs["hinge_sum_vjp_report"].startswith("@numba.njit(cache=True)\n")


def test_an_adjoint_accumulated_at_another_index_gets_partials():
    fs = functions(emitted("absolute_deviations"))
    assert parallel_headers(fs["absolute_deviations"]) == ["for i in numba.prange(n):"]
    grad = fs["absolute_deviations_grad"]
    # w_bar at j inside the loop over i: partials per chunk, added up after the loop
    assert "ds_dw_parts[chunk, j] += " in grad
    assert "ds_dw[k] += ds_dw_parts[c, k]" in grad
    assert parallel_headers(grad) == ["for chunk in numba.prange(n_chunks):", "for k in numba.prange(ds_dw.shape[0]):"]
    # X_bar is written at the loop index: directly, no partials
    assert "ds_dX[i, j] = " in grad and "ds_dX_parts" not in grad  # each element written once: stored


def test_a_stencils_gradient_stays_serial():
    fs = functions(emitted("total_variation"))
    assert len(parallel_headers(fs["total_variation"])) == 1  # the primal's sum runs in parallel
    grad = fs["total_variation_grad"]
    # partials of x_bar would be as long as the loop (zeroing and adding them up cost more than
    # the loop), and the shared adjoint at i + 1 is never written from a parallel loop
    assert "_parts" not in grad and parallel_headers(grad) == []
    assert "for i in range(n_minus_1):" in grad


def test_pairs_add_into_partials_at_the_loops_own_index_too():
    grad = functions(emitted("pair_hinge"))["pair_hinge_grad"]
    # x_bar at i and at j in the loop over i: partials per chunk, since the loop over j inside
    # does as much work per iteration as zeroing and adding up a partial element
    assert "dloss_dx_parts[chunk, i] += " in grad and "dloss_dx_parts[chunk, j] += " in grad, grad
    assert "for chunk in numba.prange(n_chunks):" in parallel_headers(grad)


def test_a_tape_each_iteration_fills_and_empties_is_each_chunks_own():
    grad = functions(emitted("abs_factorization"))["abs_factorization_grad"]
    # the row's dot products, pushed then popped within the iteration: a tape and counter per chunk
    assert "n_tape_mine = 0" in grad and re.search(r"tape_mine = np\.empty\(.*, tape\.dtype\)", grad), grad
    assert "tape_mine[n_tape_mine + j] = p" in grad, grad
    assert "for chunk in numba.prange(n_chunks):" in parallel_headers(grad)


def test_strips_of_rows_run_in_chunks_each_with_its_own_buffer():
    fs = functions(emitted("relu_least_squares"))
    grad = fs["relu_least_squares_grad"]
    # the 4-row strips: chunks of whole strips, each with its own copy of the strip's buffer
    assert "for i_strip in range(i_strip_lo, i_strip_hi, 4):" in grad
    assert re.search(r"^\s+z_of_i_mine = np.empty_like\(z_of_i\)$", grad, flags=re.M)
    assert not re.search(r"^\s+z_of_i\[", grad, flags=re.M)  # every use inside the chunks is the copy
    # w_bar at j: partials; X_bar and y_bar at the strip's own rows: written directly
    assert "ds_dw_parts" in grad and "ds_dX_parts" not in grad and "ds_dy_parts" not in grad
    assert parallel_headers(grad).count("for chunk in numba.prange(n_chunks):") == 1


def test_a_nested_loop_over_other_rows_than_the_iterations_own_is_not_owned():
    comp = load(f"{PROGRAMS}:relu_least_squares", None, None, None, standalone=True)
    vjp = comp.vjp
    loops = [s for s in vjp.body if isinstance(s, For)]
    strip = next(s for s in loops if s.step == Const(4))
    inner = next(t for t in strip.body if isinstance(t, For) and t.start == Var(strip.var))
    inner.stop = add(Var(strip.var), Const(5))  # five rows from a strip of four: the next strip's first too
    marked = parallel_loops(vjp)
    assert not any(s.parallel or (isinstance(s, For) and s.var.startswith("chunk"))
                   for s in marked.body if isinstance(s, For) and s.step == Const(4))


@pytest.mark.parametrize("name, copied", [("two_layers", ["a1", "a1_bar", "a2", "a2_bar"]),
                                          ("softmax_scores", ["z", "z_bar"])])
def test_work_arrays_filled_or_left_zero_by_each_iteration_are_each_chunks_copy(name, copied):
    """A network's activations (filled before they are read in each
    iteration) and their adjoints (zero when the loop starts, left zero by
    each iteration): each chunk works on copies of its own."""
    grad = functions(emitted(name))[f"{name}_grad"]
    assert "for chunk in numba.prange(n_chunks):" in parallel_headers(grad), grad
    for a in copied:
        assert re.search(rf"^\s+{a}_mine = {a}\.copy\(\)$", grad, flags=re.M), (a, grad)
        assert not re.search(rf"^\s+{a}\[", grad, flags=re.M), a  # every use inside the chunks is the copy


@pytest.mark.parametrize("name", ["carried_state", "last_scores", "wrapped_scores"])
def test_a_work_array_read_before_the_iteration_fills_it_or_after_the_loop_stays_serial(name):
    fs = functions(emitted(name))
    for f in (name, f"{name}_grad"):
        assert not any("prange(n" in h for h in parallel_headers(fs[f])), fs[f]


def test_writes_at_the_loop_index_run_in_parallel():
    fs = functions(emitted("differences"))
    assert len(parallel_headers(fs["differences"])) == 2
    assert len(parallel_headers(fs["differences_jvp"])) == 2


def test_a_write_read_back_at_another_index_stays_serial():
    fs = functions(emitted("running_sum"))
    # y[i] = max(y[i - 1], 0) + x[i]: the first loop serial, the sum of squares parallel
    assert parallel_headers(fs["running_sum"]) == ["for i in numba.prange(n):"]
    assert "for i in range(1, n):" in fs["running_sum"]
    assert "for i in range(1, n):" in fs["running_sum_jvp"]
    # the reverse sweep counts down through the carried adjoint: serial
    assert "for i in range(n - 1, 0, -1):" in fs["running_sum_grad"]
    assert all("range(n - 1, 0, -1)" not in h for h in parallel_headers(fs["running_sum_grad"]))


@pytest.mark.parametrize("name", ["recurrence", "largest", "until_large"])
def test_recurrences_max_reductions_tapes_and_breaks_stay_serial(name):
    text = emitted(name)
    assert "prange" not in text and "parallel=True" not in text


@pytest.mark.parametrize("name", ["hinge_sum", "total_variation", "relu_least_squares"])
def test_the_serial_targets_are_unchanged(name):
    assert "prange" not in emitted(name, parallel=False)
    assert "prange" not in emitted(name, parallel=False, target="python")


def test_the_pass_leaves_its_input_alone_and_marks_a_copy():
    comp = load(f"{PROGRAMS}:hinge_sum", None, None, None, standalone=True)
    marked = parallel_loops(comp.primal)
    assert marked is not comp.primal
    assert [s.parallel for s in comp.primal.body if isinstance(s, For)] == [False]
    assert [s.parallel for s in marked.body if isinstance(s, For)] == [True]
    serial = load(f"{PROGRAMS}:recurrence", None, None, None, standalone=True)
    assert parallel_loops(serial.primal) is serial.primal


# ------------------------------------------------------------ refusals


@pytest.mark.parametrize("target", ["python", "cuda"])
def test_other_targets_refuse_parallel(target):
    with pytest.raises(NsadcError, match="parallel=True"):
        nsadc.differentiate(programs.hinge_sum, target=target, parallel=True)


def test_emit_parallel_needs_the_cpu_target():
    result = CliRunner().invoke(app, ["emit", f"{PROGRAMS}:hinge_sum", "--parallel"])
    assert result.exit_code == 2 and "--target cpu" in result.output
    result = CliRunner().invoke(app, ["emit", f"{PROGRAMS}:hinge_sum", "--parallel", "--target", "cpu"])
    assert result.exit_code == 0 and "for i in numba.prange(n):" in result.output


# ------------------------------------------------------------ values (numba)


def _arguments(name: str, rng):
    n = 2001
    x = rng.standard_normal(n)
    return {"hinge_sum": (x, np.sign(rng.standard_normal(n))),
            "relu_least_squares": (rng.standard_normal((n, 7)), rng.standard_normal(n), rng.standard_normal(7)),
            "absolute_deviations": (rng.standard_normal((n, 5)), rng.standard_normal(5)),
            "total_variation": (x,),
            "differences": (x,),
            "running_sum": (0.3 * x,),
            "recurrence": (x, 0.7),
            "largest": (x,),
            "until_large": (x,),
            "pair_hinge": (x[:300], rng.standard_normal(300)),
            "abs_factorization": (rng.standard_normal((60, 50)), rng.standard_normal((60, 3)),
                                  rng.standard_normal((50, 3))),
            "two_layers": (rng.standard_normal((300, 6)), rng.standard_normal(300), rng.standard_normal((6, 9)),
                           rng.standard_normal((9, 5)), rng.standard_normal(5)),
            "softmax_scores": (rng.standard_normal((300, 6)), rng.integers(0, 4, 300), rng.standard_normal((6, 4))),
            "carried_state": (rng.standard_normal((300, 6)), 0.3 * rng.standard_normal((6, 4))),
            "last_scores": (rng.standard_normal((300, 6)), rng.standard_normal((6, 4))),
            "wrapped_scores": (rng.standard_normal((300, 6)), rng.standard_normal((6, 4)))}[name]


ALL = ["hinge_sum", "relu_least_squares", "absolute_deviations", "total_variation", "differences", "running_sum",
       "recurrence", "largest", "until_large", "pair_hinge", "abs_factorization", "two_layers", "softmax_scores",
       "carried_state", "last_scores", "wrapped_scores"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_parallel_derivatives_equal_the_serial_ones_and_finite_differences(name):
    fn = getattr(programs, name)
    args = _arguments(name, np.random.default_rng(7))
    arrays = [k for k, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype == np.float64]
    serial = nsadc.differentiate(fn, wrt=[fn.__code__.co_varnames[k] for k in arrays])
    par = nsadc.differentiate(fn, wrt=list(serial.wrt), parallel=True)
    # the kernel the API compiled is the emitted one: parallel exactly where a loop is
    has_prange = "prange" in functions(emitted(name))[f"{name}_grad"]
    assert bool(par.compiled(*args).grad.targetoptions.get("parallel")) == has_prange
    value, grads = par.vjp(args, 1.0)
    want_value, want = serial.vjp(args, 1.0)
    np.testing.assert_allclose(value, want_value, rtol=1e-12)
    assert value == pytest.approx(fn(*args), rel=1e-12)
    for g, w in zip(grads, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12 * np.max(np.abs(w)))
    # forward mode along a random direction, and central differences of the function itself
    rng = np.random.default_rng(8)
    tangents = [rng.standard_normal(args[k].shape) for k in arrays]
    _, dot = par.jvp(args, tangents)
    _, want_dot = serial.jvp(args, tangents)
    assert dot == pytest.approx(want_dot, rel=1e-12, abs=1e-12)
    h = 1e-6
    plus, minus = list(args), list(args)
    for k, t in zip(arrays, tangents):
        plus[k] = args[k] + h * t
        minus[k] = args[k] - h * t
    fd = (fn(*plus) - fn(*minus)) / (2 * h)
    assert dot == pytest.approx(fd, rel=1e-6, abs=1e-6)
    assert sum(float(np.sum(g * t)) for g, t in zip(grads, tangents)) == pytest.approx(fd, rel=1e-6, abs=1e-6)


@pytest.mark.slow
def test_partials_do_not_depend_on_the_threads_a_call_runs_on():
    import numba

    fn = programs.absolute_deviations
    par = nsadc.differentiate(fn, wrt=["w"], parallel=True)
    args = _arguments("absolute_deviations", np.random.default_rng(3))
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = nsadc.grad(par)(*args)
        numba.set_num_threads(before)
        many = nsadc.grad(par)(*args)
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, many)
