"""Tapes: where the reverse sweep finds the values the forward sweep overwrote.

A float tape, an int tape, one tape per array whose overwritten elements are
kept, and one for whole-array snapshots; each is a storage array with an int
counter, handled by tape statements (nsadc/ir/nodes.py) that a backend lowers.
Room is reserved before each loop for all the pushes it will make; where the
arguments fix a tape's deepest point (transforms/tape_size.py) it is allocated
once at that size and the reservations go.
"""

from __future__ import annotations

from nsadc.ir.build import add, mul, sub
from nsadc.ir.nodes import (Assign, Call, Const, CounterStep, Expr, For, Stmt, TapeAlloc, TapePop, TapePush,
                            TapeReserve, Var, child_blocks, walk)
from nsadc.transforms.tape_size import depth_bound, entry_known, poly_expr


class Tapes:
    """The float and int tapes.  Pushes are two plain statements; room is
    reserved before each loop for all the pushes it will make (a growth check
    in every push, or a helper returning the tape, costs 2-3x on a tight loop),
    except in `while` loops whose test caps no counter (while_trips.py), whose
    trip count is unknown."""

    def __init__(self, names, types):
        self.types = types
        self.names = names
        self.saved: dict[int, str] = {}  # id(Assign) -> the local holding what it overwrote
        self.float_used = False
        self.int_used = False
        self.f, self.nf = names.fresh("tape"), names.fresh("n_tape")
        self.i, self.ni = names.fresh("itape"), names.fresh("n_itape")
        # array -> (tape, counter): the elements stores overwrite, one tape per array, so
        # that pushes a re-run replays for one array never sit between another's
        self.elements: dict[str, tuple[str, str]] = {}
        # array -> (tape, counter): ints, the indices of the stores a journal keeps (their old
        # values go on the array's element tape) and each iteration's count of them
        self.journals: dict[str, tuple[str, str]] = {}
        self.snapshots_used = False
        self.s, self.ns = names.fresh("array_tape"), names.fresh("n_array_tape")
        # loop key -> (tape, counter): the results inner loops leave, pushed where an
        # iteration of that loop runs forwards and read back, in push order, by its re-run
        # (``_forward_results`` in reverse.py)
        self.results: dict[int, tuple[str, str]] = {}
        self.pairs: dict[tuple[str, Expr], int] = {}  # (tape, value) -> the id its push and pop share

    def _which(self, var: str) -> tuple[str, str]:
        if self.types.get(var) == "float":
            self.float_used = True
            return self.f, self.nf
        self.int_used = True
        return self.i, self.ni

    def _pair(self, tape: str, value: Expr) -> int:
        return self.pairs.setdefault((tape, value), len(self.pairs) + 1)

    def push(self, var: str, grow: bool = False) -> list[Stmt]:
        tape, n = self._which(var)
        out: list[Stmt] = [TapeReserve(tape, n, Const(1))] if grow else []
        return out + [TapePush(tape, Var(n), Var(var), self._pair(tape, Var(var))), CounterStep(n, "+=", Const(1))]

    def save(self, s: Assign) -> list[Stmt]:
        """Keep the value an assignment overwrites in a local of its own.  Records
        are pushed only where each statement runs once (the function's top level,
        or one iteration being re-run) and popped in that same run, so a local
        per statement does the tape's work, with no traffic through memory."""
        return [Assign(self._saved(s), Call("copy", (Var(s.target),)))]

    def restore(self, s: Assign) -> list[Stmt]:
        return [Assign(s.target, Call("copy", (Var(self._saved(s)),)))]

    def _saved(self, s: Assign) -> str:
        if id(s) not in self.saved:
            self.saved[id(s)] = self.names.fresh(f"{s.target}_old")
            self.types[self.saved[id(s)]] = self.types.get(s.target, "float")
        return self.saved[id(s)]

    def pop(self, var: str, pushed: str | None = None) -> list[Stmt]:
        """Pop into ``var`` the value a push of ``pushed`` (default: var itself) kept."""
        tape, n = self._which(var)
        return [CounterStep(n, "-=", Const(1)),
                TapePop(tape, Var(n), Var(var), self.types.get(var) == "bool", self._pair(tape, Var(pushed or var)))]

    def push_element(self, element: Call) -> list[Stmt]:
        """Push an array element (a ``load``) a store is about to overwrite (a
        tape of its own: the reverse sweep pops it in the order the stores ran)."""
        tape, n = self._elements_of(element)
        return [TapeReserve(tape, n, Const(1)), TapePush(tape, Var(n), element, self._pair(tape, element.args[0])),
                CounterStep(n, "+=", Const(1))]

    def pop_element(self, element: Call) -> list[Stmt]:
        # one pair per array: a push and its pop may name the same element by different
        # expressions (the store's ``x[i_plus_1]``, the restore's ``x[i + 1]``)
        tape, n = self._elements_of(element)
        return [CounterStep(n, "-=", Const(1)), TapePop(tape, Var(n), element, pair=self._pair(tape, element.args[0]))]

    def _elements_of(self, element: Call) -> tuple[str, str]:
        array = element.args[0].name
        if array not in self.elements:
            self.elements[array] = (self.names.fresh(f"{array}_elements"), self.names.fresh(f"n_{array}_elements"))
        return self.elements[array]

    def _journal_of(self, array: str) -> tuple[str, str]:
        if array not in self.journals:
            self.journals[array] = (self.names.fresh(f"{array}_stores"), self.names.fresh(f"n_{array}_stores"))
        return self.journals[array]

    def push_journal(self, element: Call) -> list[Stmt]:
        """Before a store the journal keeps: the element's index, then its old value."""
        tape, n = self._journal_of(element.args[0].name)
        out: list[Stmt] = [TapeReserve(tape, n, Const(len(element.args) - 1))]
        for k in element.args[1:]:
            out += [TapePush(tape, Var(n), k), CounterStep(n, "+=", Const(1))]
        return out + self.push_element(element)

    def open_journal(self, array: str, start: str) -> list[Stmt]:
        """At an iteration's start: where the array's element tape stands."""
        self.types[start] = "int"
        return [CounterStep(start, "=", Var(self._elements_of(Call("load", (Var(array),)))[1]))]

    def close_journal(self, array: str, start: str) -> list[Stmt]:
        """At the iteration's end: how many stores it journaled."""
        tape, n = self._journal_of(array)
        count = sub(Var(self._elements_of(Call("load", (Var(array),)))[1]), Var(start))
        return [TapeReserve(tape, n, Const(1)), TapePush(tape, Var(n), count), CounterStep(n, "+=", Const(1))]

    def pop_journal(self, array: str, rank: int) -> list[Stmt]:
        """Put back, last first, the elements the iteration's stores overwrote."""
        tape, n = self._journal_of(array)
        count, k = self.names.fresh(f"{array}_stored"), self.names.fresh("back")
        index = [self.names.fresh(f"{array}_at") for _ in range(rank)]
        for v in (count, k, *index):
            self.types[v] = "int"
        undo: list[Stmt] = []
        for v in reversed(index):
            undo += [CounterStep(n, "-=", Const(1)), TapePop(tape, Var(n), Var(v))]
        undo += self.pop_element(Call("load", (Var(array), *(Var(v) for v in index))))
        return [CounterStep(n, "-=", Const(1)), TapePop(tape, Var(n), Var(count)),
                For(k, Const(0), Var(count), Const(1), undo)]

    def push_array(self, array: str, elementwise) -> list[Stmt]:
        """Push every element of ``array`` (a tape of its own, whole arrays in
        the order the iterations ran)."""
        self.snapshots_used = True
        return elementwise(lambda index: [
            TapePush(self.s, Var(self.ns), Call("load", (Var(array), *index)), self._pair(self.s, Var(array))),
            CounterStep(self.ns, "+=", Const(1))])

    def pop_array(self, array: str, elementwise) -> list[Stmt]:
        """Restore the array pushed last (its block, read in push order)."""
        at = self.names.fresh(f"{array}_at")
        self.types[at] = "int"
        pair = self._pair(self.s, Var(array))
        return [CounterStep(self.ns, "-=", Call("size", (Var(array),))), CounterStep(at, "=", Var(self.ns))] + \
            elementwise(lambda index: [TapePop(self.s, Var(at), Call("load", (Var(array), *index)), pair=pair),
                                       CounterStep(at, "+=", Const(1))])

    def _results_of(self, key: int) -> tuple[str, str]:
        if key not in self.results:
            self.results[key] = (self.names.fresh("results_tape"), self.names.fresh("n_results_tape"))
        return self.results[key]

    def push_result(self, var: str, key: int) -> list[Stmt]:
        """Keep a float an inner loop left, for the re-run of the iteration around it."""
        tape, n = self._results_of(key)
        return [TapePush(tape, Var(n), Var(var), self._pair(tape, Var(var))), CounterStep(n, "+=", Const(1))]

    def reserve_results(self, room: Expr, key: int) -> list[Stmt]:
        tape, n = self._results_of(key)
        return [TapeReserve(tape, n, room)]

    def rewind_results(self, count: Expr, at: str, key: int) -> list[Stmt]:
        """Drop the last ``count`` results from the tape, ``at`` where the first of them lies."""
        tape, n = self._results_of(key)
        self.types[at] = "int"
        return [CounterStep(n, "-=", count), CounterStep(at, "=", Var(n))]

    def read_result(self, var: str, at: str, key: int) -> list[Stmt]:
        """Read into ``var`` the result at ``at``, then step ``at`` to the next (push order)."""
        tape, _ = self._results_of(key)
        return [TapePop(tape, Var(at), Var(var), pair=self._pair(tape, Var(var))), CounterStep(at, "+=", Const(1))]

    def reads_results(self, block: list[Stmt], key: int) -> bool:
        """Whether ``block`` reads the results tape of ``key``."""
        tape = self.results[key][0] if key in self.results else None
        return any(isinstance(s, TapePop) and s.tape == tape for s in walk(block))

    def drop_unread_results(self, blocks: list[list[Stmt]]) -> None:
        """Take out of ``blocks`` each results tape no statement reads (the
        re-runs of its loop needed none of them): its pushes, reservations and
        counter steps."""
        read = {s.tape for block in blocks for s in walk(block) if isinstance(s, TapePop)}
        unread = [key for key, (tape, _) in self.results.items() if tape not in read]
        names = {name for key in unread for name in self.results[key]}
        for block in blocks:
            _strip(block, names)
        for key in unread:
            del self.results[key]

    def reserve_arrays(self, arrays: list[str], times: Expr) -> list[Stmt]:
        room: Expr = Call("size", (Var(arrays[0]),))
        for a in arrays[1:]:
            room = add(room, Call("size", (Var(a),)))
        return [TapeReserve(self.s, self.ns, mul(times, room))]

    def reserve(self, pushed: list[str], times: Expr | None = None) -> list[Stmt]:
        """Room for ``times`` rounds of pushing the values ``pushed``."""
        counts: dict[tuple[str, str], int] = {}
        for v in pushed:
            key = self._which(v)
            counts[key] = counts.get(key, 0) + 1
        out: list[Stmt] = []
        for (tape, n), k in counts.items():
            room = Const(k) if times is None else (times if k == 1 else mul(Const(k), times))
            out.append(TapeReserve(tape, n, room))
        return out

    def init(self) -> list[Stmt]:
        out: list[Stmt] = []
        for used, tape, n, dtype in self._all():
            if used:
                out += [TapeAlloc(tape, Const(64), dtype), CounterStep(n, "=", Const(0))]
        return out

    def _all(self):
        return [(self.float_used, self.f, self.nf, "float"), (self.int_used, self.i, self.ni, "int"),
                *((True, tape, n, "float") for tape, n in self.elements.values()),
                *((True, tape, n, "int") for tape, n in self.journals.values()),
                (self.snapshots_used, self.s, self.ns, "float"),
                *((True, tape, n, "float") for tape, n in self.results.values())]

    def size_exactly(self, body: list[Stmt], params: list[str]) -> bool:
        """Allocate each tape at its deepest where the arguments fix that depth
        (tape_size.py), dropping its growth checks; True while some tape still
        grows (the module then needs `_reserve`)."""
        known = entry_known(params, body)
        grows = False
        sizes: dict[str, Expr] = {}
        for used, tape, n, _ in self._all():
            if not used:
                continue
            bound = depth_bound(body, n, known, loop_trips)
            if bound is None:
                grows = True
                continue
            sizes[tape] = poly_expr(bound)
        _sized(body, sizes)
        return grows


def _strip(block: list[Stmt], names: set[str]) -> None:
    """Take out of ``block`` the tape statements on the tapes and counters ``names``."""
    kept = []
    for s in block:
        if isinstance(s, (TapePush, TapeReserve, TapeAlloc)) and s.tape in names:
            continue
        if isinstance(s, CounterStep) and s.counter in names:
            continue
        for child in child_blocks(s):
            _strip(child, names)
        kept.append(s)
    block[:] = kept


def _sized(block: list[Stmt], sizes: dict[str, Expr]) -> None:
    """Allocate each tape of ``sizes`` at its size; drop its reservations."""
    kept = []
    for s in block:
        if isinstance(s, TapeReserve) and s.tape in sizes:
            continue
        if isinstance(s, TapeAlloc) and s.tape in sizes:
            s = TapeAlloc(s.tape, sizes[s.tape], s.dtype)
        for child in child_blocks(s):
            _sized(child, sizes)
        kept.append(s)
    block[:] = kept


def loop_trips(s: For) -> Expr:
    """The trip count of a `for` loop."""
    if isinstance(s.step, Const) and s.step.value == 1:
        return sub(s.stop, s.start)
    return Call("trips", (s.start, s.stop, s.step))
