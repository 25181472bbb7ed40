"""Plans and drift as a pull-request comment (GitHub-flavoured markdown).

Layout, top to bottom:

* a one-line verdict (`**dynsec drift**: 1 of 3 stages drifted ...`, or for one plan
  `**dynsec plan** · production: 3 changes pending ...`; blocked and unreadable stages
  first, since those are what a reviewer must act on);
* for drift, an overview table with one row per stage, so clean stages cost one line;
* per stage with something to show: its changes as a table, each marked tightens or weakens
  (weakening rows first in the eye: the effect is the first column), then its active
  findings; waived findings fold into a `<details>` block.

Values (origins, durations, ids, stage names) are code spans, so `*` in a wildcard origin
never turns into emphasis and nothing is auto-linked; free text (finding messages, which
quote live values, waiver reasons, error messages) is escaped as markdown. Both go through
`escaping` (`markdown_code`, `markdown`): no HTML, link, image or mention can form from them,
and `|` cannot break a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pulumi_dynamic_security.cli.render import plan_text
from pulumi_dynamic_security.cli.render.text import plural
from pulumi_dynamic_security.escaping import markdown, markdown_code
from pulumi_dynamic_security.mapping.changes import Change
from pulumi_dynamic_security.rules.base import Finding
from pulumi_dynamic_security.service.drift import DriftReport, StageFailure
from pulumi_dynamic_security.service.plan import Plan

EFFECT_BADGES = {"tightens": "🟢 tightens", "weakens": "🔴 **weakens**", "neutral": "⚪ neutral"}
SEVERITY_BADGES = {"error": "⛔ error", "warning": "⚠️ warning", "note": "🔵 note"}
LEGEND = ("Each change is what `dynsec apply` would do to make the environment match the "
          "policy: 🟢 tightens or 🔴 weakens its security.")


def cell(text: object) -> str:
    """`text` as inline markdown that shows exactly these characters (also in a table cell)."""
    return markdown(text)


def code(text: object, *, in_table: bool = True) -> str:
    """`text` as a code span (`in_table`: inside a table cell, where `|` must be escaped)."""
    return markdown_code(text, in_table=in_table)


def _names(names: Sequence[str]) -> str:
    return ", ".join(code(name, in_table=False) for name in names)


# --- the verdict -----------------------------------------------------------------------------


def effect_summary(changes: Sequence[Change]) -> str:
    """`10 tighten, 🔴 2 weaken, 1 neutral`: the weakening count is flagged."""
    return plan_text.effect_tally(changes, weakens_flag="🔴 ")


def verdict(plans: Sequence[Plan], failures: Sequence[StageFailure] = (), *,
            drift: bool = False) -> str:
    """The one line at the top: what a reviewer must know before reading further."""
    if not drift and len(plans) == 1 and not failures:
        return _plan_verdict(plans[0])
    changed = [plan for plan in plans if plan.changes]
    blocked = [plan.stage.name for plan in plans if plan.blocked]
    changes = [change for plan in plans for change in plan.changes]
    total = len(plans) + len(failures)
    parts: list[str] = []
    if blocked:
        parts.append(f"⛔ **blocked by policy**: {_names(blocked)}")
    if failures:
        parts.append(f"❌ **{plural(len(failures), 'stage')} could not be read**: "
                     f"{_names([f.stage for f in failures])}")
    if changed:
        parts.append(f"**{len(changed)} of {plural(total, 'stage')} drifted**: "
                     f"{_names([plan.stage.name for plan in changed])} "
                     f"({plural(len(changes), 'change')}: {effect_summary(changes)})")
    elif not failures:
        every = "every stage matches" if total != 1 else "the stage matches"
        parts.append(f"✅ **no drift**: {every} the policy")
    return "**dynsec drift**: " + " · ".join(parts)


def _plan_verdict(plan: Plan) -> str:
    parts: list[str] = []
    if plan.blocked:
        rules = sorted({finding.rule for finding in plan.findings if finding.blocks})
        parts.append(f"⛔ **blocked** by {', '.join(rules)}: apply would write nothing")
    if plan.changes:
        parts.append(f"**{plural(len(plan.changes), 'change')} pending** "
                     f"({effect_summary(plan.changes)})")
    else:
        parts.append("✅ **matches the policy**")
    return f"**dynsec plan** · {code(plan.stage.name, in_table=False)}: " + " · ".join(parts)


# --- one stage -------------------------------------------------------------------------------


def describe_change(change: Change) -> str:
    """The change as a table cell: settings values as code spans."""
    if change.area == "webhooks":  # its url a code span, its events listed
        return webhook_cell(change)
    if change.action == "update":
        return f"{_value(change.before)} → {_value(change.after)}"
    if change.action == "add":
        return f"add {_value(change.after)}"
    if change.action == "remove":
        return f"remove {_value(change.before)}"
    # Token changes read as in the text output (ids and dates as the JSON shows them).
    return cell(plan_text.describe_change(change))


def webhook_cell(change: Change) -> str:
    """A webhook change: its url as a code span, then the events and state in words."""
    url, what = plan_text.webhook_summary(change)
    if change.action == "add":
        return f"create {code(url)} {cell(what)}"
    return f"{code(url)}: {cell(what)}"


def _value(value: Any) -> str:
    if value is None:
        return "*not set*"
    if isinstance(value, bool):
        return code("true" if value else "false")
    return code(value)


def _environment(plan: Plan) -> str:
    kind = f" ({cell(plan.environment_name)})" if plan.environment_name else ""
    production = "production" if plan.stage.production else "not production"
    return f"Environment {code(plan.environment_id, in_table=False)}{kind} · {production}"


def change_table(changes: Sequence[Change]) -> list[str]:
    lines = ["| Effect | Setting | Change |", "|---|---|---|"]
    lines += [f"| {EFFECT_BADGES[c.effect]} | {code(c.path)} | {describe_change(c)} |"
              for c in changes]
    return lines


def _finding_row(finding: Finding) -> str:
    where = code(finding.path)
    if finding.file is None:
        where += " (live)"
    elif finding.line is not None:
        where += f" ({cell(finding.file)}:{finding.line})"
    severity = SEVERITY_BADGES[finding.severity.value]
    if finding.blocks:
        severity = f"**{severity}** (blocks)"
    message = cell(finding.message)
    if finding.waived:
        message += f" — *waived: {cell((finding.waiver_reason or '').strip())}*"
    elif finding.resolved_by_plan:
        message += " — *resolved by this plan*"
    elif not finding.managed and finding.severity.value == "error":
        message += " — *on a live value this stage does not manage: does not block*"
    rule = f"[{finding.rule}]({finding.doc_url}) {cell(finding.name)}"
    return f"| {severity} | {rule} | {where} | {message} |"


def finding_table(findings: Sequence[Finding]) -> list[str]:
    lines = ["| Severity | Rule | Where | Message |", "|---|---|---|---|"]
    return lines + [_finding_row(finding) for finding in findings]


def _active(plan: Plan) -> list[Finding]:
    # Blocking findings first, then by severity as the rules reported them.
    active = [f for f in plan.findings if not f.waived]
    return sorted(active, key=lambda f: not f.blocks)


def stage_section(plan: Plan, *, heading: bool = True) -> list[str]:
    """A stage's changes and findings (waived ones folded away); without `heading` for a
    single plan, whose verdict already names the stage."""
    lines: list[str] = []
    if heading:
        summary = (f"{plural(len(plan.changes), 'change')}: {effect_summary(plan.changes)}"
                   if plan.changes else "no changes")
        lines += [f"### {code(plan.stage.name, in_table=False)} — {summary}", ""]
    lines += [_environment(plan), ""]
    if plan.changes:
        lines += [*change_table(plan.changes), ""]
    active = _active(plan)
    if active:
        lines += [f"**Findings** ({len(active)})", "", *finding_table(active), ""]
    waived = [f for f in plan.findings if f.waived]
    if waived:
        lines += ["<details><summary>" + plural(len(waived), "waived finding")
                  + "</summary>", "", *finding_table(waived), "", "</details>", ""]
    return lines


def _findings_summary(plan: Plan) -> str:
    active = _active(plan)
    parts = []
    for severity in ("error", "warning", "note"):
        count = sum(1 for f in active if f.severity.value == severity)
        if count:
            parts.append(plural(count, severity))
    waived = sum(1 for f in plan.findings if f.waived)
    if waived:
        parts.append(f"{waived} waived")
    text = ", ".join(parts) or "none"
    return f"⛔ blocked: {text}" if plan.blocked else text


def overview(report: DriftReport) -> list[str]:
    """One row per stage: where it runs, what drifted, what the rules found."""
    lines = ["| Stage | Environment | Changes | Findings |", "|---|---|---|---|"]
    for plan in report.plans:
        kind = f" ({cell(plan.environment_name)})" if plan.environment_name else ""
        changes = (f"**{plural(len(plan.changes), 'change')}**: "
                   f"{effect_summary(plan.changes)}" if plan.changes else "✅ none")
        lines.append(f"| {code(plan.stage.name)} | {code(plan.environment_id)}{kind} | "
                     f"{changes} | {_findings_summary(plan)} |")
    lines += [f"| {code(failure.stage)} | | ❌ could not be read | |"
              for failure in report.errors]
    return lines


# --- whole documents -------------------------------------------------------------------------


def render_plan(plan: Plan) -> str:
    lines = [verdict([plan]), "", *stage_section(plan, heading=False)]
    if plan.changes:
        lines += [f"<sub>{LEGEND}</sub>"]
    return "\n".join(lines).rstrip() + "\n"


def render_drift(report: DriftReport) -> str:
    lines = [verdict(report.plans, report.errors, drift=True), "", *overview(report), ""]
    if report.drifted:
        lines += [f"<sub>{LEGEND}</sub>", ""]
    for plan in report.plans:
        if plan.changes or _active(plan):
            lines += stage_section(plan)
    if report.errors:
        lines += ["### Stages that could not be read", ""]
        lines += [f"- {code(f.stage, in_table=False)}: {cell(f.message)}"
                  for f in report.errors]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
