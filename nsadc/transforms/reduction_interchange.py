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
  inner loop contiguous, not the reverse (a row-wise dot product such as
  LASSO's ``X[i, j] * w[j]`` stays as it is).
"""

from __future__ import annotations

from nsadc.emit import expr_source
from nsadc.frontend.lower import Names
from nsadc.ir.build import sub
from nsadc.ir.nodes import (Assign, Break, Call, Comment, Const, Continue, For, Function, If, Raw, Return, Stmt,
                            Var, While, reads, variables, walk)
from nsadc.transforms.loop_analysis import (accumulates, all_names, buffers_grown, contiguous_in, invariant_bounds,
                                            mentioned, private, raw_effects, read_first, scalar_sum, split_invariant,
                                            substitute)
from nsadc.transforms.reverse_plan import is_store


def interchange_dot_products(fn: Function) -> None:
    """Rewrite, in place, every loop of ``fn`` of the shape above."""
    buffers: list[Stmt] = []  # the buffers' declarations, made at entry
    _visit(fn.body, [], buffers, Names(all_names(fn)), _Precision(fn))
    if buffers:
        fn.body[:0] = [Comment("buffers in the precision of the values they keep (float32 data stays float32)")] \
            + buffers


def _visit(block: list[Stmt], after: list[list[Stmt]], buffers: list[Stmt], names, precision) -> None:
    k = 0
    while k < len(block):
        s = block[k]
        rest = [block[k + 1:]] + after
        if isinstance(s, If):
            _visit(s.body, rest, buffers, names, precision)
            _visit(s.orelse, rest, buffers, names, precision)
        elif isinstance(s, (For, While)):
            _visit(s.body, [s.body] + rest, buffers, names, precision)
        if isinstance(s, For):
            new = _interchanged(s, rest, buffers, names, precision)
            if new is not None:
                block[k:k + 1] = new
                k += len(new) - 1
        k += 1


def _interchanged(loop: For, after: list[list[Stmt]], buffers: list[Stmt], names,
                  precision) -> list[Stmt] | None:
    if not (isinstance(loop.step, Const) and loop.step.value == 1):
        return None
    inner = [m for m, t in enumerate(loop.body) if isinstance(t, For)]
    if not inner or any(isinstance(t, (Break, Continue, Return)) for t in walk(loop.body)):
        return None
    m = inner[0]
    J, before, later = loop.body[m], loop.body[:m], loop.body[m + 1:]
    if J.var == loop.var:
        return None
    if not all(_plain(t) for t in before) or not all(_plain(t) for t in J.body):
        return None
    accumulators = sorted(v for v in {t.target for t in J.body if isinstance(t, Assign)}
                          if any(isinstance(t, Assign) and t.target == v for t in before)
                          and accumulates(J.body, v, scalar_sum))
    own = {t.target for t in before + J.body if isinstance(t, Assign)} | {J.var}
    if not accumulators or not all(private(before, v) for v in {t.target for t in before if isinstance(t, Assign)}):
        return None
    if not all(private(J.body, v) for v in own - {J.var} - set(accumulators)
               if any(isinstance(t, Assign) and t.target == v for t in J.body)):
        return None
    # nothing S1 and T read may change inside the loop, but for what they assign themselves
    changed = set()
    for t in walk(loop.body):
        if isinstance(t, Assign):
            changed.add(t.target)
        elif isinstance(t, For):
            changed.add(t.var)
        elif isinstance(t, Raw):
            changed |= raw_effects(t)[0] | raw_effects(t)[1]
    read = {v for t in walk(before + [J]) for v in reads(t)} - own - {loop.var}
    if read & changed or variables(loop.start) & changed or variables(loop.stop) & changed:
        return None
    bounds = invariant_bounds(J, loop.body, before, changed | {loop.var})
    if bounds is None:
        return None
    # S2 and what follows the loop see only the accumulators
    temporaries = own - set(accumulators)
    if any(v in mentioned(t) for t in later for v in temporaries):
        return None
    if any(read_first(v, b) for v in temporaries for b in after):
        return None
    if not _contiguous_after(J.body, loop.var, J.var):
        return None
    expanded = accumulators + sorted({v for t in J.body for v in reads(t)} & {
        t.target for t in before if isinstance(t, Assign)} - set(accumulators))
    witnesses = {v: precision.witness(v, before, J.body, accumulators) for v in expanded}
    if any(w is None for w in witnesses.values()):
        return None
    return _rewritten(loop, J, bounds, before, later, expanded, accumulators, witnesses, buffers, names)


def _plain(s: Stmt) -> bool:
    """A scalar assignment (no store into an array) or a comment."""
    return isinstance(s, Comment) or (isinstance(s, Assign) and not is_store(s))


def _loads(e) -> list[tuple]:
    if not isinstance(e, Call):
        return []
    own = [e.args[1:]] if e.prim == "load" else []
    return own + [x for a in e.args for x in _loads(a)]


def _contiguous_after(body: list[Stmt], outer: str, inner: str) -> bool:
    """Some load runs along the outer variable once it is innermost
    (``W1[j, k]``), and none that runs along the inner one today
    (``A[k, j]``) would lose that."""
    indices = [index for t in body if isinstance(t, Assign) for index in _loads(t.value)]
    along_inner = [index for index in indices if index and index[-1] == Var(inner)
                   and any(outer in variables(i) for i in index[:-1])]
    return not along_inner and any(contiguous_in(index, outer, inner) for index in indices)


def _rewritten(loop: For, J: For, bounds, before, later, expanded, accumulators, witnesses, buffers,
               names) -> list[Stmt]:
    k = loop.var
    kept = {v: names.fresh(f"{v}_of_{k}") for v in expanded}
    buffers.extend(Raw(f"{kept[v]} = np.full(0, {witnesses[v]})") for v in expanded)
    slot = sub(Var(k), loop.start)
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
    body = [t if isinstance(t, Comment) else _over_buffers(t, kept, kept_loads) for t in inner]

    restore = [Assign(v, kept_loads[v]) for v in accumulators]
    return buffers_grown(kept, loop, J) + [
        For(k, loop.start, loop.stop, loop.step, first, loop.loc),
        For(J.var, *bounds, hoisted + [For(k, loop.start, loop.stop, loop.step, body, loop.loc)], J.loc),
        For(k, loop.start, loop.stop, loop.step, restore + later, loop.loc)]


def _over_buffers(t: Stmt, kept: dict, kept_loads: dict) -> Stmt:
    """T's statement reading (and, for an accumulator, writing) the buffers."""
    value = substitute(t.value, kept_loads)
    if t.target in kept:
        b = kept[t.target]
        slot = kept_loads[t.target].args[1]
        return Assign(b, Call("store", (Var(b), slot, value)), t.loc, t.site)
    return Assign(t.target, value, t.loc, t.site)


# values that are safe to evaluate at any argument: a witness of 1s cannot raise
_WITNESS_PRIMS = ("add", "sub", "mul", "neg", "abs", "max", "min", "copy", "copysign", "select",
                  "gt", "ge", "lt", "le", "eq", "ne", "not")


class _Precision:
    """The precision a buffer must have to keep a value exactly.

    NumPy and numba type a scalar by what it is computed from: float32
    elements multiply to a float32, a float64 operand makes a float64.  A
    float64 buffer would widen the float32 sums of a float32 network (and
    move its ReLU'(0) choices).  The buffer is made from a *witness*: the
    value's own expression, with each element of an array argument ``A``
    replaced by ``A.dtype.type(1)`` and each int by 1, evaluated once at entry
    by the same engine that runs the loop, so it has the loop's type.  An
    accumulator ``z = init; z += e`` has the type of ``init + e``.  Values
    that read a float the function computes elsewhere (or a name of no known
    type), or a primitive that could raise at 1, get no witness, and their
    loop is left as written."""

    def __init__(self, fn: Function):
        self.params = {p.name for p in fn.params}
        self.types = fn.types

    def witness(self, v: str, before: list[Stmt], body: list[Stmt], accumulators) -> str | None:
        defs = {t.target: t.value for t in before + body if isinstance(t, Assign) and t.target not in accumulators}
        value = None
        for t in before + body:
            if isinstance(t, Assign) and t.target == v:
                if v in accumulators and value is not None:  # z = z + e: the type of init + e
                    value = Call(t.value.prim, (value, t.value.args[1]))
                else:
                    value = t.value
        if value is None:
            return None
        w = self._expand(value, defs, 8)
        return None if w is None else expr_source(w)

    def _expand(self, e, defs, depth):
        if isinstance(e, Const):
            return e
        if isinstance(e, Var):
            if e.name in defs and depth > 0:
                return self._expand(defs[e.name], defs, depth - 1)
            if self.types.get(e.name) == "int":
                return Const(1)
            return e if e.name in self.params and self.types.get(e.name) == "float" else None
        if e.prim == "load":
            array = e.args[0]
            return Var(f"{array.name}.dtype.type(1)") if array.name in self.params else None
        if e.prim not in _WITNESS_PRIMS:
            return None
        args = [self._expand(a, defs, depth) for a in e.args]
        return None if any(a is None for a in args) else Call(e.prim, tuple(args))
