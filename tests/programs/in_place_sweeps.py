"""Sweeps that update an array in place, one element an iteration, reading
the rest of it (Gauss-Seidel, successive over-relaxation), and look-alikes."""

import math

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


def damped_cycles(A, b, damping):
    """Gauss-Seidel sweeps inside cycles that damp the iterate: the sweep loop
    sits inside another loop, and each of its iterations rewrites all of x."""
    n = b.shape[0]
    x = np.zeros(n)
    for cycle in range(2):
        for sweep in range(2):
            for i in range(n):
                s = b[i]
                for j in range(n):
                    if j != i:
                        s -= A[i, j] * x[j]
                x[i] = max(s / A[i, i], -1.0)
        for i in range(n):
            x[i] = damping * x[i]
    return np.sum(x * x)


def squash_until(x0, thr):
    """An update in place that stops (break) at the first large element."""
    x = x0.copy()
    for i in range(x.shape[0]):
        x[i] = math.tanh(x[i] + 0.3 * x[0])
        if x[i] > thr:
            break
    return np.sum(x * x)


def squash_return(x0, thr):
    """The same, returning from inside the loop."""
    x = x0.copy()
    for i in range(x.shape[0]):
        x[i] = math.tanh(x[i] + 0.3 * x[0])
        if x[i] > thr:
            return x[i] + np.sum(x)
    return np.sum(x * x)


def squash_rounds(x0, thr):
    """Rounds of the stopping update, in another loop."""
    x = x0.copy()
    for t in range(3):
        for i in range(x.shape[0]):
            x[i] = math.tanh(x[i] + 0.3 * x[-1])
            if x[i] > thr:
                break
    return np.sum(x * x)


def predator_prey(p, q, a):
    """Two states updated in place, cell by cell, each step reading both."""
    u = p.copy()
    v = q.copy()
    for t in range(4):
        for i in range(u.shape[0]):
            du = a * u[i] - u[i] * v[i]
            dv = u[i] * v[i] - 0.5 * v[i]
            u[i] = math.tanh(u[i] + 0.1 * du)
            v[i] = max(math.tanh(v[i] + 0.1 * dv), -0.5)
    return np.sum(u) + 2.0 * np.sum(v * v)


def three_species(a0, b0, c0, k):
    """Three states; each update reads the others' new values."""
    a = a0.copy()
    b = b0.copy()
    c = c0.copy()
    for t in range(3):
        for i in range(a.shape[0]):
            old = a[i]
            a[i] = math.tanh(a[i] + k * b[i])
            b[i] = math.tanh(b[i] - k * c[i] + 0.1 * old)
            if c[i] < 0.5:
                c[i] = math.tanh(c[i] + k * a[i] * b[i])
    return np.sum(a) + 2.0 * np.sum(b) + 3.0 * np.sum(c * c)


IN_PLACE = [gauss_seidel, gauss_seidel_until, projected_sor, damped_cycles, squash_until, squash_return,
            squash_rounds, predator_prey, three_species]


def lu_energy(A0):
    """LU without pivoting in place: each step of the middle loop rewrites one
    row of a matrix it reads; that loop keeps the row's elements, not the
    whole matrix, before each step."""
    n = A0.shape[0]
    A = A0.copy()
    for k in range(n):
        for i in range(k + 1, n):
            A[i, k] = A[i, k] / A[k, k]
            for j in range(k + 1, n):
                A[i, j] -= A[i, k] * A[k, j]
    return np.sum(A * A)
