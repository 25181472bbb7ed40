"""Plans and drift as a pull-request comment (GitHub-flavoured markdown).

A one-line verdict first, then one table per stage with every change marked tightens or
weakens, then the stage's findings. Cells are escaped so that values (origins with `*` or
`|`) cannot break the table.
"""

from __future__ import annotations

from collections.abc import Sequence

from pulumi_dynamic_security.cli.render.plan_text import SYMBOLS, describe_change, effect_counts
from pulumi_dynamic_security.rules.base import Finding
from pulumi_dynamic_security.service.drift import DriftReport
from pulumi_dynamic_security.service.plan import Plan

EFFECT_BADGES = {"tightens": "🟢 tightens", "weakens": "🔴 weakens", "neutral": "⚪ neutral"}
SEVERITY_BADGES = {"error": "⛔ error", "warning": "⚠️ warning", "note": "🔵 note"}


def cell(text: object) -> str:
    """`text` made safe inside a table cell."""
    value = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return value


def code(text: object) -> str:
    return f"`{cell(text).replace('`', '')}`"


def verdict(plans: Sequence[Plan], failures: int = 0) -> str:
    drifted = [plan.stage.name for plan in plans if plan.changes]
    blocked = [plan.stage.name for plan in plans if plan.blocked]
    weakening = sum(1 for plan in plans for c in plan.changes if c.effect == "weakens")
    parts: list[str] = []
    if blocked:
        parts.append(f"⛔ **blocked**: {', '.join(blocked)}")
    if drifted:
        total = len(plans) + failures
        parts.append(f"**{len(drifted)} of {total} stage{'s' if total != 1 else ''} would "
                     f"change** ({', '.join(drifted)})")
        if weakening:
            parts.append(f"🔴 {weakening} change{'s' if weakening != 1 else ''} weaken security")
    elif not blocked:
        parts.append("✅ **no drift**: every stage matches the policy")
    if failures:
        parts.append(f"❌ {failures} stage{'s' if failures != 1 else ''} could not be read")
    return "**dynsec**: " + " · ".join(parts)


def stage_section(plan: Plan) -> list[str]:
    stage = plan.stage
    kind = "production" if stage.production else "not production"
    lines = [f"### {stage.name}", "",
             f"Environment {code(stage.environment_id)} · {kind}"
             + (f" · {effect_counts(plan.changes)}" if plan.changes else " · no changes"), ""]
    if plan.changes:
        lines += ["| | Setting | Change | Effect |", "|---|---|---|---|"]
        for change in plan.changes:
            lines.append(f"| {SYMBOLS[change.action]} | {code(change.path)} | "
                         f"{cell(describe_change(change))} | {EFFECT_BADGES[change.effect]} |")
        lines.append("")
    active = [f for f in plan.findings if not f.waived]
    waived = [f for f in plan.findings if f.waived]
    if active or waived:
        lines += [f"**Findings** ({len(active)} active, {len(waived)} waived)", "",
                  "| Severity | Rule | Where | Message |", "|---|---|---|---|"]
        lines += [_finding_row(finding) for finding in active + waived]
        lines.append("")
    return lines


def _finding_row(finding: Finding) -> str:
    where = code(finding.path)
    if finding.file is not None:
        where += f" ({cell(finding.file)}:{finding.line})" if finding.line else ""
    else:
        where += " (live)"
    severity = SEVERITY_BADGES[finding.severity.value]
    message = cell(finding.message)
    if finding.waived:
        severity = f"~~{severity}~~ waived"
        message += f" — waived: {cell(finding.waiver_reason or '')}"
    elif finding.resolved_by_plan:
        message += " — resolved by this plan"
    if finding.blocks:
        severity = f"**{severity}** (blocks)"
    return f"| {severity} | [{finding.rule}]({finding.doc_url}) {cell(finding.name)} | {where} | " \
           f"{message} |"


def render_plan(plan: Plan) -> str:
    lines = [verdict([plan]), "", *stage_section(plan)]
    return "\n".join(lines).rstrip() + "\n"


def render_drift(report: DriftReport) -> str:
    lines = [verdict(report.plans, len(report.errors)), ""]
    for plan in report.plans:
        lines += stage_section(plan)
    if report.errors:
        lines += ["### Stages that could not be read", ""]
        lines += [f"- **{cell(f.stage)}**: {cell(f.message)}" for f in report.errors]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
