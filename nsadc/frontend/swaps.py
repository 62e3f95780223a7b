"""A swap through a temporary, ``t = a; a = b; b = t``, written as ``a, b = b, a``
(and a rotation, ``t = a; a = b; b = c; c = t``, as ``a, b, c = b, c, a``).

Time-stepping codes swap their two buffers after each step (``tmp = u; u =
u_new; u_new = tmp``).  Through the temporary, ``t = a`` gives an array a
second name, which the array lowering refuses (a write through either name
would be seen through both).  Where the temporary is bound only there and read
only by the third statement, the three statements mean exactly the tuple
swap, which binds no second name; they are rewritten so before lowering.
"""

from __future__ import annotations

import libcst as cst

from nsadc.frontend.cst_nodes import nodes, place_tree
from nsadc.frontend.syntax import scope_bindings

_MEMO: dict[int, tuple] = {}  # id(function) -> (function, rewritten): one rewrite per function


def swaps_as_tuples(src, fnode: cst.FunctionDef) -> cst.FunctionDef:
    """``fnode`` with each swap or rotation through a temporary written as a
    tuple assignment (``fnode`` itself where there is none)."""
    memo = _MEMO.get(id(fnode))
    if memo is not None and memo[0] is fnode:
        return memo[1]
    reads: dict[str, int] = {}
    for n in nodes(fnode):
        if isinstance(n, cst.Name):
            reads[n.value] = reads.get(n.value, 0) + 1  # (targets too: a temporary has one and one read)
    binds = scope_bindings(fnode)[0]
    made: dict[cst.CSTNode, cst.CSTNode] = {}

    class Swaps(cst.CSTTransformer):
        def visit_FunctionDef(self, n):
            return n is fnode  # (a nested function keeps its own names)

        def leave_IndentedBlock(self, original, updated):
            body = list(updated.body)
            out, k = [], 0
            while k < len(body):
                names = _rotation(body[k:])
                if names is not None and len(binds.get(names[0], [])) == 1 and reads.get(names[0]) == 2:
                    rotated = names[1:]  # a, b, c = b, c, a
                    line = body[k].with_changes(body=[cst.Assign(
                        targets=[cst.AssignTarget(cst.Tuple([cst.Element(cst.Name(n)) for n in rotated],
                                                            lpar=[], rpar=[]))],
                        value=cst.Tuple([cst.Element(cst.Name(n)) for n in rotated[1:] + rotated[:1]],
                                        lpar=[], rpar=[]))])
                    made[line] = original.body[k]  # (the user's node: positions are kept for those)
                    out.append(line)
                    k += len(names)  # t = a; a = b; b = t: three statements for [t, a, b]
                else:
                    out.append(body[k])
                    k += 1
            return updated.with_changes(body=out) if len(out) != len(body) else updated

    out = fnode.visit(Swaps()) if any(_copy_of_name(n) is not None for n in nodes(fnode)) else fnode
    if made:
        place_tree(src, out, made, fnode)
    else:
        out = fnode  # (libcst rebuilds the tree even where nothing changed)
    _MEMO[id(fnode)] = (fnode, out)
    return out


def _copy_of_name(line) -> tuple[str, str] | None:
    """``(target, value)`` of a line ``target = value`` between two plain names."""
    if not (isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1 and isinstance(line.body[0], cst.Assign)):
        return None
    a = line.body[0]
    if len(a.targets) == 1 and isinstance(a.targets[0].target, cst.Name) and isinstance(a.value, cst.Name):
        return a.targets[0].target.value, a.value.value
    return None


def _rotation(lines) -> list[str] | None:
    """``[t, a, b, ...]`` where ``lines`` begin ``t = a; a = b; ...; z = t``
    (two or more distinct names rotated through ``t``), or None."""
    found = []
    for line in lines:
        copy = _copy_of_name(line)
        if copy is None:
            break
        found.append(copy)
    if len(found) < 3:
        return None
    t, first = found[0]
    names = [t, first]
    for k, (target, value) in enumerate(found[1:], start=1):
        if target != names[-1]:
            return None
        if value == t:
            return names if len(set(names)) == len(names) and k >= 2 else None
        names.append(value)
    return None
