"""Inner loops' results kept from the forward run for the re-run of a time
step (``_forward_results`` in nsadc/transforms/reverse.py).

Each program of tests/programs/forward_results.py is differentiated in
reverse mode and checked against central differences and against forward
mode (a wrong read-back, one row or one step off, moves both); the emitted
source says whether the re-run reads the sums back (``results_tape``) or
runs the inner loops again."""

import inspect

import numpy as np
import pytest

import nsadc
from programs import forward_results as P

from helpers import central_differences

H, D, T = 5, 3, 4


def _cases(rng):
    def m(scale=0.5):
        return scale * rng.standard_normal((H, H))
    return {
        "tanh_rnn": ((rng.standard_normal((T, D)), m(), 0.5 * rng.standard_normal((H, D)), rng.standard_normal(H)),
                     ("W", "U", "v"), True),
        "jacobi_abs": ((np.eye(H) * 4 + m(0.3), rng.standard_normal(H), 6), ("A", "b"), True),
        "power_iteration": ((rng.standard_normal((H, H)) + 2 * np.eye(H), 5), ("A",), True),
        "euler_relu_field": ((m(), rng.standard_normal(H), rng.standard_normal(H), 0.1, 7), ("M", "c", "x0"), True),
        "markov_cost": ((rng.dirichlet(np.ones(H), size=H), rng.standard_normal(H), rng.dirichlet(np.ones(H)), 6),
                        ("P", "cost", "p0"), True),
        "gru_like": ((rng.standard_normal((T, D)), m(), m(), rng.standard_normal(H)), ("Wz", "Wh", "v"), True),
        "sequences_rnn": ((rng.standard_normal((3, T)), m(), rng.standard_normal(H)), ("W", "v"), False),
        "quantile_steps": ((np.column_stack([np.ones(12), rng.standard_normal((12, 2))]), rng.standard_normal(12),
                            0.3 * rng.standard_normal((4, 3)), 0.5), ("B", "lr"), False),
        "two_row_loops": ((rng.standard_normal((T, D)), m(), m(), rng.standard_normal(H)), ("W", "V", "v"), True),
        "pair_energy": ((rng.standard_normal((4, 6)), 2), ("X",), True),
        "pair_energy_longer": ((rng.standard_normal((5, 6)), 5), ("X",), True),
        "inner_store": ((rng.standard_normal((T, D)), m(), rng.standard_normal(H)), ("W", "v"), False),
        "carried_in_row": ((rng.standard_normal((T, D)), m(), rng.standard_normal(H)), ("W", "v"), False),
        "early_stop_rows": ((rng.standard_normal((T, D)), m(), rng.standard_normal(H)), ("W", "v"), False),
        # a row sum inside a step inside an epoch: the step's own sums are kept for the epoch's
        # re-run, so the rows' sums are not also kept for the step's (nothing would push them)
        "epochs_of_steps": ((m(), rng.standard_normal(H), 2, 3), ("A", "x0"), True),
        "sweeps_of_rows": ((m(), rng.standard_normal(H), 2, 3), ("W", "b"), True),
    }


NAMES = list(_cases(np.random.default_rng(0)))


@pytest.mark.parametrize("name", NAMES)
def test_gradients_with_the_sums_read_back(name):
    args, wrt, read_back = _cases(np.random.default_rng(NAMES.index(name)))[name]
    fn = getattr(P, name.replace("_longer", ""))
    d = nsadc.differentiate(fn, wrt=list(wrt), target="python")
    assert ("results_tape" in d.source("reverse", *args)) == read_back
    g = d.grad(*args)
    g = g if isinstance(g, tuple) else (g,)
    params = list(inspect.signature(fn).parameters)
    rng = np.random.default_rng(7)
    tangents = []
    for w, gw in zip(wrt, g):
        fd = central_differences(fn, args, params.index(w))
        np.testing.assert_allclose(gw, fd, rtol=1e-6, atol=1e-6 * (1 + np.max(np.abs(fd))), err_msg=w)
        t = rng.standard_normal(np.shape(gw))
        tangents.append(float(t) if np.ndim(gw) == 0 else t)
    value, dot = d.jvp(args, tangents)
    assert value == pytest.approx(fn(*args), rel=1e-13)
    assert sum(float(np.sum(gw * t)) for gw, t in zip(g, tangents)) == pytest.approx(dot, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", ["tanh_rnn", "jacobi_abs", "power_iteration"])
def test_the_re_run_runs_no_inner_sum(name):
    """The re-run of a step reads its rows' sums back: in the reverse sweep no
    loop multiplies a matrix row by the state before that step's reverse."""
    args, wrt, _ = _cases(np.random.default_rng(0))[name]
    source = nsadc.differentiate(getattr(P, name), wrt=list(wrt), target="python").source("reverse", *args)
    rerun = source.split("# reverse sweep")[1].split("# re-run the iteration, then reverse it")[1]
    step_rerun = rerun.split("_bar")[0]  # up to the first adjoint: the re-run alone
    assert "results_tape[" in step_rerun and "for j in range" not in step_rerun


@pytest.mark.slow
@pytest.mark.parametrize("name", ["tanh_rnn", "jacobi_abs", "markov_cost", "sequences_rnn", "two_row_loops"])
def test_compiled_matches_python(name):
    args, wrt, _ = _cases(np.random.default_rng(3))[name]
    if name == "sequences_rnn":
        args[0][:, 0] = 0.0  # each sequence's first step from the zero state: z = 0, a kink met
    fn = getattr(P, name)
    py = nsadc.differentiate(fn, wrt=list(wrt), target="python")
    cpu = nsadc.differentiate(fn, wrt=list(wrt))
    for got, want in zip(cpu.grad(*args), py.grad(*args)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    v1, g1, rep1 = cpu.value_and_grad(*args, report=True)
    v2, g2, rep2 = py.value_and_grad(*args, report=True)
    assert v1 == pytest.approx(v2, rel=1e-14)
    assert [(k.location, k.count) for k in rep1.kinks] == [(k.location, k.count) for k in rep2.kinks]
    if name == "sequences_rnn":
        assert rep1.kinks and not rep1.exact
