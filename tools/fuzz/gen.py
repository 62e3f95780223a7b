"""A seeded generator of random programs over nsadc's documented subset.

``generate(seed)`` returns a :class:`Program`: the source of a module (a few
helper functions and a main function ``f``), the main function's parameters
and a few points to check it at.  The programs are written the way users
write them (docs/subset.md, docs/arrays.md, docs/vectorized.md):

* parameters: float scalars ``x, y``, 1-D float arrays ``a, b`` (length
  ``L``), a 2-D float array ``X`` (``R x L``), an int ``n`` (a loop count,
  at most ``N_MAX``) and an int index array ``idx`` (values in ``[0, L)``);
* helper functions (module level, called from ``f``, inlined by nsadc) with
  default arguments, keyword calls, early returns, parameters reassigned in a
  branch, array parameters, helpers returning tuples and helpers that fill an
  array argument (called as a statement);
* ``if / elif / else`` (also on constant tests such as ``if 3.0 > 1.5:``),
  ``for`` over ``range(...)`` (plain, shifted, reversed and step ranges, nested,
  with ``break`` / ``continue``), ``while`` loops with compound conditions
  (always bounded: the counter is incremented first and compared with a small
  bound), early returns, tuple swaps ``u, v = v, u``;
* arrays: copies of arguments updated in place (``z = a.copy(); z[i] = ...``),
  in-place clips of an argument (``a[i] = max(a[i], lo)``), fresh arrays
  (``np.zeros(len(a))``, ``np.zeros_like``, ``np.full``, ``np.zeros(n + 1)``),
  array temporaries inside nested loops (``d = X[i] - X[j]``, then
  ``np.dot(d, d)``), reads through an index array (``a[idx[i]]``), negative
  and shifted indices, whole-array expressions (``np.sum``, ``np.max``,
  ``X @ a``, ``np.maximum``, ``np.linalg.norm``, slices);
* loops over items, each iterating inside (a ``while`` to convergence, a
  ``for`` with a ``break``) from its own elements and the float arguments,
  into a sum or a result stored at the item's index, over a vector's
  elements or a matrix's (a nest);
* explicit time steps: a state and a work array the step fills (its
  interior, maybe its ends) and reads back, maybe after reading what the last
  step left in it, maybe then both taken from a helper's new arrays
  (``z, w = step(z, w, c)``) or the state rebound (``z = np.clip(...)``);
  a helper's row result stored into a row (``P[r, :] = row(X[r, :], c)``);
* Numba idioms: loops over elements (plain, ``enumerate``, ``zip``), the
  builtins ``sum`` / ``max`` of an array, ``a.dot(b)``, ``a.sum()``,
  ``a.mean()``, ``np.square``, ``np.var``, ``np.std``, a named ``np.diff``;
* scalar primitives: ``+ - * / ** %``, ``abs``, ``math.fabs``, ``max`` /
  ``min`` (2 or 3 arguments), ``np.maximum`` / ``np.minimum``, ``np.clip``,
  ``math.hypot``, (rarely) ``math.floor``, ``np.sign``, ``round``,
  ``math.copysign``, and the smooth ``sin cos tanh exp
  log1p sqrt atan2`` and NumPy twins; conditional expressions, chained
  comparisons, ``and / or / not``.

Values stay bounded: every expression carries an upper bound of its absolute
value, and whatever could exceed ``LIMIT`` is squashed with ``tanh``; inside
loops a variable is only updated by a contraction (``v = 0.5 * v + e``), a
``max``/``min`` with a smaller value, or an accumulation of a bounded term.
Divisions are by ``c + e * e`` or ``c + abs(e)`` with ``c >= 0.5``.  The
checker still discards a point whose value is not finite or is huge.

About one loop in a hundred counts down with ``reversed(range(...))``.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

LIMIT = 8.0
L = 5          # length of the 1-D array arguments
R = 4          # rows of X
N_MAX = 3      # largest value of the int argument n (so the largest trip count)
ACC = 2.0      # bound of one accumulated term

CONSTS = (0.5, 1.0, 1.5, 2.0, 0.3, 0.25, -0.7, -1.2, 0.1, 3.0, -0.4)


@dataclass
class Program:
    seed: int
    source: str
    params: list          # [(name, kind, shape)]: kind in float, int, vec, mat, ivec
    points: list          # [{name: value}] (JSON-able: lists for arrays)
    features: set = field(default_factory=set)

    def to_json(self) -> dict:
        return {"seed": self.seed, "source": self.source, "params": self.params, "points": self.points,
                "features": sorted(self.features)}

    @classmethod
    def from_json(cls, d: dict) -> "Program":
        return cls(d["seed"], d["source"], [tuple(p) if not isinstance(p, tuple) else p for p in d["params"]],
                   d["points"], set(d.get("features", ())))


def fmt(c: float) -> str:
    return repr(float(c))


# --------------------------------------------------------------------------- context

@dataclass
class Scope:
    scalars: dict              # float name -> bound (readable here)
    writable: set              # float names this block may assign (declared in an enclosing block)
    ints: dict                 # int name -> (lo, hi) of its value (loop variables, n, counters)
    arrays: dict               # name -> (rank, bound, writable, length-or-shape)
    loops: int = 0             # enclosing loops
    trips: int = 1             # product of the enclosing loops' largest trip counts
    in_while: bool = False
    depth: int = 0
    top: bool = True           # top level of the main function (allocations allowed)

    def vectors(self) -> list:
        """The 1-D arrays of the arguments' length (not the index array), in scope order."""
        return [n for n, (rank, _, _, shape) in self.arrays.items() if rank == 1 and n != "idx" and shape == (L,)]

    def child(self, **kw) -> "Scope":
        s = Scope(dict(self.scalars), set(self.writable), dict(self.ints), dict(self.arrays), self.loops,
                  self.trips, self.in_while, self.depth + 1, False)
        for k, v in kw.items():
            setattr(s, k, v)
        return s


class Gen:
    def __init__(self, seed: int):
        self.seed = seed
        self.r = random.Random(seed)
        self.counter = 0
        self.budget = self.r.randint(6, 14)
        self.helpers: list[str] = []
        self.helper_sigs: list = []       # (kind, name, info)
        self.features: set = set()
        self.array_args: set = set()
        # draws for constructs added later, so that each older seed keeps its program
        self.later = random.Random(seed * 104729 + 3)

    # ------------------------------------------------------------ utilities
    def p(self, prob: float) -> bool:
        return self.r.random() < prob

    def choice(self, xs):
        return self.r.choice(list(xs))

    def fresh(self, base: str) -> str:
        self.counter += 1
        return f"{base}{self.counter}"

    def squash(self, text: str, bound: float, limit: float = LIMIT):
        if bound <= limit:
            return text, bound
        self.features.add("squash")
        if limit >= 1.0 and limit != LIMIT:
            return f"{fmt(limit)} * math.tanh({text})", limit
        return f"math.tanh({text})", 1.0

    # ------------------------------------------------------------ leaves
    def int_expr(self, s: Scope):
        """An int expression usable as a float factor: (text, hi)."""
        name = self.choice(s.ints)
        return name, max(abs(s.ints[name][0]), abs(s.ints[name][1]))

    def index(self, s: Scope, length: int):
        """An index expression valid for an axis of ``length`` (nonnegative or
        a negative constant)."""
        opts = []
        for name, (lo, hi) in s.ints.items():
            if lo >= 0 and hi < length:
                opts.append(name)
            if lo >= 0 and hi + 1 < length:
                opts.append(f"{name} + 1")
            if lo >= 1 and hi - 1 < length:
                opts.append(f"{name} - 1")
            if lo >= 0 and hi < length and name == "n":
                opts.append(f"n - 1")  # n >= 1 at every point
        opts += ["0", "-1", "1"]
        if "idx" in s.arrays and s.arrays["idx"][0] == 1:
            iv = [nm for nm, (lo, hi) in s.ints.items() if lo >= 0 and hi < L]
            if iv and length == L:
                opts += [f"idx[{self.choice(iv)}]"] * 2
                self.features.add("index-array")
        return self.choice(opts)

    def element(self, s: Scope):
        floats = [(n, v) for n, v in s.arrays.items() if n != "idx"]
        if not floats:
            return None
        name, (rank, bound, _, shape) = self.choice(floats)
        if rank == 1:
            return f"{name}[{self.index(s, shape[0])}]", bound
        return f"{name}[{self.index(s, shape[0])}, {self.index(s, shape[1])}]", bound

    def leaf(self, s: Scope):
        k = self.r.random()
        if k < 0.15:
            c = self.choice(CONSTS)
            return fmt(c), abs(c)
        if k < 0.45 and s.scalars:
            name = self.choice(s.scalars)
            return name, s.scalars[name]
        if k < 0.8:
            e = self.element(s)
            if e:
                return e
        if k < 0.9 and s.ints:
            name, hi = self.int_expr(s)
            return f"(0.25 * {name})", 0.25 * hi
        if s.scalars:
            name = self.choice(s.scalars)
            return name, s.scalars[name]
        c = self.choice(CONSTS)
        return fmt(c), abs(c)

    # ------------------------------------------------------------ expressions
    def expr(self, s: Scope, depth: int, limit: float = LIMIT):
        text, bound = self._expr(s, depth)
        return self.squash(text, bound, limit)

    def _expr(self, s: Scope, depth: int):
        if depth <= 0 or self.p(0.25):
            return self.leaf(s)
        r = self.r
        kind = r.choices(
            ["bin", "div", "smooth", "abs", "maxmin", "npmaxmin", "clip", "hypot", "ifexp", "call", "mod",
             "pow", "vector", "floor"],
            [10, 2, 6, 3, 3, 2, 2, 1, 2, 3 if self.helper_sigs else 0, 1, 1, 2 if self.array_args else 0,
             0.5])[0]
        sub = lambda: self._expr(s, depth - 1)  # noqa: E731
        if kind == "bin":
            (a, ba), (b, bb) = sub(), sub()
            op = r.choice("+-*")
            if op == "*":
                return self.squash(f"({a} * {b})", ba * bb)
            return f"({a} {op} {b})", ba + bb
        if kind == "div":
            (a, ba), (b, bb) = sub(), sub()
            self.features.add("div")
            if self.p(0.5):
                c = r.choice((0.5, 1.0, 2.0))
                return f"({a} / ({fmt(c)} + {b} * {b}))", ba / c
            return f"({a} / (1.0 + abs({b})))", ba
        if kind == "smooth":
            a, ba = sub()
            fn = r.choice(["sin", "cos", "tanh", "exp", "log1p", "sqrt", "atan2", "npsin", "nptanh", "atan",
                           "expm1"])
            self.features.add(f"smooth:{fn}")
            if fn in ("sin", "cos", "tanh", "atan"):
                return f"math.{fn}({a})", min(ba, 1.0) if fn != "atan" else min(ba, 1.6)
            if fn == "npsin":
                return f"np.sin({a})", 1.0
            if fn == "nptanh":
                return f"np.tanh({a})", 1.0
            if fn in ("exp", "expm1"):
                if ba > 2.0:
                    a, ba = f"math.tanh({a})", 1.0
                return f"math.{fn}({a})", 2.718281828 ** ba
            if fn == "log1p":
                return f"math.log1p({a} * {a})", 1.0 + 2 * max(ba, 1.0) ** 0.5
            if fn == "sqrt":
                return f"math.sqrt(1.0 + {a} * {a})", 1.0 + ba
            b, bb = sub()
            return f"math.atan2({a}, 0.5 + {b} * {b})", 3.2
        if kind == "abs":
            a, ba = sub()
            fn = r.choice(["abs", "abs", "math.fabs", "np.abs"])
            self.features.add("nonsmooth:abs")
            return f"{fn}({a})", ba
        if kind == "maxmin":
            args = [sub() for _ in range(r.choice((2, 2, 3)))]
            fn = r.choice(["max", "min"])
            self.features.add(f"nonsmooth:{fn}")
            return f"{fn}({', '.join(t for t, _ in args)})", max(b for _, b in args)
        if kind == "npmaxmin":
            (a, ba), (b, bb) = sub(), sub()
            fn = r.choice(["np.maximum", "np.minimum"])
            self.features.add("nonsmooth:np.maximum")
            return f"{fn}({a}, {b})", max(ba, bb)
        if kind == "clip":
            a, ba = sub()
            lo = r.choice((-1.0, -0.5, 0.0, -2.0))
            hi = r.choice((0.5, 1.0, 2.0))
            self.features.add("nonsmooth:clip")
            return f"np.clip({a}, {fmt(lo)}, {fmt(hi)})", max(abs(lo), abs(hi))
        if kind == "hypot":
            (a, ba), (b, bb) = sub(), sub()
            self.features.add("nonsmooth:hypot")
            return f"math.hypot({a}, {b})", ba + bb
        if kind == "ifexp":
            (a, ba), (b, bb) = sub(), sub()
            c = self.cond(s, 1)
            self.features.add("ifexp")
            return f"({a} if {c} else {b})", max(ba, bb)
        if kind == "mod":
            a, ba = sub()
            m = r.choice((1.5, 2.0, 0.7))
            self.features.add("nonsmooth:mod")
            return f"({a} % {fmt(m)})", m
        if kind == "pow":
            a, ba = sub()
            if ba > 2.5:
                a, ba = f"math.tanh({a})", 1.0
            return f"({a} ** 2)", ba * ba
        if kind == "floor":
            a, ba = sub()
            fn = self.choice(["math.floor", "np.sign", "round", "math.copysign"])
            self.features.add(f"jump:{fn}")
            if fn == "math.copysign":
                b, _ = sub()
                return f"math.copysign({a}, {b})", ba
            return f"(0.1 * {fn}({a}))", 0.1 * (ba + 1)
        if kind == "call":
            return self.call_helper(s, depth)
        return self.vector_expr(s)

    def vector_expr(self, s: Scope):
        """A scalar-valued whole-array expression over the array arguments."""
        vecs = s.vectors()
        mats = [n for n, (rank, _, _, shape) in s.arrays.items() if rank == 2 and shape == (R, L)]
        if not vecs:
            e = self.element(s)
            return e if e else ("1.0", 1.0)
        v = self.choice(vecs)
        bv = s.arrays[v][1]
        w = self.choice(vecs)
        bw = s.arrays[w][1]
        self.features.add("vectorized")
        forms = ["sum", "dot", "max", "relu", "norm", "slice", "mean", "numba", "numba"]
        if mats:
            forms += ["matvec", "rowdot"]
        f = self.choice(forms)
        if f == "numba":  # the Numba idioms of docs/subset.md
            self.features.add("numba-idiom")
            g = self.choice(["builtin-sum", "builtin-max", "dot-method", "sum-method", "mean-method", "square",
                             "var", "std", "row-dot"] if mats else
                            ["builtin-sum", "builtin-max", "dot-method", "sum-method", "mean-method", "square",
                             "var", "std"])
            self.features.add(f"numba-idiom:{g}")
            if g == "builtin-sum":
                return f"(0.2 * sum({v}))", bv
            if g == "builtin-max":
                return f"max({v})", bv
            if g == "dot-method":
                return self.squash(f"(0.2 * {v}.dot({w}))", bv * bw)
            if g == "sum-method":
                return f"(0.2 * {v}.sum())", bv
            if g == "mean-method":
                return f"{v}.mean()", bv
            if g == "square":
                return self.squash(f"(0.1 * np.sum(np.square({v} - {w})))", 0.5 * (bv + bw) ** 2)
            if g == "var":
                return self.squash(f"np.var({v})", bv * bv)
            if g == "std":
                return f"np.std({v})", bv
            m = self.choice(mats)
            return self.squash(f"(0.2 * {m}[{self.index(s, R)}].dot({v}))", bv * s.arrays[m][1])
        if f == "sum":
            return f"(0.2 * np.sum({v}))", bv
        if f == "mean":
            return f"np.mean(np.abs({v}))", bv
        if f == "dot":
            return self.squash(f"(0.2 * np.dot({v}, {w}))", bv * bw)
        if f == "max":
            return f"np.max({v})", bv
        if f == "relu":
            c = self.choice((0.0, 0.5, -0.3))
            return f"(0.2 * np.sum(np.maximum({v} - {fmt(c)}, 0.0)))", bv + abs(c)
        if f == "norm":
            return f"(0.3 * np.linalg.norm({v}))", bv * 0.7
        if f == "slice":
            return f"(0.25 * np.sum({v}[1:] - {v}[:-1]))", 2 * bv
        m = self.choice(mats)
        if f == "matvec":
            return self.squash(f"(0.05 * np.sum(np.abs({m} @ {v})))", 0.05 * R * L * bv * s.arrays[m][1])
        i = self.index(s, R)
        return self.squash(f"(0.2 * np.dot({m}[{i}], {v}))", bv * s.arrays[m][1])

    def cond(self, s: Scope, depth: int) -> str:
        k = self.r.random()
        if depth > 0 and k < 0.15:
            op = self.choice(["and", "or"])
            return f"({self.cond(s, depth - 1)} {op} {self.cond(s, depth - 1)})"
        if depth > 0 and k < 0.2:
            return f"not ({self.cond(s, depth - 1)})"
        if k < 0.25:
            self.features.add("constant-test")
            return self.choice(["3.0 > 1.5", "1.0 > 2.0", "0.5 <= 0.5", "2 == 2"])
        if k < 0.3 and s.ints:
            name = self.choice(s.ints)
            self.features.add("int-test")
            return self.choice([f"{name} % 2 == 0", f"{name} == 1", f"{name} > 0"])
        if k < 0.37:
            a, _ = self._expr(s, 1)
            return f"{fmt(self.choice((-1.0, -0.5, 0.0)))} < {a} <= {fmt(self.choice((0.5, 1.0)))}"
        a, _ = self._expr(s, 1)
        b, _ = self._expr(s, 1) if self.p(0.6) else (fmt(self.choice(CONSTS)), 0)
        return f"{a} {self.choice(['<', '<=', '>', '>='])} {b}"

    # ------------------------------------------------------------ helpers
    def make_helpers(self):
        for _ in range(self.r.choice((0, 1, 1, 2, 2, 3))):
            kind = self.r.choices(["scalar", "scalar_reassign", "tuple", "array", "fill"], [4, 2, 1, 2, 1])[0]
            if kind == "array" and not self.array_args:
                kind = "scalar"
            if kind == "fill" and not self.array_args:
                kind = "scalar"
            getattr(self, f"helper_{kind}")()

    def _hscope(self, names):
        return Scope({n: 2.0 for n in names}, set(names), {}, {}, depth=1, top=False)

    def helper_scalar(self):
        name = self.fresh("h")
        c = self.choice((0.5, 0.3, 1.0, -0.2))
        s = self._hscope(["u", "v"])
        s.scalars["c"] = abs(c)
        lines = [f"def {name}(u, v, c={fmt(c)}):"]
        cond = self.cond(s, 1)
        e1, _ = self.expr(s, 2, 2.0)
        lines += [f"    if {cond}:", f"        return {e1}"]
        if self.p(0.5):
            cond2 = self.cond(s, 0)
            e2, _ = self.expr(s, 2, 2.0)
            lines += [f"    elif {cond2}:", f"        return {e2}"]
        e3, _ = self.expr(s, 2, 2.0)
        lines += [f"    return {e3}"]
        self.helpers.append("\n".join(lines))
        self.helper_sigs.append(("scalar", name, 2))
        self.features.add("helper:early-return")

    def helper_scalar_reassign(self):
        name = self.fresh("h")
        s = self._hscope(["u", "t"])
        e1, _ = self.expr(s, 2, 2.0)
        e2, _ = self.expr(s, 1, 2.0)
        lines = [f"def {name}(u, t=0.0):",
                 f"    if u > t:",
                 f"        u = {e1}",
                 ]
        if self.p(0.5):
            lines += ["    else:", f"        t = {e2}"]
        e3, _ = self.expr(s, 2, 2.0)
        lines += [f"    return {e3}"]
        self.helpers.append("\n".join(lines))
        self.helper_sigs.append(("reassign", name, 1))
        self.features.add("helper:reassign-param")

    def helper_tuple(self):
        name = self.fresh("h")
        s = self._hscope(["u", "v"])
        e1, _ = self.expr(s, 2, 2.0)
        e2, _ = self.expr(s, 2, 2.0)
        lines = [f"def {name}(u, v):", f"    p = {e1}", f"    q = {e2}", "    if p < q:", "        return q, p",
                 "    return p, q"]
        self.helpers.append("\n".join(lines))
        self.helper_sigs.append(("tuple", name, 2))
        self.features.add("helper:tuple")

    def helper_array(self):
        name = self.fresh("h")
        w = self.choice((1.0, 0.5))
        form = self.r.randint(0, 2)
        if form == 0:
            body = ["    t = 0.0", "    for j in range(v.shape[0]):", "        t += w * max(v[j], c)",
                    "    return math.tanh(0.2 * t)"]
            lines = [f"def {name}(v, c, w={fmt(w)}):"] + body
            self.helper_sigs.append(("arr_scalar", name, 1))
        elif form == 1:
            body = ["    t = 0.0", "    for j in range(k):", "        if v[j] > c:", "            break",
                    "        t += abs(v[j] - c)", "    return t / (1.0 + t)"]
            lines = [f"def {name}(v, k, c=0.0):"] + body
            self.helper_sigs.append(("arr_k", name, 1))
        else:
            body = ["    t = 0.0", "    for j in range(v.shape[0]):", "        t += M[r, j] * v[j]",
                    "    return w * math.tanh(t)"]
            lines = [f"def {name}(M, v, r, w={fmt(w)}):"] + body
            self.helper_sigs.append(("arr_row", name, 1))
        self.helpers.append("\n".join(lines))
        self.features.add("helper:array")

    def helper_fill(self):
        name = self.fresh("fill")
        lines = [f"def {name}(z, t):", "    for j in range(z.shape[0]):",
                 "        z[j] = 0.5 * z[j] + 0.5 * math.tanh(t * z[j])"]
        if self.p(0.5):
            lines = [f"def {name}(z, t):", "    if t > 1.5:", "        return", "    for j in range(z.shape[0]):",
                     "        z[j] = 0.5 * z[j] + 0.5 * math.tanh(t * z[j])"]
        self.helpers.append("\n".join(lines))
        self.helper_sigs.append(("fill", name, 0))
        self.features.add("helper:fill")

    def call_helper(self, s: Scope, depth: int):
        sigs = [h for h in self.helper_sigs if h[0] in ("scalar", "reassign", "arr_scalar", "arr_k", "arr_row")]
        if not sigs:
            return self.leaf(s)
        kind, name, _ = self.choice(sigs)
        if kind in ("scalar", "reassign") and self.p(0.2):
            # constant arguments: nsadc may decide the helper's tests before differentiating
            self.features.add("call:constant-arguments")
            c1, c2 = self.choice(CONSTS), self.choice(CONSTS)
            return (f"{name}({fmt(c1)}, {fmt(c2)})" if kind == "scalar" else f"{name}({fmt(c1)})"), 2.0
        a, _ = self.expr(s, depth - 1, 2.0)
        if kind == "scalar":
            b, _ = self.expr(s, depth - 1, 2.0)
            form = self.r.randint(0, 3)
            self.features.add("call:keyword" if form else "call:default")
            if form == 0:
                return f"{name}({a}, {b})", 2.0
            if form == 1:
                return f"{name}({a}, {b}, c={fmt(self.choice(CONSTS))})", 2.0
            if form == 2:
                return f"{name}(v={b}, u={a})", 2.0
            return f"{name}({a}, {b}, {fmt(self.choice(CONSTS))})", 2.0
        if kind == "reassign":
            if self.p(0.5):
                return f"{name}({a})", 2.0
            return f"{name}({a}, t={fmt(self.choice((0.0, 0.5, -0.5)))})", 2.0
        vecs = s.vectors()
        mats = [n for n, (rank, _, _, shape) in s.arrays.items() if rank == 2 and shape == (R, L)]
        if not vecs or (kind == "arr_row" and not mats):
            return self.leaf(s)
        v = self.choice(vecs)
        if kind == "arr_scalar":
            return (f"{name}({v}, {a})" if self.p(0.5) else f"{name}({v}, {a}, w=0.25)"), 1.0
        if kind == "arr_k":
            ks = [nm for nm, (lo, hi) in s.ints.items() if lo >= 0 and hi <= L]
            k = self.choice(ks) if ks else "2"
            return f"{name}({v}, {k}, c={a})", 1.0
        return f"{name}({self.choice(mats)}, {v}, {self.index(s, R)})", 1.0

    # ------------------------------------------------------------ statements
    def block(self, s: Scope, n: int, out: list, ind: str):
        for k in range(n):
            if k and self.budget <= 0:
                break
            self.stmt(s, out, ind)

    def stmt(self, s: Scope, out: list, ind: str):
        self.budget -= 1
        w = {"assign": 6, "aug": 3}
        deep_ok = self.budget > 0
        if deep_ok and s.depth < 3:
            w["if"] = 3
        if deep_ok and s.loops < 2:
            w["for"] = 4
            w["while"] = 1.5
        if s.loops:
            w["break"] = 0.7
            if not s.in_while:
                w["continue"] = 0.7
            w["store"] = 3 if any(v[2] for v in s.arrays.values()) else 0
            w["clip_arg"] = 0.4 if self.array_args else 0
        if s.loops >= 1 and "X" in s.arrays and s.trips > 1:
            w["pairtemp"] = 3
        w["return"] = 0.8
        if len(s.writable) >= 2:
            w["swap"] = 1
        if s.top:
            w["alloc"] = 2 if self.array_args else 0
            w["clip_loop"] = 0.7 if any(s.arrays[a][0] == 1 for a in self.array_args) else 0
            w["fill"] = 1 if any(h[0] == "fill" for h in self.helper_sigs) else 0
            w["tuple"] = 1 if any(h[0] == "tuple" for h in self.helper_sigs) else 0
            w["time_steps"] = 1.5 if self.array_args else 0
        kind = self.r.choices(list(w), list(w.values()))[0]
        getattr(self, f"s_{kind}")(s, out, ind)

    def s_assign(self, s, out, ind):
        targets = sorted(s.writable)
        if targets and (s.loops or self.p(0.4)):
            v = self.choice(targets)
            bv = max(s.scalars[v], 1.0)
            if s.loops:  # keep the loop invariant |v| <= bv
                form = self.choice(["recur", "maxmin", "tanh", "plain"])
                if form == "recur":
                    e, _ = self.expr(s, 2, bv / 2)
                    out.append(f"{ind}{v} = 0.5 * {v} + {e}")
                elif form == "maxmin":
                    e, _ = self.expr(s, 2, bv)
                    out.append(f"{ind}{v} = {self.choice(['max', 'min'])}({v}, {e})")
                elif form == "tanh":
                    e, _ = self.expr(s, 2)
                    out.append(f"{ind}{v} = {fmt(bv)} * math.tanh({e})")
                else:
                    e, _ = self.expr(s, 3, bv)
                    out.append(f"{ind}{v} = {e}")
                s.scalars[v] = bv
                return
            e, b = self.expr(s, 3)
            out.append(f"{ind}{v} = {e}")
            s.scalars[v] = b
            return
        v = self.fresh("v")
        e, b = self.expr(s, 3)
        out.append(f"{ind}{v} = {e}")
        s.scalars[v] = b
        s.writable.add(v)

    def s_aug(self, s, out, ind):
        targets = sorted(s.writable)
        if not targets:
            return self.s_assign(s, out, ind)
        v = self.choice(targets)
        e, b = self.expr(s, 2, ACC)
        op = self.choice(["+=", "-=", "+=", "*="])
        if op == "*=":
            out.append(f"{ind}{v} *= {self.choice(('0.5', '0.9', '-0.8'))}")
            return
        grown = s.scalars[v] + s.trips * b
        if grown > 4 * LIMIT:
            out.append(f"{ind}{v} = math.tanh({v} {op[0]} {e})")
            s.scalars[v] = max(s.scalars[v], 1.0) if s.loops else 1.0
            return
        out.append(f"{ind}{v} {op} {e}")
        s.scalars[v] = grown
        self.features.add("augassign")

    def s_swap(self, s, out, ind):
        u, v = self.r.sample(sorted(s.writable), 2)
        out.append(f"{ind}{u}, {v} = {v}, {u}")
        b = max(s.scalars[u], s.scalars[v])
        s.scalars[u] = s.scalars[v] = b
        self.features.add("tuple-swap")

    def s_tuple(self, s, out, ind):
        name = self.choice([h[1] for h in self.helper_sigs if h[0] == "tuple"])
        a, _ = self.expr(s, 2, 2.0)
        b, _ = self.expr(s, 2, 2.0)
        p, q = self.fresh("p"), self.fresh("q")
        out.append(f"{ind}{p}, {q} = {name}({a}, {b})")
        for v in (p, q):
            s.scalars[v] = 4.0
            s.writable.add(v)
        self.features.add("tuple-unpack")

    def s_if(self, s, out, ind):
        out.append(f"{ind}if {self.cond(s, 1)}:")
        scopes = []
        c = s.child()
        self.block(c, self.r.randint(1, 2), out, ind + "    ")
        scopes.append(c)
        for _ in range(self.r.choice((0, 0, 1, 2))):
            out.append(f"{ind}elif {self.cond(s, 1)}:")
            c = s.child()
            self.block(c, self.r.randint(1, 2), out, ind + "    ")
            scopes.append(c)
        if self.p(0.5):
            out.append(f"{ind}else:")
            c = s.child()
            self.block(c, self.r.randint(1, 2), out, ind + "    ")
            scopes.append(c)
        for v in s.writable:
            s.scalars[v] = max([s.scalars[v]] + [c.scalars[v] for c in scopes])
        for nm in s.arrays:
            rank, bound, wr, shape = s.arrays[nm]
            s.arrays[nm] = (rank, max([bound] + [c.arrays[nm][1] for c in scopes]), wr, shape)
        self.features.add("if")

    def _loop_scope(self, s, var, lo, hi, trips, in_while=False):
        c = s.child(loops=s.loops + 1, trips=s.trips * max(trips, 1), in_while=in_while)
        c.ints[var] = (lo, hi)
        return c

    def _after_loop(self, s, c):
        for v in s.writable:
            s.scalars[v] = max(s.scalars[v], c.scalars[v])
        for nm in s.arrays:
            rank, bound, wr, shape = s.arrays[nm]
            s.arrays[nm] = (rank, max(bound, c.arrays[nm][1]), wr, shape)

    def s_for(self, s, out, ind):
        if s.top:  # a loop of a shape of its own, each in turn with its chance
            for chance, shape in ((0.2, self.s_item_loop), (0.1, self.s_table), (0.08, self.s_steps),
                                  (0.08, self.s_grid_sweep), (0.06, self.s_nested_search),
                                  (0.06, self.s_counters), (0.06, self.s_rebuilt_state),
                                  (0.05, self.s_pair_forces)):
                if self.later.random() < chance:
                    return shape(s, out, ind)
        var = self.fresh("i")
        outer = [nm for nm, (lo, hi) in s.ints.items() if nm != "n" and lo >= 0 and hi <= N_MAX]
        forms = [("range(n)", 0, N_MAX - 1, N_MAX), ("range(1, n + 1)", 1, N_MAX, N_MAX),
                 ("range(n - 1, -1, -1)", 0, N_MAX - 1, N_MAX), ("range(0, n, 2)", 0, N_MAX - 1, 2),
                 ("range(3)", 0, 2, 3), ("range(R - 1, 0, -1)".replace("R", str(R)), 1, R - 1, R - 1),
                 ("range(len(a))" if "a" in s.arrays else "range(2)", 0, L - 1 if "a" in s.arrays else 1, L)]
        if outer:
            o = self.choice(outer)
            hi_o = s.ints[o][1]
            forms.append((f"range({o})", 0, max(hi_o - 1, 0), max(hi_o, 1)))
            forms.append((f"range({o} + 1, n)", 1, N_MAX - 1, N_MAX))
        text, lo, hi, trips = self.choice(forms)
        vecs = sorted(s.vectors())
        if vecs and self.p(0.15):
            return self.s_for_elements(s, out, ind, vecs)
        if self.p(0.01):
            text = f"reversed({text})"
            self.features.add("reversed-range")
        out.append(f"{ind}for {var} in {text}:")
        c = self._loop_scope(s, var, lo, hi, trips)
        if c.loops == 2:
            self.features.add("nested-loop")
        acc = None
        if self.p(0.4) and s.loops == 0:
            acc = self.fresh("s")
            out.insert(len(out) - 1, f"{ind}{acc} = 0.0")
            s.scalars[acc] = 0.0
            s.writable.add(acc)
            c.scalars[acc] = 0.0
            c.writable.add(acc)
        self.block(c, self.r.randint(1, 3), out, ind + "    ")
        if acc:
            e, b = self.expr(c, 2, ACC)
            out.append(f"{ind}    {acc} += {e}")
            c.scalars[acc] = c.scalars[acc] + trips * b
        self._after_loop(s, c)
        self.features.add("for")

    def s_item_loop(self, s, out, ind):
        """A loop over items, each solving something of its own by iteration
        (a loop inside, ``while`` or ``for`` with a ``break``) from its own
        elements and the float arguments, then adding to a sum or storing its
        result at the item's index: the shape iteration tangents take, with
        look-alikes (an element the inner loop moves over, a value carried
        from the last item) now and then."""
        g = self.later
        vecs = sorted(s.vectors())
        grid = "X" in s.arrays and (not vecs or g.random() < 0.25)
        if not vecs and not grid:
            return self.s_assign(s, out, ind)
        i, u, t, k = self.fresh("i"), self.fresh("u"), self.fresh("t"), self.fresh("k")
        store = g.random() < 0.4
        sink = self.fresh("roots") if store else self.fresh("s")
        carried = g.random() < 0.1
        if store:
            out.append(f"{ind}{sink} = np.zeros({(R, L) if grid else L})")
        else:
            out.append(f"{ind}{sink} = 0.0")
        if carried:
            out.append(f"{ind}{t} = 0.0")
        if grid:
            r = self.fresh("r")
            out += [f"{ind}for {r} in range({R}):", f"{ind}    for {i} in range({L}):"]
            body, at, element = ind + "        ", f"{r}, {i}", f"X[{r}, {i}]"
        else:
            v = g.choice(vecs)
            out.append(f"{ind}for {i} in range({L}):")
            body, at, element = ind + "    ", i, f"{v}[{i}]"
        c = Scope({u: 2.0, t: 2.0, **{p: b for p, b in s.scalars.items() if p in ("x", "y")}}, {t},
                  {i: (0, L - 1), "n": s.ints["n"]}, dict(s.arrays) if g.random() < 0.3 else {},
                  loops=2, trips=L * 6, depth=2, top=False)
        out.append(f"{body}{u} = {element}")
        first = c.child(scalars={n: b for n, b in c.scalars.items() if n != t})
        start, _ = self.expr(first, 1, 2.0)
        out.append(f"{body}{t} = {'0.5 * ' + t + ' + 0.25 * ' if carried else ''}math.tanh({start})")
        e, _ = self.expr(c, 2, 1.0)
        e = f"0.5 * {u} + {e}"  # (each item solves its own problem)
        update = g.choice((f"0.5 * {t} + 0.5 * math.tanh({e})",
                           f"min(max(0.6 * {t} + 0.2 * ({e}), -2.0), 2.0)",
                           f"{t} - ({t} * {t} * {t} + {t} - 0.5 * math.tanh({e})) / (3.0 * {t} * {t} + 1.0)"))
        if g.random() < 0.6:
            prev = self.fresh("prev")
            out += [f"{body}{prev} = {t} + 1.0", f"{body}{k} = 0",
                    f"{body}while {k} < {g.choice((4, 6, 'n + 2'))} and abs({t} - {prev}) > 1e-12:",
                    f"{body}    {prev} = {t}", f"{body}    {t} = {update}", f"{body}    {k} += 1"]
            self.features.add("item-loop:while")
        else:
            out += [f"{body}for {k} in range({g.choice((3, 5))}):", f"{body}    {t} = {update}",
                    f"{body}    if abs({t}) > {g.choice((1.2, 1.8))}:", f"{body}        break"]
            self.features.add("item-loop:for-break")
        if store:
            out.append(f"{body}{sink}[{at}] = {t}")
            s.arrays[sink] = (2 if grid else 1, 2.0, True, (R, L) if grid else (L,))
            self.features.add("item-loop:store")
        else:
            term, b = self.expr(c, 2, ACC - 1.0)
            out.append(f"{body}{sink} += {t} * {u} * 0.25 + {term}")
            s.scalars[sink] = (R if grid else 1) * L * (b + 1.0)
            s.writable.add(sink)
            self.features.add("item-loop:sum")
        if grid:
            self.features.add("item-loop:nest")

    def s_table(self, s, out, ind):
        """A table filled row by row from the rows before, as dynamic
        programmes, trellises and steppers that keep their history do: each
        cell a min or max over two or three earlier cells plus a cost from the
        elements, its first row constants or an argument, its rows from 1 or
        from 0 (then ``D[i - 1]`` at ``i = 0`` reads the last row, which a
        later row overwrites); read back at the last row, a middle cell, or
        summed."""
        g = self.later
        vecs = sorted(s.vectors())
        if not vecs:
            return self.s_assign(s, out, ind)
        u, w = g.choice(vecs), g.choice(vecs)
        D, i, j, acc = self.fresh("D"), self.fresh("i"), self.fresh("j"), self.fresh("s")
        rows = g.choice((3, L))
        first = g.choice(("zeros", "inf", "arg"))
        out.append(f"{ind}{D} = np.zeros(({rows}, {L}))")
        if first != "zeros":
            out += [f"{ind}for {j} in range({L}):",
                    f"{ind}    {D}[0, {j}] = {'2.0' if first == 'inf' else u + '[' + j + ']'}"]
        wrapped = g.random() < 0.15
        ext = g.choice(("min", "max"))
        preds = [f"{D}[{i} - 1, {j}]"]
        cols = g.choice(("all", "from1"))
        if cols == "from1":
            preds += g.sample([f"{D}[{i}, {j} - 1]", f"{D}[{i} - 1, {j} - 1]"], g.choice((1, 2)))
        cost = g.choice((f"abs({u}[{i} % {L}] - {w}[{j}])", f"0.5 * ({u}[{j}] - {w}[{i} % {L}]) ** 2",
                         f"math.tanh({u}[{j}] * {w}[{i} % {L}])"))
        out.append(f"{ind}for {i} in range({0 if wrapped else 1}, {rows}):")
        out.append(f"{ind}    for {j} in range({1 if cols == 'from1' else 0}, {L}):")
        out.append(f"{ind}        {D}[{i}, {j}] = min(max(0.9 * {ext}({', '.join(preds)}) + {cost}, -2.0), 2.0)"
                   if len(preds) > 1 else
                   f"{ind}        {D}[{i}, {j}] = min(max(0.9 * {preds[0]} + {cost}, -2.0), 2.0)")
        read = g.choice(("corner", "middle", "sum"))
        if read == "sum":
            out += [f"{ind}{acc} = 0.0", f"{ind}for {j} in range({L}):", f"{ind}    {acc} += {D}[{rows - 1}, {j}]"]
        else:
            at = f"{rows - 1}, {L - 1}" if read == "corner" else f"{rows // 2}, {L // 2}"
            out.append(f"{ind}{acc} = {D}[{at}]")
        s.scalars[acc] = 2.0 * L
        s.writable.add(acc)
        s.arrays[D] = (2, 2.0, True, (rows, L))
        self.features.add("table" + (":wrapped" if wrapped else ""))

    def s_steps(self, s, out, ind):
        """A time-stepping loop as recurrent networks, Jacobi sweeps and
        explicit integrators write it: each step sums a matrix row times the
        state per row (an inner loop over the state's length), applies a kink
        or a smooth activation, then copies the new state over the old and
        may add to a running loss; read back as a sum of the state."""
        g = self.later
        vecs = sorted(s.vectors())
        if not vecs:
            return self.s_assign(s, out, ind)
        u, w = g.choice(vecs), g.choice(vecs)
        M, st, nw, t, k, j = (self.fresh(x) for x in ("M", "st", "nw", "t", "k", "j"))
        z, acc = self.fresh("z"), self.fresh("s")
        out += [f"{ind}{M} = np.zeros(({L}, {L}))",
                f"{ind}for {k} in range({L}):",
                f"{ind}    for {j} in range({L}):",
                f"{ind}        {M}[{k}, {j}] = 0.4 * math.tanh({u}[{k}] - 0.5 * {w}[{j}])",
                f"{ind}{st} = np.zeros(len({u}))"]
        if g.random() < 0.5:
            out += [f"{ind}for {k} in range(len({u})):", f"{ind}    {st}[{k}] = {w}[{k}]"]
        out += [f"{ind}{nw} = np.zeros(len({u}))", f"{ind}{acc} = 0.0"]
        act = g.choice(("max({z}, 0.2 * {z})", "math.tanh({z})", "abs({z})", "min(max({z}, -1.0), 1.0)"))
        start = g.choice(("0.0", f"{u}[{k}]", f"0.1 * {t}"))
        steps = g.choice((2, 3, 4))
        out += [f"{ind}for {t} in range({steps}):",
                f"{ind}    for {k} in range(len({u})):",
                f"{ind}        {z} = {start}",
                f"{ind}        for {j} in range(len({u})):",
                f"{ind}            {z} += {M}[{k}, {j}] * {st}[{j}]",
                f"{ind}        {nw}[{k}] = {act.format(z=z)}",
                f"{ind}    for {k} in range(len({u})):",
                f"{ind}        {st}[{k}] = {nw}[{k}]"]
        if g.random() < 0.5:
            out.append(f"{ind}        {acc} += {w}[{k}] * {st}[{k}]")
        out += [f"{ind}for {k} in range(len({u})):", f"{ind}    {acc} += {st}[{k}]"]
        s.scalars[acc] = 4.0 * L * L
        s.writable.add(acc)
        s.arrays[M] = (2, 0.4, True, (L, L))
        self.features.add("steps")

    def s_grid_sweep(self, s, out, ind):
        """A grid updated in place row by row (or column by column), each cell
        from a cell of another row at a constant offset, ahead of the sweep or
        behind it, counting up or down, some steps of it in a time loop, the
        cell perhaps read back after its store: Gauss-Seidel relaxations,
        in-place smoothers and wavefront updates written out.  Read back as a
        sum of a row and a corner."""
        g = self.later
        vecs = sorted(s.vectors())
        if not vecs:
            return self.s_assign(s, out, ind)
        u, w = g.choice(vecs), g.choice(vecs)
        G, a, b, t, acc = (self.fresh(x) for x in ("G", "a", "b", "t", "s"))
        rows = g.choice((3, 4))
        out += [f"{ind}{G} = np.zeros(({rows}, {L}))",
                f"{ind}for {a} in range({rows}):",
                f"{ind}    for {b} in range({L}):",
                f"{ind}        {G}[{a}, {b}] = 0.5 * math.tanh({u}[{b}] + 0.3 * {a} * {w}[{b}])",
                f"{ind}{acc} = 0.0"]
        by_cols = g.random() < 0.3
        outer, inner = (L, rows) if by_cols else (rows, L)
        off = g.choice((1, -1, 2, -2) if outer > 3 else (1, -1))
        lo, hi = max(0, -off), outer - max(0, off)
        rng = f"range({hi - 1}, {lo - 1}, -1)" if g.random() < 0.3 else f"range({lo}, {hi})"
        cell, other = (f"{G}[{b}, {a}]", f"{G}[{b}, {a} + {off}]") if by_cols else \
            (f"{G}[{a}, {b}]", f"{G}[{a} + {off}, {b}]")
        expr = g.choice((f"0.7 * {other} + 0.3 * {cell}", f"0.6 * max({other}, {cell})",
                         f"math.tanh({other}) - 0.2 * abs({cell})", f"{other} * {other} - 0.5 * {cell}",
                         f"0.8 * {other} + 0.1", f"max({other}, 0.2) ** 2",  # (these two: not the cell)
                         f"{cell} + 0.3 * {other} * abs({other})"))  # (the cell once, with a constant factor)
        steps = g.choice((1, 2, 3))
        body = ind + ("    " if steps > 1 else "")
        if steps > 1:
            out.append(f"{ind}for {t} in range({steps}):")
        out += [f"{body}for {a} in {rng}:", f"{body}    for {b} in range({inner}):"]
        if g.random() < 0.3:
            out.append(f"{body}        {cell} += 0.5 * min(max({expr}, -1.0), 1.0)")
        else:
            out.append(f"{body}        {cell} = min(max({expr}, -2.0), 2.0)")
        if g.random() < 0.4:  # the cell (or the one it read) read back after the store
            out.append(f"{body}        {acc} += 0.1 * {g.choice((cell, other))} * {cell}")
        out += [f"{ind}for {b} in range({L}):", f"{ind}    {acc} += {G}[0, {b}]",
                f"{ind}{acc} += {G}[{rows - 1}, {L - 1}]"]
        s.scalars[acc] = 4.0 * L * steps + 2.0 * L + 2.0
        s.writable.add(acc)
        s.arrays[G] = (2, 4.0, True, (rows, L))
        self.features.add("grid_sweep" + (":ahead" if off > 0 else ":behind"))

    def s_nested_search(self, s, out, ind):
        """Passes of a search that updates an array in place: in each pass,
        each element looks along the others (or waits in a ``while``) and is
        cut or scaled at the first that passes a test, then stops (``break``
        after the store, ``break`` before it, a flag that ends the pass):
        three loops deep, the innermost one stopping early."""
        g = self.later
        vecs = sorted(s.vectors())
        if not vecs:
            return self.s_assign(s, out, ind)
        u0 = g.choice(vecs)
        u, k, i, j, acc, done = (self.fresh(x) for x in ("u", "k", "i", "j", "s", "done"))
        passes, rows = g.choice((2, 3)), g.choice((1, 2, L))
        out += [f"{ind}{u} = np.clip({u0}, -1.5, 1.5)", f"{ind}{acc} = 0.0",
                f"{ind}for {k} in range({passes}):"]
        form = g.choice(("after", "before", "flag", "while"))
        update = g.choice((f"{u}[{i}] - 0.5 * {u}[{j}]", f"{u}[{i}] * min(max({u}[{j}], -1.0), 1.0)",
                           f"0.9 * {u}[{i}] + 0.05 * abs({u}[{j}])"))
        test = g.choice((f"{u}[{i}] + {u}[{j}] > 0.4", f"{u}[{j}] > 0.3", f"abs({u}[{j}]) > 0.6"))
        b = ind + "    "
        if form == "flag":
            out.append(f"{b}{done} = False")
        out.append(f"{b}for {i} in range({rows}):")
        if form == "while":
            out += [f"{b}    {j} = 0",
                    f"{b}    while {u}[{i}] > 0.3 and {j} < 3:",
                    f"{b}        {u}[{i}] = 0.6 * {u}[{i}]",
                    f"{b}        {j} += 1"]
        else:
            out.append(f"{b}    for {j} in range({g.choice(('0', i + ' + 1'))}, {L}):")
            if form == "before":
                out += [f"{b}        if {test}:", f"{b}            break",
                        f"{b}        {u}[{i}] = {update}"]
            else:
                out += [f"{b}        if {test}:", f"{b}            {u}[{i}] = {update}"]
                if form == "flag":
                    out.append(f"{b}            {done} = True")
                out.append(f"{b}            break")
            if form == "flag":
                out += [f"{b}    if {done}:", f"{b}        break"]
        if g.random() < 0.5:
            out.append(f"{b}{acc} += {u}[0]")
        out += [f"{ind}for {j} in range({L}):", f"{ind}    {acc} += 0.3 * {u}[{j}] * {u}[{j}]"]
        s.scalars[acc] = 2.0 * passes + 0.3 * 2.25 * L
        s.writable.add(acc)
        s.arrays[u] = (1, 1.5, True, (L,))
        self.features.add("nested_search:" + form)

    def s_counters(self, s, out, ind):
        """A `while` loop stepping several counters together, as two-pointer
        scans, ring buffers and merges write it: two positions meeting in
        the middle, a write position running against the read one (into a
        buffer each pass updates in place), or a weight beside the index;
        the steps in either order, once or in passes."""
        g = self.later
        vecs = sorted(s.vectors())
        if not vecs:
            return self.s_assign(s, out, ind)
        u = g.choice(vecs)
        i, k, p, acc, y = (self.fresh(x) for x in ("i", "k", "p", "s", "y"))
        form = g.choice(("inward", "write", "weight"))
        passes = g.choice((1, 2, 3))
        out.append(f"{ind}{acc} = 0.0")
        if form == "write":
            out.append(f"{ind}{y} = np.zeros({L})")
        b = ind
        if passes > 1:
            out.append(f"{ind}for {p} in range({passes}):")
            b = ind + "    "
        start = g.choice(("0", "1", "2"))
        if form == "inward":
            steps = [f"{i} += 1", f"{k} -= 1"]
            out += [f"{b}{i} = {start}", f"{b}{k} = {L} - 1", f"{b}while {i} < {k}:",
                    f"{b}    {acc} += {u}[{i}] * {u}[{k}] + {g.choice(('abs', 'math.sin'))}({u}[{i}])"]
        elif form == "write":
            steps = [f"{i} += 1", f"{k} -= 1"]
            out += [f"{b}{i} = {start}", f"{b}{k} = {L} - 1", f"{b}while {i} < {L}:",
                    f"{b}    {y}[{k}] = 0.5 * {y}[{k}] + {g.choice(('abs', 'math.tanh'))}({u}[{i}])"]
        else:
            step = g.choice((1, 2))
            steps = [f"{i} += 1", f"{k} += {step}"]
            out += [f"{b}{i} = {start}", f"{b}{k} = 0", f"{b}while {i} < {L}:",
                    f"{b}    {acc} += 0.5 * {k} * {g.choice(('max', 'min'))}({u}[{i}], 0.1)"]
        if g.random() < 0.5:
            steps.reverse()
        out += [f"{b}    {st}" for st in steps]
        if form == "write":
            out += [f"{ind}for {i} in range({L}):", f"{ind}    {acc} += ({i} + 1) * {y}[{i}]"]
        s.scalars[acc] = 50.0 * passes
        s.writable.add(acc)
        self.features.add("counters:" + form)

    def s_rebuilt_state(self, s, out, ind):
        """A state array rebuilt each iteration from a work array and a scalar
        the iteration before computed from the state (ADMM, anchored or
        damped relaxations): whole-array or element by element, optionally
        in a loop of sweeps inside the iteration."""
        g = self.later
        vecs = sorted(s.vectors())
        if not vecs:
            return self.s_assign(s, out, ind)
        u, w = g.choice(vecs), g.choice(vecs)
        x, z, a, it, sw, i, acc = (self.fresh(v) for v in ("x", "z", "a", "it", "sw", "i", "s"))
        form = g.choice(("whole", "elements"))
        carried = g.choice((f"0.2 * {x}[0] ** 2", f"0.05 * np.sum({x} * {x})", f"0.3 * math.tanh({x}[1])",
                            f"0.1 * abs({x}[0])"))
        use = g.choice((f"{z} - {a}", f"{z} * (1.0 - 0.5 * {a})", f"{z} + 0.5 * {a}"))
        out += [f"{ind}{x} = np.clip({u}, -1.5, 1.5)", f"{ind}{a} = 0.0"]
        if form == "elements":
            out.append(f"{ind}{z} = np.zeros({L})")
        out.append(f"{ind}for {it} in range({g.choice((2, 3, 4))}):")
        b = ind + "    "
        if g.random() < 0.4:
            out.append(f"{b}for {sw} in range({g.choice((1, 2))}):")
            b += "    "
        if form == "whole":
            out += [f"{b}{z} = {x} - 0.3 * ({x} - {w})", f"{b}{x} = {use}"]
        else:
            out += [f"{b}for {i} in range({L}):", f"{b}    {z}[{i}] = {x}[{i}] - 0.3 * ({x}[{i}] - {w}[{i}])",
                    f"{b}for {i} in range({L}):",
                    f"{b}    {x}[{i}] = {use.replace(z, z + '[' + i + ']', 1)}"]
        out += [f"{ind}    {a} = {carried}", f"{ind}{acc} = np.sum({x} * {x})"]
        s.scalars[acc] = 1e3
        s.writable.add(acc)
        self.features.add("rebuilt_state:" + form)

    def s_pair_forces(self, s, out, ind):
        """Particles: positions moved by velocities, pair forces under a
        cutoff accumulated into a work array made each step, velocities
        kicked by them, then scaled by a thermostat (a sum over all of them),
        and optionally a hand-over of the forces to the next step."""
        g = self.later
        vecs = sorted(s.vectors())
        if not vecs:
            return self.s_assign(s, out, ind)
        u, w = g.choice(vecs), g.choice(vecs)
        x, v, f, fo, step, i, j, d, ke, acc = (self.fresh(t) for t in
                                               ("x", "v", "f", "fo", "step", "i", "j", "d", "ke", "s"))
        handed = g.random() < 0.5
        columns = g.random() < 0.6  # forces as rows of a 2-D array, some columns accumulated
        cutoff = g.choice((f"abs({d}) < 0.8", f"{d} * {d} < 0.5", f"{d} > -0.3"))
        thermostat = g.choice((f"1.0 / math.sqrt(1.0 + {ke})", f"math.sqrt(1.0 / (0.5 + {ke}))", "0.9"))
        out += [f"{ind}{x} = np.clip({u}, -1.5, 1.5)", f"{ind}{v} = 0.5 * np.tanh({w})",
                f"{ind}{fo} = np.zeros({L})",
                f"{ind}for {step} in range({g.choice((2, 3))}):",
                f"{ind}    for {i} in range({L}):",
                f"{ind}        {x}[{i}] += 0.1 * {v}[{i}] + 0.01 * {fo}[{i}]",
                f"{ind}    {f} = np.zeros(({L}, 2))" if columns else f"{ind}    {f} = np.zeros({L})",
                f"{ind}    for {i} in range({L}):",
                f"{ind}        for {j} in range({L}):",
                f"{ind}            {d} = {x}[{i}] - {x}[{j}]",
                f"{ind}            if {cutoff}:",
                f"{ind}                {f}[{i}{', ' + str(g.choice((0, 1))) if columns else ''}] += {d} / ({d} * {d} + 0.2)",
                f"{ind}    for {i} in range({L}):",
                f"{ind}        {v}[{i}] += 0.05 * " + (f"({f}[{i}, 0] - {f}[{i}, 1])" if columns else f"{f}[{i}]"),
                f"{ind}    {ke} = 0.0",
                f"{ind}    for {i} in range({L}):",
                f"{ind}        {ke} += {v}[{i}] * {v}[{i}]",
                f"{ind}    for {i} in range({L}):",
                f"{ind}        {v}[{i}] *= {thermostat}"]
        if handed and not columns:
            out.append(f"{ind}    {fo} = {f}")
        out.append(f"{ind}{acc} = np.sum({x} * {x})")
        s.scalars[acc] = 1e3
        s.writable.add(acc)
        self.features.add("pair_forces" + (":columns" if columns else ":handed" if handed else ""))

    def s_for_elements(self, s, out, ind, vecs):
        """Numba-style loops over the elements of 1-D arrays (docs/subset.md)."""
        v = self.choice(vecs)
        e = self.fresh("e")
        form = self.r.randint(0, 2)
        c = s.child(loops=s.loops + 1, trips=s.trips * L)
        c.scalars[e] = s.arrays[v][1]
        if form == 0:
            out.append(f"{ind}for {e} in {v}:")
        elif form == 1:
            i = self.fresh("i")
            out.append(f"{ind}for {i}, {e} in enumerate({v}):")
            c.ints[i] = (0, L - 1)
        else:
            w = self.choice(vecs)
            e2 = self.fresh("e")
            out.append(f"{ind}for {e}, {e2} in zip({v}, {w}):")
            c.scalars[e2] = s.arrays[w][1]
        self.features.add(f"for-elements:{('plain', 'enumerate', 'zip')[form]}")
        self.block(c, self.r.randint(1, 2), out, ind + "    ")
        self._after_loop(s, c)

    def s_while(self, s, out, ind):
        k = self.fresh("k")
        bound = self.choice(["n", "3", "2"])
        hi = N_MAX if bound == "n" else int(bound)
        out.append(f"{ind}{k} = 0")
        c = self.cond(s, 1)
        form = self.r.randint(0, 2)
        if form == 0:
            test = f"{k} < {bound} and {c}"
        elif form == 1:
            test = f"{k} < {bound} and ({c} or {k} < 1)"
        else:
            test = f"({k} < {bound} and {c}) or {k} < 1"
        out.append(f"{ind}while {test}:")
        out.append(f"{ind}    {k} += 1")
        sc = self._loop_scope(s, k, 1, hi, hi, in_while=True)
        self.block(sc, self.r.randint(1, 2), out, ind + "    ")
        self._after_loop(s, sc)
        s.ints[k] = (0, hi)
        self.features.add("while")

    def s_break(self, s, out, ind):
        kw = self.choice(["break", "continue"]) if not s.in_while else "break"
        out.append(f"{ind}if {self.cond(s, 1)}:")
        out.append(f"{ind}    {kw}")
        self.features.add(kw)

    s_continue = s_break

    def s_return(self, s, out, ind):
        if s.top and not s.loops:
            return self.s_assign(s, out, ind)  # a top-level return would end the program
        e, _ = self.expr(s, 2)
        out.append(f"{ind}if {self.cond(s, 1)}:")
        out.append(f"{ind}    return {e}")
        self.features.add("early-return")

    def s_store(self, s, out, ind):
        outer = s
        arrs = [(n, v) for n, v in s.arrays.items() if v[2]]
        name, (rank, bound, wr, shape) = self.choice(arrs)
        if rank == 1:
            tgt = f"{name}[{self.index(s, shape[0])}]"
        else:
            tgt = f"{name}[{self.index(s, shape[0])}, {self.index(s, shape[1])}]"
        bz = max(bound, 1.0)
        if self.p(0.7):  # mostly a right-hand side that does not read the array stored into
            s = s.child(depth=s.depth - 1)
            s.arrays = {k: v for k, v in s.arrays.items() if k != name}
        form = self.r.randint(0, 3)
        if form == 0:
            e, _ = self.expr(s, 2, bz / 2)
            out.append(f"{ind}{tgt} = 0.5 * {tgt} + {e}")
        elif form == 1:
            e, _ = self.expr(s, 2, bz)
            out.append(f"{ind}{tgt} = {e}")
        elif form == 2:
            e, b = self.expr(s, 2, ACC)
            out.append(f"{ind}{tgt} += {e}")
            bz = bz + s.trips * b
        else:
            if rank == 1 and shape[0] == L and s.ints:
                nm = self.choice(s.ints)
                lo, hi = s.ints[nm]
                if lo >= 1 and hi < shape[0]:
                    e, _ = self.expr(s, 1, bz / 2)
                    out.append(f"{ind}{name}[{nm}] = 0.5 * {name}[{nm} - 1] + {e}")
                    self.features.add("store:recurrence")
                    outer.arrays[name] = (rank, bz, wr, shape)
                    return
            e, _ = self.expr(s, 2, bz)
            out.append(f"{ind}{tgt} = max({tgt}, {e})")
        outer.arrays[name] = (rank, bz, wr, shape)
        self.features.add("store")

    def s_clip_arg(self, s, out, ind):
        cands = [n for n in sorted(self.array_args) if n in s.arrays and s.arrays[n][0] == 1]
        if not cands:
            return self.s_assign(s, out, ind)
        name = self.choice(cands)
        ints = [nm for nm, (lo, hi) in s.ints.items() if lo >= 0 and hi < L]
        if not ints:
            return self.s_assign(s, out, ind)
        i = self.choice(ints)
        lo = self.choice((-0.5, 0.0, -1.0))
        if self.p(0.5):
            out.append(f"{ind}{name}[{i}] = max({name}[{i}], {fmt(lo)})")
        else:
            out += [f"{ind}if {name}[{i}] < {fmt(lo)}:", f"{ind}    {name}[{i}] = {fmt(lo)}",
                    f"{ind}elif {name}[{i}] > {fmt(lo + 1.5)}:", f"{ind}    {name}[{i}] = {fmt(lo + 1.5)}"]
        self.features.add("store:clip-argument")

    def s_clip_loop(self, s, out, ind):
        """A top-level loop clipping a 1-D argument in place."""
        name = self.choice([a for a in sorted(self.array_args) if s.arrays[a][0] == 1])
        i = self.fresh("i")
        lo = self.choice((-0.5, 0.0, -1.0))
        out.append(f"{ind}for {i} in range({name}.shape[0]):")
        form = self.r.randint(0, 2)
        if form == 0:
            out.append(f"{ind}    {name}[{i}] = max({name}[{i}], {fmt(lo)})")
        elif form == 1:
            out.append(f"{ind}    {name}[{i}] = min(max({name}[{i}], {fmt(lo)}), {fmt(lo + 1.5)})")
        else:
            out += [f"{ind}    if {name}[{i}] < {fmt(lo)}:", f"{ind}        {name}[{i}] = {fmt(lo)}"]
        self.features.add("store:clip-argument-loop")

    def s_pairtemp(self, s, out, ind):
        rows = [nm for nm, (lo, hi) in s.ints.items() if lo >= 0 and hi < R]
        if len(rows) < 1:
            return self.s_assign(s, out, ind)
        i = self.choice(rows)
        j = self.choice(rows)
        d = self.fresh("d")
        c = self.choice((0.1, 0.5, 1.0))
        tgt = sorted(s.writable)
        out.append(f"{ind}{d} = X[{i}] - X[{j}]" if self.p(0.7) or "a" not in s.arrays else f"{ind}{d} = X[{i}] - a")
        if tgt and self.p(0.7):
            v = self.choice(tgt)
            out.append(f"{ind}{v} += 1.0 / ({fmt(c)} + np.dot({d}, {d}))")
            s.scalars[v] = s.scalars[v] + s.trips / c
        else:
            v = self.fresh("v")
            out.append(f"{ind}{v} = math.sqrt({fmt(c)} + np.dot({d}, {d}))")
            s.scalars[v] = 6.0
            s.writable.add(v)
        self.features.add("array-temporary-in-loop")

    def s_alloc(self, s, out, ind):
        vecs = [n for n in sorted(self.array_args) if s.arrays[n][0] == 1 and n != "idx"]
        name = self.fresh("z")
        form = self.r.choices(["copy", "zeros_len", "zeros_like", "full", "npcopy", "zeros_n", "matcopy",
                               "vecexpr", "diff"], [5, 2, 2, 1, 1, 1, 1, 2, 0.5])[0]
        if form == "matcopy" and "X" in s.arrays:
            out.append(f"{ind}{name} = X.copy()")
            s.arrays[name] = (2, s.arrays["X"][1], True, (R, L))
            self.features.add("alloc:copy")
            return
        if not vecs:
            return self.s_assign(s, out, ind)
        v = self.choice(vecs)
        if form in ("copy", "matcopy"):
            out.append(f"{ind}{name} = {v}.copy()")
            s.arrays[name] = (1, s.arrays[v][1], True, (L,))
        elif form == "npcopy":
            out.append(f"{ind}{name} = np.copy({v})")
            s.arrays[name] = (1, s.arrays[v][1], True, (L,))
        elif form == "zeros_len":
            out.append(f"{ind}{name} = np.zeros(len({v}))")
            s.arrays[name] = (1, 0.0, True, (L,))
        elif form == "zeros_like":
            out.append(f"{ind}{name} = np.zeros_like({v})")
            s.arrays[name] = (1, 0.0, True, (L,))
        elif form == "full":
            c = self.choice((0.5, 1.0, -0.25))
            out.append(f"{ind}{name} = np.full({v}.shape, {fmt(c)})")
            s.arrays[name] = (1, abs(c), True, (L,))
        elif form == "diff":  # a named np.diff (docs/subset.md: not inside a larger expression)
            out.append(f"{ind}{name} = np.diff({v})")
            s.arrays[name] = (1, 2 * s.arrays[v][1], True, (L - 1,))
            self.features.add("numba-idiom:diff")
        elif form == "zeros_n":
            out.append(f"{ind}{name} = np.zeros(n + 1)")
            s.arrays[name] = (1, 0.0, True, (2,))  # n >= 1: indices 0 and 1 only
            self.features.add("alloc:int-size")
        else:
            w = self.choice(vecs)
            e = self.choice([f"np.maximum({v} - {w}, 0.0)", f"np.tanh({v} * {w})", f"np.abs({v}) + 0.5 * {w}",
                             f"np.clip({v}, -0.5, 1.0)"])
            out.append(f"{ind}{name} = {e}")
            s.arrays[name] = (1, 2 * s.arrays[v][1] + s.arrays[w][1], True, (L,))
            self.features.add("alloc:vectorized")
        self.features.add("alloc")

    def s_time_steps(self, s, out, ind):
        """Explicit time steps over a state ``z`` (a copy of a 1-D argument)
        with a work array ``w``: maybe read ``w`` whole or at an end first
        (what the last step left), fill its interior or all of it from ``z``,
        maybe set its ends, then update ``z`` from it.  Values are clipped to
        [-2, 2], so they stay bounded over the steps."""
        vecs = [v for v in sorted(self.array_args) if s.arrays[v][0] == 1 and v != "idx"]
        if not vecs:
            return self.s_assign(s, out, ind)
        v = self.choice(vecs)
        z, w, t, i = self.fresh("z"), self.fresh("w"), self.fresh("t"), self.fresh("i")
        c = self.choice((0.2, 0.3, -0.25))
        k = self.choice(sorted(s.scalars)) if s.scalars and self.p(0.6) else fmt(self.choice((0.5, 1.5)))
        lo, hi = self.choice((0, 1)), self.choice(("L", "L - 1"))
        ends = self.p(0.6)
        out += [f"{ind}{z} = {v}.copy()",
                f"{ind}{w} = np.zeros({L})" if self.p(0.5) else f"{ind}{w} = np.zeros_like({v})"]
        acc = None
        if s.writable and self.p(0.5):
            acc = self.choice(sorted(s.writable))
        out.append(f"{ind}for {t} in range({self.choice(('n', '3', '2'))}):")
        body = ind + "    "
        if acc is not None:
            read = self.choice((f"np.sum({w})", f"{w}[0]", f"max({w}[0], {w}[{L - 1}])"))
            out.append(f"{body}{acc} = 0.5 * {acc} + 0.1 * math.tanh({read})")
        step = self.later.choice((None, None, "helper", "rebind", "helper_only"))
        if step == "helper_only":  # the whole step is a helper's: the state is never written in place
            self._helper_step(out, body, z, w, c)
            s.arrays[z] = (1, 2.0, True, (L,))
            s.arrays[w] = (1, 2.0, True, (L,))
            self.features.add("time-steps")
            return
        stop = L if hi == "L" else L - 1
        start = lo
        out.append(f"{body}for {i} in range({start}, {stop}):")
        around = f"{z}[{i} - 1] - 2.0 * {z}[{i}] + {z}[{i} + 1]" if start >= 1 and stop <= L - 1 else f"{z}[{i}]"
        form = self.choice((
            f"min(max({z}[{i}] + {fmt(c)} * ({around}), -1.0), 1.5)",
            f"max({z}[{i}], {fmt(c)}) * math.tanh({k})",
            f"abs({z}[{i}] - {fmt(c)} * {k})",
        ))
        out.append(f"{body}    {w}[{i}] = min({form}, 2.0)")
        if ends:
            if start >= 1:
                out.append(f"{body}{w}[0] = {z}[0]")
            if stop <= L - 1:
                out.append(f"{body}{w}[{L - 1}] = {z}[{L - 1}]")
        back = self.choice((f"range({L})", f"range({start}, {stop})"))
        update = self.choice((f"0.5 * {z}[{i}] + 0.5 * {w}[{i}]", f"{w}[{i}]",
                              f"math.tanh({z}[{i}] + {w}[{i}] * {z}[{i}])"))
        out += [f"{body}for {i} in {back}:", f"{body}    {z}[{i}] = {update}"]
        if step == "helper":  # the state's arrays taken from a helper's new ones, each step
            self._helper_step(out, body, z, w, c)
        elif step == "rebind":  # a new array bound to the state's name, each step
            out.append(f"{body}{z} = np.clip({z} + {fmt(c)} * {w}, -1.5, 1.5)")
            self.features.add("time-steps:rebind")
        s.arrays[z] = (1, 2.0, True, (L,))
        s.arrays[w] = (1, 2.0, True, (L,))
        self.features.add("time-steps")
        if "X" in s.arrays and self.later.random() < 0.5:  # a helper's row result stored into a row
            name, P, r = self.fresh("row"), self.fresh("P"), self.fresh("r")
            self.helpers.append("\n".join([f"def {name}(v, c):", "    return np.clip(v * c, -1.0, 1.0)"]))
            out += [f"{ind}{P} = np.zeros_like(X)", f"{ind}for {r} in range({R}):",
                    f"{ind}    {P}[{r}, :] = {name}(X[{r}, :], {fmt(c)})"]
            s.arrays[P] = (2, 1.0, True, (R, L))
            self.features.add("helper:row-result")

    def _helper_step(self, out, body, z, w, c):
        name = self.fresh("step")
        self.helpers.append("\n".join([
            f"def {name}(z, w, c):",
            "    z2 = np.minimum(np.maximum(z + c * w, -1.5), 1.5)",
            "    w2 = 0.5 * w + 0.1 * np.tanh(z2)",
            "    return z2, w2"]))
        out.append(f"{body}{z}, {w} = {name}({z}, {w}, {fmt(c)})")
        self.features.add("time-steps:helper-arrays")

    def s_fill(self, s, out, ind):
        locs = [n for n, v in s.arrays.items() if v[2] and n not in self.array_args and v[0] == 1 and v[3] == (L,)]
        if not locs:
            return self.s_alloc(s, out, ind)
        name = self.choice([h[1] for h in self.helper_sigs if h[0] == "fill"])
        z = self.choice(locs)
        e, _ = self.expr(s, 1, 2.0)
        out.append(f"{ind}{name}({z}, {e})")
        self.features.add("call:fill-statement")

    # ------------------------------------------------------------ program
    def program(self) -> Program:
        r = self.r
        params = [("x", "float", None)]
        if self.p(0.7):
            params.append(("y", "float", None))
        if self.p(0.8):
            params.append(("a", "vec", [L]))
        if self.p(0.35):
            params.append(("b", "vec", [L]))
        if self.p(0.45):
            params.append(("X", "mat", [R, L]))
        params.append(("n", "int", None))
        if any(p[1] == "vec" for p in params) and self.p(0.35):
            params.append(("idx", "ivec", [L]))
        r.shuffle(params)
        self.array_args = {p[0] for p in params if p[1] in ("vec", "mat")}
        self.make_helpers()
        scope = Scope({p[0]: 2.0 for p in params if p[1] == "float"}, {p[0] for p in params if p[1] == "float"},
                      {"n": (1, N_MAX)}, {})
        for nm, kind, shape in params:
            if kind in ("vec", "mat", "ivec"):
                scope.arrays[nm] = (1 if kind != "mat" else 2, 2.0 if kind != "ivec" else 0, False,
                                    tuple(shape))
        body: list[str] = []
        if self.array_args and self.p(0.6):  # most array programs work on a copy of an argument
            self.budget -= 1
            self.s_alloc(scope, body, "    ")
        self.block(scope, 14, body, "    ")
        # the result reads every top-level value, so that no computation is dead
        res, _ = self.expr(scope, 2)
        terms = [res]
        for v in sorted(scope.writable):
            if v not in scope.scalars:
                continue
            b = scope.scalars[v]
            terms.append(f"0.3 * {v}" if b <= LIMIT else f"math.tanh({v})")
        for nm, (rank, b, wr, shape) in sorted(scope.arrays.items()):
            if wr and nm not in self.array_args:
                el = f"{nm}[0]" if rank == 1 else f"{nm}[0, 1]"
                terms.append(f"0.3 * math.tanh({el})")
                if rank == 1 and shape[0] > 1:
                    terms.append(f"0.2 * math.tanh({nm}[-1])")
        for nm in sorted(self.array_args):
            if scope.arrays[nm][0] == 1 and self.p(0.5):
                terms.append(f"0.1 * {nm}[{self.index(scope, L)}]")
        body.append("    return " + " + ".join(terms))
        text = "\n".join(self.helpers + body)
        parts = []
        for nm, kind, _ in params:
            # users annotate what the code does not show: an int, an unused array
            if kind == "int" or (kind != "float" and (not re.search(rf"\b{nm}\b", text) or self.p(0.3))):
                parts.append(f"{nm}: {'int' if kind == 'int' else 'np.ndarray'}")
            elif kind == "float" and self.p(0.3):
                parts.append(f"{nm}: float")
            else:
                parts.append(nm)
        sig = ", ".join(parts)
        src = ["import math", "", "import numpy as np", "", ""]
        for h in self.helpers:
            src += [h, "", ""]
        src += [f"def f({sig}):"] + body
        source = "\n".join(src) + "\n"
        return Program(self.seed, source, params, self.points(params), self.features)

    def points(self, params, count: int = 3):
        r = random.Random(self.seed * 7919 + 17)
        pts = []
        for k in range(count):
            nice = k == count - 1 and r.random() < 0.5  # sometimes a point on round values (ties, zeros)
            pt = {}
            for nm, kind, shape in params:
                if kind == "float":
                    pt[nm] = round(r.uniform(-2, 2) * 2) / 2 if nice else r.uniform(-2, 2)
                elif kind == "int":
                    pt[nm] = r.randint(1, N_MAX)
                elif kind == "ivec":
                    pt[nm] = [r.randrange(L) for _ in range(shape[0])]
                else:
                    size = shape[0] * (shape[1] if len(shape) > 1 else 1)
                    vals = [round(r.uniform(-2, 2) * 2) / 2 if nice else r.uniform(-2, 2) for _ in range(size)]
                    if len(shape) == 2:
                        vals = [vals[i * shape[1]:(i + 1) * shape[1]] for i in range(shape[0])]
                    pt[nm] = vals
            pts.append(pt)
        return pts


def generate(seed: int) -> Program:
    """The program of ``seed`` (the same seed always gives the same program)."""
    return Gen(seed).program()
