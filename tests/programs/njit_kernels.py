"""Kernels of a project's module, called through the module's name
(tests/test_numba_project_idioms.py)."""

import numba


@numba.njit
def clipped_square(x, hi):
    return min(x * x, hi)


@numba.njit
def smooth_step(x):
    if x <= 0.0:
        return 0.0
    return clipped_square(x, 1.0)
