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

Programs with arrays carry a number of directions known only at the call
(transforms/lexicographic_arrays.py): there the directions are not unrolled
but indexed by a loop variable ``j < nd``, and the rules of ``LEXICO_LOOPS``
below say the same thing in that form.
"""

from __future__ import annotations

import dataclasses

from nsadc.ir.build import add, c, call, div, mul, neg, sub
from nsadc.ir.nodes import Assign, Break, Const, Expr, For, If, Stmt, Var, select
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


# ---------------------------------------------------------------- loop form
#
# A loop-form rule is ``rule(args, dots, out, tmp, j, nd) -> (pre, out_dot)``:
# ``dots[i]`` is operand i's derivative along direction ``j`` (an expression in
# the loop variable ``j``; None for a constant), ``pre`` the statements to run
# first (they read only the operands), ``out_dot`` the result's derivative
# along direction ``j``, which the transform stores for every ``j < nd``.


def first_nonzero(name: str, value: Expr, dot: Expr, j: Var, nd: Expr) -> list[Stmt]:
    """``name`` = the first nonzero of ``(value, dot at j = 0, 1, ..., nd - 1)``
    (0 if none): its sign is the lexicographic sign ("fsign").  The loop stops
    at the first nonzero, so off the kink it costs one comparison."""
    stop = If(call("ne", Var(name), c(0.0)), [Break()], [])
    return [Assign(name, value), For(j.name, Const(0), nd, Const(1), [stop, Assign(name, dot)])]


def _zero(d):
    return c(0.0) if d is None else d


def _abs_loop(args, dots, out, tmp, j, nd):
    (x,), (dx,) = args, [_zero(d) for d in dots]
    lex = tmp("lex")
    return first_nonzero(lex, x, dx, j, nd), select(call("ge", Var(lex), c(0)), dx, neg(dx))


def _pairwise_loop(better_or_tie: str):
    """max / min as a chain of two-operand choices, as ``_pairwise``."""

    def rule(args, dots, out, tmp, j, nd):
        name = "max" if better_or_tie == "ge" else "min"
        dots = [_zero(d) for d in dots]
        value, wd = args[0], dots[0]
        pre: list[Stmt] = []
        for b, bd in zip(args[1:], dots[1:]):
            lex = tmp("lex")
            pre += first_nonzero(lex, sub(value, b), sub(wd, bd), j, nd)
            wd = select(call(better_or_tie, Var(lex), c(0)), wd, bd)
            if b is not args[-1]:
                v = tmp(name)
                pre.append(Assign(v, call(name, value, b)))
                value = Var(v)
        return pre, wd

    return rule


_max_loop = _pairwise_loop("ge")
_min_loop = _pairwise_loop("le")


def _clip_loop(args, dots, out, tmp, j, nd):
    x, lo, hi = args
    pre, d1 = _max_loop([x, lo], dots[:2], None, tmp, j, nd)
    low = tmp("above")
    pre.append(Assign(low, call("max", x, lo)))
    more, d2 = _min_loop([Var(low), hi], [d1, dots[2]], None, tmp, j, nd)
    return pre + more, d2


def _hypot_loop(args, dots, out, tmp, j, nd):
    (x, y), (dx, dy) = args, [_zero(d) for d in dots]
    pre: list[Stmt] = []
    r = out
    if r is None:
        r = Var(tmp("r"))
        pre.append(Assign(r.name, call("hypot", x, y)))
    ux, uy, norm = tmp("ux"), tmp("uy"), tmp("norm")
    # off the origin the gradient (x, y)/r; at the origin the unit vector of the
    # first nonzero direction, the gradient of the directional derivative there
    found = [Assign(ux, div(dx, Var(norm))), Assign(uy, div(dy, Var(norm))), Break()]
    search = For(j.name, Const(0), nd, Const(1), [Assign(norm, call("hypot", dx, dy)),
                                                   If(call("gt", Var(norm), c(0)), found, [])])
    pre.append(If(call("gt", r, c(0)), [Assign(ux, div(x, r)), Assign(uy, div(y, r))],
                  [Assign(ux, c(0)), Assign(uy, c(0)), search]))
    return pre, add(mul(Var(ux), dx), mul(Var(uy), dy))


def _copysign_loop(args, dots, out, tmp, j, nd):
    (x, y), dx = args, _zero(dots[0])
    lex = tmp("lex")
    return (first_nonzero(lex, x, dx, j, nd),
            mul(call("copysign", c(1), y), select(call("ge", Var(lex), c(0)), dx, neg(dx))))


LEXICO_LOOPS = {"abs": _abs_loop, "max": _max_loop, "min": _min_loop, "clip": _clip_loop,
                "hypot": _hypot_loop, "copysign": _copysign_loop}
assert LEXICO_LOOPS.keys() == LEXICO.keys()

# kinks Clarke mode cannot decide in the loop form: met, they are reported and
# clarke_grad refuses, naming the site (transforms/lexicographic_arrays.py)
UNDECIDED = {
    "norm_root": (("np.linalg.norm(x) at x = 0: the sum of squares under the 2-norm has derivative 0 "
                   "along every direction there, so the directions cannot say which way the norm grows"),
                  "use grad (it selects 0 there), or write the norm of two entries as math.hypot(a, b)"),
    "sort": ("np.sort at a tie of its entries: Clarke mode has no lexicographic sort yet",
             "use grad, whose kink policy selects an element of the sort's Clarke Jacobian there"),
}
