"""A function along a segment: its values, its directional derivative from
reverse mode and from Clarke mode, and the kinks met (``nsadc plot``).

:func:`segment` computes the data (numpy only); :func:`draw` draws them with
matplotlib, which the ``plot`` extra installs (``pip install -e ".[plot]"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from nsadc.errors import ArgumentError, NsadcError

MISSING_MATPLOTLIB = ("nsadc plot draws with matplotlib, which is not installed: "
                      "pip install \"nsadc[plot]\" (from a checkout: pip install -e \".[plot]\")")


@dataclass
class Kink:
    """Where the segment meets a kink: ``t`` in [0, 1], and what is there."""

    t: float
    what: str  # e.g. "abs at model.py:7:32", or "the derivative jumps"
    exact: bool  # True: a grid point lies on it; False: located by bisection


@dataclass
class Segment:
    t: np.ndarray
    value: np.ndarray
    reverse: np.ndarray  # <grad f(x(t)), b - a>, reverse mode under the policy
    clarke: np.ndarray  # <clarke_grad f(x(t)), b - a>, Clarke mode
    kinks: list[Kink] = field(default_factory=list)
    axis: str = "t"  # the x axis: "t", or the one scalar argument that varies
    axis_values: np.ndarray | None = None
    a: tuple = ()
    b: tuple = ()


def _entries(x) -> np.ndarray:
    return np.atleast_1d(np.asarray(x, dtype=np.float64))


def _as_tuple(g, n: int) -> tuple:
    return (g,) if n == 1 else tuple(g)


def segment(d, a: tuple, b: tuple, points: int = 401, jump_tol: float = 1e-6) -> Segment:
    """``d`` (a :class:`~nsadc.api.Differentiable`) along ``x(t) = a + t (b - a)``
    for ``points`` values of ``t`` in [0, 1]; ``a`` and ``b`` are argument tuples
    (floats or arrays) that may differ only in the differentiated arguments."""
    params = list(d._params)
    if len(a) != len(params) or len(b) != len(params):
        raise ArgumentError(f"{d.__name__} takes {len(params)} arguments ({', '.join(params)}); the segment's "
                            f"ends give {len(a)} and {len(b)}")
    if points < 2:
        raise ArgumentError("a segment needs at least 2 points")
    wrt = list(d.wrt)
    for name, u, v in zip(params, a, b):
        if name not in wrt and not np.array_equal(np.asarray(u), np.asarray(v)):
            raise ArgumentError(f"{name} differs between the segment's ends but is not differentiated "
                                f"(wrt: {', '.join(wrt) or 'nothing'})")
        if np.shape(u) != np.shape(v):
            raise ArgumentError(f"{name} has shape {np.shape(u)} at one end and {np.shape(v)} at the other")
    index = {p: i for i, p in enumerate(params)}
    delta = [np.asarray(b[index[w]], dtype=np.float64) - np.asarray(a[index[w]], dtype=np.float64)
             for w in wrt]

    def at(t: float) -> tuple:
        out = list(a)
        for w, dv in zip(wrt, delta):
            i = index[w]
            x = np.asarray(a[i], dtype=np.float64) + t * dv
            out[i] = float(x) if x.ndim == 0 else x
        return tuple(out)

    def slope(g) -> float:
        return float(sum(np.sum(_entries(gi) * _entries(dv)) for gi, dv in zip(_as_tuple(g, len(wrt)), delta)))

    def reverse_at(t: float) -> float:
        return slope(d.grad(*at(t)))

    ts = np.linspace(0.0, 1.0, points)
    value = np.empty(points)
    rev = np.empty(points)
    clarke = np.empty(points)
    kinks: list[Kink] = []
    for k, t in enumerate(ts):
        x = at(float(t))
        value[k] = float(d(*x))
        g, rep = d.grad(*x, report=True)
        rev[k] = slope(g)
        clarke[k] = slope(d.clarke_grad(*x))
        if rep.kinks:
            kinks.append(Kink(float(t), _describe(rep.kinks), True))
    # kinks between grid points: the reverse-mode derivative jumps there
    scale = 1.0 + float(np.max(np.abs(rev))) if np.all(np.isfinite(rev)) else 1.0
    exact_t = {kk.t for kk in kinks}
    for k in range(points - 1):
        if ts[k] in exact_t or ts[k + 1] in exact_t:
            continue
        lo, hi, glo, ghi = float(ts[k]), float(ts[k + 1]), rev[k], rev[k + 1]
        if not (math.isfinite(glo) and math.isfinite(ghi)) or abs(ghi - glo) <= jump_tol * scale:
            continue
        for _ in range(80):  # keep the half across which the derivative changes most
            mid = 0.5 * (lo + hi)
            if not lo < mid < hi:
                break
            gm = reverse_at(mid)
            if abs(gm - glo) >= abs(ghi - gm):
                hi, ghi = mid, gm
            else:
                lo, glo = mid, gm
        if abs(ghi - glo) > jump_tol * scale:  # still a jump across adjacent numbers: a kink
            kinks.append(Kink(0.5 * (lo + hi), _near(d, at(0.5 * (lo + hi))), False))
    kinks.sort(key=lambda kk: kk.t)
    seg = Segment(ts, value, rev, clarke, kinks, a=a, b=b)
    varying = [(w, dv) for w, dv in zip(wrt, delta) if np.any(dv != 0)]
    if len(varying) == 1 and varying[0][1].ndim == 0:
        name = varying[0][0]
        seg.axis = name
        seg.axis_values = float(a[index[name]]) + ts * float(varying[0][1])
    return seg


def _describe(hits) -> str:
    return ", ".join(f"{h.primitive} at {h.location.rsplit('/', 1)[-1]}" for h in hits)


def _near(d, x: tuple) -> str:
    """What the kink report says near ``x`` (a kink between grid points is never met exactly)."""
    from nsadc.api import Differentiable

    try:
        near = Differentiable(d.__wrapped__, wrt=d.wrt, kinks=d.policy, target=d.target, kink_tol=1e-9)
        _, rep = near.grad(*x, report=True)
    except NsadcError:
        return "the derivative jumps"
    return _describe(rep.kinks) if rep.kinks else "the derivative jumps"


def draw(seg: Segment, title: str, out: str) -> None:
    """Two panels: the value; the two directional derivatives; kinks as dotted lines."""
    try:
        import matplotlib
    except ImportError:
        raise NsadcError(MISSING_MATPLOTLIB) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = seg.axis_values if seg.axis_values is not None else seg.t
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 5.2), sharex=True)
    top.plot(xs, seg.value, color="black")
    top.set_ylabel("f")
    top.set_title(title, fontsize=10)
    bottom.plot(xs, seg.reverse, "o", ms=2.5, color="tab:red", label="reverse mode (conservative)")
    bottom.plot(xs, seg.clarke, ".", ms=2.5, color="tab:blue", label="Clarke mode")
    for kk in seg.kinks:
        x = kk.t if seg.axis_values is None else float(np.interp(kk.t, seg.t, seg.axis_values))
        for ax in (top, bottom):
            ax.axvline(x, color="tab:gray", ls=":", lw=1)
        top.annotate(kk.what, (x, 1.0), xycoords=("data", "axes fraction"), rotation=90, fontsize=7,
                     va="top", ha="right", color="tab:gray")
    bottom.set_xlabel(seg.axis if seg.axis != "t" else "t  (x = a + t (b - a))")
    bottom.set_ylabel("derivative along b - a")
    bottom.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
