"""Random programs generated with hypothesis, differentiated by nsadc and checked
against central finite differences (forward and reverse mode) and, where JAX is
installed, against ``jax.grad`` of the same program translated to ``jax.numpy``.

The generator builds scalar programs ``f(x, y, n)`` (two floats and an int loop
count) from a small tree language and renders them as Python source:

* expressions mix smooth primitives (``+ - * /``, ``math.sin``, ``math.cos``,
  ``math.tanh``, ``math.exp`` of a bounded argument, ``math.sqrt(1 + u*u)``,
  ``math.log(1 + u*u)``) with nonsmooth ones (``abs``, ``math.fabs``, ``max`` /
  ``min`` of 2 or 3 arguments, ``np.maximum`` / ``np.minimum``, ``np.clip``,
  ``math.hypot``) and conditional expressions;
* statements are assignments (new locals, reassignments of locals and of the
  parameters, ``+=`` / ``-=``), ``if / elif / else`` on comparisons of computed
  values (with ``and`` / ``or`` / ``not`` and chained comparisons), ``for`` loops
  over ``range(n)`` with accumulations and recurrences (``z = 0.5 * z +
  abs(...)``), ``while k < n and <float test>:`` loops, ``break`` / ``continue``
  (on float and on int tests), nested loops and early returns.

Values stay bounded by construction: the generator keeps an upper bound of every
expression and squashes with ``math.tanh`` whatever could exceed ``LIMIT``;
inside loops a variable can only be updated by an expression no larger than its
loop-invariant bound (or accumulated a bounded number of times), and trip counts
are at most ``N_MAX``.

Each program is checked at one to three points drawn by hypothesis in [-2, 2]
(see ``xs``: nice values are moved off the kinks). A point is used only when it
is *generic*: along each axis the second difference at step 1e-6 is what the one
at step 1e-4 predicts for a smooth function (no kink within about 1e-6, no jump),
and the central differences at steps 1e-4 and 1e-6 agree (no kink, branch
boundary or jump within about 1e-4). There the program is smooth and nsadc must
return its gradient: ``grad`` (reverse), ``jvp`` along each axis and along a
mixed direction (forward) and ``vjp`` are compared with central differences
(rtol 1e-4, atol 1e-6), and the primal with the plain Python function.

The JAX check (skipped without jax) translates programs without while / break /
continue / early return to ``jax.numpy``: float tests of ``if`` statements and
of conditional expressions become ``jnp.where`` merges of both branches, loops
over ``range(n)`` stay Python loops (n is concrete); gradients must agree to
1e-7.

``test_a_wrong_rule_is_detected`` shows that the check can fail: it scales one
primitive's partial derivatives by 1.01 in nsadc's rule table, and the random
programs must catch it.

All runs are reproducible (``derandomize=True``, no example database). nsadc
compiles each program once, which is most of an example's cost.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import itertools
import math
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, assume, given, note, settings
from hypothesis import strategies as st

import nsadc

LIMIT = 8.0     # every float value of a generated program stays within [-LIMIT, LIMIT]
ACC = 2.0       # bound of one accumulation step `s += e`
N_MAX = 4       # largest loop count n (so the largest trip count of one loop)
MAX_STATEMENTS = 10  # statements of one program (nested ones included, the final return not)
I_SCALE = 0.25  # an int i is read as the float (0.25 * i)
CONSTS = (0.5, 1.0, 1.5, 2.0, 0.3, 0.25, -0.7, -1.2, 0.1, 3.0)

RTOL, ATOL = 1e-4, 1e-6

_DIR = Path(tempfile.mkdtemp(prefix="nsadc-random-programs-"))


# --------------------------------------------------------------------------- the tree language
#
# Expressions are tuples:
#   ("num", c) ("var", name) ("int", name)           leaves; ("int", i) reads as (0.25 * i)
#   ("bin", op, a, b)                                  op in + - *
#   ("div", a, b, c)                                   a / (c + b * b)
#   ("divabs", a, b)                                   a / (1.0 + abs(b))
#   ("neg", a)
#   ("fn", name, a)                                    sin cos tanh exp abs fabs sqrt1 log1
#   ("nary", "max" | "min", [args])                    builtin max / min of 2 or 3 args
#   ("np2", "maximum" | "minimum", a, b)               np.maximum / np.minimum
#   ("clip", a, lo, hi)                                np.clip with constant bounds
#   ("hypot", a, b)
#   ("ifexp", cond, a, b)
# Conditions:
#   ("cmp", op, a, b) ("chain", lo, a, hi) ("and", c, d) ("or", c, d) ("not", c) ("icmp", text)
# Statements:
#   ("assign", name, e) ("aug", name, op, e) ("if", [(cond, body), ...], orelse | None)
#   ("for", i, range_text, body) ("while", k, cond, body) ("return", e) ("break",) ("continue",)


def _fmt(c: float) -> str:
    return repr(float(c))


_PY_FN = {"sin": "math.sin", "cos": "math.cos", "tanh": "math.tanh", "exp": "math.exp",
          "abs": "abs", "fabs": "math.fabs"}
_JAX_FN = {"sin": "jnp.sin", "cos": "jnp.cos", "tanh": "jnp.tanh", "exp": "jnp.exp",
           "abs": "jnp.abs", "fabs": "jnp.abs"}


def render_expr(e, jax: bool = False) -> str:
    def r(a):
        return render_expr(a, jax)

    kind = e[0]
    if kind == "num":
        return _fmt(e[1])
    if kind == "var":
        return e[1]
    if kind == "int":
        return f"({I_SCALE!r} * {e[1]})"
    if kind == "bin":
        return f"({r(e[2])} {e[1]} {r(e[3])})"
    if kind == "div":
        return f"({r(e[1])} / ({_fmt(e[3])} + {r(e[2])} * {r(e[2])}))"
    if kind == "divabs":
        denom = f"jnp.abs({r(e[2])})" if jax else f"abs({r(e[2])})"
        return f"({r(e[1])} / (1.0 + {denom}))"
    if kind == "neg":
        return f"(-{r(e[1])})"
    if kind == "fn":
        name, a = e[1], r(e[2])
        if name == "sqrt1":
            return f"{'jnp' if jax else 'math'}.sqrt(1.0 + {a} * {a})"
        if name == "log1":
            return f"{'jnp' if jax else 'math'}.log(1.0 + {a} * {a})"
        return f"{(_JAX_FN if jax else _PY_FN)[name]}({a})"
    if kind == "nary":
        args = [r(a) for a in e[2]]
        if not jax:
            return f"{e[1]}({', '.join(args)})"
        fn = "jnp.maximum" if e[1] == "max" else "jnp.minimum"
        out = args[0]
        for a in args[1:]:
            out = f"{fn}({out}, {a})"
        return out
    if kind == "np2":
        return f"{'jnp' if jax else 'np'}.{e[1]}({r(e[2])}, {r(e[3])})"
    if kind == "clip":
        return f"{'jnp' if jax else 'np'}.clip({r(e[1])}, {_fmt(e[2])}, {_fmt(e[3])})"
    if kind == "hypot":
        return f"{'jnp' if jax else 'math'}.hypot({r(e[1])}, {r(e[2])})"
    if kind == "ifexp":
        if jax:
            return f"jnp.where({render_cond(e[1], True)}, {r(e[2])}, {r(e[3])})"
        return f"({r(e[2])} if {render_cond(e[1])} else {r(e[3])})"
    raise AssertionError(e)


def render_cond(c, jax: bool = False) -> str:
    kind = c[0]
    if kind == "cmp":
        return f"({render_expr(c[2], jax)} {c[1]} {render_expr(c[3], jax)})"
    if kind == "chain":
        if jax:
            a = render_expr(c[2], True)
            return f"jnp.logical_and({_fmt(c[1])} < {a}, {a} < {_fmt(c[3])})"
        return f"({_fmt(c[1])} < {render_expr(c[2])} < {_fmt(c[3])})"
    if kind in ("and", "or"):
        if jax:
            return f"jnp.logical_{kind}({render_cond(c[1], True)}, {render_cond(c[2], True)})"
        return f"({render_cond(c[1])} {kind} {render_cond(c[2])})"
    if kind == "not":
        if jax:
            return f"jnp.logical_not({render_cond(c[1], True)})"
        return f"(not {render_cond(c[1])})"
    if kind == "icmp":
        return f"({c[1]})"
    raise AssertionError(c)


def render_python(body) -> str:
    lines = ["import math", "", "import numpy as np", "", "",
             "def f(x, y, n: int):"]

    def block(stmts, ind):
        pad = "    " * ind
        for s in stmts:
            kind = s[0]
            if kind == "assign":
                lines.append(f"{pad}{s[1]} = {render_expr(s[2])}")
            elif kind == "aug":
                lines.append(f"{pad}{s[1]} {s[2]}= {render_expr(s[3])}")
            elif kind == "if":
                for j, (cond, b) in enumerate(s[1]):
                    lines.append(f"{pad}{'if' if j == 0 else 'elif'} {render_cond(cond)}:")
                    block(b, ind + 1)
                if s[2] is not None:
                    lines.append(f"{pad}else:")
                    block(s[2], ind + 1)
            elif kind == "for":
                lines.append(f"{pad}for {s[1]} in {s[2]}:")
                block(s[3], ind + 1)
            elif kind == "while":
                lines.append(f"{pad}{s[1]} = 0")
                lines.append(f"{pad}while {s[1]} < n and {render_cond(s[2])}:")
                lines.append(f"{pad}    {s[1]} += 1")
                block(s[3], ind + 1)
            elif kind == "return":
                lines.append(f"{pad}return {render_expr(s[1])}")
            elif kind in ("break", "continue"):
                lines.append(f"{pad}{kind}")
            else:
                raise AssertionError(s)

    block(body, 1)
    return "\n".join(lines) + "\n"


def _assigned(stmts, out: set):
    for s in stmts:
        if s[0] in ("assign", "aug"):
            out.add(s[1])
        elif s[0] == "if":
            for _, b in s[1]:
                _assigned(b, out)
            if s[2] is not None:
                _assigned(s[2], out)
        elif s[0] in ("for", "while"):
            _assigned(s[3], out)
    return out


def render_jax(body) -> str:
    """The same program for JAX: float tests of `if` statements become
    ``jnp.where`` merges of both branches (loops over range(n) stay Python
    loops: n is a concrete int). Only programs without while / break /
    continue / return-in-a-block are translated."""
    lines = ["import jax.numpy as jnp", "", "", "def f(x, y, n):"]
    fresh = itertools.count()

    def block(stmts, ind, defined: set):
        pad = "    " * ind
        for s in stmts:
            kind = s[0]
            if kind == "assign":
                lines.append(f"{pad}{s[1]} = {render_expr(s[2], True)}")
                defined.add(s[1])
            elif kind == "aug":
                lines.append(f"{pad}{s[1]} {s[2]}= {render_expr(s[3], True)}")
            elif kind == "if":
                if_chain(s[1], s[2], ind, defined)
            elif kind == "for":
                lines.append(f"{pad}for {s[1]} in {s[2]}:")
                block(s[3], ind + 1, set(defined))
            elif kind == "return":
                lines.append(f"{pad}return {render_expr(s[1], True)}")
            else:
                raise AssertionError(f"not translatable to JAX: {s[0]}")

    def if_chain(branches, orelse, ind, defined):
        pad = "    " * ind
        (cond, then), rest = branches[0], branches[1:]
        k = next(fresh)
        merge = sorted(_assigned([("if", branches, orelse)], set()) & defined)
        lines.append(f"{pad}c_{k} = {render_cond(cond, True)}")
        for v in merge:
            lines.append(f"{pad}{v}_saved_{k} = {v}")
        block(then, ind, set(defined))
        for v in merge:
            lines.append(f"{pad}{v}_then_{k} = {v}")
            lines.append(f"{pad}{v} = {v}_saved_{k}")
        if rest:
            if_chain(rest, orelse, ind, set(defined))
        elif orelse is not None:
            block(orelse, ind, set(defined))
        for v in merge:
            lines.append(f"{pad}{v} = jnp.where(c_{k}, {v}_then_{k}, {v})")

    block(body, 1, {"x", "y"})
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- the generator

@dataclass
class Ctx:
    """What a block may read and write.

    ``floats``: readable float variables and a bound of their magnitude.
    ``free``: variables this block may reassign with any (bounded) value;
    ``fixed``: loop-carried variables, reassigned only with values within their bound;
    ``accum``: accumulators this loop body may add to once (``s += e``, |e| <= ACC).
    """

    floats: dict
    ints: list
    free: set
    fixed: dict = field(default_factory=dict)
    accum: set = field(default_factory=set)
    loop: str | None = None   # "for" / "while" when directly or indirectly inside a loop
    depth: int = 0

    def child(self, **kw):
        # accumulators are added to at the loop body's own level only (once per trip)
        c = Ctx(dict(self.floats), list(self.ints), set(self.free), dict(self.fixed),
                set(), self.loop, self.depth + 1)
        for k, v in kw.items():
            setattr(c, k, v)
        return c


class Gen:
    def __init__(self, draw, jax: bool):
        self.draw = draw
        self.jax = jax
        self.names = itertools.count()
        self.budget = draw(st.integers(2, MAX_STATEMENTS))  # statements left to write

    def fresh(self, prefix):
        return f"{prefix}{next(self.names)}"

    # ---------------------------------------------------------------- expressions

    @staticmethod
    def squash(e, b):
        """``(e, b)`` or ``tanh(e)`` when ``b`` could exceed LIMIT."""
        if b > LIMIT:
            return ("fn", "tanh", e), 1.0
        return e, b

    def leaf(self, ctx):
        d = self.draw
        choice = d(st.sampled_from(["var"] * 7 + ["int", "num", "num"]))
        if choice == "var" and ctx.floats:
            name = d(st.sampled_from(sorted(ctx.floats)))
            return ("var", name), ctx.floats[name]
        if choice == "int" and ctx.ints:
            name = d(st.sampled_from(ctx.ints))
            return ("int", name), I_SCALE * (N_MAX + 2)
        c = d(st.sampled_from(CONSTS))
        return ("num", c), abs(c)

    def expr(self, ctx, depth):
        d = self.draw
        if depth <= 0 or d(st.integers(0, 2)) == 0:
            return self.leaf(ctx)
        kind = d(st.sampled_from(["bin", "bin", "bin", "div", "divabs", "neg", "fn", "fn", "fn",
                                  "nary", "nary", "np2", "clip", "clip", "hypot", "ifexp"]))

        def sub():
            return self.expr(ctx, depth - 1)

        if kind == "bin":
            op = d(st.sampled_from("+-*"))
            (a, ba), (b, bb) = sub(), sub()
            return self.squash(("bin", op, a, b), ba * bb if op == "*" else ba + bb)
        if kind == "div":
            (a, ba), (b, _) = sub(), sub()
            c = d(st.sampled_from((1.0, 1.5, 2.0)))
            return ("div", a, b, c), ba / c
        if kind == "divabs":
            (a, ba), (b, _) = sub(), sub()
            return ("divabs", a, b), ba
        if kind == "neg":
            a, ba = sub()
            return ("neg", a), ba
        if kind == "fn":
            name = d(st.sampled_from(["sin", "cos", "tanh", "exp", "abs", "abs", "fabs", "sqrt1", "log1"]))
            a, ba = sub()
            if name in ("sin", "cos", "tanh"):
                return ("fn", name, a), 1.0
            if name == "exp":
                if ba > 2.0:
                    a, ba = ("fn", "tanh", a), 1.0
                return ("fn", "exp", a), math.exp(ba)
            if name in ("abs", "fabs"):
                return ("fn", name, a), ba
            if name == "sqrt1":
                return self.squash(("fn", name, a), 1.0 + ba)
            return ("fn", name, a), math.log(1.0 + ba * ba)
        if kind == "nary":
            op = d(st.sampled_from(["max", "min"]))
            args = [sub() for _ in range(d(st.integers(2, 3)))]
            return ("nary", op, [a for a, _ in args]), max(b for _, b in args)
        if kind == "np2":
            op = d(st.sampled_from(["maximum", "minimum"]))
            (a, ba), (b, bb) = sub(), sub()
            return ("np2", op, a, b), max(ba, bb)
        if kind == "clip":
            a, _ = sub()
            lo = d(st.sampled_from((-1.5, -1.0, -0.5, 0.0, 0.2)))
            hi = lo + d(st.sampled_from((0.5, 1.0, 2.0)))
            return ("clip", a, lo, hi), max(abs(lo), abs(hi))
        if kind == "hypot":
            (a, ba), (b, bb) = sub(), sub()
            return self.squash(("hypot", a, b), ba + bb)
        if kind == "ifexp":
            c = self.cond(ctx, depth - 1)
            (a, ba), (b, bb) = sub(), sub()
            return ("ifexp", c, a, b), max(ba, bb)
        raise AssertionError(kind)

    def bounded_expr(self, ctx, depth, bound):
        """An expression whose magnitude stays within ``bound`` (>= 1)."""
        e, b = self.expr(ctx, depth)
        if b > bound:
            e, b = ("fn", "tanh", e), 1.0
        return e, b

    def cond(self, ctx, depth):
        d = self.draw
        loop_ints = [i for i in ctx.ints if i != "n"]
        kind = d(st.sampled_from(["cmp", "cmp", "cmp", "cmp", "chain", "and", "or", "not", "icmp"]))
        if kind == "icmp" and loop_ints:
            i = d(st.sampled_from(loop_ints))
            text = d(st.sampled_from([f"{i} % 2 == 0", f"{i} == 1", f"{i} >= 2", f"{i} < n - 1"]))
            return ("icmp", text)
        if kind in ("and", "or") and depth > 0:
            return (kind, self.cond(ctx, depth - 1), self.cond(ctx, depth - 1))
        if kind == "not" and depth > 0:
            return ("not", self.cond(ctx, depth - 1))
        if kind == "chain":
            lo = d(st.sampled_from((-1.0, -0.5, 0.0, 0.3)))
            return ("chain", lo, self.expr(ctx, max(depth, 1))[0], lo + d(st.sampled_from((0.5, 1.0, 2.0))))
        op = d(st.sampled_from(["<", ">", "<=", ">="]))
        return ("cmp", op, self.expr(ctx, max(depth, 1))[0], self.expr(ctx, max(depth, 0))[0])

    # ---------------------------------------------------------------- statements

    def assign_targets(self, ctx):
        return sorted(ctx.free) + sorted(ctx.fixed)

    def assign(self, ctx, out):
        """Assign a new local or reassign one the block may write."""
        d = self.draw
        targets = self.assign_targets(ctx)
        # inside blocks, mostly update what the rest of the program reads
        if targets and (d(st.booleans()) or (ctx.depth > 0 and d(st.integers(0, 3)) > 0)):
            v = d(st.sampled_from(targets))
            if v in ctx.fixed:
                z = ctx.fixed[v]
                form = d(st.sampled_from(["recur", "recur_abs", "max", "plain"]))
                if form == "plain":
                    e, _ = self.bounded_expr(ctx, 3, z)
                    out.append(("assign", v, e))
                elif form == "max":
                    e, _ = self.bounded_expr(ctx, 2, z)
                    out.append(("assign", v, ("nary", d(st.sampled_from(["max", "min"])), [("var", v), e])))
                else:  # v = 0.5 * v + e  with |e| <= z / 2
                    e, _ = self.bounded_expr(ctx, 2, z / 2)
                    if form == "recur_abs":
                        e = ("fn", "abs", e)
                    out.append(("assign", v, ("bin", "+", ("bin", "*", ("num", 0.5), ("var", v)), e)))
                return
            if d(st.booleans()):
                op = d(st.sampled_from("+-"))
                e, b = self.bounded_expr(ctx, 2, LIMIT / 2)
                if ctx.floats[v] + b > LIMIT:
                    out.append(("assign", v, ("fn", "tanh", ("bin", op, ("var", v), e))))
                    ctx.floats[v] = 1.0
                else:
                    out.append(("aug", v, op, e))
                    ctx.floats[v] = ctx.floats[v] + b
                return
            e, b = self.expr(ctx, 3)
            out.append(("assign", v, e))
            ctx.floats[v] = b
            return
        v = self.fresh("v")
        e, b = self.expr(ctx, 3)
        out.append(("assign", v, e))
        ctx.floats[v] = b
        ctx.free.add(v)

    def if_stmt(self, ctx, out):
        d = self.draw
        n_branches = d(st.integers(1, 3))
        has_else = d(st.booleans())
        branches, ctxs = [], []
        for _ in range(n_branches):
            c = self.cond(ctx, 1)
            bctx = ctx.child()
            branches.append((c, self.block(bctx, d(st.integers(1, 2)))))
            ctxs.append(bctx)
        orelse = None
        if has_else:
            ectx = ctx.child()
            orelse = self.block(ectx, d(st.integers(1, 2)))
            ctxs.append(ectx)
        for v in list(ctx.floats):  # a variable's bound after the if: the largest of any path
            ctx.floats[v] = max([ctx.floats[v]] + [c.floats[v] for c in ctxs])
        out.append(("if", branches, orelse))

    def loop(self, ctx, out, kind):
        d = self.draw
        # loop-carried variables: chosen among those this block may write
        writable = self.assign_targets(ctx)
        carried = sorted(set(d(st.lists(st.sampled_from(writable), min_size=1, max_size=2)))) if writable else []
        fixed = {}
        for v in carried:
            z = ctx.fixed[v] if v in ctx.fixed else max(ctx.floats[v], LIMIT)
            fixed[v] = z
            ctx.floats[v] = z
        accum = set()
        if d(st.booleans()):
            s = self.fresh("s")
            out.append(("assign", s, ("num", 0.0)))
            ctx.floats[s] = N_MAX * ACC
            ctx.free.add(s)
            accum.add(s)
        var = self.fresh("i" if kind == "for" else "k")
        body_ctx = ctx.child(free=set(), fixed=fixed, accum=accum, loop=kind)
        body_ctx.ints = ctx.ints + [var]
        if kind == "while":
            test = self.cond(ctx, 1)
        body = self.block(body_ctx, d(st.integers(1, 3)))
        for s in sorted(body_ctx.accum):  # each accumulator is added to at least once
            e, _ = self.bounded_expr(body_ctx, 2, ACC)
            body.append(("aug", s, "+", e))
        if kind == "for":
            rng = d(st.sampled_from(["range(n)", "range(n)", "range(1, n + 1)", "range(n - 1, -1, -1)"]))
            out.append(("for", var, rng, body))
        else:
            out.append(("while", var, test, body))

    def stmt(self, ctx, out):
        d = self.draw
        self.budget -= 1
        kinds = ["assign"] * 4
        if self.budget > 0 and ctx.depth < 3:
            kinds += ["if"]
        if self.budget > 0 and ctx.depth < 2:
            kinds += ["for", "for", "if"]
            if not self.jax:
                kinds += ["while"]
        if ctx.loop and not self.jax:
            kinds += ["break", "continue"]
        if ctx.accum:
            kinds += ["accum", "accum"]
        if not self.jax:
            kinds += ["return"]
        kind = d(st.sampled_from(kinds))
        if kind == "assign":
            self.assign(ctx, out)
        elif kind == "if":
            self.if_stmt(ctx, out)
        elif kind in ("for", "while"):
            self.loop(ctx, out, kind)
        elif kind == "accum":
            s = d(st.sampled_from(sorted(ctx.accum)))
            e, _ = self.bounded_expr(ctx, 2, ACC)
            out.append(("aug", s, "+", e))
            ctx.accum.discard(s)
        elif kind in ("break", "continue", "return"):
            stmt = (kind,) if kind != "return" else ("return", self.expr(ctx, 3)[0])
            out.append(("if", [(self.cond(ctx, 1), [stmt])], None))

    def block(self, ctx, n):
        """At least one statement, at most ``n`` while the budget lasts."""
        out = []
        for k in range(n):
            if k and self.budget <= 0:
                break
            self.stmt(ctx, out)
        return out

    def program(self):
        ctx = Ctx(floats={"x": 2.0, "y": 2.0}, ints=["n"], free={"x", "y"})
        body = self.block(ctx, MAX_STATEMENTS)
        # the result reads every top-level local, so that no computation is dead
        result, _ = self.expr(ctx, 3)
        for v in sorted(ctx.floats):
            if v not in ("x", "y"):
                result = ("bin", "+", result, ("bin", "*", ("num", 0.3), ("var", v)))
        body.append(("return", result))
        return body


@st.composite
def programs(draw, jax=False):
    return Gen(draw, jax).program()


# --------------------------------------------------------------------------- loading and checking

_LOADED: dict[str, object] = {}


def load(source: str):
    """Write ``source`` to a file named by its hash, import it, return its ``f``
    (the same source always gives the same file, so replayed examples agree)."""
    key = hashlib.sha256(source.encode()).hexdigest()[:16]
    if key not in _LOADED:
        name = f"nsadc_random_program_{key}"
        path = _DIR / f"{name}.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        _LOADED[key] = mod.f
    return _LOADED[key]


def _shift(args, k, h):
    a = list(args)
    a[k] += h
    return a


def generic_gradient(fn, args):
    """Central differences of ``fn`` w.r.t. x and y at ``args``, or None when a
    kink, branch boundary or jump lies within about 1e-4 of the point."""
    f0 = fn(*args)
    if not math.isfinite(f0):
        return None
    grad = []
    for k in range(2):
        scale = max(1.0, abs(args[k]))
        h, H = 1e-6 * scale, 1e-4 * scale
        fp, fm = fn(*_shift(args, k, h)), fn(*_shift(args, k, -h))
        Fp, Fm = fn(*_shift(args, k, H)), fn(*_shift(args, k, -H))
        central = (fp - fm) / (2 * h)
        tol = 0.5 * (RTOL * abs(central) + ATOL)
        # second differences: h * f'' when smooth within 1e-4, about the slope's
        # jump when a kink lies within 1e-6 (and huge at a jump of f)
        second_h = (fp - 2 * f0 + fm) / h
        second_H = (Fp - 2 * f0 + Fm) / H
        if abs(second_h - (h / H) * second_H) > tol:
            return None
        if abs((Fp - Fm) / (2 * H) - central) > tol:    # one within 1e-4
            return None
        grad.append(central)
    return grad


def check_program(d, fn, args, expected):
    """nsadc's primal, grad, jvp (each axis and a mixed direction) and vjp at a
    generic point ``args`` against the central differences ``expected``."""
    value = d(*args)
    np.testing.assert_allclose(value, fn(*args), rtol=1e-9, atol=1e-12, err_msg="primal")
    g = d.grad(*args)
    np.testing.assert_allclose(g, expected, rtol=RTOL, atol=ATOL, err_msg="reverse (grad) vs FD")
    for k in range(2):
        tangent = [0.0, 0.0]
        tangent[k] = 1.0
        v, dot = d.jvp(args, tangent)
        np.testing.assert_allclose(v, value, rtol=1e-12, atol=1e-12, err_msg="jvp value")
        np.testing.assert_allclose(dot, expected[k], rtol=RTOL, atol=ATOL, err_msg=f"forward[{k}] vs FD")
    v, dot = d.jvp(args, (0.7, -1.3))
    np.testing.assert_allclose(dot, 0.7 * expected[0] - 1.3 * expected[1], rtol=RTOL, atol=3 * ATOL,
                               err_msg="forward along (0.7, -1.3) vs FD")
    v, adj = d.vjp(args, -2.5)
    np.testing.assert_allclose(v, value, rtol=1e-12, atol=1e-12, err_msg="vjp value")
    np.testing.assert_allclose(adj, [-2.5 * e for e in expected], rtol=RTOL, atol=2.5 * ATOL,
                               err_msg="vjp vs FD")
    return g


# Hypothesis favours "nice" floats (0, 1, -2, x == y, ...), which are exactly where
# generated programs put their kinks and branch boundaries; some of those the
# finite-difference test cannot see (a kink that cancels: nsadc then returns a
# valid but different element, e.g. abs'(0) = 0 in `abs(x) if x >= 0 else x`).
# So a drawn u in [-2, 2] is read as 2 sin(u + offset), a different offset per
# coordinate: this still covers [-2, 2] (nearly), shrinks well, and maps nice
# and equal draws to unremarkable, distinct points.
_unit = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)
xs = _unit.map(lambda u: 2.0 * math.sin(u + 0.3183098861837907))
ys = _unit.map(lambda u: 2.0 * math.sin(u + 0.5772156649015329))
counts = st.integers(0, N_MAX)
# nsadc compiles each program once (most of an example's time): check it at a few points
points = st.lists(st.tuples(xs, ys), min_size=1, max_size=3)

SETTINGS = {
    "deadline": None,
    "database": None,
    "derandomize": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
}


def _generic_points(fn, pts, n):
    """[(args, central differences)] of the generic points among ``pts``."""
    out = []
    for x, y in pts:
        expected = generic_gradient(fn, (x, y, n))
        if expected is not None:
            out.append(((x, y, n), expected))
    assume(out)
    return out


def _run(body, pts, n, target):
    source = render_python(body)
    note(source)
    fn = load(source)
    cases = _generic_points(fn, pts, n)
    d = nsadc.differentiate(fn, target=target)
    for args, expected in cases:
        note(f"at {args!r}: central differences {expected!r}")
        check_program(d, fn, args, expected)


# --------------------------------------------------------------------------- tests

@settings(max_examples=1500, **SETTINGS)
@given(programs(), points, counts)
def test_random_program_matches_finite_differences(body, pts, n):
    _run(body, pts, n, "python")


@pytest.mark.slow
@settings(max_examples=10, **SETTINGS)
@given(programs(), points, counts)
def test_random_program_matches_finite_differences_cpu(body, pts, n):
    _run(body, pts, n, "cpu")


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
@settings(max_examples=20, **SETTINGS)
@given(programs(jax=True), points, counts)
def test_random_program_matches_jax(body, pts, n):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    source = render_python(body)
    jax_source = render_jax(body)
    note(source)
    note(jax_source)
    fn = load(source)
    jfn = load(jax_source)
    cases = _generic_points(fn, pts, n)
    d = nsadc.differentiate(fn, target="python")
    jgrad = jax.value_and_grad(jfn, argnums=(0, 1))
    for args, _ in cases:
        value, g = d.value_and_grad(*args)
        jvalue, jg = jgrad(*args)
        np.testing.assert_allclose(value, float(jvalue), rtol=1e-9, atol=1e-12, err_msg="primal vs JAX")
        np.testing.assert_allclose(g, [float(v) for v in jg], rtol=1e-7, atol=1e-9, err_msg="grad vs JAX")


# --------------------------------------------------------------------------- the check can fail

# the rule, and what the source of a program that uses it contains
MUTATED = {"mul": " * ", "abs": "abs(", "div": " / ", "tanh": "tanh(", "max": "max",
           "clip": "clip(", "hypot": "hypot("}


@pytest.mark.parametrize("prim", [
    "mul", "abs",
    *(pytest.param(p, marks=pytest.mark.slow) for p in ("div", "tanh", "max", "clip", "hypot")),
])
def test_a_wrong_rule_is_detected(prim, monkeypatch, tmp_path):
    """Scale one primitive's partial derivatives by 1.01 in nsadc's rule table:
    the random programs that use it must catch it within a few examples."""
    from nsadc.ir.build import c, mul
    from nsadc.rules.table import RULES

    monkeypatch.setenv("NSADC_CACHE_DIR", str(tmp_path))  # no cached, correct pipeline
    rule = RULES[prim]

    def wrong(args, out, active, sel, tmp):
        setup, grads = rule.partials(args, out, active, sel, tmp)
        return setup, [None if g is None else mul(c(1.01), g) for g in grads]

    monkeypatch.setitem(RULES, prim, dataclasses.replace(rule, partials=wrong))

    @settings(max_examples=60, phases=[Phase.generate], report_multiple_bugs=False, **SETTINGS)
    @given(programs(), points, counts)
    def search(body, pts, n):
        assume(MUTATED[prim] in render_python(body))
        _run(body, pts, n, "python")

    with pytest.raises(AssertionError, match="vs FD"):
        search()
