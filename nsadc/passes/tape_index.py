"""Index a tape by the loop's variable instead of stepping its counter each push.

A push is two lines, ``tape[n_tape] = z`` then ``n_tape += 1``, and a pop
two more, ``n_tape -= 1`` then ``z = tape[n_tape]``.  Inside a loop that
makes the counter a value carried from one iteration to the next, through
memory as far as LLVM can tell, and the loop no longer vectorizes: the MLP
benchmark's gradient took 30 ms with its unit loops stepping the counter and
19 ms indexing the tape by the unit, ``tape[n_tape + k] = z``.

Where a loop's body, at its top level, steps a counter only in such pairs, the
same number of them every iteration, all one way, and nothing else mentions
the counter (no nested loop, branch, ``break`` or ``continue``), the p-th
access of the iteration numbered ``i`` (0, 1, ... as the loop runs) is at::

    n + c * i + p          pushes, and reads counting up (``v = tape[n]; n += 1``)
    n - (c * i + p + 1)    pops (``n -= 1; v = tape[n]``)

with ``n`` the counter's value before the loop and ``c`` the accesses per
iteration; the counter then steps once after the loop, by ``c`` times the
trip count.  Run last on the reverse-mode function: the passes before it read
the pairs (passes/loop_order.py).
"""

from __future__ import annotations

from nsadc.ir.affine import affine, affine_expr
from nsadc.ir.build import add, sub
from nsadc.ir.nodes import (Assign, Break, Call, Const, Continue, CounterStep, Expr, For, Function, Return, Stmt,
                            TapePop, TapePush, Var, While, assigned, child_blocks, raw_names, variables, walk)
from nsadc.ir.nodes import OPAQUE
from nsadc.passes.loop_analysis import mentioned


def index_tapes_by_loop(fn: Function) -> None:
    """Rewrite, in place, every loop of ``fn`` inside another loop that steps
    a tape counter as above.  A loop at the function's top level keeps its
    counter: it runs long, so the counter's steps cost little next to its
    body (the scalar benchmarks time the same either way), and the indexed
    form took numba about 0.1 s more to compile in the 30-line example."""
    _visit(fn.body, False)


def _visit(block: list[Stmt], in_loop: bool) -> None:
    k = 0
    while k < len(block):
        s = block[k]
        for inner in child_blocks(s):
            _visit(inner, in_loop or isinstance(s, (For, While)))
        if isinstance(s, For) and in_loop:
            after = _indexed(s)
            block[k + 1:k + 1] = after
            k += len(after)
        k += 1
    _cancel_steps(block)


def _indexed(loop: For) -> list[Stmt]:
    """Index each counter ``loop`` steps in pairs by the iteration; the steps
    to make after the loop (none if nothing changed)."""
    if any(isinstance(t, (Break, Continue, Return)) for t in walk(loop.body)):
        return []
    if any(isinstance(t, Assign) and t.target == loop.var for t in walk(loop.body)):
        return []
    changed = assigned(loop.body) | {v for t in walk(loop.body) if isinstance(t, OPAQUE) for v in raw_names(t)}
    if variables(loop.start) & changed or variables(loop.stop) & changed or variables(loop.step) & changed:
        return []
    after: list[Stmt] = []
    for counter in sorted({t.counter for t in loop.body if isinstance(t, CounterStep) and _is_step(t, t.counter, "+=", "-=")}):
        pairs = _pairs(loop.body, counter)
        if pairs is None:
            continue
        up = pairs[0][0]
        if not up and loop.step != Const(-1):
            continue  # pops come in loops reversed counting down by 1; others keep the counter
        c = len(pairs)
        trips, number = _trips_and_number(loop, up)
        times = _times(c, trips)
        for p, (_, line, _) in enumerate(pairs):
            if up:  # the p-th access of iteration i: n + c * i + p
                index = _plus(add(Var(counter), _times(c, number)), p)
            else:  # pops read back what the iteration numbered q in push order pushed, last first
                index = _plus(add(sub(Var(counter), times), _times(c, number)), c - 1 - p)
            access = loop.body[line]
            loop.body[line] = TapePush(access.tape, index, access.value, access.pair) if isinstance(
                access, TapePush) else TapePop(access.tape, index, access.target, access.as_bool, access.pair)
        drop = {id(loop.body[step]) for _, _, step in pairs}
        loop.body[:] = [t for t in loop.body if id(t) not in drop]
        after.append(CounterStep(counter, "+=" if up else "-=", times))
    return after


def _trips_and_number(loop: For, up: bool) -> tuple[Expr, Expr]:
    """The loop's trip count, and the iteration's number (0, 1, ...) counted
    the way the loop runs (``up``) or, for pops, the way the pushes ran.

    A pop loop counting down by 1 from ``hi - 1`` to ``lo`` reverses
    ``range(lo, hi)``: its trip count and numbers are written in those terms
    (``len(range(lo, hi))``, ``t - lo``), which LLVM compiles to faster code
    than the same values written from the reversed range (max pooling's
    gradient: 4.2 ms against 5.3 ms)."""
    start, var = loop.start, Var(loop.var)
    if isinstance(loop.step, Const) and loop.step.value == -1:
        lo, hi = _simplified(add(loop.stop, Const(1))), _simplified(add(loop.start, Const(1)))  # n - 1 + 1 reads n
        trips = Call("trips", (lo, hi, Const(1)))
        return trips, _simplified(sub(var, lo) if not up else sub(start, var))
    trips = Call("trips", (loop.start, loop.stop, loop.step))
    if isinstance(loop.step, Const) and loop.step.value == 1:
        number = sub(var, start)
    else:
        number = Call("floordiv", (sub(var, start), loop.step))
    return trips, _simplified(number)


def _times(c: int, e: Expr) -> Expr:
    return e if c == 1 else Call("mul", (Const(c), e))


def _plus(e: Expr, p: int) -> Expr:
    return e if p == 0 else Call("add", (e, Const(p)))


def _pairs(body: list[Stmt], counter: str) -> list[tuple[bool, int, int]] | None:
    """``(up, position of the access, position of the step)`` of each pair
    stepping ``counter`` in ``body``, in order; None unless every mention of
    the counter is in such a pair at the body's top level, all one way."""
    mentions = [m for m, t in enumerate(body) if counter in mentioned(t)]
    pairs = []
    m = 0
    while m < len(mentions):
        at = mentions[m]
        nxt = mentions[m + 1] if m + 1 < len(mentions) else None
        if _is_step(body[at], counter, "-=") and nxt == at + 1 and _accesses(body[nxt], counter):
            pairs.append((False, nxt, at))  # a pop: step back, then read
        elif _accesses(body[at], counter) and nxt == at + 1 and _is_step(body[nxt], counter, "+="):
            pairs.append((True, at, nxt))  # a push, or a read counting up: access, then step on
        else:
            return None
        m += 2
    if not pairs or len({up for up, _, _ in pairs}) != 1:
        return None
    return pairs


def _is_step(s: Stmt, counter: str, *ops: str) -> bool:
    """``counter += 1`` (op ``+=``) or ``counter -= 1``."""
    return isinstance(s, CounterStep) and s.counter == counter and s.op in ops and s.by == Const(1)


def _accesses(s: Stmt, counter: str) -> bool:
    """A push or pop at the counter itself, which mentions it nowhere else."""
    if isinstance(s, TapePush):
        return s.at == Var(counter) and counter not in variables(s.value)
    if isinstance(s, TapePop):
        return s.at == Var(counter) and counter not in variables(s.target)
    return False


def _simplified(index: Expr) -> Expr:
    form = affine(index, {})
    return index if form is None else affine_expr(form)


def _cancel_steps(block: list[Stmt]) -> None:
    """Drop ``n += e`` right before ``n -= e`` (a loop reading counting up
    steps back by its trip count before and forwards after)."""
    k = 0
    while k + 1 < len(block):
        a, b = block[k], block[k + 1]
        if isinstance(a, CounterStep) and isinstance(b, CounterStep) and a.counter == b.counter \
                and a.by == b.by and {a.op, b.op} == {"+=", "-="}:
            del block[k:k + 2]
            k = max(k - 1, 0)
            continue
        k += 1
