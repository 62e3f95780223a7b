"""Structuring: early ``return``, ``break`` and ``continue`` become flags.

After this pass a function body holds only Assign / If / For / While and one
final Return, so the transforms reverse structured control flow only.  A
statement that may leave its block is followed by ``if not flag:`` around the
rest; a loop that may be left early becomes a ``while`` loop whose condition
reads the flags.
"""

from __future__ import annotations

from nsadc.ir.nodes import Assign, Break, Call, Const, Continue, Expr, For, If, Return, Stmt, Var, While, walk


def _not_any(flags: list[str]) -> Expr:
    test: Expr = Var(flags[0])
    for f in flags[1:]:
        test = Call("or", (test, Var(f)))
    return Call("not", (test,))


def _set(flag: str, loc=None) -> Assign:
    return Assign(flag, Call("copy", (Const(True),)), loc)


def _clear(flag: str, loc=None) -> Assign:
    return Assign(flag, Call("copy", (Const(False),)), loc)


class _Exits:
    def __init__(self, names, results: list[str] | None, tails: dict | None = None):
        self.names = names
        self.results = results
        self.tails = tails or {}
        self.returned: str | None = None
        self.used: set[str] = set()

    def ret_flag(self) -> str:
        if self.returned is None:
            self.returned = self.names.fresh("returned")
        return self.returned

    # block -> (new block, flags it may leave set)
    def block(self, stmts: list[Stmt], loop: tuple[str, str] | None) -> tuple[list[Stmt], list[str]]:
        out: list[Stmt] = []
        for k, s in enumerate(stmts):
            exits: list[str] = []
            if isinstance(s, Return):
                vals = s.value if isinstance(s.value, tuple) else (s.value,)
                if self.results is None:
                    raise AssertionError("result variables are made before rewriting returns")
                for r, v in zip(self.results, vals):
                    out.append(Assign(r, Call("copy", (v,)), s.loc))
                out.append(_set(self.ret_flag(), s.loc))
                return out, [self.ret_flag()]
            if isinstance(s, Break):
                out.append(_set(loop[0], s.loc))
                self.used.add(loop[0])
                return out, [loop[0]]
            if isinstance(s, Continue):
                out.append(_set(loop[1], s.loc))
                self.used.add(loop[1])
                return out, [loop[1]]
            if isinstance(s, If):
                body, e1 = self.block(s.body, loop)
                orelse, e2 = self.block(s.orelse, loop)
                out.append(If(s.test, body, orelse, s.loc))
                exits = _union(e1, e2)
            elif isinstance(s, (For, While)):
                new, exits = self.loop(s)
                out.extend(new)
            else:
                out.append(s)
            if exits:
                rest, more = self.block(stmts[k + 1:], loop)
                if rest:
                    out.append(If(_not_any(exits), rest, [], None))
                return out, _union(exits, more)
        return out, []

    def loop(self, s: For | While) -> tuple[list[Stmt], list[str]]:
        brk = self.names.fresh("broke")
        cont = self.names.fresh("skip")
        # a while loop's body ends with the statements that recompute its test: they
        # run after `continue` too, and only a `break` or `return` skips them
        loop, n_tail = self.tails.get(id(s), (None, 0))
        if loop is not s:  # (the map holds the loops themselves, so ids are not reused)
            n_tail = 0
        user, tail = s.body[:len(s.body) - n_tail], s.body[len(s.body) - n_tail:]
        body, exits = self.block(user, (brk, cont))
        if cont in exits:
            body.insert(0, _clear(cont))
        outward = [f for f in exits if f not in (brk, cont)]  # only `returned` leaves the loop
        stop = [f for f in exits if f != cont]
        if tail:
            body.extend([If(_not_any(stop), tail, [], None)] if stop else tail)
        if not stop:
            if isinstance(s, For):
                return [For(s.var, s.start, s.stop, s.step, body, s.loc)], outward
            return [While(s.test, body, s.loc)], outward
        pre: list[Stmt] = []
        if brk in stop:
            pre.append(_clear(brk))
        if isinstance(s, While):
            return pre + [While(Call("and", (s.test, _not_any(stop))), body, s.loc)], outward
        # for i in range(a, b, c) that may stop early -> while loop over i
        more = _range_test(s)
        body.append(Assign(s.var, Call("add", (Var(s.var), s.step)), s.loc))
        pre.append(Assign(s.var, Call("copy", (s.start,)), s.loc))
        return pre + [While(Call("and", (more, _not_any(stop))), body, s.loc)], outward


def _range_test(s: For) -> Expr:
    i = Var(s.var)
    if isinstance(s.step, Const):
        return Call("lt" if s.step.value > 0 else "gt", (i, s.stop))
    up = Call("and", (Call("gt", (s.step, Const(0))), Call("lt", (i, s.stop))))
    down = Call("and", (Call("lt", (s.step, Const(0))), Call("gt", (i, s.stop))))
    return Call("or", (up, down))


def _union(a: list[str], b: list[str]) -> list[str]:
    return a + [f for f in b if f not in a]


def eliminate_exits(body: list[Stmt], names, results: list[str] | None,
                    tails: dict | None = None, in_loop: bool = False) -> list[Stmt]:
    """Rewrite ``body`` so that it has no Break / Continue and, with ``results``
    given (an inlined call), no Return: the returned values land in ``results``.
    With ``results=None`` (the entry function) the body ends in one Return.

    ``tails`` maps ``id(loop)`` of a While to ``(loop, k)``: the last ``k``
    statements of its body recompute its test (the frontend rotates them there).
    ``in_loop``: the inlined call sits in a loop of the caller."""
    returns = [s for s in walk(body) if isinstance(s, Return)]
    if results is None:
        if not returns:
            return body  # the frontend reports the missing return
        last = body[-1] if body else None
        simple = len(returns) == 1 and last is returns[0] and not any(
            isinstance(s, (Break, Continue)) for s in walk(body))
        if simple:
            return body
        if len(returns) == 1 and last is returns[0]:
            # one return, at the end: only the loops' exits go (no result placeholder, whose
            # 0.0 would give an array result a number first)
            new, _ = _Exits(names, [], tails).block(body[:-1], None)
            return new + [last]
        n = len(last.value) if isinstance(last, Return) and isinstance(last.value, tuple) else (
            len(returns[0].value) if isinstance(returns[0].value, tuple) else 1)
        results = [names.fresh("result") if n == 1 else names.fresh(f"result{k}") for k in range(n)]
        ex = _Exits(names, results, tails)
        new, _ = ex.block(body, None)
        prologue = [_clear(ex.returned)] if ex.returned else []
        prologue += [Assign(r, Call("copy", (Const(0.0),))) for r in results]
        value = Var(results[0]) if n == 1 else tuple(Var(r) for r in results)
        return prologue + new + [Return(value, returns[-1].loc)]
    ex = _Exits(names, results, tails)
    new, _ = ex.block(body, None)
    prologue = [_clear(ex.returned)] if ex.returned else []
    if in_loop and ex.returned and not (len(returns) == 1 and body and returns[0] is body[-1]):
        # results set under a test (``r = -1.0 if disc <= 0 else r``): each call in a loop
        # starts them anew, so that no value flows into them from the call of an earlier
        # iteration (the loop would carry it, and its reverse keep it per iteration)
        prologue += [Assign(r, Call("copy", (_zero_like(returns, k),))) for k, r in enumerate(results)]
    return prologue + new


def _zero_like(returns: list[Return], k: int) -> Const:
    """0 of the kind of result ``k`` where a return gives it as a constant
    (``return -1.0``: 0.0; ``return -1``: 0), else 0 (an int: it widens to
    the float a return assigns)."""
    for r in returns:
        v = r.value[k] if isinstance(r.value, tuple) else r.value
        if isinstance(v, Const) and not isinstance(v.value, bool):
            return Const(type(v.value)(0))
    return Const(0)
