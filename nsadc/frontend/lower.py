"""Lowering: libcst function definition -> IR in three-address form.

Every construct outside the differentiable subset is refused here with a
located error that says what to write instead.  Calls to other plain functions
are inlined (recursion is refused), so the transforms see one function.
"""

from __future__ import annotations

import builtins
import inspect
import math
from dataclasses import dataclass, field

import libcst as cst

from nsadc.rules.source import expr_source
from nsadc.errors import NsadcError, RankError, UnsupportedError
from nsadc.frontend.arrays import (ARRAY_METHODS, INT_OPERATORS, ArrayLowering, bound_in_flow, infer_array_param,
                                  row_view_indices, written_arrays)
from nsadc.frontend.comprehensions import reductions_as_loops
from nsadc.frontend.cst_nodes import mentioned_names, nodes, place_tree, scan
from nsadc.frontend.loop_names import own_loop_variables
from nsadc.frontend.vectorize import ELEMENT_TESTS, LOGICAL_CALLS, VectorLowering, with_moving_lengths
from nsadc.frontend.source import SourceFile, SourceUnavailable, closure_env, source_of_function
from nsadc.frontend.structure import eliminate_exits
from nsadc.frontend.module_calls import module_calls_by_name
from nsadc.frontend.swaps import swaps_as_tuples
from nsadc.frontend.syntax import (BINARY_OPS, BIT_OPS, COMPARE_OPS, all_params, base_name, bindings, names_in,
                                   scope_bindings, squared_sums, sum_of_squares)
from nsadc.ir.names import Names
from nsadc.ir.nodes import (Assign, Break, Call, Const, Continue, Expr, For, Function, If, Param,
                            Raw, Return, Stmt, Var, While, walk)
from nsadc.rules.arrays import ALLOCATORS, LIKE, is_array, rank
from nsadc.rules.table import ALIASES, COMPARISONS, RULES

_AUGOPS = {
    cst.AddAssign: "add", cst.SubtractAssign: "sub", cst.MultiplyAssign: "mul",
    cst.DivideAssign: "div", cst.FloorDivideAssign: "floordiv", cst.ModuloAssign: "mod",
    cst.PowerAssign: "pow", cst.LeftShiftAssign: "lshift", cst.RightShiftAssign: "rshift",
    cst.BitAndAssign: "bitand", cst.BitOrAssign: "bitor", cst.BitXorAssign: "bitxor",
}
_BUILTIN_PRIMS = {"abs": "abs", "max": "max", "min": "min", "round": "round", "float": "float",
                  "int": "trunc", "pow": "pow"}
_BUILTIN_HINTS = {
    "sum": "add the terms up in a for loop over range()",
    "len": "pass the length as an int argument",
    "range": "use range() only as the iterable of a for loop",
    "enumerate": "loop with `for i in range(n):`",
    "zip": "loop with `for i in range(n):`",
    "map": "call the function in a for loop over range()",
    "bool": "compare instead: `x != 0`",
    "str": "compute with floats only",
    "isinstance": "nsadc knows the types: remove the check",
}
# array methods whose receiver's rank may only be known from the call's arguments
# the most elements of a module-level NumPy array frozen into the code (Lowerer._freeze_module_arrays)
FROZEN_ARRAY_LIMIT = 256  # each element is one statement of the emitted code
# exceptions that a guard clause may raise (numba raises them too)
_EXCEPTIONS = {"ValueError", "ZeroDivisionError", "ArithmeticError", "OverflowError", "FloatingPointError",
               "RuntimeError", "IndexError", "TypeError", "AssertionError", "NotImplementedError", "Exception"}
_CONSTANTS = {"math.pi": math.pi, "math.e": math.e, "math.tau": math.tau, "math.inf": math.inf,
              "math.nan": math.nan, "np.pi": math.pi, "np.e": math.e, "np.inf": math.inf,
              "np.nan": math.nan}
_WORDS = {"add": "plus", "sub": "minus", "div": "over", "pow": "pow", "floordiv": "idiv",
          "mod": "mod", **{k: k for k in COMPARISONS}}


def _supported(module: str) -> list[str]:
    """The function names of ``module`` ("math" or "np") that nsadc differentiates."""
    names = {k.split(".", 1)[1] for k in ALIASES if k.split(".")[0] == module}
    if module == "math":
        names |= {k for k in RULES if callable(getattr(math, k, None))}
    return sorted(names)


def _const_value_ok(value) -> bool:
    return isinstance(value, (bool, int, float)) and not isinstance(value, complex)


@dataclass
class _Scope:
    """What one function being lowered (the entry or an inlined callee) knows."""

    src: SourceFile
    node: cst.FunctionDef
    rename: dict[str, Expr]  # user name -> IR operand
    locals: set[str]
    loop_vars: set[str] = field(default_factory=set)  # every name a for loop binds
    # loop variables other statements assign too, or read after a loop: each for loop gets a
    # variable of its own, and the loops whose last value a later read may see (their ids) assign
    # the name from it at the top of each iteration
    own_loop_vars: set[str] = field(default_factory=set)
    copied_loop_vars: set[int] = field(default_factory=set)
    open_loops: list[str] = field(default_factory=list)  # for-loop variables in scope now
    depth: int = 0  # how many loops (for or while) enclose the statement being lowered
    env: dict | None = None  # the defining module's globals (decorator), or None (CLI)


def _rebinds(body: cst.CSTNode, name: str) -> bool:
    """Whether ``body`` binds ``name`` (an assignment, an augmented one, a loop;
    ``x[k:] -= v`` reads ``k``, it does not bind it)."""
    def bound(target) -> bool:
        if isinstance(target, cst.Name):
            return target.value == name
        if isinstance(target, (cst.Tuple, cst.List)):
            return any(bound(el.value) for el in target.elements)
        return isinstance(target, cst.StarredElement) and bound(target.value)

    return any(bound(n.target) for n in nodes(body)
               if isinstance(n, (cst.AssignTarget, cst.AugAssign, cst.For, cst.NamedExpr)))


def _binds_by_name(body: cst.CSTNode, name: str) -> bool:
    """Whether ``body`` binds ``name`` to a new value (``y = ...``, a loop
    variable, a walrus), as opposed to updating its array in place (``y *= 2``,
    ``y[i] = v``: not bindings)."""
    def bound(target) -> set[str]:
        found: set[str] = set()
        names_in(target, found)
        return found

    return any(isinstance(n, (cst.AssignTarget, cst.For, cst.NamedExpr)) and name in bound(n.target)
               for n in nodes(body))


def _collect_assigned(node: cst.FunctionDef) -> tuple[set[str], set[str]]:
    """Names the function assigns, and those of them bound by `for` loops."""
    plain, augmented, loop = _bindings_by_kind(node)
    return plain | augmented | loop, loop


def _viewed_name(e: cst.BaseExpression, rank: int) -> str | None:
    """The name ``e`` is a view of (a name of ``rank`` dimensions read whole by
    its indices is an element, not a view), else None."""
    name = base_name(e)
    if name is None or isinstance(e, cst.Name):
        return None  # (a helper returning its argument itself is refused where it is inlined)
    if isinstance(e, cst.Subscript) and isinstance(e.value, cst.Name) and not any(
            isinstance(el.slice, cst.Slice) or (isinstance(el.slice, cst.Index) and (
                isinstance(el.slice.value, cst.Ellipsis) or (isinstance(el.slice.value, cst.Name)
                                                             and el.slice.value.value == "None")))
            for el in e.slice) and len(e.slice) >= rank:
        return None  # v[i] of a 1-D v, A[i, j]: a number (v[...], v[None]: views)
    return name


def _updated_in_place_only(node: cst.FunctionDef) -> set[str]:
    """Names the function binds only by augmented assignments (``y += v``): of an
    array, an update in place, which its caller sees."""
    plain, augmented, loop = _bindings_by_kind(node)
    return augmented - plain - loop


def _bindings_by_kind(node: cst.FunctionDef) -> tuple[set[str], set[str], set[str]]:
    """The names the function binds by plain (and annotated) assignments, by
    augmented ones (names only: ``y += v``, not ``y[i] += v``), and by `for` loops."""
    plain: set[str] = set()
    augmented: set[str] = set()
    loop: set[str] = set()

    class V(cst.CSTVisitor):
        def visit_AssignTarget(self, n):
            names_in(n.target, plain)

        def visit_AugAssign(self, n):
            names_in(n.target, augmented if isinstance(n.target, cst.Name) else plain)

        def visit_AnnAssign(self, n):
            names_in(n.target, plain)

        def visit_For(self, n):
            names_in(n.target, loop)

        def visit_FunctionDef(self, n):
            return n is node

    node.visit(V())
    return plain, augmented, loop


def _rewritten_forms(src, fnode: cst.FunctionDef, env: dict | None) -> tuple[cst.FunctionDef, dict | None]:
    """``fnode`` as lowered, the function's and each inlined helper's, and the
    globals it reads: swaps through a temporary as tuple swaps, reductions of
    comprehensions as loops, helpers called through their module's name as
    called by a name of their own."""
    fnode, env = module_calls_by_name(src, fnode, env)
    return reductions_as_loops(src, swaps_as_tuples(src, fnode)), env


class Lowerer(ArrayLowering, VectorLowering):
    def __init__(self, src: SourceFile, node: cst.FunctionDef, env: dict | None = None,
                 param_types: dict[str, str] | None = None):
        node, env = _rewritten_forms(src, node, env)
        self.names = Names(mentioned_names(node))
        self.out: list[Stmt] = []
        self.call_stack: list[str] = []
        self.param_types = param_types or {}
        self.entry = _Scope(src, node, {}, set(), env=env)
        self.user_vars: dict[str, str] = {}  # IR name of every user local -> the user's name
        self.checked_vars: set[str] = set()  # inlined helpers' locals, checked where they were inlined
        # id(While) -> (the loop, how many statements at the end of its body recompute its test)
        self.while_tails: dict[int, tuple[While, int]] = {}
        self.arrays: dict[str, str] = {}  # IR name of every array -> its type (rules/arrays.py)
        self.param_names: set[str] = set()
        self.stored_params: set[str] = set()  # array parameters the function writes into
        # vectorized NumPy (frontend/vectorize.py): the shape of each array made here, the
        # shape requirements the API checks before each call, and int names that stand for
        # one argument dimension (n = x.shape[0])
        self.shapes: dict[str, list[Expr]] = {}
        self.static = param_types is None
        self.lenient = False  # a rank error let pass before the call (frontend/vectorize.py)
        self.int_params: set[str] = set()  # int arguments the function never rebinds
        self.preamble: list[Stmt] = []  # arrays made at entry for vectorized values inside loops
        self.size_params: set[str] = set()  # parameters that whole-array loops use as sizes
        self.rank_guessed: set[str] = set()  # array parameters whose rank the code does not show
        # for-loop variable being lowered -> (first, last) value, integer expressions of the arguments
        self.loop_ranges: dict[str, tuple[Expr, Expr]] = {}
        self.rank_at_least: set[str] = set()  # array parameters whose rank may exceed what the code shows
        self.vectorized = False
        self.shape_checks: list[tuple[Expr, Expr, str]] = []
        self.dim_alias: dict[str, Expr] = {}

    # ---------------------------------------------------------------- entry

    def lower(self) -> Function:
        try:
            return self._lower()
        except NsadcError:
            raise
        except Exception as e:  # a bug in nsadc: still say where in the user's code it happened
            raise self._internal(self.entry, self.entry.node, e) from None

    def _internal(self, scope, node, e: Exception) -> UnsupportedError:
        return self._err(scope, node, f"nsadc failed on this code (internal error: "
                         f"{type(e).__name__}: {e})",
                         "please report this with the function's source; meanwhile rewrite the "
                         "statement with plain assignments of arithmetic and math calls")

    def _lower(self) -> Function:
        scope = self.entry
        node = scope.node
        self._check_signature(scope)
        params = []
        for p in all_params(node):
            name = p.name.value
            params.append(Param(name, self._param_type(scope, p)))
            scope.rename[name] = Var(name)
            self.param_names.add(name)
            if params[-1].type == "int" and bindings(node, name)[0] <= 1:
                self.int_params.add(name)  # an int all along: int arrays plus it stay int
            if is_array(params[-1].type):
                self.arrays[name] = params[-1].type
        assigned, loop_vars = _collect_assigned(node)
        scope.locals = assigned | {p.name for p in params}
        self._check_module_names(scope)
        scope.loop_vars = loop_vars
        self._check_loop_vars(scope)
        self._freeze_module_arrays(scope)
        for name in sorted(bound_in_flow(node) & set(self.arrays)):
            # an array argument that takes new values in a loop or a branch (W = W - lr * g):
            # the function works on a copy of it from the start, which takes them in place
            own = self.names.fresh(name)
            self.user_vars[own] = name
            self.preamble.append(Assign(own, Call("array_copy", (Var(name),)), scope.src.loc(node)))
            self.arrays[own], self.shapes[own] = self.arrays[name], list(self._shape(name))
            scope.rename[name] = Var(own)
        self.call_stack.append(node.name.value)
        body = self._block(scope, node.body.body)
        body = self.preamble + body
        self.call_stack.pop()
        for p, cst_param in zip(params, all_params(node)):
            if p.name in self.size_params and p.type == "float":
                raise self._err(scope, cst_param, f"{p.name} is used as an array size, but nsadc takes it "
                                "for a float (it is not used as a range() bound or annotated)",
                                f"annotate it: {p.name}: int")
        self._check_returns(scope, body)
        body = with_moving_lengths(body, self.moving_lengths)
        body = _counters_as_ints(body)
        unchecked = {v: u for v, u in self.user_vars.items() if v not in self.checked_vars}
        _DefiniteAssignment(unchecked, scope.src.loc(node)).run(body, {p.name for p in params})
        body = eliminate_exits(body, self.names, results=None, tails=self.while_tails)
        doc = node.get_docstring() if hasattr(node, "get_docstring") else None
        fn = Function(node.name.value, params, body, scope.src.loc(node), doc)
        fn.names = self.names
        fn.stored_params = sorted(self.stored_params)
        fn.vectorized = self.vectorized
        # number parameters met elementwise with arrays: a call may pass arrays for them
        fn.scalar_or_array = sorted(getattr(self, "broadcast_params", ()))
        # before the call, whole-array code on these parameters was lowered with guessed ranks
        fn.rank_guessed = sorted(self.rank_guessed) if self.vectorized else []
        fn.lenient = self.lenient
        fn.shape_checks = [(expr_source(a), expr_source(b), where) for a, b, where in self.shape_checks]
        return fn

    def _param_type(self, scope, p: cst.Param) -> str:
        name = p.name.value
        if name in self.param_types:
            return self.param_types[name]
        ann = p.annotation.annotation if p.annotation else None
        if isinstance(ann, cst.Name) and ann.value in ("float", "int", "bool"):
            return ann.value
        evidence: dict = {}
        if ann is not None and scope.src.source_of(ann).strip() in ("np.ndarray", "numpy.ndarray"):
            found = infer_array_param(scope.node, name, scope.src.functions, evidence=evidence)
            if not evidence.get("pinned"):
                self.rank_guessed.add(name)
            if not evidence.get("exact"):
                self.rank_at_least.add(name)
            return found or "array1"
        if ann is not None:
            raise self._err(scope, ann, f"parameter annotation {scope.src.source_of(ann)!r} is not supported",
                            "annotate scalars as float, int or bool, arrays as np.ndarray, or leave "
                            "the annotation out")
        found = infer_array_param(scope.node, name, scope.src.functions, evidence=evidence)
        if found is None and (_iterated(scope.node, name) or _grid_argument(scope.node, name)):
            return "array1"  # for v in x: the elements of a 1-D array
        if found is None and _grid_argument(scope.node, name, _STATISTICS_ARGUMENTS):
            self.rank_guessed.add(name)  # np.diff(x): an array, of the call's rank
            return "array1"
        if found is not None and not evidence.get("pinned"):
            self.rank_guessed.add(name)
        if found is not None and not evidence.get("exact"):
            self.rank_at_least.add(name)
        if found is None and _only_passed_on(scope.node, name, self._is_user_function(scope)) \
                and _handles_arrays(scope.node, scope.src.functions):
            self.rank_guessed.add(name)  # helper(x) alone does not show whether x is an array
        if found is None and _flows_into_indexed(scope.node, name):
            self.rank_guessed.add(name)  # q = recharge * c, then q[i, j]: the call's rank decides
        return found or _infer_param_type(scope.node, name, scope.src.functions)

    def _is_user_function(self, scope):
        """A test: does a call to this name go to a function nsadc inlines?"""
        def test(callee: str) -> bool:
            if callee in scope.locals or callee in _BUILTIN_PRIMS or callee in scope.src.imports:
                return False
            if scope.env is not None and callee in scope.env:
                obj = scope.env[callee]
                obj = getattr(obj, "__wrapped__", getattr(obj, "py_func", obj))
                return callable(obj) and hasattr(obj, "__code__")
            return callee in scope.src.functions
        return test

    def _freeze_module_arrays(self, scope):
        """Module-level NumPy arrays the function reads (``GL_WEIGHTS[k]``) are
        constants, as in Numba: each becomes an array filled with its values at the
        start of the function (the emitted code stays standalone).  Arrays of
        floats or ints of rank 1 or 2 and at most ``FROZEN_ARRAY_LIMIT`` elements;
        others stay refused where they are read."""
        if scope.env is None:
            return
        import numpy as np

        frozen = self.__dict__.setdefault("_frozen_arrays", {})
        for name in sorted(mentioned_names(scope.node) - scope.locals - set(scope.src.imports)):
            original = value = scope.env.get(name)
            if _numbers_tuple(value) and _only_indexed(scope, name):
                # COEFS = (0.5, 0.25) read as COEFS[k], len(COEFS), for c in COEFS: as Numba
                # freezes a global tuple (arithmetic on it, repetition in Python, stays refused);
                # a list of coefficients is read the same way, its values frozen when compiled
                value = np.array(value, dtype=np.float64 if any(isinstance(v, float) for v in value) else np.int64)
            if not (isinstance(value, np.ndarray) and value.ndim in (1, 2) and value.dtype.kind in "fiu"
                    and 0 < value.size <= FROZEN_ARRAY_LIMIT) or _module_assignment(scope.src, name)[1] is not True:
                continue
            ir = frozen.get(id(original), (None, None))[1]
            if ir is None:
                floating = value.dtype.kind == "f"
                # the entry function freezes before it lowers anything: the name is free
                ir = name if scope is self.entry else self.names.fresh(name)
                dims = tuple(Const(int(d)) for d in value.shape)
                self.preamble.append(Assign(ir, Call("zeros" if floating else "index_empty", dims)))
                for pos in np.ndindex(value.shape):
                    v = float(value[pos]) if floating else int(value[pos])
                    if v != 0 or not floating:
                        self.preamble.append(Assign(ir, Call("store", (Var(ir), *(Const(int(k)) for k in pos),
                                                                       Const(v)))))
                self.arrays[ir] = f"{'' if floating else 'i'}array{value.ndim}"
                self.shapes[ir] = list(dims)  # (known: whole-array code checks it against the arguments')
                self.user_vars[ir] = name
                frozen[id(original)] = (original, ir)  # keep the value alive: its id stays its own
            scope.locals.add(name)
            scope.rename[name] = Var(ir)

    def _check_signature(self, scope):
        node = scope.node
        ps = node.params
        block = scope.src.parents.get(node)
        if isinstance(scope.src.parents.get(block), cst.ClassDef):
            raise self._err(scope, node.name, f"{node.name.value}() is a method of a class; "
                            "classes are not supported",
                            "write a module-level function that takes the attributes it needs "
                            "as float arguments")
        if isinstance(ps.star_arg, cst.Param):
            raise self._err(scope, ps.star_arg, "*args is not supported",
                            "list the arguments explicitly")
        if isinstance(ps.star_kwarg, cst.Param):
            raise self._err(scope, ps.star_kwarg, "**kwargs is not supported",
                            "list the arguments explicitly")
        if node.asynchronous is not None:
            raise self._err(scope, node.asynchronous, "async functions are not supported",
                            "use a plain def")

    def _check_module_names(self, scope):
        # the emitted module calls math.copysign, np.zeros ... by these names: a variable of the
        # function named like one of them would stand in for the module there
        clash = sorted(scope.locals & _MODULE_NAMES)
        if clash:
            where = next(n for n in nodes(scope.node) if isinstance(n, cst.Name) and n.value == clash[0])
            raise self._err(scope, where, f"a variable named {clash[0]} would hide the {clash[0]} module "
                            "that the derivative code calls", f"rename {clash[0]} (e.g. {clash[0]}_)")

    def _check_loop_vars(self, scope):
        # A `for` loop variable may only be bound by `for` loops: the reverse sweep
        # rebuilds it from the loop bounds instead of taping it.  A name other
        # statements assign too gives each of its loops a variable of its own,
        # where nothing reads the name after a loop before assigning it again.
        node = scope.node
        scope.own_loop_vars, scope.copied_loop_vars = own_loop_variables(node, scope.loop_vars)
        scope.loop_vars = scope.loop_vars - scope.own_loop_vars

        class V(cst.CSTVisitor):
            bad = None

            def visit_AssignTarget(self, n):
                names: set[str] = set()
                names_in(n.target, names)
                if names & scope.loop_vars and self.bad is None:
                    self.bad = n

            def visit_AugAssign(self, n):
                names: set[str] = set()
                names_in(n.target, names)
                if names & scope.loop_vars and self.bad is None:
                    self.bad = n

        v = V()
        scan(node.body, v)
        if v.bad is not None:
            raise self._err(scope, v.bad, "a `for` loop variable is assigned outside its `for` statement, "
                            "and a read after the loop may see either value",
                            "use a separate variable for the value you compute, or assign the name "
                            "again after the loop before reading it")

    def _check_returns(self, scope, body: list[Stmt], statement: bool = False) -> int:
        """Every path through ``body`` returns, and every return gives the same number
        of values; that number.  A helper called as a statement (``statement``) may
        instead return nothing at all: 0."""
        node = scope.node
        name = node.name.value
        returns = [s for s in walk(body) if isinstance(s, Return)]
        bare = [r for r in returns if r.value is None]
        if bare and (len(bare) < len(returns) or not statement):
            raise UnsupportedError(
                f"a bare `return` in {name}(), which must return a value here", bare[0].loc,
                "return a number on every path (`return 0.0`), or call it as a statement "
                "when it only writes into its array arguments")
        if statement and len(bare) == len(returns):
            return 0
        if not returns:
            last = node.body.body[-1] if node.body.body else node
            raise self._err(scope, last, f"{name}() never returns a value",
                            "end the function with `return <result>`")
        sizes = [len(r.value) if isinstance(r.value, tuple) else 1 for r in returns]
        for r, n in zip(returns, sizes):
            if n != sizes[0]:
                raise UnsupportedError(
                    f"{name}() returns {sizes[0]} value{'s' if sizes[0] != 1 else ''} on one path "
                    f"and {n} on another", r.loc,
                    "return the same number of values on every path")
        if _can_fall_through(body):
            last = node.body.body[-1]
            raise self._err(scope, last, f"{name}() can reach its end without returning a value "
                            "(after this statement)",
                            "add a final `return ...` (or an else branch that returns) so every "
                            "path returns")
        return sizes[0]

    # ---------------------------------------------------------------- helpers

    def _err(self, scope, node, message, hint=None):
        return UnsupportedError(message, scope.src.loc(node), hint)

    def _rank_err(self, scope, node, message, hint=None):
        return RankError(message, scope.src.loc(node), hint)

    def _emit(self, stmt: Stmt):
        self.out.append(stmt)

    def _block(self, scope, stmts) -> list[Stmt]:
        saved, self.out = self.out, []
        for s in stmts:
            self._stmt(scope, s)
        block, self.out = self.out, saved
        return block

    # ---------------------------------------------------------------- statements

    def _stmt(self, scope, node):
        try:
            self._stmt_inner(scope, node)
        except NsadcError:
            raise
        except RecursionError:
            raise self._err(scope, node, "this statement is nested too deeply for nsadc",
                            "split it into several assignments") from None
        except Exception as e:  # a bug in nsadc: locate it at the innermost statement
            raise self._internal(scope, node, e) from None

    def _stmt_inner(self, scope, node):
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                self._small(scope, small)
        elif isinstance(node, cst.BaseSmallStatement):  # a one-line body: `if x > 0: return x`
            self._small(scope, node)
        elif isinstance(node, cst.If):
            self._if(scope, node)
        elif isinstance(node, cst.For):
            self._for(scope, node)
        elif isinstance(node, cst.While):
            self._while(scope, node)
        else:
            raise self._unsupported_stmt(scope, node)

    def _ellipses_spelled_out(self, scope, node):
        """``node`` with each ``...`` in an index of a named array written as the
        full slices it stands for (``T[..., 0]`` of a 3-D ``T`` is ``T[:, :,
        0]``), as NumPy reads it."""
        if not any(isinstance(n, cst.Ellipsis) for n in nodes(node)):
            return node
        lowerer = self

        class Spelled(_InPlaceOfTheUsers):
            def leave_Subscript(self, old, new):
                dots = [k for k, el in enumerate(new.slice)
                        if isinstance(el.slice, cst.Index) and isinstance(el.slice.value, cst.Ellipsis)]
                found = lowerer._local_array(scope, new.value) if isinstance(new.value, cst.Name) else None
                if len(dots) != 1 or found is None:
                    return new  # (refused where it is lowered: "... is not supported")
                others = sum(1 for k, el in enumerate(new.slice) if k != dots[0] and not (
                    isinstance(el.slice, cst.Index) and isinstance(el.slice.value, cst.Name)
                    and el.slice.value.value == "None"))
                if others > rank(found[1]):
                    return new
                full = [cst.SubscriptElement(cst.Slice(lower=None, upper=None),
                                             comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                        for _ in range(rank(found[1]) - others)]
                items = list(new.slice)
                spelled = new.with_changes(slice=[*items[:dots[0]], *full, *items[dots[0] + 1:]])
                return _placed(scope, spelled, old, scope.src.parents.get(old))

        return node.visit(Spelled(scope))

    def _named_bases(self, scope, node):
        """``node`` with each array expression that is indexed (``np.maximum(c,
        1.0)[:, None]``) or transposed (``(A @ B).T``) computed first into an
        array of its own, which the index then reads: NumPy evaluates the
        expression before indexing it."""
        lowerer = self

        class Name(_InPlaceOfTheUsers):
            def visit_Lambda(self, n):
                return False

            def leave_Subscript(self, old, new):
                base = new.value
                sliced_twice = isinstance(base, cst.Subscript) and _slices_only(new) and _slices_only(base) \
                    and lowerer._local_array(scope, base.value) is not None
                if not (isinstance(base, (cst.Call, cst.BinaryOperation, cst.UnaryOperation)) or (
                        isinstance(base, cst.Attribute) and base.attr.value == "T") or sliced_twice) \
                        or lowerer._array_rank(scope, base) == 0:
                    return new  # a name, a list, a number: indexed as written
                held = lowerer._vector(scope, base)
                name = lowerer.names.fresh("indexed")
                scope.locals.add(name)
                scope.rename[name] = held
                if lowerer._of_a_new_array(scope, base):  # (not x.T[0], which NumPy reads through x)
                    lowerer.__dict__.setdefault("made_arrays", set()).add(name)
                placed = _placed(scope, new.with_changes(value=cst.Name(name)), old, scope.src.parents.get(old))
                lowerer.__dict__.setdefault("written_as", {})[id(placed)] = old  # (for messages)
                return placed

            def leave_Attribute(self, old, new):
                # (A * 2.0).T, (A @ B).T: the transpose of a new 2-D array, that array computed first
                base = new.value
                if new.attr.value != "T" or not isinstance(base, (cst.Call, cst.BinaryOperation,
                                                                  cst.UnaryOperation)) \
                        or lowerer._array_rank(scope, base) != 2 or not lowerer._of_a_new_array(scope, base):
                    return new
                name = lowerer.names.fresh("transposed")
                scope.locals.add(name)
                scope.rename[name] = lowerer._vector(scope, base)
                lowerer.__dict__.setdefault("made_arrays", set()).add(name)
                return _placed(scope, new.with_changes(value=cst.Name(name)), old, scope.src.parents.get(old))

        if not any((isinstance(n, cst.Subscript) and isinstance(n.value, (cst.Call, cst.BinaryOperation,
                                                                          cst.UnaryOperation, cst.Attribute,
                                                                          cst.Subscript)))
                   or (isinstance(n, cst.Attribute) and n.attr.value == "T"
                       and isinstance(n.value, (cst.Call, cst.BinaryOperation, cst.UnaryOperation)))
                   for n in nodes(node)):
            return node
        return node.visit(Name(scope))

    def _check_store_targets(self, scope, node) -> None:
        """Refuse a store into an indexed expression (``B.T[0] = v``, ``z[1:][::2] =
        v``, ``np.asarray(z)[0] *= 2``): NumPy writes through the view into ``B`` or
        ``z``, where :meth:`_named_bases` would compute the expression into an
        array of its own and store there."""
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else \
            [node.target] if isinstance(node, cst.AugAssign) else []
        for target in targets:
            base = target.value if isinstance(target, cst.Subscript) else None
            if isinstance(base, (cst.Call, cst.BinaryOperation, cst.UnaryOperation, cst.Attribute)) or (
                    isinstance(base, cst.Subscript) and _slices_only(target)):
                what = scope.src.source_of(base).strip()
                raise self._err(scope, target, f"assignment into {what}, a view of an array, is not supported "
                                "(NumPy writes through it into the array)",
                                "index the array by its own name: B[:, 0] = v for B.T[0] = v, "
                                "z[1::2] = v for z[1:][::2] = v")

    def _unsupported_stmt(self, scope, node):
        table = {
            cst.FunctionDef: ("nested function definitions are not supported",
                              "define the helper at module level; nsadc inlines calls to it"),
            cst.ClassDef: ("classes are not supported", "pass the values as float arguments"),
            cst.Try: ("try/except is not supported",
                      "check the condition with an if statement instead"),
            cst.TryStar: ("try/except* is not supported",
                          "check the condition with an if statement instead"),
            cst.With: ("with statements are not supported", "remove the context manager"),
            cst.Match: ("match statements are not supported", "use if/elif/else"),
        }
        for kind, (msg, hint) in table.items():
            if isinstance(node, kind):
                return self._err(scope, node, msg, hint)
        return self._err(scope, node, f"{type(node).__name__} statements are not supported",
                         "use assignments, if/elif/else, for over range() and while")

    def _small(self, scope, node):
        self._check_store_targets(scope, node)
        node = self._named_bases(scope, node)
        node = self._ellipses_spelled_out(scope, node)
        if isinstance(node, cst.Assign):
            self._assign(scope, node)
        elif isinstance(node, cst.AugAssign):
            self._augassign(scope, node)
        elif isinstance(node, cst.AnnAssign):
            if node.value is None:
                return
            self._assign_to(scope, node.target, node.value, node)
        elif isinstance(node, cst.Return):
            self._return(scope, node)
        elif isinstance(node, (cst.Break, cst.Continue)):
            word = "break" if isinstance(node, cst.Break) else "continue"
            if scope.depth == 0:
                raise self._err(scope, node, f"`{word}` outside a loop",
                                f"use `{word}` only inside a for or while loop")
            self._emit((Break if word == "break" else Continue)(scope.src.loc(node)))
        elif isinstance(node, cst.Pass):
            return
        elif isinstance(node, cst.Raise):
            self._emit(Raw(self._raise_line(scope, node, node.exc), raises=True))
        elif isinstance(node, cst.Assert):
            test = self._condition(scope, node.test)
            failed = Raw(self._raise_line(scope, node, node.msg, "AssertionError"), raises=True)
            self._emit(If(test, [], [failed], scope.src.loc(node)))
        elif isinstance(node, cst.Expr):
            value = node.value
            if isinstance(value, (cst.SimpleString, cst.ConcatenatedString, cst.Ellipsis)):
                return  # a docstring, or `...` as a placeholder body
            if isinstance(value, cst.Yield):
                raise self._err(scope, node, "generators (yield) are not supported",
                                "compute the values in a loop and return the result")
            if isinstance(value, cst.Await):
                raise self._err(scope, node, "await is not supported", "use plain synchronous code")
            if isinstance(value, cst.Call) and (self._sort_in_place(scope, node, value)
                                                or self._fill_in_place(scope, node, value)):
                return
            if isinstance(value, cst.Call):
                kind, target = self._resolve_call(scope, value)  # refuses print(), list.append() ... by name
                if kind == "user" and self._call_statement(scope, value, target):
                    return
                if kind == "user" and written_arrays(target[1], target[0].functions) \
                        & {p.name.value for p in all_params(target[1])} and self._lenient():
                    return  # (ranks guessed before the call: `y += v` in the helper may write an array)
                what = "nsadc functions have no side effects"
                if kind == "user":
                    sliced = self._slice_written_by(scope, value, target)
                    if sliced is not None:
                        name, arg = target[1].name.value, scope.src.source_of(sliced).strip()
                        raise self._err(scope, sliced, f"{name}() writes into its argument {arg}, a slice: NumPy "
                                        "would write through the view, nsadc passes slices as copies",
                                        f"copy it, call, and store it back: part = {arg}.copy(); "
                                        f"{scope.src.source_of(value).strip().replace(arg, 'part', 1)}; "
                                        f"{arg} = part")
                    what = (f"{target[1].name.value}() writes into none of its array arguments and "
                            "nsadc functions have no other side effects")
                raise self._err(scope, node, "a call whose result is unused",
                                f"{what}: assign the result to a variable, or remove the call")
            raise self._err(scope, node, "an expression whose value is unused",
                            "assign the value to a variable, or remove the statement")
        else:
            hints = {
                cst.Global: ("global statements are not supported",
                             "pass the value as an argument and return the new value"),
                cst.Nonlocal: ("nonlocal statements are not supported",
                               "pass the value as an argument and return the new value"),
                cst.Del: ("del is not supported", "leave the variable in place"),
                cst.Import: ("imports inside the function are not supported",
                             "import math / numpy at module level"),
                cst.ImportFrom: ("imports inside the function are not supported",
                                 "import math / numpy at module level"),
            }
            for kind, (msg, hint) in hints.items():
                if isinstance(node, kind):
                    raise self._err(scope, node, msg, hint)
            raise self._err(scope, node, f"{type(node).__name__} statements are not supported",
                            "use assignments, if/elif/else, for over range() and while")

    def _raise_line(self, scope, node, exc, failed_assert: bool = False) -> str:
        """``raise ValueError("...")``, or the failure of ``assert test, "..."``, as
        a line of the emitted code: the primal and every derivative keep it, so
        they raise where the function raises.  The message is written with escapes
        only, so that the line names no variable of the program."""
        what = "assert" if failed_assert else "raise"
        hint = ('raise a builtin exception with a string literal: '
                'raise ValueError("sigma must be positive")')
        message = None
        if failed_assert:
            kind, message = "AssertionError", exc
        elif isinstance(exc, cst.Name):
            kind = exc.value
        elif isinstance(exc, cst.Call) and isinstance(exc.func, cst.Name) and len(exc.args) <= 1 \
                and all(a.keyword is None and not a.star for a in exc.args):
            kind = exc.func.value
            message = exc.args[0].value if exc.args else None
        elif exc is None:
            raise self._err(scope, node, "a bare `raise` (re-raising) is not supported", hint)
        else:
            raise self._err(scope, exc, "only a builtin exception with one string message can be raised",
                            hint)
        shadowed = kind in scope.locals or (scope.env is not None and kind in scope.env
                                            and scope.env[kind] is not getattr(builtins, kind, None))
        if kind not in _EXCEPTIONS or shadowed:
            raise self._err(scope, exc if exc is not None else node,
                            f"{what}: {kind} is not a builtin exception nsadc can raise", hint)
        text = ""
        if message is not None:
            value = message.evaluated_value if isinstance(
                message, (cst.SimpleString, cst.ConcatenatedString)) else None
            if not isinstance(value, str):
                raise self._err(scope, message, f"the message of {what} must be a string literal "
                                "(compiled code cannot format values into it)", hint)
            text = "".join(f"\\{ord(ch):03o}" if ord(ch) < 256 else f"\\U{ord(ch):08x}" for ch in value)
        return f'raise {kind}("{text}")' if message is not None else f"raise {kind}"

    def _assign(self, scope, node: cst.Assign):
        targets = [t.target for t in node.targets]
        if len(targets) > 1 and all(isinstance(t, cst.Name) for t in targets) \
                and not self._calls_the_file(scope, node.value) and self._array_rank(scope, node.value) > 0:
            # m = v = np.zeros(n): one array under two names, as if written m = np.zeros(n); v = m
            # (a second name for an array is then taken or refused as it is written out)
            self._assign_to(scope, targets[0], node.value, node)
            for t in targets[1:]:
                self._assign_to(scope, t, _placed(scope, cst.Name(targets[0].value), targets[0],
                                                  scope.src.parents.get(node)), node)
            return
        if len(node.targets) > 1:  # a = b = expr, D[i, j] = D[j, i] = expr
            first = self._expr(scope, node.value)
            for t in node.targets:
                if isinstance(t.target, cst.Subscript) and not self._is_vector(scope, t.target):
                    self._store(scope, t.target, first, node)
                else:
                    self._bind(scope, t.target, first, node)
            return
        self._assign_to(scope, node.targets[0].target, node.value, node)

    def _assign_to(self, scope, target, value, node):
        if isinstance(value, cst.Call) and isinstance(target, (cst.Name, cst.Tuple, cst.List)):
            self._check_returned_views(scope, target, value, node)
        if isinstance(target, cst.Name) and isinstance(value, cst.Call):
            value = self._as_view(scope, value)
        if isinstance(target, cst.Name) and isinstance(value, cst.Call) and value.args \
                and self._qualified(scope, value.func) in _AS_ARRAY \
                and isinstance(value.args[0].value, cst.Name) and value.args[0].value.value == target.value \
                and self._local_array(scope, target) is not None:
            self._rewritten(scope, value)  # (checks the dtype)
            return  # x = np.asarray(x): x is already an array of floats
        fresh = self._rebound_alias(scope, target) if isinstance(target, cst.Name) else None
        if fresh is not None:
            before = scope.rename.get(target.value)
            self._expr(scope, value, into=fresh)  # (its value reads the name as it was: the other array)
            if scope.rename.get(target.value) is before:  # (else the binding named it: a helper's new array)
                scope.rename[target.value] = Var(fresh)
        elif isinstance(target, cst.Name):
            name = self._target_name(scope, target)
            if name in self.scalar_names and name not in self.arrays and not self._calls_the_file(scope, value) \
                    and self._array_rank(scope, value) > 0:  # (np.sum(f) is a number: rank 0)
                name = self._number_then_array(scope, name, node)
                self._expr(scope, value, into=name)  # (reading the name as it was: the number)
                scope.rename[target.value] = Var(name)
            else:
                self._expr(scope, value, into=name)
            if name not in self.arrays:
                self.scalar_names.add(name)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for el in target.elements:
                if isinstance(el, cst.StarredElement):
                    raise self._err(scope, el, "starred assignment is not supported",
                                    "unpack into a fixed number of names")
            targets = [el.value for el in target.elements]
            if isinstance(value, (cst.Tuple, cst.List)):
                self._no_starred(scope, value)
            if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(targets) \
                    and self._swap_arrays(scope, targets, [el.value for el in value.elements], node):
                return
            if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(targets) \
                    and self._tuple_of_arrays(scope, targets, [el.value for el in value.elements], node):
                return
            if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(targets):
                # evaluate every right-hand side before binding any name (a, b = b, a)
                vals = [self._expr(scope, el.value) for el in value.elements]
                vals = [self._snapshot(v) for v in vals]
            else:
                vals = self._expr_tuple(scope, value, len(targets))
            for t, v in zip(targets, vals):  # left to right, as Python assigns them
                if isinstance(t, cst.Subscript) and not self._is_vector(scope, t):
                    self._store(scope, t, v, node)  # P[k, 0], P[k, 1] = x, y
                else:
                    self._bind(scope, t, v, node)
        elif isinstance(target, cst.Subscript) and self._is_vector(scope, target):
            self._store_slice(scope, target, value, node)
        elif isinstance(target, cst.Subscript):
            self._store(scope, target, self._expr(scope, value), node)
        elif isinstance(target, cst.Attribute):
            raise self._err(scope, target, "attribute assignment is not supported",
                            "use plain local variables")
        else:
            raise self._err(scope, target, "this assignment target is not supported",
                            "assign to a name or a tuple of names")

    def _swap_arrays(self, scope, targets: list, values: list, node) -> bool:
        """``u, un = un, u``: arrays the function made trade names (ping-pong
        buffers of a time step).  Each name stands for one array all along, so
        the elements trade places instead, a loop over them: the same values
        under the same names.  False where the statement is no such swap."""
        if not all(isinstance(e, cst.Name) for e in targets + values):
            return False
        names, sources = [t.value for t in targets], [v.value for v in values]
        if len(set(names)) != len(names) or sorted(names) != sorted(sources) or names == sources \
                or not all(n in scope.locals for n in names):
            return False
        arrays = {n: self._expr(scope, v) for n, v in zip(sources, values)}
        if not all(isinstance(a, Var) and self._array_of(a) is not None for a in arrays.values()):
            return False
        listed = ", ".join(names)
        if any(a.name in self.param_names for a in arrays.values()):
            raise self._err(scope, node, f"{listed} trade names here, and one of them is an argument: its "
                            "elements would be written", "copy the argument first (u = u0.copy()), then swap")
        shapes = [self._shape(a.name) for a in arrays.values()]
        if any(len(sh) != len(shapes[0]) for sh in shapes[1:]) or len({self._array_of(a) for a in arrays.values()}) != 1:
            raise self._err(scope, node, f"{listed} trade names here, but the code does not show they have "
                            "one shape", "allocate one like the other (un = np.empty_like(u))")
        for sh in shapes[1:]:
            for a, b in zip(shapes[0], sh):
                # made from two arguments (inten = ignition.copy(), nxt = np.zeros_like(fuel0)):
                # the arguments' shapes are checked before each call
                self._same_dim(scope, node, a, b)
        if any(sh != shapes[0] for sh in shapes[1:]):
            self.vectorized = True  # (the API runs the shape checks of whole-array code)
        loc = scope.src.loc(node)

        def trade(index):
            held = {n: self._operand(Call("load", (a, *index)), f"{n}_el") for n, a in arrays.items()}
            for t, v in zip(names, sources):
                self._emit(Assign(arrays[t].name, Call("store", (arrays[t], *index, held[v])), loc))
        self._loop_nest(scope, shapes[0], trade, loc)
        return True

    def _tuple_of_arrays(self, scope, targets: list, values: list, node) -> bool:
        """``x_old, x = x, x_new`` and ``x, v = x + dt * v, v - dt * x`` where
        arrays take part: one assignment per name, as if written one by one, in
        an order that lets each value read the names as they were. A name is
        bound only once no value still to come reads it; where each pending
        value reads a name another one binds (a cycle), the first value that
        is more than a name is evaluated into a name of its own first. Python
        evaluates every value before binding any name; the values call no
        function of the file, so only the bindings' order can be seen. False
        where the statement is not such an assignment (scalars alone keep
        their own path)."""
        if not all(isinstance(t, cst.Name) for t in targets) or len({t.value for t in targets}) != len(targets) \
                or any(self._calls_the_file(scope, v) for v in values):
            return False
        if not any(self._local_array(scope, t) is not None for t in targets) \
                and not any(self._array_rank(scope, v) > 0 for v in values):
            return False
        names = [t.value for t in targets]
        reads = [mentioned_names(v) & set(names) for v in values]
        pending = list(range(len(targets)))
        parent = scope.src.parents.get(node)
        while pending:
            ready = next((i for i in pending if not any(names[i] in reads[j] for j in pending if j != i)), None)
            if ready is None:  # a cycle: hold a value under a name of its own (a computed one: x, y = y, x + y
                # holds x + y, so that x takes y's array as a plain rebinding would)
                first = next((i for i in pending if not isinstance(values[i], cst.Name)), pending[0])
                held = self.names.fresh(f"{names[first]}_next")
                scope.locals.add(held)
                self._assign_to(scope, _placed(scope, cst.Name(held), targets[first], parent), values[first], node)
                values[first], reads[first] = _placed(scope, cst.Name(held), values[first], parent), set()
                continue
            self._assign_to(scope, targets[ready], values[ready], node)
            pending.remove(ready)
        return True

    def _no_starred(self, scope, value):
        for el in value.elements:
            if isinstance(el, cst.StarredElement):
                raise self._err(scope, el, "starred expressions (*x) are not supported",
                                "list the values one by one")

    def _snapshot(self, v: Expr) -> Expr:
        if isinstance(v, Var):
            name = self.names.fresh(f"{v.name}_old")
            self._emit(Assign(name, Call("copy", (v,))))
            return Var(name)
        return v

    def _bind(self, scope, target, operand: Expr, node):
        if isinstance(target, cst.StarredElement):
            raise self._err(scope, target, "starred assignment is not supported",
                            "unpack into a fixed number of names")
        if not isinstance(target, cst.Name):
            raise self._err(scope, target, "this assignment target is not supported",
                            "assign to names or array elements (a[i, 0], a[i, 1] = x, y)")
        name = self._target_name(scope, target)
        if self._array_of(operand) is not None:
            self._bind_array(scope, name, operand, node)
            return
        self._check_scalar_target(scope, name, node)
        self._note_dim(scope, name, operand)
        self._emit(Assign(name, Call("copy", (operand,)), scope.src.loc(node)))
        self.scalar_names.add(name)

    def _target_name(self, scope, target: cst.Name) -> str:
        return self._local_name(scope, target.value)

    def _rebound_alias(self, scope, target: cst.Name) -> str | None:
        """A fresh IR name where ``target`` is a second name for another array
        (``h = X``, neither written through) bound anew (``h = h @ W``): the
        name takes a value of its own and the other array keeps its values;
        None for any other target."""
        user = target.value
        cur = scope.rename.get(user)
        if not (isinstance(cur, Var) and self.user_vars.get(cur.name, cur.name) != user
                and (cur.name in self.arrays or cur.name in self.param_names)):
            return None
        name = self.names.fresh(user)
        self.user_vars[name] = user
        return name

    def _local_name(self, scope, user: str) -> str:
        """The IR name of a local: the user's own name in the entry function, a
        fresh one for an inlined callee's locals."""
        cur = scope.rename.get(user)
        if isinstance(cur, Var):
            return cur.name
        name = user if scope is self.entry else self.names.fresh(user)
        scope.rename[user] = Var(name)
        self.user_vars[name] = user
        return name

    def _augassign(self, scope, node: cst.AugAssign):
        op = _AUGOPS.get(type(node.operator))
        if op is None:
            sym = scope.src.source_of(node.operator).strip()
            raise self._err(scope, node.operator, f"augmented operator {sym!r} is not supported",
                            "use += -= *= /= //= %= **=")
        if isinstance(node.target, cst.Subscript) and self._is_vector(scope, node.target):
            self._store_slice(scope, node.target, node.value, node, op)
            return
        if isinstance(node.target, cst.Subscript):
            self._store(scope, node.target, self._expr(scope, node.value), node, op)
            return
        if not isinstance(node.target, cst.Name):
            raise self._err(scope, node.target, "augmented assignment to this target is not supported",
                            "assign to a plain variable")
        if self._local_array(scope, node.target) is not None:
            self._vector_update(scope, node, op)
            return
        current = self._name(scope, node.target)
        value = self._expr(scope, node.value)
        if self._array_of(value) is not None:
            what = scope.src.source_of(node.value).strip()
            raise self._err(scope, node, f"{node.target.value} holds a number, but {what} is an array "
                            f"(with fewer indices than dimensions, a subscript is a slice)",
                            f"index every dimension ({what.split('[')[0]}[i, j]) or reduce the array "
                            "(np.sum(...))")
        name = self._target_name(scope, node.target)
        self._check_scalar_target(scope, name, node)
        self._emit(Assign(name, Call(op, (current, value)), scope.src.loc(node)))

    def _return(self, scope, node: cst.Return):
        if node.value is None and scope is not self.entry:
            self._emit(Return(None, scope.src.loc(node)))  # fine in a helper called as a statement
            return
        if node.value is None:
            raise self._err(scope, node, "a bare `return` gives None; a function to differentiate "
                            "must return a number", "return the result: `return <value>`")
        if isinstance(node.value, cst.Tuple):
            self._no_starred(scope, node.value)
            vals = tuple(self._expr(scope, el.value) for el in node.value.elements)
            if any(self._array_of(v) is not None for v in vals):
                self._array_result(scope, node)
            self._emit(Return(vals, scope.src.loc(node)))
        else:
            value, _ = self._rhs(scope, node.value)
            if isinstance(value, Call) and value.prim in _NEW_ARRAY:
                # return np.zeros_like(v): a new array, like any other array returned
                value = Var(self._bind_array(scope, self.names.fresh("made"), value, node))
            if self._array_of(value) is not None and self.vectorized and self.rank_guessed and self._lenient():
                value = Const(0.0)  # ranks guessed before the call; the call's ranks decide
            if self._array_of(value) is not None:  # a vector output: its Jacobian, jvp and vjp
                self._array_result(scope, node)
            if not isinstance(value, (Var, Const)):
                name = self.names.fresh("out")
                self._emit(Assign(name, value, scope.src.loc(node.value)))
                value = Var(name)
            self._emit(Return(value, scope.src.loc(node)))

    def _array_result(self, scope, node: cst.Return) -> None:
        """A function may return arrays (``return X @ w - y``, ``return m, v``) from
        its last statement: a helper's caller then names those arrays, and the
        function differentiated has a vector output.  An earlier return would
        make the name stand for different arrays on different paths."""
        if scope.src.parents.get(node) is not scope.node.body.body[-1]:
            raise self._err(scope, node, f"{scope.node.name.value}() returns an array before its last "
                            "statement", "compute the result into one name on every path and return it "
                            "at the end of the function")

    def _if(self, scope, node: cst.If):
        test = self._condition(scope, node.test)
        body = self._block(scope, node.body.body)
        orelse: list[Stmt] = []
        if isinstance(node.orelse, cst.If):
            orelse = self._block(scope, [node.orelse])
        elif isinstance(node.orelse, cst.Else):
            orelse = self._block(scope, node.orelse.body.body)
        self._emit(If(test, body, orelse, scope.src.loc(node)))

    def _for(self, scope, node: cst.For):
        if node.orelse is not None:
            raise self._err(scope, node.orelse, "for/else is not supported",
                            "use a flag variable set before `break`")
        if node.asynchronous is not None:
            raise self._err(scope, node, "async for is not supported", "use for over range()")
        it = node.iter
        backwards = isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value == "reversed" \
            and "reversed" not in scope.locals and len(it.args) == 1 and isinstance(it.args[0].value, cst.Call)
        if backwards:  # reversed(range(...)): the same range, counted down
            it = it.args[0].value
        if isinstance(it, cst.Call) and self._is_prange(scope, it.func):
            it = it.with_changes(func=cst.Name("range"))  # numba.prange runs as range outside numba
            scope.src.positions[it] = scope.src.positions.get(node.iter)
        elif not (isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value == "range"
                  and "range" not in scope.locals):
            self._for_elements(scope, node)
            return
        if not isinstance(node.target, cst.Name):
            raise self._err(scope, node.target, "the loop variable must be a single name",
                            "write `for i in range(n):`")
        if any(a.keyword is not None or a.star for a in it.args) or not 1 <= len(it.args) <= 3:
            raise self._err(scope, it, "range() takes one to three positional arguments",
                            "write range(stop), range(start, stop) or range(start, stop, step)")
        bounds = [self._expr(scope, a.value) for a in it.args]
        for a, b in zip(it.args, bounds):
            if self._array_of(b) is not None:  # (an int argument that the call passed as an array)
                raise self._rank_err(scope, a, f"range() of {scope.src.source_of(a.value).strip()}, an array",
                                     "range() takes ints: pass a number, or loop over the array's entries")
        if len(bounds) == 1:
            start, stop, step = Const(0), bounds[0], Const(1)
        elif len(bounds) == 2:
            (start, stop), step = bounds, Const(1)
        else:
            start, stop, step = bounds
        if isinstance(step, Const) and step.value == 0:
            raise self._err(scope, it, "range() step must not be zero",
                            "use a positive or negative step")
        if backwards:
            start, stop, step = self._reversed_range(scope, node.iter, start, stop, step)
        name = node.target.value
        outside = self._local_name(scope, name) if name in scope.own_loop_vars else None
        if outside is not None:
            # a variable of its own (the bounds above read the name's other value): the name's
            # other assignments keep theirs, and where a read after the loop may see its last
            # value, each iteration leaves it in the name
            var = self.names.fresh(name)
            scope.rename[name] = Var(var)
            self.user_vars[var] = name
            scope.loop_vars = scope.loop_vars | {name}
        else:
            var = self._target_name(scope, node.target)
        scope.open_loops.append(name)
        scope.depth += 1
        # the values the variable takes, where the bounds are integer expressions of the
        # arguments and the step a positive constant: slices it moves stay inside (_slice_inside)
        first, last = (self._int_expr(scope, a.value) for a in it.args[:2]) if len(it.args) > 1 \
            else (Const(0), self._int_expr(scope, it.args[0].value))
        if not backwards and isinstance(step, Const) and isinstance(step.value, int) and step.value > 0 \
                and first is not None and last is not None and not _rebinds(node.body, name):
            self.loop_ranges[var] = (first, Call("sub", (last, Const(1))))
        body = self._block(scope, node.body.body)
        self.loop_ranges.pop(var, None)
        scope.depth -= 1
        scope.open_loops.pop()
        if outside is not None:
            scope.loop_vars = scope.loop_vars - {name}
            scope.rename[name] = Var(outside)
            if id(node) in scope.copied_loop_vars:
                body = [Assign(outside, Var(var), scope.src.loc(node))] + body
        self._emit(For(var, start, stop, step, body, scope.src.loc(node)))

    def _reversed_range(self, scope, node, start: Expr, stop: Expr, step: Expr) -> tuple[Expr, Expr, Expr]:
        """``reversed(range(a, b, s))`` as a range: from its last element,
        ``a + ((b - a - sign(s)) // s) * s``, down to ``a - s`` by ``-s`` (empty
        where the range is)."""
        if not (isinstance(step, Const) and isinstance(step.value, int) and not isinstance(step.value, bool)):
            raise self._err(scope, node, "reversed(range(...)) needs a constant step",
                            "count down with range(last, first - step, -step)")
        s = step.value
        span = self._operand(Call("sub", (Call("sub", (stop, start)), Const(1 if s > 0 else -1))), "span")
        steps = self._operand(Call("floordiv", (span, Const(s))), "steps")
        last = self._operand(Call("add", (start, Call("mul", (steps, Const(s))))), "last")
        end = self._operand(Call("sub", (start, Const(s))), "end")
        return last, end, Const(-s)

    def _is_prange(self, scope, func) -> bool:
        """Whether ``func`` names ``numba.prange`` (``prange`` imported from numba,
        or ``numba.prange`` / ``nb.prange``)."""
        if isinstance(func, cst.Name):
            name, base = func.value, None
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value == "prange":
            name, base = func.attr.value, func.value.value
        else:
            return False
        if (base or name) in scope.locals or (scope.env is None and name != "prange"):
            return False
        if scope.env is None:  # the command line: read the imports
            text = scope.src.text
            return ("from numba import" in text and base is None) or (base is not None and (
                f"import numba as {base}" in text or (base == "numba" and "import numba" in text)))
        try:
            import numba
        except ImportError:  # pragma: no cover - numba is a dependency
            return False
        if base is None:  # prange, or an alias (_prange = numba.prange)
            return scope.env.get(name) is numba.prange
        return scope.env.get(base) is numba

    def _array_expression(self, scope, it, loop: cst.For) -> bool:
        """Whether a loop's iterable is an expression of 1-D array value
        (``x[1:]``, ``img.flatten()``, ``np.abs(x)``) that Python evaluates once
        before the loop and whose arrays the loop never writes or rebinds (a
        view such as ``x[1:]`` would show the loop's writes)."""
        if isinstance(it, cst.Name) or (isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value
                                        in ("enumerate", "zip", "range")) or self._calls_the_file(scope, it):
            return False
        return not (mentioned_names(it) & self._touched_by(scope, loop)) and self._array_rank(scope, it) == 1

    def _touched_by(self, scope, loop: cst.For) -> set[str]:
        """The names a loop's body binds or writes through (a function of the file
        may write into what it is passed)."""
        touched = set()
        for n in nodes(loop.body):
            target = n.target if isinstance(n, (cst.AssignTarget, cst.AugAssign)) else None
            while isinstance(target, cst.Subscript):
                target = target.value
            if isinstance(target, cst.Name):
                touched.add(target.value)
            if self._user_call(scope, n):
                touched |= {a.value.value for a in n.args if isinstance(a.value, cst.Name)}
        return touched

    def _held_iterable(self, scope, it) -> tuple[Var, str]:
        held = self._vector(scope, it)
        return held, self.arrays[held.name]

    def _for_elements(self, scope, node: cst.For):
        """``for v in x``, ``for i, v in enumerate(x)``, ``for a, b in zip(x, y)`` over
        1-D arrays: a loop over ``range(len(x))`` (the shortest array's length for
        zip) that reads the elements into the names."""
        it = node.iter
        hint = "write `for i in range(n):` and index explicitly"
        arrays = counter = None
        targets = [node.target]
        first = None  # enumerate(x, 1): the counter's first value
        if isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value == "enumerate" \
                and len(it.args) == 2 and not it.args[1].star and (it.args[1].keyword is None
                                                                   or it.args[1].keyword.value == "start"):
            first = self._expr(scope, it.args[1].value)
            it = it.with_changes(args=it.args[:1])
        expression = not isinstance(it, cst.Name) and self._array_expression(scope, it, node)  # for v in x[1:]
        if isinstance(it, cst.Name) or expression:
            arrays = [it]
        elif isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value in ("enumerate", "zip") \
                and it.func.value not in scope.locals and all(a.keyword is None and not a.star for a in it.args) \
                and isinstance(node.target, cst.Tuple) and it.args:
            targets = [el.value for el in node.target.elements]
            inner = it.args[0].value
            if it.func.value == "enumerate" and len(it.args) == 1 and len(targets) == 2 \
                    and isinstance(inner, cst.Call) and isinstance(inner.func, cst.Name) \
                    and inner.func.value == "zip" and "zip" not in scope.locals \
                    and isinstance(targets[1], cst.Tuple) and len(targets[1].elements) == len(inner.args) \
                    and all(a.keyword is None and not a.star for a in inner.args):
                # for i, (a, b) in enumerate(zip(x, y))
                arrays, counter = [a.value for a in inner.args], targets[0]
                targets = [el.value for el in targets[1].elements]
            elif it.func.value == "enumerate" and len(it.args) == 1 and len(targets) == 2:
                arrays, counter, targets = [it.args[0].value], targets[0], targets[1:]
            elif it.func.value == "zip" and len(targets) == len(it.args):
                arrays = [a.value for a in it.args]
        iterated = [inner for inner in arrays or ([it.args[0].value] if isinstance(it, cst.Call) and it.args
                                                  else [it]) if isinstance(inner, cst.Subscript)]
        touched = self._touched_by(scope, node) if iterated else set()
        for inner in iterated:
            written = mentioned_names(inner) & touched
            if written:  # for v in x[:-1]: x[i + 1] += v (Python's loop reads the view: it sees the writes)
                what = scope.src.source_of(inner).strip()
                raise self._err(scope, inner, f"the loop writes into {', '.join(sorted(written))}, which its "
                                f"iterable {what} reads (a slice is a view: Python's loop would see the writes)",
                                "loop over range(...) and read the element where the loop needs it")
        if arrays is None or not all(isinstance(t, cst.Name) for t in [*targets, *([counter] if counter else [])]):
            # (an expression of an argument the code shows no array for, for v in np.abs(x)[:2]:
            # before the call, a guess: the call's arguments decide)
            err = self._rank_err if arrays is None and self.static and isinstance(it, (cst.Subscript, cst.Call)) \
                and mentioned_names(it) & scope.locals else self._err
            raise err(scope, it, "for loops must run over range(...) (or the elements of a 1-D "
                      "array, enumerate() or zip() of 1-D arrays)", hint)
        held = [expression if a is it else not isinstance(a, cst.Name) and self._array_expression(scope, a, node)
                for a in arrays]  # (zip(S[1:], h): an argument of zip or enumerate may be one too)
        found = [self._held_iterable(scope, a) if h else self._local_array(scope, a) for a, h in zip(arrays, held)]
        for a, f in zip(arrays, found):
            what = scope.src.source_of(a).strip()
            if f is None:  # (a number by the code's guess: before the call, the call's arguments decide)
                raise self._rank_err(scope, a, f"a for loop over {what}, which the code takes for a number: for "
                                     "loops run over range(...) or the elements of a 1-D array",
                                     f"pass a 1-D array, or write `for i in range(n):`")
            if rank(f[1]) != 1:
                raise self._err(scope, a, f"a for loop over {what}: for loops run over range(...) or the "
                                "elements of a 1-D array (not the rows of a 2-D one)",
                                f"write `for i in range({what}.shape[0]):` and index {what}[i, j]")
        for a in arrays:
            if isinstance(a, cst.Name) and _binds_by_name(node.body, a.value):
                # Python's iterator holds the array it started on; the lowered loop reads by index
                raise self._err(scope, a, f"{a.value} is bound to a new array inside the loop that runs over "
                                f"its elements (Python keeps running over the old one)",
                                f"run over a copy made before the loop: {a.value}_0 = {a.value}.copy(), "
                                f"then `for ... in {a.value}_0:`")
        if node.orelse is not None:
            raise self._err(scope, node.orelse, "for/else is not supported",
                            "use a flag variable set before `break`")
        loc = scope.src.loc(node)
        stop: Expr = self._operand(Call("shape", (found[0][0], Const(0))), "n")
        for f in found[1:]:
            stop = self._operand(Call("min", (stop, self._operand(Call("shape", (f[0], Const(0))), "n"))), "n")
        if counter is not None:
            index = self._target_name(scope, counter)
            scope.open_loops.append(counter.value)
        else:
            index = self.names.fresh("k")
        for t in targets:
            scope.open_loops.append(t.value)
        scope.depth += 1
        at: Expr = Var(index)
        reads: list[Stmt] = []
        if first is not None:  # the counter runs from `first`; the elements from 0
            start, stop = first, self._operand(Call("add", (first, stop)), "n")
            at = Var(self.names.fresh("at"))
            reads.append(Assign(at.name, Call("sub", (Var(index), first)), loc))
        reads += [Assign(self._target_name(scope, t), Call("load", (f[0], at)), loc)
                  for t, f in zip(targets, found)]
        body = reads + self._block(scope, node.body.body)
        scope.depth -= 1
        del scope.open_loops[len(scope.open_loops) - len(targets) - (counter is not None):]
        self._emit(For(index, Const(0) if first is None else start, stop, Const(1), body, loc))

    def _while(self, scope, node: cst.While):
        if node.orelse is not None:
            raise self._err(scope, node.orelse, "while/else is not supported",
                            "use a flag variable set before `break`")
        saved, self.out = self.out, []
        test = self._condition(scope, node.test)
        cond_block, self.out = self.out, saved
        self.out.extend(cond_block)
        scope.depth += 1
        body = self._block(scope, node.body.body)
        scope.depth -= 1
        # the condition's statements run again at the end of every iteration; a
        # `continue` must not skip them (eliminate_exits keeps them out of its guard)
        body.extend(_clone(cond_block))
        loop = While(test, body, scope.src.loc(node))
        self.while_tails[id(loop)] = (loop, len(cond_block))
        self._emit(loop)

    def _condition(self, scope, node) -> Expr:
        if self._array_rank(scope, node) > 0:
            raise self._err(scope, node, "the condition is an array; its truth value is ambiguous",
                            "reduce it to one number first (np.max(x) > 0, np.sum(x) > 0), or choose "
                            "per element with np.where")
        return self._expr(scope, node)

    # ---------------------------------------------------------------- expressions

    def _expr_tuple(self, scope, node, n: int) -> list[Expr]:
        dims = self._shape_tuple(scope, node)
        if dims is not None:
            if len(dims) != n:
                raise self._err(scope, node, f"the shape has {len(dims)} dimensions, unpacked into {n} names",
                                f"unpack it into {len(dims)} names")
            return [self._operand(d, "n") for d in dims]
        if isinstance(node, cst.Call):
            kind, callee = self._resolve_call(scope, node)
            if kind == "user":
                results = self._inline(scope, node, callee)
                if len(results) != n:
                    raise self._err(scope, node, f"the call returns {len(results)} values, "
                                    f"unpacked into {n} names",
                                    f"unpack it into {len(results)} names")
                return results
        raise self._err(scope, node, "only tuples and calls that return tuples can be unpacked",
                        "unpack `a, b = x, y` or the result of a function that returns a tuple")

    def _expr(self, scope, node, into: str | None = None) -> Expr:
        """Lower an expression; return its operand (a Var or Const).  With ``into``,
        the value lands in that variable."""
        if self._is_vector(scope, node):
            return self._vector(scope, node, into)
        value, hint = self._rhs(scope, node)
        loc = scope.src.loc(node)
        if into is not None and (self._array_of(value) is not None or (
                isinstance(value, Call) and value.prim in _NEW_ARRAY)):
            self._bind_array(scope, into, value, scope.src.parents.get(node) or node)
            return Var(into)
        if into is not None:
            self._check_scalar_target(scope, into, node)
            self._note_dim(scope, into, value)
        if isinstance(value, (Var, Const)):
            if into is not None:
                self._emit(Assign(into, Call("copy", (value,)), loc))
                return Var(into)
            return value
        name = into if into is not None else self.names.fresh(hint)
        self._emit(Assign(name, value, loc))
        if into is None:  # a temporary, assigned once: it may stand for a dimension
            dim = self._dim_value(scope, value)
            if dim is not None:
                self.dim_alias[name] = dim
        return Var(name)

    def _rhs(self, scope, node) -> tuple[Expr, str]:
        """An operand or a single primitive Call on operands, with a name hint."""
        if self._is_vector(scope, node):
            return self._vector(scope, node), "v"
        if isinstance(node, cst.Name):
            return self._name(scope, node), node.value
        if isinstance(node, (cst.Integer, cst.Float)):
            if isinstance(node, cst.Integer) and node.evaluated_value >= 2 ** 63:
                raise self._err(scope, node, "an integer constant beyond 64 bits (the compiled code and its tapes "
                                "hold 64-bit integers; Python's ints grow without bound)",
                                "keep integer arithmetic within 64 bits, or compute with floats")
            return Const(node.evaluated_value), "c"
        if isinstance(node, cst.Imaginary):
            raise self._err(scope, node, "complex numbers are not supported", "use real floats")
        if isinstance(node, cst.UnaryOperation):
            return self._unary(scope, node)
        if isinstance(node, cst.BinaryOperation):
            op = BINARY_OPS.get(type(node.operator)) or BIT_OPS.get(type(node.operator))
            if op is None:
                sym = scope.src.source_of(node.operator).strip()
                if isinstance(node.operator, cst.MatrixMultiply):
                    hint = "nsadc works on scalars: write the products and sums out with * and +"
                else:
                    hint = ("use + - * / // % ** on numbers, << >> & | ^ on ints, and `and` / `or` / `not` "
                            "on conditions")
                raise self._err(scope, node.operator, f"operator {sym!r} is not supported", hint)
            a = self._expr(scope, node.left)
            b = self._expr(scope, node.right)
            for side, e in ((node.left, a), (node.right, b)):
                if self._array_of(e) is not None:
                    # arithmetic on numbers met an array: the ranks this statement was read with were wrong,
                    # and the code would compute with an array where it means a number
                    raise self._rank_err(scope, side, f"{scope.src.source_of(side).strip()} is an array, in "
                                         "arithmetic nsadc reads as arithmetic on numbers",
                                         "name the array first (v = ...), then compute with the name")
            return Call(op, (a, b)), _hint(op, (a, b))
        if isinstance(node, cst.Comparison):
            return self._compare(scope, node)
        if isinstance(node, cst.BooleanOperation):
            return self._boolop(scope, node)
        if isinstance(node, cst.IfExp):
            return self._ifexp(scope, node)
        if isinstance(node, cst.Call):
            return self._call(scope, node)
        if isinstance(node, cst.Subscript):
            return self._subscript(scope, node)
        if isinstance(node, cst.Attribute):
            found = self._array_attribute(scope, node)
            if found is not None:
                return found
            full = self._qualified(scope, node)
            if full in _CONSTANTS:
                return Const(_CONSTANTS[full]), "c"
            limit = self._finfo(scope, node)
            if limit is not None:
                return Const(limit), "c"
            if node.attr.value in ("T", "shape", "size", "ndim"):  # an array's: of a value held as a number
                base = scope.src.source_of(node.value).strip()
                raise self._rank_err(scope, node, f"{base}.{node.attr.value} reads {base} as an array, but "
                                     f"nsadc holds {base} as a number here",
                                     f"pass an array for the argument {base} is made from, or name the array first")
            raise self._err(scope, node, f"attribute {scope.src.source_of(node)!r} is not supported",
                            "use math/numpy constants (math.pi) or plain variables")
        table = {
            cst.Lambda: ("lambda is not supported", "define a module-level function and call it"),
            cst.ListComp: ("comprehensions are not supported", "write a for loop over range()"),
            cst.GeneratorExp: ("a generator expression is supported only as the argument of sum(), max() or "
                               "min() where the statement always evaluates it (not in a conditional "
                               "expression, and / or, a lambda, an elif or a while test) and calls nothing "
                               "that writes into an array",
                               "compute it in a statement of its own, or write the for loop"),
            cst.SetComp: ("comprehensions are not supported", "write a for loop over range()"),
            cst.DictComp: ("comprehensions are not supported", "write a for loop over range()"),
            cst.Dict: ("dicts are not supported", "use separate float variables"),
            cst.Set: ("sets are not supported", "use separate float variables"),
            cst.List: ("lists are not supported", "use separate float variables"),
            cst.Tuple: ("tuples are only supported in assignments and return",
                        "unpack the tuple into names"),
            cst.SimpleString: ("strings are not supported", "compute with floats only (math.inf for float(\"inf\"))"),
            cst.FormattedString: ("strings are not supported", "compute with floats only"),
            cst.ConcatenatedString: ("strings are not supported", "compute with floats only"),
            cst.NamedExpr: ("the walrus operator := is not supported", "assign on a separate line"),
            cst.Yield: ("generators are not supported", "compute the values in a loop and return the result"),
            cst.Await: ("await is not supported", "use plain synchronous code"),
            cst.Ellipsis: ("... is not supported", "use a number"),
        }
        for kind, (msg, hint) in table.items():
            if isinstance(node, kind):
                raise self._err(scope, node, msg, hint)
        raise self._err(scope, node, f"{type(node).__name__} expressions are not supported",
                        "use numbers, arithmetic, comparisons and calls to math functions")

    def _finfo(self, scope, node: cst.Attribute) -> float | None:
        """``np.finfo(np.float64).eps`` (``.tiny``, ``.max``, ``.min``,
        ``.smallest_normal``; float64 or float32): a constant."""
        call = node.value
        if not (isinstance(call, cst.Call) and self._qualified(scope, call.func) == "np.finfo"
                and len(call.args) == 1 and node.attr.value in ("eps", "tiny", "max", "min", "smallest_normal")):
            return None
        kind = scope.src.source_of(call.args[0].value).strip().split(".")[-1]
        import numpy as np

        dtype = {"float64": np.float64, "float": np.float64, "double": np.float64, "float32": np.float32}.get(kind)
        if dtype is None:
            raise self._err(scope, call.args[0], f"np.finfo({kind}) is not supported",
                            "use np.finfo(np.float64) or np.finfo(np.float32)")
        return float(getattr(np.finfo(dtype), node.attr.value))

    def _unary(self, scope, node):
        a = self._expr(scope, node.expression)
        if isinstance(node.operator, cst.Minus):
            if isinstance(a, Const) and not isinstance(a.value, bool):
                return Const(-a.value), "c"
            return Call("neg", (a,)), _hint("neg", (a,))
        if isinstance(node.operator, cst.Plus):
            return Call("pos", (a,)), _hint("pos", (a,))
        if isinstance(node.operator, cst.Not):
            return Call("not", (a,)), _hint("not", (a,))
        if isinstance(node.operator, cst.BitInvert) and self._truth_value(scope, node.expression):
            # ~ of a comparison's result: its negation in NumPy and Numba, whose comparisons give
            # their own bools (Python's bools would give -1 - b); masks take the array lowering
            return Call("not", (a,)), _hint("not", (a,))
        raise self._err(scope, node.operator, "bitwise ~ is not supported",
                        "use arithmetic (-x - 1 is ~x for integers) or `not` on conditions")

    def _compare(self, scope, node: cst.Comparison):
        left = self._expr(scope, node.left)
        pieces = []
        for target in node.comparisons:
            op = COMPARE_OPS.get(type(target.operator))
            if op is None:
                sym = " ".join(scope.src.source_of(target.operator).split())
                raise self._err(scope, target.operator, f"`{sym}` comparisons are not supported",
                                "compare numbers with < <= > >= == != (there is no None, and no "
                                "containers to search)")
            right = self._expr(scope, target.comparator)
            pieces.append((op, left, right, target))
            left = right
        if len(pieces) == 1:
            op, a, b, _ = pieces[0]
            return Call(op, (a, b)), _hint(op, (a, b))
        # a < b < c: evaluate in order, short-circuiting like Python
        result = self.names.fresh("in_order")
        loc = scope.src.loc(node)
        op, a, b, _ = pieces[0]
        self._emit(Assign(result, Call(op, (a, b)), loc))
        guard_block = self.out
        for op, a, b, target in pieces[1:]:
            inner: list[Stmt] = [Assign(result, Call(op, (a, b)), scope.src.loc(target))]
            guard_block.append(If(Var(result), inner, [], loc))
            guard_block = inner
        return Var(result), "in_order"

    def _boolop(self, scope, node: cst.BooleanOperation):
        is_and = isinstance(node.operator, cst.And)
        result = self.names.fresh("both" if is_and else "either")
        loc = scope.src.loc(node)
        self._expr(scope, node.left, into=result)
        saved, self.out = self.out, []
        self._expr(scope, node.right, into=result)
        right_block, self.out = self.out, saved
        test = Var(result) if is_and else Call("not", (Var(result),))
        self._emit(If(test, right_block, [], loc))
        return Var(result), result

    def _ifexp(self, scope, node: cst.IfExp):
        test = self._condition(scope, node.test)
        result = self.names.fresh("chosen")
        loc = scope.src.loc(node)
        saved, self.out = self.out, []
        self._expr(scope, node.body, into=result)
        body, self.out = self.out, []
        self._expr(scope, node.orelse, into=result)
        orelse, self.out = self.out, saved
        if self._array_of(Var(result)) is not None:  # (the vectorizer takes those it can see are arrays)
            raise self._err(scope, node, "a conditional expression whose branches are arrays nsadc cannot "
                            "see the shape of (a branch calls a function of the file)",
                            "write an if/else statement that assigns the name in each branch")
        self._emit(If(test, body, orelse, loc))
        return Var(result), result

    # ---------------------------------------------------------------- names and calls

    def _name(self, scope, node: cst.Name) -> Expr:
        name = node.value
        if name in scope.locals:
            if name in scope.loop_vars and name not in scope.open_loops:
                raise self._err(scope, node, f"the loop variable {name!r} is read outside its loop",
                                "copy the value you need into another variable inside the loop")
            if name in scope.rename:
                return scope.rename[name]
            # assigned later in source order (e.g. further down a loop body)
            return Var(self._local_name(scope, name))
        if name in ("True", "False"):
            return Const(name == "True")
        if name == "None":
            raise self._err(scope, node, "None is not supported", "use a number")
        self._check_frozen(scope, node)
        value = self._global_value(scope, name)
        if value is not None:
            return Const(value)
        what = "not a local variable, a parameter or a numeric constant"
        hint = "pass it as a float argument (nsadc freezes only numeric module constants)"
        if scope.env is not None and name in scope.env:
            what = f"a {type(scope.env[name]).__name__}, not a number"
            value = scope.env[name]
            if type(value).__name__ == "ndarray":
                what = (f"a module-level array of shape {value.shape} and dtype {value.dtype}; nsadc freezes "
                        f"module arrays of floats or ints with 1 or 2 dimensions and at most "
                        f"{FROZEN_ARRAY_LIMIT} elements")
                where, written = _module_assignment(scope.src, name)
                spelled = ("nsadc freezes only arrays whose values the file spells out (np.array([...]), "
                           "np.linspace(0.0, 1.0, 5), ...), since a compiled derivative is reused while the "
                           "file is unchanged")
                if written is False:
                    what = (f"a module-level array computed when the module is imported (line "
                            f"{scope.src.loc(where).line}); {spelled}")
                elif written is None:
                    what = f"an array defined outside {scope.src.path.split('/')[-1]}; {spelled}"
                hint = "pass it as an argument"
            elif _numbers_tuple(value):
                what = (f"a module-level {type(value).__name__} of numbers, which nsadc reads only as "
                        f"{name}[k], len({name}) or for c in {name}")
                hint = f"index it in a loop, or make it an array: {name} = np.array([...])"
        raise self._err(scope, node, f"{name!r} is {what}", hint)

    def _check_frozen(self, scope, node: cst.Name):
        """A name read from outside the function is frozen to its value at compile
        time; refuse it when the program changes that value (``global`` / ``nonlocal``
        statements, or a closure variable its enclosing function assigns again)."""
        name = node.value
        src = scope.src
        outer = src.parents.get(scope.node)
        while outer is not None:
            if isinstance(outer, cst.FunctionDef):
                binds, changed = bindings(outer, name)
                if changed is not None:
                    line = src.loc(changed).line
                    raise self._err(scope, node, f"{name!r} is a variable of the enclosing function "
                                    f"{outer.name.value}() that changes (line {line}); nsadc would "
                                    "freeze its value when it compiles",
                                    f"pass {name} as an argument")
                if binds:
                    return  # an unchanging closure variable
            outer = src.parents.get(outer)
        decl = src.global_decls.get(name)
        if decl is not None:
            raise self._err(scope, node, f"the module variable {name!r} is changed by a `global` "
                            f"statement (line {src.loc(decl).line}); nsadc would freeze its value "
                            "when it compiles", f"pass {name} as an argument")

    def _global_value(self, scope, name):
        if scope.env is not None and name in scope.env:
            value = scope.env[name]
            if _const_value_ok(value):
                return value
            import numpy as np
            if isinstance(value, (np.floating, np.integer, np.bool_)):
                return value.item()
            return None
        return scope.src.constants.get(name)

    def _truth_value(self, scope, node, seen: frozenset[str] = frozenset()) -> bool:
        """Whether ``node`` is a truth value by its form: a comparison, ``not``,
        ``and`` / ``or``, ``~`` / ``&`` / ``|`` of such, a test (``np.isnan``,
        ``np.logical_and``), or a name every binding of which is one."""
        if isinstance(node, (cst.Comparison, cst.BooleanOperation)):
            return True
        if isinstance(node, cst.UnaryOperation):
            return isinstance(node.operator, cst.Not) or isinstance(node.operator, cst.BitInvert) and \
                self._truth_value(scope, node.expression, seen)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.BitAnd, cst.BitOr)):
            return self._truth_value(scope, node.left, seen) and self._truth_value(scope, node.right, seen)
        if isinstance(node, cst.Call):
            return self._qualified(scope, node.func) in _TRUTH_CALLS
        if isinstance(node, cst.Name) and node.value not in seen:
            found = scope_bindings(scope.node)[0].get(node.value, [])
            values = [scope.src.parents.get(b) for b in found]
            return bool(found) and all(isinstance(b, cst.AssignTarget) and isinstance(v, cst.Assign) and
                                       self._truth_value(scope, v.value, seen | {node.value})
                                       for b, v in zip(found, values))
        return False

    def _qualified(self, scope, node) -> str | None:
        """``math.exp`` / ``np.maximum`` / an imported name -> a normalised dotted name."""
        if isinstance(node, cst.Name):
            if node.value in scope.locals:
                return None
            return scope.src.imports.get(node.value)
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name):
            base = node.value.value
            if base in scope.locals:
                return None
            mod = scope.src.imports.get(base)
            if mod in ("math", "np", "np.linalg"):
                return f"{mod}.{node.attr.value}"
        return None

    def _resolve_call(self, scope, node: cst.Call):
        func = node.func
        full = self._qualified(scope, func)
        if full is not None and "." in full:
            prim = ALIASES.get(full)
            if prim is None and full.startswith("math.") and full[5:] in RULES \
                    and callable(getattr(math, full[5:], None)):
                prim = full[5:]
            if prim is None:
                module = full.split(".")[0]
                hint = f"use one of {module}.{', '.join(_supported(module))}" if module == "math" else \
                    "write it as a loop over the elements, which nsadc differentiates (docs/subset.md " \
                    "and docs/vectorized.md list the NumPy functions it takes)"
                if module == "math" and not hasattr(math, full[5:]):
                    raise self._err(scope, func, f"the math module has no function {full[5:]!r}", hint)
                raise self._err(scope, func, f"{full}() is not supported", hint)
            return "prim", prim
        if isinstance(func, cst.Lambda):
            raise self._err(scope, func, "lambda is not supported",
                            "define a module-level function and call it")
        if isinstance(func, cst.Name):
            name = func.value
            if name in scope.locals:
                raise self._err(scope, func, f"calling the local variable {name!r} is not supported",
                                "call module-level functions by name")
            if name in _BUILTIN_PRIMS and (scope.env is None or name not in scope.env):
                return "prim", _BUILTIN_PRIMS[name]
            user = self._user_function(scope, name, func)
            if user is not None:
                return "user", user
            if name == "print":
                raise self._err(scope, func, "print() is not supported",
                                "remove it; print values outside the differentiated function")
            if hasattr(builtins, name):
                raise self._err(scope, func, f"the builtin {name}() is not supported",
                                _BUILTIN_HINTS.get(name, "use abs, max, min, round, float, int, pow "
                                                         "or math functions"))
        if isinstance(func, cst.Attribute) and func.attr.value in ARRAY_METHODS \
                and mentioned_names(func.value) & scope.locals:
            # y.clip(lo, hi) where y is a number (the lowering before the call took such a
            # method for a sign of an array: Lowerer._call), or a method not taken in this place
            what, method = scope.src.source_of(func.value).strip(), func.attr.value
            instead = f"{what}[:] = value" if method == "fill" else \
                f"np.{method}({what}, ...)" if method in _NUMPY_FUNCTIONS else None
            if self._array_rank(scope, func.value) == 0:
                raise self._err(scope, func, f"{what}.{method}() is an array method, and the code takes {what} "
                                "for a number here", "pass an array for the argument it is computed from"
                                + (f", or write {instead}" if instead else ""))
            raise self._err(scope, func, f"{what}.{method}() is not supported here",
                            f"write {instead}" if instead else "assign its result to a name first")
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) \
                and func.value.value in scope.locals:
            raise self._err(scope, func, f"method calls ({scope.src.source_of(func)}) are not supported",
                            "variables hold plain numbers: call math functions on them instead")
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and scope.env is not None \
                and inspect.ismodule(scope.env.get(func.value.value)):
            what = scope.src.source_of(func).strip()
            raise self._err(scope, func, f"calls through a module's name ({what}) are not supported",
                            f"import the function by name: from {scope.env[func.value.value].__name__} import "
                            f"{func.attr.value}, then call {func.attr.value}(...)")
        raise self._err(scope, func, f"cannot differentiate a call to {scope.src.source_of(func)!r}",
                        "call math/numpy primitives or plain functions defined at module level "
                        "(in a .py file or a notebook cell)")

    def _user_function(self, scope, name, node=None):
        imported = scope.src.imports.get(name)
        if imported is not None and imported.split(".")[0] in ("np", "math"):
            return None  # from numpy import clip: NumPy's function, not one to inline
        if scope.env is not None and name in scope.env:
            obj = scope.env[name]
            obj = getattr(obj, "__wrapped__", getattr(obj, "py_func", obj))
            if (getattr(obj, "__module__", None) or "").split(".")[0] == "numpy":
                return None  # (clip = np.clip: written in Python inside NumPy, still NumPy's)
            if callable(obj) and hasattr(obj, "__code__"):
                if obj.__name__ == "<lambda>":
                    raise self._err(scope, node, f"{name} is a lambda; nsadc inlines only `def` "
                                    "functions", f"define it with `def {name}(...):` at module level")
                try:
                    src, fnode = source_of_function(obj)
                except SourceUnavailable as e:  # no source text (python -c, exec of a string)
                    raise self._err(scope, node, f"{name}() is called here: {e.message}",
                                    e.hint or "define the function in a .py file") from None
                except NsadcError as e:
                    raise self._err(scope, node, f"cannot read the source of {name}(): {e}",
                                    "define the function in a .py file") from None
                return src, fnode, closure_env(obj)
            return None
        if name in scope.src.functions:
            return scope.src, scope.src.function(name), scope.env
        return None

    def _call(self, scope, node: cst.Call):
        func = node.func
        if isinstance(func, cst.Name) and func.value == "float" and "float" not in scope.locals \
                and len(node.args) == 1 and isinstance(node.args[0].value, cst.SimpleString):
            text = node.args[0].value.evaluated_value.strip().lower()
            if text in ("inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan", "-nan"):
                return Const(float(text)), "c"  # best = float("inf")
        if isinstance(func, cst.Attribute) and func.attr.value == "item" and not node.args \
                and self._qualified(scope, func) is None and self._array_rank(scope, func.value) == 0:
            return self._rhs(scope, func.value)  # np.sum(r * r).item(): the number itself
        same = self._rewritten(scope, node)
        if same is not None:
            return self._rhs(scope, same)
        method = self._method_call(scope, node)
        if method is not None:
            return method
        func = node.func
        if isinstance(func, cst.Name) and func.value == "len" and "len" not in scope.locals:
            return self._len(scope, node)
        if isinstance(func, cst.Name) and func.value == "sum" and "sum" not in scope.locals \
                and (scope.env is None or "sum" not in scope.env):
            return self._builtin_sum(scope, node)
        if isinstance(func, cst.Name) and func.value in ("max", "min") and func.value not in scope.locals \
                and (scope.env is None or func.value not in scope.env) and len(node.args) == 1 \
                and node.args[0].keyword is None and not node.args[0].star \
                and not isinstance(node.args[0].value, cst.GeneratorExp):
            return self._builtin_sum(scope, node, func.value)  # max(x) of a 1-D array
        if self._qualified(scope, func) == "np.full_like":
            return self._full_like(scope, node)
        logical = LOGICAL_CALLS.get(self._qualified(scope, func) or "")
        if logical is not None and len(node.args) == (1 if logical == "not" else 2) \
                and all(a.keyword is None and not a.star for a in node.args) \
                and (logical == "not" or all(self._truth_value(scope, a.value) for a in node.args)):
            # of numbers (masks take the array lowering): NumPy's bool, as `not` gives it, and `and` /
            # `or` of truth values (of two floats, Python's `and` would give one of them, not a bool)
            args = tuple(self._expr(scope, a.value) for a in node.args)
            return Call(logical, args), _hint(logical, args)
        if self._qualified(scope, func) in ("np.searchsorted", "np.interp"):
            return self._grid_call(scope, node, self._qualified(scope, func)[3:])
        if self.static and isinstance(func, cst.Attribute) and func.attr.value in ARRAY_METHODS \
                and self._qualified(scope, func) is None:
            if mentioned_names(func.value) & scope.locals and self._lenient():
                # an array method on a value whose rank the code does not show (X.dot(w)
                # with X only measured by X.shape[0]): the call's ranks decide
                self.vectorized = True
                return Const(0.0), "c"
        kind, target = self._resolve_call(scope, node)
        if kind == "prim" and target in (*ALLOCATORS, "full"):
            node = self._dtype_keyword(scope, node, 2 if target == "full" else 1)
        if kind == "prim" and target in (*ALLOCATORS, *LIKE, "full", "array_copy"):
            return self._array_call(scope, node, target)
        if kind == "user":
            results = self._inline(scope, node, target)
            if len(results) != 1:
                raise self._err(scope, node, f"the call returns {len(results)} values",
                                "unpack them: `a, b = f(x)`")
            return results[0], "r"
        prim = target
        for a in node.args:
            if a.keyword is not None or a.star:
                raise self._err(scope, a, f"keyword and starred arguments to {prim} are not supported",
                                "pass the arguments by position")
        rule = RULES[prim]
        lo, hi = rule.arity
        n = len(node.args)
        called = scope.src.source_of(node.func).strip()
        if prim in ("round", "nprint") and n == 2:
            raise self._err(scope, node.func, f"{called}(x, ndigits) is not supported",
                            f"use {called}(x) (or math.floor(x * 10**k + 0.5) / 10**k)")
        if prim == "sqrt" and n == 1 and self._array_rank(scope, node.args[0].value) == 0 and sum_of_squares(
                node.args[0].value, scope.src.source_of, squared_sums(scope.node, scope.src.source_of)):
            # a Euclidean norm written out (a distance): at 0 its Clarke set is the unit
            # ball, whose min-norm element is 0 (sqrt's own derivative there, inf, times
            # the squares' zero derivatives would be NaN)
            return Call("norm_root", (self._expr(scope, node.args[0].value),)), "norm"
        args = tuple(self._expr(scope, a.value) for a in node.args)
        if prim == "log" and n == 2:  # math.log(x, base) = log(x) / log(base)
            loc = scope.src.loc(node)
            logs = []
            for a in args:
                logs.append(Var(self.names.fresh(_hint("log", (a,)))))
                self._emit(Assign(logs[-1].name, Call("log", (a,)), loc))
            return Call("div", tuple(logs)), "log_ratio"
        if n < lo or (hi is not None and n > hi):
            want = f"{lo}" if lo == hi else (f"at least {lo}" if hi is None else f"{lo} to {hi}")
            raise self._err(scope, node.func,
                            f"{called}() takes {want} argument{'s' if want != '1' else ''}, got {n}",
                            f"call {called}() with {want} argument{'s' if want != '1' else ''}")
        return Call(prim, args), _hint(prim, args)

    def _rewritten(self, scope, node: cst.Call) -> cst.BaseExpression | None:
        """NumPy statistics written with the reductions nsadc differentiates:
        ``np.var(a, ddof=k)`` / ``a.var()`` is ``np.sum((a - np.mean(a)) ** 2) /
        (np.size(a) - k)``, ``np.std`` its square root, ``np.diff(a)`` is ``a[1:] -
        a[:-1]`` (along the last axis of a 2-D array), ``np.trapz(y, x)`` /
        ``np.trapezoid`` the trapezoid rule.  None for any other call."""
        func = node.func
        full = self._qualified(scope, func)
        if full in _REWRITTEN:
            name, args = full[3:], list(node.args)
        elif isinstance(func, cst.Attribute) and func.attr.value in ("var", "std", "astype", "clip") \
                and full is None and mentioned_names(func.value) & scope.locals:
            name, args = func.attr.value, [cst.Arg(func.value), *node.args]
        else:
            return None
        if name == "clip":  # x.clip(min=lo), np.clip(x, a_min=lo, a_max=hi): the bounds by their names
            args = [a.with_changes(keyword=cst.Name(f"a_{a.keyword.value}"))
                    if a.keyword is not None and a.keyword.value in ("min", "max") else a for a in args]
            if len(args) == 3 and all(a.keyword is None for a in args) \
                    and not any(isinstance(a.value, cst.Name) and a.value.value == "None" for a in args):
                return None  # np.clip(x, lo, hi) itself, a primitive (x.clip(lo, hi) reads as that)
        names = {"var": ("a", "axis", "dtype", "out", "ddof", "keepdims"),
                 "std": ("a", "axis", "dtype", "out", "ddof", "keepdims"),
                 "diff": ("a", "n", "axis"), "trapz": ("y", "x", "dx"), "flip": ("m", "axis"), "flipud": ("m",),
                 "fliplr": ("m",), "percentile": ("a", "q"), "quantile": ("a", "q"),
                 "trapezoid": ("y", "x", "dx"), "astype": ("a", "dtype"), "clip": ("a", "a_min", "a_max"),
                 "ptp": ("a",), "median": ("a",), "average": ("a", "axis", "weights"), "heaviside": ("x1", "x2"),
                 "count_nonzero": ("a",), "transpose": ("a", "axes"), "expand_dims": ("a", "axis"),
                 **{k[3:]: ("a", "dtype") for k in _AS_ARRAY}}[name]
        bound: dict[str, cst.BaseExpression] = {}
        for k, a in enumerate(args):
            key = a.keyword.value if a.keyword is not None else (names[k] if k < len(names) else None)
            if a.star or key not in names or key in bound or key in ("dtype", "out") and name in ("var", "std"):
                shown = [k for k in names if k not in ("dtype", "out")]
                raise self._err(scope, a, f"np.{name}() is supported as np.{name}({', '.join(shown)})",
                                f"pass only {', '.join(shown)}" + ("" if "axis" in names else
                                                                   " (no axis=: write the loop over the other axis)"))
            bound[key] = a.value
        if "axis" in bound and isinstance(bound["axis"], cst.Name) and bound["axis"].value == "None":
            del bound["axis"]  # axis=None: the whole array, as without it
        if "dtype" in bound or name == "astype":
            kind = scope.src.source_of(bound["dtype"]).strip() if "dtype" in bound else ""
            if kind not in ("float", "np.float64", "numpy.float64", "np.double"):
                raise self._err(scope, bound.get("dtype", node), f"{name}() to dtype {kind or '?'} is not supported "
                                "(arrays nsadc differentiates hold floats)",
                                "leave the dtype out, or convert to np.float64")
        if name in ("asarray", "ascontiguousarray", "asfortranarray"):
            return bound["a"]  # the same array (as NumPy returns it for a float64 array)
        if name == "average" and "axis" in bound and not (isinstance(bound["axis"], cst.Name)
                                                          and bound["axis"].value == "None"):
            raise self._err(scope, bound["axis"], "np.average() is supported over the whole array",
                            "leave axis out, or write the loop over the other axis")
        for k in ("a", "y", "x", "m"):
            if name in ("clip", "heaviside"):
                break  # elementwise: of numbers as of arrays
            if k in bound and self._array_rank(scope, bound[k]) == 0:
                if self.static and self._lenient():  # ranks guessed before the call: the call's decide
                    self.vectorized = True
                    return cst.parse_expression("0.0")
                what = scope.src.source_of(bound[k]).strip()
                raise self._err(scope, node, f"{name}() of {what}, a number", f"apply {name}() to an array")
        np_name = next((k for k, v in scope.src.imports.items() if v == "np"), "np")
        text = {k: scope.src.source_of(v).strip() if isinstance(v, cst.Name) else
                f"({scope.src.source_of(v).strip()})" for k, v in bound.items()}
        for k, v in bound.items():  # an expression is evaluated once, into a name of its own
            if k in ("a", "y", "x", "x1", "m", "weights") and not isinstance(v, cst.Name):
                value = self._expr(scope, v)
                held = self.names.fresh(f"{name}_arg")
                scope.locals.add(held)
                scope.rename[held] = value
                text[k] = held
        a = text.get("a")
        if name in ("var", "std") and "axis" in bound:  # along one axis
            axis = self._const_int(scope, bound["axis"]) % max(self._array_rank(scope, bound["a"]), 1)
            count = f"{a}.shape[{axis}]" if "ddof" not in bound else f"({a}.shape[{axis}] - {text['ddof']})"
            spread = f"({a} - {np_name}.mean({a}, axis={axis}, keepdims=True)) ** 2"
            kept = f", keepdims={text['keepdims']}" if "keepdims" in bound else ""
            code = f"{np_name}.sum({spread}, axis={axis}{kept}) / {count}"
            code = code if name == "var" else f"{np_name}.sqrt({code})"  # (inf * 0 = NaN at equal entries)
        elif name in ("var", "std"):
            ddof = text.get("ddof", "0")
            mean = f"{np_name}.mean({a})"
            body = (f"{np_name}.mean(({a} - {mean}) ** 2)" if "ddof" not in bound else
                    f"{np_name}.sum(({a} - {mean}) ** 2) / ({np_name}.size({a}) - {ddof})")
            # the standard deviation is a norm: at equal entries (no spread) it has a kink,
            # which np.linalg.norm reports and differentiates (sqrt of 0 would give inf * 0)
            spread = f"({np_name}.size({a}) - {ddof})" if "ddof" in bound else f"{np_name}.size({a})"
            flat = f"{a} - {mean}" if self._array_rank(scope, bound["a"]) < 2 else f"{np_name}.ravel({a} - {mean})"
            code = f"{np_name}.linalg.norm({flat}) / {np_name}.sqrt({spread})" if name == "std" else body
        elif name == "transpose":  # of a 1-D or 2-D array: its .T (axes=(1, 0) says the same)
            r = self._array_rank(scope, bound["a"])
            axes = bound.get("axes")
            order = [self._const_int(scope, e.value) for e in axes.elements] \
                if isinstance(axes, (cst.Tuple, cst.List)) else None
            if axes is not None and order is not None and len(order) != r:  # (a rank guessed: the call decides)
                raise self._rank_err(scope, node, f"np.transpose() with {len(order)} axes of an array with {r} "
                                     f"dimension{'s' if r != 1 else ''}", "name each axis of the array once")
            if r > 2 or (axes is not None and order != list(range(r))[::-1]):
                raise self._err(scope, node, "np.transpose() is supported on 1-D and 2-D arrays (as .T)",
                                "write A.T, or index the axes in the order you need in a loop")
            code = f"{a}.T"
        elif name == "expand_dims":  # a new axis of length 1 at axis (x[:, None] for axis=1 of a 1-D x)
            r = self._array_rank(scope, bound["a"])
            axis = self._const_int(scope, bound["axis"]) if "axis" in bound else None
            if axis is None or not -(r + 1) <= axis <= r:
                raise self._err(scope, node, "np.expand_dims() is supported with one constant axis",
                                "write np.expand_dims(x, 0), or x[None, :]")
            code = f"{a}[{':, ' * (axis % (r + 1))}None]"
        elif name == "count_nonzero":  # a count: an int
            code = f"{np_name}.sum({a} != 0)"
        elif name == "astype":  # a float64 copy, as ndarray.astype makes one (of float32 data too)
            code = f"{np_name}.zeros({a}.shape) + {a}"
        elif name == "diff":  # along the last axis unless axis= says which
            r = self._array_rank(scope, bound["a"])
            order = self._const_int(scope, bound["n"]) if "n" in bound else 1
            axis = self._const_int(scope, bound["axis"]) if "axis" in bound else -1
            if order != 1:
                raise self._err(scope, node, "np.diff() is supported with n=1",
                                "write np.diff(a) or np.diff(a, axis=0)")
            if not -r <= axis < r:  # (a rank the code only guesses: the call's decides)
                raise self._rank_err(scope, node, f"np.diff() along axis {axis} of an array with {r} "
                                     f"dimension{'s' if r != 1 else ''}", "pass an axis of the array")
            skip = ":, " * (axis % r)
            code = f"{a}[{skip}1:] - {a}[{skip}:-1]"
        elif name == "clip":  # a bound of None: the other one alone
            lo, hi = (text.get(k, "None") for k in ("a_min", "a_max"))
            if lo == "None" and hi == "None":
                raise self._err(scope, node, "np.clip() needs at least one bound", "pass a_min or a_max")
            code = f"{np_name}.minimum({a}, {hi})" if lo == "None" else \
                f"{np_name}.maximum({a}, {lo})" if hi == "None" else f"{np_name}.clip({a}, {lo}, {hi})"
        elif name == "ptp":
            code = f"{np_name}.max({a}) - {np_name}.min({a})"
        elif name == "average":
            w = text.get("weights")
            code = f"{np_name}.mean({a})" if w is None else f"{np_name}.sum({a} * {w}) / {np_name}.sum({w})"
        elif name == "heaviside":  # a step: no derivative, x2 at 0
            x1, x2 = text["x1"], text.get("x2", "0.5")
            code = f"{np_name}.where({x1} > 0.0, 1.0, {np_name}.where({x1} == 0.0, {x2}, 0.0))"
        elif name in ("flip", "flipud", "fliplr"):
            r = self._array_rank(scope, bound["m"])
            along = self._const_int(scope, bound["axis"]) if name == "flip" and "axis" in bound else None
            if along is not None and not -r <= along < r:
                raise self._rank_err(scope, node, f"np.flip() along axis {along} of an array with {r} "
                                     f"dimension{'s' if r != 1 else ''}", "pass an axis of the array")
            axes = (0,) if name == "flipud" else (1,) if name == "fliplr" else \
                tuple(range(max(r, 1))) if along is None else (along % max(r, 1),)
            code = f"{text['m']}[{', '.join('::-1' if k in axes else ':' for k in range(max(r, max(axes) + 1)))}]"
        elif name in ("percentile", "quantile"):  # linear interpolation between the sorted values
            return self._percentile(scope, node, name, bound, text, np_name)
        elif name == "median":  # of the flattened array: the middle of its sorted values (the two middle ones' mean)
            if self._array_rank(scope, bound["a"]) != 1:
                raise self._err(scope, node, "np.median() is supported on a 1-D array", "apply it to a 1-D array")
            if scope.depth > 0 or scope is not self.entry:  # as np.sort, which it is written with
                raise self._err(scope, node, "np.median inside a loop or inside a called function is not "
                                "supported (it sorts the values)",
                                "take it in the differentiated function itself, before the loop; the median "
                                "of three numbers is max(min(a, b), min(max(a, b), c))")
            held = self.names.fresh("sorted")
            scope.locals.add(held)
            scope.rename[held] = self._expr(scope, _placed(scope, cst.parse_expression(f"{np_name}.sort({a})"),
                                                           node, scope.src.parents.get(node)))
            code = f"0.5 * ({held}[({held}.shape[0] - 1) // 2] + {held}[{held}.shape[0] // 2])"
        else:
            y = text["y"]
            if "x" in bound:
                x = text["x"]
                code = f"{np_name}.sum(0.5 * ({x}[1:] - {x}[:-1]) * ({y}[1:] + {y}[:-1]))"
            else:
                dx = text.get("dx", "1.0")
                code = f"{dx} * ({np_name}.sum({y}) - 0.5 * ({y}[0] + {y}[-1]))"
        return _placed(scope, cst.parse_expression(code), node, scope.src.parents.get(node))

    def _with_initial(self, scope, node: cst.Call, name: str) -> cst.BaseExpression:
        """``np.max(a, initial=v)`` (``a.min(axis=0, initial=v)``) as
        ``np.maximum(np.max(a), v)``: the reduction, then ``v`` as one more value."""
        np_name = next((k for k, v in scope.src.imports.items() if v == "np"), "np")
        initial = next(a.value for a in node.args if a.keyword is not None and a.keyword.value == "initial")
        inner = node.with_changes(args=[a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in node.args
                                        if a.keyword is None or a.keyword.value != "initial"])
        code = f"{np_name}.{name}imum({cst.Module([]).code_for_node(inner)}, {scope.src.source_of(initial).strip()})"
        return _placed(scope, cst.parse_expression(code), node, scope.src.parents.get(node))

    def _check_returned_views(self, scope, target, call: cst.Call, node) -> None:
        """``t = tail(z)`` where the helper returns a view of its argument
        (``return v[1:]``, ``v.T``, ``np.asarray(v)``, one of a tuple): NumPy's
        ``t`` shares ``z``'s memory, nsadc's is a copy.  The same where nothing
        writes through either name; refused, as ``t = z[1:]`` is, where
        something does."""
        if not self._user_call(scope, call):
            return
        found = self._user_function(scope, call.func.value, call.func)
        fnode = found[1] if found is not None else None
        if fnode is None:
            return
        params = [p.name.value for p in all_params(fnode)]
        passed = {}  # parameter -> (the caller's array it is, or a view of, the argument's rank)
        for key, value in _passed_arguments(call, params).items():
            base = base_name(value)
            if key is not None and base is not None and self._local_array(scope, cst.Name(base)) is not None:
                rank = self._array_rank(scope, value)
                if rank != 0:  # (an element, eps_p[k], is a number: returning it shares nothing)
                    passed[key] = (base, rank)
        if not passed:
            return
        names = {t.value for t in ([target] if isinstance(target, cst.Name) else
                                   [el.value for el in target.elements]) if isinstance(t, cst.Name)}
        written = None  # (a scan of the whole function: made once a view is found)
        for ret in (n for n in nodes(fnode) if isinstance(n, cst.Return) and n.value is not None):
            values = [el.value for el in ret.value.elements] if isinstance(ret.value, cst.Tuple) else [ret.value]
            for v in (b for value in values for b in _returned_branches(scope.src, fnode, value, params)):
                base = base_name(v)
                if base not in passed:
                    continue
                # a branch of a conditional expression that is the parameter itself hands it back too
                # (a helper returning the parameter alone is refused where it is inlined)
                param = base if isinstance(v, cst.Name) and v is not ret.value else _viewed_name(v, passed[base][1])
                if param is None:
                    continue
                written = written_arrays(scope.node, scope.src.functions) if written is None else written
                if ({passed[param][0]} | names) & written:
                    what = scope.src.source_of(v).strip()
                    raise self._err(scope, call, f"{call.func.value}() returns {what}, a view of its argument "
                                    f"{passed[param][0]} or the argument itself (NumPy shares the memory: a "
                                    "write through one name changes the other)",
                                    f"return a copy in {call.func.value}(): {what}.copy()")

    def _as_view(self, scope, value: cst.Call) -> cst.BaseExpression:
        """``np.asarray(x)``, ``np.flip(x)`` (``flipud``, ``fliplr``) and
        ``np.transpose(x)`` of an array's name, bound to a name, as what NumPy
        returns: ``x`` itself and the views ``x[::-1]`` and ``x.T``, so that a write through either name is taken or refused as
        for those (a copy would not see it); any other call as it is."""
        full = self._qualified(scope, value.func)
        if full not in (*_AS_ARRAY, "np.flip", "np.flipud", "np.fliplr", "np.transpose") or not value.args \
                or not isinstance(value.args[0].value, cst.Name) \
                or self._local_array(scope, value.args[0].value) is None:
            return value
        same = self._rewritten(scope, value)
        return value if same is None else same

    def _percentile(self, scope, node, name, bound, text, np_name) -> cst.BaseExpression:
        """``np.percentile(a, q)`` / ``np.quantile(a, q)`` of a 1-D array and one
        number ``q``: NumPy's default (linear) method, the sorted values at the
        position ``q / 100 * (n - 1)`` interpolated."""
        if self._array_rank(scope, bound["a"]) != 1 or "q" not in bound:
            raise self._err(scope, node, f"np.{name}() is supported on a 1-D array and one number q",
                            f"write np.{name}(x, q) with a 1-D x and a number q")
        if self._array_rank(scope, bound["q"]) > 0 or isinstance(bound["q"], (cst.List, cst.Tuple)):
            raise self._err(scope, bound["q"], f"np.{name}() of several q at once is not supported",
                            f"call np.{name}(x, q) once for each q")
        if scope.depth > 0 or scope is not self.entry:  # as np.sort, which it is written with
            raise self._err(scope, node, f"np.{name} inside a loop or inside a called function is not "
                            "supported (it sorts the values)",
                            "take it in the differentiated function itself, before the loop")
        parent = scope.src.parents.get(node)

        def held(prefix: str, code: str) -> str:  # a value computed once, into a name of its own
            name_ = self.names.fresh(prefix)
            scope.locals.add(name_)
            scope.rename[name_] = self._expr(scope, _placed(scope, cst.parse_expression(code), node, parent))
            return name_

        scale = "100.0" if name == "percentile" else "1.0"
        ranked = held("sorted", f"{np_name}.sort({text['a']})")
        # (a q outside [0, 100] gives the end value, where NumPy raises: never a read outside x. A test
        # that raised would be a branch, which Clarke mode would take at q = 100, along +q)
        at = held("position", f"max(min({text['q']} / {scale} * ({ranked}.shape[0] - 1), "
                              f"{ranked}.shape[0] - 1.0), 0.0)")
        below = held("below", f"int({at})")
        above = f"min({below} + 1, {ranked}.shape[0] - 1)"
        code = f"{ranked}[{below}] + ({at} - {below}) * ({ranked}[{above}] - {ranked}[{below}])"
        return _placed(scope, cst.parse_expression(code), node, parent)

    def _grid_call(self, scope, node: cst.Call, name: str):
        """``np.searchsorted(a, v, side=...)`` and ``np.interp(x, xp, fp, left, right)``
        of one number ``v`` / ``x`` on 1-D arrays: an index (no derivative), and a
        linear interpolation whose interval is found by bisection, so that a knot
        is a branch (``xp[mid] <= x``) like any comparison."""
        bound, arrays = self._grid_arrays(scope, node, name)
        at = "v" if name == "searchsorted" else "x"
        if self._array_rank(scope, bound[at]) > 0:
            raise self._err(scope, bound[at], f"np.{name}() of an array of points is not supported",
                            f"call np.{name}() on one number at a time in a for loop")
        return self._grid_at(scope, node, name, bound, arrays, self._expr(scope, bound[at]))

    def _grid_arrays(self, scope, node: cst.Call, name: str) -> tuple[dict, list[Var]]:
        """The arguments of ``np.searchsorted`` / ``np.interp`` by name, and its
        1-D grid arrays, lowered (an expression into an array of its own)."""
        names = ("a", "v", "side") if name == "searchsorted" else ("x", "xp", "fp", "left", "right")
        bound = self._called_as(scope, node, name, names)
        grid = ("a",) if name == "searchsorted" else ("xp", "fp")
        at = "v" if name == "searchsorted" else "x"
        if any(k not in bound for k in (*grid, at)):
            raise self._err(scope, node, f"np.{name}() needs {', '.join((*grid, at))}",
                            f"call np.{name}({', '.join(names[:3])})")
        arrays = []
        for k in grid:
            found = self._one_d_array(scope, bound[k])
            if found is None or rank(found[1]) != 1:
                raise self._err(scope, bound[k], f"the {k} of np.{name}() must be a 1-D array",
                                f"pass a 1-D array as {k}")
            arrays.append(found[0])
        return bound, arrays

    def _grid_at(self, scope, node: cst.Call, name: str, bound: dict, arrays: list[Var], value: Expr):
        """``np.searchsorted`` / ``np.interp`` at the one number ``value``."""
        loc = scope.src.loc(node)

        def emit(hint, e):
            v = self.names.fresh(hint)
            self._emit(Assign(v, e, loc))
            return Var(v)

        if name == "searchsorted":
            side = bound.get("side")
            text = side.evaluated_value if isinstance(side, cst.SimpleString) else "left" if side is None else None
            if text not in ("left", "right"):
                raise self._err(scope, side, "side= must be the string 'left' or 'right'", "write side='right'")
            return Call("searchsorted" if text == "left" else "searchsorted_right", (arrays[0], value)), "k"
        xp, fp = arrays
        last = emit("last", Call("sub", (emit("n", Call("shape", (xp, Const(0)))), Const(1))))
        lo = emit("lo", Call("copy", (Const(0),)))
        hi = emit("hi", Call("copy", (last,)))
        span, go = self.names.fresh("span"), self.names.fresh("bisect")

        def test():  # while hi - lo > 1
            return [Assign(span, Call("sub", (hi, lo)), loc), Assign(go, Call("gt", (Var(span), Const(1))), loc)]

        self.out.extend(test())
        mid = self.names.fresh("mid")
        knot = self.names.fresh("knot")
        right = self.names.fresh("right_of_knot")
        body = [Assign(mid, Call("add", (lo, hi)), loc),
                Assign(mid, Call("floordiv", (Var(mid), Const(2))), loc),
                Assign(knot, Call("load", (xp, Var(mid))), loc),
                Assign(right, Call("le", (Var(knot), value)), loc),
                If(Var(right), [Assign(lo.name, Call("copy", (Var(mid),)), loc)],
                   [Assign(hi.name, Call("copy", (Var(mid),)), loc)], loc),
                *test()]
        loop = While(Var(go), body, loc)
        self.while_tails[id(loop)] = (loop, 2)
        self._emit(loop)
        result = self.names.fresh("interp")
        one_knot = emit("one_knot", Call("lt", (last, Const(1))))
        saved, self.out = self.out, []
        nxt = emit("lo_next", Call("add", (lo, Const(1))))
        x0, x1 = emit("x0", Call("load", (xp, lo))), emit("x1", Call("load", (xp, nxt)))
        f0, f1 = emit("f0", Call("load", (fp, lo))), emit("f1", Call("load", (fp, nxt)))
        t = emit("t", Call("div", (emit("dx", Call("sub", (value, x0))), emit("width", Call("sub", (x1, x0))))))
        self._emit(Assign(result, Call("add", (f0, emit("rise", Call("mul", (t, emit("df", Call("sub", (f1, f0)))))))),
                          loc))
        between, self.out = self.out, saved
        # one knot: NumPy's value is fp[0] there (left / right beside it), with no interval to read
        self._emit(If(one_knot, [Assign(result, Call("load", (fp, Const(0))), loc)], between, loc))
        for side, k, op in (("left", Const(0), "lt"), ("right", last, "gt")):
            end = emit("x_end", Call("load", (xp, k)))
            outside = emit("outside", Call(op, (value, end)))
            fill = self._expr(scope, bound[side]) if side in bound else emit("f_end", Call("load", (fp, k)))
            self._emit(If(outside, [Assign(result, Call("copy", (fill,)), loc)], [], loc))
        return Var(result), "interp"

    def _sort_in_place(self, scope, statement: cst.Expr, call: cst.Call) -> bool:
        """``v.sort()`` on a 1-D array name: ``v[:] = np.sort(v)``, lowered as
        that statement (located at the call); False for any other call."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "sort"
                and isinstance(func.value, cst.Name) and func.value.value in scope.locals
                and self._array_rank(scope, func.value) == 1):
            return False
        name = func.value.value
        if call.args:
            raise self._err(scope, call, f"{name}.sort() is supported without arguments (ascending, along the array)",
                            f"write {name}.sort()")
        np_name = next((k for k, v in scope.src.imports.items() if v == "np"), None)
        if np_name is None:  # the method needs no import; the rewrite names numpy privately
            np_name = "_nsadc_numpy"
            scope.src.imports[np_name] = "np"
        same = cst.parse_statement(f"{name}[:] = {np_name}.sort({name})").body[0]
        self._assign(scope, _placed(scope, same, call, scope.src.parents.get(statement)))
        return True

    def _fill_in_place(self, scope, statement: cst.Expr, call: cst.Call) -> bool:
        """``w.fill(v)`` on an array name: ``w[:] = v`` (every element), lowered as
        that statement (located at the call); False for any other call."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "fill"
                and isinstance(func.value, cst.Name) and func.value.value in scope.locals
                and self._array_rank(scope, func.value) > 0 and len(call.args) == 1
                and call.args[0].keyword is None and not call.args[0].star):
            return False
        every = ", ".join([":"] * self._array_rank(scope, func.value))
        value = scope.src.source_of(call.args[0].value).strip()
        same = cst.parse_statement(f"{func.value.value}[{every}] = ({value})").body[0]
        self._assign(scope, _placed(scope, same, call, scope.src.parents.get(statement)))
        return True

    def _dtype_keyword(self, scope, node: cst.Call, n: int) -> cst.Call:
        """``np.empty(n, np.float64)``: a dtype given by position, as ``dtype=``."""
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if len(positional) != n + 1 or len(positional) != len([a for a in node.args if a.keyword is None]):
            return node
        last = positional[-1]
        args = [a if a is not last else a.with_changes(keyword=cst.Name("dtype"), equal=cst.AssignEqual())
                for a in node.args]
        new = node.with_changes(args=args)
        scope.src.positions[new] = scope.src.positions.get(node)
        for old, arg in zip(node.args, args):
            scope.src.positions[arg] = scope.src.positions.get(old)
        scope.src.parents[new] = scope.src.parents.get(node)
        return new

    def _full_like(self, scope, node: cst.Call):
        """``np.full_like(x, v)``: ``np.full(x.shape, v)`` (``dtype=`` as for np.full)."""
        args = [a for a in node.args if a.keyword is None]
        if len(args) != 2 or any(a.star for a in node.args) or not isinstance(args[0].value, cst.Name):
            raise self._err(scope, node, "np.full_like() takes an array name and a fill value",
                            "write np.full_like(x, value), or np.full(shape, value)")
        shape = cst.Attribute(value=args[0].value, attr=cst.Name("shape"))
        full = cst.Call(func=node.func, args=[cst.Arg(shape), *node.args[1:]])
        for new in (full, shape, shape.attr):
            scope.src.positions[new] = scope.src.positions.get(node)
        scope.src.parents[full] = scope.src.parents.get(node)
        return self._array_call(scope, full, "full")

    def _builtin_sum(self, scope, node: cst.Call, name: str = "sum"):
        """The builtin ``sum(x)`` (``max(x)``, ``min(x)``) of a 1-D array: ``np.sum(x)``
        (``np.max(x)``, ``np.min(x)``)."""
        if len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
            raise self._err(scope, node, "sum() with a start value or keywords is not supported",
                            "write sum(x) of a 1-D array, or add the terms up in a for loop")
        arg = node.args[0].value
        if isinstance(arg, cst.GeneratorExp):
            if name == "sum":  # (elsewhere it is a loop already: comprehensions.reductions_as_loops)
                raise self._err(scope, node, "sum() of a generator expression is supported only where the "
                                "statement always evaluates it (not inside a conditional expression, "
                                "and / or, a lambda, an elif test or a while test) and calls nothing that "
                                "writes into an array", "compute the sum in a statement of its own")
            raise self._err(scope, node, f"{name}() of a generator expression is not supported",
                            "compute it in a for loop over range()")
        r = self._array_rank(scope, arg)
        if r > 1 or (r == 0 and not self.static):  # (before the call, ranks may be guessed)
            what = scope.src.source_of(arg).strip()
            raise self._err(scope, node, f"{name}({what}) of {'a number' if r == 0 else f'an array of {r} dimensions'}"
                            f" (the builtin {name} reduces the elements of a 1-D array)",
                            f"write np.{name}(...) for every element, np.{name}(..., axis=0) for the rows"
                            if r else "add the terms up in a for loop over range()" if name == "sum" else
                            f"write {name}(a, b) of two or more numbers")
        np_name = next((k for k, v in scope.src.imports.items() if v == "np"), None)
        if np_name is None:
            raise self._err(scope, node, f"{name}() of an array in a module that does not import numpy",
                            f"import numpy as np and write np.{name}(...)")
        same = cst.Call(func=cst.Attribute(value=cst.Name(np_name), attr=cst.Name(name)), args=node.args)
        for new in (same, same.func, same.func.value, same.func.attr):
            scope.src.positions[new] = scope.src.positions.get(node)
        scope.src.parents[same] = scope.src.parents.get(node)
        return self._vector(scope, same), "total"

    def _slice_written_by(self, scope, node: cst.Call, target) -> cst.BaseExpression | None:
        """The argument of the call ``node`` that is a slice (``y[2:6]``) passed
        for a parameter the called function writes into, or None."""
        src, fnode, _ = target
        written = written_arrays(fnode, src.functions)
        params = [p.name.value for p in all_params(fnode)]
        for param, arg in zip(params, node.args):
            if param in written and isinstance(arg.value, cst.Subscript) and any(
                    isinstance(el.slice, cst.Slice) for el in arg.value.slice):
                return arg.value
        return None

    def _call_statement(self, scope, node: cst.Call, target) -> bool:
        """``helper(z, x)`` as a statement: inlined like ``t = helper(z, x)`` (its
        result is dropped) when it writes into an array of the caller; False when
        it writes into none, so the call would be useless."""
        outer = set(self.arrays)
        mark = len(self.out)
        self._inline(scope, node, target, statement=True)
        return any(isinstance(s, Assign) and s.target in outer and isinstance(s.value, Call)
                   and s.value.prim == "store" for s in walk(self.out[mark:]))

    def _inline(self, scope, node: cst.Call, target, statement: bool = False) -> list[Expr]:
        # a call whose results were asked for already (its rank, see VectorLowering._call_rank)
        done = self.inlined.get((id(scope), id(node)))
        if done is not None:
            return done
        results = self._inline_body(scope, node, target, statement)
        self.inlined[(id(scope), id(node))] = results
        return results

    def _inline_body(self, scope, node: cst.Call, target, statement: bool = False) -> list[Expr]:
        src, fnode, env = target
        name = fnode.name.value
        if name in self.call_stack:
            raise self._err(scope, node, f"recursion ({' -> '.join(self.call_stack + [name])}) "
                            "is not supported", "rewrite the recursion as a loop")
        # the loops around the call enclose the callee's statements too (an array the
        # callee makes is made once per iteration of the caller's loop)
        fnode, env = _rewritten_forms(src, fnode, env)
        callee = _Scope(src, fnode, {}, set(), depth=scope.depth, env=env)
        self._check_signature(callee)
        params = [p.name.value for p in all_params(fnode)]
        signature = f"{name}({', '.join(params)})"
        bound: dict[str, Expr] = {}
        views: dict[str, cst.Subscript] = {}  # parameter -> the row of an array passed for it (f(Z[i]))
        prefixes: dict[str, cst.BaseExpression] = {}  # output row -> the bound of the loop storing it
        seen_keyword = False
        for i, a in enumerate(node.args):
            if a.star:
                raise self._err(scope, a, "starred arguments are not supported",
                                "pass arguments one by one")
            if a.keyword is None:
                if seen_keyword:
                    raise self._err(scope, a, "a positional argument after a keyword argument",
                                    "pass positional arguments first")
                if i >= len(params):
                    raise self._err(scope, node, f"{name}() takes {len(params)} argument"
                                    f"{'s' if len(params) != 1 else ''}, got {len(node.args)}",
                                    f"call it as {signature}")
                key = params[i]
            else:
                seen_keyword = True
                key = a.keyword.value
                if key not in params:
                    raise self._err(scope, a, f"{name}() has no parameter {key!r}",
                                    f"call it as {signature}")
                if key in bound:
                    raise self._err(scope, a, f"{name}() gets argument {key!r} twice",
                                    f"call it as {signature}")
            prefix = _filled_prefix(fnode, key) if self._row_rank(scope, a.value) == 1 \
                and _only_stored_into(fnode, key) else None
            if prefix is not None:
                # an output row: nothing to copy in; the elements the helper's loop stores go back
                bound[key] = self._empty_row(scope, a.value, key)
                prefixes[key] = prefix
            else:
                bound[key] = self._expr(scope, a.value)
            if row_view_indices(a.value) is not None and self._array_of(bound[key]) is not None:
                views[key] = a.value
        for p in all_params(fnode):
            if p.name.value not in bound:
                if p.default is None:
                    raise self._err(scope, node, f"missing argument {p.name.value!r} in the call to "
                                    f"{name}()", f"call it as {signature}")
                bound[p.name.value] = self._expr(callee, p.default)
        assigned, loop_vars = _collect_assigned(fnode)
        callee.locals = assigned | set(params)
        callee.loop_vars = loop_vars
        self._check_loop_vars(callee)
        self.names.taken |= mentioned_names(fnode)
        self._freeze_module_arrays(callee)
        in_place = _updated_in_place_only(fnode)  # y += dt * y * y: NumPy writes into the caller's array
        written = None
        for p in params:
            arg = bound[p]
            if self._array_of(arg) is not None and p in assigned and p not in in_place:
                written = written_arrays(fnode, src.functions) if written is None else written
                if p in written and not _bound_anew_first(fnode, p):
                    # writes through p reach the caller's array until p is bound anew, and
                    # not after: which ones do depends on the path taken
                    where = next((b for b in scope_bindings(fnode)[0].get(p, [])
                                  if not isinstance(b, cst.Param)), None)
                    line = scope.src.loc(node).line
                    raise self._err(callee, where if where is not None else fnode,
                                    f"{name}() writes into its array parameter {p!r} and also binds it "
                                    f"anew (called at line {line})",
                                    f"give the new value another name inside {name}()")
                # z = z - np.max(z): the helper works on a copy of the argument, which its
                # new values may fill in place; the caller's array stays as it was
                self._check_private_copy(scope, node, fnode, p, written)
                own = self.names.fresh(p)
                self.user_vars[own] = p
                own = self._bind_array(scope, own, Call("array_copy", (arg,)), node)
                self.private_copies.add(own)
                callee.rename[p] = Var(own)
                continue
            if self._array_of(arg) is None and (p in assigned or not isinstance(arg, (Var, Const))):
                fresh = self.names.fresh(p)
                self._emit(Assign(fresh, Call("copy", (arg,)), src.loc(fnode)))
                callee.rename[p] = Var(fresh)
            else:
                callee.rename[p] = arg
        joined = _returns_joined(fnode)
        if joined is not None and (joined["placed"] or any(self._may_be_array(callee, v, 8) for v in joined["values"])):
            # an early `return <array>`: the helper as one if/else binding its result (once
            # rewritten, at every call: the rewrite's nodes took over the parents of its statements)
            if not joined["placed"]:
                place_tree(src, joined["function"], joined["stands_for"], fnode)
                joined["placed"] = True
            fnode, result = joined["function"], joined["result"]
            callee.node = fnode
            callee.locals.add(result)
            self.names.taken.add(result)
        written_views = self._written_views(scope, node, fnode, views)
        self.call_stack.append(name)
        before = set(self.user_vars)
        body = self._block(callee, fnode.body.body)
        self.call_stack.pop()
        n_results = self._check_returns(callee, body, statement)
        # the helper's own variables are checked here, where its `break`s and `return`s still end
        # their paths (`while True: ... break` assigns what it read after): the entry's check comes
        # after eliminate_exits has turned them into flags (arrays are left to it: the lowering binds
        # some of them at the entry, outside the helper's statements)
        own = {v: u for v, u in self.user_vars.items() if v not in before and v not in self.arrays}
        _DefiniteAssignment(own, src.loc(fnode)).run(body, set())
        self.checked_vars |= set(own)
        last = body[-1] if body else None
        if isinstance(last, Return) and last.value is not None and any(
                self._array_of(v) is not None for v in (last.value if isinstance(last.value, tuple) else (last.value,))):
            # arrays returned by the last statement (_array_result): the results are those values
            self.out.extend(body[:-1])
            self._write_back(scope, node, written_views, bound, callee, prefixes)
            values = list(last.value) if isinstance(last.value, tuple) else [last.value]
            passed = {v.name for v in bound.values() if isinstance(v, Var)}
            self.owned_arrays.update(v.name for v in values if isinstance(v, Var)
                                     and self._array_of(v) is not None and v.name not in passed)
            return values
        results = [self.names.fresh(f"{name}_out" if n_results == 1 else f"{name}_out{k}")
                   for k in range(n_results)]
        self.out.extend(eliminate_exits(body, self.names, results=results, tails=self.while_tails,
                                        in_loop=scope.depth > 0))
        self._write_back(scope, node, written_views, bound, callee, prefixes)
        return [Var(r) for r in results]

    def _check_private_copy(self, scope, call: cst.Call, fnode, p: str, written: set[str]) -> None:
        """A helper binding its array parameter ``p`` anew works on a copy of the
        argument; refuse where Python's sharing of memory would show:

        - another parameter is passed the same array and the helper writes
          through it before ``p`` is bound anew (the copy, made first, misses it);
        - the helper may hand ``p`` back unchanged or as a view (``if n > r: v =
          v * s`` then ``return v``; ``v = v[1:]``), so that its result may be the
          caller's array, and the caller writes through the argument or the
          result, or hands the result on (where a write would show through it)."""
        name = fnode.name.value
        params = [q.name.value for q in all_params(fnode)]
        passed = _passed_arguments(call, params)
        base = base_name(passed[p]) if p in passed else None
        for q, other in passed.items():
            if q != p and q in written and base is not None and base_name(other) == base:
                raise self._err(scope, call, f"{base} is passed to {name}() as {p!r}, which {name}() binds "
                                f"anew, and as {q!r}, which it writes into: the two share memory in Python",
                                f"pass {base}.copy() for one of them")
        if not _may_hand_back(fnode, p):
            return
        caller_written = written_arrays(scope.node, scope.src.functions)
        parent = scope.src.parents.get(call)
        targets: set[str] = set()
        if isinstance(parent, cst.Assign):
            for target in parent.targets:
                names_in(target.target, targets)
        shown = sorted(b for b in {base, *targets} if b is not None and b in caller_written)
        # the result handed on: to a function of the file (which may write into it), out of a
        # helper (whose caller may: returned, or bound to a name the helper returns), or
        # inside a tuple
        outer = scope.src.parents.get(parent) if isinstance(parent, cst.Arg) else None
        returned = {n.value for r in nodes(scope.node) if isinstance(r, cst.Return) and r.value is not None
                    for n in _returned_names(r.value)} if scope is not self.entry else set()
        handed_on = (isinstance(outer, cst.Call) and self._user_call(scope, outer)) \
            or (isinstance(parent, cst.Return) and scope is not self.entry) \
            or isinstance(parent, (cst.Element, cst.Tuple)) or bool(targets & returned)
        if shown or handed_on:
            what = f"writes into {shown[0]}" if shown else "hands the result on"
            raise self._err(scope, call, f"{name}() may return its parameter {p!r} unchanged or as a view "
                            f"of it, so its result may share memory with the argument, and the code {what}",
                            f"return a new array from {name}() on every path (bind the new value to "
                            f"another name, or return {p}.copy()), or bind the result to a name the "
                            "code only reads")

    def _may_be_array(self, scope, node, depth: int) -> bool:
        """Whether ``node``, before the statements around it are lowered, may be
        an array: it reads an array the scope knows, or a name the function
        binds once to such a value (``w = v * c`` ... ``return w + 1.0``).  A
        call of another helper may be (and is not lowered here: its arguments
        may be values the statements before it compute)."""
        if any(isinstance(n, cst.Call) and self._user_call(scope, n) for n in nodes(node)):
            return True
        if self._array_rank(scope, node) > 0:
            return True
        if depth == 0:
            return False
        if isinstance(node, cst.Name):
            binds = scope_bindings(scope.node)[0].get(node.value, [])
            if len(binds) == 1 and isinstance(binds[0], cst.AssignTarget):
                assign = scope.src.parents.get(binds[0])
                return isinstance(assign, cst.Assign) and self._may_be_array(scope, assign.value, depth - 1)
            return False
        parts = [node.left, node.right] if isinstance(node, cst.BinaryOperation) else \
            [node.expression] if isinstance(node, cst.UnaryOperation) else \
            [a.value for a in node.args] if isinstance(node, cst.Call) else []
        return any(self._may_be_array(scope, part, depth - 1) for part in parts)

    def _written_views(self, scope, node: cst.Call, fnode, views: dict) -> dict:
        """{parameter: (array, leading indices)} for the rows of arrays passed to
        parameters the callee writes into (``fill(Z[i])``): the callee works on
        a copy of the row, which :meth:`_write_back` stores into the row after
        it, as NumPy's view would have seen the writes.  The same array passed
        twice, once as a written row, is refused (the copy would hide the
        writes from the other name)."""
        if not views:
            return {}
        written = written_arrays(fnode, scope.src.functions)
        params = [p.name.value for p in all_params(fnode)]
        passed = _passed_arguments(node, params)
        out = {}
        for p, view in views.items():
            base = view.value.value
            # the array passed again (whole or as a row) where the callee writes one of them: a
            # copy of the row would miss the writes through the other name, or hide its own
            again = [q for q, v in passed.items() if q != p and isinstance(
                v.value if isinstance(v, cst.Subscript) else v, cst.Name)
                and (v.value if isinstance(v, cst.Subscript) else v).value == base]
            if again and (p in written or any(q in written for q in again)):
                raise self._err(scope, view, f"{base} is passed twice to {fnode.name.value}(), as the row "
                                f"{scope.src.source_of(view).strip()} and again, and one of them is "
                                "written there", f"pass {base} once and index it inside {fnode.name.value}()")
            if p not in written:
                continue
            array = self._expr(scope, view.value)
            lead = [self._operand(self._expr(scope, i), "row") for i in row_view_indices(view)]
            out[p] = (array, lead)
        return out

    def _row_rank(self, scope, node) -> int | None:
        """The rank of ``X[i]`` / ``X[i, :]`` of an array name (None for anything else)."""
        lead = row_view_indices(node)
        if lead is None or node.value.value not in scope.locals:
            return None
        t = self._array_of(self._expr(scope, node.value))
        return rank(t) - len(lead) if t is not None else None

    def _empty_row(self, scope, view: cst.Subscript, param: str) -> Expr:
        """A new array shaped like the row ``view`` (``Z[i]``), for a parameter
        the callee only stores into: its elements are written back after."""
        array = self._expr(scope, view.value)
        if self._array_of(array) is None:
            return self._expr(scope, view)  # not an array here: refused where it is used
        dims = self._shape(array.name)[len(row_view_indices(view)):]
        return Var(self._bind_array(scope, self.names.fresh(param), Call("empty", tuple(dims)), view))

    def _write_back(self, scope, node: cst.Call, written_views: dict, bound: dict, callee,
                    prefixes: dict) -> None:
        """Store each written row's copy into the row of the array it came from
        (an output row: the elements its helper's loop stored, the first
        min(bound, length))."""
        loc = scope.src.loc(node)
        for p, (array, lead) in written_views.items():
            copy = bound[p]
            dims = self._shape(copy.name)
            if array.name in self.param_names:  # (an argument written: the call works on a copy of it)
                self.stored_params.add(array.name)
            if p in prefixes:
                stored = self._operand(self._expr(callee, prefixes[p]), "stored")
                dims = [self._operand(Call("min", (stored, self._operand(dims[0], "n"))), "n")]

            def element(index, array=array, lead=lead, copy=copy):
                v = self._operand(Call("load", (copy, *index)), f"{p}_el")
                self._emit(Assign(array.name, Call("store", (array, *lead, *index, v)), loc))
            self._loop_nest(scope, dims, element, loc)


def _passed_arguments(call: cst.Call, params: list[str]) -> dict:
    """{parameter: argument expression} of a call to a function of the file (a
    positional argument past the parameters under None)."""
    return {(a.keyword.value if a.keyword is not None else params[k] if k < len(params) else None): a.value
            for k, a in enumerate(call.args)}


def _returned_branches(src, fnode: cst.FunctionDef, value, params: list[str], depth: int = 3) -> list:
    """The values a returned expression may be: each branch of a conditional
    expression (``v if c else v * 2.0``), and for a local name the values its
    assignments bind (``w = v if c else v * 2.0`` then ``return w``)."""
    if isinstance(value, cst.IfExp):
        return [*_returned_branches(src, fnode, value.body, params, depth),
                *_returned_branches(src, fnode, value.orelse, params, depth)]
    if isinstance(value, cst.Name) and value.value not in params and depth > 0:
        bound = [src.parents.get(b) for b in scope_bindings(fnode)[0].get(value.value, [])
                 if isinstance(b, cst.AssignTarget)]
        values = [a.value for a in bound if isinstance(a, cst.Assign)]
        if values:
            return [v for a in values for v in _returned_branches(src, fnode, a, params, depth - 1)]
    return [value]


def _binds_a_new_array(st, p: str) -> bool:
    """Whether the statement is ``p = <a new array>`` (arithmetic, ``np.exp(p)``,
    ``p.copy()``; not a view such as ``p[1:]``)."""
    small = st.body[0] if isinstance(st, cst.SimpleStatementLine) and len(st.body) == 1 else None
    return isinstance(small, cst.Assign) and len(small.targets) == 1 \
        and isinstance(small.targets[0].target, cst.Name) and small.targets[0].target.value == p \
        and _makes_a_new_array(small.value)


def _bound_anew_first(fnode: cst.FunctionDef, p: str) -> bool:
    """Whether the first statement of ``fnode`` that mentions ``p`` binds it to a
    new array (``v = v.copy()``, ``v = v - np.mean(v)``): every write through
    ``p`` then goes into the helper's own array, never the caller's."""
    first = next((st for st in fnode.body.body if p in mentioned_names(st)), None)
    return first is not None and _binds_a_new_array(first, p)


def _may_hand_back(fnode: cst.FunctionDef, p: str) -> bool:
    """Whether ``fnode`` may return its parameter ``p`` (a name in a returned
    value) while it is still the argument or a view of it: unless a top-level
    statement before every return binds ``p`` to a new array (arithmetic, a
    call that makes one), not a view (``p[1:]``, ``p.T``, ``p.reshape(...)``)."""
    returns = [n for n in nodes(fnode) if isinstance(n, cst.Return) and n.value is not None
               and any(isinstance(m, cst.Name) and m.value == p for m in _returned_names(n.value))]
    if not returns:
        return False
    for st in fnode.body.body:
        if any(r in set(nodes(st)) for r in returns):
            return True  # a return before (or inside) any binding that makes p new
        if _binds_a_new_array(st, p):
            return False
    return True


def _returned_names(value) -> list:
    """The names a returned value hands back as they are (``v``, ``(v, n)``)."""
    if isinstance(value, (cst.Tuple, cst.List)):
        return [n for el in value.elements for n in _returned_names(el.value)]
    return [value] if isinstance(value, cst.Name) else []


def _makes_a_new_array(value) -> bool:
    """Whether an array expression makes a new array (arithmetic, ``np.exp(v)``,
    ``v.copy()``) rather than a view of one (``v[1:]``, ``v.T``, ``np.asarray(v)``)."""
    if isinstance(value, (cst.BinaryOperation, cst.UnaryOperation)):
        return True
    if isinstance(value, cst.IfExp):
        return _makes_a_new_array(value.body) and _makes_a_new_array(value.orelse)
    return isinstance(value, cst.Call) and base_name(value) is None


_JOINED: dict[int, tuple] = {}  # id(helper) -> (helper, its rewrite or None: _returns_joined)


def _returns_joined(fnode: cst.FunctionDef) -> dict | None:
    """A helper that returns early from top-level ``if`` statements (``if c:
    ...; return A`` then ``...; return B``; an ``if`` / ``elif`` / ``else``
    chain whose branches each end in a return; several such ``if``\ s in a
    row), no return elsewhere, rewritten as one ``if`` / ``else`` tree
    binding ``result`` at the end of every branch, and ``return result``:
    the rewritten function, the returned values, the result's name, the new
    nodes with the nodes they stand for (:func:`place_tree` gives them
    positions and parents once the rewrite is used), and whether it is;
    None for any other shape (one per helper, kept)."""
    memo = _JOINED.get(id(fnode))
    if memo is not None and memo[0] is fnode:
        return memo[1]
    out = None
    body = list(fnode.body.body)
    at = next((k for k, st in enumerate(body) if _returns_in(st)), None)
    if at is not None and isinstance(body[at], cst.If):
        result = f"{fnode.name.value}_result"
        while result in mentioned_names(fnode):
            result += "_"
        values: list = []
        stands_for: dict = {}
        joined = _joined_tail(body, result, values, stands_for)
        if joined is not None:
            ret = cst.SimpleStatementLine(body=[cst.Return(value=cst.Name(result))])
            stands_for[ret] = body[-1]
            new = fnode.with_changes(body=fnode.body.with_changes(body=[*joined, ret]))
            out = {"function": new, "values": values, "result": result, "placed": False, "stands_for": stands_for}
    if len(_JOINED) > 256:  # forget the helpers no call rewrote (a rewritten one keeps its parents)
        for key in [k for k, (_, o) in _JOINED.items() if o is None or not o["placed"]]:
            del _JOINED[key]
    _JOINED[id(fnode)] = (fnode, out)
    return out


def _joined_tail(stmts: list, result: str, values: list, stands_for: dict) -> list | None:
    """``stmts``, every path through which ends in a return, with each return
    ``return v`` made ``result = v`` (``values`` collects the v, ``stands_for``
    maps each new node to the one it replaces); None where a return stands
    elsewhere (in a loop, before the end of a path) or a path falls off the end."""
    at = next((k for k, st in enumerate(stmts) if _returns_in(st)), None)
    if at is None:
        return None
    st = stmts[at]
    early = _lone_return(st)
    if early is not None:
        if at != len(stmts) - 1:
            return None
        bound = cst.SimpleStatementLine(body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(result))],
                                                         value=early)])
        values.append(early)
        stands_for[bound] = st
        return [*stmts[:at], bound]
    if not isinstance(st, cst.If):
        return None
    rest = stmts[at + 1:]

    def chain(node: cst.If):
        body = _joined_tail(list(node.body.body), result, values, stands_for)
        if body is None:
            return None
        if isinstance(node.orelse, cst.If):  # elif
            orelse = chain(node.orelse)
        elif isinstance(node.orelse, cst.Else):  # what follows the chain is never reached
            inner = _joined_tail(list(node.orelse.body.body), result, values, stands_for) if not rest else None
            orelse = None if inner is None else node.orelse.with_changes(body=node.orelse.body.with_changes(body=inner))
        else:  # no else: the statements after the chain
            inner = _joined_tail(rest, result, values, stands_for) if rest else None
            orelse = None if inner is None else cst.Else(body=cst.IndentedBlock(body=inner))
            if orelse is not None:
                stands_for[orelse] = rest[0]
        if orelse is None:
            return None
        made = node.with_changes(body=node.body.with_changes(body=body), orelse=orelse)
        stands_for[made] = node
        return made

    joined = chain(st)
    return None if joined is None else [*stmts[:at], joined]


def _returns_in(node) -> bool:
    return any(isinstance(n, cst.Return) for n in nodes(node))


def _lone_return(st) -> cst.BaseExpression | None:
    """The value of ``return value`` alone on its line (not a tuple), else None."""
    if isinstance(st, cst.SimpleStatementLine) and len(st.body) == 1 and isinstance(st.body[0], cst.Return) \
            and st.body[0].value is not None and not isinstance(st.body[0].value, cst.Tuple):
        return st.body[0].value
    return None


def _loop_counters(body: list[Stmt]) -> set[str]:
    """The variables of `for` loops, and the names a loop variable's last value
    is copied into (a read after the loop sees it)."""
    counters = {s.var for s in walk(body) if isinstance(s, For)}
    return counters | {s.target for s in walk(body) if isinstance(s, Assign) and (
        (isinstance(s.value, Var) and s.value.name in counters) or (
            isinstance(s.value, Call) and s.value.prim == "copy" and s.value.args[0] in map(Var, counters)))}


def _counters_as_ints(body: list[Stmt]) -> list[Stmt]:
    """``k = 0.0`` before ``for k in range(n)`` (the start value of a search
    index read after the loop): an int, as the loop's own values are. Python
    reads the float only where the loop never ran, and indexing with it
    raises there; compiled code cannot give one name a float and an int."""
    counters = _loop_counters(body)

    def fix(block):
        out = []
        for st in block:
            value = st.value.args[0] if isinstance(st, Assign) and isinstance(st.value, Call) \
                and st.value.prim == "copy" else getattr(st, "value", None)
            if isinstance(st, Assign) and st.target in counters and isinstance(value, Const) \
                    and type(value.value) is float and value.value.is_integer():
                st = Assign(st.target, Const(int(value.value)), st.loc)
            elif isinstance(st, (For, While)):
                st.body = fix(st.body)
            elif isinstance(st, If):
                st.body, st.orelse = fix(st.body), fix(st.orelse)
            out.append(st)
        return out
    return fix(body)


class _DefiniteAssignment:
    """Refuse reading a user variable that is not assigned on every path reaching
    the read.  Python raises UnboundLocalError there; compiled code would silently
    read garbage (numba gives 0.0), so the derivative would be wrong without a word.

    Runs on the entry body before exits are rewritten (Return / Break / Continue
    still end their paths).  Only user variables are checked: temporaries and the
    results of inlined calls are assigned by construction."""

    def __init__(self, user_vars: dict[str, str], fn_loc):
        self.user_vars = user_vars
        self.fn_loc = fn_loc

    def run(self, body: list[Stmt], params: set[str]):
        self.breaks: list[list[set[str]]] = []
        self.counters = _loop_counters(body)
        self.block(body, set(params))

    def use(self, expr, assigned: set[str], loc):
        from nsadc.ir.nodes import variables

        exprs = expr if isinstance(expr, tuple) else (expr,)
        for e in exprs:
            for v in sorted(variables(e)):
                if v in self.user_vars and v not in assigned:
                    user = self.user_vars[v]
                    raise UnsupportedError(
                        f"{user!r} may be read before it is assigned (not every path that reaches "
                        "this line assigns it)", loc or self.fn_loc,
                        f"give {user} a value before the branch or loop that assigns it "
                        f"(e.g. `{user} = {0 if v in self.counters else 0.0}`)")

    def block(self, stmts: list[Stmt], assigned: set[str]) -> set[str] | None:
        """The variables assigned after ``stmts``; None when no path gets past them."""
        cur = set(assigned)
        for s in stmts:
            if isinstance(s, Assign):
                self.use(s.value, cur, s.loc)
                cur.add(s.target)
            elif isinstance(s, Return):
                if s.value is not None:
                    self.use(s.value, cur, s.loc)
                return None
            elif isinstance(s, Break):
                if self.breaks:
                    self.breaks[-1].append(set(cur))
                return None
            elif isinstance(s, Continue) or _raises(s):
                return None
            elif isinstance(s, If):
                self.use(s.test, cur, s.loc)
                a = self.block(s.body, cur)
                b = self.block(s.orelse, cur)
                if a is None and b is None:
                    return None
                cur = a if b is None else b if a is None else a & b
            elif isinstance(s, For):
                for e in (s.start, s.stop, s.step):
                    self.use(e, cur, s.loc)
                self.breaks.append([])
                end = self.block(s.body, cur | {s.var})
                exits = self.breaks.pop() + ([end] if end is not None else [])
                if _runs_once_at_least(s) and exits and not any(isinstance(t, Continue) for t in walk(s.body)):
                    # for k in range(6): ... break: every way out of the loop has run its body
                    cur = cur | set.intersection(*exits)
            elif isinstance(s, While):
                self.use(s.test, cur, s.loc)
                self.breaks.append([])
                self.block(s.body, cur)
                exits = self.breaks.pop()
                if isinstance(s.test, Const) and bool(s.test.value):  # while True: left by break
                    if not exits:
                        return None
                    out = exits[0]
                    for e in exits[1:]:
                        out = out & e
                    cur = out
        return cur


def _runs_once_at_least(loop: For) -> bool:
    """Whether ``loop`` runs over a range of constants that is not empty."""
    bounds = (loop.start, loop.stop, loop.step)
    return all(isinstance(b, Const) and type(b.value) is int for b in bounds) and loop.step.value != 0 \
        and len(range(*(b.value for b in bounds))) > 0


def _can_fall_through(stmts: list[Stmt]) -> bool:
    """Whether running ``stmts`` can finish without meeting a Return.  Loops are
    assumed to finish (a `for` may run no iteration) except ``while True`` without a
    ``break`` of its own."""
    for s in stmts:
        if isinstance(s, Return) or _raises(s):
            return False
        if isinstance(s, If) and not _can_fall_through(s.body) and not _can_fall_through(s.orelse):
            return False
        if isinstance(s, While) and isinstance(s.test, Const) and bool(s.test.value) \
                and not _breaks(s.body):
            return False
    return True


def _only_stored_into(fnode: cst.FunctionDef, param: str) -> bool:
    """Whether the function's body uses its array parameter only as the target
    of element stores (``z[c] = s``) and for its shape (``z.shape[0]``,
    ``len(z)``): it reads none of the values the caller's array holds."""
    ok = True

    class V(cst.CSTVisitor):
        def visit_Name(self, n):
            nonlocal ok
            if n.value == param:
                ok = False  # reached only where no case below took the name

        def visit_AssignTarget(self, n):
            t = n.target
            if isinstance(t, cst.Subscript) and isinstance(t.value, cst.Name) and t.value.value == param:
                for el in t.slice:
                    el.visit(self)
                return False
            return True

        def visit_Attribute(self, n):
            return not (isinstance(n.value, cst.Name) and n.value.value == param
                        and n.attr.value in ("shape", "size", "ndim"))

        def visit_Call(self, n):
            if isinstance(n.func, cst.Name) and n.func.value == "len" and len(n.args) == 1 \
                    and isinstance(n.args[0].value, cst.Name) and n.args[0].value.value == param:
                return False
            return True

    for s in fnode.body.body:
        s.visit(V())
    return ok


def _filled_prefix(fnode: cst.FunctionDef, param: str) -> cst.BaseExpression | None:
    """``B`` where a statement of the function's body is ``for r in range(B)``
    storing ``z[r] = ...`` straight in its body, with no exit from the loop:
    the elements of the 1-D parameter ``z`` below B are all written, so an
    empty array may stand for the caller's row and those alone go back.  B
    may read the function's parameters (``W.shape[0]``, ``len(z)``) and
    nothing it assigns, so it has the same value after the call."""
    params = {p.name.value for p in all_params(fnode)}
    assigned, _ = _collect_assigned(fnode)

    class Names(cst.CSTVisitor):
        ok = True

        def visit_Name(self, n):
            if n.value in assigned or (n.value not in params and n.value != "len"):
                Names.ok = False

        def visit_Attribute(self, n):
            n.value.visit(self)
            return False

    for s in fnode.body.body:
        it = s.iter if isinstance(s, cst.For) else None
        if not (isinstance(s.target if isinstance(s, cst.For) else None, cst.Name) and isinstance(it, cst.Call)
                and isinstance(it.func, cst.Name) and it.func.value == "range" and len(it.args) == 1):
            continue
        Names.ok = True
        it.args[0].value.visit(Names())
        exits = any(isinstance(n, (cst.Break, cst.Continue, cst.Return)) for n in nodes(s.body))
        if not Names.ok or exits:  # an exit before the store would leave elements unwritten
            continue
        for line in s.body.body:
            if not isinstance(line, cst.SimpleStatementLine):
                continue
            for small in line.body:
                if isinstance(small, cst.Assign) and any(
                        isinstance(t.target, cst.Subscript) and isinstance(t.target.value, cst.Name)
                        and t.target.value.value == param and len(t.target.slice) == 1
                        and isinstance(t.target.slice[0].slice, cst.Index)
                        and isinstance(t.target.slice[0].slice.value, cst.Name)
                        and t.target.slice[0].slice.value.value == s.target.value for t in small.targets):
                    return it.args[0].value
    return None


class _InPlaceOfTheUsers(cst.CSTTransformer):
    """A rewrite of the user's code whose rebuilt nodes stand where the old
    ones did: errors point at what the user wrote."""

    def __init__(self, scope):
        super().__init__()
        self.scope = scope

    def on_leave(self, old, new):
        new = super().on_leave(old, new)
        if new is not old and isinstance(new, cst.CSTNode):
            self.scope.src.positions.setdefault(new, self.scope.src.positions.get(old))
            self.scope.src.parents.setdefault(new, self.scope.src.parents.get(old))
        return new


def _placed(scope, same: cst.CSTNode, node: cst.CSTNode, parent) -> cst.CSTNode:
    """``same``, code nsadc wrote for the user's ``node``, with every node of it
    located at ``node`` (errors point at what the user wrote) under ``parent``."""
    here = scope.src.positions.get(node)

    class Place(cst.CSTVisitor):
        def on_visit(self, n):
            scope.src.positions[n] = here
            scope.src.parents.setdefault(n, parent)
            return True

    same.visit(Place())
    return same


_SPELLED_OUT = {"array", "asarray", "linspace", "arange", "zeros", "ones", "full", "eye", "float64", "int64",
                "sqrt", "exp", "log", "sin", "cos", "tan", "pi", "e", "inf", "double", "float32", "int32"}


def _numbers_tuple(value) -> bool:
    """A tuple or list of ints and floats (no bools), the way module coefficients
    are written."""
    return isinstance(value, (tuple, list)) and bool(value) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)


def _only_indexed(scope, name: str) -> bool:
    """Whether every read of the module name ``name`` in the function indexes it
    (``name[k]``), measures it (``len(name)``) or loops over it (also through
    ``enumerate`` / ``zip``)."""
    for n in nodes(scope.node):
        if not (isinstance(n, cst.Name) and n.value == name):
            continue
        parent = scope.src.parents.get(n)
        if isinstance(parent, cst.Subscript) and parent.value is n:
            continue
        if isinstance(parent, cst.For) and parent.iter is n:
            continue
        if isinstance(parent, cst.Arg):
            call = scope.src.parents.get(parent)
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Name) and call.func.value == "len":
                continue
            # for k, c in enumerate(TAPS), for c, v in zip(TAPS, x): a loop over it
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Name) \
                    and call.func.value in ("enumerate", "zip") and isinstance(scope.src.parents.get(call), cst.For) \
                    and scope.src.parents.get(call).iter is call:
                continue
        return False
    return True


def _module_assignment(src, name: str) -> tuple[cst.CSTNode | None, bool | None]:
    """The module-level assignment of ``name`` in ``src``, and whether the file
    spells out its value: literals, arithmetic, tuples and lists of them, other
    such module names, ``math`` and a few NumPy constructors (``np.array``,
    ``np.linspace`` ...).  (None, None) when the file assigns no such name (it
    comes from elsewhere); (node, False) when the value is computed (a file read,
    a random draw, a call of the program's functions)."""
    found = []
    for stmt in src.module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                    targets = ([t.target for t in small.targets] if isinstance(small, cst.Assign)
                               else [small.target])
                    names: set[str] = set()
                    for t in targets:
                        names_in(t, names)
                    if name in names:
                        found.append(small)
        elif not isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):  # if/for/with at module level
            inner: set[str] = set()
            stmt.visit(_AssignedNames(inner))
            if name in inner:
                return stmt, False
    if not found:
        return None, None
    if len(found) > 1 or not isinstance(found[0], cst.Assign) or len(found[0].targets) != 1 \
            or not isinstance(found[0].targets[0].target, cst.Name):
        return found[-1], False
    ok = [True]
    seen = {name}
    spelled: set[str] = set()  # names checked already (np.array([DT, DT]) reads DT twice)

    class V(cst.CSTVisitor):
        def on_visit(self, n):
            if isinstance(n, cst.Arg):  # not its keyword's name
                n.value.visit(self)
                return False
            if not isinstance(n, cst.BaseExpression) or isinstance(n, (
                    cst.Integer, cst.Float, cst.SimpleString, cst.List, cst.Tuple, cst.BinaryOperation,
                    cst.UnaryOperation, cst.Subscript)):
                return True  # (whitespace, commas, arguments ...; numbers, containers, arithmetic)
            if isinstance(n, cst.Attribute) and isinstance(n.value, cst.Name) \
                    and src.imports.get(n.value.value) in ("np", "math") \
                    and (src.imports[n.value.value] == "math" or n.attr.value in _SPELLED_OUT):
                return False
            if isinstance(n, cst.Call):
                return True
            if isinstance(n, cst.Name) and n.value in spelled:
                return False
            if isinstance(n, cst.Name) and n.value not in seen:
                seen.add(n.value)
                if n.value in ("True", "False") or n.value in src.constants or _module_assignment(src, n.value)[1]:
                    spelled.add(n.value)
                    return False
            ok[0] = False
            return False

    found[0].value.visit(V())
    return found[0], ok[0]


class _AssignedNames(cst.CSTVisitor):
    def __init__(self, out: set[str]):
        self.out = out

    def visit_AssignTarget(self, n):
        names_in(n.target, self.out)


def _raises(s: Stmt) -> bool:
    """Whether ``s`` is a ``raise`` line (frontend: ``Lowerer._raise_line``)."""
    return isinstance(s, Raw) and s.raises


def _breaks(stmts: list[Stmt]) -> bool:
    """Whether a ``break`` in ``stmts`` (not inside a nested loop) leaves the loop."""
    for s in stmts:
        if isinstance(s, Break):
            return True
        if isinstance(s, If) and (_breaks(s.body) or _breaks(s.orelse)):
            return True
    return False


def _clone(block):
    import copy

    return copy.deepcopy(block)


def _short(e: Expr) -> str | None:
    if isinstance(e, Var):
        return e.name
    if isinstance(e, Const) and isinstance(e.value, (int, float)) and not isinstance(e.value, bool):
        v = e.value
        if float(v).is_integer() and abs(v) < 100:
            return str(int(v)) if v >= 0 else f"m{int(-v)}"
    return None


_TRUTH_CALLS = {*LOGICAL_CALLS, *ELEMENT_TESTS, "math.isnan", "math.isinf", "math.isfinite"}


def _hint(op: str, args) -> str:
    """A readable name for the temporary holding ``op(args)``: ``wx`` for w*x,
    ``abs_w``, ``m_minus_1``; the operation's word when that would be long."""
    names = [_short(a) for a in args]
    word = {"add": "total", "sub": "diff", "mul": "prod", "div": "ratio", "pow": "power",
            "neg": "neg", "pos": "pos", "not": "negated"}.get(op, op)
    hint = word
    if op in ("neg", "pos", "not") and names[0]:
        hint = f"{word}_{names[0]}"
    elif op == "mul" and all(names):
        a, b = names
        hint = a + b if len(a) <= 2 and len(b) <= 2 and a.isalpha() and b.isalpha() else f"{a}_{b}"
    elif op == "pow" and names[0] and names[1] == "2":
        hint = f"{names[0]}_sq"
    elif op in _WORDS and all(names):
        hint = f"{names[0]}_{_WORDS[op]}_{names[1]}"
    elif op in RULES and RULES[op].emit.startswith("call") and names and all(names):
        hint = f"{op}_{'_'.join(names)}"
    return hint if len(hint) <= 16 else word


_SIZE_CALLS = {"zeros", "empty", "ones", "full", "arange"}  # np.zeros(n + 1): n counts elements


def _int_positions(node: cst.FunctionDef) -> list[cst.BaseExpression]:
    """Expressions that only an int can fill: range() bounds, subscripts
    (indices and slice bounds), and the sizes of new arrays
    (``np.zeros(n + 1)``, ``np.empty((n, m))``)."""
    found: list[cst.BaseExpression] = []

    class V(cst.CSTVisitor):
        def visit_Call(self, n):
            f = n.func
            callee = f.value if isinstance(f, cst.Name) else f.attr.value if isinstance(f, cst.Attribute) else ""
            if callee == "range":
                found.extend(a.value for a in n.args)
            elif callee == "enumerate" and len(n.args) > 1:  # enumerate(x, k): the count starts at an int
                found.append(n.args[1].value)
            elif callee == "roll" and len(n.args) > 1:  # np.roll(x, k): the shift is an int
                found.append(n.args[1].value)
            elif callee in _SIZE_CALLS and isinstance(f, cst.Attribute) and n.args and n.args[0].keyword is None:
                size = n.args[0].value
                found.extend(e.value for e in size.elements) if isinstance(size, cst.Tuple) else found.append(size)

        def visit_SubscriptElement(self, n):
            if isinstance(n.slice, cst.Index):
                found.append(n.slice.value)
            elif isinstance(n.slice, cst.Slice):  # x[lo:t]: slice bounds are ints too
                found.extend(b for b in (n.slice.lower, n.slice.upper, n.slice.step) if b is not None)

        def visit_While(self, n):
            # while it < max_iter: what a counter is compared with in a loop's test is a count
            for comp in (c for c in nodes(n.test) if isinstance(c, cst.Comparison)):
                sides = [comp.left] + [c.comparator for c in comp.comparisons]
                if any(isinstance(e, cst.Name) and e.value in counters for e in sides):
                    found.extend(e for e in sides if not (isinstance(e, cst.Name) and e.value in counters))

    counters = _counters(node)
    scan(node, V())
    # a local that fills such a position is an int, and so is what it is assigned
    # (hi = min(n, i + w); range(i, hi): w is an int)
    values: dict[str, list[cst.BaseExpression]] = {}

    class A(cst.CSTVisitor):
        def visit_Assign(self, n):
            if len(n.targets) == 1 and isinstance(n.targets[0].target, cst.Name):
                values.setdefault(n.targets[0].target.value, []).append(n.value)

        def visit_AugAssign(self, n):
            if isinstance(n.target, cst.Name):
                values.setdefault(n.target.value, []).append(n.value)

    scan(node, A())
    counted: set[str] = set()
    while True:
        more = [v for v in values if v not in counted and any(_counts_with(e, v) for e in found)]
        if not more:
            return found
        counted.update(more)
        # (a value with a float literal in it is a float: the name was reused, k = t + 1.0 then k = 0)
        found.extend(e for v in more for e in values[v] if not any(isinstance(x, cst.Float) for x in nodes(e)))


def _counters(node: cst.FunctionDef) -> set[str]:
    """Names bound only to int literals and stepped only by them (``i = 0``,
    ``i += 1``, ``k = k - 1``): counters, which the loops they drive compare
    with counts."""
    ok: dict[str, bool] = {}

    def stepped(value, name: str) -> bool:  # i + 1, i - 2
        return isinstance(value, cst.BinaryOperation) and isinstance(value.operator, (cst.Add, cst.Subtract)) \
            and isinstance(value.left, cst.Name) and value.left.value == name and isinstance(value.right, cst.Integer)

    def bound(target) -> list[str]:  # the names a target binds (x[i] = v binds none)
        if isinstance(target, cst.Name):
            return [target.value]
        if isinstance(target, (cst.Tuple, cst.List)):
            return [name for el in target.elements for name in bound(el.value)]
        return bound(target.value) if isinstance(target, cst.StarredElement) else []

    class V(cst.CSTVisitor):
        def visit_Assign(self, n):
            for t in n.targets:
                for name in bound(t.target):
                    good = isinstance(t.target, cst.Name) and (isinstance(n.value, cst.Integer)
                                                               or stepped(n.value, name))
                    ok[name] = ok.get(name, True) and good

        def visit_AugAssign(self, n):
            for name in bound(n.target):
                ok[name] = ok.get(name, True) and isinstance(n.operator, (cst.AddAssign, cst.SubtractAssign)) \
                    and isinstance(n.value, cst.Integer)

        def visit_For(self, n):
            for name in bound(n.target):
                ok[name] = False

        def visit_NamedExpr(self, n):
            for name in bound(n.target):
                ok[name] = False

    scan(node.body, V())
    return {name for name, good in ok.items() if good}


def _counts_with(e: cst.BaseExpression, name: str) -> bool:
    """Whether ``e`` is integer arithmetic (+ - * // % **, unary minus, min,
    max and abs, tuples of such) in which ``name`` takes part: ``n + 1``,
    ``2 * n - k``, ``min(n, i + w)``, ``2 ** n``."""
    if isinstance(e, cst.Name):
        return e.value == name
    if isinstance(e, cst.Call) and isinstance(e.func, cst.Name) and e.func.value in ("min", "max", "abs"):
        return any(_counts_with(a.value, name) for a in e.args if a.keyword is None and not a.star)
    if isinstance(e, cst.BinaryOperation) and isinstance(e.operator, INT_OPERATORS):
        return _counts_with(e.left, name) or _counts_with(e.right, name)
    if isinstance(e, cst.UnaryOperation) and isinstance(e.operator, cst.Minus):
        return _counts_with(e.expression, name)
    if isinstance(e, cst.Tuple):
        return any(_counts_with(el.value, name) for el in e.elements)
    return False


# NumPy functions that share a name with an array method (x.clip(...) and np.clip(x, ...))
_NUMPY_FUNCTIONS = tuple(m for m in ARRAY_METHODS if m not in ("flatten", "astype", "fill"))
# NumPy functions Lowerer._rewritten writes with the ones nsadc differentiates
_REWRITTEN = ("np.var", "np.std", "np.diff", "np.trapz", "np.trapezoid", "np.clip", "np.ptp", "np.median",
              "np.average", "np.heaviside", "np.asarray", "np.ascontiguousarray", "np.asfortranarray", "np.flip",
              "np.flipud", "np.fliplr", "np.percentile", "np.quantile", "np.count_nonzero", "np.transpose",
              "np.expand_dims")
# the modules emitted derivative code calls by name
_MODULE_NAMES = frozenset({"math", "np", "cuda"})
# conversions that return their (float64) argument itself
_AS_ARRAY = ("np.asarray", "np.ascontiguousarray", "np.asfortranarray")
# primitives whose value is a new array (an allocation, a fill, a copy)
_NEW_ARRAY = (*ALLOCATORS, *LIKE, "full", "array_copy", "index_empty", "index_full")
# positions of the 1-D arrays among a grid function's arguments
_GRID_ARGUMENTS = {"searchsorted": (0,), "interp": (1, 2), "convolve": (0, 1)}
# ... and of the arrays of the statistics Lowerer._rewritten writes out
_STATISTICS_ARGUMENTS = {"diff": (0,), "trapz": (0, 1), "trapezoid": (0, 1), "var": (0,), "std": (0,),
                         "asarray": (0,), "ascontiguousarray": (0,), "asfortranarray": (0,)}


def _grid_argument(node: cst.FunctionDef, name: str, table=None) -> bool:
    """Whether ``node`` passes ``name`` as the grid of ``np.searchsorted`` /
    ``np.interp``, or an operand of ``np.convolve`` (1-D arrays by NumPy's signature)."""
    found = []

    class V(cst.CSTVisitor):
        def visit_Call(self, n):
            f = n.func
            if isinstance(f, cst.Attribute) and f.attr.value in (table or _GRID_ARGUMENTS):
                for k in (table or _GRID_ARGUMENTS)[f.attr.value]:
                    if k < len(n.args) and n.args[k].keyword is None and isinstance(n.args[k].value, cst.Name) \
                            and n.args[k].value.value == name:  # (np.trapezoid(y, dx=h): h is a number)
                        found.append(n)

    scan(node, V())
    return bool(found)


_ARRAY_SIGNS = {"sum", "mean", "prod", "empty_like", "zeros_like", "ones_like", "full_like", "empty", "zeros",
                "ones", "full", "dot", "shape", "size", "len", "copy", "cumsum", "cumprod", "sort", "argsort", "roll",
                "where", "maximum", "minimum", "argmax", "argmin", "var", "std", "diff", "asarray", "interp",
                "searchsorted", "median",
                "percentile", "quantile", "flip", "flipud", "fliplr", "trapz", "trapezoid", "ravel", "reshape",
                "linspace", "arange", "outer", "average", "ndim", "T"}


def _handles_arrays(node: cst.FunctionDef, functions: dict, depth: int = 0) -> bool:
    """Whether ``node`` or a function of its file that it calls (transitively)
    works with arrays: allocates, reduces or measures one (``np.empty_like``,
    ``np.sum``, ``len``, ``.shape`` ...)."""
    found = []
    callees: set[str] = set()

    class V(cst.CSTVisitor):
        def visit_Attribute(self, n):
            if n.attr.value in _ARRAY_SIGNS:
                found.append(n)

        def visit_Call(self, n):
            if isinstance(n.func, cst.Name):
                if n.func.value in ("len", "sum"):
                    found.append(n)
                callees.add(n.func.value)

        def visit_Subscript(self, n):
            found.append(n)

    scan(node.body, V())
    if found:
        return True
    if depth < 4:
        for c in sorted(callees):
            for d in functions.get(c, [])[:1]:
                if d is not node and _handles_arrays(d, functions, depth + 1):
                    return True
    return False


def _only_passed_on(node: cst.FunctionDef, name: str, is_user_function) -> bool:
    """Whether every read of ``name`` in ``node`` is a whole argument of a call to
    a function nsadc inlines (``helper(x, ...)``), so that nothing here shows
    whether it is a number or an array."""
    if not any(isinstance(n, cst.Call) and isinstance(n.func, cst.Name) and is_user_function(n.func.value)
               and any(isinstance(a.value, cst.Name) and a.value.value == name for a in n.args)
               for n in nodes(node.body)):
        return False  # no call passes it on (the scan below would count none)
    uses = {"passed": 0, "other": 0}

    class V(cst.CSTVisitor):
        def visit_Call(self, n):
            passed = isinstance(n.func, cst.Name) and is_user_function(n.func.value)
            for a in n.args:
                if passed and isinstance(a.value, cst.Name) and a.value.value == name:
                    uses["passed"] += 1
                else:
                    a.value.visit(self)
            n.func.visit(self)
            return False

        def visit_Name(self, n):
            if n.value == name:
                uses["other"] += 1

        def visit_Param(self, n):
            return False

        def visit_Attribute(self, n):
            n.value.visit(self)
            return False

    node.body.visit(V())
    return uses["passed"] > 0 and uses["other"] == 0


def _flows_into_indexed(node: cst.FunctionDef, name: str) -> bool:
    """Whether ``node`` binds a name to arithmetic on ``name`` or a NumPy call
    of it (``q = recharge * cell * cell``, ``c = np.cumsum(x * y)``) and
    indexes that name (``q[i, j]``, ``c[-1]``), where ``name`` is not indexed
    itself: the text then shows that ``name`` may be an array, but not of
    which rank."""
    bound = set()
    indexed = set()
    for n in nodes(node.body):
        if isinstance(n, cst.Assign) and len(n.targets) == 1 and isinstance(n.targets[0].target, cst.Name) \
                and (isinstance(n.value, (cst.BinaryOperation, cst.UnaryOperation)) or (
                    isinstance(n.value, cst.Call) and isinstance(n.value.func, cst.Attribute)
                    and isinstance(n.value.func.value, cst.Name) and n.value.func.value.value in ("np", "numpy"))) \
                and any(isinstance(m, cst.Name) and m.value == name for m in nodes(n.value)):
            bound.add(n.targets[0].target.value)
        elif isinstance(n, cst.Subscript) and isinstance(n.value, cst.Name):
            indexed.add(n.value.value)
    return name not in indexed and bool(bound & indexed)


def _iterated(node: cst.FunctionDef, name: str) -> bool:
    """Whether a for loop of ``node`` runs over the elements of ``name``
    (``for v in name``, ``enumerate(name)``, ``zip(..., name, ...)``)."""
    found = []

    class V(cst.CSTVisitor):
        def visit_For(self, n):
            it = n.iter
            items = [it]
            if isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value in ("enumerate", "zip"):
                items = [a.value for a in it.args[:1 if it.func.value == "enumerate" else None]]  # (its start: a count)
                if len(items) == 1 and isinstance(items[0], cst.Call) and isinstance(items[0].func, cst.Name) \
                        and items[0].func.value == "zip":  # enumerate(zip(x, y))
                    items = [a.value for a in items[0].args]
            targets: set[str] = set()
            names_in(n.target, targets)
            rows = set()  # a target indexed in the body: the rows of a 2-D array, refused
            scan(n.body, _Subscripted(targets, rows))
            if not rows and any(isinstance(e, cst.Name) and e.value == name for e in items):
                found.append(n)

    scan(node, V())
    return bool(found)


class _Subscripted(cst.CSTVisitor):
    def __init__(self, names: set[str], out: set[str]):
        self.names, self.out = names, out

    def visit_Subscript(self, n):
        if isinstance(n.value, cst.Name) and n.value.value in self.names:
            self.out.add(n.value.value)


def _slices_only(node: cst.Subscript) -> bool:
    """Whether every index of ``node`` is a slice (``x[a:b]``, ``x[::-1]``):
    its value is an array, a view of the one it indexes."""
    return all(isinstance(el.slice, cst.Slice) for el in node.slice)


def _infer_param_type(node: cst.FunctionDef, name: str, functions: dict | None = None, depth: int = 0) -> str:
    """Without annotations or runtime values: a parameter that takes part in a
    range() bound, an index or an array size (``range(n + 1)``,
    ``np.zeros(n + 1)``, ``x[n - 1]``) is an int, and so is one passed on to
    a function of its file whose parameter there is (``search(F, p, B)``
    with ``range(B)`` in ``search``); anything else a float."""
    if any(_counts_with(e, name) for e in _int_positions(node)):
        return "int"
    if functions and depth < 4:
        for callee, param in _passed_to(node, name, functions):
            ann = param.annotation.annotation if param.annotation else None
            if isinstance(ann, cst.Name) and ann.value == "int" or ann is None and _infer_param_type(
                    functions[callee][0], param.name.value, functions, depth + 1) == "int":
                return "int"
    return "float"


def _passed_to(node: cst.FunctionDef, name: str, functions: dict) -> list[tuple[str, cst.Param]]:
    """(callee, its parameter) for each argument of a call in ``node`` to a
    function of ``functions`` that is integer arithmetic with ``name`` in it
    (``helper(B)``, ``helper(k=n + 1)``)."""
    found: list[tuple[str, cst.Param]] = []

    class V(cst.CSTVisitor):
        def visit_Call(self, n):
            if not isinstance(n.func, cst.Name) or n.func.value not in functions:
                return
            callee = functions[n.func.value][0]
            if callee is node:
                return
            params = all_params(callee)
            for k, a in enumerate(n.args):
                if a.star or not _counts_with(a.value, name):
                    continue
                if a.keyword is not None:
                    found.extend((n.func.value, p) for p in params if p.name.value == a.keyword.value)
                elif k < len(params):
                    found.append((n.func.value, params[k]))

    scan(node.body, V())
    return found


def lower_function(src: SourceFile, node: cst.FunctionDef, env: dict | None = None,
                   param_types: dict[str, str] | None = None) -> Function:
    return Lowerer(src, node, env, param_types).lower()
