"""What a plan or a drift report leads with, whatever the format (docs/cli.md#the-headline).

The order is the order of urgency: a stage *exposed now* (an unwaived error among its live
findings, with the rule ids), then drift, read in the direction it happened (how the live
value stands against the policy: "live is weaker: `jwt_lifetime` 30d, policy says 2h"), then
the stages that are clean. With a base policy, the changes the pull request makes are told
apart from drift outside the policy. Text and markdown both build their headline and their
change lines from these facts and words; each escapes values for its own output.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from pulumi_dynamic_security.cli.render.text import plural
from pulumi_dynamic_security.mapping.changes import Change, LiveEffect
from pulumi_dynamic_security.rules.base import Finding
from pulumi_dynamic_security.service.plan import Plan

LIVE_WORDS: dict[LiveEffect, str] = {
    "weaker": "live is weaker", "stronger": "live is stronger", "neutral": "neutral",
}
# How many stages a headline names before it says "and N more".
NAMED_STAGES = 10
# How many exposed stages the headline spells out with their rule ids.
SPELLED_OUT = 3


@dataclass(frozen=True)
class Exposure:
    """One exposed stage: how many unwaived live errors, and of which rules."""

    stage: str
    errors: int
    rules: tuple[str, ...]


def exposure(plan: Plan) -> Exposure | None:
    """The stage's exposure now; None when no unwaived live finding is an error."""
    errors = [finding for finding in plan.live_findings if finding.exposes]
    if not errors:
        return None
    return Exposure(plan.stage.name, len(errors), tuple(sorted({f.rule for f in errors})))


def clean(plan: Plan) -> bool:
    """Nothing to do, nothing exposed, nothing blocked."""
    return not (plan.changes or plan.exposed or plan.blocked)


def pull_request_changes(plan: Plan) -> list[Change]:
    return [change for change in plan.changes if change.origin == "policy"]


def drift_changes(plan: Plan) -> list[Change]:
    """The changes that are drift: all of them without a base policy (nothing tells them
    apart), else those the base policy agrees with."""
    return [change for change in plan.changes if change.origin != "policy"]


def live_tally(changes: Sequence[Change], *, weaker_flag: str = "") -> str:
    """`live is weaker in 9 and stronger in 1, 1 neutral`; `weaker_flag` goes before a
    tally in which live is weaker (markdown flags it)."""
    weaker = sum(1 for change in changes if change.live_effect == "weaker")
    stronger = sum(1 for change in changes if change.live_effect == "stronger")
    neutral = len(changes) - weaker - stronger
    sides = [f"weaker in {weaker}" if weaker else "", f"stronger in {stronger}" if stronger else ""]
    parts = []
    if weaker or stronger:
        flag = weaker_flag if weaker else ""
        parts.append(f"{flag}live is " + " and ".join(side for side in sides if side))
    if neutral:
        parts.append(f"{neutral} neutral")
    return ", ".join(parts)


def live_counts(changes: Sequence[Change], *, weaker_flag: str = "") -> str:
    """`10 changes: live is weaker in 9, 1 neutral`."""
    return f"{plural(len(changes), 'change')}: {live_tally(changes, weaker_flag=weaker_flag)}"


def live_reading(change: Change, value: Callable[[object], str],
                 described: Callable[[Change], str]) -> str:
    """How the live value stands against the policy, after the path: `30d, policy says 2h`,
    `has https://a.example, policy does not`, `is due: policy says revoke ...` (a token),
    `is missing: policy says create ...` (a webhook); `value` formats a value for the
    output, `described` a token or webhook change in words."""
    if change.area == "webhooks":  # a whole webhook: created, or its events or state edited
        missing = change.action == "add"
        return f"{'is missing' if missing else 'differs'}: policy says {described(change)}"
    if change.action == "update":
        return f"{value(change.before)}, policy says {value(change.after)}"
    if change.action == "add":
        return f"lacks {value(change.after)}, policy has it"
    if change.action == "remove":
        return f"has {value(change.before)}, policy does not"
    return f"is due: policy says {described(change)}"  # a token rotated or revoked


def _said(finding: Finding) -> tuple[str, str | None, str]:
    # The same finding in both evaluations: same rule, value and message (paths may differ:
    # `allowed_origins[1]` indexes the file's list in one, the live list in the other).
    return finding.rule, finding.value, finding.message


def live_findings_shown(plan: Plan) -> list[Finding]:
    """The live findings as reports show them: one that is also a finding after apply on a
    value the policy declares keeps that finding's `file:line` (the problem is live, and in
    the file too); the others stay `(live)`. The JSON keeps them as judged."""
    located = {_said(f): f for f in plan.findings if f.file is not None}
    shown = []
    for finding in plan.live_findings:
        twin = located.get(_said(finding))
        shown.append(replace(finding, file=twin.file, line=twin.line) if twin else finding)
    return shown


def findings_after_apply(plan: Plan) -> list[Finding]:
    """The findings on the settings after apply that the live findings do not already say:
    a finding that blocks is always kept; one the live findings hold too is shown once, with
    them (`live_findings_shown`)."""
    said = {_said(f) for f in plan.live_findings}
    return [f for f in plan.findings if f.blocks or _said(f) not in said]


def active(findings: Sequence[Finding]) -> list[Finding]:
    return [finding for finding in findings if not finding.waived]


def severity_counts(findings: Sequence[Finding]) -> str:
    """`6 errors, 3 warnings, 1 waived` (`none` when there is nothing)."""
    current = active(findings)
    parts = [plural(count, severity) for severity in ("error", "warning", "note")
             if (count := sum(1 for f in current if f.severity.value == severity))]
    waived = len(findings) - len(current)
    if waived:
        parts.append(f"{waived} waived")
    return ", ".join(parts) or "none"


def named(names: Sequence[str], show: Callable[[str], str], *,
          limit: int = NAMED_STAGES) -> str:
    """`a`, `b` and `c`, or the first `limit` and "and N more"."""
    shown = ", ".join(show(name) for name in names[:limit])
    rest = len(names) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown
