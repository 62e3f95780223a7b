"""A `for` loop variable whose name the function also assigns elsewhere.

Reusing a name is everyday Python (a parameter's name too)::

    for j in range(n):
        s += x[j] * x[j]
    j = 0
    while j < n and x[j] < 0.0:
        j += 1

So is reading the variable after its loop (``for k in range(n): if x[k] >
t: break`` then ``x[k]``).  The lowering gives each such `for` loop a
variable of its own (``j_2``) and leaves ``j`` to the other assignments.
Python's own ``j`` holds the loop's last value after the loop: where some
path from the loop's end may read ``j`` before assigning it again (checked
on every path out of the loop and around the loops that hold it), each
iteration also assigns ``j`` from the loop's variable at its top
(:func:`own_loop_variables`).
"""

from __future__ import annotations

import libcst as cst

from nsadc.frontend.cst_nodes import scan
from nsadc.frontend.syntax import all_params

_LOOPS = (cst.For, cst.While)


def own_loop_variables(node: cst.FunctionDef, loop_vars: set[str]) -> tuple[set[str], set[int]]:
    """The names of ``loop_vars`` whose `for` loops each get a variable of their
    own: those other statements assign too, and those read after a loop; and
    the ids of the loops whose last value a later read may see (the name is
    then assigned from the loop's variable at the top of each iteration, as
    Python leaves it).  A name a loop's own body assigns, or that a loop over
    anything but ``range`` binds, keeps the one variable (and the refusals
    that go with it)."""
    assigned = _plainly_assigned(node)
    own: set[str] = set()
    copied: set[int] = set()
    for name in sorted(loop_vars):
        loops = [(path, loop) for path, loop in _for_loops(node.body.body, []) if _binds(loop, name)]
        if any(not isinstance(loop.target, cst.Name) or not _over_range(loop) or _assigns_inside(loop, name)
               for _, loop in loops):
            continue
        seen = {id(loop) for path, loop in loops if not _dead_after(path, loop, name)}
        if name in assigned or seen:
            own.add(name)
            copied |= seen
    return own, copied


def _over_range(loop: cst.For) -> bool:
    it = loop.iter
    if isinstance(it, cst.Call) and isinstance(it.func, cst.Name) and it.func.value == "reversed" and it.args:
        it = it.args[0].value
    if not isinstance(it, cst.Call):
        return False
    f = it.func
    return (isinstance(f, cst.Name) and f.value in ("range", "prange")) or (
        isinstance(f, cst.Attribute) and f.attr.value == "prange")


def _plainly_assigned(node: cst.FunctionDef) -> dict[str, cst.CSTNode]:
    """Each name an assignment statement binds -> its first such statement (a
    parameter, bound by the call, counts: ``def f(x, i): for i in range(3)``)."""
    found: dict[str, cst.CSTNode] = {p.name.value: p for p in all_params(node)}

    class V(cst.CSTVisitor):
        def visit_AssignTarget(self, n):
            for name in _names(n.target):
                found.setdefault(name, n)

        def visit_AugAssign(self, n):
            for name in _names(n.target):
                found.setdefault(name, n)

        def visit_AnnAssign(self, n):
            for name in _names(n.target):
                found.setdefault(name, n)

        def visit_FunctionDef(self, n):
            return n is node

    node.visit(V())
    return found


def _names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for el in target.elements for n in _names(el.value)]
    return []  # x[i] = ...: a store, not a binding


def _binds(loop: cst.For, name: str) -> bool:
    return name in _names(loop.target)


def _mentions(node: cst.CSTNode, name: str) -> bool:
    found = []

    class V(cst.CSTVisitor):
        def visit_Name(self, n):
            if n.value == name:
                found.append(n)

    scan(node, V())
    return bool(found)


def _assigns_inside(loop: cst.For, name: str) -> bool:
    """Whether the loop's body binds ``name`` itself (a loop variable changed in its loop)."""
    return any(_binds_statement(s, name) for s in _statements(loop.body.body))


def _binds_statement(s: cst.CSTNode, name: str) -> bool:
    if isinstance(s, cst.SimpleStatementLine):
        for small in s.body:
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else \
                [small.target] if isinstance(small, (cst.AugAssign, cst.AnnAssign)) else []
            if any(name in _names(t) for t in targets):
                return True
        return False
    return isinstance(s, cst.For) and _binds(s, name)


def _blocks(s: cst.CSTNode) -> list[tuple[list, cst.CSTNode]]:
    """The statement lists a compound statement holds, each with its owner."""
    out = []
    if isinstance(s, (cst.If, cst.For, cst.While, cst.With, cst.Try)):
        out.append((list(s.body.body), s))
    if isinstance(s, cst.If) and s.orelse is not None:
        if isinstance(s.orelse, cst.If):
            out.append(([s.orelse], s))
        else:
            out.append((list(s.orelse.body.body), s))
    elif isinstance(s, (cst.For, cst.While, cst.Try)) and getattr(s, "orelse", None) is not None:
        out.append((list(s.orelse.body.body), s))
    return out


def _statements(block: list):
    for s in block:
        yield s
        for inner, _ in _blocks(s):
            yield from _statements(inner)


def _for_loops(block: list, path: list):
    """Every `for` statement in ``block``, with its path: (statements, index, owner) per level."""
    for k, s in enumerate(block):
        here = path + [(block, k)]
        if isinstance(s, cst.For):
            yield here, s
        for inner, owner in _blocks(s):
            yield from _for_loops(inner, here + [owner])


def _first_use(stmts: list, name: str) -> str | None:
    """'set' when the first statement of ``stmts`` that names ``name`` binds it
    afresh (``name = e`` with ``e`` not reading it), 'read' when it may read
    it first, None when none names it.  Another `for` loop over the name is
    passed over: where it runs it answers for the reads after itself, and
    where it does not, they see what was there before it."""
    for s in stmts:
        if isinstance(s, cst.SimpleStatementLine) and s.body:
            first = s.body[0]
            value = first.value if isinstance(first, (cst.Assign, cst.AnnAssign)) else None
            if value is not None and _binds_statement(cst.SimpleStatementLine([first]), name) \
                    and not _mentions(value, name):
                return "set"
        if isinstance(s, cst.For) and _binds(s, name) and not _mentions(s.iter, name):
            continue  # it may not run; where it runs, it answers for the reads after itself
        if not _mentions(s, name):
            continue
        if isinstance(s, cst.If) and not _mentions(s.test, name):
            # assigned afresh in both branches (an elif is a branch holding an if); where one
            # branch leaves the name alone, the statements after the branch decide
            branches = [_first_use(block, name) for block, _ in _blocks(s)]
            if "read" in branches:
                return "read"
            if branches == ["set", "set"]:
                return "set"
            continue
        if isinstance(s, _LOOPS) and not _mentions(s.test if isinstance(s, cst.While) else s.iter, name) \
                and not (isinstance(s, cst.For) and _binds(s, name)):
            # a loop that may not run: a binding inside it (a `for` over the name answers for the
            # reads after itself) leaves the statements after the loop to decide
            if _first_use(list(s.body.body), name) == "read":
                return "read"
            continue
        return "read"
    return None


def _dead_after(path: list, loop: cst.For, name: str) -> bool:
    """Whether every path from the end of ``loop`` assigns ``name`` before it
    reads it: the statements after it at each level up, and the top of each
    loop around it (its next iteration), its test included."""
    levels = path  # [(block, k), owner, (block, k), owner, ..., (block, k)]
    for at in range(len(levels) - 1, -1, -2):
        block, k = levels[at]
        use = _first_use(block[k + 1:], name)
        if use is not None:
            return use == "set"
        owner = levels[at - 1] if at > 0 else None
        if isinstance(owner, _LOOPS) and block is not None and any(b is block or b == block for b, _ in
                                                                    _blocks(owner)[:1]):
            header = owner.test if isinstance(owner, cst.While) else owner.iter
            if _mentions(header, name) or (isinstance(owner, cst.For) and _binds(owner, name)):
                return False
            # the next iteration: from the top of the body through the statement holding the loop
            if _first_use(block[:k + 1], name) == "read":
                return False
    return True
