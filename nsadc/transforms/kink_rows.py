"""Which outputs met a kink: the forward-mode program with kinks made visible.

For a vector output, a kink report that lists the sites met does not say which
rows of the Jacobian they touched.  This pass turns a forward-mode function
(``f_jvp``) into ``f_jvp_rows``: wherever a kink site is met, the tangent it
produces becomes NaN, and NaN then travels with the tangents to every output
whose derivative was computed from it::

    max_s_0 = max(s, 0.0)                       met_1 = s == 0.0
    dmax = 1.0 if s > 0.0 else 0.0      ->      max_s_0 = max(s, 0.0)
    y_dot = dmax * s_dot                        dmax = 1.0 if s > 0.0 else 0.0
                                                y_dot = dmax * s_dot
                                                if met_1:
                                                    y_dot = nan

A branch decided by a tie (``if a > b`` with ``a == b``) whose arms assign
only floats marks every tangent assigned in either arm.  A tie that steers
anything else (a ``while`` test, an index or a count set in an arm, a
``break``) cannot be followed through the tangents: it sets a flag returned
beside them, and every entry then counts as having met a kink.  Run with zero
tangents, the output tangents are NaN at the entries that met a kink, and 0
elsewhere.  The marking is conservative: a NaN survives a product with a zero
partial (``0 * nan``), so an entry may be flagged whose derivative did not
depend on the kink after all; an entry that is not flagged met none, and its
Jacobian row is that entry's gradient.
"""

from __future__ import annotations

import math

from nsadc.ir.nodes import (Assign, Break, Call, Const, Continue, For, Function, If, Return, Stmt, Var, While,
                            clone_function)
from nsadc.rules.table import RULES


def kink_rows(jvp: Function, tangent_of: dict[str, str], names) -> Function:
    """``f_jvp`` -> ``f_jvp_rows`` (see the module's docstring).  ``tangent_of``
    maps each primal variable to its tangent's name (``Derivative.d``)."""
    out = clone_function(jvp)
    out.name = f"{jvp.name}_rows"
    out.doc = (f"{jvp.name.removesuffix('_jvp')} and its directional derivative, NaN at each output entry "
               "that met a kink (run with zero tangents).")
    anywhere = names.fresh("tie_met")
    followed = _followed_tests(out.body, out.types)
    body = _block(out.body, tangent_of.get, set(tangent_of.values()), names, [], followed, anywhere)
    ret = body[-1]
    ret.value = (*ret.value, Var(anywhere))
    out.body = [Assign(anywhere, Const(False))] + body
    return out


def _followed_tests(block: list[Stmt], types: dict[str, str]) -> set[str]:
    """The names of ``if`` tests whose arms assign floats only (and leave no
    loop early): the tangents carry everything such a branch decides."""
    out: set[str] = set()
    for s in block:
        if isinstance(s, If) and isinstance(s.test, Var) and _floats_only(s.body + s.orelse, types):
            out.add(s.test.name)
        for inner in ([s.body, s.orelse] if isinstance(s, If) else [s.body] if isinstance(s, (For, While)) else []):
            out |= _followed_tests(inner, types)
    return out


def _floats_only(block: list[Stmt], types: dict[str, str]) -> bool:
    for s in block:
        if isinstance(s, Assign) and not types.get(s.target, "float").startswith(("float", "array")):
            return False
        if isinstance(s, (Break, Continue, Return, For, While)):
            return False
        if isinstance(s, If) and not _floats_only(s.body + s.orelse, types):
            return False
    return True


def _nan_for(s: Assign) -> Assign:
    """The statement that marks what ``s`` assigned to a tangent."""
    nan = Const(math.nan)
    if isinstance(s.value, Call) and s.value.prim == "store":  # one element of a tangent array
        return Assign(s.target, Call("store", (*s.value.args[:-1], nan)))
    return Assign(s.target, nan)


def _block(block: list[Stmt], tangent_of, tangents: set[str], names, ties: list[str], followed: set[str],
           anywhere: str) -> list[Stmt]:
    out: list[Stmt] = []
    tie_of: dict[str, str] = {}  # a branch test's name -> the flag of its tie
    pending: list[tuple[str, str]] = []  # (tangent, flag): mark once the tangent is assigned
    for s in block:
        if isinstance(s, Assign) and s.site is not None and isinstance(s.value, Call):
            kink = RULES[s.value.prim].kink
            if kink is not None and kink.at_kink is not None:
                flag = names.fresh(f"met_{s.site}")
                out.append(Assign(flag, kink.at_kink(list(s.value.args))))
                if kink.kind == "branch" and s.target in followed:
                    tie_of[s.target] = flag
                elif kink.kind == "branch":  # steers more than floats: every entry counts as met
                    out.append(Assign(anywhere, Call("or", (Var(anywhere), Var(flag)))))
                else:
                    tangent = tangent_of(s.target)
                    if tangent in tangents:
                        pending.append((tangent, flag))
        if isinstance(s, If):
            flag = tie_of.get(s.test.name) if isinstance(s.test, Var) else None
            inner = ties + ([flag] if flag else [])
            out.append(If(s.test, _block(s.body, tangent_of, tangents, names, inner, followed, anywhere),
                          _block(s.orelse, tangent_of, tangents, names, inner, followed, anywhere), s.loc))
            continue
        if isinstance(s, (For, While)):
            body = _block(s.body, tangent_of, tangents, names, ties, followed, anywhere)
            out.append(For(s.var, s.start, s.stop, s.step, body, s.loc) if isinstance(s, For)
                       else While(s.test, body, s.loc))
            continue
        out.append(s)
        if isinstance(s, Assign) and s.target in tangents:
            for flag in ties:
                out.append(If(Var(flag), [_nan_for(s)]))
            for tangent, flag in [p for p in pending if p[0] == s.target]:
                out.append(If(Var(flag), [_nan_for(s)]))
                pending.remove((tangent, flag))
    return out
