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

Functions with ``break``, ``continue`` or an early ``return`` are left to the
flow-insensitive pass (their jumps would need edges of their own).
"""

from __future__ import annotations

from nsadc.ir.nodes import (OPAQUE, Assign, Break, Call, Comment, Continue, For, Function, If, Return, Stmt, Var,
                            While, expressions_read, raw_names, variables, walk)

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
    fn.body = drop_unneeded(fn.body, test_names(fn.body), {})


def test_names(block: list[Stmt]) -> set[str]:
    """The names the branches of ``block`` test (nested ones included): the only guards a value can have."""
    return {s.test.name for s in walk(block) if isinstance(s, If) and isinstance(s.test, Var)}


def drop_unneeded(block: list[Stmt], tests: set[str], live: Live) -> list[Stmt]:
    """``block`` without the assignments nothing reads before the end, where
    ``live`` is what is read after it (``block``'s branches are changed in place)."""
    while True:
        needed: set[int] = set()
        Liveness(needed, tests).block(block, live)
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
    are the names some ``if`` tests, the only guards there can be."""

    def __init__(self, needed: set[int], tests: set[str]):
        self.needed, self.tests = needed, tests

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
        if isinstance(s, Assign):
            if kept_always(s):
                self.needed.add(id(s))
                self.read(live, variables(s.value))  # a store also reads its array
            elif s.target in live:
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
                return new
            head = new


def _swept(block: list[Stmt], needed: set[int]) -> tuple[list[Stmt], bool]:
    out: list[Stmt] = []
    changed = False
    for s in block:
        if isinstance(s, Assign) and id(s) not in needed:
            changed = True
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
