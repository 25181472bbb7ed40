"""The explicit registry of rules (placeholder ids until the rule objects land)."""

from __future__ import annotations

from pulumi_dynamic_security.rules.base import Rule

_IDS = (
    "DS101", "DS102", "DS103", "DS104", "DS201", "DS202", "DS301", "DS302", "DS401", "DS402",
    "DS403", "DS404", "DS501", "DS502", "DS503", "DS504", "DS601", "DS602", "DS901", "DS902",
)


def rule_ids() -> tuple[str, ...]:
    """Every rule id, in catalogue order."""
    return _IDS

RULES: tuple[Rule, ...] = ()
