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

from dataclasses import dataclass, field

from nsadc.analyses.facts import Facts
from nsadc.ir.affine import simplified
from nsadc.ir.build import add, c, mul, sub
from nsadc.ir.nodes import (TAPE_OPS, Assign, Break, Call, Comment, Const, Continue, CounterStep, Expr, For, Function,
                            If, Param, Raw, Return, Stmt, Var, While, assigned, child_blocks, clone, reads, renamed_expr,
                            upward_exposed, variables, walk)
from nsadc.rules.arrays import ARRAY_VALUES, differentiable_type, is_array, rank
from nsadc.rules.source import expr_source
from nsadc.transforms.common import (Derivative, accumulate_element, copy_stored_params, is_differentiable,
                                     zero_of)
from nsadc.transforms.iteration_tangents import iteration_by_tangents
from nsadc.transforms.reverse_plan import (Guarded, Swept, hoisted_pushes, is_store, plan as make_plan, reads_outside,
                                          restored_array, scratch_within)
from nsadc.transforms.tapes import Tapes, loop_trips
from nsadc.transforms.while_trips import while_trips


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


def reverse(fn: Function, facts: Facts, policy, names, report: str | None = None,
            kink_tol: float = 0.0) -> Function:
    """``fn`` (after :func:`materialize_tests`) -> ``fn_vjp(*args, out_bar) ->
    (value, (adjoints in wrt order))``.  With ``report`` (an int64 array
    parameter) the forward sweep counts the kink sites met."""
    return _Reverse(fn, facts, policy, names, report, kink_tol).function()


@dataclass
class Rerun:
    """The re-run of one iteration of a reversed loop, being built: the
    reverse sweep runs the iteration forwards again before reversing it."""

    loop: Stmt
    arrays: set[str] = field(default_factory=set)  # arrays whose stores the re-run performs again
    stores: set[int] = field(default_factory=set)  # ... and single stores it performs again (plan.restored)


class _Reverse:
    """The reverse-mode function of one program, built in named parts: the
    forward sweep (plain code, loops with their checkpoints, fused loops),
    the re-run of a loop's iteration (the forward sweep again, under a
    :class:`Rerun`), the adjoint statements, and the tapes (transforms/tapes.py)."""

    def __init__(self, fn: Function, facts: Facts, policy, names, report: str | None, kink_tol: float):
        self.fn, self.facts, self.names, self.report = fn, facts, names, report
        self.deriv = Derivative(fn, facts, policy, names, "bar")
        self.deriv.kink_tol = kink_tol
        self.plan = make_plan(fn, facts, self.deriv)
        plan = self.plan
        self.tapes = Tapes(names, facts.types)
        self.counters: dict[int, str] = {}  # id(While) -> trip counter
        for s in walk(fn.body):
            if isinstance(s, While) and id(s) in plan.reversed_loops:
                self.counters[id(s)] = names.fresh("n_iter")
                facts.types[self.counters[id(s)]] = "int"
        # id(While) -> {counter the iteration steps once: its step} (see _stepped_counters)
        self.stepped = {id(s): _stepped_counters(s, plan.checkpoints.get(id(s), []), facts.types)
                        for s in walk(fn.body) if isinstance(s, While)}
        for f in plan.fused.values():
            f.derivs = {} if f.acc is None else {v: names.fresh(f"d{f.acc}_d{v}") for v in f.invariants}
            for out in f.outputs:  # an item's result along each input: d roots[i] / d x[i]
                f.outputs[out] = [names.fresh(f"d{out}_d{seed.label}") for seed in f.seeds]
        # id(inner loop) -> {value it leaves: local}: loops directly in a reversed `for` loop's
        # body whose results a re-run of the iteration needs; the forward sweep tapes those
        # few values, so the re-run need not run the loop again (a dot product per unit)
        self.results = _taped_results(fn, plan, facts, names)
        # id(loop C) -> ForwardResults: the results C's inner loops leave, pushed where the
        # iteration of the loop around C runs forwards, read back by that iteration's re-run
        self.forward_results = _forward_results(plan, facts.types, fn)
        self.results_of = {j: c for c, f in self.forward_results.items() for j in f.inner}  # id(J) -> id(C)
        self.results_context: tuple | None = None  # ("push", id(C)) or ("read", id(C), cursor) while C is built
        # id(loop nest) -> (x_bar, dacc_dx, acc_bar, type): a fused loop's array derivative added into x_bar
        self.combines: dict[int, tuple] = {}
        # id(reversed `for` loop) -> its iterations counting up (loop_order)
        self.counting_up: dict[int, For] = {}
        # partials computed beside their primal (sincos): folding must not move them
        self.kept_beside: set[str] = set()
        self.seeded: str | None = None  # the accumulator of the per-iteration fused loop being built
        self.rerun: Rerun | None = None  # the re-run being built, if any
        # id(Assign): records (and replayed stores) a re-run skipped, so their reverse restores
        # nothing; never cleared: each statement's reverse is built once, after its loop's re-run
        # (clearing it after a nested loop's reverse lost the outer loop's entries)
        self.unsaved: set[int] = set()
        self.dropped: set[int] = set()  # id(value) of assignments _drop_overwritten left out of a re-run
        self.entries: dict[int, dict[str, str]] = {}  # see kept_entries
        self.snapshotted_stores = {id(t) for loop in walk(fn.body) if id(loop) in plan.snapshots
                                   for t in walk(loop.body) if is_store(t) and t.target in plan.snapshots[id(loop)]}
        # the stores a journal keeps in the forward sweep, in place of a whole-array snapshot
        self.journaled_stores = {id(t) for loop in fn.body if id(loop) in plan.journaled
                                 for t in walk(loop.body) if is_store(t) and t.target in plan.journaled[id(loop)]}
        # x[i] = f(x[i]) under an `if`, or several times: wherever the loop runs forwards (the
        # forward sweep, the re-run of an enclosing iteration) the element is pushed once, before
        # the first such statement, for the loop's reverse to pop before each re-run; the loop's
        # own re-run pushes at each store, for the store's reverse (under the same `if`) to pop
        self.pushed_before, self.pushed_early = hoisted_pushes(fn, plan.restored)
        # (id(loop), array) -> the loops around it whose reverse restores elements of that array too
        self.restorers_around = _restorers_around(fn.body, plan.restored, plan.snapshots)
        self.within: dict[int, set[int]] = {}  # id(loop) -> ids of the statements in its body (inside)
        # (id(top), array): the pushes before that statement are for stores a snapshot keeps
        loops = {id(t): t for t in walk(fn.body) if isinstance(t, (For, While))}
        self.snapshotted_tops = {(top, restored_array(e)) for top, pushed in self.pushed_before.items()
                                 for e, loop_id in pushed for u in walk(loops[loop_id].body)
                                 if is_store(u) and u.target == restored_array(e) and id(u) in self.snapshotted_stores}
        self.outside: dict[int, set[str]] = {}  # id(loop) -> the names read outside it
        # id(loop) -> the work arrays it and the loops inside it fill before reading (scratch_within)
        self.work_within = {id(t): scratch_within(t, plan.scratch) for t in walk(fn.body)
                            if isinstance(t, (For, While))}
        self.top_counters = {self.counters[id(s)] for s in _top_level(fn.body)
                             if isinstance(s, While) and id(s) in self.counters}
        # id(While) -> {stepped counter: local holding its last value}: loops whose forward run
        # (in a re-run of the enclosing iteration) keeps its trip count and those in locals
        self.held_after: dict[int, dict[str, str]] = {}

    # ------------------------------------------------ the re-run context
    def own_rerun(self, loop_id: int) -> bool:
        return self.rerun is not None and loop_id == id(self.rerun.loop)

    def restored_around(self, loop_id: int, array: str) -> bool:
        """Whether a loop around the loop ``loop_id``, restoring elements of
        ``array`` too (a row around its elements), runs forwards here outside
        its own re-run: the inner loop's reverse then runs only after that
        loop's re-run, which pushes for it, and pushes here would sit above
        the outer loop's on the array's tape."""
        around = self.restorers_around.get((loop_id, array), ())
        if not around:
            return False
        here = None if self.rerun is None else self.rerun.loop
        return here is None or any(outer is not here and id(outer) in self.inside(here) for outer in around)

    def inside(self, loop: For | While) -> set[int]:
        """The ids of the statements in ``loop``'s body (memoized)."""
        if id(loop) not in self.within:
            self.within[id(loop)] = {id(t) for t in walk(loop.body)}
        return self.within[id(loop)]

    def in_inner_loop(self, loop: For | While, s: Stmt) -> bool:
        """Whether ``s`` sits in a loop inside ``loop``'s body."""
        return any(id(s) in self.inside(inner) for inner in walk(loop.body) if isinstance(inner, (For, While)))

    def hoisted(self, s: Stmt) -> bool:
        """Whether the push for store ``s`` was made before the statement of its
        loop's body that holds it.  Not in the re-run of that loop, nor in the
        re-run of a loop inside it that restores the store's one element
        itself (an element's loop inside a row's): that re-run's reverse pops
        at the store.  (The re-run of a loop around, restoring a whole row or
        block, leaves the pushes to the loops inside it, which re-run again.)"""
        if id(s) not in self.pushed_early or self.own_rerun(self.pushed_early[id(s)]):
            return False
        own = None if self.rerun is None else self.plan.restored.get(id(self.rerun.loop), {}).get(id(s))
        return not isinstance(own, Call)

    def replays(self, s: Assign) -> bool:
        """The re-run being built performs this store again, pushing what it overwrites."""
        return self.rerun is not None and (s.target in self.rerun.arrays or id(s) in self.rerun.stores)

    def fills_again(self, s: Assign) -> bool:
        """The re-run being built performs this store again: a replay, or a store
        into a work array the iteration fills before it reads it (which no tape
        restores: it holds what the last iteration left)."""
        return self.replays(s) or (self.rerun is not None
                                   and s.target in self.work_within.get(id(self.rerun.loop), ()))

    def read_outside(self, loop: For | While) -> set[str]:
        if id(loop) not in self.outside:
            self.outside[id(loop)] = reads_outside(self.fn.body, loop)
        return self.outside[id(loop)]

    # ------------------------------------------------ forward sweep
    def forward_block(self, stmts: list[Stmt], record: bool, top: bool, count: bool,
                      keep: set[str] | None = None, after: set[str] = frozenset(),
                      record_results: bool = False) -> list[Stmt]:
        """Forward code.  ``record``: push what the reverse pops (the main sweep's
        top level and each re-run iteration); loop bodies run plain inside, with
        only their checkpoints.  ``top``: at the function's top level.  ``count``:
        count kink sites (the main sweep of the report variant).  ``keep``: in a
        re-run, only what the iteration's reverse needs is recomputed; ``after``:
        what the re-run reads after this block.  ``record_results``: the body of
        a reversed loop, whose inner loops in ``results`` push what they leave."""
        parts: list[tuple[list, list[Stmt]]] = []  # per statement: the elements pushed before it, its code
        for k, s in enumerate(stmts):
            pushed = [element for element, loop_id in self.pushed_before.get(id(s), [])
                      if not self.own_rerun(loop_id) and not self.restored_around(loop_id, restored_array(element))
                      and (self.rerun is not None or (id(s), restored_array(element)) not in self.snapshotted_tops)]
            # (where the loop runs forwards; in the forward sweep, a snapshot of the
            # array stands for the pushes of its stores, as for the stores' own)
            if isinstance(s, Assign) and is_store(s):
                code = self.forward_store(s, stmts[k + 1:], after)
            elif isinstance(s, Assign):
                code = self.forward_assign(s, stmts[k + 1:], record, count, keep, after)
            elif isinstance(s, If):
                later = after | _read(stmts[k + 1:]) if keep is not None else after
                body = self.forward_block(s.body, record, top, count, keep, later)
                orelse = self.forward_block(s.orelse, record, top, count, keep, later)
                code = [If(s.test, body, orelse, s.loc)] if body or orelse or keep is None else []
            elif isinstance(s, (For, While)):
                code = self.forward_loop_in_block(s, stmts[k + 1:], record, top, count, keep, after,
                                                  record_results)
            else:
                code = [s]
            parts.append((pushed, code))
        out: list[Stmt] = []
        stored: set[str] = set()  # the arrays the code from here to the block's end stores into
        for pushed, code in reversed(parts):
            stored |= {t.target for t in walk(code) if isinstance(t, Assign) and is_store(t)}
            if self.rerun is not None:
                # the pushes go with the stores they keep (in this statement or a later one of the
                # block: a counter stepped first): a re-run that leaves the stores out (the array
                # already holds what they stored) pushes nothing, or the reverse would pop the
                # array's later values for the ones the stores overwrote
                pushed = [e for e in pushed if restored_array(e) in stored]
            out[:0] = [st for e in pushed for st in self.push_restored(e)] + code
        return out

    def forward_store(self, s: Assign, rest: list[Stmt], after: set[str]) -> list[Stmt]:
        """A store: a re-run never writes (the array already holds what it wrote),
        except the replay of a loop iteration whose arrays were restored whole."""
        plan, rerun = self.plan, self.rerun
        if rerun is not None and id(s) in rerun.stores and s.target not in after | _read(rest) \
                and not self.in_inner_loop(rerun.loop, s):
            self.unsaved.add(id(s))  # nothing after it reads the new element: no replay, no pop
            return []
        # (a store in a loop of the iteration's own is replayed: that loop's later iterations may
        # read the element, and its reverse pops what the store pushes)
        if rerun is not None and s.target in plan.rewritten.get(id(rerun.loop), ()) and not self.replays(s):
            return [Assign(s.target, s.value, s.loc, s.site)]  # its reads must see it again
        if rerun is None or self.replays(s):
            out: list[Stmt] = []
            if rerun is None and id(s) in self.journaled_stores:
                out += self.tapes.push_journal(Call("load", s.value.args[:-1]))
            # in the forward sweep, a whole-array snapshot stands for its stores' pushes
            if id(s) in plan.array_records and not self.hoisted(s) and (
                    rerun is not None or id(s) not in self.snapshotted_stores):
                out += self.tapes.push_element(Call("load", s.value.args[:-1]))
            return out + [Assign(s.target, s.value, s.loc, s.site)]
        return []

    def forward_assign(self, s: Assign, rest: list[Stmt], record: bool, count: bool, keep: set[str] | None,
                       after: set[str]) -> list[Stmt]:
        if keep is not None and (s.target not in keep or (
                id(s) in self.plan.records and s.target not in after | _read(rest))):
            # not needed, or needed only as it was before: not re-run, nothing to restore
            self.unsaved.add(id(s))
            return []
        out: list[Stmt] = []
        if record and id(s) in self.plan.records:
            out += self.tapes.save(s)
        out += self.deriv.counted_primal(s, self.report if count else None)
        if allocates(s) and s.target in self.facts.active:  # its adjoint, as soon as it exists
            out.append(Assign(self.deriv.d(s.target), Call("zeros_like", (Var(s.target),))))
        return out

    def forward_loop_in_block(self, s: For | While, rest: list[Stmt], record: bool, top: bool, count: bool,
                              keep: set[str] | None, after: set[str], record_results: bool) -> list[Stmt]:
        """A loop met in a block of forward code (:meth:`loop_in_block`), with
        the results its inner loops leave kept from the forward run for the
        re-run of the iteration around it (:func:`_forward_results`)."""
        inner = self.results_of.get(id(s))
        if inner is not None and self.results_context is not None and self.results_context[1] == inner:
            return self.inner_results(s, rest, record, top, count, keep, after, record_results)
        kept = self.forward_results.get(id(s))
        if kept is None:
            return self.loop_in_block(s, rest, record, top, count, keep, after, record_results)
        mode: tuple | None = None
        pre: list[Stmt] = []
        # (len(range(...)): a loop that runs no iteration keeps none, never fewer)
        many = mul(Const(kept.per_iteration), Call("trips", (s.start, s.stop, s.step)))
        if record_results:  # the iteration around runs forwards, its reverse follows: push
            mode = ("push", id(s))
            pre = self.tapes.reserve_results(many, id(s))
        elif self.own_rerun(kept.loop):  # its re-run: read back what the forward run pushed
            cursor = self.names.fresh("results_at")
            mode = ("read", id(s), cursor)
            pre = self.tapes.rewind_results(many, cursor, id(s))
        saved, self.results_context = self.results_context, mode
        try:
            code = self.loop_in_block(s, rest, record, top, count, keep, after, record_results)
        finally:
            self.results_context = saved
        if mode is not None and mode[0] == "read" and not self.tapes.reads_results(code, id(s)):
            return code  # the re-run needs nothing of the loop: no step back (its pushes go too)
        return pre + code

    def inner_results(self, s: For | While, *block_args) -> list[Stmt]:
        """An inner loop whose results the forward run keeps: there, the loop and
        then its pushes; in the re-run, its results read back (and pushed again
        where the reverse of the loop around it pops them, as its run would have)."""
        C = self.results_context[1]
        left = self.forward_results[C].inner[id(s)]
        if self.results_context[0] == "push":
            saved, self.results_context = self.results_context, None
            try:
                out = self.loop_in_block(s, *block_args)
            finally:
                self.results_context = saved
            return out + [st for v in left for st in self.tapes.push_result(v, C)]
        cursor = self.results_context[2]
        out = self.keep_entries(s) if id(s) not in self.plan.reversed_loops else []
        out += [st for v in left for st in self.tapes.read_result(v, cursor, C)]
        return out + [st for v in self.results.get(id(s), {}) for st in self.tapes.push(v)]

    def loop_in_block(self, s: For | While, rest: list[Stmt], record: bool, top: bool, count: bool,
                      keep: set[str] | None, after: set[str], record_results: bool) -> list[Stmt]:
        """A loop met in a block of forward code.  In a re-run, a loop whose
        values nothing later needs is skipped, unless its own reverse pops what
        it pushes (checkpoints, a while loop's trip count)."""
        plan, results, rerun = self.plan, self.results, self.rerun
        if keep is not None and id(s) in plan.unrun:
            # (a loop left out of re-runs sits straight in a loop's body: here, the re-run one's)
            return []  # its own reverse starts from what it left and restores its elements itself
        replays = rerun is not None and any(is_store(t) and self.fills_again(t) for t in walk(s.body))
        if keep is not None and not replays and not (assigned(s.body) & keep) and (
                id(s) not in plan.reversed_loops or _self_sufficient(s, plan, results)):
            return []
        if keep is not None and not replays and _self_sufficient(s, plan, results) and not (
                assigned(s.body) & (_mentioned(rest) | after)):
            return []  # its own reverse re-runs each iteration; nothing after it reads its values
        if keep is not None and id(s) in results and not replays:
            # what the loop left, popped at the iteration's start: no second run of it
            # (unless it writes arrays the re-run replays: the loop's reverse pops them);
            # what it overwrites for an earlier reverse is kept as it would have been
            out = self.keep_entries(s) if id(s) not in plan.reversed_loops else []
            return out + [Assign(v, Call("copy", (Var(held),))) for v, held in results[id(s)].items()]
        out = self.forward_loop(s, record, top, count)
        # what is read after it: in a re-run's own block, what the iteration's reverse needs
        later = _mentioned(rest) | after | (keep if keep is not None else self.read_outside(s))
        if not (record_results and id(s) in results) and _refills_only(out, self.work_within.get(id(s), set()),
                                                                       later):
            return []  # what it stores, a loop inside fills again before reading; what it computes, none reads
        if record_results and id(s) in results:
            out += [st for v in results[id(s)] for st in self.tapes.push(v)]
        return out

    def forward_loop(self, s: For | While, record: bool, top: bool, count: bool) -> list[Stmt]:
        fusion = self.plan.fused.get(id(s))
        if fusion is not None:
            kept = self.keep_entries(s)
            if fusion.seeds:
                return kept + self.tangent_fused_loop(s, fusion, count)
            if fusion.per_iteration:
                return kept + self.iteration_fused_loop(s, fusion, count)
            return kept + self.fused_loop(s, fusion, count)
        reversed_ = record and id(s) in self.plan.reversed_loops
        if id(s) not in self.plan.reversed_loops and self.kept_entries(s):
            # no reverse of its own, but it overwrites what an earlier reverse reads
            return self.keep_entries(s) + self.plain_loop(s, count, top, reversed_)
        return self.plain_loop(s, count, top, reversed_)

    def plain_loop(self, s: For | While, count: bool, top: bool, reversed_: bool) -> list[Stmt]:
        """A loop as it runs forwards, pushing its checkpoints where it is reversed."""
        plan, tapes = self.plan, self.tapes
        body = self.forward_block(s.body, False, False, count, record_results=reversed_)
        ck = plan.checkpoints.get(id(s), []) if reversed_ else []
        if isinstance(s, For):
            pushes = [st for v in ck for st in tapes.push(v)]
            left = [v for t in s.body if id(t) in self.results for v in self.results[id(t)]] if reversed_ else []
            journaled = sorted(plan.journaled.get(id(s), ())) if reversed_ else []
            kept = sorted(set(plan.snapshots.get(id(s), ())) - set(journaled)) if reversed_ else []
            room = tapes.reserve(ck + left, loop_trips(s)) + (tapes.reserve_arrays(kept, loop_trips(s)) if kept else [])
            if kept:
                pushes = [Comment(f"{', '.join(kept)}: read, then overwritten, in each iteration: kept whole")] + [
                    st for a in kept for st in tapes.push_array(a, self.over_elements_of(a))] + pushes
            if journaled:
                starts = {a: self.names.fresh(f"{a}_from") for a in journaled}
                pushes = [Comment(f"{', '.join(journaled)}: each store's index and old value kept")] + [
                    st for a in journaled for st in tapes.open_journal(a, starts[a])] + pushes
                body = body + [st for a in journaled for st in tapes.close_journal(a, starts[a])]
            return room + [For(s.var, s.start, s.stop, s.step, pushes + body, s.loc)]
        if not reversed_:
            return [While(s.test, body, s.loc)]
        # a counter in the test caps the trip count (a `for` loop with a `break`):
        # room for every iteration before the loop, none at each push
        bound = while_trips(s, self.facts.types)
        stepped = self.stepped.get(id(s), {})
        ck = [v for v in ck if v not in stepped]
        room = tapes.reserve(ck, bound) if bound is not None else []
        pushes = [st for v in ck for st in tapes.push(v, grow=bound is None)]
        kept = sorted(plan.snapshots.get(id(s), ()))
        if kept:  # as for a `for` loop; room at each iteration where no counter caps the trips
            room += tapes.reserve_arrays(kept, bound) if bound is not None else []
            pushes = [Comment(f"{', '.join(kept)}: read, then overwritten, in each iteration: kept whole")] + (
                tapes.reserve_arrays(kept, Const(1)) if bound is None else []) + [
                st for a in kept for st in tapes.push_array(a, self.over_elements_of(a))] + pushes
        trips = self.counters[id(s)]
        body = pushes + body + [Assign(trips, Call("add", (Var(trips), Const(1))))]
        out = room + [Assign(trips, Const(0)), While(s.test, body, s.loc)]
        if self.rerun is not None:
            # a re-run runs the loop once and its reverse follows in the same iteration:
            # the trip count and the stepped counters' last values stay in locals
            held = self.held_after.setdefault(id(s), {v: self.names.fresh(f"{v}_last") for v in stepped})
            for v, h in held.items():
                self.facts.types[h] = self.facts.types.get(v, "int")
            return out + [Assign(h, Var(v)) for v, h in held.items()]
        # a counter the iteration steps once (i += 1): its last value, not one per iteration
        out += [st for v in stepped for st in tapes.push(v, grow=True)]
        if not top:
            out += tapes.push(trips, grow=True)
        return out

    def kept_entries(self, s) -> dict[str, str]:
        """{value a loop without a reverse of its own (a fused nest, a loop with
        nothing to differentiate) overwrites and an earlier reverse reads: the
        local holding it as the loop found it}.  Wherever the loop runs (the
        forward sweep, a re-run of an iteration around it) it saves the value
        first; its place in the reverse sweep gives it back."""
        if id(s) not in self.entries:
            label = s.var if isinstance(s, For) else "loop"
            self.entries[id(s)] = {v: self.names.fresh(f"{v}_before_{label}") for v in self.plan.restore.get(id(s), [])}
            for v, held in self.entries[id(s)].items():
                self.facts.types[held] = self.facts.types.get(v, "float")
        return self.entries[id(s)]

    def keep_entries(self, s) -> list[Stmt]:
        return [Assign(held, Call("copy", (Var(v),))) for v, held in self.kept_entries(s).items()]

    def give_back_entries(self, s) -> list[Stmt]:
        return [Assign(v, Call("copy", (Var(held),))) for v, held in self.kept_entries(s).items()]

    # ------------------------------------------------ fused loops
    def fused_loop(self, s: For, fusion, count: bool) -> list[Stmt]:
        saved = dict(self.deriv.redirect)
        self.deriv.redirect.update(fusion.derivs)
        body = self.fused_body(s.body, fusion, count)
        self.deriv.redirect = saved
        inits = [Assign(d, Const(0.0)) for d in fusion.derivs.values()]
        note = Comment(f"fused: the loop only accumulates into {fusion.acc}, so its adjoint "
                       f"runs here, per iteration, into d{fusion.acc}/d(...)")
        return inits + [note, For(s.var, s.start, s.stop, s.step, body, s.loc)]

    def iteration_fused_loop(self, s: For, fusion, count: bool) -> list[Stmt]:
        facts = self.facts
        saved = dict(self.deriv.redirect)
        self.deriv.redirect.update(fusion.derivs)
        self.seeded = fusion.acc
        forward_part = self.forward_block(s.body, True, False, count)
        reverse_part = self.reverse_block(s.body)
        # the reverse part re-runs inner loops: keep what the next iteration reads
        carried = sorted(upward_exposed(s.body) & assigned(s.body)
                         - {t.var for t in walk(s.body) if isinstance(t, For)}
                         - {v for v in facts.types if is_array(facts.types[v])})
        kept = {v: self.names.fresh(f"{v}_kept") for v in carried}
        for v, k in kept.items():
            facts.types[k] = facts.types.get(v, "float")
        body = (forward_part + [Assign(k, Call("copy", (Var(v),))) for v, k in kept.items()]
                + reverse_part + [Assign(v, Call("copy", (Var(k),))) for v, k in kept.items()])
        self.seeded = None
        self.deriv.redirect = saved
        inits = [Assign(d, self.derivative_zero(v)) for v, d in fusion.derivs.items()]
        note = Comment(f"fused: iterations share only {fusion.acc}, so each one is reversed as soon as "
                       f"it has run, into d{fusion.acc}/d(...)")
        return inits + [note, For(s.var, s.start, s.stop, s.step, body, s.loc)]

    def tangent_fused_loop(self, s: For, fusion, count: bool) -> list[Stmt]:
        """A loop of independent iterations differentiated by a tangent along
        each of an iteration's few inputs (transforms/iteration_tangents.py)."""
        body = iteration_by_tangents(fusion.items[-1].body, fusion.acc, fusion.seeds, fusion.derivs, fusion.outputs,
                                     self.deriv, self.report if count else None)
        inits = [Assign(d, self.derivative_zero(v)) for v, d in fusion.derivs.items()]
        inits += [Assign(d, Call("zeros_like", (Var(out),))) for out, along in fusion.outputs.items() for d in along]
        inputs = ", ".join(seed.name if seed.index is None else expr_source(Call("load", (Var(seed.name), *seed.index)))
                           for seed in fusion.seeds)
        into = [f"d{fusion.acc}/d(...)"] if fusion.acc is not None else []
        into += [f"d{out}[{', '.join(lp.var for lp in fusion.items)}]/d(...)" for out in fusion.outputs]
        shared = f"share only {fusion.acc}" if fusion.acc is not None else "share nothing"
        note = Comment(f"fused: iterations {shared}, so each one carries a tangent along each "
                       f"of its inputs ({inputs}) into {', '.join(into)}: no tape")
        return inits + [note] + _within(fusion.items, body)

    def fused_body(self, stmts: list[Stmt], fusion, count: bool) -> list[Stmt]:
        """A fused loop's body: its primal, with the partials of each statement
        beside it, then the adjoint of the block's own statements, seeded with
        d acc = 1 (nested loops and branches carry their own)."""
        primal: list[Stmt] = []
        early: dict[int, tuple] = {}  # id(Assign) -> its partials, computed beside the primal
        for s in stmts:
            if isinstance(s, For):
                primal.append(For(s.var, s.start, s.stop, s.step, self.fused_body(s.body, fusion, count), s.loc))
            elif isinstance(s, If):
                primal.append(If(s.test, self.fused_body(s.body, fusion, count),
                                 self.fused_body(s.orelse, fusion, count), s.loc))
            elif isinstance(s, Assign):
                primal += self.deriv.counted_primal(s, self.report if count else None)
                if s.target != fusion.acc and s.target in self.facts.active and is_differentiable(s, self.facts):
                    primal += self.partials_beside(s, early)
            else:
                primal.append(s)
        adjoint: list[Stmt] = []
        for s in reversed(stmts):
            if isinstance(s, Assign):
                if s.target == fusion.acc:
                    adjoint += self.seeded_adjoint(s)
                else:
                    adjoint += self.reverse_assign(s, early.get(id(s)))
        return primal + adjoint

    def partials_beside(self, s: Assign, early: dict[int, tuple]) -> list[Stmt]:
        """The partials of ``s`` right beside its primal (recorded in ``early``
        for its adjoint): sin and cos of one argument then compile to one
        sincos call, whatever branches follow."""
        setup, grads = self.deriv.partials(s, Var(s.target))
        hoisted = []
        for k, g in enumerate(grads):
            if isinstance(g, Call) and g.prim in _HOIST:
                name = self.names.fresh(f"d{s.target}")
                hoisted.append(Assign(name, g))
                self.kept_beside.add(name)
                grads[k] = Var(name)
        out: list[Stmt] = []
        if hoisted:
            out = setup + hoisted
            setup = []
        early[id(s)] = (setup, grads)
        return out

    def seeded_adjoint(self, s: Assign) -> list[Stmt]:
        """``acc ±= term`` with d acc = 1: the term's adjoint gains ±1."""
        term = s.value.args[1]
        if isinstance(term, Var) and term.name in self.facts.active:
            sign = 1.0 if s.value.prim == "add" else -1.0
            bar = self.deriv.d(term.name)
            return [Assign(bar, add(Var(bar), c(sign)))]
        return []

    def derivative_zero(self, v: str) -> Expr:
        return Call("zeros_like", (Var(v),)) if is_array(self.facts.types.get(v)) else Const(0.0)

    # ------------------------------------------------ reverse sweep
    def reverse_block(self, stmts: list[Stmt]) -> list[Stmt]:
        out: list[Stmt] = []
        for s in reversed(stmts):
            out.extend(self.reverse_stmt(s))
        return out

    def reverse_stmt(self, s: Stmt) -> list[Stmt]:
        if isinstance(s, Assign):
            return self.reverse_assign(s)
        if isinstance(s, If):
            body, orelse = self.reverse_block(s.body), self.reverse_block(s.orelse)
            if not body and not orelse:
                return []
            if not body:
                return [If(Call("not", (s.test,)), orelse, [], s.loc)]
            return [If(s.test, body, orelse, s.loc)]
        if isinstance(s, (For, While)):
            fusion = self.plan.fused.get(id(s))
            if fusion is not None:
                return self.fused_adjoints(fusion) + self.give_back_entries(s)
            if id(s) not in self.plan.reversed_loops:
                return self.give_back_entries(s)
            return self.reverse_loop(s)
        return []

    def fused_adjoints(self, fusion) -> list[Stmt]:
        """Where a fused loop stands in the reverse sweep: its derivatives,
        scaled by the accumulator's adjoint, go into the adjoints."""
        facts, deriv = self.facts, self.deriv
        out: list[Stmt] = self.item_adjoints(fusion)
        if fusion.acc is None:
            return out
        acc_bar = Var(deriv.d(fusion.acc))
        for v, d in fusion.derivs.items():
            if is_array(facts.types.get(v)):
                out += self.elementwise(facts.types[v], Var(v), lambda index, v=v, d=d: [accumulate_element(
                    deriv.d(v), index, mul(Call("load", (Var(d), *index)), acc_bar))])
                self.combines[id(out[-1])] = (deriv.d(v), d, acc_bar, facts.types[v])
            else:
                out.append(Assign(deriv.d(v), add(Var(deriv.d(v)), mul(Var(d), acc_bar))))
        return out

    def item_adjoints(self, fusion) -> list[Stmt]:
        """Where a loop that stores each item's result (``roots[i] = t``) stands
        in the reverse sweep: each result's adjoint times its tangents goes into
        the inputs' adjoints, and the stores' reverse leaves the result's adjoint 0."""
        if not fusion.outputs:
            return []
        index = tuple(Var(lp.var) for lp in fusion.items)
        body: list[Stmt] = []
        for out, along in fusion.outputs.items():
            out_bar = self.deriv.d(out)
            w = self.names.fresh(f"{out}_bar_{'_'.join(lp.var for lp in fusion.items)}")
            body.append(Assign(w, Call("load", (Var(out_bar), *index))))
            for seed, d in zip(fusion.seeds, along):
                share = mul(Var(w), Call("load", (Var(d), *index)))
                seed_bar = self.deriv.d(seed.name)
                body.append(Assign(seed_bar, add(Var(seed_bar), share)) if seed.index is None
                            else accumulate_element(seed_bar, seed.index, share))
            body.append(Assign(out_bar, Call("store", (Var(out_bar), *index, Const(0.0)))))
        return _within(fusion.items, body)

    def reverse_loop(self, s: For | While) -> list[Stmt]:
        """A reversed loop: per iteration, last first, pop what the forward
        sweep pushed, re-run the iteration, then reverse its body."""
        plan, tapes, names = self.plan, self.tapes, self.names
        entry = {v: names.fresh(f"{v}_entry") for v in plan.restore.get(id(s), [])}
        pops, kept, restored = self.iteration_pops(s)
        keep = [Assign(e, Call("copy", (Var(v),))) for v, e in entry.items()]
        rerun = self.rerun_iteration(s, kept, restored)
        body = pops + keep + ([Comment("re-run the iteration, then reverse it")] if rerun else []) \
            + rerun + self.reverse_block(s.body)
        before = [Assign(e, Call("copy", (Var(v),))) for v, e in entry.items()]
        after = [Assign(v, Call("copy", (Var(e),))) for v, e in entry.items()]
        if isinstance(s, For):
            return before + _reversed_for(s, body, names, self.counting_up) + after
        trips = self.counters[id(s)]
        held = self.held_after.get(id(s))  # (its re-run, built before this, kept them in locals)
        pre = tapes.pop(trips) if trips not in self.top_counters and held is None else []
        stepped = self.stepped.get(id(s), {})
        if not stepped:
            return pre + before + [For("_", Const(0), Var(trips), Const(1), body, s.loc)] + after
        # each reversed iteration k (the last first) starts from last - step * (k + 1)
        k = names.fresh("k_back")
        self.facts.types[k] = "int"
        last = held if held is not None else {v: names.fresh(f"{v}_last") for v in stepped}
        for v, h in reversed(list(last.items())):  # pushed in order after the loop: the last popped first
            self.facts.types[h] = self.facts.types.get(v, "int")
            if held is None:
                pre += tapes.pop(h, pushed=v)
        start = [Assign(v, sub(Var(last[v]), mul(Const(step), add(Var(k), Const(1)))))
                 for v, step in reversed(list(stepped.items()))]
        return pre + before + [For(k, Const(0), Var(trips), Const(1), start + body, s.loc)] + after

    def iteration_pops(self, s: For | While) -> tuple[list[Stmt], list[str], dict]:
        """What a reversed loop's iteration pops before its re-run (the values
        its inner loops left, its checkpoints, the arrays and elements it
        overwrote), the arrays it restores whole, and the elements it restores."""
        plan, tapes = self.plan, self.tapes
        pops: list[Stmt] = []
        for t in reversed(s.body):  # pushed last, after the checkpoints: popped first
            for v, held in reversed(list(self.results.get(id(t), {}).items())):
                pops += tapes.pop(held, pushed=v)
        stepped = self.stepped.get(id(s), {})
        for v in reversed(plan.checkpoints.get(id(s), [])):
            if v not in stepped:  # (a stepped counter is computed from the iteration's number)
                pops += tapes.pop(v)
        kept = sorted(plan.snapshots.get(id(s), ()))
        for a in kept:  # the arrays as the iteration found them, the one pushed last popped first
            if a in plan.journaled.get(id(s), ()):  # its stores undone, the last first
                pops = tapes.pop_journal(a, rank(self.facts.types[a])) + pops
            else:
                pops = tapes.pop_array(a, self.over_elements_of(a)) + pops
        restored = plan.restored.get(id(s), {})
        for element in reversed(dict.fromkeys(restored.values())):  # x[i] = f(x[i]): x[i] as the iteration read it
            # last: its index may read a counter the checkpoints give back (a `while` loop's i);
            # an array's elements in the reverse of the order they were pushed
            pops = pops + self.pop_restored(element)
        return pops, kept, restored

    def push_restored(self, element: Call | Swept | Guarded) -> list[Stmt]:
        """Push an element a loop's reverse restores, or each of a row's."""
        return self.restored_tape(element, forwards=True)

    def pop_restored(self, element: Call | Swept | Guarded) -> list[Stmt]:
        """Pop back what :meth:`push_restored` pushed, the last first."""
        return self.restored_tape(element, forwards=False)

    def restored_tape(self, element: Call | Swept | Guarded, forwards: bool) -> list[Stmt]:
        """The push (``forwards``) or the pop of a restored element: a row's
        elements over its loops, a guarded one where it lies in its array."""
        op = self.tapes.push_element if forwards else self.tapes.pop_element
        if isinstance(element, Call):
            return op(element)
        if isinstance(element, Guarded):
            return _inside(element.element, op(element.element))
        load, loops = self.over_swept(element, forwards)
        return loops(_inside(load, op(load)) if element.guarded else op(load))

    def over_swept(self, swept: Swept, forwards: bool):
        """``swept``'s element, over fresh loop variables, and ``body -> its
        loop nest over them`` (counting the other way unless ``forwards``)."""
        fresh = {var: self.names.fresh(var) for var, *_ in swept.loops}
        for v in fresh.values():
            self.facts.types[v] = "int"

        def loops(body: list[Stmt]) -> list[Stmt]:
            for var, start, stop, step in reversed(swept.loops):
                start, stop, step = (renamed_expr(e, fresh) for e in (start, stop, step))
                if forwards:
                    body = [For(fresh[var], start, stop, step, body)]
                elif isinstance(step, Const) and step.value in (1, -1):  # the same points, the last first
                    body = [For(fresh[var], simplified(sub(stop, step)), simplified(sub(start, step)),
                                Const(-step.value), body)]
                else:  # a step known only at run time: the points by their number, the last first
                    k = self.names.fresh(f"k_{var}")
                    self.facts.types[k] = "int"
                    trips = Call("trips", (start, stop, step))
                    body = [For(k, sub(trips, Const(1)), Const(-1), Const(-1),
                                [Assign(fresh[var], add(start, mul(Var(k), step)))] + body)]
            return body

        return renamed_expr(swept.element, fresh), loops

    def rerun_iteration(self, s: For | While, arrays: list[str], stores: dict) -> list[Stmt]:
        """The forward code of one iteration again, recomputing only what its
        reverse needs, under a :class:`Rerun` context."""
        self.rerun = Rerun(s, set(arrays), set(stores))
        try:
            code = self.forward_block(s.body, True, False, False, self.plan.need.get(id(s), set()))
            return _drop_overwritten(code, self.dropped)
        finally:
            self.rerun = None

    def reverse_array(self, s: Assign) -> list[Stmt]:
        """The reverse of a load, a store or an allocation."""
        facts, deriv, plan = self.facts, self.deriv, self.plan
        v, t = s.value, s.target
        out: list[Stmt] = []
        if v.prim == "load":
            if t in facts.active and v.args[0].name in facts.active:  # not a constant array's element
                out.append(accumulate_element(deriv.d(v.args[0].name), v.args[1:], Var(deriv.d(t))))
            if t in facts.active and t in plan.overwritten:
                out.append(Assign(deriv.d(t), Const(0.0)))
            if id(s) in plan.records and id(s) not in self.unsaved:
                out += self.tapes.restore(s)  # y = a[i] overwrote a y that an earlier reverse reads
        elif v.prim == "store":
            index, value = v.args[1:-1], v.args[-1]
            if t in facts.active:
                t_bar = Var(deriv.d(t))
                if isinstance(value, Var) and value.name in facts.active:
                    out.append(Assign(deriv.d(value.name), add(Var(deriv.d(value.name)), Call("load", (t_bar, *index)))))
                # the element's old value no longer reaches the output
                out.append(Assign(t_bar.name, Call("store", (t_bar, *index, Const(0.0)))))
            if id(s) in plan.array_records and id(s) not in self.unsaved:
                out += self.tapes.pop_element(Call("load", (Var(t), *index)))
        elif v.prim == "array_copy" and t in facts.active and v.args[0].name in facts.active:
            copy_bar = Var(deriv.d(t))
            out += self.elementwise(facts.types[t], Var(t), lambda index: [accumulate_element(
                deriv.d(v.args[0].name), index, Call("load", (copy_bar, *index)))])
        return out

    def elementwise(self, type_: str, like: Var, body) -> list[Stmt]:
        """A loop nest over every element of an array of type ``type_``."""
        index = [Var(self.names.fresh(f"i{k}")) for k in range(rank(type_))]
        for v in index:
            self.facts.types[v.name] = "int"
        block = body(index)
        for k in reversed(range(len(index))):
            block = [For(index[k].name, Const(0), Call("shape", (like, Const(k))), Const(1), block)]
        return block

    def over_elements_of(self, a: str):
        """``body -> a loop nest running body over every element of array a``."""
        return lambda body: self.elementwise(self.facts.types[a], Var(a), body)

    def reverse_assign(self, s: Assign, partials=None) -> list[Stmt]:
        """The adjoint statements of one assignment (``partials``: computed
        beside its primal already, in a fused loop)."""
        facts, deriv, plan = self.facts, self.deriv, self.plan
        t = s.target
        if self.seeded is not None and t == self.seeded:  # acc ±= term, with d acc = 1
            return self.seeded_adjoint(s)
        if isinstance(s.value, Call) and s.value.prim in ("load", *ARRAY_VALUES):
            return self.reverse_array(s)
        restore = self.tapes.restore(s) if id(s) in plan.records and id(s) not in self.unsaved else []
        if t not in facts.active:
            return restore
        if not is_differentiable(s, facts):
            return [Assign(deriv.d(t), Const(0.0))] + restore
        args = s.value.args
        self_ref = any(isinstance(a, Var) and a.name == t for a in args)
        out: list[Stmt] = deriv.kink_comment(s)
        if self_ref:
            out += restore
        # a partial may use the statement's value (x / t: -(out / t)), but not where the
        # value is gone: overwritten by the statement itself, or never recomputed because
        # the re-run of its iteration skipped it (then t still holds what it held before)
        gone = self_ref or id(s) in self.unsaved or id(s.value) in self.dropped
        setup, grads = partials or deriv.partials(s, None if gone else Var(t))
        out += setup
        tbar = Var(deriv.d(t))
        self_grad: Expr = Const(0.0)
        for a, g in zip(args, grads):
            if g is None:
                continue
            if isinstance(a, Var) and a.name == t:
                self_grad = add(self_grad, g)
                continue
            abar = deriv.d(a.name)
            out.append(Assign(abar, add(Var(abar), mul(g, tbar))))
        if self_ref:
            if not (isinstance(self_grad, Const) and self_grad.value == 1.0):
                out.append(Assign(tbar.name, mul(self_grad, tbar)))
        else:
            if t in plan.overwritten:
                out.append(Assign(tbar.name, Const(0.0)))
            out += restore
        return out

    # ------------------------------------------------ the function
    def function(self) -> Function:
        """``fn_vjp``: entry (tapes, adjoints), forward sweep, reverse sweep, result."""
        fn, facts, deriv, plan, tapes = self.fn, self.facts, self.deriv, self.plan, self.tapes
        reverse_sweep = self.reverse_block(fn.body[:-1])
        forward_sweep = self.forward_block(fn.body[:-1], True, True, True)
        ret = fn.body[-1]
        value = ret.value
        pushed = set(plan.recorded) | {v for ck in plan.checkpoints.values() for v in ck}
        out_name = deriv.d(value.name) if isinstance(value, Var) else self.names.fresh("out_bar")
        captured, result_stmts = self.captured_value(value, pushed)
        adjoint_inits = self.adjoint_inits(value)
        # an inner loop's results are pushed after it, also where it never assigned them (a loop
        # that stops before the statement, or runs no iteration): they start defined
        left = {v for results in self.results.values() for v in results}
        firsts = self.first_values(pushed, left)
        tapes.drop_unread_results([forward_sweep, reverse_sweep])
        body: list[Stmt] = copy_stored_params(fn, deriv, tangents=False) + tapes.init() + firsts
        if plan.fused:  # fused loops accumulate adjoints during the forward sweep
            body += adjoint_inits
            adjoint_inits = []
        if forward_sweep:
            body += [Comment("forward sweep")] + forward_sweep + result_stmts
        if reverse_sweep or adjoint_inits:
            body += [Comment("reverse sweep")] + adjoint_inits + reverse_sweep
        wrt_float = [w for w in facts.wrt if differentiable_type(facts.types.get(w))]
        adjoints = tuple(Var(deriv.d(w)) if w in facts.active else self.derivative_zero(w) for w in wrt_float)
        body.append(Return((captured, Call("tuple", adjoints)), ret.loc))
        _adopt_fused_derivatives(body, self.combines, self.elementwise)
        needs_reserve = tapes.size_exactly(body, [p.name for p in fn.params])
        params = list(fn.params) + [Param(out_name, "float")]
        if self.report is not None:
            body = deriv.report_frame(body, self.report)
            params.append(Param(self.report, "array"))
        doc = f"{fn.name} and the adjoints ({', '.join(deriv.d(w) for w in wrt_float)}) of the cotangent {out_name}."
        out_fn = Function(f"{fn.name}_vjp", params, body, fn.loc, doc, facts.types)
        out_fn.needs_reserve = needs_reserve  # type: ignore[attr-defined]  (a tape grows: emit _reserve)
        out_fn.adjoints = deriv.scalar_adjoints()  # type: ignore[attr-defined]
        out_fn.array_adjoints = deriv.array_adjoints()  # type: ignore[attr-defined]
        out_fn.index_depth = deriv.index_depth  # type: ignore[attr-defined]  (the report's layout)
        out_fn.counting_up = self.counting_up  # type: ignore[attr-defined]  (loop_order's choices)
        out_fn.keep = self.kept_beside  # type: ignore[attr-defined]  (names fold_temporaries leaves in place)
        return out_fn

    def captured_value(self, value: Expr, pushed: set[str]) -> tuple[Expr, list[Stmt]]:
        """The returned value, copied where the reverse sweep may pop it or
        re-run the loop that sets it (an early return)."""
        fn = self.fn
        in_loops = {t.target for loop in walk(fn.body) if isinstance(loop, (For, While))
                    for t in walk(loop.body) if isinstance(t, Assign)}
        if isinstance(value, Var) and (value.name in pushed or value.name in in_loops):
            captured = Var(self.names.fresh("value"))
            return captured, [Assign(captured.name, Call("copy", (value,)))]
        return value, []

    def first_values(self, pushed: set[str], left: set[str] = frozenset()) -> list[Stmt]:
        """A first value for each value pushed before any assignment (a loop's
        first checkpoint, an inner loop's result ``left``)."""
        param_names = {p.name for p in self.fn.params}
        return [Assign(v, zero_of(self.facts.types[v])) for v in sorted(pushed | left) if v not in param_names]

    def adjoint_inits(self, value: Expr) -> list[Stmt]:
        local_arrays = {s.target for s in walk(self.fn.body) if allocates(s)}
        return [Assign(self.deriv.d(v), self.derivative_zero(v)) for v in sorted(self.facts.active - local_arrays)
                if not (isinstance(value, Var) and v == value.name)]


_HOIST = {"exp", "log", "log2", "log10", "log1p", "expm1", "sin", "cos", "tan", "sinh",
                   "cosh", "tanh", "asin", "acos", "atan", "sqrt", "pow", "erf", "neg", "div", "mul"}


def _within(loops: list[For], body: list[Stmt]) -> list[Stmt]:
    """``body`` inside copies of ``loops`` (outermost first), each ending the
    body of the one before, after the statements that come before it there."""
    for k in range(len(loops) - 1, -1, -1):
        lp = loops[k]
        ahead = clone(lp.body[:-1]) if k < len(loops) - 1 else []
        body = [For(lp.var, lp.start, lp.stop, lp.step, ahead + body, lp.loc)]
    return body


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


@dataclass
class ForwardResults:
    loop: int  # id of the reversed loop whose body holds C
    inner: dict[int, list[str]]  # id of each loop J straight in C's body -> the floats it leaves, kept

    @property
    def per_iteration(self) -> int:
        """The floats each iteration of C keeps."""
        return sum(map(len, self.inner.values()))


def _forward_results(P, types: dict[str, str], fn: Function) -> dict[int, ForwardResults]:
    """The loops ``C`` straight in the body of a reversed `for` loop ``L``
    whose inner loops' results (a dot product per row: the floats an inner
    loop ``J`` assigns that the rest of ``C``'s body reads) the forward run of
    ``L``'s iteration keeps, on a tape of ``C``'s own, so that ``L``'s re-run
    reads them back instead of running those inner loops again: the re-run
    of a time step no longer repeats its matrix-vector products, only the
    cheap work after them.  (Where ``C``'s own reverse reads such a result,
    the re-run pushes it as its run of ``C`` would have: ``results``.)

    ``L`` is at the function's top level, or keeps checkpoints (then every
    re-run around it runs it, pushing).  Taken where each such ``J`` is a
    `for` loop of many iterations
    (:func:`_long`) that stores into no array and assigns nothing else that
    ``L``'s body reads, and ``C`` is a reversed `for` loop without `break`,
    `continue` or `return`: each of its iterations keeps the same count of
    results, so the re-run, where it reaches ``C``, steps back over
    ``C``'s trip count times that.  A tape that no re-run reads (``L``'s
    re-run needs nothing ``C`` computes) is dropped with its pushes
    (``Tapes.drop_unread_results``)."""
    out: dict[int, ForwardResults] = {}
    top = {id(s) for s in fn.body}
    for L in walk(fn.body):
        if not (isinstance(L, For) and id(L) in P.reversed_loops and id(L) not in P.fused):
            continue
        if id(L) not in top and not P.checkpoints.get(id(L)):
            # a loop inside another that keeps no checkpoint may be left out of that loop's
            # re-run (its reverse re-runs each of its iterations itself): nothing would push
            continue
        for C in L.body:
            if not (isinstance(C, For) and id(C) in P.reversed_loops and id(C) not in P.fused
                    and id(C) not in P.unrun) or any(isinstance(t, (Break, Continue, Return)) for t in walk(C.body)):
                continue
            inner: dict[int, list[str]] = {}
            for k, J in enumerate(C.body):
                if isinstance(J, For) and id(J) not in P.fused and _long(J):
                    left = sorted(assigned(J.body) & upward_exposed(C.body[k + 1:]))
                    if left and _results_alone(J, left, types, L):
                        inner[id(J)] = left
            if inner:
                out[id(C)] = ForwardResults(id(L), inner)
    # a loop whose re-runs read its results back runs in none of them, so it cannot also
    # be the loop that keeps results of its own for those re-runs to push: the outer keeps
    skipped = {j for kept in out.values() for j in kept.inner}
    return {c: kept for c, kept in out.items() if c not in skipped}


# an inner loop of fewer iterations than this, each fixed, is cheaper to run again
# than its results are to keep (a 2x2 pooling window): it stays in the re-run
LONG_LOOP = 16


def _long(J: For) -> bool:
    """Whether the loop nest ``J`` runs a number of iterations the arguments
    set (a row of a matrix), or a fixed count of at least ``LONG_LOOP``."""
    work = _fixed_work(J)
    return work is None or work >= LONG_LOOP


def _fixed_work(loop: For | While) -> int | None:
    """The iterations a nest of fixed-count `for` loops runs, inner ones
    included; None where some count is not fixed."""
    bounds = (loop.start, loop.stop, loop.step) if isinstance(loop, For) else ()
    if not bounds or not all(isinstance(e, Const) and type(e.value) is int for e in bounds) \
            or loop.step.value == 0:
        return None
    inner = 0
    for t in _loops_in(loop.body):
        work = _fixed_work(t)
        if work is None:
            return None
        inner += work
    return len(range(loop.start.value, loop.stop.value, loop.step.value)) * max(inner, 1)


def _loops_in(block: list[Stmt]):
    """The loops of ``block`` that no other loop of it holds."""
    for t in block:
        if isinstance(t, (For, While)):
            yield t
        else:
            for inner in child_blocks(t):
                yield from _loops_in(inner)


def _results_alone(J, left: list[str], types: dict[str, str], L: For) -> bool:
    """Whether the loop ``J`` leaves only the floats ``left`` to the rest of
    ``L``'s body: no store, and everything else it assigns is its own (set
    before read in each iteration, read nowhere outside it), so that a
    re-run that reads ``left`` back instead of running ``J`` leaves every
    value the rest of the iteration and its reverse read as ``J`` would."""
    if any(types.get(v) != "float" for v in left) or any(is_store(t) for t in walk(J.body)):
        return False
    inside = {id(t) for t in walk(J.body)}
    other = assigned(J.body) - set(left)
    if other & upward_exposed(J.body):
        return False
    read_elsewhere: set[str] = set()
    for t in walk(L.body):
        if id(t) not in inside and t is not J:
            read_elsewhere |= reads(t)
    return not (other & read_elsewhere)


def _self_sufficient(s, P, results: dict) -> bool:
    """A reversed `for` loop that pushes nothing (no checkpoints, no taped
    results of inner loops, no arrays kept whole or journaled per
    iteration): its reverse re-runs each of its iterations itself, so a
    re-run of the enclosing iteration need not run it first."""
    return isinstance(s, For) and id(s) in P.reversed_loops and not P.checkpoints.get(id(s)) \
        and not any(id(t) in results for t in s.body) and not P.snapshots.get(id(s)) \
        and not P.journaled.get(id(s))


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


def _stepped_counters(s: While, checkpoints, types: dict[str, str]) -> dict[str, int]:
    """{checkpoint of the `while` loop ``s``: its step} for the ints the body
    steps by a constant once per iteration, unconditionally (``i += 1`` straight
    in the body, no other assignment of it, no `break` or `continue` in the
    body): at the start of iteration k such a counter holds its value after
    the loop less step * (trips - k), so the reverse computes it instead of
    popping one per iteration."""
    if any(isinstance(t, (Break, Continue, Return)) for t in walk(s.body)):
        return {}
    out: dict[str, int] = {}
    for v in checkpoints:
        if types.get(v) != "int":
            continue
        sets = [t for t in walk(s.body) if isinstance(t, Assign) and t.target == v]
        if len(sets) != 1 or not any(t is sets[0] for t in s.body):
            continue
        value = sets[0].value
        if isinstance(value, Call) and value.prim in ("add", "sub") and value.args[0] == Var(v) \
                and isinstance(value.args[1], Const) and type(value.args[1].value) is int:
            out[v] = value.args[1].value if value.prim == "add" else -value.args[1].value
    return out


def _refills_only(code: list[Stmt], work: set[str], later: set[str]) -> bool:
    """Whether ``code`` (a loop as emitted) only stores into work arrays that a
    loop inside it fills again before each read (:func:`scratch_within`) and
    assigns locals nothing ``later`` reads: a pass of it leaves nothing."""
    if not work:
        return False
    stores = False
    for t in walk(code):
        if isinstance(t, (Raw, Return, While, *TAPE_OPS)):
            return False  # (a `while` loop's reverse reads the trip count its forward run leaves)
        if isinstance(t, Assign) and is_store(t):
            if t.target not in work:
                return False
            stores = True
        elif isinstance(t, Assign) and t.target in later:
            return False
    return stores


def _top_level(block: list[Stmt]):
    """Statements outside every loop (inside top-level branches included)."""
    for s in block:
        yield s
        if isinstance(s, If):
            yield from _top_level(s.body)
            yield from _top_level(s.orelse)


def _inside(element: Call, body: list[Stmt]) -> list[Stmt]:
    """``body`` where ``element``'s index lies inside its array (Python's
    negative indices included): a store under an `if` may name an element
    only where its test holds (``if i + 1 < n: x[i + 1] = ...``)."""
    array, *index = element.args
    test: Expr | None = None
    for k, i in enumerate(index):
        size = Call("shape", (array, Const(k)))
        inside = Call("and", (Call("ge", (i, Call("neg", (size,)))), Call("lt", (i, size))))
        test = inside if test is None else Call("and", (test, inside))
    return [If(test, body, [])]


def _restorers_around(body: list[Stmt], restored: dict, snapshots: dict) -> dict[tuple[int, str], list]:
    """(id(loop), array) -> the loops around ``loop`` whose iterations restore
    elements of ``array`` (plan.restored) or keep it whole (plan.snapshots),
    for each array a loop restores."""
    out: dict[tuple[int, str], list] = {}

    def arrays(loop) -> set[str]:
        return {restored_array(e) for e in restored.get(id(loop), {}).values()}

    def visit(block: list[Stmt], around: list) -> None:
        for s in block:
            if isinstance(s, (For, While)):
                for a in arrays(s):
                    out[(id(s), a)] = [L for L in around if a in arrays(L) or a in snapshots.get(id(L), ())]
                visit(s.body, around + [s])
            else:
                for child in child_blocks(s):
                    visit(child, around)

    visit(body, [])
    return out


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
