"""Fold single-use temporaries back into the expression that uses them.

Lowering to three-address form names every subexpression; in emitted code a
temporary that is assigned once and read once, right there in the same block,
only adds a line and a variable (and numba's compile time grows with the
variable count).  ``m = 1.0 - y * wx`` reads better than ``ywx = y * wx``
followed by ``m = 1.0 - ywx``.  A temporary is folded only when nothing between
its assignment and its use changes what it reads, so the value is the same.
"""

from __future__ import annotations

from bisect import bisect_right

from nsadc.ir.nodes import (Assign, Call, Expr, For, Function, If, OPAQUE, Return, Stmt, Var, While, assigned,
                            child_blocks, expressions_read, has_select, raw_names, variables, walk)

MAX_SIZE = 4  # operations in a folded expression: beyond that a name reads better


def _size(e: Expr) -> int:
    if isinstance(e, Call) and e.prim == "store" and _accumulates_into(e):
        # ``a[i] += e`` reads as simply as ``v += e``
        return 1 + sum(_size(a) for a in e.args[1:-1]) + _size(e.args[-1].args[1])
    if isinstance(e, Call):
        return (0 if e.prim in ("copy", "tuple") else 1) + sum(_size(a) for a in e.args)
    return 0


def _accumulates_into(store: Call) -> bool:
    """``store(a, idx, a[idx] + e)``: what the emitter writes ``a[idx] += e``."""
    value = store.args[-1]
    return isinstance(value, Call) and value.prim in ("add", "sub") \
        and value.args[0] == Call("load", store.args[:-1])


def _subst(e: Expr, name: str, value: Expr) -> Expr:
    if isinstance(e, Var):
        return value if e.name == name else e
    if isinstance(e, Call):
        if e.prim == "copy" and isinstance(e.args[0], Var) and e.args[0].name == name:
            return value
        return Call(e.prim, tuple(_subst(a, name, value) for a in e.args))
    return e


def _count(fn: Function) -> tuple[dict[str, int], dict[str, int], set[str]]:
    defs: dict[str, int] = {p.name: 1 for p in fn.params}
    reads: dict[str, int] = {}
    raw: set[str] = set()
    for s in walk(fn.body):
        if isinstance(s, Assign):
            defs[s.target] = defs.get(s.target, 0) + 1
        elif isinstance(s, For):
            defs[s.var] = defs.get(s.var, 0) + 1
        elif isinstance(s, OPAQUE):
            raw.update(raw_names(s))
        for e in expressions_read(s):
            for v in _all_vars(e):
                reads[v] = reads.get(v, 0) + 1
    return defs, reads, raw


def _all_vars(e: Expr) -> list[str]:
    if isinstance(e, Var):
        return [e.name]
    if isinstance(e, Call):
        return [v for a in e.args for v in _all_vars(a)]
    return []


def _assigns(stmts: list[Stmt]) -> set[str]:
    """What a block assigns, counting any name in an opaque line (tape code) too."""
    out = assigned(stmts)
    for s in walk(stmts):
        if isinstance(s, OPAQUE):
            out.update(raw_names(s))
    return out


def fold_temporaries(fn: Function, keep: set[str] = frozenset()) -> None:
    """Fold in place; ``keep`` names variables that must stay (outputs)."""
    while True:
        defs, reads, raw = _count(fn)

        def foldable(s: Stmt) -> bool:
            return (isinstance(s, Assign) and s.site is None and defs.get(s.target) == 1
                    and reads.get(s.target) == 1 and s.target not in raw and s.target not in keep
                    and _size(s.value) <= MAX_SIZE and not has_select(s.value))
        # kink selections stay named statements, under their comment, and
        # compile branch-free as separate two-way selects (Numba/LLVM
        # keeps a small conditional expression as a select, not a branch)

        if not _fold_block(fn.body, foldable):
            _drop_self_copies(fn.body)
            return


def _fold_block(stmts: list[Stmt], foldable) -> bool:
    """Fold the block's foldable temporaries into the statement of the block
    that reads them.  Linear in the block: a foldable name is read exactly once
    in the whole function (``foldable`` asks for one read), so its reader is
    looked up rather than searched for, and whether a statement in between
    assigns what the value reads is a search among the positions that assign
    each name."""
    changed = False
    for s in stmts:
        if isinstance(s, If):
            changed |= _fold_block(s.body, foldable) | _fold_block(s.orelse, foldable)
        elif isinstance(s, (For, While)):
            changed |= _fold_block(s.body, foldable)
    # the positions of the block that assign each name (nested statements and
    # the names of opaque lines included), and where each name is read by a
    # statement of the block itself (an assignment, an if's test, a return)
    assigners: dict[str, list[int]] = {}
    reader: dict[str, int] = {}
    for k, t in enumerate(stmts):
        for v in ((t.target,) if isinstance(t, Assign) else _assigns([t])):
            assigners.setdefault(v, []).append(k)
        if isinstance(t, (Assign, If, Return)):
            for e in expressions_read(t):
                for v in _all_vars(e):
                    reader.setdefault(v, k)
    gone: set[int] = set()
    for i, s in enumerate(stmts):
        if not foldable(s):
            continue
        name, value = s.target, s.value
        use = reader.get(name)
        if use is None or use <= i:
            continue
        target = stmts[use]
        read = variables(value) | {name}
        blocked = any(_assigned_between(assigners.get(v, ()), i, use) for v in read)
        if isinstance(target, Assign) and target.site is not None and _size(value) > 0:
            blocked = True  # a kink site keeps its operands named, as the comment names them
        if blocked or sum(_size(e) for e in expressions_read(target)) + _size(value) > MAX_SIZE:
            continue
        if isinstance(target, Assign):
            target.value = _subst(target.value, name, value)
        elif isinstance(target, If):
            target.test = _subst(target.test, name, value)
        else:
            vals = target.value if isinstance(target.value, tuple) else (target.value,)
            new = tuple(_subst(v, name, value) for v in vals)
            target.value = new if isinstance(target.value, tuple) else new[0]
        for v in variables(value):  # now read where the name was
            reader[v] = use
        gone.add(i)
    if gone:
        stmts[:] = [t for k, t in enumerate(stmts) if k not in gone]
    return changed or bool(gone)


def _assigned_between(positions, i: int, j: int) -> bool:
    """Whether a position of the sorted ``positions`` lies strictly between i and j."""
    k = bisect_right(positions, i)
    return k < len(positions) and positions[k] < j


def _drop_self_copies(stmts: list[Stmt]) -> None:
    """Remove ``x = x``, which folding a kept value back leaves behind."""
    stmts[:] = [s for s in stmts if not (isinstance(s, Assign) and isinstance(s.value, Call)
                                         and s.value.prim == "copy" and s.value.args == (Var(s.target),))]
    for s in stmts:
        for inner in child_blocks(s):
            _drop_self_copies(inner)
