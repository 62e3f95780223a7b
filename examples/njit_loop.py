"""An nsadc gradient called inside your own ``@numba.njit`` loop.

    python examples/njit_loop.py

``f.compiled(*example_args)`` returns the compiled kernels for the kinds of
those arguments (dtypes and ranks) as Numba dispatchers: ``.grad(*args, 1.0)``
gives the adjoints of the wrt arguments (a tuple, here of one array) without
computing the value, ``.vjp(*args, 1.0)`` the value and the adjoints. A
jitted function can call them like any other jitted function, so a whole
optimisation loop runs compiled, without a Python call per step.

The problem: least absolute deviations regression, ``mean |X w - y|``, robust
to the heavy-tailed (Cauchy) noise of the data, by subgradient descent with
diminishing steps.
"""

import time

import numba
import numpy as np

import nsadc


@nsadc.differentiate(wrt="w")
def lad(X, y, w):
    s = 0.0
    for i in range(X.shape[0]):
        r = -y[i]
        for j in range(X.shape[1]):
            r += X[i, j] * w[j]
        s += abs(r)
    return s / X.shape[0]


def make_descent(X, y, w0):
    """A jitted subgradient descent calling the kernel compiled for the kinds of
    ``(X, y, w0)``."""
    grad = lad.compiled(X, y, w0).grad

    @numba.njit
    def descend(X, y, w, steps, lr):
        for k in range(steps):
            (g,) = grad(X, y, w, 1.0)  # the adjoint of w
            w = w - lr / np.sqrt(k + 1.0) * g
        return w

    return descend


def main(steps: int = 5000, seed: int = 0):
    """``(w from the jitted loop, w from the same loop in Python, the true w)``."""
    rng = np.random.default_rng(seed)
    n, d = 200, 5
    X = rng.standard_normal((n, d))
    truth = np.arange(1.0, d + 1.0)
    y = X @ truth + 0.1 * rng.standard_cauchy(n)
    w0 = np.zeros(d)
    descend = make_descent(X, y, w0)
    descend(X, y, w0, 1, 0.5)  # compile the loop once
    start = time.perf_counter()
    w = descend(X, y, w0, steps, 0.5)
    jitted = time.perf_counter() - start
    start = time.perf_counter()
    w_py = w0
    for k in range(steps):  # the same descent, one Python call of f.grad per step
        w_py = w_py - 0.5 / np.sqrt(k + 1.0) * lad.grad(X, y, w_py)
    python = time.perf_counter() - start
    print("true w:   ", truth)
    print("LAD fit:  ", np.round(w, 3))
    print(f"{steps} steps: {jitted * 1e3:.1f} ms inside @njit, {python * 1e3:.1f} ms calling f.grad from "
          f"Python; the two agree to {np.abs(w - w_py).max():.1e}")
    return w, w_py, truth


if __name__ == "__main__":
    main()
