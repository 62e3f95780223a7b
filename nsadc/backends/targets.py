"""The targets a user names (``differentiate(f, target=...)``, ``nsadc emit
--target``) and the backend each emits its code for."""

from __future__ import annotations

from nsadc.backends.lowering import NUMBA_CPU, NUMBA_CPU_BOUNDSCHECK, PYTHON, Backend
from nsadc.backends.numba_cuda import NUMBA_CUDA

TARGETS = ("cpu", "python", "cuda")


def backend_for(target: str, boundscheck: bool = False) -> Backend:
    """The backend of a target (one of ``TARGETS``)."""
    if target == "cpu":
        return NUMBA_CPU_BOUNDSCHECK if boundscheck else NUMBA_CPU
    if target == "cuda":
        return NUMBA_CUDA
    if target == "python":
        return PYTHON
    raise ValueError(target)
