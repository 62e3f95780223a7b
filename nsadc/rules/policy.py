"""Kink policies: which element of a primitive's Clarke set is used at a kink.

A policy is a name (``"min-norm"``, ``"jax"``, ``"torch"``, ``"auto"``) or a
mapping ``primitive -> selection``.  A mapping may also hold the key
``"default"`` naming the policy for the primitives it does not list.  Each
selection is checked against the primitive's Clarke set from the rule table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from nsadc.errors import PolicyError

POLICY_NAMES = ("min-norm", "jax", "torch", "auto")


@dataclass(frozen=True)
class Policy:
    name: str  # base policy: min-norm | jax | torch | auto
    overrides: tuple[tuple[str, object], ...] = field(default=())

    @property
    def base(self) -> str:
        """The policy whose conventions fill in what the overrides do not ("auto"
        runs min-norm reverse mode, then Clarke mode where a kink is met)."""
        return "min-norm" if self.name == "auto" else self.name

    def selection(self, prim: str):
        """The selection for ``prim``: an override, else the base policy's."""
        from nsadc.rules.table import RULES

        for key, value in self.overrides:
            if key == prim:
                return value
        kink = RULES[prim].kink
        return kink.selections[self.base]

    def describe(self) -> str:
        if not self.overrides:
            return self.name
        items = ", ".join(f"{k}={v!r}" for k, v in self.overrides)
        return f"{self.name} with {items}"


def resolve_policy(kinks) -> Policy:
    """Turn the user's ``kinks=`` argument into a checked :class:`Policy`."""
    from nsadc.rules.table import RULES, ALIASES

    if kinks is None:
        return Policy("min-norm")
    if isinstance(kinks, Policy):
        return kinks
    if isinstance(kinks, str):
        if kinks not in POLICY_NAMES:
            raise PolicyError(
                f"unknown kink policy {kinks!r}; use one of {', '.join(POLICY_NAMES)} "
                "or a mapping primitive -> selection"
            )
        return Policy(kinks)
    if not isinstance(kinks, Mapping):
        raise PolicyError(f"kinks= takes a policy name or a mapping, not {type(kinks).__name__}")
    base = kinks.get("default", "min-norm")
    if base not in POLICY_NAMES:
        raise PolicyError(f"unknown default kink policy {base!r}")
    overrides = []
    for key, value in kinks.items():
        if key == "default":
            continue
        prim = ALIASES.get(key, key)
        rule = RULES.get(prim)
        if rule is None or rule.kink is None or not rule.kink.selections:
            known = sorted(k for k, r in RULES.items() if r.kink is not None and r.kink.check)
            raise PolicyError(
                f"{key!r} is not a primitive with a selectable kink; selectable: {', '.join(known)}"
            )
        if isinstance(value, str):
            if value not in ("min-norm", "jax", "torch"):
                raise PolicyError(f"selection for {key!r}: unknown policy name {value!r}")
            value = rule.kink.selections[value]
        else:
            rule.kink.validate(key, value)
        overrides.append((prim, value))
    return Policy(base, tuple(overrides))
