"""A loop's pushes find their room before the loop, not at each push.

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
loop covers every push.  A `while` loop whose test caps a counter (a `for`
loop with a ``break``, lowered; :func:`nsadc.transforms.while_trips.while_trips`)
has that bound for ``trips``.  Inner loops go first, so a nest's room moves
out of as many loops as its size does not depend on.  A tape keeps its
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
from nsadc.ir.nodes import (OPAQUE, Assign, Call, Comment, CounterStep, Expr, For, Function, If, Raw, Stmt,
                            TapePop, TapePush, TapeReserve, Var, While, child_blocks, is_store, raw_names, variables,
                            walk)
from nsadc.passes.buffer_growth import changed_by, changed_in
from nsadc.transforms.tapes import loop_trips
from nsadc.transforms.while_trips import while_trips


def reserve_before_loops(fn: Function) -> None:
    """Move, in place, the reservations of ``fn``'s loops before them (module docstring)."""
    _block(fn.body, fn.types)


def _block(block: list[Stmt], types: dict) -> None:
    k = 0
    while k < len(block):
        s = block[k]
        for child in child_blocks(s):
            _block(child, types)
        if isinstance(s, (For, While)):
            at = k
            while at > 0 and isinstance(block[at - 1], Comment):  # the loop's own note stays beside it
                at -= 1
            before: dict[tuple[str, str], list[int] | None] = {}

            def beside(key: tuple[str, str]) -> list[int] | None:
                if key not in before:
                    before[key] = _reserves_before(block, at, key)
                return before[key]

            moved = _hoisted(s, loop_trips(s) if isinstance(s, For) else while_trips(s, types), beside)
            if moved:
                # a reservation of the same tape already before the loop asks for room above the
                # same counter: the loop's pushes and those it made room for need the sum
                merged = {j for r in moved for j in before[(r.tape, r.counter)]}
                moved = [TapeReserve(r.tape, r.counter, _sum([block[j].room for j in sorted(before[(
                    r.tape, r.counter)])] + [r.room])) for r in moved]
                block[:] = [t for j, t in enumerate(block) if j not in merged]
                at -= len(merged)  # (every one of them before the loop's notes)
                block[at:at] = moved
                k += len(moved) - len(merged)
        k += 1


def _sum(rooms: list[Expr]) -> Expr:
    total = rooms[0]
    for room in rooms[1:]:
        total = add(total, room)
    return total


def _reserves_before(block: list[Stmt], at: int, key: tuple[str, str]) -> list[int] | None:
    """The indices of the reservations of ``key``'s tape among the statements
    before ``at`` back to the first that pushes on it or moves its counter
    (their room is still unused where the loop starts); None where one of
    them reads a name a statement between it and ``at`` assigns (its room
    cannot be counted at ``at``)."""
    found: list[int] = []
    assigned_between: set[str] = set()
    for k in range(at - 1, -1, -1):
        t = block[k]
        if isinstance(t, TapeReserve) and (t.tape, t.counter) == key:
            if variables(t.room) & assigned_between:
                return None
            found.append(k)
            continue
        if any(isinstance(u, OPAQUE) and set(key) & raw_names(u) for u in walk([t])):
            break
        assigned_between |= changed_by([t])
    return found


def _hoisted(loop: For | While, trips: Expr | None, beside) -> list[TapeReserve]:
    """The reservations for ``loop``'s pushes, taken out of its body
    (``trips`` bounds its trip count; None where nothing does; ``beside``
    gives the reservations of a tape just before the loop, None where they
    cannot be added to)."""
    changed = changed_in(loop)
    reserves = _reserves(loop.body)
    rooms: dict[tuple[str, str], Expr] = {}
    kept: set[tuple[str, str]] = set()
    collected = {id(r) for r in reserves}
    # a tape that keeps a reservation in an inner loop pushes there past the room counted here
    inner = {(t.tape, t.counter) for t in walk(loop.body) if isinstance(t, TapeReserve) and id(t) not in collected}
    balanced: set[tuple[str, str]] = set()
    for r in reserves:
        key = (r.tape, r.counter)
        if key not in rooms and _pops_what_it_pushes(loop, r.tape, r.counter, collected):
            balanced.add(key)
        room = _same_in_every_iteration(r.room, loop, changed, _top_index(loop.body, r))
        if room is None or key in inner or beside(key) is None or key not in balanced and (trips is None or any(
                isinstance(t, CounterStep) and t.counter == r.counter and t.op != "+=" for t in walk(loop.body))):
            kept.add(key)
            room = r.room
        rooms[key] = add(rooms[key], room) if key in rooms else room
    moving = {id(r) for r in reserves if (r.tape, r.counter) not in kept}
    if not moving:
        return []
    _drop(loop.body, moving)
    return [TapeReserve(tape, counter, room if (tape, counter) in balanced else mul(trips, room))
            for (tape, counter), room in rooms.items() if (tape, counter) not in kept]


# the operations of a size that gives the same value wherever its operands do
_SIZE_PRIMS = {"copy", "add", "sub", "mul", "neg", "floordiv", "mod", "min", "max", "abs", "shape", "size", "trips"}


def _same_in_every_iteration(room: Expr, loop: For | While, changed: set[str], at: int) -> Expr | None:
    """``room``, read at the body's top-level statement ``at``, written with
    names ``loop`` does not change: each name it changes is replaced by the
    int expression the body last assigns it at its top level before ``at``,
    where nothing in between assigns it again (a bound computed the same way
    in every iteration: ``a = n - 1`` with ``n = shelf.shape[0]``); None
    where a name cannot be."""
    def written(e: Expr, at: int, depth: int) -> Expr | None:
        if isinstance(e, Var):
            if e.name not in changed:
                return e
            k = next((k for k in range(at - 1, -1, -1) if isinstance(loop.body[k], Assign)
                      and loop.body[k].target == e.name), None)
            if k is None or depth > 8 or e.name in changed_by(loop.body[k + 1:at]):
                return None
            return written(loop.body[k].value, k, depth + 1)
        if isinstance(e, Call):
            if e.prim in ("shape", "size") and isinstance(e.args[0], Var) and not _rebound(loop, e.args[0].name):
                args = [e.args[0]] + [written(a, at, depth) for a in e.args[1:]]  # stores keep a shape
                return None if any(a is None for a in args) else Call(e.prim, tuple(args))
            if e.prim not in _SIZE_PRIMS:
                return None
            args = [written(a, at, depth) for a in e.args]
            return None if any(a is None for a in args) else Call(e.prim, tuple(args))
        return e

    return written(room, at, 0)


def _rebound(loop: For | While, array: str) -> bool:
    """Whether ``loop`` may give the name ``array`` another array (not only
    store into it, or put an element back from a tape)."""
    for t in walk(loop.body):
        if isinstance(t, Assign) and t.target == array and not is_store(t) or isinstance(t, (For, While)) and \
                getattr(t, "var", None) == array or isinstance(t, Raw) and array in raw_names(t) or \
                isinstance(t, TapePop) and t.target == Var(array):
            return True
    return False


def _top_index(body: list[Stmt], s: Stmt) -> int:
    """The index of the statement of ``body`` that is or holds ``s``."""
    return next(k for k, t in enumerate(body) if t is s or any(u is s for u in walk([t])))


def _pops_what_it_pushes(loop: For | While, tape: str, counter: str, collected: set[int]) -> bool:
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
