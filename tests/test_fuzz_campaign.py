"""A slice of the differential-fuzzing campaign (tools/fuzz, docs/fuzzing.md).

* ``test_quick_slice``: generated programs under ``target="python"``, each
  checked at three points: primal, reverse / forward consistency (the
  dot-product identity), dual numbers and central differences where no kink
  was met, the emitted module run on its own, and every exception classified (a located
  ``UnsupportedError`` is an accepted refusal, anything else a failure).
* ``test_compiled_slice`` (slow): a few programs under ``target="cpu"``.
* the checker can fail: a partial scaled by 1.01 in nsadc's rule table, a
  hand-written wrong derivative, a raw exception and a hang are all caught;
  the minimizer shrinks a failing program and keeps its failure.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.fuzz import check as fz  # noqa: E402
from tools.fuzz.gen import generate  # noqa: E402
from tools.fuzz.minimize import failure_key, minimize  # noqa: E402

QUICK = range(0, 60)       # seeds of the quick slice
COMPILED = range(500, 510)  # seeds of the compiled slice


@pytest.fixture(autouse=True)
def _fuzz_dirs(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("NSADC_FUZZ_DIR", str(tmp_path_factory.getbasetemp() / "fuzz-programs"))


def _run_slice(seeds, target, timeout):
    failures, statuses, checked = [], {}, 0
    for seed in seeds:
        prog = generate(seed).to_json()
        res = fz.check(prog, target, timeout=timeout)
        statuses[res["status"]] = statuses.get(res["status"], 0) + 1
        checked += res["stats"].get("fd_checked", 0)
        for f in res["failures"]:
            failures.append(f"seed {seed}: {f['cls']}: {f['message']}")
    return failures, statuses, checked


def test_generator_is_deterministic_and_broad():
    a, b = generate(7), generate(7)
    assert a.source == b.source and a.points == b.points
    features = set()
    for seed in range(300):
        p = generate(seed)
        compile(p.source, f"seed{seed}", "exec")
        features |= p.features
    for needed in ("while", "nested-loop", "break", "continue", "early-return", "tuple-swap", "ifexp",
                   "helper:early-return", "helper:reassign-param", "call:keyword", "constant-test",
                   "array-temporary-in-loop", "store", "store:clip-argument", "alloc", "index-array",
                   "vectorized", "nonsmooth:abs", "nonsmooth:hypot", "nonsmooth:clip", "nonsmooth:mod",
                   "smooth:atan2", "alloc:int-size", "time-steps", "grid_sweep:ahead", "grid_sweep:behind",
                   "nested_search:after", "counters:write", "counters:weight", "rebuilt_state:whole",
                   "rebuilt_state:elements", "pair_forces:columns"):
        assert needed in features, needed


def test_a_seed_gives_the_same_program_in_every_process():
    """Seeds reproduce a finding: no set's iteration order (which follows the
    process's hash seed) may steer the generator."""
    code = ("import hashlib; from tools.fuzz.gen import generate; "
            "print(hashlib.sha256(''.join(generate(s).source for s in range(120)).encode()).hexdigest())")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    digests = {subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    here = hashlib.sha256("".join(generate(s).source for s in range(120)).encode()).hexdigest()
    assert digests == {here + "\n"}


def test_quick_slice():
    failures, statuses, checked = _run_slice(QUICK, "python", timeout=60)
    # the slice must exercise the checks, not only refuse
    assert statuses.get("ok", 0) >= len(QUICK) // 2, statuses
    assert checked >= 100
    assert not failures, "\n".join(failures)


def test_the_compiled_slice_is_checked_not_refused():
    _, statuses, _ = _run_slice(COMPILED, "python", timeout=60)
    assert statuses.get("ok", 0) >= 3, statuses


@pytest.mark.slow
@pytest.mark.parametrize("seed", COMPILED)
def test_compiled_slice(seed):
    """One program a test (parallel workers share the slice): no failure on
    the cpu target, and the same outcome as on the python target."""
    failures, statuses, _ = _run_slice([seed], "cpu", timeout=600)
    assert not failures, "\n".join(failures)
    assert statuses == _run_slice([seed], "python", timeout=60)[1]


# --------------------------------------------------------------------------- the checks can fail

def _mutate(monkeypatch, tmp_path, prim):
    from nsadc.ir.build import c, mul
    from nsadc.rules.table import RULES

    monkeypatch.setenv("NSADC_CACHE_DIR", str(tmp_path / "cache"))  # no cached, correct derivative
    rule = RULES[prim]

    def wrong(args, out, active, sel, tmp):
        setup, grads = rule.partials(args, out, active, sel, tmp)
        return setup, [None if g is None else mul(c(1.01), g) for g in grads]

    monkeypatch.setitem(RULES, prim, dataclasses.replace(rule, partials=wrong))


@pytest.mark.parametrize("prim, marker", [("tanh", "tanh("), ("abs", "abs(")])
def test_a_wrong_rule_is_caught(prim, marker, monkeypatch, tmp_path):
    """Scale one primitive's partials by 1.01: a few programs using it must
    show a wrong gradient against central differences."""
    _mutate(monkeypatch, tmp_path, prim)
    caught = []
    for seed in range(200):
        prog = generate(seed)
        if marker not in prog.source:
            continue
        res = fz.check(prog.to_json(), "python", timeout=60)
        caught += [f for f in res["failures"] if f["cls"].startswith("wrong-gradient")]
        if len(caught) >= 2:
            break
    assert caught, f"a 1% error in the {prim} rule went unnoticed"


def test_the_minimizer_keeps_the_failure(monkeypatch, tmp_path):
    _mutate(monkeypatch, tmp_path, "tanh")
    for seed in range(200):
        prog = generate(seed).to_json()
        if "tanh(" not in prog["source"]:
            continue
        res = fz.check(prog, "python", timeout=60)
        bad = [f for f in res["failures"] if f["cls"].startswith("wrong-gradient")]
        if bad:
            break
    else:
        pytest.fail("no failing program to minimize")
    f = bad[0]
    key = failure_key(f)
    start = dict(prog, points=[prog["points"][f["point"]]])

    def still_fails(cand):
        r = fz.check(cand, "python", timeout=60)
        return any(failure_key(g) == key for g in r["failures"])

    best, stats = minimize(start, still_fails, budget_s=60)
    assert still_fails(best)
    assert len(best["source"]) < len(prog["source"])
    assert "tanh" in best["source"]


WRONG = '''import math


def f(x, y):
    return math.sin(x) * y
'''


def test_a_wrong_derivative_is_caught(monkeypatch):
    """A derivative that is off by a little (here: nsadc's, plus 1e-3 on the
    first adjoint) fails the finite-difference and dot-product checks."""
    import nsadc

    real_vjp = nsadc.Differentiable.vjp
    real_vg = nsadc.Differentiable.value_and_grad

    def vjp(self, primals, cotangent=1.0):
        v, adj = real_vjp(self, primals, cotangent)
        return v, (adj[0] + 1e-3,) + tuple(adj[1:])

    def value_and_grad(self, *args, report=False, **kw):
        out = real_vg(self, *args, report=report, **kw)
        g = (out[1][0] + 1e-3,) + tuple(out[1][1:])
        return (out[0], g) + tuple(out[2:])

    monkeypatch.setattr(nsadc.Differentiable, "vjp", vjp)
    monkeypatch.setattr(nsadc.Differentiable, "value_and_grad", value_and_grad)
    prog = {"seed": 1, "source": WRONG, "params": [("x", "float", None), ("y", "float", None)],
            "points": [{"x": 0.3, "y": -1.1}, {"x": 1.2, "y": 0.7}]}
    res = fz.check(prog, "python", timeout=60)
    classes = {f["cls"] for f in res["failures"]}
    assert "wrong-gradient:reverse" in classes and "dot-identity" in classes, res


def test_a_small_error_is_caught_by_the_dual_numbers(monkeypatch, tmp_path):
    """A partial off by one part in a million is below what central
    differences resolve (rtol 1e-4), not below the dual-number check."""
    from nsadc.ir.build import c, mul
    from nsadc.rules.table import RULES

    monkeypatch.setenv("NSADC_CACHE_DIR", str(tmp_path / "cache"))
    rule = RULES["sin"]

    def wrong(args, out, active, sel, tmp):
        setup, grads = rule.partials(args, out, active, sel, tmp)
        return setup, [None if g is None else mul(c(1.000001), g) for g in grads]

    monkeypatch.setitem(RULES, "sin", dataclasses.replace(rule, partials=wrong))
    prog = {"seed": 4, "source": WRONG, "params": [("x", "float", None), ("y", "float", None)],
            "points": [{"x": 0.3, "y": -1.1}]}
    res = fz.check(prog, "python", timeout=60)
    classes = {f["cls"] for f in res["failures"]}
    assert classes == {"dual-mismatch:both"}, res


RAISES = '''def f(x, n: int):
    s = 0.0
    for i in range(n):
        s += x * i
    return s
'''


def test_exceptions_are_classified(monkeypatch):
    import nsadc

    def broken(self, *a, **k):
        raise KeyError("boom")

    monkeypatch.setattr(nsadc.Differentiable, "vjp", broken)
    prog = {"seed": 2, "source": RAISES, "params": [("x", "float", None), ("n", "int", None)],
            "points": [{"x": 0.5, "n": 3}]}
    res = fz.check(prog, "python", timeout=60)
    assert [f["cls"] for f in res["failures"]] == ["raw-exception:KeyError@vjp"]
    info = fz.classify_exception(nsadc.UnsupportedError("no"), "decorate")
    assert info["cls"] == "refusal-without-location@decorate" and info["kind"] == "failure"


HANGS = '''def f(x):
    while x < 10.0:
        x = x * 1.0
    return x
'''


def test_a_hang_is_caught(tmp_path):
    """The worker process is killed after its time limit; the next request
    gets a fresh one."""
    from tools.fuzz.worker import Worker

    w = Worker(tmp_path / "worker.log")
    try:
        prog = {"seed": 3, "source": HANGS, "params": [("x", "float", None)], "points": [{"x": 0.5}]}
        res = w.run({"program": prog, "target": "python"}, timeout=5)
        assert [f["cls"] for f in res["failures"]] == ["hang"]
        ok = w.run({"program": generate(6).to_json(), "target": "python"}, timeout=60)
        assert ok["status"] in ("ok", "refused", "failure") and w.restarts == 1
    finally:
        w.stop()
    # in-process, SIGALRM does the same
    res = fz.check(prog, "python", timeout=1)
    assert [f["cls"] for f in res["failures"]] == ["hang"]


def test_fd_check_sees_a_smooth_point_only():
    """Central differences are refused near a kink (the exact-gradient check
    is then left to the kink report and the dot-product identity)."""
    params = [("x", "float", None)]

    def kinky(x):
        return abs(x - 0.3)
    assert fz.fd_directional(kinky, [0.3 + 1e-7], params, ["x"], [1.0]) is None
    assert fz.fd_directional(kinky, [0.9], params, ["x"], [1.0]) == pytest.approx(1.0)
    assert fz.close(np.array([1.0]), np.array([1.0 + 1e-12]), 1e-9)
