"""The Numba-idiom corpus (tests/corpus/numba_idioms.py), differentiated and checked.

Each function of the corpus is differentiated with respect to its case's
``wrt`` and put in one class:

- correct: ``grad`` and ``jvp`` (along a random direction) agree with central
  finite differences of the plain Python function at a generic point;
- refused: an ``nsadc.NsadcError`` whose message locates the construct
  (``file:line:col``) and says what to write instead (``hint:``);
- crashed: any other exception, or an ``NsadcError`` without a location or hint;
- wrong: a result that disagrees with finite differences.

The test asserts 0 wrong, 0 crashed and at least 85 % correct, on the python
target (quick) and the cpu target (compiled, marked slow).

Refused today, and why (the message names the construct and what to write
instead):

- ``l1_ball_distance``: ``np.sort`` inside a called function
  (``l1_ball_threshold``);
- ``jacobi_relax``, ``viterbi_score``: double buffering, ``u = new`` after
  filling a fresh ``new`` in each iteration (a second name for an array);
- ``kmeans_inertia``: an integer work array, ``np.empty(n, dtype=np.int64)``;
- ``truncnorm_nll``: indexing a call's result, ``_norm_cdf(...)[0]`` (assign
  the array to a name first).

Run ``python -m tests.test_numba_corpus`` (or ``python
benchmarks/numba_corpus_report.py``) for the table, one line per function.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("NSADC_CACHE_DIR", tempfile.mkdtemp(prefix="nsadc-corpus-cache-"))

import nsadc  # noqa: E402
from corpus.numba_idioms import CASES, Case  # noqa: E402

LOCATED = re.compile(r"\.py:\d+:\d+: ")
MIN_CORRECT = 0.85


@dataclass
class Outcome:
    case: Case
    status: str  # correct / refused / crashed / wrong
    detail: str = ""


def _seed(name: str) -> int:
    return zlib.crc32(name.encode())


def _copy(args):
    return tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)


def _perturbed(args, index: int, pos, step: float):
    out = list(_copy(args))
    if isinstance(out[index], np.ndarray):
        out[index][pos] += step
    else:
        out[index] = out[index] + step
    return tuple(out)


def finite_difference_gradient(fn, args, indices) -> list:
    """Central differences of ``fn`` at ``args`` in each argument of ``indices``."""
    grads = []
    for k in indices:
        a = args[k]
        if isinstance(a, np.ndarray):
            g = np.zeros(a.shape)
            for pos in np.ndindex(a.shape):
                h = 1e-6 * max(1.0, abs(a[pos]))
                g[pos] = (fn(*_perturbed(args, k, pos, h)) - fn(*_perturbed(args, k, pos, -h))) / (2 * h)
            grads.append(g)
        else:
            h = 1e-6 * max(1.0, abs(a))
            grads.append((fn(*_perturbed(args, k, None, h)) - fn(*_perturbed(args, k, None, -h))) / (2 * h))
    return grads


def _close(got, want, scale) -> bool:
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return False
    return bool(np.all(np.abs(got - want) <= 1e-4 * np.abs(want) + 1e-5 * scale))


def classify(case: Case, target: str = "python") -> Outcome:
    rng = np.random.default_rng(_seed(case.name))
    args = case.make_args(rng)
    params = list(case.python.__code__.co_varnames[:case.python.__code__.co_argcount])
    indices = [params.index(w) for w in case.wrt]
    try:
        d = nsadc.differentiate(case.fn, wrt=case.wrt, target=target)
        value, g = d.value_and_grad(*_copy(args))
        g = g if isinstance(g, tuple) else (g,)
        tangents = [rng.normal(size=np.shape(args[k])) if isinstance(args[k], np.ndarray) else float(rng.normal())
                    for k in indices]
        jvp_value, dot = d.jvp(_copy(args), tuple(tangents))
    except nsadc.NsadcError as e:
        text = str(e)
        if LOCATED.search(text) and "hint:" in text:
            return Outcome(case, "refused", text)
        return Outcome(case, "crashed", f"an NsadcError without location or hint: {text}")
    except Exception as e:  # noqa: BLE001 - anything else is a crash to report
        return Outcome(case, "crashed", f"{type(e).__name__}: {e}")
    want_value = case.python(*_copy(args))
    fd = finite_difference_gradient(case.python, args, indices)
    scale = max(1.0, max(float(np.max(np.abs(f))) for f in fd))
    problems = []
    if not _close(value, want_value, max(1.0, abs(want_value)) * 1e-3) or \
            not _close(jvp_value, want_value, max(1.0, abs(want_value)) * 1e-3):
        problems.append(f"value {value} / jvp value {jvp_value}, expected {want_value}")
    for w, got, want in zip(case.wrt, g, fd):
        if not _close(got, want, scale):
            problems.append(f"grad {w}: {np.asarray(got).ravel()[:6]} vs FD {np.asarray(want).ravel()[:6]}")
    want_dot = sum(float(np.sum(f * t)) for f, t in zip(fd, tangents))
    tscale = scale * sum(max(1.0, float(np.sum(np.abs(t)))) for t in tangents)
    if not _close(dot, want_dot, tscale):
        problems.append(f"jvp {dot} vs FD {want_dot}")
    if problems:
        return Outcome(case, "wrong", "; ".join(problems))
    return Outcome(case, "correct")


def run_corpus(target: str = "python") -> list[Outcome]:
    return [classify(case, target) for case in CASES]


def summary(outcomes: list[Outcome]) -> dict[str, int]:
    counts = {"correct": 0, "refused": 0, "crashed": 0, "wrong": 0}
    for o in outcomes:
        counts[o.status] += 1
    return counts


def report(outcomes: list[Outcome]) -> str:
    lines = [f"{'function':28s} {'group':20s} status   detail"]
    for o in outcomes:
        first = o.detail.splitlines()[0] if o.detail else ""
        if o.status == "refused":
            # the located line and the hint
            hint = next((ln for ln in o.detail.splitlines() if ln.startswith("hint:")), "")
            first = f"{first.split('/')[-1]}  [{hint}]"
        lines.append(f"{o.case.name:28s} {o.case.group:20s} {o.status:8s} {first[:160]}")
    counts = summary(outcomes)
    total = len(outcomes)
    lines.append("")
    lines.append(", ".join(f"{k} {v}" for k, v in counts.items())
                 + f" of {total} ({100.0 * counts['correct'] / total:.0f} % correct)")
    return "\n".join(lines)


def _check(outcomes: list[Outcome]):
    counts = summary(outcomes)
    bad = [o for o in outcomes if o.status in ("wrong", "crashed")]
    assert not bad, "\n\n".join(f"{o.case.name}: {o.status}: {o.detail}" for o in bad)
    assert counts["correct"] >= MIN_CORRECT * len(outcomes), report(outcomes)


def test_corpus_size():
    assert len(CASES) >= 45
    assert len({c.name for c in CASES}) == len(CASES)


def test_corpus_python():
    _check(run_corpus("python"))


# the cpu run in slices, so that parallel test workers share it
CPU_SLICES = 6


@pytest.mark.slow
@pytest.mark.parametrize("part", range(CPU_SLICES))
def test_corpus_cpu(part):
    """Each case compiled with Numba: never wrong or crashing, and taken or
    refused exactly as on the python target (whose share of correct cases
    test_corpus_python checks)."""
    cases = CASES[part::CPU_SLICES]
    outcomes = [classify(case, "cpu") for case in cases]
    bad = [o for o in outcomes if o.status in ("wrong", "crashed")]
    assert not bad, "\n\n".join(f"{o.case.name}: {o.status}: {o.detail}" for o in bad)
    python = {case.name: classify(case, "python").status for case in cases}
    assert {o.case.name: o.status for o in outcomes} == python


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "python"
    print(report(run_corpus(target)))
