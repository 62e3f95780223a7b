"""Names of their own where Numba's compile time needs them.

Numba's SSA reconstruction makes one pass over all the statements of a
function for each variable assigned more than once.  In a long function two
kinds of such variables cost seconds: the values of a loop's body that the
reverse sweep assigns again when it re-runs an iteration, and the adjoints a
block accumulates (``t_bar = ...`` then ``t_bar += ...`` several times).
Both get names of their own, where their number times the function's
statements reaches ``RENAME_LOOP_LOCALS``; the code computes the same.
"""

from __future__ import annotations

import copy
from collections import Counter

from nsadc.rules.arrays import is_array
from nsadc.ir.nodes import (OPAQUE, Assign, Call, For, Function, If, Stmt, While, assigned, child_blocks,
                            expressions_read, raw_names, reads, renamed_block, renamed_expr, upward_exposed, variables,
                            walk)

# Numba's SSA reconstruction makes one pass over all the statements of a
# function for each variable assigned in more than one basic block.  The
# reverse sweep re-runs a loop's iteration, assigning every value of the body
# again in the reverse loop: a loop with a 300-statement body had 850 such
# variables in 6,100 statements (4.5 s of its 9 s compilation: about a
# microsecond per variable and statement).  Where the variables local to one
# iteration of a top-level loop that are also assigned elsewhere, times the
# function's statements, reach this product, those variables get names of
# their own in that loop (below it, the names the transforms chose read better
# and the compilation gains less than 0.2 s).
RENAME_LOOP_LOCALS = 100_000


def with_loop_locals_renamed(fn: Function) -> Function | None:
    """A copy of ``fn`` in which each top-level loop gives its own names to the
    variables local to one iteration (assigned there before any read in the
    iteration, read neither by the loop's header nor after the loop) that are
    assigned elsewhere too; None where their number times the function's
    statements stays below ``RENAME_LOOP_LOCALS``.  Names that an opaque line
    mentions are left alone."""
    taken, opaque, statements = _names_in_use(fn)
    fixed = opaque | {p.name for p in fn.params}
    # where each name is assigned: the positions of the top-level statements
    where: dict[str, set[int]] = {p.name: {-1} for p in fn.params}
    for i, s in enumerate(fn.body):
        for v in assigned([s]):
            where.setdefault(v, set()).add(i)
    plans: dict[int, dict[str, str]] = {}
    count = 0
    for i, s in enumerate(fn.body):
        if not isinstance(s, (For, While)):
            continue
        local = {v for v in assigned(s.body) if len(where.get(v, ())) > 1} - fixed - reads(s)
        if isinstance(s, For):
            local.discard(s.var)
        local -= upward_exposed(s.body) | upward_exposed(fn.body[i + 1:])
        names = {}
        for v in sorted(local):
            k = 2
            while f"{v}_{k}" in taken:
                k += 1
            names[v] = f"{v}_{k}"
            taken.add(names[v])
        if names:
            plans[i] = names
            count += len(names)
    if count * statements < RENAME_LOOP_LOCALS:
        return None
    out = copy.copy(fn)
    out.body = list(fn.body)
    for i, names in plans.items():
        loop = fn.body[i]
        body = renamed_block(loop.body, names)
        out.body[i] = (For(loop.var, loop.start, loop.stop, loop.step, body, loop.loc) if isinstance(loop, For)
                       else While(loop.test, body, loop.loc))
    return out




def _names_in_use(fn: Function) -> tuple[set[str], set[str], int]:
    """Every name the function mentions, the names an opaque line mentions
    (left alone), and the number of statements."""
    taken: set[str] = {p.name for p in fn.params}
    opaque: set[str] = set()
    statements = 0
    for s in walk(fn.body):
        statements += 1
        if isinstance(s, OPAQUE):
            opaque |= raw_names(s)
        for e in expressions_read(s):
            taken |= variables(e)
    return taken | opaque | assigned(fn.body), opaque, statements


def _fresh(name: str, taken: set[str]) -> str:
    k = 2
    while f"{name}_{k}" in taken:
        k += 1
    taken.add(f"{name}_{k}")
    return f"{name}_{k}"


def with_blocks(s: Stmt, blocks: list[list[Stmt]]) -> Stmt:
    """``s`` (a branch or loop) with ``blocks`` in place of its :func:`child_blocks`."""
    if isinstance(s, If):
        return If(s.test, blocks[0], blocks[1], s.loc)
    if isinstance(s, For):
        return For(s.var, s.start, s.stop, s.step, blocks[0], s.loc)
    return While(s.test, blocks[0], s.loc)


def _single_assignment_block(block: list[Stmt], taken: set[str], opaque: set[str]) -> tuple[list[Stmt], int]:
    """``block`` with every name assigned more than once by its own
    statements (and by none nested in them) given a fresh name at each
    assignment but the last, which keeps it: a read before the block or
    after it sees what it saw.  Returns the block and how many names changed."""
    changed = 0
    inner: set[str] = set()
    out: list[Stmt] = []
    for s in block:
        blocks = child_blocks(s)
        if blocks:
            new_blocks = []
            for b in blocks:
                new, k = _single_assignment_block(b, taken, opaque)
                new_blocks.append(new)
                changed += k
                inner |= assigned(b)
            if isinstance(s, For):
                inner.add(s.var)
            s = with_blocks(s, new_blocks)
        out.append(s)
    left = Counter(s.target for s in out if isinstance(s, Assign))
    renamed = {v for v, k in left.items() if k > 1} - inner - opaque
    if not renamed:
        return out, changed
    current: dict[str, str] = {}  # a renamed name -> the name of its value now
    block, out = out, []
    for s in block:
        if current:
            if isinstance(s, Assign):
                s = Assign(s.target, renamed_expr(s.value, current), s.loc, s.site)
            elif not isinstance(s, OPAQUE):  # nested statements read, never assign, renamed names
                s = renamed_block([s], current)[0]
        if isinstance(s, Assign) and s.target in renamed:
            left[s.target] -= 1
            if left[s.target]:
                name = current[s.target] = _fresh(s.target, taken)
                s = Assign(name, s.value, s.loc, s.site)
            else:
                current.pop(s.target, None)
        out.append(s)
    return out, changed + len(renamed)


def with_reassignments_renamed(fn: Function) -> Function | None:
    """A copy of ``fn``, a function with loops, in which each name assigned
    several times by the statements of one block (an adjoint accumulated
    there) has a fresh name at each assignment but the last; None where
    their number times the function's statements stays below
    ``RENAME_LOOP_LOCALS`` (one block, or few such names: Numba's cost is small)."""
    if not any(isinstance(s, (For, While)) for s in walk(fn.body)):
        return None
    taken, opaque, statements = _names_in_use(fn)
    # arrays keep their names: a store `a[i] = v` is an assignment of `a` that
    # writes into the same array, and an array may be reached by another name
    arrays = {v for v, t in (fn.types or {}).items() if is_array(t)}
    arrays |= {s.target for s in walk(fn.body)
               if isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim == "store"}
    body, changed = _single_assignment_block(fn.body, set(taken), opaque | arrays | {p.name for p in fn.params})
    if changed * statements < RENAME_LOOP_LOCALS:
        return None
    out = copy.copy(fn)
    out.body = body
    return out
