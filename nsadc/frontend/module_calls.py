"""A helper called through its module's name, ``kernels.clamp(x)``, inlined
as ``clamp(x)`` is.

Projects split their numerical code into modules (``import kernels``,
``from . import physics``) and call across them by the module's name.  nsadc
inlines the plain (or ``@njit``) functions a differentiated function calls,
which it finds by name in the globals of the function's module.  Before
lowering, a call through a module's name is rewritten into a call of a fresh
name bound to the module's function in a copy of those globals; the module's
globals themselves are left alone.  NumPy's and math's functions are
primitives, not helpers, and stay as written; so does a module attribute that
is not a function written in Python (the lowering then says what it refuses).
"""

from __future__ import annotations

import inspect

import libcst as cst

from nsadc.frontend.cst_nodes import nodes, place_tree
from nsadc.frontend.syntax import all_params, scope_bindings

LIBRARIES = ("numpy", "math", "numba", "scipy", "builtins", "nsadc")  # modules whose functions are not helpers
_MEMO: dict[int, tuple] = {}  # id(function) -> (function, env, rewritten, aliases)


def module_calls_by_name(src, fnode: cst.FunctionDef, env: dict | None) -> tuple[cst.FunctionDef, dict | None]:
    """``fnode`` with each call of a helper through its module's name made a
    call by a name of its own, and the globals (``env``, copied) that bind
    those names; both unchanged where there is no such call."""
    if env is None:
        return fnode, env
    memo = _MEMO.get(id(fnode))
    if memo is not None and memo[0] is fnode and memo[1] is env:
        return memo[2], ({**env, **memo[3]} if memo[3] else env)
    local = set(scope_bindings(fnode)[0]) | {p.name.value for p in all_params(fnode)}
    taken = {n.value for n in nodes(fnode) if isinstance(n, cst.Name)} | set(env)
    aliases: dict[str, object] = {}
    by_call: dict[tuple[str, str], str] = {}

    def alias_of(func: cst.BaseExpression) -> str | None:
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return None
        base, attr = func.value.value, func.attr.value
        module = env.get(base)
        if base in local or not inspect.ismodule(module) or module.__name__.split(".")[0] in LIBRARIES:
            return None
        obj = getattr(module, attr, None)
        plain = getattr(obj, "py_func", obj)  # (an @njit function: its Python function)
        if not inspect.isfunction(plain) or (plain.__module__ or "").split(".")[0] in LIBRARIES:
            return None
        if (base, attr) not in by_call:
            name, k = f"{base}_{attr}", 2
            while name in taken:
                name, k = f"{base}_{attr}_{k}", k + 1
            taken.add(name)
            by_call[(base, attr)] = name
            aliases[name] = obj
        return by_call[(base, attr)]

    made: dict[cst.CSTNode, cst.CSTNode] = {}

    class ByName(cst.CSTTransformer):
        def visit_FunctionDef(self, n):
            return n is fnode  # (a nested function keeps its own names)

        def leave_Call(self, original, updated):
            name = alias_of(original.func)
            if name is None:
                return updated
            func = cst.Name(name)
            made[func] = original.func
            call = updated.with_changes(func=func)
            made[call] = original
            return call

    out = fnode
    if any(isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute) for n in nodes(fnode)):
        out = fnode.visit(ByName())
        if made:
            place_tree(src, out, made, fnode)
        else:
            out = fnode  # (libcst rebuilds the tree even where nothing changed)
    _MEMO[id(fnode)] = (fnode, env, out, aliases)
    return out, ({**env, **aliases} if aliases else env)
