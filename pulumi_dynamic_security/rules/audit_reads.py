"""Audit reads Dynamic refused: the note that takes the place of what they would have shown
(docs/rules.md#audit-reads).

A read made only to audit (the webhooks of a stage that does not manage them, the test
account, the event catalogue) that is answered 403 does not fail the run. The rules that
needed it are skipped (`Rule.reads`), and one note per refused read says which scope the
token lacks and what went unchecked. A note is a finding of the rule the read serves
(`NOTED_BY`), of severity `note` whatever the stage's kind, about a live value (no file or
line); it never blocks.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.rules.base import (
    AuditRead,
    Hit,
    LiveFacts,
    RefusedRead,
    Rule,
    Severity,
)

# The rule whose finding carries the note of each read, and what the read looks at.
NOTED_BY: dict[AuditRead, str] = {
    "webhooks": "DS803",
    "test_account": "DS603",
    "event_types": "DS803",
}
_WHAT: dict[AuditRead, tuple[str, str]] = {
    # (what Dynamic refused to show, the path of the note)
    "webhooks": ("to list this environment's webhooks", "webhooks"),
    "test_account": ("to read this environment's test account", "environment_id"),
    "event_types": ("to list its webhook event types", "webhooks"),
}


def skipped(rule: Rule, live: LiveFacts | None) -> bool:
    """True when `rule` needs a read Dynamic refused."""
    return live is not None and any(live.refused_read(read) for read in rule.reads)


def notes(stage: EffectiveStage, live: LiveFacts | None,
          rules: Sequence[Rule]) -> Iterator[tuple[Rule, Hit]]:
    """One note per refused read, with the rule that files it."""
    if live is None:
        return
    by_id: dict[str, Rule] = {rule.id: rule for rule in rules}
    for refused in live.refused:
        rule = by_id.get(NOTED_BY[refused.read])
        if rule is None:
            continue
        unchecked: list[str] = [
            r.id for r in rules if refused.read in r.reads and r.severity_for(stage) is not None
        ]
        yield rule, _note(refused, unchecked)


def _note(refused: RefusedRead, unchecked: list[str]) -> Hit:
    what, path = _WHAT[refused.read]
    lacks = (f"the API token lacks the scope {refused.scope}" if refused.scope
             else "the API token may not make this call")
    if refused.read == "event_types":
        consequence = ("the events of this stage's webhooks were not checked before writing "
                       "(Dynamic checks them itself when apply writes them)")
    elif unchecked:
        consequence = (f"{' and '.join(unchecked)} {'was' if len(unchecked) == 1 else 'were'} "
                       "not checked")
    else:
        consequence = "nothing was checked with it"
    scope = refused.scope or "it needs"
    return Hit(
        path=path,
        message=f"Dynamic refused {what} (403): {lacks}, so {consequence}",
        value=refused.read,
        severity=Severity.NOTE,
        on_live_value=True,
        remediation=f"Give the stage's API token the scope {scope} (a read scope is enough "
        "for plan and drift) to have it checked.",
    )
