"""A fast pass over a libcst tree, for the read-only scans of the frontend.

Inferring a parameter's type scans the whole function several times per
parameter (is it subscripted, measured, iterated over, passed to a helper ...).
libcst's ``node.visit(visitor)`` rebuilds every node it passes, which costs
about 0.1 s per scan of a 1,000-statement function; a long function with a few
parameters spent seconds there.  :func:`nodes` lists a tree's nodes once (kept
for the few large trees last asked for) and :func:`scan` calls a visitor's
``visit_<Node>`` methods on them, in the order libcst visits them (parents
before children, children in source order).

``scan`` is for visitors whose ``visit_`` methods only look: they never return
False (to skip a node's children) and define no ``leave_`` methods.
"""

from __future__ import annotations

import threading

import libcst as cst

_LOCK = threading.Lock()  # threads compiling different functions share _KEPT
_KEPT: dict[int, tuple[cst.CSTNode, list[cst.CSTNode]]] = {}
_KEEP = 16  # trees remembered (each entry holds its tree, so that its id stays its own)
_LARGE = 1000  # nodes: a smaller tree is listed again when asked for


def _listing(root: cst.CSTNode, out: list[cst.CSTNode]) -> None:
    stack = [root]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(reversed(n.children))


def _keep(root: cst.CSTNode, listing: list[cst.CSTNode]) -> None:
    if len(listing) >= _LARGE:
        with _LOCK:
            if len(_KEPT) >= _KEEP:
                del _KEPT[next(iter(_KEPT))]
            _KEPT[id(root)] = (root, listing)


def nodes(root: cst.CSTNode) -> list[cst.CSTNode]:
    """Every node of ``root``'s tree, ``root`` first, parents before children.
    The listings of ``root``'s children (a function's body) are kept too."""
    with _LOCK:
        kept = _KEPT.get(id(root))
    if kept is not None and kept[0] is root:
        return kept[1]
    out: list[cst.CSTNode] = [root]
    for child in root.children:
        start = len(out)
        _listing(child, out)
        _keep(child, out[start:])
    _keep(root, out)
    return out


def mentioned_names(root: cst.CSTNode, skip: cst.CSTNode | None = None) -> set[str]:
    """The names ``root``'s tree mentions, those inside ``skip`` aside."""
    inside = {id(n) for n in nodes(skip)} if skip is not None else set()
    return {n.value for n in nodes(root) if isinstance(n, cst.Name) and id(n) not in inside}


def scan(root: cst.CSTNode, visitor: cst.CSTVisitor) -> None:
    """``root.visit(visitor)`` for a visitor that only looks (see the module's doc)."""
    methods: dict[type, object] = {}
    for n in nodes(root):
        t = type(n)
        m = methods.get(t, methods)
        if m is methods:  # the visitor's own method, not CSTVisitor's no-op
            name = "visit_" + t.__name__
            own = getattr(type(visitor), name, None)
            m = methods[t] = None if own is None or own is getattr(cst.CSTVisitor, name, None) \
                else getattr(visitor, name)
        if m is not None:
            m(n)


def place_tree(src, new: cst.FunctionDef, stands_for: dict, old: cst.FunctionDef) -> None:
    """Parents for every node of the rewritten function ``new``, and a
    position for each node it made: that of the node it stands for (its
    nearest made ancestor's otherwise)."""
    src.parents[new] = src.parents.get(old)
    src.positions.setdefault(new, src.positions.get(old))

    def visit(node, here):
        for child in node.children:
            src.parents[child] = node
            if child not in src.positions:
                src.positions[child] = src.positions.get(stands_for.get(child)) if child in stands_for else here
            visit(child, src.positions.get(child, here))
    visit(new, src.positions.get(old))
