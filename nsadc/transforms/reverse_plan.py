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
  reverses it.  Nothing computed from the state is taped (shared/NUMBA.md:
  taping what can be recomputed is what made naive gradients slow);
- fused reductions: a top-level loop nest whose only loop-carried active value
  is one accumulator ``s += term`` computes ``ds/dv`` for the values ``v`` it
  reads, in the same loop, and the reverse sweep only adds ``s_bar·ds/dv``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nsadc.ir.analysis import Facts, definitions
from nsadc.ir.nodes import Assign, Call, For, Function, If, Stmt, Var, While, variables, walk
from nsadc.ir.nodes import assigned as assigned_in, reads as stmt_reads, upward_exposed
from nsadc.transforms.common import Derivative, is_differentiable


@dataclass
class Fusion:
    """A fused reduction nest: ``acc`` accumulates terms that read ``invariants``."""

    acc: str
    invariants: list[str]  # active values read in the nest and not assigned in it
    derivs: dict[str, str] = field(default_factory=dict)  # invariant -> name of d acc / d invariant


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


def plan(fn: Function, facts: Facts, D: Derivative) -> Plan:
    count, in_loop = definitions(fn)
    overwritten = {v for v, n in count.items() if n >= 2} | in_loop
    program_vars = set(count) | set(facts.types)
    loop_vars = {s.var for s in walk(fn.body) if isinstance(s, For)}

    def adjoint_reads(s: Assign) -> tuple[set[str], bool]:
        """Variables the reverse of ``s`` reads, and whether it reads the value
        that ``s`` overwrites (``x = x * y``)."""
        if not (s.target in facts.active and is_differentiable(s, facts)):
            return set(), False
        self_ref = any(isinstance(a, Var) and a.name == s.target for a in s.value.args)
        setup, grads = D.partials(s, None if self_ref else Var(s.target), tmp=lambda hint: hint)
        reads: set[str] = set()
        for a in setup:
            reads |= variables(a.value)
        for g in grads:
            if g is not None:
                reads |= variables(g)
        reads &= program_vars  # the rules' setup temporaries are not program values
        return reads, self_ref and s.target in reads

    fused = _fusable(fn, facts, count)

    def has_work(block: list[Stmt], records: set[int]) -> bool:
        return any(isinstance(s, Assign) and (s.target in facts.active or id(s) in records)
                   for s in walk(block))

    def scan(block, before: set[str], records: set[int], known: set[int],
             checkpoints: dict, restore: dict, needs: dict) -> set[str]:
        """Mark records in ``block`` given the values ``before`` that adjoints
        run later in the reverse sweep read; return that set after the block."""
        for s in block:
            if isinstance(s, Assign):
                reads, reads_old_self = adjoint_reads(s)
                if (s.target in before or reads_old_self) and s.target not in loop_vars:
                    records.add(id(s))
                before = before | reads
            elif isinstance(s, If):
                if has_work(s.body + s.orelse, known):
                    before = before | variables(s.test)
                before = (scan(s.body, before, records, known, checkpoints, restore, needs)
                          | scan(s.orelse, before, records, known, checkpoints, restore, needs))
            elif isinstance(s, (For, While)):
                if id(s) in fused:
                    before = before | set(fused[id(s)].invariants)
                    continue
                # within one iteration (each reversed iteration re-runs from its checkpoint)
                inner_before = scan(s.body, set(), records, known, checkpoints, restore, needs)
                assigned = assigned_in(s.body)
                need = _needed_in(s.body, inner_before | _test_reads(s.body), assigned)
                exposed = upward_exposed(s.body)
                ck = sorted(((exposed & need) | (assigned & before)) & assigned - loop_vars)
                checkpoints[id(s)] = ck
                needs[id(s)] = need
                restore[id(s)] = sorted(assigned & before - loop_vars)
                before = before | _reads(s.body)
                if isinstance(s, For):
                    before |= variables(s.start) | variables(s.stop) | variables(s.step)
        return before

    records: set[int] = set()
    while True:  # which decisions are needed depends on the records: iterate
        new: set[int] = set()
        checkpoints: dict[int, list[str]] = {}
        restore: dict[int, list[str]] = {}
        needs: dict[int, set[str]] = {}
        scan(fn.body, set(), new, records, checkpoints, restore, needs)
        if new == records:
            break
        records = new
    reversed_loops = {id(s) for s in walk(fn.body) if isinstance(s, (For, While))
                      and id(s) not in fused and has_work(s.body, records)}
    recorded = {s.target for s in walk(fn.body) if isinstance(s, Assign) and id(s) in records}
    return Plan(records, recorded, checkpoints, restore, needs, reversed_loops, fused, overwritten)


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


def _needed_in(block: list[Stmt], need: set[str], assigned: set[str]) -> set[str]:
    """Backward slice inside a loop body: the values that the iteration's
    reverse (or its re-run, for what the reverse reads) depends on."""
    need = set(need)
    for _ in range(len(assigned) + 2):
        grew = False
        for s in walk(block):
            if isinstance(s, Assign) and s.target in need:
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
        f = _fusion_of(loop, fn, facts, count)
        if f is not None:
            out[id(loop)] = f
    return out


def _fusion_of(loop: For, fn: Function, facts: Facts, count: dict[str, int]) -> Fusion | None:
    nest = loop.body
    if any(isinstance(s, While) for s in walk(nest)):
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
    outside_reads = _reads_outside(fn.body, loop)
    for v in assigned:
        if v == acc or v not in facts.active:
            continue
        if count.get(v) != 1 or v in outside_reads:
            return None
    if not _defs_dominate_reads(nest, {v for v in assigned if v in facts.active and v != acc}, set()):
        return None
    invariants = sorted({v for v in _reads(nest) if v in facts.active and v not in assigned})
    return Fusion(acc, invariants)


def _reads_outside(body: list[Stmt], loop: For) -> set[str]:
    out: set[str] = set()

    def visit(stmts):
        for s in stmts:
            if s is loop:
                out.update(variables(loop.start) | variables(loop.stop) | variables(loop.step))
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
