"""Jacobian drivers for the emitted module of a vector-valued function.

``f_jacfwd`` calls ``f_jvp`` once per scalar entry of the wrt arguments (unit
tangents), ``f_jacrev`` calls ``f_vjp`` once per scalar entry of the outputs
(unit cotangents), in compiled code: a Jacobian costs its passes, not a
Python-level call per pass.  Both return ``(value, blocks)`` with one 2-D block
``(output entries, argument entries)`` per output and wrt argument, outputs
first; the API reshapes each to ``out.shape + arg.shape``.  For ``f(W, x)``
returning one array ``y``, differentiated with respect to ``x``::

    def f_jacfwd(W, x):
        x_dot = np.zeros_like(x)
        x_unit = x_dot.reshape(-1)
        value, _ = f_jvp(W, x, x_dot)
        J_y_x = np.empty((value.size, x.size))
        for e in range(x.size):
            x_unit[e] = 1.0
            _, dot = f_jvp(W, x, x_dot)
            x_unit[e] = 0.0
            J_y_x[:, e] = dot.ravel()
        return value, (J_y_x,)
"""

from __future__ import annotations

from nsadc.rules.arrays import is_array


def _entries(name: str, kind: str) -> str:
    return f"{name}.size" if is_array(kind) else "1"


def jacobian_sources(name: str, params: list[str], types: dict[str, str], wrt: list[str],
                     outputs: list[str], jit: str | None) -> str:
    """The source of ``{name}_jacfwd`` and ``{name}_jacrev`` (module docstring).
    ``outputs`` are the output types; ``types`` the parameters' types."""
    deco = (jit + "\n") if jit else ""
    args = ", ".join(params)
    many = len(outputs) != 1
    outs = [f"value[{o}]" if many else "value" for o in range(len(outputs))]
    tangents = [f"{w}_dot" for w in wrt]
    call_jvp = f"{name}_jvp({args}, {', '.join(tangents)})"

    def zero_tangents(lines: list[str]) -> None:
        for w in wrt:
            if is_array(types[w]):
                lines += [f"    {w}_dot = np.zeros_like({w})", f"    {w}_unit = {w}_dot.reshape(-1)"]
            else:
                lines.append(f"    {w}_dot = 0.0")

    def block(o: int, w: str) -> str:
        return f"J_{o}_{w}"

    # ---- forward: one jvp per entry of each wrt argument
    fwd = [f"def {name}_jacfwd({args}):",
           f'    """The Jacobian of {name} by forward mode: its value, and one (output entries, argument '
           'entries) block per output and wrt argument."""']
    zero_tangents(fwd)
    fwd.append(f"    value, _ = {call_jvp}")
    for o, kind in enumerate(outputs):
        for w in wrt:
            fwd.append(f"    {block(o, w)} = np.empty(({_entries(outs[o], kind)}, {_entries(w, types[w])}))")
    for w in wrt:
        array = is_array(types[w])
        fwd.append(f"    for e in range({_entries(w, types[w])}):")
        fwd.append(f"        {w}_unit[e] = 1.0" if array else f"        {w}_dot = 1.0")
        fwd.append(f"        _, dot = {call_jvp}")
        fwd.append(f"        {w}_unit[e] = 0.0" if array else f"        {w}_dot = 0.0")
        for o, kind in enumerate(outputs):
            d = f"dot[{o}]" if many else "dot"
            fwd.append(f"        {block(o, w)}[:, e] = {d}.ravel()" if is_array(kind)
                       else f"        {block(o, w)}[0, e] = {d}")
    fwd.append(f"    return value, ({', '.join(block(o, w) for o in range(len(outputs)) for w in wrt)},)")

    # ---- reverse: one vjp per entry of each output
    cots = [f"cot_{o}" for o in range(len(outputs))]
    call_vjp = f"{name}_vjp({args}, {', '.join(cots)})"
    rev = [f"def {name}_jacrev({args}):",
           f'    """The Jacobian of {name} by reverse mode: its value, and one (output entries, argument '
           'entries) block per output and wrt argument."""']
    zero_tangents(rev)
    rev.append(f"    value, _ = {call_jvp}  # the outputs' shapes, the arguments left as they are")
    for o, kind in enumerate(outputs):
        if is_array(kind):
            rev += [f"    cot_{o} = np.zeros_like({outs[o]})", f"    cot_{o}_unit = cot_{o}.reshape(-1)"]
        else:
            rev.append(f"    cot_{o} = 0.0")
        for w in wrt:
            rev.append(f"    {block(o, w)} = np.empty(({_entries(outs[o], kind)}, {_entries(w, types[w])}))")
    for o, kind in enumerate(outputs):
        array = is_array(kind)
        rev.append(f"    for e in range({_entries(outs[o], kind)}):")
        rev.append(f"        cot_{o}_unit[e] = 1.0" if array else f"        cot_{o} = 1.0")
        rev.append(f"        _, adjoints = {call_vjp}")
        rev.append(f"        cot_{o}_unit[e] = 0.0" if array else f"        cot_{o} = 0.0")
        for k, w in enumerate(wrt):
            rev.append(f"        {block(o, w)}[e, :] = adjoints[{k}].ravel()" if is_array(types[w])
                       else f"        {block(o, w)}[e, 0] = adjoints[{k}]")
    rev.append(f"    return value, ({', '.join(block(o, w) for o in range(len(outputs)) for w in wrt)},)")
    return deco + "\n".join(fwd) + "\n\n\n" + deco + "\n".join(rev) + "\n"
