"""Constructors for IR expressions that fold the trivial cases (x*1, x+0, -(-x)),
so that derivative code reads like hand-written code."""

from __future__ import annotations

from nsadc.ir.nodes import Call, Const, Expr


def is_const(e: Expr, value=None) -> bool:
    return isinstance(e, Const) and (value is None or (e.value == value and type(e.value) is not bool))


def c(value) -> Const:
    return Const(float(value)) if isinstance(value, int) and not isinstance(value, bool) else Const(value)


def _ints(a: Expr, b: Expr) -> bool:
    """Two int constants (loop bounds: ``range(n - 1, 1 - 1, -1)`` reads badly)."""
    return all(isinstance(e, Const) and type(e.value) is int for e in (a, b))


def add(a: Expr, b: Expr) -> Expr:
    if _ints(a, b):
        return Const(a.value + b.value)
    if is_const(a, 0):
        return b
    if is_const(b, 0):
        return a
    if isinstance(b, Call) and b.prim == "neg":
        return sub(a, b.args[0])
    return Call("add", (a, b))


def sub(a: Expr, b: Expr) -> Expr:
    if _ints(a, b):
        return Const(a.value - b.value)
    if is_const(b, 0):
        return a
    if is_const(a, 0):
        return neg(b)
    return Call("sub", (a, b))


def neg(a: Expr) -> Expr:
    if isinstance(a, Const) and not isinstance(a.value, bool):
        return Const(-a.value)
    if isinstance(a, Call) and a.prim == "neg":
        return a.args[0]
    return Call("neg", (a,))


def mul(a: Expr, b: Expr) -> Expr:
    if is_const(a, 0) or is_const(b, 0):
        return Const(0.0)
    if is_const(a, 1):
        return b
    if is_const(b, 1):
        return a
    if is_const(a, -1):
        return neg(b)
    if is_const(b, -1):
        return neg(a)
    return Call("mul", (a, b))


def div(a: Expr, b: Expr) -> Expr:
    if is_const(b, 1):
        return a
    if is_const(a, 0):
        return Const(0.0)
    return Call("div", (a, b))


def call(prim: str, *args: Expr) -> Call:
    return Call(prim, tuple(args))


def plus(e: Expr, k: int) -> Expr:
    """``e + k`` for an int ``k``, written ``e - |k|`` below 0 (``i - 1``)."""
    return e if k == 0 else Call("add", (e, Const(k))) if k > 0 else Call("sub", (e, Const(-k)))
