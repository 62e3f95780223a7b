"""Loops over items that each loop inside, differentiated by tangents along
each iteration's inputs (nsadc/transforms/iteration_tangents.py) against the
same gradient reversed with tapes (the rule switched off), and against the
numba primal.  Each variant compiles in a process of its own, with a fresh
nsadc cache; the times are the best of several rounds.

    python benchmarks/bench_item_tangents.py [--n 200000] [--repeat 15]

The programs are written as users write them: Newton's method per element
(summed, and stored then a loss over the stored roots), Kepler's equation
per orbit with the eccentricity a parameter, explicit Euler steps per
particle, and paths stopped at a barrier.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def newton_sum(x, y, lam):
    s = 0.0
    for i in range(x.shape[0]):
        t = x[i] / (y[i] + 1.0)
        step = 1.0
        while abs(step) > 1e-13:
            f = t * t * t + y[i] * t - x[i]
            step = f / (3.0 * t * t + y[i])
            t = t - step
        s += (t - lam) ** 2
    return s


def newton_stored(x, y, lam):
    n = x.shape[0]
    roots = np.empty(n)
    for i in range(n):
        t = x[i] / (y[i] + 1.0)
        step = 1.0
        while abs(step) > 1e-13:
            f = t * t * t + y[i] * t - x[i]
            step = f / (3.0 * t * t + y[i])
            t = t - step
        roots[i] = t
    return np.sum((roots - lam) ** 2)


def kepler(x, y, lam):
    e = lam / (1.0 + lam)
    total = 0.0
    for k in range(len(x)):
        M = x[k]
        E = M
        for it in range(50):
            dE = (E - e * math.sin(E) - M) / (1.0 - e * math.cos(E))
            E -= dE
            if abs(dE) < 1e-12:
                break
        total += y[k] * math.cos(E)
    return total


def euler_particles(x, y, lam):
    s = 0.0
    for p in range(x.shape[0]):
        v = x[p]
        for k in range(40):
            v = v + 0.01 * (lam * v * (1.0 - v) - y[p] * v)
        s += v * v
    return s


def barrier_paths(x, y, lam):
    payoff = 0.0
    for p in range(x.shape[0]):
        v = x[p]
        k = 0
        while k < 30 and v < 3.0:
            v = v + lam * y[p] * 0.1 + 0.05 * math.sin(v + k)
            k += 1
        payoff += max(v - 1.0, 0.0) * math.exp(-0.01 * k)
    return payoff


PROGRAMS = [newton_sum, newton_stored, kepler, euler_particles, barrier_paths]


def _best(f, repeat: int) -> float:
    f()
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return 1e3 * best


def _variant(rule: bool, n: int, repeat: int) -> dict:
    """Times in this process: the primal and the gradient of each program."""
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import nsadc
    import nsadc.transforms.reverse_plan as plan
    if not rule:  # the iterations reversed with their tapes, as before the rule
        plan.iteration_seeds = lambda *args, **kwargs: None
        plan.item_outputs = lambda *args, **kwargs: None
    rng = np.random.default_rng(0)
    x, y, lam = rng.uniform(0.1, 1.5, n), rng.uniform(0.5, 2.0, n), 0.7
    out = {}
    for fn in PROGRAMS:
        d = nsadc.differentiate(fn)
        k = d.compiled(x, y, lam)
        by_tangents = "no tape" in d.source("reverse", x, y, lam)
        out[fn.__name__] = {"primal": _best(lambda: k.primal(x, y, lam), repeat),
                            "grad": _best(lambda: k.grad(x, y, lam, 1.0), repeat),
                            "by_tangents": by_tangents, "g": [float(np.sum(g)) for g in k.grad(x, y, lam, 1.0)]}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--variant", choices=["on", "off"], help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.variant:
        print(json.dumps(_variant(args.variant == "on", args.n, args.repeat)))
        return 0
    results = {}
    for variant in ("on", "off"):
        env = dict(os.environ, NSADC_CACHE_DIR=tempfile.mkdtemp(prefix="nsadc-bench-"))
        run = subprocess.run([sys.executable, __file__, "--variant", variant, "--n", str(args.n),
                              "--repeat", str(args.repeat)], env=env, capture_output=True, text=True, check=True)
        results[variant] = json.loads(run.stdout.strip().splitlines()[-1])
    print(f"<!-- python benchmarks/bench_item_tangents.py --n {args.n} --repeat {args.repeat} -->")
    print("| program | primal ms | by tangents ms | reversed ms | tangents / reversed | grad / primal |")
    print("|---|---|---|---|---|---|")
    for fn in PROGRAMS:
        on, off = results["on"][fn.__name__], results["off"][fn.__name__]
        assert on["by_tangents"] and not off["by_tangents"], fn.__name__
        assert np.allclose(on["g"], off["g"], rtol=1e-9), (fn.__name__, on["g"], off["g"])
        print(f"| {fn.__name__} | {on['primal']:.2f} | {on['grad']:.2f} | {off['grad']:.2f} | "
              f"{on['grad'] / off['grad']:.2f} | {on['grad'] / on['primal']:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
