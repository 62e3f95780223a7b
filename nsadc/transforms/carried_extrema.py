"""A loop-carried maximum or minimum, differentiated through its argmax.

    m = m0
    for i in range(start, stop, step):
        ...                        # the loop's other work
        v = <computed from i and from values the loop does not assign>
        m = max(m, v)              # or min; or `if v > m: m = v` (> >= < <=, either side)

Reversed as written, every iteration is a kink of ``m``: the reverse sweep
restores each iteration's ``m`` from a tape as long as the loop and visits
every iteration, although the cotangent of ``m`` reaches one of them, the
last that changed ``m``.  A hand-written gradient keeps that index.  The
reverse mode rewrites such a loop first, into the same function:

    m_so_far = m
    m_found = False
    for i in range(start, stop, step):     # the search: nothing in it is active
        v_2 = ...
        if v_2 > m_so_far:
            m_so_far = v_2
            m_at = i
            m_found = True
    for i in range(start, stop, step):     # the loop's other work (gone if none)
        ...
    if m_found:
        v_3 = <v's statements at i = m_at>
        m = v_3

The branch form (``if v > m: m = v``) selects by its comparison alone, so the
rewritten loop has its derivative exactly, ties included.  A ``max``/``min``
call shares its cotangent between tied operands as the kink policy says, and
passes NaN on: the search also notes whether the running value tied an
operand after its last change or met a NaN (kept, so that it never changes
again), and then the original chain runs instead (``if m_tied: for i in ...: m = max(m, v)``), so the derivative is the
same as the loop's as written at every point.

Only loops whose ``v`` can be computed again at one index qualify: its
statements read the loop variable and values the loop does not assign, store
nothing, and ``m`` is read nowhere else in the loop; inside another loop, only
where ``v`` takes a loop of its own (:func:`_has_loop`).  Statements of a branch
form's ``if`` that set inactive values (``best_i = i``) move into the search.
"""

from __future__ import annotations

from dataclasses import dataclass

from nsadc.analyses.facts import Facts
from nsadc.ir.names import Names
from nsadc.ir.nodes import (Assign, Break, Call, Const, Continue, For, Function, If, Raw, Return, Stmt, Var, While,
                            assigned, child_blocks, clone, reads, renamed_block, renamed_expr, upward_exposed,
                            variables, walk)
from nsadc.transforms.reverse_plan import is_store

EXTREMA = {"max": ("gt", "lt"), "min": ("lt", "gt")}  # call -> (better, worse) comparisons
COMPARISONS = ("gt", "ge", "lt", "le")


@dataclass
class _Update:
    """``m``'s update in a loop's body: ``unit`` (``m = max(m, e)``, or the
    ``if`` of ``test`` whose branch sets ``m = e``), and the body's statements
    that compute ``e`` (indices into the body)."""

    m: str
    e: str
    unit: Stmt
    test: Assign | None
    extras: list[Assign]
    slice: list[int]


def search_carried_extrema(fn: Function, facts: Facts, names: Names) -> bool:
    """Rewrite each qualifying loop of ``fn`` in place (module docstring);
    whether any was."""
    done: set[int] = set()
    changed = False
    while True:
        found = _find(fn, fn.body, facts, done)
        if found is None:
            return changed
        block, k, update = found
        block[k:k + 1] = _rewritten(fn, block[k], update, names, done)
        changed = True


def _find(fn: Function, block: list[Stmt], facts: Facts, done: set[int], nested: bool = False):
    for k, s in enumerate(block):
        for child in child_blocks(s):
            found = _find(fn, child, facts, done, nested or isinstance(s, (For, While)))
            if found is not None:
                return found
        if isinstance(s, For) and id(s) not in done:
            update = _update_in(fn, s, facts)
            if update is not None and (not nested or _has_loop([s.body[j] for j in update.slice])):
                return block, k, update
            done.add(id(s))
    return None


def _has_loop(block: list[Stmt]) -> bool:
    """Inside another loop the rewrite pays only where the operand takes a loop
    of its own (a distance, a dot product): the reverse then re-runs that loop
    at one index instead of at each.  Where the operand is a load or a few
    operations (a pooling window), the as-written reverse is cheap and the
    rewrite's branches for ties in the outer loop's body cost more (a 1-D max
    pool's gradient: 7.1 ms as written, 15 ms rewritten)."""
    return any(isinstance(s, (For, While)) for s in walk(block))


def _update_in(fn: Function, loop: For, facts: Facts) -> _Update | None:
    body = loop.body
    if any(isinstance(s, (Break, Continue, Return, Raw)) for s in walk(body)):
        return None
    written = assigned(body) | {loop.var}
    header = variables(loop.start) | variables(loop.stop) | variables(loop.step)
    if header & written:
        return None
    for k, s in enumerate(body):
        update = _update_at(body, k, facts)
        if update is None:
            continue
        m, e = update.m, update.e
        if facts.types.get(m) != "float" or facts.types.get(e) != "float" or m not in facts.active:
            continue
        readers = [t for t in walk(body) if m in reads(t)]
        if sum(isinstance(t, Assign) and t.target == m for t in walk(body)) != 1 or \
                readers != [update.test or update.unit]:
            continue
        if update.test is not None and not _only_read_by(fn, update.test.target, update.unit, body):
            continue
        first = body.index(update.test) if update.test is not None else k
        if e in assigned(body[first + 1:k]):  # the branch would copy another value than it compared
            continue
        need, units = {e}, []
        for j in range(first - 1, -1, -1):
            if assigned([body[j]]) & need:
                units.insert(0, j)
                need = (need - ({body[j].target} if isinstance(body[j], Assign) else set())) | \
                    upward_exposed([body[j]])
        if (need - {loop.var}) & written or not all(_pure(body[j]) for j in units):
            continue
        local = assigned([body[j] for j in units])
        if not all(_movable(x, facts, written - local - {loop.var}, body) for x in update.extras):
            continue
        update.slice = units
        return update
    return None


def _update_at(body: list[Stmt], k: int, facts: Facts) -> _Update | None:
    """The update of a carried extremum at ``body[k]``, by its shape alone."""
    s = body[k]
    if isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim in EXTREMA and len(s.value.args) == 2:
        a, b = s.value.args
        if isinstance(a, Var) and isinstance(b, Var) and a.name != b.name and s.target in (a.name, b.name):
            return _Update(s.target, b.name if a.name == s.target else a.name, s, None, [], [])
        return None
    if not (isinstance(s, If) and not s.orelse and isinstance(s.test, Var)):
        return None
    copies = [t for t in s.body if isinstance(t, Assign) and isinstance(t.value, Call) and t.value.prim == "copy"
              and isinstance(t.value.args[0], Var) and t.target in facts.active]
    if len(copies) != 1 or not all(isinstance(t, Assign) for t in s.body):
        return None
    m, e = copies[0].target, copies[0].value.args[0].name
    tests = [t for t in body[:k] if isinstance(t, Assign) and t.target == s.test.name]
    if len(tests) != 1:
        return None
    test = tests[0]
    if not (isinstance(test.value, Call) and test.value.prim in COMPARISONS and
            {a.name for a in test.value.args if isinstance(a, Var)} == {m, e} and m != e):
        return None
    return _Update(m, e, s, test, [t for t in s.body if t is not copies[0]], [])


def _only_read_by(fn: Function, name: str, reader: Stmt, body: list[Stmt]) -> bool:
    """``name`` is read by ``reader`` alone and assigned once in ``body``."""
    return all(t is reader for t in walk(fn.body) if name in reads(t)) and \
        sum(isinstance(t, Assign) and t.target == name for t in walk(body)) == 1


def _pure(s: Stmt) -> bool:
    """``s`` can run again at another time: it stores nothing and has no loop
    that may stop early."""
    return not any(isinstance(t, (While, Raw, Return, Break, Continue)) or is_store(t) for t in walk([s]))


def _movable(x: Assign, facts: Facts, carried: set[str], body: list[Stmt]) -> bool:
    """A statement beside ``m = e`` in the branch that can move into the search."""
    return (x.target not in facts.active and not is_store(x)
            and not (reads(x) & carried) and all(x.target not in reads(t) for t in walk(body))
            and sum(isinstance(t, Assign) and t.target == x.target for t in walk(body)) == 1)


def _rewritten(fn: Function, loop: For, u: _Update, names: Names, done: set[int]) -> list[Stmt]:
    body = loop.body
    units = [body[j] for j in u.slice]
    local = sorted(assigned(units))
    loc = u.unit.loc
    best, at, found = names.fresh(f"{u.m}_so_far"), names.fresh(f"{u.m}_at"), names.fresh(f"{u.m}_found")

    def slice_copy(index: str) -> tuple[list[Stmt], dict[str, str]]:
        renames = {v: names.fresh(v) for v in local}
        if index != loop.var:
            renames[loop.var] = index
        return renamed_block(clone(units), renames), renames

    # the search: the same comparisons on an inactive copy of m
    search, r = slice_copy(loop.var)
    e = Var(r.get(u.e, u.e))
    better = names.fresh(f"{u.e}_better")
    chosen = [Assign(best, Call("copy", (e,)), loc), Assign(at, Call("copy", (Var(loop.var),)), loc),
              Assign(found, Const(True), loc)]
    chosen += [Assign(x.target, renamed_expr(x.value, r), x.loc) for x in u.extras]
    start = [Assign(best, Call("copy", (Var(u.m),)), loc), Assign(found, Const(False), loc),
             Assign(at, Const(0), loc)]
    tied = None
    if u.test is None:  # max/min call: note ties and NaNs, where the policy's share and NaN decide
        better_prim, worse_prim = EXTREMA[u.unit.value.prim]
        tied, worse, not_worse = names.fresh(f"{u.m}_tied"), names.fresh(f"{u.e}_worse"), names.fresh(f"{u.e}_ties")
        start.append(Assign(tied, Call("ne", (Var(best), Var(best))), loc))
        search.append(Assign(better, Call(better_prim, (e, Var(best))), loc))
        search.append(If(Var(better), chosen + [Assign(tied, Const(False), loc)],
                         [Assign(worse, Call(worse_prim, (e, Var(best))), loc),
                          Assign(not_worse, Call("not", (Var(worse),)), loc),
                          # a tie, or a NaN: kept in the running value, it never changes again
                          If(Var(not_worse), [Assign(tied, Const(True), loc),
                                              Assign(best, Call(u.unit.value.prim, (Var(best), e)), loc)], [], loc)],
                         loc))
    else:
        args = tuple(Var(best) if a.name == u.m else e for a in u.test.value.args)
        search.append(Assign(better, Call(u.test.value.prim, args), u.test.loc))
        search.append(If(Var(better), chosen, [], loc))
    out = start + [For(loop.var, loop.start, loop.stop, loop.step, search, loop.loc)]

    # the loop's other work, without the statements that only computed e
    skip = {id(t) for t in walk(units + [u.unit])} | ({id(u.test)} if u.test is not None else set())
    live = {v for t in walk(fn.body) if id(t) not in skip for v in reads(t)}
    kept: set[int] = set()
    for t in reversed(units):
        if assigned([t]) & live:
            kept.add(id(t))
            live |= {v for w in walk([t]) for v in reads(w)}
    rest = [t for t in body if t is not u.unit and t is not u.test and (id(t) in kept or id(t) not in skip)]
    if rest:
        out.append(For(loop.var, loop.start, loop.stop, loop.step, rest, loop.loc))

    # m from the one index that set it
    again, r = slice_copy(at)
    recompute = [If(Var(found), again + [Assign(u.m, Call("copy", (Var(r.get(u.e, u.e)),)), loc)],
                    [], loc)]
    if tied is not None:
        chain, r = slice_copy(loop.var)
        chain.append(Assign(u.m, renamed_expr(u.unit.value, r), loc, u.unit.site))
        fallback = For(loop.var, loop.start, loop.stop, loop.step, chain, loop.loc)
        done.add(id(fallback))
        recompute = [If(Var(tied), [fallback], recompute, loc)]
    return out + recompute
