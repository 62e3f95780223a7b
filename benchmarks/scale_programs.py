"""Generated long programs for the compiler-scale benchmark and tests.

``straight_line(n)`` is the source of a function of four floats with ``n``
assignments and no loop; ``long_loop(n)`` is a function whose ``for`` loop
body has ``n`` assignments.  The statements mix arithmetic, ``math.exp`` /
``math.sin`` / ``math.tanh`` and the kinks ``abs``, ``max``, ``min``; every
value stays bounded (a kink's arguments are smooth bounded terms), so that
finite differences of the generated function are meaningful.  The same ``n``
and ``seed`` always give the same text."""

import random

PARAMS = ("x", "y", "z", "w")


def _statement(rng: random.Random, target: str, names: list[str]) -> str:
    """One assignment to ``target`` reading earlier ``names``.  Each statement
    maps values of magnitude <= 2 to a value of magnitude <= 2 and is
    1-Lipschitz in its arguments together, so neither values nor derivatives
    grow along the program."""
    a, b = rng.choice(names[-8:]), rng.choice(names)
    if len(names) < 2 * len(PARAMS):  # the first statements read every parameter
        a = names[len(names) - len(PARAMS)]
    c = round(rng.uniform(0.2, 0.6), 3)
    kind = rng.randrange(7)
    if kind == 0:
        return f"{target} = {c} * {a} + {round(1 - c, 3)} * {b}"
    if kind == 1:
        return f"{target} = {a} * {b} * 0.25"
    if kind == 2:
        return f"{target} = 0.6 * math.sin({a}) + 0.4 * {b}"
    if kind == 3:
        return f"{target} = 0.5 * math.exp(-{c} * {a} * {a}) - 0.5 * {b}"
    if kind == 4:
        return f"{target} = 0.5 * abs({a} - {c}) - 0.25 * {b}"
    if kind == 5:
        return f"{target} = 0.5 * max({a}, {c} * {b}) - 0.25 * {b}"
    return f"{target} = 0.5 * min(math.tanh({a}), {b}) + 0.25 * {a}"


def straight_line(n: int, seed: int = 0, name: str = "f") -> str:
    """``def name(x, y, z, w)``: ``n`` assignments to fresh names, then a return
    of a sum of the last ones."""
    rng = random.Random(seed)
    names = list(PARAMS)
    lines = ["import math", "", "", f"def {name}({', '.join(PARAMS)}):"]
    for i in range(n):
        t = f"t{i}"
        lines.append("    " + _statement(rng, t, names))
        names.append(t)
    lines.append(f"    return {' + '.join(names[-4:])}")
    return "\n".join(lines) + "\n"


def long_loop(n: int, seed: int = 0, name: str = "g") -> str:
    """``def name(x, y, z, w, m: int)``: a loop of ``m`` iterations whose body
    has ``n`` assignments; four loop-carried values (``x``, ``y``, ``z``, ``w``,
    each rebound at the end of the body), the body's other values fresh names
    (some of them read again by later statements of the same body)."""
    rng = random.Random(seed)
    lines = ["import math", "", "", f"def {name}({', '.join(PARAMS)}, m: int):", "    s = 0.0",
             "    for i in range(m):"]
    names = list(PARAMS)
    for i in range(n):
        t = f"t{i}"
        lines.append("        " + _statement(rng, t, names))
        names.append(t)
    for p, t in zip(PARAMS, names[-4:]):
        lines.append(f"        {p} = 0.5 * {p} + 0.25 * {t}")
    lines.append(f"        s += {names[-1]}")
    lines.append(f"    return s + {' + '.join(PARAMS)}")
    return "\n".join(lines) + "\n"
