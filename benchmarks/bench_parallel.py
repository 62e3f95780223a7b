"""The cpu target's parallel mode against the serial one (docs/performance.md,
"Parallel mode"): the gradients of programs of benchmarks/user_programs/ at
their benchmark sizes, serial, and parallel on 1 thread and on every thread
Numba has (numba.set_num_threads), in one process, best of several rounds
taken in turns (benchmarks/timing.py).  Each parallel gradient is first
checked against the serial one (to rounding: sums are added in another order).

    python benchmarks/bench_parallel.py [--only NAME ...] [--repeat 20] [--quick]
"""

from __future__ import annotations

import argparse
import inspect
import os
import sys

import numba
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import nsadc  # noqa: E402
from benchmarks.timing import interleaved  # noqa: E402
from benchmarks.user_programs import CASES  # noqa: E402

PROGRAMS = ["svm_hinge", "lasso", "l1_regression", "quantile_regression", "mlp_loss", "mlp3_loss", "softmax_xent",
            "kmeans_loss", "chained_lq", "chained_cb3"]


def _flat(g) -> np.ndarray:
    parts = g if isinstance(g, tuple) else (g,)
    return np.concatenate([np.ravel(p) for p in parts])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", default=PROGRAMS)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--quick", action="store_true", help="the corpus's quick sizes")
    a = ap.parse_args(argv)
    threads = numba.get_num_threads()
    print(f"best of {a.repeat}, numba {numba.__version__}, {threads} threads "
          f"(threading layer {numba.config.THREADING_LAYER})")
    print("| program | size | parallel loops in grad | serial ms | parallel, 1 thread ms | parallel, "
          f"{threads} threads ms | serial / parallel ({threads} threads) |")
    print("|---|---|---|---|---|---|---|")
    for name in a.only:
        case = CASES[name]
        size = case.quick if a.quick else case.size
        args = case.args(size)
        serial = nsadc.differentiate(case.fn, wrt=list(case.wrt))
        par = nsadc.differentiate(case.fn, wrt=list(case.wrt), parallel=True)
        want, got = _flat(serial.grad(*args)), _flat(par.grad(*args))
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10 * np.max(np.abs(want)))
        kernels = next(iter(par._specs.values()))  # the compiled gradient's source: its parallel loops
        loops = inspect.getsource((kernels.grad or kernels.vjp).py_func).count("numba.prange(")

        # every thread, then one thread: changing the number of threads between the calls of a round
        # disturbed the threads' pool (a parallel call right after it took up to three times as long)
        best = interleaved({"serial": (serial.grad, args), "all": (par.grad, args)}, a.repeat)
        numba.set_num_threads(1)
        try:
            best["one"] = interleaved({"one": (par.grad, args)}, a.repeat)["one"]
        finally:
            numba.set_num_threads(threads)
        ms = {k: 1e3 * v for k, v in best.items()}
        print(f"| `{name}` | {case.size_label(size)} | {loops} | {ms['serial']:.2f} | {ms['one']:.2f} | "
              f"{ms['all']:.2f} | {ms['serial'] / ms['all']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
