"""What the loop passes ask of a block of derivative code: which names a
statement mentions, whether a value is private to an iteration, whether what
follows reads it first, the accumulations a loop makes, and the pieces a loop
interchange needs.  Shared by passes/loop_order.py,
reduction_interchange.py, tape_index.py and tape_selections.py.

Tape operations are statements of their own (a pop assigns its value and
reads its tape and index: :func:`raw_effects`); any other line of opaque
target code (``Raw``) is read as reading every name in it.
"""

from __future__ import annotations

from nsadc.rules.source import expr_source
from nsadc.ir.build import sub
from nsadc.ir.nodes import (OPAQUE, Assign, Break, Call, Comment, Const, Continue, Expr, For, Function, If, Raw,
                            Return, Stmt, TapePop, Var, While, assigned, raw_names, reads, tape_effects, variables,
                            walk)
from nsadc.rules.arrays import ALLOCATORS, LIKE
from nsadc.transforms.reverse_plan import is_store

ARRAY_MAKERS = {*ALLOCATORS, *LIKE, "full", "array_copy"}


def mentioned(s: Stmt) -> set[str]:
    """Every variable a statement reads or assigns, nested statements included."""
    out: set[str] = set()
    for t in walk([s]):
        out |= reads(t)
        if isinstance(t, OPAQUE):
            out |= raw_names(t)
        if isinstance(t, Assign):
            out.add(t.target)
        elif isinstance(t, For):
            out.add(t.var)
    return out


def all_names(fn: Function) -> set[str]:
    """Every name ``fn`` uses: what a pass's fresh names must avoid."""
    out = {p.name for p in fn.params}
    for t in walk(fn.body):  # each statement's own names (mentioned(t) would walk its body again)
        out |= reads(t)
        if isinstance(t, OPAQUE):
            out |= raw_names(t)
        if isinstance(t, Assign):
            out.add(t.target)
        elif isinstance(t, For):
            out.add(t.var)
    return out


def makes_arrays(fn: Function) -> bool:
    """Whether ``fn`` makes an array of its own (``np.empty``, ``np.zeros_like``,
    a copy; tapes aside): a pass may then add buffers.  A function that makes
    none may be bound for a target that cannot allocate (CUDA device code,
    whose tapes live in local memory or the caller's scratch)."""
    return any(isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim in ARRAY_MAKERS
               for s in walk(fn.body))


BUFFERS_NOTE = Comment("buffers in the precision of the values they keep (float32 data stays float32)")


def declare_buffers(fn: Function, buffers: list[Stmt]) -> None:
    """Put the buffers a pass keeps values in at the function's entry, under
    the one note that says what they are (added by the first pass that makes one)."""
    if not buffers:
        return
    if fn.body and fn.body[0] == BUFFERS_NOTE:
        fn.body[1:1] = buffers
    else:
        fn.body[:0] = [BUFFERS_NOTE] + buffers


def raw_effects(s) -> tuple[set[str], set[str]]:
    """What an opaque statement reads and assigns: a pop into a variable
    assigns its value; any other may read every name in it."""
    if isinstance(s, TapePop) and isinstance(s.target, Var) and s.target.name not in variables(s.at):
        return {s.tape} | variables(s.at), {s.target.name}
    return raw_names(s), set()


def private(block: list[Stmt], v: str) -> bool:
    """No path through ``block`` reads v before assigning it: the block never
    sees the value v held before it (a loop body: none of the previous
    iteration's).  A loop that assigns v first in its body may not run, so
    what follows it must assign v before reading it too."""
    return not exposed(block, v)[0]


def exposed(block: list[Stmt], v: str, covered: frozenset[str] = frozenset()) -> tuple[bool, bool]:
    """``(some path may read v before assigning it, every path assigns it)``.
    A read under ``if c:`` (``c`` a variable) after an assignment of v under
    an earlier ``if c:``, with c assigned nowhere in between, sees that
    assignment: ``covered`` holds the tests under which v is assigned so far
    (a reverse sweep re-runs ``if i + 1 < h: diff = ...`` and reads ``diff``
    under the same test)."""
    covered = set(covered)
    for s in block:
        if isinstance(s, Comment):
            continue
        if v not in mentioned(s):
            if covered:
                covered -= _may_assign(s)
            continue
        if isinstance(s, OPAQUE):
            raw_reads, raw_assigns = raw_effects(s)
            if v in raw_reads:
                return True, False
            return False, True
        if isinstance(s, Assign):
            return v in reads(s), True
        if not isinstance(s, (For, While, If)) or v in reads(s):
            return True, False  # a `return` reading it; a loop bound, a loop's or a branch's test
        if isinstance(s, (For, While)):
            if covered:
                covered -= _may_assign(s)
            if getattr(s, "var", None) != v and exposed(s.body, v, frozenset(covered))[0]:
                return True, False
            continue  # assigned there or not at all, if the loop does not run
        test = s.test.name if isinstance(s.test, Var) else None
        body, orelse = exposed(s.body, v, frozenset(covered)), exposed(s.orelse, v, frozenset(covered))
        if test in covered:
            body = (False, body[1])  # v was assigned where this test holds
        if body[0] or orelse[0]:
            return True, False
        if body[1] and orelse[1]:
            return False, True
        if covered or (test is not None and body[1]):
            changed = _may_assign(s)
            covered -= changed
            if test is not None and body[1] and test not in changed:
                covered.add(test)
    return False, False


def _may_assign(s: Stmt) -> set[str]:
    """The names a statement may assign (every name an opaque line mentions)."""
    out = assigned([s])
    for t in walk([s]):
        if isinstance(t, OPAQUE):
            out |= raw_names(t)
    return out


def read_first(v: str, block: list[Stmt]) -> bool:
    """``block`` may read v before assigning it.  A nested loop or branch that
    assigns v before reading it reads nothing of v's earlier value, but may
    not run: the scan goes on past it."""
    for s in block:
        if isinstance(s, OPAQUE):
            raw_reads, raw_assigns = raw_effects(s)
            if v in raw_reads:
                return True
            if v in raw_assigns:
                return False
        if v in reads(s):
            return True
        if isinstance(s, Assign) and s.target == v:
            return False
        if isinstance(s, For) and s.var != v and not private(s.body, v):
            return True
        if isinstance(s, If) and not (private(s.body, v) and private(s.orelse, v)):
            return True
        if not isinstance(s, (Assign, For, If, *OPAQUE, Comment)) and v in mentioned(s):
            return True  # a `while` loop's body
    return False


def accumulates(block: list[Stmt], v: str, form) -> bool:
    """Every mention of v in ``block`` is an accumulation ``form`` accepts."""
    for s in walk(block):
        if isinstance(s, Assign) and s.target == v:
            if not form(s.value, v):
                return False
        elif v in reads(s) or (isinstance(s, For) and s.var == v):
            return False
    return True


def scalar_sum(value, v: str) -> bool:
    """``v + e`` or ``v - e``, e free of v."""
    return isinstance(value, Call) and value.prim in ("add", "sub") and value.args[0] == Var(v) \
        and v not in variables(value.args[1])


def own_elements(block: list[Stmt], a: str, var: str) -> bool:
    """Every mention of array ``a`` in the loop body ``block`` loads or stores
    one element, at one index that holds the loop variable ``var`` itself
    and otherwise names nothing the body changes: each iteration reads and
    writes only its own elements of ``a`` (``t_bar = gw_bar[k]; gw_bar[k] =
    0.0``), so the iterations commute as far as ``a`` goes."""
    changing = assigned(block)
    index: list = []

    def uses(e) -> bool:  # every mention of a in e is an element access at the one index
        if e == Var(a):
            return False
        if not isinstance(e, Call):
            return True
        if e.prim in ("load", "store") and e.args and e.args[0] == Var(a):
            at = e.args[1:] if e.prim == "load" else e.args[1:-1]
            index.append(at)
            return all(uses(x) for x in e.args[1:])
        if e.prim == "shape" and e.args[0] == Var(a):
            return True
        return all(uses(x) for x in e.args)

    for t in walk(block):
        if isinstance(t, Assign):
            if t.target == a and not (is_store(t) and t.value.args[0] == Var(a)):
                return False
            if not uses(t.value):
                return False
        elif isinstance(t, If):
            if not uses(t.test):
                return False
        elif isinstance(t, For):
            if t.var == a or not all(uses(e) for e in (t.start, t.stop, t.step)):
                return False
        elif not isinstance(t, Comment) and a in mentioned(t):
            return False
    if not index or any(at != index[0] for at in index):
        return False
    return Var(var) in index[0] and not any(variables(i) & changing for i in index[0])


def substitute(e, values: dict):
    """``e`` with the variables ``values`` names replaced by their expressions."""
    if isinstance(e, Var):
        return values.get(e.name, e)
    if isinstance(e, Call):
        return Call(e.prim, tuple(substitute(a, values) for a in e.args))
    return e


def invariant_bounds(J: For, body: list[Stmt], before: list[Stmt], changing: set[str]):
    """J's bounds as expressions of names no iteration changes: a name the
    iteration (``body``) assigns once, straight in ``before``, from such
    names (``n_5 = X.shape[1]``) is replaced by its value; None if J's
    bounds move."""
    defs = {t.target: t.value for t in before if isinstance(t, Assign) and not is_store(t)}
    out = []
    for e in (J.start, J.stop, J.step):
        moving = variables(e) & changing
        if any(v not in defs or variables(defs[v]) & changing
               or sum(isinstance(t, Assign) and t.target == v for t in walk(body)) != 1 for v in moving):
            return None
        out.append(substitute(e, {v: defs[v] for v in moving}))
    return out


def contiguous_in(index, outer: str, inner: str) -> bool:
    """The store's last index is the outer loop's variable alone, the inner
    loop's variable some earlier index, and no other index mentions the
    outer loop's variable."""
    return len(index) >= 2 and index[-1] == Var(outer) and any(Var(inner) == i for i in index[:-1]) \
        and not any(outer in variables(i) for i in index[:-1])


def split_invariant(body: list[Stmt], moving: set[str]) -> tuple[list[Stmt], list[Stmt]]:
    """``body`` (assignments and comments, to run with a new loop innermost)
    as what runs once outside that loop and what runs inside it: an
    assignment stays inside when it reads a name of ``moving`` (the new
    inner loop's variable, values kept per iteration) or of a statement that
    stays, or when ``body`` assigns its target more than once."""
    moving = set(moving)
    hoisted: list[Stmt] = []
    inner: list[Stmt] = []
    for t in body:
        if isinstance(t, Comment):
            (inner if inner else hoisted).append(t)
        elif reads(t) & moving or sum(isinstance(u, Assign) and u.target == t.target for u in body) > 1:
            moving.add(t.target)
            inner.append(t)
        else:
            hoisted.append(t)
    return hoisted, inner


def grown_to(buffer: str, length: Expr) -> If:
    """``if b.shape[0] < length: b = np.empty(length, b.dtype)``: a buffer made
    empty at entry, grown where a loop needs it (passes/buffer_growth.py moves
    the test out of the loops that do not change ``length``)."""
    return If(Call("lt", (Call("shape", (Var(buffer), Const(0))), length)),
              [Raw(f"{buffer} = np.empty({expr_source(length)}, {buffer}.dtype)", allocates=buffer)])


def buffers_grown(kept: dict[str, str], loop: For, inner: For) -> list[Stmt]:
    """Before an interchange of ``loop`` and ``inner``: each buffer of
    ``kept`` (value -> buffer, one entry per iteration of ``loop``) grown
    where this loop runs longer than any before it (it is made empty once,
    at entry, in the precision it keeps), and the note that says why."""
    trips = sub(loop.stop, loop.start)
    note = Comment(f"{', '.join(kept) or 'nothing'} kept per {loop.var}, for the loop over {inner.var} "
                   f"to run {loop.var} innermost (contiguous)")
    return [grown_to(b, trips) for b in kept.values()] + [note]


def leaves_early(block: list[Stmt]) -> bool:
    """A ``break``, ``continue`` or ``return`` that may end an iteration of
    the loop whose body ``block`` is (not one of a loop inside it)."""
    for s in block:
        if isinstance(s, (Break, Continue, Return)):
            return True
        if isinstance(s, If) and (leaves_early(s.body) or leaves_early(s.orelse)):
            return True
        if isinstance(s, (For, While)) and any(isinstance(t, Return) for t in walk(s.body)):
            return True
    return False


def assigned_once(fn: Function) -> dict[str, Expr]:
    """The names ``fn`` defines exactly once, by an assignment outside every
    loop, with the value assigned: no loop variable, tape pop, counter or raw
    line defines them too, so wherever they are read they hold that value."""
    count: dict[str, int] = {p.name: 1 for p in fn.params}
    value: dict[str, Expr] = {}

    def visit(block: list[Stmt], depth: int) -> None:
        for s in block:
            if isinstance(s, Assign):
                if not is_store(s):
                    count[s.target] = count.get(s.target, 0) + (1 if not depth else 2)
                    value[s.target] = s.value
            elif isinstance(s, OPAQUE):
                for v in raw_names(s):
                    count[v] = count.get(v, 0) + 2
            elif isinstance(s, For):
                count[s.var] = count.get(s.var, 0) + 2
            for inner in (s.body, s.orelse) if isinstance(s, If) else (s.body,) if isinstance(s, (For, While)) else ():
                visit(inner, depth + (not isinstance(s, If)))

    visit(fn.body, 0)
    return {v: e for v, e in value.items() if count[v] == 1}


def single_valued(block: list[Stmt]) -> dict[str, Expr]:
    """The names every assignment in ``block`` gives one and the same value
    (``j_minus_1 = j - 1`` in a loop and again in its reverse), with that
    value; a name a tape operation or a raw line also defines is not one."""
    values: dict[str, list[Expr]] = {}
    opaque: set[str] = set()
    for s in walk(block):
        if isinstance(s, Assign) and not is_store(s):
            values.setdefault(s.target, []).append(s.value)
        elif isinstance(s, Raw):
            opaque |= raw_names(s)
        elif isinstance(s, OPAQUE):
            opaque |= tape_effects(s)[1]
    return {v: es[0] for v, es in values.items() if v not in opaque and all(e == es[0] for e in es)}
