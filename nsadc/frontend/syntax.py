"""What the frontend's two lowerings (``lower.py`` for statements and scalars,
``vectorize.py`` for whole-array NumPy) read off the libcst syntax alike: the
primitive of each binary operator and comparison, how often a function binds
a name, which square roots are Euclidean norms, whether an ``if`` binds a
name on every path, and which parameters only index.  Both import this
module; neither imports the other's internals.
"""

from __future__ import annotations

import libcst as cst

from nsadc.frontend.cst_nodes import nodes

# binary operators -> the primitive of the rule table
BINARY_OPS = {
    cst.Add: "add", cst.Subtract: "sub", cst.Multiply: "mul", cst.Divide: "div",
    cst.FloorDivide: "floordiv", cst.Modulo: "mod", cst.Power: "pow",
}
# bitwise operators on ints (bools): no derivative; refused on floats (analyses.facts) and on arrays
BIT_OPS = {
    cst.LeftShift: "lshift", cst.RightShift: "rshift", cst.BitAnd: "bitand", cst.BitOr: "bitor",
    cst.BitXor: "bitxor",
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


def sum_of_squares(node: cst.BaseExpression, text, sums: frozenset[str] = frozenset(), dots: bool = True) -> bool:
    """``node`` adds squares (``dx * dx + dy * dy``, ``(x - c) ** 2 + y ** 2``,
    ``np.sum(d * d, axis=1)``) and names of ``sums`` (names that hold such
    sums): a value that is 0 exactly where every squared term is, so that its
    square root is a Euclidean norm.  A square is ``e * e`` (the same source
    text twice, ``text`` giving a node's), ``e ** 2``, ``np.square(e)``,
    ``np.dot(e, e)`` or ``e @ e``, and a sum of squares summed over elements
    is one too; a zero literal adds nothing.
    One square is a sum too: ``sqrt(x * x)`` is ``abs(x)``, whose kink at 0
    is the norm's.  ``dots``: ``np.dot(e, e)`` and ``e @ e`` count, as where
    the caller knows the value is a number (of a matrix they are a product,
    no sum of squares)."""
    parts = _terms(node)
    squares = [t for t in parts if _square(t, text, dots)]
    named = [t for t in parts if isinstance(t, cst.Name) and t.value in sums]
    zeros = [t for t in parts if _zero(t)]
    return len(squares) + len(named) + len(zeros) == len(parts) and bool(squares or named)


def squared_sums(fn: cst.FunctionDef, text) -> frozenset[str]:
    """The names ``fn`` binds only to sums of squares: ``r2 = dx * dx + dy *
    dy``, ``s = 0.0`` then ``s += x[i] * x[i]`` or ``s = s + d ** 2``.  Each
    binding adds squares, zeros and names of the set (the largest such set:
    by induction over the bindings run, each name holds a sum of squares
    whenever it is read).  A parameter, a loop target or an unpacked name is
    bound to other values, and is not one."""
    memo = _SUMS_MEMO.get(id(fn))
    if memo is not None and memo[0] is fn:
        return memo[1]
    assigned: dict[str, list] = {}
    other: set[str] = set()

    class V(cst.CSTVisitor):
        def visit_Assign(self, n):
            for t in n.targets:
                if isinstance(t.target, cst.Name) and len(n.targets) == 1:
                    assigned.setdefault(t.target.value, []).append(n.value)
                else:
                    names_in(t.target, other)

        def visit_AugAssign(self, n):
            if isinstance(n.target, cst.Name):
                if isinstance(n.operator, cst.AddAssign):
                    assigned.setdefault(n.target.value, []).append(
                        cst.BinaryOperation(n.target, cst.Add(), n.value))
                else:
                    other.add(n.target.value)

        def visit_AnnAssign(self, n):
            names_in(n.target, other)

        def visit_For(self, n):
            names_in(n.target, other)

        def visit_NamedExpr(self, n):
            names_in(n.target, other)

        def visit_Param(self, n):
            other.add(n.name.value)

        def visit_Lambda(self, n):
            return False

    fn.visit(V())
    sums = set(assigned) - other
    while True:
        kept = {v for v in sums if all(_zero(e) or sum_of_squares(e, text, frozenset(sums)) for e in assigned[v])}
        if kept == sums:
            break
        sums = kept
    if len(_SUMS_MEMO) > 256:
        _SUMS_MEMO.clear()
    _SUMS_MEMO[id(fn)] = (fn, frozenset(sums))
    return frozenset(sums)


_SUMS_MEMO: dict[int, tuple] = {}  # id(fn) -> (fn, its squared sums)


def _terms(e) -> list:
    if isinstance(e, cst.BinaryOperation) and isinstance(e.operator, cst.Add):
        return _terms(e.left) + _terms(e.right)
    return [e]


# sums over elements, by the names code calls them: a sum of squares summed is one too
_SUMS = ("np.sum", "numpy.sum", "sum")


def _square(e, text, dots: bool) -> bool:
    """``e * e``, ``e ** 2``, ``np.square(e)``, with ``dots`` ``np.dot(e, e)``
    and ``e @ e``, or a sum of such terms summed (``np.sum(d * d, axis=1)``,
    whose operand may be a matrix: no dots there)."""
    if isinstance(e, cst.Call):
        called = text(e.func).strip()
        args = [a.value for a in e.args if a.keyword is None]
        if called in _SUMS and args:
            return sum_of_squares(args[0], text, dots=False)
        if called in ("np.dot", "numpy.dot") and len(args) == 2:
            return dots and text(args[0]).strip() == text(args[1]).strip()
        return called in ("np.square", "numpy.square") and len(args) == 1
    if not isinstance(e, cst.BinaryOperation):
        return False
    if isinstance(e.operator, cst.MatrixMultiply):
        return dots and text(e.left).strip() == text(e.right).strip()
    if isinstance(e.operator, cst.Multiply):
        return text(e.left).strip() == text(e.right).strip()
    return isinstance(e.operator, cst.Power) and isinstance(e.right, (cst.Integer, cst.Float)) \
        and float(e.right.value) == 2.0


def _zero(e) -> bool:
    return isinstance(e, (cst.Integer, cst.Float)) and float(e.value) == 0.0


def binds_on_every_path(node: cst.If, name: str) -> bool:
    """Whether every path through the ``if`` statement ``node`` (its ``elif``
    and ``else`` branches included; a path that returns counts) assigns
    ``name`` before anything reads it, the test included."""
    if _mentions(node.test, name) or not _binds(node.body.body, name):
        return False
    if isinstance(node.orelse, cst.If):
        return binds_on_every_path(node.orelse, name)
    return isinstance(node.orelse, cst.Else) and _binds(node.orelse.body.body, name)


def _binds(statements, name: str) -> bool:
    for st in statements:
        if isinstance(st, cst.If):
            if binds_on_every_path(st, name):
                return True
            if _mentions(st, name):
                return False
        elif isinstance(st, cst.SimpleStatementLine):
            for small in st.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1 \
                        and isinstance(small.targets[0].target, cst.Name) and small.targets[0].target.value == name:
                    return not _mentions(small.value, name)
                if isinstance(small, cst.Return):
                    return not _mentions(small, name)
                if _mentions(small, name):
                    return False
            continue
        if _mentions(st, name):
            return False
    return False


def _mentions(node, name: str) -> bool:
    return any(isinstance(n, cst.Name) and n.value == name for n in nodes(node))


# int arithmetic that keeps an array of indices one (idx + 1, 2 * idx, idx // 2, idx % 4)
INT_INDEX_OPERATORS = (cst.Add, cst.Subtract, cst.Multiply, cst.FloorDivide, cst.Modulo)


def index_params(fn: cst.FunctionDef) -> tuple[set[str], set[str]]:
    """The parameters ``fn`` reads only as a whole index of a subscript
    (``U[rows]``, ``X[:, idx]``, ``x[i]``), or in int arithmetic that is one
    (``tab[idx + 1]``, ``tab[(idx + 3) % 6]``): an int there, or an array of
    ints that gathers; and those it reads so at least once."""
    params = {p.name.value for p in all_params(fn)}
    body = nodes(fn.body)
    as_index: set[int] = set()

    def index_names(e) -> None:
        if isinstance(e, cst.Name):
            as_index.add(id(e))
        elif isinstance(e, cst.BinaryOperation) and isinstance(e.operator, INT_INDEX_OPERATORS):
            index_names(e.left)
            index_names(e.right)

    for n in body:
        if isinstance(n, cst.SubscriptElement) and isinstance(n.slice, cst.Index):
            index_names(n.slice.value)
    uses: dict[str, list] = {}
    for n in body:
        if isinstance(n, cst.Name) and n.value in params:
            uses.setdefault(n.value, []).append(id(n))
    return ({p for p, ids in uses.items() if all(i in as_index for i in ids)},
            {p for p, ids in uses.items() if any(i in as_index for i in ids)})


def as_operand(text: str) -> str:
    """The source ``text`` written as an operand in a message: in parentheses
    unless it is a name (``(idx + 1).shape``, not ``idx + 1.shape``)."""
    return text if text.isidentifier() else f"({text})"


def all_params(fn: cst.FunctionDef) -> list[cst.Param]:
    """``fn``'s named parameters in order: positional-only, plain, keyword-only.
    A call binds its arguments by the function's own signature (a keyword-only
    one by its name); the derivative code then takes them all by position."""
    ps = fn.params
    return [*ps.posonly_params, *ps.params, *ps.kwonly_params]


def base_name(e: cst.BaseExpression) -> str | None:
    """The name under an index, a transpose or a view-making call (``v[1:]``, ``v.T``,
    ``v.reshape(...)``, ``np.asarray(v)``), else None."""
    while True:
        if isinstance(e, cst.Name):
            return e.value
        if isinstance(e, cst.Subscript) or (isinstance(e, cst.Attribute) and e.attr.value == "T"):
            e = e.value
        elif isinstance(e, cst.Call) and isinstance(e.func, cst.Attribute) and e.func.attr.value in (
                "reshape", "ravel", "view") and not (isinstance(e.func.value, cst.Name) and e.func.value.value in (
                    "np", "numpy")):
            e = e.func.value
        elif isinstance(e, cst.Call) and isinstance(e.func, cst.Attribute) and e.func.attr.value in (
                "asarray", "ascontiguousarray", "asfortranarray", "flip", "flipud", "fliplr", "reshape",
                "ravel", "transpose") and e.args:
            e = e.args[0].value
        else:
            return None
