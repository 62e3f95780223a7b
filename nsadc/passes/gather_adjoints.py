"""A stencil's adjoint array is gathered, each element written once, not scattered.

The reverse sweep of a stencil adds each iteration's adjoints into the
elements that iteration read:

    de_du = np.zeros_like(u)
    for i in range(h):
        for j in range(w):
            ...
            if j_plus_1_lt_w:
                ...
                de_du[i, j] += -diff_bar
                de_du[i, j + 1] += diff_bar
            ...
            de_du[i, j] += d_bar

Iteration ``(i, j)`` adds into an element that iteration ``(i, j + 1)``
adds into again, and each addition is a load that waits on the store
before it: the loop neither vectorizes nor overlaps its iterations (an
anisotropic TV gradient took twice the time of a hand-written one, which
computes each element from its neighbours and stores it once).  Where the
iterations share nothing but these additions, each element instead sums
what the iterations that touch it add: one copy of the body per offset,
sliced to what that offset's additions need and run for the iteration the
offset names, its tests that the copy's range decides folded away:

    de_du = np.empty_like(u)
    for i in range(h):
        for j in range(w):
            de_du_i_j = 0.0
            if j >= 1:
                ... (iteration (i, j - 1), up to its diff_bar)
                de_du_i_j += diff_bar
            ... (iteration (i, j): its own additions)
            de_du[i, j] = de_du_i_j

The copies run in the order the loop ran their iterations, and each adds
its terms in statement order, so every element receives the same terms in
the same order as before: the result is bit for bit the scatter's.  A nest
qualifies where

* the array is zero-filled just before it (``zeros_like`` of a float
  array) and the nest is the first statement to name it;
* the nest has one loop per dimension, each running over the dimension's
  range less constant margins (``range(c, n - d)``, either direction),
  each loop's body the next loop after assignments;
* the innermost body is assignments and branches only (no loop, jump, tape
  or opaque line), stores nothing but the additions into the array, reads
  the array only in them, and carries nothing from one iteration to the next
  (every name it reads is assigned earlier in the same iteration, on every
  path that reads it, or not assigned in the nest at all);
* each addition's index is the loop variables plus constants, and a test
  the addition runs under (or the loop's range) proves the index lies in
  the array: ``if i + 1 < h`` for ``de_du[i + 1, j]``.  An index that could
  wrap around (``x[i - 1]`` at ``i = 0`` is ``x[-1]``) keeps the scatter;
* nothing after the nest reads a name the nest assigns;
* some element receives two additions or more in one iteration.  With one
  each (``de_du[i, j + 1] += b; de_du[i, j] += a``) the copies only add
  work;
* the copies together do at most ``MAX_WORK`` times the body's cheap
  operations and no more of its costly ones than the body does: calls
  outside the cheap primitives (``exp``, ``log``, a division), and
  orderings of floats (``1.0 if d > 0.0 else 0.0``, a branch that goes
  either way on data, where a test of equality almost never holds).  Each
  copy recomputes what its additions need; an ``exp`` computed twice made a
  chained problem's gradient 1.85 times slower, a ``max`` kink's selection
  evaluated twice a backward-difference gradient 1.5 times.

A 1-D loop whose additions sit at its body's top level has its sums carried
in registers instead, before this pass (passes/carried_adjoints.py): no
copy, no recomputation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from nsadc.analyses.facts import definitions, expr_type
from nsadc.ir.affine import Affine, affine, affine_expr, affine_sum
from nsadc.ir.build import add
from nsadc.ir.names import Names
from nsadc.ir.nodes import (OPAQUE, Assign, Call, Comment, Const, Expr, For, Function, If, Stmt, Var, assigned,
                            expressions_read, raw_names, upward_exposed, variables, walk)
from nsadc.passes.dead_assignments import ALWAYS, Liveness, drop_unneeded, test_names
from nsadc.passes.loop_analysis import all_names, mentioned
from nsadc.passes.written_once import added_to
from nsadc.rules.arrays import is_float_array, rank
from nsadc.rules.table import EAGER
from nsadc.transforms.reverse_plan import is_store

# the copies' cheap operations against the body's, at most (measured: docs/performance.md); the
# copies call a costly function (exp, log, a division) no more often than the body does
MAX_WORK = 2.5

# a test ``a < b`` and the like as the fact ``F < 0`` it states (integers): F = a - b, or a - b - 1
# for ``<=``; the operands swapped for ``>`` and ``>=``
_FACTS = {"lt": (1, 0), "le": (1, -1), "gt": (-1, 0), "ge": (-1, -1)}
_NEGATED = {"lt": "ge", "le": "gt", "gt": "le", "ge": "lt"}
_CHEAP = EAGER | {"and", "or", "float"}
_ORDERINGS = ("lt", "le", "gt", "ge")


@dataclass
class Axis:
    var: str  # the loop variable
    ascending: bool
    low: int  # the loop runs over [low, size + high)
    high: int
    size: Affine  # the dimension's length, {shape(x, k): 1}


@dataclass
class _Addition:
    stmt: Assign
    offset: tuple[int, ...]  # the element added into, less the loop variables
    value: Expr  # what is added


def gather_adjoints(fn: Function) -> None:
    """Rewrite, in place, each qualifying zero-filled array of ``fn`` (module docstring)."""
    body = fn.body
    if not any(isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim == "zeros_like" for s in body):
        return
    count, _ = definitions(fn)
    outer = {s.target: s.value for s in walk(body)
             if isinstance(s, Assign) and not is_store(s) and count.get(s.target) == 1}
    for k, s in enumerate(body):
        if not (isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim == "zeros_like"
                and isinstance(s.value.args[0], Var) and is_float_array(fn.types.get(s.value.args[0].name))):
            continue
        array, like = s.target, s.value.args[0].name
        at = next((m for m in range(k + 1, len(body)) if array in mentioned(body[m])), None)
        if at is None or not isinstance(body[at], For):
            continue
        plan = _plan(fn, body[at], array, like, outer, body[at + 1:])
        if plan is None:
            continue
        nest = _gathered(fn, array, *plan)
        if nest is None:
            continue
        body[k] = Assign(array, Call("empty_like", (Var(like),)), s.loc)
        body[at] = nest


def _plan(fn: Function, loop: For, array: str, like: str, outer: dict[str, Expr], after: list[Stmt]):
    """``(loops, axes, body, additions, defs)`` where the nest at ``loop``
    qualifies (module docstring), else None.  ``body`` is the innermost body
    after the assignments the outer loops make before their inner loop (the
    same values, computed in every inner iteration)."""
    dims = rank(fn.types[like])
    loops = [loop]
    body: list[Stmt] = []
    while len(loops) < dims:
        code = [s for s in loops[-1].body if not isinstance(s, Comment)]
        if not code or not isinstance(code[-1], For) or not all(isinstance(s, Assign) for s in code[:-1]):
            return None
        body += code[:-1]
        loops.append(code[-1])
    body += loops[-1].body
    if any(not isinstance(s, (Assign, If, Comment)) or (is_store(s) and s.target != array) for s in walk(body)):
        return None
    in_nest = [s.target for s in walk(body) if isinstance(s, Assign) and not is_store(s)]
    loop_vars = [lp.var for lp in loops]
    if len(set(loop_vars)) < dims or set(loop_vars) & set(in_nest):
        return None
    defs = {**outer, **{s.target: s.value for s in walk(body)
                        if isinstance(s, Assign) and not is_store(s) and in_nest.count(s.target) == 1}}
    for v in set(in_nest) - {s for s in in_nest if in_nest.count(s) == 1}:
        defs.pop(v, None)
    axes = [loop_axis(lp, like, k, defs) for k, lp in enumerate(loops)]
    if None in axes:
        return None
    additions = _additions(body, array, axes, defs)
    if not additions:
        return None
    # nothing carried from one iteration to the next, nothing read after the nest
    live_in = Liveness(set(), test_names(body)).block(body, {})
    if (set(live_in) - {array}) & set(in_nest):
        return None
    later = upward_exposed(after) | {v for s in walk(after) if isinstance(s, OPAQUE) for v in raw_names(s)}
    if later & (set(in_nest) | set(loop_vars)):
        return None
    return loops, axes, body, additions, defs


def loop_axis(loop: For, like: str, k: int, defs: dict[str, Expr]) -> Axis | None:
    """The range of ``loop`` as one over dimension ``k`` of ``like`` less constant margins."""
    start, stop, step = (affine(e, defs) for e in (loop.start, loop.stop, loop.step))
    size = {Call("shape", (Var(like), Const(k))): 1}
    if step == {None: 1}:
        first, end = start, stop
    elif step == {None: -1} and start is not None and stop is not None:
        first, end = affine_sum(stop, {None: 1}, 1), affine_sum(start, {None: 1}, 1)
    else:
        return None
    if first is None or end is None:
        return None
    low, rest = first.get(None, 0), affine_sum(end, size, -1)
    if set(first) - {None} or set(rest) - {None} or low < 0 or rest.get(None, 0) > 0:
        return None
    return Axis(loop.var, step == {None: 1}, low, rest.get(None, 0), size)


def _additions(body: list[Stmt], array: str, axes: list[Axis], defs: dict[str, Expr]) -> list[_Addition] | None:
    """Every statement of ``body`` that names ``array``, each an addition into
    it at the loop variables plus constants, proved in range; else None."""
    out: list[_Addition] = []

    def visit(block: list[Stmt], facts: list[Affine]) -> bool:
        for s in block:
            if isinstance(s, If):
                if array in variables(s.test):
                    return False
                if not (visit(s.body, facts + _facts(s.test, True, defs))
                        and visit(s.orelse, facts + _facts(s.test, False, defs))):
                    return False
            elif isinstance(s, Assign) and array in mentioned(s):
                addition = _addition(s, array, axes, defs, facts)
                if addition is None:
                    return False
                out.append(addition)
        return True

    bounds = []
    for ax in axes:  # the loop's own range: low <= v and v < size + high
        v = {Var(ax.var): 1}
        bounds += [affine_sum({None: ax.low - 1}, v, -1), affine_sum(v, {**ax.size, None: ax.high}, -1)]
    return out if visit(body, bounds) else None


def _addition(s: Assign, array: str, axes: list[Axis], defs: dict[str, Expr], facts: list[Affine]):
    if not (is_store(s) and s.target == array and s.value.args[0] == Var(array)):
        return None
    index, total = tuple(s.value.args[1:-1]), s.value.args[-1]
    value = added_to(total, array, index) if isinstance(total, Call) and total.prim == "add" else None
    if value is None or len(index) != len(axes):
        return None
    offset = []
    for e, ax in zip(index, axes):
        form = affine(e, defs)
        v = Var(ax.var)
        if form is None or set(form) - {v, None} or form.get(v) != 1:
            return None
        c = form.get(None, 0)
        target = {v: 1, None: c}
        # in the array: 0 <= v + c (as -v - c - 1 < 0) and v + c < size (as v + c - size < 0)
        for goal in (affine_sum({None: -c - 1}, {v: 1}, -1), affine_sum(target, ax.size, -1)):
            if not any(_implies(f, goal) for f in facts):
                return None
        offset.append(c)
    return _Addition(s, tuple(offset), value)


def _implies(fact: Affine, goal: Affine) -> bool:
    """Whether ``fact < 0`` implies ``goal < 0``: they differ by a constant no more than 0."""
    diff = affine_sum(goal, fact, -1)
    return not (set(diff) - {None}) and diff.get(None, 0) <= 0


def _facts(test: Expr, holds: bool, defs: dict[str, Expr]) -> list[Affine]:
    """What ``test`` (true where ``holds``, else false) states, as forms ``F < 0``."""
    if isinstance(test, Var) and test.name in defs:
        test = defs[test.name]
    if not isinstance(test, Call):
        return []
    if test.prim == "and" and holds:
        return [f for a in test.args for f in _facts(a, True, defs)]
    if test.prim == "not":
        return _facts(test.args[0], not holds, defs)
    prim = test.prim if holds else _NEGATED.get(test.prim)
    if prim not in _FACTS:
        return []
    a, b = (affine(x, defs) for x in test.args)
    if a is None or b is None:
        return []
    sign, plus = _FACTS[prim]
    return [affine_sum(affine_sum(a, b, -1) if sign > 0 else affine_sum(b, a, -1), {None: plus}, 1)]


def _work(block: list[Stmt], types: dict[str, str]) -> tuple[int, int]:
    """The cheap operations of a block's expressions, and its costly ones: calls
    outside the cheap primitives (exp, log, a division) and orderings of floats,
    which go either way on data (a branch the processor mispredicts, where the
    loop does not vectorize) where an equality almost never holds."""
    cheap = costly = 0
    for s in walk(block):
        for e in expressions_read(s):
            stack = [e]
            while stack:
                x = stack.pop()
                if not isinstance(x, Call):
                    continue
                stack.extend(x.args)
                if x.prim in _ORDERINGS and any(expr_type(a, types) == "float" for a in x.args):
                    costly += 1
                elif x.prim in _CHEAP or (x.prim == "pow" and isinstance(x.args[1], Const)
                                          and x.args[1].value in (2, 3, 4)):  # products
                    cheap += 1
                elif x.prim not in ("load", "store"):
                    costly += 1
    return cheap, costly


def _gathered(fn: Function, array: str, loops: list[For], axes: list[Axis], body: list[Stmt],
              additions: list[_Addition], defs: dict[str, Expr]) -> For | None:
    """The nest that writes each element of ``array`` once (module docstring),
    or None where its copies would cost too much (module docstring)."""
    total = Names(all_names(fn)).fresh("_".join([array, *(ax.var for ax in axes)]))
    groups: dict[tuple[int, ...], dict[int, Expr]] = {}
    for a in additions:
        groups.setdefault(a.offset, {})[id(a.stmt)] = a.value
    if all(len(g) == 1 for g in groups.values()):
        return None  # one addition per element and iteration: the compiler keeps the sums in registers
    every = {id(a.stmt) for a in additions}
    # the order the scatter ran each element's iterations in: a larger offset is an earlier one counting up
    order = sorted(groups, key=lambda off: tuple(-c if ax.ascending else c for c, ax in zip(off, axes)))
    # the loops' lengths as the code names them (``h`` rather than ``u.shape[0]``)
    sizes = [loop.stop if ax.ascending and affine(loop.stop, defs) == ax.size
             and not variables(loop.stop) & assigned(body) else next(iter(ax.size)) for ax, loop in zip(axes, loops)]
    inner: list[Stmt] = [Comment("gathered: each element sums what the iterations that touch it add, "
                                 "in their order"), Assign(total, Const(0.0))]
    work = [0, 0]
    for offset in order:
        shift, conds, facts = {}, [], []
        for c, ax, size in zip(offset, axes, sizes):
            v = Var(ax.var)
            if c:  # the copy runs the iteration at v - c
                shift[ax.var] = Call("sub", (v, Const(c))) if c > 0 else Call("add", (v, Const(-c)))
            if ax.low + c > 0:  # that iteration may come before the loop's first
                conds.append(Call("ge", (v, Const(ax.low + c))))
            if ax.high + c < 0:  # or after its last
                conds.append(Call("lt", (v, affine_expr({size: 1, None: ax.high + c}))))
            # what holds of the iteration copied (in its own variable): the loop ran it, its element exists
            facts += [{None: ax.low - 1, v: -1}, {v: 1, **ax.size, None: -ax.high},
                      {None: -c - 1, v: -1}, {v: 1, None: c, **{a: -1 for a in ax.size}}]
        copy = _only(body, groups[offset], every, total, facts, defs)
        copy = drop_unneeded(_shifted(copy, shift, {ax.var for ax in axes}, fn.types), test_names(copy), {total: ALWAYS})
        work = [w + c for w, c in zip(work, _work(copy, fn.types))]
        test = conds[0] if len(conds) == 1 else Call("and", tuple(conds))
        inner += [If(test, copy)] if conds else copy
    cheap, costly = _work(body, fn.types)
    if work[0] > MAX_WORK * cheap or work[1] > costly:
        return None
    fn.types[total] = "float"
    inner.append(Assign(array, Call("store", (Var(array), *(Var(ax.var) for ax in axes), Var(total)))))
    nest: list[Stmt] = inner
    for ax, loop, size in reversed(list(zip(axes, loops, sizes))):
        nest = [For(ax.var, Const(0), size, Const(1), nest, loop.loc, loop.parallel)]
    return nest[0]


def _only(block: list[Stmt], kept: dict[int, Expr], every: set[int], total: str, facts: list[Affine],
          defs: dict[str, Expr]) -> list[Stmt]:
    """A copy of ``block`` whose additions in ``kept`` add into ``total``
    instead, the other additions left out, and the branches whose test
    ``facts`` decide replaced by the branch taken (comments but the kinks'
    left out)."""
    out: list[Stmt] = []
    for s in block:
        if isinstance(s, If):
            taken = _decided(s.test, facts, defs)
            if taken is None:
                out.append(If(s.test, _only(s.body, kept, every, total, facts, defs),
                              _only(s.orelse, kept, every, total, facts, defs), s.loc))
            else:
                out += _only(s.body if taken else s.orelse, kept, every, total, facts, defs)
        elif isinstance(s, Comment):
            if s.text.startswith("kink"):
                out.append(Comment(s.text))
        elif id(s) in every:
            if id(s) in kept:
                out.append(Assign(total, add(Var(total), kept[id(s)]), s.loc))
        else:
            out.append(Assign(s.target, s.value, s.loc, s.site))
    return out


def _decided(test: Expr, facts: list[Affine], defs: dict[str, Expr]) -> bool | None:
    """Whether ``facts`` prove ``test`` true, or false; None where they do not decide it."""
    for holds in (True, False):
        stated = _facts(test, holds, defs)
        if stated and all(any(_implies(f, g) for f in facts) for g in stated):
            return holds
    return None


def _shifted(block: list[Stmt], shift: dict[str, Expr], loop_vars: set[str], types: dict[str, str]) -> list[Stmt]:
    """``block`` with each loop variable ``shift`` maps read as its expression,
    integer arithmetic on it simplified (``i - 1 + 1`` is ``i``; floats are
    left as written, their rounding with them), and a name assigned once to a
    bare loop variable read as that variable."""
    if not shift:
        return block
    once = Counter(s.target for s in walk(block) if isinstance(s, Assign))
    subst: dict[str, Expr] = dict(shift)

    def expr(e: Expr) -> Expr:
        if isinstance(e, Var):
            return subst.get(e.name, e)
        if not isinstance(e, Call):
            return e
        out = Call(e.prim, tuple(expr(a) for a in e.args))
        form = affine(out, {}) if variables(e) & set(subst) and expr_type(out, types) == "int" else None
        return out if form is None else affine_expr(form)

    def visit(stmts: list[Stmt]) -> list[Stmt]:
        out: list[Stmt] = []
        for s in stmts:
            if isinstance(s, Assign):
                value = expr(s.value)
                if isinstance(value, Var) and value.name in loop_vars and once[s.target] == 1:
                    subst[s.target] = value  # ``i_plus_1 = i``: read i
                    continue
                out.append(Assign(s.target, value, s.loc, s.site))
            elif isinstance(s, If):
                out.append(If(expr(s.test), visit(s.body), visit(s.orelse), s.loc))
            else:
                out.append(s)
        return out

    return visit(block)
