"""Jacobians of vector-valued functions, assembled from the compiled modes.

``jacfwd`` runs the jvp once per scalar entry of the ``wrt`` arguments (unit
tangents), ``jacrev`` the vjp once per scalar entry of the outputs (unit
cotangents), ``clarke_jacobian`` Clarke mode once with an identity seed.  The
layout is JAX's: for one output and one ``wrt`` argument the Jacobian has
shape ``out.shape + arg.shape``; with several outputs the result is a tuple
over the outputs, with several ``wrt`` arguments each entry is a tuple over
them (a float where both shapes are ``()``).
"""

from __future__ import annotations

import numpy as np

from nsadc.errors import ArgumentError
from nsadc.rules.arrays import is_array


def is_vector(outputs) -> bool:
    """Whether a function whose outputs have these types is vector-valued."""
    return len(outputs) != 1 or is_array(outputs[0])


def outputs_of(value, outputs) -> tuple:
    """A kernel's result for the outputs as a tuple, one entry per output."""
    return tuple(value) if len(outputs) != 1 else (value,)


def _shape(v) -> tuple:
    return np.shape(v)


def _assemble(columns_or_rows: list[list[np.ndarray]], out_shapes, arg_shapes, by_rows: bool):
    """The Jacobian blocks, nested as JAX nests them.  ``columns_or_rows[o][w]``
    lists, for output ``o`` and argument ``w``, the Jacobian's columns (one per
    entry of the argument) or rows (one per entry of the output)."""
    blocks = []
    for o, os in enumerate(out_shapes):
        per_arg = []
        for w, ws in enumerate(arg_shapes):
            pieces = columns_or_rows[o][w]
            if by_rows:  # rows: each shaped like the argument
                block = np.array(pieces, dtype=np.float64).reshape(os + ws)
            else:  # columns: each shaped like the output
                block = np.moveaxis(np.array(pieces, dtype=np.float64).reshape(ws + os),
                                    list(range(len(ws))), list(range(len(os), len(os) + len(ws)))).copy()
            per_arg.append(float(block) if block.shape == () else block)
        blocks.append(per_arg[0] if len(per_arg) == 1 else tuple(per_arg))
    return blocks[0] if len(blocks) == 1 else tuple(blocks)


def _from_blocks(d, k, values: list, value, blocks):
    """The Jacobian from a compiled driver's 2-D blocks (jacobian_source.py),
    each reshaped to ``out.shape + arg.shape`` and nested as JAX nests them."""
    by_name = dict(zip(d._params, values))
    arg_shapes = [_shape(by_name[w]) for w in d.wrt]
    out_shapes = [_shape(o) for o in outputs_of(value, k.outputs)]
    nested = []
    for o, os in enumerate(out_shapes):
        per_arg = []
        for w, ws in enumerate(arg_shapes):
            block = blocks[o * len(arg_shapes) + w].reshape(os + ws)
            per_arg.append(float(block) if block.shape == () else block)
        nested.append(per_arg[0] if len(per_arg) == 1 else tuple(per_arg))
    return nested[0] if len(nested) == 1 else tuple(nested)


def _one_at_a_time(slots: list):
    """Set each scalar entry of ``slots`` (zero floats and zero arrays: the unit
    tangents or cotangents) to 1 in turn, yielding its slot's index while it
    is 1, and back to 0 after."""
    for i, slot in enumerate(slots):
        if isinstance(slot, np.ndarray):
            for e in range(slot.size):
                slot.flat[e] = 1.0
                yield i
                slot.flat[e] = 0.0
        else:
            slots[i] = 1.0
            yield i
            slots[i] = 0.0


def jacfwd(d, k, values: list):
    """The Jacobian by forward mode: one jvp per scalar entry of the wrt arguments."""
    if k.jacfwd is not None:  # the compiled driver
        return _from_blocks(d, k, values, *d._run(k.jacfwd, *values))
    by_name = dict(zip(d._params, values))
    wrt = [by_name[w] for w in d.wrt]
    tangents = [np.zeros_like(v) if isinstance(v, np.ndarray) else 0.0 for v in wrt]
    arg_shapes = [_shape(v) for v in wrt]
    columns: list[list[list]] | None = None
    out_shapes = None
    for w in _one_at_a_time(tangents):
        value, tangent = d._run(k.jvp, *values, *tangents)
        outs = outputs_of(tangent, k.outputs)
        if columns is None:
            out_shapes = [_shape(o) for o in outputs_of(value, k.outputs)]
            columns = [[[] for _ in wrt] for _ in outs]
        for o, t in enumerate(outs):
            columns[o][w].append(np.array(t, dtype=np.float64, copy=True))
    if columns is None:  # no entry to differentiate: empty wrt arrays
        value = d._run(k.primal, *values)
        out_shapes = [_shape(o) for o in outputs_of(value, k.outputs)]
        columns = [[[] for _ in wrt] for _ in out_shapes]
    return _assemble(columns, out_shapes, arg_shapes, by_rows=False)


def jacrev(d, k, values: list):
    """The Jacobian by reverse mode: one vjp per scalar entry of the outputs."""
    if k.jacrev is not None:  # the compiled driver
        return _from_blocks(d, k, values, *d._run(k.jacrev, *values))
    by_name = dict(zip(d._params, values))
    arg_shapes = [_shape(by_name[w]) for w in d.wrt]
    value = d._run(k.primal, *d._fresh_copies(values))  # (the primal writes into its arrays as NumPy does)
    outs = outputs_of(value, k.outputs)
    out_shapes = [_shape(o) for o in outs]
    cotangents = [np.zeros(s) if is_array(t) else 0.0 for s, t in zip(out_shapes, k.outputs)]
    rows: list[list[list]] = [[[] for _ in arg_shapes] for _ in outs]
    for o in _one_at_a_time(cotangents):
        _, adjoints = d._run(k.vjp, *values, *cotangents)
        for w, a in enumerate(adjoints):
            rows[o][w].append(np.array(a, dtype=np.float64, copy=True))
    return _assemble(rows, out_shapes, arg_shapes, by_rows=True)


def hessian(d, kernel, values: list):
    """The Hessian from one Hessian-vector product per scalar entry of the wrt
    arguments: ``H[a][b]`` has shape ``a.shape + b.shape``."""
    by_name = dict(zip(d._params, values))
    wrt = [by_name[w] for w in d.wrt]
    shapes = [_shape(v) for v in wrt]
    tangents = [np.zeros_like(v) if isinstance(v, np.ndarray) else 0.0 for v in wrt]
    rows: list[list[list]] = [[[] for _ in wrt] for _ in wrt]
    for a in _one_at_a_time(tangents):
        _, products = d._run(kernel, *values, *tangents, 1.0)
        for b, p in enumerate(products):
            rows[a][b].append(np.array(p, dtype=np.float64, copy=True))
    # row e of H[a][b] is the product along entry e of argument a: as jacrev's rows
    return _assemble(rows, shapes, shapes, by_rows=True)


def output_count(k, value) -> int:
    return sum(int(np.prod(_shape(o), dtype=np.int64)) for o in outputs_of(value, k.outputs))


def clarke_blocks(d, k, value, dots, m: np.ndarray | None, wrt: list):
    """The Clarke-mode Jacobian from the lexicographic directions ``dots`` (for
    each output, its directional derivatives with the direction first):
    ``J = f'(x; M)·M⁻¹``."""
    arg_shapes = [_shape(v) for v in wrt]
    outs = outputs_of(value, k.outputs)
    per_output = outputs_of(dots, k.outputs)
    out_shapes = [_shape(o) for o in outs]
    blocks = []
    for os, dirs in zip(out_shapes, per_output):
        dirs = np.asarray(dirs, dtype=np.float64)
        flat = dirs.reshape(dirs.shape[0], -1)  # (directions, output entries)
        g = flat if m is None else np.linalg.solve(m.T, flat)
        rows, start = [], 0
        for ws in arg_shapes:
            size = int(np.prod(ws, dtype=np.int64))
            rows.append(g[start:start + size])
            start += size
        blocks.append(rows)
    # blocks[o][w] has one row per entry of the argument: the Jacobian's columns
    columns = [[list(b) for b in per] for per in blocks]
    return _assemble(columns, out_shapes, arg_shapes, by_rows=False)


def cotangents_for(fname: str, outputs, cotangent) -> tuple:
    """The vjp kernel's cotangent arguments: one per output, a float or a
    float64 array (its shape is checked against the output's in the kernel)."""
    if len(outputs) != 1 and not isinstance(cotangent, (tuple, list)):
        raise ArgumentError(f"vjp: {fname} returns {len(outputs)} values; the cotangent must be a tuple of "
                            f"{len(outputs)}, one shaped like each value")
    given = tuple(cotangent) if len(outputs) != 1 else (cotangent,)
    if len(given) != len(outputs):
        raise ArgumentError(f"vjp: {fname} returns {len(outputs)} values, but the cotangent has {len(given)}")
    out = []
    for kind, c in zip(outputs, given):
        if is_array(kind):
            arr = np.asarray(c) if not isinstance(c, np.ndarray) else c
            if arr.dtype.kind not in "fiub" or arr.ndim != int(kind[-1]):
                raise ArgumentError(f"vjp: {fname} returns a {kind[-1]}-D float array; its cotangent must be "
                                    f"one of the same shape, got {_describe(c)}")
            out.append(np.ascontiguousarray(arr, dtype=np.float64))
        else:
            if isinstance(c, (bool, np.bool_, np.ndarray)) or not np.isscalar(c) or \
                    not np.isrealobj(c):
                raise ArgumentError(f"vjp: the cotangent of a float output must be a real number, got "
                                    f"{_describe(c)}")
            out.append(float(c))
    return tuple(out)


def _describe(v) -> str:
    if isinstance(v, np.ndarray):
        return f"an array of shape {v.shape} and dtype {v.dtype}"
    return type(v).__name__
