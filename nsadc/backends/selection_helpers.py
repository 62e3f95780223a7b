"""Long functions: each selection as one call of a helper written once.

Numba's compile time grows with the instructions of a function, and a
kink's NaN-guarded partial takes about sixteen of them:

    dmax = _select(a > b, 1.0, 0.0)
    dmax = _select((a == a) * (b == b), _select(a != b, dmax, 0.5), math.nan)

In a function with ``SELECT_CALLS`` selections or more (one long enough that
its selections are already ``_select`` calls), such a statement, merged first
with the statement before it when that one only feeds it, becomes a call of
a helper the module defines once for every statement of the same shape:

    dmax = _selection_1(a, b)

    def _selection_1(a, b):
        return _select((a == a) * (b == b), _select(a != b, _select(a > b, 1.0, 0.0), 0.5), math.nan)

LLVM inlines the helper back, so the compiled code is the same selects; a
1,000-statement gradient (400 kinks) compiles in 8.4 s instead of 12.0.  Only
selections whose every operation is cheap and cannot fail are moved (their
arguments are evaluated before the call, as ``_select``'s are).
"""

from __future__ import annotations

import copy
from collections import Counter

from nsadc.backends.renaming import with_blocks
from nsadc.ir.nodes import (OPAQUE, Assign, Call, Const, Expr, For, Function, Param, Return, Stmt, Var,
                            child_blocks, expressions_read, raw_names, renamed_expr, walk)
from nsadc.passes.loop_analysis import all_names
from nsadc.rules.table import EAGER


# a selection is moved into a helper from this many operations on (a lone
# ``_select(a > b, 1.0, 0.0)`` has two and stays where it reads best)
_MIN_OPERATIONS = 4
# merged statements stop growing here (a helper stays a line)
_MAX_OPERATIONS = 24


def _operations(e: Expr) -> int:
    return 1 + sum(_operations(a) for a in e.args) if isinstance(e, Call) else 0


def _cheap(e: Expr) -> bool:
    """Made of variables, constants and cheap operations that cannot fail."""
    if isinstance(e, Call):
        return (e.prim in EAGER or e.prim == "select_call") and all(_cheap(a) for a in e.args)
    return isinstance(e, (Var, Const))


def _is_selection(e: Expr) -> bool:
    return isinstance(e, Call) and e.prim == "select_call" and _cheap(e)


def _occurrences(e: Expr, name: str) -> int:
    if isinstance(e, Var):
        return int(e.name == name)
    if isinstance(e, Call):
        return sum(_occurrences(a, name) for a in e.args)
    return 0


def _substituted(e: Expr, name: str, value: Expr) -> Expr:
    if isinstance(e, Var):
        return value if e.name == name else e
    if isinstance(e, Call):
        return Call(e.prim, tuple(_substituted(a, name, value) for a in e.args))
    return e


class _Uses:
    """How often each name is read and assigned in a function (a name an
    opaque line mentions counts as read many times)."""

    def __init__(self, fn: Function):
        self.reads: Counter[str] = Counter()
        self.assigns: Counter[str] = Counter(p.name for p in fn.params)
        for s in walk(fn.body):
            if isinstance(s, OPAQUE):
                for name in raw_names(s):
                    self.reads[name] += 2
            for e in expressions_read(s):
                self._count(e)
            if isinstance(s, Assign):
                self.assigns[s.target] += 1
            elif isinstance(s, For):
                self.assigns[s.var] += 1

    def _count(self, e: Expr) -> None:
        if isinstance(e, Var):
            self.reads[e.name] += 1
        elif isinstance(e, Call):
            for a in e.args:
                self._count(a)


def _merged(first: Stmt, second: Stmt, uses: _Uses) -> Assign | None:
    """``second`` with ``first``'s value in place of its one read of
    ``first``'s target, where ``first`` only feeds ``second``: ``second``
    assigns the same name again, or nothing else reads or assigns it."""
    if not (isinstance(first, Assign) and isinstance(second, Assign)):
        return None
    name = first.target
    if not (_is_selection(first.value) and _is_selection(second.value)):
        return None
    if _occurrences(second.value, name) != 1:
        return None
    if second.target != name and (uses.reads[name] != 1 or uses.assigns[name] != 1):
        return None
    value = _substituted(second.value, name, first.value)
    if _operations(value) > _MAX_OPERATIONS:
        return None
    return Assign(second.target, value, second.loc, second.site if second.site is not None else first.site)


def _merged_block(block: list[Stmt], uses: _Uses) -> list[Stmt]:
    out: list[Stmt] = []
    for s in block:
        blocks = child_blocks(s)
        if blocks:
            s = with_blocks(s, [_merged_block(b, uses) for b in blocks])
        merged = _merged(out[-1], s, uses) if out else None
        if merged is not None:
            out[-1] = merged
        else:
            out.append(s)
    return out


def _param_name(k: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[k] if k < 26 else f"v{k}"


class SelectionHelpers:
    """The helpers of one module, one per shape of selection: the expression
    with its variables as parameters (in order of first appearance) and
    their types."""

    def __init__(self):
        self._by_shape: dict[tuple, Function] = {}
        self.uses: Counter[str] = Counter()

    def call(self, e: Expr, types: dict[str, str]) -> Expr:
        leaves: dict[str, int] = {}
        shape = self._shape(e, leaves)
        kinds = tuple(types.get(v, "float") for v in leaves)
        helper = self._by_shape.get((shape, kinds))
        if helper is None:
            names = {v: _param_name(k) for k, v in enumerate(leaves)}
            params = [Param(_param_name(k), t) for k, t in enumerate(kinds)]
            helper = Function(f"_selection_{len(self._by_shape) + 1}", params, [Return(renamed_expr(e, names))])
            helper.types = {p.name: p.type for p in params}
            self._by_shape[(shape, kinds)] = helper
        self.uses[helper.name] += 1
        return Call("helper", (Var(helper.name), *(Var(v) for v in leaves)))

    def functions(self) -> list[Function]:
        """The helpers, each with a docstring saying how often it is called."""
        out = []
        for helper in self._by_shape.values():
            helper.doc = (f"A selection made {self.uses[helper.name]} times below: as calls, a long function "
                          "compiles faster.")
            out.append(helper)
        return out

    def _shape(self, e: Expr, leaves: dict[str, int]) -> tuple:
        if isinstance(e, Var):
            return ("var", leaves.setdefault(e.name, len(leaves)))
        if isinstance(e, Const):
            return ("const", type(e.value).__name__, repr(e.value))
        return (e.prim, *(self._shape(a, leaves) for a in e.args))


def _outlined_block(block: list[Stmt], helpers: SelectionHelpers, types: dict[str, str]) -> list[Stmt]:
    out: list[Stmt] = []
    for s in block:
        if isinstance(s, Assign) and _is_selection(s.value) and _operations(s.value) >= _MIN_OPERATIONS:
            s = Assign(s.target, helpers.call(s.value, types), s.loc, s.site)
        elif child_blocks(s):
            s = with_blocks(s, [_outlined_block(b, helpers, types) for b in child_blocks(s)])
        out.append(s)
    return out


def _selection_calls(fn: Function) -> int:
    count = 0

    def visit(e: Expr) -> None:
        nonlocal count
        if isinstance(e, Call):
            count += e.prim == "select_call"
            for a in e.args:
                visit(a)
    for s in walk(fn.body):
        for e in expressions_read(s):
            visit(e)
    return count


def with_selection_helpers(functions: list[Function], threshold: int) -> tuple[list[Function], list[Function]]:
    """The functions with at least ``threshold`` ``_select`` calls rewritten
    to call shared helpers for their selections, and those helpers."""
    helpers = SelectionHelpers()
    out = []
    for fn in functions:
        if _selection_calls(fn) < threshold or any(v.startswith("_selection_") for v in all_names(fn)):
            out.append(fn)
            continue
        new = copy.copy(fn)
        new.body = _outlined_block(_merged_block(fn.body, _Uses(fn)), helpers, fn.types or {})
        out.append(new)
    return out, helpers.functions()
