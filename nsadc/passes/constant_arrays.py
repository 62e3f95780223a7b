"""An array the function fills with one constant is that constant where it is read.

A fused loop keeps the derivative of its sum with respect to each element it
reads in an array, and the reverse sweep scales it:

    ds_dx = np.empty_like(x)
    for i in range(n):
        s += x[i]
        ds_dx[i] = 1.0          # d(s + x[i]) / d x[i]
    ...
    for i0 in range(x.shape[0]):
        x_bar[i0] += ds_dx[i0] * s_bar

A plain sum's derivatives are all 1: the array costs a pass writing it and
one reading it back (active faces' gradient: 1.13 ms with it, 0.98 without).
Where every store into an array the function makes with ``np.empty`` or
``np.empty_like`` stores the same number, and nothing else names the array
but its loads, each load reads that number, and the array and its stores
go.  (A load of an element no store wrote would read uninitialized memory
in the code as emitted; the passes never emit one.)
"""

from __future__ import annotations

from nsadc.analyses.facts import expr_type
from nsadc.ir.nodes import Assign, Call, Const, Expr, For, Function, If, Stmt, Var, While, walk
from nsadc.passes.dead_assignments import has_code
from nsadc.passes.loop_analysis import mentioned
from nsadc.transforms.reverse_plan import is_store

_EMPTY = ("empty", "empty_like")


def drop_constant_arrays(fn: Function) -> None:
    """Rewrite, in place, each array of ``fn`` that holds one constant (module docstring)."""
    made = {s.target: s for s in fn.body if isinstance(s, Assign) and isinstance(s.value, Call)
            and s.value.prim in _EMPTY}
    if not made:
        return
    for array, allocation in made.items():
        value = _constant(fn.body, array, allocation)
        if value is not None:
            fn.body = _rewritten(fn.body, array, value, allocation, fn.types)


def _constant(body: list[Stmt], array: str, allocation: Assign) -> Const | None:
    """The one number every store into ``array`` stores, where nothing but
    element loads and stores names it; else None."""
    values: set = set()
    for s in walk(body):
        if s is allocation or array not in mentioned(s):
            continue
        if is_store(s) and s.target == array and s.value.args[0] == Var(array):
            stored = s.value.args[-1]
            if not isinstance(stored, Const) or any(array in _vars(i) for i in s.value.args[1:-1]):
                return None
            values.add((type(stored.value), stored.value))
            continue
        if isinstance(s, Assign) and s.target != array and _only_loaded(s.value, array):
            continue
        if isinstance(s, (If, While)) and _only_loaded(s.test, array) or isinstance(s, For) and all(
                _only_loaded(e, array) for e in (s.start, s.stop, s.step)):
            continue
        return None
    if len(values) != 1:
        return None
    kind, number = values.pop()
    return Const(number) if kind is float else None


def _vars(e: Expr) -> set[str]:
    if isinstance(e, Var):
        return {e.name}
    if isinstance(e, Call):
        return set().union(*(_vars(a) for a in e.args)) if e.args else set()
    return set()


def _only_loaded(e: Expr, array: str) -> bool:
    """``array`` appears in ``e`` only as the array of element loads."""
    if isinstance(e, Var):
        return e.name != array
    if isinstance(e, Call):
        if e.prim == "load" and e.args[0] == Var(array):
            return all(_only_loaded(i, array) for i in e.args[1:])
        return all(_only_loaded(a, array) for a in e.args)
    return True


def _read_as(e: Expr, array: str, value: Const, types: dict[str, str]) -> Expr:
    """``e`` with each load of ``array`` read as ``value`` (a float ``1.0 * x`` read as ``x``: the same bits)."""
    if isinstance(e, Call):
        if e.prim == "load" and e.args[0] == Var(array):
            return value
        out = Call(e.prim, tuple(_read_as(a, array, value, types) for a in e.args))
        if out.prim == "mul":
            for one, other in ((out.args[0], out.args[1]), (out.args[1], out.args[0])):
                if one == Const(1.0) and expr_type(other, types) == "float":
                    return other
        return out
    return e


def _rewritten(block: list[Stmt], array: str, value: Const, allocation: Assign,
               types: dict[str, str]) -> list[Stmt]:
    out: list[Stmt] = []
    for s in block:
        if s is allocation or (is_store(s) and s.target == array):
            continue
        if isinstance(s, Assign):
            s = Assign(s.target, _read_as(s.value, array, value, types), s.loc, s.site)
        elif isinstance(s, If):
            s = If(_read_as(s.test, array, value, types), _rewritten(s.body, array, value, allocation, types),
                   _rewritten(s.orelse, array, value, allocation, types), s.loc)
            if not (has_code(s.body) or has_code(s.orelse)):
                continue  # it only stored into the array
        elif isinstance(s, For):
            body = _rewritten(s.body, array, value, allocation, types)
            s = For(s.var, s.start, s.stop, s.step, body, s.loc, s.parallel)
            if not has_code(s.body):
                continue
        elif isinstance(s, While):
            s = While(_read_as(s.test, array, value, types), _rewritten(s.body, array, value, allocation, types), s.loc)
        out.append(s)
    return out
