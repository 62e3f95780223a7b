"""The package's import graph by pipeline stage: which imports point up a stage, and cycles.

    python -m tools.import_layers          # print the upward imports and cycles; exit 1 if any

Stages, lowest first: what a stage imports must come from its own or a lower one.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = [
    ("base", ["nsadc.errors", "nsadc.version"]),
    ("ir", ["nsadc.ir"]),
    ("rules", ["nsadc.rules"]),
    ("analyses", ["nsadc.analyses"]),
    ("frontend", ["nsadc.frontend"]),
    ("transforms", ["nsadc.transforms"]),
    ("passes", ["nsadc.passes"]),
    ("emit", ["nsadc.emit", "nsadc.jacobian_source", "nsadc.backends"]),
    ("certificate", ["nsadc.certificate"]),
    ("driver", ["nsadc.pipeline", "nsadc.call_checks", "nsadc.api", "nsadc.batched", "nsadc.jacobians",
                "nsadc.cli", "nsadc.plot", "nsadc"]),
]


def stage_of(module: str) -> int:
    best, rank = -1, None
    for k, (_, prefixes) in enumerate(STAGES):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, rank = len(p), k
    return rank


def imports() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in sorted((ROOT / "nsadc").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found = out.setdefault(module, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("nsadc") and node.level == 0:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("nsadc"))
    return out


def upward(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    return sorted((m, t) for m, targets in graph.items() for t in targets
                  if m != "nsadc" and stage_of(t) > stage_of(m))


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def main() -> int:
    graph = imports()
    up = upward(graph)
    for m, t in up:
        print(f"up: {m} ({STAGES[stage_of(m)][0]}) imports {t} ({STAGES[stage_of(t)][0]})")
    found = cycles({m: {t for t in ts if t != "nsadc"} for m, ts in graph.items()})
    for comp in found:
        print("cycle:", " <-> ".join(comp))
    print(f"{len(up)} upward imports, {len(found)} cycles")
    return 1 if up or found else 0


if __name__ == "__main__":
    raise SystemExit(main())
