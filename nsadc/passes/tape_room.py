"""A `for` loop's pushes find their room before the loop, not at each push.

Where no bound on a tape's depth is known from the arguments (the pushes
sit in a `while` loop whose trip count is the data's), each push of an
array element makes its room first:

    for i in range(1, n):
        ...
        if n_flux + 1 > flux_elements.shape[0]:
            flux_elements = _reserve(flux_elements, n_flux + 1)
        flux_elements[n_flux] = flux[i]
        n_flux += 1

The compare is cheap, but the tape is assigned in the loop: Numba then
handles the array's reference on every iteration and the loop does not
vectorise (a glacier model's flux loop: 334 ms for the gradient with the
room made per push, 250 ms with it made once per step, hand-edited).  The
loop's iterations push at most ``trips * k`` values, ``k`` the rooms its
body asks for per iteration, so one reservation of that much before the
loop covers every push.  Inner loops go first, so a nest's room moves out
of as many loops as its size does not depend on.  A tape keeps its
reservations in the loop where one of them asks for room the loop changes
(a whole array whose size moves), or where the loop sets or lowers its
counter: a loop of the reverse sweep pops what each iteration's re-run
pushed, and room for every iteration's pushes at once would hold far more
than the tape ever does.
"""

from __future__ import annotations

from nsadc.ir.build import add, mul
from nsadc.ir.nodes import Comment, CounterStep, Expr, For, Function, If, Stmt, TapeReserve, child_blocks, variables, walk
from nsadc.passes.buffer_growth import changed_in
from nsadc.transforms.tapes import loop_trips


def reserve_before_loops(fn: Function) -> None:
    """Move, in place, the reservations of ``fn``'s `for` loops before them (module docstring)."""
    _block(fn.body)


def _block(block: list[Stmt]) -> None:
    k = 0
    while k < len(block):
        s = block[k]
        for child in child_blocks(s):
            _block(child)
        if isinstance(s, For):
            moved = _hoisted(s)
            if moved:
                at = k
                while at > 0 and isinstance(block[at - 1], Comment):  # the loop's own note stays beside it
                    at -= 1
                block[at:at] = moved
                k += len(moved)
        k += 1


def _hoisted(loop: For) -> list[Stmt]:
    """The reservations for ``loop``'s pushes, taken out of its body."""
    changed = changed_in(loop)
    reserves = _reserves(loop.body)
    rooms: dict[tuple[str, str], Expr] = {}
    kept: set[tuple[str, str]] = set()
    for r in reserves:
        key = (r.tape, r.counter)
        if variables(r.room) & changed or any(isinstance(t, CounterStep) and t.counter == r.counter and t.op != "+="
                                              for t in walk(loop.body)):
            kept.add(key)
        rooms[key] = add(rooms[key], r.room) if key in rooms else r.room
    moving = {id(r) for r in reserves if (r.tape, r.counter) not in kept}
    if not moving:
        return []
    _drop(loop.body, moving)
    trips = loop_trips(loop)
    return [TapeReserve(tape, counter, mul(trips, room)) for (tape, counter), room in rooms.items()
            if (tape, counter) not in kept]


def _reserves(block: list[Stmt]) -> list[TapeReserve]:
    """The reservations of ``block`` and of the `if`s in it (an inner loop's
    are its own: they moved before it already, or stay)."""
    out: list[TapeReserve] = []
    for t in block:
        if isinstance(t, TapeReserve):
            out.append(t)
        elif isinstance(t, If):
            out += _reserves(t.body) + _reserves(t.orelse)
    return out


def _drop(block: list[Stmt], ids: set[int]) -> None:
    block[:] = [t for t in block if id(t) not in ids]
    for t in block:
        if isinstance(t, If):
            _drop(t.body, ids)
            _drop(t.orelse, ids)
