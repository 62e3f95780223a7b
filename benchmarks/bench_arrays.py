"""Array benchmarks: nsadc's gradient against the numba primal, a hand-written
njit gradient and JAX.

    python benchmarks/bench_arrays.py [--quick] [--n F] [--only NAME] [--repeat R] [--memory] [--all-args]
                                      [--vectorized]

Programs are in array_programs.py (loops), or with ``--vectorized`` in
vectorized_programs.py (the same functions in whole-array NumPy; the primal
column is then numba's njit of that NumPy code), the peers in
hand_written_arrays.py. Data are random with random signs, from a fixed seed.

Every gradient is taken with respect to the model parameters only (``WRT``:
the weights and biases; the signal for max_pool_1d, x for l1_regression), as a
user training a model asks for it: ``nsadc.differentiate(fn, wrt=WRT[name])``,
a hand-written gradient that computes nothing for the data, and
``jax.value_and_grad(f, argnums=<the positions of WRT[name]>)``. With
``--all-args`` all three differentiate with respect to every float and
float-array argument instead (nsadc's default ``wrt``): data and
hyperparameters too, so each gradient also builds adjoints as large as the
data.

Time: in one process, best of ``repeat`` rounds after a warm-up call (the
calls take turns each round: benchmarks/timing.py), for the
``numba.njit`` primal, nsadc's raw compiled kernel
(``d.compiled(*args).vjp(*args, 1.0)``) and its API
(``d.value_and_grad(*args)``), the hand-written gradient, and
``jax.jit(jax.value_and_grad(...))`` when JAX imports (results blocked on).
The ratios use the raw kernel. Before timing, nsadc's value and gradients
(kernel and API) and JAX's must agree with the hand-written ones (relative
1e-8; absolute 1e-12 times the array's largest entry, for entries that cancel
to near zero). With ``--all-args`` every gradient returns fresh arrays as
large as the inputs, so its time includes the page faults of first touching
them, which the primal does not pay (about 20 ms of the hand-written SVM
gradient's 40 ms on a 2-core x86 VM). A program nsadc refuses (``NsadcError``)
gets the message in its row; a wrong result or a crash inside nsadc is shown
the same way and makes the exit status 1; the other columns and programs still
run.

Memory (--memory): each (program, mode) runs in a fresh subprocess
(``--child NAME MODE``, with ``--all-args`` passed on), so nothing compiled or
cached for another mode is resident. The child builds the data, makes one warm-up call (compilation, cache
loading, JAX's buffers for the inputs), resets Linux's peak-RSS mark
(``echo 5 > /proc/self/clear_refs``, Linux >= 4.0), makes the measured call and
reads the peak back from ``VmHWM``: the peak bytes that call added (outputs,
tapes, scratch). ``ru_maxrss`` alone cannot do this: it is the same peak but
cannot be reset, and compiling the gradient (LLVM) costs more than the arrays
of the quick sizes. Children run with ``MALLOC_MMAP_THRESHOLD_=65536`` so glibc
maps every large array afresh instead of reusing heap freed during the
warm-up, which would hide it from RSS. The loop-style primals allocate little
or nothing, so "extra bytes / primal extra bytes" would divide by about zero.
The table gives the bytes each call adds (+MB), the peak with the inputs
counted, (inputs + extra) / (inputs + primal extra), and nsadc's added bytes
over the hand-written gradient's (its tape, when it is above 1). A gradient
that allocates nothing but its gradients scores about 1 on the peak ratio
(the parameters are small next to the data; with ``--all-args``, about 2).
Gradients as small as the parameters come from heap pages the warm-up already
touched, so a call that allocates nothing larger adds 0 bytes, and a ratio
over 0 shows "-"."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys

import numba
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import array_programs as P  # noqa: E402
import vectorized_programs  # noqa: E402
import nsadc  # noqa: E402
from hand_written_arrays import HAND_WRITTEN, HAND_WRITTEN_ALL, HAND_WRITTEN_SHORTCUTS, jax_programs  # noqa: E402
from timing import interleaved, peak_bytes_added  # noqa: E402

NAMES = ["mlp_loss", "svm_hinge", "lasso", "max_pool_1d", "l1_regression"]
MODES = ["primal", "nsadc", "hand", "jax"]
SEED = 0
# the arguments a user training each model differentiates with respect to
WRT = {
    "mlp_loss": ("W1", "b1", "w2", "b2"),
    "svm_hinge": ("w", "b"),
    "lasso": ("w",),
    "max_pool_1d": ("x",),
    "l1_regression": ("x",),
}


def make_case(name: str, scale: float):
    """``(fn, args)`` for one program; ``scale`` multiplies the sample count
    (rows, or the length of the pooled signal)."""
    rng = np.random.default_rng(SEED)

    def rows(n):
        return max(1, round(n * scale))

    if name == "mlp_loss":
        n, d, h = rows(100_000), 10, 32
        # W1 scaled so that about half the hidden units are active
        args = (rng.standard_normal((n, d)), rng.standard_normal(n), rng.standard_normal((d, h)) / np.sqrt(d),
                rng.standard_normal(h), rng.standard_normal(h) / np.sqrt(h), 0.1)
    elif name == "svm_hinge":
        n, d = rows(100_000), 50
        args = (rng.standard_normal((n, d)), rng.choice([-1.0, 1.0], n), rng.standard_normal(d) / np.sqrt(d),
                0.1, 0.01)
    elif name == "lasso":
        n, d = rows(100_000), 50
        args = (rng.standard_normal((n, d)), rng.standard_normal(n), rng.standard_normal(d), 0.01)
    elif name == "max_pool_1d":
        args = (rng.standard_normal(rows(1_000_000)), 4)
    elif name == "l1_regression":
        m, n = rows(4000), 250  # about 1.4 ms for the primal here
        args = (rng.standard_normal((m, n)), rng.standard_normal(m), rng.standard_normal(n))
    else:
        raise ValueError(name)
    return getattr(P, name), args


def wrt_of(name: str, all_args: bool):
    """nsadc's ``wrt`` for ``name``: the parameters, or None (every float and
    float-array argument) with ``--all-args``."""
    return None if all_args else WRT[name]


def hand_written(name: str, all_args: bool):
    return (HAND_WRITTEN_ALL if all_args else HAND_WRITTEN)[name]


def as_grads(g):
    """A gradient tuple from nsadc's or JAX's result (a lone gradient comes bare)."""
    return tuple(g) if isinstance(g, (tuple, list)) else (g,)


def check(who, name, value, grads, ref_value, ref_grads):
    if len(grads) != len(ref_grads):
        raise AssertionError(f"{name}: {who} returned {len(grads)} gradients, the hand-written one "
                             f"{len(ref_grads)}")
    for i, (g, r) in enumerate(zip((value, *grads), (ref_value, *ref_grads), strict=True)):
        g, r = np.asarray(g), np.asarray(r)
        what = "value" if i == 0 else f"gradient {i}"
        if g.shape != r.shape:
            raise AssertionError(f"{name}: {who} {what} has shape {g.shape}, expected {r.shape}")
        scale = max(1.0, float(np.abs(r).max())) if r.size else 1.0
        if not np.allclose(g, r, rtol=1e-8, atol=1e-12 * scale):
            err = float(np.abs(g - r).max())
            raise AssertionError(f"{name}: {who} {what} differs from the hand-written one by up to {err:.3g}")


def first_line(e: BaseException) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__


def load_jax(all_args: bool):
    """``(programs, to_device)``, or ``(None, reason)`` when JAX does not import."""
    try:
        progs = jax_programs(None if all_args else WRT)
    except ImportError as e:
        return None, f"JAX not importable ({e})"
    import jax.numpy as jnp

    def to_device(args):
        # ints stay Python ints: they are static arguments
        return tuple(a if isinstance(a, int) else jnp.asarray(a) for a in args)

    return progs, to_device


def jax_call(f):
    import jax

    return lambda *a: jax.block_until_ready(f(*a))


# ------------------------------------------------------------------ time


def time_program(name, scale, repeat, jx, all_args):
    fn, args = make_case(name, scale)
    hand = hand_written(name, all_args)
    hv, *hg = hand(*args)
    primal = numba.njit(fn)
    try:
        primal(*args)
    except numba.core.errors.TypingError:  # numba lacks np.max(..., axis=): time the loop form
        import array_programs

        primal = numba.njit(getattr(array_programs, name))
    calls = {"primal": (primal, args), "hand": (hand, args)}
    if name in HAND_WRITTEN_SHORTCUTS and not all_args:
        calls["shortcut"] = (HAND_WRITTEN_SHORTCUTS[name][1], args)
    row = {}
    try:
        d = nsadc.differentiate(fn, wrt=wrt_of(name, all_args))
        vjp = d.compiled(*args).vjp
        v, adj = vjp(*args, 1.0)
        check("nsadc kernel", name, v, as_grads(adj), hv, hg)
        v, g = d.value_and_grad(*args)
        check("nsadc value_and_grad", name, v, as_grads(g), hv, hg)
        calls["nsadc"] = (vjp, (*args, 1.0))
        calls["nsadc api"] = (d.value_and_grad, args)
    except nsadc.NsadcError as e:  # a refusal: the program is outside what nsadc supports
        row["nsadc error"] = first_line(e)
    except AssertionError as e:
        row["nsadc error"] = row["failure"] = f"WRONG: {e}"
    except Exception as e:  # noqa: BLE001  (an nsadc bug: report it, time the others, exit 1)
        row["nsadc error"] = row["failure"] = f"CRASH: {type(e).__name__}: {first_line(e)}"
    progs, to_device = jx
    if progs is not None:
        f = jax_call(progs[name])
        jargs = to_device(args)
        v, g = f(*jargs)
        check("JAX", name, v, as_grads(g), hv, hg)
        calls["jax"] = (f, jargs)
    row.update(interleaved(calls, repeat))
    return row


def fmt_ms(t):
    return f"{t * 1e3:.2f}" if t is not None else "-"


def fmt_ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "-"


def fmt_row(cells, widths):
    """The program name left-aligned, the numbers right-aligned under their headers."""
    return " ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))


def print_time_table(rows):
    cols = ["program", "primal ms", "nsadc grad ms", "nsadc api ms", "hand grad ms", "JAX ms",
            "grad/primal", "nsadc/hand", "nsadc/JAX"]
    widths = [14] + [len(c) for c in cols[1:]]
    print(fmt_row(cols, widths))
    for name, r in rows.items():
        g, p, h, j = r.get("nsadc"), r["primal"], r["hand"], r.get("jax")
        cells = [name, fmt_ms(p), fmt_ms(g), fmt_ms(r.get("nsadc api")), fmt_ms(h), fmt_ms(j),
                 fmt_ratio(g, p), fmt_ratio(g, h), fmt_ratio(g, j)]
        line = fmt_row(cells, widths)
        if "nsadc error" in r:
            line += f"  nsadc: {r['nsadc error']}"
        print(line)
    for name, r in rows.items():
        if "shortcut" in r:
            what = HAND_WRITTEN_SHORTCUTS[name][0]
            print(f"  {name}, hand-written with its {what}: {fmt_ms(r['shortcut'])} ms "
                  f"(nsadc / that: {fmt_ratio(r.get('nsadc'), r['shortcut'])}; not the same derivative)")


# ---------------------------------------------------------------- memory


def child(name: str, mode: str, scale: float, all_args: bool) -> None:
    """Print, as JSON, the peak bytes one call of ``mode`` adds (see the module docstring)."""
    fn, args = make_case(name, scale)
    try:
        if mode == "primal":
            call = numba.njit(fn)
        elif mode == "hand":
            call = hand_written(name, all_args)
        elif mode == "nsadc":
            vjp = nsadc.differentiate(fn, wrt=wrt_of(name, all_args)).compiled(*args).vjp
            args = (*args, 1.0)
            call = vjp
        else:
            progs, to_device = load_jax(all_args)
            if progs is None:
                raise ImportError(to_device)
            call = jax_call(progs[name])
            args = to_device(args)
        call(*args)
    except (nsadc.NsadcError, ImportError) as e:
        print(json.dumps({"error": first_line(e)}))
        return
    print(json.dumps({"extra": peak_bytes_added(call, args)}))


def measure(name: str, mode: str, scale: float, all_args: bool) -> dict:
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536")
    cmd = [sys.executable, os.path.abspath(__file__), "--child", name, mode, "--n", repr(scale)]
    if all_args:
        cmd.append("--all-args")
    if P is vectorized_programs:
        cmd.append("--vectorized")
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        tail = (p.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"child failed: {tail}"}
    return json.loads(p.stdout.strip().splitlines()[-1])


def print_memory_table(names, scale, all_args):
    mb = 2.0 ** 20
    cols = ["program", "inputs MB", "primal +MB", "nsadc +MB", "hand +MB", "JAX +MB",
            "nsadc/primal", "hand/primal", "JAX/primal", "nsadc/hand added"]
    widths = [14] + [len(c) for c in cols[1:]]
    print(fmt_row(cols, widths))
    for name in names:
        _, args = make_case(name, scale)
        inputs = sum(a.nbytes for a in args if isinstance(a, np.ndarray))
        res = {m: measure(name, m, scale, all_args) for m in MODES}
        extra = {m: r.get("extra") for m, r in res.items()}
        peak = {m: None if e is None else inputs + e for m, e in extra.items()}
        cells = [name, f"{inputs / mb:.1f}"]
        cells += [f"{extra[m] / mb:.1f}" if extra[m] is not None else "-" for m in MODES]
        cells += [fmt_ratio(peak[m], peak["primal"]) for m in ("nsadc", "hand", "jax")]
        cells += [fmt_ratio(extra["nsadc"], extra["hand"])]
        line = fmt_row(cells, widths)
        errors = [f"{m}: {r['error']}" for m, r in res.items() if "error" in r]
        if errors:
            line += "  " + "; ".join(errors)
        print(line)


# ------------------------------------------------------------------ main


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=float, default=1.0, help="multiply every program's sample count by this")
    ap.add_argument("--quick", action="store_true", help="shrink the sample counts 10x")
    ap.add_argument("--only", choices=NAMES, help="run one program")
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--memory", action="store_true", help="also measure peak memory, in subprocesses")
    ap.add_argument("--all-args", action="store_true",
                    help="differentiate with respect to every float argument, data included, not just WRT")
    ap.add_argument("--vectorized", action="store_true",
                    help="the programs written with whole-array NumPy (vectorized_programs.py)")
    ap.add_argument("--child", nargs=2, metavar=("NAME", "MODE"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    global P
    if a.vectorized:
        P = vectorized_programs
    scale = a.n * (0.1 if a.quick else 1.0)
    if a.child:
        child(*a.child, scale, a.all_args)
        return
    names = [n for n in ([a.only] if a.only else NAMES) if hasattr(P, n)]
    jx = load_jax(a.all_args)
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, numba {numba.__version__}, "
          f"numpy {np.__version__}, scale {scale:g}, best of {a.repeat}")
    print("# gradients with respect to " + ("every float argument (--all-args)" if a.all_args else
                                            "the parameters (WRT)")
          + (", programs in whole-array NumPy (--vectorized)" if a.vectorized else ""))
    if jx[0] is None:
        print(f"# {jx[1]}: no JAX column")
    rows = {name: time_program(name, scale, a.repeat, jx, a.all_args) for name in names}
    print_time_table(rows)
    if a.memory:
        print()
        print("# peak memory of one call: +MB added over the inputs, ratios of (inputs + added)")
        print_memory_table(names, scale, a.all_args)
    return 1 if any("failure" in r for r in rows.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
