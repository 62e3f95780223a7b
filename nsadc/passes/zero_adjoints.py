"""Skip the reverse of an iteration whose only incoming adjoint is zero.

The reverse of a dynamic-programming table visits every cell, although the
cotangent of the result reaches only the cells on the optimal path:

    for j in range(m, 0, -1):
        ...                                  # re-run the cell
        total_bar = D_bar[i, j]              # the cell's adjoint
        D_bar[i, j] = 0.0
        D_bar[i - 1, j] += ... * total_bar   # linear in total_bar
        x_bar[i - 1] += ... * total_bar

When everything the iteration adds is a multiple of the one adjoint it reads
(``total_bar``: an element of an adjoint array, at an index the iteration
does not compute), the iteration adds nothing where that adjoint is 0, so it
runs only where it is not:

    for j in range(m, 0, -1):
        total_bar = D_bar[i, j]
        if total_bar != 0.0:
            ...

(DTW, 800 x 800 cells: 9.3 -> 6.5 ms.)  Where a partial the iteration multiplies
by that zero is infinite or NaN, the product it no longer adds is NaN: the
iteration's entries stay as they were (its inputs did not reach the value).
A loop qualifies when its body holds no loop, tape or opaque line, reads
one adjoint element as an input (two arrays of one recurrence, ``ys_bar[k]``
and ``fs_bar[k]``, are two inputs: skipping where the first is zero would
drop the second; an accumulation ``a_bar[i] += v`` reads no input), stores
only into adjoint arrays (its own element's reset and accumulations), reads
the other scalar adjoints only to add to them, and assigns nothing read
after it; and only where the adjoint flows on through the same array (the
element read depends on the loop's variable and the body adds into other
elements of that array): a guard in a loop that would vectorize costs more
than it saves.  The report variant is left alone (it counts every
iteration's kinks).
"""

from __future__ import annotations

from nsadc.ir.names import Names
from nsadc.ir.nodes import (OPAQUE, Assign, Break, Call, Const, Continue, For, Function, If, Return, Stmt, Var,
                            While, assigned, child_blocks, element_loads, expressions_read, reads, upward_exposed,
                            variables, walk)
from nsadc.passes.loop_analysis import all_names, scalar_sum
from nsadc.transforms.reverse_plan import is_store


def skip_zero_adjoints(fn: Function) -> None:
    """Guard, in place, every qualifying loop of the reverse function ``fn``
    (its ``adjoints`` and ``array_adjoints`` name the adjoint variables)."""
    arrays = set(getattr(fn, "array_adjoints", set()))
    scalars = set(getattr(fn, "adjoints", set()))
    if not arrays:
        return
    for s in list(walk(fn.body)):
        if isinstance(s, For):
            _guard(fn, s, arrays, scalars)


def _guard(fn: Function, loop: For, arrays: set[str], scalars: set[str]) -> None:
    body = loop.body
    if any(isinstance(t, (*OPAQUE, For, While, Break, Continue, Return)) for t in walk(body)):
        return
    loads = [t for t in walk(body) if isinstance(t, Assign) and isinstance(t.value, Call) and
             t.value.prim == "load" and isinstance(t.value.args[0], Var) and t.value.args[0].name in arrays]
    if len(loads) != 1 or loads[0] not in body:
        return
    # no other adjoint element read anywhere inside an expression (``total_bar += ys_bar[k]``
    # beside ``ys_k_bar = fs_bar[k]`` is a second input: skipping where the first is zero
    # would drop it, a silently wrong gradient)
    if sum(1 for t in walk(body) for e in _values_read(t) for element in element_loads(e)
           if isinstance(element[0], Var) and element[0].name in arrays) != 1:
        return
    load = loads[0]
    array, index = load.value.args[0].name, load.value.args[1:]
    written = assigned(body)
    if any(variables(i) & (written - {loop.var}) for i in index):
        return
    k = body.index(load)
    if array in assigned(body[:k]):  # the element must read the same at the top of the iteration
        return
    # only where the adjoint flows on through the same array (a table's cells, a recurrence's
    # elements): such a loop does not vectorize anyway, and its adjoints may reach a few cells
    # only; a guard in a loop that would vectorize (an elementwise adjoint, a row's dot product
    # reversed) costs more than it saves (L1 regression: 1.3 -> 2.8 ms)
    if loop.var not in {v for i in index for v in variables(i)} or not any(
            isinstance(t, Assign) and t.target == array and isinstance(t.value, Call) and t.value.prim == "store"
            and t.value.args[1:-1] != tuple(index) for t in walk(body)):
        return
    exposed = upward_exposed(body)
    for t in walk(body):
        if not isinstance(t, Assign):
            continue
        if is_store(t):
            if t.target not in arrays:
                return  # a primal array restored: it must happen in every iteration
            continue
        if t.target in scalars and t.target in exposed and not scalar_sum(t.value, t.target):
            return
    # an incoming scalar adjoint read other than to add to it would be a second input
    for t in walk(body):
        read = reads(t) & scalars & exposed
        if read and not (isinstance(t, Assign) and read == {t.target} and scalar_sum(t.value, t.target)):
            return
    # nothing the iteration assigns is read after the loop, or carried to the next iteration
    local = written - scalars - arrays - {loop.var}
    if local & exposed or local & _live_after(fn.body, loop):
        return
    nonzero = Names(all_names(fn)).fresh(f"{load.target}_nonzero")
    loop.body = [load, Assign(nonzero, Call("ne", (Var(load.target), Const(0.0)))),
                 If(Var(nonzero), body[:k] + body[k + 1:])]


def _values_read(s: Stmt) -> list:
    """The expressions ``s`` evaluates, an accumulation ``a[i] += v`` counting
    for ``v`` alone (the element it adds to is no input of the iteration)."""
    if is_store(s):
        array, *index, value = s.value.args
        if isinstance(value, Call) and value.prim == "add" and value.args[0] == Call("load", (array, *index)):
            return [*index, value.args[1]]
        return [*index, value]
    return expressions_read(s)


def _live_after(block: list[Stmt], loop: For, in_loop: bool = False) -> set[str] | None:
    """The names some statement after ``loop`` may read before assigning them
    (a later iteration of a loop around it included); None: ``loop`` is not
    in ``block``."""
    for k, s in enumerate(block):
        if s is loop:
            return upward_exposed(block[k + 1:]) | (upward_exposed(block) if in_loop else set())
        for child in child_blocks(s):
            inner = _live_after(child, loop, isinstance(s, (For, While)))
            if inner is not None:
                return inner | upward_exposed(block[k + 1:]) | (upward_exposed(block) if in_loop else set())
    return None
