"""Lowering of vectorized NumPy: whole-array expressions become loops.

A mixin of the Lowerer (frontend/lower.py).  An expression such as
``np.maximum(A @ x - b, 0.0)`` is first *prepared* into a small tree
(:class:`_P`) whose leaves are named arrays and scalar operands; nothing is
computed yet.  The tree is then either

- *filled* into an array (``r = A @ x - b``): one loop nest over the result's
  elements, whose body computes one element, or
- *reduced* to a scalar (``np.sum(...)``, ``np.max(...)``, a 1-D dot product,
  a norm): a loop nest that accumulates the elements.

Elements are computed by the scalar rules (``abs``, ``max``, ``exp``, ...), so
every kink of the vectorized program is an explicit selection of the derivative
code, exactly as in a loop the user wrote, and the reverse transform treats
these loops like any other.  Inner products inside an expression (``A @ x``,
an ``axis=`` reduction, ``np.outer``) are computed per element, so only a
vectorized value given a name allocates an array.

The reductions ``np.max`` / ``np.min`` share the derivative equally among tied
entries (rules/vector.py).  Shapes: operands must have the same dimensions
where they meet (NumPy rank broadcasting is supported: a lower-rank operand
lines up with the trailing dimensions; size-1 broadcasting is not).  Each such
requirement that the lowering cannot see to hold becomes a *shape check* the
API runs on the arguments before every call (``fn.shape_checks``), so a
mismatch is an ``ArgumentError`` naming the arguments, never an out-of-bounds
read; where a dimension is computed inside the function (``L[i, :i] @ y[:i]``),
the code compares the two where it reaches them and raises NumPy's
``ValueError`` before reading an element.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import libcst as cst

from nsadc.frontend.arrays import FLOAT_DTYPES, new_axis as _new_axis, written_arrays
from nsadc.frontend.cst_nodes import nodes
from nsadc.frontend.syntax import (BINARY_OPS, COMPARE_OPS, INT_INDEX_OPERATORS, as_operand, base_name,
                                   bindings, sum_of_squares)
from nsadc.ir.affine import affine, affine_expr, affine_sum
from nsadc.ir.nodes import Assign, Call, Const, Expr, For, If, Raw, Var, map_expressions, variables, walk
from nsadc.rules.arrays import ARRAY_PRIMS, array_type, is_array, is_float_array, rank
from nsadc.rules.table import ALIASES, COMPARISONS, RULES
from nsadc.rules.vector import VECTOR_PRIMS

REDUCTIONS = {"sum": "sum", "mean": "mean", "prod": "prod", "max": "max", "min": "min", "amax": "max",
              "amin": "min"}
_METHOD_REDUCTIONS = {"sum", "mean", "prod", "max", "min"}
# allocations shaped like an array: inside an expression, one value broadcast to its shape
_LIKE = ("np.zeros_like", "np.ones_like", "np.full_like", "np.empty_like")
_OTHER_FUNCTIONS = ("dot", "matmul", "outer", "where", "argmax", "argmin", "cumsum", "cumprod", "array", "concatenate",
                    "stack", "reshape", "ravel", "sort", "argsort", "eye", "identity", "arange", "linspace",
                    "roll", "any", "all")
# the length of an axis that x[:, None] adds: 1, stretched to the other operands' by broadcasting
NEW_AXIS = Call("new_axis", ())
# dimensions that broadcast against any other: a new axis, a length of 1 the code fixes
_STRETCHED = (NEW_AXIS, Const(1))
# functions the lowering rewrites (Lowerer._rewritten) into an array of their argument's rank
_SAME_RANK = ("np.diff", "np.asarray", "np.ascontiguousarray", "np.asfortranarray", "np.heaviside", "np.flip",
              "np.flipud", "np.fliplr", "np.transpose")
# functions whose second positional argument is the axis (np.cumsum(A, 1))
_AXIS_SECOND = ("argmax", "argmin", "cumsum", "cumprod", "sort", "concatenate", "stack", *REDUCTIONS)
# functions whose axis=None means what no axis means: the whole array, flattened
_NONE_AXIS_IS_NO_AXIS = (*REDUCTIONS, *_METHOD_REDUCTIONS, "argmax", "argmin", "cumsum", "cumprod")
_NOT_ELEMENTWISE = {"copy", "select", "tuple", "and", "or", "not", "float", "trunc", "norm_root",
                    *ARRAY_PRIMS, *VECTOR_PRIMS}


@dataclass
class _P:
    """A prepared vectorized value: what one element of it is, and its shape."""

    kind: str  # scalar | array | op | where | dot | reduce | outer | kept | leading ... (see _element)
    rank: int
    shape: list[Expr]
    value: Expr | None = None  # scalar: the operand; array: the array's Var
    prim: str | None = None  # op: the scalar primitive; reduce: the reduction
    args: list[_P] = field(default_factory=list)
    node: cst.CSTNode | None = None
    transposed: bool = False  # array: read as its transpose
    axis: int = 0  # reduce: the reduced axis; concat / stack: the joined axis
    integer: bool = False  # elements are ints (np.argmax along an axis)
    # array: a basic slice of it, per dimension of the array ("at", i) for an
    # integer index (the dimension is dropped) or ("range", start, step)
    view: list[tuple] | None = None


# element-wise operations that keep int arrays int
_INT_OPS = {"add", "sub", "mul", "neg", "floordiv", "mod"}


def _ints(t: str) -> bool:
    """Whether an array type holds ints (an index array)."""
    return is_array(t) and not is_float_array(t)


class VectorLowering:
    """Vectorized-NumPy methods of the Lowerer."""

    static: bool  # lowering before the call: array ranks are guesses, so rank errors wait for it
    lenient: bool  # a rank error was let pass (static): the lowering is not reused for the call
    vectorized: bool  # the function uses whole-array NumPy
    shapes: dict[str, list[Expr]]
    shape_checks: list[tuple[Expr, Expr, str]]
    dim_alias: dict[str, Expr]

    @property
    def dim_bounds(self) -> dict:
        """A slice's length that moves with a loop -> (the length of the
        dimension it slices, which bounds it: arrays made in the loop from such
        slices are allocated at the bound, once; the slice's bounds as integer
        expressions, or None)."""
        return self.__dict__.setdefault("_dim_bounds", {})

    @property
    def moving_lengths(self) -> dict:
        """An array made in a loop at a bound (``hist = ret[t - w:t]``) -> for
        each axis, the name holding its length this iteration (None where the
        axis does not move).  The array is as long as the bound; what the code
        asks of its shape (``hist.shape[0]``, ``hist.size``, ``len(hist)``,
        ``hist[-1]``, ``np.std(hist)``, a helper's ``h.shape[0]``) is this
        length (:func:`with_moving_lengths`)."""
        return self.__dict__.setdefault("_moving_lengths", {})

    @property
    def moving_defs(self) -> dict:
        """The name holding a moving length (``moving_lengths``) -> the length as
        the slice gave it, for telling two such lengths equal."""
        return self.__dict__.setdefault("_moving_defs", {})

    @property
    def inlined(self) -> dict:
        """(id(scope), id(call node)) -> the results of that call, lowered once."""
        return self.__dict__.setdefault("_inlined", {})

    def _lenient(self) -> bool:
        """Whether a rank error may pass: lowering before the call, array ranks are
        guesses, so the error waits for the call's lowering.  The lowering is then
        marked so that the call does not reuse it (pipeline._lowered): where the
        guess was right, the call's lowering raises the error."""
        if self.static:
            self.lenient = True
        return self.static

    # ------------------------------------------------------------ recognising

    def _vector_function(self, scope, node: cst.Call) -> tuple[str, list, dict] | None:
        """``(name, positional args, keyword args)`` of a call to a vectorized
        NumPy function or array method; None for anything else."""
        func = node.func
        args = [a.value for a in node.args if a.keyword is None]
        kwargs = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        if isinstance(func, cst.Attribute) and func.attr.value == "norm" \
                and isinstance(func.value, cst.Attribute) and func.value.attr.value == "linalg" \
                and isinstance(func.value.value, cst.Name) \
                and scope.src.imports.get(func.value.value.value) == "np" \
                or self._qualified(scope, func) == "np.linalg.norm":  # (from numpy.linalg import norm)
            return "norm", args, kwargs
        if isinstance(func, cst.Attribute) and func.attr.value == "accumulate" \
                and self._qualified(scope, func.value) in ("np.maximum", "np.minimum"):
            return f"accumulate_{func.value.attr.value}", args, kwargs  # np.maximum.accumulate(x)
        full = self._qualified(scope, func)
        if full is not None and full.startswith("np."):
            name = full[3:]
            if name in REDUCTIONS or name in _OTHER_FUNCTIONS:
                return name, *_axis_keyword(name, args, kwargs)
            return None
        if isinstance(func, cst.Attribute) and self._array_rank(scope, func.value) > 0:
            name = func.attr.value
            if name in _METHOD_REDUCTIONS or name in ("dot", "argmax", "argmin", "cumsum", "cumprod", "reshape",
                                                       "ravel", "flatten"):
                if name == "reshape" and len(args) > 1:  # x.reshape(n, m)
                    args = [cst.Tuple([cst.Element(a) for a in args])]
                return ("ravel" if name == "flatten" else name), *_axis_keyword(name, [func.value, *args], kwargs)
            if name == "copy" and not args and not isinstance(func.value, cst.Name):
                return name, [func.value], kwargs  # x[1:].copy(), A.T.copy()
            if name == "sort":
                return "sort_in_place", [func.value, *args], kwargs
        return None

    def _filled_call(self, scope, node) -> str | None:
        """"zeros", "ones" or "full" for ``np.zeros(shape)`` ... , else None."""
        if isinstance(node, cst.Call):
            full = self._qualified(scope, node.func)
            if full in ("np.zeros", "np.ones", "np.full"):
                return full[3:]
        return None

    def _filled(self, scope, node: cst.Call, name: str) -> _P:
        """``np.zeros(shape)``, ``np.ones(shape)``, ``np.full(shape, v)`` inside an
        expression: one value broadcast to the shape (no array is made)."""
        args = self._allocation_args(scope, node, name, "use np.zeros(shape) + value, which broadcasts the array")
        dtype = self._dtype_of(scope, node)
        if dtype == "bool":
            raise self._err(scope, node, "a bool array inside an expression is not supported",
                            "give it a name of its own first: flags = np.zeros(n, dtype=np.bool_)")
        integer = dtype == "int"
        if integer and name == "full":
            raise self._err(scope, node, "an int np.full inside an expression is not supported",
                            "give it a name of its own first: idx = np.full(n, -1, dtype=np.int64)")
        dims = [self._dim_value(scope, d) or d for d in self._dims(scope, args[0])]
        value = self._operand(self._expr(scope, args[1]), "fill") if name == "full" \
            else Const((0 if integer else 0.0) if name == "zeros" else (1 if integer else 1.0))
        return _P("scalar", len(dims), dims, value=value, node=node, integer=integer)

    def _filled_like(self, scope, node: cst.Call, name: str) -> _P:
        """``np.zeros_like(a)``, ``np.ones_like(a)``, ``np.full_like(a, v)``
        inside an expression: one value broadcast to ``a``'s shape, as
        :meth:`_filled` does for a shape."""
        args = self._positional_args(scope, node)
        if name == "empty" or len(args) != (2 if name == "full" else 1) or any(
                a.keyword is not None and a.keyword.value != "dtype" for a in node.args):
            raise self._err(scope, node, f"np.{name}_like() is supported inside an expression as "
                            f"np.{name}_like(a{', value' if name == 'full' else ''}) only",
                            "give the array a name of its own first (and fill it)")
        like = self._prepare(scope, args[0])
        named = any(a.keyword is not None for a in node.args)
        integer = self._dtype_of(scope, node) == "int" if named else like.integer
        if name == "full":
            if self._array_rank(scope, args[1]) > 0:
                raise self._err(scope, args[1], "np.full_like() is supported with a number as the fill value only",
                                "use np.zeros_like(a) + values, which broadcasts the array")
            value = self._operand(self._expr(scope, args[1]), "fill")
        else:
            value = Const((0 if integer else 0.0) if name == "zeros" else (1 if integer else 1.0))
        return _P("scalar", like.rank, list(like.shape), value=value, node=node, integer=integer)

    def _clip_method(self, scope, node) -> bool:
        """``x.clip(lo, hi)``, NumPy's method form of ``np.clip(x, lo, hi)``."""
        return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
            and node.func.attr.value == "clip" and self._qualified(scope, node.func) is None

    def _spread_method(self, scope, node) -> bool:
        """``X.var(...)`` / ``X.std(...)``, the method forms of ``np.var`` / ``np.std``."""
        return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
            and node.func.attr.value in ("var", "std") and self._qualified(scope, node.func) is None

    def _local_array(self, scope, node) -> tuple[Var, str] | None:
        if isinstance(node, cst.Name) and node.value in scope.locals:
            v = scope.rename.get(node.value)
            if isinstance(v, Var) and v.name in self.arrays:
                return v, self.arrays[v.name]
        return None

    def _gathers(self, scope, node: cst.Subscript) -> list[cst.SubscriptElement]:
        """The indices of ``node`` that are 1-D arrays of ints (``U[rows]``,
        ``E[idx, :]``): NumPy gathers the rows (or columns) they name."""
        out = []
        for el in node.slice:
            index = el.slice.value if isinstance(el.slice, cst.Index) else None
            while isinstance(index, cst.Subscript) and all(isinstance(e.slice, cst.Slice) for e in index.slice):
                index = index.value  # x[order[-3:]]: a slice of an index array is one
            if index is not None and self._int_index_array(scope, index):
                out.append(el)
        return out

    def _int_index_array(self, scope, node) -> bool:
        """Whether ``node`` is a 1-D array of ints: a name holding one, or
        int arithmetic on one (``idx + 1``, ``2 * idx``, ``(idx - 1) // 2``)."""
        if isinstance(node, cst.Name):
            found = self._local_array(scope, node)
            # (before the call a 1-D array's dtype is a guess: the call's types decide)
            return found is not None and (found[1] == array_type(1, floating=False)
                                          or (rank(found[1]) == 1 and self._lenient()))
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, INT_INDEX_OPERATORS):
            sides = (node.left, node.right)
            arrays = [self._int_index_array(scope, e) for e in sides]
            return any(arrays) and all(a or isinstance(e, cst.Integer) for a, e in zip(arrays, sides))
        return False

    @staticmethod
    def _gather_in_place(node: cst.Subscript, gather: cst.SubscriptElement) -> bool:
        """NumPy keeps a lone index array's dimension where it stands when
        the integer indices (also "advanced") sit next to it, with no slice
        between (``U[rows]``, ``U[:, cols]``, ``X[idx, 0]``); otherwise the
        dimension moves to the front, which is not modelled."""
        items = list(node.slice)
        at = [k for k, el in enumerate(items) if el is gather or (
            isinstance(el.slice, cst.Index) and not _new_axis(el))]
        return all(isinstance(items[k].slice, cst.Index) and not _new_axis(items[k])
                   for k in range(min(at), max(at) + 1))

    def _array_rank(self, scope, node) -> int:
        """The rank of an expression's value (0: a scalar), from the ranks of
        the arrays it reads."""
        if isinstance(node, cst.Name):
            found = self._local_array(scope, node)
            return rank(found[1]) if found else 0
        if isinstance(node, cst.Attribute):
            return self._array_rank(scope, node.value) if node.attr.value == "T" else 0
        if isinstance(node, cst.Subscript) and not isinstance(node.value, cst.Name) \
                and not self._calls_the_file(scope, node.value):
            # np.argsort(x)[::-1], (a * b)[1:]: the indexed value's rank, less what is indexed
            base = self._array_rank(scope, node.value)
            if base == 0 or not _sliced(node, base):
                return 0
            return base - sum(1 for el in node.slice if not isinstance(el.slice, cst.Slice)
                              and not _new_axis(el)) + sum(1 for el in node.slice if _new_axis(el))
        if isinstance(node, cst.Subscript):
            found = self._local_array(scope, node.value)
            if found is not None and self._mask_index(scope, node) is not None:
                return rank(found[1])  # x[mask]: read under its mask, element by element
            gathers = self._gathers(scope, node)
            if found is None or not (_sliced(node, rank(found[1])) or gathers):
                return 0
            return rank(found[1]) - sum(1 for el in node.slice if not isinstance(el.slice, cst.Slice)
                                        and not _new_axis(el)) + sum(1 for el in node.slice if _new_axis(el)) \
                + len(gathers)
        if isinstance(node, cst.UnaryOperation):
            return self._array_rank(scope, node.expression)
        if isinstance(node, cst.BinaryOperation):
            a, b = self._operand_rank(scope, node.left), self._operand_rank(scope, node.right)
            if isinstance(node.operator, cst.MatrixMultiply):
                return max(a + b - 2, 0) if a and b else max(a, b)
            return max(a, b)
        if isinstance(node, cst.Comparison):
            return max([self._array_rank(scope, node.left)]
                       + [self._array_rank(scope, c.comparator) for c in node.comparisons])
        if isinstance(node, cst.IfExp) and not self._calls_the_file(scope, node):
            # the array one of the branches gives (a branch calling a function of the file is not
            # looked into: _call_rank would lower the call here, and Python runs one branch only)
            return max(self._operand_rank(scope, node.body), self._operand_rank(scope, node.orelse))
        if isinstance(node, cst.Call) and self._qualified(scope, node.func) in _LIKE and node.args:
            return self._array_rank(scope, node.args[0].value)  # np.zeros_like(a): a's rank
        if _converted(scope, node) is not None or self._clip_method(scope, node):
            return self._array_rank(scope, node.func.value)  # (x < 0).astype(np.float64), x.clip(0, 1): x's rank
        if isinstance(node, cst.Call) and (self._filled_call(scope, node) is not None
                                           or self._qualified(scope, node.func) == "np.empty"):
            shape = node.args[0].value if node.args else None
            if isinstance(shape, (cst.Tuple, cst.List)):
                return len(shape.elements)
            if isinstance(shape, cst.Attribute) and shape.attr.value == "shape":
                return self._array_rank(scope, shape.value)
            return 1
        if isinstance(node, cst.Call):
            found = self._vector_function(scope, node)
            if found is not None:
                name, args, kwargs = found
                ranks = [self._array_rank(scope, a) for a in args]
                along = "axis" in kwargs and not _is_none(kwargs["axis"])
                kept = isinstance(kwargs.get("keepdims"), cst.Name) and kwargs["keepdims"].value == "True"
                if (name in REDUCTIONS or name in _METHOD_REDUCTIONS) and along and kept and ranks:
                    return ranks[0]  # A.max(axis=1, keepdims=True): the reduced axes kept at length 1
                if name in REDUCTIONS or name in _METHOD_REDUCTIONS or name in ("argmax", "argmin", "norm"):
                    many = len(kwargs["axis"].elements) if along and isinstance(kwargs["axis"], cst.Tuple) else 1
                    return max(ranks[0] - many, 0) if along and ranks else 0
                if name in ("dot", "matmul") and len(ranks) == 2:
                    return max(ranks[0] + ranks[1] - 2, 0)
                if name == "outer":
                    return 2
                if name in ("sort", "argsort") and ranks:  # axis=None sorts the flattened array
                    return 1 if "axis" in kwargs and _is_none(kwargs["axis"]) else ranks[0]
                if name in ("roll", "accumulate_maximum", "accumulate_minimum") and ranks:
                    return ranks[0]
                if name in ("cumsum", "cumprod") and ranks:  # without axis=, along the flattened array
                    return ranks[0] if along else 1
                if name in ("array", "ravel"):
                    return 1
                if name == "concatenate":
                    return self._array_rank(scope, args[0].elements[0].value) \
                        if args and isinstance(args[0], (cst.List, cst.Tuple)) and args[0].elements else 1
                if name == "stack":
                    return 1 + (self._array_rank(scope, args[0].elements[0].value)
                                if args and isinstance(args[0], (cst.List, cst.Tuple)) and args[0].elements else 0)
                if name == "reshape":
                    shape = args[1] if len(args) > 1 else kwargs.get("shape") or kwargs.get("newshape")
                    return len(shape.elements) if isinstance(shape, (cst.Tuple, cst.List)) else 1
                if name == "where":
                    return max(ranks) if ranks else 0
                if name in ("eye", "identity"):
                    return 2
                if name in ("arange", "linspace"):
                    return 1
                return 0
            if self._elementwise_call(scope, node) is not None or self._qualified(scope, node.func) in LOGICAL_CALLS:
                return max([self._array_rank(scope, a.value) for a in node.args] or [0])
            if self._qualified(scope, node.func) in _SAME_RANK and node.args:
                return self._array_rank(scope, node.args[0].value)  # np.diff(x) in 0.25 * np.diff(x)
            if self._qualified(scope, node.func) == "np.convolve":
                return 1
            if self._qualified(scope, node.func) == "np.interp" and node.args and node.args[0].keyword is None:
                return self._array_rank(scope, node.args[0].value)  # np.interp(x, xp, fp): one value per point
            if self._qualified(scope, node.func) == "np.expand_dims" and node.args:
                return self._array_rank(scope, node.args[0].value) + 1  # x[:, None]
            if self._qualified(scope, node.func) in ("np.var", "np.std") or self._spread_method(scope, node):
                method = self._spread_method(scope, node)
                args = [*([node.func.value] if method else []), *(a.value for a in node.args if a.keyword is None)]
                along = len(args) > 1 or any(a.keyword is not None and a.keyword.value == "axis"
                                             and not _is_none(a.value) for a in node.args)
                return max(self._array_rank(scope, args[0]) - 1, 0) if along and args else 0  # X.std(1)
            return self._call_rank(scope, node)
        return 0

    def _reshaped_name(self, scope, node) -> cst.Name | None:
        """The array name under ``x.reshape(...)``, ``np.reshape(x, ...)``,
        ``x.ravel()``, ``np.ravel(x)`` (also of a slice or transpose of it:
        ``p[:4].reshape(2, 2)``), which NumPy returns as views; None else."""
        if not isinstance(node, cst.Call):
            return None
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("reshape", "ravel") \
                and self._qualified(scope, func) not in ("np.reshape", "np.ravel"):
            base = func.value
        elif self._qualified(scope, func) in ("np.reshape", "np.ravel") and node.args:
            base = node.args[0].value
        else:
            return None
        while isinstance(base, (cst.Subscript, cst.Attribute)) and not (
                isinstance(base, cst.Attribute) and isinstance(base.value, cst.Name) and base.value.value in
                scope.src.imports):
            base = base.value
        return base if isinstance(base, cst.Name) and self._local_array(scope, base) is not None else None

    def _user_call(self, scope, node) -> bool:
        """Whether ``node`` calls a function of the file (inlined, not vectorized)."""
        return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) \
            and node.func.value not in scope.locals and self._user_function(scope, node.func.value, node.func) is not None

    def _calls_the_file(self, scope, node) -> bool:
        """Whether ``node`` calls a function of the file anywhere inside it."""
        return any(self._user_call(scope, n) for n in nodes(node))

    def _operand_rank(self, scope, node) -> int:
        """The rank of an operand of arithmetic: a copy or a float64
        conversion of an array (``y.copy() + h0``, ``img.astype(np.float64) /
        255.0``) has the array's."""
        copied = _copied_name(scope, node)
        return self._array_rank(scope, copied[0] if copied is not None else node)

    def _call_rank(self, scope, node: cst.Call) -> int:
        """The rank of what a function of the file returns at this call: the call
        is lowered here, where the expression around it is about to be, and its
        results kept for when that expression reaches it (Lowerer._inline)."""
        func = node.func
        if not isinstance(func, cst.Name) or func.value in scope.locals:
            return 0
        target = self._user_function(scope, func.value, func)
        if target is None:
            return 0
        results = self._inline(scope, node, target)
        t = self._array_of(results[0]) if len(results) == 1 else None
        return rank(t) if t else 0

    def _elementwise_call(self, scope, node: cst.Call) -> str | None:
        """The scalar primitive of ``np.exp(x)``, ``np.maximum(a, b)``, ``abs(x)`` ...
        (a call that NumPy applies elementwise), or None."""
        func = node.func
        full = self._qualified(scope, func)
        if full is not None and full.startswith("np."):
            prim = ALIASES.get(full)
            return prim if prim in RULES and prim not in _NOT_ELEMENTWISE else None
        if isinstance(func, cst.Name) and func.value == "abs" and "abs" not in scope.locals:
            return "abs"
        return None

    def _is_vector(self, scope, node) -> bool:
        """Whether ``node`` is a vectorized expression (an array value other
        than a plain name, or a whole-array operation with a scalar result).
        ``a = np.zeros(n)`` alone is an allocation, not one."""
        if self._filled_call(scope, node) is not None or (isinstance(node, cst.Call) and self._qualified(
                scope, node.func) in (*_LIKE, "np.empty")):
            return False
        if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name):
            found = self._local_array(scope, node.value)
            return found is not None and (_sliced(node, rank(found[1])) or self._mask_index(scope, node) is not None
                                          or bool(self._gathers(scope, node)))
        if isinstance(node, (cst.Name, cst.Integer, cst.Float)):
            return False
        if isinstance(node, cst.Call) and self._vector_function(scope, node) is not None:
            return True
        if self._user_call(scope, node):
            return False  # inlined; an array it returns is bound by name (ArrayLowering._bind_array)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.MatrixMultiply):
            return True
        return self._array_rank(scope, node) > 0

    def _of_a_new_array(self, scope, node) -> bool:
        """Whether the slices and transposes of ``node`` (``a = A.sum(axis=1,
        keepdims=True).T``, ``r = (x * w)[::-1]``) take apart an array the
        expression makes anew (arithmetic, an elementwise function, a
        reduction), not one that a name holds: no other name shares it."""
        while isinstance(node, (cst.Subscript, cst.Attribute)):
            node = node.value
        if isinstance(node, (cst.BinaryOperation, cst.UnaryOperation)):
            return True
        if isinstance(node, cst.Name):  # an array expression computed first into a name of nsadc's
            return node.value in self.__dict__.get("made_arrays", ())
        if not isinstance(node, cst.Call):
            return False
        found = self._vector_function(scope, node)
        return self._elementwise_call(scope, node) is not None or (
            found is not None and found[0] in (*REDUCTIONS, *_METHOD_REDUCTIONS, "dot", "matmul", "outer", "cumsum",
                                              "cumprod", "where"))

    # ------------------------------------------------------------ entry

    def _vector(self, scope, node, into: str | None = None) -> Expr:
        """Lower a vectorized expression: an array value lands in a new array
        (``into`` or a fresh name), a scalar one is returned as an operand."""
        self.vectorized = True
        base = node.value if isinstance(node, (cst.Subscript, cst.Attribute)) else None
        view_of = base.value if isinstance(base, cst.Name) else None
        viewed = (scope.rename[view_of].name if isinstance(scope.rename[view_of], Var) else view_of) \
            if view_of is not None and view_of in scope.rename else None
        reshaped = self._reshaped_name(scope, node) if into is not None else None
        if into is not None and viewed is not None and (isinstance(node, cst.Subscript) or (
                isinstance(node, cst.Attribute) and node.attr.value == "T")) and (
                self._read_only_alias(scope, into, viewed, None)
                or self._written_only_before(scope, {self.user_vars.get(into, into), view_of},
                                             scope.src.parents.get(node) or node)):
            pass  # r = X[i], B = A.T, neither written (after it): a copy reads the same values
        elif into is not None and isinstance(node, cst.Subscript) and (
                self._gathers(scope, node) or self._mask_index(scope, node) is not None):
            pass  # y = x[idx], y = x[mask]: NumPy's fancy indexing makes a copy, not a view
        elif into is not None and (isinstance(node, cst.Subscript) or (
                isinstance(node, cst.Attribute) and node.attr.value == "T")) and not self._of_a_new_array(scope, node):
            written = self.__dict__.get("written_as", {}).get(id(node), node)  # x.T[0], not its lowered form
            what = _text(scope, written)
            raise self._err(scope, node, f"{into} = {what} would make {into} a view of "
                            f"{base_name(written) or _text(scope, written)} (NumPy shares the memory: a write "
                            "through one changes the other)",
                            f"write {into} = {what}.copy(), or use {what} directly in expressions")
        elif reshaped is not None:
            # W = w.reshape(3, 2), v = X.ravel(): NumPy's views of the array; lowered as copies,
            # which read the same values only where no write goes through either name
            held = scope.rename.get(reshaped.value)
            array = held.name if isinstance(held, Var) else reshaped.value
            if not (self._read_only_alias(scope, into, array, None) or self._written_only_before(
                    scope, {self.user_vars.get(into, into), reshaped.value}, scope.src.parents.get(node) or node)):
                what = scope.src.source_of(node).strip()
                raise self._err(scope, node, f"{into} = {what} would make {into} a view of {reshaped.value} "
                                "(NumPy's reshape and ravel share the memory: a write through one changes "
                                "the other)", f"write {into} = {what}.copy() and write back what you change, "
                                f"or compute with {reshaped.value} itself")
        p = self._prepare(scope, node)
        if into is not None and self._is_boolean_array(scope, node):
            self.__dict__.setdefault("mask_names", set()).add(self.user_vars.get(into, into))
        if p.rank == 0:
            value = p.value if p.kind == "scalar" else self._element(scope, p, [])
            if into is None:
                return value
            self._check_scalar_target(scope, into, node)
            self._emit(Assign(into, Call("copy", (value,)), scope.src.loc(node)))
            return Var(into)
        stmt = scope.src.parents.get(node) or node
        if into is not None and into in self.arrays and (scope.depth > 0 or self._in_branch(scope, stmt)):
            self._fill_again(scope, into, p, stmt)
            return Var(into)
        name = self._rebind(scope, into, stmt) if into is not None else self.names.fresh("v")
        self._new_array(scope, name, p, node)
        if name in self.moving_lengths:  # its lengths this iteration, as names
            p = replace(p, shape=list(self._shape(name)))
        self._fill(scope, name, p, node)
        if into is None:
            self.owned_arrays.add(name)  # a name it is given later is the array itself
        return Var(name)

    def _fill_again(self, scope, name: str, p: _P, stmt) -> None:
        """``w = w * g / s`` in a loop or a branch, where ``w`` holds an array
        the function made: the new values go into that array (checked by
        ``_check_new_values``).  A value that reads ``w`` other than at the
        element being written (a slice, a reduction along an axis, a product)
        is computed into a work array first, then copied."""
        t = array_type(p.rank, floating=not p.integer)
        self._check_new_values(scope, name, t, list(p.shape), stmt)
        dest = Var(name)
        if not _mentions(p, dest) or (_read_in_step(p, dest) and (p.rank < 2 or _only_added(p, dest))):
            return self._fill(scope, name, p, stmt)
        work = self.names.fresh(f"{self.user_vars.get(name, name)}_new")
        shape = list(self._shape(name))
        self._new_array(scope, work, replace(p, shape=shape), stmt)
        self._fill(scope, work, p, stmt)
        loc = scope.src.loc(stmt)
        self._loop_nest(scope, shape, lambda index: self._emit(Assign(name, Call("store", (
            dest, *index, self._operand(Call("load", (Var(work), *index)), f"{work}_el"))), loc)), loc)

    def _new_array(self, scope, name: str, p: _P, node) -> None:
        stmt = scope.src.parents.get(node) or node
        p = replace(p, shape=[Const(1) if d == NEW_AXIS else d for d in p.shape])
        # (an array bound on every path of a branch is made at entry like a loop's)
        inside_loop = scope.depth > 0 or self._first_bound_in_branches(scope, name, node)
        # a dimension that changes with the loop (Z[i + 1:] - Z[i]) is allocated at its bound:
        # the length of the dimension it slices
        sizes = [d if not variables(d) - self.param_names else self.dim_bounds.get(d, (None,))[0] for d in p.shape]
        if inside_loop and any(d is None for d in sizes):
            raise self._err(scope, stmt, "a vectorized expression that makes a new array inside a loop "
                            "needs a shape known before the loop",
                            "size it from the arguments' shapes, or write the loop over its elements; "
                            "reductions to a scalar (np.sum, np.max, a dot product) are fine in loops")
        if name in self.arrays or name in self.param_names:
            raise self._err(scope, stmt, f"{name} already holds an array; a name takes a new array "
                            "only in straight-line code, not in a loop or a branch",
                            f"give the new array a name of its own, or update {name} in place "
                            f"({name} -= ... or {name}[i] = ...)")
        self.arrays[name] = array_type(p.rank, floating=not p.integer)
        self.shapes[name] = p.shape
        alloc = "index_empty" if p.integer else "empty"
        if inside_loop:
            # one array for every iteration, made at the function's entry from the
            # arguments' shapes and refilled by each iteration
            self.preamble.append(Assign(name, Call(alloc, tuple(sizes)), scope.src.loc(node)))
            for k, (d, size) in enumerate(zip(p.shape, sizes)):
                if d != size:  # allocated at its bound: this iteration's length kept in a name
                    length = self.names.fresh(f"{self.user_vars.get(name, name)}_len")
                    self._emit(Assign(length, d, scope.src.loc(node)))
                    self.moving_lengths.setdefault(name, [None] * p.rank)[k] = length
                    self.moving_defs[length] = d
                    self.shapes[name] = [*self.shapes[name][:k], Var(length), *self.shapes[name][k + 1:]]
                    if d in self.dim_bounds:
                        self.dim_bounds[Var(length)] = self.dim_bounds[d]
            return
        dims = [self._operand(d, "n") for d in p.shape]
        self._emit(Assign(name, Call(alloc, tuple(dims)), scope.src.loc(node)))

    def _store_slice(self, scope, target: cst.Subscript, value_node, node, op: str | None = None) -> None:
        """``x[1:] = v``, ``A[i, :] = v``, ``A[:, j] += v``: a loop storing each element."""
        # whole-array code: a parameter given as the value (th[:] = theta0) may be a
        # number or an array, as the caller passes it
        self.vectorized = True
        mask = self._mask_index(scope, target)
        if mask is not None:
            return self._store_masked(scope, target, mask, value_node, node, op)
        dest = self._view(scope, target)
        var = dest.value
        if any(d[0] in ("gather", "paired") for d in dest.view or ()):
            what = scope.src.source_of(target).strip()
            raise self._err(scope, node, f"assigning to {what} through an array of indices is not supported "
                            "(NumPy writes each repeated index once, even with +=)",
                            "loop over the indices and write each element: for k in range(...): ...")
        value = self._prepare(scope, value_node)
        reads_itself = _mentions(value, var)
        if reads_itself and op is None and value.rank != dest.rank:
            raise self._err(scope, node, f"this assignment into a slice of {var.name} reads {var.name}",
                            "compute the value into its own name first: v = ...; then assign it")
        if value.rank > dest.rank:
            if self._lenient():
                return  # (before the call, ranks may be guesses: the call decides)
            raise self._err(scope, node, f"the value has {value.rank} dimensions but the slice has {dest.rank}",
                            "assign a value of the slice's shape (or a scalar)")
        self._broadcast(scope, node, [dest, value])
        p = value if op is None else _P("op", dest.rank, dest.shape, prim=op, args=[dest, value], node=node)
        loc = scope.src.loc(node)
        if reads_itself:
            # u[1:-1] += c * (u[2:] - 2 * u[1:-1] + u[:-2]): NumPy computes the whole value
            # before it writes, so it goes into an array of its own first, then into the slice
            work = self.names.fresh(f"{self.user_vars.get(var.name, var.name)}_new")
            self._new_array(scope, work, replace(p, shape=list(dest.shape)), node)
            self._fill(scope, work, replace(p, shape=list(self._shape(work))), node)
            p = _P("array", dest.rank, list(self._shape(work)), value=Var(work), node=node)

        def body(index):
            element = self._element(scope, p, index)
            at = self._base_index(scope, dest, index)
            self._emit(Assign(var.name, Call("store", (var, *at, element)), loc))
        self._loop_nest(scope, dest.shape, body, loc)
        if var.name in self.param_names:
            self.stored_params.add(var.name)

    def _store_masked(self, scope, target: cst.Subscript, mask, value_node, node, op: str | None) -> None:
        """``v[mask] = w[mask]``, ``v[w < 0] = 0.0``, ``v[mask] *= c``: every element
        of v, the new value where the mask holds, the old one elsewhere (reads
        under the same mask see the element at the same place)."""
        var, t = self._local_array(scope, target.value)
        dest = _P("array", rank(t), list(self._shape(var.name)), value=var, node=target)
        value, keep = self._under_mask(scope, mask, value_node, rank(t))
        if _reads_other_elements(value, var, dest.rank):
            raise self._err(scope, node, f"this assignment through a mask reads elements of {var.name} other "
                            "than the one it overwrites", "compute the value into its own name first")
        if _reads_other_elements(keep, var, dest.rank):
            # NumPy computes the whole mask before it assigns (Q[np.abs(Q[:, 0]) > lim] = 0.0,
            # y[y[::-1] > 0] = 0.0): held in an array of its own, so that no element of it
            # reads what the assignment has already overwritten
            inner = keep.args[0] if keep.kind == "leading" else keep
            name = self.names.fresh("mask")
            self._new_array(scope, name, inner, node)
            self._fill(scope, name, inner, node)
            held = _P("array", inner.rank, list(self._shape(name)), value=Var(name), node=inner.node)
            keep = replace(keep, args=[held]) if keep.kind == "leading" else held
        self._broadcast(scope, node, [dest, value, keep])
        new = value if op is None else _P("op", dest.rank, dest.shape, prim=op, args=[dest, value], node=node)
        self._fill(scope, var.name, _P("where", dest.rank, dest.shape, args=[keep, new, dest], node=node), node)
        if var.name in self.param_names:
            self.stored_params.add(var.name)

    def _under_mask(self, scope, mask, node, masked_rank: int) -> tuple[_P, _P]:
        """``node`` prepared with ``x[mask]`` read as x (element by element), and
        the mask. A mask of fewer dimensions than ``x`` selects along x's first
        ones (``P[m]`` of a 2-D ``P`` and a 1-D ``m``: whole rows), so it is
        read as having length-1 axes after its own (``m[:, None]``), not
        broadcast against x's last axes. Only elementwise operations may stand
        between a masked read and what reduces or stores it: the selection is
        shorter than x, so ``np.sort(x[m])``, ``np.roll(x[m], 1)``,
        ``np.max(X[m], axis=0)`` or ``X[m] @ w`` read as x would mix in the
        elements the mask drops (a wrong value); they are refused."""
        wrong = self._not_elementwise_over_mask(scope, node)
        if wrong is not None:
            what = scope.src.source_of(wrong).strip()
            raise self._err(scope, wrong, f"{what} works on a selection by a boolean mask, whose length depends "
                            "on the data", f"keep every element with np.where(mask, x, fill) first (a fill the "
                            "operation ignores), or write the loop over the elements the mask keeps")
        saved = getattr(self, "masking", None)
        self.masking = _text(scope, mask)
        try:
            value = self._prepare(scope, node)
        finally:
            self.masking = saved
        keep = self._prepare(scope, mask)
        if keep.rank < masked_rank:
            keep = _P("leading", masked_rank, [*keep.shape, *[NEW_AXIS] * (masked_rank - keep.rank)], args=[keep],
                      node=keep.node)
        return value, keep

    def _not_elementwise_over_mask(self, scope, node):
        """The outermost part of ``node`` that does more than elementwise work
        on a masked read ``x[mask]`` inside it (a sort, a roll, a running sum,
        an axis reduction, a product), or None."""
        def masked(e) -> bool:
            return any(isinstance(n, cst.Subscript) and self._mask_index(scope, n) is not None for n in nodes(e))

        def check(e):
            if not masked(e) or (isinstance(e, cst.Subscript) and self._mask_index(scope, e) is not None):
                return None
            if isinstance(e, cst.BinaryOperation) and not isinstance(e.operator, cst.MatrixMultiply):
                parts = [e.left, e.right]
            elif isinstance(e, cst.UnaryOperation):
                parts = [e.expression]
            elif isinstance(e, cst.Comparison):
                parts = [e.left, *(c.comparator for c in e.comparisons)]
            elif isinstance(e, cst.IfExp):
                parts = [e.test, e.body, e.orelse]
            elif isinstance(e, cst.Call) and (self._elementwise_call(scope, e) is not None or self._qualified(
                    scope, e.func) in ("np.where", "np.clip", *LOGICAL_CALLS) or _converted(scope, e) is not None):
                parts = [a.value for a in e.args] + ([e.func.value] if _converted(scope, e) is not None else [])
            else:
                return e
            return next((w for w in map(check, parts) if w is not None), None)
        return check(node)

    def _masked_reduction(self, scope, node, fname: str, arg_node) -> _P | None:
        """``np.sum(w[mask] ** 2)``, ``np.mean(x[x > 0])``, ``np.max(v[m])``: the
        reduction over the elements the mask keeps, or None without a mask."""
        masks = {(_text(scope, m), r): m for m, r in self._masks_in(scope, arg_node)}
        if not masks:
            return None
        if len(masks) > 1:
            raise self._err(scope, arg_node, "the reduced value selects elements by more than one mask, or by "
                            "one mask from arrays of different ranks",
                            "select with one mask, or combine them with & into one")
        (_, masked_rank), mask = next(iter(masks.items()))
        arg, keep = self._under_mask(scope, mask, arg_node, masked_rank)
        shape = self._broadcast(scope, node, [arg, keep])
        none = {"sum": 0.0, "mean": 0.0, "prod": 1.0, "max": -math.inf, "min": math.inf}.get(fname)
        if none is None:
            raise self._err(scope, node, f"np.{fname} of a masked selection is not supported",
                            "reduce with np.sum, np.mean, np.prod, np.max or np.min")
        kept = _P("where", len(shape), shape, args=[keep, arg, _P("scalar", 0, [], value=Const(none))], node=node)
        total = self._reduction(scope, "sum" if fname == "mean" else fname,
                                lambda index: self._element(scope, kept, index), shape, node)
        if fname != "mean":
            return _P("scalar", 0, [], value=total)
        ones = _P("where", len(shape), shape, args=[keep, _P("scalar", 0, [], value=Const(1.0)),
                                                     _P("scalar", 0, [], value=Const(0.0))], node=node)
        count = self._reduction(scope, "sum", lambda index: self._element(scope, ones, index), shape, node)
        return _P("scalar", 0, [], value=self._scalar(scope, "div", (total, count), node, hint="mean"))

    def _masks_in(self, scope, node) -> list:
        """The boolean masks of the ``x[mask]`` reads inside ``node``, each with
        the rank of the array it selects from."""
        found = []

        class V(cst.CSTVisitor):
            def visit_Subscript(inner, n):
                m = self._mask_index(scope, n)
                if m is not None:
                    found.append((m, rank(self._local_array(scope, n.value)[1])))

        node.visit(V())
        return found

    def _mask_index(self, scope, node: cst.Subscript):
        """The index of ``x[mask]`` when it is a boolean array (a comparison of
        arrays, ``&``/``|``/``~`` of such, ``np.logical_*``, or a name bound to
        one), else None."""
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index) \
                or self._local_array(scope, node.value) is None:
            return None
        index = node.slice[0].slice.value
        return index if self._is_boolean_array(scope, index) else None

    def _is_boolean_array(self, scope, node) -> bool:
        if isinstance(node, cst.Name):
            return node.value in getattr(self, "mask_names", ()) and self._array_rank(scope, node) > 0
        if isinstance(node, cst.Comparison):
            return self._array_rank(scope, node) > 0
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.BitAnd, cst.BitOr)):
            # (x > 0) & (y < 0.5): a mask, and a test of numbers broadcast against it
            sides = [self._is_boolean_array(scope, node.left), self._is_boolean_array(scope, node.right)]
            tests = [self._is_boolean_array(scope, e) or (isinstance(e, cst.Comparison) and self._array_rank(
                scope, e) == 0) for e in (node.left, node.right)]
            return any(sides) and all(tests)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.BitInvert):
            return self._is_boolean_array(scope, node.expression)
        if isinstance(node, cst.Call):
            full = self._qualified(scope, node.func)
            return full in (*LOGICAL_CALLS, *ELEMENT_TESTS) and self._array_rank(scope, node) > 0
        return False

    def _vector_update(self, scope, node: cst.AugAssign, op: str) -> None:
        """``x -= step`` on an array ``x``: an elementwise update in place."""
        var, t = self._local_array(scope, node.target)
        user = node.target.value
        target = _P("array", rank(t), list(self._shape(var.name)), value=var, node=node.target)
        value = self._prepare(scope, node.value)
        others = _reads_other_elements(value, var, target.rank)
        if others and value.rank == 0:
            value = _P("scalar", 0, [], value=self._element(scope, value, []))  # x -= x[0]: read first
        elif others and value.rank <= target.rank:
            # NumPy computes the whole step before it updates (probs /= probs.sum(axis=1, keepdims=True)):
            # so does the lowering, into a work array, when the step reads other elements of the target
            work = self.names.fresh(f"{user}_step")
            self._new_array(scope, work, value, node)
            self._fill(scope, work, value, node)
            value = _P("array", value.rank, list(self._shape(work)), value=Var(work), node=node.value)
        if value.rank > target.rank:
            if self._lenient():
                return  # ranks guessed before the call (C = C0.copy(), C0's rank unseen): the call decides
            raise self._err(scope, node, f"the update has {value.rank} dimensions but {user} has {target.rank}",
                            "update with a value of the array's shape (or a scalar)")
        self._broadcast(scope, node, [target, value])
        self._fill(scope, var.name, _P("op", target.rank, target.shape, prim=op, args=[target, value],
                                       node=node), node)
        if var.name in self.param_names:
            self.stored_params.add(var.name)

    def _fill(self, scope, name: str, p: _P, node) -> None:
        """``name[i, j] = <element (i, j) of p>`` for every element."""
        loc = scope.src.loc(node)

        def body(index):
            value = self._element(scope, p, index)
            self._emit(Assign(name, Call("store", (Var(name), *index, value)), loc))

        self._loop_nest(scope, p.shape, body, loc)

    def _loop_nest(self, scope, dims: list[Expr], body, loc, box: list | None = None) -> None:
        """Loops over ``dims`` (outermost first) around ``body(index)``; with
        ``box``, over ``lo <= index < hi`` for its ``(lo, hi)`` per dimension."""
        dims = [Const(1) if d == NEW_AXIS else d for d in dims]
        for d in dims:
            self.size_params |= variables(self._dim(d)) & self.param_names
        index = [Var(self.names.fresh("ijkl"[k] if k < 4 else "i")) for k in range(len(dims))]
        bounds = box or [(Const(0), self._operand(d, "n")) for d in dims]
        saved, self.out = self.out, []
        body(index)
        block, self.out = self.out, saved
        for k in reversed(range(len(index))):
            block = [For(index[k].name, *bounds[k], Const(1), block, loc)]
        self.out.extend(block)

    # ------------------------------------------------------------ preparing

    def _prepare(self, scope, node) -> _P:
        copied = _copied_name(scope, node)
        found = None if copied is None else self._local_array(scope, copied[0])
        if found is not None and (copied[1] == "copy" or is_float_array(found[1])):
            return self._prepare(scope, copied[0])  # x0.copy() + x0: inside an expression, x0's values
        filled = self._filled_call(scope, node)
        if filled is not None:
            return self._filled(scope, node, filled)
        converted = _converted(scope, node)
        if converted is not None:
            inner = self._prepare(scope, converted)
            if node.func.attr.value == "copy" or inner.rank == 0:
                return inner  # the same values (a copy, which nothing can write through here)
            if inner.kind == "op" and inner.prim in COMPARISONS:  # a test's 1.0 / 0.0
                one, zero = (_P("scalar", 0, [], value=Const(v)) for v in (1.0, 0.0))
                return _P("where", inner.rank, inner.shape, args=[inner, one, zero], node=node)
            return replace(inner, integer=False)  # ints as floats: the values, in a float array where named
        like = self._qualified(scope, node.func) if isinstance(node, cst.Call) else None
        if like in _LIKE:
            return self._filled_like(scope, node, like[3:-5])
        if not self._is_vector(scope, node) and not isinstance(node, cst.Name):
            value = self._expr(scope, node)
            t = self._array_of(value)  # what a function of the file returned
            if t is not None:
                return _P("array", rank(t), list(self._shape(value.name)), value=value, node=node)
            return _P("scalar", 0, [], value=value)
        if isinstance(node, cst.Name):
            found = self._local_array(scope, node)
            if found is None:
                return _P("scalar", 0, [], value=self._expr(scope, node))
            var, t = found
            return _P("array", rank(t), list(self._shape(var.name)), value=var, node=node, integer=_ints(t))
        if isinstance(node, cst.Subscript):
            return self._view(scope, node)
        if isinstance(node, cst.Attribute) and node.attr.value == "T":
            inner = self._prepare(scope, node.value)
            if inner.rank == 1:
                return inner  # NumPy: the transpose of a 1-D array is itself
            if inner.rank == 0 and self._lenient():
                return inner
            if inner.kind != "array" or inner.rank != 2:
                raise self._err(scope, node, ".T is supported on 2-D arrays (and names of arrays)",
                                "name the value first (B = ...), then use B.T")
            return replace(inner, transposed=not inner.transposed, shape=inner.shape[::-1], node=node)
        if isinstance(node, cst.UnaryOperation):
            inner = self._prepare(scope, node.expression)
            if isinstance(node.operator, cst.Plus):
                return inner
            if isinstance(node.operator, cst.Minus):
                return _P("op", inner.rank, inner.shape, prim="neg", args=[inner], node=node, integer=inner.integer)
            if isinstance(node.operator, cst.BitInvert) and self._is_boolean_array(scope, node.expression):
                return _P("op", inner.rank, inner.shape, prim="not", args=[inner], node=node)
            raise self._err(scope, node.operator, "this operator is not supported on arrays",
                            "use - or np.logical_not(...) inside np.where")
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.MatrixMultiply):
                return self._matmul(scope, node, node.left, node.right)
            op = BINARY_OPS.get(type(node.operator))
            if isinstance(node.operator, (cst.BitAnd, cst.BitOr)) and self._is_boolean_array(scope, node):
                op = "and" if isinstance(node.operator, cst.BitAnd) else "or"  # masks, element by element
            if op is None:
                raise self._err(scope, node.operator, "this operator is not supported on arrays",
                                "use + - * / // % ** and @")
            return self._elementwise(scope, node, op, [node.left, node.right])
        if isinstance(node, cst.Comparison):
            if len(node.comparisons) != 1:
                raise self._err(scope, node, "chained comparisons of arrays are not supported",
                                "compare two values at a time")
            op = COMPARE_OPS.get(type(node.comparisons[0].operator))
            if op is None:
                raise self._err(scope, node, "this comparison is not supported on arrays",
                                "compare with < <= > >= == !=")
            return self._elementwise(scope, node, op, [node.left, node.comparisons[0].comparator])
        if isinstance(node, cst.Call) and (self._qualified(scope, node.func) in (*_SAME_RANK, "np.clip", "np.var",
                                                                                   "np.std", "np.expand_dims")
                                           or self._clip_method(scope, node) or self._spread_method(scope, node)):
            # np.diff(x): x[1:] - x[:-1]; np.clip(x, None, hi): np.minimum(x, hi); x.clip(lo, hi);
            # np.var(X, axis=0) and X.std(1): sums of squared deviations
            rewritten = self._rewritten(scope, node)
            if rewritten is not None:
                return self._prepare(scope, rewritten)
            if self._clip_method(scope, node):  # x.clip(lo, hi), both bounds given
                return self._elementwise(scope, node, "clip", [node.func.value, *(a.value for a in node.args)])
        if isinstance(node, cst.Call):
            logical = LOGICAL_CALLS.get(self._qualified(scope, node.func) or "")
            if logical is not None and self._is_boolean_array(scope, node):
                return self._elementwise(scope, node, logical, [a.value for a in node.args])
            if self._qualified(scope, node.func) == "np.interp" and self._array_rank(scope, node) > 0:
                return self._interp_points(scope, node)
            if self._qualified(scope, node.func) == "np.convolve":
                return self._convolve(scope, node)
            found = self._vector_function(scope, node)
            if found is not None:
                return self._vector_call(scope, node, *found)
            prim = self._elementwise_call(scope, node)
            if prim == "sqrt" and len(node.args) == 1 and sum_of_squares(node.args[0].value, scope.src.source_of,
                                                                         dots=False):
                prim = "norm_root"  # a norm per element (np.sqrt(dx * dx + dy * dy)): a kink at 0
            if prim is not None:
                return self._elementwise_prim(scope, node, prim)
            if self._array_rank(scope, node) == 0:
                return _P("scalar", 0, [], value=self._expr(scope, node))
        if isinstance(node, cst.IfExp):
            return self._chosen_array(scope, node)
        if isinstance(node, cst.BooleanOperation):
            raise self._err(scope, node, "and/or on arrays are not supported (NumPy cannot take an array's "
                            "truth value)", "use np.logical_and / np.logical_or, or np.where(condition, a, b)")
        raise self._err(scope, node, "this expression is not supported on arrays",
                        "use elementwise operators, np functions, np.where, reductions and @")

    def _chosen_array(self, scope, node: cst.IfExp) -> _P:
        """``a * 2.0 if c > 0 else b``: the array of the branch the scalar
        test picks, built element by element as ``np.where(c > 0, a * 2.0,
        b)`` builds it (each element reads only the branch chosen).  Both
        branches must be arrays of the same shape: Python would hand back
        either one as it is, a scalar included."""
        if self._array_rank(scope, node.test):
            raise self._err(scope, node.test, "the condition of a conditional expression is an array (NumPy "
                            "cannot take its truth value)", "use np.where(condition, a, b) for a choice per element")
        ranks = [self._operand_rank(scope, branch) for branch in (node.body, node.orelse)]
        if ranks[0] != ranks[1] and self._lenient():
            return _P("scalar", 0, [], value=Const(0.0))  # ranks guessed before the call: the call decides
        if ranks[0] != ranks[1]:
            for branch, r in zip((node.body, node.orelse), ranks):
                if r == 0 and isinstance(branch, cst.Call):
                    self._expr(scope, branch)  # a call nsadc refuses says so itself (np.linalg.solve(M, b))
            raise self._err(scope, node, "one branch of this conditional expression is an array and the other "
                            f"{'a scalar' if 0 in ranks else 'an array of another rank'}",
                            "give both branches the same shape (np.full_like(a, 0.0) for a constant), or "
                            "use np.where(condition, a, b), which broadcasts")
        self._check_chosen_names(scope, node)
        parts = [self._prepare(scope, part) for part in (node.test, node.body, node.orelse)]
        shape = self._broadcast(scope, node, parts)
        return _P("where", len(shape), shape, args=parts, node=node)

    def _check_chosen_names(self, scope, node: cst.IfExp) -> None:
        """Refuse ``v = a if c else b`` (a branch an array's name or a view of
        it) where anything writes through ``v``, ``a`` or ``b``: Python's ``v``
        is the array itself, nsadc's a copy of its values."""
        bases = []
        for branch in (node.body, node.orelse):
            while isinstance(branch, cst.Subscript) or (isinstance(branch, cst.Attribute) and branch.attr.value == "T"):
                branch = branch.value
            if isinstance(branch, cst.Name) and self._local_array(scope, branch) is not None:
                bases.append(branch.value)
        if not bases:
            return  # both branches compute new arrays
        parent = scope.src.parents.get(node)
        target = parent.targets[0].target if isinstance(parent, cst.Assign) and len(parent.targets) == 1 else None
        names = set(bases) | ({target.value} if isinstance(target, cst.Name) else set())
        written = names & written_arrays(scope.node, scope.src.functions)
        if written or (target is not None and not isinstance(target, cst.Name)):
            what = scope.src.source_of(node).strip()
            raise self._err(scope, node, f"{what} hands back one of the arrays {', '.join(sorted(set(bases)))} "
                            f"itself, and the code writes through {', '.join(sorted(written)) or 'it'}: a second "
                            "name for an array is not supported", "take a copy in each branch (a.copy() if c "
                            "else b.copy()), or np.where(c, a, b), which is one")

    def _view(self, scope, node: cst.Subscript) -> _P:
        """``x[1:]``, ``A[i, :]``, ``A[:, j]``, ``x[::-1]``: a basic slice, read in place."""
        if not isinstance(node.value, cst.Name):
            # x[idx][:3], X[::-1][idx]: what is indexed first is computed into an array of its own
            held = self._vector(scope, node.value)
            name = self.names.fresh("indexed")
            scope.locals.add(name)
            scope.rename[name] = held
            if self._of_a_new_array(scope, node.value):
                self.__dict__.setdefault("made_arrays", set()).add(name)
            inner = node.with_changes(value=cst.Name(name))
            scope.src.positions.setdefault(inner, scope.src.positions.get(node))
            scope.src.positions.setdefault(inner.value, scope.src.positions.get(node.value))
            scope.src.parents.setdefault(inner, scope.src.parents.get(node))
            return self._view(scope, inner)
        mask = self._mask_index(scope, node)
        if mask is not None:
            if getattr(self, "masking", None) == _text(scope, mask):
                return self._prepare(scope, node.value)  # element i of x where mask[i] holds
            what = scope.src.source_of(node).strip()
            raise self._err(scope, node, f"{what} selects elements by a boolean mask: its length depends on "
                            "the data", f"reduce it directly (np.sum({what}), np.max({what})), assign through "
                            f"the same mask (v[{_text(scope, mask)}] = ...), or keep every element with "
                            f"np.where({_text(scope, mask)}, {scope.src.source_of(node.value).strip()}, 0.0)")
        var, t = self._local_array(scope, node.value)
        r = rank(t)
        paired = self._paired_indices(scope, node, var, t)
        if paired is not None:
            return paired
        gathers = self._gathers(scope, node)
        used = [el for el in node.slice if not _new_axis(el)]
        if len(used) > r:
            raise self._rank_err(scope, node, f"{var.name} has {r} dimension{'s' if r != 1 else ''} but is "
                                 f"indexed with {len(used)}", "index each dimension once")
        base = self._shape(var.name)
        view, shape = [], []
        elements = list(node.slice) + [None] * (r - len(used))
        d = -1
        for item in elements:
            if item is not None and _new_axis(item):
                view.append(("new",))  # x[:, None]: an axis of length 1, stretched by broadcasting
                shape.append(NEW_AXIS)
                continue
            d += 1
            el = item.slice if item is not None else cst.Slice(lower=None, upper=None)
            if isinstance(el, cst.Index):
                i = self._expr(scope, el.value)
                if self._array_of(i) is not None:
                    what = scope.src.source_of(el.value).strip()
                    why = ("is not a 1-D array of ints" if item not in gathers else
                           "is one of several index arrays (NumPy pairs their entries)" if len(gathers) > 1 else
                           "is set apart from the integer indices by a slice (NumPy moves its dimension first)"
                           if not self._gather_in_place(node, item) else None)
                    if why is not None:
                        raise self._err(scope, el, f"{what} indexes {scope.src.source_of(node.value).strip()} "
                                        f"as an array of indices (NumPy's fancy indexing), but {why}: "
                                        "not supported", f"loop over it: for k in range({as_operand(what)}.shape[0]), "
                                        f"reading {_text(scope, node.value)}[{as_operand(what)}[k], ...]")
                    view.append(("gather", i))  # U[rows]: row rows[k] of U as row k
                    shape.append(self._shape(i.name)[0])
                    continue
                if isinstance(i, Const) and isinstance(i.value, int) and i.value < 0:
                    i = self._operand(Call("add", (base[d], i)), "at")
                view.append(("at", i))
                continue
            start, step, length = self._slice(scope, el, base[d])
            # the length of the arguments' dimension that bounds this one (a slice of a slice
            # that moves with the loop is bounded by what bounds the first)
            bound = base[d] if not variables(base[d]) - self.param_names else \
                self.dim_bounds[base[d]][0] if base[d] in self.dim_bounds else None
            if variables(length) - self.param_names and bound is not None and abs(step.value) == 1:
                # a slice is at most its dimension's length (its bounds wrapped and clamped as
                # Python does); the same slice (by its bounds, as integer expressions of loop
                # variables and arguments) of an equal dimension is as long
                bounds = tuple(self._int_expr(scope, b) if b is not None else Const(-1) for b in (el.lower, el.upper))
                self.dim_bounds[length] = (bound, None if None in bounds or step != Const(1) else bounds)
            view.append(("range", start, step))
            shape.append(length)
        return _P("array", len(shape), shape, value=var, node=node, view=view, integer=_ints(t))

    def _paired_indices(self, scope, node: cst.Subscript, var: Var, t: str) -> _P | None:
        """``Z[rows, cols]``, ``Z[np.arange(n), y]``: an index per dimension, two
        or more of them 1-D arrays of ints (the others numbers): NumPy pairs
        the arrays' entries, element k is ``Z[rows[k], cols[k]]``.  None for
        any other subscript."""
        items = list(node.slice)
        if len(items) != rank(t) or any(not isinstance(el.slice, cst.Index) or _new_axis(el) for el in items):
            return None
        ranked = [self._array_rank(scope, el.slice.value) for el in items]
        if sum(1 for r in ranked if r > 0) < 2:
            return None
        base = self._shape(var.name)
        view, length = [], None
        for el, r, dim in zip(items, ranked, base):
            if r == 0:
                i = self._expr(scope, el.slice.value)
                if isinstance(i, Const) and isinstance(i.value, int) and i.value < 0:
                    i = self._operand(Call("add", (dim, i)), "at")
                view.append(("at", i))
                continue
            p = self._prepare(scope, el.slice.value)
            if p.rank != 1 or not (p.integer or self._lenient()):
                what = scope.src.source_of(el.slice.value).strip()
                raise self._err(scope, el, f"{what} indexes {scope.src.source_of(node.value).strip()} beside "
                                "other arrays of indices, but is not a 1-D array of ints: not supported",
                                f"loop over the entries: for k in range(n), reading "
                                f"{scope.src.source_of(node.value).strip()}[rows[k], cols[k]]")
            if length is None:
                length = p.shape[0]
            else:
                self._same_dim(scope, node, length, p.shape[0])
            view.append(("paired", p))
        return _P("array", 1, [length], value=var, node=node, view=view, integer=_ints(t))

    def _slice(self, scope, el: cst.Slice, n: Expr) -> tuple[Expr, Expr, Expr]:
        """``(start, step, length)`` of ``a:b:c`` on a dimension of size ``n``,
        with Python's rules for omitted and negative bounds (bounds are clamped)."""
        step = Const(1) if el.step is None else self._expr(scope, el.step)
        if not (isinstance(step, Const) and isinstance(step.value, int) and step.value != 0):
            raise self._err(scope, el, "a slice step must be a nonzero integer constant", "write x[::2] or x[::-1]")
        k = step.value

        def bound(node, default):
            if node is None:
                return default
            b = self._dim(self._expr(scope, node))  # in terms of the arguments, for the shape checks
            never_negative = b.value >= 0 if isinstance(b, Const) else self._never_negative_bound(scope, node)
            if isinstance(b, Const) and isinstance(b.value, int) and b.value < 0:
                b = Call("add", (n, b))
            elif not never_negative:
                # a bound that may be negative counts from the end, as in Python (x[t - w:t] at t < w)
                b = Call("select", (Call("lt", (b, Const(0))), Call("add", (b, n)), b))
            # clamp into [0, n] (or [-1, n - 1] for a negative step), as Python does
            lo, hi = (Const(0), n) if k > 0 else (Const(-1), Call("sub", (n, Const(1))))
            if never_negative and k > 0:
                return Call("min", (b, hi))
            return Call("min", (Call("max", (b, lo)), hi))

        inside = self._slice_inside(scope, el, n) if k == 1 else None
        if inside is not None:  # x[t:t + w] where the loops keep it inside x: w elements
            return self._expr(scope, el.lower), step, inside
        if k > 0:
            start, stop = bound(el.lower, Const(0)), bound(el.upper, n)
            span = Call("sub", (stop, start))
        else:
            start = bound(el.lower, Call("sub", (n, Const(1))))
            stop = bound(el.upper, Const(-1))
            span = Call("sub", (start, stop))
        if abs(k) != 1:
            span = Call("floordiv", (Call("add", (span, Const(abs(k) - 1))), Const(abs(k))))
        length = span if el.lower is None and el.upper is None and abs(k) == 1 else Call("max", (span, Const(0)))
        # the length stays an expression of the arguments (for the shape checks); the
        # start is computed once, before the loops that read the slice
        return self._operand(start, "start"), step, _simplify(length)

    def _slice_inside(self, scope, el: cst.Slice, n: Expr) -> Expr | None:
        """The length of ``x[a:b]`` when it is an expression of the arguments
        and the enclosing loops' ranges keep ``0 <= a`` and ``b <= n`` for every
        value their variables take (``for t in range(0, n - w + 1, hop)``:
        ``x[t:t + w]`` has w elements in every iteration), else None."""
        if el.lower is None or el.upper is None:
            return None
        lo, hi = self._int_expr(scope, el.lower), self._int_expr(scope, el.upper)
        forms = [None if e is None else affine(e, {}) for e in (lo, hi, self._dim(n))]
        if any(f is None for f in forms):
            return None
        lo_f, hi_f, n_f = forms
        length = affine_sum(hi_f, lo_f, -1)
        if any(atom is not None and self._loop_atom(atom) for atom in length):
            return None
        if not (self._least(lo_f) >= 0 and self._least(affine_sum(n_f, hi_f, -1)) >= 0
                and self._least(length) >= 0):
            return None
        return affine_expr(length)

    def _never_negative_bound(self, scope, b) -> bool:
        """Whether the slice bound ``b`` is an integer expression the loops'
        ranges keep at 0 or more (a negative one counts from the end)."""
        e = self._int_expr(scope, b)
        form = affine(e, {}) if e is not None else None
        return form is not None and self._least(form) >= 0

    def _loop_atom(self, atom) -> bool:
        return isinstance(atom, Var) and (atom.name in self.loop_ranges or not (
            atom.name in self.param_names and self.arrays.get(atom.name) is None))

    def _least(self, form: dict) -> float:
        """A lower bound of an affine form over the loop ranges: a number where
        the loop variables' extremes cancel every other atom, else -inf."""
        out: dict = {}
        for atom, c in form.items():
            if isinstance(atom, Var) and atom.name in self.loop_ranges:
                first, last = self.loop_ranges[atom.name]
                end = affine(first if c > 0 else last, {})
                if end is None:
                    return -math.inf
                out = affine_sum(out, {a: c * v for a, v in end.items()}, 1)
            else:
                out = affine_sum(out, {atom: c}, 1)
        if any(atom is not None for atom in out):
            return -math.inf
        return out.get(None, 0)

    def _int_expr(self, scope, node) -> Expr | None:
        """An integer expression of the source (names, int constants, ``+ - *``,
        ``x.shape[k]``) in terms of the arguments' shapes, int arguments and
        loop variables, without emitting code; None for anything else."""
        if isinstance(node, cst.BinaryOperation):
            prim = {cst.Add: "add", cst.Subtract: "sub", cst.Multiply: "mul"}.get(type(node.operator))
            a, b = self._int_expr(scope, node.left), self._int_expr(scope, node.right)
            return None if prim is None or a is None or b is None else Call(prim, (a, b))
        if isinstance(node, cst.Integer):
            return Const(int(node.value))
        if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Attribute) \
                and node.value.attr.value == "shape" and isinstance(node.value.value, cst.Name) \
                and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index) \
                and isinstance(node.slice[0].slice.value, cst.Integer):
            found = self._local_array(scope, node.value.value)
            if found is None:
                return None
            k = int(node.slice[0].slice.value.value)
            dims = self._shape(found[0].name)
            return self._dim_value(scope, dims[k]) if k < len(dims) else None
        if isinstance(node, cst.Name):
            cur = scope.rename.get(node.value)
            if isinstance(cur, Const):
                return cur if isinstance(cur.value, int) and not isinstance(cur.value, bool) else None
            if isinstance(cur, Var) and cur.name in self.loop_ranges:
                return cur
            if isinstance(cur, Var):
                return self._dim_value(scope, cur)
            value = self._expr(scope, node) if node.value not in scope.locals else None
            return value if isinstance(value, Const) and isinstance(value.value, int) \
                and not isinstance(value.value, bool) else None
        return None

    def _elementwise(self, scope, node, prim: str, operands: list) -> _P:
        parts = [self._prepare(scope, a) for a in operands]
        shape = self._broadcast(scope, node, parts)
        # an operand whose elements each cost a loop (a reduction along an axis), stretched along an
        # axis of the result (Z - Z.max(axis=1, keepdims=True)), is computed once, not once per position
        parts = [self._computed_once(scope, p, node) if _costly(p) and _stretched(p, shape) else p for p in parts]
        # integer arithmetic of int arrays and int constants stays int (counts + 1, an offset table)
        integer = prim in _INT_OPS and any(p.integer for p in parts) and all(
            p.integer or (p.kind == "scalar" and p.rank == 0 and self._int_scalar(p.value)) for p in parts)
        return _P("op", len(shape), shape, prim=prim, args=parts, node=node, integer=integer)

    def _int_scalar(self, value: Expr | None) -> bool:
        """An int constant, or an int argument the function never rebinds."""
        if isinstance(value, Const):
            return type(value.value) is int
        return isinstance(value, Var) and value.name in self.int_params

    def _elementwise_prim(self, scope, node: cst.Call, prim: str) -> _P:
        for a in node.args:
            if a.keyword is not None or a.star:
                raise self._err(scope, a, f"keyword and starred arguments to {prim} are not supported",
                                "pass the arguments by position")
        lo, hi = RULES[prim].arity
        if len(node.args) < lo or (hi is not None and len(node.args) > hi):
            raise self._err(scope, node, f"{scope.src.source_of(node.func).strip()}() takes "
                            f"{lo}{'' if lo == hi else ' or more'} arguments", "check the call")
        return self._elementwise(scope, node, prim, [a.value for a in node.args])

    def _params_behind(self, names: set[str], arrays: bool = False) -> set[str]:
        """The number parameters that ``names`` were computed from (abs_b = abs(b));
        with ``arrays``, the array parameters whose elements they were computed
        from instead (x_0 = X[0])."""
        defs = {s.target: s.value for s in walk(self.out) if isinstance(s, Assign)}
        seen, todo = set(), list(names)
        while todo:
            v = todo.pop()
            if v in seen:
                continue
            seen.add(v)
            if v in defs and v not in self.param_names:
                todo += variables(defs[v])
        return {v for v in seen if v in self.param_names and (v in self.arrays) == arrays}

    def _broadcast(self, scope, node, parts: list[_P]) -> list[Expr]:
        """The shape of an elementwise result: NumPy rank broadcasting, each
        dimension the same in every operand that has it."""
        r = max(p.rank for p in parts)
        if r > 0 and self.static:  # a number here, but the call may pass an array of the same shape
            names = {name for p in parts if p.rank == 0 for name in _scalar_names(p)}
            self.__dict__.setdefault("broadcast_params", set()).update(self._params_behind(names))
            # X[0] read as a number beside an array: the code shows only that X has at least one
            # dimension, and X[0] of a matrix is a row, so that guess decides what the code computes
            self.rank_guessed.update(self._params_behind(names, arrays=True) & self.rank_at_least)
        shape: list[Expr | None] = [None] * r
        for p in parts:
            for k, dim in enumerate(p.shape):
                at = r - p.rank + k
                # a new axis, or an axis of length 1 as written (a reduction's kept axis), stretches
                if shape[at] is None or shape[at] in _STRETCHED:
                    shape[at] = dim
                elif dim not in _STRETCHED:
                    self._same_dim(scope, node, shape[at], dim)
        return shape  # type: ignore[return-value]

    def _same_dim(self, scope, node, a: Expr, b: Expr) -> None:
        """Require two dimensions to be equal: known equal, refused when
        known different, else a check on the arguments before each call."""
        a, b = self._dim(a), self._dim(b)
        if a == b or self._as_sliced(a) == self._as_sliced(b):
            return
        text = scope.src.source_of(node).strip()
        where = f"{text} ({scope.src.loc(node)})"
        if isinstance(a, Const) and isinstance(b, Const):
            raise self._err(scope, node, f"the operands' shapes do not match ({a.value} != {b.value})",
                            "NumPy's size-1 broadcasting is not supported: make the shapes equal")
        params = self.param_names
        ba, bb = self.dim_bounds.get(a), self.dim_bounds.get(b)
        if ba is not None and bb is not None and ba[1] is not None and ba[1] == bb[1]:
            # the same slice of two dimensions (labels[i + 1:] beside Z[i + 1:]): equal where they are
            return self._same_dim(scope, node, ba[0], bb[0])
        if (variables(a) | variables(b)) - params:  # (a slice up to a loop's index: L[i, :i] @ y[:i])
            return self._checked_in_code(scope, node, a, b)
        check = (a, b, where)
        if check not in self.shape_checks:
            self.shape_checks.append(check)

    def _checked_in_code(self, scope, node, a: Expr, b: Expr) -> None:
        """Two dimensions computed inside the function, compared where the
        code reaches the operands, before any element is read: NumPy's
        ValueError where they differ (the arguments alone do not say)."""
        differ = self._operand(Call("ne", (a, b)), "shapes_differ")  # (int arithmetic: a test, never differentiated)
        at = str(scope.src.loc(node)).replace("\\", "/").replace('"', "'")
        failed = Raw(f'raise ValueError("operands could not be broadcast together at {at}")', raises=True)
        product = (isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.MatrixMultiply)) or (
            isinstance(node, cst.Call) and (self._vector_function(scope, node) or ("",))[0] in ("dot", "matmul"))
        if product:  # (a product's lengths must match: NumPy broadcasts no length of 1 there)
            self._emit(If(differ, [failed], [], scope.src.loc(node)))
            return
        # a length of 1 NumPy would broadcast (D[:, k:k + 1] + D[k:k + 1, :]): nsadc's limit, said as such;
        # tested only where the lengths differ (the check runs where the code reaches the operands)
        saved, self.out = self.out, []
        ones = self._operand(Call("or", (Call("eq", (a, Const(1))), Call("eq", (b, Const(1))))), "length_one")
        which, self.out = self.out, saved
        unbroadcast = Raw(f'raise ValueError("nsadc does not broadcast a length of 1 that the code computes, as '
                          f'NumPy does, at {at}: index the element and add the axis with None (D[:, k][:, None])")',
                          raises=True)
        self._emit(If(differ, [*which, If(ones, [unbroadcast], [failed], scope.src.loc(node))], [],
                      scope.src.loc(node)))

    def _as_sliced(self, e: Expr, depth: int = 8) -> Expr:
        """``e`` with each moving length's name replaced by the slice's length
        it holds (``r = hist[::-1]`` is as long as ``hist = x[t - w:t]``)."""
        if isinstance(e, Var) and e.name in self.moving_defs and depth > 0:
            return self._as_sliced(self.moving_defs[e.name], depth - 1)
        if isinstance(e, Call):
            return Call(e.prim, tuple(self._as_sliced(a, depth) for a in e.args))
        return e

    def _shape(self, name: str) -> list[Expr]:
        if name in self.shapes:
            return self.shapes[name]
        return [Call("shape", (Var(name), Const(k))) for k in range(rank(self.arrays[name]))]

    def _note_dim(self, scope, name: str, value: Expr) -> None:
        """Remember that ``name`` stands for an argument dimension (``n = x.shape[0]``)
        when the function binds it once; forget it otherwise."""
        self.dim_alias.pop(name, None)
        dim = self._dim_value(scope, value)
        if dim is not None \
                and bindings(scope.node, self.user_vars.get(name, name))[0] == 1:
            self.dim_alias[name] = dim

    def _dim_value(self, scope, value: Expr) -> Expr | None:
        """``value`` as an int expression of the arguments (their shapes and the
        int arguments the function never reassigns), or None."""
        if isinstance(value, Const):
            return value if isinstance(value.value, int) and not isinstance(value.value, bool) else None
        if isinstance(value, Var):
            if value.name in self.dim_alias:
                return self.dim_alias[value.name]
            if value.name in self.param_names and self.arrays.get(value.name) is None \
                    and bindings(scope.node, value.name)[0] == 1 and scope is self.entry:
                return value
            return None
        if isinstance(value, Call) and value.prim == "shape":
            return value
        if isinstance(value, Call) and value.prim in ("add", "sub", "mul", "floordiv", "mod", "copy"):
            args = [self._dim_value(scope, a) for a in value.args]
            if all(a is not None for a in args):
                return args[0] if value.prim == "copy" else Call(value.prim, tuple(args))
        if isinstance(value, Call) and value.prim == "neg":  # x[:-w]
            arg = self._dim_value(scope, value.args[0])
            if isinstance(arg, Const):
                return Const(-arg.value)
            return None if arg is None else Call("sub", (Const(0), arg))
        return None

    def _dim(self, e: Expr, depth: int = 8) -> Expr:
        """A dimension, with names that stand for one argument shape replaced by
        it, and the shape of an array the function made by that array's own
        dimension (``B_2.shape[0]`` of ``B_2 = B.copy()`` is ``B.shape[0]``)."""
        if isinstance(e, Var) and e.name in self.dim_alias:
            return self._dim(self.dim_alias[e.name], depth - 1) if depth > 0 else self.dim_alias[e.name]
        if depth > 0 and isinstance(e, Call) and e.prim == "shape" and isinstance(e.args[0], Var) \
                and isinstance(e.args[1], Const) and e.args[0].name in self.shapes \
                and e.args[0].name not in self.param_names:
            dims = self.shapes[e.args[0].name]
            if e.args[1].value < len(dims) and dims[e.args[1].value] != e:
                return self._dim(dims[e.args[1].value], depth - 1)
        if depth > 0 and isinstance(e, Call) and e.prim in ("add", "sub", "mul", "floordiv"):
            return Call(e.prim, tuple(self._dim(a, depth - 1) for a in e.args))  # np.zeros(n - 1), n = v.shape[0]
        return e

    # ------------------------------------------------------------ calls

    def _vector_call(self, scope, node, name: str, args: list, kwargs: dict) -> _P:
        if name == "linspace":
            return self._linspace(scope, node, args, kwargs)
        if name in ("any", "all"):
            return self._any_or_all(scope, node, name, args, kwargs)
        if name in REDUCTIONS and "keepdims" in kwargs:
            return self._kept_dims(scope, node, name, args, kwargs)
        if REDUCTIONS.get(name) in ("max", "min") and "initial" in kwargs:
            return self._prepare(scope, self._with_initial(scope, node, REDUCTIONS[name]))
        for k in kwargs:
            if k not in ("axis", "ord", "newshape", "shape") and (name, k) != ("sort", "kind") \
                    and name != "sort_in_place":
                raise self._err(scope, node, f"the keyword {k}= is not supported here",
                                "pass axis= for reductions, ord= for norms")
        if name in ("dot", "matmul"):
            if len(args) != 2:
                raise self._err(scope, node, f"{name} takes two arrays", "write np.dot(a, b) or a @ b")
            return self._matmul(scope, node, *args)
        if name == "outer":
            a, b = (self._prepare(scope, x) for x in args)
            if (a.rank != 1 or b.rank != 1) and self._lenient():
                return self._elementwise(scope, node, "mul", args)
            if a.rank != 1 or b.rank != 1:
                raise self._err(scope, node, "np.outer is supported on two 1-D arrays",
                                "pass 1-D arrays")
            return _P("outer", 2, [a.shape[0], b.shape[0]], args=[a, b], node=node)
        if name == "where":
            if len(args) != 3:
                raise self._err(scope, node, "np.where takes a condition and two values",
                                "write np.where(x > 0, x, 0.0)")
            parts = [self._prepare(scope, x) for x in args]
            shape = self._broadcast(scope, node, parts)
            p = _P("where", len(shape), shape, args=parts, node=node)
            if p.rank == 0:
                return _P("scalar", 0, [], value=self._element(scope, p, []))
            return p
        if name == "norm":
            return self._norm(scope, node, args, kwargs)
        if name in ("eye", "identity", "arange"):
            return self._index_array(scope, node, name, args)
        if name == "copy":
            return self._prepare(scope, args[0])  # a new array when it is given a name
        if name == "array":
            return self._array_literal(scope, node, args, kwargs)
        if name in ("concatenate", "stack"):
            return self._join(scope, node, name, args, kwargs)
        if name in ("reshape", "ravel"):
            return self._reshape(scope, node, name, args, kwargs)
        if name == "sort":
            return self._sort(scope, node, args, kwargs)
        if name == "argsort":
            return self._argsort(scope, node, args, kwargs)
        if name == "roll":
            return self._roll(scope, node, args, kwargs)
        if name == "sort_in_place":
            what = scope.src.source_of(args[0]).strip()
            raise self._err(scope, node, f"{what}.sort() sorts {what} in place, which is not supported",
                            f"sort into a new array: y = np.sort({what})")
        if name in ("accumulate_maximum", "accumulate_minimum"):
            what = f"np.{name.split('_')[1]}.accumulate"
            if len(args) != 1 or set(kwargs) - {"axis"}:
                raise self._err(scope, node, f"{what} takes one array (and axis=)", f"write {what}(x)")
            arg = self._prepare(scope, args[0])
            axis = self._axis(scope, name, kwargs["axis"], arg.rank) if "axis" in kwargs else 0
            if axis is None:
                raise self._err(scope, node, f"{what} with axis=None is not supported", f"write {what}(x.ravel())")
            prim, start = ("max", -math.inf) if name == "accumulate_maximum" else ("min", math.inf)
            return self._running(scope, node, arg, axis, prim, Const(start), what)
        if name in ("argmax", "argmin", "cumsum", "cumprod"):
            if len(args) != 1:
                raise self._err(scope, node, f"np.{name} takes one array (and axis=)",
                                f"write np.{name}(x) or np.{name}(A, axis=1)")
            arg = self._prepare(scope, args[0])
            if arg.rank == 0 and name not in ("cumsum", "cumprod"):
                return _P("scalar", 0, [], value=Const(0))
            axis = self._axis(scope, name, kwargs.get("axis"), arg.rank)
            if name == "cumsum":
                return self._running(scope, node, arg, axis, "add", Const(0.0), "np.cumsum")
            if name == "cumprod":  # the running product as a loop: no division by an entry in the reverse
                return self._running(scope, node, arg, axis, "mul", Const(1.0), "np.cumprod")
            return self._arg_extreme(scope, node, name, arg, axis)
        if len(args) != 1:
            raise self._err(scope, node, f"np.{name} takes one array (and axis=)",
                            f"write np.{name}(x) or np.{name}(x, axis=0)")
        if "axis" not in kwargs and name in REDUCTIONS:
            masked = self._masked_reduction(scope, node, REDUCTIONS[name], args[0])
            if masked is not None:
                return masked
        arg = self._prepare(scope, args[0])
        if arg.rank == 0 and self._lenient():
            return arg  # ranks guessed before the call: lowered again with the arguments' ranks
        if arg.rank == 0:
            raise self._err(scope, node, f"{name}() of a scalar", "reduce an array")
        fname = REDUCTIONS[name]
        # a sum, product, max or min of ints (or of a mask: a count) is an int, exact, usable as an index
        integer = arg.integer or self._is_boolean_array(scope, args[0])
        if "axis" not in kwargs:
            value = self._reduction(scope, fname, lambda index: self._element(scope, arg, index),
                                    arg.shape, node, integer)
            return _P("scalar", 0, [], value=value, integer=integer and fname != "mean")
        if isinstance(kwargs["axis"], cst.Tuple):
            return self._reduced_over_axes(scope, node, fname, arg, kwargs["axis"], integer)
        axis = self._const_int(scope, kwargs["axis"])
        if not -arg.rank <= axis < arg.rank:
            if not self._lenient():
                raise self._err(scope, kwargs["axis"], f"axis {axis} is out of range for a {arg.rank}-D array",
                                f"use an axis from 0 to {arg.rank - 1}")
            axis = arg.rank - 1
        axis %= arg.rank
        if arg.rank == 1:
            value = self._reduction(scope, fname, lambda index: self._element(scope, arg, index),
                                    arg.shape, node, integer)
            return _P("scalar", 0, [], value=value, integer=integer and fname != "mean")
        shape = arg.shape[:axis] + arg.shape[axis + 1:]
        return _P("reduce", arg.rank - 1, shape, prim=fname, args=[arg], node=node, axis=axis,
                  integer=integer and fname != "mean")

    def _reduced_over_axes(self, scope, node, fname: str, arg: _P, axes_node: cst.Tuple, integer: bool) -> _P:
        """``np.sum(A, axis=(1, 2))``: one reduction over all the positions of
        the axes named, for each position of the others (a max's tied entries
        share its derivative across the whole group, as NumPy's one reduction)."""
        axes = [self._const_int(scope, e.value) for e in axes_node.elements]
        if any(not -arg.rank <= a < arg.rank for a in axes) or len({a % arg.rank for a in axes}) != len(axes):
            raise self._rank_err(scope, axes_node, f"axis={_text(scope, axes_node)} does not name distinct axes "
                                 f"of a {arg.rank}-D array", f"name axes from 0 to {arg.rank - 1}, each once")
        if len(axes) == arg.rank:  # every axis: the whole array
            value = self._reduction(scope, fname, lambda index: self._element(scope, arg, index),
                                    arg.shape, node, integer)
            return _P("scalar", 0, [], value=value, integer=integer and fname != "mean")
        along = tuple(sorted(a % arg.rank for a in axes))
        shape = [d for k, d in enumerate(arg.shape) if k not in along]
        return _P("reduce", arg.rank - len(along), shape, prim=fname, args=[arg], node=node, axis=along,
                  integer=integer and fname != "mean")

    def _index_array(self, scope, node, name: str, args) -> _P:
        """``np.eye(n)`` / ``np.identity(n)``: element (i, j) is 1.0 where i == j;
        ``np.arange(stop)``, ``np.arange(start, stop[, step])`` of ints: element k
        is start + k * step (ints, with no derivative); with a float constant for
        a bound (``np.arange(1.0, n + 1.0)``), floats."""
        ints = [self._expr(scope, a) for a in args]
        if name in ("eye", "identity"):
            if len(ints) != 1:
                raise self._err(scope, node, f"np.{name} is supported as np.{name}(n)", f"write np.{name}(n)")
            n = self._dim(ints[0])
            return _P("eye", 2, [n, n], node=node)
        if not 1 <= len(ints) <= 3 or (len(ints) == 3 and not (isinstance(ints[2], Const) and isinstance(
                ints[2].value, int) and ints[2].value > 0)):
            raise self._err(scope, node, "np.arange is supported with int bounds and a positive constant step",
                            "write np.arange(n) or np.arange(a, b) (then scale it: 0.5 * np.arange(n))")
        start, stop = (Const(0), ints[0]) if len(ints) == 1 else (ints[0], ints[1])
        step = ints[2] if len(ints) == 3 else Const(1)
        floats = [v for v in (start, stop) if isinstance(v, Const) and isinstance(v.value, float)]
        if floats and isinstance(start, Const) and isinstance(stop, Const):
            # np.arange(1.0, 6.0): floats, as many as NumPy's ceil((stop - start) / step)
            count = max(math.ceil((stop.value - start.value) / step.value), 0)
            return _P("arange", 1, [Const(count)], args=[], node=node,
                      value=Call("tuple", (Const(float(start.value)), step)))
        if floats:
            # np.arange(1.0, n + 1.0): floats, ceil((stop - start) / step) of them (an int, so a length)
            first = Const(float(start.value)) if isinstance(start, Const) else start
            count = Call("ceil", (Call("div", (Call("sub", (stop, start)), step)),))
            return _P("arange", 1, [Call("max", (count, Const(0)))], args=[], node=node,
                      value=Call("tuple", (first, step)))
        span = Call("sub", (self._dim(stop), self._dim(start)))
        if step != Const(1):
            span = Call("floordiv", (Call("add", (span, Const(step.value - 1))), step))
        return _P("arange", 1, [Call("max", (span, Const(0)))], args=[], node=node, integer=True,
                  value=Call("tuple", (start, step)))

    def _kept_dims(self, scope, node, name: str, args, kwargs) -> _P:
        """``A.max(axis=1, keepdims=True)``: the reduction along ``axis`` with that
        axis kept at length 1 (it then broadcasts against ``A``, as in
        ``A - A.max(axis=1, keepdims=True)``)."""
        keep = kwargs["keepdims"]
        if not (isinstance(keep, cst.Name) and keep.value in ("True", "False")):
            raise self._err(scope, keep, "keepdims= must be True or False as written", "write keepdims=True")
        rest = {k: v for k, v in kwargs.items() if k != "keepdims"}
        reduced = self._vector_call(scope, node, name, args, rest)
        if keep.value == "False":
            return reduced
        if "axis" not in rest or _is_none(rest["axis"]):
            raise self._err(scope, node, "keepdims=True is supported with an axis",
                            f"write np.{name}(A, axis=1, keepdims=True), or leave keepdims out for a number")
        if reduced.rank == 0 and not isinstance(rest["axis"], cst.Tuple):  # a 1-D array: a 1-element array
            return _P("kept", 1, [NEW_AXIS], args=[reduced], node=node, axis=0)
        axis = rest["axis"]
        if isinstance(axis, cst.Tuple):  # T.mean(axis=(1, 2), keepdims=True): each axis named kept at length 1
            rank_in = reduced.rank + len(axis.elements)
            at = tuple(sorted(self._const_int(scope, e.value) % rank_in for e in axis.elements))
            others = iter(reduced.shape)
            return _P("kept", rank_in, [NEW_AXIS if k in at else next(others) for k in range(rank_in)],
                      args=[reduced], node=node, axis=at)
        at = self._axis(scope, name, axis, reduced.rank + 1)
        return _P("kept", reduced.rank + 1, [*reduced.shape[:at], NEW_AXIS, *reduced.shape[at:]], args=[reduced],
                  node=node, axis=at)

    def _any_or_all(self, scope, node, name: str, args, kwargs) -> _P:
        """``np.any(mask)`` / ``np.all(mask)`` of a boolean array (a comparison
        of arrays, ``&`` / ``|`` of such): a bool, the count of elements that
        hold compared with 0 or with the size (no derivative: it is a test)."""
        if len(args) == 1 and not kwargs and self._array_rank(scope, args[0]) == 0:
            return self._prepare(scope, args[0])  # np.any(x > 0.0) of a number is the test itself
        if len(args) != 1 or kwargs or not self._is_boolean_array(scope, args[0]):
            raise self._err(scope, node, f"np.{name} is supported on one boolean array, without axis=",
                            f"write np.{name}(x > 0.0), or loop over the other axis")
        mask = self._prepare(scope, args[0])
        ones = _P("where", mask.rank, mask.shape, args=[mask, _P("scalar", 0, [], value=Const(1.0)),
                                                       _P("scalar", 0, [], value=Const(0.0))], node=node)
        held = self._reduction(scope, "sum", lambda index: self._element(scope, ones, index), mask.shape, node)
        if name == "any":
            return _P("scalar", 0, [], value=self._scalar(scope, "gt", (held, Const(0.0)), node, hint="some"))
        size = Const(1)
        for d in mask.shape:
            size = Call("mul", (size, Const(1) if d == NEW_AXIS else self._dim(d)))
        every = self._scalar(scope, "ge", (held, self._operand(size, "n")), node, hint="every")
        return _P("scalar", 0, [], value=every)

    def _linspace(self, scope, node, args, kwargs) -> _P:
        """``np.linspace(start, stop, num, endpoint=True)``: element k is
        start + k * step with NumPy's step, (stop - start) / (num - 1), or
        / num without the endpoint; the endpoint is stop itself, as NumPy
        writes it (start and stop may depend on the inputs, num may not)."""
        named = dict(zip(("start", "stop", "num", "endpoint"), args))
        for k, v in kwargs.items():
            if k not in ("start", "stop", "num", "endpoint") or k in named:
                raise self._err(scope, node, f"np.linspace's keyword {k}= is not supported here",
                                "write np.linspace(start, stop, num) or pass endpoint=False")
            named[k] = v
        if "start" not in named or "stop" not in named or len(args) > 4:
            raise self._err(scope, node, "np.linspace takes a start, a stop and a count",
                            "write np.linspace(start, stop, num)")
        endpoint = named.get("endpoint")
        if endpoint is not None and not (isinstance(endpoint, cst.Name) and endpoint.value in ("True", "False")):
            raise self._err(scope, node, "np.linspace's endpoint= must be True or False as written",
                            "write endpoint=False, or leave it out")
        closed = endpoint is None or endpoint.value == "True"
        num = self._expr(scope, named["num"]) if "num" in named else Const(50)
        if isinstance(num, Const) and not (isinstance(num.value, int) and num.value >= 0):
            raise self._err(scope, node, "np.linspace's count must be a non-negative int",
                            "pass an int count: np.linspace(0.0, 1.0, n)")
        count = self._dim(num)
        start, stop = (self._expr(scope, named[k]) for k in ("start", "stop"))
        # NumPy divides by num - 1 (by num without the endpoint); one point is start itself
        div = self._scalar(scope, "max", (Call("sub", (count, Const(1))) if closed else count, Const(1)), node,
                           hint="intervals")
        delta = self._scalar(scope, "sub", (stop, start), node, hint="span")
        step = self._scalar(scope, "div", (delta, div), node, hint="spacing")
        return _P("linspace", 1, [count], args=[], node=node,
                  value=Call("tuple", (start, step, stop if closed else Const(None), div)))

    def _join(self, scope, node, name: str, args, kwargs) -> _P:
        """``np.concatenate((a, b), axis=k)`` along an existing axis, ``np.stack((a, b), axis=k)``
        along a new one."""
        if len(args) != 1 or not isinstance(args[0], (cst.List, cst.Tuple)) or not args[0].elements:
            raise self._err(scope, node, f"np.{name} takes a list or tuple of arrays",
                            f"write np.{name}((a, b))")
        parts = [self._prepare(scope, el.value) for el in args[0].elements]
        if len({p.rank for p in parts}) > 1 and self._lenient():
            parts = [max(parts, key=lambda p: p.rank)] * len(parts)
        r = parts[0].rank
        if r == 0 or any(p.rank != r for p in parts):  # (before the call, ranks may be guesses: the call decides)
            raise self._rank_err(scope, node, f"np.{name} needs arrays of one number of dimensions (at least 1)",
                                 "pass arrays of the same rank")
        if name == "concatenate" and _is_none(kwargs.get("axis")):
            raise self._err(scope, kwargs["axis"], "np.concatenate with axis=None is not supported",
                            "flatten the parts first: np.concatenate((a.ravel(), b.ravel()))")
        # stack: the new axis can go anywhere in the result, which has one more dimension
        axis = self._axis(scope, name, kwargs.get("axis"), r + 1 if name == "stack" else r) or 0
        if name == "stack":
            for p in parts[1:]:
                for a, b in zip(parts[0].shape, p.shape):
                    self._same_dim(scope, node, a, b)
            shape = [*parts[0].shape[:axis], Const(len(parts)), *parts[0].shape[axis:]]
            return _P("stack", r + 1, shape, args=parts, node=node, axis=axis)
        for p in parts[1:]:
            for k, (a, b) in enumerate(zip(parts[0].shape, p.shape)):
                if k != axis:
                    self._same_dim(scope, node, a, b)
        def length(d):  # (x[:, None]'s new axis: a length of 1, which the sum of lengths counts)
            return Const(1) if d == NEW_AXIS else d

        total: Expr = length(parts[0].shape[axis])
        for p in parts[1:]:
            total = Call("add", (total, length(p.shape[axis])))
        shape = list(parts[0].shape)
        shape[axis] = total
        return _P("concat", r, shape, args=parts, node=node, axis=axis)

    def _sort(self, scope, node, args, kwargs) -> _P:
        """``np.sort(x)``, ``np.sort(A, axis=k)`` (1-D and 2-D), ``np.sort(A, axis=None)``."""
        if len(args) != 1:
            raise self._err(scope, node, "np.sort takes one array (and axis=)",
                            "write np.sort(x) or np.sort(A, axis=0)")
        if scope.depth > 0 or scope is not self.entry:
            # the order is computed by a helper call that the reverse sweep of a loop
            # could not re-run with each iteration's values
            raise self._err(scope, node, "np.sort inside a loop or inside a called function is not supported",
                            "sort in the differentiated function itself, before the loop "
                            "(y = np.sort(x), then use y in the loop)")
        x = self._prepare(scope, args[0])
        if x.rank == 0:
            if self._lenient():
                return x
            raise self._err(scope, node, "np.sort of a scalar", "sort an array")
        if "axis" in kwargs and _is_none(kwargs["axis"]):
            x, axis = self._flattened(x, node), 0
        elif "axis" in kwargs:
            axis = self._axis(scope, "sort", kwargs["axis"], x.rank)
        else:
            axis = x.rank - 1
        if x.rank > 2:
            if self._lenient():
                return x
            raise self._err(scope, node, "np.sort is supported on 1-D and 2-D arrays (and axis=None)",
                            "reshape to 2-D first, e.g. np.sort(A.reshape(-1, n), axis=1)")
        return self._sorted(scope, node, x, axis)

    def _argsort(self, scope, node, args, kwargs) -> _P:
        """``np.argsort(x)`` of a 1-D x: the indices that sort x, an int array
        with no derivative (the values read through it carry theirs).  Equal
        entries keep their order (``kind="stable"``; NumPy's default sort
        may order ties either way) and NaN sorts last, as in NumPy."""
        x = self._prepare(scope, args[0])
        if x.rank != 1 or "axis" in kwargs or len(args) > 1:
            if self._lenient():
                return x
            raise self._err(scope, node, "np.argsort is supported on a 1-D array (its default axis)",
                            "sort each row's indices in a loop: order = np.argsort(A[i])")
        loc = _loc(scope, node)
        n = x.shape[0]
        _, order = self._line_orders(scope, node, x, 0, detached=True)
        out = self.names.fresh("indices")
        self._new_array(scope, out, _P("array", 1, [n], integer=True), node)

        def copy(index):
            at = self._scalar(scope, "load", (Var(order), Const(0), index[0]), node, hint="at")
            self._emit(Assign(out, Call("store", (Var(out), index[0], at)), loc))
        self._loop_nest(scope, [n], copy, loc)
        return _P("array", 1, [n], value=Var(out), node=node, integer=True)

    def _roll(self, scope, node, args, kwargs) -> _P:
        """``np.roll(x, shift)`` of a 1-D x: a new array whose element i is
        ``x[(i - shift) % n]`` (periodic boundaries: ``np.roll(u, 1) - 2 * u +
        np.roll(u, -1)``)."""
        if len(args) != 2 or kwargs:
            raise self._err(scope, node, "np.roll is supported on a 1-D array with an integer shift (no axis=)",
                            "roll each row in a loop: np.roll(A[i], k)")
        x = self._prepare(scope, args[0])
        if x.rank != 1:
            if self._lenient():
                return x
            raise self._err(scope, node, "np.roll is supported on a 1-D array", "roll each row in a loop: "
                            "np.roll(A[i], k)")
        shift = self._expr(scope, args[1])
        if (type(shift.value) is not int) if isinstance(shift, Const) else self._array_of(shift) is not None:
            raise self._err(scope, args[1], "np.roll's shift must be one integer", "write np.roll(x, k)")
        loc = _loc(scope, node)
        n = x.shape[0]
        out = self.names.fresh("rolled")
        self._new_array(scope, out, _P("array", 1, [n], integer=x.integer), node)
        size = self._operand(n, "n")

        def fill(index):
            back = self._scalar(scope, "add", (index[0], Const(-shift.value)), node, hint="back") \
                if isinstance(shift, Const) and shift.value < 0 else \
                self._scalar(scope, "sub", (index[0], shift), node, hint="back")
            at = self._scalar(scope, "mod", (back, size), node, hint="at")
            self._emit(Assign(out, Call("store", (Var(out), index[0], self._element(scope, x, [at]))), loc))
        self._loop_nest(scope, [n], fill, loc)
        return _P("array", 1, [n], value=Var(out), node=node, integer=x.integer)

    def _line_orders(self, scope, node, x: _P, axis: int, detached: bool = False) -> tuple[str, str]:
        """Copy each line of ``x`` along ``axis`` into a buffer with one row per
        line, and find each row's stable order with the ``argsort`` helper (no
        derivative).  Returns the buffer's and the order's names; ``detached``
        copies the values without their derivatives (only the order is used)."""
        loc = _loc(scope, node)
        n = x.shape[axis]
        lines = x.shape[:axis] + x.shape[axis + 1:]  # [] for a 1-D x
        at = _line_entry(x.rank, axis)
        values = self.names.fresh("unsorted")
        self._new_array(scope, values, _P("array", 2, [lines[0] if lines else Const(1), n]), node)

        def fill(index):
            r = index[0] if lines else Const(0)
            v = self._element(scope, x, at(r, index[-1]))
            if detached:
                v = self._scalar(scope, "detach", (v,), node, hint="value")
            self._emit(Assign(values, Call("store", (Var(values), r, index[-1], v)), loc))
        self._loop_nest(scope, [*lines, n], fill, loc)
        order = self.names.fresh("order")
        self.arrays[order] = array_type(2, floating=False)
        self._emit(Assign(order, Call("argsort", (Var(values),)), loc))
        return values, order

    def _sorted(self, scope, node, x: _P, axis: int) -> _P:
        """Sort each line of ``x`` along ``axis`` into a new array.

        The values are copied into a buffer with one line per row, the helper
        ``argsort`` finds each row's stable order (no derivative), and each tie
        group (a run of equal values in sorted order) is written out with the
        sum of its entries: ``sort(e, s, m)`` is the entry's value, and its
        derivative is the policy's selection at a tie (rules/vector.py)."""
        loc = _loc(scope, node)
        n = x.shape[axis]
        lines = x.shape[:axis] + x.shape[axis + 1:]  # [] for a 1-D x
        at = _line_entry(x.rank, axis)
        values, order = self._line_orders(scope, node, x, axis)
        out = self.names.fresh("ascending")
        self._new_array(scope, out, _P("array", x.rank, x.shape), node)
        last = self._scalar(scope, "sub", (self._operand(n, "n"), Const(1)), node, hint="last")

        def entry(r, k):
            """The sorted value at position k of line r, detached: the search for
            the tie groups is no kink site of its own."""
            p = self._scalar(scope, "load", (Var(order), r, k), node, hint="at")
            return self._scalar(scope, "detach", (self._scalar(scope, "load", (Var(values), r, p), node,
                                                               hint="value"),), node, hint="value")

        def group_end(r, k, start: str):
            """At the last entry of a tie group: write out the whole group."""
            after = self._scalar(scope, "add", (k, Const(1)), node, hint="after")
            following = self._scalar(scope, "min", (after, last), node, hint="following")
            differs = self._scalar(scope, "ne", (entry(r, following), entry(r, k)), node, hint="differs")
            at_end = self._scalar(scope, "eq", (following, k), node, hint="at_end")
            ends = self._scalar(scope, "or", (at_end, differs), node, hint="ends")
            saved, self.out = self.out, []
            self._write_group(scope, node, Var(start), after, r, order, values, out, at)
            self._emit(Assign(start, Call("copy", (after,)), loc))
            body, self.out = self.out, saved
            self._emit(If(ends, body, [], loc))

        def line(index):
            start = self.names.fresh("start")  # where the current tie group starts
            self._emit(Assign(start, Const(0), loc))
            self._loop_nest(scope, [n], lambda k: group_end(index[0] if lines else Const(0), k[0], start), loc)

        self._loop_nest(scope, lines, line, loc)
        return _P("array", x.rank, x.shape, value=Var(out), node=node)

    def _write_group(self, scope, node, start: Var, stop: Var, r, order: str, values: str, out: str, at) -> None:
        """``out[at(r, j)] = sort(e_j, s, m)`` for the tie group ``start <= j < stop``
        of line r, where e_j is its j-th sorted entry, m the group's size and s its sum."""
        loc = _loc(scope, node)
        size = self._scalar(scope, "sub", (stop, start), node, hint="group_size")

        def sorted_entry(j):
            p = self._scalar(scope, "load", (Var(order), r, j), node, hint="at")
            return self._scalar(scope, "load", (Var(values), r, p), node, hint="entry")

        total = self.names.fresh("group_sum")
        self._emit(Assign(total, Const(0.0), loc))
        for write in (False, True):  # the group's sum, then its entries
            j = Var(self.names.fresh("j"))
            saved, self.out = self.out, []
            e = sorted_entry(j)
            if write:
                y = self._scalar(scope, "sort", (e, Var(total), size), node, hint="sorted_el")
                self._emit(Assign(out, Call("store", (Var(out), *at(r, j), y)), loc))
            else:
                self._emit(Assign(total, Call("add", (Var(total), e)), loc))
            body, self.out = self.out, saved
            self._emit(For(j.name, start, stop, Const(1), body, loc))

    def _axis(self, scope, name: str, node, r: int) -> int | None:
        """The ``axis=`` argument (``node``; None when absent or ``axis=None``) of a
        function of a rank-``r`` array, in ``range(r)``."""
        if node is None or _is_none(node):
            return None
        axis = self._const_int(scope, node)
        if not -r <= axis < r:
            if self._lenient():
                return max(r - 1, 0)
            raise self._err(scope, node, f"axis {axis} is out of range for np.{name} of a {r}-D array"
                            if name != "stack" else f"axis {axis} is out of range for np.stack into a {r}-D "
                            "array", f"use an axis from {-r} to {r - 1}")
        return axis % r

    def _arg_extreme(self, scope, node, name: str, arg: _P, axis: int | None) -> _P:
        """``np.argmax(x)``: the first extreme entry's index into the flattened array;
        ``np.argmax(A, axis=1)``: an int per row (computed per element, like a reduction)."""
        better = "gt" if name == "argmax" else "lt"
        if axis is not None and arg.rank > 1:
            shape = arg.shape[:axis] + arg.shape[axis + 1:]
            return _P("reduce", arg.rank - 1, shape, prim=name, args=[arg], node=node, axis=axis, integer=True)
        element = lambda index: self._element(scope, arg, index)  # noqa: E731
        first = self._first_extreme(scope, better, element, arg.shape, node)[0]
        flat: Expr = Var(first[0])
        for k, d in zip(first[1:], arg.shape[1:]):  # NumPy's index into the flattened array
            flat = self._scalar(scope, "add", (self._scalar(scope, "mul", (flat, self._operand(d, "n")), node,
                                                             hint="flat"), Var(k)), node, hint="flat")
        return _P("scalar", 0, [], value=flat)

    def _reshape(self, scope, node, name: str, args, kwargs) -> _P:
        """``np.reshape(x, (n, m))``, ``x.reshape(n, m)``, ``x.ravel()``: C order."""
        x = self._prepare(scope, args[0])
        size: Expr = Const(1)
        for d in x.shape:
            size = d if size == Const(1) else Call("mul", (size, d))
        if name == "ravel":
            return _P("reshape", 1, [size], args=[x], node=node)
        target = args[1] if len(args) > 1 else kwargs.get("shape") or kwargs.get("newshape")
        items = target.elements if isinstance(target, (cst.Tuple, cst.List)) else [cst.Element(target)]
        dims = [self._expr(scope, el.value) for el in items]
        free = [k for k, d in enumerate(dims) if d == Const(-1)]
        if len(free) > 1:
            raise self._err(scope, target, "only one dimension can be -1", "give the others")
        if free:
            known: Expr = Const(1)
            for k, d in enumerate(dims):
                if k != free[0]:
                    known = d if known == Const(1) else Call("mul", (known, d))
            dims[free[0]] = Call("floordiv", (size, known))
        dims = [self._dim(d) for d in dims]
        new_size: Expr = Const(1)
        for d in dims:
            new_size = d if new_size == Const(1) else Call("mul", (new_size, d))
        self._same_dim(scope, node, size, new_size)
        return _P("reshape", len(dims), dims, args=[x], node=node)

    def _running(self, scope, node, arg: _P, axis: int | None, prim: str, start: Const, what: str) -> _P:
        """A running ``prim`` along ``axis``, restarted for each position of the
        other axes (``axis`` None: along the flattened array): ``np.cumsum(A,
        axis=k)`` (add, from 0), ``np.cumprod`` (mul, from 1), and ``np.maximum.accumulate`` /
        ``np.minimum.accumulate`` (max / min, from -inf / inf: each running
        extreme is the scalar ``max`` of the one before and the element, with
        that primitive's derivative and kinks).  ``what``: the call, for errors."""
        if arg.rank == 0:
            if self._lenient():
                return arg
            raise self._err(scope, node, f"{what} of a scalar", "apply it to an array")
        if axis is None:
            arg, axis = self._flattened(arg, node), 0
        ints = arg.integer and prim in ("add", "mul")  # running sums of ints are ints (a CSR row pointer)
        out = _P("array", arg.rank, arg.shape, integer=ints)
        start = Const(int(start.value)) if ints else start
        name = self.names.fresh({"add": "cumulative", "mul": "running_product"}.get(prim, f"running_{prim}"))
        self._new_array(scope, name, out, node)
        total = self.names.fresh("running")
        loc = _loc(scope, node)
        others = arg.shape[:axis] + arg.shape[axis + 1:]

        def line(outer):  # one running value along the axis
            self._emit(Assign(total, start, loc))

            def body(k):
                index = [*outer[:axis], *k, *outer[axis:]]
                self._emit(Assign(total, Call(prim, (Var(total), self._element(scope, arg, index))), loc))
                self._emit(Assign(name, Call("store", (Var(name), *index, Var(total))), loc))
            self._loop_nest(scope, [arg.shape[axis]], body, loc)
        self._loop_nest(scope, others, line, loc)
        return replace(out, value=Var(name), node=node)

    def _called_as(self, scope, node: cst.Call, name: str, names: tuple[str, ...]) -> dict:
        """The arguments of ``np.<name>(...)`` by parameter, given by position or by
        the names of ``names`` (NumPy's order), each once; a located error else."""
        bound: dict[str, cst.BaseExpression] = {}
        for k, a in enumerate(node.args):
            key = a.keyword.value if a.keyword is not None else (names[k] if k < len(names) else None)
            if a.star or key not in names or key in bound:
                raise self._err(scope, a, f"np.{name}() is called as np.{name}({', '.join(names)})",
                                f"pass {', '.join(names)} by position or by those names")
            bound[key] = a.value
        return bound

    def _one_d_array(self, scope, node) -> tuple[Var, str] | None:
        """The array a name holds, or an array expression of rank 1 computed into
        an array of its own: (its Var, its type); None for anything else."""
        found = self._local_array(scope, node)
        if found is None and self._array_rank(scope, node) == 1:
            made = self._expr(scope, node)
            found = (made, self._array_of(made)) if self._array_of(made) else None
        return found

    def _interp_points(self, scope, node: cst.Call) -> _P:
        """``np.interp(x, xp, fp)`` of an array of points: a new array of the
        points' shape, each element the interpolation of one point (each with
        its own bisection, as ``np.interp`` of one number)."""
        bound, grid = self._grid_arrays(scope, node, "interp")  # (once, before the points' loop)
        points = self._prepare(scope, bound["x"])
        out = _P("array", points.rank, points.shape)
        name = self.names.fresh("interpolated")
        self._new_array(scope, name, out, node)
        loc = _loc(scope, node)

        def body(index):
            point = self._operand(self._element(scope, points, index), "point")
            value = self._grid_at(scope, node, "interp", bound, grid, point)[0]
            self._emit(Assign(name, Call("store", (Var(name), *index, value)), loc))
        self._loop_nest(scope, points.shape, body, loc)
        return replace(out, value=Var(name), node=node)

    def _convolve(self, scope, node: cst.Call) -> _P:
        """``np.convolve(a, v, mode="full" | "same" | "valid")`` of 1-D arrays:
        element ``i`` of the full convolution is the sum of ``a[i - j] * v[j]``
        over the ``j`` that keep ``i - j`` inside ``a`` (a loop over ``v``);
        ``"same"`` and ``"valid"`` are NumPy's centred and complete parts of it."""
        bound = self._called_as(scope, node, "convolve", ("a", "v", "mode"))
        mode = bound.get("mode")
        text = "full" if mode is None else mode.evaluated_value if isinstance(mode, cst.SimpleString) else None
        if text not in ("full", "same", "valid"):
            raise self._err(scope, mode, "mode= of np.convolve() must be the string 'full', 'same' or 'valid'",
                            "write mode='same'")
        arrays = []
        for key in ("a", "v"):
            if key not in bound:
                raise self._err(scope, node, "np.convolve() needs a and v", "call np.convolve(a, v)")
            found = self._one_d_array(scope, bound[key])
            if (found is None or rank(found[1]) != 1) and self._lenient():
                return _P("scalar", 0, [], value=Const(0.0))  # (ranks guessed before the call: it decides)
            if found is None or rank(found[1]) != 1 or not is_float_array(found[1]):
                raise self._err(scope, bound[key], f"the {key} of np.convolve() must be a 1-D array of floats",
                                f"pass a 1-D float array as {key}")
            arrays.append(found[0])
        a, v = arrays
        n, m = self._shape(a.name)[0], self._shape(v.name)[0]
        if isinstance(n, Const) and isinstance(m, Const):
            short, long = Const(min(n.value, m.value)), Const(max(n.value, m.value))
        else:
            shorter = Call("le", (n, m))
            short, long = Call("select", (shorter, n, m)), Call("select", (shorter, m, n))
        one = Const(1)
        if text == "full":
            length, offset = Call("sub", (Call("add", (n, m)), one)), Const(0)
        elif text == "same":
            length, offset = long, Call("floordiv", (Call("sub", (short, one)), Const(2)))
        else:
            length, offset = Call("add", (Call("sub", (long, short)), one)), Call("sub", (short, one))
        out = _P("array", 1, [length])
        name = self.names.fresh("convolved")
        self._new_array(scope, name, out, node)
        loc = _loc(scope, node)
        n_op, m_op = self._operand(n, "n"), self._operand(m, "m")
        start = self._operand(offset, "offset")

        def body(index):
            at = index[0] if start == Const(0) else self._scalar(scope, "add", (index[0], start), node, hint="at")
            total = self.names.fresh("total")
            self._emit(Assign(total, Const(0.0), loc))
            j = self.names.fresh("j")
            saved, self.out = self.out, []
            k = self._scalar(scope, "sub", (at, Var(j)), node, hint="shifted")
            inside = self._scalar(scope, "and", (self._scalar(scope, "ge", (k, Const(0)), node, hint="above"),
                                                 self._scalar(scope, "lt", (k, n_op), node, hint="below")),
                                  node, hint="inside")
            self.out, test = [], self.out
            term = self._scalar(scope, "mul", (self._scalar(scope, "load", (a, k), node, hint=f"{a.name}_el"),
                                               self._scalar(scope, "load", (v, Var(j)), node, hint=f"{v.name}_el")),
                                node, hint="term")
            self._emit(Assign(total, Call("add", (Var(total), term)), loc))
            added, self.out = self.out, saved
            self._emit(For(j, Const(0), m_op, Const(1), [*test, If(inside, added, [], loc)], loc))
            self._emit(Assign(name, Call("store", (Var(name), index[0], Var(total))), loc))
        self._loop_nest(scope, [length], body, loc)
        return replace(out, value=Var(name), node=node)

    def _flattened(self, x: _P, node) -> _P:
        """``x`` read in C order as a 1-D array."""
        if x.rank == 1:
            return x
        size: Expr = x.shape[0]
        for d in x.shape[1:]:
            size = Call("mul", (size, d))
        return _P("reshape", 1, [size], args=[x], node=node)

    def _array_literal(self, scope, node, args, kwargs) -> _P:
        """``np.array([a, b, c])`` of scalars: a new 1-D array, of ints where
        every entry is an int constant (an index table: ``obs = np.array([0,
        2, 1])``) or ``dtype=`` says so."""
        dtype = kwargs.get("dtype")
        wanted = None if dtype is None else self._qualified(scope, dtype) or getattr(dtype, "value", None)
        ints = {"int", "np.int64", "np.intp", "np.int32"}
        if len(args) != 1 or not isinstance(args[0], (cst.List, cst.Tuple)) or set(kwargs) - {"dtype"} \
                or (wanted is not None and wanted not in ints | {"float", "np.float64"}):
            raise self._err(scope, node, "np.array is supported on a list of numbers (dtype= an int or float64)",
                            "write np.array([a, b, c])")
        values = []
        for el in args[0].elements:
            if isinstance(el, cst.StarredElement) or self._array_rank(scope, el.value) > 0:
                raise self._err(scope, el, "np.array takes numbers here (a 1-D array)",
                                "list scalars, e.g. np.array([x, 2.0 * y])")
            values.append(self._expr(scope, el.value))
        constant_ints = values and all(isinstance(v, Const) and type(v.value) is int for v in values)
        if wanted in ints and not all(self._int_scalar(v) for v in values):
            raise self._err(scope, node, "np.array(..., dtype=int) is supported on int constants and int arguments",
                            "list ints, or leave dtype out for floats")
        out = _P("array", 1, [Const(len(values))], integer=bool(wanted in ints or (wanted is None and constant_ints)))
        name = self.names.fresh("listed")
        self._new_array(scope, name, out, node)
        loc = _loc(scope, node)
        for k, v in enumerate(values):
            self._emit(Assign(name, Call("store", (Var(name), Const(k), v)), loc))
        return replace(out, value=Var(name), node=node)

    def _matmul(self, scope, node, left, right) -> _P:
        a, b = self._prepare(scope, left), self._prepare(scope, right)
        if self.static:  # X @ w where only X.shape[0] shows X's rank: the product's rank is the call's
            behind = {self.user_vars.get(p.value.name, p.value.name) for p in (a, b) if p.kind == "array"}
            self.rank_guessed.update(behind & self.param_names & self.rank_at_least)
        if (a.rank == 0 or b.rank == 0) and self._lenient():
            return self._elementwise(scope, node, "mul", [left, right])
        if a.rank == 0 or b.rank == 0 or a.rank > 2 or b.rank > 2:
            raise self._err(scope, node, "@ and np.dot are supported on 1-D and 2-D arrays",
                            "multiply by a scalar with *")
        self._same_dim(scope, node, a.shape[-1], b.shape[0])
        # a product reads each element of an operand once per element of the other's free
        # dimension: an operand that is itself a product (A.T @ (b - A @ x)) is computed once
        # into a work array, not once per read
        a, b = (self._computed_once(scope, a, node) if b.rank == 2 else a,
                self._computed_once(scope, b, node) if a.rank == 2 else b)
        shape = a.shape[:-1] + b.shape[1:]
        p = _P("dot", len(shape), shape, args=[a, b], node=node)
        if p.rank == 0:
            return _P("scalar", 0, [], value=self._element(scope, p, []))
        return p

    def _computed_once(self, scope, p: _P, node) -> _P:
        """``p``, or a work array holding it where each of its elements costs a
        loop (a product, a reduction along an axis, inside elementwise
        operations) and its shape is known before any loop around it."""
        if not _costly(p):
            return p
        inside_loop = scope.depth > 0
        shape = [self._dim(d) for d in p.shape if d != NEW_AXIS]  # (a new axis is kept as a length of 1)
        if inside_loop and any(variables(d) - self.param_names for d in shape):
            return p
        name = self.names.fresh("reduced" if p.kind in ("reduce", "kept") else "product")
        self._new_array(scope, name, p, node)
        self._fill(scope, name, p, node)
        return _P("array", p.rank, list(self._shape(name)), value=Var(name), node=p.node, integer=p.integer)

    def _norm(self, scope, node, args, kwargs) -> _P:
        if len(args) == 2 and "ord" not in kwargs:
            kwargs = {"ord": args[1]}
            args = args[:1]
        x = self._prepare(scope, args[0])
        if "axis" in kwargs and not _is_none(kwargs["axis"]) and x.rank == 2 and len(args) == 1 \
                and kwargs.get("ord") is None and not isinstance(kwargs["axis"], cst.Tuple):
            # np.linalg.norm(P, axis=1): the 2-norm of each row (column), each with its kink at 0
            axis = self._axis(scope, "norm", kwargs["axis"], 2)
            squares = _P("op", 2, x.shape, prim="mul", args=[x, x], node=node)
            sums = _P("reduce", 1, x.shape[:axis] + x.shape[axis + 1:], prim="sum", args=[squares], node=node,
                      axis=axis)
            return _P("op", 1, sums.shape, prim="norm_root", args=[self._computed_once(scope, sums, node)],
                      node=node)
        if x.rank != 1 and self._lenient():
            return _P("scalar", 0, [], value=self._expr(scope, args[0]) if x.rank == 0 else Const(0.0))
        if x.rank != 1 or len(args) != 1:
            raise self._err(scope, node, "np.linalg.norm is supported on 1-D arrays (vector norms)",
                            "write the matrix norm out with np.sum and np.sqrt")
        ord_node = kwargs.get("ord")
        order = "2" if ord_node is None else scope.src.source_of(ord_node).strip()
        element = lambda index: self._element(scope, x, index)  # noqa: E731
        if order == "1":
            value = self._reduction(scope, "sum", lambda index: self._scalar(scope, "abs", (element(index),), node),
                                    x.shape, node)
        elif order in ("2", "2.0", "None"):
            def square(index):
                e = element(index)
                return self._scalar(scope, "mul", (e, e), node)
            total = self._reduction(scope, "sum", square, x.shape, node)
            value = self._scalar(scope, "norm_root", (total,), node)
        elif order in ("np.inf", "math.inf"):
            value = self._reduction(scope, "max", lambda index: self._scalar(scope, "abs", (element(index),), node),
                                    x.shape, node)
        else:
            raise self._err(scope, node, f"np.linalg.norm with ord={order} is not supported",
                            "use ord=1, 2 (the default) or np.inf")
        return _P("scalar", 0, [], value=value)

    # ------------------------------------------------------------ elements

    def _scalar(self, scope, prim: str, args: tuple, node, hint: str | None = None) -> Var:
        name = self.names.fresh(hint or prim)
        self._emit(Assign(name, Call(prim, tuple(args)), _loc(scope, node)))
        return Var(name)

    def _element(self, scope, p: _P, index: list[Var]) -> Expr:
        """Emit the computation of one element of ``p`` at ``index`` (aligned
        with p's trailing dimensions); return it as an operand."""
        index = index[len(index) - p.rank:] if p.rank else []
        # an axis of length 1 has one position, whatever the index (it broadcasts)
        index = [Const(0) if d == Const(1) else i for d, i in zip(p.shape, index)]
        if p.kind == "scalar":
            return p.value
        if p.kind == "eye":
            same = self._scalar(scope, "eq", (index[0], index[1]), p.node, hint="diagonal")
            return self._scalar(scope, "select", (same, Const(1.0), Const(0.0)), p.node, hint="eye")
        if p.kind == "arange":
            start, step = p.value.args
            at = index[0] if step == Const(1) else self._scalar(scope, "mul", (step, index[0]), p.node, hint="stride")
            return at if start == Const(0) else self._scalar(scope, "add", (start, at), p.node, hint="at")
        if p.kind == "linspace":
            start, step, stop, div = p.value.args
            offset = self._scalar(scope, "mul", (index[0], step), p.node, hint="offset")
            point = self._scalar(scope, "add", (start, offset), p.node, hint="point")
            if stop == Const(None):
                return point
            # a branch on the index, not a select: "select" passes no derivative, and stop may carry one
            last = self._scalar(scope, "eq", (index[0], div), p.node, hint="last")
            loc = _loc(scope, p.node)
            self._emit(If(last, [Assign(point.name, Call("copy", (stop,)), loc)], [], loc))
            return point
        if p.kind == "array":
            return self._scalar(scope, "load", (p.value, *self._base_index(scope, p, index)), p.node,
                                hint=f"{p.value.name}_el")
        if p.kind == "op":
            args = [self._element(scope, a, index) for a in p.args]
            return self._scalar(scope, p.prim, args, p.node, hint=_HINTS.get(p.prim, p.prim))
        if p.kind == "where":
            cond = self._element(scope, p.args[0], index)
            result = self.names.fresh("chosen")
            branches = []
            for part in p.args[1:]:
                saved, self.out = self.out, []
                value = self._element(scope, part, index)
                self._emit(Assign(result, Call("copy", (value,)), _loc(scope, p.node)))
                branches.append(self.out)
                self.out = saved
            self._emit(If(cond, branches[0], branches[1], _loc(scope, p.node)))
            return Var(result)
        if p.kind == "dot":
            a, b = p.args
            free_a, free_b = index[:a.rank - 1], index[a.rank - 1:]

            def product(k):
                x = self._element(scope, a, [*free_a, *k])
                y = self._element(scope, b, [*k, *free_b])
                return self._scalar(scope, "mul", (x, y), p.node)
            return self._reduction(scope, "sum", product, [a.shape[-1]], p.node)
        if p.kind == "reduce":  # along one axis, or a tuple of them (one pass over all their positions)
            arg = p.args[0]
            axes = p.axis if isinstance(p.axis, tuple) else (p.axis,)

            def entry(k):  # the element at the reduced axes' positions k, the others' at index
                kept, along = iter(index), iter(k)
                return self._element(scope, arg, [next(along) if d in axes else next(kept) for d in range(arg.rank)])
            return self._reduction(scope, p.prim, entry, [arg.shape[a] for a in axes], p.node,
                                   p.integer and p.prim not in ("argmax", "argmin"))
        if p.kind == "leading":  # a mask over the first axes: the same element along the others
            return self._element(scope, p.args[0], index[:p.args[0].rank])
        if p.kind == "kept":  # the kept axes have one position, whatever the index
            kept = p.axis if isinstance(p.axis, tuple) else (p.axis,)
            return self._element(scope, p.args[0], [i for k, i in enumerate(index) if k not in kept])
        if p.kind in ("concat", "stack"):
            return self._joined_element(scope, p, index)
        if p.kind == "reshape":
            x = p.args[0]
            flat: Expr = index[0]
            for i, d in zip(index[1:], p.shape[1:]):
                flat = self._scalar(scope, "add", (self._scalar(scope, "mul", (flat, self._operand(d, "n")), p.node,
                                                                hint="flat"), i), p.node, hint="flat")
            old = []
            for d in reversed(x.shape[1:]):
                m = self._operand(d, "n")
                old.append(self._scalar(scope, "mod", (flat, m), p.node, hint="at"))
                flat = self._scalar(scope, "floordiv", (flat, m), p.node, hint="flat")
            return self._element(scope, x, [flat, *reversed(old)] if x.rank else [])
        if p.kind == "outer":
            a, b = p.args
            x = self._element(scope, a, index[:1])
            y = self._element(scope, b, index[1:])
            return self._scalar(scope, "mul", (x, y), p.node)
        raise AssertionError(p.kind)

    def _joined_element(self, scope, p: _P, index: list) -> Var:
        """An element of a concatenation (the part that holds position ``index[axis]``
        along the joined axis) or of a stack (part ``index[axis]``): an if/elif chain
        over the parts."""
        result = self.names.fresh("joined")
        loc = _loc(scope, p.node)
        a = p.axis
        first, rest = index[a], index[:a] + index[a + 1:]
        starts: list[Expr] = [Const(0)] * len(p.args)
        if p.kind == "stack":
            tests = [Call("eq", (first, Const(k))) for k in range(len(p.args) - 1)]
        else:
            tests, offset = [], Const(0)
            for k, part in enumerate(p.args):
                starts[k] = offset if offset == Const(0) else self._operand(offset, "start")
                length = Const(1) if part.shape[a] == NEW_AXIS else part.shape[a]  # (x[:, None]'s new axis)
                offset = length if offset == Const(0) else Call("add", (offset, length))
                if k < len(p.args) - 1:
                    tests.append(Call("lt", (first, self._operand(offset, "end"))))
        bodies = []
        for k, part in enumerate(p.args):
            saved, self.out = self.out, []
            if p.kind == "stack":
                value = self._element(scope, part, rest)
            else:
                at = first if starts[k] == Const(0) else self._scalar(scope, "sub", (first, starts[k]), p.node,
                                                                       hint="row")
                value = self._element(scope, part, [*rest[:a], at, *rest[a:]])
            self._emit(Assign(result, Call("copy", (value,)), loc))
            bodies.append(self.out)
            self.out = saved
        block = bodies[-1]
        for test, body in reversed(list(zip(tests, bodies[:-1]))):
            block = [If(test, body, block, loc)]
        self.out.extend(block)
        return Var(result)

    def _base_index(self, scope, p: _P, index: list) -> list:
        """The index into ``p``'s array of element ``index`` of ``p`` (through its transpose and view)."""
        at = list(index[::-1] if p.transposed else index)
        if p.view is None:
            return at
        out, k = [], 0
        for d in p.view:
            if d[0] == "at":
                out.append(d[1])
                continue
            if d[0] == "new":  # no dimension of the array: its one position, whatever the index
                k += 1
                continue
            if d[0] == "paired":  # Z[rows, cols]: entry k of each index array, one index of the result
                out.append(self._element(scope, d[1], [at[k]]))
                continue
            if d[0] == "gather":  # U[rows]: element k of the index array names the row
                out.append(self._scalar(scope, "load", (d[1], at[k]), p.node, hint="at"))
                k += 1
                continue
            _, start, step = d
            v = at[k]
            k += 1
            if step != Const(1):
                v = self._scalar(scope, "mul", (step, v), p.node, hint="stride")
            if start != Const(0):
                v = self._scalar(scope, "add", (start, v), p.node, hint="at")
            out.append(v)
        return out

    def _first_extreme(self, scope, better: str, element, dims: list[Expr], node,
                       count_ties: bool = False) -> tuple[list[str], str, str | None]:
        """One pass over the elements: the index (one int per dimension) of the
        first largest (``"gt"``) or smallest (``"lt"``) element, a scalar
        holding its value, and, with ``count_ties``, a count of the elements
        equal to it (the ties of the running extreme, restarted where a
        strictly better element appears).  It compares detached values: the
        search is no kink site, and it has no derivative.  An element that is
        NaN is never better, so a NaN first element stays the extreme (with
        no ties) and a later one is passed over."""
        loc = _loc(scope, node)
        first = [self.names.fresh(f"k{d}") for d in range(len(dims))]
        for k in first:
            self._emit(Assign(k, Const(0), loc))
        best = self.names.fresh("best")
        self._emit(Assign(best, Call("detach", (element([Var(k) for k in first]),)), loc))
        ties = self.names.fresh("ties") if count_ties else None
        if ties is not None:
            self._emit(Assign(ties, Const(0), loc))

        def search(index):
            candidate = self._scalar(scope, "detach", (element(index),), node, hint="candidate")
            test = self._scalar(scope, better, (candidate, Var(best)), node, hint="better")
            found = [Assign(k, Call("copy", (i,))) for k, i in zip(first, index)]
            found += [Assign(ties, Const(0))] if ties is not None else []
            self._emit(If(test, [*found, Assign(best, Call("copy", (candidate,)))], [], loc))
            if ties is not None:
                tie = self._scalar(scope, "tie", (candidate, Var(best)), node, hint="tied")
                self._emit(Assign(ties, Call("add", (Var(ties), tie)), loc))
        self._loop_nest(scope, dims, search, loc)
        return first, best, ties

    def _reduction(self, scope, fname: str, element, dims: list[Expr], node, integer: bool = False) -> Var:
        """Reduce the elements ``element(index)`` over ``dims`` to a scalar (an int
        for ``argmax`` / ``argmin`` over one dimension; with ``integer``, the
        elements' ints added, multiplied or compared as ints, as NumPy does)."""
        loc = _loc(scope, node)
        if fname in ("argmax", "argmin"):
            return Var(self._first_extreme(scope, "gt" if fname == "argmax" else "lt", element, dims, node)[0][0])
        if integer and fname in ("max", "min"):  # ints have no derivative: the extreme's value alone
            best = self._first_extreme(scope, "gt" if fname == "max" else "lt", element, dims, node)[1]
            return self._scalar(scope, "trunc", (Var(best),), node, hint=f"{fname}_value")
        if fname in ("sum", "mean", "prod"):
            acc = self.names.fresh("total" if fname != "prod" else "product")
            start = (0 if fname != "prod" else 1) if integer else (0.0 if fname != "prod" else 1.0)
            self._emit(Assign(acc, Const(start), loc))

            def accumulate(index):
                # (each int as a full-width int: a mask's int8 entries or uint8 pixels would add up
                # in their own narrow type on the python target, where NumPy's sum widens them)
                e = self._scalar(scope, "trunc", (element(index),), node, hint="entry") if integer \
                    else element(index)
                self._emit(Assign(acc, Call("add" if fname != "prod" else "mul", (Var(acc), e)), loc))
            self._loop_nest(scope, dims, accumulate, loc)
            if fname != "mean":
                return Var(acc)
            sizes = [Const(1) if d == NEW_AXIS else d for d in dims]  # (a new axis: a length of 1)
            count: Expr = self._operand(sizes[0], "n")
            for d in sizes[1:]:
                count = self._scalar(scope, "mul", (count, self._operand(d, "n")), node, hint="count")
            return self._scalar(scope, "div", (Var(acc), count), node, hint="mean")
        # max / min: the first extreme entry and its ties in one pass
        start = len(self.out)
        first, best, ties = self._first_extreme(scope, "gt" if fname == "max" else "lt", element, dims, node,
                                                count_ties=True)
        nested = sum(isinstance(s, For) for s in walk(self.out[start:])) > len(dims)
        extreme = self._scalar(scope, "copy", (Var(best),), node, hint=f"{fname}_value")
        untied = self._scalar(scope, "eq", (Var(ties), Const(1)), node, hint="untied")
        result = self.names.fresh(fname)

        def share(index):
            s = self._scalar(scope, "share", (element(index), extreme, Var(ties)), node, hint="share")
            self._emit(Assign(result, Call("add", (Var(result), s)), loc))

        def shares(box=None):
            """The extreme's value plus the shares (0.0 each) that carry the derivative."""
            self._emit(Assign(result, Call("copy", (extreme,)), loc))
            self._loop_nest(scope, dims, share, loc, box)

        at_first = [Var(k) for k in first]
        if not nested:
            # the derivative goes to the extreme entry, or, at a tie (or none:
            # a NaN), is shared equally among the tied entries (rules/vector.py)
            saved, self.out = self.out, []
            self._emit(Assign(result, Call("copy", (element(at_first),)), loc))
            alone, self.out = self.out, []
            shares()
            tied, self.out = self.out, saved
            self._emit(If(untied, alone, tied, loc))
            return Var(result)
        # an element that is a loop itself (a dot product, an inner reduction):
        # the shares are taken over the extreme entry alone when it is not tied
        # (its share is then all of it), else over all entries.  One loop nest,
        # whose reverse accumulates straight into the adjoints (a branch would
        # give the extreme entry's loop an accumulator of its own)
        box = [(self._scalar(scope, "select", (untied, k, Const(0)), node, hint="lo"),
                self._scalar(scope, "select", (untied, Call("add", (k, Const(1))), self._operand(d, "n")), node,
                             hint="hi")) for k, d in zip(at_first, dims)]
        shares(box)
        return Var(result)


LOGICAL_CALLS = {"np.logical_and": "and", "np.logical_or": "or", "np.logical_not": "not"}
ELEMENT_TESTS = ("np.isnan", "np.isinf", "np.isfinite")  # a mask of an array's elements

_HINTS = {"add": "total", "sub": "diff", "mul": "prod", "div": "ratio", "pow": "power", "neg": "neg",
          **{k: k for k in COMPARISONS}}


def _line_entry(rank: int, axis: int):
    """The index into an array of that rank (and its sorted copy) of entry k
    of line r along ``axis``."""
    return lambda r, k: [k] if rank == 1 else ([r, k] if axis == 1 else [k, r])


def _scalar_names(p: _P) -> set[str]:
    """The names a number-valued prepared value reads, elementwise."""
    if p.kind == "scalar":
        return {p.value.name} if isinstance(p.value, Var) else set()
    if p.kind == "op":
        return set().union(*(_scalar_names(a) for a in p.args)) if p.args else set()
    return set()


def _text(scope, node) -> str:
    return scope.src.source_of(node).strip()


def _loc(scope, node):
    return scope.src.loc(node) if node is not None else None


def _is_none(node) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _axis_keyword(name: str, args: list, kwargs: dict) -> tuple[list, dict]:
    """``np.cumsum(A, 1)``: a positional axis, passed as ``axis=``.  An axis of
    None where it means the whole (flattened) array, as no axis does
    (``np.mean(A, axis=None)``), is dropped."""
    if name in _AXIS_SECOND and len(args) == 2 and "axis" not in kwargs:
        args, kwargs = args[:1], {**kwargs, "axis": args[1]}
    if name in _NONE_AXIS_IS_NO_AXIS and "axis" in kwargs and _is_none(kwargs["axis"]):
        kwargs = {k: v for k, v in kwargs.items() if k != "axis"}
    return args, kwargs


def _reads_other_elements(p: _P, var: Var, r: int) -> bool:
    """Whether computing element (i, ...) of ``p`` reads any element of the array
    ``var`` other than (i, ...) itself (an in-place update would then read
    values it has already overwritten)."""
    if p.kind == "array":  # (a view, even y[::-1] of the same rank, reads other elements)
        return p.value == var and (p.transposed or p.rank != r or p.view is not None)
    if p.kind in ("op", "where"):
        return any(_reads_other_elements(a, var, r) for a in p.args)
    if p.kind == "scalar":
        return False
    return _mentions(p, var)  # dot, reduce, outer: other elements


def _mentions(p: _P, var: Var) -> bool:
    return (p.kind == "array" and p.value == var) or any(_mentions(a, var) for a in p.args)


def _stretched(p: _P, shape: list) -> bool:
    """Whether broadcasting repeats ``p``'s elements along some axis of ``shape``."""
    return p.rank < len(shape) or any(d in _STRETCHED and shape[len(shape) - p.rank + k] not in _STRETCHED
                                      for k, d in enumerate(p.shape))


def _costly(p: _P) -> bool:
    """Whether an element of ``p`` costs a loop: a product, an outer product,
    a reduction along an axis or a join somewhere in it."""
    if p.kind in ("dot", "reduce", "outer", "concat", "stack", "reshape", "kept"):
        return True
    return any(_costly(a) for a in p.args)


def _read_in_step(p: _P, var: Var) -> bool:
    """Whether every read of ``var`` in ``p`` is of the element being written
    (the whole array, not a view, under elementwise operations only): then
    ``var`` may take ``p``'s values in place."""
    if p.kind == "array" and p.value == var:
        return p.view is None and not p.transposed
    if p.kind in ("op", "where"):
        return all(_read_in_step(a, var) for a in p.args)
    return not _mentions(p, var)


def _only_added(p: _P, var: Var) -> bool:
    """Whether ``var`` enters ``p`` only as a term added or subtracted (``W - lr
    * g``): its reverse then needs no old element of ``var``.  Elsewhere (``W -
    c * W``, ``W * decay``) a 2-D array filled in place would have each element
    read and overwritten inside a loop nest, whose reverse cannot re-read the
    old values: the new values go through a work array instead."""
    if p.kind == "array" and p.value == var:
        return True
    if p.kind == "op" and p.prim in ("add", "sub"):
        return all(_only_added(a, var) or not _mentions(a, var) for a in p.args)
    return not _mentions(p, var)


def _sliced(node: cst.Subscript, r: int) -> bool:
    """Whether a subscript of a rank-``r`` array is a slice (not one element)."""
    return any(isinstance(el.slice, cst.Slice) or _new_axis(el) for el in node.slice) or len(node.slice) < r


def _simplify(e: Expr) -> Expr:
    """``n - 0`` -> ``n``: slice lengths read better in emitted code and errors."""
    if isinstance(e, Call) and e.prim == "sub" and e.args[1] == Const(0):
        return e.args[0]
    return e


def with_moving_lengths(block: list, lengths: dict) -> list:
    """``block`` with every ``shape(a, k)`` and ``size(a)`` of an array made in a
    loop at a bound (``lengths``: array -> per axis, the name holding its
    length, or None) read from the names that hold this iteration's lengths,
    as Python sees the array."""
    if not lengths:
        return block

    def dim(a: Var, k: int) -> Expr:
        moving = lengths[a.name][k]
        return Var(moving) if moving is not None else Call("shape", (a, Const(k)))

    def r(e: Expr) -> Expr:
        if not isinstance(e, Call):
            return e
        args = tuple(r(a) for a in e.args)
        if e.prim == "shape" and isinstance(args[0], Var) and args[0].name in lengths and isinstance(args[1], Const):
            return dim(args[0], args[1].value)
        if e.prim == "size" and len(args) == 1 and isinstance(args[0], Var) and args[0].name in lengths:
            out = dim(args[0], 0)
            for k in range(1, len(lengths[args[0].name])):
                out = Call("mul", (out, dim(args[0], k)))
            return out
        return Call(e.prim, args)

    return map_expressions(block, r)


def _conversion(scope, node) -> tuple[cst.BaseExpression, str] | None:
    """``(x, "copy")`` of ``x.copy()`` and ``np.copy(x)``, ``(x, "astype")`` of
    ``x.astype(np.float64)`` (the same values where ``x`` holds floats), ``x`` a
    name or an expression (not a module: ``np.linalg``), else None."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)):
        return None
    receiver, name = node.func.value, node.func.attr.value
    if isinstance(receiver, cst.Name) and scope.src.imports.get(receiver.value) == "np" and name == "copy" \
            and len(node.args) == 1 and node.args[0].keyword is None and not node.args[0].star:
        return node.args[0].value, name  # np.copy(x), as x.copy()
    root = receiver
    while isinstance(root, cst.Attribute):
        root = root.value
    if receiver is not root and isinstance(root, cst.Name) and root.value in scope.src.imports:
        return None
    if name == "copy" and not node.args:
        return receiver, name
    if name == "astype" and len(node.args) == 1 and node.args[0].keyword is None \
            and scope.src.source_of(node.args[0].value).strip() in FLOAT_DTYPES:
        return receiver, name
    return None


def _converted(scope, node) -> cst.BaseExpression | None:
    """The expression under ``(expr).astype(np.float64)`` or ``(expr).copy()``
    (an expression, not a name: ``_copied_name`` takes those), else None."""
    found = _conversion(scope, node)
    return found[0] if found is not None and not isinstance(found[0], cst.Name) else None


def _copied_name(scope, node) -> tuple[cst.Name, str] | None:
    """:func:`_conversion` of a name (``x.copy()``, ``x.astype(np.float64)``), else None."""
    found = _conversion(scope, node)
    return found if found is not None and isinstance(found[0], cst.Name) else None
