"""Scalar benchmarks: compiled gradient / compiled primal, and nsadc / hand-written.

    python benchmarks/bench_scalar.py [--n 1000000] [--repeat 15]

All timings are taken in one process, best of ``repeat`` rounds after warm-up
(the calls take turns each round: benchmarks/timing.py); the
ratios are what docs/performance.md reports."""

from __future__ import annotations

import argparse
import os
import platform
import sys

import numba
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import nsadc  # noqa: E402
import scalar_programs as P  # noqa: E402
from hand_written import HAND_WRITTEN  # noqa: E402
from timing import interleaved  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=15)
    a = ap.parse_args(argv)
    cases = {
        "nonsmooth_sum": (P.nonsmooth_sum, (0.37, 0.21)),
        "tent_recurrence": (P.tent_recurrence, (0.31, 0.9)),
        "branchy": (P.branchy, (0.37, 0.21)),
    }
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, numba {numba.__version__}, "
          f"numpy {np.__version__}, n = {a.n}")
    print(f"{'program':18s} {'primal ms':>10s} {'nsadc grad ms':>14s} {'hand grad ms':>13s} "
          f"{'grad/primal':>12s} {'nsadc/hand':>11s} {'report/grad':>12s} {'clarke/primal':>14s}")
    for name, (fn, args) in cases.items():
        primal = numba.njit(fn)
        d = nsadc.differentiate(fn)
        vjp = d.compiled(*args, a.n).vjp
        hand = HAND_WRITTEN[name]
        # check before timing: same value, same gradient
        v, g = vjp(*args, a.n, 1.0)
        hv, *hg = hand(*args, a.n)
        assert abs(v - hv) <= 1e-9 * max(1.0, abs(hv)), (name, v, hv)
        assert np.allclose(g, hg, rtol=1e-9, atol=1e-9), (name, g, hg)
        kern = d.compiled(*args, a.n)
        hits = np.zeros(max(1, len(kern.sites)), np.int64)
        _, gl = kern.ld(*args, a.n, 1.0, 0.0, 0.0, 1.0)
        assert np.allclose(gl, g, rtol=1e-9, atol=1e-9), (name, gl, g)
        t = interleaved({"primal": (primal, (*args, a.n)), "grad": (vjp, (*args, a.n, 1.0)),
                         "hand": (hand, (*args, a.n)), "report": (kern.vjp_report, (*args, a.n, 1.0, hits)),
                         "clarke": (kern.ld, (*args, a.n, 1.0, 0.0, 0.0, 1.0))}, a.repeat)
        tp, tg, th, tr, tl = t["primal"], t["grad"], t["hand"], t["report"], t["clarke"]
        print(f"{name:18s} {tp * 1e3:10.2f} {tg * 1e3:14.2f} {th * 1e3:13.2f} {tg / tp:12.2f} {tg / th:11.2f} "
              f"{tr / tg:12.2f} {tl / tp:14.2f}")


if __name__ == "__main__":
    main()
