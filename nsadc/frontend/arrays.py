"""Lowering of array code: element reads and writes, allocation, shapes.

A mixin of the Lowerer (frontend/lower.py).  Arrays are whole IR values read
and written one element at a time (rules/arrays.py).  The lowerer knows the
type of every array name (``self.arrays``: IR name -> ``"array{r}"``) from the
parameter types and from the allocations, so an index count that does not
match the rank is refused here with a located error rather than left to a
numba typing traceback.

Two Python behaviours would make a derivative silently wrong if nsadc
modelled them loosely, so they are refused: a second name for the same array
(``B = A``: a store through B changes A) and re-allocating an array name
(each array name holds one array for the whole function).
"""

from __future__ import annotations

import types

import libcst as cst

from nsadc.frontend.cst_nodes import mentioned_names, nodes, scan
from nsadc.frontend.syntax import all_params, as_operand, binds_on_every_path
from nsadc.ir.affine import affine
from nsadc.ir.nodes import Assign, Call, Const, Expr, Var, variables
from nsadc.analyses.rename import rename_variable
from nsadc.rules.arrays import ALLOCATORS, LIKE, array_type, is_array, is_float_array, rank
from nsadc.rules.source import expr_source

# NumPy functions whose arguments are arrays: evidence that a parameter is one
_WHOLE_ARRAY = ("sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "cumsum", "cumprod", "dot",
                "matmul", "outer", "norm", "sort", "argsort", "var", "std", "diff", "trapezoid", "trapz", "accumulate",
                "ptp", "median", "average", "flip", "flipud", "fliplr", "percentile", "quantile")
# ... of which the first argument is the only array (np.percentile(x, q): q is a number)
_ONE_ARRAY = ("percentile", "quantile", "flip", "var", "std", "median", "ptp", "cumsum", "cumprod", "sort", "argsort")
# whole-array functions whose second positional argument is an axis (np.sum(A, 1))
_AXIS_SECOND_ARGUMENT = ("sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "cumsum",
                         "cumprod", "sort", "argsort")
# NumPy functions whose result has their first argument's shape, where that is an array
_SAME_SHAPE = ("clip", "abs", "absolute", "fabs", "exp", "log", "log1p", "expm1", "sqrt", "square", "sign",
               "tanh", "sin", "cos", "maximum", "minimum")
FLOAT_DTYPES = ("float", "np.float64", "numpy.float64", "np.double", "numpy.double")
_BOOL_DTYPES = ("bool", "np.bool_", "numpy.bool_", "np.bool", "numpy.bool")
# narrower ints (a back-pointer table in np.int8) are held as int64: the same values, without wrapping around
_INT_DTYPES = ("int", "np.int_", *(f"{np_}.{t}" for np_ in ("np", "numpy")
                                   for t in ("int64", "int32", "int16", "int8", "intp", "intc",
                                             "uint32", "uint16", "uint8")))
# methods of NumPy arrays that a number does not have (a call of one shows an array)
ARRAY_METHODS = ("sum", "mean", "prod", "max", "min", "dot", "flatten", "ravel", "reshape", "astype", "fill", "var",
                 "std", "clip", "copy", "argmax", "argmin", "cumsum", "cumprod", "sort", "argsort", "any", "all", "ptp")
_ARRAY_ATTRS = ("shape", "size", "ndim", "T", "copy", "reshape", "sum", "max", "min", "mean", "prod", "dot",
                "flatten", "ravel", "astype", "fill", "var", "std", "clip")


def infer_array_param(node: cst.FunctionDef, name: str, functions: dict | None = None,
                      depth: int = 0, evidence: dict | None = None, memo: dict | None = None) -> str | None:
    """Without runtime values: the array type of a parameter the body uses as an
    array (subscripted, ``.shape``, ``len()``, ``np.zeros_like``, whole-array
    NumPy, or passed to a function of the same file that does), else None.  It is
    an int array when its elements index another array or bound a range(); the
    rank is the largest number of indices it is subscripted with; with
    ``evidence``, ``evidence["pinned"]`` says whether the code shows the rank
    (indexing, ``.shape[k]``, ``axis=``) or it is a guess of 1, and
    ``evidence["exact"]`` whether it shows the rank exactly (``n, d = X.shape``)
    rather than a least one (``X[i, j]`` may read a row of a 3-D array).
    (``memo`` keeps each callee's answer per parameter and depth, as in
    :func:`written_arrays`.)"""
    memo = {} if memo is None else memo
    key = (id(node), name, depth)
    if key in memo:
        t, pinned = memo[key]
        if evidence is not None:
            evidence["pinned"], evidence["exact"] = pinned
        return t
    found = {"array": False, "rank": 1, "index": False, "pinned": False, "exact": False}
    views = _views_of(node, name)

    class V(cst.CSTVisitor):
        def visit_Subscript(self, n):
            if isinstance(n.value, cst.Name) and n.value.value in views:  # r = X[i]; r[0]: X has 2 dimensions
                found["array"] = found["pinned"] = True
                found["rank"] = max(found["rank"], views[n.value.value] + _indexed_dims(n))
            for el in n.slice:  # x[idx[k]]: an array of indices
                inner = el.slice.value if isinstance(el.slice, cst.Index) else None
                if isinstance(inner, cst.Subscript) and isinstance(inner.value, cst.Name) \
                        and inner.value.value == name:
                    found["index"] = True
            if isinstance(n.value, cst.Name) and n.value.value == name:
                found["array"] = found["pinned"] = True
                found["rank"] = max(found["rank"], _indexed_dims(n))
            elif isinstance(n.value, cst.Subscript) and isinstance(n.value.value, cst.Name) \
                    and n.value.value.value == name and all(isinstance(el.slice, cst.Index)
                                                            for el in (*n.value.slice, *n.slice)):
                found["rank"] = max(found["rank"], _indexed_dims(n.value) + _indexed_dims(n))  # A[i][j]
            elif isinstance(n.value, cst.Attribute) and n.value.attr.value == "shape" \
                    and isinstance(n.value.value, cst.Name) and n.value.value.value == name:
                found["array"] = found["pinned"] = True
                idx = n.slice[0].slice
                if isinstance(idx, cst.Index) and isinstance(idx.value, cst.Integer):
                    found["rank"] = max(found["rank"], int(idx.value.value) + 1)

        def visit_Attribute(self, n):
            if isinstance(n.value, cst.Name) and n.value.value == name and n.attr.value in _ARRAY_ATTRS:
                found["array"] = True  # (x.T is x itself where x is 1-D: it shows no rank)

        def visit_Assign(self, n):
            # n, d = X.shape: X has as many dimensions as names
            v = n.value
            if isinstance(v, cst.Attribute) and v.attr.value == "shape" and isinstance(v.value, cst.Name) \
                    and v.value.value == name and len(n.targets) == 1 \
                    and isinstance(n.targets[0].target, (cst.Tuple, cst.List)):
                found["array"] = found["pinned"] = found["exact"] = True
                found["rank"] = max(found["rank"], len(n.targets[0].target.elements))

        def visit_For(self, n):
            # for x in r (or in zip / enumerate of it), r = X[i]: r has a dimension, so X one more
            it = n.iter
            over = [a.value for a in it.args[:1 if it.func.value == "enumerate" else None]] \
                if isinstance(it, cst.Call) and isinstance(it.func, cst.Name) \
                and it.func.value in ("zip", "enumerate") else [it]
            for a in over:
                if isinstance(a, cst.Name) and a.value in views and a.value != name:
                    found["array"] = found["pinned"] = True
                    found["rank"] = max(found["rank"], views[a.value] + 1)

        def visit_BinaryOperation(self, n):
            if isinstance(n.operator, cst.MatrixMultiply) and any(
                    isinstance(side, cst.Name) and side.value == name for side in (n.left, n.right)):
                found["array"] = found["product"] = True

        def visit_Call(self, n):
            f = n.func
            called = f.value if isinstance(f, cst.Name) else f.attr.value if isinstance(f, cst.Attribute) else ""
            if called == "range" and isinstance(f, cst.Name) \
                    and any(_element_in_int_position(a.value, name) for a in n.args):
                found["index"] = True  # range(cnt[k]): its elements are counts, so ints
            if called in ("len", "roll", *LIKE) and n.args and isinstance(n.args[0].value, cst.Name) \
                    and n.args[0].value.value == name:
                found["array"] = True  # (np.roll(x, k): x, not k)
            if called in _WHOLE_ARRAY and isinstance(f, cst.Attribute) and any(
                    isinstance(a.value, cst.Name) and (a.value.value == name and a.keyword is None
                                                       and (k == 0 or called not in _ONE_ARRAY) or (
                        a.keyword is not None and a.keyword.value == "weights"  # np.average(r, weights=ww)
                        and (a.value.value == name or views.get(a.value.value) == 0))) for k, a in enumerate(n.args)):
                found["array"] = True  # np.sum(x), np.dot(a, b), np.linalg.norm(x), np.var(x) ...
                for k, a in enumerate(n.args):
                    # axis=1, or np.sum(A, 1): A has that axis
                    along = (a.keyword.value == "axis") if a.keyword is not None else (
                        k == 1 and called in _AXIS_SECOND_ARGUMENT)
                    if along and isinstance(a.value, cst.Integer) and isinstance(n.args[0].value, cst.Name) \
                            and n.args[0].value.value == name:
                        found["rank"] = max(found["rank"], int(a.value.value) + 1)
                        found["pinned"] = True
            if called in ("concatenate", "stack") and isinstance(f, cst.Attribute) and n.args \
                    and isinstance(n.args[0].value, (cst.Tuple, cst.List)) and any(
                    isinstance(el.value, cst.Name) and el.value.value == name for el in n.args[0].value.elements):
                found["array"] = True  # np.concatenate((x, y), axis=1): x has at least 2 dimensions
                axis = next((a.value for a in n.args[1:] if a.keyword is None or a.keyword.value == "axis"), None)
                if isinstance(axis, cst.Integer):
                    least = int(axis.value) + (1 if called == "concatenate" else 0)
                    if least > 1:
                        found["rank"] = max(found["rank"], least)
                        found["pinned"] = True
            callee = (functions or {}).get(called) if isinstance(f, cst.Name) and depth < 8 else None
            if callee:
                params = all_params(callee[-1])
                for k, a in enumerate(n.args):
                    # the argument itself, or a row of it (f(X[i]): X has one more dimension)
                    lead = row_view_indices(a.value)
                    passed = a.value if lead is None else a.value.value
                    if isinstance(passed, cst.Name) and (passed.value == name or passed.value in views) \
                            and a.keyword is None and k < len(params):
                        skipped = len(lead or ()) + (views[passed.value] if passed.value != name else 0)
                        inner: dict = {}
                        t = infer_array_param(callee[-1], params[k].name.value, functions, depth + 1, inner,
                                              memo)
                        if t is not None:
                            found["array"] = True
                            found["rank"] = max(found["rank"], rank(t) + skipped)
                            found["pinned"] |= skipped > 0
                            found["index"] |= not is_float_array(t)  # the helper indexes or counts with it
                            found["pinned"] |= inner.get("pinned", False)
                            found["exact"] |= inner.get("exact", False)

    scan(node.body, V())
    if found.get("product") and not found["exact"] and found["rank"] < 2:
        found["pinned"] = False  # X @ w with only X.shape[0] seen: a vector or a matrix, the call says
    if evidence is not None:
        evidence["pinned"], evidence["exact"] = found["pinned"], found["exact"]
    t = array_type(found["rank"], not found["index"]) if found["array"] else None
    memo[key] = (t, (found["pinned"], found["exact"]))
    return t


def array_through_expressions(node: cst.FunctionDef, name: str) -> bool:
    """Whether the code reduces, indexes, measures or returns an elementwise
    expression of ``name`` alone (``np.var(np.abs(y))``, ``np.abs(y)[0]``,
    ``(y * y).std()``, ``z = np.abs(y)`` then ``np.var(z)``, ``return
    np.tanh(y) + y``): a call may pass
    an array for it, though nothing pins it to be one (``np.sum(np.abs(y))``
    of a number is a number), so the call's argument decides."""
    views = _views_of(node, name)
    others = {p.name.value for p in all_params(node)} - {name}
    found = []

    def shaped(e) -> bool:  # an expression of name's shape, not name itself
        return (not isinstance(e, cst.Name) or (e.value != name and views.get(e.value) == 0)) \
            and _elementwise_of(e, name, views)

    class V(cst.CSTVisitor):
        def visit_Subscript(self, n):
            if shaped(n.value):
                found.append(n)

        def visit_Return(self, n):  # return np.tanh(y) + y: a vector output where y is an array
            if n.value is not None and not isinstance(n.value, cst.Name) and (
                    shaped(n.value) or _elementwise_of(n.value, name, views, others)):
                found.append(n)  # (np.sqrt(a * a + b * b) - a - b: either may be the array)

        def visit_Attribute(self, n):
            if n.attr.value in _ARRAY_ATTRS and shaped(n.value):
                found.append(n)

        def visit_Call(self, n):
            f = n.func
            if isinstance(f, cst.Attribute) and f.attr.value in _WHOLE_ARRAY \
                    and any(a.keyword is None and shaped(a.value) for a in n.args):
                found.append(n)

    scan(node.body, V())
    return bool(found)


def _elementwise_of(node, name: str, views: dict[str, int], others: set[str] = frozenset()) -> bool:
    """Whether ``node`` has the shape of ``name`` if that is an array: the name,
    a name bound to an elementwise function of it (a view that skips no
    dimension), or NumPy's elementwise functions and arithmetic of those with
    numbers written out (``np.abs(y)``, ``y * y - 0.5``).  Another name beside
    it says nothing: ``A * b + c`` may broadcast a scalar ``c``, unless it is
    one of ``others`` (a returned ``np.sqrt(a * a + b * b) - a - b``: each of
    the arguments may be the array)."""
    if isinstance(node, cst.Name) and node.value in others:
        return False  # (an operand beside name: see _number)
    if isinstance(node, cst.Name):
        return node.value == name or views.get(node.value) == 0
    if isinstance(node, cst.BinaryOperation) and not isinstance(node.operator, cst.MatrixMultiply):
        operands = [node.left, node.right]
    elif isinstance(node, cst.UnaryOperation):
        operands = [node.expression]
    elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.args \
            and isinstance(node.func.value, cst.Name) and node.func.value.value in ("np", "numpy") \
            and node.func.attr.value in _SAME_SHAPE:
        operands = [a.value for a in node.args if a.keyword is None]
    else:
        return False
    # some operand of name's shape, every other one a number written out (or one of others)
    shaped = [_elementwise_of(x, name, views, others) for x in operands]
    return any(shaped) and all(s or _number(x) or _of_names(x, others) for s, x in zip(shaped, operands))


def _of_names(node, names: set[str]) -> bool:
    """Whether ``node`` is one of ``names``, or elementwise arithmetic and
    NumPy calls of them and numbers."""
    if not names:
        return False
    if isinstance(node, cst.Name):
        return node.value in names
    if isinstance(node, cst.BinaryOperation) and not isinstance(node.operator, cst.MatrixMultiply):
        return all(_of_names(x, names) or _number(x) for x in (node.left, node.right))
    if isinstance(node, cst.UnaryOperation):
        return _of_names(node.expression, names) or _number(node.expression)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.args \
            and isinstance(node.func.value, cst.Name) and node.func.value.value in ("np", "numpy") \
            and node.func.attr.value in _SAME_SHAPE:
        return all(_of_names(a.value, names) or _number(a.value) for a in node.args if a.keyword is None)
    return False


def _number(node) -> bool:
    """A number written out (``0.5``, ``-2``)."""
    if isinstance(node, cst.UnaryOperation):
        return _number(node.expression)
    return isinstance(node, (cst.Integer, cst.Float))


def new_axis(el: cst.SubscriptElement) -> bool:
    """``None`` (or ``np.newaxis``) in a subscript: a new axis of length 1."""
    v = el.slice.value if isinstance(el.slice, cst.Index) else None
    return (isinstance(v, cst.Name) and v.value == "None") or (
        isinstance(v, cst.Attribute) and v.attr.value == "newaxis")


def _indexed_dims(node: cst.Subscript) -> int:
    """How many of the array's dimensions a subscript indexes (a new axis
    indexes none: ``u[:, None]`` is of a 1-D ``u``)."""
    return sum(1 for el in node.slice if not new_axis(el))


def row_view_indices(node) -> list | None:
    """The leading indices of ``X[i]`` / ``X[i, :]`` / ``A[i, j, :]`` (an array
    name indexed in its first dimensions, every later one a full slice):
    the index nodes, or None for anything else."""
    if not (isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name)):
        return None
    lead = []
    for k, el in enumerate(node.slice):
        if isinstance(el.slice, cst.Index) and len(lead) == k:
            lead.append(el.slice.value)
        elif not (isinstance(el.slice, cst.Slice) and el.slice.lower is None and el.slice.upper is None
                  and el.slice.step is None) or not lead:
            return None
    return lead


def _views_of(node: cst.FunctionDef, name: str) -> dict[str, int]:
    """Names bound to ``name`` itself, a copy of it, an elementwise function of
    it or a row of it (``S = X``, ``Z = X.copy()``, ``V = np.clip(X, a, b)``,
    ``E = 2.0 * X``, ``r_i = X[i]``): how many of X's dimensions their subscripts skip (0 for
    an array of X's shape, 1 for a row)."""
    views: dict[str, int] = {}
    indices = _index_arrays(node)

    class V(cst.CSTVisitor):
        def visit_Assign(self, n):
            if len(n.targets) != 1 or not isinstance(n.targets[0].target, cst.Name):
                return
            v, skipped = n.value, 0
            if isinstance(v, cst.Call) and not v.args and isinstance(v.func, cst.Attribute) \
                    and v.func.attr.value == "copy":
                v = v.func.value  # X.copy()
            elif isinstance(v, cst.Call) and isinstance(v.func, cst.Attribute) and v.func.attr.value in (
                    "copy", "asarray", "array", "ascontiguousarray") and len(v.args) == 1:
                v = v.args[0].value  # np.copy(X), np.asarray(X)
            elif isinstance(v, cst.Call) and isinstance(v.func, cst.Attribute) \
                    and isinstance(v.func.value, cst.Name) and v.func.value.value in ("np", "numpy") \
                    and v.func.attr.value in _SAME_SHAPE and v.args and v.args[0].keyword is None:
                v = v.args[0].value  # np.clip(X, lo, hi): X's shape (what is not a view still shows X's rank)
            if isinstance(v, cst.IfExp):  # X if c else Y: X's shape, whichever branch runs
                v = next((b for b in (v.body, v.orelse) if isinstance(b, cst.Name) and b.value == name), v)
            if isinstance(v, cst.Subscript) and all(isinstance(el.slice, cst.Index) for el in v.slice) \
                    and not any(_index_array(el.slice.value, indices) or isinstance(el.slice.value, cst.Ellipsis)
                                for el in v.slice):
                # X[i]: a row (X[order]: a gather, X's rank; X[..., 0]: how many axes ... spans
                # depends on X's rank, which the call decides)
                v, skipped = v.value, len(v.slice)
            if isinstance(v, (cst.BinaryOperation, cst.UnaryOperation)) and _elementwise_of(v, name, views):
                v = cst.Name(name)  # E = X * 1.0, -X: X's shape
            if isinstance(v, cst.Name) and v.value == name:
                views[n.targets[0].target.value] = skipped

    scan(node.body, V())
    return views


_INDEX_ARRAY_FUNCTIONS = ("argsort", "arange")


def _index_arrays(node: cst.FunctionDef) -> set[str]:
    """Names the function binds to arrays of indices (``order =
    np.argsort(x)``, ``idx = np.arange(n)[::2]``, ``top = order[-k:]``):
    ``X[order]`` gathers, it is no row of X."""
    found: set[str] = set()

    class V(cst.CSTVisitor):
        def visit_Assign(self, n):
            if len(n.targets) == 1 and isinstance(n.targets[0].target, cst.Name) and _index_array(n.value, found):
                found.add(n.targets[0].target.value)

    scan(node.body, V())
    return found


def _index_array(v, names: set[str]) -> bool:
    """Whether ``v`` is an array of indices: a call that makes one
    (``np.argsort(x)``, ``np.arange(n)``), one of ``names``, or a slice of
    either (``order[::-1]``)."""
    while isinstance(v, cst.Subscript) and all(isinstance(el.slice, cst.Slice) for el in v.slice):
        v = v.value
    if isinstance(v, cst.Name):
        return v.value in names
    return isinstance(v, cst.Call) and isinstance(v.func, cst.Attribute) and v.func.attr.value in _INDEX_ARRAY_FUNCTIONS


# operators that keep an int an int: range(cnt[k] + 1) still needs cnt[k] to be one (and range(2 ** k) k:
# an int to a negative power is a float, which no int position takes either)
INT_OPERATORS = (cst.Add, cst.Subtract, cst.Multiply, cst.FloorDivide, cst.Modulo, cst.Power)


def _element_in_int_position(node: cst.BaseExpression, name: str) -> bool:
    """Whether ``node`` (a range() bound) is ``name[...]`` or int arithmetic on it:
    Python accepts only ints there, so ``name`` holds ints.  Calls such as
    ``int(x[k])`` are not followed: they convert a float."""
    if isinstance(node, cst.Subscript):
        return isinstance(node.value, cst.Name) and node.value.value == name
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, INT_OPERATORS):
        return _element_in_int_position(node.left, name) or _element_in_int_position(node.right, name)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return _element_in_int_position(node.expression, name)
    return False


_FRESH = {"zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like", "copy", "array"}


def _fresh_array(value: cst.BaseExpression) -> bool:
    """Whether ``value`` makes a new array: an allocation (``np.zeros(n)``) or a
    copy (``x.copy()``, ``np.copy(x)``)."""
    if not isinstance(value, cst.Call) or not isinstance(value.func, cst.Attribute):
        return False
    f = value.func
    if f.attr.value == "copy" and not value.args:
        return True
    return isinstance(f.value, cst.Name) and f.value.value in ("np", "numpy") and f.attr.value in _FRESH


def rebound_in_place(node: cst.FunctionDef) -> set[str]:
    """Names bound more than once, once at least in a loop or a branch: where
    such a name holds an array, the new values go into its array (see
    ``ArrayLowering._refill``), so a second name for it would see them."""
    inside, counts = _bindings_in_flow(node)
    return {n for n in inside if counts[n] > 1}


def bound_in_flow(node: cst.FunctionDef) -> set[str]:
    """Names an assignment binds inside a loop or a branch (``W = W - lr * g``)."""
    return _bindings_in_flow(node)[0]


def _bindings_in_flow(node: cst.FunctionDef) -> tuple[set[str], dict[str, int]]:
    inside: set[str] = set()
    counts: dict[str, int] = {}
    stack: list[tuple[cst.CSTNode, bool]] = [(node.body, False)]
    while stack:
        n, in_flow = stack.pop()
        if isinstance(n, cst.AssignTarget):
            targets = n.target.elements if isinstance(n.target, (cst.Tuple, cst.List)) else [n.target]
            for t in targets:
                t = t.value if isinstance(t, cst.Element) else t
                if isinstance(t, cst.Name):
                    counts[t.value] = counts.get(t.value, 0) + 1
                    if in_flow:
                        inside.add(t.value)
        flow = in_flow or isinstance(n, (cst.For, cst.While, cst.If))
        stack.extend((c, flow) for c in n.children)
    return inside, counts


def _bindings_of(node: cst.FunctionDef, name: str) -> int:
    """How many statements of a function bind ``name``."""
    count = 0

    class V(cst.CSTVisitor):
        def visit_AssignTarget(self, n):
            nonlocal count
            targets = n.target.elements if isinstance(n.target, (cst.Tuple, cst.List)) else [n.target]
            targets = [t.value if isinstance(t, cst.Element) else t for t in targets]
            count += sum(1 for t in targets if isinstance(t, cst.Name) and t.value == name)

        def visit_AugAssign(self, n):
            nonlocal count
            count += isinstance(n.target, cst.Name) and n.target.value == name

    scan(node.body, V())
    return count


IN_PLACE_METHODS = ("fill", "sort", "resize", "put", "itemset", "partition")


def written_arrays(node: cst.FunctionDef, functions: dict | None = None, depth: int = 0,
                   memo: dict | None = None) -> set[str]:
    """Names a function writes through: element or slice stores (``x[i] = v``,
    ``x[i] += v``, ``x += v``), in-place methods (``x.fill(0)``), and arguments
    that a function of the same file writes into.  A name not in this set is
    only read, so a second name for it (``S = X``, ``r = X[i]``) cannot see a
    change NumPy's shared memory would make.  (``memo`` keeps each callee's
    answer per depth: a function calling itself from several places would
    otherwise be scanned a number of times exponential in the depth.)"""
    memo = {} if memo is None else memo
    key = (id(node), depth)
    if key in memo:
        return memo[key]
    out: set[str] = set()

    def base(e) -> str | None:
        while isinstance(e, cst.Subscript):
            e = e.value
        return e.value if isinstance(e, cst.Name) else None

    class V(cst.CSTVisitor):
        def visit_AssignTarget(self, n):
            if isinstance(n.target, cst.Subscript) and base(n.target):
                out.add(base(n.target))

        def visit_AugAssign(self, n):
            if base(n.target):
                out.add(base(n.target))

        def visit_Call(self, n):
            f = n.func
            if isinstance(f, cst.Attribute) and f.attr.value in IN_PLACE_METHODS and base(f.value):
                out.add(base(f.value))
            callee = (functions or {}).get(f.value) if isinstance(f, cst.Name) and depth < 8 else None
            if callee:
                params = [p.name.value for p in all_params(callee[-1])]
                inner = written_arrays(callee[-1], functions, depth + 1, memo)
                for k, a in enumerate(n.args):
                    name = a.keyword.value if a.keyword is not None else params[k] if k < len(params) else None
                    if name in inner and base(a.value):
                        out.add(base(a.value))

    scan(node.body, V())
    memo[key] = out
    return out


class ArrayLowering:
    """Array methods of the Lowerer (which provides _expr, _err, _emit, names)."""

    arrays: dict[str, str]
    stored_params: set[str]

    def _array_of(self, e: Expr) -> str | None:
        if isinstance(e, Var):
            return self.arrays.get(e.name)
        return None

    def _array_operand(self, scope, node) -> tuple[Var, str]:
        """A name that holds an array, or a located error."""
        e = self._expr(scope, node)
        t = self._array_of(e)
        if t is None:
            raise self._rank_err(scope, node, f"{scope.src.source_of(node).strip()!r} is not an array",
                                 "index, measure and copy arrays only (scalars have no elements)")
        return e, t

    def _indices(self, scope, node: cst.Subscript, t: str, array: Expr) -> tuple[Expr, ...]:
        """The indices of ``array[...]``; a negative constant ``k`` is the
        element ``n + k`` of its dimension, and is written so (``z[-1]`` and
        ``z[1]`` of a 2-element array are one element, which the analyses of
        reads and writes must see: as two constants they differ)."""
        what = scope.src.source_of(node.value).strip()
        for el in node.slice:
            if isinstance(el.slice, cst.Slice):
                raise self._err(scope, el, "array slices are not supported yet",
                                f"index single elements in a loop: {what}[i]")
        if isinstance(node.value, cst.Subscript):
            raise self._err(scope, node, "chained indexing a[i][j] is not supported",
                            "index all dimensions at once: a[i, j]")
        r = rank(t)
        if len(node.slice) != r:
            idx = ", ".join("ijkl"[:r]) if r <= 4 else "..."
            raise self._rank_err(scope, node, f"{what} has {r} dimension{'s' if r != 1 else ''} but is "
                                 f"indexed with {len(node.slice)} index{'es' if len(node.slice) != 1 else ''}",
                                 f"index every dimension: {what}[{idx}] (slices and views are not "
                                 "supported yet)")
        out = []
        for axis, el in enumerate(node.slice):
            self._refuse_float_elements_as_index(scope, el.slice.value)
            i = self._expr(scope, el.slice.value)
            if isinstance(i, Const) and (isinstance(i.value, bool) or not isinstance(i.value, int)):
                raise self._err(scope, el, "array indices must be integers", "index with an int")
            if self._array_of(i) is not None and not self._lenient():
                index = scope.src.source_of(el.slice.value).strip()
                raise self._err(scope, el, f"{index} indexes {what} as an array of indices (NumPy's fancy "
                                "indexing), but is not a 1-D array of ints: not supported",
                                f"loop over it: for k in range({as_operand(index)}.shape[0]), "
                                f"reading {what}[{as_operand(index)}[k]]")
            if isinstance(i, Const) and i.value < 0:
                n = self._operand(Call("shape", (array, Const(axis))), f"n{axis}" if r > 1 else "n")
                i = self._operand(Call("sub", (n, Const(-i.value))), "last" if i.value == -1 else "from_end")
            out.append(i)
        return tuple(out)

    # ------------------------------------------------------------ reads

    def _unchained(self, scope, node: cst.Subscript) -> cst.Subscript | None:
        """``A[i][j]`` read as ``A[i, j]`` (the same element of a NumPy array)
        where every index is an integer, not an array of them (``X[idx][0]``
        is row ``idx[0]``); None for anything else."""
        inner = node.value
        if not (isinstance(inner, cst.Subscript) and isinstance(inner.value, cst.Name)):
            return None
        found = self._local_array(scope, inner.value)
        items = [*inner.slice, *node.slice]
        if found is None or len(items) != rank(found[1]) or any(
                not isinstance(el.slice, cst.Index) or new_axis(el) or self._array_rank(scope, el.slice.value) > 0
                for el in items):
            return None
        joined = node.with_changes(value=inner.value, slice=[el.with_changes(comma=cst.MaybeSentinel.DEFAULT)
                                                             for el in items])
        here, parent = scope.src.positions.get(node), scope.src.parents.get(node)
        for n in nodes(joined):  # the new nodes stand where the user's read does
            scope.src.positions.setdefault(n, here)
            scope.src.parents.setdefault(n, parent)
        return joined

    def _subscript(self, scope, node: cst.Subscript) -> tuple[Expr, str]:
        base = node.value
        if isinstance(base, cst.Attribute) and base.attr.value == "shape":
            array, t = self._array_operand(scope, base.value)
            if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
                raise self._err(scope, node, "index .shape with one integer", "write a.shape[0]")
            k = self._const_int(scope, node.slice[0].slice.value)
            r = rank(t)
            if not -r <= k < r:
                raise self._rank_err(scope, node, f"{scope.src.source_of(base.value).strip()} has "
                                     f"{r} dimension{'s' if r != 1 else ''}, so .shape[{k}] does not exist",
                                     f"use .shape[0] ... .shape[{r - 1}]")
            return Call("shape", (array, Const(k % r))), f"n{k % r}" if r > 1 else "n"
        if isinstance(base, cst.Subscript):
            joined = self._unchained(scope, node)
            if joined is None:
                raise self._err(scope, node, "chained indexing a[i][j] is not supported here (only reads of "
                                "one element, by integer indices, of a named array)",
                                "index all dimensions at once: a[i, j]")
            return self._subscript(scope, joined)
        if not isinstance(base, cst.Name):
            if isinstance(base, (cst.Call, cst.BinaryOperation, cst.UnaryOperation)) and self._lenient():
                return Const(0.0), "c"  # an array expression whose ranks are guessed before the call
            if isinstance(base, cst.Call):
                self._expr(scope, base)  # a call nsadc does not take is refused as such (np.convolve(a, k)[-1])
            raise self._err(scope, node, "only named arrays can be indexed",
                            "assign the array to a name first")
        array, t = self._array_operand(scope, base)
        index = self._indices(scope, node, t, array)
        return Call("load", (array, *index)), f"{array.name}_{'_'.join(_short(i) for i in index)}"

    def _const_int(self, scope, node) -> int:
        if isinstance(node, cst.Tuple):  # (an axis= that takes one axis)
            raise self._err(scope, node, "a tuple of axes is supported by the reductions sum, mean, prod, max "
                            "and min (keepdims= too), not here", "name one axis, or reduce one axis at a time")
        e = self._expr(scope, node)
        if not (isinstance(e, Const) and isinstance(e.value, int) and not isinstance(e.value, bool)):
            raise self._err(scope, node, "this must be a constant integer", "write a number, e.g. 0")
        return e.value

    def _array_attribute(self, scope, node: cst.Attribute) -> tuple[Expr, str] | None:
        """``a.size`` / ``a.ndim`` of an array name; None when ``node`` is no such attribute."""
        if not (isinstance(node.value, cst.Name) and node.value.value in scope.locals):
            return None
        array = self._expr(scope, node.value)
        t = self._array_of(array)
        if t is None:
            return None
        attr = node.attr.value
        if attr == "size" and rank(t) == 1:
            return Call("shape", (array, Const(0))), "n"  # the length: a dimension the shape checks know
        if attr == "size":
            return Call("size", (array,)), "size"
        if attr == "ndim":
            return Const(rank(t)), "c"
        if attr == "shape":
            raise self._err(scope, node, "the shape tuple itself is not supported",
                            f"unpack it (n, m = {array.name}.shape) or index it ({array.name}.shape[0])")
        raise self._err(scope, node, f"the array attribute .{attr} is not supported yet",
                        "use .shape[k], .size, .ndim or .copy()")

    def _shape_tuple(self, scope, node) -> list[Expr] | None:
        """``a.shape`` as a list of its dimensions, or None when ``node`` is not that."""
        if isinstance(node, cst.Attribute) and node.attr.value == "shape" and isinstance(node.value, cst.Name):
            array, t = self._array_operand(scope, node.value)
            return [Call("shape", (array, Const(k))) for k in range(rank(t))]
        return None

    def _dims(self, scope, node) -> list[Expr]:
        """The dimensions of a shape argument: ``n``, ``(n, m)`` or ``a.shape``."""
        dims = self._shape_tuple(scope, node)
        if dims is not None:
            return [self._operand(d, "n") for d in dims]
        if isinstance(node, (cst.Tuple, cst.List)):
            if not node.elements:
                raise self._err(scope, node, "0-dimensional arrays are not supported", "use a float")
            return [self._expr(scope, el.value) for el in node.elements]
        return [self._expr(scope, node)]

    def _operand(self, value: Expr, hint: str) -> Expr:
        if isinstance(value, (Var, Const)):
            return value
        name = self.names.fresh(hint)
        self._emit(Assign(name, value))
        if isinstance(value, Call) and value.prim == "shape":
            self.dim_alias[name] = value
        return Var(name)

    # ------------------------------------------------------------ calls

    def _array_call(self, scope, node: cst.Call, prim: str) -> tuple[Expr, str]:
        """np.zeros / ones / empty / full / zeros_like ... and np.copy."""
        if prim in ALLOCATORS or prim == "full":
            args = self._allocation_args(scope, node, prim, "allocate with np.empty(shape) and fill it in a loop")
            dims = self._dims(scope, args[0])
            dtype = self._dtype_of(scope, node)
            if dtype == "bool":
                self._flags_array(scope, node)
            if dtype in ("int", "bool"):
                return self._int_allocation(scope, node, prim, dims, args), prim
            extra = [self._expr(scope, args[1])] if prim == "full" else []
            return Call(prim, (*dims, *extra)), prim
        args = self._positional_args(scope, node)
        if len(args) != 1:
            raise self._err(scope, node, f"{scope.src.source_of(node.func).strip()}() takes one array",
                            "pass one array")
        array, t = self._array_operand(scope, args[0])
        if any(a.keyword is not None for a in node.args) \
                and self._dtype_of(scope, node) != ("float" if is_float_array(t) else "int"):
            raise self._err(scope, node, "an array made like another keeps its dtype here",
                            "leave dtype out, or allocate with np.zeros(x.shape, dtype=...)")
        return Call(prim, (array,)), f"{array.name}_copy" if prim == "array_copy" else prim

    def _positional_args(self, scope, node: cst.Call) -> list:
        """The positional arguments of an array-making call (a dtype given by
        position is ``dtype=`` by now); no other keyword is taken."""
        for a in node.args:
            if a.keyword is not None and a.keyword.value != "dtype":
                raise self._err(scope, a, f"the keyword {a.keyword.value}= is not supported here",
                                "pass the shape (and the fill value) by position")
        return [a.value for a in node.args if a.keyword is None]

    def _dtype_of(self, scope, node: cst.Call) -> str:
        """"float" or "int": the dtype an array-making call asks for (float64
        when it names none); other dtypes are refused."""
        named = [a.value for a in node.args if a.keyword is not None and a.keyword.value == "dtype"]
        return self._dtype(scope, named[0]) if named else "float"

    def _allocation_args(self, scope, node: cst.Call, prim: str, array_fill_hint: str) -> list:
        """The shape (and, for np.full, the fill value, a number) of np.zeros /
        ones / empty / full, bound to a name (arrays.py) or inside an expression
        (vectorize.py); ``array_fill_hint``: what to write for an array fill."""
        args = self._positional_args(scope, node)
        want = 2 if prim == "full" else 1
        if len(args) != want:
            raise self._err(scope, node, f"np.{prim}() takes {'a shape and a value' if want == 2 else 'a shape'}",
                            f"write np.{prim}({'(n, m), 0.0' if want == 2 else '(n, m)'})")
        if prim == "full" and self._array_rank(scope, args[1]) > 0:
            raise self._err(scope, args[1], "np.full() is supported with a number as the fill value only",
                            array_fill_hint)
        return args

    def _dtype(self, scope, node) -> str:
        text = scope.src.source_of(node).strip()
        if text in FLOAT_DTYPES:
            return "float"
        if text in _INT_DTYPES:
            return "int"
        if text in _BOOL_DTYPES:
            return "bool"
        raise self._err(scope, node, f"dtype={text} is not supported for arrays nsadc creates",
                        "leave dtype out (float64; derivatives follow the inputs' precision), or "
                        "write dtype=np.int64 for an array of indices or counts, dtype=np.bool_ for flags")

    def _refuse_float_elements_as_index(self, scope, index) -> None:
        """``x[nxt[q]]`` where ``nxt`` is an array the function made and nsadc
        holds as floats (``starts + k`` with ``k`` not known to be an int):
        refused here rather than in the emitted code.  (Before the call the
        arguments' dtypes are guesses: the call's lowering decides.)"""
        if not (isinstance(index, cst.Subscript) and isinstance(index.value, cst.Name)):
            return
        found = self._local_array(scope, index.value)
        if found is None or found[0].name in self.param_names or not is_float_array(found[1]) or self._lenient():
            return
        name = index.value.value
        raise self._err(scope, index, f"{name} indexes an array here, but nsadc holds {name} as floats "
                        "(it is made by an expression of floats, or of values nsadc does not know to be ints)",
                        f"make {name} an int array: {name} = np.empty(n, dtype=np.int64), filled in a loop, "
                        "or from int arrays and int constants only")

    def _flags_array(self, scope, node: cst.Call) -> None:
        """``edge = np.zeros(shape, dtype=np.bool_)``: flags, held as ints 0
        and 1; the name is a mask (``x[edge]`` selects where it holds, as in
        NumPy, and never gathers positions 0 and 1)."""
        stmt = scope.src.parents.get(node)
        if not (isinstance(stmt, cst.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0].target, cst.Name)):
            raise self._err(scope, node, "a bool array is made here without a name of its own",
                            "bind it to a name first: flags = np.zeros(n, dtype=np.bool_)")
        self.__dict__.setdefault("mask_names", set()).add(stmt.targets[0].target.value)

    def _int_allocation(self, scope, node: cst.Call, prim: str, dims: list[Expr], args: list) -> Call:
        """``np.zeros(n, dtype=np.int64)`` ...: ``index_empty(n)``, or
        ``index_full(n, v)`` with the int fill value v (bound to a name, it
        becomes the allocation and a loop storing v: :meth:`_bind_array`)."""
        if prim == "empty":
            return Call("index_empty", tuple(dims))
        if prim == "full":
            fill = self._expr(scope, args[1])
            if isinstance(fill, Const) and not isinstance(fill.value, int):
                raise self._err(scope, args[1], "an int array is filled with an int here",
                                "write an int fill value (-1, 0, n ...), or leave dtype out for floats")
        else:
            fill = Const(0 if prim == "zeros" else 1)
        return Call("index_full", (*dims, fill))

    def _method_call(self, scope, node: cst.Call) -> tuple[Expr, str] | None:
        """``a.copy()`` on an array name; None when ``node`` is no array method call."""
        func = node.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
                and func.value.value in scope.locals):
            return None
        array = self._expr(scope, func.value)
        t = self._array_of(array)
        if t is None:
            return None
        if func.attr.value == "copy" and not node.args:
            return Call("array_copy", (array,)), f"{array.name}_copy"
        raise self._err(scope, func, f"the array method .{func.attr.value}() is not supported yet",
                        "write the computation as a loop over the elements")

    def _len(self, scope, node: cst.Call) -> tuple[Expr, str]:
        arg = node.args[0].value if len(node.args) == 1 else None
        if isinstance(arg, cst.Name) and arg.value in scope.locals:
            array = self._expr(scope, arg)
            if self._array_of(array) is not None:
                return Call("shape", (array, Const(0))), "n"
        err = self._rank_err if isinstance(arg, cst.Name) else self._err  # (a name: the call may pass an array)
        raise err(scope, node.func, "len() is supported on arrays only",
                  "use len(x) or x.shape[0] on an array; pass other lengths as int arguments")

    # ------------------------------------------------------------ writes

    def _rebind(self, scope, name: str, node) -> str:
        """The IR name for a new array bound to ``name``.  A name that already
        holds an array may take a new one in straight-line code (``y =
        np.sort(y)``, ``r = np.abs(r)``): the new array gets an IR name of its
        own and later reads of the name see it, as in Python.  In a loop or a
        branch the name would hold different arrays on different paths."""
        if name not in self.arrays and name not in self.param_names:
            return name
        if scope.depth > 0 or self._in_branch(scope, node):
            return name  # refused where the array is made, with the reason
        user = self.user_vars.get(name, name)
        fresh = self.names.fresh(user)
        scope.rename[user] = Var(fresh)
        self.user_vars[fresh] = user
        return fresh

    def _read_only_alias(self, scope, name: str, array: str, node) -> bool:
        """Whether ``name = array`` (or a row of it) may stand for the array
        itself: neither name is ever written through, and, for a plain second
        name, it is bound once in straight-line code."""
        written = written_arrays(scope.node, scope.src.functions) | rebound_in_place(scope.node)
        users = {self.user_vars.get(name, name), self.user_vars.get(array, array)}
        if users & written or array in self.stored_params:
            return False
        return node is None or not self._in_branch(scope, node)

    def _given_away(self, scope, other: str, node) -> bool:
        """Whether ``x = other`` at ``node``, straight in a loop's body, hands
        ``other``'s array over for good (``X = Xn`` where each iteration first
        binds ``Xn = np.zeros(n)`` or ``Xn = X.copy()``, fills it, then hands it
        over): nothing mentions ``other`` after it in the body, the body's
        first mention of it is that fresh binding, and nothing outside the
        loop mentions it.  A copy into ``x``'s array then holds what Python's shared
        array would: no write through either name can reach the other."""
        stmt = node
        while stmt is not None and not isinstance(scope.src.parents.get(stmt), cst.IndentedBlock):
            stmt = scope.src.parents.get(stmt)
        block = scope.src.parents.get(stmt)
        loop = scope.src.parents.get(block)
        if stmt is None or not isinstance(loop, (cst.For, cst.While)) or loop.orelse is not None:
            return False
        body = list(block.body)
        at = next(k for k, t in enumerate(body) if t is stmt)
        mentioning = [k for k, t in enumerate(body) if other in mentioned_names(t)]
        first = body[mentioning[0]]
        fresh = isinstance(first, cst.SimpleStatementLine) and len(first.body) == 1 \
            and isinstance(first.body[0], cst.Assign) and len(first.body[0].targets) == 1 \
            and isinstance(first.body[0].targets[0].target, cst.Name) \
            and first.body[0].targets[0].target.value == other \
            and other not in mentioned_names(first.body[0].value) and _fresh_array(first.body[0].value)
        outside = mentioned_names(scope.node.body, skip=loop)  # (the loop's own body aside)
        return fresh and mentioning[-1] == at and other not in outside

    def _rebound_not_written(self, scope, name: str, array: str, node) -> bool:
        """Whether ``name = array`` is a second name that is only bound anew
        later, in a loop or a branch, and never written through (nor the
        array): there a copy stands for it."""
        users = {self.user_vars.get(name, name), self.user_vars.get(array, array)}
        return self.user_vars.get(name, name) in rebound_in_place(scope.node) and not (
            users & written_arrays(scope.node, scope.src.functions)) and array not in self.stored_params \
            and not self._in_branch(scope, node)

    def _written_only_before(self, scope, users: set[str], stmt) -> bool:
        """Whether ``stmt`` is a statement of the function's top level that
        neither it nor any statement after it writes through a name of
        ``users`` (``fut_min = fut[::-1]`` after the loop that filled fut):
        a copy taken there reads what the view would.  (Only in the function
        differentiated: a helper's caller may write through its arguments
        after the call.)"""
        if scope is not self.entry:
            return False
        body = list(scope.node.body.body)
        top = stmt
        while top is not None and not any(top is t for t in body):
            top = scope.src.parents.get(top)
        if top is None:
            return False
        later = body[next(k for k, t in enumerate(body) if t is top):]
        shim = types.SimpleNamespace(body=cst.IndentedBlock(body=later))
        return not (users & written_arrays(shim, scope.src.functions)) and not (
            users & {self.user_vars.get(p, p) for p in self.stored_params})

    @staticmethod
    def _in_branch(scope, node, loops: bool = True) -> bool:
        """Whether ``node`` sits inside an if, a with or a try of its function (or a loop)."""
        kinds = (cst.If, cst.Else, cst.With, cst.Try) + ((cst.For, cst.While) if loops else ())
        parent = scope.src.parents.get(node)
        while parent is not None and parent is not scope.node:
            if isinstance(parent, kinds):
                return True
            parent = scope.src.parents.get(parent)
        return False

    def _first_bound_in_branches(self, scope, name: str, node) -> bool:
        """Whether ``name = <array>`` at ``node`` is the name's first array, in a
        branch outside any loop, where every path through the outermost ``if``
        around it binds the name before reading it (``if c: r = np.zeros_like(v)
        else: r = np.clip(v, lo, hi)``): one array, made at the function's entry,
        then holds the values of whichever binding runs, as a loop's array does."""
        if scope.depth > 0 or name in self.arrays or name in self.param_names:
            return False
        user = self.user_vars.get(name, name)
        top, parent = None, scope.src.parents.get(node)
        while parent is not None and parent is not scope.node:
            if isinstance(parent, (cst.For, cst.While, cst.With, cst.Try)):
                return False
            if isinstance(parent, cst.If):
                top = parent
            parent = scope.src.parents.get(parent)
        return top is not None and binds_on_every_path(top, user)

    @property
    def scalar_names(self) -> set[str]:
        """IR names the code has bound to numbers (a name that then takes an
        array gets an IR name of its own: :meth:`_number_then_array`)."""
        return self.__dict__.setdefault("_scalar_names", set())

    def _number_then_array(self, scope, name: str, node) -> str:
        """``y = a * 2.0`` then ``y = np.maximum(x, z)``: in straight-line code
        the array gets an IR name of its own (later reads see it, as in
        Python); in a loop or a branch the name would be a number on one pass
        and an array on another, which is refused."""
        user = self.user_vars.get(name, name)
        if scope.depth > 0 or self._in_branch(scope, node):
            raise self._rank_err(scope, node, f"{user} holds a number before this line and takes an array here, "
                                 "in a loop or a branch: a name keeps one kind of value there",
                                 f"start {user} as an array (np.full(n, value)) or give the array a name of its own")
        fresh = self.names.fresh(user)
        self.user_vars[fresh] = user
        return fresh  # (the caller points the name at it once the value, which may read the number, is made)

    def _bind_array(self, scope, name: str, value: Expr, node) -> str:
        """``name = <array value>``: an allocation, a copy, or a refused alias.
        Returns the IR name the array got (see :meth:`_rebind`)."""
        if name in self.scalar_names and name not in self.arrays:
            name = self._number_then_array(scope, name, node)
            scope.rename[self.user_vars[name]] = Var(name)
        user = self.user_vars.get(name, name)
        if isinstance(value, Var) and value.name == name and name in self.arrays:
            return name  # P = step(P, dt) where step writes into P and returns it: P is that array already
        if isinstance(value, Var) and name in self.arrays and value.name != name and (
                scope.depth > 0 or self._in_branch(scope, node)) and (
                value.name in self.owned_arrays or not ({user, self.user_vars.get(value.name, value.name)}
                                                        & written_arrays(scope.node, scope.src.functions))
                or self._given_away(scope, self.user_vars.get(value.name, value.name), node)):
            # x, v = step(x, v) or y = y_new in a loop, where x already holds an array the function
            # made: its new values go into that array (Python's x would be the other array,
            # which nothing writes through, so the values are the same)
            return self._refill(scope, name, Call("array_copy", (value,)), node)
        if isinstance(value, Var) and value.name in self.owned_arrays:
            # a new array a helper returned: nothing else holds it, so the name is it
            if self._in_branch(scope, node, loops=False) or (scope.depth > 0 and _bindings_of(scope.node, user) > 1):
                # u = softmax(w) in one branch, u = softmax(-w) in the other: u is one array,
                # made at the entry, which each path fills with its helper's result
                self.owned_arrays.discard(value.name)
                return self._refill(scope, name, Call("array_copy", (value,)), node)
            self.owned_arrays.discard(value.name)
            target = self._rebind(scope, name, node)
            if value.name in self.param_names or value.name in self.user_vars \
                    or value in scope.rename.values():
                # a helper's own name for it, or a name of this scope stands for it already
                # (p = v, where v is the helper's parameter for the caller's y * 2.0): keep that one
                scope.rename[user] = value
                return value.name
            # a temporary of an expression (np.diff(a)): it takes the user's name
            rename_variable(self.out + self.preamble, value.name, target)
            self.arrays[target] = self.arrays.pop(value.name)
            if value.name in self.shapes:
                self.shapes[target] = self.shapes.pop(value.name)
            scope.rename[user] = Var(target)
            return target
        if isinstance(value, Var) and self._read_only_alias(scope, name, value.name, node):
            # S = X, neither ever written: S reads X (no copy, no second array)
            scope.rename[self.user_vars.get(name, name)] = value
            return value.name
        if isinstance(value, Var) and self._rebound_not_written(scope, name, value.name, node):
            # h = X, then h = f(h) in a loop (whose new values go into h's array): nothing writes
            # through either name, so a copy of X holds what Python's second name would
            value = Call("array_copy", (value,))
        if isinstance(value, Var):
            user = self.user_vars.get(name, name)
            other = next((u for u, v in scope.rename.items() if v == value and u != user), value.name)
            raise self._err(scope, node, f"{user} = {other} would make {user} a second name for "
                            f"the array {other} (a write through one changes the other)",
                            f"write {user} = {other}.copy() for a copy, or use {other} itself")
        if scope.depth > 0 or (name in self.arrays and self._in_branch(scope, node)) \
                or self._first_bound_in_branches(scope, name, node):
            return self._refill(scope, name, value, node)
        name = self._rebind(scope, name, node)
        if name in self.arrays or name in self.param_names:
            raise self._err(scope, node, f"{name} already holds an array; a name takes a new array "
                            "only in straight-line code, not in a loop or a branch", "give the new array a name of its own")
        if value.prim == "index_full" or (value.prim == "full" and not isinstance(value.args[-1], Const)):
            # np.full(n, w): the elements carry w's derivative, so they are stores
            # of w the transforms see, not an allocation with no derivative; an
            # int array's fill is stores too, which the transforms know how to keep
            dims, fill = list(value.args[:-1]), self._operand(value.args[-1], "fill")
            alloc = "empty" if value.prim == "full" else "index_empty"
            self._bind_array(scope, name, Call(alloc, tuple(dims)), node)
            self._loop_nest(scope, dims, lambda index: self._emit(
                Assign(name, Call("store", (Var(name), *index, fill)), scope.src.loc(node))),
                scope.src.loc(node))
            return name
        self.arrays[name] = self._type_of(value)
        if value.prim in ALLOCATORS or value.prim == "full":
            dims = value.args[:-1] if value.prim == "full" else value.args
            self.shapes[name] = [self._dim(d) for d in dims]
        elif isinstance(value.args[0], Var) and value.args[0].name in self.arrays:  # *_like, copy
            self.shapes[name] = self._shape(value.args[0].name)
        self._emit(Assign(name, value, scope.src.loc(node)))
        return name

    def _check_new_values(self, scope, name: str, t: str, dims: list[Expr], node) -> None:
        """``name`` already holds an array and takes a new one in a loop or a
        branch (``w = w * g / s``, ``w = tw.copy()``): the new values go into
        its array.  That array must be one this function made, no other name
        may share it, and the new value must have its type and shape (equal
        as the code shows them, or checked before each call)."""
        user = self.user_vars.get(name, name)
        params = {p.name.value for p in all_params(scope.node)}
        if name in self.param_names or (scope is not self.entry and name not in self.private_copies and any(
                scope.rename.get(p) == Var(name) for p in params)):
            raise self._err(scope, node, f"{user} is an argument and takes a new array here, in a loop or "
                            "a branch: its elements would be written",
                            f"copy it before the loop ({user} = {user}.copy()), then assign it here")
        other = next((u for u, v in scope.rename.items() if v == Var(name) and u != user), None)
        if other is not None:
            raise self._err(scope, node, f"{user} takes a new array here, in a loop or a branch, but "
                            f"{other} names the same array", f"make {other} a copy ({other} = {user}.copy())")
        if self.arrays[name] != t or len(dims) != len(self._shape(name)):
            raise self._err(scope, node, f"{user} takes a new array here, in a loop or a branch, of another "
                            "type or number of dimensions than the one it holds",
                            "give the new array a name of its own")
        for a, b in zip(self._shape(name), dims):
            a, b = self._dim(a), self._dim(b)
            apart = affine(Call("sub", (a, b)), {})
            if apart is not None and set(apart) <= {None} and apart.get(None, 0) != 0 \
                    and not (isinstance(a, Const) and isinstance(b, Const)):  # (two numbers: _same_dim says so)
                # (y = z with z = np.empty(n - 1), n = y.shape[0]: the name's length moves with the loop)
                raise self._err(scope, node, f"{user} takes a new array here, in a loop or a branch, whose "
                                f"length differs from the one it holds ({expr_source(b)} against "
                                f"{expr_source(a)}); nsadc keeps one array per name there",
                                "keep one array of the largest length and the current length in a variable "
                                "(y[:m]), or give each length its own name")
            self._same_dim(scope, node, a, b)

    def _refill(self, scope, name: str, value: Call, node) -> str:
        """``un = u.copy()``, ``h = np.zeros(n)`` inside a loop: one array, made at
        the function's entry from the arguments' shapes, filled again by each
        iteration (the same values a new array would hold; no other name can
        see the old one, second names being refused)."""
        source = value.args[0] if value.prim in ("array_copy", *LIKE) else None
        if source is not None and isinstance(source, Var) and source.name in self.arrays:
            dims = list(self._shape(source.name))
            t = self.arrays[source.name] if value.prim == "array_copy" else self._type_of(value)
        elif value.prim in (*ALLOCATORS, "index_empty"):
            dims, t = [self._dim(d) for d in value.args], self._type_of(value)
        elif value.prim in ("index_full", "full"):  # np.full(n, v): the shape, then the value
            dims, t = [self._dim(d) for d in value.args[:-1]], self._type_of(value)
        else:
            dims, t = None, None
        if name in self.arrays and name not in self.refilled and dims is not None:
            self._check_new_values(scope, name, t, dims, node)  # its own array takes the new values
        elif dims is None or any(variables(d) - self.param_names for d in dims) \
                or (name in self.arrays and self.arrays[name] != t):
            where = "a loop" if scope.depth > 0 else "a branch"
            raise self._err(scope, node, f"allocating an array inside {where} is not supported here (its "
                            f"shape is not known from the arguments before the {where[2:]})",
                            f"allocate it once before the {where[2:]} and overwrite its elements")
        if name not in self.arrays:
            self.arrays[name] = t
            self.shapes[name] = dims
            alloc = "empty" if is_float_array(t) else "index_empty"
            self.preamble.append(Assign(name, Call(alloc, tuple(dims)), scope.src.loc(node)))
            self.refilled.add(name)
        fill = {"zeros": 0.0, "zeros_like": 0.0, "ones": 1.0, "ones_like": 1.0}.get(value.prim)
        if fill is not None and not is_float_array(t):
            fill = int(fill)
        elif value.prim in ("index_full", "full"):
            fill = value.args[-1] if value.prim == "index_full" else self._operand(value.args[-1], "fill")
        loc = scope.src.loc(node)

        def element(index):
            v = self._operand(Call("load", (source, *index)), f"{source.name}_el") \
                if value.prim == "array_copy" else fill if isinstance(fill, Expr) else Const(fill)
            self._emit(Assign(name, Call("store", (Var(name), *index, v)), loc))
        if value.prim == "array_copy" or fill is not None:
            self._loop_nest(scope, dims, element, loc)
        return name

    @property
    def owned_arrays(self) -> set[str]:
        """Arrays a helper made and returned, not yet bound to a caller's name."""
        return self.__dict__.setdefault("_owned_arrays", set())

    @property
    def private_copies(self) -> set[str]:
        """A helper's copies of the arrays passed for the parameters it binds
        anew (``z = z - np.max(z)``): no caller's name sees them."""
        return self.__dict__.setdefault("_private_copies", set())

    @property
    def refilled(self) -> set[str]:
        """Arrays made once at the entry and filled again in a loop (:meth:`_refill`)."""
        return self.__dict__.setdefault("_refilled", set())

    def _type_of(self, value: Call) -> str:
        from nsadc.rules.table import RULES

        types = [self.arrays.get(a.name, "int") if isinstance(a, Var) else "float" for a in value.args]
        return RULES[value.prim].result(types)

    def _store(self, scope, target: cst.Subscript, value: Expr, node, op: str | None = None) -> None:
        """``a[i, j] = value`` (or ``a[i, j] op= value``)."""
        if isinstance(target.value, cst.Subscript):
            raise self._err(scope, target, "assignment through chained indexing a[i][j] is not supported",
                            "index all dimensions at once: a[i, j] = v")
        if not isinstance(target.value, cst.Name):
            raise self._err(scope, target, "only named arrays can be assigned into",
                            "index the array by its name: a[i] = v")
        array, t = self._array_operand(scope, target.value)
        index = self._indices(scope, target, t, array)
        if op is not None:
            old = self.names.fresh(f"{array.name}_old")
            self._emit(Assign(old, Call("load", (array, *index)), scope.src.loc(target)))
            new = self.names.fresh(f"{array.name}_new")
            self._emit(Assign(new, Call(op, (Var(old), value)), scope.src.loc(node)))
            value = Var(new)
        if array.name in self.param_names:
            self.stored_params.add(array.name)
        self._emit(Assign(array.name, Call("store", (array, *index, value)), scope.src.loc(node)))

    def _check_scalar_target(self, scope, name: str, node) -> None:
        # (before the call, a value's rank may rest on a wrong guess of an argument's: the call decides)
        if name in self.arrays and not self._lenient():
            user = self.user_vars.get(name, name)
            raise self._err(scope, node, f"{user} holds an array; it cannot be given a scalar value",
                            f"store into its elements ({user}[i] = ...) or give the number another name")


def _short(e: Expr) -> str:
    if isinstance(e, Var):
        return e.name
    if isinstance(e, Const):
        return str(e.value).replace("-", "m")
    return "k"


__all__ = ["ArrayLowering", "infer_array_param", "is_array"]
