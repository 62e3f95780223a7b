"""Strips of four rows against rows one at a time, by the rows' length.

    python benchmarks/bench_strips.py

A hinge loss's gradient over the rows of X (n x d, 5·10^6 elements in all),
hand-written twice in the two shapes the strip-mining pass chooses between
(nsadc/passes/reduction_interchange.py, ROWS_AS_WRITTEN): each row's dot
product alone, or four rows' dot products interleaved.  Best of 15 calls,
the two interleaved in one process; prints the milliseconds and their ratio.
"""

import time

import numba
import numpy as np


@numba.njit(cache=True)
def rows(X, y, w, b):
    n, d = X.shape
    gw = np.zeros(d)
    gb = 0.0
    for i in range(n):
        m = b
        for j in range(d):
            m += X[i, j] * w[j]
        mb = -y[i] if 1.0 - y[i] * m > 0.0 else 0.0
        for j in range(d):
            gw[j] += X[i, j] * mb
        gb += mb
    return gw, gb


@numba.njit(cache=True)
def strips(X, y, w, b):
    n, d = X.shape
    gw = np.zeros(d)
    gb = 0.0
    for s in range(0, n - n % 4, 4):
        m0 = b
        m1 = b
        m2 = b
        m3 = b
        for j in range(d):
            m0 += X[s, j] * w[j]
            m1 += X[s + 1, j] * w[j]
            m2 += X[s + 2, j] * w[j]
            m3 += X[s + 3, j] * w[j]
        mb0 = -y[s] if 1.0 - y[s] * m0 > 0.0 else 0.0
        mb1 = -y[s + 1] if 1.0 - y[s + 1] * m1 > 0.0 else 0.0
        mb2 = -y[s + 2] if 1.0 - y[s + 2] * m2 > 0.0 else 0.0
        mb3 = -y[s + 3] if 1.0 - y[s + 3] * m3 > 0.0 else 0.0
        for j in range(d):
            gw[j] += X[s, j] * mb0 + X[s + 1, j] * mb1 + X[s + 2, j] * mb2 + X[s + 3, j] * mb3
        gb += mb0 + mb1 + mb2 + mb3
    return gw, gb


def best(f, args, rounds=15):
    f(*args)
    out = 1e9
    for _ in range(rounds):
        t0 = time.perf_counter()
        f(*args)
        out = min(out, time.perf_counter() - t0)
    return out * 1e3


def main():
    rng = np.random.default_rng(0)
    print("| d | rows ms | strips ms | strips / rows |\n|---|---|---|---|")
    for d in (8, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 250):
        n = 5_000_000 // d
        X = rng.standard_normal((n, d))
        y = np.sign(rng.standard_normal(n))
        w = rng.standard_normal(d) * 0.1
        a = (X, y, w, 0.1)
        r, s = best(rows, a), best(strips, a)
        print(f"| {d} | {r:.2f} | {s:.2f} | {s / r:.2f} |")


if __name__ == "__main__":
    main()
