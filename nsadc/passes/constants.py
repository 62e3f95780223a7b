"""Decide the tests that are constants before anything is differentiated.

``if 3.0 > 1.5:``, ``if (0.75) ** 3 > 0.3:``, or a test on a name that holds a
constant on every path (``t = -0.4; t, w = w, t; if 0.3 > w:``) has one
outcome.  Numba sees that too and prunes the other branch, and then a value
assigned only there has no type where the derivative reads it.  So the branch
that cannot run is removed here, from the IR, before the transforms read it:

    before                          after
    power = 0.75 ** 3               power = 0.75 ** 3
    gt = power > 0.3                gt = power > 0.3
    if gt:                          p = p - p
        p = p - p
    else:
        m = min(p, -0.4)
        ...

Values are propagated forwards through assignments, merged after a branch
(kept where both sides agree) and forgotten for every name a loop assigns.
Only exact, side-effect free operations are evaluated.
"""

from __future__ import annotations

import operator

from nsadc.ir.nodes import Assign, Call, Const, Expr, For, Function, If, Stmt, Var, While, assigned

_EVAL = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
    "pow": operator.pow, "neg": operator.neg, "pos": operator.pos,
    "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
    "eq": operator.eq, "ne": operator.ne, "not": operator.not_, "copy": lambda a: a,
    "abs": abs, "min": min, "max": max,
}
_LOGICAL = {"and": all, "or": any}


def _value(e: Expr, env: dict):
    """``e``'s value when every name it reads holds a known constant, else None."""
    if isinstance(e, Const):
        return e.value
    if isinstance(e, Var):
        return env.get(e.name)
    if not isinstance(e, Call) or (e.prim not in _EVAL and e.prim not in _LOGICAL):
        return None
    args = [_value(a, env) for a in e.args]
    if any(a is None for a in args):
        return None
    try:
        if e.prim in _LOGICAL:
            return _LOGICAL[e.prim](bool(a) for a in args)
        out = _EVAL[e.prim](*args)
    except (ArithmeticError, TypeError, ValueError):
        return None
    return out if isinstance(out, (bool, int, float)) and not isinstance(out, complex) else None


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b


def _block(stmts: list[Stmt], env: dict) -> list[Stmt]:
    out: list[Stmt] = []
    for s in stmts:
        if isinstance(s, Assign):
            v = _value(s.value, env)
            if v is None or (isinstance(s.value, Call) and s.value.prim in ("store", "load")):
                env.pop(s.target, None)
            else:
                env[s.target] = v
            out.append(s)
        elif isinstance(s, If):
            decided = _value(s.test, env)
            if decided is not None:
                out += _block(s.body if decided else s.orelse, env)
                continue
            other = dict(env)
            s.body = _block(s.body, env)
            s.orelse = _block(s.orelse, other)
            for name in list(env):
                if not (name in other and _same(env[name], other[name])):
                    del env[name]
            out.append(s)
        elif isinstance(s, (For, While)):
            changed = assigned(s.body) | ({s.var} if isinstance(s, For) else set())
            for name in changed:
                env.pop(name, None)
            if isinstance(s, While) and _value(s.test, env) is False:
                continue  # never entered
            s.body = _block(s.body, dict(env))
            out.append(s)
        else:
            out.append(s)
    return out


def fold_constant_tests(fn: Function) -> None:
    """Replace each ``if`` whose test is a constant by the branch it takes, and
    drop each ``while`` whose test is constantly false."""
    fn.body = _block(fn.body, {})
