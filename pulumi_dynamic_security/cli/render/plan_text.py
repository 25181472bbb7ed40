"""Plans and drift as text: what changes, which way it moves security, and the findings.

    production · environment 0c000000-0000-4000-8000-000000000002 (live) · production (...)
      13 changes: 10 tighten, 2 weaken, 1 neutral

        ~ jwt_lifetime     tightens  30d -> 2h
        + allowed_origins  weakens   https://app.example.com
        - allowed_origins  tightens  https://*.example.com
        ↻ api_tokens[0]    tightens  issue a new token (none yet); next rotation 2026-06-01...

      warnings (1)
        (live)  DS504 token-unmanaged
          ...

The effect sits in its own column before the value, so that values of any length (token
descriptions, long origins) never push it out of line. Colour (red for what weakens) only
when the caller asks for it, i.e. on a terminal. Values (live origins, token ids, the
environment's kind, error messages) go through `escaping.text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pulumi_dynamic_security.cli.render.text import (
    Style,
    findings_sections,
    plural,
    production_label,
)
from pulumi_dynamic_security.escaping import text
from pulumi_dynamic_security.mapping.changes import Change
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
    """The change in words: `30d -> 2h`, an origin, what happens to a token or a webhook
    (not escaped: each renderer escapes it for its own output)."""
    if change.area == "webhooks":
        return _webhook_words(change)
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


def webhook_summary(change: Change) -> tuple[str, str]:
    """A webhook change as (its url, what happens): `(enabled) user.session.revoked, ...`
    for one created, `+ admin.user.session.revoked, - user.created; disable` for one
    updated."""
    after = change.after if isinstance(change.after, dict) else {}
    before = change.before if isinstance(change.before, dict) else {}
    url = str(after.get("url") or before.get("url"))
    new_events = [str(event) for event in after.get("events") or ()]
    if change.action == "add":
        state = "enabled" if after.get("enabled") else "disabled"
        return url, f"({state}) {', '.join(new_events)}"
    old_events = {str(event) for event in before.get("events") or ()}
    parts = [f"+ {event}" for event in new_events if event not in old_events]
    parts += [f"- {event}" for event in sorted(old_events - set(new_events))]
    words = [", ".join(parts)] if parts else []
    if before.get("enabled") != after.get("enabled"):
        words.append("enable" if after.get("enabled") else "disable")
    return url, "; ".join(words)


def _webhook_words(change: Change) -> str:
    url, what = webhook_summary(change)
    return f"create {url} {what}" if change.action == "add" else f"{url}: {what}"


def _word(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_EFFECT_VERBS = {"tightens": ("tightens", "tighten"), "weakens": ("weakens", "weaken"),
                 "neutral": ("neutral", "neutral")}


def effect_tally(changes: Sequence[Change], *, weakens_flag: str = "") -> str:
    """`2 tighten, 1 weakens` (the verb agrees with each count); `weakens_flag` goes before
    the weakening count (markdown flags it)."""
    return ", ".join(
        f"{weakens_flag if effect == 'weakens' else ''}{count} {one if count == 1 else many}"
        for effect, (one, many) in _EFFECT_VERBS.items()
        if (count := sum(1 for change in changes if change.effect == effect))
    )


def effect_counts(changes: Sequence[Change]) -> str:
    """`3 changes: 2 tighten, 1 weakens`."""
    return f"{plural(len(changes), 'change')}: {effect_tally(changes)}"


def environment_label(plan: Plan) -> str:
    """`environment <id> (live)`; the kind is unknown for a saved plan."""
    kind = plan.environment_name
    return f"environment {text(plan.environment_id)}" + (f" ({text(kind)})" if kind else "")


def change_lines(changes: Sequence[Change], style: Style) -> list[str]:
    """One aligned line per change: symbol, path, effect, then the value in words."""
    paths = [text(change.path) for change in changes]
    width = max(len(path) for path in paths)
    effect_width = max(len(change.effect) for change in changes)
    return [
        f"{SYMBOLS[change.action]} {path.ljust(width)}  "
        + style(change.effect, **_EFFECT_STYLE[change.effect])
        + " " * (effect_width - len(change.effect))
        + f"  {text(describe_change(change))}"
        for change, path in zip(changes, paths, strict=True)
    ]


def plan_lines(plan: Plan, style: Style) -> list[str]:
    header = " · ".join((
        style(text(plan.stage.name), bold=True),
        environment_label(plan),
        production_label(plan.report),
    ))
    lines = [header]
    if plan.changes:
        lines.append(f"{_INDENT}{effect_counts(plan.changes)}")
        lines.append("")
        lines.extend(f"{_INDENT * 2}{line}" for line in change_lines(plan.changes, style))
    else:
        lines.append(f"{_INDENT}{style('no changes', fg='green', bold=True)}: the environment "
                     "matches the policy")
    blocking = sum(1 for finding in plan.findings if finding.blocks)
    if blocking:
        lines.extend(["", f"{_INDENT}" + style(
            f"BLOCKED: {plural(blocking, 'unwaived error')}; apply would write nothing",
            fg="red", bold=True)])
    return lines + findings_sections(plan.findings, style)


def render_plan(plan: Plan, *, color: bool = False) -> str:
    return "\n".join(plan_lines(plan, Style(color))) + "\n"


def render_drift(report: DriftReport, *, color: bool = False) -> str:
    style = Style(color)
    lines: list[str] = []
    for plan in report.plans:
        lines.extend(plan_lines(plan, style))
        lines.append("")
    for failure in report.errors:
        lines.append(f"{style(text(failure.stage), bold=True)} · "
                     + style("could not be planned", fg="red", bold=True))
        lines.append(f"{_INDENT}{text(failure.message)}")
        lines.append("")
    lines.append(drift_summary(report, style))
    return "\n".join(lines) + "\n"


def drift_summary(report: DriftReport, style: Style) -> str:
    total = len(report.plans) + len(report.errors)
    drifted = [text(name) for name in report.drifted]
    blocked = [text(plan.stage.name) for plan in report.plans if plan.blocked]
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
