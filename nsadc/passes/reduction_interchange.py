"""Interchange a loop of dot products so that the outer loop runs innermost.

A Numba user writes one hidden unit of a network at a time, in a scalar::

    for k in range(h):
        z = b1[k]
        for j in range(d):
            z += X[i, j] * W1[j, k]
        ...                     # uses z

The inner loop walks down a column of ``W1`` (a stride of ``h`` elements) and
is a short serial reduction: LLVM cannot vectorize it.  Keeping ``z`` per unit
in a buffer (scalar expansion) lets the two loops trade places::

    for k in range(h):
        z_of_k[k] = b1[k]
    for j in range(d):
        X_i_j = X[i, j]         # hoisted: it does not depend on k
        for k in range(h):
            z_of_k[k] += X_i_j * W1[j, k]
    for k in range(h):
        z = z_of_k[k]
        ...

and the innermost loop now runs along a row of ``W1``, contiguous and
vectorized.  Each unit's sum still adds the same terms in the same order, so
every value is bit for bit what the loop as written computes.  The MLP
benchmark's forward sweep is the case (its gradient took 49 ms, 30 ms after).

The rewrite applies to ``for k: (S1; for j: T; S2)`` where:

- S1 is straight-line scalar assignments and T scalar assignments only;
- each scalar T assigns is either private to a ``j`` iteration or an
  accumulator ``v = v + e`` (``e`` free of ``v``) that S1 assigns first;
- S1 and T read nothing that the ``k`` loop changes, other than what they
  assign themselves and the two loop variables: they can then all run before
  any S2, and (k, j) iterations of different ``k`` commute;
- S2 reads, of what S1 and T assign, only the accumulators, and nothing reads
  the other names after the loop;
- T reads some array along ``[..., j, ..., k]`` (``k`` the last index), and no
  array with ``j`` last and ``k`` before it: the interchange must make the
  inner loop contiguous, not the reverse.

A row-wise dot product (LASSO's and the SVM's ``X[i, j] * w[j]``, ``j``
innermost and contiguous already) is one serial chain of additions per row:
each waits for the one before (four cycles a step), and numba may not
reorder them.  There the outer loop is strip-mined instead: four rows at a
time, their sums interleaved within the strip, so that four independent
chains run at once, each adding its terms in its own order::

    i_strips_end = max(0, n - n % 4)
    for i_strip in range(0, i_strips_end, 4):
        for i in range(i_strip, i_strip + 4):
            m_of_i[i - i_strip] = b
        m_0 = m_of_i[0]
        ...
        m_3 = m_of_i[3]
        for j in range(d):              # T once per row, each sum in a scalar
            m_0 += X[i_strip, j] * w[j]
            ...
            m_3 += X[i_strip + 3, j] * w[j]
        m_of_i[0] = m_0
        ...
        for i in range(i_strip, i_strip + 4):
            m = m_of_i[i - i_strip]
            ...
    for i in range(i_strips_end, n):   # the last n % 4 rows, as written
        ...

The values are again bit for bit the loop's own (SVM gradient 9.0 -> 6.5 ms,
the L1 regression's 1.65 -> 0.88 ms).  An accumulator may also be an array
element the row owns, ``r[i] += A[i, j] * x[j]``: an array the function
allocates, that nothing else names, and that the loop reads and stores only
at ``[i]``; each row then reads it into its scalar and stores it back.
"""

from __future__ import annotations

import copy
import re

from nsadc.rules.source import expr_source
from nsadc.ir.names import Names
from nsadc.ir.build import add, call, sub
from nsadc.ir.nodes import (OPAQUE, Assign, Break, Call, Comment, Const, Continue, Expr, For, Function, If, Raw, Return,
                            Stmt, Var, While, element_loads, expressions_read, reads, select, variables, walk)
from nsadc.rules.arrays import ALLOCATORS, ARRAY_VALUES, LIKE
from nsadc.passes.loop_analysis import (accumulates, all_names, buffers_grown, contiguous_in, declare_buffers,
                                        invariant_bounds, mentioned, private, raw_effects, read_first, scalar_sum,
                                        split_invariant, substitute)
from nsadc.transforms.reverse_plan import is_store


def interchange_dot_products(fn: Function) -> None:
    """Interchange, in place, every loop of ``fn`` of the shape above whose
    inner loop the interchange makes contiguous."""
    _rewrite_loops(fn, strip=None)


def strip_mine_dot_products(fn: Function) -> None:
    """Strip-mine, in place, every loop of ``fn`` of the shape above whose
    inner loop runs along rows already.  Run after fold_temporaries: the
    rows that do not fill a strip run the loop's body as written, a second
    copy of it, and fold (which folds a temporary assigned once) would leave
    both copies unfolded."""
    _rewrite_loops(fn, strip=STRIP)


def strip_mined(loop: For, after: list[list[Stmt]], fn: Function, buffers: list[Stmt], names: Names,
                precision: Precision) -> list[Stmt] | None:
    """One loop of row-wise dot products (``for j: t = a[j]; for k: t +=
    W[j, k] * v[k]; a[j] = t``) strip-mined as above, for a pass that makes
    such loops after this one has run (``after``: the statements that follow
    it, innermost block first); None where it does not qualify.  The strip's
    buffers go into ``buffers``, to declare at entry, and count as the
    iteration's own (``fn.iteration_buffers``)."""
    new = _interchanged(loop, after, buffers, names, precision, STRIP, _allocated_here(fn))
    if new is not None:
        fn.iteration_buffers |= {b.allocates for b in buffers if isinstance(b, Raw) and b.allocates}
    return new


def _rewrite_loops(fn: Function, strip: int | None) -> None:
    buffers: list[Stmt] = []  # the buffers' declarations, made at entry
    _visit(fn.body, [], buffers, Names(all_names(fn)), Precision(fn), (strip, _allocated_here(fn)))
    if buffers:
        declare_buffers(fn, buffers)
        if strip is not None:  # a strip's buffer holds that strip's values only
            fn.iteration_buffers |= {b.allocates for b in buffers if isinstance(b, Raw) and b.allocates}


def _visit(block: list[Stmt], after: list[list[Stmt]], buffers: list[Stmt], names, precision, mode) -> None:
    k = 0
    while k < len(block):
        s = block[k]
        if not isinstance(s, (If, For, While)):  # the rest of the block matters to these alone
            k += 1
            continue
        rest = [block[k + 1:]] + after
        if isinstance(s, If):
            _visit(s.body, rest, buffers, names, precision, mode)
            _visit(s.orelse, rest, buffers, names, precision, mode)
        elif isinstance(s, (For, While)):
            _visit(s.body, [s.body] + rest, buffers, names, precision, mode)
        if isinstance(s, For):
            new = _interchanged(s, rest, buffers, names, precision, *mode)
            if new is not None:
                block[k:k + 1] = new
                k += len(new) - 1
        k += 1


def _interchanged(loop: For, after: list[list[Stmt]], buffers: list[Stmt], names,
                  precision, strip: int | None, allocated: set[str]) -> list[Stmt] | None:
    if not (isinstance(loop.step, Const) and loop.step.value == 1):
        return None
    inner = [m for m, t in enumerate(loop.body) if isinstance(t, For)]
    if not inner or any(isinstance(t, (Break, Continue, Return)) for t in walk(loop.body)):
        return None
    m = inner[0]
    J, before, later = loop.body[m], loop.body[:m], loop.body[m + 1:]
    if J.var == loop.var:
        return None
    owned = _owned(loop.body, loop.var) & allocated  # an argument might share memory with another
    if not all(_plain(t) for t in before) or not all(_plain(t) or _stores_into(t, owned) for t in J.body):
        return None
    accumulators = sorted(v for v in {t.target for t in J.body if isinstance(t, Assign)} - owned
                          if any(isinstance(t, Assign) and t.target == v for t in before)
                          and accumulates(J.body, v, scalar_sum))
    before, later = _sink_unneeded(before, J, later, set(accumulators), after)
    own = {t.target for t in before + J.body if isinstance(t, Assign)} - owned | {J.var}
    rows = {t.target for t in J.body if _stores_into(t, owned)}  # r[i] += ...: each row its own element
    if not (accumulators or rows) \
            or not all(private(before, v) for v in {t.target for t in before if isinstance(t, Assign)}):
        return None
    if not all(private(J.body, v) for v in own - {J.var} - set(accumulators)
               if any(isinstance(t, Assign) and t.target == v for t in J.body)):
        return None
    # nothing S1 and T read may change inside the loop, but for what they assign themselves
    # (and the rows' own elements)
    changed = set()
    for t in walk(loop.body):
        if isinstance(t, Assign):
            changed.add(t.target)
        elif isinstance(t, For):
            changed.add(t.var)
        elif isinstance(t, OPAQUE):
            changed |= raw_effects(t)[0] | raw_effects(t)[1]
    changed -= owned
    read = {v for t in walk(before + [J]) for v in reads(t)} - own - {loop.var}
    if read & changed or variables(loop.start) & changed or variables(loop.stop) & changed:
        return None
    bounds = invariant_bounds(J, loop.body, before, changed | {loop.var})
    if bounds is None:
        return None
    # S2 and what follows the loop see only the accumulators (S2 may reuse a
    # temporary's name, assigning it first: the SVM's reverse re-runs X_i_j)
    temporaries = own - set(accumulators)
    if any(read_first(v, later) for v in temporaries):
        return None
    if any(read_first(v, b) for v in temporaries for b in after):
        return None
    # the interchange where it makes the inner loop contiguous, strips where it runs along rows already
    contiguous = _contiguous_after(J.body, loop.var, J.var)
    fits = contiguous if strip is None else not contiguous and _along_rows(J.body, loop.var, J.var)
    if not fits:
        return None
    expanded = accumulators + sorted({v for t in J.body for v in reads(t)} & {
        t.target for t in before if isinstance(t, Assign)} - set(accumulators))
    witnesses = {v: precision.witness(v, before, J.body, accumulators) for v in expanded}
    if any(w is None for w in witnesses.values()):
        return None
    return _rewritten(loop, J, bounds, before, later, expanded, accumulators, witnesses, buffers, names, strip,
                      sorted(rows))


# rows a strip interleaves: four chains hide the four cycles of an addition's latency (eight ran slower)
STRIP = 4

# Rows of this many elements (lower bound included) run faster one at a time, as written: the
# out-of-order core already overlaps the chains of consecutive rows (a row's loop is shorter than
# its reorder window), and the strips only add loads.  A row-wise hinge gradient on an AMD EPYC
# (python benchmarks/bench_strips.py), strips / rows: 0.75-0.79 for rows of 8-20 elements,
# 1.24-1.60 for 24-48, 0.91-1.17 for 64 (two runs), 0.81-0.90 for 80-250.  The strips' end is
# chosen at run time (their rows, as written, run after them).
ROWS_AS_WRITTEN = (24, 64)


def _sink_unneeded(before: list[Stmt], J: For, later: list[Stmt], accumulators: set[str],
                   after: list[list[Stmt]]) -> tuple[list[Stmt], list[Stmt]]:
    """S1's statements that neither T nor the accumulators' starts need
    (whole-array code's ``y_el = y[i]``, read only by S2) moved to the start
    of S2, where they see the same values, or dropped where nothing reads
    them.  One that T's bounds read (``n_2 = X.shape[1]``) stays in S1 too.
    Unchanged where such a statement reads what T or the needed ones
    assign."""
    need = set(accumulators) | {v for t in J.body for v in reads(t)}
    needed: list[Stmt] = []
    rest: list[Stmt] = []
    for t in reversed(before):
        if isinstance(t, Assign) and t.target not in need:
            rest.insert(0, t)
        else:
            needed.insert(0, t)
            if isinstance(t, Assign):
                need |= reads(t)
    moved = {t.target for t in rest}
    changed = {t.target for t in needed + J.body if isinstance(t, Assign)} | {J.var}
    if not rest or any(reads(t) & changed for t in rest) or moved & {t.target for t in needed
                                                                    if isinstance(t, Assign)}:
        return before, later
    rest = [t for n, t in enumerate(rest) if read_first(t.target, rest[n + 1:] + later)
            or any(read_first(t.target, b) for b in after)]
    # what T's bounds read stays in S1 as well (invariant_bounds spells it out there)
    bounds = variables(J.start) | variables(J.stop) | variables(J.step)
    needed = [t for t in before if any(t is u for u in needed) or (isinstance(t, Assign) and t.target in bounds)]
    return needed, rest + later


def _plain(s: Stmt) -> bool:
    """A scalar assignment (no store into an array) or a comment."""
    return isinstance(s, Comment) or (isinstance(s, Assign) and not is_store(s))


def _allocated_here(fn: Function) -> set[str]:
    """Arrays ``fn`` allocates itself (np.zeros, np.empty_like, ...), only
    stores into otherwise, and never hands to another name (``r_bar = ds_dr``
    would let a row read, through r_bar, an element another row keeps in a
    scalar): no other name shares their memory."""
    fresh = ARRAY_VALUES - {"store"}
    arrays = {t.target for t in walk(fn.body) if isinstance(t, Assign) and isinstance(t.value, Call)
              and t.value.prim in fresh}
    return {a for a in arrays - {p.name for p in fn.params}
            if all(is_store(t) or (isinstance(t.value, Call) and t.value.prim in fresh) for t in walk(fn.body)
                   if isinstance(t, Assign) and t.target == a)
            and not any(isinstance(t, OPAQUE) and a in mentioned(t) for t in walk(fn.body))
            and not any(isinstance(t, Assign) and _names(t.value, a) for t in walk(fn.body))}


def _names(e, a: str) -> bool:
    """``e`` is the array ``a`` itself (``r_bar = ds_dr``), not a value made
    from it (``np.zeros_like(r)``, ``r.shape[0]``, ``r[i]``)."""
    return e == Var(a) or (isinstance(e, Call) and e.prim == "copy" and e.args == (Var(a),))


def _owned(body: list[Stmt], k: str) -> set[str]:
    """Arrays ``body`` stores into and touches only at ``[k]`` (loads, stores,
    their shape) and never rebinds: each iteration of the loop over k owns
    its element."""
    stored = {t.target for t in walk(body) if isinstance(t, Assign) and is_store(t)}
    out = set()
    for a in stored:
        uses = [e for t in walk(body) for e in _calls_on(t, a)]
        if all(e.prim == "shape" or (e.prim in ("load", "store") and e.args[1:2] == (Var(k),)
                                     and len(e.args) == (3 if e.prim == "store" else 2)) for e in uses) \
                and not any(isinstance(t, OPAQUE) and a in mentioned(t) for t in walk(body)) \
                and not any(isinstance(t, Assign) and t.target == a and not is_store(t) for t in walk(body)) \
                and not any(_mentions_bare(e, a) for t in walk(body) for e in expressions_read(t)):
            out.add(a)
    return out


def _calls_on(t: Stmt, a: str) -> list[Call]:
    """The calls of ``t``'s expressions whose first argument is the array ``a``."""
    out = []
    stack = list(expressions_read(t))
    while stack:
        e = stack.pop()
        if isinstance(e, Call):
            if e.args and e.args[0] == Var(a):
                out.append(e)
            stack.extend(e.args)
    return out


def _mentions_bare(e, a: str) -> bool:
    """``a`` appears other than as the array of a load, store or shape."""
    if isinstance(e, Var):
        return e.name == a
    if not isinstance(e, Call):
        return False
    args = e.args[1:] if e.prim in ("load", "store", "shape") and e.args and e.args[0] == Var(a) else e.args
    return any(_mentions_bare(x, a) for x in args)


def _stores_into(s: Stmt, owned: set[str]) -> bool:
    return isinstance(s, Assign) and is_store(s) and s.target in owned


def _loads(e) -> list[tuple]:
    """The indices of the elements ``e`` loads."""
    return [element[1:] for element in element_loads(e)]


def _contiguous_after(body: list[Stmt], outer: str, inner: str) -> bool:
    """Some load runs along the outer variable once it is innermost
    (``W1[j, k]``), and none that runs along the inner one today
    (``A[k, j]``) would lose that."""
    indices = [index for t in body if isinstance(t, Assign) for index in _loads(t.value)]
    along_inner = [index for index in indices if index and index[-1] == Var(inner)
                   and any(outer in variables(i) for i in index[:-1])]
    return not along_inner and any(contiguous_in(index, outer, inner) for index in indices)


def _along_rows(body: list[Stmt], outer: str, inner: str) -> bool:
    """Some load runs along the inner variable, the outer one picking the
    row (``X[i, j]``): a row-wise dot product, to strip-mine."""
    return any(contiguous_in(index, inner, outer) for t in body if isinstance(t, Assign) for index in _loads(t.value))


def _rewritten(loop: For, J: For, bounds, before, later, expanded, accumulators, witnesses, buffers,
               names, strip: int | None, rows: list[str]) -> list[Stmt]:
    k = loop.var
    kept = {v: names.fresh(f"{v}_of_{k}") for v in expanded}
    buffers.extend(Raw(f"{kept[v]} = np.full({strip or 0}, {witnesses[v]})", allocates=kept[v]) for v in expanded)
    if strip is not None:
        start, end = Var(names.fresh(f"{k}_strip")), names.fresh(f"{k}_strips_end")
        over = (start, add(start, Const(strip)), Const(1))
    else:
        start, over = loop.start, (loop.start, loop.stop, loop.step)
    slot = sub(Var(k), start)
    kept_loads = {v: Call("load", (Var(b), slot)) for v, b in kept.items()}

    # S1 per k, its values kept: `z = b1[k]` reads best as `z_of_k[k] = b1[k]`
    first = list(before)
    for v in expanded:
        store = [n for n, t in enumerate(first) if isinstance(t, Assign) and t.target == v]
        last = first[store[-1]]
        if len(store) == 1 and not any(v in reads(t) for t in first[store[-1] + 1:]):
            first[store[-1]] = Assign(kept[v], Call("store", (Var(kept[v]), slot, last.value)), last.loc, last.site)
        else:
            first.append(Assign(kept[v], Call("store", (Var(kept[v]), slot, Var(v)))))

    # what only T's bounds read (n_5 = X.shape[1], now substituted there) is not needed per k
    first = [t for n, t in enumerate(first) if not (isinstance(t, Assign) and not is_store(t) and
                                                     not any(t.target in reads(u) for u in first[n + 1:]))]

    # T with k innermost; what does not depend on k runs once per j
    hoisted, inner = split_invariant(J.body, {k} | set(expanded))

    restore = [Assign(v, kept_loads[v]) for v in accumulators]
    loops = [For(k, *over, first, loop.loc)] if any(not isinstance(t, Comment) for t in first) else []
    if strip is None:
        body = [t if isinstance(t, Comment) else _over_buffers(t, kept, kept_loads) for t in inner]
        loops.append(For(J.var, *bounds, hoisted + [For(k, *over, body, loop.loc)], J.loc))
    else:
        loops += _unrolled(J, bounds, hoisted, inner, k, start, strip, kept, accumulators, rows, names)
    if restore or any(not isinstance(t, Comment) for t in later):
        loops.append(For(k, *over, restore + later, loop.loc))
    if strip is None:
        return buffers_grown(kept, loop, J) + loops
    # whole strips, then the rows that do not fill one, as written
    lo, hi = loop.start, loop.stop
    strips_end = call("max", lo, sub(hi, call("mod", sub(hi, lo), Const(strip))))
    if bounds[2] == Const(1):  # rows of a middling length run as written (ROWS_AS_WRITTEN)
        row = sub(bounds[1], bounds[0])
        middling = call("and", call("le", Const(ROWS_AS_WRITTEN[0]), row), call("lt", row, Const(ROWS_AS_WRITTEN[1])))
        strips_end = select(middling, lo, strips_end)
    return [Comment(f"{strip} rows at a time: their sums over {J.var} interleaved, each in its own order"),
            Assign(end, strips_end),
            For(start.name, lo, Var(end), Const(strip), loops, loop.loc),
            For(k, Var(end), hi, loop.step, copy.deepcopy(loop.body), loop.loc)]


def _unrolled(J: For, bounds, hoisted, inner, k: str, start: Var, strip: int, kept: dict, accumulators,
              rows: list[str], names) -> list[Stmt]:
    """A strip's loop over j with its rows written out, one copy of T per row,
    each row's sum in a scalar of its own (``m_0 += X[i_strip, j] * w[j]``):
    LLVM keeps the scalars in registers, where a loop over the strip's
    buffer went through memory (the SVM's gradient: 7.2 ms, 6.5 ms
    written out).  A row's own array element is read into its scalar before
    the loop and stored back after it."""
    own = {(v, u): names.fresh(f"{v}_{u}") for v in list(accumulators) + rows for u in range(strip)}
    scalars = set(own.values())
    row = [add(start, Const(u)) for u in range(strip)]
    load_in = [Assign(own[v, u], Call("load", (Var(kept[v]), Const(u)))) for v in accumulators for u in range(strip)]
    load_in += [Assign(own[a, u], Call("load", (Var(a), row[u]))) for a in rows for u in range(strip)]
    store_out = [Assign(kept[v], Call("store", (Var(kept[v]), Const(u), Var(own[v, u]))))
                 for v in accumulators for u in range(strip)]
    store_out += [Assign(a, Call("store", (Var(a), row[u], Var(own[a, u])))) for a in rows for u in range(strip)]
    body: list[Stmt] = []
    for u in range(strip):
        def rename(e, u=u):
            if isinstance(e, Var):
                if e.name == k:
                    return row[u]
                if e.name in accumulators:
                    return Var(own[e.name, u])
                if e.name in kept:
                    return Call("load", (Var(kept[e.name]), Const(u)))
                return e
            if isinstance(e, Call):
                if e.prim == "load" and isinstance(e.args[0], Var) and e.args[0].name in rows:
                    return Var(own[e.args[0].name, u])
                return Call(e.prim, tuple(rename(a) for a in e.args))
            return e
        copy_u: list[Assign] = []
        for t in inner:
            if isinstance(t, Comment):
                continue
            if t.target in rows:  # r[k] = v: the row's scalar
                copy_u.append(Assign(own[t.target, u], rename(t.value.args[-1]), t.loc, t.site))
            elif t.target in accumulators:
                copy_u.append(Assign(own[t.target, u], rename(t.value), t.loc, t.site))
            else:
                copy_u.append(Assign(t.target, rename(t.value), t.loc, t.site))
        body += _merged_copies(copy_u, scalars)
    return load_in + [For(J.var, *bounds, hoisted + body, J.loc)] + store_out


def _merged_copies(block: list[Assign], scalars: set[str]) -> list[Assign]:
    """``t = e; r_0 = t`` as ``r_0 = e`` where t is a temporary of T (not a
    row's scalar) that nothing after reads (T's temporaries are private, and
    unread after the loop)."""
    out: list[Assign] = []
    for n, t in enumerate(block):
        prev = out[-1] if out else None
        if prev is not None and t.value == Var(prev.target) and prev.site is None and prev.target not in scalars \
                and not any(prev.target in reads(u) for u in block[n + 1:]):
            out[-1] = Assign(t.target, prev.value, prev.loc, t.site)
        else:
            out.append(t)
    return out


def _over_buffers(t: Stmt, kept: dict, kept_loads: dict) -> Stmt:
    """T's statement reading (and, for an accumulator, writing) the buffers."""
    value = substitute(t.value, kept_loads)
    if t.target in kept:
        b = kept[t.target]
        slot = kept_loads[t.target].args[1]
        return Assign(b, Call("store", (Var(b), slot, value)), t.loc, t.site)
    return Assign(t.target, value, t.loc, t.site)


_WITNESS_WORDS = {"np.float64", "math.nan", "math.inf", "if", "else", "and", "or", "not"}


def is_float64_witness(witness: str | None) -> bool:
    """Whether ``witness`` is a float64 whatever the arguments' precision: it
    names none of them (no ``A.dtype``, no scalar argument), only numbers,
    ``np.float64(1)`` and their arithmetic, and some float among them."""
    if witness is None:
        return False
    words = set(re.findall(r"[A-Za-z_][\w.]*", witness))
    return words <= _WITNESS_WORDS and ("np.float64" in words or re.search(r"\d\.\d", witness) is not None)


# values that are safe to evaluate at any argument: a witness of 1s cannot raise
_WITNESS_PRIMS = ("add", "sub", "mul", "neg", "abs", "max", "min", "copy", "copysign", "select",
                  "gt", "ge", "lt", "le", "eq", "ne", "not")


# steps a witness may take before it is given up (None): thousands for the
# values of the programs measured, millions for a sea-ice model's state
EXPANSION_STEPS = 20_000


class _TooManySteps(Exception):
    pass


class Precision:
    """The precision a buffer must have to keep a value exactly.

    NumPy and numba type a scalar by what it is computed from: float32
    elements multiply to a float32, a float64 operand makes a float64.  A
    float64 buffer would widen the float32 sums of a float32 network (and
    move its ReLU'(0) choices).  The buffer is made from a *witness*: the
    value's own expression, with each element of an array argument ``A``
    replaced by ``A.dtype.type(1)`` and each int by 1, evaluated once at entry
    by the same engine that runs the loop, so it has the loop's type.  An
    element of an array the function allocates stands as ``np.float64(1)``
    (``np.empty`` and the like make float64 arrays) or, made like an argument
    (``np.empty_like(A)``), as ``A.dtype.type(1)``.  An
    accumulator ``z = init; z += e`` has the type of ``init + e``.  A float
    the function computes elsewhere stands as its definitions where they
    agree.  Values that read one whose definitions disagree (or a name of no
    known type), or a primitive that could raise at 1, get no witness, and
    their loop is left as written.  A division stands as itself where its divisor's
    witness cannot be 0 (a constant other than 0, an element's ``1``): ``1.0 / n``
    has one, ``1.0 / (x - y)`` and ``1.0 / lr`` (the argument's own value) have none."""

    def __init__(self, fn: Function):
        self.params = {p.name for p in fn.params}
        # a tangent argument (X_dot) has its type on its parameter only
        self.types = {**{p.name: p.type for p in fn.params}, **fn.types}
        # arrays the function allocates, assigned once: the witness of an element
        made: dict[str, list[Expr]] = {}
        for t in walk(fn.body):
            if isinstance(t, Assign) and not (isinstance(t.value, Call) and t.value.prim == "store"):
                made.setdefault(t.target, []).append(t.value)
        # a value the function assigns elsewhere: its definitions stand for it where they agree
        self.made = {name: values for name, values in made.items() if name not in self.params}
        self.allocated: dict[str, Expr] = {}
        for name, values in made.items():
            (value, *more) = values
            if more or name in self.params or not isinstance(value, Call):
                continue
            if value.prim in ALLOCATORS or value.prim == "full":
                self.allocated[name] = Var("np.float64(1)")  # not 1.0: NumPy takes a Python float as weak
            elif value.prim in LIKE or value.prim == "array_copy":
                like = value.args[0]
                if isinstance(like, Var) and like.name in self.params:
                    self.allocated[name] = Var(f"{like.name}.dtype.type(1)")
                elif isinstance(like, Var) and like.name in self.allocated:  # an adjoint of a work array
                    self.allocated[name] = self.allocated[like.name]
        self.known: dict[str, Expr] = {}
        self._steps, self.exhausted, self._memo = 0, False, {}

    def witness(self, v: str, before: list[Stmt], body: list[Stmt], accumulators,
                known: dict[str, Expr] | None = None) -> str | None:
        """The witness of ``v`` as ``before`` and ``body`` compute it
        (``known``: names whose witness is given, a value read back from a tape)."""
        self.known = known or {}
        # a selection that keeps or replaces a value (d = d if x == x else nan) keeps its type:
        # the value's first definition stands for it
        defs: dict = {}
        for t in before + body:
            if isinstance(t, Assign) and t.target not in accumulators and not (
                    t.target in defs and t.target in variables(t.value)):
                defs[t.target] = t.value
        value = None
        for t in before + body:
            if isinstance(t, Assign) and t.target == v:
                if v in accumulators and value is not None:  # z = z + e: the type of init + e
                    value = Call(t.value.prim, (value, t.value.args[1]))
                elif value is None or v not in variables(t.value):
                    value = t.value
        if value is None:
            return None
        w = self._bounded_expand(value, defs)
        return None if w is None else expr_source(w)

    def of(self, e: Expr, before: list[Stmt], known: dict[str, Expr] | None = None) -> str | None:
        """The witness of the expression ``e``, its names as ``before`` assigns
        them (``known``: names whose witness is given)."""
        self.known = known or {}
        defs = {t.target: t.value for t in before if isinstance(t, Assign)}
        w = self._bounded_expand(e, defs)
        return None if w is None else expr_source(w)

    def _bounded_expand(self, e: Expr, defs) -> Expr | None:
        """``_expand`` to depth 8, or None (no witness: the rule that asked
        stands aside) once it has taken ``EXPANSION_STEPS`` steps: a function
        assigning many names in several places each (a model's state
        updated on every branch) multiplies the definitions to follow."""
        self._steps, self.exhausted, self._memo = 0, False, {}
        try:
            return self._expand(e, defs, 8)
        except _TooManySteps:
            self.exhausted = True
            return None

    def _made(self, v: str, defs, depth):
        """The witness of a value the function assigns outside the statements
        at hand: its definitions', where they agree; an accumulation
        (``out = out + e``) then widens it as ``init + e`` does.  Remembered
        for the names known at the time (a name read on many paths is
        followed once)."""
        key = (v, depth, frozenset(self.known.items()))
        if key not in self._memo:
            self._memo[key] = self._made_anew(v, defs, depth)
        return self._memo[key]

    def _made_anew(self, v: str, defs, depth):
        plain = {self._expand(value, defs, depth) for value in self.made[v] if v not in variables(value)}
        w = plain.pop() if len(plain) == 1 else None
        outer = self.known.get(v)
        try:
            for value in self.made[v]:
                if w is not None and v in variables(value):
                    self.known[v] = w
                    w = self._expand(value, defs, depth)
        finally:
            self.known.pop(v, None)
            if outer is not None:
                self.known[v] = outer
        return w

    def _expand(self, e, defs, depth):
        self._steps += 1
        if self._steps > EXPANSION_STEPS:
            raise _TooManySteps
        if isinstance(e, Const):
            return e
        if isinstance(e, Var):
            if e.name in self.known:
                return self.known[e.name]
            if self.types.get(e.name) == "int":  # (n = X.shape[0] included: its definition has no witness)
                return Const(1)
            if e.name in defs and depth > 0:
                return self._expand(defs[e.name], defs, depth - 1)
            if e.name in self.made and depth > 0:
                return self._made(e.name, defs, depth - 1)
            return e if e.name in self.params and self.types.get(e.name) == "float" else None
        if e.prim == "load":
            array = e.args[0]
            if array.name in self.params:
                return Var(f"{array.name}.dtype.type(1)")
            return self.allocated.get(array.name)
        if e.prim not in _WITNESS_PRIMS and e.prim != "div":
            return None
        args = [self._expand(a, defs, depth) for a in e.args]
        if any(a is None for a in args):
            return None
        if e.prim == "div" and not (isinstance(args[1], Var) and args[1].name not in self.params
                                    or isinstance(args[1], Const) and args[1].value != 0):
            return None  # a divisor that may be 0 at entry: 1 / (x - y) at 1, a float argument's own value
        return Call(e.prim, tuple(args))
