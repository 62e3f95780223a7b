"""The targets a user names (``differentiate(f, target=...)``, ``nsadc emit
--target``) and the backend each emits its code for."""

from __future__ import annotations

from dataclasses import replace

from nsadc.backends.lowering import (NUMBA_CPU, NUMBA_CPU_BOUNDSCHECK, NUMBA_CPU_PARALLEL,
                                     NUMBA_CPU_PARALLEL_BOUNDSCHECK, PYTHON, Backend)
from nsadc.backends.numba_cuda import NUMBA_CUDA
from nsadc.backends.reused_tapes import with_reused_tapes
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


def with_kept_tapes(backend: Backend) -> Backend:
    """``backend`` where each reverse-mode function also gets a twin taking its
    tapes from memory the caller keeps between calls (backends/reused_tapes.py):
    the API's cpu builds.  Other targets, and the CLI's modules, are as they are."""
    if backend.name != "cpu" or backend.prepare is not None:
        return backend
    return replace(backend, prepare=with_reused_tapes)


def parallel_refusal(target: str) -> str:
    """Why ``parallel=True`` is refused on a target other than cpu."""
    if target == "cuda":
        return ("parallel=True is the cpu target's mode (loops on several CPU threads); on target='cuda' "
                "the parallelism is your kernel's threads, each calling the device functions")
    return (f"parallel=True needs target='cpu' (its loops run with numba.prange); target={target!r} "
            "runs the emitted code serially, without Numba")
