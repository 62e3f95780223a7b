"""A loop-carried operand of a min or max of three or more is combined last.

``min(D[i - 1, j], D[i, j - 1], D[i - 1, j - 1])`` is emitted as
``_minimum(_minimum(a, b), c)`` on the cpu target (NaN in, NaN out: each
``_minimum`` two compares and two selects; ``np.minimum`` in the python
target's code).  ``D[i, j - 1]`` is the cell the loop's previous
iteration stored, so the iterations form a chain through it: combined
second, the chain runs through both ``_minimum``; combined last, through
one, and the other two operands' minimum is computed off the chain (time
warping's table, 800 by 800 cells, in one process: 2.51 ms as written,
1.55 ms with the carried cell last, 1.72 ms with Python's ``min``).

A carried operand is one the innermost loop around the statement gives it
from an earlier iteration:

* a name the loop reads before assigning it (``best = max(best, a, b)``);
* an element the loop stores at an earlier iteration, read as such
  (``D[i, j - 1]`` where the loop over ``j`` stores ``D[i, j]``);
* arithmetic on one of those, directly or through a name the iteration
  assigns once (``left = H[i, j - 1] - gap``).

Where exactly one operand is carried it moves last, the others keeping their
order.  The value is the same minimum or maximum (NaN wherever an operand is
NaN): only which of ``+0.0`` and ``-0.0`` a tie between the two returns may
change, since a compare and select returns the first of equal operands.
The derivative code does not depend on the order: each selection compares
every operand with the value.
"""

from __future__ import annotations

from nsadc.analyses.facts import expr_type
from nsadc.ir.affine import affine, affine_sum
from nsadc.ir.nodes import Assign, Call, Expr, For, Function, If, Stmt, Var, While, assigned, upward_exposed, walk
from nsadc.passes.loop_analysis import single_valued
from nsadc.transforms.reverse_plan import is_store

_EXTREMA = ("min", "max")


def order_extrema_operands(fn: Function) -> None:
    """Rewrite, in place, each qualifying min or max of ``fn`` (module docstring)."""
    if not any(isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim in _EXTREMA
               and len(s.value.args) >= 3 for s in walk(fn.body)):
        return
    # index names every assignment gives one value (``j_minus_1 = j - 1``): a wrong guess here
    # would only cost speed, since the order never changes the value
    _visit(fn.body, None, fn, single_valued(fn.body))


def _visit(block: list[Stmt], loop: For | None, fn: Function, defs: dict[str, Expr]) -> None:
    for s in block:
        if isinstance(s, For):
            _visit(s.body, s, fn, defs)
        elif isinstance(s, While):
            _visit(s.body, None, fn, defs)  # a while loop's chain is not one this rule reads
        elif isinstance(s, If):
            _visit(s.body, loop, fn, defs)
            _visit(s.orelse, loop, fn, defs)
        elif isinstance(s, Assign) and loop is not None and isinstance(s.value, Call) \
                and s.value.prim in _EXTREMA and len(s.value.args) >= 3 and expr_type(s.value, fn.types) == "float":
            args = list(s.value.args)
            carried = [k for k, a in enumerate(args) if _carried(a, loop, defs)]
            if len(carried) == 1 and carried[0] != len(args) - 1:
                args.append(args.pop(carried[0]))
                s.value = Call(s.value.prim, tuple(args))


def _carried(e: Expr, loop: For, defs: dict[str, Expr], depth: int = 4) -> bool:
    """Whether ``loop`` gives ``e`` its value from an earlier iteration
    (module docstring), directly or through the arithmetic of a name the
    iteration assigns once (``left = H[i, j - 1] - gap``)."""
    body = loop.body
    if isinstance(e, Var):
        if e.name in upward_exposed(body) and e.name in assigned(body):
            return True
        made = [s for s in walk(body) if isinstance(s, Assign) and s.target == e.name]
        return len(made) == 1 and depth > 0 and _carried(made[0].value, loop, defs, depth - 1)
    if _stored_earlier(e, loop, defs):
        return True
    return isinstance(e, Call) and e.prim != "load" and depth > 0 and any(
        _carried(a, loop, defs, depth - 1) for a in e.args)


def _stored_earlier(e: Expr, loop: For, defs: dict[str, Expr]) -> bool:
    """``e`` loads an element the loop stores at an earlier iteration: every
    index the same as a store's but the one the loop's variable moves, which
    lies behind it by the loop's direction."""
    if not (isinstance(e, Call) and e.prim == "load" and isinstance(e.args[0], Var)):
        return False
    step = affine(loop.step, {})
    if step not in ({None: 1}, {None: -1}):
        return False
    array, read = e.args[0].name, e.args[1:]
    var = Var(loop.var)
    for s in walk(loop.body):
        if not (isinstance(s, Assign) and is_store(s) and s.target == array):
            continue
        written = s.value.args[1:-1]
        if len(written) != len(read):
            continue
        behind = []
        for w, r in zip(written, read):
            a, b = affine(w, defs), affine(r, defs)
            diff = None if a is None or b is None else affine_sum(a, b, -1)
            if diff is None or set(diff) - {None}:
                break
            behind.append((diff.get(None, 0), var in a and var in b))
        else:
            moved = [d for d, along in behind if d]
            if len(moved) == 1 and all(along or not d for d, along in behind) and moved[0] * step[None] > 0:
                return True
    return False
