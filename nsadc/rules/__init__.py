"""The one table of primitive rules, read by the transforms and the certificate."""

from nsadc.rules.table import RULES, Rule, rule_for
from nsadc.rules import lexico as _lexico  # noqa: F401  (attaches the Clarke-mode rules)
from nsadc.rules import arrays as _arrays  # noqa: F401  (array loads, stores, allocation)
from nsadc.rules import vector as _vector  # noqa: F401  (reductions of vectorized NumPy)
from nsadc.rules.policy import Policy, resolve_policy

__all__ = ["RULES", "Rule", "rule_for", "Policy", "resolve_policy"]
