"""Shrink a failing program while its failure class persists.

The reductions work on Python's ``ast`` of the whole module, so they apply to
any program (generated or written by hand), and are tried greedily, the
largest first; the first one that keeps the failure is taken and the search
starts again:

* delete a helper function, a statement (a body left empty gets ``pass``);
* replace an ``if`` by its body or its ``else``, drop an ``else``; replace a
  loop by its body (a ``for`` variable read as ``0``);
* lower loop bounds: a name or a constant in ``range(...)`` becomes ``1``;
* replace an expression (operation, call, conditional expression, boolean
  operation) by one of its operands or by the constant ``0.5``, a test by
  ``True`` / ``False``;
* drop a parameter of ``f`` that the module no longer reads (and its value
  from the point).

The predicate (``still_fails``) re-checks the candidate at the failing point
only; the failure is "the same" when its class (kind, exception type and stage)
and its message with digits blanked out are the same.
"""

from __future__ import annotations

import ast
import copy
import re
import time
from typing import Callable, Iterator

HALF = 0.5


def failure_key(f: dict) -> tuple:
    """What must persist: the class, and the message with digits and
    locations blanked (names like ``z3_bar`` become ``zN_bar``)."""
    msg = f.get("message", "")
    msg = re.sub(r"\S+\.py:\d+(:\d+)?", "LOC", msg)
    msg = re.sub(r"\d+(\.\d+)?(e-?\d+)?", "N", msg)
    if f["cls"].startswith(("wrong-gradient", "dot-identity", "dual-mismatch", "clarke-vs-grad", "primal-mismatch",
                            "standalone-mismatch", "vjp-vs-grad", "hang", "crash")):
        msg = ""  # the numbers are the message: the class alone
    # a failure at a kink that becomes the same failure off the kinks is the same (and better)
    return f["cls"].replace(":kink", ""), msg


def _stmt_lists(tree: ast.AST):
    """(index of the owner in ast.walk order, field) of every statement list."""
    out = []
    for k, node in enumerate(ast.walk(tree)):
        for field in ("body", "orelse"):
            v = getattr(node, field, None)
            if isinstance(v, list) and v and isinstance(v[0], ast.stmt):
                out.append((k, field, len(v)))
    return out


def _node(tree, k):
    for j, node in enumerate(ast.walk(tree)):
        if j == k:
            return node
    raise IndexError(k)


def _parents(tree):
    par = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            par[child] = node
    return par


class _Subst(ast.NodeTransformer):
    def __init__(self, name, value):
        self.name, self.value = name, value

    def visit_Name(self, node):
        if node.id == self.name and isinstance(node.ctx, ast.Load):
            return ast.copy_location(ast.Constant(self.value), node)
        return node


def _in_index(node, par) -> bool:
    """Inside a subscript's index or a range() argument (ints live there)."""
    while node in par:
        p = par[node]
        if isinstance(p, ast.Subscript) and node is p.slice:
            return True
        if isinstance(p, ast.Call) and isinstance(p.func, ast.Name) and p.func.id in ("range", "len"):
            return True
        if isinstance(p, ast.Call) and isinstance(p.func, ast.Attribute) and p.func.attr in (
                "zeros", "ones", "empty", "full"):
            return True
        node = p
    return False


def candidates(source: str) -> Iterator[str]:
    tree = ast.parse(source)
    seen = {source}

    def emit(t):
        try:
            s = ast.unparse(ast.fix_missing_locations(t)) + "\n"
        except Exception:  # noqa: BLE001
            return None
        if s in seen:
            return None
        seen.add(s)
        return s

    # 1. helper functions
    for i, node in enumerate(tree.body):
        if isinstance(node, ast.FunctionDef) and node.name != "f":
            t = copy.deepcopy(tree)
            del t.body[i]
            s = emit(t)
            if s:
                yield s
    # 2. statements (outer lists first: bigger cuts)
    for k, field, n in _stmt_lists(tree):
        owner = _node(tree, k)
        if isinstance(owner, ast.Module):
            continue
        for i in range(n):
            t = copy.deepcopy(tree)
            lst = getattr(_node(t, k), field)
            if isinstance(owner, ast.FunctionDef) and i == n - 1 and isinstance(lst[i], ast.Return):
                continue
            del lst[i]
            if not lst and field == "body":
                lst.append(ast.Pass())
            s = emit(t)
            if s:
                yield s
    # 3. compound statements by their bodies
    for k, field, n in _stmt_lists(tree):
        for i in range(n):
            st = getattr(_node(tree, k), field)[i]
            repls = []
            if isinstance(st, ast.If):
                repls.append(("body", None))
                if st.orelse:
                    repls += [("orelse", None), ("drop-else", None)]
            elif isinstance(st, ast.For):
                repls.append(("body", st.target.id if isinstance(st.target, ast.Name) else None))
            elif isinstance(st, ast.While):
                repls.append(("body", None))
            for what, var in repls:
                t = copy.deepcopy(tree)
                lst = getattr(_node(t, k), field)
                s0 = lst[i]
                if what == "drop-else":
                    s0.orelse = []
                    new = [s0]
                else:
                    new = [copy.deepcopy(x) for x in getattr(s0, what)]
                    if var:
                        new = [_Subst(var, 0).visit(x) for x in new]
                lst[i:i + 1] = new
                s = emit(t)
                if s:
                    yield s
    # 4. loop bounds
    for k, node in enumerate(ast.walk(tree)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range":
            for j, a in enumerate(node.args):
                if (isinstance(a, ast.Constant) and isinstance(a.value, int) and a.value > 1) or \
                        not isinstance(a, ast.Constant):
                    t = copy.deepcopy(tree)
                    _node(t, k).args[j] = ast.Constant(1)
                    s = emit(t)
                    if s:
                        yield s
            if len(node.args) > 1:
                t = copy.deepcopy(tree)
                _node(t, k).args = [ast.Constant(1)]
                s = emit(t)
                if s:
                    yield s
    # 5. expressions
    par = _parents(tree)
    for k, node in enumerate(ast.walk(tree)):
        if not isinstance(node, ast.expr) or _in_index(node, par):
            continue
        p = par.get(node)
        if isinstance(p, (ast.Assign, ast.AugAssign)) and node in getattr(p, "targets", [p.target]
                                                                           if hasattr(p, "target") else []):
            continue
        opts: list = []
        if isinstance(node, (ast.Compare,)) or (isinstance(node, ast.BoolOp)) or \
                isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            opts += [ast.Constant(True), ast.Constant(False)]
        if isinstance(node, ast.BinOp):
            opts += [node.left, node.right, ast.Constant(HALF)]
        elif isinstance(node, ast.UnaryOp):
            opts += [node.operand]
        elif isinstance(node, ast.IfExp):
            opts += [node.body, node.orelse, ast.Constant(HALF)]
        elif isinstance(node, ast.BoolOp):
            opts += list(node.values)
        elif isinstance(node, ast.Call):
            fname = ast.unparse(node.func)
            if fname in ("range", "len") or isinstance(p, ast.Expr):
                continue
            opts += [a for a in node.args if not isinstance(a, ast.Starred)]
            opts += [kw.value for kw in node.keywords]
            opts.append(ast.Constant(HALF))
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            opts.append(ast.Constant(HALF))
        elif isinstance(node, ast.Constant) and isinstance(node.value, float) and node.value not in (0.0, HALF):
            opts.append(ast.Constant(HALF))
        for o in opts:
            t = copy.deepcopy(tree)
            target = _node(t, k)
            tpar = _parents(t)[target]
            new = copy.deepcopy(o)
            replaced = False
            for field, value in ast.iter_fields(tpar):
                if value is target:
                    setattr(tpar, field, new)
                    replaced = True
                elif isinstance(value, list):
                    for j, v in enumerate(value):
                        if v is target:
                            value[j] = new
                            replaced = True
            if replaced:
                s = emit(t)
                if s:
                    yield s


def _unused_params(source: str) -> list[str]:
    tree = ast.parse(source)
    f = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "f")
    used = {n.id for n in ast.walk(f) if isinstance(n, ast.Name)}
    return [a.arg for a in f.args.args if a.arg not in used]


def _drop_param(prog: dict, name: str) -> dict:
    tree = ast.parse(prog["source"])
    f = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "f")
    f.args.args = [a for a in f.args.args if a.arg != name]
    out = dict(prog)
    out["source"] = ast.unparse(tree) + "\n"
    out["params"] = [p for p in prog["params"] if p[0] != name]
    out["points"] = [{k: v for k, v in pt.items() if k != name} for pt in prog["points"]]
    return out


def minimize(prog: dict, still_fails: Callable[[dict], bool], budget_s: float = 120.0,
             log: Callable[[str], None] | None = None) -> tuple[dict, dict]:
    """The smallest program found within ``budget_s`` for which
    ``still_fails(program)`` holds, and figures of the search."""
    t0 = time.monotonic()
    best = dict(prog)
    tries = accepted = 0
    progress = True
    while progress and time.monotonic() - t0 < budget_s:
        progress = False
        for name in _unused_params(best["source"]):
            cand = _drop_param(best, name)
            tries += 1
            if still_fails(cand):
                best, progress = cand, True
                accepted += 1
        for src in candidates(best["source"]):
            if time.monotonic() - t0 > budget_s:
                break
            if len(src) >= len(best["source"]) + 40:
                continue
            cand = dict(best, source=src)
            tries += 1
            if still_fails(cand):
                best, progress = cand, True
                accepted += 1
                if log:
                    log(f"  minimize: {len(src)} chars after {tries} tries")
                break
    stats = {"tries": tries, "accepted": accepted, "seconds": round(time.monotonic() - t0, 1),
             "chars_before": len(prog["source"]), "chars_after": len(best["source"]),
             "finished": not progress}
    return best, stats
