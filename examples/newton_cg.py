"""Newton-CG on a smooth-plus-ReLU loss with nsadc's Hessian-vector products.

The loss of a one-layer ReLU model with a ridge term is piecewise smooth;
on each piece it has a Hessian, and ``hvp`` gives that Hessian's product with
a vector (reverse mode over forward mode, no Hessian formed).  SciPy's
Newton-CG takes it as ``hessp``.

    python examples/newton_cg.py
"""

import numpy as np
from scipy.optimize import minimize

import nsadc


@nsadc.differentiate(wrt="w")
def loss(w, X, y, lam):
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


def data(n: int = 400, d: int = 20, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w_true = rng.standard_normal(d)
    y = np.maximum(X @ w_true, 0.0) + 0.01 * rng.standard_normal(n)
    return X, y, w_true


def main(verbose: bool = True):
    X, y, w_true = data()
    lam = 1e-3
    w0 = np.full(X.shape[1], 0.1)
    calls = {"hvp": 0}

    def hessp(w, v, X, y, lam):
        calls["hvp"] += 1
        return loss.hvp((w, X, y, lam), (v,))

    result = minimize(loss, w0, args=(X, y, lam), jac=loss.grad, hessp=hessp, method="Newton-CG",
                      options={"xtol": 1e-12})
    g = loss.grad(result.x, X, y, lam)
    if verbose:
        print(f"Newton-CG: {result.nit} iterations, {calls['hvp']} Hessian-vector products")
        print(f"loss {result.fun:.6e}, |gradient| {np.linalg.norm(g):.2e}, "
              f"|w - w_true| {np.linalg.norm(result.x - w_true):.2e}")
    return result, g


if __name__ == "__main__":
    main()
