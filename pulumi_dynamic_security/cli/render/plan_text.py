"""Plans and drift as text: what is exposed now, what changed and which way, the findings.

    production · environment 0c000000-0000-4000-8000-000000000002 (live) · production (...)
      EXPOSED NOW: 3 errors live (DS102, DS103, DS104)
      4 changes: live is weaker in 3 and stronger in 1

        ~ jwt_lifetime     live is weaker    30d, policy says 2h
        + allowed_origins  live is stronger  lacks https://app.example.com, policy has it
        - allowed_origins  live is weaker    has https://*.example.com, policy does not
        ↻ api_tokens[0]    live is weaker    policy says issue a new token (none yet); ...

      live errors (3)
        (live)  DS102 origin-wildcard
          ...

The headline semantics are the markdown's (docs/cli.md#the-headline): exposure first, then
each change in the direction it happened (how live stands against the policy); with a base
policy, the changes the pull request makes are listed apart, by what applying them does
(`tightens`, `weakens`). The live findings come before the findings after apply, which
repeat none of them. The direction sits in its own column before the value, so that values
of any length never push it out of line. Colour (red for what is weaker live, or weakens)
only when the caller asks for it, i.e. on a terminal. Values (live origins, token ids, the
environment's kind, error messages) go through `escaping.text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pulumi_dynamic_security.cli.render import headline
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
_LIVE_STYLE: dict[str, dict[str, Any]] = {
    "weaker": {"fg": "red", "bold": True},
    "stronger": {"fg": "green"},
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


def change_lines(changes: Sequence[Change], style: Style, *, live: bool = True) -> list[str]:
    """One aligned line per change: symbol, path, then how live stands against the policy
    (`live`) or what applying the change does, then the value in words."""
    paths = [text(change.path) for change in changes]
    width = max(len(path) for path in paths)
    if live:
        labels = [(headline.LIVE_WORDS[c.live_effect], _LIVE_STYLE[c.live_effect]) for c in changes]
        readings = [headline.live_reading(c, _word, describe_change) for c in changes]
    else:
        labels = [(c.effect, _EFFECT_STYLE[c.effect]) for c in changes]
        readings = [describe_change(c) for c in changes]
    label_width = max(len(label) for label, _ in labels)
    return [
        f"{SYMBOLS[change.action]} {path.ljust(width)}  " + style(label, **label_style)
        + " " * (label_width - len(label)) + f"  {text(reading)}"
        for change, path, (label, label_style), reading
        in zip(changes, paths, labels, readings, strict=True)
    ]


def _changes_part(plan: Plan, style: Style) -> list[str]:
    made = headline.pull_request_changes(plan)
    drifted = headline.drift_changes(plan)
    lines: list[str] = []
    if made:
        lines += [f"{_INDENT}this pull request changes: {effect_counts(made)}", ""]
        lines += [f"{_INDENT * 2}{line}" for line in change_lines(made, style, live=False)]
    if drifted:
        if lines:
            lines.append("")
        title = "drifted outside the policy: " if drifted[0].origin is not None else ""
        lines += [f"{_INDENT}{title}{headline.live_counts(drifted)}", ""]
        lines += [f"{_INDENT * 2}{line}" for line in change_lines(drifted, style)]
    return lines


def plan_lines(plan: Plan, style: Style) -> list[str]:
    header = " · ".join((
        style(text(plan.stage.name), bold=True),
        environment_label(plan),
        production_label(plan.report),
    ))
    lines = [header]
    exposure = headline.exposure(plan)
    if exposure is not None:
        lines.append(f"{_INDENT}" + style(
            f"EXPOSED NOW: {plural(exposure.errors, 'error')} live "
            f"({', '.join(exposure.rules)})", fg="red", bold=True))
    if plan.changes:
        lines += _changes_part(plan, style)
    else:
        lines.append(f"{_INDENT}{style('no changes', fg='green', bold=True)}: the environment "
                     "matches the policy")
    blocking = sum(1 for finding in plan.findings if finding.blocks)
    if blocking:
        lines.extend(["", f"{_INDENT}" + style(
            f"BLOCKED: {plural(blocking, 'unwaived error')}; apply would write nothing",
            fg="red", bold=True)])
    lines += findings_sections(headline.live_findings_shown(plan), style, label="live ")
    return lines + findings_sections(headline.findings_after_apply(plan), style)


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


def _named(names: Sequence[str]) -> str:
    return headline.named(names, text)


def drift_summary(report: DriftReport, style: Style) -> str:
    """The last line, in the headline's order: exposed, drifted, blocked, failed, clean."""
    total = len(report.plans) + len(report.errors)
    exposures = [e for e in map(headline.exposure, report.plans) if e is not None]
    parts = []
    if exposures:
        spelled = "; ".join(f"{text(e.stage)}: {plural(e.errors, 'error')} live, "
                            f"{', '.join(e.rules)}" for e in exposures[:headline.SPELLED_OUT])
        more = len(exposures) - headline.SPELLED_OUT
        spelled += f"; and {more} more" if more > 0 else ""
        parts.append(style(f"{len(exposures)} exposed now ({spelled})", fg="red", bold=True))
    drifted = report.drifted
    parts.append(style(f"{len(drifted)} drifted ({_named(drifted)})", fg="yellow", bold=True)
                 if drifted else style("no drift", fg="green", bold=True))
    blocked = [plan.stage.name for plan in report.plans if plan.blocked]
    if blocked:
        parts.append(style(f"{len(blocked)} blocked ({_named(blocked)})", fg="red",
                           bold=True))
    if report.errors:
        parts.append(style(f"{len(report.errors)} failed", fg="red", bold=True))
    clean = [plan.stage.name for plan in report.plans if headline.clean(plan)]
    if clean and (drifted or exposures or blocked or report.errors):
        parts.append(f"{len(clean)} clean ({_named(clean)})")
    return f"{plural(total, 'stage')}: {', '.join(parts)}."
