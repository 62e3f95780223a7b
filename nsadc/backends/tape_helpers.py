"""The tape helper of reverse-mode code, as plain Python.

Emitted reverse-mode code keeps its tapes in NumPy arrays grown by doubling in
`_reserve`, called only when a tape is full (:func:`reserve_lines`).  Every emitted module, compiled or not, carries the helper as text
(:func:`helpers_source`): the module stays standalone (math, numpy and, when
compiled, numba; never nsadc, so that an emitted module runs where nsadc is
not installed).
"""

import inspect

import numpy as np


def _reserve(tape, size):
    """The tape, with room for at least size values (grown by doubling)."""
    if size <= tape.shape[0]:
        return tape
    grown = np.empty(max(size, 2 * tape.shape[0]), tape.dtype)
    for k in range(tape.shape[0]):  # a loop: numba compiles a slice copy 4x slower
        grown[k] = tape[k]
    return grown


def reserve_lines(tape: str, size: str) -> list[str]:
    """A reservation as emitted code: the capacity test inline, the call only
    when the tape is full, so that a push in a loop whose trip count is not
    known (a `while` loop) costs a compare on the common path."""
    return [f"if {size} > {tape}.shape[0]:", f"    {tape} = _reserve({tape}, {size})"]


def helpers_source() -> str:
    """The helper's source, for an emitted module."""
    return inspect.getsource(_reserve)
