"""What the frontend's two lowerings (``lower.py`` for statements and scalars,
``vectorize.py`` for whole-array NumPy) read off the libcst syntax alike: the
primitive of each binary operator and comparison, how often a function
binds a name, and which square roots are Euclidean norms.  Both import this module; neither imports the other's
internals.
"""

from __future__ import annotations

import libcst as cst

# binary operators -> the primitive of the rule table
BINARY_OPS = {
    cst.Add: "add", cst.Subtract: "sub", cst.Multiply: "mul", cst.Divide: "div",
    cst.FloorDivide: "floordiv", cst.Modulo: "mod", cst.Power: "pow",
}
# comparison operators -> the comparison primitive (rules.table.COMPARISONS)
COMPARE_OPS = {
    cst.LessThan: "lt", cst.LessThanEqual: "le", cst.GreaterThan: "gt",
    cst.GreaterThanEqual: "ge", cst.Equal: "eq", cst.NotEqual: "ne",
}


def names_in(target, out: set[str]):
    """Add the names an assignment target (a name, or a tuple / list of them) binds to ``out``."""
    if isinstance(target, cst.Name):
        out.add(target.value)
    elif isinstance(target, (cst.Tuple, cst.List)):
        for el in target.elements:
            names_in(el.value, out)


def bindings(fn: cst.FunctionDef, name: str) -> tuple[int, cst.CSTNode | None]:
    """How often ``fn`` binds ``name`` in its own scope, and the node that binds it a
    second time (or declares it nonlocal in a nested function), if any."""
    binds, changed = scope_bindings(fn)
    found = binds.get(name, [])
    if name in changed:
        return len(found), changed[name][0]
    return len(found), (found[1] if len(found) > 1 else None)


_BINDINGS_MEMO: dict[int, tuple] = {}  # id(fn) -> (fn, bindings): one walk per function, not per name


def scope_bindings(fn: cst.FunctionDef) -> tuple[dict[str, list], dict[str, list]]:
    """Every binding in ``fn``'s own scope, by name (a loop target or an
    augmented assignment counts twice: it rebinds), and the names nested
    functions declare nonlocal."""
    memo = _BINDINGS_MEMO.get(id(fn))
    if memo is not None and memo[0] is fn:
        return memo[1]
    binds: dict[str, list] = {}
    changed: dict[str, list] = {}

    def bind(name, node, times=1):
        binds.setdefault(name, []).extend([node] * times)

    class V(cst.CSTVisitor):
        def __init__(self):
            self.depth = 0

        def visit_FunctionDef(self, n):
            if n is not fn:
                if self.depth == 0:
                    bind(n.name.value, n)
                self.depth += 1
            return True

        def leave_FunctionDef(self, n):
            if n is not fn:
                self.depth -= 1

        def visit_Lambda(self, n):
            return False

        def visit_Nonlocal(self, n):
            if self.depth > 0:
                for item in n.names:
                    changed.setdefault(item.name.value, []).append(n)

        def visit_Param(self, n):
            if self.depth == 0:
                bind(n.name.value, n)

        def _target(self, target, node, loop=False):
            if self.depth == 0:
                found: set[str] = set()
                names_in(target, found)
                for name in found:
                    bind(name, node, 2 if loop else 1)

        def visit_AssignTarget(self, n):
            self._target(n.target, n)

        def visit_AugAssign(self, n):
            if self.depth == 0 and isinstance(n.target, cst.Name):
                bind(n.target.value, n, 2)

        def visit_AnnAssign(self, n):
            if n.value is not None:
                self._target(n.target, n)

        def visit_For(self, n):
            self._target(n.target, n, loop=True)

        def visit_NamedExpr(self, n):
            self._target(n.target, n)

    fn.visit(V())
    if len(_BINDINGS_MEMO) > 256:
        _BINDINGS_MEMO.clear()
    _BINDINGS_MEMO[id(fn)] = (fn, (binds, changed))
    return binds, changed


def sum_of_squares(node: cst.BaseExpression, text) -> bool:
    """``node`` is a sum of two or more squares (``dx * dx + dy * dy``,
    ``(x - c) ** 2 + y ** 2``), whose square root is a Euclidean norm: a value
    that is 0 exactly where every squared term is.  A square is ``e * e`` (the
    same source text twice, ``text`` giving a node's) or ``e ** 2``."""
    def terms(e) -> list:
        if isinstance(e, cst.BinaryOperation) and isinstance(e.operator, cst.Add):
            return terms(e.left) + terms(e.right)
        return [e]

    def square(e) -> bool:
        if not isinstance(e, cst.BinaryOperation):
            return False
        if isinstance(e.operator, cst.Multiply):
            return text(e.left).strip() == text(e.right).strip()
        return isinstance(e.operator, cst.Power) and isinstance(e.right, (cst.Integer, cst.Float)) \
            and float(e.right.value) == 2.0

    parts = terms(node)
    return len(parts) >= 2 and all(square(t) for t in parts)
