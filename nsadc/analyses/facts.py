"""Analyses over the IR: types, activity, kink sites, and for reverse mode the
to-be-recorded set (values that are overwritten and needed later) and the
statements that can be recomputed instead of taped."""

from __future__ import annotations

from dataclasses import dataclass, field

from nsadc.errors import Loc, UnsupportedError
from nsadc.ir.nodes import Assign, Call, Const, Expr, For, Function, If, Return, Stmt, Var, While, walk
from nsadc.rules.arrays import differentiable_type, is_array
from nsadc.rules.table import BITWISE, RULES


# ------------------------------------------------------------ types

def _const_type(v) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    return "float"


_ORDER = {"bool": 0, "int": 1, "float": 2}


def _join(a: str | None, b: str) -> str:
    if a is None:
        return b
    if is_array(a) or is_array(b):
        return a if is_array(a) else b  # the frontend refuses mixing arrays and scalars
    return a if _ORDER[a] >= _ORDER[b] else b


def expr_type(e: Expr, types: dict[str, str]) -> str:
    if isinstance(e, Const):
        return _const_type(e.value)
    if isinstance(e, Var):
        return types.get(e.name, "float")
    rule = RULES[e.prim]
    arg_types = [expr_type(a, types) for a in e.args]
    if e.prim in ("add", "sub", "mul", "pow", "floordiv", "mod", "neg", "pos", "abs", "max", "min", "clip"):
        arg_types = ["int" if t == "bool" else t for t in arg_types]
    return rule.result(arg_types)


def refuse_float_bits(fn: Function, types: dict[str, str]) -> None:
    """A bitwise operator (``>>``, ``&`` ...) on a float: Python raises, so
    the code is refused where it does that."""
    for s in walk(fn.body):
        if isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim in BITWISE \
                and any(expr_type(a, types) == "float" for a in s.value.args):
            raise UnsupportedError(f"the bitwise operator {BITWISE[s.value.prim]} is applied to a float here",
                                   s.loc, "apply it to ints (int arguments, loop variables, int(...) of a float)")


def infer_types(fn: Function) -> dict[str, str]:
    types: dict[str, str] = {p.name: p.type for p in fn.params}
    for _ in range(20):
        changed = False
        for s in walk(fn.body):
            if isinstance(s, Assign):
                t = _join(types.get(s.target), expr_type(s.value, types))
                if t != types.get(s.target):
                    types[s.target] = t
                    changed = True
            elif isinstance(s, For):
                if types.get(s.var) != "int":
                    types[s.var] = "int"
                    changed = True
        if not changed:
            break
    return types


# ------------------------------------------------------------ activity and sites

@dataclass
class Site:
    """A place where the program can meet a kink: a nonsmooth primitive on a
    differentiable operand, or a comparison of differentiable values."""

    index: int
    prim: str
    kind: str  # kink | jump | branch
    loc: Loc | None
    code: str  # the source line's text at the site, stripped


@dataclass
class Facts:
    types: dict[str, str]
    wrt: list[str]
    varied: set[str]
    useful: set[str]
    active: set[str]
    sites: list[Site] = field(default_factory=list)
    outputs: list[Expr] = field(default_factory=list)


def returned(fn: Function) -> list[Expr]:
    last = fn.body[-1] if fn.body else None
    if not isinstance(last, Return):
        raise UnsupportedError("the function must end by returning a value", fn.loc,
                               "return the result on every path")
    return list(last.value) if isinstance(last.value, tuple) else [last.value]


def passes_derivative(prim: str) -> bool:
    return RULES[prim].partials is not None


def varied_from(fn: Function, types: dict[str, str], seeds, passes) -> set[str]:
    """The differentiable variables that depend on ``seeds`` (those of them that
    are differentiable, included) through assignments whose primitive call
    ``passes(assign)`` lets a derivative through: a fixed point over the body."""
    varied = {w for w in seeds if differentiable_type(types.get(w))}
    assigns = [s for s in walk(fn.body) if isinstance(s, Assign) and isinstance(s.value, Call)]
    changed = True
    while changed:
        changed = False
        for s in assigns:
            if s.target in varied or not differentiable_type(types.get(s.target)):
                continue
            if passes(s) and any(isinstance(a, Var) and a.name in varied for a in s.value.args):
                varied.add(s.target)
                changed = True
    return varied


def analyse(fn: Function, wrt: list[str], sites: list[Site] | None = None) -> Facts:
    """Types, activity and kink sites of ``fn``.  ``sites``: the sites of the
    function ``fn`` was rewritten from, whose statements keep their numbers
    (a rewrite for one mode must not renumber what the certificate names)."""
    types = infer_types(fn)
    fn.types = types
    refuse_float_bits(fn, types)
    outputs = returned(fn)
    varied = varied_from(fn, types, wrt, lambda s: passes_derivative(s.value.prim))
    assigns = [s for s in walk(fn.body) if isinstance(s, Assign)]
    useful = {o.name for o in outputs if isinstance(o, Var)}
    changed = True
    while changed:
        changed = False
        for s in assigns:
            if s.target not in useful:
                continue
            v = s.value
            if isinstance(v, Call) and passes_derivative(v.prim):
                for a in v.args:
                    if isinstance(a, Var) and a.name not in useful:
                        useful.add(a.name)
                        changed = True
    active = {v for v in varied & useful if differentiable_type(types.get(v))}
    facts = Facts(types, wrt, varied, useful, active, outputs=outputs)
    if sites is None:
        _number_sites(fn, facts)
    else:
        facts.sites = list(sites)
    return facts


def _number_sites(fn: Function, facts: Facts) -> None:
    for s in walk(fn.body):
        if not (isinstance(s, Assign) and isinstance(s.value, Call)):
            continue
        rule = RULES[s.value.prim]
        if rule.kink is None:
            continue
        on_varied = any(isinstance(a, Var) and a.name in facts.varied for a in s.value.args)
        if not on_varied:
            continue
        s.site = len(facts.sites)
        code = s.loc.text.strip() if s.loc and s.loc.text else ""
        facts.sites.append(Site(s.site, s.value.prim, rule.kink.kind, s.loc, code))


# ------------------------------------------------------------ reverse-mode facts

def definitions(fn: Function) -> tuple[dict[str, int], set[str]]:
    """How often each name is defined statically (parameters count once), and
    the names defined inside some loop."""
    count: dict[str, int] = {p.name: 1 for p in fn.params}
    in_loop: set[str] = set()

    def visit(block: list[Stmt], depth: int):
        for s in block:
            if isinstance(s, Assign):
                count[s.target] = count.get(s.target, 0) + 1
                if depth:
                    in_loop.add(s.target)
            elif isinstance(s, If):
                visit(s.body, depth)
                visit(s.orelse, depth)
            elif isinstance(s, For):
                count[s.var] = count.get(s.var, 0) + 1
                in_loop.add(s.var)
                visit(s.body, depth + 1)
            elif isinstance(s, While):
                visit(s.body, depth + 1)

    visit(fn.body, 0)
    return count, in_loop
