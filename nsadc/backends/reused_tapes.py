"""Tape memory kept from one call to the next (the cpu target, through the API).

A reverse-mode function allocates its tapes at entry, at the size its
arguments fix (``tape = np.empty(len(range(n)) * 16)``).  Memory fresh from
the system costs a page fault per 4 KiB on first touch: about 2 µs each on a
shared virtual machine, 4 ns per float pushed, several times what the push
itself costs.  Whether ``malloc`` hands back the pages of the previous call or
fresh ones depends on what else the call allocated and freed (glibc returns
the top of its heap to the system once more than twice its largest freed
block sits free there), so a gradient could pay for its tapes' pages on every
call or on none, from one program to the next.

Here each such function gets a twin, ``{name}_with_tapes``, taking one more
argument: a float64 array its float tapes are carved from, one after the
other.  The API keeps that array between calls (one per thread, for tapes of
2^14 entries or more: nsadc/api.py), so a tape's pages are touched fresh
once, not at every call.
The twin checks the array's length itself and allocates where it is too
short, so a caller's wrong estimate costs speed, never memory safety.  The
kernels a user calls from their own ``@njit`` code are the plain functions,
unchanged.
"""

from __future__ import annotations

import ast

from nsadc.backends.lowering import constant_int
from nsadc.ir.build import add
from nsadc.ir.nodes import Const, Expr, Function, Param, Raw, TapeAlloc, clone_function
from nsadc.passes.loop_analysis import all_names
from nsadc.rules.source import expr_source

SUFFIX = "_with_tapes"

# the calls a size expression may make and still be evaluated before the call
SIZE_CALLS = {"len": len, "range": range, "max": max, "min": min, "abs": abs}


def over_arguments(expr: str, params: set[str]) -> bool:
    """Whether ``expr`` (a tape size's source) reads only the arguments, their
    ``shape`` and ``size``, and the calls of ``SIZE_CALLS``: then it can be
    evaluated on the arguments before the call."""
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in params and node.id not in SIZE_CALLS:
            return False
        if isinstance(node, ast.Attribute) and node.attr not in ("shape", "size"):
            return False
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in SIZE_CALLS):
            return False
    return True


def carved_tapes(fn: Function) -> list[TapeAlloc]:
    """The float tapes ``fn`` allocates at entry at a size its arguments fix
    (not a constant: a small tape's allocation costs nothing to speak of)."""
    params = {p.name for p in fn.params}
    return [s for s in fn.body if isinstance(s, TapeAlloc) and s.dtype == "float" and s.scratch is None
            and constant_int(s.size) is None and over_arguments(expr_source(s.size), params)]


def carved_sizes(fn: Function) -> list[str]:
    """The size expressions (source over the arguments) of ``fn``'s carved tapes."""
    return [expr_source(s.size) for s in carved_tapes(fn)]


def with_reused_tapes(fn: Function) -> list[Function]:
    """``fn``, and where it has tapes to carve, its twin ``{name}_with_tapes``
    taking them from a last argument, ``tape_memory``."""
    carved = {id(s) for s in carved_tapes(fn)}
    if not carved:
        return [fn]
    twin = clone_function(fn)
    twin.name = fn.name + SUFFIX
    taken = all_names(fn)
    memory = "tape_memory"
    while memory in taken:
        memory += "_"
    offset: Expr = Const(0)
    pieces = []
    for s in fn.body:
        if id(s) in carved:
            pieces.append(TapeAlloc(s.tape, s.size, s.dtype, memory, offset))
            offset = add(offset, s.size)
    total = expr_source(offset)
    check = Raw(f"{memory} = {memory} if {memory}.shape[0] >= {total} else np.empty({total})", allocates=memory)
    # the clone's top-level statements are fn's, one for one: swap the carved allocations
    body = [check]
    at = iter(pieces)
    for s, t in zip(fn.body, twin.body):
        body.append(next(at) if id(s) in carved else t)
    twin.body = body
    twin.params = list(twin.params) + [Param(memory, "array1")]
    twin.types[memory] = "array1"
    twin.doc = (fn.doc + "\n\n" if fn.doc else "") + f"Its float tapes are carved from {memory} (allocated here " \
        "where too short): memory a caller keeps from one call to the next."
    return [fn, twin]
