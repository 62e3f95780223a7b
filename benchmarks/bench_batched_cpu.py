"""The batched gradient on the cpu target: how well it uses every core.

    python benchmarks/bench_batched_cpu.py            # N = 2**20 points
    N=100000 python benchmarks/bench_batched_cpu.py

``f.batched(in_axes=...)`` on the cpu target runs a ``numba.njit(parallel=True)``
loop over the points.  In one process, the same batched call is timed with
numba's thread count set to 1 and then to every core; the figure of merit is
``(time on every core) / (time on one core / cores)``: 1.0 is a perfect
split.  Two programs: Nesterov's nonsmooth Chebyshev-Rosenbrock function
(n = 8, straight-line code) and a 32-step recurrence whose reverse sweep keeps
a tape.  Prints one JSON object.
"""

import json
import math
import os
import sys
import time

import numba
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import nsadc  # noqa: E402

N = int(os.environ.get("N", 1 << 20))


def ncr8(x1, x2, x3, x4, x5, x6, x7, x8):
    return (0.25 * (x1 - 1.0) ** 2 + abs(x2 - 2.0 * x1 * x1 + 1.0) + abs(x3 - 2.0 * x2 * x2 + 1.0)
            + abs(x4 - 2.0 * x3 * x3 + 1.0) + abs(x5 - 2.0 * x4 * x4 + 1.0) + abs(x6 - 2.0 * x5 * x5 + 1.0)
            + abs(x7 - 2.0 * x6 * x6 + 1.0) + abs(x8 - 2.0 * x7 * x7 + 1.0))


def tent(x, r, n: int):
    z = x
    s = 0.0
    for i in range(n):
        z = r * min(z, 1.0 - z) + 0.05 * math.sin(z)
        s += z
    return s


def best(fn, reps: int = 7) -> float:
    fn()
    out = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t0)
    return out


def split(name: str, call) -> dict:
    cores = numba.config.NUMBA_NUM_THREADS
    numba.set_num_threads(1)
    one = best(call)
    numba.set_num_threads(cores)
    every = best(call)
    return {f"{name}_one_core_ms": round(one * 1e3, 2), f"{name}_all_cores_ms": round(every * 1e3, 2),
            f"{name}_over_ideal": round(every / (one / cores), 2)}


def main() -> dict:
    rng = np.random.default_rng(0)
    report = {"points": N, "cores": numba.config.NUMBA_NUM_THREADS}
    x = [np.ascontiguousarray(c) for c in rng.uniform(-2.0, 2.0, (8, N))]
    b = nsadc.differentiate(ncr8, target="cpu").batched(in_axes=0)
    report.update(split("ncr8", lambda: b.grad(*x)))
    xs, rs = rng.uniform(0.05, 0.95, N), rng.uniform(1.2, 1.9, N)
    t = nsadc.differentiate(tent, target="cpu").batched(in_axes=(0, 0, None))
    report.update(split("tent32", lambda: t.grad(xs, rs, 32)))
    return report


if __name__ == "__main__":
    print(json.dumps(main(), indent=1))
