import math


def ncr2_4(x1, x2, x3, x4):
    """Nesterov-Chebyshev-Rosenbrock 2, n = 4 (PROBLEMS.md): minimum 0 at (1, 1, 1, 1)."""
    return 0.25 * abs(x1 - 1.0) + abs(x2 - 2.0 * abs(x1) + 1.0) + abs(x3 - 2.0 * abs(x2) + 1.0) \
        + abs(x4 - 2.0 * abs(x3) + 1.0)
