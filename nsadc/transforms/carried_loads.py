"""A load at a loop-carried index, carried beside the index.

    a = st
    for t in range(st + 1, st + k):
        if key[t] > key[a]:          # the argmax of a window
            a = t

loads ``key[a]`` in every iteration at an index the iteration before may have
set: the load's latency joins the loop's chain of dependences (index, load,
compare, index), and the loop runs at the speed of memory latency, also
where the comparison compiles to a select (a window's argmax: 3.1 ms, against
0.9 ms for the loop below).  Rewritten before the transforms, in every mode:

    a = st
    key_a = key[a] if st + 1 < st + k else 0.0     # only where the loop runs
    for t in range(st + 1, st + k):
        if key[t] > key_a:
            a = t
            key_a = key[a]

The value loaded follows every assignment of the index, so each former load
reads what it read before.  Only inactive 1-D arrays the loop does not write
qualify (an active one would become a loop-carried active value, which the
reverse mode keeps per iteration), loaded at an integer index the loop
carries, in a loop whose step is a constant, and only where every move of
the index computes a value the array was loaded at before it (so the value
that follows is never an element the program would not read: an index moved
past the end as a sentinel).
"""

from __future__ import annotations

from nsadc.analyses.facts import Facts
from nsadc.ir.names import Names
from nsadc.ir.nodes import (Assign, Call, Const, Expr, For, Function, If, Stmt, Var, assigned, child_blocks,
                            rewrite, upward_exposed, variables, walk)
from nsadc.rules.arrays import is_array, is_float_array, rank


def carry_index_loads(fn: Function, facts: Facts, names: Names) -> bool:
    """Rewrite each qualifying loop of ``fn`` in place; whether any was."""
    changed = False

    def visit(block: list[Stmt]) -> None:
        nonlocal changed
        k = 0
        while k < len(block):
            s = block[k]
            for child in child_blocks(s):
                visit(child)
            if isinstance(s, For):
                before = _carried_loads(s, facts, names)
                if before:
                    block[k:k] = before
                    k += len(before)
                    changed = True
            k += 1

    visit(fn.body)
    return changed


def _carried_loads(loop: For, facts: Facts, names: Names) -> list[Stmt]:
    """Rewrite ``loop``'s loads at carried indices; the statements that load
    their first values before it (none: nothing qualified)."""
    if not (isinstance(loop.step, Const) and loop.step.value != 0):
        return []
    written = assigned(loop.body)
    # an index a nested loop counts with is assigned by no statement the carrier could follow
    carried = upward_exposed(loop.body) & written - {s.var for s in walk(loop.body) if isinstance(s, For)}
    pairs: list[tuple[str, str]] = []
    for s in walk(loop.body):
        load = _load_at_name(s)
        if load is not None:
            array, index = load
            t = facts.types.get(array)
            if (index in carried and facts.types.get(index) == "int" and is_array(t) and rank(t) == 1
                    and array not in written and array not in facts.varied and (array, index) not in pairs
                    and _moves_to_loaded(loop.body, array, index, set())):
                pairs.append((array, index))
    if not pairs:
        return []
    runs = names.fresh("runs")
    before: list[Stmt] = [Assign(runs, Call("lt" if loop.step.value > 0 else "gt", (loop.start, loop.stop)), loop.loc)]
    carriers: dict[tuple[str, str], str] = {}
    for array, index in pairs:
        v = carriers[(array, index)] = names.fresh(f"{array}_{index}")
        zero = Const(0.0 if is_float_array(facts.types[array]) else 0)
        before.append(If(Var(runs), [Assign(v, Call("load", (Var(array), Var(index))), loop.loc)],
                         [Assign(v, zero, loop.loc)], loop.loc))
    loop.body = _rewritten(loop.body, carriers)
    return before


def _moves_to_loaded(block: list[Stmt], array: str, index: str, loaded: set[Expr],
                     values: dict[str, Expr] | None = None) -> bool:
    """Every assignment of ``index`` in ``block`` computes a value at which
    ``array`` was loaded before it on every path (``if key[t] > key[a]: a = t``):
    the value that follows the index is then one the program loaded itself,
    never an element it would not read (an index moved past the end, as a
    sentinel).  ``loaded``: such values known on entry (names, or the
    expressions ``values`` says a name holds: ``t - u`` computed twice)."""
    loaded, values = set(loaded), dict(values or {})

    def value(e):
        return values.get(e.name, e) if isinstance(e, Var) else e

    def forget(names: set[str]) -> None:
        for n in names:
            values.pop(n, None)
        for n, e in list(values.items()):
            if variables(e) & names:
                del values[n]
        loaded.difference_update({x for x in loaded if variables(x) & names})

    def computed(e):  # what an index expression computes, in loop variables and arguments
        if isinstance(e, Call) and e.prim == "copy":
            return value(e.args[0])
        if isinstance(e, Call) and e.prim in ("add", "sub", "mul", "neg"):
            return Call(e.prim, tuple(value(a) for a in e.args))
        return value(e)

    for s in block:
        if isinstance(s, Assign):
            v = s.value
            if s.target == index and computed(v) not in loaded:
                return False
            moved = computed(v)
            forget({s.target})
            if isinstance(v, Call) and v.prim == "load" and len(v.args) == 2 and v.args[0] == Var(array):
                loaded.add(value(v.args[1]))
            elif isinstance(v, Call) and v.prim in ("add", "sub", "mul", "neg", "copy") and \
                    s.target not in variables(moved):
                values[s.target] = moved
        elif isinstance(s, For):
            inner = {s.var} | assigned(s.body)
            kept_values = {n: e for n, e in values.items() if not ({n} | variables(e)) & inner}
            kept = {x for x in loaded if not variables(x) & inner}
            if not _moves_to_loaded(s.body, array, index, kept, kept_values):
                return False
            forget(assigned([s]))
        else:
            for child in child_blocks(s):
                if not _moves_to_loaded(child, array, index, loaded, values):
                    return False
            forget(assigned([s]))
    return True


def _load_at_name(s: Stmt) -> tuple[str, str] | None:
    """(array, index) of ``x = array[index]`` with ``index`` a name, else None."""
    if isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim == "load" and len(s.value.args) == 2 \
            and all(isinstance(a, Var) for a in s.value.args):
        return s.value.args[0].name, s.value.args[1].name
    return None


def _rewritten(block: list[Stmt], carriers: dict[tuple[str, str], str]) -> list[Stmt]:
    def assign(s: Assign) -> list[Stmt]:
        load = _load_at_name(s)
        if load in carriers:
            return [Assign(s.target, Call("copy", (Var(carriers[load]),)), s.loc)]
        # where the index moves, its value follows
        return [s] + [Assign(carrier, Call("load", (Var(array), Var(index))), s.loc)
                      for (array, index), carrier in carriers.items() if s.target == index]

    return rewrite(block, assign, lambda s: s)
