"""Derivative products in which a structural zero wins over an infinite or NaN factor.

The chain rule multiplies a partial by an adjoint (reverse mode) or by a
tangent (forward mode).  Where the primal meets an infinity or a NaN that
does not reach the output, one factor is infinite or NaN and the other is an
exact zero, and IEEE arithmetic makes the product NaN:

* a sample skipped by ``if v != v: continue``: the flag that passes its
  adjoint on is 0, its partials are NaN;
* a branch a selection does not take: ``math.sqrt(max(x, 0.0))`` at
  ``x < 0`` (the partial of the max in ``x`` is 0, the adjoint of the root's
  argument infinite); ``min(math.exp(a * x), cap)`` where the exponential
  overflows.

Such a zero is *structural*: the factor is a switch, a name whose every
value is a constant or a selection among switches (a selection's partial
``1.0 if x > 0.0 else 0.0``, ``abs``'s ``math.copysign(1.0, d)``, the flag
of a fused loop), so that 0 means the function does not depend on that path
where it is evaluated, and the product of a switch that is 0 and anything is
0 (a strong zero): ``_switch_mul(s, b)``.

Not at a tie: where a selection's test compares two equal operands
(``abs``'s ``d != 0`` at ``d == 0``, ``max``'s ``x > 0`` at ``x == 0``), its
constant is the kink policy's choice, not a branch the function leaves alone
(``np.sign(x) * np.sqrt(np.abs(x)) ** 2`` is ``x``, slope 1 at 0), and these
kernels make it NaN there.  A zero that arithmetic computed is not
structural either (the ``3 * x ** 2`` of ``np.cbrt(x ** 3)`` at ``x == 0``,
whose product with the root's infinite partial has the limit 1, not 0): it
stays IEEE's, and the NaN stays.  (A comparison used as a factor, a
selection's indicator times its share, stays IEEE's too: NaN in, NaN out
makes the share NaN on purpose.)

Every derivative quotient (a partial's ``1.0 / p``, found from the seeds
through the assignments, element stores and tapes) becomes ``_ieee_div(a,
b)``: IEEE's value, an infinity or a NaN where ``b == 0``, where Numba's
error model raises ``ZeroDivisionError`` (``np.log(p)`` at ``p == 0`` in a
branch not taken).

The API runs these functions only where the plain kernels' results hold a
NaN or raise, and takes from them only the entries that were NaN.
"""

from __future__ import annotations

import math
from dataclasses import replace

from nsadc.analyses.facts import expr_type
from nsadc.ir.nodes import (Assign, Call, Const, Expr, For, Function, If, TapePop, TapePush, Var, While,
                            expressions_evaluated, expressions_read, map_expressions, variables, walk)

STRONG_HELPERS = {
    "_switch_mul": '''def _switch_mul(s, b):
    """s * b, but 0 where the switch s is 0 (also when b is infinite or NaN)."""
    return 0.0 if s == 0.0 else s * b
''',
    "_ieee_div": '''def _ieee_div(a, b):
    """a / b as IEEE arithmetic gives it, an infinity or a NaN where b is 0
    (Numba's error model raises there)."""
    if b != 0.0:
        return a / b
    if a == 0.0 or a != a:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)
''',
}


def derivative_seeds(fn: Function, primal_params: set[str]) -> set[str]:
    """The names of a derivative function that hold tangents or adjoints to begin with."""
    return {p.name for p in fn.params} - primal_params | fn.adjoints | fn.array_adjoints \
        | set(fn.tangent_of.values())


def has_switch_products(fn: Function, seeds: set[str]) -> bool:
    """Whether ``fn`` multiplies a derivative by a switch: where it does not,
    its results with strong zeros are its own, but for division by zero.
    (A conservative reading of what :func:`with_strong_zeros` rewrites: any
    product of a switch in an expression that reads a derivative or that a
    derivative is assigned, returned values included.)"""
    carrying = _carrying(fn, seeds)
    switches = _switches(fn)

    def products(e: Expr) -> bool:
        return isinstance(e, Call) and (
            e.prim == "mul" and any(_is_switch(a, switches) and not isinstance(a, Const) for a in e.args)
            or any(products(a) for a in e.args))

    return any(products(e) for s in walk(fn.body) for e in expressions_read(s)
               if isinstance(s, Assign) and s.target in carrying or variables(e) & carrying)


def with_strong_zeros(fn: Function, seeds: set[str]) -> str | None:
    """Rewrite ``fn``'s derivative products and quotients in place (module
    docstring); ``seeds``: the names that hold tangents or adjoints to begin
    with.  ``"switches"`` where a product with a switch was rewritten,
    ``"quotients"`` where only quotients were, None where nothing was."""
    carrying = _carrying(fn, seeds)
    switches = _switches(fn)
    partials = _read_only_by_derivatives(fn, switches, carrying)
    changed: list = [None]

    def rewrite(e: Expr, derivative: bool) -> Expr:
        """``e`` rewritten; ``derivative``: the whole of ``e`` is a derivative."""
        if not isinstance(e, Call):
            return e
        floats = e.prim in ("mul", "div") and _of_floats(e, fn.types)
        carries = derivative or any(variables(a) & carrying for a in e.args)
        if floats and e.prim == "mul" and carries:
            # the factors of the product tree (exp * (dmin * out_bar)): its switches, taken out front,
            # win over the product of the others, whatever nests them
            factors = _factors(e, fn.types)
            chosen = [f for f in factors if _is_switch(f, switches) and not isinstance(f, Const)]
            if chosen:
                changed[0] = "switches"
                rest = [rewrite(f, True) for f in factors if not any(f is c for c in chosen)]
                return Call("helper", (Var("_switch_mul"), _product(chosen), _product(rest) if rest else Const(1.0)))
        args = tuple(rewrite(a, carries) for a in e.args)
        if floats and e.prim == "div" and carries:
            changed[0] = changed[0] or "quotients"
            return Call("helper", (Var("_ieee_div"), *args))
        return Call(e.prim, args) if args != e.args else e

    def statement(block):
        out = []
        for s in block:
            if isinstance(s, Assign) and s.target in partials and not isinstance(s.value, Var):
                s = Assign(s.target, _unknown_at_ties(s.value), s.loc, s.site)
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


_TIED_BY = ("gt", "lt", "ge", "le", "ne")  # tests whose operands may tie: a kink's selection


def _of_floats(e: Call, types: dict[str, str]) -> bool:
    """Whether the binary ``e`` gives a float of two operands neither of which
    is a bool (a comparison used as a factor stays IEEE's: module docstring)."""
    return len(e.args) == 2 and expr_type(e, types) == "float" \
        and "bool" not in (expr_type(a, types) for a in e.args)


def _factors(e: Expr, types: dict[str, str]) -> list[Expr]:
    """The factors of a tree of float products (``a * (b * c)``: a, b, c)."""
    if isinstance(e, Call) and e.prim == "mul" and _of_floats(e, types):
        return [f for a in e.args for f in _factors(a, types)]
    return [e]


def _product(factors: list[Expr]) -> Expr:
    out = factors[0]
    for f in factors[1:]:
        out = Call("mul", (out, f))
    return out


def _read_only_by_derivatives(fn: Function, switches: set[str], carrying: set[str]) -> set[str]:
    """The switches read only where a derivative or another such switch is
    computed: a selection's partials, not a switch of the primal's own
    (``sgn = 1.0 if x > 0.0 else -1.0``), whose value must stay as it is."""
    out = set(switches)
    statements = list(walk(fn.body))
    shrank = True
    while shrank:
        shrank = False
        for s in statements:
            derivative = isinstance(s, Assign) and (s.target in carrying or s.target in out)
            if not derivative:
                read = set().union(*(variables(e) for e in expressions_evaluated(s))) & out
                if read:
                    out -= read
                    shrank = True
    return out


def _unknown_at_ties(e: Expr) -> Expr:
    """A switch's value with NaN where a selection in it tests two equal
    operands: there the selection's constant is the policy's choice at a kink
    (``abs``'s 0 at ``d == 0``, ``max``'s share at ``x == 0``), not a branch
    the function leaves alone, and its zero must not win (``np.sign(x) *
    np.sqrt(np.abs(x)) ** 2`` is ``x``, slope 1 at 0)."""
    if not isinstance(e, Call):
        return e
    args = tuple(_unknown_at_ties(a) for a in e.args)
    out = Call(e.prim, args) if args != e.args else e
    test = e.args[0] if e.prim == "select" else None
    if isinstance(test, Call) and test.prim in _TIED_BY and len(test.args) == 2:
        return Call("select", (Call("eq", test.args), Const(math.nan), out))
    return out


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


def _switches(fn: Function) -> set[str]:
    """The float names every assignment of which is a constant, a selection
    among switches, or a product of switches (a greatest fixed point: a name
    is one until an assignment shows it is not).  Element stores and tape
    pops make no switch."""
    definitions: dict[str, list[Expr]] = {}
    others: set[str] = set()
    for s in walk(fn.body):
        if isinstance(s, Assign):
            definitions.setdefault(s.target, []).append(s.value)
        elif isinstance(s, TapePop) and isinstance(s.target, Var):
            others.add(s.target.name)
        elif isinstance(s, For):
            others.add(s.var)
    names = {n for n in definitions if n not in others and fn.types.get(n, "float") == "float"}
    shrank = True
    while shrank:
        shrank = False
        for n in list(names):
            if not all(_is_switch(v, names) for v in definitions[n]):
                names.discard(n)
                shrank = True
    return names


def _is_switch(e: Expr, switches: set[str]) -> bool:
    """Whether ``e`` is a constant, one of ``switches``, a selection among
    switches, a product of switches or ``copysign`` of a constant."""
    if isinstance(e, Const):
        return not isinstance(e.value, bool)
    if isinstance(e, Var):
        return e.name in switches
    return isinstance(e, Call) and (e.prim == "select" and all(_is_switch(a, switches) for a in e.args[1:])
                                    or e.prim in ("mul", "copy") and all(_is_switch(a, switches) for a in e.args)
                                    or e.prim == "copysign" and _is_switch(e.args[0], switches))
