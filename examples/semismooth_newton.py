"""Semismooth Newton on a nonlinear complementarity problem.

Find x >= 0 with F(x) >= 0 and x_i F_i(x) = 0 for every i.  The natural
residual r(x) = min(x, F(x)) vanishes exactly at the solutions; it is
piecewise smooth, and Newton's method on it converges quadratically when each
step uses an element of its generalized Jacobian, which nsadc's Clarke mode
gives (``clarke_jacobian``), kinks included.

    python examples/semismooth_newton.py
"""

import math

import numpy as np

import nsadc


@nsadc.differentiate
def residual(x):
    """min(x, F(x)) for a tridiagonal, nonlinear F."""
    n = x.shape[0]
    r = np.empty(n)
    for i in range(n):
        left = x[i - 1] if i > 0 else 0.0
        right = x[i + 1] if i < n - 1 else 0.0
        F = 3.0 * x[i] * x[i] + 2.0 * x[i] - 0.5 * left - 0.5 * right + math.sin(x[i]) - 1.0 + 0.1 * i
        r[i] = min(x[i], F)
    return r


def solve(x0: np.ndarray, tol: float = 1e-13, max_steps: int = 30, verbose: bool = True):
    """Semismooth Newton, x <- x - t J^-1 r(x) with J an element of the
    generalized Jacobian, the step t halved until |r| decreases (far from the
    solution); near it every step is a full one, and the residual is squared."""
    x = x0.copy()
    history = []
    r = residual(x)
    for step in range(max_steps):
        norm = float(np.linalg.norm(r))
        history.append(norm)
        if verbose:
            print(f"step {step:2d}   |min(x, F(x))| = {norm:.3e}")
        if norm < tol:
            break
        direction = np.linalg.solve(residual.clarke_jacobian(x), r)
        t = 1.0
        while t > 1e-8:
            trial = residual(x - t * direction)
            if np.linalg.norm(trial) <= (1.0 - 1e-4 * t) * norm:
                break
            t *= 0.5
        x, r = x - t * direction, trial
    return x, history


def main(n: int = 12, verbose: bool = True):
    x, history = solve(np.full(n, 1.0), verbose=verbose)
    if verbose:
        active = np.count_nonzero(x == 0.0)
        print(f"solution: {active} of {n} components at the bound x_i = 0, the others with F_i(x) = 0")
    return x, history


if __name__ == "__main__":
    main()
