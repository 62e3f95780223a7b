"""Products in which a zero derivative factor wins over an infinite or NaN one.

The chain rule multiplies a partial by an adjoint (reverse mode) or by a
tangent (forward mode).  Where the primal meets an infinity or a NaN that
does not reach the output, one factor is infinite or NaN and the other is an
exact zero, and IEEE arithmetic makes the product NaN:

* a value computed, then discarded: ``r = num / den`` with ``den == 0``,
  replaced by ``0.0`` where ``not math.isfinite(r)``; a sample skipped by
  ``if v != v: continue``: its adjoint is 0, its partials are not finite;
* a branch a selection does not take: ``math.sqrt(max(x, 0.0))`` at
  ``x < 0`` (the partial of the max in ``x`` is 0, the adjoint of the root's
  argument infinite); ``min(math.exp(a * x), cap)`` where the exponential
  overflows.

The function is constant along such a factor, so its derivative there is 0:
the product of a zero derivative factor and anything is 0 (a "strong zero").
This pass rewrites, in a derivative function, every float product one of
whose factors carries a derivative (but not a selection's indicator, a
comparison, times its share, which a NaN operand makes NaN on purpose) (a tangent or an adjoint, found from the
seeds through the assignments, element stores and tapes) into
``_strong_mul(a, b)``, and every quotient whose numerator carries one into
``_strong_div(a, b)``.  The result differs from IEEE's only where IEEE's is
NaN, so the API runs these functions only when the plain kernel's result
holds a NaN (they are slower: each product becomes a test).
"""

from __future__ import annotations

from dataclasses import replace

from nsadc.analyses.facts import expr_type
from nsadc.ir.nodes import (Assign, Call, Expr, For, Function, If, TapePop, TapePush, Var, While, map_expressions,
                            variables, walk)

STRONG_HELPERS = {
    "_strong_mul": '''def _strong_mul(a, b):
    """a * b, but 0 where either factor is 0 (also when the other is infinite or NaN)."""
    return 0.0 if a == 0.0 or b == 0.0 else a * b
''',
    "_strong_div": '''def _strong_div(a, b):
    """a / b, but 0 where a is 0 (also when b is 0 or NaN), and IEEE's
    infinity, not an exception, where only b is 0."""
    if a == 0.0:
        return 0.0
    return a / b if b != 0.0 else a * math.copysign(math.inf, b)
''',
}


def with_strong_zeros(fn: Function, seeds: set[str]) -> bool:
    """Rewrite ``fn``'s derivative products in place (module docstring); ``seeds``:
    the names that hold tangents or adjoints to begin with.  Whether anything changed."""
    carrying = _carrying(fn, seeds)
    changed = [False]

    def rewrite(e: Expr, derivative: bool) -> Expr:
        """``e`` with its derivative products strong; ``derivative``: the whole
        of ``e`` is a derivative (a product of partials, seeded by 1.0 in a
        fused loop, is one too)."""
        if not isinstance(e, Call):
            return e
        args = tuple(rewrite(a, derivative) for a in e.args)
        if e.prim in ("mul", "div") and len(args) == 2 and expr_type(e, fn.types) == "float" \
                and "bool" not in (expr_type(a, fn.types) for a in e.args):
            # (a selection's indicator times its share stays IEEE's: a NaN operand makes the share NaN
            # on purpose, NaN in, NaN out, and an indicator that is 0 must not hide it)
            carries = [derivative or bool(variables(a) & carrying) for a in e.args]
            if e.prim == "mul" and any(carries) or e.prim == "div" and carries[0]:
                changed[0] = True
                helper = "_strong_mul" if e.prim == "mul" else "_strong_div"
                return Call("helper", (Var(helper), *args))
        return Call(e.prim, args) if args != e.args else e

    def statement(block):
        out = []
        for s in block:
            if isinstance(s, Assign) and s.target in carrying:  # (a store into an adjoint array too)
                s = Assign(s.target, rewrite(s.value, True), s.loc, s.site)
            elif isinstance(s, If):
                s = replace(s, test=rewrite(s.test, False), body=statement(s.body), orelse=statement(s.orelse))
            elif isinstance(s, While):
                s = replace(s, test=rewrite(s.test, False), body=statement(s.body))
            elif isinstance(s, For):  # (its bounds are ints)
                s = replace(s, body=statement(s.body))
            else:
                s = map_expressions([s], lambda e: rewrite(e, False))[0]
            out.append(s)
        return out

    fn.body = statement(fn.body)
    return changed[0]


def _carrying(fn: Function, seeds: set[str]) -> set[str]:
    """The names (scalars, arrays, tapes) whose values depend on ``seeds``."""
    out = set(seeds)
    statements = list(walk(fn.body))
    grew = True
    while grew:
        grew = False
        for s in statements:
            if isinstance(s, Assign):
                new = {s.target} if variables(s.value) & out else set()
            elif isinstance(s, TapePush):
                new = {s.tape} if variables(s.value) & out else set()
            elif isinstance(s, TapePop):  # into a name, or into an element of an array
                target = s.target.args[0] if isinstance(s.target, Call) and s.target.prim == "load" else s.target
                new = {target.name} if s.tape in out and isinstance(target, Var) else set()
            else:
                continue
            if not new <= out:
                out |= new
                grew = True
    return out
