"""Two nonsmooth test problems of Lukšan & Vlček (2000), MAXQ and Chained LQ,
solved by the subgradient method with Polyak's step, using Clarke mode.

    python examples/luksan_vlcek.py

Both are convex with a known optimal value f*, so Polyak's step
``x <- x - (f(x) - f*) / ||g||² · g`` applies; it converges for any
``g`` in the Clarke generalized gradient ∂f(x) (here the convex
subdifferential). ``f.clarke_grad`` returns such an element at every point,
kinks included (lexicographic derivatives: about n + 1 primal evaluations).
``f.grad`` would be cheaper, but at a kink its conservative value need not lie
in ∂f (``relu(x) - relu(-x)`` gives 0 at 0), and the method's guarantee would
be lost.

* MAXQ: ``f(x) = max_i x_i²``, start ``x_i = i`` for ``i <= n/2`` and
  ``-i`` after, f* = 0 at x = 0.
* Chained LQ: ``f(x) = Σ_i max(-x_i - x_{i+1}, -x_i - x_{i+1} + x_i² + x_{i+1}² - 1)``,
  start ``x_i = -0.5``, f* = -(n - 1)·√2.
"""

import math

import numpy as np

import nsadc


@nsadc.differentiate
def maxq(x):
    m = x[0] * x[0]
    for i in range(1, x.shape[0]):
        m = max(m, x[i] * x[i])
    return m


@nsadc.differentiate
def chained_lq(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        a = -x[i] - x[i + 1]
        s += max(a, a + x[i] * x[i] + x[i + 1] * x[i + 1] - 1.0)
    return s


def polyak(f, x, f_star, iterations, tol=1e-10, every=0, name=""):
    """Subgradient descent with Polyak's step; ``(best x, best f - f*, iterations run)``."""
    best_x, best = x, f(x) - f_star
    for k in range(iterations):
        gap = f(x) - f_star
        if gap < best:
            best_x, best = x, gap
        g = f.clarke_grad(x)
        gg = float(g @ g)
        if every and k % every == 0:
            print(f"{name:>10} {k:5d}  f - f* = {gap:.3e}  |g| = {math.sqrt(gg):.3e}")
        if gap <= tol or gg == 0.0:
            break
        x = x - gap / gg * g
    return best_x, best, k + 1


def main(n: int = 20, iterations: int = 3000, every: int = 250):
    """``{"maxq": (x, f - f*), "chained_lq": (x, f - f*)}``"""
    out = {}
    x0 = np.array([i + 1.0 if i < n // 2 else -(i + 1.0) for i in range(n)])
    x, gap, k = polyak(maxq, x0, 0.0, iterations, every=every, name="MAXQ")
    print(f"MAXQ (n = {n}): f - f* = {gap:.2e} after {k} iterations, max |x_i| = {np.abs(x).max():.1e}")
    out["maxq"] = (x, gap)
    x, gap, k = polyak(chained_lq, np.full(n, -0.5), -(n - 1) * math.sqrt(2.0), iterations, tol=1e-8,
                       every=every, name="ChainedLQ")
    print(f"Chained LQ (n = {n}): f - f* = {gap:.2e} after {k} iterations")
    out["chained_lq"] = (x, gap)
    return out


if __name__ == "__main__":
    main()
