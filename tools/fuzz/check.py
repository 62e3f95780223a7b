"""Check one generated program against nsadc, and classify what goes wrong.

``check(program, target)`` writes the program to a file, imports it and, at
each of its points where the plain Python function runs and stays finite:

1. the primal ``f(*args)`` of nsadc against the plain function;
2. ``value_and_grad(..., report=True)``, ``jvp`` along two tangents (a dense
   random one and a single coordinate) and ``vjp`` of a cotangent ``c``: the
   values agree, ``vjp(c) == c * grad``, and the dot-product identity
   ``<t, vjp(c)> == c * jvp(t)`` holds (at kinks too: both modes make the same
   selection);
3. where the kink report says no kink was met (``rep.exact``): ``jvp(t)`` and
   ``<grad, t>`` against a dual-number evaluation of the plain program
   (``dual.py``, rtol 1e-8), and, where the point is also generic along
   ``t`` (the central differences at steps 1e-4 and 1e-6 agree, and the
   second differences are those of a smooth function), against the central
   difference;
4. where no kink was met, ``clarke_grad`` (Clarke mode) equals ``grad``;
5. the emitted module ``f.source("both", *args)``, executed on its own, gives
   what the in-process derivatives gave (and, for a sample of programs, the
   module printed by ``nsadc emit FILE:f --mode both``);
6. any exception is classified: an ``UnsupportedError`` with a location is a
   *refusal* (acceptable, counted), anything else is a failure: an
   ``NsadcError`` without a location, a raw Python or Numba exception.

Each failure is a dict with a ``cls`` (the failure class the minimizer keeps),
the ``stage`` where it happened, a ``message`` and the ``point`` index.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import re
import signal
import subprocess
import sys
import traceback
from pathlib import Path

import numpy as np

from tools.fuzz import dual

RTOL_FD, ATOL_FD = 1e-4, 1e-6
RTOL_EQ = 1e-9          # nsadc's values, identities and the emitted module
RTOL_DUAL = 1e-8        # nsadc's derivatives against the dual-number evaluation
COTANGENT = -1.3

_LOADED: dict = {}


class Hang(BaseException):
    """The per-program time limit passed (in-process checks)."""


def workdir() -> Path:
    d = Path(os.environ.get("NSADC_FUZZ_DIR") or "/tmp/nsadc-fuzz-programs")
    d.mkdir(parents=True, exist_ok=True)
    return d


def load(source: str, prefix: str = "fz"):
    key = hashlib.sha256(source.encode()).hexdigest()[:16]
    name = f"{prefix}_{key}"
    if name in _LOADED:
        return _LOADED[name]
    path = workdir() / f"{name}.py"
    if not path.exists() or path.read_text() != source:
        path.write_text(source)
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    _LOADED[name] = mod
    return mod


def make_args(params, point) -> list:
    out = []
    for name, kind, _ in params:
        v = point[name]
        if kind == "float":
            out.append(float(v))
        elif kind == "int":
            out.append(int(v))
        elif kind == "ivec":
            out.append(np.array(v, dtype=np.int64))
        else:
            out.append(np.array(v, dtype=np.float64))
    return out


def fresh(args):
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


def shifted(args, params, wrt, t, h):
    out = fresh(args)
    pos = {p[0]: k for k, p in enumerate(params)}
    for w, tw in zip(wrt, t):
        k = pos[w]
        out[k] = out[k] + h * tw
    return out


def dot(u, v) -> float:
    return float(sum(np.sum(np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64))
                     for a, b in zip(u, v)))


def flat_adjoints(adj):
    if isinstance(adj, (tuple, list)):
        return [np.asarray(a, dtype=np.float64) if isinstance(a, np.ndarray) else float(a) for a in adj]
    return [adj]


def close(a, b, rtol, atol=0.0) -> bool:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.maximum(np.abs(a), np.abs(b))))


def plain_value(fn, args):
    with np.errstate(all="raise"):
        try:
            v = fn(*fresh(args))
        except Exception:  # noqa: BLE001  (a point outside the domain, or a generator slip)
            return None
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(v) or abs(v) > 1e6:
        return None
    return v


def fd_directional(fn, args, params, wrt, t):
    """The central difference of ``fn`` along ``t``, or None when a kink,
    branch boundary or jump lies within about 1e-4 of the point."""
    f0 = plain_value(fn, args)
    if f0 is None:
        return None
    h, H = 1e-6, 1e-4
    vals = [plain_value(fn, shifted(args, params, wrt, t, s)) for s in (h, -h, H, -H)]
    if any(v is None for v in vals):
        return None
    fp, fm, Fp, Fm = vals
    central = (fp - fm) / (2 * h)
    tol = 0.5 * (RTOL_FD * abs(central) + ATOL_FD * (1 + abs(f0)))
    if abs((fp - 2 * f0 + fm) / h - (h / H) * (Fp - 2 * f0 + Fm) / H) > tol:
        return None
    if abs((Fp - Fm) / (2 * H) - central) > tol:
        return None
    return central


def classify_exception(e: BaseException, stage: str) -> dict:
    """A refusal (``UnsupportedError`` with a location) or a failure."""
    import nsadc

    first = (str(e).strip().splitlines() or [""])[0][:300]
    tb = "".join(traceback.format_exception(type(e), e, e.__traceback__))[-4000:]
    if isinstance(e, Hang):
        return {"kind": "failure", "cls": "hang", "stage": stage, "message": first}
    if isinstance(e, nsadc.UnsupportedError):
        if e.loc is None:
            return {"kind": "failure", "cls": f"refusal-without-location@{stage}", "stage": stage,
                    "message": first, "traceback": tb}
        return {"kind": "refusal", "cls": "refusal", "stage": stage, "message": e.message[:300]}
    if isinstance(e, nsadc.NsadcError):
        located = re.search(r"\.py:\d+:\d+", str(e)) is not None
        cls = f"{type(e).__name__}" + ("" if located else "-without-location")
        return {"kind": "failure", "cls": f"nsadc-error:{cls}@{stage}", "stage": stage, "message": first,
                "traceback": tb}
    mod = type(e).__module__ or ""
    if mod.startswith("numba"):
        return {"kind": "failure", "cls": f"numba-error:{type(e).__name__}@{stage}", "stage": stage,
                "message": first, "traceback": tb}
    return {"kind": "failure", "cls": f"raw-exception:{type(e).__name__}@{stage}", "stage": stage,
            "message": first, "traceback": tb}


def _alarm(signum, frame):
    raise Hang("time limit")


def check(prog: dict, target: str = "python", *, cli: bool = False, timeout: float | None = None,
          only_point: int | None = None, kinks=None, standalone: bool = True, clarke: bool = True) -> dict:
    """Check the program ``prog`` (``Program.to_json()``); returns
    ``{"status", "failures", "refusal", "stats"}``.  ``timeout`` (seconds)
    arms SIGALRM (main thread only): a program past it is a ``hang``."""
    old = None
    if timeout:
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return _check(prog, target, cli, only_point, kinks, standalone, clarke)
    except Hang as e:
        return {"status": "failure", "failures": [classify_exception(e, "any") | {"point": None}],
                "refusal": None, "stats": {}}
    finally:
        if timeout:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)


def _check(prog: dict, target: str, cli: bool, only_point, kinks, standalone: bool = True,
           clarke: bool = True) -> dict:
    import nsadc

    params = [tuple(p) for p in prog["params"]]
    stats = {"points": 0, "valid": 0, "exact": 0, "fd_checked": 0, "dual_checked": 0, "identity_checked": 0,
             "clarke_checked": 0, "standalone": 0, "cli": 0}
    failures: list[dict] = []
    res = {"status": "ok", "failures": failures, "refusal": None, "stats": stats}

    mod = load(prog["source"])
    fn = mod.f
    points = list(enumerate(prog["points"]))
    if only_point is not None:
        points = [points[only_point]]
    cases = []
    for k, pt in points:
        stats["points"] += 1
        args = make_args(params, pt)
        v = plain_value(fn, args)
        if v is not None:
            cases.append((k, args, v))
    stats["valid"] = len(cases)
    if not cases:
        res["status"] = "invalid"
        return res

    def fail(info, point, **extra):
        failures.append(info | {"point": point} | extra)

    stage = "decorate"
    try:
        d = nsadc.differentiate(fn, target=target, kinks=kinks)
    except Exception as e:  # noqa: BLE001
        info = classify_exception(e, stage)
        if info["kind"] == "refusal":
            res["status"] = "refused"
            res["refusal"] = info
        else:
            fail(info, None)
            res["status"] = "failure"
        return res

    rng = np.random.default_rng(prog["seed"] * 31 + 7)
    standalone_done = not standalone
    for k, args, value in cases:
        try:
            stage = "primal"
            v0 = d(*fresh(args))
            if not close(v0, value, RTOL_EQ, 1e-12):
                fail({"cls": "primal-mismatch", "stage": stage,
                      "message": f"nsadc {float(v0)!r} vs python {value!r}"}, k)
                continue
            stage = "grad"
            v1, g, rep = d.value_and_grad(*fresh(args), report=True)
            wrt = list(d.wrt)
            pos = {p[0]: i for i, p in enumerate(params)}
            gl = flat_adjoints(g) if len(wrt) > 1 else [g if isinstance(g, np.ndarray) else float(g)]
            stage = "vjp"
            v2, adj = d.vjp(fresh(args), COTANGENT)
            adj = flat_adjoints(adj)
            # tangents: a dense random one and a single coordinate
            dense = [rng.standard_normal(np.shape(args[pos[w]])) if isinstance(args[pos[w]], np.ndarray)
                     else float(rng.standard_normal()) for w in wrt]
            unit = [np.zeros(np.shape(args[pos[w]])) if isinstance(args[pos[w]], np.ndarray) else 0.0
                    for w in wrt]
            j = int(rng.integers(len(wrt))) if wrt else 0
            if wrt:
                if isinstance(unit[j], np.ndarray):
                    unit[j].flat[int(rng.integers(unit[j].size))] = 1.0
                else:
                    unit[j] = 1.0
            tangents = [dense, unit]
            exact = bool(rep.exact)
            stats["exact"] += exact
            for name, val in (("grad value", v1), ("vjp value", v2)):
                if not close(val, value, RTOL_EQ, 1e-12):
                    fail({"cls": "primal-mismatch", "stage": name,
                          "message": f"{name} {float(val)!r} vs python {value!r}"}, k)
            if not all(close(a, COTANGENT * b, RTOL_EQ, 1e-12) for a, b in zip(adj, gl)):
                fail({"cls": "vjp-vs-grad" + ("" if exact else ":kink"), "stage": "vjp",
                      "message": "vjp(c) != c * grad"}, k)
            jvps = []
            for ti, t in enumerate(tangents):
                if not wrt:
                    break
                stage = "jvp"
                v3, dt = d.jvp(fresh(args), t)
                jvps.append(float(dt))
                if not close(v3, value, RTOL_EQ, 1e-12):
                    fail({"cls": "primal-mismatch", "stage": "jvp value",
                          "message": f"jvp value {float(v3)!r} vs python {value!r}"}, k)
                lhs = dot(t, adj)
                rhs = COTANGENT * float(dt)
                scale = sum(float(np.sum(np.abs(np.asarray(a) * np.asarray(b)))) for a, b in zip(t, adj))
                stats["identity_checked"] += 1
                if abs(lhs - rhs) > 1e-8 * (scale + abs(rhs)) + 1e-12:
                    fail({"cls": "dot-identity" + ("" if exact else ":kink"), "stage": "jvp/vjp",
                          "message": f"<t, vjp(c)> = {lhs!r} but c * jvp(t) = {rhs!r}", "tangent": ti}, k)
                if not exact:
                    continue
                rev = dot(t, gl)
                du = dual.directional(mod, args, params, wrt, t)
                if du is not None and close(du[0], value, RTOL_EQ, 1e-12):
                    stats["dual_checked"] += 1
                    tol = 1e-10 * (1.0 + scale / abs(COTANGENT))
                    fwd_ok = close(float(dt), du[1], RTOL_DUAL, tol)
                    rev_ok = close(rev, du[1], RTOL_DUAL, tol)
                    if not (fwd_ok and rev_ok):
                        which = "both" if not (fwd_ok or rev_ok) else ("forward" if not fwd_ok else "reverse")
                        fail({"cls": f"dual-mismatch:{which}", "stage": "dual", "exact": True,
                              "message": f"along tangent {ti}: dual numbers {du[1]!r}, jvp {float(dt)!r}, "
                                         f"<grad, t> {rev!r}", "tangent": ti}, k)
                if clarke and ti == 0 and wrt:
                    stage = "clarke"
                    try:
                        cg = d.clarke_grad(*fresh(args))
                    except nsadc.UnsupportedError:  # Clarke mode not available for this program
                        cg = None
                        stats["clarke_refused"] = stats.get("clarke_refused", 0) + 1
                    cl = (flat_adjoints(cg) if len(wrt) > 1 else [cg]) if cg is not None else gl
                    stats["clarke_checked"] += cg is not None
                    if not all(close(a, b, 1e-8, 1e-10 * (1 + scale)) for a, b in zip(cl, gl)):
                        fail({"cls": "clarke-vs-grad", "stage": "clarke", "exact": True,
                              "message": "clarke_grad differs from grad at a point where no kink was met"}, k)
                    stage = "fd"
                fd = fd_directional(fn, args, params, wrt, t)
                if fd is None:
                    continue
                stats["fd_checked"] += 1
                scale_fd = ATOL_FD * (1 + abs(value))
                fwd_ok = close(float(dt), fd, RTOL_FD, scale_fd)
                rev_ok = close(rev, fd, RTOL_FD, scale_fd)
                if not (fwd_ok and rev_ok):
                    which = "both" if not (fwd_ok or rev_ok) else ("forward" if not fwd_ok else "reverse")
                    fail({"cls": f"wrong-gradient:{which}", "stage": "fd", "exact": True,
                          "message": f"along tangent {ti}: central difference {fd!r}, jvp {float(dt)!r}, "
                                     f"<grad, t> {rev!r}", "tangent": ti}, k)
            if not standalone_done:
                standalone_done = True
                stage = "source"
                src = d.source("both", *fresh(args))
                stage = "standalone"
                _standalone(src, "source", args, tangents, jvps, adj, value, wrt, k, fail)
                stats["standalone"] += 1
            if cli:
                cli = False
                stage = "cli"
                _cli(mod, args, tangents, jvps, adj, value, wrt, k, fail)
                stats["cli"] += 1
        except Hang:
            raise
        except Exception as e:  # noqa: BLE001
            info = classify_exception(e, stage)
            if info["kind"] == "refusal":
                res["refusal"] = info
                if res["status"] == "ok":
                    res["status"] = "refused"
                break
            fail(info, k)
    if failures:
        res["status"] = "failure"
    return res


def _standalone(src, how, args, tangents, jvps, adj, value, wrt, k, fail):
    try:
        _standalone_checks(src, how, args, tangents, jvps, adj, value, wrt, k, fail)
    except Hang:
        raise
    except Exception as e:  # noqa: BLE001  (the emitted module itself raised)
        info = classify_exception(e, how)
        fail(info | {"cls": f"standalone-raw-exception:{how}:{type(e).__name__}"}, k)


def _standalone_checks(src, how, args, tangents, jvps, adj, value, wrt, k, fail):
    import inspect

    m = load(src, prefix="fzemit")
    # the module's own wrt (nsadc emit guesses from the code alone: an index
    # array the code does not show as one is a float array there, docs/arrays.md)
    names = [p[:-4] for p in inspect.signature(m.f_jvp).parameters if p.endswith("_dot")]
    by_name = dict(zip(inspect.signature(m.f_jvp).parameters, args))
    if names != list(wrt):
        if not set(wrt) <= set(names):
            fail({"cls": f"standalone-mismatch:{how}:wrt", "stage": "standalone",
                  "message": f"emitted module differentiates {names}, in-process {list(wrt)}"}, k)
            return
        pos = {w: i for i, w in enumerate(wrt)}

        def widen(t):
            return [t[pos[w]] if w in pos else np.zeros(np.shape(by_name[w])) for w in names]
        tangents = [widen(t) for t in tangents]
    for ti, t in enumerate(tangents[:len(jvps)]):
        v, dt = m.f_jvp(*fresh(args), *[np.array(x) if isinstance(x, np.ndarray) else x for x in t])
        if not (close(v, value, RTOL_EQ, 1e-12) and close(dt, jvps[ti], RTOL_EQ, 1e-12)):
            fail({"cls": f"standalone-mismatch:{how}:forward", "stage": "standalone",
                  "message": f"emitted f_jvp gives ({float(v)!r}, {float(dt)!r}), in-process "
                             f"({value!r}, {jvps[ti]!r})"}, k)
    v, a = m.f_vjp(*fresh(args), COTANGENT)
    a = flat_adjoints(a)
    if names != list(wrt) and len(a) == len(names):
        a = [x for x, w in zip(a, names) if w in wrt]
    if not (close(v, value, RTOL_EQ, 1e-12) and len(a) == len(adj)
            and all(close(x, y, RTOL_EQ, 1e-12) for x, y in zip(a, adj))):
        fail({"cls": f"standalone-mismatch:{how}:reverse", "stage": "standalone",
              "message": "emitted f_vjp differs from the in-process vjp"}, k)


def _cli(mod, args, tangents, jvps, adj, value, wrt, k, fail):
    path = mod.__file__
    try:
        cli = "import sys; from nsadc.cli import main; sys.argv[0] = 'nsadc'; main()"
        p = subprocess.run([sys.executable, "-c", cli, "emit", f"{path}:f", "--mode", "both"],
                           capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        fail({"cls": "hang", "stage": "cli", "message": "nsadc emit did not finish in 120 s"}, k)
        return
    if p.returncode != 0:
        if re.search(r"/nsadc/\S+\.py\", line \d+\n(.*\n)*SyntaxError", p.stderr):
            return  # the working tree was caught in the middle of an edit: not a finding
        if "Traceback" in p.stderr:
            last = p.stderr.strip().splitlines()[-1][:300]
            fail({"cls": f"cli-raw-exception:{last.split(':')[0]}", "stage": "cli", "message": last,
                  "traceback": p.stderr[-4000:]}, k)
        return  # a refusal (e.g. ranks the code does not show)
    _standalone(p.stdout, "cli", args, tangents, jvps, adj, value, wrt, k, fail)
