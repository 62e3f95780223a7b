"""Long functions: a loop written out several times becomes one function, called.

A helper the program calls four times (one stage of a Runge-Kutta step) is
inlined four times in the forward sweep, again in each re-run of the
iteration around it, and its reverse four times more: a gradient of 950
lines held one 26-line loop twelve times.  Numba's compile time grows with
the instructions of a function (about half a millisecond each), so in a
long function every loop nest that occurs at least twice, equal up to the
names of its variables, is written once as a function of the module and
each occurrence calls it:

    _loop_1(c, k, k1)

    def _loop_1(c, k, k1):
        for j in range(k.shape[0]):
            ...

Numba compiles the function once and the calls link to it.  The outlined
code computes what the loop computed, operation for operation: the function
takes the names the loop reads before binding them, writes through the
arrays it is given (tapes included: a push stores into the tape, a counter
comes back), and gives back every name it binds that a later statement may
read (``n_tape, r_bar = _loop_2(...)``, found by a liveness analysis of the
whole function).  A loop with a line the IR does not model or a ``return``
stays where it is.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from dataclasses import fields

from nsadc.backends.renaming import with_blocks
from nsadc.ir.nodes import (TAPE_OPS, Assign, Break, Call, Comment, Const, Continue, CounterStep, Expr, For,
                            Function, If, Param, Raw, Return, Stmt, TapeAlloc, TapePop, TapeReserve, Var, While,
                            child_blocks, expressions_read, is_store, raw_names, tape_effects, variables, walk)

# outlining pays where Numba has a long function to compile (statements,
# nested ones included; below, the function reads better with its loops where they run)
OUTLINE_STATEMENTS = 400
# a loop of fewer statements stays where it is (a call has its cost)
_MIN_LOOP_STATEMENTS = 8
# ... and so do the loops of one shape that would save fewer statements than
# this: each function Numba compiles costs some 0.2 s of its own (measured on
# probe corpus M: 66 statements saved in two functions compiled slower)
_MIN_SAVED_STATEMENTS = 40

_IDENTIFIER = re.compile(r"[^\W\d]\w*$")
_RAW_TARGETS = re.compile(r"^\s*([^\W\d]\w*(?:\s*,\s*[^\W\d]\w*)*)\s*=(?!=)")
# the start value of a number the calls pass in before any line binds it
_ZEROS = {"float": Const(0.0), "int": Const(0), "bool": Const(False)}


def with_repeated_loops_outlined(functions: list[Function]) -> tuple[list[Function], list[Function]]:
    """``functions`` with the repeated loops of each long one outlined, and the
    module functions the calls need, shared by the functions of the module
    (module docstring)."""
    made: dict[tuple, Function] = {}
    uses: dict[str, Counter[str]] = {}
    out = [_Outliner(fn, made, uses).run() if _statements(fn.body) >= OUTLINE_STATEMENTS else fn
           for fn in functions]
    for helper in made.values():
        places = sum(uses[helper.name].values())
        helper.doc = f"A loop written once for the {places} places that run it: a long function compiles faster."
    return out, list(made.values())


class _Outliner:
    def __init__(self, fn: Function, made: dict[tuple, Function], uses: dict[str, Counter[str]]):
        self.fn, self.made, self.uses = fn, made, uses
        self.live_out: dict[int, set[str]] = {}
        self.loops: dict[tuple, tuple] = {}  # key -> the first loop of it, its parameters and results

    def run(self) -> Function:
        _Liveness(self.live_out).block(self.fn.body, set())
        shapes: Counter[tuple] = Counter()
        sizes: dict[tuple, int] = {}
        for s in walk(self.fn.body):
            if isinstance(s, (For, While)) and self._outlinable(s):
                key = self._plan(s)[0]
                shapes[key] += 1
                sizes[key] = _statements([s])
        self.repeated = {k for k, n in shapes.items() if n > 1 and (n - 1) * sizes[k] >= _MIN_SAVED_STATEMENTS}
        starts: dict[str, Const] = {}
        while self.repeated:
            self.calls: dict[int, tuple[tuple, list[str], list[str]]] = {}
            body = self._block(self.fn.body)
            # a name passed in must be bound somewhere above the call (Numba refuses a name
            # it reads before any line binds it): a number gets a start value at the top
            # (Numba's value of a name read before it is bound), other loops stay inline
            seen = {p.name for p in self.fn.params}
            unbound = set()
            starts = {}
            for st in walk(body):
                if id(st) in self.calls:
                    key, params, outs = self.calls[id(st)]
                    for v in set(params) - seen:
                        zero = _ZEROS.get(self.fn.types.get(v))
                        if zero is None:
                            unbound.add(key)
                        starts[v] = zero
                    seen.update(params)
                else:
                    seen |= _binds(st)
            if not unbound:
                break
            self.repeated -= unbound
        if not self.repeated:
            return self.fn
        for key, _, _ in self.calls.values():
            if key not in self.made:
                self.made[key] = self._function(key)
            self.uses.setdefault(self.made[key].name, Counter())[self.fn.name] += 1
        out = copy.copy(self.fn)
        out.body = [Assign(v, zero) for v, zero in sorted(starts.items())] + self._block(self.fn.body, write=True)
        return out

    def _block(self, block: list[Stmt], write: bool = False) -> list[Stmt]:
        new: list[Stmt] = []
        for s in block:
            if isinstance(s, (For, While)) and self._outlinable(s):
                key, params, outs = self._plan(s)
                if key in self.repeated:
                    new.append(self._call(s, key, params, outs, write))
                    continue
            blocks = child_blocks(s)
            new.append(with_blocks(s, [self._block(b, write) for b in blocks]) if blocks else s)
        return new

    def _outlinable(self, loop: For | While) -> bool:
        if isinstance(loop, For) and loop.parallel:
            return False
        if any(isinstance(s, (Raw, Return)) for s in walk(loop.body)):
            return False  # (a line the IR does not model; a return would leave the function called)
        if _statements([loop]) < _MIN_LOOP_STATEMENTS:
            return False
        return all(_IDENTIFIER.match(v) for v in _inputs(loop))  # (a name that is code, np.float64(1): inline)

    def _plan(self, loop: For | While) -> tuple[tuple, list[str], list[str]]:
        """The loop's key (its shape and which of its names go in and out), the
        function's parameters (the loop's inputs) and what it gives back (the
        names it binds that a later statement may read), in order of first
        appearance, so that two loops of one key line up."""
        numbers: dict[str, int] = {}
        shape = _shape(loop, numbers)
        outs = sorted(_rebound(loop) & self.live_out[id(loop)], key=numbers.__getitem__)
        # (a name given back is passed in too: where the loop leaves it alone, it keeps its value)
        params = sorted(set(_inputs(loop)) | set(outs), key=numbers.__getitem__)
        key = (shape, tuple(numbers[v] for v in params), tuple(numbers[v] for v in outs))
        self.loops.setdefault(key, (loop, params, outs))
        return key, params, outs

    def _function(self, key: tuple) -> Function:
        """The module function for the loops of ``key``, written from the first of them."""
        loop, params, outs = self.loops[key]
        types = self.fn.types
        returned = [Return(tuple(Var(v) for v in outs) if len(outs) > 1 else Var(outs[0]))] if outs else []
        helper = Function(f"_loop_{len(self.made) + 1}", [Param(p, types.get(p, "float")) for p in params],
                          [loop, *returned])
        helper.types = dict(types)
        return helper

    def _call(self, loop: For | While, key: tuple, params: list[str], outs: list[str], write: bool) -> Stmt:
        """The call that stands for ``loop``."""
        if not write:  # (a first pass, which lists the calls: what the loop binds is no longer bound here)
            placeholder = Comment("outlined")
            self.calls[id(placeholder)] = (key, params, outs)
            return placeholder
        call = f"{self.made[key].name}({', '.join(params)})"
        return Raw(f"{', '.join(outs)} = {call}" if outs else call)


def _statements(block: list[Stmt]) -> int:
    return sum(1 for _ in walk(block))


def _binds(s: Stmt) -> set[str]:
    """The names a statement itself binds: an element store writes through its
    array (a tape's push and a pop into an element too), a counter's step and
    a tape's growth bind the name anew."""
    if isinstance(s, Assign):
        return set() if is_store(s) else {s.target}
    if isinstance(s, For):
        return {s.var}
    if isinstance(s, (CounterStep,)):
        return {s.counter}
    if isinstance(s, (TapeReserve, TapeAlloc)):
        return {s.tape}
    if isinstance(s, TapePop):
        return {s.target.name} if isinstance(s.target, Var) else set()
    if isinstance(s, Raw):  # a line of code: the names left of its `=` (y_bar = dtotal_dy)
        bound = _RAW_TARGETS.match(s.code)
        return {v.strip() for v in bound.group(1).split(",")} if bound else set()
    return set()


def _reads(s: Stmt) -> list[str]:
    """The names a statement itself reads, in order (a helper's name is the module's)."""
    if isinstance(s, TAPE_OPS):
        return sorted(tape_effects(s)[0])
    out: list[str] = []

    def visit(x: Expr) -> None:
        if isinstance(x, Var):
            out.append(x.name)
        elif isinstance(x, Call):
            for a in x.args[1:] if x.prim == "helper" else x.args:
                visit(a)
    for e in expressions_read(s):
        visit(e)
    return out


def _rebound(loop: For | While) -> set[str]:
    """The names a loop binds (element stores write through their array instead)."""
    return set().union(_binds(loop), *(_binds(s) for s in walk(loop.body)))


def _inputs(loop: For | While) -> list[str]:
    """The names a loop reads or stores into that it does not bind first on
    every path, in order of first appearance: the outlined function's
    parameters (names it only binds stay its own)."""
    order: dict[str, None] = {}

    def block(stmts: list[Stmt], bound: set[str]) -> set[str]:
        # each iteration starts with only the loop's variable bound: a name bound
        # late in one iteration and read early in the next is an input too
        bound = set(bound)
        for s in stmts:
            for v in _reads(s):
                if v not in bound:
                    order.setdefault(v, None)
            if isinstance(s, If):
                bound |= block(s.body, bound) & block(s.orelse, bound)
            elif isinstance(s, For):
                block(s.body, bound | {s.var})
            elif isinstance(s, While):
                block(s.body, bound)
            else:
                bound |= _binds(s)
        return bound

    block([loop], set())
    return list(order)


def _shape(s, names: dict[str, int]):
    """A loop's structure with its variables numbered by first appearance (two
    loops of one shape compute the same with their own names)."""
    def e(x: Expr):
        if isinstance(x, Var):
            return ("v", names.setdefault(x.name, len(names)))
        if isinstance(x, Const):
            return ("c", type(x.value).__name__, repr(x.value))
        if x.prim == "helper":  # a function of the module, by its name
            return (x.prim, x.args[0].name, *(e(a) for a in x.args[1:]))
        return (x.prim, *(e(a) for a in x.args))

    def b(block):
        return tuple(_shape(t, names) for t in block)

    if isinstance(s, Assign):
        return ("=", names.setdefault(s.target, len(names)), e(s.value))
    if isinstance(s, If):
        return ("if", e(s.test), b(s.body), b(s.orelse))
    if isinstance(s, For):
        return ("for", names.setdefault(s.var, len(names)), e(s.start), e(s.stop), e(s.step), b(s.body))
    if isinstance(s, While):
        return ("while", e(s.test), b(s.body))
    if isinstance(s, (Break, Continue)):
        return (type(s).__name__,)
    if isinstance(s, Comment):
        return ("#",)
    if isinstance(s, TAPE_OPS):  # its fields, the names numbered (a push's pairing with its pop aside)
        return (type(s).__name__, *(
            e(v) if isinstance(v, (Var, Const, Call)) else ("v", names.setdefault(v, len(names)))
            if f.name in ("tape", "counter", "scratch") and v is not None else v
            for f in fields(s) if f.name != "pair" for v in (getattr(s, f.name),)))
    return ("?", id(s))  # (never equal: stays inline)


class _Liveness:
    """The names live after each loop of a function: read on some path from
    the loop's end before being bound again (structured backward analysis;
    ``break`` and ``continue`` are taken to reach everything live around their
    loop)."""

    def __init__(self, live_out: dict[int, set[str]]):
        self.live_out = live_out
        self.loops: list[set[str]] = []  # live at the exit and head of each enclosing loop

    def block(self, stmts: list[Stmt], live: set[str]) -> set[str]:
        for s in reversed(stmts):
            live = self.stmt(s, live)
        return live

    def stmt(self, s: Stmt, live: set[str]) -> set[str]:
        if isinstance(s, Assign):
            used = variables(s.value)
            return (live | used) if is_store(s) else (live - {s.target}) | used
        if isinstance(s, If):
            return self.block(s.body, live) | self.block(s.orelse, live) | variables(s.test)
        if isinstance(s, (For, While)):
            self.live_out[id(s)] = set(live)
            header = variables(s.test) if isinstance(s, While) else \
                variables(s.start) | variables(s.stop) | variables(s.step)
            head = live | header
            while True:
                self.loops.append(head)
                inside = self.block(s.body, head)
                self.loops.pop()
                if isinstance(s, For):
                    inside = inside - {s.var}
                new = head | inside
                if new == head:
                    return head
                head = new
        if isinstance(s, Return):
            values = s.value if isinstance(s.value, tuple) else (s.value,) if s.value is not None else ()
            return set().union(*(variables(v) for v in values))
        if isinstance(s, (Break, Continue)):
            return live | (self.loops[-1] if self.loops else set())
        if isinstance(s, TAPE_OPS):
            return (live - _binds(s)) | tape_effects(s)[0]
        if isinstance(s, Raw):
            return live | raw_names(s)
        return live
