"""Array primitives: element loads and stores, allocation, shape queries.

Arrays enter the IR as whole values that are read and written one element at
a time.  A load ``t = load(A, i, j)`` reads ``A[i, j]``; a store is an
assignment of the whole array, ``A = store(A, i, j, v)``, read as "A with
``A[i, j]`` replaced by v" (array SSA style), so that the ordinary def/use
analyses see that it reads ``A``, the indices and ``v`` and defines ``A``.
The emitter prints it as ``A[i, j] = v``.

Their derivatives are structural (the adjoint of a load is a store into the
adjoint array, and so on) and are written by the transforms themselves;
``partials`` here only marks that a derivative passes through.

Types: ``"array{r}"`` is a float array of rank r (float64 or float32: the
dtype is the caller's and derivatives come back in it), ``"iarray{r}"`` an
integer array (indices; no derivative).
"""

from __future__ import annotations

from nsadc.rules.table import RULES, Rule, register


def is_array(t: str | None) -> bool:
    return t is not None and (t.startswith("array") or t.startswith("iarray"))


def is_float_array(t: str | None) -> bool:
    return t is not None and t.startswith("array")


def rank(t: str) -> int:
    return int(t.lstrip("i")[len("array"):])


def array_type(r: int, floating: bool = True) -> str:
    return f"{'' if floating else 'i'}array{r}"


def differentiable_type(t: str | None) -> bool:
    """Whether values of type ``t`` carry derivatives."""
    return t == "float" or is_float_array(t)


def _structural(*_):
    raise AssertionError("array derivatives are written by the transforms, not by the rule table")


def _element(types):
    return "float" if is_float_array(types[0]) else "int"


def _alloc(types):
    # zeros(n) / zeros(n, m): one shape argument per dimension (the frontend
    # unpacks the shape tuple); full(n, m, value) has the fill value last
    return array_type(len(types))


def _full(types):
    return array_type(len(types) - 1)


def _same(types):
    return types[0]


def _int(types):
    return "int"


ALLOCATORS = {"zeros": "np.zeros", "ones": "np.ones", "empty": "np.empty"}
LIKE = {"zeros_like": "np.zeros_like", "ones_like": "np.ones_like", "empty_like": "np.empty_like"}

register(Rule("load", (2, None), "special", _element, _structural,
               doc="A[i, j]: one element of an array"))
register(Rule("store", (3, None), "special", _same, _structural,
               doc="A with A[i, j] replaced by v (printed as the statement A[i, j] = v)"))
for _name in ALLOCATORS:
    register(Rule(_name, (1, None), "special", _alloc, None, doc=f"np.{_name}(shape)"),
              f"np.{_name}", f"numpy.{_name}")
register(Rule("full", (2, None), "special", _full, None, doc="np.full(shape, value)"), "np.full", "numpy.full")
for _name in LIKE:
    register(Rule(_name, (1, 1), "special", _same, None, doc=f"np.{_name}(a)"), f"np.{_name}", f"numpy.{_name}")
# k zero rows shaped like a's rows, in a's dtype: only the compiler writes it (passes/adjoint_rows.py)
register(Rule("zeros_rows", (2, 2), "special", _same, None, doc="np.zeros((k,) + a.shape[1:], a.dtype)"))
register(Rule("array_copy", (1, 1), "special", _same, _structural, doc="a.copy()"), "np.copy", "numpy.copy")
register(Rule("shape", (2, 2), "special", _int, None, doc="a.shape[k]"))
register(Rule("size", (1, 1), "special", _int, None, doc="a.size"), "np.size", "numpy.size")
# a loop's trip count, len(range(start, stop, step)): only the compiler writes it (tape sizes, zero fills)
register(Rule("trips", (3, 3), "special", _int, None, doc="len(range(start, stop, step))"))

# primitives whose result is an array
ARRAY_VALUES = {"store", "full", "array_copy", "zeros_rows", *ALLOCATORS, *LIKE}
ARRAY_PRIMS = {"load", "store", "full", "array_copy", "zeros_rows", "shape", "size", *ALLOCATORS, *LIKE}


def array_source(prim: str, args: list[str]) -> str:
    """The Python source of an array primitive, given its operands' source."""
    if prim == "load":
        return f"{args[0]}[{', '.join(args[1:])}]"
    if prim in ALLOCATORS:
        shape = args[0] if len(args) == 1 else f"({', '.join(args)})"
        return f"{ALLOCATORS[prim]}({shape})"
    if prim == "full":
        dims = args[:-1]
        shape = dims[0] if len(dims) == 1 else f"({', '.join(dims)})"
        return f"np.full({shape}, {args[-1]})"
    if prim in LIKE:
        return f"{LIKE[prim]}({args[0]})"
    if prim == "array_copy":
        return f"{args[0]}.copy()"
    if prim == "zeros_rows":
        return f"np.zeros(({args[1]},) + {args[0]}.shape[1:], {args[0]}.dtype)"
    if prim == "shape":
        return f"{args[0]}.shape[{args[1]}]"
    if prim == "size":
        return f"{args[0]}.size"
    raise ValueError(prim)


def store_source(args: list[str]) -> str:
    """``A[i, j] = v`` for ``A = store(A, i, j, v)``."""
    return f"{args[0]}[{', '.join(args[1:-1])}] = {args[-1]}"


assert all(p in RULES for p in ARRAY_PRIMS)
