"""Emitted source of every program the repository ships, for refactoring checks.

``python -m tools.golden_emitted save FILE`` writes the emitted module (primal,
forward, reverse, report variants, Clarke mode, Jacobian drivers) of every
public function in the test catalogues, benchmark programs and examples into
FILE; ``python -m tools.golden_emitted diff FILE`` says which differ now.  A
refactoring of the compiler that must not change emitted code runs ``save``
before and ``diff`` after.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import json
import sys
import warnings

import nsadc
from nsadc.pipeline import compile_function

MODULES = [
    "tests.programs.arrays", "tests.programs.classic", "tests.programs.constructs", "tests.programs.kinks",
    "tests.programs.primitives", "tests.programs.regressions", "tests.programs.vector_maps",
    "tests.programs.vectorized", "tests.programs.helper_arrays", "tests.programs.clarke_cases",
    "tests.programs.cuda_cases", "tests.corpus.numba_idioms",
    "benchmarks.array_programs", "benchmarks.scalar_programs", "benchmarks.vectorized_programs",
    "benchmarks.user_programs.chained", "benchmarks.user_programs.dynamics", "benchmarks.user_programs.existing",
    "benchmarks.user_programs.imaging", "benchmarks.user_programs.learning",
]


def emitted(fn) -> str:
    try:
        d = nsadc.differentiate(fn, target="python")
        comp = compile_function(*d._source(), d.wrt, d.policy, d._env, None, d.kink_tol)
        return comp.module(("forward", "reverse", "lexicographic"), primal=True, report=True, jacobians=True)
    except Exception as e:  # a refusal is a result too
        return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"


def collect() -> dict[str, str]:
    out = {}
    for name in MODULES:
        try:
            mod = importlib.import_module(name)
        except Exception:
            continue
        for attr, fn in vars(mod).items():
            if attr.startswith("_") or not inspect.isfunction(fn) or fn.__module__ != mod.__name__:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[f"{name}.{attr}"] = emitted(fn)
    return out


def main(argv: list[str]) -> int:
    action, path = argv
    now = collect()
    if action == "save":
        with open(path, "w") as fh:
            json.dump(now, fh, indent=0, sort_keys=True)
        print(f"{len(now)} programs saved")
        return 0
    with open(path) as fh:
        before = json.load(fh)
    changed = [k for k in sorted(set(before) | set(now)) if before.get(k) != now.get(k)]
    for k in changed:
        print(f"--- {k}")
        a, b = before.get(k, "").splitlines(), now.get(k, "").splitlines()
        sys.stdout.writelines(line + "\n" for line in list(difflib.unified_diff(a, b, lineterm="", n=1))[:40])
    print(f"{len(changed)} of {len(now)} programs differ")
    return 1 if changed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
