"""An adjoint table whose reverse loop touches a few neighbouring rows is kept
as a ring of those rows (nsadc/passes/adjoint_rows.py); the look-alikes keep
the whole table.  Gradients against central differences, and against the
same kernel compiled with the pass left out: equal to the last bit, at kinks
(ties of the recursions' min and max), on NaN and infinities, and at the
smallest sizes (a loop that runs once or never)."""

import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import assert_same_bits, central_differences, kernel_gradient

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
import adjoint_rows as programs  # noqa: E402

_ids = lambda v: getattr(v, "__name__", "")  # noqa: E731


def _grad(fn, wrt, args, target="python", full=False, monkeypatch=None, tmp_path=None):
    """``full``: compiled with the pass left out."""
    return kernel_gradient(fn, wrt, args, target, ("ring_adjoint_rows",) if full else (), monkeypatch, tmp_path)


@pytest.mark.parametrize("fn, wrt", programs.ROWS, ids=_ids)
def test_a_tables_adjoint_keeps_a_ring_of_rows(fn, wrt):
    args = programs.arguments(fn, np.random.default_rng(0))
    _, src = _grad(fn, wrt, args)
    # the ring is made in the table's dtype (float32 tables keep float32 adjoints)
    assert "# rows:" in src and ".dtype)" in src and "np.zeros_like(" not in src.split("# reverse sweep")[0], src
    k = fn.__code__.co_varnames.index(wrt)
    for seed in range(3):
        args = programs.arguments(fn, np.random.default_rng(seed))
        g, _ = _grad(fn, wrt, args)
        np.testing.assert_allclose(g, central_differences(fn, args, k), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn, wrt", programs.KEPT, ids=_ids)
def test_the_look_alikes_keep_the_whole_table(fn, wrt):
    args = programs.arguments(fn, np.random.default_rng(1))
    g, src = _grad(fn, wrt, args)
    assert "# rows:" not in src, src
    k = fn.__code__.co_varnames.index(wrt)
    np.testing.assert_allclose(g, central_differences(fn, args, k), rtol=1e-5, atol=1e-6)


def _hard_inputs(fn, seed):
    """Generic data, integer data (ties of every min and max), data with a
    NaN and an infinity, and the smallest tables."""
    rng = np.random.default_rng(seed)
    out = [programs.arguments(fn, rng), programs.arguments(fn, rng, integers=True),
           programs.arguments(fn, rng, small=True), programs.arguments(fn, rng, integers=True, small=True)]
    special = [a.copy() if isinstance(a, np.ndarray) else a for a in programs.arguments(fn, rng)]
    special[0].flat[2] = np.nan
    special[0].flat[special[0].size // 2] = np.inf
    out.append(tuple(special))
    return out


@pytest.mark.parametrize("fn, wrt", programs.ROWS, ids=_ids)
def test_the_ring_gives_the_full_tables_gradient_to_the_last_bit(fn, wrt, monkeypatch, tmp_path):
    for args in _hard_inputs(fn, 0):
        with np.errstate(invalid="ignore", over="ignore"):
            ring, src = _grad(fn, wrt, args)
            with monkeypatch.context() as m:
                full, old = _grad(fn, wrt, args, full=True, monkeypatch=m, tmp_path=tmp_path)
        assert "# rows:" in src and "# rows:" not in old
        assert_same_bits(ring, full)


@pytest.mark.slow
@pytest.mark.parametrize("fn, wrt", programs.ROWS, ids=_ids)
def test_the_compiled_ring_is_the_python_ones(fn, wrt):
    for args in _hard_inputs(fn, 2):
        with np.errstate(invalid="ignore", over="ignore"):
            g_cpu, src = _grad(fn, wrt, args, target="cpu")
            g_py, _ = _grad(fn, wrt, args)
        assert "# rows:" in src
        np.testing.assert_array_equal(g_cpu, g_py)

