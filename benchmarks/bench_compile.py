"""Compile time of a derivative: first process (empty cache) and second process
(numba's on-disk cache reused).

    python benchmarks/bench_compile.py [--repeat 5]

Each measurement runs in a fresh interpreter; the times exclude interpreter
start-up and are split into `import nsadc + numba` with numba's own per-process
start-up (a cached trivial function with an array: every numba program pays
it once), and `differentiate + first grad call` (parse, lower, transform,
emit, compile -- or, with a warm cache, only load).  The pair of processes
is repeated (a fresh cache each time) and the median and range are printed:
on a shared 2-core machine one measurement varies by +-15 %."""

import argparse
import statistics

import os
import subprocess
import sys
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = textwrap.dedent(f"""
    import sys, time
    sys.path.insert(0, {HERE!r}); sys.path.insert(0, {os.path.dirname(HERE)!r})
    t0 = time.perf_counter()
    import numba, nsadc, numba_warmup
    numba_warmup.warm(1.0)
    t1 = time.perf_counter()
    from thirty_lines import piecewise_model
    d = nsadc.differentiate(piecewise_model)
    g = d.grad(0.3, 0.1, 1.5, 0.2, 100)
    t2 = time.perf_counter()
    print(f"{{t1 - t0:.3f}} {{t2 - t1:.3f}}")
""")


def run(cache):
    env = dict(os.environ, NSADC_CACHE_DIR=cache)
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, check=True)
    return map(float, out.stdout.split())


def main():
    subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {HERE!r}); "
                    "import numba_warmup; numba_warmup.warm(1.0)"], check=True)
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    rows = {"first process (compiles)": [], "second process (cache hit)": [], "import + numba start-up": []}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as cache:
            imp1, first = run(cache)
            imp2, second = run(cache)
        rows["first process (compiles)"].append(first)
        rows["second process (cache hit)"].append(second)
        rows["import + numba start-up"] += [imp1, imp2]
    print(f"differentiate + first grad of thirty_lines.piecewise_model, {repeat} runs:")
    for label, times in rows.items():
        print(f"  {label:28s} median {statistics.median(times):.3f} s  (min {min(times):.3f}, "
              f"max {max(times):.3f})")


if __name__ == "__main__":
    main()
