"""Drop assignments whose value is assigned again before anything reads it.

:func:`nsadc.passes.dead_code.drop_dead_code` keeps every assignment of a
name that some kept statement reads.  In a gradient that is too much: the
reverse sweep re-runs a loop's iteration, assigning its values again before
it reads them, so the forward run of the same loop computes values nobody
reads (a fused row of an image's energy: the forward loop over the row only
fed the value, which ``grad`` throws away).  Here liveness follows the
statements, backwards:

    for j in range(w):              # forward: every value here is assigned
        d = u[i, j] - f[i, j]       # again below before it is read: dropped
        if j + 1 < w:
            diff = u[i, j + 1] - u[i, j]
    for j in range(w - 1, -1, -1):  # reverse: re-run, then the adjoints
        d = u[i, j] - f[i, j]
        c = j + 1 < w
        if c:
            diff = u[i, j + 1] - u[i, j]
        ...
        if c:
            ... diff ...            # read under the test that assigned it

A value read only under a test ``c`` (a variable) is live only where ``c``
holds, as long as ``c`` is not assigned in between: an assignment under the
same test then covers the read, and the other branch does not keep it.  The
same holds of a value read only where ``c`` fails (in the ``else`` branch:
an ``elif``'s test, computed and read there alone).  A value's guard is the
set of every test its reads are nested under, so a re-run that assigns a
value under the same nest of tests (a loop body's ``continue``s lowered to
``if taken_1: ... if taken_2: ...``) covers reads deep in that nest too;
where two paths meet, the guard keeps the tests both paths share.

Arrays the function allocates and touches only element by element (no view,
no alias, no result: :func:`~nsadc.transforms.stored_loads.own_arrays`) are
followed too, as whole values: a store into one (or a tape's read back into one of its elements) is
kept only where a later load of the array may read it.  A store does not kill
the array (it writes one element), so the array stays live before it; a
``for`` loop over ``range(n)`` that stores ``a[i]`` on every path and loads
no element of ``a`` does, where ``a`` is one-dimensional and allocated once
with ``n`` elements (:func:`filled_arrays`).  In a
reverse sweep this drops the re-run of a loop that only fills an array no
adjoint reads (a relaxation's intermediate ``v[i]``, which enters the next
loop linearly), with the tape that put back its old elements:

    for it in range(n_iter - 1, -1, -1):
        ... put u back ...
        for i in range(n):          # the re-run of v: nothing below loads v
            v[i] = u[i] * 2.0 if u[i] > 0.0 else u[i] * 0.5
        for i in range(n - 1, -1, -1):
            ... u_bar[i] ..., v_bar[i] += total_bar

Functions with ``break``, ``continue`` or an early ``return`` are left to the
flow-insensitive pass (their jumps would need edges of their own).
"""

from __future__ import annotations

from nsadc.ir.nodes import (OPAQUE, TAPE_OPS, Assign, Break, Call, Comment, Const, Continue, CounterStep, Expr, For,
                            Function, If, Return, Stmt, TapeAlloc, TapePop, TapePush, TapeReserve, Var, While, assigned,
                            child_blocks, expressions_read, is_store, raw_names, tape_effects, variables, walk)
from nsadc.rules.arrays import ALLOCATORS, LIKE, is_array, rank
from nsadc.transforms.reverse_plan import expanded, stored_on_every_path
from nsadc.transforms.stored_loads import element_expressions, own_arrays

Guard = frozenset[str]  # tests that hold wherever a value is read later
ALWAYS: Guard = frozenset()  # the guard of a value live on every path
FAILS = "!"  # before a test's name, in a guard: that test is false where the value is read

Live = dict[str, Guard]  # name -> the tests under which it is read later (ALWAYS: on every path)


def drop_dead_assignments(fn: Function) -> None:
    """Remove, in place, the assignments whose value is never read (and the
    branches and loops left empty), following the statements' order."""
    if any(isinstance(s, (Break, Continue)) for s in walk(fn.body)) or \
            any(isinstance(s, Return) for s in walk(fn.body[:-1])):
        return
    arrays = own_arrays(fn)
    popped = _pop_pairs(fn)
    fn.body = drop_unneeded(fn.body, test_names(fn.body), {}, arrays, filled_arrays(fn, arrays))
    gone = popped - _pop_pairs(fn)
    if gone:
        _drop_pushes(fn, gone)


def _pop_pairs(fn: Function) -> set[int]:
    return {s.pair for s in walk(fn.body) if isinstance(s, TapePop) and s.pair}


def filled_arrays(fn: Function, arrays: set[str]) -> dict[int, set[str]]:
    """id of a ``for`` loop -> the arrays of ``arrays`` it fills: one-dimensional,
    allocated once with as many elements as the loop, from 0, has trips (a
    number of the parameters, which the function never binds again), and
    stored at ``a[i]`` on every path through the loop's body, which loads no
    element of them.  Before such a loop nothing the array held is read."""
    bindings: dict[str, list] = {}
    for s in walk(fn.body):
        if isinstance(s, Assign) and not is_store(s):
            bindings.setdefault(s.target, []).append(s.value)
        elif isinstance(s, For):
            bindings.setdefault(s.var, []).append(s)  # a loop's variable is never one value
        elif isinstance(s, OPAQUE) and not (isinstance(s, TapePop) and isinstance(s.target, Call)):
            # what a tape operation binds (a pop into an element binds no name); every name of another line
            for name in tape_effects(s)[1] if isinstance(s, TAPE_OPS) else raw_names(s):
                bindings.setdefault(name, []).append(s)
    fixed = {p.name for p in fn.params} - set(bindings)  # parameters never bound again

    defs = {name: made[0] for name, made in bindings.items() if len(made) == 1 and isinstance(made[0], (Var, Call))}

    def invariant(e: Expr) -> bool:
        """The same value wherever the function reads it: of parameters never bound again."""
        return variables(e) <= fixed

    sizes: dict[str, Expr] = {}
    for a in arrays:
        made = bindings.get(a, [])
        t = fn.types.get(a)
        if len(made) != 1 or not (is_array(t) and rank(t) == 1):
            continue
        value = made[0]
        if value.prim in ALLOCATORS or value.prim == "full":
            size = expanded(value.args[0], defs, 6)
        elif value.prim in LIKE and isinstance(value.args[0], Var):
            size = expanded(Call("shape", (value.args[0], Const(0))), defs, 6)
        else:
            continue
        if invariant(size):  # (a size that moves with a loop may not be the one the array was made with)
            sizes[a] = size
    out: dict[int, set[str]] = {}
    for s in walk(fn.body):
        if not (isinstance(s, For) and s.start == Const(0) and s.step == Const(1)) or not sizes \
                or s.var in assigned(s.body):
            continue
        stop = expanded(s.stop, defs, 6)
        loaded = set().union(*(_loaded_arrays(e) for t in walk(s.body) for e in element_expressions(t)))
        filled = {a for a, size in sizes.items() if size == stop and a not in loaded
                  and Var(s.var) in stored_on_every_path(s.body, a)}
        if filled:
            out[id(s)] = filled
    return out


def _loaded_arrays(e: Expr) -> set[str]:
    """The arrays ``e`` loads an element of (or reads whole, through a primitive)."""
    if not isinstance(e, Call):
        return set()
    out = set().union(*map(_loaded_arrays, e.args)) if e.args else set()
    if e.prim == "store":
        return set().union(*map(_loaded_arrays, e.args[1:])) if len(e.args) > 1 else set()
    if e.prim not in ("shape", "size") and e.args and isinstance(e.args[0], Var):
        out.add(e.args[0].name)
    return out


def _popped_into(s: Stmt, arrays: set[str]) -> str | None:
    """The array of ``arrays`` a paired tape pop puts an element back into, if ``s`` is one."""
    if isinstance(s, TapePop) and s.pair and isinstance(s.target, Call) and s.target.prim == "load" \
            and s.target.args[0].name in arrays:
        return s.target.args[0].name
    return None


def _drop_pushes(fn: Function, gone: set[int]) -> None:
    """Remove the pushes of the pairs ``gone`` (their pops went with dead
    stores), then the tapes left with neither pushes nor pops (their
    allocation, their reservations) and the counter steps nothing else reads."""
    fn.body = _without(fn.body, lambda s: isinstance(s, TapePush) and s.pair in gone)
    housekeeping = (TapeAlloc, TapeReserve, CounterStep)
    used: set[str] = set()  # the names read by something other than a tape's housekeeping
    for s in walk(fn.body):
        if isinstance(s, OPAQUE) and not isinstance(s, housekeeping):
            used |= raw_names(s)
        elif not isinstance(s, OPAQUE):
            used |= set().union(*map(variables, expressions_read(s))) | ({s.target} if isinstance(s, Assign) else set())
    while True:
        read: set[str] = set()
        for s in walk(fn.body):
            if isinstance(s, CounterStep):
                read |= variables(s.by)  # a step reads its own counter only to step it
            elif isinstance(s, (TapeAlloc, TapeReserve)):
                read |= raw_names(s) - {s.tape} if s.tape in used else set()
            elif isinstance(s, OPAQUE):
                read |= raw_names(s)
            else:
                read |= set().union(*map(variables, expressions_read(s)))
        dead = {s.counter for s in walk(fn.body) if isinstance(s, CounterStep)} - read
        before = sum(1 for _ in walk(fn.body))
        fn.body = _without(fn.body, lambda s: isinstance(s, (TapeAlloc, TapeReserve)) and s.tape not in used
                           or isinstance(s, CounterStep) and s.counter in dead)
        if sum(1 for _ in walk(fn.body)) == before:
            return


def _without(block: list[Stmt], unwanted) -> list[Stmt]:
    """``block`` without the statements ``unwanted(s)`` picks, nested ones
    included, and without the branches and loops that leaves empty."""
    out: list[Stmt] = []
    for s in block:
        if unwanted(s):
            continue
        for child in child_blocks(s):
            child[:] = _without(child, unwanted)
        if isinstance(s, (If, For, While)) and not any(has_code(c) for c in child_blocks(s)):
            continue
        out.append(s)
    return out


def test_names(block: list[Stmt]) -> set[str]:
    """The names the branches of ``block`` test (nested ones included): the only guards a value can have."""
    return {s.test.name for s in walk(block) if isinstance(s, If) and isinstance(s.test, Var)}


def drop_unneeded(block: list[Stmt], tests: set[str], live: Live, arrays: set[str] = frozenset(),
                  fills: dict[int, set[str]] | None = None) -> list[Stmt]:
    """``block`` without the assignments nothing reads before the end, where
    ``live`` is what is read after it (``block``'s branches are changed in
    place); the stores into ``arrays`` (:func:`~nsadc.transforms.stored_loads.own_arrays`) no later load
    reads go too, ``fills`` the loops that overwrite some of them whole (:func:`filled_arrays`)."""
    while True:
        needed: set[int] = set()
        Liveness(needed, tests, arrays, fills).block(block, live)
        block, changed = _swept(block, needed)
        if not changed:
            return block


def kept_always(s: Stmt) -> bool:
    """Kept whatever reads it: a store into an array, a tape statement or a
    line of opaque code, a return, a jump."""
    return isinstance(s, (*OPAQUE, Return, Break, Continue)) or (
        isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim == "store")


def join_live(a: Live, b: Live) -> Live:
    """What is live where two paths meet: a name keeps the tests of its guard both paths hold."""
    out = dict(a)
    for v, g in b.items():
        out[v] = out[v] & g if v in out else g
    return out


class Liveness:
    """The backward walk: ``needed`` collects the ids of the statements some
    later read needs (and of the branches and loops that hold one); ``tests``
    are the names some ``if`` tests, the only guards there can be; the
    stores into ``arrays`` are needed only where the array is live (a store
    neither reads nor kills it)."""

    def __init__(self, needed: set[int], tests: set[str], arrays: set[str] = frozenset(),
                 fills: dict[int, set[str]] | None = None):
        self.needed, self.tests, self.arrays, self.fills = needed, tests, arrays, fills or {}
        self.bound: set[str] = set()  # the arrays of ``arrays`` a kept store or pop writes into

    def block(self, block: list[Stmt], live: Live) -> Live:
        """What is live before ``block`` given ``live`` after it (not changed)."""
        live = dict(live)
        for s in reversed(block):
            live = self.statement(s, live)
        return live

    def holds(self, block: list[Stmt]) -> bool:
        return any(id(t) in self.needed for t in block)

    def read(self, live: Live, names: set[str]) -> None:
        for v in names:
            live[v] = ALWAYS

    def assigned(self, live: Live, name: str) -> None:
        """Before an assignment of ``name``: its value is not live, and the
        guards lose the test ``name`` (the test changes here)."""
        live.pop(name, None)
        if name in self.tests:
            gone = {name, FAILS + name}
            for v, g in live.items():
                if g & gone:
                    live[v] = g - gone

    def statement(self, s: Stmt, live: Live) -> Live:
        """``live`` (which it may change) taken back over ``s``."""
        if is_store(s) and s.target in self.arrays:
            if s.target in live:
                self.needed.add(id(s))
                self.bound.add(s.target)
                self.read(live, set().union(*map(variables, s.value.args[1:])))
            return live
        array = _popped_into(s, self.arrays)
        if array is not None:
            if array in live:
                self.needed.add(id(s))
                self.bound.add(array)
                self.read(live, raw_names(s) - {array})
            return live
        if isinstance(s, Assign):
            if kept_always(s):
                self.needed.add(id(s))
                self.read(live, variables(s.value))  # a store also reads its array
            elif s.target in live or s.target in self.bound:  # (a kept store needs its array allocated)
                self.needed.add(id(s))
                self.assigned(live, s.target)
                self.read(live, variables(s.value))
            return live
        if isinstance(s, If):
            return self.branch(s, live)
        if isinstance(s, (For, While)):
            return self.loop(s, live)
        if isinstance(s, OPAQUE):
            self.needed.add(id(s))
            self.read(live, raw_names(s))
        elif isinstance(s, Return):
            self.needed.add(id(s))
            for e in expressions_read(s):
                self.read(live, variables(e))
        return live  # a comment

    def branch(self, s: If, live: Live) -> Live:
        test = s.test.name if isinstance(s.test, Var) else None
        body = self.block(s.body, live)
        orelse = self.block(s.orelse, live)
        if test is not None:
            # on the body's path the test holds (fails, on the else path): a read there is under it,
            # and a read under the opposite guard is never reached that way
            body = {v: g | {test} for v, g in body.items() if FAILS + test not in g}
            orelse = {v: g | {FAILS + test} for v, g in orelse.items() if test not in g}
        out = join_live(body, orelse)
        if self.holds(s.body) or self.holds(s.orelse):
            self.needed.add(id(s))
            self.read(out, variables(s.test))
        return out

    def loop(self, s: For | While, live: Live) -> Live:
        bounds: set[str] = set()
        for e in expressions_read(s):
            bounds |= variables(e)
        head = dict(live)  # live at the top of an iteration (or after the loop)
        while True:
            into = self.block(s.body, head)
            if isinstance(s, For):
                self.assigned(into, s.var)
            if self.holds(s.body):
                self.needed.add(id(s))
            # a while loop nothing after needs goes too: its test only decides how long it runs
            # (in a gradient, the reverse sweep re-runs it: it ended there, it ends here)
            if id(s) in self.needed:
                self.read(into, bounds)
            new = join_live(head, into)
            if new == head:
                for a in self.fills.get(id(s), ()):
                    new.pop(a, None)  # every element is written before anything reads one
                return new
            head = new


def _swept(block: list[Stmt], needed: set[int]) -> tuple[list[Stmt], bool]:
    out: list[Stmt] = []
    changed = False
    for s in block:
        if (isinstance(s, Assign) or isinstance(s, TapePop) and s.pair) and id(s) not in needed:
            changed = True  # (a pop is left unneeded only where it puts back an element no load reads)
            continue
        if isinstance(s, If):
            body, c1 = _swept(s.body, needed)
            orelse, c2 = _swept(s.orelse, needed)
            changed |= c1 or c2
            s.body, s.orelse = body, orelse
            if not (has_code(body) or has_code(orelse)):
                changed = True
                continue
        elif isinstance(s, (For, While)):
            body, c = _swept(s.body, needed)
            changed |= c
            s.body = body
            if not has_code(body):
                changed = True
                continue
        out.append(s)
    return out, changed


def has_code(block: list[Stmt]) -> bool:
    """Holds a statement that is not a comment."""
    return any(not isinstance(s, Comment) for s in block)
