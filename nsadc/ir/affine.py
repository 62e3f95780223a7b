"""Affine forms of integer expressions: ``i + 1``, ``st + k - 1``, ``2 * n``.

A form is a dict from atoms (a variable, an array dimension ``shape(x, k)``,
or None for the constant) to integer coefficients.  Names with a known
single definition are expanded through ``defs``, so ``i_minus_1`` (assigned
``i - 1``) reads as ``i - 1``.  Used to size tapes (transforms/tape_size.py)
and to tell array elements apart (transforms/reverse_plan.py).
"""

from __future__ import annotations

from nsadc.ir.nodes import Call, Const, Expr, Var

Affine = dict  # atom (an Expr, or None for the constant) -> int coefficient

# arrays made with the shape of another: x = x0.copy() has x0's dimensions
_SAME_SHAPE = ("array_copy", "zeros_like", "ones_like", "empty_like")


def affine(e: Expr, defs: dict[str, Expr], depth: int = 8) -> Affine | None:
    """``e`` as an affine form, or None when it is not one (a product of two
    variables, a float, a call)."""
    if isinstance(e, Const):
        return {None: e.value} if isinstance(e.value, int) and not isinstance(e.value, bool) else None
    if isinstance(e, Var):
        if e.name in defs and depth > 0:
            return affine(defs[e.name], defs, depth - 1)
        return {e: 1}
    if not isinstance(e, Call):
        return None
    if e.prim in ("add", "sub") and len(e.args) == 2:
        a, b = affine(e.args[0], defs, depth), affine(e.args[1], defs, depth)
        return None if a is None or b is None else affine_sum(a, b, 1 if e.prim == "add" else -1)
    if e.prim == "mul" and len(e.args) == 2:
        for k, other in ((e.args[0], e.args[1]), (e.args[1], e.args[0])):
            if isinstance(k, Const) and isinstance(k.value, int) and not isinstance(k.value, bool):
                inner = affine(other, defs, depth)
                return None if inner is None else {a: c * k.value for a, c in inner.items() if c * k.value}
        return None
    if e.prim == "neg" and len(e.args) == 1:
        inner = affine(e.args[0], defs, depth)
        return None if inner is None else {a: -c for a, c in inner.items()}
    if e.prim == "shape":
        array = e.args[0]
        made = defs.get(array.name) if isinstance(array, Var) else None
        if isinstance(made, Call) and made.prim in _SAME_SHAPE and isinstance(made.args[0], Var) and depth > 0:
            return affine(Call("shape", (made.args[0], e.args[1])), defs, depth - 1)  # x = x0.copy()
        return {e: 1}
    if e.prim == "copy":
        return affine(e.args[0], defs, depth)
    return None


def affine_sum(a: Affine, b: Affine, sign: int) -> Affine:
    """``a + sign * b``."""
    out = dict(a)
    for atom, c in b.items():
        out[atom] = out.get(atom, 0) + sign * c
    return {atom: c for atom, c in out.items() if c != 0}


def simplified(e: Expr) -> Expr:
    """``e`` with its integer arithmetic folded (``h - 1 + 1`` is ``h``) where it is affine."""
    form = affine(e, {})
    return e if form is None else affine_expr(form)


def affine_expr(form: Affine) -> Expr:
    """The form as an expression, constant last: ``st + k - 1``."""
    out: Expr | None = None
    for atom, c in sorted(form.items(), key=lambda kv: kv[0] is None):
        if out is None:  # the first term carries its sign
            out = Const(c) if atom is None else atom if c == 1 else Call("neg", (atom,)) if c == -1 \
                else Call("mul", (Const(c), atom))
        else:
            term: Expr = Const(abs(c)) if atom is None else atom if abs(c) == 1 else Call("mul", (Const(abs(c)), atom))
            out = Call("sub" if c < 0 else "add", (out, term))
    return Const(0) if out is None else out
