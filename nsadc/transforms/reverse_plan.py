"""What the reverse transform tapes, recomputes and fuses.

The reverse sweep keeps one invariant: when it reaches the reverse of a
statement, every variable that the statement's adjoint reads holds the value
it had at that statement in the forward sweep.  Three mechanisms keep it:

- records: an assignment pushes the value it overwrites when an adjoint that
  runs later in the reverse sweep reads that value (flow-sensitive
  to-be-recorded analysis; inside a loop body, within one iteration);
- loop checkpoints: a loop pushes, at each iteration's entry, the few values
  the iteration needs from before it (its loop-carried state); the reverse
  sweep pops them, re-runs the iteration forward (cheap, cache-hot) and then
  reverses it.  Nothing computed from the state is taped (taping
  what can be recomputed is what makes naive gradients slow under Numba);
- fused reductions: a top-level loop nest whose only loop-carried active value
  is one accumulator ``s += term`` computes ``ds/dv`` for the values ``v`` it
  reads, in the same loop, and the reverse sweep only adds ``s_bar·ds/dv``.

Arrays are never taped whole.  A store ``A[i] = v`` pushes the element it
overwrites (on a tape of its own, popped back by the store's reverse) only
when a loop that runs earlier in the forward sweep re-reads ``A`` in the
reverse sweep (see :func:`_array_tapes`); an array allocated with ``np.empty``
and written once per element by a loop nest indexed by its loop variables
never needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nsadc.errors import UnsupportedError
from nsadc.ir.affine import affine, affine_expr, affine_sum
from nsadc.ir.build import add
from nsadc.analyses.facts import Facts, definitions
from nsadc.ir.nodes import (OPAQUE, Assign, Break, Call, Const, Continue, Expr, For, Function, If, Return, Stmt, Var,
                            While, child_blocks, raw_names, renamed_expr, variables, walk)
from nsadc.ir.nodes import assigned as assigned_in, is_store, reads as stmt_reads, upward_exposed
from nsadc.rules.arrays import is_array, is_float_array, rank
from nsadc.transforms.common import Derivative, is_differentiable
from nsadc.transforms.iteration_tangents import Seed, item_loops, item_outputs, iteration_seeds


@dataclass
class Fusion:
    """A fused reduction nest: ``acc`` accumulates terms that read ``invariants``."""

    acc: str
    invariants: list[str]  # active values read in the nest and not assigned in it
    derivs: dict[str, str] = field(default_factory=dict)  # invariant -> name of d acc / d invariant
    # True: each iteration is reversed right after it runs (seeded with d acc = 1),
    # for nests whose iterations are independent but whose inner loops carry
    # values (a dot product per sample); False: partials beside the primal
    per_iteration: bool = False
    # per iteration, by a tangent along each of these few inputs instead
    # (an inner loop: transforms/iteration_tangents.py)
    seeds: list[Seed] | None = None
    # arrays each iteration stores its result into at the loop's index (roots[i] = t),
    # with the arrays of that result's tangent along each seed (named by the reverse mode)
    outputs: dict[str, list[str]] = field(default_factory=dict)
    # with seeds: the loop and the loops each the whole body of the one before, whose
    # innermost iterations are the items (transforms/iteration_tangents.py, item_loops)
    items: list[For] = field(default_factory=list)


@dataclass(frozen=True)
class Swept:
    """The elements a store inside loops of an iteration's own may write:
    ``element`` at every point of the ranges ``loops`` (``(var, start, stop,
    step)``, outermost first), each known at the iteration's start.  Pushed
    before the iteration's first store, they are the array as the iteration
    found it, whatever its stores then write."""

    element: Call
    loops: tuple[tuple[str, Expr, Expr, Expr], ...]
    guarded: bool = False  # a store under an `if`: each point checked inside the array (Guarded)

    @property
    def array(self) -> str:
        return self.element.args[0].name


@dataclass(frozen=True)
class Guarded:
    """An element a store under an `if` overwrites, whose index the
    iteration may never use otherwise (``if i + 1 < n: x[i + 1] = ...``):
    its push before the store and its pop check the index is inside the
    array first."""

    element: Call

    @property
    def array(self) -> str:
        return self.element.args[0].name


def restored_array(element: Call | Swept | Guarded) -> str:
    """The array a restored element (:func:`_restorable`) belongs to."""
    return element.args[0].name if isinstance(element, Call) else element.array


@dataclass
class Plan:
    records: set[int]  # id(Assign): push the overwritten value
    recorded: set[str]  # variables that some record overwrites
    checkpoints: dict[int, list[str]]  # id(loop): values pushed at each iteration's entry
    restore: dict[int, list[str]]  # id(loop): checkpoint values restored after the reversed loop
    need: dict[int, set[str]]  # id(loop): the values a re-run of one iteration must recompute
    reversed_loops: set[int]  # id(loop) of the loops with reverse work
    fused: dict[int, Fusion]
    overwritten: set[str]
    array_records: set[int] = field(default_factory=set)  # id(store): push the overwritten element
    # id(top-level loop) -> arrays each iteration reads and then overwrites (x -= step(A @ x)):
    # each iteration keeps the whole array on a tape, and its reverse restores it and
    # replays the iteration's stores before reversing them
    snapshots: dict[int, set[str]] = field(default_factory=dict)
    # id(loop) -> {id(store): the element it writes, as source}: x[i] = f(x[i]) in the loop's
    # body; the reverse pops the element back before re-running the iteration.  A store in
    # loops of the iteration's own (a row of a grid updated in place) names every element
    # it may write (Swept)
    restored: dict[int, dict[int, Call | Swept | Guarded]] = field(default_factory=dict)
    # id(loop) -> arrays a re-run of one iteration writes again, untaped, so that its reads
    # see what the first run saw (rewritten_after_read)
    rewritten: dict[int, set[str]] = field(default_factory=dict)
    # id(top-level loop) -> work arrays each iteration fills before it reads them (_scratch):
    # no tape restores them, so a re-run performs every store into them, inner loops' included
    scratch: dict[int, set[str]] = field(default_factory=dict)
    # id(top-level `for` loop) -> arrays of its snapshots kept by a journal instead of whole
    # (_journaled): the forward sweep pushes each store's index and old value, the reverse
    # pops the iteration's stores back before re-running it
    journaled: dict[int, set[str]] = field(default_factory=dict)
    # id(`for` loop straight in a reversed loop's body) that the re-run of that loop's iteration
    # does not run (_unrun_in_reruns): its arrays are at their state after it when the
    # iteration's reverse starts, and its own reverse restores each element it overwrites
    unrun: set[int] = field(default_factory=set)


def header_only_vars(fn: Function) -> set[str]:
    """Variables only ever bound by `for` headers: a reversed `for` rebuilds
    them, and no read outside their loop sees them (the frontend refuses it).
    A loop that can stop early became a `while` whose counter is assigned."""
    return {s.var for s in walk(fn.body) if isinstance(s, For)} - {
        s.target for s in walk(fn.body) if isinstance(s, Assign)}


def plan(fn: Function, facts: Facts, D: Derivative) -> Plan:
    """What the reverse sweep of ``fn`` records, checkpoints, fuses and re-runs."""
    _DOMINATING.clear()
    return _Planner(fn, facts, D).plan()


class _Planner:
    """The analyses behind :func:`plan`: which values the adjoints read, and
    which of them the forward sweep must record or each loop checkpoint."""

    def __init__(self, fn: Function, facts: Facts, D: Derivative):
        self.fn, self.facts, self.D = fn, facts, D
        self.count, in_loop = definitions(fn)
        self.arrays = {v for v, t in facts.types.items() if is_array(t)}
        self.overwritten = ({v for v, n in self.count.items() if n >= 2} | in_loop) - self.arrays
        self.program_vars = set(self.count) | set(facts.types)
        self.loop_vars = header_only_vars(fn)
        self.fused = _fusable(fn, facts, self.count)
        # the arrays restored before each loop's re-run, as the last round of settle() found them
        # (snapshots, restored elements, work arrays): the re-run replays their stores
        self.replayed: tuple[dict, dict, dict] = ({}, {}, {})

    def adjoint_reads(self, s: Assign) -> tuple[set[str], bool]:
        """Variables the reverse of ``s`` reads, and whether it reads the value
        that ``s`` overwrites (``x = x * y``)."""
        facts = self.facts
        if isinstance(s.value, Call) and s.value.prim == "load" and s.target not in facts.active:
            return set(), False  # an inactive load has no reverse
        if isinstance(s.value, Call) and s.value.prim in ("load", "store"):
            # the reverse indexes the adjoint array (and a taped store restores A[i])
            index = s.value.args[1:-1] if s.value.prim == "store" else s.value.args[1:]
            return {v for i in index for v in variables(i)}, False
        if s.target in self.arrays:  # allocations and copies: their reverse reads no values
            return set(), False
        if not (s.target in facts.active and is_differentiable(s, facts)):
            return set(), False
        self_ref = any(isinstance(a, Var) and a.name == s.target for a in s.value.args)
        setup, grads = self.D.partials(s, None if self_ref else Var(s.target), tmp=lambda hint: hint)
        reads: set[str] = set()
        for a in setup:
            reads |= variables(a.value)
        for g in grads:
            if g is not None:
                reads |= variables(g)
        reads &= self.program_vars  # the rules' setup temporaries are not program values
        return reads, self_ref and s.target in reads

    def reread(self, checkpoints) -> dict[int, set[str]]:
        """For each loop, the values its reverse re-computes: a slice from what
        the adjoints inside it read and the checkpoints of the loops inside it."""
        out = {}
        for loop in walk(self.fn.body):
            if isinstance(loop, (For, While)):
                seeds = _test_reads(loop.body)
                for t in walk(loop.body):
                    if isinstance(t, Assign):
                        seeds |= self.adjoint_reads(t)[0]
                    elif isinstance(t, (For, While)):
                        seeds |= set(checkpoints.get(id(t), []))
                out[id(loop)] = _needed_in(loop.body, seeds, assigned_in(loop.body))
        return out

    def has_work(self, block: list[Stmt], records: set[int]) -> bool:
        return any(isinstance(s, Assign) and (s.target in self.facts.active or id(s) in records)
                   for s in walk(block))

    def scan(self, block, before: set[str], records: set[int], known: set[int],
             checkpoints: dict, restore: dict, needs: dict) -> set[str]:
        """Mark records in ``block`` given the values ``before`` that adjoints
        run later in the reverse sweep read; return that set after the block."""
        for s in block:
            if isinstance(s, Assign):
                reads, reads_old_self = self.adjoint_reads(s)
                if s.target in self.arrays:  # stores: see _array_tapes
                    before = before | reads
                    continue
                if (s.target in before or reads_old_self) and s.target not in self.loop_vars:
                    records.add(id(s))
                before = before | reads
            elif isinstance(s, If):
                if self.has_work(s.body + s.orelse, known):
                    before = before | variables(s.test)
                before = (self.scan(s.body, before, records, known, checkpoints, restore, needs)
                          | self.scan(s.orelse, before, records, known, checkpoints, restore, needs))
            elif isinstance(s, (For, While)):
                before = self.scan_loop(s, before, records, known, checkpoints, restore, needs)
        return before

    def scan_loop(self, s: For | While, before: set[str], records: set[int], known: set[int],
                  checkpoints: dict, restore: dict, needs: dict) -> set[str]:
        """:meth:`scan` of a loop: its checkpoints, what its reverse needs, and
        what it overwrites that an earlier statement's reverse reads."""
        fused, keep_out = self.fused, self.loop_vars | self.arrays
        if id(s) in fused and not fused[id(s)].per_iteration:
            # what the nest overwrites and an earlier statement's reverse reads
            # (x read by a loop's test, then x += ... fused): kept, restored after
            restore[id(s)] = sorted(assigned_in(s.body) & before - keep_out)
            return before | set(fused[id(s)].invariants)
        # within one iteration (each reversed iteration re-runs from its checkpoint)
        inner_before = self.scan(s.body, set(), records, known, checkpoints, restore, needs)
        assigned = assigned_in(s.body)
        need = _needed_in(s.body, inner_before | _test_reads(s.body), assigned)
        # a re-run that replays stores (its arrays restored first) recomputes what they store: a
        # value carried from the iteration before that a store reads (x[i] = z[i] + a) is a checkpoint
        need = _replayed_need(s, need, *self.replayed)
        exposed = upward_exposed(s.body)
        checkpoints[id(s)] = sorted(((exposed & need) | (assigned & before)) & assigned - keep_out)
        needs[id(s)] = need
        restore[id(s)] = sorted(assigned & before - keep_out)
        # what the loop's reverse reads from before the loop: each reversed iteration
        # re-runs from its checkpoint, so a value the body assigns before reading it
        # is its own (an earlier loop's `lx` that the next loop assigns first need not
        # be kept for it), and of the values it reads from before, only those its re-run needs (a sum
        # `z += term` reversed needs not z, only the terms' operands)
        before = before | (exposed & (need | set(checkpoints[id(s)]))) | _test_reads(s.body)
        if isinstance(s, For):
            before |= variables(s.start) | variables(s.stop) | variables(s.step)
        return before

    def settle(self, scratch: dict[int, set[str]]) -> tuple:
        """The records, tapes and needs of the plan, given the work arrays
        (``scratch``), and what each loop's own reverse re-computes (before
        the re-runs' replays: see :func:`_scratch`)."""
        fn, arrays = self.fn, self.arrays
        records: set[int] = set()
        array_records: set[int] = set()
        snapshots: dict[int, set[str]] = {}
        restored: dict[int, dict[int, Call | Swept | Guarded]] = {}
        while True:  # which decisions are needed depends on the records: iterate
            new: set[int] = set()
            checkpoints: dict[int, list[str]] = {}
            restore: dict[int, list[str]] = {}
            needs: dict[int, set[str]] = {}
            self.replayed = (snapshots, restored, scratch)
            self.scan(fn.body, set(), new, records | array_records, checkpoints, restore, needs)
            reread = self.reread(checkpoints)
            needs = _replayed_needs(fn, dict(reread), snapshots, restored, scratch)
            unrun = _unrun_in_reruns(fn, checkpoints, set(self.fused), self.loop_vars, scratch, snapshots)
            new_arrays, new_snapshots, new_restored = (_array_tapes(fn, arrays, needs, self.facts, scratch, unrun)
                                                       if arrays
                                                       else (set(), {}, {}))
            if (new, new_arrays, new_snapshots, new_restored) == (records, array_records, snapshots, restored):
                return records, array_records, snapshots, restored, checkpoints, restore, needs, unrun, reread
            records, array_records, snapshots, restored = new, new_arrays, new_snapshots, new_restored

    def plan(self) -> Plan:
        fn, arrays, types = self.fn, self.arrays, self.facts.types
        scratch = _scratch_arrays(fn, arrays, types)
        settled = self.settle(scratch)
        # work arrays whose reads no loop's reverse re-reads may be stored into after them
        # (f[:] = 0, then f[i] += ...): known once the needs are, and checked against the new ones
        wider = _scratch_arrays(fn, arrays, types, settled[-1]) if arrays else scratch
        if wider != scratch:
            again = self.settle(wider)
            if _scratch_arrays(fn, arrays, types, again[-1]) == wider:
                settled, scratch = again, wider
        records, array_records, snapshots, restored, checkpoints, restore, needs, unrun, _ = settled
        reversed_loops = {id(s) for s in walk(fn.body) if isinstance(s, (For, While))
                          and id(s) not in self.fused and self.has_work(s.body, records | array_records)}
        recorded = {s.target for s in walk(fn.body) if isinstance(s, Assign) and id(s) in records}
        # (a work array of a loop inside is filled again by the re-run of an iteration around it too)
        rewritten = {id(s): rewritten_after_read(s.body, needs.get(id(s), set())) & needs.get(id(s), set())
                     | scratch_within(s, scratch) for s in walk(fn.body) if isinstance(s, (For, While))}
        return Plan(records, recorded, checkpoints, restore, needs, reversed_loops, self.fused, self.overwritten,
                    array_records, snapshots, restored, {k: v for k, v in rewritten.items() if v}, scratch,
                    _journaled(fn, snapshots, set(self.fused)), unrun)


def _journaled(fn: Function, snapshots: dict[int, set[str]], fused: set[int]) -> dict[int, set[str]]:
    """The arrays of top-level `for` loops' snapshots that a journal keeps
    instead: those no store of the iteration rewrites in a `for` loop over a
    range (stores in `while` loops or straight in the body: a stack, an
    insertion, a merge, whose count per iteration is the data's), in loops
    with no `break`, `continue` or `return` left in their bodies (the journal
    closes at the body's end) and no fused loop in them (whose stores the
    forward sweep writes another way).  Each store then costs its index and old value
    on tapes, not the array's size per iteration (pool-adjacent-violators on
    3e5 points kept 2 n^2 floats whole)."""
    out: dict[int, set[str]] = {}
    for loop in fn.body:
        if not isinstance(loop, For) or id(loop) not in snapshots or id(loop) in fused \
                or any(isinstance(t, (Break, Continue, Return)) or id(t) in fused for t in walk(loop.body)):
            continue
        swept = {t.target for inner in walk(loop.body) if isinstance(inner, For)
                 for t in walk(inner.body) if is_store(t)}
        kept = snapshots[id(loop)] - swept
        if kept:
            out[id(loop)] = kept
    return out


def _journal_kept(fn: Function, loop: For | While, array: str) -> bool:
    """Whether a top-level `for` loop's stores into ``array``, each straight
    in its body at an index the iteration computes (a queue's ``free_at[k] =
    ...`` with ``k = np.argmin(free_at)``), can go on a journal
    (:func:`_journaled`): each store's index and old value, popped back
    before the iteration is re-run."""
    return isinstance(loop, For) and any(t is loop for t in fn.body) and not _sweeps(loop, array) \
        and not any(isinstance(t, (Break, Continue, Return)) for t in walk(loop.body))


def _sweeps(loop: For | While, array: str) -> bool:
    """Whether some store into ``array`` in the loop's body sits in a loop of
    its own: an iteration then rewrites many elements, and keeping the whole
    array costs about what the iteration does (the ends of a time step's next
    state may be stored straight in the body beside it).  Where every store
    is straight in the body, x[i] = f(x[i]), the whole array would cost
    about the array's size per element."""
    return any(is_store(t) and t.target == array for inner in walk(loop.body) if isinstance(inner, (For, While))
               for t in walk(inner.body))


def _rewrites_whole(loop: For | While, array: str, dims: int) -> bool:
    """Whether a store into ``array`` sits under ``dims`` loops of the
    iteration's own (one per dimension): each iteration then rewrites about
    the whole array, so keeping it whole costs about what the iteration does,
    also in a loop inside another, whose iterations run many times.  (A row
    rewritten in the step of an LU factorisation would keep the whole matrix
    per row: refused instead.)"""
    def deepest(block: list[Stmt], depth: int) -> int:
        out = -1
        for t in block:
            if is_store(t) and t.target == array:
                out = max(out, depth)
            for child in child_blocks(t):
                out = max(out, deepest(child, depth + isinstance(t, (For, While))))
        return out
    return deepest(loop.body, 0) >= dims


def _replayed_needs(fn: Function, needs: dict[int, set[str]], snapshots: dict[int, set[str]],
                    restored: dict[int, dict[int, Call | Swept | Guarded]], scratch: dict[int, set[str]]) -> dict:
    """A loop whose arrays are restored before its re-run replays their stores
    there, and so does one that fills a work array (``scratch``): the re-run
    must then recompute each stored value (and what it reads)."""
    for loop in walk(fn.body):
        if isinstance(loop, (For, While)):
            needs[id(loop)] = _replayed_need(loop, needs.get(id(loop), set()), snapshots, restored, scratch)
    return needs


def _replayed_need(loop: For | While, need: set[str], snapshots: dict[int, set[str]],
                   restored: dict[int, dict[int, Call | Swept | Guarded]], scratch: dict[int, set[str]]) -> set[str]:
    """``need`` (what the reverse of one iteration of ``loop`` reads), with
    what the re-run recomputes for the stores it replays (:func:`_replayed_needs`)."""
    if not (id(loop) in snapshots or id(loop) in restored or id(loop) in scratch):
        return need
    replayed = [t for t in walk(loop.body) if is_store(t) and (
        t.target in snapshots.get(id(loop), set()) | scratch.get(id(loop), set())
        or id(t) in restored.get(id(loop), {}))]
    seeds = need | {t.target for t in replayed}
    for t in replayed:
        seeds |= variables(t.value)
    return _needed_in(loop.body, seeds, assigned_in(loop.body))


# ------------------------------------------------------------ small analyses


def _reads(block: list[Stmt]) -> set[str]:
    out: set[str] = set()
    for s in walk(block):
        out |= stmt_reads(s)
    return out


def _test_reads(block: list[Stmt]) -> set[str]:
    out: set[str] = set()
    for s in walk(block):
        if isinstance(s, If):
            out |= variables(s.test)
        elif isinstance(s, For):
            out |= variables(s.start) | variables(s.stop) | variables(s.step)
        elif isinstance(s, While):
            out |= variables(s.test)
    return out


def rewritten_after_read(block: list[Stmt], need: set[str] | None = None) -> set[str]:
    """Arrays that one pass over ``block`` can store into after reading the
    same element: a later store (``d[0] = a; s += d[0]; d[0] = b``), or a store
    in a loop inside the block that writes some element more than once per
    pass (a temporary row ``d[k] = X[i, k] - X[j, k]`` rewritten for every
    ``j``) while that loop reads it.  Elements that provably differ (an index
    that differs by a constant, ``x[j, t]`` against ``x[i, t + 1]``) do not
    count.

    A re-run of an iteration starts from the arrays as the iteration left them
    (every later store has been reversed), so skipping a store is right only
    when no read sees an element the pass writes again later.  The re-run
    writes the arrays found here again as it goes (without taping: the first
    run taped what each store overwrote), so each read sees what it saw in the
    first run; a read of an element the pass had not written yet (an
    accumulation) is the restore's business (see :func:`_array_tapes`).
    With ``need``, only reads whose values are needed count (a statement that
    assigns a needed name, a test, a loop bound)."""
    reads: dict[str, list[tuple[Stmt, tuple]]] = {}   # array -> (statement, loops inside block)
    stores: dict[str, list[tuple[Assign, tuple]]] = {}
    order: dict[int, int] = {}

    def visit(stmts: list[Stmt], loops: tuple) -> None:
        for s in stmts:
            order[id(s)] = len(order)
            inner = loops + (s,) if isinstance(s, (For, While)) else loops
            if is_store(s):
                stores.setdefault(s.target, []).append((s, loops))
                names = set().union(*(variables(a) for a in s.value.args[1:]))
            elif isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim == "shape":
                names = set()
            else:
                names = stmt_reads(s)
            needed = need is None or not isinstance(s, Assign) or (s.target in need and not is_store(s)) \
                or (is_store(s) and s.target in need)
            for v in names if needed else ():
                reads.setdefault(v, []).append((s, inner if isinstance(s, While) else loops))
            for b in child_blocks(s):
                visit(b, inner)

    visit(block, ())
    defs: dict[int, dict] = {}

    def dominating(s: Stmt) -> dict:
        if id(s) not in defs:
            defs[id(s)] = _dominating_defs(block, s)
        return defs[id(s)]

    moving = assigned_in(block)
    out = set()
    for a, writes in stores.items():
        for r, r_loops in reads.get(a, ()):
            for w, w_loops in writes:
                repeats = any(loop in r_loops for loop in w_loops) and not _one_element_per_trip(
                    w, w_loops, dominating(w))
                if (order[id(w)] > order[id(r)] or repeats) and not _distinct(r, w, dominating, moving):
                    out.add(a)
    return out


def _distinct(read: Stmt, store: Assign, dominating, moving: set[str]) -> bool:
    """Whether ``read`` (a load) and ``store`` never touch the same element in
    one pass: some index differs by a nonzero constant, from names the pass
    does not change (or that a dominating definition expands)."""
    if not _is_load(read):
        return False  # a whole-array read (a copy) reads every element
    r_index, w_index = read.value.args[1:], store.value.args[1:-1]
    if len(r_index) != len(w_index):
        return False
    at_read, at_store = dominating(read), dominating(store)
    for r, w in zip(r_index, w_index):
        a, b = affine(r, at_read), affine(w, at_store)
        if a is None or b is None or any(isinstance(v, Var) and v.name in moving for v in (*a, *b)):
            continue
        if set(affine_sum(b, a, -1)) == {None}:
            return True
    return False


def _one_element_per_trip(store: Assign, loops: tuple, defs: dict) -> bool:
    """Whether the store writes a different element on every trip through the
    ``for`` loops around it: each loop variable is one index's only loop
    variable (``x[i, t + 1]`` under loops over ``t`` and ``i``)."""
    if any(not isinstance(loop, For) for loop in loops):
        return False
    loop_vars = {loop.var for loop in loops}
    covered: set[str] = set()
    for index in store.value.args[1:-1]:
        form = affine(index, defs)
        if form is None:
            continue
        in_index = {a.name for a, k in form.items() if isinstance(a, Var) and a.name in loop_vars and k}
        if len(in_index) == 1:
            covered |= in_index
    return covered == loop_vars


def _needed_in(block: list[Stmt], need: set[str], assigned: set[str]) -> set[str]:
    """Backward slice inside a loop body: the values that the iteration's
    reverse (or its re-run, for what the reverse reads) depends on.  A needed
    array that the re-run must write again (:func:`rewritten_after_read`)
    needs what its stores read."""
    need = set(need)
    stores = any(is_store(s) for s in walk(block))
    for _ in range(len(assigned) + 2):
        grew = False
        rewritten = rewritten_after_read(block, need) if stores else set()
        for s in walk(block):
            if isinstance(s, Assign) and s.target in need and (not is_store(s) or s.target in rewritten):
                more = variables(s.value) - need
                if more:
                    need |= more
                    grew = True
            elif isinstance(s, (If, While)):
                # a branch decides which assignments run: its test is needed
                # when any assignment it guards is
                body = s.body + (s.orelse if isinstance(s, If) else [])
                if assigned_in(body) & need:
                    more = variables(s.test) - need
                    if more:
                        need |= more
                        grew = True
            elif isinstance(s, For) and assigned_in(s.body) & need:
                more = (variables(s.start) | variables(s.stop) | variables(s.step)) - need
                if more:
                    need |= more
                    grew = True
        if not grew:
            break
    return need


# ------------------------------------------------------------ fused reductions


def _fusable(fn: Function, facts: Facts, count: dict[str, int]) -> dict:
    """Top-level `for` nests that only accumulate into one active value."""
    out = {}

    def top_level_loops(block):
        for s in block:
            if isinstance(s, For):
                yield s
            elif isinstance(s, If):
                yield from top_level_loops(s.body)
                yield from top_level_loops(s.orelse)

    for loop in top_level_loops(fn.body):
        f = _fusion_of(loop, fn, facts, count) or _iteration_fusion(loop, fn, facts)
        if f is not None:
            out[id(loop)] = f
    return out


def _fusion_of(loop: For, fn: Function, facts: Facts, count: dict[str, int]) -> Fusion | None:
    nest = loop.body
    if any(isinstance(s, While) for s in walk(nest)):
        return None
    # array adjoints are accumulated element by element in the reverse sweep
    if any(is_array(facts.types.get(v)) for v in _reads(nest) | assigned_in(nest)):
        return None
    accs = set()
    for s in walk(nest):
        if isinstance(s, Assign) and s.target in facts.active:
            v = s.value
            if isinstance(v, Call) and v.prim in ("add", "sub") and v.args[0] == Var(s.target) \
                    and v.args[1] != Var(s.target):
                accs.add(s.target)
    if len(accs) != 1:
        return None
    acc = accs.pop()
    # the accumulator is read only by its own updates
    for s in walk(nest):
        reads = stmt_reads(s)
        if acc in reads:
            is_update = isinstance(s, Assign) and s.target == acc and s.value.prim in ("add", "sub") \
                and s.value.args[0] == Var(acc) and acc not in variables(s.value.args[1])
            if not is_update:
                return None
        if isinstance(s, Assign) and s.target == acc and not (
                isinstance(s.value, Call) and s.value.prim in ("add", "sub") and s.value.args[0] == Var(acc)):
            return None
    # every other active value assigned in the nest lives for one iteration only
    assigned = assigned_in(nest)
    outside_reads = reads_outside(fn.body, loop)
    for v in assigned:
        if v == acc or v not in facts.active:
            continue
        if count.get(v) != 1 or v in outside_reads:
            return None
    if not _defs_dominate_reads(nest, {v for v in assigned if v in facts.active and v != acc}, set()):
        return None
    invariants = sorted({v for v in _reads(nest) if v in facts.active and v not in assigned})
    return Fusion(acc, invariants)


def _stored_after_read(body: list[Stmt], array: str) -> bool:
    """Whether a statement of ``body`` stores into ``array`` after one read
    it: the reverse of that read, which runs after the store's and re-reads
    the array, would find the new elements unless the store kept the old."""
    read = False
    for s in body:
        if read and any(is_store(t) and t.target == array for t in walk([s])):
            return True
        read = read or any(_is_load(t) and t.value.args[0] == Var(array) for t in walk([s]))
    return False


def _stored_after_reread(body: list[Stmt], array: str, reread: dict[int, set[str]]) -> bool:
    """:func:`_stored_after_read`, counting only the reads whose value a loop
    around them (inside ``body``) re-computes in its reverse, which runs after
    the later stores: a read straight in ``body`` is re-computed by the re-run
    of the whole iteration, in order.  A statement that reads such a value
    and stores into the array itself (``f[i] = f[i] * c``) counts too."""
    read = False
    for s in body:
        stores = any(is_store(t) and t.target == array for t in walk([s]))
        reads = any(_is_load(t) and t.value.args[0] == Var(array) and any(
            t.target in reread.get(id(loop), {t.target}) for loop in loops)
            for t, loops in _with_loops([s], ()))
        if stores and (read or reads):
            return True
        read = read or reads
    return False


def _with_loops(block: list[Stmt], loops: tuple):
    """(statement, the loops around it inside ``block``) for every statement."""
    for s in block:
        yield s, loops
        inner = loops + (s,) if isinstance(s, (For, While)) else loops
        for child in child_blocks(s):
            yield from _with_loops(child, inner)


def _accumulator(nest: list[Stmt], facts: Facts, work: set[str] = frozenset()) -> str | None:
    """The one active value a loop nest carries from one iteration to the next,
    when every write of it is ``acc = acc ± term`` and nothing else reads it
    (``work``: arrays each iteration fills before it reads them, carried in name only)."""
    carried = (upward_exposed(nest) & assigned_in(nest) & facts.active) - work
    if len(carried) != 1:
        return None
    acc = next(iter(carried))
    for s in walk(nest):
        is_update = isinstance(s, Assign) and s.target == acc and isinstance(s.value, Call) \
            and s.value.prim in ("add", "sub") and s.value.args[0] == Var(acc) \
            and acc not in variables(s.value.args[1])
        if (isinstance(s, Assign) and s.target == acc or acc in stmt_reads(s)) and not is_update:
            return None
    return acc


def _iteration_fusion(loop: For, fn: Function, facts: Facts) -> Fusion | None:
    """A top-level `for` nest whose iterations share only an accumulator: each
    iteration can be reversed as soon as it has run, its adjoint seeded with
    ``d acc = 1`` and accumulated into ``d acc / d v`` for the values ``v`` it
    reads from outside (arrays included); the reverse sweep then only scales
    by ``acc_bar``.  Everything the iteration's reverse reads is still in cache.
    Where tangents along an iteration's few inputs differentiate it
    (:func:`iteration_seeds`: it holds a loop) they do, with no tape; an
    iteration with a `while` loop inside is taken only then."""
    nest = loop.body
    items = item_loops(loop, facts)
    work = {s.target for s in walk(nest) if is_store(s)}
    outputs = item_outputs(items[-1].body, [lp.var for lp in items], facts) if work else []
    fusion = _iteration_outputs(items, fn, facts, outputs) if outputs else None
    if fusion is not None:
        return fusion
    # an array the nest stores into must be a work array each iteration fills before it reads it
    # (a layer's activations): the next iteration then sees nothing of this one's elements
    if any(_scratch(fn, a, facts.types) is not loop for a in work):
        return None
    acc = _accumulator(nest, facts, work)
    if acc is None:
        return None
    assigned = assigned_in(nest)
    outside_reads = reads_outside(fn.body, loop)
    # the reverse of an iteration re-runs its inner loops: what they assign is
    # not what the forward sweep left, so nothing after the loop may read it
    if any(v in outside_reads for v in assigned - header_only_vars(fn) if v != acc):
        return None
    seeds = iteration_seeds(items[-1].body, acc, facts)
    if seeds is None and any(isinstance(s, While) for s in walk(nest)):
        return None
    invariants = sorted({v for v in _reads(nest) if v in facts.active and v not in assigned})
    return Fusion(acc, invariants, per_iteration=True, seeds=seeds, items=items if seeds else [])


def _iteration_outputs(items: list[For], fn: Function, facts: Facts, outputs: list[str]) -> Fusion | None:
    """:func:`_iteration_fusion` of a nest whose items each store their
    results at the items' index (and may share a sum): by tangents only, each
    result's tangents kept in arrays of its own, which the reverse sweep
    reads again at the same index (so the loops' bounds and the inputs'
    indices must read names assigned once in the whole function)."""
    loop = items[0]
    nest = loop.body
    carried = (upward_exposed(nest) & assigned_in(nest) & facts.active) - set(outputs)
    acc = _accumulator(nest, facts, set(outputs)) if carried else None
    if carried and acc is None:
        return None
    assigned = assigned_in(nest)
    outside_reads = reads_outside(fn.body, loop)
    if any(v in outside_reads for v in assigned - header_only_vars(fn) - set(outputs) if v != acc):
        return None
    seeds = iteration_seeds(items[-1].body, acc, facts, outputs)
    if seeds is None:
        return None
    count, _ = definitions(fn)
    bounds = {v for lp in items for e in (lp.start, lp.stop, lp.step) for v in variables(e)}
    bounds |= {v for lp in items[:-1] for s in lp.body[:-1] for v in stmt_reads(s)}  # (m = i + 1; range(m))
    indices = {v for seed in seeds if seed.index is not None for i in seed.index for v in variables(i)}
    loop_vars = {lp.var for lp in items}
    ahead = {s.target for lp in items[:-1] for s in lp.body[:-1]}  # computed again, by the same statements
    if any(count.get(v, 0) > 1 for v in (bounds | indices) - loop_vars - ahead) \
            or not loop_vars <= header_only_vars(fn):
        return None
    invariants = sorted({v for v in _reads(nest) if v in facts.active and v not in assigned})
    return Fusion(acc, invariants, per_iteration=True, seeds=seeds, outputs={o: [] for o in outputs}, items=items)


def reads_outside(body: list[Stmt], loop: For | While) -> set[str]:
    """The names ``body`` reads outside ``loop``'s body (its bounds or test,
    and a return's value, included)."""
    out: set[str] = set()

    def visit(stmts):
        for s in stmts:
            if s is loop:
                out.update(stmt_reads(loop))
                continue
            out.update(stmt_reads(s))
            if isinstance(s, If):
                visit(s.body)
                visit(s.orelse)
            elif isinstance(s, (For, While)):
                visit(s.body)

    visit(body)
    return out


def _defs_dominate_reads(block: list[Stmt], local: set[str], defined: set[str]) -> bool:
    """Each value in ``local`` is read only after its assignment in the same
    block (or a block nested in it): it cannot carry over between iterations."""
    defined = set(defined)
    for s in block:
        if (stmt_reads(s) & local) - defined:
            return False
        if isinstance(s, Assign):
            defined.add(s.target)
        elif isinstance(s, If):
            if not (_defs_dominate_reads(s.body, local, defined)
                    and _defs_dominate_reads(s.orelse, local, defined)):
                return False
        elif isinstance(s, For):
            if not _defs_dominate_reads(s.body, local, defined):
                return False
    return True


# ------------------------------------------------------------ array element tapes


def _is_load(s: Stmt) -> bool:
    return isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim == "load"


def _array_tapes(fn: Function, arrays: set[str], needs: dict[int, set[str]], facts: Facts,
                 scratch: dict[int, set[str]], unrun: set[int] = frozenset()) -> tuple[set[int], dict[int, set[str]], dict[int, dict[int, Call | Swept | Guarded]]]:
    """The stores that must push the element they overwrite.

    In the reverse sweep a loop re-runs each iteration and so re-reads the
    arrays it loads from.  Those reads must see what the forward sweep saw.
    A store that runs after such a load (a later top-level statement, or a
    later iteration of the same loop nest) therefore pushes the old element,
    and its reverse writes it back.  A load followed, in the same iteration, by
    a store into the same element would make the re-run read the new value:
    ``z[i] = f(z[i - 1])`` is fine (the indices differ by a constant in every
    iteration, :func:`_other_element`); ``x[i] = f(x)``, one element its
    iteration's start names, pops the element back before the re-run
    (``restored``, :func:`_restorable`); otherwise, over a float array, each
    iteration of a top-level loop, or of a loop inside another that rewrites
    the whole array, keeps the whole array (``snapshots``), and elsewhere it
    is refused.  Arrays written once (:func:`_written_once`) and work arrays
    each iteration fills before reading (``scratch``, :func:`_scratch`) push
    nothing, and neither do loops that differentiate nothing (an insertion
    sort of indices by the data: only comparisons read the active values),
    which no reverse re-runs on their own account.  A store that does keep
    what it overwrites for another loop's re-runs, in a loop whose iteration
    reads that element first (a clip of data the gradient does not flow
    through), is restored at its iteration's start as well: that loop's own
    reverse re-runs its tests before it pops.
    """
    types = facts.types
    differentiates = {id(L) for L in walk(fn.body) if isinstance(L, (For, While)) and any(
        isinstance(t, Assign) and t.target in facts.active for t in walk(L.body))}
    snapshots: dict[int, set[str]] = {}
    restored: dict[int, dict[int, Call | Swept | Guarded]] = {}
    loads: list[tuple[Assign, int, list]] = []  # (load, top-level index, enclosing loops)
    stores: dict[str, list[tuple[Assign, int, list]]] = {}

    def visit(block, top: int | None, loops: list):
        for k, s in enumerate(block):
            t = k if top is None else top
            if _is_load(s) and loops:
                loads.append((s, t, loops))
            elif is_store(s):
                stores.setdefault(s.target, []).append((s, t, loops))
            if isinstance(s, If):
                visit(s.body, t, loops)
                visit(s.orelse, t, loops)
            elif isinstance(s, (For, While)):
                visit(s.body, t, loops + [s])

    visit(fn.body, None, [])
    out: set[int] = set()
    for array, writes in stores.items():
        if _written_once(fn, array, writes) or any(array in work for work in scratch.values()):
            continue
        for load, top, loops in loads:
            if load.value.args[0] != Var(array):
                continue
            # (not a loop whose re-run leaves out the loop inside it that holds the load)
            rerun_in = [L for k, L in enumerate(loops) if load.target in needs.get(id(L), set())
                        and id(L) in differentiates and not _left_on_a_tape(L, load, differentiates)
                        and not (k + 1 < len(loops) and id(loops[k + 1]) in unrun)]
            if not rerun_in:
                continue
            for s, t, _ in writes:
                # a store no re-run of the load's loops can see overwrite what it read: each
                # element written once, read after (a dynamic-programming table)
                if t >= top and not all(_loops_to(L, s) is not None and
                                        _written_by_an_earlier_iteration(fn, L, load, s) for L in rerun_in):
                    out.add(id(s))
            for L in rerun_in:
                after = False
                for s in walk(L.body):
                    if s is load:
                        after = True
                    elif after and is_store(s) and s.target == array and not _other_element(fn, L, load, s) \
                            and not _written_by_an_earlier_iteration(fn, L, load, s):
                        whole = is_array(types.get(array)) and _rewrites_whole(L, array, rank(types[array]))
                        elements = _restorable(fn, L, s)
                        if elements is None and (not whole or not any(t is L for t in fn.body)):
                            # a row of a matrix, or the entries of a sparse row (x[indices[k]] for k in
                            # range(indptr[i], indptr[i + 1])) in a loop that another repeats: their
                            # elements, not the whole array per iteration
                            elements = _restorable(fn, L, s, swept=True)
                        if elements is not None:
                            restored.setdefault(id(L), {}).update(elements)
                            out |= set(elements)
                            continue
                        if isinstance(L, (For, While)) and is_array(types.get(array)) and (
                                whole or (_sweeps(L, array) and any(t is L for t in fn.body))
                                or _journal_kept(fn, L, array)):
                            snapshots.setdefault(id(L), set()).add(array)
                            out |= {id(t) for t in walk(L.body) if is_store(t) and t.target == array}
                            continue
                        raise UnsupportedError(
                            f"{array} is read here and overwritten later in the same loop "
                            f"(line {s.loc.line if s.loc else '?'}); the reverse sweep cannot "
                            "re-read the old value", load.loc,
                            f"write the new values into another array (e.g. {array}_new = "
                            f"np.empty_like({array})) and read from {array}")
    # a store that keeps what it overwrites for a later re-run, in a loop whose iteration reads that
    # element first (a clip of data the gradient does not flow through, `if b[i] < 0: b[i] = 0.0`): the
    # loop's own reverse re-runs the iteration to find which stores ran, so it must put the element
    # back before that re-run, not after (the test would read the new value)
    for array, writes in stores.items():
        for s, _, loops in writes:
            if id(s) not in out or not loops or any(id(s) in r for r in restored.values()):
                continue
            L = loops[-1]
            reads_first = any(_is_load(t) and t.value.args[0] == Var(array) and not _other_element(fn, L, t, s)
                              for t in walk(L.body))
            if reads_first and not snapshots.get(id(L)):
                elements = _restorable(fn, L, s)
                if elements is not None:
                    restored.setdefault(id(L), {}).update(elements)
                    out |= set(elements)
    return out, snapshots, restored


def _unrun_in_reruns(fn: Function, checkpoints: dict[int, list[str]], fused: set[int], loop_vars: set[str],
                     scratch: dict[int, set[str]], snapshots: dict[int, set[str]]) -> set[int]:
    """The `for` loops straight in another loop's body that a re-run of
    that loop's iteration need not run: the loop inside keeps no checkpoint
    (each of its iterations starts from values the iteration around it
    computes before it) and no array whole per iteration (``snapshots``:
    only a run of it pushes them, for its reverse to pop), nothing else in
    the iteration around it reads a value it assigns, and every array it
    stores into is stored and read
    elsewhere in the iteration around it only by other such loops (and is
    no work array).

    The reverse of such a loop ``C`` in ``L``'s iteration then starts with
    ``C``'s arrays as ``C`` left them: the reverse of every later statement
    of ``L``'s body, and of ``L``'s later iterations, has put back what it
    overwrote.  ``C``'s own reverse pops each element it overwrote before
    re-running that iteration, so ``L`` need not keep ``C``'s arrays (a row of
    a grid updated in place keeps its elements once, pushed where the row
    runs forwards, not twice), and ``L``'s re-run need not run ``C`` (each
    element computed twice in the reverse, not three times).  Two such
    loops may read each other's arrays (a time step updating dual fields
    from the primal one, then the primal from the duals): each one's reverse
    finds what the other's reverse, run before it, put back."""
    out: set[int] = set()
    for L in walk(fn.body):
        if not isinstance(L, (For, While)) or id(L) in fused:
            continue
        carried = upward_exposed(L.body) | set(checkpoints.get(id(L), ()))
        if isinstance(L, While):
            carried |= variables(L.test)
        stored: dict[int, set[str]] = {}  # id(candidate) -> the arrays it stores into
        for k, C in enumerate(L.body):
            if not isinstance(C, For) or id(C) in fused or checkpoints.get(id(C)) or _leaves_results(C) \
                    or snapshots.get(id(C)):
                continue
            arrays = {t.target for t in walk(C.body) if is_store(t)}
            if (assigned_in(C.body) - loop_vars - arrays) & (carried | upward_exposed(L.body[k + 1:])):
                continue
            if not any(a in work for a in arrays for work in scratch.values()):
                stored[id(C)] = arrays
        while True:  # drop a candidate whose arrays a statement outside the candidates touches
            inside = {id(t) for C in L.body if id(C) in stored for t in walk(C.body)}
            touched = {t.value.args[0].name for t in walk(L.body)
                       if (is_store(t) or _is_load(t)) and id(t) not in inside}
            dropped = [c for c, arrays in stored.items() if arrays & touched]
            if not dropped:
                break
            for c in dropped:
                del stored[c]
        out |= set(stored)
    return out


def _leaves_results(loop: For) -> bool:
    """Whether a loop straight in ``loop``'s body assigns a value a later
    statement of the body reads (which a re-run of ``loop``'s iteration may
    take from a tape its forward run pushes)."""
    for k, inner in enumerate(loop.body):
        if isinstance(inner, (For, While)) and assigned_in(inner.body) & upward_exposed(loop.body[k + 1:]):
            return True
    return any(_leaves_results(t) for t in loop.body if isinstance(t, For))


def _left_on_a_tape(loop, load: Assign, differentiates: set[int]) -> bool:
    """Whether ``load`` sits in a loop straight in the body of the `for`
    ``loop`` that differentiates nothing and stores into no array (an argmax
    over candidates a flag array marks): a re-run of ``loop``'s iteration takes
    what that loop left from a tape, or needs nothing of it, and never runs
    it again (see ``_taped_results`` in transforms/reverse.py)."""
    if not isinstance(loop, For):
        return False
    for t in loop.body:
        if isinstance(t, (For, While)) and any(u is load for u in walk(t.body)):
            return id(t) not in differentiates and not any(is_store(u) for u in walk(t.body))
    return False


def _restorable(fn: Function, loop, store: Assign, swept: bool = False) -> dict[int, Call | Swept | Guarded] | None:
    """``x[i] = f(x[i])``, or ``x[i] = f(x)`` (a Gauss-Seidel step, the load
    anywhere in the iteration, inner loops included), or a swap ``t = x[j];
    x[j] = x[j + 1]; x[j + 1] = t``, in a loop's body (`for`, or `while`: a
    `for` with a `break`), straight or under `if`s.  Every store into that
    array in the loop writes an element whose index is known at the
    iteration's start (an affine form of values the iteration has not changed
    yet, integer arithmetic over them such as a ring buffer's ``t % lead``, or
    an entry of an index array no store writes: ``m[seg[i]] =
    max(m[seg[i]], x[i])``), so putting those elements back gives the array as the
    iteration found it (the reverse of each later iteration has put its own
    back already); every store of the array is in top-level statements or
    `if`s (``x[i] *= a`` then ``x[i] = max(x[i], 0)``; a clip, one store per
    branch of an `if` / `elif`); other arrays may be updated beside it
    (coupled states), each on an element tape of its own.  Where the loop
    runs forwards the elements are pushed once, before the first of those
    statements (see :func:`hoisted_pushes`), so those pushes are the
    iteration's last on the array's element tape, and the reverse pops them
    back, last first, before re-running the iteration.  (Two of them may be
    one element: both pushes hold its old value, so either pop restores it.)
    With ``swept``, a store may also sit in `for` loops of the iteration's own
    whose ranges are known at its start (``z[i, j] = f(z[i, j])`` over a row,
    ``for j in range(m)``, in a loop over rows that a time loop repeats): it
    names every element of those ranges (:class:`Swept`), all pushed before
    the first store, so the pushes hold the row as the iteration found it
    whichever elements the stores then write, under whatever `if`s.
    Returns id(store) -> the element (a ``load``) it writes, for every store
    into the array in the loop, or None."""
    unit = [t for t in walk(loop.body) if is_store(t) and t.target == store.target]
    paths = [_path_to(loop.body, t, swept) for t in unit]
    if any(p is None for p in paths):
        return None
    tops = [path[0] if path else t for t, path in zip(unit, paths)]
    places = [k for k, t in enumerate(loop.body) if any(t is u for u in tops)]
    defs, changing = _iteration_names(fn, loop)
    # a name the iteration changes only after its last store (a `while` loop's counter, `i += 1`
    # at the end of the body) still holds its value from the iteration's start there
    moved = changing & assigned_in(loop.body[:places[-1] + 1])
    elements: dict[int, Call | Swept | Guarded] = {}
    known: dict[tuple, Call] = {}  # one load per element, however the stores spell its index
    guard: set[tuple] = set()  # the indices of elements a store under an `if` may never reach
    once = _single_valued(fn)
    written = _changing_arrays(fn)

    def start_value(w: Expr, on_path: dict, free: set[str], depth: int = 8) -> Expr | None:
        """``w`` as an expression of values the iteration's start holds (and
        of the names ``free``: the loop's variable, inner loops' variables):
        an affine form, or integer arithmetic (``t % lead``) and elements of
        arrays nothing writes (``seg[i]``) over them."""
        b = affine(w, on_path)
        if b is not None and not any(isinstance(v, Var) and v.name in moved - free for v in b):
            return affine_expr(b)
        if isinstance(w, Const):
            return w if type(w.value) is int else None
        if isinstance(w, Var):
            if w.name in on_path and depth > 0:
                return start_value(on_path[w.name], on_path, free, depth - 1)
            return None if w.name in moved - free else w
        if isinstance(w, Call) and (w.prim in _INDEX_ARITHMETIC or _is_gather(w, written)):
            args = [start_value(a, on_path, free, depth) if k or w.prim != "load" else a
                    for k, a in enumerate(w.args)]
            return None if any(a is None for a in args) else Call(w.prim, tuple(args))
        return None

    # a counter stepped before the first store (`k += 1` first in a `while` body, then
    # x[k - 1] = ...): its start value, named apart until the index is built, plus the step
    stepped = _stepped_first(loop.body, places[0])
    start_names = {f"{v}@start": v for v in stepped}
    # a name the iteration assigns once, on the store's path, holds that value at the store
    # (``u = users[t]``, whatever other loops of the function bind to ``u``)
    once = once | _assigned_once(loop.body)

    for t, path in zip(unit, paths):
        free = {getattr(loop, "var", None), *start_names}
        # j_plus_1 = j + 1 under the store's `if`, before it: expanded too (and in the
        # bodies of the inner loops on its way)
        on_path = {**defs, **{v: add(Var(f"{v}@start"), Const(step)) for v, step in stepped.items()}}
        ranges = []
        for block, inner in zip([loop.body] + [p.body for p in path if isinstance(p, For)],
                                [p for p in path if isinstance(p, For)] + [t]):
            on_path.update({d.target: d.value for d in _defs_before(block, inner)
                            if d.target in once and not is_store(d) and d.target not in variables(d.value)})
            if inner is t:
                break
            bounds = [start_value(e, on_path, free) for e in (inner.start, inner.stop, inner.step)]
            if None in bounds or _assigns(inner.body, inner.var):
                return None
            ranges.append((inner.var, *(renamed_expr(b, start_names) for b in bounds)))
            free = free | {inner.var}
        index = []
        for w in t.value.args[1:-1]:
            value = start_value(w, on_path, free)
            if value is None:
                return None
            index.append(renamed_expr(value, start_names))
        element = Call("load", (Var(store.target), *index))
        if ranges:
            elements[id(t)] = Swept(element, tuple(ranges), _may_leave_the_array(loop.body, path, t))
        else:
            elements[id(t)] = known.setdefault(tuple(index), element)
            if _may_leave_the_array(loop.body, path, t):
                guard.add(tuple(index))
    # an element one of its stores may never reach is checked wherever it is pushed before them
    return {k: Guarded(e) if isinstance(e, Call) and tuple(e.args[1:]) in guard else e for k, e in elements.items()}


def _may_leave_the_array(body: list[Stmt], path: list[Stmt], store: Assign) -> bool:
    """Whether the element ``store`` writes may lie outside the array where
    the store does not run: the store sits under an `if`, and no load of the
    same element (the same index, names the body does not reassign) runs on
    every path before it."""
    if not any(isinstance(p, If) for p in path):
        return False
    index = store.value.args[1:-1]
    reassigned = {t.target for t in walk(body) if isinstance(t, Assign) and not is_store(t)}
    if any(variables(e) & reassigned for e in index):
        return True
    blocks = [body] + [p.body for p in path if isinstance(p, For)]
    return not any(_is_load(t) and t.value.args[0] == Var(store.target) and t.value.args[1:] == index
                   for block in blocks for t in block)


def _names_read(element: Call | Swept | Guarded) -> set[str]:
    """The names a restored element's index (and a row's ranges) read, other
    than the row's own loop variables."""
    if isinstance(element, Call):
        return variables(element)
    if isinstance(element, Guarded):
        return variables(element.element)
    names = variables(element.element).union(*(variables(e) for _, *bounds in element.loops for e in bounds))
    return names - {var for var, *_ in element.loops}


def _stepped_first(body: list[Stmt], before: int) -> dict[str, int]:
    """Names the body assigns once, by ``v = v + c`` (an int) straight in it
    before its statement ``before``: name -> c."""
    once = _assigned_once(body)
    out: dict[str, int] = {}
    for s in body[:before]:
        if isinstance(s, Assign) and s.target in once and isinstance(s.value, Call) \
                and s.value.prim in ("add", "sub") and s.value.args[0] == Var(s.target) \
                and isinstance(s.value.args[1], Const) and type(s.value.args[1].value) is int:
            step = s.value.args[1].value
            out[s.target] = step if s.value.prim == "add" else -step
    return out


def _path_to(body: list[Stmt], target: Stmt, through_loops: bool) -> list[Stmt] | None:
    """The statements that hold ``target`` in ``body``, outermost first: `if`s,
    and with ``through_loops`` `for` loops over ranges (None: not there, or
    under another loop)."""
    for s in body:
        if s is target:
            return []
        if isinstance(s, If) or (through_loops and isinstance(s, For)):
            for block in child_blocks(s):
                inner = _path_to(block, target, through_loops)
                if inner is not None:
                    return [s] + inner
    return None


def _assigns(block: list[Stmt], name: str) -> bool:
    return any((isinstance(t, Assign) and not is_store(t) and t.target == name)
               or (isinstance(t, For) and t.var == name) for t in walk(block))


# integer operations an index known at an iteration's start may be made of
_INDEX_ARITHMETIC = {"add", "sub", "mul", "neg", "mod", "floordiv", "min", "max", "abs",
                     # (a slice bound clamped as Python does: k + n if k < 0 else k)
                     "select", "lt", "le", "gt", "ge", "eq", "ne"}


def _changing_arrays(fn: Function) -> set[str]:
    """The arrays some store writes, but for those set up once: written only
    by the function's first statements, before any loop or branch (a module
    constant frozen into the code, an index table filled element by element),
    whose values no later statement changes."""
    setup = set()
    for t in fn.body:
        if not isinstance(t, Assign):
            break
        setup.add(id(t))
    return {t.target for t in walk(fn.body) if is_store(t) and id(t) not in setup}


def _is_gather(value: Expr | None, written: set[str]) -> bool:
    """Whether ``value`` reads an element of an array no store writes (an
    index array argument: ``seg[i]``, ``dst[e]``)."""
    return isinstance(value, Call) and value.prim == "load" and isinstance(value.args[0], Var) \
        and value.args[0].name not in written


def hoisted_pushes(fn: Function, restored: dict[int, dict[int, Call | Swept | Guarded]]) -> tuple[
        dict[int, list[tuple[Call | Swept, int]]], dict[int, int]]:
    """id(top-level statement of a loop body) -> [(an element a loop's
    restored stores into one array overwrite (see :func:`_restorable`; each
    distinct element once, in the order the stores name them), id(loop))],
    and id(store) -> id(loop) for those stores, where an array's are more than
    one store or one under an `if` or in a loop (a :class:`Swept` row: each of
    its elements).  Where the loop runs forwards the elements
    are pushed once before that statement, whichever way its `if`s go, since
    the loop's reverse pops them before re-running the iteration, before it
    knows the way (a test may read an element itself)."""
    before: dict[int, list[tuple[Call | Swept, int]]] = {}
    stores: dict[int, int] = {}
    for loop in walk(fn.body):
        by_array: dict[str, dict[int, Call | Swept | Guarded]] = {}
        for sid, element in restored.get(id(loop), {}).items():
            by_array.setdefault(restored_array(element), {})[sid] = element
        for unit in by_array.values():
            store_ids = set(unit)
            # before the first store, or before what changes a name the elements read (a
            # counter stepped first in a `while` body: the elements are its start value's)
            read = set().union(*(_names_read(e) for e in unit.values()))
            first = next(t for t in loop.body if any(id(u) in store_ids for u in walk([t]))
                         or assigned_in([t]) & read)
            if len(unit) == 1 and id(first) in store_ids:
                continue  # one store, straight in the body: it pushes where it is
            before.setdefault(id(first), []).extend((element, id(loop)) for element in dict.fromkeys(unit.values()))
            stores.update((sid, id(loop)) for sid in store_ids)
    return before, stores


def _single_valued(fn: Function) -> set[str]:
    """The names that hold one value wherever the function reads them: assigned
    by one statement, and no parameter (a parameter assigned once holds the
    argument before that statement: ``a = np.zeros(m); m -= 1``)."""
    return _assigned_once(fn.body) - {p.name for p in fn.params}


def _assigned_once(block: list[Stmt]) -> set[str]:
    """The names one statement of ``block`` assigns (a `for` its variable)."""
    counts: dict[str, int] = {}
    for t in walk(block):
        name = t.var if isinstance(t, For) else t.target if isinstance(t, Assign) else None
        if name is not None:
            counts[name] = counts.get(name, 0) + 1
    return {name for name, k in counts.items() if k == 1}


def _defs_before(block: list[Stmt], target: Stmt) -> list[Assign] | None:
    """The assignments that run before ``target`` on every path to it within
    ``block``: those earlier in the blocks that hold it, through `if`s (None:
    ``target`` is not there, or inside an inner loop)."""
    out: list[Assign] = []
    for s in block:
        if s is target:
            return out
        if isinstance(s, If):
            for branch in (s.body, s.orelse):
                inner = _defs_before(branch, target)
                if inner is not None:
                    return out + inner
        if isinstance(s, Assign):
            out.append(s)
    return None


def _iteration_names(fn: Function, loop) -> tuple[dict, set[str]]:
    """Names assigned once at the top of the loop's body (expanded in index
    forms) and the names the iteration changes."""
    once = _single_valued(fn)
    defs = {t.target: t.value for t in loop.body if isinstance(t, Assign) and not is_store(t) and t.target in once}
    return defs, assigned_in(loop.body) - set(defs)


def _other_element(fn: Function, loop, load: Assign, store: Assign) -> bool:
    """Whether, within one iteration of ``loop``, ``store`` always writes an
    element other than the one ``load`` read: some index differs by a nonzero
    constant, once names assigned once at the top of the loop body are
    expanded (``i_minus_1 = i - 1``) and only names the iteration does not
    change are left (the loop's variable, arguments, outer loops' variables)."""
    defs, changing = _iteration_names(fn, loop)
    read, written = load.value.args[1:], store.value.args[1:-1]
    if len(read) != len(written):
        return False
    at_load, at_store = _dominating_defs(loop.body, load), _dominating_defs(loop.body, store)
    load_ranges, store_ranges = _inner_ranges(fn, loop, load, defs), _inner_ranges(fn, loop, store, defs)
    for r, w in zip(read, written):
        a, b = affine(r, {**defs, **at_load}), affine(w, {**defs, **at_store})
        if a is None or b is None:
            continue
        if not any(isinstance(v, Var) and v.name in changing for v in (*a, *b)):
            if set(affine_sum(b, a, -1)) == {None} and not _may_wrap(a, loop, defs):  # w - r: a nonzero constant
                return True
            continue
        # indices that move with loops inside the iteration: apart when their ranges are
        # (L[i, k], k < j, against L[i, j]; L[j, k] against L[i, j], i > j)
        a_lo, a_hi = _bound(a, load_ranges, False, changing), _bound(a, load_ranges, True, changing)
        b_lo, b_hi = _bound(b, store_ranges, False, changing), _bound(b, store_ranges, True, changing)
        if any(_negative(hi, lo) for hi, lo in ((a_hi, b_lo), (b_hi, a_lo))):
            return True
    return False


def _may_wrap(form: dict, loop, defs: dict) -> bool:
    """Whether an index ``var - c`` (``loop``'s variable less a constant) may
    fall below 0 in some iteration: it then names an element from the end
    (``A[t - 1]`` at ``t = 0`` is ``A[-1]``), which a later iteration may
    write, so the constant apart from a store's index does not keep them apart."""
    c = form.get(None, 0)
    if c >= 0 or not isinstance(loop, For) or form.get(Var(loop.var)) != 1 or len(form) != 2:
        return False
    step = affine(loop.step, defs)
    lowest = affine(loop.start, defs) if step == {None: 1} else \
        affine_sum(affine(loop.stop, defs) or {Var(loop.var): 1}, {None: 1}, 1) if step == {None: -1} else None
    return lowest is None or set(lowest) - {None} or lowest.get(None, 0) + c < 0


def _inner_ranges(fn: Function, loop, target: Stmt, defs: dict) -> dict[str, tuple]:
    """The variables of the `for` loops inside ``loop`` around ``target``, each
    with the affine forms of its first and last values (loops counting up by
    one; only a `for` statement binds its variable, so at ``target`` it is in
    the range of the innermost loop around it that binds it)."""
    out: dict[str, tuple] = {}
    for L in (_loops_to(loop, target) or [loop])[1:]:
        if not isinstance(L, For):
            continue
        if L.step != Const(1):
            out.pop(L.var, None)  # an outer loop's range of the name no longer holds
            continue
        at = {**defs, **_dominating_defs(loop.body, L)}
        lo, stop = affine(L.start, at), affine(L.stop, at)
        if lo is not None and stop is not None:
            out[L.var] = (lo, affine_sum(stop, {None: 1}, -1))
    return out


def _bound(form: dict, ranges: dict[str, tuple], upper: bool, changing: set[str]) -> dict | None:
    """The largest (``upper``) or smallest value of an affine form over the
    ranges of the loop variables in it, as a form in names one iteration does
    not change; None where a name it changes has no range."""
    for _ in range(len(ranges) + 1):
        if not any(isinstance(v, Var) and v.name in ranges for v in form):
            break
        out: dict = {}
        for v, k in form.items():
            if isinstance(v, Var) and v.name in ranges:
                lo, hi = ranges[v.name]
                out = affine_sum(out, {t: k * c for t, c in (hi if (k > 0) == upper else lo).items()}, 1)
            else:
                out = affine_sum(out, {v: k}, 1)
        form = out
    if any(isinstance(v, Var) and v.name in changing for v in form):
        return None
    return form


def _negative(a: dict | None, b: dict | None) -> bool:
    """Whether ``a - b`` is a negative constant."""
    if a is None or b is None:
        return False
    diff = affine_sum(a, b, -1)
    return set(diff) <= {None} and diff.get(None, 0) < 0


def _written_by_an_earlier_iteration(fn: Function, loop, load: Assign, store: Assign) -> bool:
    """Whether, in ``loop`` and the `for` loops in it around ``store`` (all
    counting up), each iteration writes its own element (``D[i, j] = ...``,
    indexed by the nest's variables, the array's only store there) and
    ``load``, in the same loops, reads one an earlier iteration wrote
    (``D[i - 1, j]``, ``D[i, j - 1]``: the variables minus constants, the first
    nonzero one positive): then the store wrote that element before the load
    and never writes it again, as in a dynamic-programming table.  A dimension
    indexed by a name the loop does not change (an outer loop's variable) may
    read another row by a constant (``D[i - 1, j]`` in the loop over ``j``):
    the store never writes that row while the loop runs."""
    nest = _loops_to(loop, store)
    if nest is None or _loops_to(loop, load) != nest or \
            any(not isinstance(L, For) or L.step != Const(1) for L in nest):
        return False
    writes = [t for t in walk(loop.body) if isinstance(t, Assign) and t.target == store.target]
    if len(writes) != 1 or writes[0] is not store:
        return False
    defs, _ = _iteration_names(fn, loop)
    at_load, at_store = dict(defs), dict(defs)
    for L in nest:  # names fixed within one iteration of each loop around them (j_minus_1 = j - 1)
        at_load.update(_dominating_defs(L.body, load))
        at_store.update(_dominating_defs(L.body, store))
    written = [affine(w, at_store) for w in store.value.args[1:-1]]
    read = [affine(r, at_load) for r in load.value.args[1:]]
    if len(written) != len(read) or any(f is None for f in written + read):
        return False
    if _repeated_around(fn, loop, {k.name for w in written for k in w if isinstance(k, Var)}):
        return False  # a later pass of a loop around writes the element again, after the load read it
    position = {L.var: k for k, L in enumerate(nest)}
    offsets = [0] * len(nest)
    _, changing = _iteration_names(fn, loop)
    for w, r in zip(written, read):
        back = affine_sum(w, r, -1)  # what the store writes minus what the load reads: a constant
        if set(back) - {None}:
            return False
        atom = next(iter(w), None)
        if len(w) == 1 and isinstance(atom, Var) and atom.name not in position and atom.name not in changing:
            if back:  # indexed by a name the loop does not change (an outer loop's variable):
                # another row than the store ever writes in this run of the loop; one an earlier run
                # wrote where the outer loop steps towards the row written from the row read (``A[t - 1]``
                # counting up, ``A[t + 1]`` counting down), unless the row read may be below 0 (``A[t - 1]``
                # at ``t = 0``: the last row, which a later run writes).  The other way round (``A[t + 1]``
                # counting up) a later run writes the row read, before the reverse sweep re-reads it.
                offset = back.get(None, 0)
                binding = [L for L in walk(fn.body) if isinstance(L, For) and L.var == atom.name]
                steps = [L.step.value if isinstance(L.step, Const) else None for L in binding]
                return bool(binding) and all(isinstance(st, int) and st != 0 and offset * st > 0
                                             and offset % st == 0 for st in steps) and \
                    not any(_may_wrap({atom: 1, None: -offset}, L, defs) for L in binding)
            continue
        if len(w) != 1 or not isinstance(atom, Var) or w[atom] != 1 or position.get(atom.name) is None \
                or offsets[position[atom.name]] is None:
            return False
        offsets[position[atom.name]] = back.get(None, 0)
        position[atom.name] = None  # each variable indexes one dimension
    if any(p is not None for p in position.values()):
        return False
    for L, o in zip(nest, offsets):
        if o > 0 and _may_wrap({Var(L.var): 1, None: -o}, L, defs):
            return False  # the first iterations read an element from the end, which a later one writes
    return next((o for o in offsets if o != 0), 0) > 0


def _repeated_around(fn: Function, loop, indexed_by: set[str]) -> bool:
    """Whether a loop around ``loop`` runs it again over the same elements:
    its variable (a pass, a time step) is none of the names the store's
    indices read (``indexed_by``), so a later pass overwrites what an earlier
    one wrote and a later iteration of ``loop`` read (``for t: for j: x[j]
    += x[j - 1] ** 2``).  A `while` loop around counts as one."""
    for around in walk(fn.body):
        if isinstance(around, (For, While)) and around is not loop and any(t is loop for t in walk(around.body)):
            if not isinstance(around, For) or around.var not in indexed_by:
                return True
    return False


def _loops_to(loop, target: Stmt) -> list | None:
    """``loop`` and the loops in its body around ``target``, outermost first
    (None when ``target`` is not in it)."""
    def search(block, around):
        for t in block:
            if t is target:
                return around
            inner = [t.body, t.orelse] if isinstance(t, If) else [t.body] if isinstance(t, (For, While)) else []
            for b in inner:
                found = search(b, around + [t] if isinstance(t, (For, While)) else around)
                if found is not None:
                    return found
        return None
    return search(loop.body, [loop])


def _dominating_defs(block: list[Stmt], target: Stmt) -> dict:
    """Names assigned once in ``block`` (a loop's body), by a statement that runs
    before ``target`` on every path through one pass over it (earlier in the
    same block, or in a block around it), from values the pass does not
    change: ``t_plus_1 = t + 1`` in an inner loop's body is ``t + 1`` wherever
    ``target`` reads it (``x[i, t + 1] += A[i, j] * x[j, t]``).  One walk per
    block (kept while the plan is made)."""
    entry = _DOMINATING.get(id(block))
    if entry is None or entry[0] is not block:
        entry = (block, _dominating_table(block))
        _DOMINATING[id(block)] = entry
    return entry[1].get(id(target), {})


_DOMINATING: dict[int, tuple[list, dict]] = {}  # id(block) -> (block, id(statement) -> its dominating defs)


def _dominating_table(block: list[Stmt]) -> dict[int, dict]:
    counts: dict[str, int] = {}
    for t in walk(block):
        name = t.var if isinstance(t, For) else t.target if isinstance(t, Assign) else None
        if name is not None:
            counts[name] = counts.get(name, 0) + 1
    single = {t.target: t.value for t in walk(block)
              if isinstance(t, Assign) and not is_store(t) and counts.get(t.target) == 1}
    moving = assigned_in(block)
    stable: dict = {}  # single definitions from values the pass does not change
    grew = True
    while grew:
        grew = False
        for name, value in single.items():
            if name not in stable and all(v not in moving or v in stable for v in variables(value)):
                stable[name] = value
                grew = True
    table: dict[int, dict] = {}

    def visit(stmts: list[Stmt], visible: dict) -> None:
        for s in stmts:
            table[id(s)] = visible
            for b in child_blocks(s):
                visit(b, visible)
            if isinstance(s, Assign) and s.target in stable:
                visible = {**visible, s.target: stable[s.target]}  # later statements see it

    visit(block, {})
    return table


def _scratch_arrays(fn: Function, arrays, types: dict[str, str],
                    reread: dict[int, set[str]] | None = None) -> dict[int, set[str]]:
    """id(loop) -> the work arrays its iterations fill before they read them (:func:`_scratch`)."""
    out: dict[int, set[str]] = {}
    for array in sorted(arrays):
        loop = _scratch(fn, array, types, reread)
        if loop is not None:
            out.setdefault(id(loop), set()).add(array)
    return out


def _scratch(fn: Function, array: str, types: dict[str, str],
             reread: dict[int, set[str]] | None = None) -> For | While | None:
    """A work array each iteration of a top-level loop fills before it reads
    it (the next state of a time step, ``un[i] = ...`` for the interior and
    the boundary, then ``u[i] = un[i]``): allocated by the function, loaded and
    stored only inside that loop, and each load, in a `for` loop over a range
    of elements (its own or one inside it), reads elements the same iteration
    stored before it (a store straight in the body, or in a `for` loop over a
    range); once the iteration has stored every element of a 1-D array, any
    load reads its values (``z[labels[i]]`` after the scores).  No store may
    follow a read in the iteration (refilling part of the array after using
    it): the read's reverse would find the new elements.  With ``reread``
    (each loop's values its own reverse re-computes), only reads whose value
    some loop's reverse re-reads count: a force array zeroed, then added
    into (``f[:] = 0``, ``f[i] += k * e[i]``), whose sums no reverse needs,
    is a work array too, the additions reading what the iteration stored
    (the re-run replays them in order).  No re-run can
    then see an element an earlier iteration left, so its stores push
    nothing: the re-run of an iteration stores them again before it reads.
    The top-level statements after the loop may use the array too where
    they, as one block, fill it before they read it in the same way (the
    final state computed once more from the last iterate, then read): their
    reverse, which runs first, needs none of the values the loop left.
    The loop, or None."""
    allocation = [k for k, s in enumerate(fn.body) if isinstance(s, Assign) and s.target == array
                  and isinstance(s.value, Call) and s.value.prim in ("empty", "empty_like", "zeros", "zeros_like")]
    if not allocation:
        return None
    at = [k for k, s in enumerate(fn.body) if isinstance(s, (For, While)) and array in _arrays_touched(s.body)]
    if not at:
        return None
    loop, after = fn.body[at[0]], fn.body[at[0] + 1:]
    if any(_mentions(t, array) for k, s in enumerate(fn.body[:at[0]]) if k not in allocation for t in walk([s])):
        return None
    once = _single_valued(fn)
    top = {t.target: t.value for t in fn.body if isinstance(t, Assign) and not is_store(t) and t.target in once}
    used_after = any(_mentions(t, array) for t in walk(after))
    stored_after = any(is_store(t) and t.target == array for t in walk(after))
    if _filled_each_iteration(fn, loop, array, types, reread, top, not stored_after) and (not used_after or (
            _only_elements(after, array) and _fills_before_reads(
                after, array, top, assigned_in(after) - set(top), _length(fn, array, top), reread))):
        return loop
    # a buffer used only inside an inner loop (a row copied in for a helper, three loops
    # down): the same rule for that loop's iterations, whose stored values read nothing the
    # loops around it compute (their re-runs need not recompute it for the inner loop's)
    inner = _innermost_holding(loop, array)
    if inner is loop or used_after or not _filled_each_iteration(fn, inner, array, types, reread, top):
        return None
    around = {t.var for t in walk([loop]) if isinstance(t, For) and any(u is inner for u in walk([t]))}
    computed_around = assigned_in(loop.body) - assigned_in(inner.body) - around
    return None if (_store_needs(inner, array) & upward_exposed(inner.body)) & computed_around else inner


def _store_needs(loop, array: str) -> set[str]:
    """The names ``loop``'s iteration computes its stores into ``array`` from
    (indices and values), up to its last statement that stores into it: what
    the iteration does after (``S = bed + H`` first, then ``H`` updated from
    a time step) does not reach them in the iteration, and reaches them in
    the next only through the values it leaves, which the next iteration's
    start holds."""
    stores = [t for t in walk(loop.body) if is_store(t) and t.target == array]
    if not stores:
        return set()
    last = max(k for k, t in enumerate(loop.body) if any(u is v for u in walk([t]) for v in stores))
    prefix = loop.body[:last + 1]
    return _needed_in(prefix, set().union(*(variables(a) for t in stores for a in t.value.args[1:])),
                      assigned_in(prefix))


def scratch_within(loop, scratch: dict[int, set[str]]) -> set[str]:
    """The work arrays of ``loop`` and of the loops inside it (:func:`_scratch`)."""
    return set().union(*(scratch.get(id(t), set()) for t in walk([loop]) if isinstance(t, (For, While))))


def _filled_each_iteration(fn: Function, loop, array: str, types: dict[str, str], reread, top: dict,
                           only_here: bool = False) -> bool:
    """The part of :func:`_scratch` about one loop: its iterations use the
    array through elements only, fill it before they read it, and compute the
    stored values from nothing the loop carries between iterations
    (``only_here``: no store outside the loop writes the array)."""
    if not _only_elements(loop.body, array):
        return False
    defs, changing = _iteration_names(fn, loop)
    size = _length(fn, array, {**top, **defs})  # (n = x.shape[0] before the loop, n_2 = x.shape[0] in it)
    settled = changing | {getattr(loop, "var", None)} if only_here else None
    if not _fills_before_reads(loop.body, array, {**top, **defs}, changing, size, reread, settled):
        return False
    # the re-run computes the stored values again: from arrays (restored as the iteration found
    # them) and names the loop does not carry, never from a scalar carried between iterations
    carried = upward_exposed(loop.body) & assigned_in(loop.body)
    return not any(v in carried and not is_array(types.get(v)) for v in _store_needs(loop, array))


def _innermost_holding(loop, array: str):
    """The innermost loop, ``loop`` or one inside it, whose body holds every
    use of ``array`` (going down while one loop of the body holds them all)."""
    while True:
        holders = [s for s in loop.body if any(_mentions(t, array) for t in walk([s]))]
        if len(holders) != 1 or not isinstance(holders[0], (For, While)):
            return loop
        loop = holders[0]


def _fills_before_reads(body: list[Stmt], array: str, defs: dict, changing: set[str], size: dict | None,
                        reread: dict[int, set[str]] | None = None, settled: set[str] | None = None) -> bool:
    """Whether each load of the 1-D ``array`` in ``body`` (an iteration, or a
    block of top-level statements) reads elements ``body`` stored before it,
    straight or in `for` loops over ranges (all of them, once the stores
    cover ``size``), and no store follows a read (with ``reread``, a read
    whose value a loop's reverse re-computes: see :func:`_scratch`).  With
    ``settled`` (the names that move between iterations, where nothing but
    ``body`` stores into the array), a read after the iteration's last store
    may also reach elements no store writes (a flux array's two ends, left
    at 0 while each step stores the interior): where every store wrote the
    same elements in every iteration, on every path, those never change."""
    if _stored_after_read(body, array) if reread is None else _stored_after_reread(body, array, reread):
        return False  # the reverse of the read, after the store's, would find the new elements
    covered: list[tuple[dict, dict]] = []  # [start, stop) of the elements stored so far
    fixed = settled is not None  # every store so far writes the same elements in every iteration
    for k, s in enumerate(body):
        span = _stored_span(s, array, defs, changing)
        if span is not None:
            covered.append(span)
            fixed = fixed and _one_index(s, array) and not any(
                v is not None and variables(v) & settled for form in span for v in form)
            continue
        if not any(_is_load(t) and t.value.args[0] == Var(array) for t in walk([s])):
            if array in _arrays_touched([s]):
                return False  # a store this rule cannot place
            continue
        if size is not None and _spans_cover(covered, {}, size) and (
                reread is not None or not any(is_store(t) and t.target == array for t in walk([s]))):
            # every element stored already: what the statement reads are the new values (and,
            # with reread, what it stores again no reverse re-reads under it)
            continue
        read = _loaded_span(s, array, defs, changing)
        if read is None or not _spans_cover(covered, *read):
            if fixed and not any(is_store(t) and t.target == array for t in walk(body[k:])):
                continue  # what the iteration stored, or what nothing ever stores
            return False
    return True


def _one_index(s: Stmt, array: str) -> bool:
    """Whether every store into ``array`` in ``s`` names the same element."""
    return len({t.value.args[1:-1] for t in walk([s]) if is_store(t) and t.target == array}) == 1


def _length(fn: Function, array: str, defs: dict) -> dict | None:
    """The length of a 1-D work array the function allocates (``np.empty(c)``,
    ``np.zeros_like(x)`` of a 1-D ``x``) as an affine form, or None."""
    made = [s.value for s in fn.body if isinstance(s, Assign) and s.target == array and not is_store(s)]
    if len(made) != 1 or not isinstance(made[0], Call):
        return None
    value = made[0]
    if value.prim in ("empty", "zeros") and len(value.args) == 1:
        return _bound_form(value.args[0], defs)
    if value.prim in ("empty_like", "zeros_like") and isinstance(value.args[0], Var) \
            and fn.types.get(value.args[0].name) == "array1":
        return affine(Call("shape", (value.args[0], Const(0))), defs)
    return None


def _mentions(s: Stmt, array: str) -> bool:
    """Whether the statement itself (not its nested blocks) names ``array``."""
    return array in stmt_reads(s) or (isinstance(s, Assign) and s.target == array) or (
        isinstance(s, OPAQUE) and array in raw_names(s))


def _only_elements(block: list[Stmt], array: str) -> bool:
    """Whether ``block`` uses ``array`` through element loads and stores
    alone (and its shape): no whole-array call (``np.sum(w)``), no opaque
    line, no other name for it."""
    for t in walk(block):
        if not _mentions(t, array):
            continue
        if _is_load(t) and t.value.args[0] == Var(array) and not any(
                array in variables(i) for i in t.value.args[1:]):
            continue
        if is_store(t) and t.target == array and not any(array in variables(a) for a in t.value.args[1:]):
            continue
        if isinstance(t, Assign) and isinstance(t.value, Call) and t.value.prim == "shape" \
                and t.target != array:
            continue
        return False
    return True


def _arrays_touched(block: list[Stmt]) -> set[str]:
    """The arrays ``block`` loads from or stores into."""
    return {t.value.args[0].name for t in walk(block) if (_is_load(t) or is_store(t))
            and isinstance(t.value.args[0], Var)}


def _span(loop: For | None, index, defs: dict, changing: set[str]) -> tuple[dict, dict] | None:
    """[start, stop) of the elements ``index`` (one dimension) takes over
    ``loop`` (a `for` counting up by one; None: a single element), as affine
    forms of names the iteration does not change."""
    inner = {loop.var} if loop is not None else set()
    at = affine(index, defs)
    if at is None or any(isinstance(v, Var) and v.name in changing - inner for v in at):
        return None
    if loop is None:
        return at, affine_sum(at, {None: 1}, 1)
    start, stop = _bound_form(loop.start, defs), _bound_form(loop.stop, defs)
    if loop.step != Const(1) or start is None or stop is None or at.get(Var(loop.var)) != 1 or any(
            variables(v) & changing for v in (*start, *stop) if v is not None):
        return None
    offset = {a: c for a, c in at.items() if a != Var(loop.var)}
    return affine_sum(start, offset, 1), affine_sum(stop, offset, 1)


def _bound_form(e: Expr, defs: dict) -> dict | None:
    """A loop bound or an array length as an affine form; one that is not
    affine (a slice's clamped length, ``max(n - min(1, n), 0)``) is a single
    atom, the expression with ``defs`` expanded, so that the same length
    spelled through other names compares equal."""
    form = affine(e, defs)
    if form is not None:
        return form
    return {expanded(e, defs): 1}


def expanded(e: Expr, defs: dict, depth: int = 8) -> Expr:
    """``e`` with each name of ``defs`` replaced by its definition, ``depth`` levels deep."""
    if isinstance(e, Var) and e.name in defs and depth > 0:
        return expanded(defs[e.name], defs, depth - 1)
    if isinstance(e, Call):
        return Call(e.prim, tuple(expanded(a, defs, depth) for a in e.args))
    return e


def _stored_span(s: Stmt, array: str, defs: dict, changing: set[str]) -> tuple[dict, dict] | None:
    """The elements of a 1-D ``array`` the top-level statement ``s`` of an
    iteration always stores: ``array[e] = ...`` straight, or a `for` loop
    over a range whose body stores ``array[i + c]`` on every path (straight,
    or in each branch of an ``if``: a soft threshold's three cases) and reads
    no element of it."""
    if is_store(s) and s.target == array and len(s.value.args) == 3:
        return _span(None, s.value.args[1], defs, changing)
    if isinstance(s, For) and not any(_is_load(t) and t.value.args[0] == Var(array) for t in walk(s.body)):
        indices = stored_on_every_path(s.body, array)
        if indices:
            return _span(s, indices[0], defs, changing)
    return None


def stored_on_every_path(block: list[Stmt], array: str) -> list:
    """The indices of the element stores into 1-D ``array`` that every path
    through ``block`` makes (none where a path may leave early)."""
    if any(isinstance(t, (Break, Continue, Return)) for t in walk(block)):
        return []
    out = []
    for t in block:
        if is_store(t) and t.target == array and len(t.value.args) == 3:
            out.append(t.value.args[1])
        elif isinstance(t, If):
            orelse = stored_on_every_path(t.orelse, array)
            out += [i for i in stored_on_every_path(t.body, array) if i in orelse]
    return out


def _loaded_span(s: Stmt, array: str, defs: dict, changing: set[str]) -> tuple[dict, dict] | None:
    """The elements of ``array`` the statement ``s`` may load: a `for` loop
    over a range whose body stores nothing into it and loads ``array[i + c]``
    alone, ``i`` its own variable or that of a loop inside it (a layer's
    ``for k: ... for j: z += a[j] * W[j, k]``), None otherwise."""
    if not isinstance(s, For) or any(is_store(t) and t.target == array for t in walk(s.body)):
        return None
    loads = [t for t in walk(s.body) if _is_load(t) and t.value.args[0] == Var(array)]
    if len(loads[0].value.args) != 2 or any(t.value.args != loads[0].value.args for t in loads):
        return None
    index = loads[0].value.args[1]
    over = [t for t in walk([s]) if isinstance(t, For) and t.var in variables(index)]
    return _span(over[0], index, defs, changing) if len(over) == 1 else None


def _spans_cover(spans: list[tuple[dict, dict]], start: dict, stop: dict) -> bool:
    """Whether the union of ``spans`` holds every element of [start, stop):
    walking up from ``start``, a span that begins at or below the point
    reached (by a constant) carries it to its end."""
    point, moved = start, True
    reached = [start]  # each point once: spans whose ends are not ordered could send it back and forth
    while moved:
        if _constant(affine_sum(stop, point, -1), lambda c: c <= 0):
            return True
        moved = False
        for lo, hi in spans:
            if _constant(affine_sum(lo, point, -1), lambda c: c <= 0) and \
                    not _constant(affine_sum(hi, point, -1), lambda c: c <= 0) and hi not in reached:
                point, moved = hi, True
                reached.append(hi)
    return False


def _constant(form: dict, test) -> bool:
    """Whether the affine ``form`` is a constant that passes ``test``."""
    return not (set(form) - {None}) and test(form.get(None, 0))


def _written_once(fn: Function, array: str, writes: list) -> bool:
    """An ``np.empty`` array written by one store that each iteration of its
    loop nest points at a different element (indexed by the nest's loop
    variables): once written, an element never changes, so nothing the
    reverse sweep re-reads can differ from what the forward sweep read."""
    allocs = [s for s in fn.body if isinstance(s, Assign) and s.target == array and isinstance(s.value, Call)
              and s.value.prim in ("empty", "empty_like")]
    if not allocs or len(writes) != 1:
        return False
    store, _, loops = writes[0]
    index = store.value.args[1:-1]
    loop_vars = [L.var for L in loops if isinstance(L, For)]
    if len(loop_vars) != len(loops):
        return False
    used = [i.name for i in index if isinstance(i, Var) and i.name in loop_vars]
    return sorted(used) == sorted(loop_vars) and len(set(used)) == len(used)
