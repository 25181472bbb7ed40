"""Waivers (DS901-DS902): metadata only.

These rules describe findings about the policy's own `waivers`, which only the engine can see
(it knows which findings each waiver covered). `engine.evaluate` reports them, once per stage
a waiver lists, with path `waivers[i]`; their `check` never yields.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_dynamic_security.rules import links
from pulumi_dynamic_security.rules.base import Hit, Rule, RuleContext, Severity


class WaiverExpired(Rule):
    """A waiver past its `expires` day covers nothing; the finding it covered is active again.

    Reported by the engine, not by `check`."""

    id = "DS901"
    name = "waiver-expired"
    area = "waivers"
    production = Severity.WARNING
    other = Severity.WARNING
    summary = "a waiver is past `expires`; the finding it covered is active again"
    remediation = (
        "Fix the finding and delete the entry from `waivers`, or renew it with a current "
        "`reason` and a new `expires` (at most a year ahead)."
    )
    doc_url = links.README_WAIVERS

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        return iter(())


class WaiverUnused(Rule):
    """A waiver that matches nothing hides the next finding someone did not mean to accept.

    Reported by the engine, not by `check`; offline it is not reported for waivers of (live)
    rules, which `validate` cannot see."""

    id = "DS902"
    name = "waiver-unused"
    area = "waivers"
    production = Severity.WARNING
    other = Severity.WARNING
    summary = "a waiver matched no finding"
    remediation = (
        "Delete the entry from `waivers`, or narrow its `stages` and `values` to where the "
        "finding occurs."
    )
    doc_url = links.README_WAIVERS

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        return iter(())
