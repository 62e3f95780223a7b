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
    # the values of the `for` variables around the site when it was last met
    # (for whole-array NumPy: the element's index); None outside loops
    index: tuple[int, ...] | None = None

    def __str__(self) -> str:
        times = "" if self.count == 1 else f" ({self.count} times)"
        where = ""
        if self.index is not None:
            where = f", last at index {self.index[0] if len(self.index) == 1 else self.index}"
        return f"{self.location}: {self.kind} {self.primitive}{times}{where}"


@dataclass
class KinkReport:
    """``exact`` is True when no kink and no NaN was met: the result is then the
    gradient.  ``nan`` names where a NaN was met: the arguments that hold one,
    and ``"value"`` / ``"gradient"`` when a result is NaN."""

    exact: bool
    kinks: list[KinkHit] = field(default_factory=list)
    method: str = "reverse"
    nan: list[str] = field(default_factory=list)
    # a vector output's Jacobian: per output, which entries met a kink (True; a bool
    # array shaped like an array output); the rows of the others are their gradients
    rows: object = None

    def __str__(self) -> str:
        if self.exact:
            return f"exact gradient ({self.method} mode): no kink met"
        lines = [f"{len(self.kinks)} kink site(s) met ({self.method} mode):" if self.kinks else
                 f"no kink met ({self.method} mode), but:"]
        lines += [f"  {k}" for k in self.kinks]
        if self.rows is not None:
            lines.append(f"  output entries that met a kink: {_flagged(self.rows)}")
        if self.nan:
            lines.append(f"  NaN met: {', '.join(self.nan)} (at a NaN the result is not a derivative; "
                         "a comparison with NaN is false, so a selection may drop it)")
        return "\n".join(lines)


def _flagged(rows) -> str:
    """The flagged entries of ``rows`` (one bool or bool array per output), in words."""
    import numpy as np

    parts = []
    for o, r in enumerate(rows if isinstance(rows, tuple) else (rows,)):
        name = f"output {o}" if isinstance(rows, tuple) else "output"
        if np.ndim(r) == 0:
            parts.append(f"{name}: {'yes' if r else 'no'}")
            continue
        where = [tuple(int(i) for i in ix) if len(ix) > 1 else int(ix[0]) for ix in np.argwhere(r)]
        parts.append(f"{name} at {where}" if where else f"{name}: none")
    return "; ".join(parts)


def nan_met(names, values, value, gradient) -> list[str]:
    """Where a NaN is: the arguments (floats or float arrays) that hold one,
    then ``"value"`` and ``"gradient"`` when those hold one."""
    import numpy as np

    def has_nan(v) -> bool:
        if isinstance(v, float):
            return v != v
        if isinstance(v, np.ndarray) and v.dtype.kind in "fc":
            return bool(np.isnan(v).any())
        if isinstance(v, (tuple, list)):
            return any(has_nan(u) for u in v)
        return isinstance(v, np.floating) and bool(np.isnan(v))

    out = [n for n, v in zip(names, values) if has_nan(v)]
    if has_nan(value):
        out.append("value")
    if has_nan(gradient):
        out.append("gradient")
    return out


def build_report(sites, hits, method: str = "reverse", depth: int = 0) -> KinkReport:
    """The report from a report kernel's array: the hit counts of the ``sites``,
    then ``depth`` last-hit loop indices per site (-1 where a site has fewer
    enclosing loops)."""
    met = []
    n_sites = len(sites)
    for site in sites:
        n = int(hits[site.index])
        if n:
            at = n_sites + site.index * depth
            index = tuple(int(v) for v in hits[at:at + depth] if v >= 0) if depth else ()
            met.append(KinkHit(site.prim, str(site.loc) if site.loc else "?", site.kind, n, site.code,
                               index or None))
    return KinkReport(exact=not met, kinks=met, method=method)
