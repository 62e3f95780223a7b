"""Primitives that vectorized NumPy lowers to, besides the scalar ones.

The frontend (frontend/vectorize.py) turns whole-array expressions into loops
over elements, so elementwise operations reuse the scalar rules.  Reductions
need three more primitives:

- ``tie(x, m)``: 1 if ``x == m`` else 0 (an int: no derivative).
- ``share(x, m, k)``: the value 0.0, whose partial in ``x`` is ``1/k`` where
  ``x == m`` and 0 elsewhere.  ``np.max(x)`` is lowered to
  ``detach(x[first argmax]) + Σᵢ share(xᵢ, max, ties)``: exactly the maximum,
  with the derivative shared equally among the tied entries.  That is the
  minimum-norm element of the Clarke set of the maximum at a tie (the convex
  hull of the tied entries' unit vectors), and also what JAX and torch do.
  Its value is the constant 0.0 (not ``(x - m)/k``, which is NaN when the
  maximum is infinite).  It is the reduction's kink site: met where an entry
  is one of two or more tied entries.  The search for the first extreme entry
  compares detached values, so it is no site of its own.
- ``detach(x)``: x, with no derivative.
- ``norm_root(s)``: ``sqrt(s)`` of a sum of squares ``s = Σ xᵢ²`` (the 2-norm).
  At ``s == 0`` the norm has a kink whose Clarke set is the unit ball; every
  policy selects its minimum-norm element 0 (JAX's gradient there is NaN,
  outside the Clarke set).
"""

from __future__ import annotations

from nsadc.ir.build import c, call, div
from nsadc.ir.nodes import select
from nsadc.rules.table import Kink, Rule, _float, _int, _on, _register


def _share_partials(a, out, act, sel, tmp):
    x, m, k = a
    return [], _on(act, [select(call("eq", x, m), div(c(1.0), k), c(0.0)), None, None])


def _norm_root_partials(a, out, act, sel, tmp):
    s = a[0]
    root = out if out is not None else call("sqrt", s)
    return [], _on(act, [select(call("gt", s, c(0.0)), div(c(0.5), root), c(float(sel)))])


_register(Rule("tie", (2, 2), "special", _int, None, doc="1 if x == m else 0"))
_register(Rule("share", (3, 3), "special", _float, _share_partials, Kink(
    "kink", "{0} == {1}, one of {2} tied entries", "the convex hull of the tied entries' unit vectors",
    selections={"min-norm": "equal shares", "jax": "equal shares", "torch": "equal shares"},
    check=lambda s: s == "equal shares",
    selection_doc="a max/min reduction shares its derivative equally among tied entries",
    # met when the entry is one of two or more tied entries
    at_kink=lambda a: call("and", call("eq", a[0], a[1]), call("gt", a[2], c(1))),
), doc="0.0, with partial 1/k in x where x == m (a reduction's tie share)"))
_register(Rule("detach", (1, 1), "special", _float, None, doc="x, with no derivative"))
_register(Rule("norm_root", (1, 1), "call:math.sqrt", _float, _norm_root_partials, Kink(
    "kink", "{0} == 0", "the unit ball",
    selections={"min-norm": 0.0, "jax": 0.0, "torch": 0.0},
    check=lambda s: s == 0.0,
    selection_doc="the 2-norm at 0 has one selection here, 0 (the centre of the unit ball)",
    at_kink=lambda a: call("eq", a[0], c(0.0)),
), doc="sqrt of a sum of squares: np.linalg.norm"))


def vector_source(prim: str, args: list[str]) -> str:
    """The Python source of ``tie``, ``share`` and ``detach``."""
    if prim == "tie":
        return f"1 if {args[0]} == {args[1]} else 0"
    if prim == "share":
        return "0.0"
    if prim == "detach":
        return args[0]
    raise ValueError(prim)


VECTOR_PRIMS = {"tie", "share", "detach"}
