"""A structural check of one IR function, run between the passes when
``NSADC_VERIFY_IR=1`` (nsadc/pipeline.py).

The invariants below hold after lowering and after every pass, for the primal
function and for every derivative function the transforms build.  A pass that
breaks one has a defect, and the check names the pass; the emitted code would
otherwise fail later, far from its cause (a ``NameError`` in generated code, or
Python refusing to compile it).

1. Every statement is one of the IR's statement classes (``Assign``, ``If``,
   ``For``, ``While``, ``Break``, ``Continue``, ``Return``, ``Comment``,
   ``Raw`` and the tape statements), every statement list is a list, and
   every expression is a ``Var``, a ``Const`` or a ``Call`` whose arguments
   are expressions.
2. Assignment targets, ``For`` loop variables and ``Var`` names are Python
   identifiers; parameter names are identifiers and no two are the same.
3. ``Break`` and ``Continue`` appear only inside a ``For`` or ``While`` body.
4. The last top-level statement is a ``Return``, and it is the only
   ``Return`` of the function (the frontend turns early returns into flags).
5. Every variable an expression reads is a parameter, the target of some
   ``Assign``, the variable of some ``For`` loop, a name a tape statement
   assigns (a tape, its counter, a popped value), or a name that a ``Raw``
   line of target code mentions: nothing reads a name that nothing defines.
6. Tapes: every tape pushed or popped is allocated by a ``TapeAlloc``; a
   counter steps by ``=``, ``+=`` or ``-=``; and every ``TapePop`` reads back
   what a ``TapePush`` of the same tape and pair id keeps.

The check is structural only: it does not decide whether a name is assigned
on every path before it is read.
"""

from __future__ import annotations

from nsadc.ir.nodes import (TAPE_OPS, Assign, Break, Call, Comment, Const, Continue, CounterStep, For, Function, If,
                            Raw, Return, Stmt, TapeAlloc, TapePop, TapePush, Var, While, expressions_read, raw_names,
                            tape_effects, walk)

STATEMENTS = (Assign, If, For, While, Break, Continue, Return, Comment, Raw, *TAPE_OPS)


class IRVerificationError(AssertionError):
    """An IR function breaks an invariant of :mod:`nsadc.ir.verify`: a defect of
    the pass named in the message, never of the user's code."""


def _identifier(name) -> bool:
    return isinstance(name, str) and name.isidentifier()


def _expr_problems(e, where: str, out: list[str], read: set[str]) -> None:
    if isinstance(e, Var):
        if not _identifier(e.name):
            out.append(f"{where}: variable name {e.name!r} is not an identifier")
        else:
            read.add(e.name)
    elif isinstance(e, Const):
        pass
    elif isinstance(e, Call):
        if not isinstance(e.args, tuple):
            out.append(f"{where}: the arguments of {e.prim} are a {type(e.args).__name__}, not a tuple")
        for a in e.args:
            _expr_problems(a, where, out, read)
    else:
        out.append(f"{where}: {type(e).__name__} is not an expression")


def problems(fn: Function) -> list[str]:
    """What in ``fn`` breaks the invariants of this module (empty when nothing does)."""
    out: list[str] = []
    names = [p.name for p in fn.params]
    for p in names:
        if not _identifier(p):
            out.append(f"parameter {p!r} is not an identifier")
    dupes = sorted({p for p in names if names.count(p) > 1})
    if dupes:
        out.append(f"parameters named twice: {', '.join(dupes)}")
    defined = set(names)
    read: set[str] = set()

    def block(stmts, depth: int, path: str) -> None:
        if not isinstance(stmts, list):
            out.append(f"{path}: a statement list is a {type(stmts).__name__}")
            return
        for k, s in enumerate(stmts):
            where = f"{path}[{k}] {type(s).__name__}"
            if not isinstance(s, STATEMENTS):
                out.append(f"{where}: not an IR statement")
                continue
            for e in expressions_read(s):
                _expr_problems(e, where, out, read)
            if isinstance(s, Assign):
                if not _identifier(s.target):
                    out.append(f"{where}: target {s.target!r} is not an identifier")
                defined.add(s.target)
            elif isinstance(s, For):
                if not _identifier(s.var):
                    out.append(f"{where}: loop variable {s.var!r} is not an identifier")
                defined.add(s.var)
                block(s.body, depth + 1, f"{where}.body")
            elif isinstance(s, While):
                block(s.body, depth + 1, f"{where}.body")
            elif isinstance(s, If):
                block(s.body, depth, f"{where}.body")
                block(s.orelse, depth, f"{where}.orelse")
            elif isinstance(s, (Break, Continue)) and depth == 0:
                out.append(f"{where}: outside any loop")
            elif isinstance(s, Raw):
                if not isinstance(s.code, str):
                    out.append(f"{where}: its code is a {type(s.code).__name__}, not text")
                else:
                    defined.update(raw_names(s))
            elif isinstance(s, TAPE_OPS):
                reads, writes = tape_effects(s)
                read.update(reads)
                defined.update(writes)
                if isinstance(s, CounterStep) and s.op not in ("=", "+=", "-="):
                    out.append(f"{where}: counter step {s.op!r}")

    block(fn.body, 0, "body")
    if not fn.body or not isinstance(fn.body[-1], Return):
        out.append("the last top-level statement is not a Return")
    returns = sum(1 for s in walk(fn.body) if isinstance(s, Return)) if isinstance(fn.body, list) else 0
    if returns > 1:
        out.append(f"{returns} Return statements (one, the last, is expected)")
    undefined = sorted(read - defined)
    if undefined:
        out.append(f"read but never defined: {', '.join(undefined)}")
    if isinstance(fn.body, list):
        out += _tape_problems(fn.body)
    return out


def _tape_problems(body: list[Stmt]) -> list[str]:
    stmts = list(walk(body))
    allocated = {s.tape for s in stmts if isinstance(s, TapeAlloc)}
    pushed = {(s.tape, s.pair) for s in stmts if isinstance(s, TapePush)}
    out = [f"tape {t} is used but never allocated" for t in sorted(
        {s.tape for s in stmts if isinstance(s, (TapePush, TapePop))} - allocated)]
    out += [f"a pop from {s.tape} (pair {s.pair}) that no push of that tape keeps" for s in stmts
            if isinstance(s, TapePop) and (s.tape, s.pair) not in pushed]
    return out


def verify(fn: Function, after: str) -> None:
    """Raise :class:`IRVerificationError` when ``fn`` breaks an invariant;
    ``after`` names the pass (or stage) that produced it."""
    found = problems(fn)
    if found:
        raise IRVerificationError(f"IR of {fn.name} after {after}: " + "; ".join(found))
