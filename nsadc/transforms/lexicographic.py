"""Clarke mode: the lexicographic (LD-derivative) transform.

Vector forward mode with ``k`` directions, unrolled into scalar variables
(``u_d0 … u_d{k-1}``: no allocation, so the same code can later run as a CUDA
device function).  Smooth operations propagate every direction with the rule
table's partials; nonsmooth primitives use their lexicographic rules
(rules/lexico.py); a comparison of differentiable values is decided by the
lexicographic sign of the difference, so at a tie the branch taken is the one
the directions lead into (Billingsley & Barton).  With an invertible seed
matrix ``M``, ``J_L f(x; M)·M⁻¹`` is an element of the Clarke generalized
gradient of a piecewise-C¹ program.

This unrolled form serves scalar programs, whose number of directions is the
number of float arguments; programs with arrays use the looped form of
transforms/lexicographic_arrays.py.
"""

from __future__ import annotations

from collections import Counter

from nsadc.analyses.facts import Facts
from nsadc.ir.build import add, c, mul, sub
from nsadc.ir.nodes import Assign, Call, Comment, Const, Function, Param, Return, Stmt, Var, rewrite, walk
from nsadc.rules.lexico import fsign
from nsadc.rules.table import NAN_IN_NAN_OUT, RULES
from nsadc.transforms.common import location, nan_where_nan


def lexicographic(fn: Function, facts: Facts, names, k: int) -> Function:
    """``fn`` -> ``fn_ld(*args, *seeds) -> (value, (d0, …, d{k-1}))`` where the
    seeds are, for each wrt argument in order, its k directional components."""
    return _Lexicographic(fn, facts, names, k).function()


class _Lexicographic:
    """The transform's state: the k directional components of each varied float."""

    def __init__(self, fn: Function, facts: Facts, names, k: int):
        self.fn, self.facts, self.names, self.k = fn, facts, names, k
        self.carried = {v for v in facts.varied if facts.types.get(v) == "float"}
        self.dnames: dict[tuple[str, int], str] = {}
        assigned = [t for t in walk(fn.body) if isinstance(t, Assign)]
        times = Counter(t.target for t in assigned)
        self.defs = {t.target: t.value for t in assigned if times[t.target] == 1}  # values assigned once

    def d(self, var: str, j: int) -> str:
        key = (var, j)
        if key not in self.dnames:
            self.dnames[key] = self.names.fresh(f"{var}_d{j}")
        return self.dnames[key]

    def dots_of(self, e) -> list | None:
        if isinstance(e, Var) and e.name in self.carried:
            return [Var(self.d(e.name, j)) for j in range(self.k)]
        return None

    def ret(self, s: Return) -> Return:
        k = self.k
        if isinstance(s.value, tuple):  # several outputs: their values, their directions
            ds = tuple(Call("tuple", tuple(self.dots_of(v) or [c(0)] * k)) for v in s.value)
            return Return((Call("tuple", s.value), Call("tuple", ds)), s.loc)
        ds = self.dots_of(s.value) or [c(0)] * k
        return Return((s.value, Call("tuple", tuple(ds))), s.loc)

    def assign(self, s: Assign) -> list[Stmt]:
        call, k = s.value, self.k
        if isinstance(call, Call) and call.prim == "norm_root":
            return self.norm(s)
        primal = Assign(s.target, call, s.loc, s.site)
        rule = RULES[call.prim] if isinstance(call, Call) else None
        if rule is not None and rule.kink is not None and rule.kink.kind == "branch" and s.site is not None:
            return self.compare(s)
        if s.target not in self.carried:
            return [primal]
        if not isinstance(call, Call):  # a copy (k = i, the loop's last value read after it) or a constant
            dots = self.dots_of(call) or [c(0)] * k
            return [primal] + [Assign(self.d(s.target, j), dots[j]) for j in range(k)]
        arg_dots = [self.dots_of(a) for a in call.args]
        if rule.partials is None or all(ad is None for ad in arg_dots):
            return [primal] + [Assign(self.d(s.target, j), c(0)) for j in range(k)]
        self_ref = any(isinstance(a, Var) and a.name == s.target for a in call.args)
        out_var = None if self_ref else Var(s.target)
        comment: list[Stmt] = []
        if rule.lexico is not None:
            setup, out_dots = self.kink_dots(s, rule, arg_dots, out_var)
            comment = [Comment(f"kink: {_src(call)} at {location(s)}; lexicographic: follows the "
                               "first nonzero of (value, directions)")]
        else:
            setup, out_dots = self.smooth_dots(s, rule, arg_dots, out_var)
        setup_stmts = [Assign(n, e) for n, e in setup]
        if self_ref:  # directions read the old value: compute them into temporaries first
            fresh = [self.names.fresh(f"{s.target}_new_d{j}") for j in range(k)]
            return (comment + setup_stmts + [Assign(f, e) for f, e in zip(fresh, out_dots)] + [primal]
                    + [Assign(self.d(s.target, j), Var(f)) for j, f in enumerate(fresh)])
        return comment + [primal] + setup_stmts + [Assign(self.d(s.target, j), e) for j, e in enumerate(out_dots)]

    def norm(self, s: Assign) -> list[Stmt]:
        """``r = norm_root(s)``, the root of a sum of squares, as the hypot of
        the squared terms (``hypot(hypot(a, b), c)``): the sum's own
        directions are all 0 where it is 0, so they cannot say which way the
        norm grows there, while the terms' directions can (hypot's
        lexicographic rule)."""
        terms = self.squared_terms(s.value.args[0])
        if terms is None:  # a sum accumulated in a loop: sqrt's own rule (+inf at 0)
            return self.assign(Assign(s.target, Call("sqrt", s.value.args), s.loc))
        if len(terms) == 1:  # the root of one square: its absolute value
            return self.assign(Assign(s.target, Call("abs", (terms[0],)), s.loc, s.site))
        out: list[Stmt] = []
        total = terms[0]
        for n, term in enumerate(terms[1:], start=2):
            last = n == len(terms)
            target = s.target if last else self.names.fresh(f"{s.target}_of_{n}_terms")
            if not last:
                self.facts.types[target] = "float"
                if self.dots_of(total) is not None or self.dots_of(term) is not None:
                    self.carried.add(target)
            out += self.assign(Assign(target, Call("hypot", (total, term)), s.loc, s.site if last else None))
            total = Var(target)
        return out

    def squared_terms(self, e) -> list | None:
        """The values whose squares add up to ``e`` (``t = a * a``, ``a ** 2``,
        each assigned once), or None."""
        value = self.defs.get(e.name) if isinstance(e, Var) else None
        if not isinstance(value, Call):
            return None
        if value.prim == "add":
            parts = [self.squared_terms(a) for a in value.args]
            return None if None in parts else parts[0] + parts[1]
        a = value.args[0] if value.args else None
        if value.prim == "mul" and self.same(*value.args) or value.prim == "square" or (
                value.prim == "pow" and value.args[1] == Const(2)):
            return [a]
        return None

    def same(self, a, b) -> bool:
        """``a`` and ``b`` are the same value: one name, or two names assigned
        once the same expression of the same values (``(y - c) * (y - c)``
        computes ``y - c`` twice)."""
        if a == b:
            return True
        if isinstance(a, Var) and isinstance(b, Var):
            a, b = self.defs.get(a.name), self.defs.get(b.name)
        return isinstance(a, Call) and isinstance(b, Call) and a.prim == b.prim and len(a.args) == len(b.args) \
            and all(self.same(x, y) for x, y in zip(a.args, b.args))

    def tmp_for(self, target: str):
        return lambda hint: self.names.fresh(f"{hint}_{target}")

    def kink_dots(self, s: Assign, rule, arg_dots, out_var):
        """A kink primitive's directions, by its lexicographic rule."""
        call = s.value
        setup, out_dots = rule.lexico(list(call.args), arg_dots, out_var, self.tmp_for(s.target))
        if call.prim in NAN_IN_NAN_OUT:  # NaN in, NaN out (docs/kinks.md)
            out_dots = [nan_where_nan(call.args, self.facts.types, d) for d in out_dots]
        return setup, out_dots

    def smooth_dots(self, s: Assign, rule, arg_dots, out_var):
        """A smooth primitive's directions: its partials times each argument's."""
        active = [ad is not None for ad in arg_dots]
        setup, grads = rule.partials(list(s.value.args), out_var, active, None, self.tmp_for(s.target))
        out_dots = []
        for j in range(self.k):
            total = c(0)
            for g, ad in zip(grads, arg_dots):
                if g is not None and ad is not None:
                    total = add(total, mul(g, ad[j]))
            out_dots.append(total)
        return setup, out_dots

    def compare(self, s: Assign) -> list[Stmt]:
        """A comparison of varied values, decided by the lexicographic sign of their difference."""
        names, k = self.names, self.k
        a, b = s.value.args
        da, db = self.dots_of(a) or [c(0)] * k, self.dots_of(b) or [c(0)] * k
        sign = names.fresh(f"lex_{s.target}")
        gap = names.fresh(f"gap_{s.target}")
        gaps = [names.fresh(f"gap_{s.target}_d{j}") for j in range(k)]
        setup = [Assign(gap, sub(a, b))] + [Assign(g, sub(x, y)) for g, x, y in zip(gaps, da, db)]
        setup += [Assign(n, e) for n, e in fsign(sign, Var(gap), [Var(g) for g in gaps])]
        decided = Assign(s.target, Call(s.value.prim, (Var(sign), c(0))), s.loc, s.site)
        note = Comment(f"branch: {_src(s.value)} at {location(s)}; decided by the lexicographic sign "
                       "of the difference (a tie follows the directions)")
        # a test's name that later holds a number (r = x > 1.0 and y): a bool has no directions
        zeros = [Assign(self.d(s.target, j), c(0)) for j in range(k)] if s.target in self.carried else []
        return [note] + setup + [decided] + zeros

    def function(self) -> Function:
        fn, facts, k = self.fn, self.facts, self.k
        body = rewrite(fn.body, self.assign, self.ret)
        wrt_float = [w for w in facts.wrt if facts.types.get(w) == "float"]
        seeds = [Param(self.d(w, j), "float") for w in wrt_float for j in range(k)]
        # a parameter outside wrt that is overwritten later is active: its incoming value has no directions
        body = [Assign(self.d(p.name, j), c(0)) for p in fn.params if p.name in facts.active
                and p.name not in wrt_float for j in range(k)] + body
        doc = (f"{fn.name} and its lexicographic directional derivatives along {k} directions "
               f"(seeds: {', '.join(p.name for p in seeds)}).")
        return Function(f"{fn.name}_ld", list(fn.params) + seeds, body, fn.loc, doc, facts.types)


def _src(e) -> str:
    from nsadc.rules.source import kink_source

    return kink_source(e)
