"""Forward mode: the tangent program.

Each active assignment ``t = op(a, b)`` gets ``t_dot = ∂ₐop·a_dot + ∂ᵦop·b_dot``
beside it, with the partials from the rule table.  Kinks keep their explicit,
commented selection; branches and loops keep the primal's control flow.
"""

from __future__ import annotations

from nsadc.ir.analysis import Facts
from nsadc.ir.nodes import Assign, Const, Function, Param, Return, Stmt, Var, rewrite
from nsadc.transforms.common import Derivative, is_differentiable, tangent_sum


def forward(fn: Function, facts: Facts, policy, names, report: str | None = None,
            kink_tol: float = 0.0) -> Function:
    """``fn`` -> ``fn_jvp(*args, *tangents) -> (value, tangent)``.  With ``report``
    (the name of an int64 array parameter) each kink site met is counted there."""
    D = Derivative(fn, facts, policy, names, "dot")
    D.kink_tol = kink_tol

    def ret(s: Return) -> Return:
        v = s.value
        dot = Var(D.d(v.name)) if isinstance(v, Var) and v.name in facts.active else Const(0.0)
        return Return((v, dot), s.loc)

    def assign(s: Assign) -> list[Stmt]:
        primal = [Assign(s.target, s.value, s.loc, s.site)]
        if report is not None:
            primal += D.report(s, report)
        if s.target not in facts.active:
            return D.kink_comment(s) + primal
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

    body = rewrite(fn.body, assign, ret)
    if report is not None:
        body = D.report_frame(body, report)
    wrt_float = [w for w in facts.wrt if facts.types.get(w) == "float"]
    dot_params = [Param(D.d(w), "float") for w in wrt_float]
    # wrt parameters that never reach the output still take a tangent argument
    params = list(fn.params) + dot_params
    if report is not None:
        params.append(Param(report, "array"))
    doc = f"{fn.name} and its directional derivative along ({', '.join(p.name for p in dot_params)})."
    return Function(f"{fn.name}_jvp", params, body, fn.loc, doc, facts.types)

