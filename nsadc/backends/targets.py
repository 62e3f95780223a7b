"""The targets a user names (``differentiate(f, target=...)``, ``nsadc emit
--target``) and the backend each emits its code for."""

from __future__ import annotations

from nsadc.backends.lowering import (NUMBA_CPU, NUMBA_CPU_BOUNDSCHECK, NUMBA_CPU_PARALLEL,
                                     NUMBA_CPU_PARALLEL_BOUNDSCHECK, PYTHON, Backend)
from nsadc.backends.numba_cuda import NUMBA_CUDA
from nsadc.errors import NsadcError

TARGETS = ("cpu", "python", "cuda")


def backend_for(target: str, boundscheck: bool = False, parallel: bool = False) -> Backend:
    """The backend of a target (one of ``TARGETS``); ``parallel``: the cpu
    target's parallel mode (docs/parallel.md), which the others refuse."""
    if parallel and target != "cpu":
        raise NsadcError(parallel_refusal(target))
    if target == "cpu":
        if parallel:
            return NUMBA_CPU_PARALLEL_BOUNDSCHECK if boundscheck else NUMBA_CPU_PARALLEL
        return NUMBA_CPU_BOUNDSCHECK if boundscheck else NUMBA_CPU
    if target == "cuda":
        return NUMBA_CUDA
    if target == "python":
        return PYTHON
    raise ValueError(target)


def parallel_refusal(target: str) -> str:
    """Why ``parallel=True`` is refused on a target other than cpu."""
    if target == "cuda":
        return ("parallel=True is the cpu target's mode (loops on several CPU threads); on target='cuda' "
                "the parallelism is your kernel's threads, each calling the device functions")
    return (f"parallel=True needs target='cpu' (its loops run with numba.prange); target={target!r} "
            "runs the emitted code serially, without Numba")
