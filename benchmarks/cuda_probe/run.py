"""On a machine with a CUDA GPU: does nsadc's emitted derivative code (standalone, math
and numpy only) compile as a numba-cuda device function, agree with the same
code njit-compiled on the CPU, and how fast does it run against its primal?

A probe written before the cuda target (docs/cuda.md), kept for its figures
(docs/performance.md), not a test: prepare.sh emits the modules (the GPU
machine needs neither nsadc nor libcst) and says how to run it.  Writes
gpu_probe.json into $OUT (default: the current directory).  Each case's vjp becomes ``cuda.jit(device=True)``,
called once per point by a kernel (one thread a point, 256 a block); the
CPU reference is the same module's vjp under njit on 2000 of the points.
``NUMBA_ENABLE_CUDASIM=1`` runs it on the simulator (slowly: shrink the
sizes)."""
import importlib
import json
import math
import os
import sys
import time
import traceback

import numpy as np
from numba import cuda, njit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(HERE, "emitted"), HERE, os.path.dirname(HERE)]
OUT = os.environ.get("OUT", ".")
try:
    report = {"device": str(cuda.get_current_device().name)}
except AttributeError:  # the simulator
    report = {"device": "simulator"}

CASES = [  # (name, primal module, float args, takes n, points, n)
    ("ncr2_4", "problems", 4, False, 1 << 24, None),
    ("nonsmooth_sum", "scalar_programs", 2, True, 1 << 20, 100),
    ("branchy", "scalar_programs", 2, True, 1 << 20, 100),
    ("tent_recurrence", "scalar_programs", 2, True, 1 << 20, 100),
]


def kernel(call, nf, has_n, outputs):
    params = ", ".join(f"a{i}" for i in range(nf)) + (", n" if has_n else "")
    args = ", ".join(f"a{i}[t]" for i in range(nf)) + (", n" if has_n else "")
    src = f"""
@cuda.jit
def k(out_v, out_g, {params}):
    t = cuda.grid(1)
    if t < out_v.size:
{outputs(args)}
"""
    ns = {"cuda": cuda, "dev": call}
    exec(src, ns)
    return ns["k"]


def timed(fn, reps=10):
    best = 1e9
    for _ in range(reps):
        cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return best


for name, pmod, nf, has_n, N, n in CASES:
    r = report[name] = {"points": N, "n": n}
    try:
        mod = importlib.import_module(f"{name}_d")
        primal = getattr(importlib.import_module(pmod), name)
        vjp = getattr(mod, f"{name}_vjp")
        rng = np.random.default_rng(0)
        xs = [rng.uniform(-2.0, 2.0, N) for _ in range(nf)]
        extra = (n,) if has_n else ()
        dxs = [cuda.to_device(x) for x in xs]
        out_v = cuda.device_array(N)
        out_g = cuda.device_array((nf, N))
        t0 = time.perf_counter()
        dev = cuda.jit(device=True)(vjp)
        gk = kernel(dev, nf, has_n, lambda a: f"        v, g = dev({a}, 1.0)\n        out_v[t] = v\n"
                    + "".join(f"        out_g[{i}, t] = g[{i}]\n" for i in range(nf)))
        pdev = cuda.jit(device=True)(primal)
        pk = kernel(pdev, nf, has_n, lambda a: f"        out_v[t] = dev({a})\n")
        threads = 256
        blocks = (N + threads - 1) // threads
        gk[blocks, threads](out_v, out_g, *dxs, *extra)
        cuda.synchronize()
        r["first_call_s"] = round(time.perf_counter() - t0, 3)
        v, g = out_v.copy_to_host(), out_g.copy_to_host()
        cpu = njit(vjp)
        m = 2000
        ref = [cpu(*[x[i] for x in xs], *extra, 1.0) for i in range(m)]
        rv = np.array([a[0] for a in ref])
        rg = np.array([a[1] for a in ref]).T
        r["max_rel_err_value"] = float(np.max(np.abs(v[:m] - rv) / np.maximum(1.0, np.abs(rv))))
        r["max_rel_err_grad"] = float(np.max(np.abs(g[:, :m] - rg) / np.maximum(1.0, np.abs(rg))))
        r["grad_equal_bits_fraction"] = float(np.mean(g[:, :m] == rg))
        out_p = cuda.device_array(N)
        pk[blocks, threads](out_p, out_g, *dxs, *extra)
        cuda.synchronize()
        r["primal_matches_value"] = bool(np.allclose(out_p.copy_to_host()[:m], rv, rtol=1e-12, atol=1e-12))
        tg = timed(lambda: gk[blocks, threads](out_v, out_g, *dxs, *extra))
        tp = timed(lambda: pk[blocks, threads](out_p, out_g, *dxs, *extra))
        r.update(grad_ms=round(tg * 1e3, 3), primal_ms=round(tp * 1e3, 3), grad_over_primal=round(tg / tp, 2),
                 grad_points_per_s=f"{N / tg:.3g}")
        if name == "ncr2_4":  # forward mode too
            jdev = cuda.jit(device=True)(getattr(mod, f"{name}_jvp"))
            jk = kernel(jdev, nf, False, lambda a: f"        v, d = dev({a}, 1.0, 1.0, 1.0, 1.0)\n        out_v[t] = d\n")
            jk[blocks, threads](out_v, out_g, *dxs)
            cuda.synchronize()
            r["jvp_equals_sum_of_vjp"] = bool(np.allclose(out_v.copy_to_host()[:m], rg.sum(axis=0), rtol=1e-12))
            r["jvp_ms"] = round(timed(lambda: jk[blocks, threads](out_v, out_g, *dxs)) * 1e3, 3)
    except Exception as e:  # noqa: BLE001  (record what does not compile, go on)
        r["error"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:400]
        r["trace_tail"] = traceback.format_exc().splitlines()[-3:]
    print(name, json.dumps(r), flush=True)

with open(os.path.join(OUT, "gpu_probe.json"), "w") as fh:
    json.dump(report, fh, indent=1)
