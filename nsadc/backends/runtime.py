"""The tape helpers, compiled once per installation.

Compiling them (and NumPy's `np.empty` beneath them) took about 1 s of every
reverse-mode derivative's first compile; numba's on-disk cache keeps them here
across processes, so a compiled module only loads them.
"""

import numba

from nsadc.backends import tape_helpers

_new_tape = numba.njit(cache=True)(tape_helpers._new_tape)
_new_int_tape = numba.njit(cache=True)(tape_helpers._new_int_tape)
_reserve = numba.njit(cache=True)(tape_helpers._reserve)


def warm() -> None:
    """Compile (or load from numba's cache) every helper for the types emitted
    code calls them with."""
    _reserve(_new_tape(1), 2)
    _reserve(_new_int_tape(1), 2)
