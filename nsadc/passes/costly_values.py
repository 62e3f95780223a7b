"""A transcendental value a loop computed is kept for the loop that reverses it.

A fused iteration (one sample of a softmax) computes its values in a loop,
then reverses that loop, and the reverse re-runs each iteration first:

    for k in range(c):                      # the sample's forward part
        z_k_2_minus_m = z[k] - m
        exp_2 = math.exp(z_k_2_minus_m)
        se += exp_2
    ...
    for k in range(c):                      # its reverse
        # re-run the iteration, then reverse it
        z_k_2_minus_m = z[k] - m
        exp_2 = math.exp(z_k_2_minus_m)     # the same value, again
        z_k_2_minus_m_bar = exp_2 * se_bar

An ``exp`` costs some twenty cycles; storing it and loading it back from a
buffer the sample reuses (in cache) costs two.  Where the reverse loop runs
over the same indices as the forward one and recomputes a transcendental
function of the same values (its operands computed by the same statements,
from arrays neither loop nor anything between them stores into and names
neither assigns), the forward loop keeps the value per index and the
reverse reads it back (softmax cross-entropy's gradient: 4.47 ms against
3.98 ms on hand-edited copies).  The value is the same float64 either way:
only values that no float32 argument's precision reaches are kept, so the
buffer holds them exactly.
"""

from __future__ import annotations

import re
from collections import Counter

from nsadc.ir.affine import affine, affine_sum, simplified
from nsadc.ir.build import sub
from nsadc.ir.names import Names
from nsadc.ir.nodes import (OPAQUE, Assign, Call, Const, Expr, For, Function, If, Raw, Stmt, TapePop, Var, While,
                            element_loads, raw_names, reads, variables, walk)
from nsadc.passes.loop_analysis import all_names, declare_buffers, grown_to, leaves_early, makes_arrays, read_first
from nsadc.passes.reduction_interchange import Precision, is_float64_witness
from nsadc.transforms.reverse_plan import is_store

_FLOAT64 = Var("np.float64(1)")

# functions whose value costs more to compute again than to keep (a division or a square root, a few)
COSTLY = ("exp", "log", "log1p", "expm1", "sin", "cos", "tan", "tanh", "atan", "sinh", "cosh", "pow")


def keep_costly_values(fn: Function) -> None:
    """Rewrite, in place, each qualifying pair of loops of ``fn`` (module docstring)."""
    if not makes_arrays(fn) or not any(isinstance(s, Assign) and isinstance(s.value, Call)
                                       and s.value.prim in COSTLY for s in walk(fn.body)):
        return  # nothing to keep, or a function that may be bound for a target that cannot allocate
    buffers: list[Stmt] = []
    _Keeper(fn, buffers).block(fn.body, [])
    declare_buffers(fn, buffers)


class _Keeper:
    def __init__(self, fn: Function, buffers: list[Stmt]):
        self.fn, self.buffers = fn, buffers
        self.names = Names(all_names(fn))
        self.precision = Precision(fn)
        self._float64: set[str] | None = None

    def block(self, block: list[Stmt], after: list[list[Stmt]]) -> None:
        for n, s in enumerate(block):
            rest = [block[n + 1:]] + after
            if isinstance(s, If):
                self.block(s.body, rest)
                self.block(s.orelse, rest)
            elif isinstance(s, (For, While)):
                self.block(s.body, [s.body] + rest)
        while any(self.pair(block, a, b, after) for a, b in _pairs(block)):
            pass  # a value kept: the block changed, look again

    def pair(self, block: list[Stmt], a: int, b: int, after: list[list[Stmt]]) -> bool:
        """Keep one value of the loop at ``a`` for the loop at ``b``; whether one was."""
        F, R = block[a], block[b]
        slot = _same_indices(F, R)
        if slot is None or leaves_early(F.body) or leaves_early(R.body):
            return False  # an iteration of F that stops before the value would leave its slot unset
        k = F.var
        between = block[a + 1:b]
        # what the two loops and the statements between them change
        stored = {t.target for t in walk(F.body + between + R.body) if is_store(t)} | {
            t.allocates for t in walk(between) if isinstance(t, Raw) and t.allocates}
        assigned = {t.target for t in walk(between) if isinstance(t, Assign)} | {
            t.var for t in walk(between) if isinstance(t, For)}
        changed_in_loops = _assigned(F.body) | _assigned(R.body)
        for n, c in enumerate(list(R.body)):
            if not (isinstance(c, Assign) and isinstance(c.value, Call) and c.value.prim in COSTLY) \
                    or self.precision.types.get(c.target) != "float":
                continue  # (2 ** i is an int: the buffers keep floats)
            chain = _chain(c, R.body[:n], F.body, k, R.body)
            if chain is None:
                continue
            f_at, reads_of_chain, loaded, _ = chain
            if loaded & (stored | assigned | changed_in_loops) or \
                    reads_of_chain & (assigned | (changed_in_loops - chain[3]) - {k}):
                continue
            # a float64 value only: its arguments' precision names no argument of the function
            known = {v: _FLOAT64 for v in reads_of_chain if self.float64(v)}
            witnesses = [self.precision.of(x, R.body[:n], known) for x in c.value.args]
            if not all(is_float64_witness(w) or _integer(w) for w in witnesses):
                continue
            self.keep(block, a, b, F, R, c, f_at, slot)
            _drop_unread(R, chain[3] - {c.target}, [block[b + 2:]] + after)  # the grown buffer moved R by one
            return True
        return False

    def float64(self, v: str) -> bool:
        """Whether every value the function gives the scalar ``v`` is a float64
        (or an int): read back from a float tape, or computed from such values
        and elements of arrays the function makes (an assignment ``v = f(v,
        ...)`` taking ``v`` as one).  Decided for every name at once, growing
        the known names until nothing changes."""
        if self._float64 is None:
            body = self.fn.body
            known = {t.target.name: _FLOAT64 for t in walk(body) if isinstance(t, TapePop)
                     and isinstance(t.target, Var) and not (t.as_int or t.as_bool)}
            popped_otherwise = {t.target.name for t in walk(body) if isinstance(t, TapePop)
                                and isinstance(t.target, Var) and (t.as_int or t.as_bool)}
            defs: dict[str, list[Expr]] = {}
            for t in walk(body):
                if isinstance(t, Assign) and not is_store(t):
                    defs.setdefault(t.target, []).append(t.value)
            given_up: set[str] = set()  # a witness too long to follow: not known, and not tried again
            for _ in range(12):  # each round settles at least one more name, or stops
                grown = False
                for name, values in defs.items():
                    if name in known or name in popped_otherwise or name in given_up:
                        continue
                    trial = {**known, name: _FLOAT64}
                    if all(is_float64_witness(w := self.precision.of(e, [], trial)) or _integer(w)
                           for e in values):
                        known[name] = _FLOAT64
                        grown = True
                    elif self.precision.exhausted:
                        given_up.add(name)
                if not grown:
                    break
            self._float64 = set(known)
        return v in self._float64

    def keep(self, block, a, b, F: For, R: For, c: Assign, f_at: int, slot: Expr) -> None:
        name = self.names.fresh(f"{c.target}_of_{F.var}")
        self.buffers.append(Raw(f"{name} = np.full(0, 0.0)", allocates=name))
        grow = grown_to(name, simplified(sub(F.stop, F.start)))
        F.body.insert(f_at + 1, Assign(name, Call("store", (Var(name), slot, Var(c.target)))))
        R.body[R.body.index(c)] = Assign(c.target, Call("load", (Var(name), slot)), c.loc)
        block.insert(a, grow)


def _drop_unread(R: For, names: set[str], after: list[list[Stmt]]) -> None:
    """Remove from R's body the assignments of ``names`` that nothing reads any more."""
    changed = True
    while changed:
        changed = False
        for n, t in enumerate(R.body):
            if isinstance(t, Assign) and t.target in names and not any(
                    t.target in reads(u) or (isinstance(u, OPAQUE) and t.target in raw_names(u))
                    for u in walk(R.body[n + 1:])) and not any(  # under a branch too: ``if gt: out = tanh(p)``
                    read_first(t.target, rest) for rest in after) and not read_first(t.target, R.body[:n]):
                del R.body[n]
                changed = True
                break


def _integer(witness: str | None) -> bool:
    """A witness of ints alone (a count): its value is an int, whose function is a float64."""
    return witness is not None and re.fullmatch(r"[\d\s+*()-]+", witness) is not None


def _pairs(block: list[Stmt]):
    loops = [n for n, s in enumerate(block) if isinstance(s, For)]
    return [(a, b) for a in loops for b in loops if b > a]


def _assigned(block: list[Stmt]) -> set[str]:
    return {t.target for t in walk(block) if isinstance(t, Assign) and not is_store(t)} | {
        t.var for t in walk(block) if isinstance(t, For)}


def _same_indices(F: For, R: For) -> Expr | None:
    """``k - start``, the slot of index k, where F counts up by one and R runs
    over the same indices (either way) under the same name; else None."""
    if F.var != R.var or F.step != Const(1) or R.step not in (Const(1), Const(-1)):
        return None
    if R.step == Const(1):
        same = (R.start, R.stop) == (F.start, F.stop)
    else:
        lo, hi = affine(F.start, {}), affine(F.stop, {})
        r_hi, r_lo = affine(R.start, {}), affine(R.stop, {})
        same = None not in (lo, hi, r_hi, r_lo) and affine_sum(r_hi, hi, -1) == {None: -1} \
            and affine_sum(r_lo, lo, -1) == {None: -1}
    if not same:
        return None
    return simplified(sub(Var(F.var), F.start))


def _chain(c: Assign, before_in_r: list[Stmt], f_body: list[Stmt], k: str, r_body: list[Stmt]):
    """Where ``c``'s value is computed the same way in F (its statement,
    and the statements it reads from, with the same names and values,
    each assigned once in either loop, nested statements included): ``(index in F of c's twin, the
    names the chain reads from outside it, the arrays it loads,
    the names it assigns)``; else None."""
    # every assignment counts, nested ones too: a name a loop inside changes is not the value assigned
    f_count = Counter(t.target for t in walk(f_body) if isinstance(t, Assign))
    r_count = Counter(t.target for t in walk(r_body) if isinstance(t, Assign))
    twin = [n for n, t in enumerate(f_body) if isinstance(t, Assign) and t.target == c.target and t.value == c.value]
    if len(twin) != 1 or f_count[c.target] != 1:
        return None
    f_defs = {t.target: t for t in f_body[:twin[0]] if isinstance(t, Assign) and not is_store(t)}
    r_defs = {t.target: t for t in before_in_r if isinstance(t, Assign) and not is_store(t)}
    outside: set[str] = set()
    loaded: set[str] = set()
    inside: set[str] = {c.target}
    todo = [c.value]
    while todo:
        e = todo.pop()
        loaded |= {load[0].name for load in element_loads(e) if isinstance(load[0], Var)}
        for v in variables(e):
            if v in loaded:
                continue
            if v in f_defs or v in r_defs:
                if not (v in f_defs and v in r_defs and f_defs[v].value == r_defs[v].value
                        and f_count[v] == 1 and r_count[v] == 1):
                    return None
                if v not in inside:
                    inside.add(v)
                    todo.append(f_defs[v].value)
            else:
                outside.add(v)
    return twin[0], outside - loaded, loaded, inside
