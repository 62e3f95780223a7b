"""Emit: IR -> Python source.

The IR is in three-address form, so the printer only has to parenthesize the
small expressions that derivative rules build; it does so by Python's operator
precedence.  The result is compiled to bytecode as a check that it is valid Python
before anyone runs it.
"""

from __future__ import annotations

import copy
import re
from contextlib import contextmanager
from contextvars import ContextVar

from nsadc.backends import tape_helpers
from nsadc.backends.lowering import PYTHON, Backend
from nsadc.backends.outlining import with_repeated_loops_outlined
from nsadc.backends.renaming import with_loop_locals_renamed, with_reassignments_renamed
from nsadc.backends.selection_helpers import with_selection_helpers
from nsadc.passes.strong_zeros import STRONG_HELPERS
from nsadc.rules.table import EAGER
from nsadc.analyses.facts import expr_type
from nsadc.ir.build import add
from nsadc.ir.nodes import (TAPE_OPS, Assign, Break, Call, Comment, Continue, Expr, For, Function, If, Raw,
                            Return, Stmt, TapeAlloc, TapeOp, TapePop, TapePush, TapeReserve, Var, While,
                            expressions_read, has_select, walk)
from nsadc.rules.source import (EXTREMUM, NUMPY_EXTREMUM, comment_text, compiled_ints, docstring_source, expr_source,
                                numpy_extrema, range_source, store_line)
from nsadc.passes.parallel_loops import has_parallel_loop
from nsadc.rules.table import RULES
from nsadc.rules.vector import helper_source

# the backend the code is emitted for (nsadc/backends/lowering.py)
_BACKEND: ContextVar[Backend] = ContextVar("nsadc_backend", default=PYTHON)


@contextmanager
def lowered_for(backend: Backend):
    """Emit for ``backend``: its spelling of max and min (Python's where it has
    no ``np.maximum``: a NaN then stays or goes by its position) and its tapes."""
    token = _BACKEND.set(backend)
    try:
        yield
    finally:
        _BACKEND.reset(token)


def block_source(block: list[Stmt], indent: int) -> list[str]:
    pad = "    " * indent
    lines: list[str] = []
    for s in block:
        if isinstance(s, Assign):
            v = s.value
            if isinstance(v, Call) and v.prim == "store":
                lines.append(pad + store_line(v))
            elif isinstance(v, Call) and v.prim in ("add", "sub", "mul", "div") and \
                    isinstance(v.args[0], Var) and v.args[0].name == s.target:
                sym = RULES[v.prim].emit.split(":")[1]
                lines.append(f"{pad}{s.target} {sym}= {expr_source(v.args[1])}")
            else:
                lines.append(f"{pad}{s.target} = {expr_source(v)}")
        elif isinstance(s, If):
            lines.append(f"{pad}if {expr_source(s.test)}:")
            lines.extend(_nested(s.body, indent))
            if s.orelse:
                if len(s.orelse) == 1 and isinstance(s.orelse[0], If):
                    inner = block_source(s.orelse, indent)
                    lines.append(pad + "el" + inner[0].lstrip())
                    lines.extend(inner[1:])
                else:
                    lines.append(f"{pad}else:")
                    lines.extend(_nested(s.orelse, indent))
        elif isinstance(s, For):
            prange = "numba.p" if s.parallel else ""  # the cpu target's parallel mode
            lines.append(f"{pad}for {s.var} in {prange}{range_source(s.start, s.stop, s.step)}:")
            lines.extend(_nested(s.body, indent))
        elif isinstance(s, While):
            lines.append(f"{pad}while {expr_source(s.test)}:")
            lines.extend(_nested(s.body, indent))
        elif isinstance(s, Return):
            if isinstance(s.value, tuple):
                lines.append(f"{pad}return {', '.join(expr_source(x) for x in s.value)}")
            else:
                lines.append(f"{pad}return {expr_source(s.value)}")
        elif isinstance(s, Comment):
            lines.append(f"{pad}# {comment_text(s.text)}")
        elif isinstance(s, Raw):
            lines.append(f"{pad}{s.code}")
        elif isinstance(s, TAPE_OPS):
            lines.extend(pad + line for line in tape_source(s))
        elif isinstance(s, Break):
            lines.append(f"{pad}break")
        elif isinstance(s, Continue):
            lines.append(f"{pad}continue")
        else:
            raise TypeError(s)
    return lines


def tape_source(s: TapeOp) -> list[str]:
    """A tape operation as code: its storage as the backend keeps it."""
    if isinstance(s, TapeAlloc):
        return [_BACKEND.get().tape_alloc(s, expr_source)]
    if isinstance(s, TapeReserve):
        return tape_helpers.reserve_lines(s.tape, expr_source(add(Var(s.counter), s.room)))
    if isinstance(s, TapePush):
        return [f"{s.tape}[{expr_source(s.at)}] = {expr_source(s.value)}"]
    if isinstance(s, TapePop):
        read = f"{s.tape}[{expr_source(s.at)}]"
        read = f"int({read})" if s.as_int else read + (" != 0" if s.as_bool else "")
        return [f"{expr_source(s.target)} = {read}"]
    return [f"{s.counter} {s.op} {expr_source(s.by)}"]


def _nested(block: list[Stmt], indent: int) -> list[str]:
    """A nested block's lines, with ``pass`` where it holds nothing but
    comments (a kink's comment whose partials were all dropped)."""
    lines = block_source(block, indent + 1)
    if all(isinstance(s, Comment) for s in block):
        lines.append("    " * (indent + 1) + "pass")
    return lines


def function_source(fn: Function, extra_params: list[str] = ()) -> str:
    params = ", ".join([p.name for p in fn.params] + list(extra_params))
    lines = [f"def {fn.name}({params}):"]
    if fn.doc:
        lines.append(f"    {docstring_source(fn.doc)}")
    types = fn.types
    floats = (lambda e: expr_type(e, types) == "float") if _BACKEND.get().numpy_extrema else None
    helpers = _BACKEND.get().extrema_helpers and not set(EXTREMUM.values()) & (set(types) | {p.name for p in fn.params})
    spelling = EXTREMUM if helpers else NUMPY_EXTREMUM
    ints = (lambda e: expr_type(e, types) in ("int", "bool")) if _BACKEND.get().name == "cpu" else None
    with numpy_extrema(floats, spelling), compiled_ints(ints):
        lines.extend(block_source(fn.body, 1) or ["    pass"])
    return "\n".join(lines) + "\n"


def check_source(text: str) -> str:
    """Compile emitted source to bytecode: a bug in the emitter must not reach
    a user.  (Python's own compiler: parsing with libcst took 0.1 s of a
    derivative's first compile.)"""
    compile(text, "<emitted by nsadc>", "exec")
    return text


# Numba compiles each conditional expression ``a if c else b`` into basic
# blocks of its own, and its SSA reconstruction is quadratic in the blocks of
# a function: 500 kink selections in a 1,000-statement gradient cost 60 s of
# compilation.  A function with this many selections calls ``_select(c, a, b)``
# instead (one call: no blocks; LLVM inlines it back into the same select, so
# the compiled code runs as fast).  Below it the gain is small and the
# conditional expression reads better.
SELECT_CALLS = 32

_SELECT_HELPER = '''def _select(c, a, b):
    """a if c else b, as a call (the arguments are evaluated first: the
    emitter passes only values whose evaluation cannot fail)."""
    return a if c else b
'''

# the NaN-keeping max and min of floats (rules/source.py writes calls to them)
EXTREMA_HELPERS = {
    "_maximum": '''def _maximum(a, b):
    """max(a, b) of floats that passes a NaN on: a at a tie, as Python's max."""
    m = b if b > a else a
    return m if b == b else b
''',
    "_minimum": '''def _minimum(a, b):
    """min(a, b) of floats that passes a NaN on: a at a tie, as Python's min."""
    m = b if b < a else a
    return m if b == b else b
''',
    # an int to an int power (rules/source.py): an int, or refused where Python's would be a float
    "_int_power": '''def _int_power(a, b):
    """a ** b of ints: an int, as Python's, for b >= 0.  For b < 0 Python's is a
    float, which compiled code cannot give where it gives ints (Numba gives 0)."""
    if b < 0:
        raise ValueError("an int raised to a negative int power: write the base as a float (2.0 ** k)")
    return a ** b
''',
}

# each written into a module that calls it (and the products whose structural zero wins: passes/strong_zeros.py)
CALLED_HELPERS = {**EXTREMA_HELPERS, **STRONG_HELPERS}
_CALLS_HELPER = {name: re.compile(rf"(?<![\w.]){name}\(") for name in CALLED_HELPERS}


def _calls(e: Expr, count: list[int], nests_only: bool = False, in_select: bool = False) -> tuple[Expr, bool]:
    """``e`` with each selection whose two values may be evaluated first made
    a ``_select`` call (counted in ``count[0]``), and whether evaluating ``e``
    itself cannot fail.  ``nests_only``: only the selections of a nest (a
    selection inside a selection, and the one around it)."""
    if not isinstance(e, Call):
        return e, True
    is_select = e.prim == "select"
    args, eager = [], []
    for a in e.args:
        new, ok = _calls(a, count, nests_only, in_select or is_select)
        args.append(new)
        eager.append(ok)
    prim = e.prim
    nested = in_select or any(has_select(a) for a in e.args)
    if is_select and eager[1] and eager[2] and (nested or not nests_only):
        prim = "select_call"
        count[0] += 1
    return Call(prim, tuple(args)), e.prim in EAGER and all(eager)


def _block_with_calls(block: list[Stmt], count: list[int], nests_only: bool = False) -> list[Stmt]:
    def c(e: Expr) -> Expr:
        return _calls(e, count, nests_only)[0]

    out: list[Stmt] = []
    for s in block:
        if isinstance(s, Assign):
            s = Assign(s.target, c(s.value), s.loc, s.site)
        elif isinstance(s, If):
            s = If(c(s.test), _block_with_calls(s.body, count, nests_only),
                   _block_with_calls(s.orelse, count, nests_only), s.loc)
        elif isinstance(s, For):
            s = For(s.var, c(s.start), c(s.stop), c(s.step), _block_with_calls(s.body, count, nests_only), s.loc)
        elif isinstance(s, While):
            s = While(c(s.test), _block_with_calls(s.body, count, nests_only), s.loc)
        elif isinstance(s, Return) and s.value is not None:
            s = Return(tuple(c(v) for v in s.value) if isinstance(s.value, tuple) else c(s.value), s.loc)
        out.append(s)
    return out


def _with_select_calls(fn: Function) -> Function | None:
    """A copy of ``fn`` whose selections are ``_select`` calls where it has at
    least ``SELECT_CALLS`` of them, else whose nested selections are (and no
    variable named ``_select``); None when nothing changes."""
    if any(p.name == "_select" for p in fn.params) or any(
            (isinstance(s, Assign) and s.target == "_select") or (isinstance(s, For) and s.var == "_select")
            for s in walk(fn.body)):
        return None
    count = [0]
    body = _block_with_calls(fn.body, count)
    if count[0] < SELECT_CALLS:
        # a selection inside a selection (a tie's share inside a NaN test) Numba
        # compiles to branches, and on data that goes both ways they mispredict:
        # as calls, LLVM inlines one select each (Chained LQ's gradient, 6.2 ms
        # as nested conditional expressions, 1.4 ms as calls; 1.3 ms unguarded)
        count = [0]
        body = _block_with_calls(fn.body, count, nests_only=True)
    if not count[0]:
        return None
    out = copy.copy(fn)
    out.body = body
    return out


def module_source(header: list[str], functions: list[Function], backend: Backend = PYTHON) -> str:
    """A standalone module for ``backend``: header comments, imports, tape
    helpers where used, and the functions, each with the backend's decorator."""
    functions = [g for f in functions for g in backend.prepared(f)]
    lines = [f"# {comment_text(h)}" if h else "#" for h in header]
    lines += ["import math", "", "import numpy as np", *backend.imports]
    chunks = []
    if any(getattr(f, "needs_reserve", False) for f in functions):
        chunks.append(backend.decorated(tape_helpers.helpers_source()))
    helpers = helper_source(_prims_used(functions))
    if helpers:  # np.sort's stable argsort
        chunks.append(backend.decorated(helpers))
    functions = [with_loop_locals_renamed(f) or f for f in functions]
    functions = [with_reassignments_renamed(f) or f for f in functions]
    with_calls = [_with_select_calls(f) for f in functions]
    if any(with_calls):
        chunks.append(backend.decorated(_SELECT_HELPER))
        functions = [g or f for f, g in zip(functions, with_calls)]
    functions, selection_helpers = with_selection_helpers(functions, SELECT_CALLS)
    if backend.outlines_loops and not backend.parallelize:
        functions, outlined = with_repeated_loops_outlined(functions)
        selection_helpers += outlined
    lines += ["", "", ""]
    if backend.parallelize:  # last: on the functions as written
        functions = [backend.parallelize(f) for f in functions]
    with lowered_for(backend):
        written = [backend.decorated(function_source(f)) for f in selection_helpers]
        written += [backend.decorated(function_source(f), has_parallel_loop(f)) for f in functions]
    chunks += [backend.decorated(helper) for name, helper in CALLED_HELPERS.items()
               if any(_CALLS_HELPER[name].search(c) for c in written)]
    chunks += written
    text = "\n".join(lines) + "\n\n".join(chunks)
    try:
        return check_source(text)
    except (SyntaxError, RecursionError, MemoryError) as e:
        # Python's own limits: 100 levels of indentation, 20 nested loops/blocks
        if isinstance(e, SyntaxError) and "too many" not in str(e.msg):
            raise
        from nsadc.errors import UnsupportedError

        loc = next((f.loc for f in functions if f.loc is not None), None)
        why = getattr(e, "msg", None) or type(e).__name__
        raise UnsupportedError(f"the derivative code is nested too deeply for Python to compile ({why})", loc,
                               "split the function into smaller ones, use fewer nested loops, or replace a "
                               "long if/elif chain by arithmetic or an array lookup") from None


def _prims_used(functions: list[Function]) -> set[str]:
    """The primitives that the functions call."""
    out: set[str] = set()

    def visit(e: Expr) -> None:
        if isinstance(e, Call):
            out.add(e.prim)
            for a in e.args:
                visit(a)
    for f in functions:
        for s in walk(f.body):
            for e in expressions_read(s):
                visit(e)
    return out
