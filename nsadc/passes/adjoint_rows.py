"""An adjoint table whose reverse loop touches a few neighbouring rows keeps only those rows.

A dynamic programme (time warping, an edit distance, a trellis) or a time
stepper fills a table row by row from the row before; its reverse sweep
reads and adds into the adjoint of that table at rows ``i`` and ``i - 1``
alone, and the adjoint is nobody's output:

    D_bar = np.zeros_like(D)
    ...
    D_bar[n, m] += out_bar
    for i in range(n, 0, -1):
        for j in range(m, 0, -1):
            total_bar = D_bar[i, j]
            ...
            D_bar[i - 1, j - 1] += ...
            D_bar[i, j - 1] += ...
            D_bar[i - 1, j] += ...
    D_bar[0, 0] = 0.0          # what the initialisation's reverse resets: read by nobody

A zero-filled table of the primal's size costs a page fault every 4 KB on
fresh memory (time warping over 800 by 800 points: 2.5 ms of a 5.5 ms
gradient whose primal takes 1.7 ms).  The rows a reverse iteration touches
are a window that moves down by one row each iteration, so they live in a
ring of as many rows, each zeroed when the loop leaves it:

    D_bar = np.zeros((2,) + D.shape[1:], D.dtype)
    ...
    D_bar[n % 2, m] += out_bar
    for i in range(n, 0, -1):
        D_bar_row_i = i % 2
        D_bar_row_i_minus_1 = (i - 1) % 2
        ... (D_bar[D_bar_row_i, j], D_bar[D_bar_row_i_minus_1, j - 1], ...)
        for k in range(D_bar.shape[1]):
            D_bar[D_bar_row_i, k] = 0.0

Each element holds what it held before whenever it is read, so the result is
bit for bit the full table's.  A table qualifies where

* it is the adjoint of an array of rank 2 or more, zero-filled at the
  function's top level (``zeros_like``), and not returned;
* one top-level loop reads it (the first that does); before that loop the
  code names it only at rows the loop's first iteration touches (the seeds:
  ``D_bar[n, m] += out_bar``, a loop over the last row's columns); after
  it, either only stores (they go: nothing reads them) or only rows the
  last iteration touched and left in the ring (the first row's adjoint, read
  into an argument's: ``emit_bar[0, s] += V_bar[0, s]``).  Where the loop
  ran no iteration, a slot the code after it reads is zeroed unless it
  holds that very row;
* in the loop every element it names lies at row ``i + c`` for the loop's
  variable ``i`` and a constant ``c``: names read through are those every
  assignment gives one value that the iteration does not change
  (``t_minus_1 = t - 1``), known after an assignment in the same block, in
  a block around it, or in an earlier branch on the same unchanged test
  (``if s_plus_1_lt_S:`` twice);
* the loop counts by one, not in parallel, its bounds not assigned in it,
  and does not leave an iteration early;
* the range keeps every row at 0 or above: a row ``-1`` would wrap around
  to the last, which a ring does not hold.
"""

from __future__ import annotations

from nsadc.ir.affine import Affine, affine, affine_sum
from nsadc.ir.build import plus
from nsadc.ir.names import Names, offset_name, offset_text
from nsadc.ir.nodes import (OPAQUE, Assign, Call, Comment, Const, Expr, For, Function, If, Return, Stmt, Var, While,
                            assigned, expressions_read, map_expressions, raw_names, variables, walk)
from nsadc.passes.loop_analysis import all_names, assigned_once, leaves_early, mentioned, single_valued
from nsadc.rules.arrays import is_float_array, rank
from nsadc.transforms.reverse_plan import is_store

MAX_ROWS = 4  # the widest window kept as a ring


def ring_adjoint_rows(fn: Function) -> None:
    """Rewrite, in place, each qualifying adjoint table of ``fn`` (module docstring)."""
    body = fn.body
    if not any(isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim == "zeros_like" for s in body):
        return
    returned = {v for s in walk(body) if isinstance(s, Return) for e in expressions_read(s) for v in variables(e)}
    params = {p.name for p in fn.params}
    once = _steady_names(fn)
    names = Names(all_names(fn))
    for k, s in enumerate(body):
        if not (isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim == "zeros_like"
                and isinstance(s.value.args[0], Var)):
            continue
        bar, like = s.target, s.value.args[0].name
        t = fn.types.get(like)
        if not (is_float_array(t) and rank(t) >= 2) or bar in returned or bar in params:
            continue
        plan = _plan(body, k, bar, once)
        if plan is None:
            continue
        _ring(fn, k, bar, like, *plan, once, names)


def _steady_names(fn: Function) -> dict[str, Expr]:
    """Names every assignment of ``fn`` gives one value (``T_minus_1 = T - 1``
    in the forward sweep and again in the reverse), reading only names
    assigned once outside every loop: wherever they are read, they hold that
    value."""
    once = assigned_once(fn)
    params = {p.name for p in fn.params}
    return {v: e for v, e in single_valued(fn.body).items() if v not in params
            and all(u in once or u in params for u in variables(e))}


def _plan(body: list[Stmt], k: int, bar: str, once: dict[str, Expr]) -> tuple | None:
    """``(at, window, outer, after)``: where the loop that reads ``bar``
    stands, the row offsets its iterations touch, the names assigned once
    outside it, and whether the code after it reads ``bar`` (at rows the last
    iteration touched); None where ``bar`` does not qualify."""
    uses = [m for m in range(k + 1, len(body)) if bar in mentioned(body[m])]
    for at in uses:
        loop = body[at]
        if isinstance(loop, For) and _loads(loop, bar):
            break
    else:
        return None
    inside = assigned(loop.body)
    outer = {v: e for v, e in once.items() if v not in inside}
    step = affine(loop.step, outer)
    if loop.parallel or loop.var in inside or step not in ({None: 1}, {None: -1}) or leaves_early(loop.body) \
            or (variables(loop.start) | variables(loop.stop)) & inside:
        return None
    found = _row_offsets(loop.body, bar, loop.var, dict(outer))
    if not found or not found[0]:
        return None
    window = range(min(found[0]), max(found[0]) + 1)
    if len(window) > MAX_ROWS:
        return None
    ascending = step == {None: 1}
    first, last = _ends(loop, ascending, outer)
    # the lowest row the loop touches is 0 or above
    lowest = first if ascending else last
    if lowest is None or set(lowest) - {None} or lowest.get(None, 0) + window.start < 0:
        return None
    if not all(_at_rows(body[m], bar, first, window, once, stores_too=True) for m in uses if m < at):
        return None
    after = [m for m in uses if m > at]
    reads_after = any(_loads(body[m], bar) for m in after)
    kept = [c for c in window if c != _leaving(window, ascending)]  # rows the ring still holds at the end
    if reads_after and not all(_at_rows(body[m], bar, last, kept, once, stores_too=True) for m in after):
        return None
    return at, window, outer, reads_after


def _ends(loop: For, ascending: bool, defs: dict[str, Expr]) -> tuple[Affine | None, Affine | None]:
    """The loop variable at the first iteration and at the last."""
    start, stop = affine(loop.start, defs), affine(loop.stop, defs)
    return start, None if stop is None else affine_sum(stop, {None: -1 if ascending else 1}, 1)


def _leaving(window: range, ascending: bool) -> int:
    """The offset of the row each iteration touches for the last time."""
    return window.start if ascending else window.stop - 1


def _loads(s: Stmt, bar: str) -> bool:
    """Whether ``s`` reads an element of ``bar`` (or names it other than in a store into it)."""
    for t in walk([s]):
        if isinstance(t, OPAQUE) and bar in raw_names(t):
            return True
        for e in expressions_read(t):
            if _reads_array(e, bar):
                return True
    return False


def _reads_array(e: Expr, bar: str) -> bool:
    """``bar`` named in ``e`` other than as the array a store writes into."""
    if isinstance(e, Var):
        return e.name == bar
    if not isinstance(e, Call):
        return False
    if e.prim == "store" and e.args[0] == Var(bar):
        return any(_reads_array(a, bar) for a in e.args[1:])
    if e.prim == "load" and e.args[0] == Var(bar):
        return True
    return any(_reads_array(a, bar) for a in e.args)


def _row_offsets(block: list[Stmt], bar: str, var: str, defs: dict[str, Expr],
                 slots: dict[int, str] | None = None) -> tuple[set[int], list[Stmt]] | None:
    """The constants ``c`` of every row ``var + c`` the block touches in
    ``bar``, and the block with each such row read as its slot's name where
    ``slots`` are given; None where a row is not of that form or ``bar`` is
    named otherwise.  ``defs`` grows with the names assigned so far in this
    iteration (a name assigned in a nested block is known inside it alone)."""
    out: set[int] = set()
    single = single_valued(block)  # a name every assignment in the block gives one value (``t - 1``)
    changing = {s.target for s in walk(block) if isinstance(s, Assign) and not is_store(s)}

    def row(e: Expr, known: dict[str, Expr]) -> Expr | None:
        """``e`` with its rows of ``bar`` through the slots; None where one is not ``var + c``."""
        if isinstance(e, Var):
            return None if e.name == bar else e
        if not isinstance(e, Call):
            return e
        args = []
        for a in e.args:
            a2 = row(a, known) if not (a == Var(bar) and e.prim in ("load", "store") and not args) else a
            if a2 is None:
                return None
            args.append(a2)
        if e.prim in ("load", "store") and e.args[0] == Var(bar):
            form = affine(e.args[1], known)
            if form is None or set(form) - {Var(var), None} or form.get(Var(var)) != 1:
                return None
            c = form.get(None, 0)
            out.add(c)
            if slots is not None:
                args[1] = Var(slots[c])
        return Call(e.prim, tuple(args))

    def visit(stmts: list[Stmt], known: dict[str, Expr]) -> list[Stmt] | None:
        """The block rewritten; ``known`` gains the names it assigns at its level."""
        new: list[Stmt] = []
        under: dict[str, dict[str, Expr]] = {}  # test name -> what a branch on it assigned (``if c:`` again)
        for s in stmts:
            if isinstance(s, Assign):
                value = row(s.value, known)
                if value is None or (s.target == bar and not is_store(s)):
                    return None
                new.append(Assign(s.target, value, s.loc, s.site))
                if not is_store(s) and s.target in single \
                        and not variables(s.value) & changing:  # what it reads stays put in the iteration
                    known[s.target] = s.value
            elif isinstance(s, If):
                c = s.test.name if isinstance(s.test, Var) else None
                then_known = {**known, **under.get(c, {})}
                test, then, other = row(s.test, known), visit(s.body, then_known), visit(s.orelse, dict(known))
                if test is None or then is None or other is None:
                    return None
                new.append(If(test, then, other, s.loc))
                if c is not None and c not in assigned([s]):  # a later branch on c runs only where this one ran
                    under[c] = {**under.get(c, {}), **{v: e for v, e in then_known.items() if known.get(v) != e}}
                    continue
            elif isinstance(s, For):
                bounds = [row(e, known) for e in (s.start, s.stop, s.step)]
                inner = visit(s.body, dict(known))
                if None in bounds or inner is None:
                    return None
                new.append(For(s.var, *bounds, inner, s.loc, s.parallel))
            elif isinstance(s, While):
                test, inner = row(s.test, known), visit(s.body, dict(known))
                if test is None or inner is None:
                    return None
                new.append(While(test, inner, s.loc))
            elif bar in mentioned(s):  # a tape operation, a raw line
                return None
            else:
                new.append(s)
            for c in assigned([s]) & set(under):  # the test may have changed (what a name holds cannot)
                del under[c]
        return new

    block2 = visit(block, defs)
    return None if block2 is None else (out, block2)


def _at_rows(s: Stmt, bar: str, base: Affine | None, offsets, defs: dict[str, Expr], stores_too: bool) -> bool:
    """Every element of ``bar`` that ``s`` loads (and stores, with
    ``stores_too``) lies at row ``base + c`` for a ``c`` in ``offsets``."""
    if base is None:
        return False
    for t in walk([s]):
        if isinstance(t, OPAQUE) and bar in raw_names(t):
            return False
        if isinstance(t, Assign) and t.target == bar and not is_store(t):
            return False
        for e in expressions_read(t):
            for kind, row in _accesses(e, bar):
                if kind == "store" and not stores_too:
                    continue
                form = affine(row, defs) if row is not None else None
                diff = None if form is None else affine_sum(form, base, -1)
                if diff is None or set(diff) - {None} or diff.get(None, 0) not in offsets:
                    return False
    return True


def _accesses(e: Expr, bar: str) -> list[tuple[str, Expr | None]]:
    """``("load" | "store", row)`` of each element of ``bar`` that ``e`` names
    (row None: ``bar`` named whole)."""
    if isinstance(e, Var):
        return [("load", None)] if e.name == bar else []
    if not isinstance(e, Call):
        return []
    if e.prim in ("load", "store") and e.args[0] == Var(bar):
        return [(e.prim, e.args[1]), *(r for a in e.args[1:] for r in _accesses(a, bar))]
    return [r for a in e.args for r in _accesses(a, bar)]


def _through_ring(e: Expr, bar: str, size: int) -> Expr:
    """``e`` with each row of ``bar`` taken modulo the ring's size."""
    if not isinstance(e, Call):
        return e
    args = [_through_ring(a, bar, size) for a in e.args]
    if e.prim in ("load", "store") and e.args[0] == Var(bar):
        args[0] = e.args[0]
        args[1] = Call("mod", (args[1], Const(size)))
    return Call(e.prim, tuple(args))


def _ring(fn: Function, k: int, bar: str, like: str, at: int, window: range, outer: dict[str, Expr],
          reads_after: bool, once: dict[str, Expr], names: Names) -> None:
    body = fn.body
    loop = body[at]
    size, var, dims = len(window), loop.var, rank(fn.types[like])
    ascending = affine(loop.step, outer) == {None: 1}
    slots = {c: names.fresh(f"{bar}_row_{offset_name(var, c)}") for c in window}
    for v in slots.values():
        fn.types[v] = "int"
    body[k] = Assign(bar, Call("zeros_rows", (Var(like), Const(size))), body[k].loc)

    # the loop: each row through its slot, the row it leaves zeroed for the next to enter
    setup = [Assign(slots[c], Call("mod", (plus(Var(var), c), Const(size)))) for c in window]
    leaving = Var(slots[_leaving(window, ascending)])
    loop.body = setup + _row_offsets(loop.body, bar, var, dict(outer), slots)[1] + [_zero_row(fn, bar, leaving, dims,
                                                                                             names)]
    # before it, the rows the first iteration touches, through the ring
    body[k + 1:at] = map_expressions(body[k + 1:at], lambda e: _through_ring(e, bar, size))
    # after it, the rows the last iteration touched (stores into others: nobody reads them)
    last = plus(loop.stop, -1 if ascending else 1)
    kept = [c for c in window if c != _leaving(window, ascending)]
    if reads_after:
        rest = map_expressions(body[at + 1:], lambda e: _through_ring(e, bar, size))
        # where the loop ran no iteration, a slot holds the first iteration's row: right for the code
        # below only where that row is the one it reads there
        fix: list[Stmt] = []
        for c in window:
            row = plus(loop.start, c)
            outside = Call("or", (Call("lt", (row, plus(last, kept[0]))), Call("gt", (row, plus(last, kept[-1])))))
            fix.append(If(outside, [_zero_row(fn, bar, Call("mod", (row, Const(size))), dims, names)]))
        idle = Call("le", (loop.stop, loop.start) if ascending else (loop.start, loop.stop))
        rest = [If(idle, fix)] + rest
    else:
        rest = _without_stores(body[at + 1:], bar, lambda row: False)
    body[at + 1:] = rest
    window_text = " and ".join(offset_text(var, c) for c in window)
    body.insert(at, Comment(f"rows: this loop touches rows {window_text} of {bar} alone, kept in a ring of "
                            f"{size}, each zeroed as the loop leaves it"))


def _zero_row(fn: Function, bar: str, slot: Expr, dims: int, names: Names) -> Stmt:
    """Loops that zero the slot's row of ``bar``."""
    index = [names.fresh("k") for _ in range(dims - 1)]
    for v in index:
        fn.types[v] = "int"
    stmt: Stmt = Assign(bar, Call("store", (Var(bar), slot, *(Var(v) for v in index), Const(0.0))))
    for d, v in reversed(list(enumerate(index, 1))):
        stmt = For(v, Const(0), Call("shape", (Var(bar), Const(d))), Const(1), [stmt])
    return stmt


def _without_stores(block: list[Stmt], bar: str, kept) -> list[Stmt]:
    """``block`` less its stores into ``bar`` at rows ``kept`` does not keep,
    and the loops and branches they leave empty."""
    out: list[Stmt] = []
    for s in block:
        if isinstance(s, Assign) and is_store(s) and s.target == bar and not kept(s.value.args[1]):
            continue
        if isinstance(s, For):
            inner = _without_stores(s.body, bar, kept)
            if any(not isinstance(t, Comment) for t in inner):
                out.append(For(s.var, s.start, s.stop, s.step, inner, s.loc, s.parallel))
            continue
        if isinstance(s, If):
            then, other = _without_stores(s.body, bar, kept), _without_stores(s.orelse, bar, kept)
            if any(not isinstance(t, Comment) for t in then + other):
                out.append(If(s.test, then, other, s.loc))
            continue
        if isinstance(s, While):
            out.append(While(s.test, _without_stores(s.body, bar, kept), s.loc))
            continue
        out.append(s)
    return out

