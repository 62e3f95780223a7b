"""A ``while`` loop that only counts is a ``for`` loop over a range.

``i = i0; while i < n: ...; i += 1`` (and ``<=``, ``>`` / ``>=`` counting
down, ``!=`` stepping by one either way, or by a name the loop leaves alone:
``while i != i1: ...; i += di``, which stops only where ``i1 - i0`` is a
multiple of ``di``, where the range stops too) runs its body for ``i`` in
``range(i0, n, 1)``, provided the body assigns ``i`` only by that last step
and nothing it assigns changes the bound.  The ``for`` loop is what the
transforms know best: its trip count is known on entry, so tapes are sized
once, the reverse counts its iterations down without a tape of its own, and
the elements a Gauss-Seidel sweep overwrites are kept element by element (a
``while`` loop's were refused).  After the loop ``i`` holds what the ``while``
loop left in it, ``i0 + step * trips``, and the test's statements run once
more, for whatever reads their values afterwards.

The frontend writes a ``while`` loop's test as statements before the loop,
repeated at the end of its body; a loop qualifies where those statements
read nothing the body assigns but the counter.  A loop with ``break``,
``continue`` or ``return`` inside (a flag in its test, after the frontend's
exit elimination) does not qualify, nor does a counter that is not an int.
"""

from __future__ import annotations

from nsadc.analyses.facts import Facts, expr_type
from nsadc.ir.names import Names
from nsadc.ir.nodes import (Assign, Break, Call, Const, Continue, Expr, For, Function, Return, Stmt, Var, While,
                            assigned, child_blocks, clone, variables, walk)

# a test ``i <op> bound`` -> (the sign the step must have, the stop's offset from the bound)
_DIRECTIONS = {"lt": (1, 0), "le": (1, 1), "gt": (-1, 0), "ge": (-1, -1), "ne": (0, 0)}
_FLIPPED = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "ne": "ne"}


def counted_loops_as_for(fn: Function, facts: Facts, names: Names) -> bool:
    """Rewrite each qualifying ``while`` loop of ``fn`` in place; whether any was."""
    changed = False

    def visit(block: list[Stmt]) -> None:
        nonlocal changed
        k = 0
        while k < len(block):
            for child in child_blocks(block[k]):
                visit(child)
            if isinstance(block[k], While):
                new = _as_for(block, k, facts, names)
                if new is not None:
                    block[k:k + 1] = new
                    k += len(new) - 1
                    changed = True
            k += 1

    visit(fn.body)
    return changed


def _as_for(block: list[Stmt], k: int, facts: Facts, names: Names) -> list[Stmt] | None:
    """The statements that replace the ``while`` loop ``block[k]``, or None."""
    loop = block[k]
    body = loop.body
    if any(isinstance(s, (Break, Continue, Return)) for s in walk(body)):
        return None
    n = _tail_length(block, k)
    test = loop.test
    tail = body[len(body) - n:] if n else []
    if isinstance(test, Var) and tail and isinstance(tail[-1], Assign) and tail[-1].target == test.name:
        test = tail[-1].value
    elif n:
        return None
    counted = _counter_test(test)
    if counted is None or len(body) < n + 1:
        return None
    op, counter, bound = counted
    step = _step_of(body[len(body) - n - 1], counter)
    sign, offset = _DIRECTIONS[op]
    if step is None or expr_type(step, facts.types) != "int":
        return None
    if isinstance(step, Const):
        if (sign == 0 and step.value not in (1, -1)) or (sign != 0 and step.value * sign <= 0):
            return None
    elif sign != 0:  # a step of unknown sign: only `!=` stops the same way for both signs
        return None
    if facts.types.get(counter) != "int" or expr_type(bound, facts.types) != "int":
        return None
    inner = body[:len(body) - n - 1]
    written = assigned(inner) | {s.var for s in walk(inner) if isinstance(s, For)}
    if counter in written or variables(step) & written:
        return None
    # the test's statements and the bound read nothing the loop changes but the counter
    for s in tail[:-1] if tail else []:
        if not isinstance(s, Assign) or s.target in written or counter in variables(s.value) \
                or variables(s.value) & written:
            return None
    if variables(bound) & written:
        return None
    first = names.fresh(f"{counter}_first")
    stop = _plus(bound, offset)
    trips = Call("trips", (Var(first), stop, step))
    if isinstance(step, Const):  # i_first + trips, i_first - 2 * trips
        moved = trips if abs(step.value) == 1 else Call("mul", (Const(abs(step.value)), trips))
        last = Call("add" if step.value > 0 else "sub", (Var(first), moved))
    else:
        last = Call("add", (Var(first), Call("mul", (step, trips))))
    return [Assign(first, Var(counter), loop.loc),
            For(counter, Var(first), stop, step, inner, loop.loc),
            Assign(counter, last, loop.loc),
            *clone(tail)]


def _plus(e: Expr, k: int) -> Expr:
    """``e + k``, written as a person would (``n``, ``n + 1``, ``m - 1``, ``-1``)."""
    if k == 0:
        return e
    if isinstance(e, Const) and type(e.value) is int:
        return Const(e.value + k)
    return Call("add", (e, Const(k))) if k > 0 else Call("sub", (e, Const(-k)))


def _tail_length(block: list[Stmt], k: int) -> int:
    """How many statements before the loop ``block[k]`` its body ends with (its test's)."""
    body = block[k].body
    n = 0
    while n < k and n < len(body) and block[k - 1 - n] == body[len(body) - 1 - n]:
        n += 1
    return n


def _counter_test(test: Expr) -> tuple[str, str, Expr] | None:
    """``(op, counter, bound)`` of a test ``counter <op> bound`` (either side)."""
    if not (isinstance(test, Call) and test.prim in _DIRECTIONS and len(test.args) == 2):
        return None
    left, right = test.args
    if isinstance(left, Var) and left.name not in variables(right):
        return test.prim, left.name, right
    if isinstance(right, Var) and right.name not in variables(left):
        return _FLIPPED[test.prim], right.name, left
    return None


def _step_of(s: Stmt, counter: str) -> Expr | None:
    """``c`` of ``counter = counter + c`` (or ``- c``), ``c`` a nonzero int
    constant or a name (the caller checks the loop leaves it alone)."""
    if not (isinstance(s, Assign) and s.target == counter and isinstance(s.value, Call)
            and s.value.prim in ("add", "sub") and len(s.value.args) == 2):
        return None
    a, b = s.value.args
    if s.value.prim == "add" and b == Var(counter):
        a, b = b, a
    if a != Var(counter) or b == Var(counter):
        return None
    if isinstance(b, Const):
        if type(b.value) is not int or b.value == 0:
            return None
        return Const(b.value if s.value.prim == "add" else -b.value)
    if isinstance(b, Var) and s.value.prim == "add":
        return b
    return None
