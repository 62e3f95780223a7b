"""Symbolic values for the static certificate.

The static certificate never runs the user's file.  It reads nsadc's own IR of
the function and executes it *symbolically*: every variable holds a polynomial
(:class:`Poly`) over *factors*, which are symbols (the function's arguments, or
the state at the head of a loop) and *atoms* (a primitive applied to
polynomials: ``exp(p)``, ``1/p``, a comparison ``p > 0``, a selection
``sel(t, a, b)`` for the value an ``if`` merges ...).  Polynomials are kept in a
canonical form (sorted monomials, exact float coefficients), so two
expressions that are equal as polynomials over the same atoms compare equal.

Booleans are 0/1 values: a comparison is an atom whose value is 0 or 1, an
``if`` merges the values of its two branches into ``sel(test, a, b)``.  That
lets the certificate *force* a comparison (replace its atom by 1 or 0) and see
what the rest of the program computes on each side of its boundary.

Loops are not unrolled: the variables a loop assigns become fresh symbols at
its head (the loop body is analysed for any state) and *opaque* symbols after
it; an opaque symbol remembers which switch atoms its value may depend on.

Sizes are capped: an expression that grows past :data:`MAX_TERMS` terms becomes
an opaque symbol (the analyses that meet it then stay ``open``).
"""

from __future__ import annotations

import copy
import math
import re
import warnings
from dataclasses import dataclass, field

import numpy as np

from nsadc.ir.nodes import Assign, Call, Const, Expr, For, Function, If, Return, Stmt, Var, While, walk
from nsadc.rules.table import RULES
from nsadc.ir.nodes import assigned as assigned_in, reads as reads_of, upward_exposed

MAX_TERMS = 160
MAX_POWER = 8
MAX_KEY = 6000  # characters of a canonical key: past this an expression is too complex


class TooComplex(Exception):
    """An expression outgrew the caps; the caller replaces it by an opaque symbol."""


# ------------------------------------------------------------------ factors


class Sym:
    """A symbol: a function argument, a loop-head state, or an opaque value."""

    __slots__ = ("name", "type", "opaque", "deps", "key", "_hash", "nonneg")

    def __init__(self, name: str, type: str = "float", opaque: bool = False, deps=frozenset(),
                 nonneg: bool = False):
        self.name = name
        self.type = type
        self.opaque = opaque
        self.nonneg = nonneg  # known >= 0 (a counter of a `for` loop over a nonnegative range)
        self.deps = frozenset(deps)  # switch-atom keys an opaque value may depend on
        self.key = "$" + name
        self._hash = hash(self.key)

    def __eq__(self, other):
        return isinstance(other, Sym) and other.key == self.key

    def __hash__(self):
        return self._hash

    @property
    def boolean(self) -> bool:
        return self.type == "bool"

    def __repr__(self):
        return self.name


BOOL_OPS = {"gt0", "eq0", "not", "and", "or"}


class Atom:
    """A primitive applied to polynomials.  ``op`` is ``gt0`` (``p > 0``),
    ``eq0`` (``p == 0``), ``not``, ``and``, ``or``, ``sel`` (``a if t else b``),
    ``inv`` (``1 / p``) or ``fn:PRIM`` (a rule-table primitive)."""

    __slots__ = ("op", "args", "key", "_hash", "boolean")

    def __init__(self, op: str, args):
        self.op = op
        self.args = tuple(args)
        self.key = f"{op}(" + ",".join(a.key for a in self.args) + ")"
        if len(self.key) > MAX_KEY:
            raise TooComplex(op)
        self._hash = hash(self.key)
        self.boolean = op in BOOL_OPS or (op == "sel" and self.args[1].is_boolean
                                          and self.args[2].is_boolean)

    def __eq__(self, other):
        return isinstance(other, Atom) and other.key == self.key

    def __hash__(self):
        return self._hash

    @property
    def prim(self) -> str | None:
        return self.op[3:] if self.op.startswith("fn:") else None

    def __repr__(self):
        return self.key


Factor = Sym | Atom
Mono = tuple  # tuple[tuple[Factor, int], ...], sorted by factor key


def _mono_key(m: Mono) -> str:
    return "·".join(f.key if k == 1 else f"{f.key}^{k}" for f, k in m)


class Poly:
    """A polynomial over factors with float coefficients, in canonical form."""

    __slots__ = ("terms", "key", "_hash")

    def __init__(self, terms: dict):
        items = [(m, c) for m, c in terms.items() if c != 0.0]
        if len(items) > MAX_TERMS:
            raise TooComplex("terms")
        keyed = sorted(((_mono_key(m), m, c) for m, c in items), key=lambda t: t[0])
        self.terms = tuple((m, c) for _, m, c in keyed)
        self.key = "+".join(f"{c!r}*{k}" if k else repr(c) for k, _, c in keyed) or "0"
        if len(self.key) > MAX_KEY:
            raise TooComplex("key")
        self._hash = hash(self.key)

    def __eq__(self, other):
        return isinstance(other, Poly) and other.key == self.key

    def __hash__(self):
        return self._hash

    def __repr__(self):
        return f"Poly({self.key})"

    # -------------------------------------------------------------- views

    @property
    def is_const(self) -> bool:
        return all(not m for m, _ in self.terms)

    @property
    def value(self) -> float:
        """The constant value (only when ``is_const``)."""
        return self.terms[0][1] if self.terms else 0.0

    @property
    def single(self) -> Factor | None:
        """``f`` when this polynomial is exactly ``1·f``."""
        if len(self.terms) == 1:
            m, c = self.terms[0]
            if c == 1.0 and len(m) == 1 and m[0][1] == 1:
                return m[0][0]
        return None

    @property
    def is_boolean(self) -> bool:
        if self.is_const:
            return self.value in (0.0, 1.0)
        f = self.single
        return f is not None and f.boolean

    def factors(self):
        for m, _ in self.terms:
            for f, _ in m:
                yield f


def const(c) -> Poly:
    c = float(c)
    return Poly({(): c}) if c != 0.0 else ZERO


ZERO = Poly({})
ONE = Poly({(): 1.0})


def of(f: Factor) -> Poly:
    return Poly({((f, 1),): 1.0})


def add(a: Poly, b: Poly) -> Poly:
    out = dict(a.terms)
    for m, c in b.terms:
        out[m] = out.get(m, 0.0) + c
    return Poly(out)


def neg(a: Poly) -> Poly:
    return Poly({m: -c for m, c in a.terms})


def sub(a: Poly, b: Poly) -> Poly:
    return add(a, neg(b))


def scale(a: Poly, s: float) -> Poly:
    return Poly({m: c * s for m, c in a.terms})


def _mono_mul(m1: Mono, m2: Mono) -> Mono:
    powers: dict = {}
    order: dict = {}
    for f, k in m1 + m2:
        powers[f.key] = powers.get(f.key, 0) + k
        order[f.key] = f
    out = []
    for key in sorted(powers):
        f = order[key]
        k = powers[key]
        if f.boolean:
            k = 1  # 0/1 values: b·b = b
        if k > MAX_POWER:
            raise TooComplex("power")
        out.append((f, k))
    return tuple(out)


def mul(a: Poly, b: Poly) -> Poly:
    out: dict = {}
    squares = False
    for m1, c1 in a.terms:
        for m2, c2 in b.terms:
            m = _mono_mul(m1, m2)
            out[m] = out.get(m, 0.0) + c1 * c2
            squares = squares or any(k > 1 and isinstance(f, Atom) and f.op == "fn:abs" for f, k in m)
    result = Poly(out)
    return _even_abs(result) if squares else result


def _even_abs(p: Poly) -> Poly:
    """``abs(u)**2k`` is ``u**2k``."""
    acc = ZERO
    for m, c in p.terms:
        term = const(c)
        for f, k in m:
            if isinstance(f, Atom) and f.op == "fn:abs" and k > 1:
                term = mul(term, power(f.args[0], k - k % 2))
                if k % 2:
                    term = mul(term, of(f))
            else:
                term = mul(term, Poly({((f, k),): 1.0}))
        acc = add(acc, term)
    return acc


def power(a: Poly, n: int) -> Poly:
    if n > MAX_POWER:
        raise TooComplex("power")
    out = ONE
    for _ in range(n):
        out = mul(out, a)
    return out


def _leading(p: Poly) -> float:
    """The coefficient of the first non-constant monomial (of the constant if none)."""
    for m, c in p.terms:
        if m:
            return c
    return p.terms[0][1] if p.terms else 0.0


# ------------------------------------------------------------------ atoms


def gt0(d: Poly) -> Poly:
    """``d > 0`` as a 0/1 value (``d`` normalised by its leading coefficient)."""
    if d.is_const:
        return ONE if d.value > 0 else ZERO
    known = sign(d)
    if known == POS:
        return ONE
    if known in (NEG, NONPOS):
        return ZERO
    d = scale(d, 1.0 / abs(_leading(d)))
    return of(Atom("gt0", (d,)))


def eq0(d: Poly) -> Poly:
    if d.is_const:
        return ONE if d.value == 0 else ZERO
    if sign(d) in (POS, NEG):
        return ZERO
    d = scale(d, 1.0 / _leading(d))
    return of(Atom("eq0", (d,)))


def not_(p: Poly) -> Poly:
    if p.is_const:
        return ONE if p.value == 0 else ZERO
    f = p.single
    if isinstance(f, Atom) and f.op == "not":
        return f.args[0]
    return of(Atom("not", (p,)))


def and_(*ps: Poly) -> Poly:
    rest = []
    for p in ps:
        if p.is_const:
            if p.value == 0:
                return ZERO
            continue
        if p not in rest:
            rest.append(p)
    if not rest:
        return ONE
    if len(rest) == 1:
        return rest[0]
    return of(Atom("and", sorted(rest, key=lambda q: q.key)))


def or_(*ps: Poly) -> Poly:
    rest = []
    for p in ps:
        if p.is_const:
            if p.value != 0:
                return ONE
            continue
        if p not in rest:
            rest.append(p)
    if not rest:
        return ZERO
    if len(rest) == 1:
        return rest[0]
    return of(Atom("or", sorted(rest, key=lambda q: q.key)))


def sel(t: Poly, a: Poly, b: Poly) -> Poly:
    """``a if t else b``; inside ``a`` the test is known true, inside ``b`` false."""
    if t.is_const:
        return a if t.value != 0 else b
    f = t.single
    if f is not None and f.boolean:
        a = subst(a, {f.key: ONE})
        b = subst(b, {f.key: ZERO})
        if isinstance(f, Atom) and f.op == "not":
            return sel(f.args[0], b, a)
    if a == b:
        return a
    if t.is_boolean:
        if a == ONE and b == ZERO:
            return t
        if a == ZERO and b == ONE:
            return not_(t)
    return of(Atom("sel", (t, a, b)))


def inv(p: Poly) -> Poly:
    if p.is_const:
        if p.value == 0:
            return of(Atom("inv", (p,)))
        return const(1.0 / p.value)
    if len(p.terms) == 1:
        m, c = p.terms[0]
        if c != 1.0:
            return scale(inv(Poly({m: 1.0})), 1.0 / c)
        if len(m) == 1:
            f, k = m[0]
            if isinstance(f, Atom) and f.op == "inv":
                return power(f.args[0], k)
            if k > 1:
                return power(inv(of(f)), k)
    return of(Atom("inv", (p,)))


def fn(prim: str, args: list[Poly]) -> Poly:
    if all(a.is_const for a in args):
        v = call_prim(prim, [a.value for a in args])
        if isinstance(v, (bool, int, float, np.floating, np.integer, np.bool_)) and math.isfinite(float(v)):
            return const(float(v))
    if prim == "abs" and _leading(args[0]) < 0:
        args = [neg(args[0])]
    if prim in ("max", "min"):
        uniq = []
        for a in sorted(args, key=lambda q: q.key):
            if a not in uniq:
                uniq.append(a)
        if len(uniq) == 1:
            return uniq[0]
        args = uniq
    elif prim == "hypot":
        args = sorted(args, key=lambda q: q.key)
    return of(Atom(f"fn:{prim}", args))


def rebuild(op: str, args: list[Poly]) -> Poly:
    if op == "gt0":
        return gt0(args[0])
    if op == "eq0":
        return eq0(args[0])
    if op == "not":
        return not_(args[0])
    if op == "and":
        return and_(*args)
    if op == "or":
        return or_(*args)
    if op == "sel":
        return sel(*args)
    if op == "inv":
        return inv(args[0])
    return fn(op[3:], list(args))


def subst(p: Poly, mapping: dict, memo: dict | None = None) -> Poly:
    """Replace factors (by key) with polynomials, rebuilding atoms around them."""
    if not mapping:
        return p
    if memo is None:
        memo = {}
    hit = memo.get(p.key)
    if hit is not None:
        return hit
    out: dict = {}
    changed = False
    acc = ZERO
    for m, c in p.terms:
        term = const(c)
        same = True
        for f, k in m:
            fp = _subst_factor(f, mapping, memo)
            if fp is None:
                fp = of(f)
            else:
                same = False
            term = mul(term, power(fp, k)) if k > 1 else mul(term, fp)
        if same:
            out[m] = out.get(m, 0.0) + c
        else:
            changed = True
            acc = add(acc, term)
    result = add(Poly(out), acc) if changed else p
    memo[p.key] = result
    return result


def _subst_factor(f: Factor, mapping: dict, memo: dict) -> Poly | None:
    """The replacement of ``f``, or None when it is unchanged."""
    if f.key in mapping:
        return mapping[f.key]
    if isinstance(f, Sym):
        return None
    key = "@" + f.key
    if key in memo:
        return memo[key]
    args = [subst(a, mapping, memo) for a in f.args]
    if all(a is b for a, b in zip(args, f.args)):
        memo[key] = None
        return None
    out = rebuild(f.op, args)
    memo[key] = out
    return out


def atoms_in(p: Poly, through_opaque: bool = True, memo: dict | None = None) -> set[str]:
    """The keys of every atom in ``p`` (nested ones too) and, with
    ``through_opaque``, the switch atoms that opaque symbols in it depend on."""
    if memo is None:
        memo = {}
    hit = memo.get(p.key)
    if hit is not None:
        return hit
    out: set[str] = set()
    for f in p.factors():
        if isinstance(f, Atom):
            out.add(f.key)
            for a in f.args:
                out |= atoms_in(a, through_opaque, memo)
        elif through_opaque and f.opaque:
            out |= f.deps
    memo[p.key] = out
    return out


def symbols_in(p: Poly, memo: dict | None = None) -> dict[str, Sym]:
    if memo is None:
        memo = {}
    hit = memo.get(p.key)
    if hit is not None:
        return hit
    out: dict[str, Sym] = {}
    for f in p.factors():
        if isinstance(f, Sym):
            out[f.name] = f
        else:
            for a in f.args:
                out.update(symbols_in(a, memo))
    memo[p.key] = out
    return out


def is_zero(p: Poly, scale_: float = 1.0, rel: float = 1e-12) -> bool:
    """``p`` is the zero polynomial, up to rounding of its constants."""
    tol = rel * max(1.0, scale_)
    return all(abs(c) <= tol for _, c in p.terms)


def magnitude(p: Poly) -> float:
    return max((abs(c) for _, c in p.terms), default=0.0)


def solve_linear(d: Poly) -> tuple[Sym, Poly] | None:
    """``(s, e)`` with ``d == 0  <=>  s == e`` when ``d = c·s + r`` for a symbol
    ``s`` that occurs nowhere else in ``d`` (neither in ``r`` nor inside atoms)."""
    sols = solve_linear_all(d)
    return sols[0] if sols else None


def solve_linear_all(d: Poly) -> list[tuple[Sym, Poly]]:
    """Every ``(s, e)`` of :func:`solve_linear`, one per symbol that qualifies."""
    counts: dict[str, int] = {}
    for m, _ in d.terms:
        for f, _ in m:
            if isinstance(f, Sym):
                counts[f.key] = counts.get(f.key, 0) + 1
    inside: set[str] = set()
    for f in d.factors():
        if isinstance(f, Atom):
            for a in f.args:
                inside |= {"$" + n for n in symbols_in(a)}
    out = []
    for m, c in d.terms:
        if len(m) == 1 and m[0][1] == 1 and isinstance(m[0][0], Sym):
            s = m[0][0]
            if s.type != "float" or counts[s.key] != 1 or s.key in inside:
                continue
            rest = sub(d, Poly({m: c}))
            out.append((s, scale(rest, -1.0 / c)))
    return out


# ------------------------------------------------------------------ signs

POS, NONNEG, NEG, NONPOS = "pos", "nonneg", "neg", "nonpos"


def _sign_product(a, b):
    if a is None or b is None:
        return None
    table = {
        (POS, POS): POS, (POS, NEG): NEG, (NEG, POS): NEG, (NEG, NEG): POS,
        (POS, NONNEG): NONNEG, (NONNEG, POS): NONNEG, (NONNEG, NONNEG): NONNEG,
        (NEG, NONPOS): NONNEG, (NONPOS, NEG): NONNEG, (NONPOS, NONPOS): NONNEG,
        (POS, NONPOS): NONPOS, (NONPOS, POS): NONPOS, (NEG, NONNEG): NONPOS, (NONNEG, NEG): NONPOS,
        (NONNEG, NONPOS): NONPOS, (NONPOS, NONNEG): NONPOS,
    }
    return table.get((a, b))


def _factor_sign(f: Factor):
    if isinstance(f, Sym):
        return NONNEG if (f.boolean or f.nonneg) else None
    if f.boolean:
        return NONNEG
    prim = f.prim
    if prim in ("exp", "cosh"):
        return POS
    if prim in ("abs", "hypot", "sqrt"):
        return NONNEG
    if prim in ("mod", "floordiv") and f.args[1].is_const and f.args[1].value > 0:
        s = sign(f.args[0])
        if prim == "mod" or s in (POS, NONNEG):
            return NONNEG
    if f.op == "inv":
        s = sign(f.args[0])
        return s if s in (POS, NEG) else None
    if f.op == "sel":
        return _join(sign(f.args[1]), sign(f.args[2]))
    if prim == "max":
        signs = [sign(a) for a in f.args]
        if POS in signs:
            return POS
        if NONNEG in signs:
            return NONNEG
        if all(s == NEG for s in signs):
            return NEG
        if all(s in (NEG, NONPOS) for s in signs):
            return NONPOS
        return None
    if prim == "min":
        signs = [sign(a) for a in f.args]
        if all(s == POS for s in signs):
            return POS
        if all(s in (POS, NONNEG) for s in signs):
            return NONNEG
        if NEG in signs:
            return NEG
        if NONPOS in signs:
            return NONPOS
    return None


def _join(a, b):
    if a == b:
        return a
    pair = {a, b}
    if pair <= {POS, NONNEG}:
        return NONNEG
    if pair <= {NEG, NONPOS}:
        return NONPOS
    return None


def sign(p: Poly):
    """What is known about the sign of ``p`` everywhere: pos (> 0), nonneg (>= 0),
    neg, nonpos, or None (unknown)."""
    if p.is_const:
        v = p.value
        return POS if v > 0 else NEG if v < 0 else NONNEG
    term_signs = []
    for m, c in p.terms:
        s = POS if c > 0 else NEG
        for f, k in m:
            fs = _factor_sign(f)
            if k % 2 == 0:
                fs = POS if fs in (POS, NEG) else NONNEG
            s = _sign_product(s, fs)
            if s is None:
                return None
        term_signs.append(s)
    if all(s in (POS, NONNEG) for s in term_signs):
        return POS if POS in term_signs else NONNEG
    if all(s in (NEG, NONPOS) for s in term_signs):
        return NEG if NEG in term_signs else NONPOS
    return None


# ------------------------------------------------------------------ numbers

_IMPL: dict = {}


def call_prim(prim: str, values: list):
    """Apply a rule-table primitive to numbers, with the code nsadc emits for it."""
    key = (prim, len(values))
    f = _IMPL.get(key)
    if f is None:
        from nsadc.rules.source import expr_source

        names = [f"a{i}" for i in range(len(values))]
        try:
            body = expr_source(Call(prim, tuple(Var(n) for n in names)))
        except (ValueError, KeyError):  # an array's primitive (an element store): not a number's
            body = "math.nan"
        f = eval(f"lambda {', '.join(names)}: {body}", {"math": math, "np": np})  # noqa: S307
        _IMPL[key] = f
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                return f(*values)
    except (ArithmeticError, ValueError, TypeError, AttributeError, IndexError):
        return math.nan  # (the shape of a number, an index into one: what the certificate cannot evaluate)


def evaluate(p: Poly, vals: dict[str, float], memo: dict | None = None) -> float:
    """The value of ``p`` at ``vals`` (symbol name -> number); NaN where undefined."""
    if memo is None:
        memo = {}
    hit = memo.get(p.key)
    if hit is not None:
        return hit
    total = 0.0
    for m, c in p.terms:
        term = c
        # 0/1 factors first: a term whose selector is 0 is not evaluated further
        for f, k in sorted(m, key=lambda fk: not fk[0].boolean):
            v = _eval_factor(f, vals, memo)
            if f.boolean and v == 0:
                term = 0.0
                break
            try:
                term = term * (v ** k if k != 1 else v)
            except (OverflowError, ZeroDivisionError):
                term = math.nan
        total = total + term
    memo[p.key] = total
    return total


def _truth(v) -> bool:
    return bool(v)


def _eval_factor(f: Factor, vals, memo) -> float:
    if isinstance(f, Sym):
        v = vals.get(f.name, math.nan)
        return float(v)
    key = "@" + f.key
    hit = memo.get(key)
    if hit is not None:
        return hit
    op = f.op
    if op == "gt0":
        v = 1.0 if evaluate(f.args[0], vals, memo) > 0 else 0.0
    elif op == "eq0":
        v = 1.0 if evaluate(f.args[0], vals, memo) == 0 else 0.0
    elif op == "not":
        v = 0.0 if _truth(evaluate(f.args[0], vals, memo)) else 1.0
    elif op == "and":
        v = 1.0 if all(_truth(evaluate(a, vals, memo)) for a in f.args) else 0.0
    elif op == "or":
        v = 1.0 if any(_truth(evaluate(a, vals, memo)) for a in f.args) else 0.0
    elif op == "sel":
        t = evaluate(f.args[0], vals, memo)
        v = evaluate(f.args[1] if _truth(t) else f.args[2], vals, memo)
    elif op == "inv":
        d = evaluate(f.args[0], vals, memo)
        v = math.copysign(math.inf, d) if d == 0 else (math.nan if math.isnan(d) else 1.0 / d)
    else:
        args = [evaluate(a, vals, memo) for a in f.args]
        r = call_prim(op[3:], args)
        try:
            v = float(r)
        except (TypeError, ValueError, OverflowError):
            v = math.nan
    memo[key] = v
    return v


# ------------------------------------------------------------------ IR helpers


def _shape(s: Stmt):
    """A structural key that ignores locations and site numbers."""
    if isinstance(s, Assign):
        return ("A", s.target, s.value)
    if isinstance(s, If):
        return ("I", s.test, tuple(_shape(x) for x in s.body), tuple(_shape(x) for x in s.orelse))
    return ("?", id(s))


# ------------------------------------------------------------------ symbolic execution


@dataclass
class Region:
    """The top level of the function, or the body of one loop."""

    id: int
    kind: str  # top | for | while
    stmt: Stmt | None = None
    parent: Region | None = None
    end: dict[str, Poly] = field(default_factory=dict)  # live values where the region ends
    head: dict[str, Poly] = field(default_factory=dict)  # loop-head symbols
    closed: bool = False  # top level whose result depends on the arguments only
    cond: Poly | None = None  # while: the loop test as a function of the head state
    cond_targets: set[str] = field(default_factory=set)
    cond_sites: set[int] = field(default_factory=set)
    symbols: dict[str, Sym] = field(default_factory=dict)

    @property
    def line(self) -> int | None:
        loc = getattr(self.stmt, "loc", None)
        return loc.line if loc else None


@dataclass
class SiteSym:
    """What symbolic execution learnt about one site of the rule table."""

    index: int
    prim: str
    stmt: Assign
    region: Region
    args: list[Poly]
    value: Poly
    switch: Atom | None = None  # the atom that flips (comparison or jump primitive)
    boundary: Poly | None = None  # ``d`` with the boundary d == 0 (comparisons, sign, copysign)
    while_region: Region | None = None  # a `while` condition site


@dataclass
class DomainUse:
    """A primitive used where it is not Lipschitz or not defined everywhere."""

    prim: str
    stmt: Stmt
    region: Region
    args: list[Poly]
    exprs: list[Expr]  # the operands in the IR (for their text)


def base_name(symbol: str) -> str:
    """The IR variable a symbol stands for (``x@2'`` -> ``x``)."""
    import re

    return re.split(r"[@~?#]", symbol, maxsplit=1)[0]


DOMAIN_PRIMS = {"sqrt", "log", "log2", "log10", "log1p", "div", "pow", "asin", "acos", "atan2", "tan"}


class Executor:
    """Runs a function's IR on polynomials (see the module docstring)."""

    def __init__(self, fn: Function, types: dict[str, str], varied: set[str], name_operands: bool = False):
        self.fn = fn
        self.types = types
        # the "named" run keeps each compared variable as a symbol of its own (so
        # a boundary like `pre == 1` can be substituted even when pre is a sum)
        self.named: set[str] = _compared_vars(fn) if name_operands else set()
        self._count = 0
        self.varied_names = set(varied)
        self._stmt: Stmt | None = None
        self._region: Region | None = None
        self.sites: dict[int, SiteSym] = {}
        self.maps: dict[str, tuple] = {}  # filled arrays: symbol key -> (index symbol, element)
        self.elementwise: set[int] = set()  # regions (loops) that fill arrays element by element
        self.domain: list[DomainUse] = []
        self.regions: list[Region] = []
        self.params = {p.name for p in fn.params}
        self.record = True
        self._all = list(walk(fn.body))

    # -------------------------------------------------------------- driver

    def run(self) -> Region:
        top = Region(0, "top")
        self.regions.append(top)
        env = {p.name: of(Sym(p.name, p.type)) for p in self.fn.params}
        self.block(self.fn.body, env, top)
        if "return" in top.end:
            syms = symbols_in(top.end["return"])
            top.closed = all(not s.opaque and s.name in self.params for s in syms.values())
        return top

    def _type(self, name: str) -> str:
        return self.types.get(name, "float")

    # -------------------------------------------------------------- values

    def value(self, e: Expr, env: dict) -> Poly:
        if isinstance(e, Var):
            p = env.get(e.name)
            if p is None:
                p = of(Sym(f"{e.name}?", self._type(e.name), opaque=True))
            return p
        if isinstance(e, Const):
            v = e.value
            return const(1.0 if v is True else 0.0 if v is False else v)
        args = [self.value(a, env) for a in e.args]
        if self.record and e.prim in DOMAIN_PRIMS and self._stmt is not None:
            self.domain.append(DomainUse(e.prim, self._stmt, self._region, args, list(e.args)))
        return self.apply(e.prim, args)

    def varied(self, p: Poly) -> bool:
        """Does ``p`` depend on a differentiated argument?"""
        for name in symbols_in(p):
            if base_name(name) in self.varied_names:
                return True
        return False

    def apply(self, prim: str, a: list[Poly]) -> Poly:
        if prim in ("copy", "pos", "float"):
            return a[0]
        if prim == "add":
            return add(a[0], a[1])
        if prim == "sub":
            return sub(a[0], a[1])
        if prim == "mul":
            return mul(a[0], a[1])
        if prim == "neg":
            return neg(a[0])
        if prim == "div":
            return mul(a[0], inv(a[1]))
        if prim == "pow" and a[1].is_const:
            n = a[1].value
            if float(n).is_integer() and 0 <= n <= MAX_POWER:
                return power(a[0], int(n))
            if float(n).is_integer() and -MAX_POWER <= n < 0:
                return power(inv(a[0]), int(-n))
        if prim == "gt":
            return gt0(sub(a[0], a[1]))
        if prim == "lt":
            return gt0(sub(a[1], a[0]))
        if prim == "ge":
            return not_(gt0(sub(a[1], a[0])))
        if prim == "le":
            return not_(gt0(sub(a[0], a[1])))
        if prim == "eq":
            return eq0(sub(a[0], a[1]))
        if prim == "ne":
            return not_(eq0(sub(a[0], a[1])))
        if prim == "not":
            return not_(a[0])
        if prim == "and":
            return and_(*a)
        if prim == "or":
            return or_(*a)
        if prim == "select":
            return sel(a[0], a[1], a[2])
        if prim == "load" and len(a) == 2:
            f = a[0].single
            if isinstance(f, Sym) and f.key in self.maps:
                i_sym, val = self.maps[f.key]
                return subst(val, {i_sym.key: a[1]})
        return fn(prim, a)

    def _opaque(self, name: str, type_: str, sources: list[Poly]) -> Poly:
        deps: set[str] = set()
        memo: dict = {}
        for p in sources:
            deps |= atoms_in(p, True, memo)
        return of(Sym(name, type_, opaque=True, deps=deps))

    # -------------------------------------------------------------- statements

    def block(self, stmts: list[Stmt], env: dict, region: Region) -> dict:
        for i, s in enumerate(stmts):
            if isinstance(s, Assign):
                self.assign(s, env, region)
            elif isinstance(s, If):
                self.branch(s, env, region)
            elif isinstance(s, (For, While)):
                self.loop(s, env, region, stmts[:i])
            elif isinstance(s, Return):
                if region.kind == "top":
                    self._stmt, self._region = s, region
                    vals = s.value if isinstance(s.value, tuple) else (s.value,)
                    region.end = {"return": self.value(vals[0], env)}
        return env

    def assign(self, s: Assign, env: dict, region: Region):
        args = []
        self._stmt, self._region = s, region
        try:
            if isinstance(s.value, Call):
                args = [self.value(x, env) for x in s.value.args]
                if self.record and s.value.prim in DOMAIN_PRIMS:
                    self.domain.append(DomainUse(s.value.prim, s, region, args, list(s.value.args)))
                v = self.apply(s.value.prim, args)
            else:
                v = self.value(s.value, env)
        except TooComplex:
            v = self._opaque(f"{s.target}~{id(s)}", self._type(s.target), args)
        if id(s) in self.named and v.single is None and not v.is_const:
            self._count += 1
            v = of(Sym(f"{s.target}#{self._count}", self._type(s.target)))
        env[s.target] = v
        if not self.record or not isinstance(s.value, Call):
            return
        if s.site is not None:
            self.sites[s.site] = self._site(s, s.value.prim, args, v, region)

    def _site(self, s: Assign, prim: str, args: list[Poly], v: Poly, region: Region) -> SiteSym:
        info = SiteSym(s.site, prim, s, region, args, v)
        kink = RULES[prim].kink
        f = v.single
        if isinstance(f, Atom) and f.op == "not":
            f = f.args[0].single
        if kink.kind == "branch":
            if isinstance(f, Atom) and f.op in ("gt0", "eq0"):
                info.switch = f
                info.boundary = f.args[0]
        elif kink.kind == "jump" or prim == "copysign":
            if isinstance(f, Atom) and f.prim == prim:
                info.switch = f
                if prim == "sign":
                    info.boundary = args[0]
                elif prim == "copysign":
                    info.boundary = args[1]
        return info

    def branch(self, s: If, env: dict, region: Region):
        self._stmt, self._region = s, region
        t = self.value(s.test, env)
        env_b = self.block(s.body, dict(env), region)
        env_o = self.block(s.orelse, dict(env), region)
        for v in sorted(assigned_in(s.body + s.orelse)):
            undef = None
            a = env_b.get(v)
            b = env_o.get(v)
            if a is None or b is None:
                undef = env.get(v) or of(Sym(f"{v}?", self._type(v), opaque=True))
            a = a if a is not None else undef
            b = b if b is not None else undef
            try:
                env[v] = sel(t, a, b)
            except TooComplex:
                env[v] = self._opaque(f"{v}~{id(s)}", self._type(v), [t, a, b])

    def loop(self, s: For | While, env: dict, parent: Region, before: list[Stmt]):
        self._stmt, self._region = s, parent
        if isinstance(s, For):
            for b in (s.start, s.stop, s.step):
                self.value(b, env)
        k = len(self.regions)
        region = Region(k, "for" if isinstance(s, For) else "while", s, parent)
        self.regions.append(region)
        changed = assigned_in([s])
        head = dict(env)
        counter = isinstance(s, For) and _nonneg_range(s, env)
        for v in sorted(changed):
            is_var = isinstance(s, For) and v == s.var
            sym = Sym(f"{v}@{k}", "int" if is_var else self._type(v), nonneg=is_var and counter)
            head[v] = of(sym)
            region.head[v] = head[v]
            region.symbols[v] = sym
        end_env = self.block(s.body, dict(head), region)
        maps = self._elementwise(s, region, end_env, k) if isinstance(s, For) else {}
        live = self.live_at_end(s)
        region.end = {v: end_env[v] for v in sorted(live) if v in end_env}
        if isinstance(s, For) and self._is_elementwise(s, region, maps):
            self.elementwise.add(region.id)  # each iteration computes one element, nothing else
        if isinstance(s, While):
            self._while_condition(s, region, head, before)
        # after the loop: opaque values that may depend on whatever the loop read
        reads: set[str] = set()
        for t in walk([s]):
            reads |= reads_of(t)
        sources = [env[v] for v in sorted(reads) if v in env]
        for v in sorted(changed):
            env[v] = self._opaque(f"{v}@{k}'", self._type(v), sources)
            if v in maps:
                self.maps[env[v].single.key] = maps[v]

    def _is_elementwise(self, s: For, region: Region, maps: dict) -> bool:
        """Each live value is an element filled at the loop index or a sum
        ``acc + e(i)`` whose term does not read the loop's state."""
        if not region.end:
            return False
        state = {x.key for x in region.symbols.values()}
        i_key = region.symbols[s.var].key if s.var in region.symbols else None
        useful = False
        for v, p in region.end.items():
            head = region.head.get(v)
            if v in maps:
                useful = True
                continue
            if head is not None and p == head:
                continue
            if head is None:
                return False
            term = sub(p, head)
            if any(sym.key in state and sym.key != i_key for sym in symbols_in(term).values()):
                return False
            useful = True
        return useful

    def _elementwise(self, s: For, region: Region, end_env: dict, k: int) -> dict:
        """Arrays a ``for i in range(0, n)`` loop fills element by element,
        ``X[i] = e(i)`` with ``e`` free of the loop's state (whole-array NumPy
        lowers ``np.abs(r)`` so): X -> (i, e), so that a later ``X[j]`` reads
        ``e(j)`` instead of an unknown element."""
        if not (isinstance(s.start, Const) and s.start.value == 0 and isinstance(s.step, Const)
                and s.step.value == 1):
            return {}
        i_sym = region.symbols.get(s.var)
        out = {}
        for v, p in end_env.items():
            f = p.single
            head = region.head.get(v)
            if not (isinstance(f, Atom) and f.prim == "store" and len(f.args) == 3 and head is not None
                    and f.args[0] == head and f.args[1] == of(i_sym)):
                continue
            val = f.args[2]
            ok = True
            for name, sym in symbols_in(val).items():
                if sym == i_sym:
                    continue
                if name in {x.name for x in region.symbols.values()} or "~" in name or "?" in name:
                    ok = False
                    break
                m = re.search(r"@(\d+)'$", name)
                if sym.opaque and (m is None or int(m.group(1)) >= k):
                    ok = False
                    break
            if ok:
                out[v] = (i_sym, val)
        return out

    def live_at_end(self, s: For | While) -> set[str]:
        inside = {id(t) for t in walk([s])}
        outside: set[str] = set()
        for t in self._all:
            if id(t) not in inside:
                outside |= reads_of(t)
        outside |= reads_of(s)
        return assigned_in([s]) & (outside | upward_exposed(s.body))

    def _while_condition(self, s: While, region: Region, head: dict, before: list[Stmt]):
        """The loop test as a function of the head state: the statements that
        compute it are copied before the loop and at the end of its body."""
        if not isinstance(s.test, Var):
            return
        n = 0
        for k in range(1, min(len(before), len(s.body)) + 1):
            if [_shape(x) for x in s.body[-k:]] == [_shape(x) for x in before[-k:]]:
                n = k
        if n == 0:
            return
        cond_stmts = s.body[-n:]
        targets = assigned_in(cond_stmts)
        if s.test.name not in targets:
            return
        saved, self.record = self.record, False
        try:
            env = self.block(copy.deepcopy(cond_stmts), dict(head), region)
        finally:
            self.record = saved
        region.cond = env[s.test.name]
        region.cond_targets = targets
        for t in list(walk(cond_stmts)) + list(walk(before[-n:])):
            if isinstance(t, Assign) and t.site is not None:
                region.cond_sites.add(t.site)


def _compared_vars(fn: Function) -> set[int]:
    """The assignments (by id) that define an operand of a comparison or jump
    site in the same block, before it."""
    out: set[int] = set()

    def visit(block: list[Stmt]):
        for i, s in enumerate(block):
            if isinstance(s, If):
                visit(s.body)
                visit(s.orelse)
            elif isinstance(s, (For, While)):
                visit(s.body)
            elif isinstance(s, Assign) and s.site is not None and isinstance(s.value, Call):
                kind = RULES[s.value.prim].kink.kind
                if kind in ("branch", "jump") or s.value.prim == "copysign":
                    for a in s.value.args:
                        if not isinstance(a, Var):
                            continue
                        for t in reversed(block[:i]):
                            if isinstance(t, Assign) and t.target == a.name:
                                out.add(id(t))
                                break
                            if a.name in assigned_in([t]):
                                break

    visit(fn.body)
    return out


def _nonneg_range(s: For, env: dict) -> bool:
    """Does ``for i in range(start, stop, step)`` only give i >= 0?"""
    if not isinstance(s.step, Const):
        return False
    if s.step.value > 0:
        start = const(s.start.value) if isinstance(s.start, Const) else env.get(getattr(s.start, "name", ""))
        return start is not None and sign(start) in (POS, NONNEG)
    if isinstance(s.stop, Const):
        return s.stop.value >= -1
    return False


def execute(fn: Function, types: dict[str, str], varied: set[str], name_operands: bool = False) -> Executor:
    ex = Executor(fn, types, varied, name_operands)
    ex.run()
    for r in ex.regions:
        for idx in r.cond_sites:
            if idx in ex.sites:
                ex.sites[idx].while_region = r
    return ex


def _number_text(v: float) -> str:
    return f"{v:.6g}"


def factor_text(f) -> str:
    if isinstance(f, Sym):
        return base_name(f.name)
    args = [poly_text(a, 10_000) for a in f.args]
    if f.op == "inv":
        return f"1/({args[0]})"
    if f.op == "gt0":
        return f"({args[0]} > 0)"
    if f.op == "eq0":
        return f"({args[0]} == 0)"
    if f.op == "not":
        return f"not {args[0]}"
    if f.op in ("and", "or"):
        return "(" + f" {f.op} ".join(args) + ")"
    if f.op == "sel":
        return f"({args[1]} if {args[0]} else {args[2]})"
    if f.prim == "load":
        return f"{args[0]}[{', '.join(args[1:])}]"
    return f"{f.prim}({', '.join(args)})"


def poly_text(p: Poly, limit: int = 80) -> str:
    """A readable rendering of a (small) polynomial, for details."""
    parts = []
    for m, c in p.terms:
        mono = "*".join(factor_text(f) + (f"**{k}" if k > 1 else "") for f, k in m)
        if not mono:
            parts.append(_number_text(c))
        elif c == 1.0:
            parts.append(mono)
        elif c == -1.0:
            parts.append(f"-{mono}")
        else:
            parts.append(f"{_number_text(c)}*{mono}")
    text = " + ".join(parts).replace("+ -", "- ") or "0"
    return text if len(text) < limit else text[:limit - 3] + "..."
