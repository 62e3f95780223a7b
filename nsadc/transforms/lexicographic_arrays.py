"""Clarke mode for programs with arrays: the lexicographic transform with a
number of directions known only at the call.

With the identity seed there is one direction per scalar entry of the wrt
arguments, so the directions cannot be unrolled into scalars as in
transforms/lexicographic.py.  They are carried in arrays with a leading
direction dimension: a scalar ``u`` has ``u_d[j]``, an array ``A`` has
``A_d[j, i, k]``, for ``j < nd``.  Every such array is allocated once, at
entry or beside its array's own allocation (never in a loop, so that the code
can become a CUDA device function), and each statement updates its result's
derivatives in a ``for j in range(nd)`` loop.  At a kink or a comparison the
lexicographic sign is the sign of the first nonzero of (value, direction 0,
1, ...), found by a loop that stops there (rules/lexico.py, ``LEXICO_LOOPS``).

The max / min reductions of whole-array NumPy are lowered to a search for the
first extreme entry, comparing detached values, plus tie shares
(rules/vector.py).  Here the search compares (value, directions)
lexicographically and the entry it finds carries its directions, so the
reduction follows the lexicographically extreme tied entry: the LD derivative
of the maximum.  The tie shares then carry nothing.

A kink primitive without a lexicographic rule (the 2-norm at 0, whose
directions the sum of squares under it no longer shows) keeps its policy
selection and, when its kink is met, records its site in ``undecided``:
``clarke_grad`` then refuses the result, naming the site.
"""

from __future__ import annotations

from nsadc.errors import UnsupportedError
from nsadc.analyses.facts import Facts, passes_derivative, varied_from
from nsadc.ir.build import add, c, mul, sub
from nsadc.ir.nodes import (Assign, Call, Comment, Const, Expr, For, Function, If, Param, Return, Stmt, Var,
                            While, expressions_read, operations, rewrite, select, variables, walk)
from nsadc.rules.arrays import ALLOCATORS, ARRAY_VALUES, LIKE, differentiable_type, is_array, rank
from nsadc.rules.lexico import LEXICO_LOOPS, first_nonzero
from nsadc.rules.table import NAN_IN_NAN_OUT, RULES
from nsadc.transforms.common import location, nan_where_nan

COMPARISONS = ("lt", "le", "gt", "ge", "eq", "ne")


def lexicographic_arrays(fn: Function, facts: Facts, names) -> Function:
    """``fn`` -> ``fn_ld(*args, *seeds) -> (value, value_d, undecided)``: one seed
    per wrt argument, ``w_d[j]`` its component along direction ``j`` (shape
    ``(nd,)`` for a float, ``(nd, *w.shape)`` for an array); ``value_d[j]`` the
    derivative along direction j; ``undecided`` a kink site Clarke mode could
    not decide, or -1.  Raises UnsupportedError for what it cannot do."""
    carried = _carried(fn, facts)
    _check_reductions(fn, carried)
    return _Lexico(fn, facts, names, carried).transform()


def _carried(fn: Function, facts: Facts) -> set[str]:
    """The variables whose directions are computed: every float or float array
    that depends on a wrt argument (also the operands of comparisons, which
    decide branches lexicographically, hence "varied", not only "active").
    Directions flow as in the other modes, and also through the detached
    values of the reductions' searches (module docstring) but not through
    their tie shares."""
    searched = _searched(fn, facts.types)

    def passes(s: Assign) -> bool:
        prim = s.value.prim
        return s.target in searched if prim == "detach" else passes_derivative(prim) and prim != "share"

    return varied_from(fn, facts.types, facts.wrt, passes)


def _searched(fn: Function, types: dict[str, str]) -> set[str]:
    """The detached values of a max / min search: read only by a strict
    comparison that is an `if` test assigning indices and the best value (the
    search), or as the extreme (its copies, tie counts and tie shares).  Any
    other detached value keeps its meaning, no derivative (e.g. np.sort's tie
    grouping)."""
    tests: dict[str, If] = {}
    for s in walk(fn.body):
        if isinstance(s, If) and isinstance(s.test, Var):
            tests[s.test.name] = s
    uses: dict[str, list] = {}
    for s in walk(fn.body):
        if isinstance(s, Assign) and isinstance(s.value, Call):
            for i, a in enumerate(s.value.args):
                if isinstance(a, Var):
                    uses.setdefault(a.name, []).append((s, i))
        elif not isinstance(s, Assign):
            for e in expressions_read(s):
                for name in variables(e):
                    uses.setdefault(name, []).append((s, None))

    def search_test(s: Assign) -> bool:
        """``better = candidate > best``, read only by ``if better:``, which assigns
        indices (ints) and ``best = candidate``."""
        branch = tests.get(s.target)
        if s.value.prim not in ("lt", "gt") or branch is None or [u for u, _ in uses.get(s.target, [])] != [branch]:
            return False
        candidate, best = s.value.args

        def found(t) -> bool:
            return isinstance(t, Assign) and (types.get(t.target) == "int" or (
                isinstance(best, Var) and t.target == best.name and t.value == Call("copy", (candidate,))))
        return all(found(t) for t in branch.body + branch.orelse)

    def searched_use(s, i) -> bool:
        if not isinstance(s, Assign):
            return False
        return (s.value.prim in ("copy", "tie") or (s.value.prim == "share" and i == 1)
                or (s.value.prim in COMPARISONS and search_test(s)))

    detached = [s.target for s in walk(fn.body) if isinstance(s, Assign) and isinstance(s.value, Call)
                and s.value.prim == "detach"]
    return {d for d in detached if all(searched_use(s, i) for s, i in uses.get(d, []))}


def _check_reductions(fn: Function, carried: set[str]) -> None:
    """A tie share of a differentiated entry needs its extreme to carry the
    directions the search found (module docstring)."""
    for s in walk(fn.body):
        if isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim == "share":
            x, m = s.value.args[:2]
            if isinstance(x, Var) and x.name in carried and not (isinstance(m, Var) and m.name in carried):
                raise UnsupportedError("Clarke mode cannot follow this max / min reduction", s.loc,
                                       "use grad (its kink report says whether a kink was met), or write "
                                       "the max / min as a loop with max()")


class _Lexico:
    def __init__(self, fn: Function, facts: Facts, names, carried: set[str]):
        self.fn, self.facts, self.names, self.carried = fn, facts, names, carried
        self.types = facts.types
        self.j = Var(names.fresh("j"))
        self.nd = Var(names.fresh("nd"))
        self.dnames: dict[str, str] = {}
        self.undecided: str | None = None
        # top-level first assignments: their directions are still the zeros of the allocation
        seen: set[str] = {p.name for p in fn.params}
        self.fresh_zero: set[int] = set()
        for st in walk(fn.body):
            if isinstance(st, Assign) and st.target not in seen:
                seen.add(st.target)
                if any(st is top for top in fn.body):
                    self.fresh_zero.add(id(st))

    # ------------------------------------------------------------ names

    def d(self, var: str) -> str:
        """``u_d``: the directions of ``var`` (``u_d[j]``, or ``A_d[j, i, k]``)."""
        if var not in self.dnames:
            self.dnames[var] = self.names.fresh(f"{var}_d")
        return self.dnames[var]

    def dot(self, e: Expr) -> Expr | None:
        """The derivative of scalar operand ``e`` along direction j (None: constant)."""
        if isinstance(e, Var) and e.name in self.carried:
            return Call("load", (Var(self.d(e.name)), self.j))
        return None

    def each_direction(self, target: str, index: tuple, value: Expr) -> For:
        """``for j in range(nd): target_d[j, *index] = value``."""
        d = Var(self.d(target))
        return For(self.j.name, Const(0), self.nd, Const(1),
                   [Assign(d.name, Call("store", (d, self.j, *index, value)))])

    def zeros(self, var: str) -> Call:
        """``np.zeros((nd, *var.shape))``: directions for ``var``, all 0."""
        t = self.types.get(var)
        dims = [Call("shape", (Var(var), Const(k))) for k in range(rank(t))] if is_array(t) else []
        return Call("zeros", (self.nd, *dims))

    # ------------------------------------------------------------ statements

    def assign(self, s: Assign) -> list[Stmt]:
        v = s.value if isinstance(s.value, Call) else Call("copy", (s.value,))
        primal = Assign(s.target, s.value, s.loc, s.site)
        if v.prim in COMPARISONS and any(self.dot(a) is not None for a in v.args):
            return self.compare(s, v)
        if s.target not in self.carried:
            return self.note(s, v) + [primal]
        if v.prim == "load" or v.prim in ARRAY_VALUES:
            return [primal] + self.array_directions(s, v)
        dots = [self.dot(a) for a in v.args]
        no_rule = RULES[v.prim].partials is None and v.prim != "detach"
        if all(d is None for d in dots) or no_rule or v.prim == "share":
            fresh = id(s) in self.fresh_zero and not is_array(self.types.get(s.target))
            return [primal] + ([] if fresh else [self.each_direction(s.target, (), c(0))])
        self_ref = any(isinstance(a, Var) and a.name == s.target for a in v.args)
        out = None if self_ref else Var(s.target)

        def tmp(hint: str) -> str:
            return self.names.fresh(f"{hint}_{s.target}")

        rule = RULES[v.prim]
        if v.prim in LEXICO_LOOPS:
            pre, out_dot = LEXICO_LOOPS[v.prim](list(v.args), dots, out, tmp, self.j, self.nd)
        elif v.prim == "detach":  # the reductions' search: the value keeps its directions here
            pre, out_dot = [], dots[0]
        else:
            pre, out_dot = self.smooth(s, v, dots, out, tmp)
        if rule.kink is not None and rule.kink.kind == "kink" and v.prim not in LEXICO_LOOPS:
            pre = self.undecidable(s, v) + pre
        if v.prim in NAN_IN_NAN_OUT:  # NaN in, NaN out (docs/kinks.md)
            out_dot = nan_where_nan(v.args, self.types, out_dot)
        update = [] if out_dot == Call("load", (Var(self.d(s.target)), self.j)) else [
            self.each_direction(s.target, (), out_dot)]
        if self_ref:  # the directions read the old value: compute them first
            return self.note(s, v) + pre + update + [primal]
        return self.note(s, v) + [primal] + pre + update

    def smooth(self, s: Assign, v: Call, dots, out, tmp) -> tuple[list[Stmt], Expr]:
        """Σ ∂ᵢop · operand i's derivative, the partials from the rule table."""
        rule = RULES[v.prim]
        sel = rule.kink.selections.get("min-norm") if rule.kink is not None else None
        setup, grads = rule.partials(list(v.args), out, [d is not None for d in dots], sel, tmp)
        total: Expr = c(0)
        for g, d in zip(grads, dots):
            if g is not None and d is not None:
                total = add(total, mul(g, d))
        return [Assign(n, e) for n, e in setup], total

    def undecidable(self, s: Assign, v: Call) -> list[Stmt]:
        """A kink without a lexicographic rule: record its site where it is met."""
        if self.undecided is None:
            self.undecided = self.names.fresh("undecided")
        met = RULES[v.prim].kink.at_kink(list(v.args))
        site = Const(-1 if s.site is None else s.site)
        return [Assign(self.undecided, select(met, site, Var(self.undecided)))]

    def compare(self, s: Assign, v: Call) -> list[Stmt]:
        """A comparison of values with directions, decided by the lexicographic
        sign of the difference: at a tie the branch the directions lead into."""
        a, b = v.args
        lex = self.names.fresh(f"lex_{s.target}")
        da, db = self.dot(a) or c(0), self.dot(b) or c(0)
        decided = Assign(s.target, Call(v.prim, (Var(lex), c(0))), s.loc, s.site)
        note = self.note(s, v) if s.site is not None else [Comment(
            "the max / min search compares (value, directions) lexicographically: at a tie it takes the "
            "entry the directions lead to")]
        return note + first_nonzero(lex, sub(a, b), sub(da, db), self.j, self.nd) + [decided]

    def array_directions(self, s: Assign, v: Call) -> list[Stmt]:
        """Loads read the directions' array, stores write it, allocations make one."""
        target = s.target
        if v.prim == "load":
            array, index = v.args[0], v.args[1:]
            if array.name not in self.carried:
                return [self.each_direction(target, (), c(0))]
            return [self.each_direction(target, (), Call("load", (Var(self.d(array.name)), self.j, *index)))]
        if v.prim == "store":
            index, value = v.args[1:-1], v.args[-1]
            return [self.each_direction(target, tuple(index), self.dot(value) or c(0))]
        if v.prim == "array_copy" and v.args[0].name in self.carried:
            return [Assign(self.d(target), Call("array_copy", (Var(self.d(v.args[0].name)),)))]
        assert v.prim in ALLOCATORS or v.prim in LIKE or v.prim in ("full", "array_copy"), v.prim
        return [Assign(self.d(target), self.zeros(target))]

    def note(self, s: Assign, v: Call) -> list[Stmt]:
        """The comment at a kink or branch site (and at the reductions' search)."""
        if s.site is None:
            return []
        from nsadc.rules.source import expr_source, kink_source

        where = location(s)
        rule = RULES[v.prim]
        if v.prim == "share":
            return [Comment(f"kink: the max/min reduction at {where}; Clarke mode: its lexicographic "
                            "search chose the entry, whose directions the result carries")]
        if rule.kink.kind == "branch":
            return [Comment(f"branch: {expr_source(v)} at {where}; decided by the lexicographic sign of "
                            "the difference (a tie follows the directions)")]
        if rule.kink.kind == "jump":
            return [Comment(f"jump: {expr_source(v)} at {where}; derivative 0 (piecewise constant)")]
        if v.prim in LEXICO_LOOPS:
            return [Comment(f"kink: {kink_source(v)} at {where}; lexicographic: follows the first nonzero "
                            "of (value, directions)")]
        return [Comment(f"kink: {kink_source(v)} at {where}; no lexicographic rule: where met, the site is "
                        "returned as undecided")]

    def ret(self, s: Return) -> Return:
        def dots(value):
            if isinstance(value, Var) and value.name in self.carried:
                return Var(self.d(value.name))
            return self.zeros(value.name) if isinstance(value, Var) else Call("zeros", (self.nd,))

        undecided = Var(self.undecided) if self.undecided else Const(-1)
        if isinstance(s.value, tuple):  # several outputs: their values, their directions
            return Return((Call("tuple", s.value), Call("tuple", tuple(map(dots, s.value))), undecided), s.loc)
        return Return((s.value, dots(s.value), undecided), s.loc)

    # ------------------------------------------------------------ function

    def transform(self) -> Function:
        fn, facts = self.fn, self.facts
        wrt = [w for w in facts.wrt if differentiable_type(self.types.get(w))]
        seeds = [self.d(w) for w in wrt]  # named first: x_d, not x_d_2
        body = rewrite(fn.body, self.assign, self.ret)
        entry: list[Stmt] = [Assign(self.nd.name, Call("shape", (Var(seeds[0]), Const(0))) if seeds
                                    else Const(0))]
        # the caller's arrays stay as they are: arrays the function writes into are copied
        for p in fn.stored_params:
            entry.append(Assign(p, Call("array_copy", (Var(p),))))
            if p in wrt:
                entry.append(Assign(self.d(p), Call("array_copy", (Var(self.d(p)),))))
        # every scalar's directions, allocated once here (no allocation in loops)
        params = {p.name for p in fn.params}
        for var, dname in self.dnames.items():
            if var in wrt or (is_array(self.types.get(var)) and var not in params):
                continue  # seeds, and arrays allocated beside their own allocation
            entry.append(Assign(dname, self.zeros(var)))
        if self.undecided:
            entry.append(Assign(self.undecided, Const(-1)))
        dots = set(self.dnames.values()) - set(seeds)
        entry, body = _drop_unread(entry, body, dots)
        body = _fuse(body, self.j.name)
        _fold_directions(entry + body, dots, self.j.name)
        entry, body = _drop_unread(entry, body, dots)
        doc = (f"{fn.name} and its lexicographic derivatives along the nd directions of the seeds "
               f"({', '.join(seeds)}; direction j is {', '.join(f'{w}[j]' for w in seeds)}): returns the value, "
               "its nd derivatives, and the kink site Clarke mode could not decide (-1: none).")
        out = Function(f"{fn.name}_ld", list(fn.params) + [Param(d, "array") for d in seeds], entry + body,
                       fn.loc, doc, facts.types)
        return out


def _drop_unread(entry: list[Stmt], body: list[Stmt], dots: set[str]) -> tuple[list[Stmt], list[Stmt]]:
    """Without the direction arrays nothing needs (a primal temporary folded
    into its use leaves its directions unread): their allocation and updates
    go.  Needed are those the rest reads, and what their updates read."""
    needs: dict[str, set[str]] = {d: set() for d in dots}
    needed: set[str] = set()
    for s in walk(entry + body):
        if isinstance(s, Assign) and s.target in dots:
            v = s.value
            own = isinstance(v, Call) and v.prim == "store" and v.args[0] == Var(s.target)
            for e in (v.args[1:] if own else [v]):  # an update of an element reads the rest
                needs[s.target] |= variables(e)
        else:
            for e in expressions_read(s):
                needed |= variables(e)
    todo = list(needed & dots)
    live: set[str] = set()
    while todo:
        d = todo.pop()
        if d not in live:
            live.add(d)
            todo.extend(needs[d] & dots)
    unread = dots - live
    return _without(entry, unread), _without(body, unread)


def _without(block: list[Stmt], names: set[str]) -> list[Stmt]:
    out: list[Stmt] = []
    for s in block:
        if isinstance(s, Assign) and s.target in names:
            continue
        if isinstance(s, For):
            inner = _without(s.body, names)
            if not inner and s.body:
                continue  # a loop over directions that only updated dropped arrays
            s = For(s.var, s.start, s.stop, s.step, inner, s.loc)
        elif isinstance(s, If):
            s = If(s.test, _without(s.body, names), _without(s.orelse, names), s.loc)
        elif isinstance(s, While):
            s = While(s.test, _without(s.body, names), s.loc)
        out.append(s)
    return out


def _fuse(block: list[Stmt], j: str) -> list[Stmt]:
    """Loops over the directions that only store derivatives, as one loop
    where only primal assignments they commute with stand between them:
    iteration j of each reads and writes direction j alone, so running them
    direction by direction gives the same values."""
    out: list[Stmt] = []
    for s in block:
        if isinstance(s, For) and s.var != j:
            s = For(s.var, s.start, s.stop, s.step, _fuse(s.body, j), s.loc)
        elif isinstance(s, If):
            s = If(s.test, _fuse(s.body, j), _fuse(s.orelse, j), s.loc)
        elif isinstance(s, While):
            s = While(s.test, _fuse(s.body, j), s.loc)
        if _stores_only(s, j):
            k = _earlier_loop(out, j)
            if k is not None:  # that loop moves down past the assignments after it, into this one
                s = For(j, s.start, s.stop, s.step, out.pop(k).body + s.body, s.loc)
        out.append(s)
    return out


def _earlier_loop(out: list[Stmt], j: str) -> int | None:
    """The position of the last store-only loop in ``out`` if only assignments
    that commute with it follow it: they neither read what it writes nor
    assign what it reads."""
    between: list[Assign] = []
    for k in range(len(out) - 1, -1, -1):
        t = out[k]
        if _stores_only(t, j):
            written = {a.target for a in t.body}
            read = set().union(*(variables(a.value) for a in t.body))
            if all(a.target not in read | written and not variables(a.value) & written for a in between):
                return k
            return None
        if not isinstance(t, Assign):
            return None
        between.append(t)
    return None


def _fold_directions(block: list[Stmt], dots: set[str], j: str) -> None:
    """In each loop over the directions, fold a scalar's derivative that is
    stored once and read once, by the next statements of the same loop, into
    that read: ``total_d[j] += X_el * w_d[j, k]`` rather than two arrays."""
    stores: dict[str, int] = {}
    loads: dict[str, int] = {}
    for s in walk(block):
        if isinstance(s, Assign) and s.target in dots and isinstance(s.value, Call) and s.value.prim != "zeros":
            stores[s.target] = stores.get(s.target, 0) + 1
        for e in ([] if not isinstance(s, Assign) else [s.value]) + (
                [] if isinstance(s, Assign) else expressions_read(s)):
            for name in _loaded(e):
                loads[name] = loads.get(name, 0) + 1
        if isinstance(s, Return):  # a returned direction array is read whole: it stays
            for e in expressions_read(s):
                for name in variables(e):
                    loads[name] = loads.get(name, 0) + 2
    for s in walk(block):
        if not _stores_only(s, j):
            continue
        body = s.body
        k = 0
        while k < len(body):
            t = body[k]
            name, value = t.target, t.value.args[-1]
            if not (stores.get(name) == 1 and loads.get(name) == 1 and len(t.value.args) == 3
                    and operations(value) <= 4):
                k += 1
                continue
            here = Call("load", (Var(name), Var(j)))
            use = next((m for m in range(k + 1, len(body)) if _mentions(body[m].value, here)), None)
            if use is None or any(body[m].target in variables(value) for m in range(k + 1, use)) \
                    or operations(body[use].value) + operations(value) > 6:
                k += 1
                continue
            body[use] = Assign(body[use].target, _substitute(body[use].value, here, value))
            del body[k]


def _loaded(e: Expr) -> list[str]:
    """The arrays ``e`` reads elements of (a store reads its array only to update it)."""
    if not isinstance(e, Call):
        return []
    own = [e.args[0].name] if e.prim == "load" and isinstance(e.args[0], Var) else []
    args = e.args[1:] if e.prim == "store" else e.args
    return own + [n for a in args for n in _loaded(a)]


def _mentions(e: Expr, part: Expr) -> bool:
    return e == part or (isinstance(e, Call) and any(_mentions(a, part) for a in e.args))


def _substitute(e: Expr, part: Expr, value: Expr) -> Expr:
    if e == part:
        return value
    if isinstance(e, Call):
        return Call(e.prim, tuple(_substitute(a, part, value) for a in e.args))
    return e


def _stores_only(s: Stmt, j: str) -> bool:
    """Whether ``s`` is ``for j in range(nd): u_d[j, ...] = ...`` (stores only)."""
    return isinstance(s, For) and s.var == j and all(
        isinstance(t, Assign) and isinstance(t.value, Call) and t.value.prim == "store"
        and t.value.args[1] == Var(j) for t in s.body)
