"""Vector outputs: functions that return an array or a tuple of floats and arrays.

Forward mode needs nothing new (each output's tangent is returned beside it).
Reverse mode reuses the scalar transform on the *contraction* of the outputs
with their cotangents, a scalar program with the same adjoints::

    def f(x):                 def f_contracted(x, y_cot):
        ...                       ...
        return y                  y_value = y.copy()        # what f returns
                                  s = 0.0
                                  for i0 in range(y.shape[0]):
                                      s += y[i0] * y_cot[i0]
                                  return s

``vjp(f)(x; y_cot) = grad(s)(x)``: the reverse of ``s`` seeds ``y_bar = y_cot``.
The emitted ``f_vjp(x, y_cot)`` then returns ``(y_value, adjoints)``.  The copy
keeps the value as the forward sweep left it: the reverse sweep may restore
overwritten elements of ``y``.
"""

from __future__ import annotations

from dataclasses import dataclass

from nsadc.ir.nodes import (Assign, Call, Const, Expr, For, Function, Param, Raw, Return, Stmt, Var, clone,
                            clone_function)
from nsadc.rules.arrays import is_array, rank


def output_types(fn: Function, types: dict[str, str]) -> list[str]:
    """The type of each returned value (``float`` for a constant)."""
    value = fn.body[-1].value
    outs = value if isinstance(value, tuple) else (value,)
    return [types.get(o.name, "float") if isinstance(o, Var) else "float" for o in outs]


def has_vector_output(fn: Function, types: dict[str, str]) -> bool:
    """More than one returned value, or an array."""
    kinds = output_types(fn, types)
    return len(kinds) != 1 or is_array(kinds[0])


def cotangent_names(fn: Function, names) -> list[str]:
    """One cotangent parameter per output, named after it (``y_cot``; ``out1_cot``
    for a constant or an unnamed value)."""
    value = fn.body[-1].value
    outs = value if isinstance(value, tuple) else (value,)
    return [names.fresh(f"{o.name}_cot" if isinstance(o, Var) else f"out{k}_cot") for k, o in enumerate(outs)]


@dataclass
class Contraction:
    """A vector function's outputs contracted with cotangents (:func:`contracted`)."""

    fn: Function  # the scalar function: the original's parameters, then one cotangent per output
    cotangents: list[str]
    rebuilt: Expr  # what the original function returns, from the kept copies
    arrays: list[tuple[str, str, str]]  # (copy, output, cotangent) of each array output


def contracted(fn: Function, types: dict[str, str], names) -> Contraction:
    """``fn`` with its outputs contracted against cotangent parameters (see the
    module's docstring)."""
    ret = fn.body[-1]
    outs = ret.value if isinstance(ret.value, tuple) else (ret.value,)
    kinds = output_types(fn, types)
    cots = cotangent_names(fn, names)
    body: list[Stmt] = list(fn.body[:-1])
    kept: list = []
    arrays = []
    for o, kind, cot in zip(outs, kinds, cots):
        if isinstance(o, Var):
            copy = names.fresh(f"{o.name}_value")
            body.append(Assign(copy, Call("array_copy" if is_array(kind) else "copy", (o,)), ret.loc))
            kept.append(Var(copy))
            if is_array(kind):
                arrays.append((copy, o.name, cot))
        else:
            kept.append(o)
    acc = names.fresh("contraction")
    body.append(Assign(acc, Const(0.0), ret.loc))
    for o, kind, cot in zip(outs, kinds, cots):
        if is_array(kind):
            body += _contract_array(o, rank(kind), cot, acc, names, ret)
        elif isinstance(o, Var):
            term = names.fresh(f"{o.name}_{cot}")
            body += [Assign(term, Call("mul", (o, Var(cot))), ret.loc),
                     Assign(acc, Call("add", (Var(acc), Var(term))), ret.loc)]
    body.append(Return(Var(acc), ret.loc))
    params = list(fn.params) + [Param(cot, kind) for cot, kind in zip(cots, kinds)]
    out = clone_function(fn)  # with the facts the frontend recorded
    out.params, out.body = params, clone(body)
    rebuilt = Call("tuple", tuple(kept)) if isinstance(ret.value, tuple) else kept[0]
    return Contraction(out, cots, rebuilt, arrays)


def _contract_array(y: Var, r: int, cot: str, acc: str, names, ret: Return) -> list[Stmt]:
    """``acc += y[i0, ...] * cot[i0, ...]`` over every element, in three-address form."""
    sizes = [names.fresh(f"n{k}_{y.name}") for k in range(r)]
    index = [names.fresh(f"i{k}") for k in range(r)]
    a, b, term = (names.fresh(f"{y.name}_e"), names.fresh(f"{cot}_e"), names.fresh(f"{y.name}_{cot}"))
    block: list[Stmt] = [Assign(a, Call("load", (y, *map(Var, index))), ret.loc),
                         Assign(b, Call("load", (Var(cot), *map(Var, index))), ret.loc),
                         Assign(term, Call("mul", (Var(a), Var(b))), ret.loc),
                         Assign(acc, Call("add", (Var(acc), Var(term))), ret.loc)]
    for k in reversed(range(r)):
        block = [For(index[k], Const(0), Var(sizes[k]), Const(1), block, ret.loc)]
    return [Assign(n, Call("shape", (y, Const(k))), ret.loc) for k, n in enumerate(sizes)] + block


def finish_vjp(vjp: Function, c: Contraction) -> None:
    """The vjp of the contraction as the vjp of the vector function: the seed
    of the contraction is 1 (its parameter goes), an array cotangent must have
    its output's shape (checked where the output is kept, before it is read),
    and the function returns what the original one returned."""
    n_params = len(c.fn.params)
    seed = vjp.params[n_params].name
    del vjp.params[n_params]
    vjp.body.insert(0, Assign(seed, Const(1.0)))
    for copy, output, cot in c.arrays:
        at = next(i for i, s in enumerate(vjp.body) if isinstance(s, Assign) and s.target == copy)
        vjp.body.insert(at + 1, Raw(f"if {cot}.shape != {output}.shape: raise ValueError("
                                    f"\"the cotangent {cot} must have the shape of the output {output}\")"))
    ret = vjp.body[-1]
    ret.value = (c.rebuilt, ret.value[1])
    vjp.doc = (vjp.doc or "").replace(f"of the cotangent {seed}",
                                      f"of the cotangents ({', '.join(c.cotangents)})")

