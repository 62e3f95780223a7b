"""``sum()``, ``max()`` and ``min()`` of a generator expression or a list
comprehension, written as the loop it stands for.

``s = sum(w[i] * abs(x[i]) for i in range(n) if x[i] > 0)`` becomes

    total = 0
    for i in range(n):
        if x[i] > 0:
            total += w[i] * abs(x[i])
    s = total

just before the statement that holds the call, which then reads ``total``.
Nested ``for`` clauses become nested loops, and a start value (``sum(...,
0.5)``) starts the total.  The comprehension's variables get names of their
own where the function uses theirs elsewhere (Python does not let them leak
into it).  ``max(abs(v) for v in x)`` takes the first term, then ``max`` of
the running value and each next term (a kink of the rule table, ties shared
as any ``max``'s), and raises Python's ValueError where no term was met.

Only reductions the statement evaluates whatever happens are hoisted: one
inside a lambda, a conditional expression, ``and`` / ``or``, an ``elif`` test
or a ``while`` test stays where it is and is refused there, with its
location; so does one in a statement that calls a function writing into an
array (or an in-place method), since computed first it would miss (or show)
writes that Python's order of evaluation puts otherwise.  The new nodes
stand at the call's position, so errors in the terms point at what the user
wrote."""

from __future__ import annotations

import libcst as cst

from nsadc.frontend.arrays import IN_PLACE_METHODS, written_arrays
from nsadc.frontend.cst_nodes import mentioned_names, nodes, place_tree
from nsadc.frontend.syntax import all_params

_MEMO: dict[int, tuple[cst.FunctionDef, cst.FunctionDef]] = {}  # id(function) -> (function, its rewrite)


def reductions_as_loops(src, fnode: cst.FunctionDef) -> cst.FunctionDef:
    """``fnode`` with each hoistable ``sum()`` / ``max()`` / ``min()`` of a
    comprehension written as a loop (``fnode`` itself where there is none; one
    rewrite per function)."""
    memo = _MEMO.get(id(fnode))
    if memo is not None and memo[0] is fnode:
        return memo[1]
    out = fnode
    if any(_is_reduction_of_a_comprehension(n) for n in nodes(fnode)):
        taken = set(mentioned_names(fnode))
        made: dict[cst.CSTNode, cst.CSTNode] = {}  # a new node -> the user's node it stands for
        body = _Hoist(fnode, taken, made, src.functions).block(fnode.body)
        if body is not fnode.body:
            out = fnode.with_changes(body=body)
            place_tree(src, out, made, fnode)
    _MEMO[id(fnode)] = (fnode, out)
    return out


def _is_reduction_of_a_comprehension(node) -> bool:
    """``sum(<comprehension>[, start])``, ``max(<comprehension>)`` or ``min(<comprehension>)``."""
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.args
            and isinstance(node.args[0].value, (cst.GeneratorExp, cst.ListComp))
            and all(a.keyword is None and not a.star for a in node.args)):
        return False
    return len(node.args) <= (2 if node.func.value == "sum" else 1 if node.func.value in ("max", "min") else 0)


def _writes_arrays(node, functions: dict) -> bool:
    """Whether evaluating ``node`` may write into an array: an in-place method
    (``x.sort()``) or a call of a function of the file that writes into one of
    its parameters (``bump(x)`` doing ``v *= 2.0``)."""
    for n in nodes(node):
        if not isinstance(n, cst.Call):
            continue
        f = n.func
        if isinstance(f, cst.Attribute) and f.attr.value in IN_PLACE_METHODS:
            return True
        callee = functions.get(f.value) if isinstance(f, cst.Name) else None
        if callee and written_arrays(callee[-1], functions) & {p.name.value for p in all_params(callee[-1])}:
            return True
    return False


class _Hoist:
    def __init__(self, fnode: cst.FunctionDef, taken: set[str], made: dict, functions: dict):
        self.functions = functions
        self.fnode = fnode
        self.taken = taken
        self.made = made

    def fresh(self, base: str) -> str:
        name, k = base, 1
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name

    def block(self, block):
        """The block with its statements rewritten (the block itself if none changed)."""
        if not isinstance(block, cst.IndentedBlock):
            return block  # (one-line bodies: `if c: return sum(...)` stays, refused where lowered)
        new = []
        for st in block.body:
            new.extend(self.statement(st))
        if all(a is b for a, b in zip(new, block.body)) and len(new) == len(block.body):
            return block
        return block.with_changes(body=new)

    def statement(self, st) -> list:
        if isinstance(st, cst.SimpleStatementLine):
            return self._simple(st)
        if isinstance(st, cst.If):
            before, test = self._hoisted_from(st.test)  # (the first test only: it always runs)
            changes = {"test": test, "body": self.block(st.body), "orelse": self._orelse(st.orelse)}
        elif isinstance(st, (cst.For, cst.While)):
            before, changes = [], {"body": self.block(st.body)}
            if isinstance(st, cst.For):
                before, changes["iter"] = self._hoisted_from(st.iter)  # evaluated once, before the loop
            if st.orelse is not None:
                changes["orelse"] = st.orelse.with_changes(body=self.block(st.orelse.body))
        else:
            return [st]
        if not before and all(v is getattr(st, k) for k, v in changes.items()):
            return [st]
        return [*before, st.with_changes(**changes)]

    def _orelse(self, orelse):
        if isinstance(orelse, cst.Else):
            body = self.block(orelse.body)
            return orelse if body is orelse.body else orelse.with_changes(body=body)
        if isinstance(orelse, cst.If):  # elif: its test runs only when the ones before fail
            body, rest = self.block(orelse.body), self._orelse(orelse.orelse)
            return orelse if body is orelse.body and rest is orelse.orelse else \
                orelse.with_changes(body=body, orelse=rest)
        return orelse

    def _simple(self, line: cst.SimpleStatementLine) -> list:
        if len(line.body) != 1:
            return [line]
        small = line.body[0]
        if not isinstance(small, (cst.Assign, cst.AugAssign, cst.AnnAssign, cst.Return, cst.Expr)):
            return [line]
        before, new = self._hoisted_from(small)
        if not before:
            return [line]
        return [*before, line.with_changes(body=[new])]

    def _hoisted_from(self, node):
        """The loops computing the hoistable reductions in ``node``, and ``node``
        reading their results."""
        if node is None or _writes_arrays(node, self.functions):
            # (a call writing into an array: the reduction, computed first, would not see
            # the writes of the parts Python evaluates before it, or they would see its own)
            return [], node
        hoist = self
        before: list = []

        class Replace(cst.CSTTransformer):
            def visit_Lambda(self, n):
                return False  # (evaluated when called, if ever)

            def visit_IfExp(self, n):
                return False  # (only one branch runs)

            def visit_BooleanOperation(self, n):
                return False  # (the right side runs only sometimes)

            def visit_GeneratorExp(self, n):
                return False  # (a sum inside another comprehension: hoisted from the loop it becomes)

            def visit_ListComp(self, n):
                return False

            def leave_Call(self, old, new):
                if not _is_reduction_of_a_comprehension(new):
                    return new
                total = hoist.fresh("total" if new.func.value == "sum" else f"{new.func.value}_term")
                before.extend(hoist.loops(new, total, old))
                name = cst.Name(total)
                hoist.made[name] = old
                return name

        new = node.visit(Replace())
        return before, new

    def loops(self, call: cst.Call, total: str, user: cst.Call) -> list:
        """The statements computing the reduction into ``total``: its start, the
        loop nest over the comprehension's clauses, and (max / min) the check
        that some term was met."""
        comp = call.args[0].value
        clauses = []
        f = comp.for_in
        while f is not None:
            clauses.append(f)
            f = f.inner_for_in
        renames: dict[str, str] = {}
        outside = mentioned_names(self.fnode, skip=comp)
        loops = []
        for k, clause in enumerate(clauses):
            # the first iterable is read in the enclosing scope; later ones see earlier variables
            it = clause.iter if k == 0 else _renamed(clause.iter, renames)
            for name in _target_names(clause.target):
                if name in outside:  # (a name the function uses elsewhere: the loop's own is another)
                    renames[name] = self.fresh(name)
            loops.append((_renamed(clause.target, renames), it, [_renamed(c.test, renames) for c in clause.ifs]))
        term = _renamed(comp.elt, renames)
        reduction = call.func.value
        if reduction == "sum":
            start = call.args[1].value if len(call.args) == 2 else cst.Integer("0")
            init = [_assign(total, start)]
            body = [_line(cst.AugAssign(cst.Name(total), cst.AddAssign(), term))]
            after = []
        else:
            # max / min: the first term, then the extremum of it and each next one (a kink of
            # the rule table); no term at all raises, as Python's max() does
            first, value = self.fresh("first"), self.fresh("term")
            init = [_assign(first, cst.Name("True")), _assign(total, cst.Integer("0"))]
            body = [_assign(value, term),
                    _assign(total, cst.IfExp(test=cst.Name(first), body=cst.Name(value), orelse=cst.Call(
                        cst.Name(reduction), [cst.Arg(cst.Name(total)), cst.Arg(cst.Name(value))]))),
                    _assign(first, cst.Name("False"))]
            message = cst.SimpleString(f'"{reduction}() arg is an empty sequence"')
            after = [cst.If(test=cst.Name(first), body=cst.IndentedBlock(
                [_line(cst.Raise(cst.Call(cst.Name("ValueError"), [cst.Arg(message)])))]))]
        nest = body
        for target, it, conditions in reversed(loops):
            for c in reversed(conditions):
                nest = [cst.If(test=c, body=cst.IndentedBlock(nest))]
            nest = [cst.For(target=target, iter=it, body=cst.IndentedBlock(nest))]
        out = [*init, *self.statement(nest[0]), *after]  # (sums inside the terms: hoisted into the loop)
        for st in out:
            for n in nodes(st):
                self.made.setdefault(n, user)
        return out


def _line(small) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine([small])


def _assign(name: str, value) -> cst.SimpleStatementLine:
    return _line(cst.Assign([cst.AssignTarget(cst.Name(name))], value))


def _target_names(target) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for el in target.elements for n in _target_names(el.value)]
    return []


def _renamed(node, renames: dict[str, str]):
    """``node`` with the comprehension's variables under their new names (not
    attribute names or keywords, which are not variables)."""
    if not renames:
        return node

    class Rename(cst.CSTTransformer):
        def leave_Attribute(self, old, new):  # (x.attr: only x may be a variable)
            return new.with_changes(attr=old.attr)

        def leave_Arg(self, old, new):
            return new.with_changes(keyword=old.keyword)

        def leave_Name(self, old, new):
            return new.with_changes(value=renames[old.value]) if old.value in renames else new

    return node.visit(Rename())
