"""Jacobians and Hessian-vector products: what they cost against the first-order calls.

    python benchmarks/bench_second_order.py [--repeat 20]

Ratios taken in one process (benchmarks/timing.py):

- hvp / grad for two scalar losses (target: at most 4);
- jacrev / (m x vjp) and jacfwd / (n x jvp) for vector maps (target: at most 1
  plus the assembly of the result);
- against JAX (jit of jacrev / jacfwd / forward-over-reverse hvp) where JAX is
  installed.
"""

from __future__ import annotations

import argparse
import math
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

import nsadc  # noqa: E402
from benchmarks.timing import interleaved  # noqa: E402


def relu_loss(w, X, y, lam):
    n = X.shape[0]
    d = X.shape[1]
    s = 0.0
    for i in range(n):
        z = 0.0
        for j in range(d):
            z += X[i, j] * w[j]
        r = max(z, 0.0) - y[i]
        s += r * r
    for j in range(d):
        s += lam * w[j] * w[j]
    return 0.5 * s / n


def chained_smooth(x):
    """A chained, smooth-plus-kink test problem: sum of exp, log and abs of neighbours."""
    n = x.shape[0]
    s = 0.0
    for i in range(n - 1):
        s += math.exp(0.1 * x[i] * x[i + 1]) + abs(x[i] - x[i + 1]) + math.log(1.0 + x[i] * x[i])
    return s


def relu_layer(W, b, x):
    m, n = W.shape
    y = np.empty(m)
    for i in range(m):
        s = b[i]
        for j in range(n):
            s += W[i, j] * x[j]
        y[i] = max(s, 0.0)
    return y


def min_map(x):
    n = x.shape[0]
    r = np.empty(n)
    for i in range(n):
        left = x[i - 1] if i > 0 else 0.0
        right = x[i + 1] if i < n - 1 else 0.0
        F = 3.0 * x[i] * x[i] + 2.0 * x[i] - 0.5 * left - 0.5 * right + math.sin(x[i]) - 1.0
        r[i] = min(x[i], F)
    return r


def second_order(repeat: int) -> list[tuple]:
    rng = np.random.default_rng(0)
    rows = []
    X, y, w = rng.standard_normal((20000, 20)), rng.standard_normal(20000), rng.standard_normal(20)
    f = nsadc.differentiate(relu_loss, wrt="w")
    v = rng.standard_normal(20)
    t = interleaved({"grad": (f.grad, (w, X, y, 0.1)), "hvp": (f.hvp, ((w, X, y, 0.1), (v,))),
                     "primal": (f, (w, X, y, 0.1))}, repeat)
    rows.append(("ReLU least squares (n = 20000, d = 20)", t["primal"], t["grad"], t["hvp"]))
    x = rng.standard_normal(200000)
    g = nsadc.differentiate(chained_smooth)
    v = rng.standard_normal(x.shape)
    t = interleaved({"grad": (g.grad, (x,)), "hvp": (g.hvp, ((x,), (v,))), "primal": (g, (x,))}, repeat)
    rows.append(("chained exp/log/abs (n = 200000)", t["primal"], t["grad"], t["hvp"]))
    return rows


def jacobians(repeat: int) -> list[tuple]:
    rng = np.random.default_rng(1)
    rows = []
    W, b, x = rng.standard_normal((100, 100)), rng.standard_normal(100), rng.standard_normal(100)
    f = nsadc.differentiate(relu_layer, wrt="x")
    cot, tan = np.ones(100), np.ones(100)
    t = interleaved({"jacrev": (f.jacrev, (W, b, x)), "jacfwd": (f.jacfwd, (W, b, x)),
                     "vjp": (f.vjp, ((W, b, x), cot)), "jvp": (f.jvp, ((W, b, x), (tan,)))}, repeat)
    rows.append(("ReLU layer 100 x 100, d/dx", 100, 100, t["jacrev"], t["vjp"], t["jacfwd"], t["jvp"]))
    x = rng.uniform(-1, 1, 300)
    g = nsadc.differentiate(min_map)
    cot, tan = np.ones(300), np.ones(300)
    t = interleaved({"jacrev": (g.jacrev, (x,)), "jacfwd": (g.jacfwd, (x,)), "vjp": (g.vjp, ((x,), cot)),
                     "jvp": (g.jvp, ((x,), (tan,)))}, repeat)
    rows.append(("min-map of a complementarity problem, n = 300", 300, 300, t["jacrev"], t["vjp"], t["jacfwd"],
                 t["jvp"]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print("| loss | primal ms | grad ms | hvp ms | hvp / grad |")
    print("|---|---|---|---|---|")
    for name, p, gr, h in second_order(args.repeat):
        print(f"| {name} | {p * 1e3:.3f} | {gr * 1e3:.3f} | {h * 1e3:.3f} | {h / gr:.2f} |")
    print()
    print("| map | m | n | jacrev ms | jacrev / (m x vjp) | jacfwd ms | jacfwd / (n x jvp) |")
    print("|---|---|---|---|---|---|---|")
    for name, m, n, jr, vj, jf, jv in jacobians(args.repeat):
        print(f"| {name} | {m} | {n} | {jr * 1e3:.2f} | {jr / (m * vj):.2f} | {jf * 1e3:.2f} | {jf / (n * jv):.2f} |")
    try:
        import jax  # noqa: F401
    except ImportError:
        print("\n(JAX is not installed: no comparison with jax.jacrev / jax.jacfwd / jax.hessian)")
        return
    print()
    print("| program | nsadc ms | JAX jit ms | nsadc / JAX |")
    print("|---|---|---|---|")
    for name, ours, theirs in against_jax(args.repeat):
        print(f"| {name} | {ours * 1e3:.3f} | {theirs * 1e3:.3f} | {ours / theirs:.2f} |")


def against_jax(repeat: int) -> list[tuple]:
    """The same programs written with jax.numpy, jit-compiled, on the same data."""
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)

    def relu_loss_jax(w, X, y, lam):
        r = jnp.maximum(X @ w, 0.0) - y
        return 0.5 * (jnp.sum(r * r) + lam * jnp.sum(w * w)) / X.shape[0]

    def chained_jax(x):
        a, b = x[:-1], x[1:]
        return jnp.sum(jnp.exp(0.1 * a * b) + jnp.abs(a - b) + jnp.log(1.0 + a * a))

    def relu_layer_jax(W, b, x):
        return jnp.maximum(W @ x + b, 0.0)

    def min_map_jax(x):
        left = jnp.concatenate([jnp.zeros(1), x[:-1]])
        right = jnp.concatenate([x[1:], jnp.zeros(1)])
        return jnp.minimum(x, 3.0 * x * x + 2.0 * x - 0.5 * left - 0.5 * right + jnp.sin(x) - 1.0)

    def hvp_of(fn):
        return jax.jit(lambda x, v, *rest: jax.jvp(lambda z: jax.grad(fn)(z, *rest), (x,), (v,))[1])

    rng = np.random.default_rng(0)
    out = []
    X, y, w = rng.standard_normal((20000, 20)), rng.standard_normal(20000), rng.standard_normal(20)
    v = rng.standard_normal(20)
    f = nsadc.differentiate(relu_loss, wrt="w")
    jh = hvp_of(relu_loss_jax)
    np.testing.assert_allclose(f.hvp((w, X, y, 0.1), v), jh(w, v, X, y, 0.1), rtol=1e-9)
    t = interleaved({"ours": (f.hvp, ((w, X, y, 0.1), (v,))),
                     "jax": (lambda *a: jh(*a).block_until_ready(), (w, v, X, y, 0.1))}, repeat)
    out.append(("hvp, ReLU least squares", t["ours"], t["jax"]))
    x = rng.standard_normal(200000)
    v = rng.standard_normal(x.shape)
    g = nsadc.differentiate(chained_smooth)
    jh = hvp_of(chained_jax)
    np.testing.assert_allclose(g.hvp((x,), v), jh(x, v), rtol=1e-9, atol=1e-9)
    t = interleaved({"ours": (g.hvp, ((x,), (v,))), "jax": (lambda *a: jh(*a).block_until_ready(), (x, v))},
                    repeat)
    out.append(("hvp, chained exp/log/abs", t["ours"], t["jax"]))
    W, b, x = rng.standard_normal((100, 100)), rng.standard_normal(100), rng.standard_normal(100)
    f = nsadc.differentiate(relu_layer, wrt="x")
    for mode, ours in (("jacrev", f.jacrev), ("jacfwd", f.jacfwd)):
        theirs = jax.jit(getattr(jax, mode)(relu_layer_jax, argnums=2))
        np.testing.assert_allclose(ours(W, b, x), theirs(W, b, x), atol=1e-12)
        t = interleaved({"ours": (ours, (W, b, x)),
                         "jax": (lambda *a, fn=theirs: fn(*a).block_until_ready(), (W, b, x))}, repeat)
        out.append((f"{mode}, ReLU layer 100 x 100", t["ours"], t["jax"]))
    x = rng.uniform(-1, 1, 300)
    g = nsadc.differentiate(min_map)
    for mode, ours in (("jacrev", g.jacrev), ("jacfwd", g.jacfwd)):
        theirs = jax.jit(getattr(jax, mode)(min_map_jax))
        np.testing.assert_allclose(ours(x), theirs(x), atol=1e-12)
        t = interleaved({"ours": (ours, (x,)), "jax": (lambda *a, fn=theirs: fn(*a).block_until_ready(), (x,))},
                        repeat)
        out.append((f"{mode}, min-map n = 300", t["ours"], t["jax"]))
    return out


if __name__ == "__main__":
    main()
