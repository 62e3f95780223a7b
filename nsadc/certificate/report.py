"""The runtime kink report of ``grad(..., report=True)``."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class KinkHit:
    """A kink site that the evaluation met."""

    primitive: str
    location: str  # file:line:col
    kind: str  # kink | jump | branch
    count: int  # how many times it was met (loops meet a site many times)
    code: str = ""

    def __str__(self) -> str:
        times = "" if self.count == 1 else f" ({self.count} times)"
        return f"{self.location}: {self.kind} {self.primitive}{times}"


@dataclass
class KinkReport:
    """``exact`` is True when no kink was met: the result is then the gradient."""

    exact: bool
    kinks: list[KinkHit] = field(default_factory=list)
    method: str = "reverse"

    def __str__(self) -> str:
        if self.exact:
            return f"exact gradient ({self.method} mode): no kink met"
        lines = [f"{len(self.kinks)} kink site(s) met ({self.method} mode):"]
        lines += [f"  {k}" for k in self.kinks]
        return "\n".join(lines)


def build_report(sites, hits, method: str = "reverse") -> KinkReport:
    met = []
    for site in sites:
        n = int(hits[site.index])
        if n:
            met.append(KinkHit(site.prim, str(site.loc) if site.loc else "?", site.kind, n, site.code))
    return KinkReport(exact=not met, kinks=met, method=method)
