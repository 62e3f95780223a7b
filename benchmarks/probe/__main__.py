"""Probe corpus runner: correctness against central differences, cpu vs
python target, then speed of nsadc's raw gradient kernel against the njit
primal.

    python -m benchmarks.probe [--corpus {a,b,...,m}] [--only NAME ...] [--repeat R] [--source-over X]

``--corpus a`` (the default) runs ``programs.py``; each later letter runs the
corpus written after it, ``programs_<letter>.py`` (``--corpus i`` runs
``programs_i.py``).  Each corpus was written by someone who had not read
nsadc's source, in a style of its own.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import sys
import tempfile
import time
import traceback

import numpy as np


def as_tuple(g):
    return tuple(g) if isinstance(g, (tuple, list)) else (g,)


def fd_grad(f, args, params, wrt):
    """Central differences, step 1e-6 relative, every entry of every wrt argument."""
    out = []
    for name in wrt:
        i = params.index(name)
        a = args[i]
        if isinstance(a, np.ndarray):
            g = np.zeros(a.shape)
            for idx in np.ndindex(a.shape):
                h = 1e-6 * max(1.0, abs(a[idx]))
                ap = a.copy(); ap[idx] += h
                am = a.copy(); am[idx] -= h
                lp = list(args); lp[i] = ap
                lm = list(args); lm[i] = am
                g[idx] = (f(*lp) - f(*lm)) / (2 * h)
            out.append(g)
        else:
            h = 1e-6 * max(1.0, abs(a))
            lp = list(args); lp[i] = a + h
            lm = list(args); lm[i] = a - h
            out.append((f(*lp) - f(*lm)) / (2 * h))
    return out


def compare(got, want, wrt, rtol, atol, what):
    bad = []
    got = as_tuple(got)
    if len(got) != len(want):
        return [f"{what}: {len(got)} gradients, expected {len(want)}"]
    for name, g, w in zip(wrt, got, want):
        g = np.asarray(g, dtype=float); w = np.asarray(w, dtype=float)
        if g.shape != w.shape:
            bad.append(f"{what}: d/d{name} shape {g.shape}, expected {w.shape}")
            continue
        ok = np.abs(g - w) <= rtol * np.abs(w) + atol
        if not ok.all():
            idx = list(zip(*np.nonzero(~ok))) if g.ndim else [()]
            shown = ", ".join(f"[{','.join(map(str, ix))}] want {w[ix]:.9g} got {g[ix]:.9g}" for ix in idx[:8])
            bad.append(f"{what}: d/d{name}: {len(idx)}/{max(1, g.size)} entries differ: {shown}"
                       + (" ..." if len(idx) > 8 else ""))
    return bad


def correctness(name, prog, rng):
    import numba

    import nsadc
    params = list(inspect.signature(prog.fn).parameters)
    args = prog.args(prog.small, rng)
    wrt = list(prog.wrt)
    notes = []
    primal = numba.njit(prog.fn)
    f0 = prog.fn(*args)
    if not np.isclose(primal(*args), f0, rtol=1e-12, atol=1e-12):
        notes.append(f"njit primal {primal(*args)!r} vs python {f0!r}")
    fd = fd_grad(primal, args, params, wrt)
    gp = None
    for target in ("python", "cpu"):
        try:
            d = nsadc.differentiate(prog.fn, wrt=wrt, target=target)
            g = d.grad(*args)
        except Exception as e:  # noqa: BLE001
            kind = "REFUSED" if isinstance(e, nsadc.NsadcError) else "CRASH"
            notes.append(f"{target}: {kind}: {type(e).__name__}: {e}")
            if kind == "CRASH":
                notes.append(traceback.format_exc())
            continue
        if target == "python":
            gp = g
            notes += compare(g, fd, wrt, 1e-5, 1e-6, "python vs FD")
        else:
            notes += compare(g, fd, wrt, 1e-5, 1e-6, "cpu vs FD")
            if gp is not None:
                notes += compare(g, as_tuple(gp), wrt, 1e-10, 1e-14, "cpu vs python")
    return notes


def speed(name, prog, rng, repeat, peak):
    import numba

    import nsadc
    from benchmarks.timing import interleaved_stats, peak_bytes_added
    args = prog.args(prog.big, rng)
    row = {"name": name, "size": prog.big}
    primal = numba.njit(prog.fn)
    t0 = time.perf_counter()
    primal(*args)
    row["primal compile"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    d = nsadc.differentiate(prog.fn, wrt=list(prog.wrt), target="cpu")
    k = d.compiled(*args)
    kern = k.grad
    kern(*args, 1.0)
    row["compile"] = time.perf_counter() - t0
    t = interleaved_stats({"primal": (primal, args), "grad": (kern, (*args, 1.0))}, repeat)
    row["primal"], row["grad"] = t["primal"], t["grad"]
    if peak:
        row["mem primal"] = peak_bytes_added(primal, args)
        row["mem grad"] = peak_bytes_added(kern, (*args, 1.0))
    row["d"], row["args"] = d, args
    return row


def grad_source(d, args):
    d.compiled(*args)
    (spec,) = d._specs.values()
    try:
        return inspect.getsource(spec.grad.py_func)
    except Exception:  # noqa: BLE001
        return d.source("reverse", *args)


# corpus letter -> module under benchmarks/probe, in the order they were written
CORPORA = {"a": "programs", **{c: f"programs_{c}" for c in "bcdefghijklmn"}}


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.probe")
    ap.add_argument("--corpus", choices=tuple(CORPORA), default="a",
                    help=", ".join(f"{k}: benchmarks/probe/{v}.py" for k, v in CORPORA.items()))
    ap.add_argument("--only", nargs="+", metavar="NAME")
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--no-check", action="store_true")
    ap.add_argument("--no-mem", action="store_true")
    ap.add_argument("--source-over", type=float, default=3.0, help="print the grad source when grad/primal > X")
    ap.add_argument("--fresh-cache", action="store_true")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1], help="random points of the correctness check")
    a = ap.parse_args(argv)
    if a.fresh_cache:
        os.environ["NSADC_CACHE_DIR"] = tempfile.mkdtemp(prefix="nsadc-probe-cache-")
    PROGRAMS = importlib.import_module(f"benchmarks.probe.{CORPORA[a.corpus]}").PROGRAMS
    names = a.only or list(PROGRAMS)
    findings = {}
    if not a.no_check:
        print("== correctness (FD, cpu vs python)")
        for name in names:
            notes = []
            for seed in a.seeds:
                try:
                    got = correctness(name, PROGRAMS[name], np.random.default_rng(seed))
                except Exception as e:  # noqa: BLE001  (the primal or the FD reference failed)
                    got = [f"RUNNER: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"]
                notes += [f"seed {seed}: {n}" for n in got]
            print(f"{name:22s} {'ok' if not notes else 'PROBLEM'}")
            for n in notes:
                print("    " + n.replace("\n", "\n    "))
            findings[name] = notes
        sys.stdout.flush()
    if a.no_speed:
        return
    print("\n== speed (best / median ms, repeat %d)" % a.repeat)
    hdr = f"{'program':22s} {'size':>8s} {'primal ms':>16s} {'grad ms':>16s} {'grad/primal':>12s} {'compile s':>9s} {'mem grad/primal':>16s}"
    print(hdr)
    rows = []
    for name in names:
        try:
            r = speed(name, PROGRAMS[name], np.random.default_rng(2), a.repeat, not a.no_mem)
        except Exception as e:  # noqa: BLE001
            print(f"{name:22s} FAILED: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
            continue
        ratio = r["grad"][0] / r["primal"][0]
        r["ratio"] = ratio
        mem = ""
        if "mem grad" in r:
            mem = f"{r['mem grad'] / 1e6:.1f}/{r['mem primal'] / 1e6:.1f} MB"
        print(f"{name:22s} {r['size']:>8d} {r['primal'][0] * 1e3:7.3f} ({r['primal'][1] * 1e3:6.3f}) "
              f"{r['grad'][0] * 1e3:7.3f} ({r['grad'][1] * 1e3:6.3f}) {ratio:12.2f} {r['compile']:9.2f} {mem:>16s}")
        sys.stdout.flush()
        rows.append(r)
    slow = sorted((r for r in rows if r["ratio"] > a.source_over), key=lambda r: -r["ratio"])
    for r in slow:
        print(f"\n== emitted gradient of {r['name']} (grad/primal {r['ratio']:.2f})")
        print(grad_source(r["d"], r["args"]))


if __name__ == "__main__":
    main()
