"""Checks of call-time inputs that the compiled code cannot make itself.

Numba converts a Python int to a 64-bit integer and a float to a double without
asking; a big-endian array, a read-only array that the function writes into, or
an index past the end of an array would reach compiled code that either raises
a Numba error or reads memory it does not own.  Each check here turns such an
input into an :class:`~nsadc.errors.ArgumentError` that names the argument.

Two facts about the function are found once, from its IR, when it is decorated:

* ``index_reads``: reads ``a[c]`` with a constant index ``c`` that run on
  every call (top-level statements before any statement that may return), and
  reads ``a[i]`` in every iteration of a top-level ``for i in range(n)`` over
  an argument ``n`` (a loop without ``break``, ``continue`` or ``return``):
  checked against the argument's shape (an empty array passed for ``a[0]``,
  ``n`` larger than ``a``);
* ``written``: the array parameters the function stores into.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from nsadc.backends.reused_tapes import SIZE_CALLS, over_arguments
from nsadc.rules.source import expr_source
from nsadc.errors import ArgumentError
from nsadc.ir.nodes import (Assign, Break, Call, Const, Continue, For, If, Return, TapeAlloc, Var, While, expressions_read,
                            variables, walk)

INT64 = (-(2 ** 63), 2 ** 63 - 1)


# ------------------------------------------------------------ static facts


def index_reads(fn) -> list[list]:
    """``[param, dim, index, where]`` for each constant-index read or write of a
    parameter array that runs whenever the function does; ``index`` is the name
    of an int parameter ``n`` for reads ``a[i]`` in every iteration of a loop
    ``for i in range(n)``."""
    params = {p.name for p in fn.params}
    out = []
    for s in fn.body:
        if isinstance(s, (If, For, While)):
            if any(isinstance(t, Return) for t in walk([s])):
                break  # later statements may not run
            if isinstance(s, For):
                out += _loop_reads(s, params)
            params -= _rebound(s.body) | _rebound(getattr(s, "orelse", []))
            continue  # its other reads run only sometimes
        if isinstance(s, Return):
            exprs = s.value if isinstance(s.value, tuple) else (s.value,)
        elif isinstance(s, Assign):
            exprs = (s.value,)
        else:
            exprs = tuple(expressions_read(s))
        for e in exprs:
            for call in _calls(e):
                if call.prim not in ("load", "store") or not isinstance(call.args[0], Var):
                    continue
                name = call.args[0].name
                if name not in params:
                    continue
                index = call.args[1:-1] if call.prim == "store" else call.args[1:]
                for dim, i in enumerate(index):
                    if isinstance(i, Const) and isinstance(i.value, int) and not isinstance(i.value, bool):
                        where = str(s.loc) if getattr(s, "loc", None) is not None else fn.name
                        out.append([name, dim, i.value, where])
        if isinstance(s, Assign) and s.target in params and not (
                isinstance(s.value, Call) and s.value.prim == "store"):
            params.discard(s.target)  # rebound: later reads are not of the argument
    seen = set()
    return [r for r in out if tuple(r[:3]) not in seen and not seen.add(tuple(r[:3]))]


def index_arrays(fn) -> dict[str, str]:
    """Parameter arrays whose elements index other arrays (``at = idx[k];
    x[at]``, also where the frontend wrote ``x[idx]`` as such a loop): name ->
    where the first such index is used.  A bool array passed there would be
    read as positions 0 and 1, not as NumPy's mask."""
    params = {p.name for p in fn.params}
    element_of: dict[str, str] = {}  # a name loaded from a parameter array -> the array
    out: dict[str, str] = {}
    for s in walk(fn.body):
        if not isinstance(s, Assign) or not isinstance(s.value, Call):
            continue
        call = s.value
        if call.prim in ("load", "store"):
            index = call.args[1:-1] if call.prim == "store" else call.args[1:]
            indexing = {element_of[v] for i in index for v in variables(i) if v in element_of}
            indexing |= {i.args[0].name for i in index if isinstance(i, Call) and i.prim == "load"
                         and isinstance(i.args[0], Var) and i.args[0].name in params}
            for array in indexing:
                out.setdefault(array, str(s.loc) if s.loc is not None else fn.name)
        if call.prim == "load" and isinstance(call.args[0], Var) and call.args[0].name in params:
            element_of[s.target] = call.args[0].name
    return out


def _rebound(block) -> set[str]:
    """Names a block binds anew (a store into an array keeps the array)."""
    out = set()
    for t in walk(block):
        if isinstance(t, For):
            out.add(t.var)
        elif isinstance(t, Assign) and not (isinstance(t.value, Call) and t.value.prim == "store"):
            out.add(t.target)
    return out


def _loop_reads(loop: For, params: set[str]) -> list[list]:
    """Reads ``a[i]`` that every iteration of ``for i in range(n)`` makes, with
    ``a`` and ``n`` arguments: they need ``n <= a.shape[dim]``."""
    if not (isinstance(loop.start, Const) and loop.start.value == 0 and isinstance(loop.step, Const)
            and loop.step.value == 1 and isinstance(loop.stop, Var) and loop.stop.name in params):
        return []
    if any(isinstance(t, (Break, Continue, Return)) for t in walk(loop.body)):
        return []  # some iterations may stop early
    rebound = _rebound(loop.body)
    if loop.var in rebound or loop.stop.name in rebound:
        return []
    out = []
    for t in loop.body:  # statements at the top of the body run in every iteration
        if not isinstance(t, Assign):
            continue
        for call in _calls(t.value):
            if call.prim not in ("load", "store") or not isinstance(call.args[0], Var):
                continue
            name = call.args[0].name
            if name not in params or name in rebound:
                continue
            index = call.args[1:-1] if call.prim == "store" else call.args[1:]
            for dim, i in enumerate(index):
                if i == Var(loop.var):
                    out.append([name, dim, loop.stop.name, str(t.loc) if t.loc is not None else loop.var])
    return out


def written(fn) -> list[str]:
    """The parameters (or names bound to them) that the function stores into."""
    params = {p.name for p in fn.params}
    alias = {p: p for p in params}
    stmts = list(walk(fn.body))
    for s in stmts:  # b = a binds b to the argument a
        if isinstance(s, Assign) and isinstance(s.value, Var) and s.value.name in alias:
            alias[s.target] = alias[s.value.name]
        elif isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim == "copy" and \
                isinstance(s.value.args[0], Var) and s.value.args[0].name in alias:
            alias[s.target] = alias[s.value.args[0].name]
    out = set()
    for s in stmts:
        if isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim == "store":
            base = s.value.args[0]
            if isinstance(base, Var) and base.name in alias:
                out.add(alias[base.name])
    return sorted(out)


def _calls(e):
    if isinstance(e, Call):
        yield e
        for a in e.args:
            yield from _calls(a)
    elif isinstance(e, tuple):
        for a in e:
            yield from _calls(a)


# ------------------------------------------------------------ call time


def as_float(fname: str, name: str, v) -> float:
    """``v`` as the double the compiled code takes."""
    try:
        return float(v)
    except OverflowError:
        raise ArgumentError(f"argument {name!r} of {fname} is an integer too large for a float "
                            f"({_short(v)}); pass a float (at most {np.finfo(np.float64).max:.3g})") from None


def as_int(fname: str, name: str, v) -> int:
    """``v`` as the 64-bit integer the compiled code takes."""
    v = int(v)
    if not INT64[0] <= v <= INT64[1]:
        raise ArgumentError(f"argument {name!r} of {fname} is {_short(v)}, outside the 64-bit integer "
                            "range that the compiled code uses")
    return v


def refuse_float_for_int(fname: str, name: str, v) -> None:
    raise ArgumentError(f"argument {name!r} of {fname} is used as an integer (a range() bound, an index, "
                        f"a size, or a count a loop's counter runs to), but got the float {v!r}; pass an int "
                        "(nsadc does not truncate it)")


def _short(v) -> str:
    text = str(v)
    if len(text) <= 24:
        return text
    exp = math.floor(math.log10(abs(v))) if v else 0
    return f"an integer of {exp + 1} digits"


def as_primals(where: str, primals) -> tuple:
    if isinstance(primals, (str, bytes, np.ndarray)) or not hasattr(primals, "__iter__"):
        raise ArgumentError(f"{where}: primals must be a tuple or list of the arguments, got "
                            f"{type(primals).__name__} (write {where}((x, y), ...))")
    return tuple(primals)


def native_array(fname: str, name: str, v: np.ndarray, writes: bool) -> np.ndarray:
    """A non-native byte order is converted (the values are the same); a read-only
    array that the function writes into is refused; a subclass of ndarray is
    passed as a plain array (a masked array is refused: its mask would be lost)."""
    if type(v) is not np.ndarray:
        if isinstance(v, np.ma.MaskedArray):
            raise ArgumentError(f"argument {name!r} of {fname} is a masked array; nsadc would ignore its mask: "
                                f"pass {name}.filled(value) or {name}.compressed()")
        v = np.asarray(v)
    if not v.dtype.isnative:
        v = v.astype(v.dtype.newbyteorder("="))
    elif writes and not v.flags.writeable:
        raise ArgumentError(f"argument {name!r} of {fname} is a read-only array, but {fname} writes into "
                            f"it; pass a writable copy ({name}.copy())")
    return v


def check_index_reads(fname: str, reads: list, arguments: dict) -> None:
    for name, dim, index, where in reads:
        v = arguments.get(name)
        if not isinstance(v, np.ndarray) or v.ndim <= dim:
            continue
        size = v.shape[dim]
        if isinstance(index, str):  # for i in range(n): ... a[i] ...
            n = arguments.get(index)
            if isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > size:
                axis = f" along axis {dim}" if v.ndim > 1 else ""
                raise ArgumentError(f"{where}: {fname} reads {name}[i]{axis} for i in range({index}), but {index} "
                                    f"is {n} and argument {name!r} has shape {v.shape}: the index goes out of "
                                    "bounds")
            continue
        if not -size <= index < size:
            axis = f" along axis {dim}" if v.ndim > 1 else ""
            raise ArgumentError(f"{where}: {fname} reads {name}[{index}]{axis}, but argument {name!r} has "
                                f"shape {v.shape}: the index is out of bounds")


def as_cotangent(v) -> float:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
        raise ArgumentError(f"vjp: the cotangent must be a real number, got {type(v).__name__}")
    try:
        return float(v)
    except OverflowError:
        raise ArgumentError(f"vjp: the cotangent {_short(v)} is too large for a float") from None


def as_tangent(name: str, value, t):
    """The tangent of argument ``name`` (whose value is ``value``)."""
    if not isinstance(value, np.ndarray):
        if isinstance(t, (bool, np.bool_)) or not isinstance(t, numbers.Real):
            raise ArgumentError(f"jvp: the tangent of {name!r} must be a real number, got {type(t).__name__}")
        try:
            return float(t)
        except OverflowError:
            raise ArgumentError(f"jvp: the tangent of {name!r} ({_short(t)}) is too large for a float") from None
    arr = np.asarray(t) if not isinstance(t, np.ndarray) else t
    if arr.dtype.kind not in "fiub" or arr.dtype == object:
        raise ArgumentError(f"jvp: the tangent of {name!r} must hold real numbers, got dtype {arr.dtype}")
    return arr.astype(value.dtype)


# ------------------------------------------------------------ tape memory
# Where the arguments fix a tape's depth, the reverse-mode code allocates it at
# entry at that size (``tape = np.empty(len(range(n)) * a.shape[0])``).  The same
# expression, evaluated on the arguments before the call, tells whether the
# allocation can succeed: a tape past the memory available is refused with its
# size, instead of a MemoryError from inside compiled code after the forward
# sweep.  A tape that grows by doubling (a `while` loop) cannot be sized in
# advance; running out of memory there is still reported as an NsadcError.

def tape_sizes(fn, params: list[str]) -> list[list]:
    """``[tape, size expression, bytes per entry]`` for each tape that ``fn``
    (a reverse-mode function) allocates at entry at a size fixed by its
    arguments."""
    out = []
    for s in fn.body:
        if isinstance(s, TapeAlloc) and over_arguments(expr_source(s.size), set(params)):
            out.append([s.tape, expr_source(s.size), 8])
    return out


def available_memory() -> int | None:
    """Bytes this process may still allocate: the smaller of the address-space
    limit (``ulimit -v``, ``prlimit --as``) less what it uses, and the memory
    the system has available; None when neither is known."""
    limits = []
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            limits.append(soft - _proc_kib("/proc/self/status", "VmSize:") * 1024)
    except (ImportError, OSError, ValueError, TypeError):
        pass
    try:
        limits.append(_proc_kib("/proc/meminfo", "MemAvailable:") * 1024)
    except (OSError, ValueError, TypeError):
        pass
    return min(limits) if limits else None


def _proc_kib(path: str, field: str) -> int:
    with open(path) as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1])
    raise ValueError(field)


_EXPRS: dict[str, object] = {}
_GLOBALS = {"__builtins__": {}, **SIZE_CALLS}
SMALL = 64 * 2 ** 20  # tapes below this are not checked (reading the limits costs more)


def size_of(expr: str, arguments: dict) -> int | None:
    """A tape size expression evaluated on the arguments; None where it fails
    (the compiled code reports its own errors)."""
    code = _EXPRS.get(expr)
    if code is None:
        code = _EXPRS[expr] = compile(expr, "<tape size>", "eval")
    try:
        n = eval(code, _GLOBALS, arguments)  # noqa: S307 - names and calls checked by over_arguments
    except Exception:  # noqa: BLE001
        return None
    return n if isinstance(n, int) else None


def size_function(expr: str, params: list[str]):
    """``expr`` (sizes over the arguments, checked by ``over_arguments``) as a
    function of the arguments in order: one call per kernel call, no dict."""
    return eval(f"lambda {', '.join(params)}: {expr}", dict(_GLOBALS))  # noqa: S307


def check_tape_memory(fname: str, tapes: list, arguments: dict) -> None:
    if not tapes:
        return
    total, parts = 0, []
    for name, expr, itemsize in tapes:
        n = size_of(expr, arguments)
        if n is not None and n > 0:
            total += n * itemsize
            parts.append(f"{name}: {expr} = {n} entries")
    if total < SMALL:
        return
    available = available_memory()
    if available is not None and total > available:
        raise ArgumentError(
            f"{fname}: reverse mode at these arguments needs a tape of {_bytes(total)} ({'; '.join(parts)}), "
            f"more than the {_bytes(max(available, 0))} of memory available.  Alternatives: jvp (forward "
            "mode keeps no tape: one call per direction), clarke_grad (Clarke mode, forward), smaller "
            "arguments, or split the loop into chunks differentiated one at a time.")


def _bytes(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n}"


def check_clarke_memory(fname: str, n: int) -> None:
    """Clarke mode carries ``n`` directions through every value: for ``n``
    differentiated scalar entries its direction matrix and the derivatives of
    an array as large take about ``3 n^2`` doubles."""
    need = 3 * n * n * 8
    if need < SMALL:
        return
    available = available_memory()
    if available is not None and need > available:
        raise ArgumentError(
            f"{fname}: Clarke mode over {n} differentiated entries carries {n} directions through every "
            f"value: about {_bytes(need)}, more than the {_bytes(max(available, 0))} of memory available.  "
            "Use grad (reverse mode, conservative: exact away from kinks, report=True says whether a kink "
            "was met), or Clarke mode with respect to fewer entries (wrt=...).")
