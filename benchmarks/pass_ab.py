"""One pass on and off: the compiled gradient of each program, timed both ways in one process.

    python -m benchmarks.pass_ab PASS [--only NAME ...] [--probe] [--repeat R]

For each program of the user corpus (``--probe``: the probe corpus), the
gradient kernel is compiled twice, with every pass and with ``PASS`` left
out, and the two are timed in turns with the primal (best of R, median
beside).  Programs whose emitted gradient is the same both ways are listed
as untouched.  Both kernels must agree to 1e-9 relative.  Run it with a
fixed allocator for steady numbers:
``MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967296``.
"""

import argparse
import inspect
import os
import tempfile

import numba
import numpy as np

import nsadc
from nsadc import pipeline
from benchmarks.timing import interleaved_stats


def _kernel(fn, wrt, args, skip: str | None):
    """The grad kernel with ``skip`` left out of the final and optimisation passes, and its source."""
    saved = list(pipeline.FINAL_PASSES), list(pipeline.OPTIMISATION_PASSES)
    # a cache of its own: the cached pipeline's key does not name the passes
    os.environ["NSADC_CACHE_DIR"] = tempfile.mkdtemp(prefix="nsadc-ab-")
    try:
        if skip:
            pipeline.FINAL_PASSES[:] = [p for p in pipeline.FINAL_PASSES if p.name != skip]
            pipeline.OPTIMISATION_PASSES[:] = [p for p in pipeline.OPTIMISATION_PASSES if p.name != skip]
        d = nsadc.differentiate(fn, wrt=list(wrt))
        grad = d.compiled(*args).grad
    finally:
        pipeline.FINAL_PASSES[:], pipeline.OPTIMISATION_PASSES[:] = saved
    return grad, inspect.getsource(grad.py_func)


def _cases(probe: bool):
    if probe:
        from benchmarks.probe.programs import PROGRAMS
        return {name: (p.fn, p.wrt, lambda p=p: p.args(p.big, np.random.default_rng(0)))
                for name, p in PROGRAMS.items()}
    from benchmarks.user_programs import CASES
    return {name: (c.fn, c.wrt, lambda c=c: c.args(c.size)) for name, c in CASES.items()}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pass_name")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--probe", action="store_true")
    ap.add_argument("--repeat", type=int, default=10)
    a = ap.parse_args(argv)
    names = {p.name for p in pipeline.FINAL_PASSES + pipeline.OPTIMISATION_PASSES}
    if a.pass_name not in names:
        raise SystemExit(f"no pass {a.pass_name!r}; the passes: {', '.join(sorted(names))}")
    untouched = []
    print(f"| program | primal ms | with {a.pass_name} ms | without ms | with/without |")
    print("|---|---|---|---|---|")
    for name, (fn, wrt, make) in _cases(a.probe).items():
        if a.only and name not in a.only:
            continue
        args = make()
        on, src_on = _kernel(fn, wrt, args, None)
        off, src_off = _kernel(fn, wrt, args, a.pass_name)
        if src_on == src_off:
            untouched.append(name)
            continue
        for x, y in zip(on(*args, 1.0), off(*args, 1.0)):
            assert np.allclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True), name
        t = interleaved_stats({"primal": (numba.njit(fn), args), "on": (on, (*args, 1.0)),
                               "off": (off, (*args, 1.0))}, a.repeat)
        (p, pm), (x, xm), (y, ym) = t["primal"], t["on"], t["off"]
        print(f"| {name} | {p * 1e3:.3g} ({pm * 1e3:.3g}) | {x * 1e3:.3g} ({xm * 1e3:.3g}) "
              f"| {y * 1e3:.3g} ({ym * 1e3:.3g}) | {x / y:.2f} |", flush=True)
    print(f"\nuntouched ({len(untouched)}): {', '.join(untouched)}")


if __name__ == "__main__":
    main()
