"""Tidy the adjoint variables of reverse-mode code.

The reverse transform writes every contribution to an adjoint as an
accumulation, ``x_bar = x_bar + g * t_bar``, and resets an adjoint to 0 once it
has been propagated, so that the next iteration of a loop starts from 0.  Read
as code, most of those lines say nothing: the first contribution lands on a
zero, and the reset is overwritten before anyone reads it.  They also cost
compile time (numba's typing and lowering grow with the statement count: about
half of a derivative's first compile).  Two classic dataflow passes remove them:

- :func:`assign_first_contributions`: where an adjoint is known to be zero on
  every path (a forward "must" analysis), ``x_bar = x_bar + e`` becomes
  ``x_bar = e`` (and ``x_bar = x_bar - e`` becomes ``x_bar = -e``).
- :func:`remove_dead_adjoints`: an assignment to an adjoint that no path reads
  before it is assigned again (a backward liveness analysis) is removed.
- the reverse of an array increment ``a[i] += v`` leaves ``a_bar[i]`` as it
  was: its zeroing and adding back are removed.
- :func:`remove_dead_element_resets`: ``t_bar = a_bar[i, j]; a_bar[i, j] = 0.0``
  in a loop nest over ``i`` and ``j`` that reads no other element of a local
  adjoint array: no later iteration reads the element again, so the reset goes.

Only the adjoint variables the transform names are touched: their values are
plain floats with no side effects.  Loops are solved to a fixed point; a loop
with ``break`` or ``continue`` is treated conservatively.  A tape statement or a
line of opaque target code (``Raw``) counts as reading and writing every name
in it.  Afterwards :func:`nsadc.passes.fold.fold_temporaries` folds the adjoints
that are now assigned once and read once.
"""

from __future__ import annotations

from nsadc.ir.nodes import (Assign, Break, Call, Const, Continue, For, Function, If, OPAQUE, Return, Stmt, Var,
                            While, assigned, raw_names, reads, variables, walk)


def tidy_adjoints(fn: Function, adjoints: set[str], array_adjoints: set[str] = frozenset()) -> None:
    """The passes, in place, on the adjoint variables ``adjoints`` (scalars)
    and ``array_adjoints`` of ``fn``."""
    assign_first_contributions(fn, adjoints)
    remove_dead_adjoints(fn, adjoints)
    if _pass_increments_through(fn.body):
        remove_dead_adjoints(fn, adjoints)  # the copies the adding back read
    remove_dead_element_resets(fn, array_adjoints)


def remove_dead_element_resets(fn: Function, arrays: set[str]) -> None:
    """Drop ``a[idx] = 0.0`` right after ``t = a[idx]`` where nothing can read
    that element again: ``a`` is one of ``arrays`` and not returned, ``idx``
    is the variables of every `for` loop around the reset, and within the
    outermost of them ``a`` is only read at ``idx``, earlier in the same
    iteration; nothing after that loop mentions ``a``.  (Every iteration of
    the nest then owns its element.)  On the whole-array MLP the reset of
    ``hidden_bar[i, j]`` was a store per hidden unit and sample."""
    returned = set()
    for s in walk(fn.body):
        if isinstance(s, Return):
            returned |= reads(s)
    _drop_resets(fn.body, [], arrays - returned, fn.body)


def _drop_resets(block: list[Stmt], loops: list[For], arrays: set[str], top: list[Stmt]) -> None:
    for s in block:
        if isinstance(s, For):
            _drop_resets(s.body, loops + [s], arrays, top)
        elif isinstance(s, If):
            _drop_resets(s.body, loops, arrays, top)
            _drop_resets(s.orelse, loops, arrays, top)
        elif isinstance(s, While):
            _drop_resets(s.body, loops + [None], arrays, top)
    k = 1
    while k < len(block):
        read = block[k - 1]
        if _reads_element(read) and read.value.args[0].name in arrays and _zeroes(block[k], read) \
                and _owned(read, block, k, loops, top):
            del block[k]
        k += 1


def _owned(read: Assign, block: list[Stmt], k: int, loops: list, top: list[Stmt]) -> bool:
    """Whether no iteration of ``loops`` nor anything after them reads the
    element ``read`` reads once ``block[k]`` has reset it."""
    array, index = read.value.args[0], read.value.args[1:]
    if not loops or None in loops or not all(isinstance(i, Var) for i in index):
        return False
    names = [i.name for i in index]
    if len(set(names)) != len(names) or not {loop.var for loop in loops} <= set(names):
        return False
    outer = loops[0]
    if any(isinstance(t, Assign) and t.target in names for t in walk(outer.body)):
        return False  # an index the body changes
    for t in walk([outer]):
        if t is read or t is block[k]:
            continue
        if isinstance(t, OPAQUE) and array.name in raw_names(t):
            return False
        if array.name in reads(t) or (isinstance(t, Assign) and t.target == array.name):
            if not (any(t is u for u in block[:k]) and isinstance(t, Assign) and t.value == read.value):
                return False
    after = _after(top, outer)
    return after is not None and not any(
        array.name in (raw_names(t) if isinstance(t, OPAQUE) else reads(t)) for t in walk(after))


def _after(block: list[Stmt], target: Stmt) -> list[Stmt] | None:
    """The statements that run after ``target`` (not inside a loop: None)."""
    for k, s in enumerate(block):
        if s is target:
            return block[k + 1:]
        if isinstance(s, If):
            for child in (s.body, s.orelse):
                rest = _after(child, target)
                if rest is not None:
                    return rest + block[k + 1:]
    return None


def _pass_increments_through(block: list[Stmt]) -> bool:
    """The reverse of an increment ``a[i] += v`` (a load, then a store of the
    sum) reads ``t_bar = a_bar[i]``, zeroes ``a_bar[i]``, then adds ``t_bar``
    (or a copy of it) back: the element's adjoint passes through unchanged.
    Keep the read only: three memory operations per iteration fewer, and a
    loop that can vectorize."""
    changed = False
    for s in block:
        for child in ([s.body, s.orelse] if isinstance(s, If) else [s.body] if isinstance(s, (For, While)) else []):
            changed |= _pass_increments_through(child)
    k = 0
    while k + 1 < len(block):
        back = _added_back(block, k) if _reads_element(block[k]) and _zeroes(block[k + 1], block[k]) else None
        if back is not None:
            del block[back]
            del block[k + 1]
            changed = True
        k += 1
    return changed


def _reads_element(s: Stmt) -> bool:
    """``t = a[i, ...]``."""
    return isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim == "load" \
        and isinstance(s.value.args[0], Var) and s.value.args[0].name != s.target


def _zeroes(s: Stmt, read: Assign) -> bool:
    """``a[i, ...] = 0.0`` for the element ``read`` read."""
    array, index = read.value.args[0], read.value.args[1:]
    return isinstance(s, Assign) and s.target == array.name and isinstance(s.value, Call) \
        and s.value.prim == "store" and s.value.args[:-1] == (array, *index) and _is_zero(s.value.args[-1])


def _added_back(block: list[Stmt], k: int) -> int | None:
    """The position of ``a[i, ...] = a[i, ...] + u`` after the read at ``k`` and
    the zeroing at ``k + 1``, ``u`` the value read (or a copy of it), with
    nothing between touching the array, the index or those values."""
    read = block[k]
    array, index = read.value.args[0], read.value.args[1:]
    copies = {read.target}
    fixed = variables(read.value) | copies
    for j in range(k + 2, len(block)):
        s = block[j]
        if not isinstance(s, Assign):
            return None
        if s.target == array.name:
            value = s.value
            ok = (isinstance(value, Call) and value.prim == "store" and value.args[:-1] == (array, *index)
                  and isinstance(value.args[-1], Call) and value.args[-1].prim == "add"
                  and value.args[-1].args[0] == read.value and isinstance(value.args[-1].args[1], Var)
                  and value.args[-1].args[1].name in copies)
            return j if ok else None
        if array.name in variables(s.value) or s.target in fixed:
            return None
        if isinstance(s.value, Var) and s.value.name in copies:
            copies.add(s.target)
            fixed.add(s.target)
    return None


def _jumps(block: list[Stmt]) -> bool:
    """Whether a loop body leaves by ``break`` or ``continue`` (its own, not an inner loop's)."""
    for s in block:
        if isinstance(s, (Break, Continue)):
            return True
        if isinstance(s, If) and (_jumps(s.body) or _jumps(s.orelse)):
            return True
    return False


def _is_zero(e) -> bool:
    return isinstance(e, Const) and e.value == 0.0 and not isinstance(e.value, bool)


# ------------------------------------------------------------ zero adjoints

def assign_first_contributions(fn: Function, adjoints: set[str]) -> None:
    _zeros(fn.body, set(), adjoints, rewrite=True)


def _zeros(block: list[Stmt], zero: set[str], adjoints: set[str], rewrite: bool) -> set[str]:
    """The adjoints known to be 0 after ``block``, given ``zero`` before it;
    with ``rewrite``, accumulations onto a known zero become assignments."""
    zero = set(zero)
    for s in block:
        if isinstance(s, Assign):
            t = s.target
            if t in adjoints:
                v = s.value
                if rewrite and t in zero and isinstance(v, Call) and v.prim in ("add", "sub") \
                        and len(v.args) == 2 and isinstance(v.args[0], Var) and v.args[0].name == t \
                        and t not in variables(v.args[1]):
                    s.value = v.args[1] if v.prim == "add" else Call("neg", (v.args[1],))
            zero.discard(t)
            if t in adjoints and _is_zero(s.value):
                zero.add(t)
        elif isinstance(s, OPAQUE):
            zero -= raw_names(s)
        elif isinstance(s, If):
            zero = _zeros(s.body, zero, adjoints, rewrite) & _zeros(s.orelse, zero, adjoints, rewrite)
        elif isinstance(s, (For, While)):
            header = _loop_zeros(s, zero, adjoints)
            _zeros(s.body, header, adjoints, rewrite)
            zero = header  # the loop may run no iteration, or leave after any
            if isinstance(s, For):
                zero.discard(s.var)
        elif isinstance(s, (Break, Continue, Return)):
            pass  # what follows in this block does not run after it; the loop's rule covers the jump
    return zero


def _loop_zeros(s: For | While, before: set[str], adjoints: set[str]) -> set[str]:
    """The adjoints that are 0 at the head of every iteration of loop ``s``."""
    if _jumps(s.body):
        return before - assigned(s.body) - {n for t in walk(s.body) if isinstance(t, OPAQUE) for n in raw_names(t)}
    header = set(before)
    while True:
        after = _zeros(s.body, header, adjoints, rewrite=False)
        new = before & after
        if new == header:
            return header
        header = new


# ------------------------------------------------------------ dead adjoints

def remove_dead_adjoints(fn: Function, adjoints: set[str]) -> None:
    _live(fn.body, set(), adjoints, set(), delete=True)


def _live(block: list[Stmt], live: set[str], adjoints: set[str], loop_live: set[str], delete: bool) -> set[str]:
    """The variables live before ``block``, given ``live`` after it and
    ``loop_live`` where a ``break``/``continue`` inside it may go; with
    ``delete``, dead assignments to adjoints are removed."""
    live = set(live)
    keep: list[Stmt] = []
    for s in reversed(block):
        if isinstance(s, Assign):
            if s.target in adjoints and s.target not in live:
                if delete:
                    continue
            else:
                live.discard(s.target)
                live |= reads(s)
        elif isinstance(s, OPAQUE):
            live |= raw_names(s)
        elif isinstance(s, If):
            live = (_live(s.body, live, adjoints, loop_live, delete)
                    | _live(s.orelse, live, adjoints, loop_live, delete) | reads(s))
        elif isinstance(s, (For, While)):
            live = _loop_live(s, live, adjoints, delete)
        elif isinstance(s, (Break, Continue)):
            live = live | loop_live
        elif isinstance(s, Return):
            live = live | reads(s)
        keep.append(s)
    if delete:
        block[:] = reversed(keep)
    return live


def _loop_live(s: For | While, after: set[str], adjoints: set[str], delete: bool) -> set[str]:
    """Live before loop ``s``: a fixed point over its back edge."""
    head = after | reads(s)
    while True:
        body_in = _live(s.body, head, adjoints, head | after, delete=False)
        new = head | body_in
        if isinstance(s, For):
            new = (new - {s.var}) | reads(s)
        if new == head:
            break
        head = new
    if delete:
        _live(s.body, head, adjoints, head | after, delete=True)
    return head
