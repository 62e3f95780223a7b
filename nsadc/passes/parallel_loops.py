"""Parallel loops: the cpu target's parallel mode (docs/parallel.md).

Decides which top-level loops of a function may run their iterations on
several threads (``numba.prange``) and marks them (``For.parallel``).  A loop
qualifies when no iteration reads what another one writes:

* its step is 1, and its body has no ``break``, ``continue``, ``return``,
  tape operation or opaque line (a ``raise``, a report flush); a ``while``
  loop inside is private to its iteration (a Newton solve per element
  differentiated by tangents) when what it assigns is;
* every scalar the body assigns is either private to an iteration (assigned
  before any read on every path, and not read after the loop) or a sum
  reduction (each mention of it in the body is ``s += e`` or each one
  ``s -= e``, e free of s: Numba's prange combines those per thread);
* every array the body writes (with every other name for it: ``x_bar =
  ds_dx``) is read and written in the body only as an element whose index
  has the loop variable itself at one and the same position
  (``out[i] = ...``, ``g[i, j] += ...``): iterations touch disjoint elements;
* or, for an array that is only accumulated (``w_bar[j] += e`` and nothing
  else of it in the body, at any index: at indices the loop's variable
  gives, ``s_bar[i] += e``, only where a loop inside does as much work as
  the partials cost, as over pairs), the loop is split into as many
  chunks as Numba has threads (a constant of the emitted code), each chunk
  adds into a partial array of its own, and a parallel loop after it adds the
  partials into the array: the result depends neither on the schedule nor on
  the threads a call runs on.

A work array allocated before the loop (a network's activations), which each
iteration fills before reading it, or which is zero when the loop starts and
each iteration leaves all zero (their adjoints), is copied per chunk; a tape
each iteration fills and empties is each chunk's own.

Anything else (a carried recurrence, ``m = max(m, e)``, a tape, a write at
``i + 1`` read at ``i``, an array allocated in the body) keeps the serial
loop.  Nested loops stay serial inside a parallel one.  The rewrite works on
a copy, at emission (after the emitter's own renaming): the IR of the
pipeline is left as it is.
"""

from __future__ import annotations

import os

from nsadc.ir.build import add, call, mul
from nsadc.ir.names import Names
from nsadc.ir.nodes import (OPAQUE, Assign, Break, Call, Comment, Const, Continue, CounterStep, Expr, For, Function,
                            If, Raw, Return, Stmt, TapeAlloc, TapePop, TapePush, TapeReserve, Var, While, assigned,
                            child_blocks, clone_function, expressions_read, raw_names, reads, renamed_expr,
                            upward_exposed, variables, walk)
from nsadc.rules.source import expr_source
from nsadc.analyses.rename import rename_variable
from nsadc.passes.loop_analysis import accumulates, all_names, private, scalar_sum
from nsadc.rules.arrays import ARRAY_VALUES, is_array


def chunk_count() -> int:
    """How many chunks a loop with partial arrays is split into: Numba's
    number of threads (``NUMBA_NUM_THREADS``, else the number of cores), read
    when the code is emitted.  A constant of the emitted code, not
    ``numba.get_num_threads()`` (a function that calls it cannot be cached),
    so the result does not depend on the threads a call runs on."""
    try:
        n = int(os.environ.get("NUMBA_NUM_THREADS", "") or 0)
    except ValueError:
        n = 0
    return max(n or os.cpu_count() or 1, 1)


def parallel_loops(fn: Function, chunks: int | None = None) -> Function:
    """A copy of ``fn`` whose top-level loops that may run in parallel are
    marked (and those that accumulate into an array at other indices split
    into ``chunks`` chunks with partial arrays: :func:`chunk_count` by
    default); ``fn`` itself where none may."""
    arrays = _arrays(fn)
    aliases = _aliases(fn, arrays)
    plans: dict[int, tuple[dict[str, int], list[str]]] = {}
    for k, s in enumerate(fn.body):
        if isinstance(s, For) and not _fills(s):
            plan = _plan(s, fn.body[k + 1:], arrays, aliases, fn.iteration_buffers, fn.body[:k])
            if plan is not None:
                plans[k] = plan
    if not plans:
        return fn
    out = clone_function(fn)
    names = Names(all_names(fn))
    body: list[Stmt] = []
    for k, s in enumerate(out.body):
        if k not in plans:
            body.append(s)
            continue
        partials, own, tapes, copied = plans[k]
        if not partials and not own and not tapes and not copied and s.step == Const(1):
            s.parallel = True
            body.append(s)
        else:
            body.extend(_chunked(s, dict(sorted(partials.items())), own, names, chunks or chunk_count(), tapes,
                                 copied))
    out.body = body
    return out


def _fills(loop: For) -> bool:
    """Whether the loop only stores constants (the zeros of the elements a
    later loop does not store): it stays serial, a parallel region costing
    more than such a fill, which is short, takes."""
    return all(isinstance(t, Assign) and isinstance(t.value, Call) and t.value.prim == "store"
               and isinstance(t.value.args[-1], Const) for t in loop.body)


def has_parallel_loop(fn: Function) -> bool:
    return any(isinstance(s, For) and s.parallel for s in fn.body)


# ------------------------------------------------------------------ analysis


def _arrays(fn: Function) -> set[str]:
    """The names that hold arrays: typed so, indexed, or given an array."""
    out = {v for v, t in fn.types.items() if is_array(t)}
    out |= {p.name for p in fn.params if is_array(p.type)}
    for s in walk(fn.body):
        for e in expressions_read(s):
            for c in _calls(e):
                if c.prim in ("load", "store", "shape", "size", "array_copy", "zeros_like", "ones_like",
                              "empty_like") and isinstance(c.args[0], Var):
                    out.add(c.args[0].name)
        if isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim in ARRAY_VALUES:
            out.add(s.target)
    changed = True
    while changed:  # a = b where b is an array
        changed = False
        for s in walk(fn.body):
            if isinstance(s, Assign) and isinstance(s.value, Var) and s.value.name in out and s.target not in out:
                out.add(s.target)
                changed = True
    return out


def _aliases(fn: Function, arrays: set[str]) -> dict[str, set[str]]:
    """Each array's names: those it was assigned to or from (``x_bar = ds_dx``)."""
    parent = {a: a for a in arrays}

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for s in walk(fn.body):
        if isinstance(s, Assign) and s.target in arrays:
            v = s.value
            other = v if isinstance(v, Var) else v.args[0] if isinstance(v, Call) and v.prim == "store" else None
            if isinstance(other, Var) and other.name in arrays:
                parent[find(s.target)] = find(other.name)
    groups: dict[str, set[str]] = {}
    for a in arrays:
        groups.setdefault(find(a), set()).add(a)
    return {a: groups[find(a)] for a in arrays}


def _plan(loop: For, rest: list[Stmt], arrays: set[str], aliases: dict[str, set[str]],
          buffers: set[str], before: list[Stmt] = ()) -> tuple[dict[str, int], list[str], dict, list[str]] | None:
    """None where ``loop`` stays serial; else the arrays it accumulates into at
    indices other than its own, with their ranks, the iteration buffers it
    writes, which each chunk gets its own copy of, the tapes each iteration
    fills and empties (:func:`_iteration_tapes`), which each chunk gets its
    own of, and the work arrays each chunk copies (:func:`_private`: filled
    before read in each iteration, or left all zero by each); all empty, with
    a step of 1: a plain parallel loop.  ``before``: the statements before
    the loop."""
    if not (isinstance(loop.step, Const) and isinstance(loop.step.value, int) and loop.step.value >= 1):
        return None
    body = loop.body
    tapes = _iteration_tapes(body)
    if tapes is None or any(isinstance(s, (Break, Continue, Return, Raw, TapeAlloc, TapeReserve))
                            for s in walk(body)):
        return None
    written = assigned(body) | {t.target.name for t in walk(body) if isinstance(t, TapePop)
                                and isinstance(t.target, Var)}
    if loop.var in written:
        return None
    after = upward_exposed(rest) | {n for s in walk(rest) if isinstance(s, OPAQUE) for n in raw_names(s)}
    if loop.var in after:
        return None
    stored = {s.target for s in walk(body) if isinstance(s, Assign) and s.target in arrays}
    for v in written - stored:
        if v in arrays:
            return None
        if _reduction(body, v):
            continue
        if not private(body, v) or v in after:
            return None
    partials: dict[str, int] = {}
    own: list[str] = []
    copied: list[str] = []
    per_iteration = _following(body, loop.var)
    for a in stored:
        names = aliases.get(a, {a})
        if a in buffers and names == {a}:  # its contents live for one iteration of each loop using it
            own.append(a)
            continue
        if _at_loop_index(body, names, _owned_indices(loop)):
            continue
        r = _accumulated(body, a)
        if names & _mentioned(body) == {a} and r and (not _indexed_by(body, a, per_iteration) or _loops_inside(body)):
            partials[a] = r
            continue
        if names == {a} and a not in after and _private(loop, a, before):
            copied.append(a)
            continue
        return None
    return partials, sorted(own), tapes, sorted(copied)


def _following(body: list[Stmt], var: str) -> set[str]:
    """``var`` and the names the body computes from it (an index ``i + 1``)."""
    out = {var}
    changed = True
    while changed:
        changed = False
        for s in walk(body):
            if isinstance(s, Assign) and s.target not in out and variables(s.value) & out:
                out.add(s.target)
                changed = True
            elif isinstance(s, For) and s.var not in out and \
                    (variables(s.start) | variables(s.stop) | variables(s.step)) & out:
                out.add(s.var)
                changed = True
    return out


def _indexed_by(body: list[Stmt], a: str, names: set[str]) -> bool:
    """Some element of ``a`` the body accumulates into has an index computed
    from ``names``: its partial arrays would be as long as the loop, and
    zeroing and adding them up costs more than the loop (a stencil's
    ``x_bar[i + 1] += ...`` stays serial; ``w_bar[j] += ...`` in a loop over
    ``i`` runs in parallel)."""
    for s in walk(body):
        if isinstance(s, Assign) and s.target == a and isinstance(s.value, Call) and s.value.prim == "store":
            if any(variables(x) & names for x in s.value.args[1:-1]):
                return True
    return False


def _iteration_tapes(body: list[Stmt]) -> dict[str, tuple[str, Expr]] | None:
    """The tapes a loop's body pushes and pops, each with its counter and the
    entries one iteration takes at most (``{}`` where it uses none), where
    every iteration leaves each counter as it found it: the body's own
    statements step it up and back down, each step down undoing the last
    step up not yet undone (``n_tape += len(range(h1))`` after a layer's
    pushes, ``n_tape += len(range(h2))`` after the next's, then ``-=`` each in
    the opposite order before the pops), by amounts the body does not change,
    and every push and pop reads one such counter (the pushes at ``n_tape +
    j``, ``j`` in ``range(n)``, fill the entries from it on, below the step
    after them).  Then a chunk of iterations can use a tape of its own, as
    long as the steps up add up to, from 0.  None where some tape operation
    does not fit."""
    steps: dict[str, list[Expr]] = {}  # counter -> its steps up not yet undone
    ups: dict[str, list[Expr]] = {}  # counter -> every step up
    for s in body:
        if isinstance(s, CounterStep):
            if s.op == "+=":
                steps.setdefault(s.counter, []).append(s.by)
                ups.setdefault(s.counter, []).append(s.by)
            elif s.op == "-=" and steps.get(s.counter) and steps[s.counter][-1] == s.by:
                steps[s.counter].pop()
            else:
                return None
    if any(steps.values()):
        return None
    if any(isinstance(t, CounterStep) for s in body if not isinstance(s, CounterStep) for t in walk([s])):
        return None
    changed = assigned(body)
    if any(variables(by) & changed for amounts in ups.values() for by in amounts):
        return None
    extents: dict[str, Expr] = {}
    for counter, amounts in ups.items():
        extent = amounts[0]
        for by in amounts[1:]:
            extent = add(extent, by)
        extents[counter] = extent
    out: dict[str, tuple[str, Expr]] = {}
    for s in body:
        for t in walk([s]):
            if not isinstance(t, (TapePush, TapePop)):
                continue
            counters = variables(t.at) & set(extents)
            if len(counters) != 1:
                return None
            (counter,) = counters
            extent = (counter, extents[counter])
            if out.setdefault(t.tape, extent) != extent:
                return None
    return out


def _loops_inside(body: list[Stmt]) -> bool:
    """A loop inside whose trip count the data or the arguments give (not a
    constant): each iteration does as much work as partial arrays as long as
    the outer loop cost to zero and add up, per chunk (a loop over pairs
    ``for j in range(n)`` inside ``for i in range(n)``)."""
    return any(isinstance(s, While) or (isinstance(s, For) and not isinstance(s.stop, Const)) for s in walk(body))


def _reduction(body: list[Stmt], v: str) -> bool:
    """Every mention of v in the body is ``v += e``, or every one ``v -= e``."""
    prims = {s.value.prim for s in walk(body) if isinstance(s, Assign) and s.target == v
             and isinstance(s.value, Call)}
    return len(prims) == 1 and accumulates(body, v, scalar_sum)


def _owned_indices(loop: For) -> set[str]:
    """The loop variable, and the variables of loops nested in the body that
    run over the iteration's own block of indices (``for i in range(i_strip,
    i_strip + 4)`` in a loop over ``i_strip`` with step 4): an element at such
    an index belongs to one iteration."""
    owned = {loop.var}
    for s in walk(loop.body):
        if isinstance(s, For) and s.step == Const(1) and s.start == Var(loop.var) and \
                s.stop == add(Var(loop.var), loop.step) and s.var not in assigned(s.body):
            owned.add(s.var)
    return owned


def _at_loop_index(body: list[Stmt], names: set[str], owned: set[str]) -> bool:
    """Every mention of the arrays ``names`` in the body is an element read or
    write (or a shape) whose index has a variable of ``owned`` (the loop's
    own) at one same position."""
    positions: set[int] | None = None
    for s in walk(body):
        if isinstance(s, Assign) and s.target in names:
            v = s.value
            if not (isinstance(v, Call) and v.prim == "store" and v.args[0] == Var(s.target)):
                return False
        for e in expressions_read(s):
            for c in _mentions(e, names):
                if c is None:
                    return False
                if c.prim in ("shape", "size"):
                    continue
                at = {p for p, x in enumerate(_index(c)) if isinstance(x, Var) and x.name in owned}
                positions = at if positions is None else positions & at
                if not positions:
                    return False
                if any(names & variables(x) for x in _index(c)):
                    return False
    return True


def _accumulated(body: list[Stmt], a: str) -> int:
    """The number of indices of ``a``'s elements where every mention of ``a``
    in the body is ``a[idx] += e`` (or ``-=``), with neither idx nor e reading
    ``a`` and always as many indices; else 0."""
    ranks = set()
    for s in walk(body):
        if isinstance(s, Assign) and s.target == a:
            v = s.value
            if not (isinstance(v, Call) and v.prim == "store" and v.args[0] == Var(a)):
                return 0
            index, value = v.args[1:-1], v.args[-1]
            if not (isinstance(value, Call) and value.prim in ("add", "sub")
                    and value.args[0] == Call("load", (Var(a), *index))):
                return 0
            if any(a in variables(x) for x in (*index, value.args[1])):
                return 0
            ranks.add(len(index))
        elif any(a in variables(e) for e in expressions_read(s)):
            return 0
    return ranks.pop() if len(ranks) == 1 else 0


def _private(loop: For, a: str, before: list[Stmt]) -> bool:
    """Whether a copy of the 1-D array ``a`` per chunk, taken when the loop
    starts, leaves every iteration's reads as they were: a work array each
    iteration fills before it reads it (:func:`_filled_first`), or one that is
    all zero when the loop starts and that each iteration leaves all zero
    (:func:`_left_zero`: the adjoint of such a work array)."""
    body = loop.body
    at = [k for k, t in enumerate(body) if a in _mentioned([t])]
    if not at:
        return False
    return _filled_first(body, at, a) or _left_zero(body, at, a, before)


def _covering(s: Stmt, a: str, changing: set[str], value: Expr | None = None) -> Expr | None:
    """``E`` where ``s`` is ``for k in range(E)`` whose body stores ``a[k]``
    unconditionally (``value`` if given) at its top level, with ``E`` read
    from names the iteration does not change: every element below ``E``."""
    if not (isinstance(s, For) and s.start == Const(0) and s.step == Const(1) and s.var not in assigned(s.body)
            and not (variables(s.stop) & changing)):
        return None
    for t in s.body:
        if isinstance(t, Assign) and t.target == a and isinstance(t.value, Call) and t.value.prim == "store" \
                and t.value.args[1:-1] == (Var(s.var),) and (value is None or t.value.args[-1] == value):
            return s.stop
    return None


def _filled_first(body: list[Stmt], at: list[int], a: str) -> bool:
    """The first statement that mentions ``a`` stores every element below
    some ``E`` before any other mention (:func:`_covering`), and every other
    store into ``a`` writes an element below ``E`` (a loop's variable over
    ``range(E)``): a read sees an element this iteration stored, or one no
    iteration stores (as the copy has it)."""
    first = body[at[0]]
    E = _covering(first, a, assigned(body))
    if E is None:
        return False
    store = next(t for t in first.body if isinstance(t, Assign) and t.target == a)
    ahead = first.body[:first.body.index(store)]
    if a in _mentioned(ahead) or a in variables(store.value.args[-1]):
        return False
    # within that loop, only its own element (a[k - 1] at k = 0 would read the
    # last element before this iteration stores it: the copy's, not the serial one)
    k = (Var(first.var),)
    if any(c is None or c.prim not in ("load", "store") or _index(c) != k
           for t in walk(first.body) for e in expressions_read(t) for c in _mentions(e, {a})):
        return False
    return all(_stores_below(t, a, E, [first.var] if t is first else []) for t in body[at[0]:])


def _stores_below(s: Stmt, a: str, E: Expr, loops: list[str]) -> bool:
    """Every store into ``a`` in ``s`` writes ``a[k]`` for ``k`` the variable
    of a loop around it over ``range(E)`` (``loops``), and no other name is
    given ``a``."""
    if isinstance(s, Assign) and s.target == a:
        v = s.value
        return isinstance(v, Call) and v.prim == "store" and len(v.args) == 3 and isinstance(v.args[1], Var) \
            and v.args[1].name in loops
    if isinstance(s, Assign) and isinstance(s.value, Var) and s.value.name == a:
        return False
    inner = loops + [s.var] if isinstance(s, For) and s.start == Const(0) and s.stop == E \
        and s.step == Const(1) else loops
    return all(_stores_below(t, a, E, inner) for block in child_blocks(s) for t in block)


def _left_zero(body: list[Stmt], at: list[int], a: str, before: list[Stmt]) -> bool:
    """``a`` is all zero when the loop starts (made by ``np.zeros(E)`` or
    ``np.zeros_like(b)`` with ``b`` made ``np.empty(E)`` or ``np.zeros(E)``,
    nothing touching it between) and the last statement of the body that
    mentions it is ``for k in range(E)`` storing ``a[k] = 0.0`` last."""
    last = body[at[-1]]
    E = _covering(last, a, assigned(body), Const(0.0))
    if E is None:
        return False
    zero = next(t for t in reversed(last.body) if isinstance(t, Assign) and t.target == a)
    after_zero = last.body[last.body.index(zero) + 1:]
    if not (zero.value.args[-1] == Const(0.0) and zero.value.args[1:-1] == (Var(last.var),)) \
            or any(isinstance(t, Assign) and t.target == a for t in walk(after_zero)):
        return False
    # (a store at another element, before the zero in the same iteration, would outlive it)
    if any(isinstance(t, Assign) and t.target == a and not (isinstance(t.value, Call) and t.value.prim == "store"
                                                            and t.value.args[1:-1] == (Var(last.var),))
           for t in walk(last.body)):
        return False
    made = [k for k, t in enumerate(before) if isinstance(t, Assign) and t.target == a]
    if len(made) != 1 or a in _mentioned(before[made[0] + 1:]) or any(
            isinstance(t, Raw) and a in raw_names(t) for t in before):
        return False
    v, since = before[made[0]].value, made[0]
    if not isinstance(v, Call):
        return False
    if v.prim == "zeros_like" and isinstance(v.args[0], Var):
        like = [k for k, t in enumerate(before[:made[0]]) if isinstance(t, Assign) and t.target == v.args[0].name]
        if len(like) != 1 or not isinstance(before[like[0]].value, Call) \
                or before[like[0]].value.prim not in ("empty", "zeros"):
            return False
        v, since = before[like[0]].value, like[0]
    elif v.prim != "zeros":
        return False
    return v.args == (E,) and not (variables(E) & assigned(before[since:]))


def _calls(e: Expr):
    if isinstance(e, Call):
        yield e
        for a in e.args:
            yield from _calls(a)


def _mentions(e: Expr, names: set[str]):
    """The calls through which ``e`` reads an array of ``names`` (load, store,
    shape, size), and None for any other mention of one."""
    if isinstance(e, Var):
        if e.name in names:
            yield None
        return
    if not isinstance(e, Call):
        return
    args = e.args
    if e.prim in ("load", "store", "shape", "size") and isinstance(args[0], Var) and args[0].name in names:
        yield e
        args = args[1:]
    for a in args:
        yield from _mentions(a, names)


def _index(c: Call) -> tuple[Expr, ...]:
    return c.args[1:] if c.prim == "load" else c.args[1:-1]


def _mentioned(body: list[Stmt]) -> set[str]:
    out: set[str] = set()
    for s in walk(body):
        out |= reads(s)
        if isinstance(s, Assign):
            out.add(s.target)
    return out


# ------------------------------------------------------------------ rewrite


def _chunked(loop: For, partial_arrays: dict[str, int], own: list[str], names: Names, chunks: int,
             tapes: dict[str, tuple[str, Expr]] | None = None, copied: list[str] = ()) -> list[Stmt]:
    """``loop`` as ``chunks`` chunks of its iterations, run in parallel, each
    with its own copy of the buffers ``own`` (uninitialized), of the work
    arrays ``copied`` (their contents when the loop starts) and of the tapes
    ``tapes`` fills and empties in each iteration (a counter of its own from
    0), and accumulating the arrays of ``partial_arrays`` (name -> rank) into
    partials of its own, then the partials added up, in chunk order."""
    tapes = tapes or {}
    nt, chunk = names.fresh("n_chunks"), names.fresh("chunk")
    first, last = names.fresh(f"{loop.var}_first"), names.fresh(f"{loop.var}_last")
    parts = {a: names.fresh(f"{a}_parts") for a in partial_arrays}
    step = loop.step.value
    what = [f"with its own {', '.join([*own, *copied, *tapes])}"] if own or tapes or copied else []
    what += [f"accumulating {', '.join(partial_arrays)} into partials of its own, added up after it"] \
        if partial_arrays else []
    out: list[Stmt] = [
        Comment(f"parallel: this loop in {chunks} chunks, each {', '.join(what) or 'a range of its own'}"),
        Assign(nt, Const(chunks)),
        Assign(first, loop.start),
        Assign(last, loop.stop),
    ]
    out += [Raw(f"{parts[a]} = np.zeros(({nt},) + {a}.shape, {a}.dtype)") for a in partial_arrays]
    trips, lo, hi = names.fresh(f"{loop.var}_trips"), names.fresh(f"{loop.var}_lo"), names.fresh(f"{loop.var}_hi")
    # the iterations first, first + step, ... below last, cut into chunks of whole steps
    out.append(Assign(trips, call("trips", Var(first), Var(last), Const(step))))

    def start_of(k: Expr) -> Expr:
        at = call("floordiv", mul(Var(trips), k), Var(nt))
        return add(Var(first), at if step == 1 else mul(Const(step), at))
    bounds = [Assign(lo, start_of(Var(chunk))), Assign(hi, start_of(add(Var(chunk), Const(1))))]
    copies = []
    for b in own:
        mine = names.fresh(f"{b}_mine")
        copies.append(Raw(f"{mine} = np.empty_like({b})", allocates=mine))
        rename_variable(loop.body, b, mine)
    for b in copied:
        mine = names.fresh(f"{b}_mine")
        copies.append(Raw(f"{mine} = {b}.copy()", allocates=mine))
        rename_variable(loop.body, b, mine)
    counters: dict[str, str] = {}
    for tape, (counter, extent) in sorted(tapes.items()):
        mine = names.fresh(f"{tape}_mine")
        if counter not in counters:
            counters[counter] = names.fresh(f"{counter}_mine")
            copies.append(Assign(counters[counter], Const(0)))
        copies.append(Raw(f"{mine} = np.empty({expr_source(extent)}, {tape}.dtype)", allocates=mine))
        _rename_tape(loop.body, tape, mine, counter, counters[counter])
    inner = For(loop.var, Var(lo), Var(hi), Const(step), _into_parts(loop.body, parts, chunk), loop.loc)
    out.append(For(chunk, Const(0), Var(nt), Const(1), [*bounds, *copies, inner], loop.loc, parallel=True))
    for a, r in partial_arrays.items():
        ks = [names.fresh("k") for _ in range(r)]
        c = names.fresh("c")
        index = tuple(Var(k) for k in ks)
        element = Call("load", (Var(a), *index))
        added = Assign(a, Call("store", (Var(a), *index, add(element, Call("load", (Var(parts[a]), Var(c),
                                                                                     *index))))))
        nest: Stmt = For(c, Const(0), Var(nt), Const(1), [added])
        for d in reversed(range(r)):
            nest = For(ks[d], Const(0), call("shape", Var(a), Const(d)), Const(1), [nest], parallel=d == 0)
        out.append(nest)
    return out


def _rename_tape(block: list[Stmt], tape: str, mine: str, counter: str, counter_mine: str) -> None:
    """Point the block's operations on ``tape`` at ``mine``, and its counter at ``counter_mine``."""
    names = {counter: counter_mine}
    for t in walk(block):
        if isinstance(t, (TapePush, TapePop)) and t.tape == tape:
            t.tape = mine
            t.at = renamed_expr(t.at, names)
        elif isinstance(t, CounterStep) and t.counter == counter:
            t.counter = counter_mine


def _into_parts(block: list[Stmt], parts: dict[str, str], chunk: str) -> list[Stmt]:
    out: list[Stmt] = []
    for s in block:
        if isinstance(s, Assign) and s.target in parts:
            v = s.value
            index, value = v.args[1:-1], v.args[-1]
            p = Var(parts[s.target])
            load = Call("load", (p, Var(chunk), *index))
            s = Assign(p.name, Call("store", (p, Var(chunk), *index, Call(value.prim, (load, value.args[1])))), s.loc)
        elif isinstance(s, If):
            s = If(s.test, _into_parts(s.body, parts, chunk), _into_parts(s.orelse, parts, chunk), s.loc)
        elif isinstance(s, For):
            s = For(s.var, s.start, s.stop, s.step, _into_parts(s.body, parts, chunk), s.loc)
        out.append(s)
    return out
