"""Drop what nothing reads: the gradient without the value.

``grad`` throws the function's value away, yet the reverse function computes
it: in a fused loop the value's serial chain ``s += term`` is the one
loop-carried dependence left, and it stops LLVM vectorizing the loop (a
chained max: 5.9 ms with it, 0.62 ms without).  :func:`without_value` turns
a reverse function ``f_vjp(..., out_bar) -> (value, adjoints)`` into
``f_grad(..., out_bar) -> adjoints`` and removes every assignment whose value
no longer reaches a result:

    s = 0.0                                   dmax_dx = ...
    for i in range(n):                        for i in range(n):
        m = max(x[i], x[i + 1])                   ...
        s += m                  ->                dx[i] += ...
        dx[i] += ...
    return s, (dx,)                           return (dx,)

Kept whatever they read: stores into arrays, tape statements and lines of
opaque target code (read as reading every name they mention), returns.  A branch or loop stays while a
statement it holds stays (its test and bounds are then read); one left empty
goes.
"""

from __future__ import annotations

from nsadc.ir.nodes import (OPAQUE, Assign, Call, For, Function, If, Raw, Return, Stmt, Var, While, child_blocks,
                            clone_function, expressions_read, raw_names, variables, walk)
from nsadc.passes.dead_assignments import drop_dead_assignments, has_code, kept_always
from nsadc.passes.undone_reruns import drop_undone_reruns
from nsadc.transforms.reverse_plan import is_store


def without_value(vjp: Function, name: str) -> Function:
    """``vjp`` returning its adjoints only, named ``name``, with the value's
    computation removed where nothing else needs it."""
    fn = clone_function(vjp)
    fn.name = name
    ret = fn.body[-1]
    assert isinstance(ret, Return) and isinstance(ret.value, tuple), "a reverse function ends in its return"
    fn.body[-1] = Return(ret.value[1], ret.loc)
    fn.doc = (fn.doc or "").replace(" and the adjoints", ": the adjoints", 1) or None
    drop_undone_reruns(fn)
    for _ in range(3):
        drop_dead_code(fn)
        drop_dead_assignments(fn)  # then by the statements' order: the forward run of a loop its reverse re-runs
        if not write_only_arrays(fn):  # (the last reads of a buffer may have gone just now)
            break
    return fn


def drop_dead_code(fn: Function) -> None:
    """Remove, in place, every assignment (and then every empty branch or
    loop) whose value no read of a kept statement needs, and the stores into
    arrays nothing reads (:func:`write_only_arrays`)."""
    unread = write_only_arrays(fn)
    if unread:
        fn.body = _without_stores(fn.body, unread)
    live: set[str] = set()
    while True:
        before = len(live)
        _mark(fn.body, live)
        if len(live) == before:
            break
    fn.body = _sweep(fn.body, live)


def _mark(block: list[Stmt], live: set[str]) -> bool:
    """Add to ``live`` what the kept statements of ``block`` read; whether any is kept."""
    any_kept = False
    for s in block:
        if isinstance(s, (If, For, While)):
            inner = [s.body, s.orelse] if isinstance(s, If) else [s.body]
            kept = any([_mark(b, live) for b in inner])
            if kept:
                for e in expressions_read(s):
                    live |= variables(e)
                if isinstance(s, For):
                    live |= variables(s.start) | variables(s.stop) | variables(s.step)
            any_kept |= kept
        elif isinstance(s, OPAQUE):
            live |= raw_names(s)
            any_kept = True
        elif kept_always(s) or (isinstance(s, Assign) and s.target in live):
            for e in expressions_read(s):
                live |= variables(e)
            any_kept = True
    return any_kept


def _sweep(block: list[Stmt], live: set[str]) -> list[Stmt]:
    out: list[Stmt] = []
    for s in block:
        if isinstance(s, If):
            s.body, s.orelse = _sweep(s.body, live), _sweep(s.orelse, live)
            if has_code(s.body) or has_code(s.orelse):
                out.append(s)
        elif isinstance(s, (For, While)):
            s.body = _sweep(s.body, live)
            if has_code(s.body):
                out.append(s)
        elif isinstance(s, Assign) and not kept_always(s) and s.target not in live:
            continue
        else:
            out.append(s)
    return out


def write_only_arrays(fn: Function) -> set[str]:
    """Arrays the function writes and never reads: every read of the name is a
    store into it or its shape, and it is no parameter, no result and named
    by no opaque line but the one that allocates it.  A reverse sweep that
    re-runs an iteration also re-runs the stores into a buffer whose values
    the iteration's reverse takes from elsewhere (a dot product's sums kept
    per row, then restored from a tape): their work feeds nothing."""
    stored = {s.target for s in walk(fn.body) if is_store(s)}
    if not stored:
        return set()
    out = stored - {p.name for p in fn.params}
    for s in walk(fn.body):
        if isinstance(s, OPAQUE):
            out -= raw_names(s) - ({s.allocates} if isinstance(s, Raw) and s.allocates else set())
            continue
        for e in expressions_read(s):
            out -= _read_beyond_stores_and_shapes(e, store_into=s.target if is_store(s) else None)
    return out


def _read_beyond_stores_and_shapes(e, store_into: str | None) -> set[str]:
    """The names ``e`` reads other than as the array of a shape or size, or,
    in a store into ``store_into``, as that array (also its loads there:
    ``A[k] += v`` reads ``A`` only to write it)."""
    if isinstance(e, Var):
        return {e.name}
    if not isinstance(e, Call):
        return set()
    args = e.args
    if e.prim in ("shape", "size", "load") and store_into is not None and args and args[0] == Var(store_into) \
            or e.prim in ("shape", "size") and isinstance(args[0], Var):
        args = args[1:]
    elif e.prim == "store" and store_into is not None and args and args[0] == Var(store_into):
        args = args[1:]
    out: set[str] = set()
    for a in args:
        out |= _read_beyond_stores_and_shapes(a, store_into)
    return out


def _without_stores(block: list[Stmt], arrays: set[str]) -> list[Stmt]:
    out: list[Stmt] = []
    for s in block:
        if is_store(s) and s.target in arrays:
            continue
        for child in child_blocks(s):
            child[:] = _without_stores(child, arrays)
        out.append(s)
    return out
