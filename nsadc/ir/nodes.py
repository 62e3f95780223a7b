"""IR nodes.

Statements are structured (If / For / While / Return) and the primal program is
in three-address form: every ``Assign`` applies one primitive to operands that
are variables or constants.  Derivative code built by the transforms may nest
expressions (``Call`` inside ``Call``); the emitter parenthesizes by precedence.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

from nsadc.errors import Loc

if TYPE_CHECKING:
    from nsadc.ir.names import Names

# ---------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Const:
    value: float | int | bool


@dataclass(frozen=True)
class Call:
    """A primitive applied to arguments.  ``prim`` names an entry of the rule table
    (``add``, ``abs``, ``exp`` ...) or an emitter-only helper (``select``)."""

    prim: str
    args: tuple[Expr, ...]


Expr = Var | Const | Call


def select(cond: Expr, if_true: Expr, if_false: Expr) -> Call:
    """``if_true if cond else if_false``: the shape every kink selection takes."""
    return Call("select", (cond, if_true, if_false))


def has_select(e: Expr) -> bool:
    """Whether ``e`` is or holds a selection."""
    return isinstance(e, Call) and (e.prim == "select" or any(has_select(a) for a in e.args))


def variables(expr: Expr) -> set[str]:
    if isinstance(expr, Var):
        return {expr.name}
    if isinstance(expr, Call):
        out: set[str] = set()
        for a in expr.args:
            out |= variables(a)
        return out
    return set()


def element_loads(e: Expr) -> list[tuple]:
    """The elements ``e`` loads, each as ``(array, index...)``, innermost first."""
    if not isinstance(e, Call):
        return []
    out = [x for a in e.args for x in element_loads(a)]
    if e.prim == "load":
        out.append(e.args)
    return out


def operations(e: Expr) -> int:
    """Operations in ``e`` (an element load counts as none)."""
    if isinstance(e, Call):
        return (0 if e.prim == "load" else 1) + sum(operations(a) for a in e.args)
    return 0


# ----------------------------------------------------------------- statements


@dataclass
class Assign:
    target: str
    value: Expr
    loc: Loc | None = None
    site: int | None = None  # kink site number when the primitive has a kink


@dataclass
class If:
    test: Expr
    body: list[Stmt]
    orelse: list[Stmt] = field(default_factory=list)
    loc: Loc | None = None


@dataclass
class For:
    """``for var in range(start, stop, step)``; ``parallel``: its iterations
    may run on several threads (``numba.prange``; set by
    passes/parallel_loops.py for the cpu target's parallel mode alone)."""

    var: str
    start: Expr
    stop: Expr
    step: Expr
    body: list[Stmt]
    loc: Loc | None = None
    parallel: bool = False


@dataclass
class While:
    """``while test: body``.  The statements that compute ``test`` run before the
    loop and again at the end of ``body`` (the frontend rotates them there)."""

    test: Expr
    body: list[Stmt]
    loc: Loc | None = None


@dataclass
class Break:
    loc: Loc | None = None


@dataclass
class Continue:
    loc: Loc | None = None


@dataclass
class Return:
    value: Expr | tuple[Expr, ...] | None
    loc: Loc | None = None


@dataclass
class Comment:
    text: str


@dataclass
class Raw:
    """A line of target code the IR does not model (a ``raise``, a report
    flush, a buffer a pass allocates): passes take it as reading and writing
    every name in it, and never read its text."""

    code: str
    raises: bool = False  # the line raises: control does not go on past it
    allocates: str | None = None  # the array the line allocates (a pass's buffer), if it does


_IDENTIFIER = re.compile(r"[^\W\d]\w*")


# ------------------------------------------------------------------ tapes
#
# The reverse sweep reads back values the forward sweep overwrote through
# tapes: a storage array and an int counter.  Each operation on them is a
# statement of its own, so that the passes read them as what they are (a
# push paired with its pop, a counter step) and a backend decides where a
# tape lives (``np.empty`` on the CPU, per-thread memory on a GPU).


@dataclass
class TapeAlloc:
    """``tape = np.empty(size)``: storage for ``size`` entries of ``dtype``
    (``"float"`` or ``"int"``); a backend chooses where it lives.  With
    ``scratch`` (a float array the caller passes, for a backend that cannot
    allocate) the tape is ``scratch[offset:offset + size]``."""

    tape: str
    size: Expr
    dtype: str = "float"
    scratch: str | None = None
    offset: Expr | None = None


@dataclass
class TapeReserve:
    """Room on ``tape`` for ``counter + room`` entries (grown by doubling)."""

    tape: str
    counter: str
    room: Expr


@dataclass
class TapePush:
    """``tape[at] = value``: the forward sweep keeps a value.  ``pair`` is
    shared with the :class:`TapePop` that reads it back (0: not paired)."""

    tape: str
    at: Expr
    value: Expr
    pair: int = 0


@dataclass
class TapePop:
    """``target = tape[at]`` (``!= 0`` for a bool): the reverse sweep reads a
    kept value back into a variable, or into an array element (``target`` a
    ``load``)."""

    tape: str
    at: Expr
    target: Expr
    as_bool: bool = False
    pair: int = 0
    as_int: bool = False  # an int kept on a float tape (a caller's scratch): read back as int(...)


@dataclass
class CounterStep:
    """``counter = by``, ``counter += by`` or ``counter -= by`` (``op``): a
    tape's counter, a copy of one, or a loop's trip count."""

    counter: str
    op: str
    by: Expr


TapeOp = TapeAlloc | TapeReserve | TapePush | TapePop | CounterStep
TAPE_OPS = (TapeAlloc, TapeReserve, TapePush, TapePop, CounterStep)


def tape_effects(s: TapeOp) -> tuple[set[str], set[str]]:
    """What a tape operation reads and what it assigns (a tape's entries count
    as the tape)."""
    if isinstance(s, TapeAlloc):
        read = variables(s.size) | (variables(s.offset) | {s.scratch} if s.scratch else set())
        return read, {s.tape}
    if isinstance(s, TapeReserve):
        return {s.tape, s.counter} | variables(s.room), {s.tape}
    if isinstance(s, TapePush):
        return {s.tape} | variables(s.at) | variables(s.value), {s.tape}
    if isinstance(s, TapePop):
        if isinstance(s.target, Var):
            return {s.tape} | variables(s.at), {s.target.name}
        array, *index = s.target.args
        return {s.tape, array.name} | variables(s.at) | set().union(*map(variables, index)), {array.name}
    read = variables(s.by) if s.op == "=" else variables(s.by) | {s.counter}
    return read, {s.counter}


def raw_names(s: Raw | TapeOp) -> set[str]:
    """Every name a line of target code mentions: the passes that cannot read
    it take each as read and written."""
    if isinstance(s, TAPE_OPS):
        read, written = tape_effects(s)
        return read | written
    return set(_IDENTIFIER.findall(s.code))


OPAQUE = (Raw, *TAPE_OPS)  # statements a pass that does not know them takes as touching every name in them

Stmt = Assign | If | For | While | Break | Continue | Return | Comment | Raw | TapeOp


@dataclass
class Param:
    name: str
    type: str  # "float", "int", "bool"


@dataclass
class Function:
    """One function of the IR, and the facts about it that the stages after
    the one that learned them read.  Every fact is a declared field with a
    default, so a function built by hand (tests, a transform) has them all;
    :func:`clone_function` copies every field."""

    name: str
    params: list[Param]
    body: list[Stmt]
    loc: Loc | None = None
    doc: str | None = None
    types: dict[str, str] = field(default_factory=dict)
    """Variable -> type (``float``, ``int``, ``bool``, ``arrayN`` ...): filled by analysis."""

    # ---- set by the frontend (frontend/lower.py, frontend/vectorize.py)
    names: Names | None = None
    """The fresh-name generator of the compilation (every name the source and the lowering use)."""
    stored_params: list[str] = field(default_factory=list)
    """Array parameters the function writes into (Clarke mode copies them first)."""
    shape_checks: list[tuple[str, str, str]] = field(default_factory=list)
    """``(left, right, where)``: two shape expressions (source text) that whole-array
    code needs equal, checked by the API on the arguments before every call."""
    vectorized: bool = False
    """Whether the function uses whole-array NumPy (lowered to loops)."""
    rank_guessed: list[str] = field(default_factory=list)
    """Array parameters of whole-array code whose number of dimensions the code
    does not show (lowered with a guessed rank; the call's arguments decide)."""
    lenient: bool = False
    """A rank error was let pass while lowering with guessed ranks: the call lowers again."""
    scalar_or_array: list[str] = field(default_factory=list)
    """Number parameters met elementwise with arrays: a call may pass arrays for them."""

    # ---- set by the AD transforms on their results (transforms/forward.py, transforms/reverse.py)
    needs_reserve: bool = False
    """Reverse mode: a tape grows beyond its preallocated size, so the module emits ``_reserve``."""
    adjoints: set[str] = field(default_factory=set)
    """Reverse mode: the scalar adjoint variables (passes/adjoints.py tidies them)."""
    array_adjoints: set[str] = field(default_factory=set)
    """Reverse mode: the array adjoint variables."""
    index_depth: int = 0
    """The kink report's layout: how many loop indices a site's hits are kept by."""
    counting_up: dict[int, For] = field(default_factory=dict)
    """Reverse mode: id of a reversed loop -> the same loop counting up (passes/loop_order.py)."""
    keep: set[str] = field(default_factory=set)
    """Variables fold_temporaries must leave in place (outputs read beside the body)."""
    iteration_buffers: set[str] = field(default_factory=set)
    """Arrays allocated at entry whose contents live for one iteration of the loop
    that uses them (a strip's values: passes/reduction_interchange.py); a parallel
    loop gives each chunk its own (passes/parallel_loops.py)."""
    tangent_of: dict[str, str] = field(default_factory=dict)
    """Forward mode: primal variable -> its tangent variable (transforms/kink_rows.py)."""


def child_blocks(s: Stmt) -> list[list[Stmt]]:
    """The statement lists nested directly in ``s`` (a branch's two, a loop's body)."""
    if isinstance(s, If):
        return [s.body, s.orelse]
    if isinstance(s, (For, While)):
        return [s.body]
    return []


def is_store(s: Stmt) -> bool:
    """Whether ``s`` stores one element of an array (``a[i] = v`` as ``a = store(a, i, v)``)."""
    return isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim == "store"


def walk(block: list[Stmt]):
    """Every statement of a block, nested ones included, in source order."""
    for s in block:
        yield s
        if isinstance(s, If):
            yield from walk(s.body)
            yield from walk(s.orelse)
        elif isinstance(s, (For, While)):
            yield from walk(s.body)


def expressions_read(s: Stmt) -> list[Expr]:
    """The expressions a statement evaluates itself (not those of nested statements)."""
    if isinstance(s, Assign):
        return [s.value]
    if isinstance(s, (If, While)):
        return [s.test]
    if isinstance(s, For):
        return [s.start, s.stop, s.step]
    if isinstance(s, Return):
        if s.value is None:
            return []
        return list(s.value) if isinstance(s.value, tuple) else [s.value]
    return []


def expressions_evaluated(s: Stmt) -> list[Expr]:
    """The expressions ``s`` evaluates itself, tape operations included."""
    if isinstance(s, TapePush):
        return [s.at, s.value]
    if isinstance(s, TapePop):
        return [s.at]
    if isinstance(s, TapeReserve):
        return [s.room]
    if isinstance(s, CounterStep):
        return [s.by]
    if isinstance(s, TapeAlloc):
        return [s.size] + ([s.offset] if s.offset is not None else [])
    return expressions_read(s)


def block_operations(block: list[Stmt]) -> int:
    """Operations in the expressions of ``block`` and its nested blocks: a
    measure of the code a compiler has to type and lower."""
    return sum(operations(e) for s in walk(block) for e in expressions_read(s))


def reads(s: Stmt) -> set[str]:
    """The variables a statement reads itself."""
    out: set[str] = set()
    for e in expressions_read(s):
        out |= variables(e)
    return out


def assigned(block: list[Stmt]) -> set[str]:
    """Every variable a block assigns, nested statements and loop variables included."""
    out: set[str] = set()
    for s in walk(block):
        if isinstance(s, Assign):
            out.add(s.target)
        elif isinstance(s, For):
            out.add(s.var)
    return out


def clone(block: list[Stmt]) -> list[Stmt]:
    """A copy of a block's statements (expressions are immutable and shared):
    much faster than ``copy.deepcopy``, which the pipeline would otherwise run
    once per transform."""
    out: list[Stmt] = []
    for s in block:
        if isinstance(s, Assign):
            out.append(Assign(s.target, s.value, s.loc, s.site))
        elif isinstance(s, If):
            out.append(If(s.test, clone(s.body), clone(s.orelse), s.loc))
        elif isinstance(s, For):
            out.append(For(s.var, s.start, s.stop, s.step, clone(s.body), s.loc, s.parallel))
        elif isinstance(s, While):
            out.append(While(s.test, clone(s.body), s.loc))
        elif isinstance(s, Return):
            out.append(Return(s.value, s.loc))
        elif isinstance(s, Break):
            out.append(Break(s.loc))
        elif isinstance(s, Continue):
            out.append(Continue(s.loc))
        elif isinstance(s, Comment):
            out.append(Comment(s.text))
        elif isinstance(s, Raw):
            out.append(Raw(s.code, s.raises, s.allocates))
        else:  # a tape operation: its fields are immutable
            out.append(dataclasses.replace(s))
    return out


def clone_function(fn: Function) -> Function:
    """A copy of ``fn`` that the passes may rewrite without touching ``fn``: the
    body's statements are copied (:func:`clone`), every other field of
    :class:`Function` is carried over, its lists, dicts and sets as shallow
    copies (the name generator ``names`` stays shared)."""
    values = {}
    for f in fields(Function):
        value = getattr(fn, f.name)
        if f.name == "body":
            value = clone(value)
        elif isinstance(value, (list, dict, set)):
            value = type(value)(value)
        values[f.name] = value
    return Function(**values)


def upward_exposed(block: list[Stmt]) -> set[str]:
    """Variables a block may read before assigning them (a loop body's
    loop-carried inputs): an assignment on both branches of an `if` counts as
    made after it; assignments inside loops do not."""
    exposed: set[str] = set()

    def visit(stmts: list[Stmt], defined: set[str]) -> set[str]:
        defined = set(defined)
        for s in stmts:
            exposed.update(reads(s) - defined)
            if isinstance(s, Assign):
                defined.add(s.target)
            elif isinstance(s, If):
                defined |= visit(s.body, defined) & visit(s.orelse, defined)
            elif isinstance(s, For):
                visit(s.body, defined | {s.var})
            elif isinstance(s, While):
                visit(s.body, defined)
        return defined

    visit(block, set())
    return exposed


def renamed_expr(e: Expr, names: dict[str, str]) -> Expr:
    """``e`` with the variables ``names`` maps renamed."""
    if isinstance(e, Var):
        return Var(names[e.name]) if e.name in names else e
    if isinstance(e, Call):
        return Call(e.prim, tuple(renamed_expr(a, names) for a in e.args))
    return e


def renamed_block(block: list[Stmt], names: dict[str, str]) -> list[Stmt]:
    """A copy of ``block`` with the variables ``names`` maps renamed, where
    assigned and where read (loop variables included)."""
    return map_expressions(block, lambda e: renamed_expr(e, names), lambda name: names.get(name, name))


def map_expressions(block: list[Stmt], f, target=lambda name: name) -> list[Stmt]:
    """A copy of ``block`` with ``f`` applied to every expression it reads
    (values, tests, loop bounds, returned values) and ``target`` to every
    name it assigns (loop variables included)."""
    out: list[Stmt] = []
    for s in block:
        if isinstance(s, Assign):
            s = Assign(target(s.target), f(s.value), s.loc, s.site)
        elif isinstance(s, If):
            s = If(f(s.test), map_expressions(s.body, f, target), map_expressions(s.orelse, f, target), s.loc)
        elif isinstance(s, For):
            s = For(target(s.var), f(s.start), f(s.stop), f(s.step), map_expressions(s.body, f, target), s.loc,
                    s.parallel)
        elif isinstance(s, While):
            s = While(f(s.test), map_expressions(s.body, f, target), s.loc)
        elif isinstance(s, Return) and s.value is not None:
            s = Return(tuple(f(v) for v in s.value) if isinstance(s.value, tuple) else f(s.value), s.loc)
        out.append(s)
    return out


def rewrite(block: list[Stmt], assign, ret) -> list[Stmt]:
    """The block with each Assign replaced by ``assign(s)`` (a list of statements)
    and each Return by ``ret(s)``, keeping the control flow around them: the
    shape of every forward-mode transform."""
    out: list[Stmt] = []
    for s in block:
        if isinstance(s, Assign):
            out.extend(assign(s))
        elif isinstance(s, If):
            out.append(If(s.test, rewrite(s.body, assign, ret), rewrite(s.orelse, assign, ret), s.loc))
        elif isinstance(s, For):
            out.append(For(s.var, s.start, s.stop, s.step, rewrite(s.body, assign, ret), s.loc))
        elif isinstance(s, While):
            out.append(While(s.test, rewrite(s.body, assign, ret), s.loc))
        elif isinstance(s, Return):
            out.append(ret(s))
        else:
            out.append(s)
    return out
