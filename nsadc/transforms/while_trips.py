"""A bound on a `while` loop's trip count, where a counter in its test caps it.

A `for` loop over a range that may stop early (a ``break``, an early
``return``) is lowered to ``i = start; while i < stop and not broke: ...;
i += step`` (frontend/structure.py); a user's ``while it < maxit and ...``
with ``it += 1`` in its body is the same loop.  Such a loop runs at most
``len(range(i, stop, step))`` times from where it starts, so the tapes its
iterations push onto can be sized before it, as for a `for` loop, instead of
growing at every push.

The rule: among the conjuncts of the test (``and``) is ``i < stop`` (``i >
stop`` for a negative step; ``<=`` and ``>=`` count one more), where

- ``i`` is an int that the body assigns once, at its top level, as ``i = i +
  c`` with ``c`` an int constant of the test's direction (an iteration that
  ends normally always steps it: the body holds no ``continue``);
- ``stop`` is an int expression of names the body does not assign.

Then the test holds at the start of iteration ``j`` only if ``i0 + (j - 1) c
< stop``, so there are at most ``len(range(i0, stop, c))`` iterations.

A test the frontend materialised (``while both:``, with ``both = it <
maxit`` and ``if both: both = ...`` computed before the loop and again at the
end of the body) is read through the body's last statements: what a name
being true implies is followed through assignments and branches.  Only
iterations after the first are then known to start below the bound, so the
bound is one more.
"""

from __future__ import annotations

from nsadc.ir.build import add
from nsadc.ir.nodes import (Assign, Call, Comment, Const, Continue, Expr, For, If, Stmt, Var, While, assigned,
                            variables, walk)

Atom = tuple[str, Expr, int]  # (counter, stop, direction): counter < stop (+1) or counter > stop (-1)

_ARITHMETIC = {"add", "sub", "mul"}


def while_trips(s: While, types: dict) -> Expr | None:
    """An int expression, to evaluate just before ``s``, bounding how many
    times its body runs; None where the test caps no counter."""
    if any(isinstance(t, Continue) for t in walk(s.body)):
        return None
    changed = assigned(s.body)
    steps = _counter_steps(s.body, types)
    first = True
    atoms = _atoms(s.test, {})
    if not any(_usable(a, steps, changed, types) for a in atoms):
        # the test as the body's end recomputes it (the first test runs before the loop)
        facts = _implied(s.body, {}, frozenset())
        if facts is None:
            return None
        atoms, first = _atoms(s.test, facts), False
    for counter, stop, direction in sorted(atoms, key=repr):
        if _usable((counter, stop, direction), steps, changed, types):
            trips = Call("trips", (Var(counter), stop, Const(steps[counter])))
            return trips if first else add(trips, Const(1))
    return None


def _usable(atom: Atom, steps: dict[str, int], changed: set[str], types: dict) -> bool:
    counter, stop, direction = atom
    step = steps.get(counter)
    return step is not None and step * direction > 0 and not (variables(stop) & changed) and _int_expr(stop, types)


def _counter_steps(body: list[Stmt], types: dict) -> dict[str, int]:
    """{i: c} for the ints the body assigns once, at its top level, as ``i = i + c``."""
    count: dict[str, int] = {}
    for t in walk(body):
        if isinstance(t, Assign):
            count[t.target] = count.get(t.target, 0) + 1
    out = {}
    for t in body:
        if isinstance(t, Assign) and count[t.target] == 1 and types.get(t.target) == "int" \
                and isinstance(t.value, Call) and t.value.prim in ("add", "sub") \
                and t.value.args[0] == Var(t.target) and isinstance(t.value.args[1], Const) \
                and type(t.value.args[1].value) is int and t.value.args[1].value != 0:
            out[t.target] = t.value.args[1].value * (1 if t.value.prim == "add" else -1)
    return out


def _int_expr(e: Expr, types: dict) -> bool:
    if isinstance(e, Const):
        return type(e.value) is int
    if isinstance(e, Var):
        return types.get(e.name) == "int"
    return e.prim in _ARITHMETIC and all(_int_expr(a, types) for a in e.args)


def _atoms(e: Expr, facts: dict[str, frozenset]) -> frozenset:
    """What ``e`` being true implies: the counter bounds among its conjuncts."""
    if isinstance(e, Var):
        return facts.get(e.name, frozenset())
    if not isinstance(e, Call):
        return frozenset()
    if e.prim == "copy":
        return _atoms(e.args[0], facts)
    if e.prim == "and":
        return _atoms(e.args[0], facts) | _atoms(e.args[1], facts)
    if e.prim in ("lt", "le", "gt", "ge") and len(e.args) == 2:
        # as low < high: a < b, a <= b (a < b + 1), a > b (b < a), a >= b (b < a + 1)
        low, high = e.args if e.prim in ("lt", "le") else e.args[::-1]
        out = set()
        if isinstance(low, Var):  # a counter going up, below high
            out.add((low.name, add(high, Const(1)) if e.prim in ("le", "ge") else high, 1))
        if isinstance(high, Var):  # a counter going down, above low
            out.add((high.name, add(low, Const(-1)) if e.prim in ("le", "ge") else low, -1))
        return frozenset(out)
    return frozenset()


def _implied(block: list[Stmt], facts: dict[str, frozenset], known: frozenset) -> dict[str, frozenset] | None:
    """{name: the atoms its being true implies} after ``block``, from
    ``facts`` before it, where ``known`` atoms hold on the way in; None where a
    statement is not followed (target code)."""
    facts = dict(facts)
    for s in block:
        if isinstance(s, Assign):
            new = _atoms(s.value, facts) | known
            facts, known, new = _kill({s.target}, facts, known, new)
            facts[s.target] = new
        elif isinstance(s, If):
            taken = _atoms(s.test, facts)
            a = _implied(s.body, facts, known | taken)
            b = _implied(s.orelse, facts, known)
            if a is None or b is None:
                return None
            facts = {v: a.get(v, frozenset()) & b.get(v, frozenset()) for v in set(a) | set(b)}
            facts, known, _ = _kill(assigned([s]), facts, known, frozenset())
        elif isinstance(s, Comment):
            continue
        elif not isinstance(s, (For, While)):
            return None
        else:  # a loop: what it assigns implies nothing afterwards
            gone = assigned([s])
            facts, known, _ = _kill(gone, facts, known, frozenset())
            for v in gone:
                facts.pop(v, None)
    return facts


def _kill(names: set[str], facts: dict, known: frozenset, new: frozenset):
    """Drop the atoms that read a name just assigned."""
    def keep(atoms):
        return frozenset(a for a in atoms if a[0] not in names and not (variables(a[1]) & names))
    return {v: keep(f) for v, f in facts.items()}, keep(known), keep(new)
