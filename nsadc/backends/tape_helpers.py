"""The tape helpers of reverse-mode code, as plain Python.

Emitted reverse-mode code keeps its tapes in NumPy arrays, allocated by
`_new_tape` and grown by doubling in `_reserve`.  A standalone module from
`nsadc emit` carries these functions as text (:func:`helpers_source`), so it
needs only math and numpy; a compiled module imports them, compiled once per
installation, from :mod:`nsadc.backends.runtime` instead.
"""

import hashlib
import inspect
import sys
from pathlib import Path

import numpy as np


def _new_tape(size):
    """An empty float tape."""
    return np.empty(size)


def _new_int_tape(size):
    """An empty int tape."""
    return np.empty(size, np.int64)


def _reserve(tape, size):
    """The tape, with room for at least size values (grown by doubling)."""
    if size <= tape.shape[0]:
        return tape
    grown = np.empty(max(size, 2 * tape.shape[0]), tape.dtype)
    for k in range(tape.shape[0]):  # a loop: numba compiles a slice copy 4x slower
        grown[k] = tape[k]
    return grown


HELPERS = ("_new_tape", "_new_int_tape", "_reserve")


def helpers_source() -> str:
    """The helpers' source, for a standalone module."""
    module = sys.modules[__name__]
    return "\n\n".join(inspect.getsource(getattr(module, name)) for name in HELPERS)


def import_line() -> str:
    """How a compiled module imports the helpers.  Numba's cache of a module
    does not see a change in the functions it calls, so the line names this
    file's hash: changed helpers give a new module, compiled afresh."""
    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    return f"from nsadc.backends.runtime import {', '.join(HELPERS)}  # tape helpers {digest}"
