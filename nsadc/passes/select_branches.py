"""A branch on data whose two paths are a few cheap statements becomes a selection.

A soft threshold written with ``if / elif / else`` stores one element on
each path; its reverse adds to adjoints on each path:

    if v > tl:                      # forward                 if v > tl:              # reverse
        xn[i] = v - tl                                            v_bar = xn_bar[i]
    elif v < -tl:                                                 lam_bar += t * -v_bar
        xn[i] = v + tl                                        elif ...
    else:
        xn[i] = 0.0

On random data such a branch is mispredicted about half the time (some 25
ms per 3 million elements here, against a few for the arithmetic).  Where
both paths are straight-line code of cheap operations that cannot fail, the
two are computed one after the other and the results selected:

    v_minus_tl = v - tl
    v_plus_tl = v + tl
    xn[i] = v_minus_tl if v_gt_tl else (v_plus_tl if v_lt_neg_tl else 0.0)

which compiles without a branch.  Nested branches are converted innermost
first, so an ``elif`` chain becomes a chain of selections.  A branch
qualifies where

* each path is assignments and comments alone (no loop, call that may fail
  or cost much, tape operation or jump), with at most ``MAX_OPERATIONS``
  operations in all;
* its test does not read, before it, a value the loop carries and the
  branch changes: a running maximum's ``if v > m: m = v`` is rarely taken
  after the first elements, so its branch is well predicted and cheaper;
* every element a path loads or stores exists on the other path too: that
  path, or the statements straight before and after the branch, touch it
  (or the same element of an array of the same shape, an adjoint's
  array), with indices neither path changes.  So ``if i > 0: a[i - 1] += g``
  stays a branch.  A path stores an array at one element only, and loads
  that array at that element alone after storing it (the value stored is
  then read);
* every name a path reads before assigning it is assigned on every way to
  the branch, and a name a path assigns is either a temporary (read after
  the branch nowhere, or only where that same path ran: an ``elif``'s test,
  computed and read in the ``else`` branch alone) or assigned before the
  branch, so that selecting between its new and its old value reads a
  defined name.

Values that differ between the paths are renamed on each path and selected
after them, and an element a path leaves keeps its old value; what the
branch computed is unchanged, NaN included (a test on NaN is false and
selects the ``else`` values, as the branch would run).
"""

from __future__ import annotations

from collections import Counter

from nsadc.rules.table import EAGER
from nsadc.ir.nodes import (Assign, Break, Call, Comment, Const, Continue, Expr, For, Function, If, Param, Return,
                            Stmt, Var, While, assigned, element_loads, operations, renamed_expr, select,
                            upward_exposed, variables, walk)
from nsadc.passes.dead_assignments import ALWAYS, FAILS, Live, Liveness, join_live, test_names
from nsadc.transforms.reverse_plan import is_store
from nsadc.ir.names import Names
from nsadc.passes.loop_analysis import all_names
from nsadc.rules.arrays import is_array, is_float_array

# the work a converted branch does on both paths together: past this, a
# mispredicted branch costs less than computing the path not taken
MAX_OPERATIONS = 24


def select_branches(fn: Function) -> None:
    """Rewrite, in place, each qualifying branch of ``fn`` (module docstring)."""
    if not any(isinstance(s, If) for s in walk(fn.body)):
        return  # nothing to convert: no liveness walk
    _Converter(fn).block(fn.body, {p.name for p in fn.params if isinstance(p, Param)})


def _cheap(e: Expr) -> bool:
    """Made of variables, constants, element loads and operations that cannot fail."""
    if isinstance(e, Call):
        return (e.prim in EAGER or e.prim == "load") and all(_cheap(a) for a in e.args)
    return isinstance(e, (Var, Const))


def _accessed(t: Assign) -> list[tuple]:
    """The elements ``t`` loads, then the one it stores (each ``(array, index...)``)."""
    return element_loads(t.value) + ([t.value.args[:-1]] if is_store(t) else [])


def _test_inputs(test: Expr, before: list[Stmt]) -> set[str]:
    """The names ``test`` depends on through the assignments of ``before``
    (the statements before the branch in its block)."""
    out = variables(test)
    for t in reversed(before):
        if isinstance(t, Assign) and not is_store(t) and t.target in out:
            out |= variables(t.value)
    return out


def _same_shapes(fn: Function) -> dict[str, str]:
    """Array name -> a name of the same shape: arrays allocated ``like``
    another (an adjoint and its array) or named again, each assigned once."""
    count = Counter(t.target for t in walk(fn.body) if isinstance(t, Assign) and not is_store(t))
    parent: dict[str, str] = {}

    def root(v: str) -> str:
        while v in parent:
            v = parent[v]
        return v

    for t in walk(fn.body):
        if not isinstance(t, Assign) or is_store(t) or count[t.target] != 1:
            continue
        value = t.value
        if isinstance(value, Call) and value.prim in ("zeros_like", "empty_like", "ones_like") and value.args \
                and isinstance(value.args[0], Var):
            value = value.args[0]
        if isinstance(value, Var) and count[value.name] <= 1 and (
                is_array(fn.types.get(value.name)) or value.name in parent) and root(value.name) != root(t.target):
            parent[root(t.target)] = root(value.name)
    return {v: root(v) for v in parent}


def _touched_around(block: list[Stmt], at: int, changed: set[str]) -> set[tuple]:
    """The elements the statements of ``block`` straight before and after
    ``block[at]`` load or store on every path (not in a nested branch or
    loop), while the names their indices read keep their values: up to the
    nearest statement before, and from the nearest after, that assigns
    one of them."""
    out: set[tuple] = set()
    for side, moved, before in ((reversed(block[:at]), set(), True), (block[at + 1:], set(changed), False)):
        for t in side:
            if isinstance(t, Comment):
                continue
            if not isinstance(t, Assign):
                break
            if before and not is_store(t):
                moved.add(t.target)  # its own loads ran before it assigned
            elements = _accessed(t)
            out |= {e for e in elements if not variables(Call("index", e[1:])) & moved}
            if not is_store(t):
                moved.add(t.target)
    return out


def _surely_assigned(block: list[Stmt]) -> set[str]:
    """The names ``block`` assigns on every path through it (not in loops,
    which may not run)."""
    out: set[str] = set()
    for s in block:
        if isinstance(s, Assign) and not is_store(s):
            out.add(s.target)
        elif isinstance(s, If):
            out |= _surely_assigned(s.body) & _surely_assigned(s.orelse)
    return out


def _scalar_reads(e: Expr) -> set[str]:
    """The names ``e`` reads, but for the arrays of its loads and stores."""
    if isinstance(e, Var):
        return {e.name}
    if not isinstance(e, Call):
        return set()
    args = e.args[1:] if e.prim in ("load", "store") else e.args
    return set().union(*(_scalar_reads(a) for a in args))


def _forwarded(e: Expr, stores: dict) -> Expr:
    """``e`` with each load of an element its path stored before replaced by
    the value stored."""
    if not isinstance(e, Call):
        return e
    if e.prim == "load" and e.args in stores:
        return stores[e.args]
    return Call(e.prim, tuple(_forwarded(a, stores) for a in e.args))


def _read_first(path: list[Assign]) -> set[str]:
    """The names ``path`` reads before it assigns them."""
    out: set[str] = set()
    assigned_here: set[str] = set()
    for t in path:
        out |= _scalar_reads(t.value) - assigned_here
        if not is_store(t):
            assigned_here.add(t.target)
    return out


def _plain(e: Expr) -> bool:
    """A name, a constant, or a selection between them (a converted branch's
    store): read where the paths end as it is, without a temporary."""
    if isinstance(e, Call):
        return e.prim in ("select", "copy") and all(_plain(a) for a in e.args)
    return isinstance(e, (Var, Const))


class _LiveAfterBranches(Liveness):
    """The liveness walk of passes/dead_assignments.py, noting the names live
    after each ``if``, each with the tests it is read under (ALWAYS: none)."""

    def __init__(self, tests: set[str]):
        super().__init__(set(), tests)
        self.after: dict[int, Live] = {}

    def branch(self, s: If, live):
        seen = self.after.get(id(s))
        self.after[id(s)] = dict(live) if seen is None else join_live(seen, live)
        return super().branch(s, live)

    def loop(self, s, live):
        # every loop stays here, so its test is read however little its body computes
        # (the walk otherwise lets a loop nothing needs go, test and all)
        self.needed.add(id(s))
        return super().loop(s, live)


def _live_after_branches(fn: Function) -> dict[int, dict[str, str]] | None:
    """id(if) -> the names some later statement may read, each with its guard; None where a jump
    (``break``, ``continue``, an early ``return``) would need edges the walk
    does not follow."""
    if any(isinstance(s, (Break, Continue)) for s in walk(fn.body)) or \
            any(isinstance(s, Return) for s in walk(fn.body[:-1])):
        return None
    walk_ = _LiveAfterBranches(test_names(fn.body))
    walk_.block(fn.body, {})
    return walk_.after


class _Converter:
    def __init__(self, fn: Function):
        self.fn = fn
        self.names = Names(all_names(fn))
        self.live_after = _live_after_branches(fn)
        self.shapes = _same_shapes(fn)

    def _shaped(self, element: tuple) -> tuple:
        """``element`` named by the first array of its shape class: ``x_bar[i]``
        exists where ``x[i]`` does."""
        array = element[0]
        if not isinstance(array, Var) or array.name not in self.shapes:
            return element
        return (Var(self.shapes[array.name]), *element[1:])

    def block(self, block: list[Stmt], defined: set[str], carried: set[str] = frozenset()) -> None:
        """Convert the branches of ``block`` in place, innermost first;
        ``defined``: the names assigned on every way to the block's start;
        ``carried``: those the innermost loop around it carries from one
        iteration to the next."""
        defined = set(defined)
        at = 0
        while at < len(block):
            s = block[at]
            if isinstance(s, If):
                self.block(s.body, defined, carried)
                self.block(s.orelse, defined, carried)
                straight = self.converted(s, defined, carried, block, at)
                if straight is not None:
                    block[at:at + 1] = straight
                    defined |= _surely_assigned(straight)
                    at += len(straight)
                    continue
                defined |= _surely_assigned([s])
            elif isinstance(s, (For, While)):
                inside = defined | {s.var} if isinstance(s, For) else defined
                self.block(s.body, inside, upward_exposed(s.body) & assigned(s.body))
            elif isinstance(s, Assign) and not is_store(s):
                defined.add(s.target)
            at += 1

    def converted(self, s: If, defined: set[str], carried: set[str], block: list[Stmt],
                  at: int) -> list[Stmt] | None:
        """The straight-line statements that replace ``s`` (``block[at]``), or
        None where it does not qualify."""
        paths = [s.body, s.orelse]
        if not all(isinstance(t, (Assign, Comment)) for p in paths for t in p):
            return None
        assigns = [[t for t in p if isinstance(t, Assign)] for p in paths]
        if not any(assigns) or not all(all(_cheap(a) for a in t.value.args) if is_store(t) else _cheap(t.value)
                                       for p in assigns for t in p):
            return None
        if sum(operations(t.value) for p in assigns for t in p) > MAX_OPERATIONS:
            return None
        changed = {t.target for p in assigns for t in p if not is_store(t)}
        if any(is_array(self.fn.types.get(v)) for v in changed):
            return None
        if _test_inputs(s.test, block[:at]) & changed & carried:
            return None  # a running maximum's `if v > m: m = v`: rarely taken, so well predicted
        elements = [self._elements(p, changed) for p in assigns]
        if elements[0] is None or elements[1] is None:
            return None
        (stored0, touched0), (stored1, touched1) = elements
        # an element a path touches must exist on the other path too: touched there, or by
        # the statements around the branch (with the same index values)
        around = _touched_around(block, at, changed)
        shaped = self._shaped
        for mine, other in ((touched0, touched1), (touched1, touched0)):
            if not {shaped(e) for e in mine} <= {shaped(e) for e in other | around}:
                return None
        # a name read after the branch, or read on a path before that path assigns it, is selected
        # after the paths between its two values (the old one where a path leaves it); the others
        # are the paths' temporaries and keep their names
        exposed = {v for v in set().union(*(_read_first(p) for p in assigns)) if not is_array(self.fn.types.get(v))}
        if not exposed <= defined:
            return None  # computing the path not taken would read a name not yet assigned
        live = self.live_after.get(id(s), {}) if self.live_after is not None else dict.fromkeys(changed, ALWAYS)
        if variables(s.test) & changed:  # a path changes the test: no read after is known to follow it
            live = {**live, **dict.fromkeys(changed, ALWAYS)}
        merged = {v for v in changed if v in exposed or (v in live and not self._read_where_assigned(s, v, live[v]))}
        if any(v not in defined and not all(v in {t.target for t in p} for p in assigns) for v in merged):
            return None
        stored = stored0 + [e for e in stored1 if e not in stored0]
        return self._straight(s, paths, merged, stored)

    @staticmethod
    def _read_where_assigned(s: If, v: str, guard: frozenset[str]) -> bool:
        """Whether every later read of ``v`` (under ``guard``) happens only
        where the one path that assigns it ran: its value on the other path
        is then never read (an ``elif``'s test, computed in the ``else``
        branch and read there alone)."""
        if not isinstance(s.test, Var):
            return False
        in_body = any(isinstance(t, Assign) and t.target == v for t in s.body)
        in_orelse = any(isinstance(t, Assign) and t.target == v for t in s.orelse)
        return (s.test.name in guard and in_body and not in_orelse) or (
            FAILS + s.test.name in guard and in_orelse and not in_body)

    def _elements(self, path: list[Assign], changed: set[str]):
        """(the elements ``path`` stores, in order; every element it loads or
        stores), or None where an access is not one the rule can place: an
        index the paths change, an array stored at two elements, or a load
        from a stored array at another element than the one stored (which
        may be the same)."""
        stored: list[tuple] = []
        touched: set[tuple] = set()
        for t in path:
            elements = _accessed(t)
            for element in elements:
                if variables(Call("index", element[1:])) & changed or any(
                        e[0] == element[0] and e != element for e in stored):
                    return None
                touched.add(element)
            if is_store(t) and not isinstance(t.value.args[0], Var):
                return None
            if is_store(t) and t.value.args[:-1] not in stored:
                stored.append(t.value.args[:-1])
        return stored, touched

    def _straight(self, s: If, paths, merged: set[str], stored: list[tuple]) -> list[Stmt]:
        """Both paths one after the other, then the selections: each merged
        name and each stored element takes the value its path left."""
        out: list[Stmt] = []
        test = s.test
        changed = {t.target for p in paths for t in p if isinstance(t, Assign) and not is_store(t)}
        if not isinstance(test, (Var, Const)) or variables(test) & changed:  # the test as the branch saw it
            test_name = self.names.fresh("taken")
            self.fn.types[test_name] = "bool"
            out.append(Assign(test_name, test, s.loc))
            test = Var(test_name)
        counts = Counter(t.target for p in paths for t in p if isinstance(t, Assign) and not is_store(t))
        finals = []  # per path: (merged name -> its value where the path ends, element -> value stored)
        for path, side in zip(paths, ("then", "else")):
            rename: dict[str, str] = {}
            ends: dict[str, Expr] = {}
            stores: dict[tuple, Expr] = {}
            earlier: set[str] = set()

            def settled(e: Expr) -> bool:
                """Whether ``e`` still has its value where the selections read it."""
                return _plain(e) and all(v in rename.values() or (v not in merged and (
                    counts[v] == 0 or (counts[v] == 1 and v in earlier))) for v in variables(e))

            for k, t in enumerate(path):
                if isinstance(t, Comment):
                    out.append(t)
                    continue
                value = _forwarded(renamed_expr(t.value, rename), stores)
                if is_store(t):
                    new = value.args[-1]
                    if not settled(new):
                        new = Var(self._keep(out, f"{t.target}_{side}", new, t,
                                             "float" if is_float_array(self.fn.types.get(t.target)) else "int"))
                    stores[value.args[:-1]] = new
                elif t.target in merged:
                    later = path[k + 1:]
                    if settled(value) and not any(
                            isinstance(u, Assign) and (u.target == t.target or t.target in variables(u.value))
                            for u in later):
                        ends[t.target] = value  # a name or a constant: selected as it is
                    else:
                        rename[t.target] = self._keep(out, f"{t.target}_{side}", value, t,
                                                      self.fn.types.get(t.target, "float"))
                        ends[t.target] = Var(rename[t.target])
                else:
                    out.append(Assign(t.target, value, t.loc, t.site))
                if not is_store(t):
                    earlier.add(t.target)
            finals.append((ends, stores))
        (then_ends, then_stores), (else_ends, else_stores) = finals
        for v in sorted(merged):
            out.append(Assign(v, _selected(test, then_ends.get(v, Var(v)), else_ends.get(v, Var(v))), s.loc))
        for element in stored:
            old = Call("load", element)  # a path that leaves the element keeps it
            value = _selected(test, then_stores.get(element, old), else_stores.get(element, old))
            out.append(Assign(element[0].name, Call("store", (*element, value)), s.loc))
        return out

    def _keep(self, out: list[Stmt], hint: str, value: Expr, t: Assign, type_: str) -> str:
        """Assign ``value`` to a fresh name (appended to ``out``); the name."""
        name = self.names.fresh(hint)
        self.fn.types[name] = type_
        out.append(Assign(name, value, t.loc, t.site))
        return name


def _selected(test: Expr, if_true: Expr, if_false: Expr) -> Expr:
    return if_true if if_true == if_false else select(test, if_true, if_false)
