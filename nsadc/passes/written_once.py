"""An array whose every element one loop nest adds into once is not zero-filled.

Reverse mode starts each adjoint array (and each derivative array of a fused
loop, ``ds_dx``) at zero and adds into it.  Where the first thing that
touches it is a loop nest over its whole shape that adds into each element
once, at the element the loop variables name,

    x_bar = np.zeros_like(x)
    for t in range(n - 1, -1, -1):      # n = x.shape[0]
        ...
        x_bar[t] += p_bar

the zeros are read once and thrown away: the array is allocated without
them and each element stored (``x_bar = np.empty_like(x)``,
``x_bar[t] = p_bar``): a pass over the array and a load per element fewer.
The nest qualifies where each loop runs over one whole axis, in order or
reversed (``range(x.shape[k])``, ``range(n - 1, -1, -1)``, through names
assigned once), no loop of it can leave early, each loop's body names the
array in one statement only (the next loop of the nest, or the
accumulation itself, not under a branch), and the accumulation's index is
the nest's variables, outermost first, one per dimension.
"""

from __future__ import annotations

from nsadc.analyses.facts import definitions
from nsadc.ir.affine import affine
from nsadc.ir.nodes import (Assign, Break, Call, Const, Continue, Expr, For, Function, Return, Stmt, Var, assigned,
                            variables, walk)
from nsadc.passes.loop_analysis import mentioned
from nsadc.rules.arrays import is_array, rank
from nsadc.transforms.reverse_plan import is_store


def store_arrays_written_once(fn: Function) -> None:
    """Rewrite, in place, each qualifying zero-filled array of ``fn`` (module docstring)."""
    count, _ = definitions(fn)
    defs = {s.target: s.value for s in walk(fn.body)
            if isinstance(s, Assign) and not is_store(s) and count.get(s.target) == 1}
    body = fn.body
    for i, s in enumerate(body):
        if not (isinstance(s, Assign) and isinstance(s.value, Call)
                and s.value.prim == "zeros_like" and isinstance(s.value.args[0], Var)):
            continue
        like = s.value.args[0].name
        if not is_array(fn.types.get(like)):
            continue
        first = next((t for t in body[i + 1:] if s.target in mentioned(t)), None)
        if not isinstance(first, For):
            continue
        acc = _accumulation(first, s.target, like, rank(fn.types[like]), defs)
        if acc is None:
            continue
        _, *index, total = acc.value.args
        body[i] = Assign(s.target, Call("empty_like", (Var(like),)), s.loc)
        acc.value = Call("store", (Var(s.target), *index, added_to(total, s.target, tuple(index))))


def _accumulation(loop: For, bar: str, like: str, dims: int, defs: dict[str, Expr]) -> Assign | None:
    """The statement of the nest at ``loop`` that adds into each element of
    ``bar`` once (module docstring), or None."""
    if any(isinstance(t, (Break, Continue, Return)) for t in walk(loop.body)):
        return None
    nest: list[str] = []
    while True:
        if len(nest) == dims or not _covers(loop, like, len(nest), defs) or loop.var in assigned(loop.body):
            return None
        nest.append(loop.var)
        (s, *more) = [t for t in loop.body if bar in mentioned(t)] or [None]
        if s is None or more:
            return None
        if isinstance(s, For):
            loop = s
            continue
        index = tuple(Var(v) for v in nest)
        if len(nest) == dims and _adds_into(s, bar, index):
            return s
        return None


def _covers(loop: For, like: str, axis: int, defs: dict[str, Expr]) -> bool:
    """Whether ``loop`` runs over every index of axis ``axis`` of ``like``
    once: ``range(d)`` or ``range(d - 1, -1, -1)``, ``d`` its length."""
    d = _form(Call("shape", (Var(like), Const(axis))), defs)
    start, stop, step = (_form(e, defs) for e in (loop.start, loop.stop, loop.step))
    if step == {None: 1}:
        return start == {} and stop == d
    if step == {None: -1}:
        return stop == {None: -1} and d is not None and start == {**d, None: -1}
    return False


def _form(e: Expr, defs: dict[str, Expr]) -> dict | None:
    form = affine(e, defs)
    return None if form is None else {a: c for a, c in form.items() if c}


def _adds_into(s: Stmt, bar: str, index: tuple[Var, ...]) -> bool:
    """``bar[index] = bar[index] + e`` (either order) with ``e`` not reading ``bar``."""
    if not (is_store(s) and s.target == bar and s.value.args[0] == Var(bar) and tuple(s.value.args[1:-1]) == index):
        return False
    total = s.value.args[-1]
    return isinstance(total, Call) and total.prim == "add" and added_to(total, bar, index) is not None


def added_to(total: Call, bar: str, index: tuple) -> Expr | None:
    """What ``total`` (``bar[index] + e``) adds to the element: ``e``."""
    load = Call("load", (Var(bar), *index))
    for own, other in ((total.args[0], total.args[1]), (total.args[1], total.args[0])):
        if own == load and bar not in variables(other):
            return other
    return None
