"""A layer's reverse runs its weight adjoints along rows, its input adjoints as dot products.

The reverse sweep of a dense layer ``z[k] = sum_j a[j] * W[j, k]`` loops
over the units, and for each one over the inputs:

    for k in range(h - 1, -1, -1):
        ...
        z_bar = dmax * a2_bar[k]            # the unit's adjoint
        for j in range(d):
            W_bar[j, k] += a[j] * z_bar     # a column of W_bar: a stride of h elements
            a_bar[j] += W[j, k] * z_bar     # every a_bar[j], once per unit
        b_bar[k] += z_bar

Its inner loop walks down a column of ``W_bar`` and ``W`` and counts on the
outer loop's order, so it neither vectorizes nor reads memory in order.
Keeping each unit's adjoint in a buffer splits it into three loops:

    for k in range(h - 1, -1, -1):          # the units' own statements
        ...
        z_bar_of_k[k] = z_bar
        b_bar[k] += z_bar
    for j in range(d):                      # the weights, along rows of W_bar
        a_j = a[j]
        for k in range(h):
            W_bar[j, k] += a_j * z_bar_of_k[k]
    for j in range(d):                      # the inputs: a dot product each
        a_bar_j = a_bar[j]
        for k in range(h - 1, -1, -1):
            a_bar_j += W[j, k] * z_bar_of_k[k]
        a_bar[j] = a_bar_j

Each element of ``W_bar`` receives its one term, in any order, so the
weights' loop counts up and vectorizes; each ``a_bar[j]`` receives its
terms in the units' order, as before: every value is bit for bit the loop's
own.  A loop qualifies where

* its body is statements of its own (assignments, tape reads, comments),
  one inner ``for`` loop, and more statements of its own;
* the inner loop assigns temporaries (read nowhere else) and adds into
  arrays, each ``X[..] += e``: at ``[j, k]`` (``k`` last: the weights) or
  at ``[j]`` (the inputs), and at least one at ``[j, k]``;
* the arrays it adds into are named nowhere else in the loop, and it reads
  no array the loop stores into and no value the loop's own statements
  after it assign;
* each value it reads from the loop's statements before it (the unit's
  adjoint) has a known precision, that of its buffer (float32 data stays
  float32), and nothing after the loop reads the inner loop's temporaries.
"""

from __future__ import annotations

from nsadc.ir.affine import simplified
from nsadc.ir.build import add, sub
from nsadc.ir.names import Names
from nsadc.ir.nodes import (Assign, Call, Comment, Const, Expr, For, Function, If, Raw, Stmt, TapePop, Var, While,
                            variables, walk)
from nsadc.passes.loop_analysis import (all_names, declare_buffers, grown_to, invariant_bounds, makes_arrays, mentioned,
                                        read_first, substitute)
from nsadc.passes.reduction_interchange import Precision, is_float64_witness, strip_mined
from nsadc.passes.written_once import added_to
from nsadc.transforms.reverse_plan import is_store


def distribute_adjoint_layers(fn: Function) -> None:
    """Rewrite, in place, each qualifying loop of ``fn`` (module docstring)."""
    if not makes_arrays(fn) or not any(isinstance(s, For) and any(isinstance(t, For) for t in s.body)
                                       for s in walk(fn.body)):
        return  # no layer, or a function that may be bound for a target that cannot allocate
    buffers: list[Stmt] = []
    _Rewriter(fn, buffers).block(fn.body, [])
    declare_buffers(fn, buffers)


class _Rewriter:
    def __init__(self, fn: Function, buffers: list[Stmt]):
        self.fn, self.buffers = fn, buffers
        self.names = Names(all_names(fn))
        self.precision = Precision(fn)

    def block(self, block: list[Stmt], after: list[list[Stmt]]) -> None:
        """Rewrite the loops of ``block``; ``after``: the statements that
        follow it, innermost block first."""
        k = 0
        while k < len(block):
            s = block[k]
            rest = [block[k + 1:]] + after
            for child in ([s.body, s.orelse] if isinstance(s, If) else [] if not isinstance(s, (For, While))
                          else [s.body]):
                self.block(child, ([s.body] if isinstance(s, (For, While)) else []) + rest)
            new = self.distributed(s, rest) if isinstance(s, For) else None
            if new is not None:
                block[k:k + 1] = new
                k += len(new)
            else:
                k += 1

    def distributed(self, loop: For, rest: list[list[Stmt]]) -> list[Stmt] | None:
        if loop.step not in (Const(1), Const(-1)):
            return None
        inner = [n for n, t in enumerate(loop.body) if isinstance(t, For)]
        if len(inner) != 1:
            return None
        m = inner[0]
        J, before, after = loop.body[m], loop.body[:m], loop.body[m + 1:]
        k, j = loop.var, J.var
        if j == k or J.step not in (Const(1), Const(-1)) or any(
                not isinstance(t, (Assign, Comment, TapePop)) for t in before + after) or any(
                not isinstance(t, (Assign, Comment)) for t in J.body):
            return None
        own = set().union(*(mentioned(t) for t in before + after)) | {k}
        changing = {t.target for t in before + after if isinstance(t, Assign)} | {
            t.target.name for t in before + after if isinstance(t, TapePop) and isinstance(t.target, Var)} | {k}
        bounds = invariant_bounds(J, loop.body, before, changing)
        if bounds is None:
            return None  # the inner loop's range changes with the unit
        J = For(J.var, *bounds, J.body, J.loc)  # (n_8 = A.shape[0] in the unit's statements: its value)
        # the inner loop's temporaries, as the expressions they stand for
        temps: dict[str, Expr] = {}
        adds: list[tuple[str, tuple, Expr]] = []  # (array, index, what is added)
        for t in J.body:
            if isinstance(t, Comment):
                continue
            if is_store(t):
                array, index, total = t.target, tuple(t.value.args[1:-1]), t.value.args[-1]
                e = added_to(total, array, index) if isinstance(total, Call) and total.prim == "add" else None
                if e is None or t.value.args[0] != Var(array):
                    return None
                adds.append((array, index, substitute(e, temps)))
            elif t.target in temps or t.target in own or t.target in (j, k):
                return None
            else:
                temps[t.target] = substitute(t.value, temps)
        # the temporaries live for one iteration of the inner loop: nothing after it reads them
        if any(read_first(v, b) for v in temps for b in [after + before] + rest):
            return None
        cells = [a for a in adds if Var(j) in a[1] and a[1][-1] == Var(k) and a[1].count(Var(k)) == 1]
        rows = [a for a in adds if a not in cells and Var(j) in a[1] and Var(k) not in a[1]]
        if not cells or len(cells) + len(rows) != len(adds):
            return None
        added_into = {a[0] for a in adds}
        if len(added_into) != len(adds) or added_into & own:
            return None  # each array once, and not touched by the unit's own statements
        stored = {t.target for t in walk(loop.body) if is_store(t)}
        indexed_by = set().union(*(variables(i) for _, index, _ in adds for i in index)) - {j, k}
        if indexed_by & (own | set(temps)):
            return None  # an index the loop changes (only the values are kept per unit)
        read = set().union(*(variables(e) for _, index, e in adds)) | indexed_by
        if read & (stored - added_into) or any(array in variables(e) for array, _, e in adds):
            return None
        assigned_after = {t.target for t in after if isinstance(t, Assign)}
        assigned_before = {t.target for t in before if isinstance(t, Assign)} | {
            t.target.name for t in before if isinstance(t, TapePop) and isinstance(t.target, Var)}
        if read & assigned_after:
            return None
        kept = sorted(read & assigned_before)
        known = {t.target.name: Var("np.float64(1)") for t in before
                 if isinstance(t, TapePop) and isinstance(t.target, Var) and not (t.as_int or t.as_bool)}
        witnesses = {v: _plain(self.precision.witness(v, before, [], [], known)) for v in kept}
        if any(w is None for w in witnesses.values()):
            return None
        return self._rewritten(loop, J, before, after, kept, witnesses, cells, rows, rest)

    def _rewritten(self, loop: For, J: For, before, after, kept, witnesses, cells, rows,
                   rest: list[list[Stmt]]) -> list[Stmt]:
        k, j = loop.var, J.var
        buffer = {v: self.names.fresh(f"{v}_of_{k}") for v in kept}
        self.buffers.extend(Raw(f"{buffer[v]} = np.full(0, {witnesses[v]})", allocates=buffer[v]) for v in kept)
        for v in kept:  # an element's witness, for the passes that keep values read from these buffers
            self.precision.allocated[buffer[v]] = Var("np.float64(1)" if witnesses[v] == "0.0" else witnesses[v])
        ascending = loop.step == Const(1)
        # the units k run over [low, high), counted up or down; a unit's slot is k - low
        low, high = (loop.start, loop.stop) if ascending else (add(loop.stop, Const(1)), add(loop.start, Const(1)))
        low, high = simplified(low), simplified(high)
        slot, trips = simplified(sub(Var(k), low)), simplified(sub(high, low))
        loads = {v: Call("load", (Var(b), slot)) for v, b in buffer.items()}
        units = list(before) + [Assign(b, Call("store", (Var(b), slot, Var(v)))) for v, b in buffer.items()] \
            + list(after)
        out: list[Stmt] = [grown_to(b, trips) for b in buffer.values()]
        out += [Comment(f"{', '.join(kept) or 'nothing'} kept per {k}: the loop over {j} then runs {k} "
                        "innermost, along rows"),
                For(k, loop.start, loop.stop, loop.step, units, loop.loc)]
        # the weights: each element once, so k counts up whichever way the loop ran
        up = (low, high, Const(1))
        body = [Assign(array, Call("store", (Var(array), *index, Call("add", (Call("load", (Var(array), *index)),
                                                                              substitute(e, loads))))))
                for array, index, e in cells]
        out.append(self._nest(J, k, up, body, loop))
        # the inputs: each a sum over k, in the loop's own order, in a scalar
        for array, index, e in rows:
            total = self.names.fresh(f"{array}_{j}")
            self.fn.types[total] = "float"
            start = Assign(total, Call("load", (Var(array), *index)))
            step = Assign(total, Call("add", (Var(total), substitute(e, loads))))
            end = Assign(array, Call("store", (Var(array), *index, Var(total))))
            nest = self._nest(J, k, (loop.start, loop.stop, loop.step), [step], loop)
            nest.body = [start] + nest.body + [end]
            # a dot product per row: four rows at a time hide the additions' latency
            out += strip_mined(nest, rest, self.fn, self.buffers, self.names, self.precision) or [nest]
        return out

    def _nest(self, J: For, k: str, over, body: list[Stmt], loop: For) -> For:
        """``for j: (the loads that do not depend on k, read once) for k: body``."""
        hoisted: dict[Call, str] = {}

        def hoist(e: Expr) -> Expr:
            if not isinstance(e, Call):
                return e
            if e.prim == "load" and k not in set().union(*(variables(a) for a in e.args[1:])) \
                    and not any(is_store(t) and t.target == e.args[0].name for t in body):
                if e not in hoisted:
                    name = self.names.fresh("_".join([e.args[0].name, *(_hint(a) for a in e.args[1:])]))
                    self.fn.types[name] = "float"
                    hoisted[e] = name
                return Var(hoisted[e])
            return Call(e.prim, tuple(hoist(a) for a in e.args))

        inner = [Assign(t.target, hoist(t.value), t.loc) for t in body]
        lets = [Assign(name, load) for load, name in hoisted.items()]
        return For(J.var, J.start, J.stop, J.step, lets + [For(k, *over, inner, loop.loc)], J.loc)


def _plain(witness: str | None) -> str | None:
    """A witness that names no argument (a unit's adjoint read back from a
    tape, times Python floats) is a float64: ``0.0`` says so."""
    return "0.0" if is_float64_witness(witness) else witness


def _hint(e: Expr) -> str:
    return e.name if isinstance(e, Var) else str(e.value) if isinstance(e, Const) else "i"

