"""A load of an element just stored reads the stored value instead.

    x[i] = min(max(v, lo), hi)
    clipped += abs(v - x[i])        # reads back what the line above stored

becomes ``clipped += abs(v - x_new)`` where ``x_new`` is the stored value's
name.  The number is the same; what changes is what the reverse mode must
keep.  A read after a store in the same iteration makes the reverse sweep's
re-run of the iteration store the element again, keep the old one on a tape
and put it back afterwards, so that the read sees the stored value; read
from the name, the element is only written where it was written before.
Rewritten before the transforms, in every mode.

Only arrays the function allocates itself (``np.zeros``, ``.copy()`` ...) and
uses only element by element (loads, stores, their shape) qualify: no other
name can then reach their elements, so nothing but a store into the same
array changes an element between the store and the load.  The stored value
must be a name or a constant of the array's element type (a float stored
into an int array would be truncated).  A load reads the stored value while
nothing in between stores into the array again (at any index: ``x[j]`` may
be ``x[i]``) or assigns the index's names or the value's name; the values
known before a branch hold inside it, and after it those neither branch
touched; a loop's body starts knowing nothing, and after the loop what the
body touched is forgotten.
"""

from __future__ import annotations

from nsadc.ir.nodes import (OPAQUE, Assign, Call, Comment, Const, Expr, For, Function, If, Stmt, TapePop, TapePush, Var,
                            While, assigned, expressions_read, is_store, raw_names, variables, walk)
from nsadc.rules.arrays import ALLOCATORS, LIKE, is_float_array, rank

Known = dict[Call, Expr]  # a load -> the value the last store put there


def forward_stored_loads(fn: Function, types: dict[str, str]) -> bool:
    """Rewrite ``fn`` in place as above; whether any load was replaced."""
    arrays = own_arrays(fn)
    if not arrays:
        return False
    rewriter = _Rewriter(arrays, types)
    rewriter.block(fn.body, {})
    return rewriter.changed


_FRESH = {*ALLOCATORS, *LIKE, "full", "array_copy", "zeros_rows"}  # a new array, aliasing no other
_BY_ELEMENT = {"load", "store", "shape", "size", "array_copy", *LIKE}  # read without aliasing the array


def own_arrays(fn: Function) -> set[str]:
    """The arrays ``fn`` allocates and then touches only element by element:
    every binding of the name is an allocation, and every other mention is
    the array of a load, a store, a shape, a copy or a tape's push or pop of
    one element (no view, no alias, no result, no opaque line)."""
    params = {p.name for p in fn.params}
    out = {s.target for s in walk(fn.body) if isinstance(s, Assign) and not is_store(s)
           and isinstance(s.value, Call) and s.value.prim in _FRESH} - params
    for s in walk(fn.body):
        if isinstance(s, Assign) and not is_store(s) and not (isinstance(s.value, Call) and s.value.prim in _FRESH):
            out.discard(s.target)  # bound to another array's memory, or to an expression we cannot follow
        for e in element_expressions(s):
            out -= _aliased(e)
    return out


def element_expressions(s: Stmt) -> list[Expr]:
    """What ``s`` evaluates, a tape's push and pop as their operands, other
    opaque lines as every name in them."""
    if isinstance(s, TapePush):
        return [Var(s.tape), s.at, s.value]
    if isinstance(s, TapePop):
        return [Var(s.tape), s.at, s.target]
    if isinstance(s, OPAQUE):
        return [Var(n) for n in raw_names(s)]
    return expressions_read(s)


def _aliased(e: Expr) -> set[str]:
    """The names in ``e`` used other than as the array of an element-wise primitive."""
    if isinstance(e, Var):
        return {e.name}
    if not isinstance(e, Call):
        return set()
    args = e.args[1:] if e.prim in _BY_ELEMENT and e.args and isinstance(e.args[0], Var) else e.args
    return set().union(*map(_aliased, args)) if args else set()


class _Rewriter:
    def __init__(self, arrays: set[str], types: dict[str, str]):
        self.arrays = arrays
        self.types = types
        self.changed = False

    def block(self, block: list[Stmt], known: Known) -> Known:
        """Rewrite ``block``'s loads given what is ``known`` at its start; what is known at its end."""
        for s in block:
            if isinstance(s, Assign):
                value = self._replaced(s.value, known)
                if isinstance(value, (Var, Const)):
                    value = Call("copy", (value,))  # an assignment's value is a primitive's call
                if value is not s.value:
                    s.value = value
                    self.changed = True
                known = self._after_assign(s, known)
            elif isinstance(s, If):
                test = self._replaced(s.test, known)
                if test is not s.test:
                    s.test = test
                    self.changed = True
                self.block(s.body, dict(known))
                self.block(s.orelse, dict(known))
                known = _forget(known, s.body + s.orelse)
            elif isinstance(s, (For, While)):
                self.block(s.body, {})
                known = _forget(known, [s])
            elif not isinstance(s, Comment):
                known = {}  # a return, a jump or opaque code: start again
        return known

    def _replaced(self, e: Expr, known: Known) -> Expr:
        if not known or not isinstance(e, Call):
            return e
        if e.prim == "load" and e in known:
            return known[e]
        args = tuple(self._replaced(a, known) for a in e.args)
        return e if all(a is b for a, b in zip(args, e.args)) else Call(e.prim, args)

    def _after_assign(self, s: Assign, known: Known) -> Known:
        known = _forget(known, [s])  # (a store's array is in its keys' names)
        if is_store(s) and s.target in self.arrays:
            array, *index, value = s.value.args
            if len(index) == rank(self.types[s.target]) and self._element_type(s.target, value) and \
                    not any(s.target in variables(i) for i in index):
                known[Call("load", (array, *index))] = value
        return known

    def _element_type(self, array: str, value: Expr) -> bool:
        """Whether ``value`` is a name or constant of ``array``'s element type (nothing converted on the store)."""
        want = "float" if is_float_array(self.types[array]) else "int"
        if isinstance(value, Var):
            return self.types.get(value.name) == want
        return isinstance(value, Const) and type(value.value) is (float if want == "float" else int)


def _forget(known: Known, block: list[Stmt]) -> Known:
    """What stays known past ``block``: nothing it assigns (loop variables and stored arrays included)."""
    touched = assigned(block)
    return {k: v for k, v in known.items() if not (variables(k) | variables(v)) & touched}
