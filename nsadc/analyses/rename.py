"""Split reassignments whose first value a derivative needs.

``z = r * m + c`` followed by ``z = abs(z)`` in the same block: the reverse
sweep needs the first value of ``z`` (the sign for abs) after the second
assignment overwrote it, which would cost a tape push and pop.  Giving the
first value a name of its own (``z_2 = r * m + c``; ``z = abs(z_2)``) makes
it an ordinary temporary instead.  Only pairs in the same block, with no
assignment to the variable between them, are renamed: the second assignment
then always kills the first value, so no later read can see it.
"""

from __future__ import annotations

import bisect

from nsadc.rules.arrays import ARRAY_VALUES, is_array
from nsadc.ir.nodes import Assign, Call, Expr, For, Function, If, Stmt, Var, While, variables, walk

_LINEAR = {"add", "sub", "neg", "pos", "copy"}


def _substitute(e: Expr, old: str, new: str) -> Expr:
    if isinstance(e, Var):
        return Var(new) if e.name == old else e
    if isinstance(e, Call):
        return Call(e.prim, tuple(_substitute(a, old, new) for a in e.args))
    return e


def _rename_reads(s: Stmt, old: str, new: str) -> None:
    for t in walk([s]):
        if isinstance(t, Assign):
            t.value = _substitute(t.value, old, new)
        elif isinstance(t, (If, While)):
            t.test = _substitute(t.test, old, new)
        elif isinstance(t, For):
            t.start, t.stop, t.step = (_substitute(b, old, new) for b in (t.start, t.stop, t.step))


def rename_variable(block: list[Stmt], old: str, new: str) -> None:
    """Call ``old`` ``new`` everywhere in ``block``, reads and assignments."""
    for t in block:
        _rename_reads(t, old, new)
    for t in walk(block):
        if isinstance(t, Assign) and t.target == old:
            t.target = new


def split_reassignments(fn: Function, names) -> None:
    # an array is one value for the whole function, written element by element
    arrays = {p.name for p in fn.params if is_array(p.type)} | {
        s.target for s in walk(fn.body) if isinstance(s, Assign) and isinstance(s.value, Call)
        and s.value.prim in ARRAY_VALUES}

    def block(stmts: list[Stmt]) -> None:
        for s in stmts:
            if isinstance(s, If):
                block(s.body)
                block(s.orelse)
            elif isinstance(s, (For, While)):
                block(s.body)
        # what each statement assigns and reads nonlinearly, once (linear in the block)
        at: dict[str, list[int]] = {}
        for j, s in enumerate(stmts):
            for v in _assigned_by(s):
                at.setdefault(v, []).append(j)
        nonlinear = [_nonlinear_reads(s) for s in stmts]
        for i, a in enumerate(stmts):
            if not isinstance(a, Assign) or a.target in arrays:
                continue
            v = a.target
            later = at.get(v, [])
            k = bisect.bisect_right(later, i)
            if k == len(later):
                continue
            j = later[k]  # the next statement that assigns v
            b = stmts[j]
            if not (isinstance(b, Assign) and b.target == v):
                continue
            between = stmts[i + 1:j]
            if any(v in nonlinear[m] for m in range(i + 1, j)) or v in nonlinear[j]:
                new = names.fresh(v)
                a.target = new
                for t in between + [b]:
                    _rename_reads(t, v, new)

    block(fn.body)


def _assigned_by(s: Stmt) -> set[str]:
    return {t.target if isinstance(t, Assign) else t.var for t in walk([s]) if isinstance(t, (Assign, For))}


def _nonlinear_reads(s: Stmt) -> set[str]:
    """The variables whose values a derivative of ``s`` reads: operands of
    anything but a sum, a difference or a copy."""
    out: set[str] = set()
    for t in walk([s]):
        if isinstance(t, Assign) and isinstance(t.value, Call) and t.value.prim not in _LINEAR:
            out |= variables(t.value)
    return out
