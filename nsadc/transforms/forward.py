"""Forward mode: the tangent program.

Each active assignment ``t = op(a, b)`` gets ``t_dot = ∂ₐop·a_dot + ∂ᵦop·b_dot``
beside it, with the partials from the rule table.  Kinks keep their explicit,
commented selection; branches and loops keep the primal's control flow.
"""

from __future__ import annotations

from nsadc.analyses.facts import Facts
from nsadc.ir.nodes import Assign, Call, Const, Expr, Function, Param, Return, Stmt, Var, rewrite
from nsadc.rules.arrays import ARRAY_VALUES, differentiable_type, is_array
from nsadc.transforms.common import Derivative, copy_stored_params, is_differentiable, tangent_sum


def forward(fn: Function, facts: Facts, policy, names, report: str | None = None,
            kink_tol: float = 0.0) -> Function:
    """``fn`` -> ``fn_jvp(*args, *tangents) -> (value, tangent)``.  With ``report``
    (the name of an int64 array parameter) each kink site met is counted there."""
    D = Derivative(fn, facts, policy, names, "dot")
    D.kink_tol = kink_tol

    def tangent(v) -> Expr:
        if isinstance(v, Var) and v.name in facts.active:
            return Var(D.d(v.name))
        return Call("zeros_like", (v,)) if is_array(facts.types.get(getattr(v, "name", ""))) else Const(0.0)

    def ret(s: Return) -> Return:
        if isinstance(s.value, tuple):  # several outputs: (values, tangents)
            return Return((Call("tuple", s.value), Call("tuple", tuple(map(tangent, s.value)))), s.loc)
        return Return((s.value, tangent(s.value)), s.loc)

    def assign(s: Assign) -> list[Stmt]:
        primal = D.counted_primal(s, report)
        if s.target not in facts.active:
            return D.kink_comment(s) + primal
        if isinstance(s.value, Call) and s.value.prim in ("load", *ARRAY_VALUES):
            return primal + array_tangent(s)
        if not is_differentiable(s, facts):
            return primal + [Assign(D.d(s.target), Const(0.0))]
        args = s.value.args
        self_ref = any(isinstance(a, Var) and a.name == s.target for a in args)
        setup, grads = D.partials(s, None if self_ref else Var(s.target))
        terms = [(g, D.d(a.name)) for a, g in zip(args, grads) if g is not None]
        dot = tangent_sum(terms)
        if dot == Var(D.d(s.target)):  # x = x - c: the tangent does not change
            tangent = []
        else:
            tangent = [Assign(D.d(s.target), dot)]
        comment = D.kink_comment(s)
        if self_ref:  # the tangent reads the old value: compute it first
            return comment + setup + tangent + primal
        return comment + primal + setup + tangent

    def array_tangent(s: Assign) -> list[Stmt]:
        """Loads read the tangent array, stores write it, allocations make one."""
        v = s.value
        dot = D.d(s.target)
        if v.prim == "load":
            if v.args[0].name not in facts.active:  # a constant array's element (y = c if t else z[i])
                return [Assign(dot, Const(0.0))]
            return [Assign(dot, Call("load", (Var(D.d(v.args[0].name)), *v.args[1:])))]
        if v.prim == "store":
            value = v.args[-1]
            value_dot = Var(D.d(value.name)) if isinstance(value, Var) and value.name in facts.active else Const(0.0)
            return [Assign(dot, Call("store", (Var(dot), *v.args[1:-1], value_dot)))]
        if v.prim == "array_copy" and v.args[0].name in facts.active:
            return [Assign(dot, Call("array_copy", (Var(D.d(v.args[0].name)),)))]
        return [Assign(dot, Call("zeros_like", (Var(s.target),)))]

    body = rewrite(fn.body, assign, ret)
    if report is not None:
        body = D.report_frame(body, report)
    wrt_float = [w for w in facts.wrt if differentiable_type(facts.types.get(w))]
    dot_params = [Param(D.d(w), facts.types[w]) for w in wrt_float]
    # a parameter outside wrt that the function later overwrites with a value that
    # carries a derivative is active, but its incoming value has tangent 0
    zeros = [Assign(D.d(p.name), Call("zeros_like", (Var(p.name),)) if is_array(p.type) else Const(0.0))
             for p in fn.params if p.name in facts.active and p.name not in wrt_float]
    # the caller's arrays stay as they are: arrays the function writes into are copied
    body = copy_stored_params(fn, D, tangents=True) + zeros + body
    # wrt parameters that never reach the output still take a tangent argument
    params = list(fn.params) + dot_params
    if report is not None:
        params.append(Param(report, "array"))
    doc = f"{fn.name} and its directional derivative along ({', '.join(p.name for p in dot_params)})."
    out = Function(f"{fn.name}_jvp", params, body, fn.loc, doc, facts.types)
    out.index_depth = D.index_depth  # the report's layout
    out.tangent_of = dict(D._adj)  # primal variable -> its tangent: kink_rows
    return out

