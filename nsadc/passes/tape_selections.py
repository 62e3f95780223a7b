"""Tape a kink's selection instead of the value it was made from.

The reverse of a loop pops each iteration's value, re-runs the iteration and
makes the kink's selection again::

    for t in range(a, b):                       # forward
        tape[n_tape + (t - a)] = m
        x_t = x[t]
        m = max(m, x_t)
    ...
    for t in range(b - 1, a - 1, -1):           # reverse
        m = tape[n_tape - len(range(a, b)) + (t - a)]
        x_t = x[t]
        dmax_m = 1.0 if m > x_t else 0.0
        dmax_m = dmax_m if m != x_t else 0.5
        x_t_bar = (1.0 - dmax_m) * m_bar        # m is not read again
        ...

Where the popped value is read only to make one selection, the forward loop
makes the selection (from the same values: the iteration's start, which the
re-run reproduces) and tapes it in the value's place; the reverse reads it
back and re-runs nothing for it::

    for t in range(a, b):
        x_t = x[t]
        dmax_m = 1.0 if m > x_t else 0.0
        dmax_m = dmax_m if m != x_t else 0.5
        tape[n_tape + (t - a)] = dmax_m
        m = max(m, x_t)
    ...
    for t in range(b - 1, a - 1, -1):
        dmax_m = tape[n_tape - len(range(a, b)) + (t - a)]
        x_t_bar = (1.0 - dmax_m) * m_bar
        ...

The tape keeps its size and its slots.  Max pooling's gradient: 4.1 ms to
3.4 ms (the reverse no longer re-reads the signal or compares).  Run after
passes/tape_index.py, on loops whose pushes and pops are one line each.
"""

from __future__ import annotations

from nsadc.ir.affine import affine
from nsadc.ir.nodes import (OPAQUE, Assign, Call, Comment, Const, For, Function, If, Stmt, TapePop, TapePush, Var,
                            While, assigned, reads)
from nsadc.passes.loop_analysis import mentioned, read_first
from nsadc.transforms.reverse_plan import is_store

RERUN_NOTE = "re-run the iteration, then reverse it"


def tape_selections(fn: Function) -> None:
    """Rewrite, in place, each forward/reverse loop pair of ``fn`` as above."""
    _visit(fn.body, [], fn.types)


def _visit(block: list[Stmt], after: list[list[Stmt]], types) -> None:
    for k, s in enumerate(block):
        if not isinstance(s, (If, For, While)):  # the rest of the block matters to these alone
            continue
        rest = [block[k + 1:]] + after
        if isinstance(s, If):
            _visit(s.body, rest, types)
            _visit(s.orelse, rest, types)
        elif isinstance(s, (For, While)):
            _visit(s.body, [s.body] + rest, types)
    for k, s in enumerate(block):
        if isinstance(s, For) and _counts_up(s):
            for m in range(k + 1, len(block)):
                r = block[m]
                if isinstance(r, For) and _reverses(r, s):
                    _rewrite(s, r, [block[m + 1:]] + after, types)
                    break


def _counts_up(loop: For) -> bool:
    return loop.step == Const(1)


def _reverses(r: For, f: For) -> bool:
    """``r`` runs ``f``'s iterations backwards: range(b - 1, a - 1, -1)."""
    if r.var != f.var or r.step != Const(-1):
        return False
    pairs = [(r.start, Call("sub", (f.stop, Const(1)))), (r.stop, Call("sub", (f.start, Const(1))))]
    forms = [(affine(x, {}), affine(y, {})) for x, y in pairs]
    return all(x is not None and x == y for x, y in forms)


def _first(body: list[Stmt]) -> int | None:
    return next((k for k, t in enumerate(body) if not isinstance(t, Comment)), None)


def _rewrite(f: For, r: For, after: list[list[Stmt]], types) -> None:
    pf, pr = _first(f.body), _first(r.body)
    if pf is None or pr is None:
        return
    push, pop = f.body[pf], r.body[pr]
    if not (isinstance(push, TapePush) and isinstance(pop, TapePop) and isinstance(push.value, Var)
            and not pop.as_bool and push.tape == pop.tape and push.value == pop.target):
        return
    v = pop.target.name
    if types.get(v) != "float":
        return  # the float tape: an int tape would truncate a share of 0.5
    found = _selection(r.body, pr, v)
    if found is None:
        return
    sel, chosen, rerun = found
    if any(read_first(v, b) for b in after) or any(sel in mentioned(t) for t in f.body):
        return
    needed = _needed(rerun, chosen)
    at = _insertion_point(f.body, pf, v, chosen, needed)
    # the forward loop computes the re-run values the selection reads, word for word, before
    # the insertion point; everything else the selection reads stays the same in both loops
    if not all(any(_same(t, u) for u in f.body[pf + 1:at]) for t in needed):
        return
    outside = set().union(*(reads(t) for t in chosen if isinstance(t, Assign))) - {v, sel, f.var} \
        - {t.target for t in needed}
    changing = assigned(f.body) | assigned(r.body) | {
        x for t in f.body + r.body if isinstance(t, OPAQUE) for x in mentioned(t)}
    if outside & changing:
        return
    f.body[at:at] = chosen + [TapePush(push.tape, push.at, Var(sel), push.pair)]
    del f.body[pf]
    # the reverse reads the selection back; the re-run values nothing reads any more go
    r.body[pr] = TapePop(pop.tape, pop.at, Var(sel), pair=pop.pair)
    gone = {id(t) for t in chosen}
    body = [t for t in r.body if id(t) not in gone]
    read = set().union(*(reads(t) for t in body))
    unread = {id(t) for t in rerun if t.target not in read and not any(read_first(t.target, b) for b in after)}
    body = [t for t in body if id(t) not in unread]
    if len(unread) == len(rerun):
        body = [t for t in body if not (isinstance(t, Comment) and t.text == RERUN_NOTE)]
    r.body[:] = body


def _selection(body: list[Stmt], at: int, v: str):
    """``(sel, its statements with their comments, the re-run statements
    before them)`` where every statement of ``body`` that reads v assigns one
    name ``sel``, each a selection (``c if test else d`` of float constants and
    sel itself), all among the plain assignments that follow the pop; None
    otherwise."""
    rerun: list[Assign] = []
    chosen: list[Stmt] = []
    notes: list[Stmt] = []
    sel = None
    for t in body[at + 1:]:
        if isinstance(t, Comment):
            notes.append(t)
            continue
        if not (isinstance(t, Assign) and not is_store(t)):
            break
        if v in reads(t) or (sel is not None and t.target == sel):
            sel = sel or t.target
            if t.target != sel or not _selects(t.value, sel):
                return None
            chosen += [n for n in notes if n.text != RERUN_NOTE] + [t]
        elif t.target == v or (sel is not None and sel in reads(t)):
            break  # the selection is made: what follows uses it
        elif sel is None:
            rerun.append(t)
        notes = []
    if sel is None:
        return None
    last = max(k for k, t in enumerate(body) if any(t is u for u in chosen))
    if any(v in mentioned(t) for t in body[last + 1:]) or any(t.target == sel for t in rerun):
        return None
    return sel, chosen, rerun


def _needed(rerun: list[Assign], chosen: list[Stmt]) -> list[Assign]:
    """The re-run statements the selection reads, directly or through each other."""
    want = set().union(*(reads(t) for t in chosen if isinstance(t, Assign)))
    out = []
    for t in reversed(rerun):
        if t.target in want:
            out.append(t)
            want |= reads(t)
    return out[::-1]


def _selects(value, sel: str) -> bool:
    """``c if test else d`` with c and d float constants, sel, or selections
    of those themselves (``(sel if a != b else 0.5) if a == a else nan``)."""
    return isinstance(value, Call) and value.prim == "select" and all(
        (isinstance(a, Const) and isinstance(a.value, float)) or a == Var(sel) or _selects(a, sel)
        for a in value.args[1:])


def _insertion_point(body: list[Stmt], push: int, v: str, chosen, needed) -> int:
    """Where, after the push, the selection is made: before the first
    statement that is not a plain assignment or that changes v or what the
    selection reads (a statement the re-run repeats word for word is shared)."""
    inputs = {v} | {x for t in chosen + needed if isinstance(t, Assign) for x in reads(t) | {t.target}}
    at = push + 1
    while at < len(body):
        t = body[at]
        if isinstance(t, Comment):
            at += 1
            continue
        if not (isinstance(t, Assign) and not is_store(t)):
            break
        if t.target in inputs and not any(_same(t, u) for u in needed):
            break
        at += 1
    return at


def _same(a: Stmt, b: Stmt) -> bool:
    return isinstance(a, Assign) and isinstance(b, Assign) and a.target == b.target and a.value == b.value
