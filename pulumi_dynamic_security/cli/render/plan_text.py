"""Plans and drift as text: what changes, which way it moves security, and the findings.

    production · environment 0c000000-…-000000000002 (live) · production (declared)
      13 changes: 10 tighten, 2 weaken, 1 neutral

        ~ jwt_lifetime            30d -> 2h                      tightens
        + allowed_origins         https://app.example.com        weakens
        - allowed_origins         https://*.example.com          tightens
        ↻ api_tokens[0]           issue a new token (none yet)   tightens

      warnings (1)
        (live)  DS504 token-unmanaged
          ...
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pulumi_dynamic_security.cli.render.text import (
    Style,
    finding_lines,
    plural,
    production_label,
)
from pulumi_dynamic_security.diffing import Change
from pulumi_dynamic_security.rules.base import Severity
from pulumi_dynamic_security.service.drift import DriftReport
from pulumi_dynamic_security.service.plan import Plan

_INDENT = "  "
SYMBOLS = {"add": "+", "remove": "-", "update": "~", "rotate": "↻", "revoke": "x"}
_EFFECT_STYLE: dict[str, dict[str, Any]] = {
    "tightens": {"fg": "green"},
    "weakens": {"fg": "red", "bold": True},
    "neutral": {"dim": True},
}


def describe_change(change: Change) -> str:
    """The change in words: `30d -> 2h`, an origin, or what happens to a token."""
    if change.action == "update":
        return f"{_word(change.before)} -> {_word(change.after)}"
    if change.action == "rotate":
        previous = change.before
        since = (f"replaces {previous.get('id')}, created {previous.get('created_at')}, "
                 f"due {previous.get('due')}" if isinstance(previous, dict) else "none yet")
        due = change.after.get("due") if isinstance(change.after, dict) else None
        return f"issue a new token ({since}); next rotation due {due}"
    if change.action == "revoke":
        before = change.before if isinstance(change.before, dict) else {}
        return (f"revoke {before.get('id')} (created {before.get('created_at')}, due "
                f"{before.get('due')})")
    return _word(change.after if change.action == "add" else change.before)


def _word(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def effect_counts(changes: Sequence[Change]) -> str:
    """`3 changes: 2 tightening, 1 weakening`."""
    words = {"tightens": "tightening", "weakens": "weakening", "neutral": "neutral"}
    parts = [
        f"{count} {word}" for effect, word in words.items()
        if (count := sum(1 for change in changes if change.effect == effect))
    ]
    return f"{plural(len(changes), 'change')}: {', '.join(parts)}"


def plan_lines(plan: Plan, style: Style) -> list[str]:
    stage = plan.stage
    environment_kind = plan.snapshot.environment_name if plan.snapshot is not None else None
    header = " · ".join((
        style(stage.name, bold=True),
        f"environment {stage.environment_id}" + (f" ({environment_kind})" if environment_kind
                                                  else ""),
        production_label(plan.report),
    ))
    lines = [header]
    if plan.changes:
        lines.append(f"{_INDENT}{effect_counts(plan.changes)}")
        lines.append("")
        width = max(len(change.path) for change in plan.changes)
        described = [describe_change(change) for change in plan.changes]
        text_width = min(max(len(text) for text in described), 60)
        for change, text in zip(plan.changes, described, strict=True):
            effect = style(change.effect, **_EFFECT_STYLE[change.effect])
            lines.append(
                f"{_INDENT * 2}{SYMBOLS[change.action]} {change.path.ljust(width)}  "
                f"{text.ljust(text_width)}  {effect}"
            )
    else:
        lines.append(f"{_INDENT}{style('no changes', fg='green', bold=True)}: the environment "
                     "matches the policy")
    blocking = sum(1 for finding in plan.findings if finding.blocks)
    if blocking:
        lines.extend(["", f"{_INDENT}" + style(
            f"BLOCKED: {plural(blocking, 'unwaived error')}; apply would write nothing",
            fg="red", bold=True)])
    for severity in Severity:
        group = [f for f in plan.findings if f.severity is severity and not f.waived]
        if group:
            lines.extend(["", f"{_INDENT}{style.severity(severity, severity.value + 's')} "
                              f"({len(group)})"])
            for finding in group:
                lines.extend(f"{_INDENT * 2}{line}" for line in finding_lines(finding, style))
    waived = [f for f in plan.findings if f.waived]
    if waived:
        lines.extend(["", f"{_INDENT}{style.dim('waived')} ({len(waived)})"])
        for finding in waived:
            lines.extend(f"{_INDENT * 2}{line}"
                         for line in finding_lines(finding, style, show_severity=True))
    return lines


def render_plan(plan: Plan, *, color: bool = False) -> str:
    return "\n".join(plan_lines(plan, Style(color))) + "\n"


def render_drift(report: DriftReport, *, color: bool = False) -> str:
    style = Style(color)
    lines: list[str] = []
    for plan in report.plans:
        lines.extend(plan_lines(plan, style))
        lines.append("")
    for failure in report.errors:
        lines.append(f"{style(failure.stage, bold=True)} · " + style("could not be planned",
                                                                      fg="red", bold=True))
        lines.append(f"{_INDENT}{failure.message}")
        lines.append("")
    lines.append(drift_summary(report, style))
    return "\n".join(lines) + "\n"


def drift_summary(report: DriftReport, style: Style) -> str:
    total = len(report.plans) + len(report.errors)
    drifted = report.drifted
    blocked = [plan.stage.name for plan in report.plans if plan.blocked]
    parts = [
        style(f"{len(drifted)} drifted ({', '.join(drifted)})", fg="yellow", bold=True)
        if drifted else style("no drift", fg="green", bold=True)
    ]
    if blocked:
        parts.append(style(f"{len(blocked)} blocked ({', '.join(blocked)})", fg="red",
                           bold=True))
    if report.errors:
        parts.append(style(f"{len(report.errors)} failed", fg="red", bold=True))
    return f"{plural(total, 'stage')}: {', '.join(parts)}."
