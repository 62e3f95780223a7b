"""Reverse mode: a forward sweep, then a reverse sweep.

The reverse sweep walks the structured program backwards.  At the reverse of an
assignment every variable holds the value it had just after that assignment in
the forward sweep: values that are overwritten and needed later are pushed on a
tape before they are overwritten and popped back here (the to-be-recorded
analysis); branch decisions are variables like any other; `for` loops run
backwards over the same range; `while` loops replay their trip count.

Statements at the top of a `for` body whose operands are loop-invariant or loop
indices are recomputed at the start of each reversed iteration instead of
taped (shared/NUMBA.md: taping what can be recomputed is what makes naive
emitted gradients slow).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from nsadc.emit import _range_source
from nsadc.ir.analysis import Facts, definitions
from nsadc.ir.build import add, mul, sub
from nsadc.ir.nodes import (Assign, Call, Comment, Const, Expr, For, Function, If, Param, Raw, Return,
                            Stmt, Var, While, variables, walk)
from nsadc.transforms.common import Derivative, is_differentiable, zero_of


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


@dataclass
class Plan:
    """The reverse-mode facts: which assignments tape the value they overwrite,
    and which loop statements are recomputed instead."""

    records: set[int]  # id(Assign) of the assignments that push the old value
    recorded: set[str]  # the variables those assignments overwrite
    recompute: dict[int, list[Assign]] = field(default_factory=dict)  # id(For) -> statements
    overwritten: set[str] = field(default_factory=set)


def plan(fn: Function, facts: Facts, D: Derivative) -> Plan:
    count, in_loop = definitions(fn)
    overwritten = {v for v, n in count.items() if n >= 2} | in_loop
    loop_vars = {s.var for s in walk(fn.body) if isinstance(s, For)}
    program_vars = set(count) | set(facts.types)

    def partial_reads(s: Assign) -> tuple[set[str], bool]:
        """Variables the reverse of ``s`` reads, and whether it reads the old
        value of its own target (``x = x * y``)."""
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
        reads &= program_vars  # drop the rules' setup temporaries
        return reads, self_ref and s.target in reads

    recompute, recomputed = _recomputable(fn, count, in_loop)

    # An assignment must tape the value it overwrites when the reverse sweep
    # reads that value later, i.e. when some statement that can run before it
    # reads the variable in its adjoint.  Scan in execution order; loop bodies
    # twice, since a later iteration runs after an earlier one's reads.  An
    # `if` needs its decision only when a branch has reverse work.
    def scan(block: list[Stmt], before: set[str], records: set[int], known: set[int]) -> set[str]:
        for s in block:
            if isinstance(s, Assign):
                reads, reads_old_self = partial_reads(s)
                if (s.target in before or reads_old_self) and s.target not in recomputed \
                        and s.target not in loop_vars:
                    records.add(id(s))
                before = before | reads
            elif isinstance(s, If):
                if _has_reverse_work(s.body + s.orelse, facts, known):
                    before = before | variables(s.test)
                before = (scan(s.body, before, records, known)
                          | scan(s.orelse, before, records, known))
            elif isinstance(s, For):
                before = before | variables(s.start) | variables(s.stop) | variables(s.step)
                before = scan(s.body, scan(s.body, before, records, known), records, known)
            elif isinstance(s, While):
                before = scan(s.body, scan(s.body, before, records, known), records, known)
        return before

    records: set[int] = set()
    while True:  # taped values and needed decisions feed each other: iterate
        new: set[int] = set()
        scan(fn.body, set(), new, records)
        if new == records:
            break
        records = new
    recorded = {s.target for s in walk(fn.body) if isinstance(s, Assign) and id(s) in records}
    return Plan(records, recorded, recompute, overwritten)


def _recomputable(fn: Function, count: dict[str, int], in_loop: set[str]):
    """Statements at the top of a `for` body whose operands are loop-invariant,
    loop indices or earlier such statements, and whose value is not read after
    the loop: the reverse sweep recomputes them for each iteration."""
    reads = _read_counts(fn.body)
    invariant = {v for v, n in count.items() if n == 1 and v not in in_loop}
    recompute: dict[int, list[Assign]] = {}
    recomputed: set[str] = set()
    for loop in (s for s in walk(fn.body) if isinstance(s, For)):
        ok = set(invariant) | _enclosing_loop_vars(fn.body, loop) | {loop.var}
        inside = _read_counts(loop.body)
        stmts = []
        for s in loop.body:
            if not isinstance(s, Assign) or count.get(s.target) != 1:
                continue
            if any(isinstance(a, Var) and a.name not in ok for a in _operands(s.value)):
                continue
            if reads.get(s.target, 0) != inside.get(s.target, 0):
                continue  # read after the loop: its last value must survive the reverse sweep
            stmts.append(s)
            ok.add(s.target)
            recomputed.add(s.target)
        if stmts:
            recompute[id(loop)] = stmts
    return recompute, recomputed


def _has_reverse_work(block: list[Stmt], facts: Facts, records: set[int]) -> bool:
    return any(isinstance(s, Assign) and (s.target in facts.active or id(s) in records)
               for s in walk(block))


def _operands(e: Expr) -> list[Expr]:
    if isinstance(e, Call):
        out = []
        for a in e.args:
            out.extend(_operands(a) if isinstance(a, Call) else [a])
        return out
    return [e]


def _read_counts(block: list[Stmt]) -> dict[str, int]:
    counts: dict[str, int] = {}

    def see(e):
        for v in variables(e):
            counts[v] = counts.get(v, 0) + 1

    for s in walk(block):
        if isinstance(s, Assign):
            see(s.value)
        elif isinstance(s, (If, While)):
            see(s.test)
        elif isinstance(s, For):
            for b in (s.start, s.stop, s.step):
                see(b)
        elif isinstance(s, Return):
            for v in (s.value if isinstance(s.value, tuple) else (s.value,)):
                see(v)
    return counts


def _enclosing_loop_vars(body: list[Stmt], target: For) -> set[str]:
    def search(block, outer: set[str]):
        for s in block:
            if s is target:
                return outer
            if isinstance(s, If):
                for b in (s.body, s.orelse):
                    r = search(b, outer)
                    if r is not None:
                        return r
            elif isinstance(s, For):
                r = search(s.body, outer | {s.var})
                if r is not None:
                    return r
            elif isinstance(s, While):
                r = search(s.body, outer)
                if r is not None:
                    return r
        return None

    return search(body, set()) or set()


class _Tapes:
    """Names of the float and int tapes; which of them the program uses."""

    def __init__(self, names, types):
        self.names = names
        self.types = types
        self.float_used = False
        self.int_used = False
        self.f, self.nf = names.fresh("tape"), names.fresh("n_tape")
        self.i, self.ni = names.fresh("itape"), names.fresh("n_itape")

    def push(self, var: str) -> Raw:
        if self.types.get(var) == "float":
            self.float_used = True
            return Raw(f"{self.f}, {self.nf} = _push({self.f}, {self.nf}, {var})")
        self.int_used = True
        return Raw(f"{self.i}, {self.ni} = _push({self.i}, {self.ni}, {var})")

    def pop(self, var: str) -> list[Raw]:
        t = self.types.get(var)
        if t == "float":
            return [Raw(f"{self.nf} -= 1"), Raw(f"{var} = {self.f}[{self.nf}]")]
        read = f"{self.i}[{self.ni}] != 0" if t == "bool" else f"{self.i}[{self.ni}]"
        return [Raw(f"{self.ni} -= 1"), Raw(f"{var} = {read}")]

    def init(self) -> list[Raw]:
        out = []
        if self.float_used:
            out += [Raw(f"{self.f} = np.empty(1024)"), Raw(f"{self.nf} = 0")]
        if self.int_used:
            out += [Raw(f"{self.i} = np.empty(1024, np.int64)"), Raw(f"{self.ni} = 0")]
        return out


def reverse(fn: Function, facts: Facts, policy, names, report: str | None = None) -> Function:
    """``fn`` (after :func:`materialize_tests`) -> ``fn_vjp(*args, out_bar) ->
    (value, (adjoints in wrt order))``."""
    D = Derivative(fn, facts, policy, names, "bar")
    P = plan(fn, facts, D)
    T = _Tapes(names, facts.types)
    counters: dict[int, str] = {}  # id(While) -> trip counter name

    # ------------------------------------------------ reverse sweep (built first:
    # the forward sweep needs to know which loops replay)
    def rblock(stmts: list[Stmt], depth: int) -> list[Stmt]:
        out: list[Stmt] = []
        for s in reversed(stmts):
            out.extend(rstmt(s, depth))
        return out

    def rstmt(s: Stmt, depth: int) -> list[Stmt]:
        if isinstance(s, Assign):
            return rassign(s)
        if isinstance(s, If):
            body, orelse = rblock(s.body, depth), rblock(s.orelse, depth)
            if not body and not orelse:
                return []
            if not body:
                return [If(Call("not", (s.test,)), orelse, [], s.loc)]
            return [If(s.test, body, orelse, s.loc)]
        if isinstance(s, For):
            body = rblock(s.body, depth + 1)
            if not body:
                return []
            redo = [Assign(a.target, a.value, a.loc) for a in P.recompute.get(id(s), [])]
            return _reversed_for(s, redo + body, names)
        if isinstance(s, While):
            body = rblock(s.body, depth + 1)
            if not body:
                return []
            trips = counters[id(s)] = names.fresh("n_iter")
            facts.types[trips] = "int"
            pre = T.pop(trips) if depth else []
            return pre + [For("_", Const(0), Var(trips), Const(1), body, s.loc)]
        return []

    def rassign(s: Assign) -> list[Stmt]:
        t = s.target
        restore = T.pop(t) if id(s) in P.records else []
        if t not in facts.active:
            return restore
        if not is_differentiable(s, facts):
            return [Assign(D.d(t), Const(0.0))] + restore
        args = s.value.args
        self_ref = any(isinstance(a, Var) and a.name == t for a in args)
        out: list[Stmt] = D.kink_comment(s)
        if self_ref:
            out += restore
        setup, grads = D.partials(s, None if self_ref else Var(t))
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

    reverse_sweep = rblock(fn.body[:-1], 0)

    # ------------------------------------------------ forward sweep
    def fblock(stmts: list[Stmt], depth: int) -> list[Stmt]:
        out: list[Stmt] = []
        for s in stmts:
            if isinstance(s, Assign):
                if id(s) in P.records:
                    out.append(T.push(s.target))
                out.append(Assign(s.target, s.value, s.loc, s.site))
                if report is not None:
                    out += D.report(s, report)
            elif isinstance(s, If):
                out.append(If(s.test, fblock(s.body, depth), fblock(s.orelse, depth), s.loc))
            elif isinstance(s, For):
                out.append(For(s.var, s.start, s.stop, s.step, fblock(s.body, depth + 1), s.loc))
            elif isinstance(s, While):
                body = fblock(s.body, depth + 1)
                trips = counters.get(id(s))
                if trips is None:
                    out.append(While(s.test, body, s.loc))
                    continue
                body.append(Assign(trips, Call("add", (Var(trips), Const(1)))))
                out += [Assign(trips, Const(0)), While(s.test, body, s.loc)]
                if depth:
                    out.append(T.push(trips))
            else:
                out.append(s)
        return out

    forward_sweep = fblock(fn.body[:-1], 0)

    # ------------------------------------------------ assemble
    ret = fn.body[-1]
    value = ret.value
    body: list[Stmt] = []
    param_names = {p.name for p in fn.params}
    inits = [Assign(v, zero_of(facts.types[v])) for v in sorted(P.recorded) if v not in param_names]
    out_name = D.d(value.name) if isinstance(value, Var) else names.fresh("out_bar")
    captured = value
    result_stmts: list[Stmt] = []
    if isinstance(value, Var) and value.name in P.recorded:
        captured = Var(names.fresh("value"))
        result_stmts.append(Assign(captured.name, Call("copy", (value,))))
    body += T.init() + inits
    if forward_sweep:
        body += [Comment("forward sweep")] + forward_sweep + result_stmts
    adjoint_inits = [Assign(D.d(v), Const(0.0)) for v in sorted(facts.active)
                     if not (isinstance(value, Var) and v == value.name)]
    if reverse_sweep or adjoint_inits:
        body += [Comment("reverse sweep")] + adjoint_inits + reverse_sweep
    wrt_float = [w for w in facts.wrt if facts.types.get(w) == "float"]
    adjoints = tuple(Var(D.d(w)) if w in facts.active else Const(0.0) for w in wrt_float)
    body.append(Return((captured, Call("tuple", adjoints)), ret.loc))
    params = list(fn.params) + [Param(out_name, "float")]
    if report is not None:
        params.append(Param(report, "array"))
    doc = f"{fn.name} and the adjoints ({', '.join(D.d(w) for w in wrt_float)}) of the cotangent {out_name}."
    out_fn = Function(f"{fn.name}_vjp", params, body, fn.loc, doc, facts.types)
    out_fn.uses_tape = T.float_used or T.int_used  # type: ignore[attr-defined]
    return out_fn


def _reversed_for(s: For, body: list[Stmt], names) -> list[Stmt]:
    if isinstance(s.step, Const) and s.step.value == 1:
        return [For(s.var, sub(s.stop, Const(1)), sub(s.start, Const(1)), Const(-1), body, s.loc)]
    if isinstance(s.step, Const) and s.step.value == -1:
        return [For(s.var, add(s.stop, Const(1)), add(s.start, Const(1)), Const(1), body, s.loc)]
    trips = names.fresh(f"n_{s.var}")
    k = names.fresh(f"k_{s.var}")
    index = [Assign(s.var, add(s.start, mul(Var(k), s.step)))]
    return [Raw(f"{trips} = len({_range_source(s.start, s.stop, s.step)})"),
            For(k, sub(Var(trips), Const(1)), Const(-1), Const(-1), index + body, s.loc)]
