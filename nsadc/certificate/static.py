"""The static part of the certificate: read nsadc's IR of a function and the
rule table; never run the user's file.

- Kink sites: the rule table's kink set and Clarke set, the policy's selection
  and whether it lies in the Clarke set (``Kink.check``).
- Continuity: each comparison of differentiable values and each
  piecewise-constant primitive is a *switch*.  Symbolic execution
  (:mod:`nsadc.certificate.symbolic`) gives what the function (or, inside a
  loop, one iteration) computes from the switch onwards; forcing the switch to
  either side gives the two values that must agree on its boundary.

  ``proved``: they agree identically, or after substituting the boundary
  ``d == 0`` solved for a variable that ``d`` holds linearly (``x := y`` for
  ``x > y``).  ``violated``: evaluating the IR on points of the boundary shows
  the function itself jumping there (only claimed where the whole result is a
  known function of the arguments, i.e. outside loops).  ``probed``: such
  boundary points were found and the function does not jump at any of them.
  ``open``: none of these applies (typically inside loops; ``nsadc check``
  probes them by running the function).
- ``while`` conditions: one more iteration at a boundary state must leave the
  state unchanged (a sufficient condition); otherwise ``open``.
- Domain: sqrt / log / division / fractional powers / asin / acos / atan2 / tan
  on differentiable values impose a restriction unless a sign analysis shows
  the singular set is never met.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import libcst as cst
import numpy as np

from nsadc.certificate import symbolic as S
from nsadc.certificate.certificate import Certificate, Obligation, Witness, sha256_text, worst
from nsadc.certificate.domain import Domain, Relation, comparison_atoms, from_atom, over_arguments
from nsadc.rules.source import expr_source
from nsadc.errors import Loc
from nsadc.ir.nodes import Assign, Call, Const, Expr, Var, walk
from nsadc.rules.table import COMPARISONS, RULES
from nsadc.version import __version__

JUMP_TOL = 1e-7
SAMPLE_LINES = 24
GRID = 25


# ------------------------------------------------------------------ source words


class _SourceIndex:
    """libcst nodes by start position, to name operands in the user's words."""

    _cache: dict = {}

    def __init__(self, src):
        self.src = src
        self.at: dict[tuple[int, int], list] = {}
        for node, pos in src.positions.items():
            self.at.setdefault((pos.start.line, pos.start.column), []).append(node)

    @classmethod
    def of(cls, comp, path: str):
        src = comp.src if path == comp.src.path else None
        if src is None:
            from nsadc.frontend.source import parse_file

            try:
                src = parse_file(path)
            except Exception:  # noqa: BLE001 - a callee file we cannot read: IR words instead
                return None
        key = (id(src), src.path)
        idx = cls._cache.get(key)
        if idx is None or idx.src is not src:
            idx = cls._cache[key] = cls(src)
        return idx

    def node(self, loc: Loc, kinds: tuple) -> cst.CSTNode | None:
        for n in self.at.get((loc.line, loc.col), []):
            if isinstance(n, kinds):
                return n
        return None

    def text(self, node) -> str:
        return " ".join(self.src.source_of(node).split())


def _user_names(comp) -> set[str]:
    names = {p.name for p in comp.primal.params}
    try:
        node = comp.src.function(comp.name, comp.primal.loc.line if comp.primal.loc else None)
    except Exception:  # noqa: BLE001
        return names

    class V(cst.CSTVisitor):
        def visit_Name(self, n):
            names.add(n.value)

    node.visit(V())
    return names


class _Words:
    """Readable text for IR operands: user variables by name, compiler
    temporaries replaced by the expression that defines them."""

    def __init__(self, comp):
        self.user = _user_names(comp)
        self.defs: dict[str, list[Assign]] = {}
        for s in walk(comp.primal.body):
            if isinstance(s, Assign):
                self.defs.setdefault(s.target, []).append(s)

    def expand(self, e: Expr, depth: int = 0) -> Expr:
        if isinstance(e, Var) and depth < 5 and e.name not in self.user:
            d = self.defs.get(e.name, [])
            if len(d) == 1 and isinstance(d[0].value, Call) and d[0].value.prim not in COMPARISONS:
                return self.expand(d[0].value, depth + 1)
            if len(d) == 1 and isinstance(d[0].value, (Var, Const)):
                return self.expand(d[0].value, depth + 1)
        if isinstance(e, Call):
            return Call(e.prim, tuple(self.expand(a, depth + 1) for a in e.args))
        return e

    def text(self, e: Expr) -> str:
        try:
            return expr_source(self.expand(e))
        except Exception:  # noqa: BLE001
            return expr_source(e)


# ------------------------------------------------------------------ helpers


def _loc_fields(loc: Loc | None, comp) -> tuple[str, int, int, str]:
    if loc is None:
        loc = comp.primal.loc
    if loc is None:
        return comp.src.path, 0, 0, ""
    return loc.file, loc.line, loc.col + 1, (loc.text or "").strip()


def _fmt_sel(sel):
    if isinstance(sel, tuple):
        return [_fmt_sel(s) for s in sel]
    return sel


def _sample_value(sym: S.Sym, rng) -> float:
    if sym.type == "bool":
        return float(rng.integers(0, 2))
    if sym.type == "int":
        return float(rng.integers(0, 6))
    return float(rng.normal(0.0, 1.5))


@dataclass
class Verdict:
    status: str
    method: str
    detail: str
    witness: Witness | None = None
    restriction: Relation | None = None  # a derived condition under which it holds


# ------------------------------------------------------------------ continuity


def _sides(info: S.SiteSym) -> list[tuple[S.Poly, S.Poly]]:
    """The switch's value on either side of its boundary, as polynomials of the
    operands (so the boundary itself is encoded where it can be)."""
    kind = RULES[info.prim].kink.kind
    a = info.args
    if kind == "branch":
        return [(S.ONE, S.ZERO)]
    p = info.prim
    if p in ("floor", "npfloor"):
        return [(a[0], S.sub(a[0], S.ONE))]
    if p in ("ceil", "npceil"):
        return [(a[0], S.add(a[0], S.ONE))]
    if p in ("trunc", "nptrunc"):
        return [(a[0], S.sub(a[0], S.ONE)), (a[0], S.add(a[0], S.ONE))]
    if p in ("round", "nprint"):
        return [(S.sub(a[0], S.const(0.5)), S.add(a[0], S.const(0.5)))]
    if p == "sign":
        return [(S.ONE, S.ZERO), (S.const(-1.0), S.ZERO)]
    if p == "floordiv":
        q = S.mul(a[0], S.inv(a[1]))
        return [(q, S.sub(q, S.ONE))]
    if p == "mod":
        return [(S.ZERO, a[1])]
    if p == "copysign":
        ax = S.fn("abs", [a[0]])
        return [(ax, S.neg(ax))]
    return []


def _indicator(info: S.SiteSym):
    """A function of the symbol values that changes exactly where the switch flips
    (a sign for comparisons, the piece for jumps)."""
    p = info.prim
    if info.boundary is not None and RULES[p].kink.kind == "branch":
        d = info.boundary
        if info.switch is not None and info.switch.op == "gt0":
            # the side the comparison takes (d == 0 exactly is on the `false` side)
            return lambda vals: _side(S.evaluate(d, vals))
        return lambda vals: _sign(S.evaluate(d, vals))
    if p == "mod":
        a, b = info.args
        return lambda vals: _floor_ratio(S.evaluate(a, vals), S.evaluate(b, vals))
    if p == "copysign":
        y = info.args[1]
        return lambda vals: _sign(S.evaluate(y, vals))
    atom = S.of(info.switch)
    return lambda vals: S.evaluate(atom, vals)


def _bound(info: S.SiteSym):
    """The comparison's boundary function ``d`` (the switch flips where d == 0), or None."""
    if info.boundary is None or info.switch is None or info.switch.op != "gt0":
        return None
    d = info.boundary
    return lambda vals: S.evaluate(d, vals)


def _side(v: float) -> float:
    return math.nan if math.isnan(v) else (1.0 if v > 0 else 0.0)


def _sign(v: float) -> float:
    if math.isnan(v):
        return math.nan
    return 1.0 if v > 0 else (-1.0 if v < 0 else 0.0)


def _floor_ratio(a: float, b: float) -> float:
    try:
        return float(math.floor(a / b))
    except (ZeroDivisionError, ValueError, OverflowError):
        return math.nan


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _valley(at, grid, keys, bound, ind, flip_between, pair):
    """A boundary crossed twice between two grid points (a thin region, ``abs(x -
    c) < 1e-9``): where the boundary's function ``bound`` has a valley on the
    grid, a ternary search for its extreme finds the other side."""
    ds = [bound(at(float(t))) for t in grid]
    for i in range(1, len(grid) - 1):
        a, m, b = ds[i - 1], ds[i], ds[i + 1]
        if not all(math.isfinite(v) for v in (a, m, b)) or math.isnan(keys[i]):
            continue
        sgn = 1.0 if m > 0 else -1.0
        if not (sgn * a > 0 and sgn * b > 0 and abs(m) <= abs(a) and abs(m) <= abs(b)):
            continue
        lo, hi = float(grid[i - 1]), float(grid[i + 1])
        for _ in range(120):
            m1, m2 = lo + (hi - lo) / 3.0, hi - (hi - lo) / 3.0
            for t in (m1, m2):
                k = ind(at(t))
                if not math.isnan(k) and not _same(k, keys[i]):
                    span = flip_between(at, float(grid[i - 1]), t, keys[i - 1]) \
                        if _same(keys[i - 1], keys[i]) else None
                    return pair(at, *span) if span is not None else None
            if sgn * bound(at(m1)) < sgn * bound(at(m2)):
                hi = m2
            else:
                lo = m1
            if hi - lo <= 4e-16 * (1.0 + abs(lo)):
                break
    return None


def _crossings(ind, syms: dict[str, S.Sym], rng, lines: int = SAMPLE_LINES, dom: Domain | None = None,
               solutions=(), bound=None):
    """Pairs of points, adjacent along a random line, on either side of a flip of
    ``ind``, inside the domain ``dom`` (when given).  Yields (values_before,
    values_after, a little before, a little after).  ``solutions`` (symbol,
    polynomial) put further points on the boundary directly (the boundary solved
    for a symbol), so that a boundary crossing a thin part of the domain is met."""
    floats = [n for n, s in syms.items() if s.type == "float"]
    if not floats:
        return
    inside = (lambda vals: True) if dom is None else dom.contains
    grid = np.linspace(-3.0, 3.0, GRID)
    scales = np.array([min(1.0, dom.width(n) / 6.0) if dom is not None else 1.0 for n in floats])

    def base_point():
        for _ in range(40):
            vals = {n: (dom.sample(n, rng, s.type) if dom is not None and n in dom.ranges and s.type != "bool"
                        else _sample_value(s, rng)) for n, s in syms.items()}
            if inside(vals):
                return vals
        return None

    def flip_between(at, lo, hi, k0):
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            if mid in (lo, hi):
                break
            km = ind(at(mid))
            if math.isnan(km):
                return None
            if _same(km, k0):
                lo = mid
            else:
                hi = mid
        return lo, hi

    def pair(at, lo, hi):
        # adjacent points: one in the (closed) domain is enough, the other is
        # one rounding step away, on the domain's edge
        delta = 1e-7 * (1.0 + abs(lo))
        pts = at(lo), at(hi), at(lo - delta), at(hi + delta)
        return pts if inside(pts[0]) or inside(pts[1]) else None

    for _ in range(lines):
        base = base_point()
        if base is None:
            continue
        direction = rng.normal(size=len(floats)) * scales
        direction /= np.linalg.norm(direction) or 1.0

        def at(t: float, base=base, direction=direction) -> dict:
            vals = dict(base)
            for n, dv in zip(floats, direction):
                vals[n] = base[n] + t * float(dv)
            return vals

        keys = [ind(at(float(t))) for t in grid]
        found = False
        for i in range(len(grid) - 1):
            k0, k1 = keys[i], keys[i + 1]
            if math.isnan(k0) or math.isnan(k1) or _same(k0, k1):
                continue
            span = flip_between(at, float(grid[i]), float(grid[i + 1]), k0)
            got = pair(at, *span) if span is not None else None
            if got is not None:
                found = True
                yield got
                break  # one crossing per line (in the domain)
        if not found and bound is not None:
            got = _valley(at, grid, keys, bound, ind, flip_between, pair)
            if got is not None:
                yield got
    # points put on the boundary: the boundary solved for a symbol
    for sym, e in solutions:
        if sym.name not in syms:
            continue
        for _ in range(lines // 2):
            base = base_point()
            if base is None:
                continue
            base[sym.name] = S.evaluate(e, base)
            if not math.isfinite(base[sym.name]) or not inside(base):
                continue
            step = 1e-6 * (1.0 + abs(base[sym.name]))

            def at(t: float, base=base, name=sym.name, step=step) -> dict:
                vals = dict(base)
                vals[name] = base[name] + t * step
                return vals

            k0, k1 = ind(at(-1.0)), ind(at(1.0))
            if math.isnan(k0) or math.isnan(k1) or _same(k0, k1):
                continue
            span = flip_between(at, -1.0, 1.0, k0)
            got = pair(at, *span) if span is not None else None
            if got is not None:
                yield got


def _jump(E: dict[str, S.Poly], v0: dict, v1: dict, w0: dict, w1: dict) -> tuple[float, str, float, float] | None:
    """The largest jump of the region's live values between two adjacent points
    ``v0``, ``v1``: (jump, name, value before, value after), or None when every
    value stays put.  A jump counts only when each side is flat next to it (at
    ``w0`` / ``w1``, a little further out), so that rounding noise is not taken
    for a jump; non-finite values are skipped."""
    best = None
    for name, p in E.items():
        a, b = S.evaluate(p, v0), S.evaluate(p, v1)
        a2, b2 = S.evaluate(p, w0), S.evaluate(p, w1)
        if not all(math.isfinite(v) for v in (a, b, a2, b2)):
            continue
        jump = abs(b - a)
        noise = max(abs(a2 - a), abs(b2 - b))
        if jump > JUMP_TOL * (1.0 + abs(a) + abs(b)) and jump > 10.0 * noise \
                and (best is None or jump > best[0]):
            best = (jump, name, a, b)
    return best


def _forced(E: dict[str, S.Poly], key: str, left: S.Poly, right: S.Poly):
    memo_l: dict = {}
    memo_r: dict = {}
    return ({n: S.subst(p, {key: left}, memo_l) for n, p in E.items()},
            {n: S.subst(p, {key: right}, memo_r) for n, p in E.items()})


def _solutions(info: S.SiteSym) -> list:
    """The boundary solved for each symbol it holds linearly, the symbols of the
    comparison's left operand first (``x > t``: ``x := t`` before ``t := x``)."""
    if info.boundary is None:
        return []
    sols = S.solve_linear_all(info.boundary)
    left = set(S.symbols_in(info.args[0])) if info.args else set()
    return sorted(sols, key=lambda se: se[0].name not in left)


def _symbolic_proof(E, info: S.SiteSym, dom: Domain | None = None, params=(),
                    derive: bool = False) -> tuple[bool, str, Relation | None]:
    """Do the two sides of the switch agree on its boundary, symbolically?  On
    the domain ``dom`` when given (its ranges and relations decide comparisons);
    with ``derive``, also find a condition on the arguments under which they
    agree.  (ok, how, derived condition or None)."""
    key = info.switch.key
    d = info.boundary
    how: set[str] = set()
    residuals = []
    for left, right in _sides(info):
        EL, ER = _forced(E, key, left, right)
        for name in E:
            D = S.sub(EL[name], ER[name])
            scale = max(S.magnitude(EL[name]), S.magnitude(ER[name]))
            if S.is_zero(D, scale):
                continue
            if d is not None and _proportional(D, d, scale):
                how.add("multiple")
                continue
            residuals.append((D, scale))
    if not residuals:
        return True, _how_text(how, None, False), None
    derived = []
    for sol in _solutions(info) + [None]:
        rest = []
        used_domain = False
        for D, scale in residuals:
            if sol is not None:
                s, e = sol
                D = S.subst(D, {s.key: e})
                scale = max(scale, S.magnitude(e))
            if S.is_zero(D, scale):
                continue
            if dom is not None:
                Dd = dom.resolve(D)
                if S.is_zero(Dd, scale):
                    used_domain = True
                    continue
                D = Dd
            rest.append((D, scale))
        parts = how | ({"substitution"} if sol is not None else set())
        if not rest:
            return True, _how_text(parts, sol, used_domain), None
        # a derived condition speaks of the boundary's points: only after the
        # boundary is substituted (never `x >= 1e-3` for the boundary x == 0)
        if derive and sol is not None:
            rel = _derive(rest, dom, params)
            if rel is not None:
                derived.append((rel, _how_text(parts, sol, used_domain)))
    if derived:
        return True, "", derived
    return False, "", None


def _how_text(how: set, sol, used_domain: bool) -> str:
    parts = []
    if "substitution" in how and sol is not None:
        s, e = sol
        parts.append(f"substituting {S.base_name(s.name)} = {S.poly_text(e)} (the boundary) makes both "
                     "sides equal")
    if "multiple" in how:
        parts.append("the difference of the two sides is a multiple of the boundary's equation")
    if not parts:
        parts.append("both sides compute the same values")
    text = "; ".join(parts)
    if used_domain:
        text += " on the stated domain"
    return text


def _derive(rest, dom: Domain | None, params) -> Relation | None:
    """A condition on the arguments (one comparison of them taking one value)
    under which every remaining difference vanishes identically."""
    seen: dict = {}
    for D, _ in rest:
        for a in comparison_atoms(D):
            if a.op == "gt0" and a.key not in seen and over_arguments(a.args[0], params):
                seen[a.key] = a
    base = dom if dom is not None else Domain(dict(params))
    for a in seen.values():
        for value in (0, 1):
            rel = from_atom(a, value)
            if rel is None:
                continue
            within = base.with_(rel)
            ok = True
            for D, scale in rest:
                if not S.is_zero(within.resolve(S.subst(D, {a.key: S.const(value)})), scale):
                    ok = False
                    break
            if ok:
                return rel
    return None


def _proportional(D: S.Poly, d: S.Poly, scale: float) -> bool:
    """``D`` is a constant multiple of ``d`` (so it vanishes where d == 0)."""
    if not d.terms or not D.terms:
        return False
    lam = D.terms[0][1] / d.terms[0][1]
    return S.is_zero(S.sub(D, S.scale(d, lam)), max(scale, S.magnitude(d) * abs(lam)))


def _continuity(ex: S.Executor, named: S.Executor, info: S.SiteSym, fname: str, rng,
                dom: Domain | None = None) -> Verdict:
    if info.while_region is not None:
        return _while_verdict(ex, info.while_region, fname, rng)
    if info.switch is None:
        return Verdict("proved", "symbolic", "the condition has the same value everywhere")
    params = dom.params if dom is not None else {p.name: p.type for p in ex.fn.params}
    if dom is not None and not dom.empty and info.switch.op in ("gt0", "eq0") \
            and over_arguments(info.switch.args[0], params):
        v = dom.decide(info.switch)
        if v is not None:
            return Verdict("proved", "symbolic", "on the stated domain the comparison never flips "
                           f"(it is always {'true' if v.value else 'false'} there)")
    region = info.region
    E = region.end
    where = "the result" if region.kind == "top" else "the state the loop carries"
    reach = _reach(E, info.switch.key)
    if reach == "none":
        return Verdict("proved", "symbolic", f"it does not influence {where}")
    if reach == "loop":
        return Verdict("open", "none", "the value it decides feeds a loop, which the static check "
                       "does not follow; `nsadc check` probes it")
    sites = [site for site in (info, named.sites.get(info.index))
             if site is not None and site.switch is not None
             and _reach(site.region.end, site.switch.key) == "direct"]
    for site in sites:
        try:
            ok, how, _ = _symbolic_proof(site.region.end, site, dom, params)
        except S.TooComplex:
            ok = False
        if ok:
            return Verdict("proved", "symbolic", how)
    # a condition on the arguments under which it holds (`t >= 0`)
    if info in sites:
        try:
            ok, _, candidates = _symbolic_proof(E, info, dom, params, derive=True)
        except S.TooComplex:
            ok, candidates = False, None
        base = dom if dom is not None else Domain(dict(params))
        for rel, how in (candidates or []) if ok else []:
            # the condition must leave boundary points (else it only hides the
            # boundary: `x >= 0` for a jump at x == t with t < 0 stated), and
            # nothing may jump where it holds
            check = _sampled(ex, info, E, region, fname, rng, base.with_(rel))
            if check.status == "violated":
                return check
            if check.status != "probed":
                continue
            other = _sampled(ex, info, E, region, fname, rng, base.with_(rel.negation()))
            witness = other.witness if other.status == "violated" else None
            detail = f"holds where {rel.text} (a derived assumption): {how}"
            if witness is not None:
                witness.inside = False
                detail += f"; where {rel.text} fails, {fname} jumps: {witness.describe()}"
            return Verdict("restricted", "symbolic", detail, witness, rel)
    gap = _constant_gap(ex, info, E, region, fname, rng, dom)
    if gap is not None:
        return gap
    return _sampled(ex, info, E, region, fname, rng, dom)


def _constant_gap(ex, info, E, region, fname, rng, dom) -> Verdict | None:
    """A branch whose two sides differ by a nonzero constant all along its
    boundary jumps everywhere there, by however little (``x + 1e-9 if x > 0
    else x``): violated, with a boundary point in the domain as witness."""
    if not (region.kind == "top" and region.closed) or RULES[info.prim].kink.kind != "branch":
        return None
    sols = _solutions(info)
    sol = sols[0] if sols else None
    gaps = []
    try:
        for left, right in _sides(info):
            EL, ER = _forced(E, info.switch.key, left, right)
            for name in E:
                D = S.sub(EL[name], ER[name])
                if sol is not None:
                    D = S.subst(D, {sol[0].key: sol[1]})
                if dom is not None:
                    D = dom.resolve(D)
                scale = max(S.magnitude(EL[name]), S.magnitude(ER[name]))
                if not D.is_const or S.is_zero(D, scale):
                    continue
                gaps.append((abs(D.value), name, EL[name], ER[name]))
    except S.TooComplex:
        return None
    if not gaps:
        return None
    size, name, EL, ER = max(gaps, key=lambda g: g[0])
    syms: dict[str, S.Sym] = {}
    for p in list(E.values()) + list(info.args):
        syms.update(S.symbols_in(p))
    for v0, v1, *_ in _crossings(_indicator(info), syms, rng, dom=dom, solutions=sols, bound=_bound(info)):
        at = v0 if dom is None or dom.contains(v0) else v1
        a, b = S.evaluate(EL, at), S.evaluate(ER, at)
        w = Witness({p.name: at[p.name] for p in ex.fn.params if p.name in at}, size, (a, b), "static",
                    info.index)
        return Verdict("violated", "symbolic",
                       f"{fname} jumps by {size:.3g} everywhere on the boundary: its two sides differ by "
                       f"that constant there ({a:.17g} on one side, {b:.17g} on the other at the witness)", w)
    return None


def _reach(E, key) -> str:
    """How the switch reaches the region's live values: none, direct, or loop
    (through a loop's opaque result)."""
    memo_direct: dict = {}
    memo_all: dict = {}
    direct = any(key in S.atoms_in(p, False, memo_direct) for p in E.values())
    through = any(key in S.atoms_in(p, True, memo_all) for p in E.values())
    if not through:
        return "none"
    if not direct or _feeds_loop(E, key):
        return "loop"
    return "direct"


def _feeds_loop(E, key) -> bool:
    memo: dict = {}
    for p in E.values():
        for sym in S.symbols_in(p, memo).values():
            if sym.opaque and key in sym.deps:
                return True
    return False


def _elements(info: S.SiteSym, E: dict):
    """For a loop that fills arrays element by element: the region's values and
    the site with each element read (``x[i]``) replaced by a float symbol of
    that name, so that sampling can vary the elements."""
    loads: dict = {}

    def collect(p):
        for f in p.factors():
            if isinstance(f, S.Atom):
                if f.prim == "load":
                    loads.setdefault(f.key, f)
                else:
                    for a in f.args:
                        collect(a)

    for p in list(E.values()) + list(info.args):
        collect(p)
    mapping: dict = {}
    names: set = set()
    for key, f in loads.items():
        name = S.factor_text(f)
        while name in names:
            name += "'"
        names.add(name)
        mapping[key] = S.of(S.Sym(name, "float"))
    memo: dict = {}
    E2 = {n: S.subst(p, mapping, memo) for n, p in E.items()}
    switch = S.subst(S.of(info.switch), mapping, memo).single
    if not isinstance(switch, S.Atom):
        return None
    site = S.SiteSym(info.index, info.prim, info.stmt, info.region, [S.subst(a, mapping, memo) for a in info.args],
                     info.value, switch,
                     S.subst(info.boundary, mapping, memo) if info.boundary is not None else None)
    return site, E2


def _sampled(ex: S.Executor, info: S.SiteSym, E, region: S.Region, fname: str, rng,
             dom: Domain | None = None) -> Verdict:
    elementwise = region.id in ex.elementwise
    if elementwise:
        try:
            got = _elements(info, E)
        except S.TooComplex:
            got = None
        if got is None:
            elementwise = False
        else:
            info, E = got
    syms: dict[str, S.Sym] = {}
    memo: dict = {}
    for p in list(E.values()) + list(info.args):
        syms.update(S.symbols_in(p, memo))
    ind = _indicator(info)
    eq = info.switch.op == "eq0"
    if eq:
        EL, ER = _forced(E, info.switch.key, S.ONE, S.ZERO)
    found = 0
    closed = region.kind == "top" and region.closed
    for v0, v1, w0, w1 in _crossings(ind, syms, rng, dom=dom, solutions=_solutions(info), bound=_bound(info)):
        if E and not any(math.isfinite(S.evaluate(p, v0)) for p in E.values()):
            continue  # no value here that nsadc can evaluate (arrays' elements): no evidence either way
        found += 1
        hit = _jump(E, v0, v1, w0, w1) if not eq else _jump_forced(EL, ER, v0)
        if hit is None:
            continue
        jump, name, a, b = hit
        at = v0 if dom is None or dom.contains(v0) else v1
        point = {n: _round(at[n]) for n in sorted(syms) if n in at}
        if closed:
            w = Witness({p.name: _round(at[p.name]) for p in ex.fn.params if p.name in at}, jump, (a, b),
                        "static", info.index)
            return Verdict("violated", "boundary sampling",
                           f"{fname} jumps by {jump:.3g} across the boundary ({a:.6g} on one side, "
                           f"{b:.6g} on the other); nsadc evaluated its IR of {fname}, the file was "
                           "not run", w)
        var = S.base_name(name)
        state = ", ".join(f"{S.base_name(k)}={v:.6g}" for k, v in point.items())
        if elementwise:
            params = {p.name for p in ex.fn.params}
            point = {k: v for k, v in point.items() if "[" in k or k in params}
            state = ", ".join(f"{k}={v:.6g}" for k, v in point.items())
            w = Witness(point, jump, (a, b), "static", info.index)
            return Verdict("violated", "boundary sampling",
                           f"elementwise, {var} jumps by {jump:.3g} across the boundary ({a:.6g} on one "
                           f"side, {b:.6g} on the other) at the elements ({state}); nsadc evaluated its "
                           f"IR of {fname}, the file was not run", w)
        return Verdict("open", "boundary sampling",
                       f"in one loop iteration, {var} jumps by {jump:.3g} at the boundary state "
                       f"({state}); whether {fname} itself jumps depends on the states the loop "
                       "reaches: run `nsadc check`")
    if found >= 3:
        return Verdict("probed", "boundary sampling",
                       f"no jump at {found} boundary points (nsadc evaluated its IR of {fname}; "
                       "the file was not run)")
    return Verdict("open", "none", "no symbolic argument, and sampling found no boundary point")


def _jump_forced(EL, ER, v0):
    best = None
    for name in EL:
        a = S.evaluate(EL[name], v0)
        b = S.evaluate(ER[name], v0)
        if not (math.isfinite(a) and math.isfinite(b)):
            continue
        jump = abs(b - a)
        if jump > JUMP_TOL * (1.0 + abs(a) + abs(b)) and (best is None or jump > best[0]):
            best = (jump, name, a, b)
    return best


def _round(v: float) -> float:
    return float(v)


def _while_verdict(ex: S.Executor, region: S.Region, fname: str, rng) -> Verdict:
    cond = region.cond
    f = cond.single if cond is not None else None
    if isinstance(f, S.Atom) and f.op == "not":
        f = f.args[0].single
    if not (isinstance(f, S.Atom) and f.op in ("gt0", "eq0")):
        return Verdict("open", "none", "the loop condition is not a single comparison nsadc can analyse")
    d = f.args[0]
    carried = {v: p for v, p in region.end.items() if v not in region.cond_targets and v in region.head}
    diffs = {v: S.sub(p, region.head[v]) for v, p in carried.items()}
    if all(S.is_zero(D, S.magnitude(carried[v])) for v, D in diffs.items()):
        return Verdict("proved", "symbolic", "the loop body leaves the state unchanged")
    sol = S.solve_linear(d)
    if sol is not None:
        s, e = sol
        try:
            if all(S.is_zero(S.subst(D, {s.key: e}), max(S.magnitude(carried[v]), S.magnitude(e)))
                   for v, D in diffs.items()):
                return Verdict("proved", "symbolic",
                               f"on the boundary {s.name.split('@')[0]} = {S.poly_text(e)}, one more "
                               "iteration leaves the loop state unchanged")
        except S.TooComplex:
            pass
    syms: dict[str, S.Sym] = {}
    memo: dict = {}
    for p in list(diffs.values()) + [d]:
        syms.update(S.symbols_in(p, memo))
    found = 0
    for v0, *_ in _crossings(lambda vals: _sign(S.evaluate(d, vals)), syms, rng):
        found += 1
        for v, D in diffs.items():
            moved = S.evaluate(D, v0)
            size = abs(S.evaluate(carried[v], v0)) + abs(S.evaluate(region.head[v], v0))
            if math.isfinite(moved) and abs(moved) > JUMP_TOL * (1.0 + size):
                state = ", ".join(f"{S.base_name(k)}={x:.6g}" for k, x in sorted(v0.items()))
                return Verdict("open", "boundary sampling",
                               f"at a boundary state ({state}) one more iteration changes {v} by "
                               f"{abs(moved):.3g}: {fname} may jump where the number of iterations "
                               "changes; run `nsadc check`")
    if found >= 3:
        return Verdict("probed", "boundary sampling",
                       f"one more iteration leaves the state unchanged at {found} boundary states")
    return Verdict("open", "none", "no symbolic argument, and sampling found no boundary state")


# ------------------------------------------------------------------ domain


def _domain(use: S.DomainUse, ex: S.Executor, words: _Words, dom: Domain | None = None):
    """(restriction, reason, status) for a domain use, or None when it imposes nothing."""
    prim, a = use.prim, use.args
    texts = [words.text(e) for e in use.exprs]
    t0 = texts[0] if texts else "?"

    def positive(p, text, reason):
        s = dom.sign(p) if dom is not None else S.sign(p)
        if s == S.POS:
            return f"{text} > 0", reason, "proved"
        if s in (S.NEG, S.NONPOS):
            return f"{text} > 0", reason + "; here it is never positive", "violated"
        return f"{text} > 0", reason, "restricted"

    if prim == "sqrt":
        if not ex.varied(a[0]):
            return None
        return positive(a[0], t0, "sqrt is not Lipschitz at 0 (its derivative is infinite there) "
                        "and undefined below 0")
    if prim in ("log", "log2", "log10"):
        if not ex.varied(a[0]):
            return None
        return positive(a[0], t0, f"{prim} is singular at 0 and undefined below 0")
    if prim == "log1p":
        if not ex.varied(a[0]):
            return None
        r = positive(S.add(a[0], S.ONE), f"{t0} + 1", "log1p is singular at -1 and undefined below")
        return (f"{t0} > -1", r[1], r[2])
    if prim == "div":
        if not ex.varied(a[1]) or _counts(a[1]):
            return None
        s = dom.sign(a[1]) if dom is not None else S.sign(a[1])
        status = "proved" if s in (S.POS, S.NEG) else "restricted"
        return f"{texts[1]} != 0", "division is singular where the denominator is 0", status
    if prim == "pow":
        base, expo = a
        if expo.is_const:
            n = expo.value
            if not ex.varied(base) or n in (0.0, 1.0) or (float(n).is_integer() and n > 0):
                return None
            if float(n).is_integer():
                s = S.sign(base)
                status = "proved" if s in (S.POS, S.NEG) else "restricted"
                return f"{t0} != 0", f"x ** {n:g} is singular at 0", status
            if n > 1:
                s = S.sign(base)
                status = "proved" if s in (S.POS, S.NONNEG) else "restricted"
                return f"{t0} >= 0", f"x ** {n:g} is undefined below 0", status
            reason = (f"x ** {n:g} is not Lipschitz at 0 (infinite derivative) and undefined below 0"
                      if n > 0 else f"x ** {n:g} is singular at 0 and undefined below 0")
            return positive(base, t0, reason)
        if not (ex.varied(base) or ex.varied(expo)):
            return None
        if not ex.varied(expo) and _int_valued(use.exprs[1], ex):
            if S.sign(expo) in (S.POS, S.NONNEG):
                return None
            s = S.sign(base)
            status = "proved" if s in (S.POS, S.NEG) else "restricted"
            return f"{t0} != 0", "x ** n is singular at 0 for a negative integer n", status
        return positive(base, t0, "x ** y with a varying exponent needs x > 0 (log x in its derivative)")
    if prim in ("asin", "acos"):
        if not ex.varied(a[0]):
            return None
        return (f"-1 < {t0} < 1", f"{prim} has an infinite derivative at -1 and 1 and is undefined "
                "beyond", "restricted")
    if prim == "atan2":
        if not (ex.varied(a[0]) or ex.varied(a[1])):
            return None
        y, x = texts
        return (f"not ({y} == 0 and {x} <= 0)", "atan2(y, x) jumps across y == 0 for x < 0 and is "
                "singular at the origin", "restricted")
    if prim == "tan":
        if not ex.varied(a[0]):
            return None
        return f"cos({t0}) != 0", "tan has poles where cos is 0", "restricted"
    return None


def _counts(p: S.Poly) -> bool:
    """A number of elements (``X.shape[0]``, np.mean's divisor): no derivative
    flows through it, and it is not a place where the function is singular."""
    return all(isinstance(f, S.Atom) and f.prim == "shape" for f in p.factors()) and not p.is_const


def _int_valued(e: Expr, ex: S.Executor) -> bool:
    from nsadc.analyses.facts import expr_type

    try:
        return expr_type(e, ex.types) in ("int", "bool")
    except Exception:  # noqa: BLE001
        return False


# ------------------------------------------------------------------ sites


_CMP_NODES = (cst.Comparison,)
_CALL_NODES = (cst.Call,)


def _site_source(comp, site, stmt: Assign | None, words: _Words):
    """(operands in the user's words, the comparison/call text, construct, condition text)."""
    prim = site.prim
    kind = RULES[prim].kink.kind
    loc = site.loc
    ir_words = [words.text(e) for e in stmt.value.args] if stmt is not None else []
    idx = _SourceIndex.of(comp, loc.file) if loc is not None else None
    construct = {"branch": "comparison", "jump": prim}.get(kind, prim)
    if idx is None:
        return ir_words, None, construct, None
    if kind == "branch":
        node = idx.node(loc, _CMP_NODES)
        piece = 0
        if node is None:  # a later piece of a chain `a < b < c` is located at its operator
            target = idx.node(loc, (cst.ComparisonTarget,))
            parent = idx.src.parents.get(target) if target is not None else None
            if not isinstance(parent, cst.Comparison):
                return ir_words, None, construct, None
            node, piece = parent, list(parent.comparisons).index(target)
        chain = [node.left] + [t.comparator for t in node.comparisons]
        left, right = chain[piece], chain[piece + 1]
        op = idx.text(node.comparisons[piece].operator)
        operands = [idx.text(left), idx.text(right)]
        text = f"{operands[0]} {op} {operands[1]}"
        construct, condition = _construct(idx, node)
        return operands, text, construct, condition or idx.text(node)
    node = idx.node(loc, _CALL_NODES)
    if node is not None and len(node.args) == len(ir_words):
        return [idx.text(a.value) for a in node.args], idx.text(node), construct, None
    node = idx.node(loc, (cst.BinaryOperation,))
    if node is not None and len(ir_words) == 2:
        return [idx.text(node.left), idx.text(node.right)], idx.text(node), construct, None
    return ir_words, None, construct, None


def _construct(idx: _SourceIndex, node) -> tuple[str, str | None]:
    parents = idx.src.parents
    n = node
    while True:
        p = parents.get(n)
        if p is None:
            return "comparison", None
        if isinstance(p, cst.If) and p.test is n:
            outer = parents.get(p)
            elif_ = isinstance(outer, cst.If) and outer.orelse is p
            return ("elif" if elif_ else "if"), idx.text(p.test)
        if isinstance(p, cst.IfExp) and p.test is n:
            return "conditional expression", idx.text(p.test)
        if isinstance(p, cst.While) and p.test is n:
            return "while", idx.text(p.test)
        if isinstance(p, cst.Arg):
            call = parents.get(p)
            if isinstance(call, cst.Call) and call.args and call.args[0] is p:
                name = idx.text(call.func)
                if name in ("np.where", "numpy.where"):
                    return f"{name} condition", idx.text(n)
            return "comparison", None
        if isinstance(p, (cst.BooleanOperation, cst.UnaryOperation, cst.Comparison)):
            n = p
            continue
        return "comparison", None


# ------------------------------------------------------------------ build


def scalar_params(comp) -> dict[str, str]:
    """The arguments a domain may speak of: the scalar ones, with their types."""
    return {p.name: p.type for p in comp.primal.params if p.type in ("float", "int", "bool")}


def obligations(comp, seed: int = 0, domain: Domain | None = None) -> list[Obligation]:
    """Every obligation of the compiled function ``comp`` (a pipeline.Compiled),
    on ``domain`` (the whole argument space when None)."""
    dom = domain if domain is not None else Domain(scalar_params(comp))
    facts = comp.facts
    fname = comp.name
    words = _Words(comp)
    stmts: dict[int, Assign] = {s.site: s for s in walk(comp.primal.body)
                                if isinstance(s, Assign) and s.site is not None}
    ex = S.execute(comp.primal, facts.types, facts.varied)
    named = S.execute(comp.primal, facts.types, facts.varied, name_operands=True)
    rng = np.random.default_rng(seed)
    kinks: list[Obligation] = []
    kink_groups: dict[tuple, Obligation] = {}
    groups: dict[tuple, Obligation] = {}

    def construct_of(site) -> str:
        """The primitive as the source names it (np.maximum, np.max ...) for NumPy calls."""
        if site.loc is None:
            return site.prim
        idx = _SourceIndex.of(comp, site.loc.file)
        node = idx.node(site.loc, _CALL_NODES) if idx is not None else None
        if node is None:
            return site.prim
        name = idx.text(node.func)
        return name if name.startswith(("np.", "numpy.")) else site.prim
    order: list[Obligation] = []

    for site in facts.sites:
        rule = RULES[site.prim]
        kink = rule.kink
        stmt = stmts.get(site.index)
        file, line, col, code = _loc_fields(site.loc, comp)
        operands, text, construct, condition = _site_source(comp, site, stmt, words)
        if kink.kind == "kink":
            # one obligation per source expression: whole-array code lowers
            # np.max(np.abs(w)) to several loops, each with its own site
            ob = _kink_obligation(comp, site, stmt, operands, file, line, col, code, construct_of)
            same = kink_groups.get((file, line, col, site.prim))
            if same is None:
                kink_groups[(file, line, col, site.prim)] = ob
                kinks.append(ob)
            else:
                same.sites += ob.sites
                if ob.status == "violated":
                    same.status, same.detail, same.in_clarke_set = ob.status, ob.detail, False
            if site.prim == "copysign" and stmt is not None and _varied_operand(stmt, 1, facts):
                construct = "copysign (sign of its second argument)"
            else:
                continue
        info = ex.sites.get(site.index)
        verdict = (_continuity(ex, named, info, fname, rng, dom) if info is not None
                   else Verdict("open", "none", "nsadc could not follow this site symbolically"))
        if kink.kind == "branch":
            boundary = f"{operands[0]} == {operands[1]}" if len(operands) == 2 else "the comparison's operands are equal"
            what = f"`{text or condition}` flips"
        elif site.prim == "copysign":
            boundary = f"{operands[1]} == 0" if len(operands) == 2 else "its second argument is 0"
            what = f"the sign of the second argument of `{text or 'copysign'}` changes"
        else:
            boundary = kink.kink_set(operands)
            what = f"`{text or site.prim}` jumps"
        key = (file, line, col, kink.kind, site.prim)
        ob = groups.get(key)
        if ob is None:
            ob = Obligation(
                id="", kind="continuity", construct=construct, primitive=site.prim, file=file,
                line=line, column=col, code=code,
                statement=f"{fname} must not jump where {what} ({boundary})",
                status=verdict.status, method=verdict.method, detail=verdict.detail,
                sites=[site.index], condition=condition or text, boundary=boundary,
                witness=verdict.witness, operands=operands,
                restriction=verdict.restriction.text if verdict.restriction is not None else None)
            groups[key] = ob
            order.append(ob)
        else:
            ob.sites.append(site.index)
            if worst(ob.status, verdict.status) != ob.status:
                ob.status, ob.method, ob.detail, ob.witness = (verdict.status, verdict.method,
                                                               verdict.detail, verdict.witness)
                ob.restriction = verdict.restriction.text if verdict.restriction is not None else None
        if verdict.restriction is not None and all(r.text != verdict.restriction.text for r in ob.derived):
            ob.derived.append(verdict.restriction)
        if ob.status == "restricted" and ob.derived:
            ob.restriction = " and ".join(r.text for r in ob.derived)

    domain: list[Obligation] = []
    seen: set = set()
    for use in ex.domain:
        r = _domain(use, ex, words, dom)
        if r is None:
            continue
        restriction, reason, status = r
        file, line, col, code = _loc_fields(getattr(use.stmt, "loc", None), comp)
        key = (file, line, col, use.prim, restriction)
        if key in seen:
            continue
        seen.add(key)
        operand_text = [words.text(e) for e in use.exprs]
        where = "everywhere" if dom.empty else "on the stated domain"
        statement = (f"the claim holds where {restriction}" if status != "proved"
                     else f"{restriction} {where}")
        detail = reason if status != "proved" else (f"{reason}; a sign analysis shows {restriction} "
                                                    + ("always" if dom.empty else "on the stated domain"))
        domain.append(Obligation(
            id="", kind="domain", construct=use.prim, primitive=use.prim, file=file, line=line,
            column=col, code=code, statement=statement, status=status,
            method="symbolic" if status in ("proved", "violated") else "none",
            detail=detail, operands=operand_text, restriction=restriction))

    out = []
    for prefix, items in (("K", kinks), ("C", order), ("D", domain)):
        items.sort(key=lambda o: (o.file, o.line, o.column))
        for i, o in enumerate(items, 1):
            o.id = f"{prefix}{i}"
            out.append(o)
    return out


def _call_argument(comp, site) -> str | None:
    """The source text of the first argument of the call at ``site``."""
    if site.loc is None:
        return None
    idx = _SourceIndex.of(comp, site.loc.file)
    node = idx.node(site.loc, _CALL_NODES) if idx is not None else None
    if node is None or not node.args:
        return None
    return idx.text(node.args[0].value)


def _varied_operand(stmt: Assign, i: int, facts) -> bool:
    args = stmt.value.args
    return i < len(args) and isinstance(args[i], Var) and args[i].name in facts.varied


def _kink_obligation(comp, site, stmt, operands, file, line, col, code, construct_of=None) -> Obligation:
    from nsadc.transforms.common import describe_selection

    kink = RULES[site.prim].kink
    facts = comp.facts
    try:
        sel = comp.policy.selection(site.prim)
    except (KeyError, AttributeError):
        sel = None
    try:
        inside = bool(kink.check(sel)) if (kink.check is not None and sel is not None) else False
    except (TypeError, ValueError):
        inside = False
    active = ([isinstance(a, Var) and a.name in facts.active for a in stmt.value.args]
              if stmt is not None else [True] * len(operands))
    try:
        sel_text = describe_selection(site.prim, sel, active, operands)
    except Exception:  # noqa: BLE001 - a selection the description does not understand
        sel_text = f"selects {sel!r}"
    clarke = kink.clarke.format(*operands, *["?"] * 3)
    kink_set = kink.kink_set(operands)
    if site.prim in ("share", "sort") and construct_of is not None:
        # a reduction or sort of whole-array code: said of the source expression,
        # not of the loops it is lowered to
        arg = _call_argument(comp, site)
        if arg is not None:
            operands = [arg]
            kink_set = (f"two entries of {arg} are equal" if site.prim == "sort" else
                        f"a tie among the extreme entries of {arg}")
            clarke = ("the convex hull of the tied group's permutations" if site.prim == "sort" else
                      "the convex hull of the tied entries' unit vectors")
            sel_text = f"at a tie selects {sel}" if isinstance(sel, str) else sel_text
    construct = construct_of(site) if construct_of is not None else site.prim
    return Obligation(
        id="", kind="kink", construct=construct, primitive=site.prim, file=file, line=line, column=col,
        code=code,
        statement=f"the selection at the kink of {construct} lies in its Clarke set {clarke}",
        status="proved" if inside else "violated", method="rule table",
        detail=("the rule table's check accepts the policy's selection" if inside else
                f"the selection {sel!r} lies outside the Clarke set {clarke}"),
        sites=[site.index], operands=list(operands), kink_set=kink_set, clarke_set=clarke,
        selection=_fmt_sel(sel), selection_text=sel_text, in_clarke_set=inside)


# ------------------------------------------------------------------ certificate


def identity(comp, modes=("forward", "reverse"), derivative_text: str | None = None) -> dict:
    modes = tuple(modes)
    mode = "both" if modes == ("forward", "reverse") else "+".join(modes)
    if derivative_text is None:
        derivative_text = comp.module(modes)
    loc = comp.primal.loc
    return {
        "nsadc_version": __version__,
        "function": comp.name,
        "file": comp.src.path,
        "line": loc.line if loc else 0,
        "source_sha256": comp.src.sha256(),
        "derivative_sha256": sha256_text(derivative_text),
        "mode": mode,
        "policy": comp.policy.describe(),
        "wrt": list(comp.facts.wrt),
    }


def make_domain(comp, ranges=None, assume=None) -> Domain:
    """The stated domain of ``comp``'s scalar arguments (ArgumentError when malformed)."""
    return Domain.make(scalar_params(comp), ranges, assume)


def certify(comp, modes=("forward", "reverse"), derivative_text: str | None = None,
            seed: int = 0, ranges=None, assume=None, domain: Domain | None = None) -> Certificate:
    """The static certificate of ``comp`` (runs nothing of the user's), on the
    domain the ranges and relations ``assume`` state."""
    dom = domain if domain is not None else make_domain(comp, ranges, assume)
    cert = Certificate(identity(comp, modes, derivative_text), obligations(comp, seed, dom),
                       ranges=dict(dom.given), assume=list(dom.assume), stated=dom.stated())
    _check_room(cert, dom, seed)
    cert.space = dom.with_(*[r for o in cert.obligations if o.status == "restricted" and o.kind == "continuity"
                             for r in o.derived])
    return cert


def _check_room(cert: Certificate, dom: Domain, seed: int) -> None:
    """The derived assumptions together must leave part of the stated domain:
    when no sampled point satisfies them all, their obligations are violated."""
    derived = [r for o in cert.obligations if o.status == "restricted" and o.kind == "continuity"
               for r in o.derived]
    if not derived:
        return
    within = dom.with_(*derived)
    rng = np.random.default_rng(seed + 1)
    names = list(dom.params)
    for _ in range(2000):
        vals = {n: dom.sample(n, rng, dom.params[n]) for n in names}
        if within.contains(vals):
            return
    for o in cert.obligations:
        if o.status == "restricted" and o.kind == "continuity":
            o.status = "violated"
            o.detail = ("the conditions derived for the continuity obligations ("
                        + " and ".join(r.text for r in derived) + ") leave no room in the domain; "
                        + o.detail)


def unsupported(path: str, function: str, error: Exception, mode: str = "both",
                policy: str = "min-norm") -> Certificate:
    """The certificate of code nsadc refuses: rejected, with the located message."""
    loc = getattr(error, "loc", None)
    try:
        text = open(path, encoding="utf-8").read()
        source_sha = sha256_text(text)
    except OSError:
        source_sha = None
    ident = {"nsadc_version": __version__, "function": function, "file": path,
             "line": loc.line if loc else 0, "source_sha256": source_sha, "derivative_sha256": None,
             "mode": mode, "policy": policy, "wrt": []}
    where = f"{os.path.basename(loc.file)}:{loc.line}:{loc.col + 1}" if loc else None
    return Certificate(ident, [], unsupported={"message": str(error), "location": where})
