"""The rule ids a waiver may name: the catalogue's ids, as the policy file knows them.

Rule ids are public interface (docs/rules.md#the-catalogue): a policy file's waivers name
them, so the policy layer needs the list to refuse an unknown one (with a "did you mean"),
and must not import the rules to get it (docs/architecture.md#dependencies-run-one-way).
Each rule class declares its id as a `RuleId`, and a test keeps this list and
`rules.catalog.RULES` equal, in the same order.
"""

from __future__ import annotations

import typing
from typing import Literal

from pulumi_dynamic_security.escaping import echo
from pulumi_dynamic_security.suggestions import did_you_mean

RuleId = Literal[
    "DS101", "DS102", "DS103", "DS104", "DS105",
    "DS201", "DS202",
    "DS301", "DS302",
    "DS401", "DS402", "DS403", "DS404",
    "DS501", "DS502", "DS503", "DS504",
    "DS601", "DS602", "DS603",
    "DS701", "DS702", "DS703",
    "DS801", "DS802", "DS803", "DS804",
    "DS901", "DS902",
]
RULE_IDS: tuple[RuleId, ...] = typing.get_args(RuleId)


def unknown_rule(rule_id: str) -> str | None:
    """Why a waiver cannot name `rule_id` (no such rule, and the closest one), or None."""
    if rule_id in RULE_IDS:
        return None
    return f"unknown rule {echo(rule_id)}{did_you_mean(rule_id, RULE_IDS)} (see `dynsec rules`)"
