"""Programs that once got a wrong derivative or crashed, kept as regression
tests (tests/test_regressions.py).  Each ``CASES`` entry names a function of
this module and the arguments to check it at; the check compares ``grad``,
``jvp`` and ``vjp`` with central differences of the plain function."""

import math

import numpy as np

_rng = np.random.default_rng(7)
_X = _rng.normal(size=(6, 3)) * 2
_x = _rng.normal(size=5)


# --- a re-run of an iteration must write again the arrays its reads see ------------------

def pair_energy(X):
    """A temporary row rewritten for every pair (read by a dot product)."""
    s = 0.0
    for i in range(X.shape[0]):
        for j in range(i):
            d = X[i] - X[j]
            s += 1.0 / np.dot(d, d)
    return s


def pair_energy_carried(X):
    s = 0.0
    for i in range(X.shape[0]):
        for j in range(i):
            d = X[i] - X[j]
            s = 0.5 * s + 1.0 / (1.0 + np.dot(d, d))
    return s


def pair_distances_guarded(X):
    s = 0.0
    for i in range(X.shape[0]):
        for j in range(X.shape[0]):
            if i != j:
                d = X[i] - X[j]
                r = math.sqrt(np.dot(d, d))
                s += max(r, 0.5) * s * 0.01 + r
    return s


def products_buffer(X):
    s = 0.0
    d = np.zeros(X.shape[1])
    for i in range(X.shape[0]):
        for j in range(X.shape[0]):
            for k in range(X.shape[1]):
                d[k] = X[i, k] * X[j, k]
            for k in range(X.shape[1]):
                s += math.sin(d[k]) * d[k]
    return s


def store_read_store(x):
    s = 0.0
    d = np.zeros(2)
    for i in range(x.shape[0]):
        d[0] = x[i]
        s += d[0] * d[0]
        d[0] = math.sin(x[i])
        s += d[0] * s * 0.1
    return s


def while_scratch(x):
    s = 0.0
    t = np.zeros(3)
    for i in range(x.shape[0]):
        k = 0
        while k < 3:
            t[0] = x[i] * (k + 1)
            s += math.tanh(t[0]) * t[0]
            k += 1
    return s


def buffer_per_sweep(x):
    s = 0.0
    buf = np.zeros(x.shape[0])
    for t in range(3):
        for j in range(x.shape[0]):
            buf[j] = x[j] * (t + 1) + s * 0.1
        for j in range(x.shape[0]):
            s += buf[j] * buf[j] * 0.1
    return s


CASES = {
    "pair_energy": (_X,),
    "pair_energy_carried": (_X,),
    "pair_distances_guarded": (_X[:4],),
    "products_buffer": (_X[:4],),
    "store_read_store": (_x,),
    "while_scratch": (_x,),
    "buffer_per_sweep": (_x,),
}
