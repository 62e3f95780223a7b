"""SciPy's ``minimize`` with nsadc's gradient: ``jac=True`` and ``value_and_grad``.

    python examples/scipy_minimize.py

``f.value_and_grad(*args)`` returns ``(value, gradient)``, which is what
``minimize(fun, x0, jac=True)`` asks of ``fun``: one compiled call gives both.

* The chained Rosenbrock function (smooth): L-BFGS-B converges to (1, ..., 1).
* A LASSO, ``0.5·||Ax - b||²/n + lam·||x||₁``, nonsmooth wherever a
  coefficient is 0 (the conservative gradient takes ``abs'(0) = 0``, the
  min-norm selection). Quasi-Newton methods assume a smooth function; on this
  one BFGS still gets within about 1e-6 of the optimal value, with the
  coefficients off the support small but not exactly 0, and ends with "precision
  loss" (``success`` is False) because its line search cannot make progress at
  the kinks; L-BFGS-B stops earlier and reports convergence. The optimum used
  for the comparison is computed by proximal gradient (ISTA), which handles the
  kink exactly (as in examples/lasso.py).
"""

import numpy as np
from scipy.optimize import minimize

import nsadc


@nsadc.differentiate(wrt="x")
def rosenbrock(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


@nsadc.differentiate(wrt="x")
def lasso(A, b, x, lam):
    s = 0.0
    for i in range(A.shape[0]):
        r = -b[i]
        for j in range(A.shape[1]):
            r += A[i, j] * x[j]
        s += r * r
    penalty = 0.0
    for j in range(x.shape[0]):
        penalty += abs(x[j])
    return 0.5 * s / A.shape[0] + lam * penalty


def lasso_optimum(A, b, lam, steps=20000):
    """The LASSO's minimum by proximal gradient (ISTA), in plain NumPy."""
    n = A.shape[0]
    step = 1.0 / np.linalg.eigvalsh(A.T @ A / n).max()
    x = np.zeros(A.shape[1])
    for _ in range(steps):
        z = x - step * (A.T @ (A @ x - b) / n)
        x = np.sign(z) * np.maximum(np.abs(z) - step * lam, 0.0)  # soft thresholding
    return x, 0.5 * np.sum((A @ x - b) ** 2) / n + lam * np.abs(x).sum()


def main(n_rosenbrock: int = 10, seed: int = 0):
    """``{"rosenbrock": result, "lasso": {method: result}, "lasso_optimum": (x, f)}``
    with SciPy's ``OptimizeResult`` objects."""
    x0 = np.zeros(n_rosenbrock)
    x0[::2] = -1.2  # the classic start
    smooth = minimize(rosenbrock.value_and_grad, x0, jac=True, method="L-BFGS-B", options={"maxiter": 1000})
    print(f"Rosenbrock (n = {n_rosenbrock}), L-BFGS-B: {smooth.nit} iterations, f = {smooth.fun:.2e}, "
          f"max |x - 1| = {np.abs(smooth.x - 1.0).max():.1e} ({smooth.message})")

    rng = np.random.default_rng(seed)
    n, d, lam = 100, 12, 0.1
    truth = np.zeros(d)
    truth[:3] = (1.5, -2.0, 1.0)
    A = rng.standard_normal((n, d))
    b = A @ truth + 0.05 * rng.standard_normal(n)
    x_opt, f_opt = lasso_optimum(A, b, lam)
    results = {}
    for method in ("BFGS", "L-BFGS-B"):
        r = minimize(lambda x: lasso.value_and_grad(A, b, x, lam), np.zeros(d), jac=True, method=method)
        off = np.abs(r.x[3:]).max()
        print(f"LASSO, {method}: f - f* = {r.fun - f_opt:.1e}, largest coefficient off the support "
              f"{off:.1e} (ISTA: exactly 0), success = {r.success} ({r.message})")
        results[method] = r
    return {"rosenbrock": smooth, "lasso": results, "lasso_optimum": (x_opt, f_opt)}


if __name__ == "__main__":
    main()
