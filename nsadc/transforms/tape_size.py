"""Exact tape sizes: an upper bound on a tape's depth, known at function entry.

Where every loop that pushes onto a tape has a trip count that the arguments
fix (``range(n)``, ``x.shape[0]``), the deepest the tape gets is a polynomial in
those trip counts.  The tape is then allocated once at that size and the
growth checks go: no `_reserve` helper is compiled (about a quarter of the
first compile) and no check runs in the loops.  A window loop
``range(st + 1, st + k)`` inside a loop over ``st`` counts too: its bounds
move, its trip count ``k - 1`` does not.  A tape pushed inside a `while` loop,
or in a loop whose trip count is computed inside the function, keeps growing
by doubling.

A polynomial is a dict from monomials (tuples of trip-count expressions,
each at least 0, sorted by their source) to integer coefficients; an upper bound of two polynomials is
their coefficient-wise maximum, which is sound because every monomial is >= 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nsadc.rules.source import expr_source
from nsadc.ir.affine import affine, affine_expr, affine_sum
from nsadc.ir.nodes import Assign, Call, Const, CounterStep, Expr, For, If, Stmt, Var, While, variables, walk

Poly = dict[tuple[Expr, ...], int]


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
    known at entry.  ``trips(loop)`` gives a `for` loop's trip count."""
    ctx = _Ctx(counter, known, trips, _bound_once(body))
    bound = _block(body, ctx, [])
    return None if bound is None else bound[1]


@dataclass
class _Ctx:
    counter: str
    known: set[str]
    trips: object
    once: set[str]  # names bound by exactly one statement (an assignment or a loop), or to one value
    loops: list[str] = field(default_factory=list)  # the variables of the loops around


def _bound_once(body: list[Stmt]) -> set[str]:
    """Names one statement binds, or several assignments of one same value
    (``n_minus_1 = n - 1`` in a loop's body and again in the re-run of its
    iteration): wherever a bound reads it, it is that value."""
    values: dict[str, list] = {}
    for s in walk(body):
        if isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim == "store":
            continue  # writing into an array keeps its shape
        if isinstance(s, For):
            values.setdefault(s.var, []).append(s)  # a loop variable: bound once or not at all
        elif isinstance(s, Assign):
            values.setdefault(s.target, []).append(s.value)
    return {n for n, vs in values.items() if len(vs) == 1 or (
        not any(isinstance(v, For) for v in vs) and all(v == vs[0] for v in vs))}


def poly_expr(p: Poly) -> Expr:
    """The bound as an expression: positive terms only (negative ones only lower it)."""
    out: Expr | None = None
    for mono, coef in sorted(p.items(), key=lambda kv: (-len(kv[0]), _key(kv[0]))):
        if coef <= 0:
            continue
        factors = ([Const(coef)] if coef != 1 or not mono else []) + list(mono)
        term = factors[0]
        for f in factors[1:]:
            term = Call("mul", (term, f))
        out = term if out is None else Call("add", (out, term))
    return Const(0) if out is None else out


def _key(mono: tuple[Expr, ...]) -> tuple[str, ...]:
    return tuple(expr_source(f) for f in mono)


def _block(block: list[Stmt], ctx: _Ctx, before: list[Stmt]) -> tuple[Poly, Poly] | None:
    """(net change, peak rise) of the counter over a block, both upper bounds."""
    net: Poly = {}
    peak: Poly = {}
    for k, s in enumerate(block):
        # only branches and loops look at what ran before them (a list per
        # statement would make a long block quadratic)
        step = _stmt(s, ctx, before + block[:k] if isinstance(s, (If, For, While)) else before)
        if step is None:
            return None
        s_net, s_peak = step
        peak = _max(peak, _add(net, s_peak))
        net = _add(net, s_net)
    return net, peak


def _stmt(s: Stmt, ctx: _Ctx, earlier: list[Stmt]) -> tuple[Poly, Poly] | None:
    """``earlier``: the statements that run before ``s`` on every path to it
    (earlier in its block and in the blocks around it)."""
    if isinstance(s, CounterStep):
        change = 0
        if s.counter == ctx.counter and s.by == Const(1):
            change = {"+=": 1, "-=": -1}.get(s.op, 0)
        return {(): change}, {(): max(change, 0)}
    if isinstance(s, If):
        a = _block(s.body, ctx, earlier)
        b = _block(s.orelse, ctx, earlier)
        if a is None or b is None:
            return None
        return _max(a[0], b[0]), _max(a[1], b[1])
    if isinstance(s, (For, While)):
        ctx.loops.append(s.var if isinstance(s, For) else "")
        inner = _block(s.body, ctx, earlier)
        ctx.loops.pop()
        if inner is None:
            return None
        net, peak = inner
        rising = {m: c for m, c in net.items() if c > 0}
        trip = _trip_monomial(s, ctx, earlier)
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


def _trip_monomial(s: Stmt, ctx: _Ctx, earlier: list[Stmt]) -> Expr | None:
    if not isinstance(s, For):
        return None
    if isinstance(s.step, Const) and s.step.value in (1, -1):
        # one spelling per count (range(n) and range(n - 1, -1, -1) are both
        # len(range(n))), so that a reverse loop's pops cancel its forward pushes
        return _linear_trips(s, ctx, earlier)
    if not variables(s.start) | variables(s.stop) | variables(s.step) <= ctx.known:
        return None
    trips = ctx.trips(s)
    if isinstance(trips, Call) and trips.prim == "trips":
        return trips  # never negative
    return Call("trips", (s.start, s.stop, s.step))


def _linear_trips(s: For, ctx: _Ctx, earlier: list[Stmt]) -> Expr | None:
    """The trip count of a unit-step loop as ``len(range(stop - start))``.
    ``range(st + 1, st + k)`` inside a loop over st: the bounds move, their
    difference (k - 1) does not.  Names assigned once, before the loop in its
    own block or in a block around it, are expanded as affine forms; a unit
    step's trip count is known when what is left reads only arguments.  What
    cancels must be the variable of a loop around, which keeps its value
    through the iteration."""
    defs = {t.target: t.value for t in earlier if isinstance(t, Assign) and t.target in ctx.once}
    start, stop = affine(_local_shapes(s.start, defs), defs), affine(_local_shapes(s.stop, defs), defs)
    if start is None or stop is None:
        return None
    moving = {a.name for form in (start, stop) for a in form if isinstance(a, Var) and a.name not in ctx.known}
    if not moving <= set(ctx.loops) & ctx.once:
        return None
    diff = affine_sum(stop, start, -1) if s.step.value == 1 else affine_sum(start, stop, -1)
    if any(atom is not None and not variables(atom) <= ctx.known for atom in diff):
        return None
    return Call("trips", (Const(0), affine_expr(diff), Const(1)))


_MADE = ("zeros", "empty", "ones")  # allocations whose arguments are the dimensions


def _local_shapes(e: Expr, defs: dict, depth: int = 4) -> Expr:
    """``e`` with each ``a.shape[k]`` of a local array ``a`` made once by an
    allocation (``np.zeros(h)``, ``np.empty_like(x)``) as the dimension it was
    made with: a loop over a work array's elements (a snapshot's pushes) has
    the trip count of the argument shapes behind it."""
    if not isinstance(e, Call) or depth == 0:
        return e
    if e.prim == "shape" and isinstance(e.args[0], Var) and isinstance(e.args[1], Const):
        made = defs.get(e.args[0].name)
        k = e.args[1].value
        if isinstance(made, Call) and made.prim in _MADE and isinstance(k, int) and 0 <= k < len(made.args):
            return _local_shapes(made.args[k], defs, depth - 1)
        if isinstance(made, Call) and made.prim in ("zeros_like", "empty_like", "ones_like") \
                and isinstance(made.args[0], Var):
            return _local_shapes(Call("shape", (made.args[0], e.args[1])), defs, depth - 1)
        return e
    return Call(e.prim, tuple(_local_shapes(a, defs, depth) for a in e.args))


def _add(a: Poly, b: Poly) -> Poly:
    out = dict(a)
    for m, c in b.items():
        out[m] = out.get(m, 0) + c
    return {m: c for m, c in out.items() if c != 0}


def _max(a: Poly, b: Poly) -> Poly:
    out = {m: max(a.get(m, 0), b.get(m, 0)) for m in set(a) | set(b)}
    return {m: c for m, c in out.items() if c != 0}


def _times(factor: Expr, p: Poly) -> Poly:
    return {tuple(sorted(m + (factor,), key=expr_source)): c for m, c in p.items()}
