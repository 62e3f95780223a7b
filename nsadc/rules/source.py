"""How IR expressions are written as Python source.

Each primitive's spelling comes from its rule (``emit="call:math.exp"``,
``infix:+``, the array and vector primitives' own writers); the printer adds
the parentheses Python's operator precedence needs.  Shared by the emitter,
the comments and messages every stage writes, and the certificate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar

from nsadc.ir.nodes import Call, Const, Expr, Var
from nsadc.rules.arrays import ARRAY_PRIMS, array_source, store_source
from nsadc.rules.table import RULES
from nsadc.rules.vector import VECTOR_PRIMS, vector_source

_PREC = {"or": 2, "and": 3, "not": 4, "lt": 5, "le": 5, "gt": 5, "ge": 5, "eq": 5, "ne": 5,
         "bitor": 6, "bitxor": 7, "bitand": 8, "lshift": 9, "rshift": 9,
         "add": 10, "sub": 10, "mul": 11, "div": 11, "floordiv": 11, "mod": 11,
         "neg": 12, "pos": 12, "pow": 13, "select": 1, "tie": 1}
_ATOM = 20
_RIGHT_ASSOC = {"pow"}


def comment_text(text: str) -> str:
    """User text (a file name, a source line) made safe for a ``#`` comment:
    every character that is not printable (a line break Python or an editor
    would honour, a NUL, a lone surrogate) is written as its escape, so the
    comment stays one line and nothing after it can become code."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == "\t" else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def docstring_source(doc: str) -> str:
    """A docstring literal that holds ``doc`` exactly, whatever it contains."""
    if '"""' in doc or "\\" in doc or doc.endswith('"') or \
            not all(c.isprintable() or c in "\n\t" for c in doc):
        return repr(doc)
    return f'"""{doc}"""'


def const_source(value) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "math.nan"
    if math.isinf(value):
        return "math.inf" if value > 0 else "-math.inf"
    return repr(float(value))


def _prec(e: Expr) -> int:
    if isinstance(e, Const):
        v = e.value
        if not isinstance(v, bool) and (v < 0 or (isinstance(v, float) and math.isinf(v) and v < 0)):
            return 12
        return _ATOM
    if isinstance(e, Var):
        return _ATOM
    if e.prim == "copy":
        return _prec(e.args[0])
    return _PREC.get(e.prim, _ATOM)


def expr_source(e: Expr) -> str:
    if isinstance(e, Var):
        return e.name
    if isinstance(e, Const):
        return const_source(e.value)
    prim, args = e.prim, e.args
    if prim == "copy":
        return expr_source(args[0])
    if prim == "select":
        cond, a, b = args
        return f"{_wrap(a, 2)} if {_wrap(cond, 2)} else {_wrap(b, 1)}"
    if prim == "trips":  # a loop's trip count
        return f"len({range_source(*args)})"
    if prim == "select_call":
        return f"_select({', '.join(expr_source(a) for a in args)})"
    if prim == "helper":  # a helper function of the emitted module, by name
        return f"{args[0].name}({', '.join(expr_source(a) for a in args[1:])})"
    if prim == "tuple":
        inner = ", ".join(expr_source(a) for a in args)
        return f"({inner},)" if len(args) == 1 else f"({inner})"
    if prim == "clip":
        x, lo, hi = (expr_source(a) for a in args)
        if _float_valued(e):
            spelled = _EXTREMA_SPELLING.get()
            return f"{spelled['min']}({spelled['max']}({x}, {lo}), {hi})"
        return f"min(max({x}, {lo}), {hi})"
    if prim in ("max", "min") and _float_valued(e):
        # NaN in, NaN out (Python's max and min keep or drop a NaN by position)
        fn = _EXTREMA_SPELLING.get()[prim]
        out = expr_source(args[0])
        for a in args[1:]:
            out = f"{fn}({out}, {expr_source(a)})"
        return out
    if prim in ARRAY_PRIMS:
        return array_source(prim, [expr_source(a) for a in args])
    if prim in VECTOR_PRIMS:
        return vector_source(prim, [_wrap(a, 6) for a in args])
    if prim == "pow" and _int_power(e):
        return f"_int_power({expr_source(args[0])}, {expr_source(args[1])})"
    emit = RULES[prim].emit
    kind, _, sym = emit.partition(":")
    if kind == "infix":
        p = _PREC[prim]
        if prim in ("and", "or"):
            return f" {sym} ".join(_wrap(a, p + 1) for a in args)
        left, right = args
        if prim in _RIGHT_ASSOC:
            return f"{_wrap(left, p + 1)} {sym} {_wrap(right, p)}"
        if p == 5:  # comparisons never chain in emitted code
            return f"{_wrap(left, p + 1)} {sym} {_wrap(right, p + 1)}"
        return f"{_wrap(left, p)} {sym} {_wrap(right, p + 1)}"
    if kind == "prefix":
        p = _PREC[prim]
        sep = " " if sym == "not" else ""
        return f"{sym}{sep}{_wrap(args[0], p)}"
    if kind == "call":
        return f"{sym}({', '.join(expr_source(a) for a in args)})"
    raise ValueError(f"no emitter for {prim}")


# A float max / min, as the cpu module's helpers write it (emit.py): a NaN
# passes on, as with np.maximum, and the first of tied operands is kept, as
# with Python's max; two compares and two selects, which Numba compiles to
# branch-free code faster than its np.maximum of two scalars.  (The python
# target, and a function that names a variable so, keep NumPy's.)
EXTREMUM = {"max": "_maximum", "min": "_minimum"}
NUMPY_EXTREMUM = {"max": "np.maximum", "min": "np.minimum"}

# Which max / min / clip to write with those helpers (they keep a NaN):
# the emitter sets this to "of floats" while it writes a function for a backend
# that has them; elsewhere (comments, messages) Python's max and min are written.
_NUMPY_EXTREMA: ContextVar[Callable[[Expr], bool] | None] = ContextVar("nsadc_numpy_extrema", default=None)
_EXTREMA_SPELLING: ContextVar[dict[str, str]] = ContextVar("nsadc_extrema_spelling", default=EXTREMUM)


# an int to an int power where compiled code computes ints (Python gives a
# float for a negative exponent, Numba 0): the emitter sets which values are ints
_INTS: ContextVar[Callable[[Expr], bool] | None] = ContextVar("nsadc_ints", default=None)


def _int_power(e: Call) -> bool:
    """Whether ``e`` (a pow) raises an int to an int power that may be negative."""
    ints = _INTS.get()
    base, exponent = e.args
    return ints is not None and ints(base) and ints(exponent) \
        and not (isinstance(exponent, Const) and exponent.value >= 0)


@contextmanager
def compiled_ints(ints: Callable[[Expr], bool] | None):
    """Write an int to an int power for which ``ints`` says both are ints as
    ``_int_power`` (which refuses a negative exponent)."""
    token = _INTS.set(ints)
    try:
        yield
    finally:
        _INTS.reset(token)


def _float_valued(e: Expr) -> bool:
    chooses = _NUMPY_EXTREMA.get()
    return chooses is not None and chooses(e)


@contextmanager
def numpy_extrema(chooses: Callable[[Expr], bool] | None, spelling: dict[str, str] = EXTREMUM):
    """Write a max / min / clip for which ``chooses`` says so with the
    NaN-keeping ``spelling`` (None: Python's max and min everywhere)."""
    token = _NUMPY_EXTREMA.set(chooses)
    spelled = _EXTREMA_SPELLING.set(spelling)
    try:
        yield
    finally:
        _NUMPY_EXTREMA.reset(token)
        _EXTREMA_SPELLING.reset(spelled)


def kink_source(e: Expr) -> str:
    """An expression as comments name it: ``max(s, 0.0)`` as written, though the
    code computes it as ``_maximum(s, 0.0)`` (which keeps a NaN)."""
    if isinstance(e, Call) and e.prim in ("max", "min"):
        return f"{e.prim}({', '.join(expr_source(a) for a in e.args)})"
    return expr_source(e)


def _wrap(e: Expr, min_prec: int) -> str:
    s = expr_source(e)
    return f"({s})" if _prec(e) < min_prec else s


def store_line(v: Call) -> str:
    """``A[i] = value``, or ``A[i] += rest`` when value is ``A[i] + rest``."""
    array, index, value = v.args[0], v.args[1:-1], v.args[-1]
    if isinstance(value, Call) and value.prim in ("add", "sub") and value.args[0] == Call("load", (array, *index)):
        sym = "+" if value.prim == "add" else "-"
        target = array_source("load", [expr_source(a) for a in (array, *index)])
        return f"{target} {sym}= {_wrap(value.args[1], _PREC[value.prim] + 1)}"
    return store_source([expr_source(a) for a in v.args])


def range_source(start: Expr, stop: Expr, step: Expr) -> str:
    if isinstance(step, Const) and step.value == 1:
        if isinstance(start, Const) and start.value == 0:
            return f"range({expr_source(stop)})"
        return f"range({expr_source(start)}, {expr_source(stop)})"
    return f"range({expr_source(start)}, {expr_source(stop)}, {expr_source(step)})"
