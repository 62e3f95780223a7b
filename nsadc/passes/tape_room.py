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
counter, unless each iteration pops again every value it pushes (below).

A loop of the reverse sweep pops what each iteration's re-run pushed: each
iteration leaves the counter no higher than it found it, so the room one
iteration asks for, reserved once before the loop, covers them all (not
``trips`` times it, which would hold far more than the tape ever does):

    for k_back in range(n_iter):            if n_tape + 3 > tape.shape[0]:
        n_tape -= 1                             tape = _reserve(tape, n_tape + 3)
        trans = tape[n_tape]                for k_back in range(n_iter):
        ...                                     n_tape -= 1
        if tied:                    ->          ...
            if n_tape + 3 > ...:                if tied:
                tape = _reserve(...)                for e in range(3):
            for e in range(3):                          tape[n_tape + e] = d
                tape[n_tape + e] = d                ...
            ...                                     for e in range(2, -1, -1):
            for e in range(2, -1, -1):                  d = tape[n_tape - 3 + e]
                d = tape[n_tape - 3 + e]

(a raster's reverse over its triangles: 52 ms with the room made in the
loop, where Numba handles the tape's reference on every iteration, 26 ms
with it made once).  Such a loop is known by its statements: every push
is read back by a pop later in the same body, every push follows a
reservation there, and no statement sets the counter outright.
"""

from __future__ import annotations

from nsadc.ir.build import add, mul
from nsadc.ir.nodes import (Comment, CounterStep, Expr, For, Function, If, Stmt, TapePop, TapePush, TapeReserve,
                            child_blocks, variables, walk)
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
    collected = {id(r) for r in reserves}
    balanced: set[tuple[str, str]] = set()
    for r in reserves:
        key = (r.tape, r.counter)
        if key not in rooms and _pops_what_it_pushes(loop, r.tape, r.counter, collected):
            balanced.add(key)
        if variables(r.room) & changed or key not in balanced and any(
                isinstance(t, CounterStep) and t.counter == r.counter and t.op != "+=" for t in walk(loop.body)):
            kept.add(key)
        rooms[key] = add(rooms[key], r.room) if key in rooms else r.room
    moving = {id(r) for r in reserves if (r.tape, r.counter) not in kept}
    if not moving:
        return []
    _drop(loop.body, moving)
    trips = loop_trips(loop)
    return [TapeReserve(tape, counter, room if (tape, counter) in balanced else mul(trips, room))
            for (tape, counter), room in rooms.items() if (tape, counter) not in kept]


def _pops_what_it_pushes(loop: For, tape: str, counter: str, collected: set[int]) -> bool:
    """Whether each iteration of ``loop`` reads back every value it pushes on
    ``tape`` and leaves the counter no higher than it found it (a loop of the
    reverse sweep): no statement sets the counter outright, every
    reservation of the tape in the body is one of ``collected`` (none stays
    in an inner loop), every push follows one of them and is read back by a
    pop of its pair later in the body."""
    body = list(walk(loop.body))
    if any(isinstance(t, CounterStep) and t.counter == counter and t.op == "=" or
           isinstance(t, TapeReserve) and t.tape == tape and id(t) not in collected for t in body):
        return False
    for k, t in enumerate(body):
        if isinstance(t, TapePush) and t.tape == tape and not (t.pair and any(
                isinstance(u, TapePop) and u.tape == tape and u.pair == t.pair for u in body[k + 1:])):
            return False
    return any(isinstance(t, TapePush) and t.tape == tape for t in body) and _reserved_first(loop.body, tape, False)


def _reserved_first(block: list[Stmt], tape: str, reserved: bool) -> bool:
    """Whether every push on ``tape`` in ``block`` follows a reservation of it
    (``reserved``: one came before the block)."""
    for t in block:
        if isinstance(t, TapeReserve) and t.tape == tape:
            reserved = True
        elif isinstance(t, TapePush) and t.tape == tape and not reserved:
            return False
        elif not all(_reserved_first(child, tape, reserved) for child in child_blocks(t)):
            return False
    return True


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
