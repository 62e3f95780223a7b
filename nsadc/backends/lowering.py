"""Backends: what of the emitted code depends on where it runs.

The emitter (nsadc/emit.py) writes each IR statement and primitive in Python
syntax; a :class:`Backend` decides the rest: the decorator every function
gets (and in the cpu target's parallel mode, which loops run on several
threads), the imports, how a float ``max``/``min`` is written (``np.maximum`` keeps a
NaN, and so does the cpu module's ``_maximum``; CUDA device code writes
Python's), and where a tape's
storage lives (a NumPy array on the CPU; per-thread memory of a size fixed
at compile time on a GPU).  ``PYTHON`` and ``NUMBA_CPU`` are defined here;
the CUDA backend lives in nsadc/backends/numba_cuda.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from nsadc.ir.nodes import Call, Const, Expr, Function, TapeAlloc, variables
from nsadc.passes.parallel_loops import parallel_loops


@dataclass(frozen=True)
class Backend:
    name: str
    decorator: str | None = None  # the line above every emitted function
    imports: tuple[str, ...] = ()  # beyond math and numpy
    numpy_extrema: bool = True  # float max / min that keep a NaN (np.maximum / np.minimum)
    # ... written as the module's _maximum / _minimum, compiled with it (Numba runs them faster);
    # the python target keeps NumPy's, so that a function of its module compiles alone with numba.njit
    extrema_helpers: bool = False
    local_tapes: bool = False  # tapes of a size known at compile time in per-thread local memory
    # long functions call one function for each loop they hold several times (backends/outlining.py)
    outlines_loops: bool = False

    # rewrites an emitted function before it is written (a backend that cannot
    # allocate gives its tapes a caller's scratch array): function -> the
    # functions to write in its place
    prepare: Callable[[Function], list[Function]] | None = None

    # the cpu target's parallel mode: rewrites a function as it is written (its
    # loops whose iterations may run on several threads marked parallel), and
    # the decorator of a function that has such a loop
    parallelize: Callable[[Function], Function] | None = None
    parallel_decorator: str | None = None

    def decorated(self, source: str, parallel: bool = False) -> str:
        decorator = self.parallel_decorator if parallel and self.parallel_decorator else self.decorator
        return f"{decorator}\n{source}" if decorator else source

    def prepared(self, fn: Function) -> list[Function]:
        return self.prepare(fn) if self.prepare else [fn]

    def tape_alloc(self, s: TapeAlloc, source: Callable[[Expr], str]) -> str:
        """The statement that gives a tape its storage (``source`` writes an expression)."""
        if self.local_tapes:
            n = constant_int(s.size)
            if n is not None:
                return f"{s.tape} = cuda.local.array({max(n, 1)}, numba.{'int64' if s.dtype == 'int' else 'float64'})"
        if s.scratch is not None:
            start = source(s.offset)
            end = source(s.size) if start == "0" else f"{start} + {source(s.size)}"
            return f"{s.tape} = {s.scratch}[{start}:{end}]"
        return f"{s.tape} = np.empty({source(s.size)}{', np.int64' if s.dtype == 'int' else ''})"


def constant_int(e: Expr) -> int | None:
    """The value of an int expression made of constants alone (a tape's size
    when every loop that pushes has a constant trip count); None otherwise."""
    if variables(e):
        return None
    if isinstance(e, Const):
        return e.value if isinstance(e.value, int) and not isinstance(e.value, bool) else None
    if not isinstance(e, Call):
        return None
    args = [constant_int(a) for a in e.args]
    if any(a is None for a in args):
        return None
    if e.prim == "add":
        return args[0] + args[1]
    if e.prim == "sub":
        return args[0] - args[1]
    if e.prim == "mul":
        return args[0] * args[1]
    if e.prim == "neg":
        return -args[0]
    if e.prim == "trips" and args[2] != 0:
        return len(range(*args))
    return None


PYTHON = Backend("python")
NUMBA_CPU = Backend("cpu", "@numba.njit(cache=True)", ("import numba",), extrema_helpers=True, outlines_loops=True)
NUMBA_CPU_BOUNDSCHECK = Backend("cpu", "@numba.njit(cache=True, boundscheck=True)", ("import numba",),
                                extrema_helpers=True, outlines_loops=True)


def parallel(backend: Backend) -> Backend:
    """A Numba CPU backend in parallel mode (docs/parallel.md): the top-level
    loops that may run in parallel as ``numba.prange``, in functions compiled
    with ``parallel=True``; every other function as ``backend`` writes it."""
    return replace(backend, parallelize=parallel_loops,
                   parallel_decorator=backend.decorator.replace(")", ", parallel=True)"))


NUMBA_CPU_PARALLEL = parallel(NUMBA_CPU)
NUMBA_CPU_PARALLEL_BOUNDSCHECK = parallel(NUMBA_CPU_BOUNDSCHECK)


