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

Where ``v`` is a strictly increasing function of a value computed before it
(``v = log(abs(x[i]) + 1.0)``, ``v = math.sqrt(dx * dx + dy * dy)``,
``v = math.exp(a[i])``: :func:`_increasing_chain`), the search compares
that value instead, and ``v`` is computed once, at the index found, to
compare it with the value ``m`` starts from: the order of ``v`` is that of
its argument, so the index is the same, without a logarithm or a square root
per element.  (Where rounding makes ``v`` equal at two different arguments,
the larger argument is taken: the index the exact function's maximum is at.)

Only loops whose ``v`` can be computed again at one index qualify: its
statements read the loop variable and values the loop does not assign, store
nothing, and ``m`` is read nowhere else in the loop; inside another loop, only
where ``v`` takes a loop of its own or several operations (:func:`_costly`).  Statements of a branch
form's ``if`` that set inactive values (``best_i = i``) move into the search.
"""

from __future__ import annotations

from dataclasses import dataclass

from nsadc.analyses.facts import Facts
from nsadc.ir.names import Names
from nsadc.ir.nodes import (Assign, Break, Call, Const, Continue, Expr, For, Function, If, Raw, Return, Stmt, Var,
                            While, assigned, block_operations, child_blocks, clone, reads, renamed_block,
                            renamed_expr, select, upward_exposed, variables, walk)
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
            if update is not None and (not nested or _costly([s.body[j] for j in update.slice])):
                return block, k, update
            done.add(id(s))
    return None


# operations of an operand from which the rewrite pays inside another loop
COSTLY_OPERAND = 8


def _costly(block: list[Stmt]) -> bool:
    """Inside another loop the rewrite pays only where the operand costs
    something to compute: a loop of its own (a distance, a dot product), or
    ``COSTLY_OPERAND`` operations or more (a point's distance to a segment, a
    clipped projection and a square root): the reverse then computes it at
    one index instead of at each.  Where the operand is a load or a few
    operations (a pooling window), the as-written reverse is cheap and the
    rewrite's branches for ties in the outer loop's body cost more (a 1-D max
    pool's gradient: 7.1 ms as written, 15 ms rewritten)."""
    return any(isinstance(s, (For, While)) for s in walk(block)) or block_operations(block) >= COSTLY_OPERAND


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


# functions increasing on the whole line: v = f(w) orders as w does
_INCREASING = {"exp", "expm1", "tanh", "atan", "asinh", "erf", "copy"}
# and on [0, inf) (sqrt), on (0, inf) (log), on (-1, inf) (log1p): where the argument is known to lie there
_INCREASING_ON = {"sqrt": "nonnegative", "log": "positive", "log1p": "nonnegative"}


def _increasing_chain(units: list[Stmt], e: str, types: dict[str, str]) -> tuple[str, list[Stmt]] | None:
    """``(w, chain)`` where ``e`` is a strictly increasing function of the
    float ``w``: ``chain`` are the statements of ``units`` from ``w`` to
    ``e`` (each reads the one before and constants, and nothing else reads
    their results); None where ``e``'s last step is not such a function."""
    defs = {s.target: s for s in units if isinstance(s, Assign)}
    readers = {}
    for s in units:
        for v in reads(s):
            readers[v] = readers.get(v, 0) + 1
    chain: list[Stmt] = []
    current = e
    while current in defs:
        step = defs[current]
        w = _increasing_argument(step.value, defs)
        if w is None or (chain and readers.get(current, 0) != 1) or types.get(w) != "float":
            break
        chain.insert(0, step)
        current = w
    return (current, chain) if chain else None


def _increasing_argument(value, defs: dict) -> str | None:
    """The one variable ``value`` is a strictly increasing function of."""
    if not isinstance(value, Call):
        return None
    args, prim = value.args, value.prim
    if prim in _INCREASING | set(_INCREASING_ON) and len(args) == 1 and isinstance(args[0], Var):
        if prim in _INCREASING_ON and not _sign_known(args[0], _INCREASING_ON[prim], defs):
            return None
        return args[0].name
    if prim in ("add", "sub") and len(args) == 2 and isinstance(args[0], Var) and isinstance(args[1], Const):
        return args[0].name
    if prim == "add" and len(args) == 2 and isinstance(args[0], Const) and isinstance(args[1], Var):
        return args[1].name
    positive = [a for a in args if isinstance(a, Const) and isinstance(a.value, (int, float)) and a.value > 0]
    if prim == "mul" and len(args) == 2 and positive and any(isinstance(a, Var) for a in args):
        return next(a.name for a in args if isinstance(a, Var))
    if prim == "div" and len(args) == 2 and isinstance(args[0], Var) and positive and positive[0] is args[1]:
        return args[0].name
    return None


def _sign_known(x, sign: str, defs: dict, depth: int = 0) -> bool:
    """Whether ``x`` is known, from how it is computed, to be nonnegative
    (``sign == "nonnegative"``) or positive: ``abs(a)``, ``a * a``, sums of
    such, ``exp(a)``, ``sqrt(a)``, and positive constants added."""
    if isinstance(x, Const):
        return isinstance(x.value, (int, float)) and (x.value > 0 or (sign == "nonnegative" and x.value == 0))
    if not isinstance(x, Var) or x.name not in defs or depth > 8:
        return False
    value = defs[x.name].value
    if not isinstance(value, Call):
        return False
    args = value.args
    if value.prim == "exp":
        return True
    if value.prim in ("abs", "sqrt", "hypot") or (value.prim == "mul" and len(args) == 2 and _same_value(*args, defs)):
        return sign == "nonnegative"
    if value.prim == "copy":
        return _sign_known(args[0], sign, defs, depth + 1)
    if value.prim == "add" and len(args) == 2:
        known = [_sign_known(a, "nonnegative", defs, depth + 1) for a in args]
        return all(known) and (sign == "nonnegative" or any(_sign_known(a, "positive", defs, depth + 1)
                                                            for a in args))
    return False


def _same_value(a, b, defs: dict) -> bool:
    """``a`` and ``b`` are one name, or two names the same expression assigns
    (``x[i]`` loaded twice for ``x[i] * x[i]``)."""
    return a == b or (isinstance(a, Var) and isinstance(b, Var) and a.name in defs and b.name in defs
                      and defs[a.name].value == defs[b.name].value)


def _rewritten(fn: Function, loop: For, u: _Update, names: Names, done: set[int]) -> list[Stmt]:
    body = loop.body
    units = [body[j] for j in u.slice]
    local = sorted(assigned(units))
    loc = u.unit.loc
    best, at, found = names.fresh(f"{u.m}_so_far"), names.fresh(f"{u.m}_at"), names.fresh(f"{u.m}_found")

    def slice_copy(index: str, statements: list[Stmt] = units) -> tuple[list[Stmt], dict[str, str]]:
        renames = {v: names.fresh(v) for v in local}
        if index != loop.var:
            renames[loop.var] = index
        return renamed_block(clone(statements), renames), renames

    # the search: the same comparisons on an inactive copy of m, or on the value m's operand
    # increases with (then it starts at the first element, and m's start is compared at the end)
    increasing = None if u.extras else _increasing_chain(units, u.e, fn.types)
    if increasing is None:
        search, r = slice_copy(loop.var)
        e = Var(r.get(u.e, u.e))
    else:
        search, r = slice_copy(loop.var, [t for t in units if all(t is not c for c in increasing[1])])
        e = Var(r.get(increasing[0], increasing[0]))
    better = names.fresh(f"{u.e}_better")
    chosen = [Assign(best, Call("copy", (e,)), loc), Assign(at, Call("copy", (Var(loop.var),)), loc),
              Assign(found, Const(True), loc)]
    chosen += [Assign(x.target, renamed_expr(x.value, r), x.loc) for x in u.extras]
    start = [Assign(best, Call("copy", (Var(u.m),)) if increasing is None else Const(0.0), loc),
             Assign(found, Const(False), loc), Assign(at, Const(0), loc)]

    def comparison(prim: str, value: Expr, running: Expr) -> Expr:
        """``prim(value, running)``; in the increasing search, before any value
        is kept, the first (a NaN too, for a ``max`` call: kept, it ties
        every later value, so the loop as written decides) or the first that
        is not NaN (a branch form's comparison never keeps a NaN)."""
        if u.test is None:
            test = Call(prim, (value, running))
        else:
            test = Call(prim, tuple(running if a.name == u.m else value for a in u.test.value.args))
        if increasing is None or running != Var(best):
            return test
        return select(Var(found), test, Const(True) if u.test is None else Call("eq", (value, value)))

    tied = None
    if u.test is None:  # max/min call: note ties and NaNs, where the policy's share and NaN decide
        better_prim, worse_prim = EXTREMA[u.unit.value.prim]
        tied, worse, not_worse = names.fresh(f"{u.m}_tied"), names.fresh(f"{u.e}_worse"), names.fresh(f"{u.e}_ties")
        start.append(Assign(tied, Call("ne", (Var(best), Var(best))) if increasing is None else Const(False), loc))
        search.append(Assign(better, comparison(better_prim, e, Var(best)), loc))
        search.append(If(Var(better), chosen + [Assign(tied, Const(False), loc)],
                         [Assign(worse, Call(worse_prim, (e, Var(best))), loc),
                          Assign(not_worse, Call("not", (Var(worse),)), loc),
                          # a tie, or a NaN: kept in the running value, it never changes again
                          If(Var(not_worse), [Assign(tied, Const(True), loc),
                                              Assign(best, Call(u.unit.value.prim, (Var(best), e)), loc)], [], loc)],
                         loc))
    else:
        search.append(Assign(better, comparison(u.test.value.prim, e, Var(best)), u.test.loc))
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

    if increasing is not None:  # the index found against the value m starts from
        check, r = slice_copy(at)
        e_at = Var(r.get(u.e, u.e))
        over, under = names.fresh(f"{u.e}_over"), names.fresh(f"{u.e}_under")
        if u.test is None:
            below = [Assign(under, Call(worse_prim, (e_at, Var(u.m))), loc),
                     # a tie with the start, or a NaN: the policy's share and NaN decide, as written
                     If(Var(under), [Assign(found, Const(False), loc)], [Assign(tied, Const(True), loc)], loc)]
            check += [Assign(over, Call(better_prim, (e_at, Var(u.m))), loc), If(Var(over), [], below, loc)]
        else:
            check += [Assign(over, comparison(u.test.value.prim, e_at, Var(u.m)), loc),
                      If(Var(over), [], [Assign(found, Const(False), loc)], loc)]
        out.append(If(Var(found), check, [], loc))

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
