"""Time the corpus: nsadc's gradient against the numba primal, a hand-written
njit gradient and JAX, program by program.

    python -m benchmarks.user_programs [--quick] [--only NAME ...] [--repeat R] [--plot PNG] [--fresh-cache]

For each program (``benchmarks/user_programs``): the ``numba.njit`` primal, nsadc's
raw kernel ``d.compiled(*args).grad(*args, 1.0)`` (the gradient alone; the
ratios use it), its API ``d.grad(*args)``, the hand-written njit gradient and
``jax.jit(jax.grad(f, argnums=wrt))`` (float64, results blocked on). Before
timing, nsadc's gradients (kernel and API) and JAX's must agree with the
hand-written one (relative 1e-8 unless the case says otherwise; absolute the
same times the array's largest entry). A program nsadc refuses, gets wrong or
crashes on keeps its row, with the reason; the other columns still run.

Times: best of ``repeat`` rounds after a warm-up, the calls taking turns each
round (benchmarks/timing.py); each cell gives the best, then the median in
parentheses. "compile s": ``differentiate`` + ``compiled`` + the first call,
in a fresh nsadc cache with ``--fresh-cache`` (the default for full runs),
else whatever the cache holds. ``--quick``: smaller sizes, 3 rounds, the
default cache. ``--plot PNG``: time against n, log-log, for three chained
problems, one line per tool."""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import tempfile
import time

import numpy as np


def parse(argv):
    ap = argparse.ArgumentParser(prog="python -m benchmarks.user_programs", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, 3 rounds (about a minute with warm caches)")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="run these programs only")
    ap.add_argument("--repeat", type=int, default=None, help="timing rounds (default 10, --quick 3)")
    ap.add_argument("--plot", metavar="PNG", help="also write the scaling plot of three chained problems")
    ap.add_argument("--plot-only", action="store_true", help="skip the table (with --plot)")
    ap.add_argument("--fresh-cache", dest="fresh", action="store_true", default=None,
                    help="compile nsadc's derivatives in a fresh cache (default for full runs)")
    ap.add_argument("--warm-cache", dest="fresh", action="store_false", help="use nsadc's usual cache")
    ap.add_argument("--no-jax", action="store_true", help="leave JAX out")
    return ap.parse_args(argv)


def first_line(e):
    s = str(e).strip()
    return s.splitlines()[0] if s else type(e).__name__


def as_tuple(g):
    return tuple(g) if isinstance(g, (tuple, list)) else (g,)


def check(who, got, want, rtol):
    got, want = as_tuple(got), as_tuple(want)
    if len(got) != len(want):
        raise AssertionError(f"{who}: {len(got)} gradients, the hand-written one {len(want)}")
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        g, w = np.asarray(g, dtype=float), np.asarray(w, dtype=float)
        if g.shape != w.shape:
            raise AssertionError(f"{who}: gradient {i + 1} has shape {g.shape}, expected {w.shape}")
        scale = max(1.0, float(np.abs(w).max())) if w.size else 1.0
        if not np.allclose(g, w, rtol=rtol, atol=rtol * scale):
            raise AssertionError(f"{who}: gradient {i + 1} differs by up to {float(np.abs(g - w).max()):.3g}")


def load_jax():
    try:
        import jax
        import jax.numpy as jnp
    except ImportError as e:
        return None, f"JAX not importable ({e})"
    jax.config.update("jax_enable_x64", True)
    return (jax, jnp), None


def run_case(case, size, repeat, jx):
    import numba

    import nsadc
    from benchmarks.timing import interleaved_stats

    args = case.args(size)
    row = {"name": case.name, "size": case.size_label(size), "notes": []}
    hand = case.hand
    want = hand(*args)
    calls = {"hand": (hand, args)}
    primal = numba.njit(case.fn)
    try:
        primal(*args)
        calls["primal"] = (primal, args)
    except Exception as e:  # noqa: BLE001  (numba cannot compile it: the row says so)
        row["notes"].append(f"numba.njit fails on the primal: {type(e).__name__}")
    try:
        t0 = time.perf_counter()
        d = nsadc.differentiate(case.fn, wrt=list(case.wrt))
        kern = d.compiled(*args).grad
        g = kern(*args, 1.0)
        row["compile"] = time.perf_counter() - t0
        check("nsadc kernel", g, want, case.rtol)
        check("nsadc grad()", d.grad(*args), want, case.rtol)
        calls["nsadc"] = (kern, (*args, 1.0))
        calls["api"] = (d.grad, args)
    except nsadc.NsadcError as e:
        row["notes"].append(f"nsadc refuses: {first_line(e)}")
    except AssertionError as e:
        row["notes"].append(f"nsadc WRONG: {e}")
        row["failure"] = True
    except Exception as e:  # noqa: BLE001  (an nsadc crash: shown in the row, the others still run)
        row["notes"].append(f"nsadc CRASH: {type(e).__name__}: {first_line(e)}")
        row["failure"] = True
    if jx is not None:
        jax, jnp = jx
        static = case.static(args)
        jargs = tuple(a if p in static else jnp.asarray(a) for p, a in zip(case.params, args))
        try:
            f = case.jax_grad(jax, jnp, args)
            t0 = time.perf_counter()
            jg = jax.block_until_ready(f(*jargs))
            row["jax compile"] = time.perf_counter() - t0
            check("JAX", jg, want, case.jax_rtol)
            calls["jax"] = (lambda *a: jax.block_until_ready(f(*a)), jargs)
        except AssertionError as e:
            row["notes"].append(f"JAX disagrees: {e}")
        except Exception as e:  # noqa: BLE001
            row["notes"].append(f"JAX fails: {type(e).__name__}: {first_line(e)}")
    row["repeat"] = min(repeat, case.max_repeat)
    if row["repeat"] < repeat:
        row["notes"].append(f"best of {row['repeat']}")
    row["t"] = interleaved_stats(calls, row["repeat"])
    return row


def ms(t):
    if t is None:
        return "-"
    lo, med = t
    f = (lambda v: f"{v * 1e3:.3f}") if lo < 1e-3 else (lambda v: f"{v * 1e3:.2f}")
    return f"{f(lo)} ({f(med)})"


def ratio(a, b):
    return a[0] / b[0] if a is not None and b is not None else None


def fr(r):
    return f"{r:.2f}" if r is not None else "-"


def table(rows):
    head = ["program", "n", "primal ms", "nsadc ms", "nsadc grad() ms", "hand ms", "JAX ms", "nsadc/hand",
            "grad/primal", "nsadc/JAX", "compile s"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        t = r["t"]
        g, p, h, j = t.get("nsadc"), t.get("primal"), t["hand"], t.get("jax")
        cells = [r["name"], r["size"], ms(p), ms(g), ms(t.get("api")), ms(h), ms(j), fr(ratio(g, h)),
                 fr(ratio(g, p)), fr(ratio(g, j)), f"{r['compile']:.2f}" if "compile" in r else "-"]
        if r["notes"]:
            cells[0] += " (" + "; ".join(r["notes"]) + ")"
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def summary(rows):
    def stat(key):
        vals = [(ratio(r["t"].get("nsadc"), r["t"].get(key)), r["name"]) for r in rows]
        vals = [(v, n) for v, n in vals if v is not None]
        if not vals:
            return "-"
        worst = max(vals)
        return f"median {statistics.median(v for v, _ in vals):.2f}, worst {worst[0]:.2f} ({worst[1]})"

    timed = [r for r in rows if "nsadc" in r["t"]]
    with_jax = [r for r in timed if "jax" in r["t"]]
    faster = [r["name"] for r in with_jax if r["t"]["nsadc"][0] < r["t"]["jax"][0]]
    slower = [r["name"] for r in with_jax if r["t"]["nsadc"][0] >= r["t"]["jax"][0]]
    missing = [r["name"] for r in rows if "nsadc" not in r["t"]]
    lines = [f"- nsadc/hand: {stat('hand')} (targets: median <= 1.15, worst <= 1.5)",
             f"- grad/primal: {stat('primal')} (targets: median <= 2.5, worst <= 4)",
             f"- faster than JAX jit(grad): {len(faster)} of {len(with_jax)} (target: all)"
             + (f"; slower on {', '.join(slower)}" if slower else ""),
             f"- programs timed: {len(timed)} of {len(rows)}" + (f"; not timed: {', '.join(missing)}" if missing
                                                                 else "")]
    return "\n".join(lines)


def header(a, repeat, fresh):
    import numba

    import nsadc

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        import jax
        jv = f", JAX {jax.__version__} (CPU, float64)"
    except ImportError:
        jv = ""
    cmd = "python -m benchmarks.user_programs " + " ".join(sys.argv[1:])
    return (f"<!-- {cmd.strip()} ; {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC ; {cpu}, "
            f"{os.cpu_count()} cores ; Python {platform.python_version()}, numba {numba.__version__}, "
            f"numpy {np.__version__}{jv} ; nsadc from {os.path.dirname(nsadc.__file__)} ; best of {repeat} "
            f"(median) ; {'fresh' if fresh else 'warm'} nsadc cache -->")


def plot(path, jx, repeat):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numba

    import nsadc
    from benchmarks.user_programs import CASES
    from benchmarks.timing import interleaved_stats

    names = ["chained_lq", "chained_cb3", "chained_mifflin2"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True)
    styles = {"primal": ("k", "o", "numba primal"), "nsadc": ("C0", "s", "nsadc grad"),
              "hand": ("C2", "^", "hand-written grad"), "jax": ("C3", "v", "JAX jit(grad)")}
    for ax, name in zip(axes, names, strict=True):
        case = CASES[name]
        primal = numba.njit(case.fn)
        d = nsadc.differentiate(case.fn, wrt=list(case.wrt))
        series = {k: [] for k in styles}
        for n in case.scaling:
            args = case.args(n)
            kern = d.compiled(*args).grad
            calls = {"primal": (primal, args), "nsadc": (kern, (*args, 1.0)), "hand": (case.hand, args)}
            if jx is not None:
                jax, jnp = jx
                f = case.jax_grad(jax, jnp, args)
                calls["jax"] = (lambda *a, f=f: jax.block_until_ready(f(*a)), tuple(jnp.asarray(a) for a in args))
            t = interleaved_stats(calls, repeat)
            for k in series:
                series[k].append(t[k][0] if k in t else np.nan)
            print(f"  {name} n={n}: " + ", ".join(f"{k} {v[0] * 1e3:.3f} ms" for k, v in t.items()), flush=True)
        for k, (c, m, label) in styles.items():
            if not all(np.isnan(series[k])):
                ax.loglog(case.scaling, series[k], color=c, marker=m, label=label)
        ax.set_title(case.what)
        ax.set_xlabel("n")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("seconds (best of %d)" % repeat)
    axes[0].legend()
    fig.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")


def main(argv=None):
    a = parse(argv)
    repeat = a.repeat or (3 if a.quick else 10)
    fresh = a.fresh if a.fresh is not None else not a.quick
    if fresh:
        os.environ["NSADC_CACHE_DIR"] = tempfile.mkdtemp(prefix="nsadc-corpus-cache-")
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
    from benchmarks.user_programs import CASES

    names = a.only or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        sys.exit(f"unknown program(s): {', '.join(unknown)}; choose from {', '.join(CASES)}")
    jx, why = (None, "--no-jax") if a.no_jax else load_jax()
    print(header(a, repeat, fresh))
    if why:
        print(f"<!-- JAX left out: {why} -->")
    rows = []
    failed = False
    if not a.plot_only:
        for name in names:
            case = CASES[name]
            size = case.quick if a.quick else case.size
            print(f"  {name} ...", file=sys.stderr, flush=True)
            row = run_case(case, size, repeat, jx)
            failed |= row.get("failure", False)
            rows.append(row)
        print(table(rows))
        print()
        print(summary(rows))
    if a.plot:
        plot(a.plot, jx, repeat)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
