"""The domain of a certificate's claim: what the user states, what the
analysis derives.

A :class:`Domain` holds

- *ranges*: an interval per argument, ends included, either end may be
  infinite (``{"t": (0.0, math.inf)}``, ``--range t=0:inf``);
- *relations*: inequalities between arguments (``"lo <= hi"``,
  ``"x + y < 1"``, ``--assume "lo<=hi"``), each kept as a polynomial ``g`` with
  ``g >= 0`` (or ``g > 0`` for a strict one);
- *derived* relations: conditions the static analysis found under which an
  obligation holds (``t >= 0`` for a soft threshold ``x - t if x > t ...``).

The static certificate asks it for the sign of a polynomial of the arguments
on the domain (:meth:`Domain.sign`): interval arithmetic on the ranges, then
each relation ``g`` tried as ``p = c·g + r`` with ``r`` of known sign.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field

from nsadc.certificate import symbolic as S
from nsadc.errors import ArgumentError

INF = math.inf


@dataclass(frozen=True)
class Relation:
    """``g > 0`` (strict) or ``g >= 0``, over the arguments; ``text`` in the user's words."""

    g: S.Poly
    strict: bool
    text: str

    def holds(self, vals: dict) -> bool:
        v = S.evaluate(self.g, vals)
        return v > 0 if self.strict else v >= 0

    def negation(self) -> Relation:
        return Relation(S.neg(self.g), not self.strict, f"not ({self.text})")


# ------------------------------------------------------------------ text


def _num(v: float) -> str:
    if v == INF:
        return "inf"
    if v == -INF:
        return "-inf"
    return f"{v:g}"


def _text(p: S.Poly) -> str:
    return S.poly_text(p, 10_000)


def relation_text(q: S.Poly, op: str) -> str:
    """``q op 0`` (op in <=, <, >=, >) with each term on the side where its
    coefficient is positive: ``lo - hi <= 0`` -> ``lo <= hi``, ``-t <= 0`` ->
    ``t >= 0``, ``x - 1 > 0`` -> ``x > 1``."""
    flip = {"<=": ">=", "<": ">", ">=": "<=", ">": "<"}
    pos = S.Poly({m: c for m, c in q.terms if m and c > 0})
    neg = S.Poly({m: -c for m, c in q.terms if m and c < 0})
    k = sum(c for m, c in q.terms if not m)
    if pos.terms:
        return f"{_text(pos)} {op} {_text(S.sub(neg, S.const(k)))}"
    if neg.terms:
        return f"{_text(neg)} {flip[op]} {_num(k)}"
    return f"{_num(k)} {op} 0"


def from_atom(atom: S.Atom, value: int) -> Relation | None:
    """The relation that makes the comparison atom ``gt0(q)`` take ``value``."""
    if atom.op != "gt0":
        return None
    q = atom.args[0]
    if value:
        return Relation(q, True, relation_text(q, ">"))
    return Relation(S.neg(q), False, relation_text(q, "<="))


# ------------------------------------------------------------------ parsing


_OPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


def parse_relation(text: str, params: dict[str, str]) -> list[Relation]:
    """``"lo <= hi"``, ``"0 <= t < hi"``, ``"x + y <= 1 and y >= 0"`` -> relations."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise ArgumentError(f"assume {text!r}: write an inequality between arguments, e.g. 'lo <= hi'") from None
    out: list[Relation] = []

    def cond(node):
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
            for v in node.values:
                cond(v)
            return
        if not isinstance(node, ast.Compare):
            raise ArgumentError(f"assume {text!r}: write inequalities (<, <=, >, >=) joined by 'and', "
                                "e.g. 'lo <= hi'")
        chain = [node.left] + list(node.comparators)
        for op, a, b in zip(node.ops, chain, chain[1:]):
            sym = _OPS.get(type(op))
            if sym is None:
                raise ArgumentError(f"assume {text!r}: only <, <=, >, >= are accepted (an equality leaves "
                                    "no room to differentiate in)")
            pa, pb = value(a), value(b)
            piece = f"{ast.unparse(a)} {sym} {ast.unparse(b)}"
            if sym in ("<", "<="):
                out.append(Relation(S.sub(pb, pa), sym == "<", piece))
            else:
                out.append(Relation(S.sub(pa, pb), sym == ">", piece))

    def value(node) -> S.Poly:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) \
                and not isinstance(node.value, bool):
            return S.const(node.value)
        if isinstance(node, ast.Name):
            if node.id not in params:
                raise ArgumentError(f"assume {text!r}: {node.id!r} is not a scalar argument "
                                    f"({', '.join(params) or 'there is none'})")
            return S.of(S.Sym(node.id, params[node.id]))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = value(node.operand)
            return S.neg(v) if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a, b = value(node.left), value(node.right)
            if isinstance(node.op, ast.Add):
                return S.add(a, b)
            if isinstance(node.op, ast.Sub):
                return S.sub(a, b)
            if isinstance(node.op, ast.Mult):
                return S.mul(a, b)
            if isinstance(node.op, ast.Div) and b.is_const and b.value != 0:
                return S.scale(a, 1.0 / b.value)
            if isinstance(node.op, ast.Pow) and b.is_const and float(b.value).is_integer() \
                    and 0 <= b.value <= S.MAX_POWER:
                return S.power(a, int(b.value))
        raise ArgumentError(f"assume {text!r}: {ast.unparse(node)!r} is not a polynomial of the arguments "
                            "(use + - * and numbers)")

    cond(tree)
    return out


def parse_bound(v) -> float:
    if isinstance(v, str):
        s = v.strip().lower()
        if s in ("inf", "+inf", "infinity", "+infinity"):
            return INF
        if s in ("-inf", "-infinity"):
            return -INF
    try:
        out = float(v)
    except (TypeError, ValueError):
        raise ArgumentError(f"a range bound must be a number (or inf), not {v!r}") from None
    if math.isnan(out):
        raise ArgumentError("a range bound must not be nan")
    return out


# ------------------------------------------------------------------ intervals


def _imul(a, b):
    vals = []
    for x in a:
        for y in b:
            if x == 0 or y == 0:
                vals.append(0.0)
            else:
                vals.append(x * y)
    return (min(vals), max(vals))


def _ipow(a, k: int):
    lo, hi = a
    if k == 1:
        return a
    if k % 2 == 0:
        m = max(abs(lo), abs(hi))
        low = 0.0 if lo <= 0 <= hi else min(abs(lo), abs(hi))
        return (low ** k if math.isfinite(low) else INF, m ** k if math.isfinite(m) else INF)
    return (lo ** k if math.isfinite(lo) else lo, hi ** k if math.isfinite(hi) else hi)


_ANY = (-INF, INF)


# ------------------------------------------------------------------ the domain


@dataclass
class Domain:
    """Where the claim is made: ranges, stated relations, derived relations."""

    params: dict[str, str]  # name -> type
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    assume: list[str] = field(default_factory=list)  # the user's texts
    relations: list[Relation] = field(default_factory=list)  # stated
    derived: list[Relation] = field(default_factory=list)
    given: dict = field(default_factory=dict)  # the ranges as stated (before relations narrow them)

    @classmethod
    def make(cls, params: dict[str, str], ranges=None, assume=None) -> Domain:
        box: dict[str, tuple[float, float]] = {}
        for name, span in (ranges or {}).items():
            if name not in params:
                raise ArgumentError(f"ranges names {name!r}, which is not a scalar argument "
                                    f"({', '.join(params) or 'there is none'}); a domain speaks of scalars")
            try:
                lo, hi = span
            except (TypeError, ValueError):
                raise ArgumentError(f"ranges[{name!r}] must be (low, high), not {span!r}") from None
            lo, hi = parse_bound(lo), parse_bound(hi)
            if not lo <= hi:
                raise ArgumentError(f"ranges[{name!r}] must be (low, high) with low <= high, not {span!r}")
            box[name] = (lo, hi)
        if isinstance(assume, str):
            assume = [assume]
        texts = [str(a) for a in (assume or [])]
        rels: list[Relation] = []
        for t in texts:
            rels += parse_relation(t, params)
        dom = cls(params, box, texts, rels)
        dom.given = dict(box)
        dom._tighten()
        return dom

    def _tighten(self):
        """One-argument linear relations (``t >= 0``) narrow that argument's range."""
        for r in self.relations:
            syms = S.symbols_in(r.g)
            if len(syms) != 1 or any(len(m) > 1 or (m and m[0][1] != 1) for m, _ in r.g.terms):
                continue
            (name,) = syms
            a = sum(c for m, c in r.g.terms if m)
            b = sum(c for m, c in r.g.terms if not m)
            if a == 0:
                continue
            bound = -b / a
            lo, hi = self.ranges.get(name, _ANY)
            if a > 0:
                lo = max(lo, bound)
            else:
                hi = min(hi, bound)
            self.ranges[name] = (lo, hi)

    # -------------------------------------------------------------- views

    @property
    def empty(self) -> bool:
        return not self.ranges and not self.relations

    def stated(self) -> list[str]:
        """The stated conditions in words."""
        out = []
        for name, (lo, hi) in self.given.items():
            if lo == -INF and hi == INF:
                continue
            if lo == -INF:
                out.append(f"{name} <= {_num(hi)}")
            elif hi == INF:
                out.append(f"{name} >= {_num(lo)}")
            else:
                out.append(f"{_num(lo)} <= {name} <= {_num(hi)}")
        for r in self.relations:
            if r.text not in out:
                out.append(r.text)
        return out

    def with_(self, *rels: Relation) -> Domain:
        return Domain(self.params, dict(self.ranges), list(self.assume), list(self.relations),
                      list(self.derived) + list(rels), dict(self.given))

    def all_relations(self) -> list[Relation]:
        return list(self.relations) + list(self.derived)

    def contains(self, vals: dict) -> bool:
        for name, (lo, hi) in self.ranges.items():
            v = vals.get(name)
            if v is not None and not lo <= v <= hi:
                return False
        for r in self.all_relations():
            try:
                if not r.holds(vals):
                    return False
            except (KeyError, TypeError):
                continue
        return True

    def sample(self, name: str, rng, typ: str = "float") -> float:
        """A value of argument ``name`` in its range (spread like the static sampler)."""
        lo, hi = self.ranges.get(name, _ANY)
        if typ == "int":
            a = int(max(lo, 0)) if lo > -INF else 0
            b = int(min(hi, a + 5)) if hi < INF else a + 5
            return float(rng.integers(a, max(a, b) + 1))
        scale = 1.5 if rng.random() < 0.7 else 4.0
        if lo > -INF and hi < INF:
            return float(rng.uniform(lo, hi))
        if lo > -INF:
            return float(lo + abs(rng.normal(0.0, scale)))
        if hi < INF:
            return float(hi - abs(rng.normal(0.0, scale)))
        return float(rng.normal(0.0, scale))

    def width(self, name: str) -> float:
        lo, hi = self.ranges.get(name, _ANY)
        return hi - lo if math.isfinite(hi - lo) else INF

    # -------------------------------------------------------------- signs

    def interval(self, p: S.Poly, memo: dict | None = None) -> tuple[float, float]:
        if memo is None:
            memo = {}
        lo = hi = 0.0
        for m, c in p.terms:
            iv = (c, c)
            for f, k in m:
                iv = _imul(iv, _ipow(self._factor_interval(f, memo), k))
            lo, hi = lo + iv[0], hi + iv[1]
            if math.isnan(lo) or math.isnan(hi):
                return _ANY
        return (lo, hi)

    def _factor_interval(self, f, memo):
        key = f.key
        if key in memo:
            return memo[key]
        if isinstance(f, S.Sym):
            if f.boolean:
                iv = (0.0, 1.0)
            elif not f.opaque and f.name in self.params:
                iv = self.ranges.get(f.name, _ANY)
            else:
                iv = (0.0, INF) if f.nonneg else _ANY
        elif f.boolean:
            iv = (0.0, 1.0)
        elif f.prim == "abs":
            a = self.interval(f.args[0], memo)
            iv = (0.0 if a[0] <= 0 <= a[1] else min(abs(a[0]), abs(a[1])), max(abs(a[0]), abs(a[1])))
        elif f.prim in ("exp", "cosh"):
            iv = (0.0, INF)
        elif f.prim in ("max", "min"):
            ivs = [self.interval(a, memo) for a in f.args]
            if f.prim == "max":
                iv = (max(i[0] for i in ivs), max(i[1] for i in ivs))
            else:
                iv = (min(i[0] for i in ivs), min(i[1] for i in ivs))
        elif f.op == "sel":
            a, b = self.interval(f.args[1], memo), self.interval(f.args[2], memo)
            iv = (min(a[0], b[0]), max(a[1], b[1]))
        else:
            s = S._factor_sign(f)
            iv = {S.POS: (0.0, INF), S.NONNEG: (0.0, INF), S.NEG: (-INF, 0.0), S.NONPOS: (-INF, 0.0)}.get(s, _ANY)
        memo[key] = iv
        return iv

    def sign(self, p: S.Poly):
        """The sign of ``p`` on the domain: pos, nonneg, neg, nonpos or None."""
        s = S.sign(p)
        if s in (S.POS, S.NEG):
            return s
        lo, hi = self.interval(p)
        if lo > 0:
            return S.POS
        if hi < 0:
            return S.NEG
        best = s
        if lo >= 0:
            best = S.NONNEG
        elif hi <= 0:
            best = S.NONPOS
        for r in self.all_relations():
            got = self._by_relation(p, r)
            if got in (S.POS, S.NEG):
                return got
            if got is not None:
                best = got
        return best

    def _by_relation(self, p: S.Poly, r: Relation):
        """``p = c·g + rest`` with the sign of ``rest`` known on the ranges."""
        gterms = dict(r.g.terms)
        for m, c in p.terms:
            if not m or m not in gterms:
                continue
            lam = c / gterms[m]
            rest = S.sub(p, S.scale(r.g, lam))
            lo, hi = self.interval(rest)
            if lam > 0 and lo >= 0:
                return S.POS if (r.strict or lo > 0) else S.NONNEG
            if lam < 0 and hi <= 0:
                return S.NEG if (r.strict or hi < 0) else S.NONPOS
        return None

    def decide(self, atom) -> S.Poly | None:
        """The value of a comparison atom on the whole domain, or None."""
        if atom.op == "gt0":
            s = self.sign(atom.args[0])
            if s == S.POS:
                return S.ONE
            if s in (S.NEG, S.NONPOS):
                return S.ZERO
        elif atom.op == "eq0":
            s = self.sign(atom.args[0])
            if s in (S.POS, S.NEG):
                return S.ZERO
        return None

    def resolve(self, p: S.Poly) -> S.Poly:
        """``p`` with every comparison the domain decides replaced by its value."""
        if self.empty and not self.derived:
            return p
        for _ in range(4):
            mapping = {}
            for a in comparison_atoms(p):
                v = self.decide(a)
                if v is not None:
                    mapping[a.key] = v
            if not mapping:
                return p
            p = S.subst(p, mapping)
        return p


def comparison_atoms(p: S.Poly, out: dict | None = None) -> list:
    """The gt0 / eq0 atoms in ``p``, nested ones too (outermost first)."""
    if out is None:
        out = {}
    for f in p.factors():
        if isinstance(f, S.Atom):
            if f.op in ("gt0", "eq0") and f.key not in out:
                out[f.key] = f
            for a in f.args:
                comparison_atoms(a, out)
    return list(out.values())


def over_arguments(p: S.Poly, params) -> bool:
    syms = S.symbols_in(p)
    return bool(syms) and all(not s.opaque and n in params for n, s in syms.items())
