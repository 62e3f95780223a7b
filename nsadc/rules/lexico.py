"""Lexicographic rules (Clarke mode) of the nonsmooth primitives.

Clarke mode carries, with each value ``u``, ``k`` directional derivatives
``u_d0 … u_d{k-1}`` (vector forward mode, seeded with a direction matrix).  At
a kink the rule follows the lexicographic sign of ``(u, u_d0, …)``: the sign
of its first nonzero entry ("fsign", Nesterov 2005; Khan & Barton 2015).  The
result is the lexicographic derivative, an element of the Clarke generalized
gradient for piecewise-C¹ programs.

A rule is ``lexico(args, dots, out, tmp) -> (setup, out_dots)``: ``dots[i]``
lists operand ``i``'s k directional derivatives (``None`` for a constant),
``out`` is the result variable (``None`` when the result overwrites an
operand), ``setup`` is a list of ``(name, expr)`` assignments to emit first.
The rules are attached to the entries of the one table (rules/table.py).
"""

from __future__ import annotations

import dataclasses

from nsadc.ir.build import add, c, call, div, mul, sub
from nsadc.ir.nodes import Const, Expr, Var, select
from nsadc.rules.table import RULES


def fsign(name: str, value: Expr, dots: list[Expr]) -> list[tuple[str, Expr]]:
    """``name`` = sign of the first nonzero of ``(value, *dots)`` (0 if none),
    as a chain of two-way selects (branch-free), last entry first."""
    setup: list[tuple[str, Expr]] = [(name, c(0))]
    for d in reversed([value, *dots]):
        if isinstance(d, Const) and d.value == 0:
            continue
        setup.append((name, select(call("ne", d, c(0)), call("copysign", c(1), d), Var(name))))
    return setup


def _zeros(dots, k):
    return [d if d is not None else [c(0)] * k for d in dots]


def _abs(args, dots, out, tmp):
    (x,), (dx,) = args, _zeros(dots, _k(dots))
    s = tmp("sign")
    return fsign(s, x, dx), [mul(Var(s), d) for d in dx]


def _k(dots) -> int:
    return next(len(d) for d in dots if d is not None)


def _pairwise(better_or_tie: str):
    """max / min of any number of operands as a chain of two-operand choices:
    the lexicographic derivative of a composition is the composition's."""

    def rule(args, dots, out, tmp):
        k = _k(dots)
        dots = _zeros(dots, k)
        name = "max" if better_or_tie == "ge" else "min"
        value, wd = args[0], dots[0]
        setup: list[tuple[str, Expr]] = []
        for b, bd in zip(args[1:], dots[1:]):
            gap = tmp("gap")
            s = tmp("lex")
            gaps = []
            for j in range(k):
                gj = tmp(f"gap_d{j}")
                setup.append((gj, sub(wd[j], bd[j])))
                gaps.append(Var(gj))
            setup.append((gap, sub(value, b)))
            setup += fsign(s, Var(gap), gaps)
            take_first = call(better_or_tie, Var(s), c(0))
            new_wd = []
            for j in range(k):
                wj = tmp(f"d{name}_d{j}")
                setup.append((wj, select(take_first, wd[j], bd[j])))
                new_wd.append(Var(wj))
            wd = new_wd
            if b is not args[-1]:
                v = tmp(name)
                setup.append((v, call(name, value, b)))
                value = Var(v)
        return setup, wd

    return rule


_max = _pairwise("ge")
_min = _pairwise("le")


def _clip(args, dots, out, tmp):
    x, lo, hi = args
    dx, dlo, dhi = dots
    setup, d1 = _max([x, lo], [dx, dlo], None, tmp)
    low = tmp("above")
    setup.append((low, call("max", x, lo)))
    more, d2 = _min([Var(low), hi], [d1, dhi], None, tmp)
    return setup + more, d2


def _hypot(args, dots, out, tmp):
    k = _k(dots)
    (x, y), (dx, dy) = args, _zeros(dots, k)
    r = out if out is not None else call("hypot", x, y)
    ux, uy = tmp("ux"), tmp("uy")
    setup: list[tuple[str, Expr]] = [(ux, c(0)), (uy, c(0))]
    # off the origin the gradient (x, y)/r; at the origin the unit vector of the
    # first nonzero direction, the gradient of the directional derivative there
    for j in reversed(range(k)):
        nj = tmp(f"norm_d{j}")
        setup.append((nj, call("hypot", dx[j], dy[j])))
        positive = call("gt", Var(nj), c(0))
        setup.append((ux, select(positive, div(dx[j], Var(nj)), Var(ux))))
        setup.append((uy, select(positive, div(dy[j], Var(nj)), Var(uy))))
    positive = call("gt", r, c(0))
    setup.append((ux, select(positive, div(x, r), Var(ux))))
    setup.append((uy, select(positive, div(y, r), Var(uy))))
    return setup, [add(mul(Var(ux), dx[j]), mul(Var(uy), dy[j])) for j in range(k)]


def _copysign(args, dots, out, tmp):
    k = _k(dots)
    (x, y), (dx, _) = args, _zeros(dots, k)
    s = tmp("sign")
    setup = fsign(s, x, dx) + [(s, mul(Var(s), call("copysign", c(1), y)))]
    return setup, [mul(Var(s), d) for d in dx]


LEXICO = {"abs": _abs, "max": _max, "min": _min, "clip": _clip, "hypot": _hypot, "copysign": _copysign}

for _name, _rule in LEXICO.items():
    RULES[_name] = dataclasses.replace(RULES[_name], lexico=_rule)

# a comparison of differentiable values is decided by the lexicographic sign of
# the difference: a > b  <=>  fsign(a - b, ȧ - ḃ) > 0
COMPARE_SIGN = {"lt": "lt", "le": "le", "gt": "gt", "ge": "ge", "eq": "eq", "ne": "ne"}
