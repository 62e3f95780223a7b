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

from nsadc.rules.arrays import ARRAY_VALUES, is_array
from nsadc.ir.nodes import Assign, Call, Expr, For, Function, If, Stmt, Var, While, variables, walk

_LINEAR = {"add", "sub", "neg", "pos", "copy"}


def _reads_nonlinearly(s: Stmt, var: str) -> bool:
    """Does a derivative of ``s`` read the value of ``var``?"""
    for t in walk([s]):
        if isinstance(t, Assign) and isinstance(t.value, Call) and t.value.prim not in _LINEAR \
                and var in variables(t.value):
            return True
    return False


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


def _assigns(s: Stmt, var: str) -> bool:
    return any((isinstance(t, Assign) and t.target == var) or (isinstance(t, For) and t.var == var)
               for t in walk([s]))


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
        for i, a in enumerate(stmts):
            if not isinstance(a, Assign):
                continue
            v = a.target
            if v in arrays:
                continue
            for j in range(i + 1, len(stmts)):
                b = stmts[j]
                if isinstance(b, Assign) and b.target == v:
                    between = stmts[i + 1:j]
                    if any(_reads_nonlinearly(s, v) for s in between) or _reads_nonlinearly(b, v):
                        new = names.fresh(v)
                        a.target = new
                        for s in between + [b]:
                            _rename_reads(s, v, new)
                    break
                if _assigns(b, v):
                    break

    block(fn.body)
