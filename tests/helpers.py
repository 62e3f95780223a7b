"""Shared checks: central finite differences and derivative comparison."""

from __future__ import annotations

import numpy as np


def central_difference(f, args, wrt_index: list[int], h: float = 1e-6) -> list[float]:
    out = []
    for i in wrt_index:
        a, b = list(args), list(args)
        step = h * max(1.0, abs(args[i]))
        a[i] += step
        b[i] -= step
        out.append((f(*a) - f(*b)) / (2 * step))
    return out


def as_tuple(g):
    return g if isinstance(g, tuple) else (g,)


def check_against_fd(d, fn, args, rtol=1e-5, atol=1e-6):
    """Reverse (grad), forward (jvp along each axis) and vjp agree with central
    differences of the plain Python function ``fn``."""
    idx = [list(d._params).index(w) for w in d.wrt]
    expected = central_difference(fn, args, idx)
    g = as_tuple(d.grad(*args))
    np.testing.assert_allclose(g, expected, rtol=rtol, atol=atol, err_msg="reverse vs FD")
    for k in range(len(idx)):
        tangent = [0.0] * len(idx)
        tangent[k] = 1.0
        value, dot = d.jvp(args, tangent)
        np.testing.assert_allclose(dot, expected[k], rtol=rtol, atol=atol, err_msg=f"forward[{k}] vs FD")
        np.testing.assert_allclose(value, fn(*args), rtol=1e-12, atol=1e-12)
    value, adj = d.vjp(args, 2.0)
    np.testing.assert_allclose(adj, [2 * e for e in expected], rtol=rtol, atol=2 * atol, err_msg="vjp")
    return g


def load_function(tmp_path, text: str, name: str):
    """Write ``text`` (with math and numpy imported) to a module of its own under
    ``tmp_path`` and return its function ``name``: nsadc reads source from files."""
    import importlib.util
    import textwrap

    path = tmp_path / f"{name}_mod.py"
    path.write_text("import math\nimport numpy as np\n\n" + textwrap.dedent(text))
    spec = importlib.util.spec_from_file_location(f"{name}_mod_{abs(hash(text))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)
