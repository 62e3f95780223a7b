"""The campaign driver: ``python -m tools.fuzz --programs N --seed S``.

Program ``k`` of a campaign is ``generate(S + k)``; each is checked in a
worker process (``worker.Worker``) under a time limit.  Results go to
``--out`` (default ``fuzz-out/``):

* ``results.jsonl``: one line per program (seed, status, failures, refusal, stats);
* ``summary.json`` and ``summary.md``: the figures, failures by class, refusals;
* ``findings/``: for each failure group (class and message), the original
  program and its minimized reproducer, a runnable ``.py`` file whose
  ``__main__`` block calls nsadc at the failing point.

``python -m tools.fuzz --replay FILE.json ...`` re-checks (and minimizes) saved
programs; ``--no-minimize`` skips the minimizer.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from tools.fuzz.gen import generate
from tools.fuzz.minimize import failure_key, minimize
from tools.fuzz.worker import Worker


MIXED = (None, "jax", "torch", "min-norm")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60]


def reproducer(prog: dict, failure: dict, target: str, kinks=None) -> str:
    """The program's source with a header saying what fails and a main
    block that calls nsadc at the failing point."""
    k = failure.get("point")
    pt = prog["points"][k if k is not None else 0]
    head = [f"# nsadc fuzz finding: {failure['cls']}",
            f"# stage: {failure.get('stage')}; message: {failure.get('message', '')[:200]}",
            f"# generator seed {prog['seed']}; target {target!r}; run: python THIS_FILE.py", ""]
    args = []
    for name, kind, _ in prog["params"]:
        v = pt[name]
        if kind in ("vec", "mat"):
            args.append(f"np.array({v!r})")
        elif kind == "ivec":
            args.append(f"np.array({v!r}, dtype=np.int64)")
        else:
            args.append(repr(v))
    main = ["", "", 'if __name__ == "__main__":', "    import nsadc", "",
            f"    args = ({', '.join(args)},)",
            "    fresh = lambda: [a.copy() if isinstance(a, np.ndarray) else a for a in args]  # noqa: E731",
            f"    d = nsadc.differentiate(f, target={target!r}" + (f", kinks={kinks!r}" if kinks else "") + ")",
            "    print('python', f(*fresh()))",
            "    print('nsadc ', d(*fresh()))",
            "    g, rep = d.grad(*fresh(), report=True)",
            "    print('grad  ', g, 'exact' if rep.exact else rep.kinks)",
            "    print('vjp   ', d.vjp(fresh(), 1.0))"]
    if failure["cls"].startswith(("wrong-gradient", "dot-identity")):
        main += ["    # central differences along each scalar entry of the wrt arguments",
                 "    pos = {p: k for k, p in enumerate(d._params)}",
                 "    for w in d.wrt:",
                 "        base = args[pos[w]]",
                 "        for j in range(np.size(base)):",
                 "            def shifted(h):",
                 "                a = fresh()",
                 "                if isinstance(base, np.ndarray):",
                 "                    a[pos[w]] = base.copy()",
                 "                    a[pos[w]].flat[j] += h",
                 "                else:",
                 "                    a[pos[w]] = base + h",
                 "                return f(*a)",
                 "            print('fd', w, j, (shifted(1e-6) - shifted(-1e-6)) / 2e-6)"]
    body = prog["source"].rstrip("\n")
    return "\n".join(head) + "\n" + body + "\n" + "\n".join(main) + "\n"


class Campaign:
    def __init__(self, out: Path, target: str, timeout: float, cli_rate: float, kinks=None, log=print):
        self.out = out
        self.target = target
        self.timeout = timeout
        self.cli_rate = cli_rate
        self.kinks = kinks
        self.log = log
        out.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.setdefault("NSADC_CACHE_DIR", tempfile.mkdtemp(prefix="nsadc-fuzz-cache-"))
        env.setdefault("NSADC_FUZZ_DIR", str(out / "programs"))
        self.worker = Worker(out / "worker.log", env)

    def kinks_for(self, prog: dict):
        """The kink policy of a program: ``--kinks mixed`` draws one per seed."""
        if self.kinks == "mixed":
            return MIXED[prog["seed"] % len(MIXED)]
        return self.kinks

    def check(self, prog: dict, cli: bool = False, only_point=None, standalone: bool = True) -> dict:
        req = {"program": prog, "target": self.target, "cli": cli, "only_point": only_point,
               "kinks": self.kinks_for(prog), "standalone": standalone}
        return self.worker.run(req, self.timeout)

    def still_fails(self, key: tuple, point):
        cls = key[0]

        def pred(cand: dict) -> bool:
            # the emitted-module and CLI checks only when the failure is theirs (they cost a compile)
            res = self.check(cand, only_point=0 if point is not None else None,
                             standalone=cls.startswith(("standalone", "raw-exception:", "numba-error")),
                             cli=cls.startswith("cli") or cls.endswith("@cli") or ":cli" in cls)
            return any(failure_key(f) == key for f in res["failures"])
        return pred

    def minimize(self, prog: dict, failure: dict, budget: float):
        key = failure_key(failure)
        point = failure.get("point")
        start = dict(prog)
        if point is not None:
            start["points"] = [prog["points"][point]]
        if not self.still_fails(key, point)(start):  # e.g. only with the other points' state: keep all
            start = dict(prog)
            pred = self.still_fails(key, None)
            if not pred(start):
                return None, {"reproduced": False}
        else:
            pred = self.still_fails(key, point)
        best, stats = minimize(start, pred, budget)
        stats["reproduced"] = True
        return best, stats

    def close(self):
        self.worker.stop()


def run(args) -> dict:
    out = Path(args.out)
    camp = Campaign(out, args.target, args.timeout, args.cli_rate, kinks=args.kinks)
    t0 = time.monotonic()
    status = collections.Counter()
    by_class = collections.Counter()
    refusals = collections.Counter()
    stats = collections.Counter()
    groups: dict[tuple, list] = {}
    results = open(out / "results.jsonl", "w")
    jax_note = None
    if args.jax and importlib.util.find_spec("jax") is None:
        jax_note = "jax is not importable: the JAX comparison was skipped"
        print(jax_note)
    try:
        for n in range(args.programs):
            seed = args.seed + n
            prog = generate(seed).to_json()
            cli = args.cli_rate > 0 and (seed * 2654435761 % 1000) < args.cli_rate * 1000
            res = camp.check(prog, cli=cli)
            status[res["status"]] += 1
            for k, v in res.get("stats", {}).items():
                stats[k] += v
            if res.get("refusal"):
                refusals[failure_key(res["refusal"])[1][:120]] += 1
            seen = set()
            for f in res["failures"]:
                key = failure_key(f)
                if key in seen:
                    continue
                seen.add(key)
                by_class[f["cls"]] += 1
                groups.setdefault(key, []).append((seed, prog, f))
            results.write(json.dumps({"seed": seed, "status": res["status"], "failures": res["failures"],
                                      "refusal": res.get("refusal"), "stats": res.get("stats", {})}) + "\n")
            results.flush()
            if (n + 1) % args.progress == 0:
                el = time.monotonic() - t0
                print(f"[{n + 1}/{args.programs}] {el:.0f}s {dict(status)} classes={dict(by_class)}", flush=True)
        elapsed = time.monotonic() - t0
        findings = []
        fdir = out / "findings"
        fdir.mkdir(exist_ok=True)
        for key, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            seed, prog, f = min(items, key=lambda it: len(it[1]["source"]))
            slug = _slug(f"{key[0]}-{key[1][:30]}")
            entry = {"class": key[0], "message": f.get("message", ""), "count": len(items),
                     "seeds": [it[0] for it in items][:50], "seed": seed, "stage": f.get("stage"),
                     "point": prog["points"][f["point"]] if f.get("point") is not None else prog["points"][0]}
            (fdir / f"{slug}_seed{seed}.json").write_text(json.dumps(prog, indent=1))
            (fdir / f"{slug}_seed{seed}_original.py").write_text(
                reproducer(prog, f, args.target, camp.kinks_for(prog)))
            if args.minimize and len(findings) < args.max_minimize:
                print(f"minimizing {key[0]} (seed {seed}, {len(prog['source'])} chars)", flush=True)
                best, mstats = camp.minimize(prog, f, args.minimize_budget)
                entry["minimize"] = mstats
                if best is not None:
                    path = fdir / f"{slug}_seed{seed}_min.py"
                    path.write_text(reproducer(best, f | {"point": 0 if f.get("point") is not None else None},
                                               args.target, camp.kinks_for(prog)))
                    (fdir / f"{slug}_seed{seed}_min.json").write_text(json.dumps(best, indent=1))
                    entry["reproducer"] = str(path)
                    entry["point"] = best["points"][0]
                    print(f"  -> {path} ({mstats})", flush=True)
            findings.append(entry)
    finally:
        camp.close()
        results.close()
    summary = {"command": " ".join(["python -m tools.fuzz"] + sys.argv[1:]), "programs": args.programs,
               "seed": args.seed, "target": args.target, "seconds": round(elapsed, 1),
               "status": dict(status), "failures_by_class": dict(by_class), "stats": dict(stats),
               "refusals": dict(refusals.most_common()), "worker_restarts": camp.worker.restarts,
               "findings": findings, "jax": jax_note}
    (out / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    (out / "summary.md").write_text(render_summary(summary))
    print(render_summary(summary))
    return summary


def replay(args) -> int:
    """Re-check saved programs (``Program.to_json()`` files, e.g. the
    ``findings/*.json`` of a campaign) and minimize each failure found."""
    out = Path(args.out)
    camp = Campaign(out, args.target, args.timeout, args.cli_rate, kinks=args.kinks)
    found = 0
    try:
        for path in args.replay:
            prog = json.loads(Path(path).read_text())
            res = camp.check(prog, cli=args.cli_rate > 0)
            print(f"{path}: {res['status']}", flush=True)
            done = set()
            for f in res["failures"]:
                key = failure_key(f)
                if key in done:
                    continue
                done.add(key)
                found += 1
                print(f"  {f['cls']}: {f.get('message', '')[:200]}", flush=True)
                if not args.minimize:
                    continue
                best, mstats = camp.minimize(prog, f, args.minimize_budget)
                print(f"  minimize: {mstats}", flush=True)
                if best is not None:
                    slug = _slug(f"{key[0]}-{key[1][:30]}")
                    dest = out / f"{slug}_seed{prog['seed']}_min.py"
                    dest.write_text(reproducer(best, f | {"point": 0 if f.get("point") is not None else None},
                                               args.target, camp.kinks_for(prog)))
                    (out / f"{slug}_seed{prog['seed']}_min.json").write_text(json.dumps(best, indent=1))
                    print(f"  -> {dest}", flush=True)
    finally:
        camp.close()
    return 1 if found else 0


def render_summary(s: dict) -> str:
    lines = [f"# nsadc fuzz campaign", "", f"command: `{s['command']}`", "",
             f"{s['programs']} programs (seeds {s['seed']}..{s['seed'] + s['programs'] - 1}), target "
             f"{s['target']!r}, {s['seconds']} s", "", "| status | programs |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(s["status"].items())]
    lines += ["", "checks: " + ", ".join(f"{k} {v}" for k, v in sorted(s["stats"].items())), "",
              "| failure class | programs |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(s["failures_by_class"].items(), key=lambda kv: -kv[1])]
    lines += ["", "refusals (UnsupportedError with a location):", ""]
    lines += [f"- {v} x {k}" for k, v in list(s["refusals"].items())[:20]]
    lines += ["", "findings:", ""]
    for f in s["findings"]:
        lines.append(f"- {f['class']} x{f['count']}: {f['message'][:160]} (seed {f['seed']}) "
                     f"{f.get('reproducer', '')}")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.fuzz", description=__doc__.split("\n\n")[0])
    ap.add_argument("--programs", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--target", choices=("python", "cpu"), default="python")
    ap.add_argument("--kinks", default=None,
                    help="kink policy passed to nsadc.differentiate; 'mixed' draws one per program among "
                         "the default, jax, torch and min-norm")
    ap.add_argument("--jax", action="store_true", help="also compare with JAX (skipped when not importable)")
    ap.add_argument("--out", default="fuzz-out")
    ap.add_argument("--timeout", type=float, default=None, help="seconds per program (default 30, cpu 240)")
    ap.add_argument("--cli-rate", type=float, default=0.02, help="share of programs also run through nsadc emit")
    ap.add_argument("--no-minimize", dest="minimize", action="store_false")
    ap.add_argument("--minimize-budget", type=float, default=None, help="seconds per finding (default 90, cpu 600)")
    ap.add_argument("--max-minimize", type=int, default=30, help="findings to minimize")
    ap.add_argument("--progress", type=int, default=50)
    ap.add_argument("--replay", nargs="+", metavar="PROGRAM.json",
                    help="re-check (and minimize) saved programs instead of generating")
    args = ap.parse_args(argv)
    if args.timeout is None:
        args.timeout = 30.0 if args.target == "python" else 240.0
    if args.minimize_budget is None:
        args.minimize_budget = 90.0 if args.target == "python" else 600.0
    if args.replay:
        return replay(args)
    summary = run(args)
    return 1 if summary["failures_by_class"] else 0
