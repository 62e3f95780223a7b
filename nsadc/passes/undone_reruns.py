"""Drop the stores of a re-run that its own reverse loop puts back at once.

The reverse sweep re-runs an iteration of an outer loop before reversing it,
and the loops inside that iteration run forwards, then backwards.  Where such
an inner loop overwrites only its own element of an array (a state updated
in place, ``x[i] = f(x[i])``), the forward run keeps each old element on a
tape and the reverse loop puts it back before it reads it:

    for i in range(n):                          # forward re-run
        x_elements[n_x_elements + i] = x[i]
        x[i] = x[i] + dt * g(x[i])
    n_x_elements += len(range(n))
    for i in range(n - 1, -1, -1):              # its reverse
        x[i] = x_elements[n_x_elements - len(range(n)) + i]
        ... reads x[i] ...
    n_x_elements -= len(range(n))

Iteration ``i`` of the reverse loop reads ``x[i]`` as it was before the
forward run, because no other iteration touches element ``i``; and after the
pair the array is as it was before it.  Without the stores, the tape and the
restore, the array simply keeps those values throughout: the same reads see
the same numbers.  What the forward run computed only for the stores then
goes with them (:mod:`nsadc.passes.dead_assignments`): a soil-water model's
re-run of its fields, hand-edited this way, took 26.6 ms instead of 30.8.

The rule holds where, in both loops of the pair, the array is read and
written only at one element, ``x[..., i, ...]``, the loop variable one of its
indices and the others unchanged by the loops; the forward loop stores it
only at its top level, after its last read of it, and pushes it once there;
the reverse loop pops it once, at its top level, before reading it, and
stores nothing else into it; nothing but counter steps, comments and
assignments that do not touch the array stands between the two loops (a
recurrent network's readout: the loss of the step the forward loop summed);
and neither has a ``break``, ``continue`` or
``return``.  A tape goes only when every push and pop of it is in such a
pair (so its counters carry nothing else).
"""

from __future__ import annotations

from dataclasses import dataclass

from nsadc.ir.nodes import (Assign, Break, Call, Comment, Continue, CounterStep, For, Function, Raw, Return, Stmt,
                            TapeAlloc, TapePop, TapePush, TapeReserve, Var, child_blocks, expressions_evaluated,
                            is_store, raw_names, variables, walk)
from nsadc.passes.buffer_growth import changed_by

LOAD, OTHER = "load", "other"  # how a statement touches the array: reads the element, or anything else


@dataclass
class _Pair:
    """A forward re-run and its reverse loop, with the element tape they share."""

    forward: For
    backward: For
    push: TapePush
    pop: TapePop


def drop_undone_reruns(fn: Function) -> None:
    """Remove, in place, the stores, pushes and restores of the pairs the
    module's docstring describes, with the tapes only they used."""
    pairs: dict[str, list[_Pair]] = {}
    for block in _blocks(fn.body):
        for pair in _pairs_in(block):
            pairs.setdefault(pair.push.tape, []).append(pair)
    for tape, found in pairs.items():
        counters = _counters_used_only_by(fn.body, tape, found)
        if counters is None:
            continue
        for pair in found:
            array = pair.push.value.args[0].name
            pair.forward.body = [s for s in pair.forward.body
                                 if s is not pair.push and not (is_store(s) and s.target == array)]
            pair.backward.body = [s for s in pair.backward.body if s is not pair.pop]
        fn.body = _without_tape(fn.body, tape, counters)


def _blocks(block: list[Stmt]):
    yield block
    for s in block:
        for inner in child_blocks(s):
            yield from _blocks(inner)


def _pairs_in(block: list[Stmt]) -> list[_Pair]:
    """The pairs of ``block``: a loop, then (past counter steps, comments and
    assignments) a loop over the same variable."""
    out = []
    for k, s in enumerate(block):
        j = k + 1
        while j < len(block) and isinstance(block[j], (Comment, CounterStep, Assign)):
            j += 1
        if isinstance(s, For) and j < len(block) and isinstance(block[j], For) and block[j].var == s.var:
            out += _pairs_of(s, block[k + 1:j], block[j])
    return out


def _pairs_of(forward: For, between: list[Stmt], backward: For) -> list[_Pair]:
    if any(isinstance(t, (Break, Continue, Return)) for t in walk(forward.body + backward.body)):
        return []
    changed = changed_by(forward.body) | changed_by(between) | changed_by(backward.body)
    if forward.var in changed:
        return []
    out = []
    for push in forward.body:
        if not (isinstance(push, TapePush) and isinstance(push.value, Call) and push.value.prim == "load"):
            continue
        index = push.value.args[1:]
        if Var(forward.var) not in index or \
                any(i != Var(forward.var) and variables(i) & changed for i in index):
            continue  # not an element only this iteration reaches
        if any(_statement_touches(s, push.value) for s in between):
            continue  # the array's elements are what the forward loop left them between the two loops
        pops = [s for s in walk(backward.body) if isinstance(s, TapePop) and s.tape == push.tape]
        if len(pops) == 1 and pops[0] in backward.body and pops[0].target == push.value and \
                _reads_then_stores(forward.body, push) and _restores_then_reads(backward.body, pops[0]):
            out.append(_Pair(forward, backward, push, pops[0]))
    return out


def _reads_then_stores(body: list[Stmt], push: TapePush) -> bool:
    """The forward loop touches the array only at the pushed element: it
    reads it, then stores it at its top level (a store's own value may read it
    too), and pushes it once."""
    element = push.value
    array = element.args[0].name
    stored = False
    for s in body:
        if s is push:
            continue
        if is_store(s) and s.target == array:
            if Call("load", s.value.args[:-1]) != element or OTHER in _touches(s.value.args[-1], element):
                return False
            stored = True
            continue
        touches = _statement_touches(s, element)
        if OTHER in touches or touches and stored or isinstance(s, TapePush) and s.tape == push.tape:
            return False
    return stored


def _restores_then_reads(body: list[Stmt], pop: TapePop) -> bool:
    """The reverse loop puts the element back before anything in it reads
    the array, and touches the array nowhere else."""
    restored = False
    for s in body:
        if s is pop:
            restored = True
            continue
        touches = _statement_touches(s, pop.target)
        if OTHER in touches or touches and not restored:
            return False
    return restored


def _statement_touches(s: Stmt, element: Call) -> set[str]:
    """How ``s``, nested statements included, touches the array of ``element``."""
    array = element.args[0].name
    out: set[str] = set()
    for t in walk([s]):
        if is_store(t) and t.target == array or isinstance(t, Raw) and array in raw_names(t) or \
                isinstance(t, TapePop) and array in variables(t.target):
            out.add(OTHER)
        for e in expressions_evaluated(t):
            out |= _touches(e, element)
    return out


def _touches(e, element: Call) -> set[str]:
    """How ``e`` touches the array of ``element``: LOAD for a load of that
    element, OTHER for any other use (another element, the whole array);
    a query of its shape does not count."""
    array = Var(element.args[0].name)
    if e == array:
        return {OTHER}
    if not isinstance(e, Call):
        return set()
    if e.prim == "load" and e.args[0] == array:
        return {LOAD} if e == element else {OTHER}
    args = e.args[1:] if e.prim in ("shape", "size") and e.args and e.args[0] == array else e.args
    return set().union(*(_touches(a, element) for a in args)) if args else set()


def _counters_used_only_by(body: list[Stmt], tape: str, pairs: list[_Pair]) -> set[str] | None:
    """The counters of ``tape`` where every push and pop of it is one of
    ``pairs`` and nothing but the tape's own operations mention it or its
    counters; None otherwise."""
    ours = {id(p.push) for p in pairs} | {id(p.pop) for p in pairs}
    stepped = {s.counter for s in walk(body) if isinstance(s, CounterStep)}
    counters = {s.counter for s in walk(body) if isinstance(s, TapeReserve) and s.tape == tape}
    for p in pairs:
        counters |= (variables(p.push.at) | variables(p.pop.at)) & stepped
    for s in walk(body):
        if isinstance(s, (TapePush, TapePop)) and s.tape == tape:
            if id(s) not in ours:
                return None
        elif isinstance(s, (TapeAlloc, TapeReserve)) and s.tape == tape or \
                isinstance(s, CounterStep) and s.counter in counters:
            continue
        elif isinstance(s, Raw) and raw_names(s) & (counters | {tape}) or \
                any(variables(e) & (counters | {tape}) for e in expressions_evaluated(s)) or \
                isinstance(s, (TapeReserve, CounterStep)) and s.counter in counters | {tape}:
            return None
    return counters


def _without_tape(block: list[Stmt], tape: str, counters: set[str]) -> list[Stmt]:
    """``block`` without ``tape``'s allocation, reservations and counter steps (nested blocks in place)."""
    out = []
    for s in block:
        if isinstance(s, (TapeAlloc, TapeReserve)) and s.tape == tape or \
                isinstance(s, CounterStep) and s.counter in counters:
            continue
        for inner in child_blocks(s):
            inner[:] = _without_tape(inner, tape, counters)
        out.append(s)
    return out
