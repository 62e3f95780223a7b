"""Peak memory of one gradient call against one primal call, over the corpus.

    python -m benchmarks.user_programs.memory [--only NAME ...] [--quick]

Each (program, mode) runs in a fresh subprocess (``--child NAME MODE``), so
nothing compiled or cached for another mode is resident.  The child builds
the arguments, makes one warm-up call (compilation, cache loading), resets
Linux's peak-RSS mark (``echo 5 > /proc/self/clear_refs``), makes the
measured call and reads the peak back from ``VmHWM``: the bytes that call
added (its outputs, tapes and scratch arrays).  Children run with
``MALLOC_MMAP_THRESHOLD_=65536`` so that glibc maps each large array afresh
instead of reusing heap the warm-up freed.  Modes: ``primal`` (the program
under ``numba.njit``), ``nsadc`` (``d.compiled(*args).grad(*args, 1.0)``, the
kernel the timing table measures) and ``hand`` (the hand-written gradient).

The ratio is the issue's: peak with the inputs counted, (inputs + gradient's
added bytes) / (inputs + primal's added bytes); target at most 3.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numba
import numpy as np

from benchmarks.timing import peak_bytes_added
from benchmarks.user_programs import CASES


def child(name: str, mode: str, quick: bool) -> None:
    """Print, as JSON, the peak bytes one call of ``mode`` adds."""
    import nsadc

    case = CASES[name]
    args = case.args(case.quick if quick else case.size)
    if mode == "primal":
        call = numba.njit(case.fn)
    elif mode == "hand":
        call = case.hand
    else:
        kernel = nsadc.differentiate(case.fn, wrt=case.wrt).compiled(*args).grad
        args = (*args, 1.0)
        call = kernel
    call(*args)
    print(json.dumps({"extra": peak_bytes_added(call, args)}))


def measure(name: str, mode: str, quick: bool) -> int | None:
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536")
    cmd = [sys.executable, "-m", "benchmarks.user_programs.memory", "--child", name, mode]
    if quick:
        cmd.append("--quick")
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False,
                       cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    if p.returncode != 0:
        return None
    return json.loads(p.stdout.strip().splitlines()[-1])["extra"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", default=None)
    ap.add_argument("--quick", action="store_true", help="the quick sizes")
    ap.add_argument("--child", nargs=2, metavar=("NAME", "MODE"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child:
        child(*a.child, a.quick)
        return 0
    names = a.only or list(CASES)
    mb = 2.0 ** 20
    print("| program | inputs MB | primal +MB | nsadc grad +MB | hand +MB | nsadc peak / primal peak | "
          "hand peak / primal peak |")
    print("|---|---|---|---|---|---|---|")
    ratios = []
    for name in names:
        case = CASES[name]
        args = case.args(case.quick if a.quick else case.size)
        inputs = sum(x.nbytes for x in args if isinstance(x, np.ndarray))
        extra = {m: measure(name, m, a.quick) for m in ("primal", "nsadc", "hand")}
        if any(v is None for v in extra.values()):
            print(f"| {name} | {inputs / mb:.1f} | failed: {extra} |")
            continue
        base = inputs + extra["primal"]
        if base == 0:  # floats in, a float out, nothing allocated: no ratio to take
            cells = ["-", "-"]
        else:
            ratio = (inputs + extra["nsadc"]) / base
            ratios.append((ratio, name))
            cells = [f"{ratio:.2f}", f"{(inputs + extra['hand']) / base:.2f}"]
        print(f"| {name} | {inputs / mb:.1f} | {extra['primal'] / mb:.1f} | {extra['nsadc'] / mb:.1f} | "
              f"{extra['hand'] / mb:.1f} | {cells[0]} | {cells[1]} |", flush=True)
    if ratios:
        worst = max(ratios)
        print(f"\n- nsadc peak / primal peak: median {float(np.median([r for r, _ in ratios])):.2f}, worst "
              f"{worst[0]:.2f} ({worst[1]}); target <= 3; over 3: "
              f"{', '.join(n for r, n in sorted(ratios, reverse=True) if r > 3) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
