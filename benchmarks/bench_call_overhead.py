"""What a Python-level call costs on top of the compiled kernel, on small inputs
(an optimiser calling grad 10^5 times pays mostly for this).

For three programs (a hinge loss over rows, a scalar Rosenbrock-like chain, a
whole-array L1 residual) it times, in one process and taking turns:

* the compiled kernels called directly (``f.compiled(*args).grad``, the
  gradient alone, and ``.vjp``, value and gradient),
* ``f.grad(*args)`` and ``f.value_and_grad(*args)`` (the repeated call),
* the compiled primal,

and prints what the Python-level call adds, ``grad - kernel grad`` and
``value_and_grad - kernel vjp``, in microseconds.

    python benchmarks/bench_call_overhead.py [--repeat 20000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import nsadc  # noqa: E402
import call_overhead_programs as programs  # noqa: E402


def best_per_call(fn, n: int, rounds: int = 7) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return best * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20000)
    opts = ap.parse_args()
    rng = np.random.default_rng(0)
    cases = {
        "hinge rows (n=40, d=5)": (programs.hinge, (rng.normal(size=5), rng.normal(size=(40, 5)),
                                                    np.sign(rng.normal(size=40))), (0,)),
        "scalar chain (4 floats)": (programs.chain, (0.3, -0.2, 0.7, 1.1), None),
        "whole-array L1 (n=40)": (programs.l1_residual, (rng.normal(size=5), rng.normal(size=(40, 5)),
                                                        rng.normal(size=40)), (0,)),
    }
    print(f"{'program':26s} {'k.grad':>7s} {'grad':>7s} {'k.vjp':>7s} {'v&g':>7s} {'primal':>7s} "
          f"{'+grad':>6s} {'+v&g':>6s}  (microseconds)")
    for label, (fn, args, wrt) in cases.items():
        f = nsadc.differentiate(fn, wrt=wrt)
        f.grad(*args)
        k = f.compiled(*args)
        k.vjp(*args, 1.0)
        k.grad(*args, 1.0)
        raw_g = best_per_call(lambda: k.grad(*args, 1.0), opts.repeat)
        g = best_per_call(lambda: f.grad(*args), opts.repeat)
        raw_vjp = best_per_call(lambda: k.vjp(*args, 1.0), opts.repeat)
        vg = best_per_call(lambda: f.value_and_grad(*args), opts.repeat)
        p = best_per_call(lambda: k.primal(*args), opts.repeat)
        print(f"{label:26s} {raw_g:7.2f} {g:7.2f} {raw_vjp:7.2f} {vg:7.2f} {p:7.2f} {g - raw_g:6.2f} "
              f"{vg - raw_vjp:6.2f}")


if __name__ == "__main__":
    main()
