"""Compiler scale: how long nsadc takes on long functions.

    python benchmarks/bench_scale.py                     # the default sizes
    python benchmarks/bench_scale.py --straight 1000 --loop   # one size, no loops
    python benchmarks/bench_scale.py --no-cpu            # skip the Numba compilations

For straight-line functions of N statements (``scale_programs.straight_line``)
and loops whose body has N statements (``scale_programs.long_loop``), each
program is written to a file of its own and measured in a fresh interpreter
with an empty cache directory (``NSADC_CACHE_DIR``):

* decorate: ``nsadc.differentiate(f, target="python")`` (parse and lower);
* python grad: its first ``grad`` call (the transforms, emitting the module,
  loading it);
* cpu: in another fresh interpreter, ``differentiate(f)`` and the first
  ``grad`` call on the default cpu target (the same, plus Numba compiling the
  gradient function); numba's own start-up is paid before the clock starts.
  The last column is the process's CPU time for the same (on a shared
  machine, wall time includes waiting for a core).

The emitted lines column counts the lines of the emitted reverse-mode function
(``f.source("reverse")``)."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CHILD = textwrap.dedent("""
    import importlib.util, json, sys, time
    sys.path.insert(0, {here!r}); sys.path.insert(0, {root!r})
    path, name, target, args = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    import nsadc
    if target == "cpu":
        import numba, numba_warmup
        numba_warmup.warm(1.0)
    spec = importlib.util.spec_from_file_location("prog", path)
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    fn = getattr(mod, name)
    t0, c0 = time.perf_counter(), time.process_time()
    d = nsadc.differentiate(fn, target=target)
    t1 = time.perf_counter()
    g = d.grad(*args)
    t2, c2 = time.perf_counter(), time.process_time()
    lines = 0
    if target == "python":  # the reverse-mode function's lines
        src = d.source("reverse")
        lines = len(src[src.index("def " + name + "_vjp("):].split("\\n\\n\\n")[0].splitlines())
    print(json.dumps({{"decorate": t1 - t0, "grad": t2 - t1, "cpu": c2 - c0, "lines": lines, "g": list(g)}}))
""").format(here=HERE, root=ROOT)


def measure(text: str, name: str, target: str, args) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "prog.py")
        with open(path, "w") as fh:
            fh.write(text)
        env = dict(os.environ, NSADC_CACHE_DIR=os.path.join(tmp, "cache"))
        out = subprocess.run([sys.executable, "-c", CHILD, path, name, target, json.dumps(args)],
                             capture_output=True, text=True, env=env)
        if out.returncode:
            raise SystemExit(out.stderr)
        return json.loads(out.stdout.splitlines()[-1])


def row(label: str, n: int, text: str, name: str, args, cpu: bool) -> None:
    py = measure(text, name, "python", args)
    cells = [label, str(n), str(py["lines"]), f"{py['decorate']:.2f}", f"{py['grad']:.2f}"]
    if cpu:
        c = measure(text, name, "cpu", args)
        same = max(abs(a - b) for a, b in zip(py["g"], c["g"])) <= 1e-9 * max(1.0, *map(abs, py["g"]))
        cells += [f"{c['decorate']:.2f}", f"{c['grad']:.2f}", f"{c['decorate'] + c['grad']:.2f}",
                  f"{c['cpu']:.2f}" + ("" if same else " (gradient DIFFERS from python)")]
    print("| " + " | ".join(cells) + " |", flush=True)


def main():
    sys.path.insert(0, HERE)
    from scale_programs import long_loop, straight_line

    p = argparse.ArgumentParser()
    p.add_argument("--straight", type=int, nargs="*", default=[250, 500, 1000, 2000])
    p.add_argument("--loop", type=int, nargs="*", default=[100, 300, 1000])
    p.add_argument("--no-cpu", action="store_true")
    a = p.parse_args()
    head = ["program", "N", "emitted lines", "decorate s", "python grad s"]
    if not a.no_cpu:
        head += ["cpu decorate s", "cpu first grad s", "cpu total s", "cpu total, CPU time s"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for n in a.straight:
        row("straight", n, straight_line(n), "f", [0.3, -0.7, 1.1, 0.5], not a.no_cpu)
    for n in a.loop:
        row("loop", n, long_loop(n), "g", [0.3, -0.7, 1.1, 0.5, 10], not a.no_cpu)


if __name__ == "__main__":
    main()
