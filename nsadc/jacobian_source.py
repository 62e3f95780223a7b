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
    taken = {*params, "np", f"{name}_jvp", f"{name}_vjp"}

    def local(base: str) -> str:
        """A driver's own name, kept apart from the parameters (a parameter may be called e or value)."""
        while base in taken:
            base += "_"
        taken.add(base)
        return base

    e, value, dot, adjoints, ignored = local("e"), local("value"), local("dot"), local("adjoints"), local("_")
    dots = {w: local(f"{w}_dot") for w in wrt}
    units = {w: local(f"{w}_unit") for w in wrt}
    cots = [local(f"cot_{o}") for o in range(len(outputs))]
    cot_units = [local(f"cot_{o}_unit") for o in range(len(outputs))]
    blocks = {(o, w): local(f"J_{o}_{w}") for o in range(len(outputs)) for w in wrt}
    outs = [f"{value}[{o}]" if many else value for o in range(len(outputs))]
    tangents = [dots[w] for w in wrt]
    call_jvp = f"{name}_jvp({args}, {', '.join(tangents)})"

    def zero_tangents(lines: list[str]) -> None:
        for w in wrt:
            if is_array(types[w]):
                lines += [f"    {dots[w]} = np.zeros_like({w})", f"    {units[w]} = {dots[w]}.reshape(-1)"]
            else:
                lines.append(f"    {dots[w]} = 0.0")

    def block(o: int, w: str) -> str:
        return blocks[o, w]

    # ---- forward: one jvp per entry of each wrt argument
    fwd = [f"def {name}_jacfwd({args}):",
           f'    """The Jacobian of {name} by forward mode: its value, and one (output entries, argument '
           'entries) block per output and wrt argument."""']
    zero_tangents(fwd)
    fwd.append(f"    {value}, {ignored} = {call_jvp}")
    for o, kind in enumerate(outputs):
        for w in wrt:
            fwd.append(f"    {block(o, w)} = np.empty(({_entries(outs[o], kind)}, {_entries(w, types[w])}))")
    for w in wrt:
        array = is_array(types[w])
        fwd.append(f"    for {e} in range({_entries(w, types[w])}):")
        fwd.append(f"        {units[w]}[{e}] = 1.0" if array else f"        {dots[w]} = 1.0")
        fwd.append(f"        {ignored}, {dot} = {call_jvp}")
        fwd.append(f"        {units[w]}[{e}] = 0.0" if array else f"        {dots[w]} = 0.0")
        for o, kind in enumerate(outputs):
            d = f"{dot}[{o}]" if many else dot
            fwd.append(f"        {block(o, w)}[:, {e}] = {d}.ravel()" if is_array(kind)
                       else f"        {block(o, w)}[0, {e}] = {d}")
    fwd.append(f"    return {value}, ({', '.join(block(o, w) for o in range(len(outputs)) for w in wrt)},)")

    # ---- reverse: one vjp per entry of each output
    call_vjp = f"{name}_vjp({args}, {', '.join(cots)})"
    rev = [f"def {name}_jacrev({args}):",
           f'    """The Jacobian of {name} by reverse mode: its value, and one (output entries, argument '
           'entries) block per output and wrt argument."""']
    zero_tangents(rev)
    rev.append(f"    {value}, {ignored} = {call_jvp}  # the outputs' shapes, the arguments left as they are")
    for o, kind in enumerate(outputs):
        if is_array(kind):
            rev += [f"    {cots[o]} = np.zeros_like({outs[o]})", f"    {cot_units[o]} = {cots[o]}.reshape(-1)"]
        else:
            rev.append(f"    {cots[o]} = 0.0")
        for w in wrt:
            rev.append(f"    {block(o, w)} = np.empty(({_entries(outs[o], kind)}, {_entries(w, types[w])}))")
    for o, kind in enumerate(outputs):
        array = is_array(kind)
        rev.append(f"    for {e} in range({_entries(outs[o], kind)}):")
        rev.append(f"        {cot_units[o]}[{e}] = 1.0" if array else f"        {cots[o]} = 1.0")
        rev.append(f"        {ignored}, {adjoints} = {call_vjp}")
        rev.append(f"        {cot_units[o]}[{e}] = 0.0" if array else f"        {cots[o]} = 0.0")
        for k, w in enumerate(wrt):
            rev.append(f"        {block(o, w)}[{e}, :] = {adjoints}[{k}].ravel()" if is_array(types[w])
                       else f"        {block(o, w)}[{e}, 0] = {adjoints}[{k}]")
    rev.append(f"    return {value}, ({', '.join(block(o, w) for o in range(len(outputs)) for w in wrt)},)")
    return deco + "\n".join(fwd) + "\n\n\n" + deco + "\n".join(rev) + "\n"
