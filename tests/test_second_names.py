"""A second name for an array (``h = X``) that the code binds anew
(``h = np.maximum(0.0, h @ W1)``): as in Python, the name takes the new
value and the first array keeps its values, in straight-line code (where
the first name stands for the array until then) and in loops and branches
(where the second name holds a copy: nothing writes through either name),
and an array a loop's iteration makes fresh, fills and hands over (``X =
Xn``), which a copy stands for.
Values and gradients against NumPy and central differences."""

import numpy as np
import pytest

from helpers import check_program_gradient


def doubled(x):
    y = x
    y = y * 2.0
    return np.sum(y * y)


def tail(x):
    h = x
    h = h[2:]
    return np.sum(h * h)


def pairs(x):
    h = x
    h = h[::2] * h[1::2]
    return np.sum(np.abs(h[:2] - h[2:]))


def mlp(X, W1, W2):
    h = X
    h = np.maximum(0.0, h @ W1)
    h = h @ W2
    return np.sum(h ** 2)


def both_used(x):
    z = x * 1.0
    h = z
    h = h * 2.0
    return np.sum(h * h) + np.sum(z)


def centred(x):
    y = x
    y = y - y.mean()
    return np.sum(y * y) + x[0]


def residual_layers(X, W):
    h = X
    for k in range(3):
        h = np.tanh(h @ W)
    return np.sum(h * h) + np.sum(X)


def halved_steps(x):
    y = x
    s = 0.0
    for i in range(3):
        y = y * 0.5
        s += np.sum(np.abs(y))
    return s + np.sum(x)


def doubled_if_positive(x):
    y = x
    if x[0] > 0:
        y = y * 2.0
    return np.sum(y * y) + np.sum(x)


def brusselator(X0, Y0, a, b):
    """Each step fills fresh arrays, then hands them over (X = Xn): no write
    through either name can reach the other, so the hand-over is a copy."""
    n = X0.shape[0]
    X = X0.copy()
    Y = Y0.copy()
    for t in range(4):
        Xn = np.zeros(n)
        Yn = np.zeros(n)
        for i in range(n):
            lap = -2.0 * X[i] + X[max(i - 1, 0)] + X[min(i + 1, n - 1)]
            r = a - (b + 1.0) * X[i] + X[i] * X[i] * Y[i]
            Xn[i] = X[i] + 0.05 * (r + 0.1 * lap)
            Yn[i] = Y[i] + 0.05 * (b * X[i] - X[i] * X[i] * Y[i])
        X = Xn
        Y = Yn
    return float(np.dot(X, Y))


def diffused_copy(C0, k):
    C = C0.copy()
    for t in range(3):
        for i in range(C.shape[0]):
            C[i] = C[i] * (1.0 - 0.1 * k) + 0.05 * abs(C[i])
        Cn = C.copy()
        for i in range(1, C.shape[0] - 1):
            Cn[i] = C[i] + 0.2 * (C[i - 1] - 2.0 * C[i] + C[i + 1])
        C = Cn
    return float(np.sum(C * C))


RNG = np.random.default_rng(6)
CASES = [(doubled, (RNG.normal(size=3),)),
         (tail, (RNG.normal(size=5),)),
         (pairs, (RNG.normal(size=8),)),
         (mlp, (RNG.normal(size=(3, 2)), RNG.normal(size=(2, 2)), RNG.normal(size=(2, 1)))),
         (both_used, (RNG.normal(size=3),)),
         (centred, (RNG.normal(size=4),)),
         (residual_layers, (RNG.normal(size=(3, 2)), RNG.normal(size=(2, 2)))),
         (halved_steps, (RNG.normal(size=3),)),
         (doubled_if_positive, (np.abs(RNG.normal(size=3)),)),
         (brusselator, (1.0 + 0.2 * RNG.normal(size=5), 2.0 + 0.2 * RNG.normal(size=5), 1.0, 2.5)),
         (diffused_copy, (RNG.normal(size=6), 0.7))]
IDS = [c[0].__name__ for c in CASES]


@pytest.mark.parametrize("fn, args", CASES, ids=IDS)
def test_second_names_bound_anew(fn, args):
    check_program_gradient(fn, args, "python")


@pytest.mark.slow
@pytest.mark.parametrize("fn, args", CASES, ids=IDS)
def test_second_names_bound_anew_compiled(fn, args):
    check_program_gradient(fn, args, "cpu")


# ---------------------------------------------------------------- reshape and ravel are views


def reshaped_read(w, X):
    W = w.reshape(3, 2)
    return np.sum(np.abs(X @ W))


def reshaped_written(w, X):
    W = w.reshape(3, 2)
    W -= 0.1
    return np.sum(np.abs(X @ W)) + np.sum(w)


def raveled_written(X):
    v = X.ravel()
    v *= 2.0
    return np.sum(X * X)


def flattened_written(X):
    v = X.flatten()  # a copy in NumPy: writing it leaves X alone
    v *= 2.0
    return np.sum(X * X) + np.sum(v)


def test_a_reshape_read_only_is_a_copy_and_a_flatten_always():
    check_program_gradient(reshaped_read, (RNG.normal(size=6), RNG.normal(size=(4, 3))), "python")
    check_program_gradient(flattened_written, (RNG.normal(size=(2, 3)),), "python")


@pytest.mark.parametrize("fn, args", [(reshaped_written, (np.ones(6), np.ones((4, 3)))),
                                      (raveled_written, (np.ones((2, 3)),))])
def test_a_reshape_or_ravel_written_through_is_refused_as_a_view(fn, args):
    import nsadc
    with pytest.raises(nsadc.NsadcError, match="would make . a view of") as e:
        nsadc.differentiate(fn, target="python").grad(*args)
    assert "test_second_names.py:" in str(e.value) and ".copy()" in str(e.value)


# ---------------------------------------------------------------- literal windows, module constants

WEIGHTS = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def moving_average_error(p):
    w = 3
    c = np.cumsum(p)
    ma = (c[w:] - c[:-w]) / w
    return float(np.sum((p[w:] - ma) ** 2))


def weighted_by_a_module_table(A):
    return np.sum(np.abs(A * WEIGHTS))


def periodic_advection(c):
    """Arrays of a literal size (n = 8) copied and allocated in a loop."""
    n = 8
    u = np.zeros(n)
    for i in range(n):
        u[i] = np.exp(-((i - 3.0) ** 2))
    for t in range(4):
        un = u.copy()
        for i in range(n):
            ip = (i + 1) % n
            im = (i - 1) % n
            un[i] = u[i] - 0.5 * c * (u[ip] - u[im]) + 0.5 * c * c * (u[ip] - 2.0 * u[i] + u[im])
        u = un
        flux = np.zeros(n)
        for i in range(n):
            flux[i] = max(u[i] - 0.2, 0.0)
        u = u - 0.1 * flux
    return float(np.sum(u * np.arange(n)))


def test_literal_windows_and_module_tables_in_whole_array_code():
    check_program_gradient(moving_average_error, (RNG.normal(size=9),), "python")
    check_program_gradient(periodic_advection, (0.4,), "python")
    check_program_gradient(weighted_by_a_module_table, (RNG.normal(size=(2, 3)),), "python")
