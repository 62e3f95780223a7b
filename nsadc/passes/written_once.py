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

A 1-D array a loop fills in windows (pooling, blocks) gets the same
treatment where the windows cannot overlap:

    ds_dx = np.zeros_like(x)
    for st in range(0, n - k + 1, k):
        ...
        for t in range(st + k - 1, st, -1):
            ds_dx[t] += x_t_bar          # st + 1 <= t < st + k
        ds_dx[st] += m_bar               # t == st

Each iteration adds into the elements ``st + lo <= i < st + hi`` of some
intervals, each an element or an inner loop's range (step 1 or -1; further
additions at the same index in the same block add to the first), whose
ends differ from the loop variable by names the loop does not assign.  When
the intervals follow one another (each ends where or before the next begins,
by a constant) and together span at most the step, no element is added to
twice: each addition becomes a store.  When, besides, they leave no gap,
span the step exactly and every iteration runs them all (no branch, no
early exit), the loop writes every element between its first window and
its last; the array is then allocated empty and only
the elements before the first window and after the last are zeroed.  What
the loop's bounds do not show is tested once before it (``tiled = k > 0``
for a step that is a name; ``w - 1 >= 0`` for a first window at ``w - 1``,
below 0 an index counts from the end): where a test fails, the whole array
is zeroed and the stores add, as before.  A loop counting down by a
constant step (a reverse sweep's ``range(n - 1, 0, -1)``) is the same with
its windows coming down; where its lowest window starts is tested.
"""

from __future__ import annotations

from itertools import permutations

from nsadc.analyses.facts import definitions
from nsadc.ir.affine import affine, affine_expr, affine_sum
from nsadc.ir.names import Names
from nsadc.ir.nodes import (Assign, Break, Call, Comment, Const, Continue, Expr, For, Function, If, Return, Stmt, Var,
                            assigned, variables, walk)
from nsadc.passes.loop_analysis import all_names, mentioned
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
        if acc is not None:
            _, *index, total = acc.value.args
            body[i] = Assign(s.target, Call("empty_like", (Var(like),)), s.loc)
            acc.value = Call("store", (Var(s.target), *index, added_to(total, s.target, tuple(index))))
        elif rank(fn.types[like]) == 1:
            tiles = _tiles(first, s.target, defs)
            if tiles is not None:
                allocation, before_loop = _store_tiles(fn, s, first, tiles)
                body[i] = allocation  # the loop's bounds may be computed after it: the rest goes before the loop
                j = next(j for j, t in enumerate(body) if t is first)
                while isinstance(body[j - 1], Comment):  # the loop's own comment stays on it
                    j -= 1
                body[j:j] = before_loop


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


class _Tiles:
    """The windows a loop adds into (module docstring): its accumulations,
    the index where the lowest window starts (``low``) and where the highest
    ends (``high``), whether the windows tile the array between the two
    (``covered``), and what must be tested before the loop where it is not
    known (``tests``: the step is positive, the lowest window starts at or
    after index 0)."""

    def __init__(self, stores: list[Assign], low: Expr, high: Expr, covered: bool, tests: list[Expr]):
        self.stores, self.low, self.high, self.covered, self.tests = stores, low, high, covered, tests


def _tiles(loop: For, bar: str, defs: dict[str, Expr]) -> _Tiles | None:
    """The windows of ``loop`` into the 1-D ``bar``, or None where they may overlap."""
    inside = assigned(loop.body) | {loop.var}
    step = _form(loop.step, defs)
    if step is None or not _invariant(step, inside) or loop.var in assigned(loop.body):
        return None
    constant_step = set(step) <= {None}
    if constant_step and step.get(None, 0) == 0:
        return None
    down = constant_step and step[None] < 0  # a reverse sweep's loop: the windows come down
    stride = {None: -step[None]} if down else step  # how far apart the windows start
    found = _accumulations(loop.body, bar, [])
    if not found:
        return None
    # additions into the same element in one block (x[t] read twice) are one
    # window: the first becomes the store, the rest still add to it
    firsts: dict = {}
    for store, path in found:
        index = _form(store.value.args[1], defs)
        at = store.value.args[1] if index is None else tuple(sorted(index.items(), key=repr))
        firsts.setdefault((tuple(id(p) for p in path), at), (store, path))
    found = list(firsts.values())
    windows = []
    for store, path in found:
        window = _window(store, path, loop.var, inside, defs)
        if window is None:
            return None
        lo, hi = window
        width = affine_sum(hi, lo, -1)
        if not (_constant(width, 0) or (not constant_step and _constant(affine_sum(width, stride, -1), -1))):
            return None  # a window that could have a negative width may start before the one it follows
        windows.append((lo, hi))
    order = _in_order(windows)
    if order is None:
        return None
    gaps = [affine_sum(windows[b][0], windows[a][1], -1) for a, b in zip(order, order[1:])]
    lo, hi = windows[order[0]][0], windows[order[-1]][1]
    room = affine_sum(stride, affine_sum(hi, lo, -1), -1)  # the distance less the span
    if not _constant(room, 0):
        return None
    first, start = _form(loop.start, defs), _form(loop.start, {})
    if first is None or start is None:
        return None
    # where the lowest window starts and the highest ends: below 0 an index
    # would count from the end, so a start not known to be 0 or more is tested
    head = affine_sum(first, lo, 1)
    trips = Call("trips", (loop.start, loop.stop, loop.step))
    tests = [] if constant_step else [Call("gt", (loop.step, Const(0)))]
    if down:
        high = affine_expr(affine_sum(start, affine_sum(lo, stride, 1), 1))
        low = Call("sub", (high, trips if stride == {None: 1} else Call("mul", (Const(stride[None]), trips))))
        tests.append(Call("ge", (low, Const(0))))
    else:
        if set(head) <= {None} and head.get(None, 0) < 0:
            return None
        low = Const(head.get(None, 0)) if set(head) <= {None} else affine_expr(affine_sum(start, lo, 1))
        if not set(head) <= {None}:
            tests.append(Call("ge", (low, Const(0))))
        high = trips if loop.step == Const(1) else Call("mul", (trips, loop.step))
        if low != Const(0):
            high = Call("add", (low, high))
    exits = any(isinstance(t, (Break, Continue, Return)) for t in walk(loop.body))
    branches = any(isinstance(p, If) for _, path in found for p in path)
    covered = not exits and not branches and not room and all(not g for g in gaps)
    return _Tiles([store for store, _ in found], low, high, covered, tests)


def _accumulations(block: list[Stmt], bar: str, path: list) -> list | None:
    """Every statement of ``block`` that mentions ``bar``, each an addition
    into one element, with the loops and branches around it; None where some
    other statement mentions it."""
    out = []
    for t in block:
        if bar not in mentioned(t):
            continue
        if isinstance(t, For) and bar not in variables(t.start) | variables(t.stop) | variables(t.step):
            found = _accumulations(t.body, bar, [*path, t])
        elif isinstance(t, If) and bar not in variables(t.test):
            taken, other = _accumulations(t.body, bar, [*path, t]), _accumulations(t.orelse, bar, [*path, t])
            found = None if taken is None or other is None else taken + other
        elif is_store(t) and t.target == bar and len(t.value.args) == 3 and _adds_into(t, bar, (t.value.args[1],)):
            found = [(t, path)]
        else:
            return None
        if found is None:
            return None
        out += found
    return out


def _window(store: Assign, path: list, var: str, inside: set, defs) -> tuple[dict, dict] | None:
    """The elements ``store`` adds into in one iteration of the loop over
    ``var``, as ``var + lo <= i < var + hi``: (lo, hi), or None."""
    index = _form(store.value.args[1], defs)
    loops = [p for p in path if isinstance(p, For)]
    if index is None or len(loops) > 1:
        return None
    if not loops:
        lo, hi = index, affine_sum(index, {None: 1}, 1)
    else:
        inner = loops[0]
        t = Var(inner.var)
        step = _form(inner.step, defs)
        if index.get(t) != 1 or inner.var in assigned(inner.body) or step not in ({None: 1}, {None: -1}):
            return None
        rest = {a: c for a, c in index.items() if a != t}
        start, stop = _form(inner.start, defs), _form(inner.stop, defs)
        if start is None or stop is None:
            return None
        if step == {None: -1}:  # range(a, b, -1) runs over b + 1 <= t < a + 1
            start, stop = affine_sum(stop, {None: 1}, 1), affine_sum(start, {None: 1}, 1)
        lo, hi = affine_sum(start, rest, 1), affine_sum(stop, rest, 1)
        inside = inside | {inner.var}
    if lo.get(Var(var)) != 1 or hi.get(Var(var)) != 1:
        return None
    lo, hi = ({a: c for a, c in f.items() if a != Var(var)} for f in (lo, hi))
    return (lo, hi) if _invariant(lo, inside) and _invariant(hi, inside) else None


def _in_order(windows: list) -> tuple | None:
    """An order of the windows in which each ends, by a constant, at or
    before the next begins; None where there is none (or too many to try)."""
    if len(windows) > 5:
        return None
    for order in permutations(range(len(windows))):
        if all(_constant(affine_sum(windows[b][0], windows[a][1], -1), 0) for a, b in zip(order, order[1:])):
            return order
    return None


def _constant(form: dict, least: int) -> bool:
    """Whether ``form`` is a constant of at least ``least``."""
    return set(form) <= {None} and form.get(None, 0) >= least


def _invariant(form: dict, inside: set[str]) -> bool:
    """Whether the atoms of ``form`` keep their values through the loop."""
    return all(a is None or (isinstance(a, Var) and a.name not in inside) or
               (isinstance(a, Call) and a.prim == "shape" and not (variables(a) & inside)) for a in form)


def _store_tiles(fn: Function, zeros: Assign, loop: For, tiles: _Tiles) -> tuple[Assign, list[Stmt]]:
    """The allocation of ``zeros.target``, and the statements to put before
    the loop, whose additions become stores (module docstring)."""
    bar, like = zeros.target, zeros.value.args[0]
    names = Names(all_names(fn))
    out: list[Stmt] = []
    tiled = None
    if tiles.tests:
        tiled = names.fresh("tiled")
        fn.types[tiled] = "bool"
        test = tiles.tests[0] if len(tiles.tests) == 1 else Call("and", tuple(tiles.tests))
        out.append(Assign(tiled, test, zeros.loc))
    for store in tiles.stores:
        _, index, total = store.value.args
        added = added_to(total, bar, (index,))
        if tiled is not None:  # where a test fails, the stores still add
            if not isinstance(added, (Var, Const)):
                name = names.fresh(f"{bar}_{_hint(index)}")
                fn.types[name] = "float"
                _insert_before(loop.body, store, Assign(name, added, store.loc))
                added = Var(name)
            added = Call("select", (Var(tiled), added, Call("add", (Call("load", (Var(bar), index)), added))))
        store.value = Call("store", (Var(bar), index, added))
    if not tiles.covered:
        return zeros, out
    out.append(Comment(f"{bar}: the loop over {loop.var} stores each element it reaches once; zero the others"))
    low, high = tiles.low, tiles.high
    if tiled is not None:
        high = Call("select", (Var(tiled), high, Const(0)))
    size = Call("shape", (Var(bar), Const(0)))
    for start, stop in ((Const(0), Call("min", (low, size))), (high, size)):
        if low == Const(0) and start == Const(0):
            continue
        i = names.fresh("i")
        fn.types[i] = "int"
        out.append(For(i, start, stop, Const(1), [Assign(bar, Call("store", (Var(bar), Var(i), Const(0.0))),
                                                         zeros.loc)], zeros.loc))
    return Assign(bar, Call("empty_like", (like,)), zeros.loc), out


def _hint(index: Expr) -> str:
    return index.name if isinstance(index, Var) else "added"


def _insert_before(block: list[Stmt], s: Stmt, new: Stmt) -> bool:
    """Put ``new`` just before ``s`` in whichever block of ``block`` holds it."""
    for k, t in enumerate(block):
        if t is s:
            block.insert(k, new)
            return True
        for inner in ([t.body] if isinstance(t, For) else [t.body, t.orelse] if isinstance(t, If) else []):
            if _insert_before(inner, s, new):
                return True
    return False
