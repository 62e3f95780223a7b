"""Primitives that vectorized NumPy lowers to, besides the scalar ones.

The frontend (frontend/vectorize.py) turns whole-array expressions into loops
over elements, so elementwise operations reuse the scalar rules.  Reductions
need three more primitives:

- ``tie(x, m)``: 1 if ``x == m`` else 0 (an int: no derivative).
- ``share(x, m, k)``: the value 0.0, whose partial in ``x`` is ``1/k`` where
  ``x == m`` and 0 elsewhere.  ``np.max(x)`` is lowered to one pass that finds
  the first maximum m and counts its ties, then ``x[first argmax]`` where
  there is one such entry, else ``detach(m) + Σᵢ share(xᵢ, m, ties)``
  (frontend/vectorize.py, ``_reduction``): exactly the maximum, with the
  derivative shared equally among the tied entries.  That is the
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

``np.sort`` needs three more (frontend/vectorize.py, ``_sort``):

- ``argsort(v)``: the stable ascending order of each row of the 2-D array v
  (NaN last), an int array of v's shape, with no derivative: the
  ``_stable_argsort`` helper below, emitted into the module (the emitted code
  stays standalone).
- ``sort(e, s, m)``: the value e, one output of a sort, where e is one of the
  m tied inputs of its tie group (equal values; m == 1 without a tie) and s is
  the sum of those m inputs.  Sort is piecewise linear, ``y[k] = x[perm[k]]``;
  at a tie its Clarke Jacobian is the convex hull of the permutations of the
  tied group.  "min-norm" selects its minimum-norm element, the group mean
  (partial 1/m in s, 0 in e); "jax" and "torch" select the stable order
  (partial 1 in e, 0 in s), which is what ``jax.grad`` of ``jnp.sort`` gives
  and what torch gives with ``stable=True`` (torch's default sort is stable
  only up to 16 entries on the CPU).  It is the sort's kink site: met where m > 1.
- ``index_empty(n, ...)``: an uninitialised int array (``np.argmax(A, axis=1)``
  given a name, ``np.empty(n, dtype=np.int64)``).
- ``index_full(n, ..., v)``: an int array filled with v (``np.zeros(n,
  dtype=np.int64)``); the frontend writes it as ``index_empty`` and a loop of
  stores when it is bound to a name.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from nsadc.ir.build import c, call, div
from nsadc.ir.nodes import select
from nsadc.rules.arrays import array_type
from nsadc.rules.table import Kink, Rule, float_result, int_result, on_active, register


def _share_partials(a, out, act, sel, tmp):
    x, m, k = a
    return [], on_active(act, [select(call("eq", x, m), div(c(1.0), k), c(0.0)), None, None])


def _norm_root_partials(a, out, act, sel, tmp):
    s = a[0]
    root = out if out is not None else call("sqrt", s)
    return [], on_active(act, [select(call("gt", s, c(0.0)), div(c(0.5), root), c(float(sel)))])


register(Rule("tie", (2, 2), "special", int_result, None, doc="1 if x == m else 0"))
register(Rule("share", (3, 3), "special", float_result, _share_partials, Kink(
    "kink", "{0} == {1}, one of {2} tied entries", "the convex hull of the tied entries' unit vectors",
    selections={"min-norm": "equal shares", "jax": "equal shares", "torch": "equal shares"},
    check=lambda s: s == "equal shares",
    selection_doc="a max/min reduction shares its derivative equally among tied entries",
    # met when the entry is one of two or more tied entries
    at_kink=lambda a: call("and", call("eq", a[0], a[1]), call("gt", a[2], c(1))),
), doc="0.0, with partial 1/k in x where x == m (a reduction's tie share)"))
register(Rule("detach", (1, 1), "special", float_result, None, doc="x, with no derivative"))
register(Rule("norm_root", (1, 1), "call:math.sqrt", float_result, _norm_root_partials, Kink(
    "kink", "{0} == 0", "the unit ball",
    selections={"min-norm": 0.0, "jax": 0.0, "torch": 0.0},
    check=lambda s: s == 0.0,
    selection_doc="the 2-norm at 0 has one selection here, 0 (the centre of the unit ball)",
    at_kink=lambda a: call("eq", a[0], c(0.0)),
), doc="sqrt of a sum of squares: np.linalg.norm"))


def _sort_partials(a, out, act, sel, tmp):
    """sort(e, s, m): the group mean has partial 1/m in the group's sum s, the
    stable order partial 1 in the entry e itself (the same when m == 1)."""
    m = a[2]
    if sel == "group mean":
        return [], on_active(act, [c(0.0), div(c(1.0), m), None])
    return [], on_active(act, [c(1.0), c(0.0), None])


_SORT_SELECTIONS = ("group mean", "stable order")
register(Rule("sort", (3, 3), "special", float_result, _sort_partials, Kink(
    "kink", "{2} > 1 ({0} is one of {2} equal entries)",
    "the convex hull of the tied group's permutations",
    selections={"min-norm": "group mean", "jax": "stable order", "torch": "stable order"},
    check=lambda s: s in _SORT_SELECTIONS,
    selection_doc="select by policy name: 'min-norm' (each tied output gets the mean of its group's "
                  "derivatives) or 'jax' / 'torch' (the stable order's permutation)",
    at_kink=lambda a: call("gt", a[2], c(1)),
), doc="e, one output of np.sort, one of m tied entries whose sum is s"))
register(Rule("argsort", (1, 1), "special", lambda types: array_type(2, floating=False), None,
               doc="the stable ascending order of each row of a 2-D array"))
# np.searchsorted(a, v) of one number v: an index, no derivative (frontend/lower.py)
register(Rule("searchsorted", (2, 2), "call:np.searchsorted", int_result, None,
               doc="np.searchsorted(a, v): where v goes in the sorted 1-D array a"))
register(Rule("searchsorted_right", (2, 2), "call:_searchsorted_right", int_result, None,
               doc="np.searchsorted(a, v, side='right')"))
register(Rule("index_empty", (1, None), "special", lambda types: array_type(len(types), floating=False),
               None, doc="np.empty(shape, np.int64)"))
register(Rule("index_full", (2, None), "special", lambda types: array_type(len(types) - 1, floating=False),
               None, doc="np.full(shape, v, np.int64)"))


def _stable_argsort(values):
    """The stable ascending order of each row of ``values`` (NaN last):
    ``np.argsort(values, axis=-1, kind="stable")``, by a bottom-up merge sort
    that numba compiles."""
    rows, n = values.shape
    perm = np.empty((rows, n), np.int64)
    order = np.empty(n, np.int64)
    merged = np.empty(n, np.int64)
    for r in range(rows):
        for k in range(n):
            order[k] = k
        width = 1
        while width < n:
            for lo in range(0, n, 2 * width):
                mid = min(lo + width, n)
                hi = min(lo + 2 * width, n)
                a, b = lo, mid
                for k in range(lo, hi):
                    take_right = b < hi
                    if take_right and a < mid:
                        left, right = values[r, order[a]], values[r, order[b]]
                        # strictly before, so that equal entries keep their order; NaN last
                        take_right = right < left or (math.isnan(left) and not math.isnan(right))
                    if take_right:
                        merged[k] = order[b]
                        b += 1
                    else:
                        merged[k] = order[a]
                        a += 1
            order, merged = merged, order
            width *= 2
        for k in range(n):
            perm[r, k] = order[k]
    return perm


def _searchsorted_right(a, v):
    """``np.searchsorted(a, v, side="right")``: the number of entries of the
    sorted 1-D array ``a`` that are ``<= v``."""
    return np.searchsorted(a, v, side="right")


def _digamma(x):
    """ψ(x) = d/dx log Γ(x): the derivative of ``math.lgamma`` (also where x < 0),
    by reflection, the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, and the
    asymptotic series there (relative error about 1e-15).  NaN at the poles."""
    if x <= 0.0 and x == math.floor(x):
        return math.nan
    result = 0.0
    if x < 0.0:  # ψ(x) = ψ(1 − x) − π / tan(πx)
        result = -math.pi / math.tan(math.pi * x)
        x = 1.0 - x
    while x < 10.0:
        result -= 1.0 / x
        x += 1.0
    inv = 1.0 / x
    inv2 = inv * inv
    series = inv2 * (1.0 / 12.0 - inv2 * (1.0 / 120.0 - inv2 * (1.0 / 252.0 - inv2 * (
        1.0 / 240.0 - inv2 * (1.0 / 132.0 - inv2 * (691.0 / 32760.0))))))
    return result + math.log(x) - 0.5 * inv - series


def helper_source(prims: set[str]) -> str | None:
    """The source of the helper functions that emitted code calling ``prims`` needs."""
    parts = []
    if "argsort" in prims:
        parts.append(inspect.getsource(_stable_argsort))
    if "digamma" in prims:
        parts.append(inspect.getsource(_digamma))
    if "searchsorted_right" in prims:
        parts.append(inspect.getsource(_searchsorted_right))
    return "\n\n".join(parts) if parts else None


def vector_source(prim: str, args: list[str]) -> str:
    """The Python source of ``tie``, ``share``, ``detach``, ``sort``, ``argsort``, ``index_empty``,
    ``index_full``."""
    if prim == "tie":
        return f"1 if {args[0]} == {args[1]} else 0"
    if prim == "share":
        return "0.0"
    if prim in ("detach", "sort"):
        return args[0]
    if prim == "argsort":
        return f"_stable_argsort({args[0]})"
    if prim == "index_empty":
        shape = args[0] if len(args) == 1 else f"({', '.join(args)})"
        return f"np.empty({shape}, np.int64)"
    if prim == "index_full":
        dims = args[:-1]
        shape = dims[0] if len(dims) == 1 else f"({', '.join(dims)})"
        return f"np.full({shape}, {args[-1]}, np.int64)"
    raise ValueError(prim)


VECTOR_PRIMS = {"tie", "share", "detach", "sort", "argsort", "index_empty", "index_full"}
