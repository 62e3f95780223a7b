"""Sweeps that update an array in place, one element an iteration, reading
the rest of it (Gauss-Seidel, successive over-relaxation), and look-alikes."""

import numpy as np


def gauss_seidel(A, b, sweeps):
    """Dense Gauss-Seidel for A x - |x| = b: each step reads every other x[j]."""
    n = b.shape[0]
    x = np.zeros(n)
    for it in range(sweeps):
        for i in range(n):
            s = b[i] + abs(x[i])
            for j in range(n):
                if j != i:
                    s -= A[i, j] * x[j]
            x[i] = s / A[i, i]
    out = 0.0
    for i in range(n):
        out += x[i] * x[i]
    return out


def gauss_seidel_until(A, b, sweeps, tol):
    """The same, stopping (break) once a sweep changes x by less than tol."""
    n = b.shape[0]
    x = np.zeros(n)
    for it in range(sweeps):
        change = 0.0
        for i in range(n):
            s = b[i]
            for j in range(n):
                if j != i:
                    s -= A[i, j] * x[j]
            new = s / A[i, i]
            change = max(change, abs(new - x[i]))
            x[i] = new
        if change < tol:
            break
    return np.sum(x * x)


def projected_sor(A, b, omega, sweeps):
    """Successive over-relaxation projected onto x >= 0 (an obstacle problem)."""
    n = b.shape[0]
    x = np.zeros(n)
    for it in range(sweeps):
        for i in range(n):
            r = b[i]
            for j in range(n):
                r -= A[i, j] * x[j]
            x[i] = max(0.0, x[i] + omega * r / A[i, i])
    return np.sum(x * b)


IN_PLACE = [gauss_seidel, gauss_seidel_until, projected_sor]
