"""What the forward and reverse transforms share: derivative names, the partial
derivatives of one assignment read from the rule table, and kink comments."""

from __future__ import annotations

import math
import os

from nsadc.rules.source import expr_source, kink_source
from nsadc.analyses.facts import Facts
from nsadc.ir.build import add, mul
from nsadc.ir.nodes import Assign, Call, Comment, Const, Expr, For, If, Raw, Var, While, select, variables
from nsadc.rules.arrays import is_array
from nsadc.rules.policy import Policy
from nsadc.rules.table import NAN_IN_NAN_OUT, RULES


class Derivative:
    """Naming and per-statement rules for one transform of one function."""

    def __init__(self, fn, facts: Facts, policy: Policy, names, suffix: str):
        self.fn = fn
        self.facts = facts
        self.policy = policy
        self.names = names
        self.suffix = suffix
        self._adj: dict[str, str] = {}
        self.redirect: dict[str, str] = {}  # var -> another derivative variable (fused loops)
        self.kink_tol = 0.0  # the report counts values within kink_tol of a kink set as met
        self.hit_counters: dict[int, str] = {}  # site -> local counter (report variants)
        # site -> the `for` variables around it, and the locals holding their values at
        # the site's last hit (the report's element index)
        self.site_loops = _site_loops(fn.body, [])
        self.index_depth = max((len(v) for v in self.site_loops.values()), default=0)
        self.last_hits: dict[int, list[str]] = {}

    def d(self, var: str) -> str:
        """``x_dot`` / ``x_bar``: the derivative variable of ``var``."""
        if var in self.redirect:
            return self.redirect[var]
        name = self._adj.get(var)
        if name is None:
            name = self._adj[var] = self.names.fresh(f"{var}_{self.suffix}")
        return name

    def scalar_adjoints(self) -> set[str]:
        """The derivative variables of scalars named so far."""
        return {d for v, d in self._adj.items() if not is_array(self.facts.types.get(v))}

    def array_adjoints(self) -> set[str]:
        """The derivative arrays named so far."""
        return {d for v, d in self._adj.items() if is_array(self.facts.types.get(v))}

    def selection(self, prim: str):
        kink = RULES[prim].kink
        if kink is None or kink.kind != "kink":
            return None
        return self.policy.selection(prim)

    def partials(self, s: Assign, out: Expr | None, tmp=None) -> tuple[list[Assign], list[Expr | None]]:
        """Setup assignments and one partial per operand (None: no derivative).
        ``tmp`` names the setup temporaries (default: fresh readable names)."""
        call = s.value
        rule = RULES[call.prim]
        active = [isinstance(a, Var) and a.name in self.facts.active for a in call.args]
        sel = self.selection(call.prim)
        tmp = tmp or (lambda hint: self.names.fresh(f"{hint}_{s.target}"))
        setup, grads = rule.partials(list(call.args), out, active, sel, tmp)
        if call.prim in NAN_IN_NAN_OUT and not (rule.nan_partials and rule.nan_partials(len(call.args))):
            grads = self._nan_in_nan_out(call, grads, setup, tmp)
        return [Assign(n, e) for n, e in setup], grads

    def _nan_in_nan_out(self, call: Call, grads: list, setup: list, tmp) -> list:
        """Each partial of a kink primitive is NaN where an operand is: its
        selection would otherwise pick a side (a comparison with NaN is false)
        and give a finite derivative of a NaN value."""
        ok = _no_nan(call.args, self.facts.types)
        if ok is None or all(g is None for g in grads):
            return grads
        if setup and all(variables(g) <= {setup[-1][0]} for g in grads if g is not None):
            # the partials are made of one selection (max of two, abs), which is made NaN
            # where it is made (a tape of selections keeps it).  Measured on a ReLU loss
            # and max pooling: a test of one operand is free as a statement of its own
            # and costs 75 % nested in the selection (Numba branches on nested ternaries);
            # a test of two operands costs least nested (15 %, against 20-35 % apart)
            name, expr = setup[-1]
            if isinstance(ok, Call) and ok.prim == "mul":
                setup[-1] = (name, select(ok, expr, Const(math.nan)))
                return grads
            # a name of its own, not the selection's reassigned: Numba's compile time
            # grows with every reassigned name (a 1,000-statement gradient: 12 s -> 26 s)
            guarded = tmp(f"{name}_or_nan")
            setup.append((guarded, select(ok, Var(name), Const(math.nan))))
            return [None if g is None else _renamed(g, name, guarded) for g in grads]
        if isinstance(ok, Call) and ok.prim == "mul":  # read by every partial: said once
            name = tmp("no_nan")
            setup.append((name, ok))
            ok = Var(name)
        return [None if g is None else select(ok, g, Const(math.nan)) for g in grads]

    def kink_comment(self, s: Assign) -> list:
        if s.site is None:
            return []
        call = s.value
        rule = RULES[call.prim]
        where = location(s)
        text = {"share": "the max/min reduction", "sort": "np.sort"}.get(call.prim) or kink_source(call)
        if rule.kink.kind == "branch":
            return [Comment(f"branch: {text} at {where}; the branch taken is differentiated")]
        if rule.kink.kind == "jump":
            return [Comment(f"jump: {text} at {where}; derivative 0 (piecewise constant)")]
        sel = self.selection(call.prim)
        active = [isinstance(a, Var) and a.name in self.facts.active for a in call.args]
        operands = [expr_source(a) for a in call.args]
        nan = "; NaN in, NaN out" if call.prim in NAN_IN_NAN_OUT else ""
        return [Comment(f"kink: {text} at {where}; {describe_selection(call.prim, sel, active, operands)}{nan}")]

    def report(self, s: Assign, hits: str) -> list:
        """The kink report: count how often site ``s.site`` met its kink set, in a
        local counter (a branch-free add; the array is written once at the end)."""
        if s.site is None:
            return []
        cond = RULES[s.value.prim].kink.at_kink(list(s.value.args))
        if self.kink_tol > 0:
            cond = _within(cond, self.kink_tol)
        counter = self.hit_counters.get(s.site)
        if counter is None:
            counter = self.hit_counters[s.site] = self.names.fresh(f"met_{s.site}")
        out: list = [Assign(counter, Call("add", (Var(counter), select(cond, Const(1), Const(0)))))]
        loops = self.site_loops.get(s.site, [])
        if loops:  # where it was met last: the loop variables then, branch-free (a select
            # per loop variable; recording the first hit needed an `if`: 20 % of a tight loop)
            lasts = self.last_hits.get(s.site)
            if lasts is None:
                lasts = self.last_hits[s.site] = [self.names.fresh(f"last_{s.site}_{k}")
                                                  for k in range(len(loops))]
            out += [Assign(f, select(cond, Var(v), Var(f))) for f, v in zip(lasts, loops)]
        return out

    def counted_primal(self, s: Assign, hits: str | None) -> list:
        """The primal assignment, with its site's kink counter when ``hits`` is
        set; the counter reads the operands, so it goes first when the
        assignment overwrites one of them (``m = max(m, x)``)."""
        primal = [Assign(s.target, s.value, s.loc, s.site)]
        if hits is None:
            return primal
        counted = self.report(s, hits)
        return counted + primal if _reads_own_target(s) else primal + counted

    def report_frame(self, body: list, hits: str) -> list:
        """``body`` with its kink counters set to 0 first and added into ``hits``
        before the final return."""
        if not self.hit_counters:
            return body
        inits = [Assign(c, Const(0)) for c in self.hit_counters.values()]
        inits += [Assign(f, Const(-1)) for lasts in self.last_hits.values() for f in lasts]
        flush = [Raw(f"{hits}[{site}] += {c}") for site, c in sorted(self.hit_counters.items())]
        # last-hit indices after the counts (report_layout), for callers whose array has room
        n = len(self.facts.sites)
        for site, lasts in sorted(self.last_hits.items()):
            at = n + site * self.index_depth
            slots = ", ".join(f"{hits}[{at + k}]" for k in range(len(lasts)))
            flush.append(Raw(f"if {lasts[0]} >= 0 and {hits}.shape[0] > {at}: {slots} = {', '.join(lasts)}"))
        return inits + body[:-1] + flush + body[-1:]


def _site_loops(block: list, loops: list[str]) -> dict[int, list[str]]:
    """Each kink site's enclosing `for` variables, outermost first."""
    out: dict[int, list[str]] = {}
    for s in block:
        if isinstance(s, Assign) and s.site is not None:
            out[s.site] = list(loops)
        elif isinstance(s, If):
            out.update(_site_loops(s.body, loops))
            out.update(_site_loops(s.orelse, loops))
        elif isinstance(s, For):
            out.update(_site_loops(s.body, loops + [s.var]))
        elif isinstance(s, While):
            out.update(_site_loops(s.body, loops))
    return out


def report_layout(n_sites: int, depth: int) -> int:
    """The length of a report array: ``n_sites`` hit counts, then for each site
    ``depth`` slots for the loop indices of its last hit (-1: none)."""
    return n_sites * (1 + depth)


def _within(e: Expr, tol: float) -> Expr:
    """A kink condition with every equality ``a == b`` relaxed to ``|a - b| <= tol``."""
    if isinstance(e, Call):
        args = tuple(_within(a, tol) for a in e.args)
        if e.prim == "eq":
            return Call("le", (Call("abs", (Call("sub", args),)), Const(tol)))
        return Call(e.prim, args)
    return e


def location(s) -> str:
    if s.loc is None:
        return "?"
    return f"{os.path.basename(s.loc.file)}:{s.loc.line}:{s.loc.col + 1}"


def describe_selection(prim: str, sel, active: list[bool], operands: list[str]) -> str:
    kink = RULES[prim].kink
    if prim in ("max", "min"):
        n = len(active)
        if n == 2:
            both = all(active)
            if sel == "min-norm":
                lam = 0.5 if both else (0.0 if active[0] else 1.0)
            elif sel in ("jax", "torch"):
                lam = 0.5
            else:
                lam = float(sel) if (both or active[0]) else 1.0 - float(sel)
            if both:
                return f"at a tie selects ({lam:g}, {1 - lam:g}) ({sel} of the convex hull)"
            return f"at a tie selects {lam if active[0] else 1 - lam:g} ({sel} of [0, 1])"
        return f"at a tie the tied operands share the derivative equally ({sel})"
    return kink.describe(sel, operands)


def accumulate_element(array: str, index: tuple[Expr, ...], value: Expr) -> Assign:
    """``array[index] += value`` (an adjoint array collecting a contribution)."""
    a = Var(array)
    return Assign(array, Call("store", (a, *index, add(Call("load", (a, *index)), value))))


def tangent_sum(terms: list[tuple[Expr, str]]) -> Expr:
    """Σ partial·u̇ over the active operands."""
    total: Expr = Const(0.0)
    for g, dvar in terms:
        total = add(total, mul(g, Var(dvar)))
    return total


def copy_stored_params(fn, D: Derivative, tangents: bool) -> list:
    """``x = x.copy()`` for each array parameter the function writes into (with
    ``tangents``, also for its tangent parameter, which forward mode writes
    into), so that a derivative call leaves the caller's arrays as they were."""
    out = []
    for p in getattr(fn, "stored_params", []):
        out.append(Assign(p, Call("array_copy", (Var(p),))))
        if tangents and p in D.facts.active and p in D.facts.wrt:
            out.append(Assign(D.d(p), Call("array_copy", (Var(D.d(p)),))))
    return out


def zero_of(type_: str) -> Const:
    return Const({"float": 0.0, "int": 0, "bool": False}[type_])


def _reads_own_target(s: Assign) -> bool:
    """``x = max(x, y)``: the statement overwrites one of its operands."""
    return isinstance(s.value, Call) and any(isinstance(a, Var) and a.name == s.target for a in s.value.args)


def is_differentiable(s: Assign, facts: Facts) -> bool:
    v = s.value
    return (isinstance(v, Call) and RULES[v.prim].partials is not None
            and any(isinstance(a, Var) and a.name in facts.active for a in v.args))


def _no_nan(args, types: dict[str, str]) -> Expr | None:
    """``a == a and b == b ...`` over the float variables among ``args`` (None: none)."""
    floats = [a for a in args if isinstance(a, Var) and types.get(a.name, "float") == "float"]
    if not floats:
        return None
    ok: Expr = Call("eq", (floats[0], floats[0]))
    for a in floats[1:]:
        # a product of the tests, not `and`: Numba compiles `and` to branches, which cost
        # run time (unpredictable) and compile time (its SSA pass grows with the blocks)
        ok = Call("mul", (ok, Call("eq", (a, a))))
    return ok


def nan_where_nan(args, types: dict[str, str], derivative: Expr) -> Expr:
    """``derivative``, or NaN where one of the float ``args`` is NaN."""
    ok = _no_nan(args, types)
    return derivative if ok is None else select(ok, derivative, Const(math.nan))


def _renamed(e: Expr, old: str, new: str) -> Expr:
    if isinstance(e, Var):
        return Var(new) if e.name == old else e
    if isinstance(e, Call):
        return Call(e.prim, tuple(_renamed(a, old, new) for a in e.args))
    return e
