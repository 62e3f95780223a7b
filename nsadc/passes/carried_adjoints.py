"""Neighbouring adjoints are summed in registers and each element stored once.

A fused loop over a chained function, or the reverse of a recurrence, adds
each iteration's adjoints into the elements it read, the loop variable plus a
constant apart:

    ds_dx = np.zeros_like(x)
    for i in range(n - 1):
        ...
        ds_dx[i + 1] += b_bar
        ds_dx[i] += a_bar

Element ``i + 1`` is added into again by the next iteration, and that
addition's load waits on this one's store.  Whether the compiler keeps the
sum in a register instead depends on the rest of the body: with a kink's
NaN-propagating selection beside it the loop above stayed scalar, each
iteration waiting on memory (chained LQ, 3e6 elements: 13 ms; the same loop
with the sums in named registers 2.1 ms, a hand-written gradient 1.9 ms).
So the sums are kept in registers by construction, one per offset, and each
element is stored once, when no later iteration adds into it:

    ds_dx = np.empty_like(x)
    ds_dx_i = 0.0
    ds_dx_i_plus_1 = 0.0
    if n_minus_1 <= 0:      # no iteration: nothing added
        for k in range(x.shape[0]):
            ds_dx[k] = 0.0
    for i in range(n_minus_1):
        ...
        ds_dx_i_plus_1 += b_bar
        ds_dx_i += a_bar
        ds_dx[i] = ds_dx_i
        ds_dx_i = ds_dx_i_plus_1
        ds_dx_i_plus_1 = 0.0
    if n_minus_1 > 0:       # what the last iteration left in registers
        ds_dx[n_minus_1] = ds_dx_i

Each element receives the same terms in the same order as before (the
register holds exactly what the element held), so the result is the
scatter's to the last bit.  A loop qualifies where

* the array is 1-D, zero-filled (``zeros_like`` of a float array) and the
  loop is the first statement after that to name it;
* the loop runs over the array's range less constant margins, counting up
  or down by one, not in parallel, its bounds not assigned in its body;
* the array appears only in additions at the body's top level (not under a
  branch or in an inner loop), each at the loop variable plus a constant
  (names assigned once, earlier in the same iteration, read through) that
  the loop's own range keeps inside the array, the constants not all equal;
* the body does not leave early (``break``, ``continue``, ``return``).

A loop that carries a value from one iteration to the next still qualifies
(the registers do not copy the body).  Where an element receives several
additions in one iteration and they sit under branches (a 2-D stencil's
borders), passes/gather_adjoints.py gathers them instead.
"""

from __future__ import annotations

from nsadc.ir.affine import affine, affine_expr
from nsadc.ir.build import add, plus
from nsadc.ir.names import Names, offset_name, offset_text
from nsadc.ir.nodes import (OPAQUE, Assign, Break, Call, Comment, Const, Continue, Expr, For, Function, If, Return,
                            Stmt, Var, assigned, raw_names, variables, walk)
from nsadc.passes.gather_adjoints import Axis, loop_axis
from nsadc.passes.loop_analysis import all_names, assigned_once, mentioned
from nsadc.passes.written_once import added_to
from nsadc.rules.arrays import is_float_array, rank
from nsadc.transforms.reverse_plan import is_store


def carry_adjoints(fn: Function) -> None:
    """Rewrite, in place, each qualifying zero-filled array of ``fn`` (module docstring)."""
    body = fn.body
    if not any(isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim == "zeros_like" for s in body):
        return
    once = assigned_once(fn)
    names = Names(all_names(fn))
    k = 0
    while k < len(body):
        s = body[k]
        k += 1
        if not (isinstance(s, Assign) and isinstance(s.value, Call) and s.value.prim == "zeros_like"
                and isinstance(s.value.args[0], Var) and is_float_array(fn.types.get(s.value.args[0].name))
                and rank(fn.types[s.value.args[0].name]) == 1):
            continue
        array, like = s.target, s.value.args[0].name
        at = next((m for m in range(k, len(body)) if array in mentioned(body[m])), None)
        if at is None or not isinstance(body[at], For):
            continue
        loop = body[at]
        plan = _plan(loop, array, like, once)
        if plan is None:
            continue
        axis, offsets = plan
        before, after = _carried(fn, loop, array, like, axis, offsets, names)
        body[k - 1] = Assign(array, Call("empty_like", (Var(like),)), s.loc)
        body[at:at + 1] = [*before, loop, *after]
        k = at + len(before) + 1 + len(after)


def _plan(loop: For, array: str, like: str, once: dict[str, Expr]) -> tuple[Axis, dict[int, int]] | None:
    """The loop's axis and, for each addition (by id), the constant its
    element lies from the loop variable; None where the loop does not
    qualify (module docstring)."""
    inside = assigned(loop.body)
    if loop.parallel or loop.var in inside or (variables(loop.start) | variables(loop.stop)) & inside:
        return None
    if any(isinstance(t, (Break, Continue, Return)) or (isinstance(t, OPAQUE) and array in raw_names(t))
           for t in walk(loop.body)):
        return None
    outer = {v: e for v, e in once.items() if v not in inside}
    axis = loop_axis(loop, like, 0, outer)
    if axis is None:
        return None
    top_once = {s.target for s in loop.body if isinstance(s, Assign) and not is_store(s)}
    in_body = [s.target for s in walk(loop.body) if isinstance(s, Assign)]
    defs = dict(outer)  # grows with the names the iteration has assigned so far, once
    offsets: dict[int, int] = {}
    for s in loop.body:
        if array in mentioned(s):
            c = _offset(s, array, loop.var, defs)
            if c is None or axis.low + c < 0 or axis.high + c > 0:  # outside the array at the range's ends
                return None
            offsets[id(s)] = c
        if isinstance(s, Assign) and s.target in top_once and in_body.count(s.target) == 1:
            defs[s.target] = s.value
    if len(set(offsets.values())) < 2:
        return None  # one element per iteration: nothing carried over (passes/written_once.py)
    return axis, offsets


def _offset(s: Stmt, array: str, var: str, defs: dict[str, Expr]) -> int | None:
    """``c`` where ``s`` is ``array[var + c] += e`` (``e`` not naming the array)."""
    if not (isinstance(s, Assign) and is_store(s) and s.target == array and s.value.args[0] == Var(array)
            and len(s.value.args) == 3 and isinstance(s.value.args[2], Call) and s.value.args[2].prim == "add"):
        return None
    index = s.value.args[1]
    if added_to(s.value.args[2], array, (index,)) is None:
        return None
    form = affine(index, defs)
    if form is None or set(form) - {Var(var), None} or form.get(Var(var)) != 1:
        return None
    return form.get(None, 0)


def _carried(fn: Function, loop: For, array: str, like: str, axis: Axis, offsets: dict[int, int],
             names: Names) -> tuple[list[Stmt], list[Stmt]]:
    """Rewrite ``loop``'s body in place to sum into registers; return the
    statements that go before the loop (the registers, and the zeros where it
    runs no iteration) and after it (what the registers hold at its end, and
    the zeros past the elements it reaches)."""
    var = loop.var
    # the element an iteration finishes is the one no later iteration reaches: the lowest counting up
    span = range(min(offsets.values()), max(offsets.values()) + 1)
    order = list(span) if axis.ascending else list(reversed(span))
    register = {c: names.fresh(f"{array}_{offset_name(var, c)}") for c in span}
    for r in register.values():
        fn.types[r] = "float"

    def rewrite(s: Stmt) -> Stmt:
        if id(s) not in offsets:
            return s
        r = register[offsets[id(s)]]
        return Assign(r, add(Var(r), added_to(s.value.args[2], array, (s.value.args[1],))), s.loc)

    done = order[0]
    shifted: list[Stmt] = [Assign(array, Call("store", (Var(array), plus(Var(var), done), Var(register[done]))))]
    shifted += [Assign(register[a], Var(register[b])) for a, b in zip(order, order[1:])]
    shifted.append(Assign(register[order[-1]], Const(0.0)))
    loop.body = [rewrite(s) for s in loop.body] + shifted

    size = Call("shape", (Var(like), Const(0)))
    runs = Call("gt", (loop.stop, loop.start) if axis.ascending else (loop.start, loop.stop))
    idle = Call("le", (loop.stop, loop.start) if axis.ascending else (loop.start, loop.stop))
    head = axis.low + min(span)  # elements below every iteration's reach
    tail = {None: axis.high + max(span) - 1, **axis.size}  # the last element any iteration reaches
    offsets_text = " and ".join(f"{array}[{offset_text(var, c)}]" for c in sorted(set(offsets.values())))
    before: list[Stmt] = [Comment(f"carried: iteration {var} adds into {offsets_text}; each sum is kept in a "
                                  f"register until no later iteration adds into its element, then stored once")]
    before += [Assign(register[c], Const(0.0)) for c in span]
    before.append(If(idle, [_zeros(fn, array, Const(0), size, names)],
                     [_zeros(fn, array, Const(0), Const(head), names)] if head > 0 else [], loop.loc))
    # after the last iteration the registers hold the elements from loop.stop on, the finished one's next
    left = [Assign(array, Call("store", (Var(array), plus(loop.stop, c), Var(register[c])))) for c in order[:-1]]
    if axis.high + max(span) < 0:
        left.append(_zeros(fn, array, affine_expr({**tail, None: tail[None] + 1}), size, names))
    return before, [If(runs, left, [], loop.loc)]


def _zeros(fn: Function, array: str, start: Expr, stop: Expr, names: Names) -> For:
    k = names.fresh("k")
    fn.types[k] = "int"
    return For(k, start, stop, Const(1), [Assign(array, Call("store", (Var(array), Var(k), Const(0.0))))])

