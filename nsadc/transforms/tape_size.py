"""Exact tape sizes: an upper bound on a tape's depth, known at function entry.

Where every loop that pushes onto a tape has a trip count that the arguments
fix (``range(n)``, ``x.shape[0]``), the deepest the tape gets is a polynomial in
those trip counts.  The tape is then allocated once at that size and the
growth checks go: no `_reserve` helper is compiled (about a quarter of the
first compile) and no check runs in the loops.  A tape pushed inside a `while`
loop, or in a loop whose trip count is computed inside the function, keeps
growing by doubling.

A polynomial is a dict from monomials (sorted tuples of trip-count sources,
each at least 0) to integer coefficients; an upper bound of two polynomials is
their coefficient-wise maximum, which is sound because every monomial is >= 0.
"""

from __future__ import annotations

import re

from nsadc.emit import _range_source
from nsadc.ir.nodes import Assign, Call, For, If, Raw, Stmt, Var, While, variables, walk

Poly = dict[tuple[str, ...], int]


def entry_known(params: list[str], body: list[Stmt]) -> set[str]:
    """Parameters no statement rebinds (writing into an array, or copying it
    into itself, keeps its shape)."""
    rebound = set()
    for s in walk(body):
        if isinstance(s, For):
            rebound.add(s.var)
        elif isinstance(s, Assign) and not (
                isinstance(s.value, Call) and s.value.prim in ("store", "array_copy")
                and s.value.args[0] == Var(s.target)):
            rebound.add(s.target)
    return set(params) - rebound


def depth_bound(body: list[Stmt], counter: str, known: set[str], trips) -> Poly | None:
    """An upper bound on how far ``counter`` (a tape's length) rises above its
    value at the start of ``body``; None when it depends on a trip count not
    known at entry.  ``trips(loop)`` gives a `for` loop's trip count as source."""
    bound = _block(body, counter, known, trips)
    return None if bound is None else bound[1]


def poly_source(p: Poly) -> str:
    """The bound as source: positive terms only (negative ones only lower it)."""
    terms = []
    for mono, coef in sorted(p.items(), key=lambda kv: (-len(kv[0]), kv[0])):
        if coef <= 0:
            continue
        factors = ([str(coef)] if coef != 1 or not mono else []) + list(mono)
        terms.append(" * ".join(factors))
    return " + ".join(terms) or "0"


def _block(block: list[Stmt], counter: str, known: set[str], trips) -> tuple[Poly, Poly] | None:
    """(net change, peak rise) of the counter over a block, both upper bounds."""
    net: Poly = {}
    peak: Poly = {}
    for s in block:
        step = _stmt(s, counter, known, trips)
        if step is None:
            return None
        s_net, s_peak = step
        peak = _max(peak, _add(net, s_peak))
        net = _add(net, s_net)
    return net, peak


def _stmt(s: Stmt, counter: str, known: set[str], trips) -> tuple[Poly, Poly] | None:
    if isinstance(s, Raw):
        change = {f"{counter} += 1": 1, f"{counter} -= 1": -1}.get(s.code.strip(), 0)
        return {(): change}, {(): max(change, 0)}
    if isinstance(s, If):
        a = _block(s.body, counter, known, trips)
        b = _block(s.orelse, counter, known, trips)
        if a is None or b is None:
            return None
        return _max(a[0], b[0]), _max(a[1], b[1])
    if isinstance(s, (For, While)):
        inner = _block(s.body, counter, known, trips)
        if inner is None:
            return None
        net, peak = inner
        rising = {m: c for m, c in net.items() if c > 0}
        trip = _trip_monomial(s, known, trips)
        if trip is None:
            # unknown trip count: fine while no iteration leaves the tape deeper
            return ({}, peak) if not rising else None
        # the last iteration starts (trips - 1) * rising deep: with peak >= rising
        # (the usual case) count it exactly, else allow one iteration more
        last = _add(peak, {m: -c for m, c in rising.items()})
        if any(c < 0 for c in last.values()):
            last = peak
        return _times(trip, net), _add(_times(trip, rising), last)
    return {}, {}


def _trip_monomial(s: Stmt, known: set[str], trips) -> str | None:
    if not isinstance(s, For):
        return None
    used = variables(s.start) | variables(s.stop) | variables(s.step)
    if not used <= known:
        return None
    source = trips(s)
    if re.fullmatch(r"len\(.*\)|\w+\.shape\[\d+\]", source):
        return source  # never negative
    # the loop's own range: never negative, and cheaper for numba than max(n, 0)
    return f"len({_range_source(s.start, s.stop, s.step)})"


def _add(a: Poly, b: Poly) -> Poly:
    out = dict(a)
    for m, c in b.items():
        out[m] = out.get(m, 0) + c
    return {m: c for m, c in out.items() if c != 0}


def _max(a: Poly, b: Poly) -> Poly:
    out = {m: max(a.get(m, 0), b.get(m, 0)) for m in set(a) | set(b)}
    return {m: c for m, c in out.items() if c != 0}


def _times(factor: str, p: Poly) -> Poly:
    return {tuple(sorted(m + (factor,))): c for m, c in p.items()}
