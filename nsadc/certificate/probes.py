"""Numeric probes: run the function and its emitted derivative and check what
the certificate claims.  Unlike the static part, these *execute* the code.

- Continuity probes: along random segments, find where the branch decisions
  (or the piece of a floor, round, ``%`` ...) change, locate the change by
  bisection down to adjacent floating-point numbers, and measure the jump of
  the function there.  The decisions come from nsadc's primal IR with a trace
  statement after each site (emitted and run like any emitted module).
- The curve identity that defines a conservative field:
  ``f(b) - f(a) = ∫₀¹ <D(a + t(b - a)), b - a> dt`` with the derivative nsadc
  emits (reverse mode, and forward mode), the integral by adaptive Simpson
  quadrature that refines around the kinks the segment crosses; on random
  segments and on segments through the crossings found above.
- Artificial critical points: at points where the kink report says a kink was
  met, compare the derivative with one-sided finite differences; where ``f``
  looks differentiable but AD returns something else (``relu(x) - relu(-x)``
  at 0 gives 0), report the point.

The probes receive compiled callables (``primal``, ``jvp``, ``vjp``,
``vjp_report``) from the API; they never import it.
"""

from __future__ import annotations

import copy
import math
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nsadc.certificate.certificate import Certificate, Witness
from nsadc.emit import function_source
from nsadc.rules.source import expr_source
from nsadc.ir.nodes import Assign, For, If, Raw, Stmt, While
from nsadc.rules.table import RULES

JUMP_TOL = 1e-7
CURVE_TOL = 1e-6  # relative discrepancy of the curve identity that fails the check
QUAD_TOL = 1e-11
MAX_EVALS = 40000  # integrand evaluations per segment and mode


@dataclass
class Kernels:
    """The compiled callables the probes run (from ``Differentiable._kernels``)."""

    primal: Callable
    jvp: Callable
    vjp: Callable
    vjp_report: Callable
    sites: list
    ld: Callable | None = None  # Clarke mode (lexicographic derivatives), where available


def contracted(k: Kernels, outputs: list[str]) -> tuple[Kernels, Callable]:
    """The kernels of a vector-valued function as those of one fixed, generic
    linear combination of its outputs, ``sum_o <c_o, f_o(x)>``, with the
    function that makes that combination of raw outputs.  Every derivative of
    the combination is the same combination of the outputs' derivatives, so the
    probes of the scalar check the rows together (a failing row shows unless
    its weight cancels it, which generic weights do not)."""
    many = len(outputs) != 1

    def parts(value) -> list:
        return list(value) if many else [value]

    def weights(o: int, shape) -> np.ndarray:
        size = int(np.prod(shape, dtype=np.int64))
        return (1.0 + 0.5 * np.sin(1.7 * np.arange(size) + o)).reshape(shape)

    def contract(value) -> float:
        return float(sum(np.sum(weights(o, np.shape(v)) * np.asarray(v)) for o, v in enumerate(parts(value))))

    def cotangents(args, scale) -> list:
        value = k.primal(*args)
        return [weights(o, np.shape(v)) * scale if np.ndim(v) else float(weights(o, ()) * scale)
                for o, v in enumerate(parts(value))]

    def primal(*args):
        return contract(k.primal(*args))

    def jvp(*args):
        value, dot = k.jvp(*args)
        return contract(value), contract(dot)

    def vjp(*args):
        *args, scale = args
        value, adj = k.vjp(*args, *cotangents(args, scale))
        return contract(value), adj

    def vjp_report(*args):
        *args, scale, hits = args
        value, adj = k.vjp_report(*args, *cotangents(args, scale), hits)
        return contract(value), adj

    def ld(*args):
        value, dots, *rest = k.ld(*args)
        per_output = parts(dots)
        if rest:  # arrays form: each output's directions with the direction first
            combined = sum(np.tensordot(np.asarray(d), weights(o, np.shape(d)[1:]), axes=np.ndim(d) - 1)
                           for o, d in enumerate(per_output))
        else:  # unrolled form: each output's tuple of directional derivatives
            combined = sum(weights(o, ()) * np.asarray(d, dtype=float) for o, d in enumerate(per_output))
        return (contract(value), tuple(combined), *rest)

    return Kernels(primal, jvp, vjp, vjp_report, k.sites, ld if k.ld is not None else None), contract


# ------------------------------------------------------------------ traced primal


def _trace_code(s: Assign) -> str | None:
    """A statement that records which side of site ``s`` the evaluation is on."""
    prim = s.value.prim
    kind = RULES[prim].kink.kind
    k = s.site
    args = [expr_source(a) for a in s.value.args]
    if kind == "branch" or prim in ("floor", "ceil", "trunc", "round", "npfloor", "npceil", "nptrunc",
                                    "nprint", "sign", "floordiv"):
        return f"_trace.append(({k}, {s.target}))"
    if prim == "mod":
        return f"_trace.append(({k}, math.floor({args[0]} / {args[1]}) if {args[1]} else 0))"
    if prim == "copysign":
        return f"_trace.append(({k}, math.copysign(1.0, {args[1]})))"
    return None


def _instrument(block: list[Stmt]) -> list[Stmt]:
    out: list[Stmt] = []
    for s in block:
        if isinstance(s, If):
            s.body, s.orelse = _instrument(s.body), _instrument(s.orelse)
        elif isinstance(s, (For, While)):
            s.body = _instrument(s.body)
        out.append(s)
        if isinstance(s, Assign) and s.site is not None:
            code = _trace_code(s)
            if code:
                out.append(Raw(code))
    return out


def traced_primal(primal) -> Callable:
    """The primal IR with a trace of its decisions: ``f(*args, trace) -> value``."""
    fn = copy.deepcopy(primal)
    fn.name = f"{primal.name}_traced"
    fn.body = _instrument(fn.body)
    text = "import math\n\nimport numpy as np\n\n\n" + function_source(fn, ["_trace"])
    ns: dict = {}
    exec(compile(text, f"<nsadc traced {primal.name}>", "exec"), ns)  # noqa: S102
    return ns[fn.name]


# ------------------------------------------------------------------ helpers


def _quiet(f, *args):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                return f(*args)
    except (ArithmeticError, ValueError):
        return None


class _Problem:
    """Argument handling: which positions are differentiated, how to sample."""

    def __init__(self, params: list[str], types: dict[str, str], wrt: list[str], defaults: dict,
                 ranges: dict | None, rng, domain=None):
        from nsadc.certificate.domain import parse_bound

        self.params = params
        self.types = types
        self.wrt = wrt
        self.idx = [params.index(w) for w in wrt]
        self.defaults = defaults
        self.ranges = {k: (parse_bound(v[0]), parse_bound(v[1])) for k, v in (ranges or {}).items()}
        self.rng = rng
        self.domain = domain  # a certificate Domain: stated and derived relations

    def inside(self, vals: list) -> bool:
        if not _inside(self, vals):
            return False
        return self.domain is None or self.domain.contains(self.point(vals))

    def sample(self) -> list:
        """A point of the domain (rejection sampling; after 200 tries, the last one)."""
        for _ in range(200):
            vals = self._sample()
            if self.inside(vals):
                return vals
        return vals

    def _sample(self) -> list:
        vals = []
        for p in self.params:
            t = self.types[p]
            if p in self.ranges:
                lo, hi = self.ranges[p]
                if t == "float" and math.isfinite(lo) and math.isfinite(hi):
                    v = self.rng.uniform(lo, hi)
                elif t == "float":
                    scale = 1.0 if self.rng.random() < 0.5 else 3.0
                    v = (lo + abs(self.rng.normal(0.0, scale)) if math.isfinite(lo) else
                         hi - abs(self.rng.normal(0.0, scale)) if math.isfinite(hi) else self.rng.normal(0.0, scale))
                else:
                    a = int(lo) if math.isfinite(lo) else int(min(hi, 0)) - 5
                    b = int(hi) if math.isfinite(hi) else a + 5
                    v = int(self.rng.integers(a, b + 1))
            elif t == "float":
                scale = 1.0 if self.rng.random() < 0.5 else 3.0
                v = float(self.rng.normal(0.0, scale))
            elif t == "int":
                v = int(self.defaults[p]) if p in self.defaults else int(self.rng.integers(1, 6))
            else:
                v = bool(self.defaults[p]) if p in self.defaults else bool(self.rng.integers(0, 2))
            vals.append(float(v) if t == "float" else v)
        return vals

    def segment_end(self, a: list) -> list:
        """Another point that differs from ``a`` only in the differentiated
        arguments (in the domain, when one is found in 50 tries)."""
        for _ in range(50):
            b = self.sample()
            out = list(a)
            for i in self.idx:
                out[i] = b[i]
            if self.inside(out) and self.inside(self.along(a, out, 0.5)):
                return out
        return out

    def along(self, a: list, b: list, t: float) -> list:
        out = list(a)
        for i in self.idx:
            out[i] = a[i] + t * (b[i] - a[i])
        return out

    def point(self, vals: list) -> dict:
        return {p: (float(v) if isinstance(v, float) else v) for p, v in zip(self.params, vals)}


def _first_difference(t0: list, t1: list) -> int | None:
    """The site of the first entry where two traces differ."""
    for e0, e1 in zip(t0, t1):
        if e0 != e1:
            return e0[0]
    if len(t0) != len(t1):
        longer = t0 if len(t0) > len(t1) else t1
        return longer[min(len(t0), len(t1))][0]
    return None


# ------------------------------------------------------------------ continuity


def _continuity(prob: _Problem, f, traced, n_segments: int, tick) -> dict:
    """Crossings per site: {site: [(jump, point, values)]} and the crossing points."""
    grid = np.linspace(0.0, 1.0, 33)
    per_site: dict[int, list] = {}
    points: list[list] = []

    def trace(x):
        tr: list = []
        v = _quiet(traced, *x, tr)
        return tr, v

    for _ in range(n_segments):
        tick()
        a = prob.sample()
        b = prob.segment_end(a)
        traces = [trace(prob.along(a, b, float(t)))[0] for t in grid]
        for i in range(len(grid) - 1):
            if traces[i] == traces[i + 1]:
                continue
            lo, hi = float(grid[i]), float(grid[i + 1])
            t_lo = traces[i]
            for _ in range(80):
                mid = 0.5 * (lo + hi)
                if mid in (lo, hi):
                    break
                if trace(prob.along(a, b, mid))[0] == t_lo:
                    lo = mid
                else:
                    hi = mid
            x0, x1 = prob.along(a, b, lo), prob.along(a, b, hi)
            if not (prob.inside(x0) or prob.inside(x1)):
                continue  # a crossing outside the domain of the claim
            tr0, _ = trace(x0)
            tr1, _ = trace(x1)
            site = _first_difference(tr0, tr1)
            if site is None:
                continue
            f0, f1 = _quiet(f, *x0), _quiet(f, *x1)
            delta = 1e-7 * (1.0 + abs(lo))
            g0, g1 = _quiet(f, *prob.along(a, b, lo - delta)), _quiet(f, *prob.along(a, b, hi + delta))
            if any(v is None or not math.isfinite(v) for v in (f0, f1, g0, g1)):
                continue
            jump = abs(f1 - f0)
            if jump <= 10.0 * max(abs(g0 - f0), abs(g1 - f1)):
                jump = 0.0  # no larger than the variation next to it: rounding noise, or steep but continuous
            per_site.setdefault(site, []).append((jump, x0, (f0, f1)))
            points.append(x0)
    return {"per_site": per_site, "points": points}


# ------------------------------------------------------------------ curve identity


def _simpson(g, a: float, b: float, fa: float, fm: float, fb: float, whole: float, tol: float,
             depth: int, budget: list) -> float:
    m = 0.5 * (a + b)
    lm, rm = 0.5 * (a + m), 0.5 * (m + b)
    flm, frm = g(lm), g(rm)
    budget[0] -= 2
    left = (m - a) / 6.0 * (fa + 4.0 * flm + fm)
    right = (b - m) / 6.0 * (fm + 4.0 * frm + fb)
    delta = left + right - whole
    if depth <= 0 or budget[0] <= 0 or abs(delta) <= 15.0 * tol or m in (a, b):
        return left + right + delta / 15.0
    return (_simpson(g, a, m, fa, flm, fm, left, 0.5 * tol, depth - 1, budget)
            + _simpson(g, m, b, fm, frm, fb, right, 0.5 * tol, depth - 1, budget))


def integrate(g, panels: int = 64, tol: float = QUAD_TOL, max_evals: int = MAX_EVALS) -> tuple[float, float, int]:
    """∫₀¹ g (adaptive Simpson over ``panels`` panels): (integral, ∫|g| roughly, evaluations)."""
    budget = [max_evals]
    xs = np.linspace(0.0, 1.0, 2 * panels + 1)
    ys = [g(float(x)) for x in xs]
    budget[0] -= len(xs)
    total = 0.0
    absolute = 0.0
    for k in range(panels):
        a, b = float(xs[2 * k]), float(xs[2 * k + 2])
        fa, fm, fb = ys[2 * k], ys[2 * k + 1], ys[2 * k + 2]
        whole = (b - a) / 6.0 * (fa + 4.0 * fm + fb)
        total += _simpson(g, a, b, fa, fm, fb, whole, tol / panels, 50, budget)
        absolute += (b - a) / 6.0 * (abs(fa) + 4.0 * abs(fm) + abs(fb))
    return total, absolute, max_evals - budget[0]


def _curve(prob: _Problem, k: Kernels, segments: list[tuple[list, list]], tick) -> dict:
    worst = None
    checked = skipped = 0
    max_disc = 0.0
    for a, b in segments:
        tick()
        fa, fb = _quiet(k.primal, *a), _quiet(k.primal, *b)
        if fa is None or fb is None or not (math.isfinite(fa) and math.isfinite(fb)):
            skipped += 1
            continue
        delta = [b[i] - a[i] for i in prob.idx]
        bad = [False]

        def g_rev(t):
            x = prob.along(a, b, t)
            out = _quiet(k.vjp, *x, 1.0)
            if out is None:
                bad[0] = True
                return 0.0
            adj = out[1]
            v = float(sum(gi * di for gi, di in zip(adj, delta)))
            if not math.isfinite(v):
                bad[0] = True
                return 0.0
            return v

        def g_fwd(t):
            x = prob.along(a, b, t)
            out = _quiet(k.jvp, *x, *delta)
            if out is None or not math.isfinite(out[1]):
                bad[0] = True
                return 0.0
            return float(out[1])

        lhs = fb - fa
        seg_ok = True
        results = []
        for mode, g in (("reverse", g_rev), ("forward", g_fwd)):
            bad[0] = False
            integral, absolute, evals = integrate(g)
            if bad[0]:
                seg_ok = False
                break
            disc = abs(lhs - integral) / (1.0 + abs(lhs) + absolute)
            results.append((disc, mode, integral, evals))
        if not seg_ok:
            skipped += 1
            continue
        checked += 1
        for disc, mode, integral, evals in results:
            if worst is None or disc > worst["discrepancy"]:
                worst = {"discrepancy": disc, "mode": mode, "a": prob.point(a), "b": prob.point(b),
                         "lhs": lhs, "rhs": integral, "evaluations": evals}
            max_disc = max(max_disc, disc)
    return {"segments": checked, "skipped": skipped, "tolerance": CURVE_TOL,
            "max_discrepancy": max_disc, "passed": max_disc <= CURVE_TOL, "worst": worst}


# ------------------------------------------------------------------ artificial critical points


def _snap(vals: list, prob: _Problem) -> list:
    out = list(vals)
    for i in prob.idx:
        v = out[i]
        r = round(v)
        if abs(v - r) < 1e-7:
            out[i] = float(r)
    for i in prob.idx:
        for j in prob.idx:
            if j > i and abs(out[i] - out[j]) < 1e-7:
                out[j] = out[i]
    return out


def _candidates(prob: _Problem, crossings: list[list], n: int) -> list[list]:
    cands = []
    for _ in range(max(2, n)):
        p = prob.sample()
        z = list(p)
        for i in prob.idx:
            z[i] = 0.0
        cands.append(z)
        for i in prob.idx:
            q = list(p)
            q[i] = 0.0
            cands.append(q)
            r = list(p)
            r[i] = float(round(r[i]))
            cands.append(r)
            for j in prob.idx:
                if j > i:
                    e = list(p)
                    e[j] = e[i]
                    cands.append(e)
    cands += [_snap(c, prob) for c in crossings[:16]]
    seen = set()
    out = []
    for c in cands:
        key = tuple(c)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out[:200]


def _artificial(prob: _Problem, k: Kernels, candidates: list[list], tick) -> list[dict]:
    found = []
    nsites = max(1, len(k.sites))
    for x in candidates:
        tick()
        hits = np.zeros(nsites, np.int64)
        out = _quiet(k.vjp_report, *x, 1.0, hits)
        if out is None:
            continue
        met = [s for s in k.sites if hits[s.index] and s.kind in ("kink", "branch")]
        if not met:
            continue
        g = np.array(out[1], dtype=float)
        f0 = _quiet(k.primal, *x)
        if f0 is None or not math.isfinite(f0) or not np.all(np.isfinite(g)):
            continue
        fd = []
        differentiable = True
        for i in prob.idx:
            h = 1e-6 * (1.0 + abs(x[i]))
            xp, xm = list(x), list(x)
            xp[i] += h
            xm[i] -= h
            fp, fm = _quiet(k.primal, *xp), _quiet(k.primal, *xm)
            if fp is None or fm is None:
                differentiable = False
                break
            dp, dm = (fp - f0) / h, (f0 - fm) / h
            if abs(dp - dm) > 1e-4 * (1.0 + abs(dp) + abs(dm)):
                differentiable = False
                break
            fd.append(0.5 * (dp + dm))
        if not differentiable:
            continue
        fd = np.array(fd)
        # along a few random directions too: f must look linear there
        for _ in range(3):
            u = prob.rng.normal(size=len(prob.idx))
            u /= np.linalg.norm(u) or 1.0
            h = 1e-6 * (1.0 + max(abs(x[i]) for i in prob.idx))
            xp = list(x)
            for i, ui in zip(prob.idx, u):
                xp[i] += h * ui
            fp = _quiet(k.primal, *xp)
            if fp is None or abs((fp - f0) / h - float(fd @ u)) > 1e-4 * (1.0 + abs(float(fd @ u))):
                differentiable = False
                break
        if not differentiable:
            continue
        reference, how = fd, "finite differences"
        clarke = _clarke(k, x, len(prob.idx))
        if clarke is not None and np.all(np.abs(clarke - fd) <= 1e-4 * (1.0 + np.abs(fd))):
            reference, how = clarke, "Clarke mode"
        if np.all(np.abs(g - reference) <= 1e-4 * (1.0 + np.abs(reference))):
            continue
        fd = reference
        artificial = bool(np.all(np.abs(g) <= 1e-12) and np.any(np.abs(fd) > 1e-6))
        where = [f"{os.path.basename(s.loc.file)}:{s.loc.line}:{s.loc.col + 1} {s.prim}" if s.loc else s.prim
                 for s in met]
        note = ("possible artificial critical point: AD returns 0 where f looks differentiable with a "
                "nonzero gradient" if artificial else
                "AD returns a value that differs from the gradient f appears to have here")
        found.append({"point": prob.point(x), "gradient": [float(v) for v in g],
                      "reference_gradient": [float(v) for v in fd], "reference": how, "kinks": where,
                      "artificial_critical_point": artificial, "note": note})
        if len(found) >= 10:
            break
    return found


def _clarke(k: Kernels, x: list, n: int):
    """Clarke mode's element of the Clarke set at ``x`` (identity directions), or None."""
    if k.ld is None:
        return None
    seeds = [1.0 if i == j else 0.0 for i in range(n) for j in range(n)]
    out = _quiet(k.ld, *x, *seeds)
    if out is None:
        return None
    g = np.array(out[1][:n], dtype=float)
    return g if np.all(np.isfinite(g)) else None


# ------------------------------------------------------------------ driver


def run(cert: Certificate, primal_ir, kernels: Kernels, params: list[str], types: dict[str, str],
        wrt: list[str], defaults: dict | None = None, points: int = 64, seed: int = 0,
        ranges: dict | None = None, progress: Callable[[str, int, int], None] | None = None,
        target: str | None = None, domain=None, contract: Callable | None = None) -> Certificate:
    """Run the probes and fold their results into ``cert`` (returned).  For a
    vector output, ``kernels`` and ``contract`` come from :func:`contracted`."""
    rng = np.random.default_rng(seed)
    from nsadc.errors import ArgumentError, NsadcError
    from nsadc.rules.arrays import is_array

    arrays = [p for p in params if is_array(types.get(p))]
    if arrays:
        raise NsadcError(f"the numeric probes sample scalar arguments, and {', '.join(arrays)} "
                         f"{'is an array' if len(arrays) == 1 else 'are arrays'}; for array programs use "
                         "the static certificate (f.certificate() / nsadc certify) for now")

    for name, span in (ranges or {}).items():
        if name not in params:
            raise ArgumentError(f"ranges names {name!r}, which is not an argument ({', '.join(params)})")
        if len(span) != 2 or not float(span[0]) <= float(span[1]):
            raise ArgumentError(f"ranges[{name!r}] must be (low, high) with low <= high, not {span!r}")
    if domain is None:
        domain = getattr(cert, "space", None)
    prob = _Problem(params, types, [w for w in wrt if types.get(w) == "float"], defaults or {}, ranges, rng,
                    domain)
    n_cont = max(4, points)
    n_curve = max(4, points // 4)
    n_art = max(2, points // 16)
    total = n_cont + n_curve + 8 + n_art * (1 + 3 * max(1, len(prob.idx)))
    done = [0]

    def tick(phase):
        def inner():
            done[0] += 1
            if progress is not None:
                progress(phase, done[0], total)
        return inner

    traced = traced_primal(primal_ir)
    if contract is not None:  # a vector output, probed through a combination of its rows (contracted)
        raw_traced = traced
        traced = lambda *args: contract(raw_traced(*args))  # noqa: E731
    checks: dict = {"seed": seed, "points": points, "ranges": {k: list(v) for k, v in prob.ranges.items()},
                    "target": target, "passed": True, "failures": []}

    # continuity
    cont = _continuity(prob, kernels.primal, traced, n_cont, tick("continuity"))
    by_site: dict[int, object] = {}
    for o in cert.obligations:
        if o.kind == "continuity":
            for s in o.sites:
                by_site[s] = o
    crossings = jumps = 0
    max_jump = 0.0
    for site, items in cont["per_site"].items():
        o = by_site.get(site)
        crossings += len(items)
        bad = [it for it in items if it[0] > JUMP_TOL * (1.0 + abs(it[2][0]) + abs(it[2][1]))]
        if bad:
            jumps += len(bad)
        max_jump = max([max_jump] + [it[0] for it in items])
        if o is None:
            continue
        o.probe_crossings += len(items)
        if bad:
            jump, x0, values = max(bad, key=lambda it: it[0])
            was = o.status
            o.status = "violated"
            o.method = "probes"
            o.witness = Witness(prob.point(x0), jump, values, "probe", site)
            o.detail = (f"running {cert.identity.get('function')}, it jumps by {jump:.3g} where this site "
                        f"flips ({values[0]:.6g} on one side, {values[1]:.6g} on the other)")
            if was == "proved":
                o.detail += "; this contradicts the static proof: please report it"
        elif o.status in ("open", "probed"):
            o.status = "probed"
            o.method = "probes" if o.method == "none" else f"{o.method} + probes"
            o.detail = (f"no jump at {o.probe_crossings} crossings found by running "
                        f"{cert.identity.get('function')}" + (f"; {o.detail}" if o.detail else ""))
    checks["continuity"] = {"segments": n_cont, "crossings": crossings, "jumps": jumps, "max_jump": max_jump}

    # curve identity, on segments that stay where the claim is made: a segment
    # through a point a domain restriction excludes (x = 0 for sqrt(abs(x))) is
    # skipped, as the claim says nothing there
    restrictions = _restrictions(cert)
    segments = []
    excluded = 0
    for _ in range(n_curve):
        a = prob.sample()
        b = prob.segment_end(a)
        if prob.inside(a) and prob.inside(b):
            segments.append((a, b))
    for x in cont["points"][:8]:  # segments through the crossings found above
        other = prob.segment_end(x)
        a = prob.along(x, other, -0.5)
        b = prob.along(x, other, 0.5)
        if prob.inside(a) and prob.inside(b):
            segments.append((a, b))
    if restrictions:
        kept = [s for s in segments if not _leaves_domain(prob, restrictions, *s)]
        excluded = len(segments) - len(kept)
        segments = kept
    total += len(segments) - n_curve - 8
    curve = _curve(prob, kernels, segments, tick("curve identity"))
    curve["skipped"] += excluded
    checks["curve_identity"] = curve
    if not curve["passed"]:
        w = curve["worst"]
        checks["passed"] = False
        checks["failures"].append(
            f"curve identity fails ({w['mode']} mode): f(b) - f(a) = {w['lhs']:.6g} but the integral of "
            f"the derivative along the segment is {w['rhs']:.6g} (relative discrepancy "
            f"{w['discrepancy']:.3g} > {CURVE_TOL:g})")

    # artificial critical points
    cands = _candidates(prob, cont["points"], n_art)
    total += len(cands) - n_art * (1 + 3 * max(1, len(prob.idx)))
    checks["artificial_critical_points"] = _artificial(prob, kernels, cands, tick("kinks"))
    if progress is not None:
        progress("done", total, total)
    cert.checks = checks
    return cert


def _restrictions(cert: Certificate) -> list[Callable]:
    """The derived domain restrictions of the certificate (``abs(x) > 0`` for
    ``sqrt(abs(x))``), each as ``g(values) -> margin``: positive inside, and 0
    or less on or beyond the excluded set.  A restriction that does not read
    as a comparison of the arguments is left out."""
    import ast

    out = []
    texts = {o.restriction for o in cert.obligations
             if o.kind == "domain" and o.status == "restricted" and o.restriction}
    for text in sorted(texts):
        for part in text.split(" and "):
            try:
                node = ast.parse(part.strip(), mode="eval").body
            except SyntaxError:
                continue
            if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
                continue
            op = node.ops[0]
            left = ast.unparse(node.left)
            right = ast.unparse(node.comparators[0])
            if isinstance(op, (ast.Gt, ast.GtE)):
                expr = f"({left}) - ({right})"
            elif isinstance(op, (ast.Lt, ast.LtE)):
                expr = f"({right}) - ({left})"
            elif isinstance(op, ast.NotEq):
                expr = f"abs(({left}) - ({right}))"
            else:
                continue
            out.append(compile(expr, "<domain restriction>", "eval"))
    return out


def _leaves_domain(prob: _Problem, restrictions: list, a: list, b: list, n: int = 129) -> bool:
    """Whether the segment from ``a`` to ``b`` meets a point that a domain
    restriction excludes: a margin that is 0 or less at a sample, or whose
    smallest value, refined by golden-section search, reaches 0 (``abs(x) > 0``
    on a segment through x = 0, whose margin never goes negative)."""
    env = {"math": math, "np": np, "abs": abs, "max": max, "min": min, "__builtins__": {}}

    def margin(code, t):
        vals = prob.point(prob.along(a, b, t))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return float(eval(code, env, vals))  # noqa: S307 - the certificate's own text

    for code in restrictions:
        try:
            ts = np.linspace(0.0, 1.0, n)
            gs = [margin(code, float(t)) for t in ts]
        except Exception:  # noqa: BLE001 - a restriction over names the probes do not know
            continue
        if any(not g > 0 for g in gs):
            return True
        k = int(np.argmin(gs))
        lo, hi = float(ts[max(k - 1, 0)]), float(ts[min(k + 1, n - 1)])
        r = (math.sqrt(5.0) - 1.0) / 2.0
        c, d = hi - r * (hi - lo), lo + r * (hi - lo)
        gc, gd = margin(code, c), margin(code, d)
        for _ in range(100):
            if gc < gd:
                hi, d, gd = d, c, gc
                c = hi - r * (hi - lo)
                gc = margin(code, c)
            else:
                lo, c, gc = c, d, gd
                d = lo + r * (hi - lo)
                gd = margin(code, d)
        if not min(gc, gd) > 1e-12 * (1.0 + max(abs(g) for g in gs)):
            return True
    return False


def _inside(prob: _Problem, x: list) -> bool:
    for p, (lo, hi) in prob.ranges.items():
        i = prob.params.index(p)
        if not lo <= x[i] <= hi:
            return False
    return True
