"""Loop nests over a 2-D or 3-D array that update it in place and read a row
(or column) a later iteration of the outer loop overwrites: the reverse sweep
re-reads it after that iteration ran, so the element must be put back first.
Beside them, nests whose row read an earlier iteration wrote (nothing to put
back), and deeper nests restoring rows and elements at several levels."""

import numpy as np


def smooth_towards_next_row(u0, a):
    u = u0.copy()
    m, n = u.shape
    for i in range(m - 1):
        for j in range(n):
            u[i, j] = a * u[i + 1, j]
    return u[1, 0] + np.sum(u[0] ** 2)


def square_of_next_row(u0):
    u = u0.copy()
    m, n = u.shape
    for i in range(m - 1):
        for j in range(n):
            u[i, j] = u[i + 1, j] ** 2
    return u[1, 0] + u[0, 1]


def next_column_by_columns(u0):
    u = u0.copy()
    m, n = u.shape
    for j in range(n - 1):
        for i in range(m):
            u[i, j] = u[i, j + 1] ** 2 + 0.5 * u[i, j]
    return u[0, 0] + u[1, 1] + u[2, 0]


def two_rows_ahead(u0):
    u = u0.copy()
    m, n = u.shape
    for i in range(m - 2):
        for j in range(n):
            u[i, j] = max(u[i + 2, j], 0.1) ** 2 + 0.5 * u[i, j]
    return u[0, 0] + u[1, 1]


def slices_ahead(u0):
    u = u0.copy()
    p, m, n = u.shape
    for k in range(p):
        for i in range(m - 1):
            for j in range(n):
                u[k, i, j] = u[k, i + 1, j] ** 2 + 0.5 * u[k, i, j]
    return u[0, 1, 0] + u[1, 0, 1]


def coupled_rows_ahead(u0, v0, a):
    u = u0.copy()
    v = v0.copy()
    m, n = u.shape
    for i in range(m - 1):
        for j in range(n):
            u[i, j] = a * u[i, j] + 0.3 * v[i + 1, j] ** 2
            v[i, j] = v[i, j] - 0.3 * abs(u[i + 1, j]) * u[i, j]
    return u[0, 0] + 2 * u[2, 1] + v[3, 2] * u[1, 0] + v[1, 1]


def accumulate_next_row(u0):
    u = u0.copy()
    m, n = u.shape
    for i in range(m - 1):
        for j in range(n):
            u[i, j] += u[i + 1, j] * u[i + 1, j]
    return u[0, 0] + u[1, 1] + u[2, 2]


def steps_between_neighbour_rows(u0, a, T):
    u = u0.copy()
    m, n = u.shape
    for t in range(T):
        for i in range(1, m - 1):
            for j in range(n):
                u[i, j] = u[i, j] + a * (u[i - 1, j] * u[i + 1, j]) - 0.1 * u[i, j]
    return u[0, 0] + u[1, 2] * u[2, 1] + u[2, 2]


def epochs_of_sweeps(u0, a, E, S):
    """Gauss-Seidel sweeps in epochs, each epoch copying the first interior row to the border."""
    u = u0.copy()
    m, n = u.shape
    c = 0.0
    for e in range(E):
        for s in range(S):
            for i in range(1, m - 1):
                for j in range(1, n - 1):
                    u[i, j] = a * (u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1])
                    c += max(u[i, j], 0.0)
        for j in range(n):
            u[0, j] = u[1, j]
    return c + u[0, 2]


# ----------------------------------------------------- nothing to put back


def previous_row_counting_down(u0):
    """Counting down, the row above was written by the iteration before."""
    u = u0.copy()
    m, n = u.shape
    for i in range(m - 2, -1, -1):
        for j in range(n):
            u[i, j] = 0.5 * u[i + 1, j] ** 2 + 0.2 * u[i, j]
    return u[0, 0] + u[1, 1] + u[2, 0]


def previous_row_counting_up(u0):
    u = u0.copy()
    m, n = u.shape
    for i in range(1, m):
        for j in range(n):
            u[i, j] = min(u[i - 1, j] ** 2, 2.0) + 0.5 * u[i, j]
    return u[3, 0] + u[2, 1]


def arguments(name: str):
    rng = np.random.default_rng(4)
    return {
        "smooth_towards_next_row": (rng.uniform(-1.0, 1.0, (4, 2)), 0.5),
        "square_of_next_row": (rng.uniform(-1.0, 1.0, (4, 2)),),
        "next_column_by_columns": (rng.uniform(-1.0, 1.0, (3, 4)),),
        "two_rows_ahead": (rng.uniform(-1.0, 1.0, (5, 2)),),
        "slices_ahead": (rng.uniform(-1.0, 1.0, (2, 4, 2)),),
        "coupled_rows_ahead": (rng.uniform(-1.0, 1.0, (4, 3)), rng.uniform(-1.0, 1.0, (4, 3)), 0.48),
        "accumulate_next_row": (rng.uniform(-1.0, 1.0, (4, 3)),),
        "steps_between_neighbour_rows": (rng.uniform(-1.0, 1.0, (4, 3)), 0.37, 3),
        "epochs_of_sweeps": (rng.uniform(-1.0, 1.0, (4, 4)), 0.24, 2, 2),
        "previous_row_counting_down": (rng.uniform(-1.0, 1.0, (4, 2)),),
        "previous_row_counting_up": (rng.uniform(-1.0, 1.0, (4, 2)),),
    }[name]


NAMES = ("smooth_towards_next_row", "square_of_next_row", "next_column_by_columns", "two_rows_ahead",
         "slices_ahead", "coupled_rows_ahead", "accumulate_next_row", "steps_between_neighbour_rows",
         "epochs_of_sweeps", "previous_row_counting_down", "previous_row_counting_up")
