"""The cpu target's parallel mode against the serial one (docs/performance.md,
"Parallel mode"): the gradient of programs of benchmarks/user_programs/ at
n = 10^6, serial, and parallel on 1 thread and on every thread Numba has
(numba.set_num_threads), in one process, best of several rounds taken in
turns (benchmarks/timing.py).  Each parallel gradient is checked against the
serial one (to rounding: the sums are added in another order) first.

    python benchmarks/bench_parallel.py [--n 1000000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import sys

import numba
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import nsadc  # noqa: E402
from benchmarks.timing import interleaved  # noqa: E402
from benchmarks.user_programs import chained  # noqa: E402

PROGRAMS = [chained.chained_lq, chained.chained_cb3, chained.chained_mifflin2]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=20)
    a = ap.parse_args(argv)
    threads = numba.get_num_threads()
    x = np.random.default_rng(0).standard_normal(a.n)
    print(f"n = {a.n}, best of {a.repeat}, numba {numba.__version__}, {threads} threads "
          f"(threading layer {numba.config.THREADING_LAYER})")
    print("| program | serial ms | parallel, 1 thread ms | parallel, "
          f"{threads} threads ms | serial / parallel ({threads} threads) |")
    print("|---|---|---|---|---|")
    for fn in PROGRAMS:
        serial = nsadc.grad(nsadc.differentiate(fn))
        par = nsadc.grad(nsadc.differentiate(fn, parallel=True))
        want, got = serial(x), par(x)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.max(np.abs(want)))

        def one_thread(x):
            numba.set_num_threads(1)
            try:
                return par(x)
            finally:
                numba.set_num_threads(threads)

        best = interleaved({"serial": (serial, (x,)), "one": (one_thread, (x,)), "all": (par, (x,))}, a.repeat)
        ms = {k: 1e3 * v for k, v in best.items()}
        print(f"| `{fn.__name__}` | {ms['serial']:.2f} | {ms['one']:.2f} | {ms['all']:.2f} | "
              f"{ms['serial'] / ms['all']:.2f} |")


if __name__ == "__main__":
    main()
