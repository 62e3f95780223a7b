"""The gradient of a function of a few floats, by tangents.

Reverse mode costs a forward sweep, a tape of what the reverse sweep needs
and the reverse sweep itself, whatever the number of inputs.  With respect to
``k`` floats (a model's parameters, an option's inputs) forward mode along
each input gives the gradient with no tape: one sweep that carries ``k``
tangents beside the primal (a Monte-Carlo barrier option's four sensitivities
over paths that stop early, exponential smoothing's three parameters).

:func:`gradient_by_tangents` turns the forward mode ``f_jvp(*args, *dots) ->
(value, dot)`` into ``f_grad(*args, cotangent) -> adjoints``: every statement
that computes a tangent is written once per input, its tangents renamed
(``s_dot`` along ``alpha`` is ``s_dot_alpha``); the statements of the primal
and the kinks' selections stay once; the tangent of input ``i`` along input
``j`` starts at 1 or 0.  Each selection is the one reverse mode makes, so the
result is the same vector (reverse mode is its transpose), up to rounding.
"""

from __future__ import annotations

from nsadc.ir.names import Names
from nsadc.ir.nodes import (OPAQUE, Assign, Call, Const, Function, Param, Return, Stmt, Var, block_operations,
                            raw_names, renamed_block, renamed_expr, rewrite, variables, walk)
from nsadc.rules.arrays import is_array

# Up to this many float inputs the gradient is taken by tangents: each costs a
# share of the primal's arithmetic, where reverse mode's tape and second sweep
# cost about two primals whatever their number (scalar values only: see by_tangents).
TANGENT_INPUTS = 4

# ... and where the tangents add at most this many operations to the reverse
# mode's: numba types and lowers about a millisecond's worth per operation, and
# a long loop body's gradient by tangents (four inputs, about 1.4 times the
# reverse mode's operations) took 6.5 s to compile against 4.3 s reversed.
TANGENT_EXTRA_OPERATIONS = 500


def gradient_by_tangents(jvp: Function, wrt: list[str], cotangent: str, name: str, names: Names) -> Function | None:
    """``f_grad`` from ``f_jvp`` (module docstring), or None where a line the
    IR does not model handles a tangent."""
    dots = [p.name for p in jvp.params[-len(wrt):]]
    params = list(jvp.params[:-len(wrt)])
    tangents = _tangents(jvp, set(dots) | set(jvp.tangent_of.values()))
    if any(isinstance(s, OPAQUE) and raw_names(s) & tangents for s in walk(jvp.body)):
        return None
    renames = [{v: names.fresh(f"{v}_{w}") for v in sorted(tangents)} for w in wrt]
    body: list[Stmt] = []
    for j, r in enumerate(renames):
        body += [Assign(r[d], Const(1.0 if i == j else 0.0)) for i, d in enumerate(dots)]
    ret = jvp.body[-1]
    assert isinstance(ret, Return) and isinstance(ret.value, tuple), "a forward function ends in its return"
    body += rewrite(jvp.body[:-1], lambda s: [renamed_block([s], r)[0] for r in renames] if s.target in tangents
                    else [s], lambda s: s)
    dot = ret.value[1]
    adjoints = tuple(Call("mul", (Var(cotangent), renamed_expr(dot, r))) for r in renames)
    body.append(Return(Call("tuple", adjoints), ret.loc))
    doc = (f"{name.removesuffix('_grad')}: the adjoints ({', '.join(w + '_bar' for w in wrt)}) of the cotangent "
           f"{cotangent}, by one tangent along each.")
    out = Function(name, params + [Param(cotangent, "float")], body, jvp.loc, doc, jvp.types)
    out.index_depth = getattr(jvp, "index_depth", 0)
    return out


def _tangents(fn: Function, seeds: set[str]) -> set[str]:
    """``seeds`` and every variable computed from one of them."""
    out = set(seeds)
    assigns = [s for s in walk(fn.body) if isinstance(s, Assign)]
    changed = True
    while changed:
        changed = False
        for s in assigns:
            if s.target not in out and variables(s.value) & out:
                out.add(s.target)
                changed = True
    return out


def small_enough(tangents: Function, reverse: Function) -> bool:
    """Whether the gradient by tangents adds few enough operations to the
    reverse mode's (``TANGENT_EXTRA_OPERATIONS``) to be worth its compile time."""
    return block_operations(tangents.body) - block_operations(reverse.body) <= TANGENT_EXTRA_OPERATIONS


def by_tangents(types: dict[str, str], wrt: list[str], active: set[str]) -> bool:
    """Whether the gradient with respect to ``wrt`` is taken by tangents: a few
    floats, and no array among the values that carry a derivative (each would
    need a tangent array per float, where reverse mode keeps one adjoint
    array: four floats and an array filled from them, 18 ms by tangents
    against 9.7 ms reversed)."""
    return 0 < len(wrt) <= TANGENT_INPUTS and all(types.get(w) == "float" for w in wrt) and \
        not any(is_array(types.get(v)) for v in active)

