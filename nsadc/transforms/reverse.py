"""Reverse mode: a forward sweep, then a reverse sweep.

The reverse sweep walks the structured program backwards.  At the reverse of an
assignment every variable holds the value it had just after that assignment in
the forward sweep: values that are overwritten and needed later are pushed on a
tape before they are overwritten and popped back here (the to-be-recorded
analysis); branch decisions are variables like any other; `for` loops run
backwards over the same range; `while` loops replay their trip count.

Loops tape only a checkpoint per iteration and re-run each iteration before
reversing it; reduction loops are fused (see reverse_plan.py).
"""

from __future__ import annotations


from nsadc.ir.analysis import Facts
from nsadc.ir.build import add, c, mul, sub
from nsadc.ir.nodes import (Assign, Call, Comment, Const, CounterStep, Expr, For, Function, If, Param, Raw, Return, Stmt,
                            TapeAlloc, TapePop, TapePush, TapeReserve, Var, While, assigned, child_blocks, reads,
                            upward_exposed, walk)
from nsadc.rules.arrays import ARRAY_VALUES, differentiable_type, is_array, rank
from nsadc.transforms.common import (Derivative, accumulate_element, copy_stored_params, is_differentiable,
                                     zero_of)
from nsadc.transforms.reverse_plan import hoisted_pushes, is_store, plan
from nsadc.transforms.tape_size import depth_bound, entry_known, poly_expr


def materialize_tests(fn: Function, names) -> None:
    """Give every `if` a test variable of its own, computed before the `if` and
    never changed inside it, so the reverse sweep can read the same decision."""

    def block(stmts: list[Stmt]) -> list[Stmt]:
        out: list[Stmt] = []
        for s in stmts:
            if isinstance(s, If):
                s.body, s.orelse = block(s.body), block(s.orelse)
                assigned = {a.target for a in walk(s.body + s.orelse) if isinstance(a, Assign)}
                if not (isinstance(s.test, Var) and s.test.name not in assigned):
                    name = names.fresh("taken")
                    out.append(Assign(name, Call("copy", (s.test,)) if isinstance(s.test, Var) else s.test))
                    s.test = Var(name)
            elif isinstance(s, (For, While)):
                s.body = block(s.body)
                if isinstance(s, For):
                    assigned = {a.target for a in walk(s.body) if isinstance(a, Assign)}
                    bounds = []
                    for b in (s.start, s.stop, s.step):
                        if isinstance(b, Var) and b.name in assigned:
                            name = names.fresh(f"{b.name}_bound")
                            out.append(Assign(name, Call("copy", (b,))))
                            b = Var(name)
                        bounds.append(b)
                    s.start, s.stop, s.step = bounds
            out.append(s)
        return out

    fn.body = block(fn.body)


class _Tapes:
    """The float and int tapes.  Pushes are two plain statements; room is
    reserved before each loop for all the pushes it will make (a growth check
    in every push, or a helper returning the tape, costs 2-3x on a tight loop),
    except in `while` loops, whose trip count is unknown."""

    def __init__(self, names, types):
        self.types = types
        self.names = names
        self.saved: dict[int, str] = {}  # id(Assign) -> the local holding what it overwrote
        self.float_used = False
        self.int_used = False
        self.f, self.nf = names.fresh("tape"), names.fresh("n_tape")
        self.i, self.ni = names.fresh("itape"), names.fresh("n_itape")
        # array -> (tape, counter): the elements stores overwrite, one tape per array, so
        # that pushes a re-run replays for one array never sit between another's
        self.elements: dict[str, tuple[str, str]] = {}
        self.snapshots_used = False
        self.s, self.ns = names.fresh("array_tape"), names.fresh("n_array_tape")
        self.pairs: dict[tuple[str, Expr], int] = {}  # (tape, value) -> the id its push and pop share

    def _which(self, var: str) -> tuple[str, str]:
        if self.types.get(var) == "float":
            self.float_used = True
            return self.f, self.nf
        self.int_used = True
        return self.i, self.ni

    def _pair(self, tape: str, value: Expr) -> int:
        return self.pairs.setdefault((tape, value), len(self.pairs) + 1)

    def push(self, var: str, grow: bool = False) -> list[Stmt]:
        tape, n = self._which(var)
        out: list[Stmt] = [TapeReserve(tape, n, Const(1))] if grow else []
        return out + [TapePush(tape, Var(n), Var(var), self._pair(tape, Var(var))), CounterStep(n, "+=", Const(1))]

    def save(self, s: Assign) -> list[Stmt]:
        """Keep the value an assignment overwrites in a local of its own.  Records
        are pushed only where each statement runs once (the function's top level,
        or one iteration being re-run) and popped in that same run, so a local
        per statement does the tape's work, with no traffic through memory."""
        return [Assign(self._saved(s), Call("copy", (Var(s.target),)))]

    def restore(self, s: Assign) -> list[Stmt]:
        return [Assign(s.target, Call("copy", (Var(self._saved(s)),)))]

    def _saved(self, s: Assign) -> str:
        if id(s) not in self.saved:
            self.saved[id(s)] = self.names.fresh(f"{s.target}_old")
            self.types[self.saved[id(s)]] = self.types.get(s.target, "float")
        return self.saved[id(s)]

    def pop(self, var: str) -> list[Stmt]:
        tape, n = self._which(var)
        return [CounterStep(n, "-=", Const(1)),
                TapePop(tape, Var(n), Var(var), self.types.get(var) == "bool", self._pair(tape, Var(var)))]

    def push_element(self, element: Call) -> list[Stmt]:
        """Push an array element (a ``load``) a store is about to overwrite (a
        tape of its own: the reverse sweep pops it in the order the stores ran)."""
        tape, n = self._elements_of(element)
        return [TapeReserve(tape, n, Const(1)), TapePush(tape, Var(n), element, self._pair(tape, element)),
                CounterStep(n, "+=", Const(1))]

    def pop_element(self, element: Call) -> list[Stmt]:
        tape, n = self._elements_of(element)
        return [CounterStep(n, "-=", Const(1)), TapePop(tape, Var(n), element, pair=self._pair(tape, element))]

    def _elements_of(self, element: Call) -> tuple[str, str]:
        array = element.args[0].name
        if array not in self.elements:
            self.elements[array] = (self.names.fresh(f"{array}_elements"), self.names.fresh(f"n_{array}_elements"))
        return self.elements[array]

    def push_array(self, array: str, elementwise) -> list[Stmt]:
        """Push every element of ``array`` (a tape of its own, whole arrays in
        the order the iterations ran)."""
        self.snapshots_used = True
        return elementwise(lambda index: [
            TapePush(self.s, Var(self.ns), Call("load", (Var(array), *index)), self._pair(self.s, Var(array))),
            CounterStep(self.ns, "+=", Const(1))])

    def pop_array(self, array: str, elementwise) -> list[Stmt]:
        """Restore the array pushed last (its block, read in push order)."""
        at = self.names.fresh(f"{array}_at")
        self.types[at] = "int"
        pair = self._pair(self.s, Var(array))
        return [CounterStep(self.ns, "-=", Call("size", (Var(array),))), CounterStep(at, "=", Var(self.ns))] + \
            elementwise(lambda index: [TapePop(self.s, Var(at), Call("load", (Var(array), *index)), pair=pair),
                                       CounterStep(at, "+=", Const(1))])

    def reserve_arrays(self, arrays: list[str], times: Expr) -> list[Stmt]:
        room: Expr = Call("size", (Var(arrays[0]),))
        for a in arrays[1:]:
            room = add(room, Call("size", (Var(a),)))
        return [TapeReserve(self.s, self.ns, mul(times, room))]

    def reserve(self, pushed: list[str], times: Expr | None = None) -> list[Stmt]:
        """Room for ``times`` rounds of pushing the values ``pushed``."""
        counts: dict[tuple[str, str], int] = {}
        for v in pushed:
            key = self._which(v)
            counts[key] = counts.get(key, 0) + 1
        out: list[Stmt] = []
        for (tape, n), k in counts.items():
            room = Const(k) if times is None else (times if k == 1 else mul(Const(k), times))
            out.append(TapeReserve(tape, n, room))
        return out

    def init(self) -> list[Stmt]:
        out: list[Stmt] = []
        for used, tape, n, dtype in self._all():
            if used:
                out += [TapeAlloc(tape, Const(64), dtype), CounterStep(n, "=", Const(0))]
        return out

    def _all(self):
        return [(self.float_used, self.f, self.nf, "float"), (self.int_used, self.i, self.ni, "int"),
                *((True, tape, n, "float") for tape, n in self.elements.values()),
                (self.snapshots_used, self.s, self.ns, "float")]

    def size_exactly(self, body: list[Stmt], params: list[str]) -> bool:
        """Allocate each tape at its deepest where the arguments fix that depth
        (tape_size.py), dropping its growth checks; True while some tape still
        grows (the module then needs `_reserve`)."""
        known = entry_known(params, body)
        grows = False
        sizes: dict[str, Expr] = {}
        for used, tape, n, _ in self._all():
            if not used:
                continue
            bound = depth_bound(body, n, known, _trips)
            if bound is None:
                grows = True
                continue
            sizes[tape] = poly_expr(bound)
        _sized(body, sizes)
        return grows


def _sized(block: list[Stmt], sizes: dict[str, Expr]) -> None:
    """Allocate each tape of ``sizes`` at its size; drop its reservations."""
    kept = []
    for s in block:
        if isinstance(s, TapeReserve) and s.tape in sizes:
            continue
        if isinstance(s, TapeAlloc) and s.tape in sizes:
            s = TapeAlloc(s.tape, sizes[s.tape], s.dtype)
        for child in child_blocks(s):
            _sized(child, sizes)
        kept.append(s)
    block[:] = kept


def _trips(s: For) -> Expr:
    """The trip count of a `for` loop."""
    if isinstance(s.step, Const) and s.step.value == 1:
        return sub(s.stop, s.start)
    return Call("trips", (s.start, s.stop, s.step))


def reverse(fn: Function, facts: Facts, policy, names, report: str | None = None,
            kink_tol: float = 0.0) -> Function:
    """``fn`` (after :func:`materialize_tests`) -> ``fn_vjp(*args, out_bar) ->
    (value, (adjoints in wrt order))``.  With ``report`` (an int64 array
    parameter) the forward sweep counts the kink sites met."""
    D = Derivative(fn, facts, policy, names, "bar")
    D.kink_tol = kink_tol
    P = plan(fn, facts, D)
    T = _Tapes(names, facts.types)
    counters: dict[int, str] = {}  # id(While) -> trip counter
    for s in walk(fn.body):
        if isinstance(s, While) and id(s) in P.reversed_loops:
            counters[id(s)] = names.fresh("n_iter")
            facts.types[counters[id(s)]] = "int"
    for f in P.fused.values():
        f.derivs = {v: names.fresh(f"d{f.acc}_d{v}") for v in f.invariants}

    # id(inner loop) -> {value it leaves: local}: loops directly in a reversed `for` loop's
    # body whose results a re-run of the iteration needs; the forward sweep tapes those
    # few values, so the re-run need not run the loop again (a dot product per unit)
    results = _taped_results(fn, P, facts, names)
    # id(loop nest) -> (x_bar, dacc_dx, acc_bar, type): a fused loop's array derivative added into x_bar
    combines: dict[int, tuple] = {}
    # id(reversed `for` loop) -> its iterations counting up (loop_order)
    counting_up: dict[int, For] = {}
    # partials computed beside their primal (sincos): folding must not move them
    kept_beside: set[str] = set()

    # ------------------------------------------------ forward code
    seeded = None  # the accumulator of the per-iteration fused loop being built
    rerunning = False  # building a re-run of a loop iteration (reverse sweep)
    rerun_of = None  # ... of this loop
    # id(Assign): records (and replayed stores) a re-run skipped, so their reverse restores
    # nothing; never cleared: each statement's reverse is built once, after its loop's re-run
    # (clearing it after a nested loop's reverse lost the outer loop's entries)
    unsaved: set[int] = set()
    dropped: set[int] = set()  # id(value) of assignments _drop_overwritten left out of a re-run
    replaying: set[str] = set()  # arrays whose stores the re-run being built performs again
    replaying_stores: set[int] = set()  # ... and single stores it performs again (P.restored)
    snapshotted_stores = {id(t) for loop in walk(fn.body) if id(loop) in P.snapshots
                          for t in walk(loop.body) if is_store(t) and t.target in P.snapshots[id(loop)]}
    # x[i] = f(x[i]) under an `if`, or several times: wherever the loop runs forwards (the
    # forward sweep, the re-run of an enclosing iteration) the element is pushed once, before
    # the first such statement, for the loop's reverse to pop before each re-run; the loop's
    # own re-run pushes at each store, for the store's reverse (under the same `if`) to pop
    pushed_before, pushed_early = hoisted_pushes(fn, P.restored)
    snapshotted_tops = {id(top) for top in walk(fn.body) if id(top) in pushed_before
                        and any(id(u) in snapshotted_stores for u in walk([top]))}

    def own_rerun(loop_id: int) -> bool:
        return rerun_of is not None and loop_id == id(rerun_of)

    def hoisted(s: Stmt) -> bool:
        return id(s) in pushed_early and not own_rerun(pushed_early[id(s)])

    def fblock(stmts: list[Stmt], record: bool, top: bool, count: bool,
               keep: set[str] | None = None, after: set[str] = frozenset(),
               record_results: bool = False) -> list[Stmt]:
        """Forward code.  ``record``: push what the reverse pops (the main sweep's
        top level and each re-run iteration); loop bodies run plain inside, with
        only their checkpoints.  ``top``: at the function's top level.  ``count``:
        count kink sites (the main sweep of the report variant).  ``keep``: in a
        re-run, only what the iteration's reverse needs is recomputed; ``after``:
        what the re-run reads after this block.  ``record_results``: the body of
        a reversed loop, whose inner loops in ``results`` push what they leave."""
        out: list[Stmt] = []
        for k, s in enumerate(stmts):
            if id(s) in pushed_before and not own_rerun(pushed_before[id(s)][1]) and (
                    rerunning or id(s) not in snapshotted_tops):
                # (where the loop runs forwards; in the forward sweep, a snapshot of the
                # array stands for the pushes of its stores, as for the stores' own)
                out += T.push_element(pushed_before[id(s)][0])
            if isinstance(s, Assign) and is_store(s):
                # a re-run never writes (the array already holds what it wrote), except
                # the replay of a loop iteration whose arrays were restored whole
                if id(s) in replaying_stores and s.target not in after | _read(stmts[k + 1:]):
                    unsaved.add(id(s))  # nothing after it reads the new element: no replay, no pop
                    continue
                if rerunning and s.target in P.rewritten.get(id(rerun_of), ()) and not (
                        s.target in replaying or id(s) in replaying_stores):
                    out.append(Assign(s.target, s.value, s.loc, s.site))  # its reads must see it again
                elif not rerunning or s.target in replaying or id(s) in replaying_stores:
                    # in the forward sweep, a whole-array snapshot stands for its stores' pushes
                    if id(s) in P.array_records and not hoisted(s) and (
                            rerunning or id(s) not in snapshotted_stores):
                        out += T.push_element(Call("load", s.value.args[:-1]))
                    out.append(Assign(s.target, s.value, s.loc, s.site))
            elif isinstance(s, Assign):
                if keep is not None and (s.target not in keep or (
                        id(s) in P.records and s.target not in after | _read(stmts[k + 1:]))):
                    # not needed, or needed only as it was before: not re-run, nothing to restore
                    unsaved.add(id(s))
                    continue
                if record and id(s) in P.records:
                    out += T.save(s)
                out += D.counted_primal(s, report if count else None)
                if allocates(s) and s.target in facts.active:  # its adjoint, as soon as it exists
                    out.append(Assign(D.d(s.target), Call("zeros_like", (Var(s.target),))))
            elif isinstance(s, If):
                later = after | _read(stmts[k + 1:]) if keep is not None else after
                body = fblock(s.body, record, top, count, keep, later)
                orelse = fblock(s.orelse, record, top, count, keep, later)
                if body or orelse or keep is None:
                    out.append(If(s.test, body, orelse, s.loc))
            elif isinstance(s, (For, While)):
                # in a re-run, a loop whose values nothing later needs is skipped, unless
                # its own reverse pops what it pushes (checkpoints, a while loop's trip count)
                replays = bool(replaying) and any(is_store(t) and t.target in replaying for t in walk(s.body))
                replays = replays or any(id(t) in replaying_stores for t in walk(s.body))
                if keep is not None and not replays and not (assigned(s.body) & keep) and (
                        id(s) not in P.reversed_loops or _self_sufficient(s, P, results)):
                    continue
                if keep is not None and not replays and _self_sufficient(s, P, results) and not (assigned(s.body) & (_mentioned(stmts[k + 1:]) | after)):
                    continue  # its own reverse re-runs each iteration; nothing after it reads its values
                if keep is not None and id(s) in results and not replays:
                    # what the loop left, popped at the iteration's start: no second run of it
                    # (unless it writes arrays the re-run replays: the loop's reverse pops them);
                    # what it overwrites for an earlier reverse is kept as it would have been
                    if id(s) not in P.reversed_loops:
                        out += keep_entries(s)
                    out += [Assign(v, Call("copy", (Var(held),))) for v, held in results[id(s)].items()]
                    continue
                out += floop(s, record, top, count)
                if record_results and id(s) in results:
                    out += [st for v in results[id(s)] for st in T.push(v)]
            else:
                out.append(s)
        return out

    def floop(s, record: bool, top: bool, count: bool) -> list[Stmt]:
        fusion = P.fused.get(id(s))
        if fusion is not None:
            kept = keep_entries(s)
            if fusion.per_iteration:
                return kept + iteration_fused_loop(s, fusion, count)
            return kept + fused_loop(s, fusion, count)
        reversed_ = record and id(s) in P.reversed_loops
        if id(s) not in P.reversed_loops and kept_entries(s):
            # no reverse of its own, but it overwrites what an earlier reverse reads
            return keep_entries(s) + floop_plain(s, record, top, count, reversed_)
        return floop_plain(s, record, top, count, reversed_)

    def floop_plain(s, record: bool, top: bool, count: bool, reversed_: bool) -> list[Stmt]:
        body = fblock(s.body, False, False, count, record_results=reversed_)
        ck = P.checkpoints.get(id(s), []) if reversed_ else []
        if isinstance(s, For):
            pushes = [st for v in ck for st in T.push(v)]
            left = [v for t in s.body if id(t) in results for v in results[id(t)]] if reversed_ else []
            kept = sorted(P.snapshots.get(id(s), ())) if reversed_ else []
            room = T.reserve(ck + left, _trips(s)) + (T.reserve_arrays(kept, _trips(s)) if kept else [])
            if kept:
                pushes = [Comment(f"{', '.join(kept)}: read, then overwritten, in each iteration: kept whole")] + [
                    st for a in kept for st in T.push_array(a, lambda body, a=a: elementwise(facts.types[a], Var(a), body))
                ] + pushes
            return room + [For(s.var, s.start, s.stop, s.step, pushes + body, s.loc)]
        if not reversed_:
            return [While(s.test, body, s.loc)]
        pushes = [st for v in ck for st in T.push(v, grow=True)]
        trips = counters[id(s)]
        body = pushes + body + [Assign(trips, Call("add", (Var(trips), Const(1))))]
        out = [Assign(trips, Const(0)), While(s.test, body, s.loc)]
        if not top:
            out += T.push(trips, grow=True)
        return out

    entries: dict[int, dict[str, str]] = {}

    def kept_entries(s) -> dict[str, str]:
        """{value a loop without a reverse of its own (a fused nest, a loop with
        nothing to differentiate) overwrites and an earlier reverse reads: the
        local holding it as the loop found it}.  Wherever the loop runs (the
        forward sweep, a re-run of an iteration around it) it saves the value
        first; its place in the reverse sweep gives it back."""
        if id(s) not in entries:
            label = s.var if isinstance(s, For) else "loop"
            entries[id(s)] = {v: names.fresh(f"{v}_before_{label}") for v in P.restore.get(id(s), [])}
            for v, held in entries[id(s)].items():
                facts.types[held] = facts.types.get(v, "float")
        return entries[id(s)]

    def keep_entries(s) -> list[Stmt]:
        return [Assign(held, Call("copy", (Var(v),))) for v, held in kept_entries(s).items()]

    def give_back_entries(s) -> list[Stmt]:
        return [Assign(v, Call("copy", (Var(held),))) for v, held in kept_entries(s).items()]

    def fused_loop(s: For, fusion, count: bool) -> list[Stmt]:
        saved = dict(D.redirect)
        D.redirect.update(fusion.derivs)
        body = fused_body(s.body, fusion, count)
        D.redirect = saved
        inits = [Assign(d, Const(0.0)) for d in fusion.derivs.values()]
        note = Comment(f"fused: the loop only accumulates into {fusion.acc}, so its adjoint "
                       f"runs here, per iteration, into d{fusion.acc}/d(...)")
        return inits + [note, For(s.var, s.start, s.stop, s.step, body, s.loc)]

    def iteration_fused_loop(s: For, fusion, count: bool) -> list[Stmt]:
        nonlocal seeded
        saved = dict(D.redirect)
        D.redirect.update(fusion.derivs)
        seeded = fusion.acc
        forward_part = fblock(s.body, True, False, count)
        reverse_part = rblock(s.body)
        # the reverse part re-runs inner loops: keep what the next iteration reads
        carried = sorted(upward_exposed(s.body) & assigned(s.body)
                         - {t.var for t in walk(s.body) if isinstance(t, For)}
                         - {v for v in facts.types if is_array(facts.types[v])})
        kept = {v: names.fresh(f"{v}_kept") for v in carried}
        for v, k in kept.items():
            facts.types[k] = facts.types.get(v, "float")
        body = (forward_part + [Assign(k, Call("copy", (Var(v),))) for v, k in kept.items()]
                + reverse_part + [Assign(v, Call("copy", (Var(k),))) for v, k in kept.items()])
        seeded = None
        D.redirect = saved
        inits = [Assign(d, derivative_zero(v)) for v, d in fusion.derivs.items()]
        note = Comment(f"fused: iterations share only {fusion.acc}, so each one is reversed as soon as "
                       f"it has run, into d{fusion.acc}/d(...)")
        return inits + [note, For(s.var, s.start, s.stop, s.step, body, s.loc)]

    def derivative_zero(v: str) -> Expr:
        return Call("zeros_like", (Var(v),)) if is_array(facts.types.get(v)) else Const(0.0)

    def fused_body(stmts: list[Stmt], fusion, count: bool) -> list[Stmt]:
        primal: list[Stmt] = []
        early: dict[int, tuple] = {}  # id(Assign) -> its partials, computed beside the primal
        for s in stmts:
            if isinstance(s, For):
                primal.append(For(s.var, s.start, s.stop, s.step, fused_body(s.body, fusion, count), s.loc))
            elif isinstance(s, If):
                primal.append(If(s.test, fused_body(s.body, fusion, count),
                                 fused_body(s.orelse, fusion, count), s.loc))
            elif isinstance(s, Assign):
                primal += D.counted_primal(s, report if count else None)
                if s.target != fusion.acc and s.target in facts.active and is_differentiable(s, facts):
                    # partials right beside the primal: sin and cos of one argument
                    # then compile to one sincos call, whatever branches follow
                    setup, grads = D.partials(s, Var(s.target))
                    hoisted = []
                    for k, g in enumerate(grads):
                        if isinstance(g, Call) and g.prim in _HOIST:
                            name = names.fresh(f"d{s.target}")
                            hoisted.append(Assign(name, g))
                            kept_beside.add(name)
                            grads[k] = Var(name)
                    if hoisted:
                        primal += setup + hoisted
                        setup = []
                    early[id(s)] = (setup, grads)
            else:
                primal.append(s)
        # the adjoint of this block's own statements, seeded with d acc = 1;
        # nested loops and branches carry their own
        adjoint: list[Stmt] = []
        for s in reversed(stmts):
            if isinstance(s, Assign):
                if s.target == fusion.acc:
                    term = s.value.args[1]
                    if isinstance(term, Var) and term.name in facts.active:
                        sign = 1.0 if s.value.prim == "add" else -1.0
                        bar = D.d(term.name)
                        adjoint.append(Assign(bar, add(Var(bar), c(sign))))
                else:
                    adjoint += rassign(s, early.get(id(s)))
        return primal + adjoint

    # ------------------------------------------------ reverse code
    def rblock(stmts: list[Stmt]) -> list[Stmt]:
        out: list[Stmt] = []
        for s in reversed(stmts):
            out.extend(rstmt(s))
        return out

    def rstmt(s: Stmt) -> list[Stmt]:
        if isinstance(s, Assign):
            return rassign(s)
        if isinstance(s, If):
            body, orelse = rblock(s.body), rblock(s.orelse)
            if not body and not orelse:
                return []
            if not body:
                return [If(Call("not", (s.test,)), orelse, [], s.loc)]
            return [If(s.test, body, orelse, s.loc)]
        if isinstance(s, (For, While)):
            fusion = P.fused.get(id(s))
            if fusion is not None:
                acc_bar = Var(D.d(fusion.acc))
                out = []
                for v, d in fusion.derivs.items():
                    if is_array(facts.types.get(v)):
                        out += elementwise(facts.types[v], Var(v), lambda index, v=v, d=d: [accumulate_element(
                            D.d(v), index, mul(Call("load", (Var(d), *index)), acc_bar))])
                        combines[id(out[-1])] = (D.d(v), d, acc_bar, facts.types[v])
                    else:
                        out.append(Assign(D.d(v), add(Var(D.d(v)), mul(Var(d), acc_bar))))
                return out + give_back_entries(s)
            if id(s) not in P.reversed_loops:
                return give_back_entries(s)
            ck = P.checkpoints.get(id(s), [])
            entry = {v: names.fresh(f"{v}_entry") for v in P.restore.get(id(s), [])}
            pops: list[Stmt] = []
            for t in reversed(s.body):  # pushed last, after the checkpoints: popped first
                for held in reversed(list(results.get(id(t), {}).values())):
                    pops += T.pop(held)
            for v in reversed(ck):
                pops += T.pop(v)
            keep = [Assign(e, Call("copy", (Var(v),))) for v, e in entry.items()]
            kept = sorted(P.snapshots.get(id(s), ()))
            for a in reversed(kept):  # the arrays as the iteration found them
                pops = T.pop_array(a, lambda body, a=a: elementwise(facts.types[a], Var(a), body)) + pops
            restored = P.restored.get(id(s), {})
            for element in dict.fromkeys(restored.values()):  # x[i] = f(x[i]): x[i] as the iteration read it
                pops = T.pop_element(element) + pops
            nonlocal rerunning, rerun_of
            rerunning, rerun_of = True, s
            replaying.update(kept)
            replaying_stores.update(restored)
            rerun = _drop_overwritten(fblock(s.body, True, False, False, P.need.get(id(s), set())), dropped)
            replaying.clear()
            replaying_stores.clear()
            rerunning, rerun_of = False, None
            room = T.reserve(_rerun_pushes(s.body, P, counters))
            body = pops + keep + ([Comment("re-run the iteration, then reverse it")] if rerun else []) \
                + rerun + rblock(s.body)
            before = [Assign(e, Call("copy", (Var(v),))) for v, e in entry.items()]
            after = [Assign(v, Call("copy", (Var(e),))) for v, e in entry.items()]
            if isinstance(s, For):
                return room + before + _reversed_for(s, body, names, counting_up) + after
            trips = counters[id(s)]
            pre = T.pop(trips) if trips not in top_counters else []
            return pre + room + before + [For("_", Const(0), Var(trips), Const(1), body, s.loc)] + after
        return []

    def rarray(s: Assign) -> list[Stmt]:
        """The reverse of a load, a store or an allocation."""
        v, t = s.value, s.target
        out: list[Stmt] = []
        if v.prim == "load":
            if t in facts.active and v.args[0].name in facts.active:  # not a constant array's element
                out.append(accumulate_element(D.d(v.args[0].name), v.args[1:], Var(D.d(t))))
            if t in facts.active and t in P.overwritten:
                out.append(Assign(D.d(t), Const(0.0)))
            if id(s) in P.records and id(s) not in unsaved:
                out += T.restore(s)  # y = a[i] overwrote a y that an earlier reverse reads
        elif v.prim == "store":
            index, value = v.args[1:-1], v.args[-1]
            if t in facts.active:
                t_bar = Var(D.d(t))
                if isinstance(value, Var) and value.name in facts.active:
                    out.append(Assign(D.d(value.name), add(Var(D.d(value.name)), Call("load", (t_bar, *index)))))
                # the element's old value no longer reaches the output
                out.append(Assign(t_bar.name, Call("store", (t_bar, *index, Const(0.0)))))
            if id(s) in P.array_records and id(s) not in unsaved:
                out += T.pop_element(Call("load", (Var(t), *index)))
        elif v.prim == "array_copy" and t in facts.active and v.args[0].name in facts.active:
            copy_bar = Var(D.d(t))
            out += elementwise(facts.types[t], Var(t), lambda index: [accumulate_element(
                D.d(v.args[0].name), index, Call("load", (copy_bar, *index)))])
        return out

    def elementwise(type_: str, like: Var, body) -> list[Stmt]:
        """A loop nest over every element of an array of type ``type_``."""
        index = [Var(names.fresh(f"i{k}")) for k in range(rank(type_))]
        for v in index:
            facts.types[v.name] = "int"
        block = body(index)
        for k in reversed(range(len(index))):
            block = [For(index[k].name, Const(0), Call("shape", (like, Const(k))), Const(1), block)]
        return block

    def rassign(s: Assign, partials=None) -> list[Stmt]:
        t = s.target
        if seeded is not None and t == seeded:  # acc ±= term, with d acc = 1
            term = s.value.args[1]
            if isinstance(term, Var) and term.name in facts.active:
                sign = 1.0 if s.value.prim == "add" else -1.0
                return [Assign(D.d(term.name), add(Var(D.d(term.name)), c(sign)))]
            return []
        if isinstance(s.value, Call) and s.value.prim in ("load", *ARRAY_VALUES):
            return rarray(s)
        restore = T.restore(s) if id(s) in P.records and id(s) not in unsaved else []
        if t not in facts.active:
            return restore
        if not is_differentiable(s, facts):
            return [Assign(D.d(t), Const(0.0))] + restore
        args = s.value.args
        self_ref = any(isinstance(a, Var) and a.name == t for a in args)
        out: list[Stmt] = D.kink_comment(s)
        if self_ref:
            out += restore
        # a partial may use the statement's value (x / t: -(out / t)), but not where the
        # value is gone: overwritten by the statement itself, or never recomputed because
        # the re-run of its iteration skipped it (then t still holds what it held before)
        gone = self_ref or id(s) in unsaved or id(s.value) in dropped
        setup, grads = partials or D.partials(s, None if gone else Var(t))
        out += setup
        tbar = Var(D.d(t))
        self_grad: Expr = Const(0.0)
        for a, g in zip(args, grads):
            if g is None:
                continue
            if isinstance(a, Var) and a.name == t:
                self_grad = add(self_grad, g)
                continue
            abar = D.d(a.name)
            out.append(Assign(abar, add(Var(abar), mul(g, tbar))))
        if self_ref:
            if not (isinstance(self_grad, Const) and self_grad.value == 1.0):
                out.append(Assign(tbar.name, mul(self_grad, tbar)))
        else:
            if t in P.overwritten:
                out.append(Assign(tbar.name, Const(0.0)))
            out += restore
        return out

    top_counters = {counters[id(s)] for s in _top_level(fn.body) if isinstance(s, While) and id(s) in counters}
    reverse_sweep = rblock(fn.body[:-1])
    forward_sweep = fblock(fn.body[:-1], True, True, True)

    # ------------------------------------------------ assemble
    ret = fn.body[-1]
    value = ret.value
    param_names = {p.name for p in fn.params}
    pushed = set(P.recorded) | {v for ck in P.checkpoints.values() for v in ck}
    # a value pushed before any assignment (a loop's first checkpoint) must exist
    inits = [Assign(v, zero_of(facts.types[v])) for v in sorted(pushed) if v not in param_names]
    out_name = D.d(value.name) if isinstance(value, Var) else names.fresh("out_bar")
    captured = value
    result_stmts: list[Stmt] = []
    in_loops = {t.target for loop in walk(fn.body) if isinstance(loop, (For, While))
                for t in walk(loop.body) if isinstance(t, Assign)}
    if isinstance(value, Var) and (value.name in pushed or value.name in in_loops):
        # the reverse sweep may pop it, or re-run the loop that sets it (an early return)
        captured = Var(names.fresh("value"))
        result_stmts.append(Assign(captured.name, Call("copy", (value,))))
    local_arrays = {s.target for s in walk(fn.body) if allocates(s)}
    adjoint_inits = [Assign(D.d(v), derivative_zero(v)) for v in sorted(facts.active - local_arrays)
                     if not (isinstance(value, Var) and v == value.name)]
    room = T.reserve([v for v in _rerun_pushes(fn.body, P, counters) if v not in top_counters])
    body: list[Stmt] = copy_stored_params(fn, D, tangents=False) + T.init() + room + inits
    if P.fused:  # fused loops accumulate adjoints during the forward sweep
        body += adjoint_inits
        adjoint_inits = []
    if forward_sweep:
        body += [Comment("forward sweep")] + forward_sweep + result_stmts
    if reverse_sweep or adjoint_inits:
        body += [Comment("reverse sweep")] + adjoint_inits + reverse_sweep
    wrt_float = [w for w in facts.wrt if differentiable_type(facts.types.get(w))]
    adjoints = tuple(Var(D.d(w)) if w in facts.active else derivative_zero(w) for w in wrt_float)
    body.append(Return((captured, Call("tuple", adjoints)), ret.loc))
    _adopt_fused_derivatives(body, combines, elementwise)
    needs_reserve = T.size_exactly(body, [p.name for p in fn.params])
    if report is not None:
        body = D.report_frame(body, report)
    params = list(fn.params) + [Param(out_name, "float")]
    if report is not None:
        params.append(Param(report, "array"))
    doc = f"{fn.name} and the adjoints ({', '.join(D.d(w) for w in wrt_float)}) of the cotangent {out_name}."
    out_fn = Function(f"{fn.name}_vjp", params, body, fn.loc, doc, facts.types)
    out_fn.needs_reserve = needs_reserve  # type: ignore[attr-defined]  (a tape grows: emit _reserve)
    out_fn.adjoints = D.scalar_adjoints()  # type: ignore[attr-defined]
    out_fn.array_adjoints = D.array_adjoints()  # type: ignore[attr-defined]
    out_fn.index_depth = D.index_depth  # type: ignore[attr-defined]  (the report's layout)
    out_fn.counting_up = counting_up  # type: ignore[attr-defined]  (loop_order's choices)
    out_fn.keep = kept_beside  # type: ignore[attr-defined]  (names fold_temporaries leaves in place)
    return out_fn


_HOIST = {"exp", "log", "log2", "log10", "log1p", "expm1", "sin", "cos", "tan", "sinh",
                   "cosh", "tanh", "asin", "acos", "atan", "sqrt", "pow", "erf", "neg", "div", "mul"}


def allocates(s: Stmt) -> bool:
    return isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim in ARRAY_VALUES \
        and s.value.prim != "store"


def _drop_overwritten(block: list[Stmt], dropped: set[int]) -> list[Stmt]:
    """Drop ``v = ...`` when a later statement of the block assigns v again
    before anything reads it (``z = b1[k]`` before a taped loop result).
    ``dropped`` gets the id of each dropped statement's value (the re-run's
    statements are copies sharing it): their reverse has no value of v."""
    out = []
    following: dict[int, int] = {}  # position -> the next position assigning the same target
    last: dict[str, int] = {}
    for j in range(len(block) - 1, -1, -1):
        t = block[j]
        if isinstance(t, Assign):
            if t.target in last:
                following[j] = last[t.target]
            last[t.target] = j
    for k, s in enumerate(block):
        if isinstance(s, Assign) and not is_store(s):
            at = following.get(k)
            if at is not None:
                between = block[k + 1:at]
                if s.target not in _read(between) | reads(block[at]) and not any(
                        isinstance(t, (If, For, While)) and s.target in assigned([t]) for t in between):
                    dropped.add(id(s.value))
                    continue
        out.append(s)
    return out


def _taped_results(fn: Function, P, facts: Facts, names) -> dict[int, dict[str, str]]:
    """Inner loops of reversed `for` loops whose scalar results are taped
    rather than recomputed (see the comment at the call).  Innermost first: a
    loop whose own inner loops tape results pushes, so it must run."""
    out: dict[int, dict[str, str]] = {}
    loops = [r for r in walk(fn.body) if isinstance(r, For) and id(r) in P.reversed_loops and id(r) not in P.fused]
    for r in reversed(loops):
        need = P.need.get(id(r), set())
        for k, inner in enumerate(r.body):
            if not (isinstance(inner, (For, While))
                    and (id(inner) not in P.reversed_loops or _self_sufficient(inner, P, out))):
                continue
            left = sorted(v for v in assigned(inner.body) & need & _read(r.body[k + 1:])
                          if facts.types.get(v) in ("float", "int", "bool"))
            if left:
                label = inner.var if isinstance(inner, For) else "loop"
                out[id(inner)] = {v: names.fresh(f"{v}_after_{label}") for v in left}
                for v, held in out[id(inner)].items():
                    facts.types[held] = facts.types[v]
    return out


def _self_sufficient(s, P, results: dict) -> bool:
    """A reversed `for` loop that pushes nothing (no checkpoints, no taped
    results of inner loops): its reverse re-runs each of its iterations
    itself, so a re-run of the enclosing iteration need not run it first."""
    return isinstance(s, For) and id(s) in P.reversed_loops and not P.checkpoints.get(id(s)) \
        and not any(id(t) in results for t in s.body)


def _adopt_fused_derivatives(body: list[Stmt], combines: dict, elementwise) -> None:
    """``x_bar = zeros_like(x)`` ... ``x_bar[i] += dacc_dx[i] * acc_bar`` with
    nothing touching x_bar between: x_bar is the fused loop's derivative
    scaled, so take that array over and scale it in place.  One array and two
    passes over it fewer (on a 10^6-entry max pooling, 3x faster).  ``grad``
    seeds 1.0, and then the scaling pass is skipped (x * 1.0 == x exactly):
    a pass over 8 MB is 0.8 ms of max pooling's 5.4 ms."""
    for j, s in enumerate(body):
        if id(s) not in combines:
            continue
        bar, deriv, acc_bar, type_ = combines[id(s)]
        init = next((i for i, t in enumerate(body[:j]) if isinstance(t, Assign) and t.target == bar), None)
        if init is None or not (isinstance(body[init].value, Call) and body[init].value.prim == "zeros_like") \
                or bar in _mentioned(body[init + 1:j]) or deriv in _mentioned(body[j + 1:]):
            continue
        a = Var(bar)
        scale = elementwise(type_, a, lambda index: [Assign(bar, Call("store", (
            a, *index, mul(Call("load", (a, *index)), acc_bar))))])
        body[j:j + 1] = [Comment(f"{bar} is {deriv} scaled: take the array over"), Raw(f"{bar} = {deriv}"),
                         If(Call("ne", (acc_bar, Const(1.0))), scale)]
        del body[init]
        return _adopt_fused_derivatives(body, combines, elementwise)


def _read(block: list[Stmt]) -> set[str]:
    """Every variable a block reads (nested statements included)."""
    out: set[str] = set()
    for t in walk(block):
        out |= reads(t)
    return out


def _mentioned(block: list[Stmt]) -> set[str]:
    """Every variable a block reads or assigns (nested statements included)."""
    return assigned(block) | _read(block)


def _rerun_pushes(block: list[Stmt], P, counters) -> list[str]:
    """The values one pass over ``block`` pushes outside its loops: the trip
    counters of loops inside it (records are kept in locals, see _Tapes.save)."""
    out = []
    for s in _top_level(block):
        if isinstance(s, While) and id(s) in counters:
            out.append(counters[id(s)])
    return out


def _top_level(block: list[Stmt]):
    """Statements outside every loop (inside top-level branches included)."""
    for s in block:
        yield s
        if isinstance(s, If):
            yield from _top_level(s.body)
            yield from _top_level(s.orelse)


def _reversed_for(s: For, body: list[Stmt], names, forward: dict[int, For]) -> list[Stmt]:
    """``s``'s iterations counting down; ``forward`` gets the same counting up,
    for loop_order to take where the order does not matter."""
    if isinstance(s.step, Const) and s.step.value == 1:
        down = For(s.var, sub(s.stop, Const(1)), sub(s.start, Const(1)), Const(-1), body, s.loc)
        forward[id(down)] = s
        return [down]
    if isinstance(s.step, Const) and s.step.value == -1:
        return [For(s.var, add(s.stop, Const(1)), add(s.start, Const(1)), Const(1), body, s.loc)]
    trips = names.fresh(f"n_{s.var}")
    k = names.fresh(f"k_{s.var}")
    index = [Assign(s.var, add(s.start, mul(Var(k), s.step)))]
    down = For(k, sub(Var(trips), Const(1)), Const(-1), Const(-1), index + body, s.loc)
    forward[id(down)] = For(k, Const(0), Var(trips), Const(1), [])
    return [CounterStep(trips, "=", Call("trips", (s.start, s.stop, s.step))), down]
