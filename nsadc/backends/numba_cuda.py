"""The cuda target: emitted derivative functions as ``numba.cuda`` device functions.

The emitted module is the CPU's, with ``@cuda.jit(device=True)`` where the CPU
has ``@numba.njit``: a user's ``@cuda.jit`` kernel calls the primal, jvp, vjp,
grad, report and Clarke-mode (``ld``) functions per thread.  Device code cannot
allocate memory, so a program is taken only when none of its emitted functions
allocates (no reverse-mode tape, no array built) and every NumPy function it
calls types in CUDA device code; anything else is refused before Numba sees it,
located at the function, with what allocates and what to do instead
(docs/cuda.md).

Arrays are taken as read-only data that is not differentiated (an array
adjoint would be an array to allocate); whole-array NumPy code is refused.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

from nsadc.backends.lowering import Backend, constant_int
from nsadc.ir.build import add
from nsadc.ir.nodes import (Assign, Call, Const, Expr, For, Function, Param, Return, TapeAlloc, TapePop, TapeReserve,
                            Var, clone_function, walk)
from nsadc.passes.loop_analysis import all_names
from nsadc.emit import function_source, lowered_for
from nsadc.errors import Loc, NsadcError, UnsupportedError
from nsadc.rules.arrays import is_array, is_float_array, rank

def with_scratch(fn: Function) -> list[Function]:
    """``fn`` with the storage the arguments size carved from a float array
    the caller passes as a last argument, ``scratch``, one piece after the
    other: its tapes (a loop over ``range(n)``), and the derivative arrays it
    makes at entry like a 1-D float argument (``np.zeros_like(w)``: the adjoint
    of an array argument, filled with zeros there); and ``{fn}_scratch`` with
    ``fn``'s arguments, the number of entries ``scratch`` needs.  A function
    whose tapes grow (a ``while`` loop) is left as it is (and refused)."""
    if not any(_scratch_piece(s, fn) is not None for s in fn.body) or any(
            isinstance(s, TapeReserve) for s in walk(fn.body)):
        return [fn]
    out = clone_function(fn)
    taken = all_names(fn)
    scratch = "scratch"
    while scratch in taken:
        scratch += "_"
    offset: Expr = Const(0)
    ints = set()
    body: list = []
    for s in out.body:
        piece = _scratch_piece(s, fn)
        if piece is None:
            body.append(s)
            continue
        name, size, dtype, zeros = piece
        body.append(TapeAlloc(name, size, dtype, scratch, offset))
        offset = add(offset, size)
        if dtype == "int":
            ints.add(name)
        if zeros:  # np.zeros_like: the piece is filled with zeros
            i = f"{name}_i"
            while i in taken:
                i += "_"
            body.append(For(i, Const(0), Call("shape", (Var(name), Const(0))), Const(1),
                            [Assign(name, Call("store", (Var(name), Var(i), Const(0.0))))]))
    out.body = body
    for s in walk(out.body):
        if isinstance(s, TapePop) and s.tape in ints and not s.as_bool:
            s.as_int = True  # an int kept on the float scratch
    out.params = list(out.params) + [Param(scratch, "array")]
    size = Function(f"{fn.name}_scratch", list(fn.params), [Return(offset)], fn.loc,
                    f"The float64 entries of scratch that {fn.name} needs for these arguments.", fn.types)
    return [out, size]


def _scratch_piece(s, fn: Function) -> tuple | None:
    """``(name, size, dtype, zero-filled)`` of a top-level statement whose
    storage comes from the scratch array on a device: a tape the arguments
    size, or a 1-D float array made like an argument."""
    if isinstance(s, TapeAlloc) and constant_int(s.size) is None:
        return s.tape, s.size, s.dtype, False
    params = {p.name for p in fn.params}
    if isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim in ("zeros_like", "empty_like") \
            and isinstance(s.value.args[0], Var) and s.value.args[0].name in params:
        t = fn.types.get(s.value.args[0].name)
        if is_float_array(t) and rank(t) == 1 and s.target not in params:
            return s.target, Call("size", (s.value.args[0],)), "float", s.value.prim == "zeros_like"
    return None


# Device functions: Python's max and min (no np.maximum in device code), tapes
# whose size is known at compile time in per-thread local memory, other tapes
# sized by the arguments in a scratch array the caller passes
NUMBA_CUDA = Backend("cuda", "@cuda.jit(device=True)", ("import numba", "from numba import cuda"),
                     numpy_extrema=False, local_tapes=True, prepare=with_scratch)

# NumPy names that allocate (an array, a tape) or grow a tape
_ALLOCATING = {"empty", "zeros", "ones", "full", "array", "asarray", "arange", "linspace", "empty_like",
               "zeros_like", "ones_like", "full_like", "copy", "concatenate", "stack", "sort", "argsort",
               "cumsum", "diff", "where", "dot", "outer"}
# NumPy names that type in numba's CUDA device code (scalar conversions); the
# scalar ufuncs (np.sign, np.floor, np.ceil, np.trunc, np.rint) do not: numba's
# CUDA compiler refuses them in a device function
_DEVICE_NUMPY = {"int64", "int32", "float64", "float32", "bool_", "uint64", "intp", "pi", "e", "inf", "nan"}
_NUMPY = re.compile(r"\bnp\.(\w+)")
_OTHER = re.compile(r"\b_reserve\b|\.copy\(\)|\.astype\(")

KINDS = ("primal", "jvp", "vjp", "jvp_report", "vjp_report", "grad", "ld")


def require_numba_cuda():
    """``numba.cuda``, or an NsadcError saying how to get it."""
    try:
        from numba import cuda
    except ImportError as e:
        raise NsadcError(f"target='cuda' needs numba with its CUDA target ({e}); install numba, or use "
                         "target='cpu'") from None
    return cuda


def function_loc(path: str, line: int) -> Loc:
    """The location of a function's ``def`` line, with the line's text."""
    text = ""
    try:
        with open(path, encoding="utf-8") as fh:
            for i, ln in enumerate(fh, 1):
                if i == line:
                    text = ln.rstrip("\n")
                    break
    except OSError:  # a notebook cell: linecache keeps its text
        import linecache

        text = linecache.getline(path, line).rstrip("\n")
    col = max(0, len(text) - len(text.lstrip()))
    return Loc(path, line, col, text)


def refuse_arrays(name: str, types: dict[str, str], loc: Loc, vectorized: bool = False, wrt=(),
                  written=()) -> None:
    """Array arguments are taken on the cuda target only read-only and not
    differentiated (their adjoints would be arrays to allocate)."""
    if vectorized:
        raise UnsupportedError(
            f"{name}: target='cuda' does not take whole-array NumPy code (its arrays are allocated)", loc,
            "use target='cpu' (a batched CPU evaluation: f.batched(in_axes=...))")
    arrays = [p for p, t in types.items() if is_array(t)]
    # a 1-D array's adjoint is a piece of the caller's scratch array; others would be arrays to allocate
    differentiated = [p for p in arrays if p in wrt and rank(types[p]) != 1]
    if differentiated:
        scalars = [p for p in wrt if p not in differentiated]
        raise UnsupportedError(
            f"{name}: target='cuda' differentiates with respect to scalars and 1-D arrays only for now, and "
            f"the wrt arguments include the {rank(types[differentiated[0]])}-D array"
            f"{'s' if len(differentiated) > 1 else ''} {', '.join(repr(p) for p in differentiated)}", loc,
            (f"differentiate(..., wrt={scalars!r}, target='cuda') keeps the arrays as read-only data; "
             if scalars else "") + "or use target='cpu'")
    changed = [p for p in arrays if p in written]
    if changed:
        raise UnsupportedError(
            f"{name}: target='cuda' takes read-only arrays only, and {name} writes into "
            f"{', '.join(repr(p) for p in changed)}", loc, "use target='cpu'")


def _offences(source: str) -> list[tuple[str, str]]:
    """``(what, emitted line)`` for each construct of ``source`` that device code cannot run."""
    out = []
    for line in source.splitlines():
        code = line.split("#", 1)[0]
        if not code.strip() or code.strip().startswith(('"""', "def ")):
            continue
        for m in _NUMPY.finditer(code):
            attr = m.group(1)
            if attr in _ALLOCATING:
                out.append((f"allocates an array (np.{attr})", line.strip()))
            elif attr not in _DEVICE_NUMPY:
                out.append((f"calls np.{attr}, which numba's CUDA compiler does not type in device code",
                            line.strip()))
        if _OTHER.search(code):
            out.append(("grows or copies an array", line.strip()))
    return out


def check_device_code(comp, loc: Loc) -> str | None:
    """Refuse (UnsupportedError at ``loc``) a compiled program whose emitted
    functions cannot run as CUDA device functions.  Clarke mode alone may
    allocate (its array form keeps the directional derivatives of arrays in
    arrays): it is then left out, and the reason returned."""
    found = []
    ld_refusal = None
    for kind in KINDS:
        fn = getattr(comp, kind, None)
        if fn is None:
            continue
        with lowered_for(NUMBA_CUDA):
            offences = _offences("\n".join(function_source(g) for g in NUMBA_CUDA.prepared(fn)))
        if offences and kind == "ld":
            what, line = offences[0]
            ld_refusal = (f"{comp.name}: Clarke mode is not available on target='cuda' for this program: its "
                          f"emitted function {fn.name} {what}: `{line}`; use target='cpu'")
        elif offences:
            found.append((fn.name, offences[0]))
    if not found:
        return ld_refusal
    tape = any("tape" in line for _, (_, line) in found)
    grouped: dict[tuple[str, str], list[str]] = {}
    for name, offence in found:
        grouped.setdefault(offence, []).append(name)
    lines = "; ".join(f"{', '.join(names)}: {what}: `{line}`" for (what, line), names in grouped.items())
    why = (" (a reverse-mode tape that grows as the loop runs: a `while` loop, or a loop left early, whose "
           "iterations the reverse sweep has to count; a tape whose size the arguments fix is kept in a "
           "scratch array the caller passes)" if tape else "")
    hint = ("use target='cpu' (its batched form runs every core: f.batched(in_axes=...)), or target='python'")
    if tape:
        hint += ("; or write the loop as a `for` loop over a range the arguments fix (an upper bound on its "
                 "iterations, with the steps past the end doing nothing)")
    raise UnsupportedError(
        f"{comp.name}: target='cuda' compiles the derivatives as CUDA device functions, which cannot "
        f"allocate memory or call these NumPy functions, and the emitted code does: {lines}{why}", loc, hint)


def device_module_source(comp, loc: Loc) -> str:
    """The emitted module with every function a ``numba.cuda`` device function
    (refused first when some function cannot be one; an allocating Clarke mode
    is left out, ``comp.ld_refusal`` saying why)."""
    ld_refusal = check_device_code(comp, loc)
    modes = ("forward", "reverse", "lexicographic")
    if ld_refusal:
        comp.ld, comp.ld_refusal = None, ld_refusal
        modes = ("forward", "reverse")
    return comp.module(modes, primal=True, report=True, backend=NUMBA_CUDA)


class HostCall:
    """A device function held by the API: calling it from the host says what to
    do instead of a Numba error (device functions run only inside kernels)."""

    def __init__(self, device, name: str):
        self.device = device
        self.name = name

    def __call__(self, *args):
        raise NsadcError(
            f"{self.name} is compiled for target='cuda': its derivatives are CUDA device functions, "
            "called from your own @cuda.jit kernel (f.compiled(*example_args).vjp, ...), or evaluated at "
            "many points at once by f.batched(in_axes=...).grad(...); for calls from the host use "
            "target='cpu'")


def host_calls(fns: dict, name: str) -> dict:
    return {k: (None if v is None else HostCall(v, name)) for k, v in fns.items()}


def device(f):
    """The device function behind an API kernel (itself when it is not wrapped)."""
    return getattr(f, "device", f)


def device_functions(k) -> SimpleNamespace:
    """What ``compiled()`` returns on the cuda target: the device functions,
    under the CPU's names, and for each reverse-mode function whose tapes the
    arguments size, ``{name}_scratch`` (the entries of the scratch array it
    takes last; None where it takes none) and ``scratch_size(*args)``, the same
    computed on the host."""
    scratch = {f: k.scratch.get(f) for f in ("vjp", "grad", "vjp_report")}
    return SimpleNamespace(primal=device(k.primal), jvp=device(k.jvp), vjp=device(k.vjp),
                           grad=device(k.grad), jvp_report=device(k.jvp_report),
                           vjp_report=device(k.vjp_report), ld=device(k.ld), sites=list(k.sites),
                           vjp_scratch=scratch["vjp"], grad_scratch=scratch["grad"],
                           vjp_report_scratch=scratch["vjp_report"], scratch_size=host_scratch_size(k))


def host_scratch_size(k):
    """``scratch_size(*args)``: the float64 entries a thread's scratch array
    needs for the reverse-mode functions at these arguments (0: none needed),
    computed on the host from the emitted size functions."""
    sizes = [python_function(k.scratch[f]) for f in ("vjp", "grad") if k.scratch.get(f) is not None]

    def scratch_size(*args) -> int:
        return max([int(f(*args, 1.0)) for f in sizes] or [0])
    return scratch_size


def python_function(f):
    """The Python function behind a CUDA device function (numba's, or the simulator's)."""
    f = device(f)
    for attr in ("py_func", "fn"):
        inner = getattr(f, attr, None)
        if callable(inner):
            return inner
    return f
