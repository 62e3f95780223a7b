"""Loops over items that each iterate inside (a Newton solve per element, a
path that stops early), whose iterations share only a sum or store each
item's result at the loop's index: reverse mode differentiates each
iteration by a tangent along each of its few inputs
(nsadc/transforms/iteration_tangents.py), with no tape.  Values against the
plain function, gradients against central differences, against forward mode
(the same selections at kinks) and at exact ties; the look-alikes the rule
must leave to ordinary reverse mode; both targets."""

import inspect
import sys
from pathlib import Path

import numpy as np
import pytest

import nsadc
from helpers import central_differences

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import item_solves as programs  # noqa: E402

RULE_NOTE = "no tape"


def _inputs(n: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1.5, 1.5, n), rng.uniform(0.5, 2.0, n), float(rng.uniform(0.3, 1.2))


@pytest.mark.parametrize("fn", programs.CASES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("n, seed", [(7, 1), (4, 2), (1, 3)])
def test_value_and_gradient(fn, n, seed):
    args = _inputs(n, seed)
    value, grad = nsadc.differentiate(fn, target="python").value_and_grad(*args)
    assert value == pytest.approx(fn(*args), rel=1e-12, abs=1e-12)
    for k in range(3):
        np.testing.assert_allclose(grad[k], central_differences(fn, args, k), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("fn", programs.CASES, ids=lambda f: f.__name__)
def test_rule_applies_where_it_should(fn):
    src = nsadc.differentiate(fn, target="python").source("reverse", *_inputs(5, 0))
    assert (RULE_NOTE in src) == (fn in programs.BY_TANGENTS)
    if fn in programs.BY_TANGENTS:
        assert "_reserve" not in src and "tape[" not in src


@pytest.mark.parametrize("fn", programs.BY_TANGENTS, ids=lambda f: f.__name__)
def test_gradient_is_forward_mode_transposed(fn):
    """The tangents take the reverse mode's selections: the gradient equals
    forward mode along each input, up to rounding, and the report variant
    gives the same vector."""
    x, y, lam = _inputs(6, 5)
    d = nsadc.differentiate(fn, target="python")
    grad = d.grad(x, y, lam)
    eye, zeros = np.eye(6), np.zeros(6)
    along_x = [d.jvp((x, y, lam), (eye[k], zeros, 0.0))[1] for k in range(6)]
    along_y = [d.jvp((x, y, lam), (zeros, eye[k], 0.0))[1] for k in range(6)]
    along_lam = d.jvp((x, y, lam), (zeros, zeros, 1.0))[1]
    np.testing.assert_allclose(grad[0], along_x, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad[1], along_y, rtol=1e-12, atol=1e-14)
    assert grad[2] == pytest.approx(along_lam, rel=1e-12, abs=1e-14)
    reported, _ = d.grad(x, y, lam, report=True)
    for a, b in zip(reported, grad):
        np.testing.assert_array_equal(a, b)


def test_exact_values_at_ties():
    """max(t, y) and min(t, y) at t == y: the min-norm selection gives each
    operand half, so d/dx = d/dy = (1 + lam) / 2 and d/dlam = sum(min)."""
    x = np.array([0.3, -1.0, 2.0, 0.0])
    lam = 0.6
    (gx, gy, glam), rep = nsadc.differentiate(programs.tied_hinge, target="python").grad(
        x, x.copy(), lam, report=True)
    np.testing.assert_array_equal(gx, np.full(4, 0.8))
    np.testing.assert_array_equal(gy, np.full(4, 0.8))
    assert glam == pytest.approx(float(np.sum(x)), abs=1e-15)
    assert not rep.exact and len(rep.kinks) == 2


def test_the_sum_read_after_the_loop_scales_the_tangents():
    """s is read by sqrt(s) + lam * s after the loop: the tangents give
    d s / d x, and the reverse sweep scales them by s's adjoint there."""
    x, y, lam = _inputs(5, 9)
    fn = programs.neighbours_solve
    g = nsadc.differentiate(fn, target="python").grad(x, y, lam)
    np.testing.assert_allclose(g[2], central_differences(fn, (x, y, lam), 2), rtol=1e-7)
    np.testing.assert_allclose(g[0], central_differences(fn, (x, y, lam), 0), rtol=1e-6, atol=1e-8)


@pytest.mark.slow
@pytest.mark.parametrize("fn", programs.CASES, ids=lambda f: f.__name__)
def test_compiled_equals_plain_python(fn):
    args = _inputs(9, 4)
    want = nsadc.differentiate(fn, target="python").value_and_grad(*args)
    got = nsadc.differentiate(fn, target="cpu").value_and_grad(*args)
    assert got[0] == pytest.approx(want[0], rel=1e-12)
    for a, b in zip(got[1], want[1]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_results_stored_per_item_as_the_output():
    """A vector output made of the items' results: each row of its Jacobian
    is one result's tangents (diagonal in x and y), and a cotangent's
    vector-Jacobian product agrees with central differences."""
    x, y, lam = _inputs(5, 11)
    d = nsadc.differentiate(programs.solve_each, target="python")
    assert RULE_NOTE in d.source("reverse", x, y, lam)
    jx, jy, jlam = d.jacobian(x, y, lam)
    h = 1e-6
    for k in range(5):
        e = np.zeros(5)
        e[k] = h
        np.testing.assert_allclose(jx[:, k], (programs.solve_each(x + e, y, lam)
                                              - programs.solve_each(x - e, y, lam)) / (2 * h), atol=1e-8)
        np.testing.assert_allclose(jy[:, k], (programs.solve_each(x, y + e, lam)
                                              - programs.solve_each(x, y - e, lam)) / (2 * h), atol=1e-8)
    w = np.arange(5.0) - 2.0
    _, (bx, by, blam) = d.vjp((x, y, lam), w)
    np.testing.assert_allclose(bx, w @ jx, rtol=1e-12, atol=1e-14)
    assert blam == pytest.approx(float(w @ jlam), rel=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("fn", [programs.cubic_roots, programs.kepler_anomaly, programs.stored_roots,
                                programs.barrier_paths, programs.logistic_particles], ids=lambda f: f.__name__)
def test_parallel_mode_runs_the_items_on_every_thread(fn):
    """The iterations by tangents are independent (a `while` loop inside is
    private to its iteration): parallel mode runs them under prange, and
    the gradient equals the serial one up to the order of the sums."""
    args = _inputs(40, 6)
    serial = nsadc.differentiate(fn, target="cpu").grad(*args)
    d = nsadc.differentiate(fn, target="cpu", parallel=True)
    kernels = d.compiled(*args)
    assert "prange" in inspect.getsource(kernels.grad.py_func)
    for a, b in zip(d.grad(*args), serial):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_a_step_s_partials_are_computed_once_for_every_input():
    """Within a Newton step, the intermediates' tangents are kept as shared
    coefficients (``dstep_dt``), which each input's tangent update reads:
    no tangent of ``t * t`` or of ``f`` per input."""
    src = nsadc.differentiate(programs.cubic_roots, target="python").source("reverse", *_inputs(4, 0))
    step = src[src.index("while "):src.index("# reverse sweep")]
    assert "dstep_dt = " in step and "dstep_dt * t_dot_x_i" in step and "dstep_dt * t_dot_y_i" in step
    assert "tt_dot" not in step and "f_dot" not in step
