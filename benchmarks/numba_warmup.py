"""What any numba program pays once per process before its first compiled call
(LLVM and runtime start-up, array allocation): measured apart from nsadc."""

import numba
import numpy as np


@numba.njit(cache=True)
def warm(x):
    a = np.empty(3)
    a[0] = x
    return a[0] + 1.0
