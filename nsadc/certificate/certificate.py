"""The conservative-field certificate: what nsadc's emitted derivative means.

A :class:`Certificate` holds the identity of what was certified, the claim, and
one :class:`Obligation` per thing the claim rests on:

- ``kink``: a nonsmooth primitive site; the policy's selection must lie in the
  primitive's Clarke set (read from the rule table);
- ``continuity``: a comparison that decides a branch (``if``/``elif``, a
  conditional expression, a ``while`` condition) or a piecewise-constant
  primitive (floor, round, sign, ``%``...): the function must not jump where it
  flips;
- ``domain``: a use that is not Lipschitz or not defined everywhere (sqrt or
  ``** 0.5`` at 0, log at 0, division by a value that can be 0 ...).

Statuses of obligations: ``proved``, ``probed`` (numeric probes found no
violation), ``violated`` (with a witness where one was found), ``open``, and
for domain obligations ``restricted`` (the claim holds on the stated domain).
The certificate's status is ``rejected`` when anything is violated (or the
code is unsupported, or a numeric check failed), ``certified`` when every
obligation is proved, and ``conditional`` otherwise.  docs/certificate.md
documents the JSON form; ``schema.json`` beside this file is its schema.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

SCHEMA_ID = "nsadc-certificate"
SCHEMA_VERSION = "1.0"
OBLIGATION_STATUSES = ("proved", "probed", "violated", "open", "restricted")
_RANK = {"proved": 0, "probed": 1, "restricted": 2, "open": 3, "violated": 4}


def schema_path() -> Path:
    return Path(__file__).with_name("schema.json")


def load_schema() -> dict:
    return json.loads(schema_path().read_text())


def worst(*statuses: str) -> str:
    return max(statuses, key=lambda s: _RANK[s])


def _jsonable(value):
    """Numbers and nested containers as JSON allows (non-finite floats as strings)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    try:  # numpy scalars
        return _jsonable(value.item())
    except AttributeError:
        return str(value)


@dataclass
class Witness:
    """Where a violation was seen: the arguments (or, inside a loop, the state),
    the size of the jump and the values on either side."""

    point: dict[str, float]
    jump: float
    values: tuple[float, float]
    found_by: str  # "static" (nsadc evaluated its IR) or "probe" (the function was run)
    site: int | None = None
    # False for the witness of a derived condition: it lies where the condition fails
    inside: bool = True

    def to_dict(self) -> dict:
        return {"point": self.point, "jump": self.jump, "values": list(self.values),
                "found_by": self.found_by, "site": self.site, "inside_domain": self.inside}

    def describe(self) -> str:
        where = ", ".join(f"{k}={v:.17g}" if isinstance(v, float) else f"{k}={v}"
                          for k, v in self.point.items())
        return f"jump {self.jump:.3g} at ({where})"


@dataclass
class Obligation:
    id: str
    kind: str  # kink | continuity | domain
    construct: str  # abs, max ... | if, elif, conditional expression, while, comparison, floor ... | sqrt ...
    primitive: str
    file: str
    line: int
    column: int  # 1-based
    code: str
    statement: str  # what must hold, in one sentence
    status: str
    method: str  # rule table | symbolic | boundary sampling | probes | none
    detail: str = ""
    sites: list[int] = field(default_factory=list)
    # kink
    operands: list[str] = field(default_factory=list)
    kink_set: str | None = None
    clarke_set: str | None = None
    selection: object = None
    selection_text: str | None = None
    in_clarke_set: bool | None = None
    # continuity
    condition: str | None = None
    boundary: str | None = None
    witness: Witness | None = None
    probe_crossings: int = 0
    # domain; for continuity: the derived condition under which it holds (status restricted)
    restriction: str | None = None
    derived: list = field(default_factory=list)  # the derived Relations (continuity)

    @property
    def location(self) -> str:
        return f"{os.path.basename(self.file)}:{self.line}:{self.column}"

    def what(self) -> str:
        """A short description for tables."""
        if self.kind == "kink":
            return f"{self.construct}: kink at {self.kink_set}; {self.selection_text}"
        if self.kind == "continuity":
            cond = self.condition or self.construct
            holds = f" (holds where {self.restriction})" if self.status == "restricted" and self.restriction else ""
            return f"{self.construct} `{cond}`: no jump where {self.boundary}{holds}"
        return f"{self.construct}: {self.restriction}"

    def to_dict(self) -> dict:
        d = {
            "id": self.id, "kind": self.kind, "construct": self.construct, "primitive": self.primitive,
            "location": self.location, "file": self.file, "line": self.line, "column": self.column,
            "code": self.code, "statement": self.statement, "status": self.status,
            "method": self.method, "detail": self.detail, "sites": list(self.sites),
        }
        if self.kind == "kink":
            d["kink"] = {"operands": list(self.operands), "kink_set": self.kink_set,
                         "clarke_set": self.clarke_set, "selection": self.selection,
                         "selection_text": self.selection_text, "in_clarke_set": bool(self.in_clarke_set)}
        elif self.kind == "continuity":
            d["continuity"] = {"condition": self.condition, "boundary": self.boundary,
                               "witness": self.witness.to_dict() if self.witness else None,
                               "probe_crossings": self.probe_crossings,
                               "holds_where": self.restriction}
        else:
            d["domain"] = {"operands": list(self.operands), "restriction": self.restriction}
        return d


CLAIM = ("The emitted derivative of {fn} returns, at every input{domain}, an element of a "
         "conservative field D of {fn} (Bolte & Pauwels 2021), and D = {{grad {fn}}} outside "
         "the kink set, a finite union of sets of lower dimension (the sites listed here).")


@dataclass
class Certificate:
    identity: dict
    obligations: list[Obligation] = field(default_factory=list)
    checks: dict | None = None
    unsupported: dict | None = None
    # the domain the user stated: ranges (name -> (low, high), ends included,
    # either may be infinite), relations between arguments, and both in words
    ranges: dict = field(default_factory=dict)
    assume: list[str] = field(default_factory=list)
    stated: list[str] = field(default_factory=list)
    # the Domain object (stated and derived relations) the probes sample in
    space: object = field(default=None, repr=False, compare=False)

    # -------------------------------------------------------------- status

    @property
    def status(self) -> str:
        if self.unsupported is not None:
            return "rejected"
        if any(o.status == "violated" for o in self.obligations):
            return "rejected"
        if self.checks and not self.checks.get("passed", True):
            return "rejected"
        if all(o.status == "proved" for o in self.obligations):
            return "certified"
        return "conditional"

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in OBLIGATION_STATUSES}
        for o in self.obligations:
            out[o.status] += 1
        return out

    @property
    def derived(self) -> list[dict]:
        """The derived assumptions: conditions on the arguments under which a
        continuity obligation holds (it does not hold without them)."""
        out: dict[str, dict] = {}
        for o in self.obligations:
            if o.kind == "continuity" and o.status == "restricted" and o.restriction:
                for cond in (o.derived or [o.restriction]):
                    text = getattr(cond, "text", cond)
                    entry = out.setdefault(text, {"condition": text, "obligations": [], "witnesses": []})
                    entry["obligations"].append(o.id)
                    if o.witness is not None and not o.witness.inside:
                        entry["witnesses"].append(o.witness.to_dict())
        return list(out.values())

    @property
    def restrictions(self) -> list[str]:
        """The restrictions of the domain obligations (sqrt, log, division ...)."""
        out = []
        for o in self.obligations:
            if o.kind == "domain" and o.status == "restricted" and o.restriction not in out:
                out.append(o.restriction)
        return out

    @property
    def domain(self) -> list[str]:
        """Every condition that bounds the claim: stated, derived, then restrictions."""
        out = []
        for c in list(self.stated) + [d["condition"] for d in self.derived] + self.restrictions:
            if c not in out:
                out.append(c)
        return out

    def claim(self) -> dict:
        fn = self.identity.get("function", "f")
        status = self.status
        derived = self.derived
        common = {"domain": self.domain, "stated": list(self.stated),
                  "derived": [{"condition": d["condition"], "obligations": d["obligations"]} for d in derived]}
        if status == "rejected":
            reasons = self.reasons()
            where = f" on the stated domain ({' and '.join(self.stated)})" if self.stated else ""
            return {"made": False, **common, "assumptions": [],
                    "text": f"No claim: {fn} is rejected{where} ({'; '.join(reasons)})."}
        domain = self.domain
        where = f" where {' and '.join(domain)}" if domain else ""
        text = CLAIM.format(fn=fn, domain=where)
        if self.stated:
            text += f" Stated domain (given by the user): {' and '.join(self.stated)}."
        assumptions = []
        for d in derived:
            ids = ", ".join(d["obligations"])
            assumptions.append(f"derived assumption: {d['condition']} ({ids}: without it {fn} jumps)")
        if derived:
            text += (" Derived assumption" + ("s" if len(derived) > 1 else "") + " (found by nsadc: "
                     f"{fn} jumps where " + ("they fail" if len(derived) > 1 else "it fails") + "): "
                     + " and ".join(d["condition"] for d in derived) + ".")
        for o in self.obligations:
            if o.status in ("open", "probed"):
                assumptions.append(f"{o.location}: {o.statement} ({o.status})")
        if any(o.status in ("open", "probed") for o in self.obligations):
            text += " This rests on the continuity obligations marked open or probed."
        return {"made": True, "text": text, **common, "assumptions": assumptions}

    def reasons(self) -> list[str]:
        out = []
        if self.unsupported is not None:
            out.append(f"unsupported code: {self.unsupported['message'].splitlines()[0]}")
        for o in self.obligations:
            if o.status == "violated":
                out.append(f"{o.location}: {o.statement.rstrip('.')}: {o.detail}".rstrip(": "))
        if self.checks and not self.checks.get("passed", True):
            for reason in self.checks.get("failures", []):
                out.append(reason)
        return out

    # -------------------------------------------------------------- output

    def to_dict(self) -> dict:
        d = {
            "schema": SCHEMA_ID,
            "schema_version": SCHEMA_VERSION,
            "status": self.status,
            "identity": dict(self.identity),
            "claim": self.claim(),
            "domain": {"ranges": {k: [v[0], v[1]] for k, v in self.ranges.items()},
                       "assume": list(self.assume), "stated": list(self.stated),
                       "derived": self.derived},
            "obligations": [o.to_dict() for o in self.obligations],
            "summary": self.counts(),
            "checks": self.checks,
            "unsupported": self.unsupported,
        }
        return _jsonable(d)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    def write(self, path) -> None:
        Path(path).write_text(self.to_json() + "\n")

    def summary(self) -> str:
        """One line: the status and what it rests on."""
        c = self.counts()
        kinks = sum(1 for o in self.obligations if o.kind == "kink")
        parts = [f"{kinks} kink site{'s' if kinks != 1 else ''}"]
        cont = [o for o in self.obligations if o.kind == "continuity"]
        if cont:
            by = {}
            for o in cont:
                by[o.status] = by.get(o.status, 0) + 1
            parts.append(f"{len(cont)} continuity obligation{'s' if len(cont) != 1 else ''} ("
                         + ", ".join(f"{n} {s}" for s, n in sorted(by.items(), key=lambda i: _RANK[i[0]]))
                         + ")")
        if self.domain:
            parts.append(f"domain: {' and '.join(self.domain)}")
        if self.derived:
            parts.append("derived assumption" + ("s" if len(self.derived) > 1 else "") + ": "
                         + " and ".join(d["condition"] for d in self.derived))
        if c["violated"]:
            parts.append(f"{c['violated']} violated")
        if self.unsupported:
            parts.append("unsupported code")
        if self.checks is not None:
            parts.append("numeric checks " + ("passed" if self.checks.get("passed", True) else "FAILED"))
        return f"{self.status}: " + "; ".join(parts)

    def header_lines(self, cert_name: str | None = None) -> list[str]:
        """Comment lines for an emitted module (without the leading '# ')."""
        lines = [f"Certificate: {self.summary()}."]
        if cert_name:
            lines.append(f"Full certificate: {cert_name} (nsadc certificate schema {SCHEMA_VERSION}).")
        return lines

    def __str__(self) -> str:
        lines = [f"certificate for {self.identity.get('function')}: {self.summary()}"]
        for o in self.obligations:
            lines.append(f"  [{o.status}] {o.location} {o.what()}")
        return "\n".join(lines)



def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def validate(data: dict) -> None:
    """Validate a certificate's JSON form against schema.json (needs jsonschema)."""
    import jsonschema

    jsonschema.validate(data, load_schema(), cls=jsonschema.Draft202012Validator)
