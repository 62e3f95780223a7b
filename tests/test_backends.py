"""The backend seam and the tape statements: what depends on the target is
decided by a Backend (decorator, imports, max/min spelling, tape storage),
and tapes are IR statements whose pushes and pops are paired."""

import nsadc
from nsadc.backends.lowering import NUMBA_CPU, PYTHON, Backend, constant_int
from nsadc.emit import function_source, lowered_for, module_source
from nsadc.ir.nodes import (Call, Const, CounterStep, Function, Param, Return, TapeAlloc, TapePop, TapePush, Var,
                            walk)
from nsadc.pipeline import compile_function
from programs import cuda_cases

LOCAL = Backend("test", "@dev", ("import numba", "from numba import cuda"), numpy_extrema=False, local_tapes=True)


def _trips(start, stop, step=1):
    return Call("trips", (Const(start), Const(stop), Const(step)))


def test_constant_sizes_are_evaluated():
    assert constant_int(Call("add", (Call("mul", (Const(2), _trips(0, 6))), Const(1)))) == 13
    assert constant_int(_trips(9, 0, -2)) == len(range(9, 0, -2))
    assert constant_int(Call("sub", (Const(4), Const(1)))) == 3
    assert constant_int(Call("mul", (Const(2), Var("n")))) is None
    assert constant_int(Const(1.5)) is None


def _with_tape(size):
    return Function("f", [Param("x", "float")], [TapeAlloc("tape", size), CounterStep("n_tape", "=", Const(0)),
                                                 Return(Var("x"))])


def test_a_backend_decides_where_a_tape_lives():
    assert "tape = np.empty(len(range(6)))" in function_source(_with_tape(_trips(0, 6)))
    with lowered_for(LOCAL):
        assert "tape = cuda.local.array(6, numba.float64)" in function_source(_with_tape(_trips(0, 6)))
        # a size the arguments decide cannot be a local array: the CPU's allocation stays (and is refused)
        assert "tape = np.empty(2 * n)" in function_source(_with_tape(Call("mul", (Const(2), Var("n")))))


def test_a_backend_decorates_and_imports():
    fn = Function("f", [Param("x", "float"), Param("y", "float")],
                  [Return(Call("max", (Var("x"), Var("y"))))], types={"x": "float", "y": "float"})
    plain = module_source(["h"], [fn], PYTHON)
    # the python module's functions each compile alone with numba.njit: NumPy's max, no helper
    assert "import numba" not in plain and "np.maximum(x, y)" in plain and "@" not in plain
    cpu = module_source(["h"], [fn], NUMBA_CPU)
    assert "import numba\n" in cpu and "@numba.njit(cache=True)\ndef f(x, y):" in cpu
    assert "_maximum(x, y)" in cpu and "def _minimum(" not in cpu  # the helper it calls, alone
    assert "@numba.njit(cache=True)\ndef _maximum(a, b):" in cpu
    device = module_source(["h"], [fn], LOCAL)
    assert "from numba import cuda" in device and "@dev\ndef f(x, y):" in device and "max(x, y)" in device


def test_pushes_and_pops_are_paired():
    """Every pop of the reverse sweep reads back a value some push kept: the
    same tape, the same value, the same pair id."""
    for fn in (cuda_cases.tent_steps, cuda_cases.projected_steps, cuda_cases.nested_fixed):
        d = nsadc.differentiate(fn, target="python")
        comp = compile_function(*d._source(), d.wrt, d.policy, d._env)
        stmts = list(walk(comp.vjp.body))
        pushes = {(s.tape, s.value, s.pair) for s in stmts if isinstance(s, TapePush)}
        pops = {(s.tape, s.target, s.pair) for s in stmts if isinstance(s, TapePop)}
        assert pops and pops <= pushes, fn.__name__
        assert all(s.pair > 0 for s in stmts if isinstance(s, (TapePush, TapePop)))


def test_a_fixed_loop_tape_has_a_constant_size():
    """Six iterations push one value each: the tape is sized 6 at compile time."""
    d = nsadc.differentiate(cuda_cases.tent_steps, target="python")
    comp = compile_function(*d._source(), d.wrt, d.policy, d._env)
    alloc = next(s for s in comp.vjp.body if isinstance(s, TapeAlloc))
    assert constant_int(alloc.size) == 6
