"""Independent iterations that loop inside, differentiated by tangents.

A loop over items whose iterations share only a sum, each solving something
of its own by iteration (Newton's method per element, a bisection per
option, a path that stops at a barrier, a few time steps per particle):

    for i in range(n):
        t = b[i] / (a[i] + 1.0)
        while abs(step) > 1e-13:
            ...  t -= step
        s += t * t

Reversing an iteration means taping its inner loop's every step (on a tape
that grows, for a loop that can stop early), then running the inner loop
again backwards.  But an iteration reads only a few inputs
(``a[i]`` and ``b[i]`` here: the same elements at every inner step), so one
tangent along each, carried beside the primal, gives its whole contribution
to the gradient with no tape and no second run:

    for i in range(n):
        t = b[i] / (a[i] + 1.0)
        t_dot_a_i = -(t / (a[i] + 1.0))        # along a[i]
        t_dot_b_i = 1.0 / (a[i] + 1.0)         # along b[i]
        while ...:
            ...  t_dot_a_i -= step_dot_a_i     # the same selections as the primal's
        s_dot_a_i += 2.0 * t * t_dot_a_i
        ds_da[i] += s_dot_a_i

A nest of loops, each ending the body of the one before (``for i: for j in
range(i + 1): ...``), has an item per innermost iteration (:func:`item_loops`).
Each iteration's tangents start at zero for the sum, one for its own input;
``ds_da`` is then scaled by the sum's adjoint where the loop stands in the
reverse sweep (a fused loop's derivatives: transforms/reverse.py).  An
iteration that stores its item's result instead (``roots[i] = t``, read
after the loop) stores the result's tangents beside it (``droots_da_i[i]``),
and the reverse sweep multiplies them by the result's adjoint.  The
selections at kinks are the reverse mode's (the same rule-table partials), so
the gradient is the same vector up to rounding.

:func:`iteration_seeds` says where this applies: every active value the
iteration reads from outside is a scalar or an element of an array at an index
that the iteration fixes before it reads it, there are at most
``TANGENT_INPUTS`` of them, and the iteration holds a loop.  Measured against
the same loops reversed with tapes (benchmarks/bench_item_tangents.py, 2·10^5
items): 0.53 to 0.77 of the time, Newton per element 13.8 -> 9.1 ms, its
roots stored then a loss over them 20.9 -> 11.1 ms.  The items being
independent, parallel mode runs them on every thread.
:func:`iteration_by_tangents` writes the body.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from nsadc.analyses.facts import Facts
from nsadc.ir.build import add, c, mul, sub
from nsadc.ir.nodes import (OPAQUE, Assign, Call, Const, Expr, For, If, Stmt, Var, While, assigned, block_operations,
                            raw_names, variables, walk)
from nsadc.ir.nodes import is_store, reads as stmt_reads
from nsadc.rules.arrays import is_array
from nsadc.rules.source import expr_source
from nsadc.transforms.common import Derivative, accumulate_element, is_differentiable
from nsadc.transforms.tangent_gradient import TANGENT_EXTRA_OPERATIONS, TANGENT_INPUTS


@dataclass(frozen=True)
class Seed:
    """One input of an iteration: the scalar ``name``, or its element ``index``."""

    name: str
    index: tuple[Expr, ...] | None
    label: str  # names the tangents along it (``t_dot_a_i``)


def iteration_seeds(nest: list[Stmt], acc: str | None, facts: Facts, outputs: list[str] = ()) -> list[Seed] | None:
    """The inputs of one iteration of ``nest`` (a top-level loop's body whose
    iterations share only the sum ``acc``, if any, and store their results
    into ``outputs``: :func:`item_outputs`) when it is worth and possible to
    differentiate it by tangents (module docstring), else None.  Worth it:
    the iteration holds a loop, whose every step reverse mode tapes (and a
    loop that can stop early, a `while`, on a tape that grows), and its
    tangents add few enough operations to compile quickly."""
    if not any(isinstance(s, (While, For)) for s in walk(nest)):
        return None
    active, types = facts.active, facts.types
    count = Counter(s.target for s in walk(nest) if isinstance(s, Assign))
    fixed_at = _fixed_from(nest, count)
    inside = assigned(nest)
    seeds: dict[tuple, Seed] = {}
    for position, top in enumerate(nest):
        for s in walk([top]):
            if isinstance(s, OPAQUE):
                if raw_names(s) & active:
                    return None
                continue
            if not isinstance(s, Assign):
                continue
            if s.target in outputs:
                continue
            if s.target in active and is_array(types.get(s.target)):
                return None  # an array the iteration makes or stores into
            v = s.value
            if isinstance(v, Call) and v.prim == "load" and v.args[0].name in active:
                index = v.args[1:]
                # (with outputs, the reverse sweep reads the index again: no name the iteration assigns)
                if any(name in inside and (outputs or fixed_at.get(name, len(nest)) > position)
                       for i in index for name in variables(i)):
                    return None  # an element the iteration moves over (a row it walks)
                key = (v.args[0].name, index)
                if key not in seeds:  # x[i + 1] -> x_i_1
                    seeds[key] = Seed(v.args[0].name, index, re.sub(r"\W+", "_", expr_source(v)).strip("_"))
            elif s.target in active and any(isinstance(a, Var) and a.name in active and is_array(types.get(a.name))
                                            for a in getattr(v, "args", ())):
                return None  # a whole active array in an operation of its own
    for s in walk(nest):
        for name in sorted(stmt_reads(s)):
            if name in active and name not in inside and not is_array(types.get(name)) \
                    and (name, None) not in seeds:
                seeds[(name, None)] = Seed(name, None, name)
    if not seeds or len(seeds) > TANGENT_INPUTS or (acc is not None and acc not in count) \
            or block_operations(nest) * len(seeds) > TANGENT_EXTRA_OPERATIONS:
        return None
    return list(seeds.values())


def item_loops(loop: For, facts: Facts) -> list[For]:
    """``loop`` and the loops each of which ends the body of the one before,
    after values that carry no derivative (``for i: m = i + 1; for j in
    range(m): ...``, a pixel's solve): an item is one iteration of the
    innermost, indexed by all their variables."""
    loops = [loop]
    while loops[-1].body and isinstance(loops[-1].body[-1], For) and all(
            isinstance(s, Assign) and s.site is None and s.target not in facts.active and not is_store(s)
            and not is_array(facts.types.get(s.target)) for s in loops[-1].body[:-1]):
        loops.append(loops[-1].body[-1])
    return loops


def item_outputs(body: list[Stmt], loop_vars: list[str], facts: Facts) -> list[str] | None:
    """The arrays each item stores one element of, at the items' index,
    straight in its body, and never reads (``roots[i] = t``: the items'
    results, read after the loop); None where ``body`` stores otherwise."""
    index = tuple(Var(v) for v in loop_vars)
    out: list[str] = []
    for s in walk(body):
        if is_store(s):
            v = s.value
            if s not in body or v.args[1:-1] != index or s.target in out \
                    or s.target not in facts.active or not isinstance(v.args[-1], (Var, Const)):
                return None
            out.append(s.target)
    for s in walk(body):
        if isinstance(s, Assign) and not is_store(s) and variables(s.value) & set(out) \
                or not isinstance(s, Assign) and stmt_reads(s) & set(out):
            return None
    return out


def _fixed_from(nest: list[Stmt], count: Counter) -> dict[str, int]:
    """For the names ``nest`` assigns, the position of the top-level
    statement from which on each holds its value for the rest of the
    iteration: after its one assignment, made at top level (an index computed
    first, ``j = idx[i]``).  A name not here is fixed only if ``nest`` never
    assigns it."""
    return {s.target: position + 1 for position, s in enumerate(nest)
            if isinstance(s, Assign) and count[s.target] == 1}


def iteration_by_tangents(nest: list[Stmt], acc: str | None, seeds: list[Seed], derivs: dict[str, str],
                          outputs: dict[str, list[str]], deriv: Derivative, report: str | None) -> list[Stmt]:
    """The body of one iteration with a tangent along each seed beside its
    primal, ending in each seed's share of ``d acc / d seed`` added into
    ``derivs`` (seed name -> its derivative variable, an array for an
    element); where it stores an item's result (``outputs``: array -> one
    array per seed), the result's tangent along each seed is stored beside
    it.  ``deriv`` gives the partials, kink comments and counters
    (``report``) of the reverse mode that holds the loop."""
    tangents = _Tangents(nest, acc, seeds, deriv, outputs)
    summed = [] if acc is None else [j for j in range(len(seeds)) if acc not in tangents.zero[j]]
    body = [Assign(tangents.dot(j, acc), Const(0.0)) for j in summed] + tangents.block(nest, report)
    for j in summed:
        seed = seeds[j]
        share = Var(tangents.dot(j, acc))
        if seed.index is None:
            body.append(Assign(derivs[seed.name], add(Var(derivs[seed.name]), share)))
        else:
            body.append(accumulate_element(derivs[seed.name], seed.index, share))
    return body


@dataclass
class _Form:
    """A tangent written as ``Σ coefs[b] · b_dot + consts[j]`` along seed ``j``:
    the coefficients, shared by every seed, over the values whose tangents
    are named (the basis), and the part along each seed that no named
    tangent carries (None: 0)."""

    coefs: dict[str, Expr]
    consts: list[Expr | None]


class _Tangents:
    """The tangent statements of one iteration, built in program order.

    A value assigned once keeps its tangent as a :class:`_Form` instead of
    one named tangent per seed, when every statement that reads it follows
    it in the same block and nothing in between assigns a value of its
    basis: its coefficients are computed once, as scalars shared by every
    seed (``dtt_dt = 2.0 * t``), and the statements that read it combine
    them (``t_dot_a_i -= dstep_dt * t_dot_a_i + ...``), so a Newton step's
    intermediates cost one set of partials, not one per seed.  A form with
    only constant parts (``a_i`` along ``a[i]`` is 1, ``a_i + 1.0`` too)
    holds wherever it is read after its assignment."""

    def __init__(self, nest: list[Stmt], acc: str | None, seeds: list[Seed], deriv: Derivative,
                 outputs: dict[str, list[str]]):
        self.acc, self.seeds, self.deriv, self.facts = acc, seeds, deriv, deriv.facts
        self.outputs = outputs
        stored = {s.value.args[-1].name for s in nest if is_store(s) and isinstance(s.value.args[-1], Var)}
        self.needed = _reaching(nest, stored | {acc} - {None}, self.facts.active)
        self.zero = _zero_tangents(nest, seeds, self.needed, self.facts)
        self.count = Counter(s.target for s in walk(nest) if isinstance(s, Assign))
        # value -> the statements whose tangents read its tangent
        self.readers: dict[str, list[Stmt]] = {}
        for s in walk(nest):
            if isinstance(s, Assign):
                for name in variables(s.value):
                    self.readers.setdefault(name, []).append(s)
        # a scalar seed's own tangent is 1 along it
        self.forms: dict[str, _Form] = {
            seed.name: _Form({}, [c(1.0) if k == j else None for k in range(len(seeds))])
            for j, seed in enumerate(seeds) if seed.index is None}
        self.assigned: set[str] = set()  # the values whose assignment the statements so far hold
        self.read_early: set[str] = set()  # named tangents read before their value's assignment
        self.names: dict[tuple[int, str], str] = {}

    def dot(self, j: int, var: str) -> str:
        """The tangent variable of ``var`` along seed ``j``."""
        key = (j, var)
        if key not in self.names:
            self.names[key] = self.deriv.names.fresh(f"{var}_dot_{self.seeds[j].label}")
        return self.names[key]

    def form_of(self, operand: Expr) -> _Form | None:
        """The tangent of ``operand`` (None: zero along every seed)."""
        if not isinstance(operand, Var) or operand.name not in self.facts.active:
            return None
        name = operand.name
        if name in self.forms:
            return self.forms[name]
        if name not in self.assigned:
            self.read_early.add(name)
        return _Form({name: c(1.0)}, [None] * len(self.seeds))

    def along(self, j: int, form: _Form) -> Expr:
        """The tangent ``form`` stands for along seed ``j``."""
        total: Expr = c(0.0)
        for b, coef in form.coefs.items():
            if b not in self.zero[j]:
                total = _plus(total, mul(coef, Var(self.dot(j, b))))
        return total if form.consts[j] is None else _plus(total, form.consts[j])

    def block(self, stmts: list[Stmt], report: str | None) -> list[Stmt]:
        out: list[Stmt] = []
        for p, s in enumerate(stmts):
            if isinstance(s, Assign):
                out += self.assign(s, report, stmts, p)
            elif isinstance(s, If):
                out.append(If(s.test, self.block(s.body, report), self.block(s.orelse, report), s.loc))
            elif isinstance(s, For):
                out.append(For(s.var, s.start, s.stop, s.step, self.block(s.body, report), s.loc))
            elif isinstance(s, While):
                out.append(While(s.test, self.block(s.body, report), s.loc))
            else:
                out.append(s)
        return out

    def assign(self, s: Assign, report: str | None, stmts: list[Stmt], p: int) -> list[Stmt]:
        deriv, k = self.deriv, len(self.seeds)
        out = deriv.kink_comment(s)
        primal = deriv.counted_primal(s, report)
        self.assigned.add(s.target)
        if s.target in self.outputs:  # roots[i] = t: t's tangents beside it
            _, *index, value = s.value.args
            form = self.form_of(value)
            for j, along in enumerate(self.outputs[s.target]):
                tangent = c(0.0) if form is None else self.along(j, form)
                primal.append(Assign(along, Call("store", (Var(along), *index, tangent))))
            return out + primal
        if s.target not in self.needed:
            return out + primal
        v = s.value
        if isinstance(v, Call) and v.prim == "load":
            element = (v.args[0].name, v.args[1:])
            form = _Form({}, [c(1.0) if (seed.name, seed.index) == element else None for seed in self.seeds])
            return out + primal + self.settle(s.target, form, stmts, p)
        if not is_differentiable(s, self.facts):
            return out + primal + self.settle(s.target, _Form({}, [None] * k), stmts, p)
        self_ref = any(isinstance(a, Var) and a.name == s.target for a in v.args)
        setup, grads = deriv.partials(s, None if self_ref else Var(s.target))
        form = _Form({}, [None] * k)
        for a, g in zip(v.args, grads):
            f = None if g is None else self.form_of(a)
            if f is None:
                continue
            for b, coef in f.coefs.items():
                form.coefs[b] = _plus(form.coefs.get(b, c(0.0)), mul(g, coef))
            for j in range(k):
                if f.consts[j] is not None and a.name not in self.zero[j]:
                    form.consts[j] = _plus(form.consts[j] or c(0.0), mul(g, f.consts[j]))
        tangents = self.settle(s.target, form, stmts, p)
        if not any(variables(t.value) & {u.target for u in setup} for t in tangents):
            setup = []
        if self_ref:  # the tangents read the old value: computed first
            return out + setup + tangents + primal
        return out + primal + setup + tangents

    def settle(self, target: str, form: _Form, stmts: list[Stmt], p: int) -> list[Stmt]:
        """The statements that give ``target`` its tangent ``form``: its shared
        coefficients and parts along each seed as scalars, kept as a form
        where it may be (class docstring); else one named tangent per seed,
        but for those known to be zero."""
        k = len(self.seeds)
        single = self.count[target] == 1 and target != self.acc
        constant = not form.coefs and all(x is None or isinstance(x, Const) for x in form.consts)
        if single and constant and target not in self.read_early:
            self.forms[target] = form
            return []
        out: list[Stmt] = []
        if single and self._held(target, form, stmts, p):
            kept = _Form({}, list(form.consts))
            for b, coef in form.coefs.items():
                kept.coefs[b] = self._scalar(f"d{target}_d{b}", coef, out)
            for j in range(k):
                if kept.consts[j] is not None:
                    kept.consts[j] = self._scalar(f"d{target}_d{self.seeds[j].label}", kept.consts[j], out)
            self.forms[target] = kept
            return out
        live = [j for j in range(k) if target not in self.zero[j]]
        if len(live) > 1:  # a coefficient read along several seeds is computed once
            form = _Form({b: self._scalar(f"d{target}_d{b}", coef, out) for b, coef in form.coefs.items()},
                         form.consts)
        for j in live:
            value = self.along(j, form)
            if value != Var(self.dot(j, target)):  # x = x - c: the tangent does not change
                out.append(Assign(self.dot(j, target), value))
        return out

    def _held(self, target: str, form: _Form, stmts: list[Stmt], p: int) -> bool:
        """Whether every statement that reads ``target`` follows it in
        ``stmts`` with nothing in between assigning a value of its basis."""
        at = {id(s): q for q, s in enumerate(stmts)}
        readers = self.readers.get(target, [])
        if not readers or any(at.get(id(r), -1) <= p for r in readers):
            return False
        last = max(at[id(r)] for r in readers)
        return not assigned(stmts[p + 1:last]) & set(form.coefs)

    def _scalar(self, hint: str, value: Expr, out: list[Stmt]) -> Expr:
        """``value``, computed into a scalar of its own unless it is a constant."""
        if isinstance(value, Const):
            return value
        name = self.deriv.names.fresh(hint)
        out.append(Assign(name, value))
        return Var(name)


def _plus(total: Expr, term: Expr) -> Expr:
    """``total + term`` (``x - 1.0``, not ``x + -1.0``)."""
    if isinstance(term, Const) and not isinstance(term.value, bool) and term.value < 0:
        return sub(total, c(-term.value))
    return add(total, term)


def _reaching(nest: list[Stmt], results: set[str], active: set[str]) -> set[str]:
    """The active values of ``nest`` from which a path of assignments leads
    to one of ``results``: only their tangents are worth computing."""
    out = set(results)
    assigns = [s for s in walk(nest) if isinstance(s, Assign)]
    changed = True
    while changed:
        changed = False
        for s in assigns:
            if s.target in out:
                new = (variables(s.value) & active) - out
                if new:
                    out |= new
                    changed = True
    return out


def _zero_tangents(nest: list[Stmt], seeds: list[Seed], needed: set[str], facts: Facts) -> list[set[str]]:
    """For each seed, the values of ``nest`` whose tangent along it is zero:
    those no chain of differentiable assignments leads to from the seed (a
    load of its element, the scalar itself).  Each iteration assigns its
    values before it reads them (only the sum is carried), so a value whose
    every assignment reads none that move with the seed does not move."""
    assigns = [s for s in walk(nest) if isinstance(s, Assign) and s.target in needed]
    out = []
    for seed in seeds:
        moves = {seed.name} if seed.index is None else set()
        changed = True
        while changed:
            changed = False
            for s in assigns:
                if s.target in moves:
                    continue
                v = s.value
                if isinstance(v, Call) and v.prim == "load":
                    hit = (v.args[0].name, v.args[1:]) == (seed.name, seed.index)
                else:
                    hit = is_differentiable(s, facts) and bool(variables(v) & moves)
                if hit:
                    moves.add(s.target)
                    changed = True
        scalars = {other.name for other in seeds if other.index is None}
        out.append((needed | scalars) - moves)
    return out
