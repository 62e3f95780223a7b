"""A `while` loop's tapes grow once per chunk of iterations, not in the loop.

A loop whose trip count is not known (Newton's iterations, a walk until a
test fails) makes room on its tapes at every iteration:

    while gt:
        if n_tape + 1 > tape.shape[0]:
            tape = _reserve(tape, n_tape + 1)
        tape[n_tape] = t
        ...

The test is one compare, but ``tape`` is assigned in the loop, and Numba
then handles the array's reference on every iteration: on a Newton solve
the pushes cost 17.4 ms against 13.1 ms for the same pushes into a tape
that is never reassigned (hand-edited copies, 200,000 solves of about six
iterations each).  The loop now reserves room for ``CHUNK`` iterations at
a time, outside an inner loop that runs at most that many:

    while gt:
        if n_tape + 64 > tape.shape[0]:
            tape = _reserve(tape, n_tape + 64)
        for chunk in range(64):
            tape[n_tape] = t
            ...
            if not gt:
                break

The iterations, and what each pushes, are the same; a tape may be up to
``CHUNK`` iterations' room larger.  Only loops with no jump of their own
(``break``, ``continue``, ``return``: the chunk's ``break`` must be the only
one) whose reservations are statements of the loop's body itself, each for
a constant number of values, are rewritten: a loop that keeps a whole
array per iteration would reserve 64 copies of it.
"""

from __future__ import annotations

from nsadc.ir.build import add, mul
from nsadc.ir.names import Names
from nsadc.ir.nodes import (Break, Call, Comment, Const, Continue, Expr, For, Function, If, Return, Stmt, TapeReserve,
                            While, child_blocks, walk)
from nsadc.passes.loop_analysis import all_names

CHUNK = 64  # iterations between two reservations


def reserve_tapes_by_chunks(fn: Function) -> None:
    """Rewrite, in place, each qualifying `while` loop of ``fn`` (module docstring)."""
    _block(fn.body, Names(all_names(fn)))


def _block(block: list[Stmt], names: Names) -> None:
    for s in block:
        for child in child_blocks(s):
            _block(child, names)
        if isinstance(s, While) and _qualifies(s):
            _chunked(s, names)


def _qualifies(loop: While) -> bool:
    reserves = [t for t in loop.body if isinstance(t, TapeReserve)]
    if not reserves or any(isinstance(t, (Break, Continue, Return)) for t in walk(loop.body)):
        return False
    nested = [t for t in walk(loop.body) if isinstance(t, TapeReserve)]
    # rooms of a few values: a whole array kept per iteration (room: its size) would reserve
    # 64 copies of it for a loop that may run three times
    return len(nested) == len(reserves) and all(isinstance(r.room, Const) for r in reserves)


def _chunked(loop: While, names: Names) -> None:
    # one reservation per tape, for all its pushes in CHUNK iterations (a body may push
    # a tape at two places, each with its own reservation before it)
    rooms: dict[tuple[str, str], Expr] = {}
    for r in loop.body:
        if isinstance(r, TapeReserve):
            key = (r.tape, r.counter)
            rooms[key] = add(rooms[key], r.room) if key in rooms else r.room
    reserves = [TapeReserve(tape, counter, mul(room, Const(CHUNK))) for (tape, counter), room in rooms.items()]
    body = [t for t in loop.body if not isinstance(t, TapeReserve)]
    stop = If(Call("not", (loop.test,)), [Break()], [])
    inner = For(names.fresh("chunk"), Const(0), Const(CHUNK), Const(1), body + [stop], loop.loc)
    loop.body = [*reserves, Comment(f"room for {CHUNK} iterations: the tapes grow here, not in the loop below"),
                 inner]
