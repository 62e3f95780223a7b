"""Random programs (the generator of test_random_programs) made vector-valued
and second order: Jacobians by forward, reverse and Clarke mode, and
Hessian-vector products, checked against central differences at generic points.

Each random scalar program ``f(x, y, n)`` is wrapped as

    def g(x, y, n: int):
        a = f(x, y, n)
        b = f(y, 0.5 * x, n)
        out = np.empty(2)
        out[0] = a
        out[1] = a * b
        return out, b

(an array and a float: every vector-output path), and ``hvp`` of ``f`` itself
is compared with central differences of its gradient where the gradient is
smooth near the point (the same genericity test, applied to each of its
components).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, note, settings

import nsadc
from tests.test_random_programs import (SETTINGS, _generic_points, counts, generic_gradient, load, points,
                                        programs, render_python)

WRAPPER = '''

def g(x, y, n: int):
    a = f(x, y, n)
    b = f(y, 0.5 * x, n)
    out = np.empty(2)
    out[0] = a
    out[1] = a * b
    return out, b
'''


def _component(g, k):
    def fk(x, y, n):
        out, b = g(x, y, n)
        return float(out[k]) if k < 2 else b
    return fk


@settings(max_examples=20, **SETTINGS)
@given(programs(), points, counts)
def test_random_vector_program_jacobians(body, pts, n):
    source = render_python(body) + WRAPPER
    note(source)
    g = load(source).__globals__["g"]
    rows = [_component(g, k) for k in range(3)]
    cases = []
    for x, y in pts:
        expected = [generic_gradient(r, (x, y, n)) for r in rows]
        if all(e is not None for e in expected):
            cases.append(((x, y, n), np.array(expected)))
    if not cases:
        return
    d = nsadc.differentiate(g, wrt=["x", "y"], target="python")
    for args, expected in cases:
        note(f"at {args!r}: central differences {expected.tolist()!r}")
        for method in ("jacfwd", "jacrev", "clarke_jacobian"):
            (jo_x, jo_y), (jb_x, jb_y) = getattr(d, method)(*args)
            got = np.array([[jo_x[0], jo_y[0]], [jo_x[1], jo_y[1]], [jb_x, jb_y]])
            np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6, err_msg=method)
        value, (out_dot, b_dot) = d.jvp(args, (0.7, -1.3))
        np.testing.assert_allclose(out_dot, expected[:2] @ [0.7, -1.3], rtol=1e-4, atol=3e-6)
        value, adj = d.vjp(args, (np.array([1.0, -2.0]), 0.5))
        np.testing.assert_allclose(adj, [1.0, -2.0, 0.5] @ expected, rtol=1e-4, atol=3e-6)


@settings(max_examples=20, **SETTINGS)
@given(programs(), points, counts)
def test_random_program_hvp(body, pts, n):
    source = render_python(body)
    note(source)
    f = load(source)
    d = nsadc.differentiate(f, target="python")
    for args, _ in _generic_points(f, pts, n):
        grads = [lambda x, y, n, k=k: d.grad(x, y, n)[k] for k in range(2)]
        hessian = [generic_gradient(gk, args) for gk in grads]
        if any(h is None for h in hessian):
            continue  # the gradient has a kink near the point
        hessian = np.array(hessian)
        note(f"at {args!r}: differences of the gradient {hessian.tolist()!r}")
        np.testing.assert_allclose(d.hvp(args, (0.7, -1.3)), hessian @ [0.7, -1.3], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(np.array(d.hessian(*args)), hessian, rtol=1e-4, atol=1e-5)
