"""The screen a team reads: per stage, its verdict and what to fix, then one summary line.

Layout of one stage:

    production · environment 0c000000-…-000000000002 · production (inferred from the stage name)
      BLOCKED: 1 unwaived error

      errors (1)
        dynamic-security.yaml:41  DS104 origin-plain-http
          http://app.example.com uses plain http
          fix:  serve the app over https and list the https origin
          docs: https://www.dynamic.xyz/docs/...

      waived (1)
        dynamic-security.yaml:40  DS301 jwt-in-localstorage (warning)
          ...
          waived: the reason written in the waiver

      not managed by this stage, so not checked: mfa

Colour is applied only when the caller asks for it (a terminal); files and pipes get plain
text. Everything that comes from the API or from free text in the policy (messages quoting
live values, waiver reasons, file names) goes through `escaping.text`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import click

from pulumi_dynamic_security.cli.render import policy_file
from pulumi_dynamic_security.escaping import text
from pulumi_dynamic_security.rules.base import Finding, Severity
from pulumi_dynamic_security.rules.engine import StageReport

_SEVERITY_STYLE: dict[Severity, dict[str, Any]] = {
    Severity.ERROR: {"fg": "red", "bold": True},
    Severity.WARNING: {"fg": "yellow", "bold": True},
    Severity.NOTE: {"fg": "cyan", "bold": True},
}
_PLURAL = {Severity.ERROR: "errors", Severity.WARNING: "warnings", Severity.NOTE: "notes"}
_SINGULAR = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
_INDENT = "  "


@dataclass(frozen=True)
class Style:
    """Applies click styles when colour is on; returns text unchanged otherwise."""

    color: bool

    def __call__(self, text: str, **style: Any) -> str:
        return click.style(text, **style) if self.color else text

    def severity(self, severity: Severity, text: str) -> str:
        return self(text, **_SEVERITY_STYLE[severity])

    def dim(self, text: str) -> str:
        return self(text, dim=True)


def plural(count: int, singular: str, many: str | None = None) -> str:
    """`1 error`, `2 errors`."""
    return f"{count} {singular if count == 1 else (many or singular + 's')}"


def location(finding: Finding) -> str:
    """`file:line`, the file alone, or `(live)` for a finding on a live value."""
    if finding.file is None:
        return "(live)"
    where = f"{finding.file}:{finding.line}" if finding.line is not None else finding.file
    return text(where)


def production_label(report: StageReport) -> str:
    """`production (inferred from the stage name)`, `not production (declared)`, ..."""
    stage = report.stage
    kind = "production" if stage.production else "not production"
    how = "inferred from the stage name" if stage.production_inferred else "declared"
    return f"{kind} ({how})"


def finding_lines(finding: Finding, style: Style, *, show_severity: bool = False) -> list[str]:
    """One finding: where, which rule, what, how to fix it, where to read more."""
    head = f"{location(finding)}  {style(finding.rule, bold=True)} {finding.name}"
    if show_severity:
        head += f" ({finding.severity.value})"
    tags = []
    if finding.resolved_by_plan:
        tags.append("resolved by the plan")
    if (not finding.live and not finding.managed and finding.severity is Severity.ERROR
            and not finding.waived):
        tags.append("on a live value in an area this stage does not manage: does not block")
    if tags:
        head += style.dim(f"  [{'; '.join(tags)}]")
    lines = [head, f"{_INDENT}{text(finding.message)}"]
    if finding.waived:
        reason = text(finding.waiver_reason or "")
        lines.append(f"{_INDENT}{style('waived:', bold=True)} {reason}".rstrip())
    lines.append(f"{_INDENT}{style.dim('fix: ')} {finding.remediation}")
    lines.append(f"{_INDENT}{style.dim('docs:')} {finding.doc_url}")
    return lines


def _group(title: str, findings: Sequence[Finding], style: Style, *, waived: bool) -> list[str]:
    lines = [f"{_INDENT}{title} ({len(findings)})"]
    for finding in findings:
        lines.extend(
            f"{_INDENT * 2}{line}" for line in finding_lines(finding, style, show_severity=waived)
        )
    return lines


def findings_sections(findings: Sequence[Finding], style: Style, *, label: str = "") -> list[str]:
    """The active findings grouped by severity (errors first), then the waived ones; each
    group after a blank line, under its title (after `label`, e.g. `live `) and count."""
    lines: list[str] = []
    active = [finding for finding in findings if not finding.waived]
    for severity in Severity:
        group = [finding for finding in active if finding.severity is severity]
        if group:
            title = style.severity(severity, label + _PLURAL[severity])
            lines.extend(["", *_group(title, group, style, waived=False)])
    waived = [finding for finding in findings if finding.waived]
    if waived:
        lines.extend(["", *_group(style.dim(label + "waived"), waived, style, waived=True)])
    return lines


def _verdict(report: StageReport, style: Style) -> str:
    blocking = sum(1 for finding in report.findings if finding.blocks)
    if blocking:
        return style(f"BLOCKED: {plural(blocking, 'unwaived error')}", fg="red", bold=True)
    active = [finding for finding in report.findings if not finding.waived]
    waived = len(report.findings) - len(active)
    parts = [
        plural(sum(1 for f in active if f.severity is severity), _SINGULAR[severity])
        for severity in Severity
        if any(f.severity is severity for f in active)
    ] or ["no active findings"]
    if waived:
        parts.append(f"{waived} waived")
    return style("ok", fg="green", bold=True) + f": {', '.join(parts)}; nothing blocks"


def stage_report(report: StageReport, style: Style) -> list[str]:
    """The lines of one stage's section."""
    stage = report.stage
    header = " · ".join((
        style(text(stage.name), bold=True),
        f"environment {text(stage.environment_id)}",
        production_label(report),
    ))
    lines = [header, f"{_INDENT}{_verdict(report, style)}",
             *findings_sections(report.findings, style)]
    if report.skipped_areas:
        lines.extend([
            "",
            f"{_INDENT}not managed by this stage, so not checked: "
            f"{', '.join(report.skipped_areas)}",
        ])
    return lines


def counts(findings: Iterable[Finding]) -> str:
    """`1 error, 2 warnings, 0 notes, 1 waived`."""
    items = list(findings)
    parts = [
        plural(sum(1 for f in items if f.severity is severity and not f.waived),
               _SINGULAR[severity])
        for severity in Severity
    ]
    parts.append(f"{sum(1 for f in items if f.waived)} waived")
    return ", ".join(parts)


def summary_line(reports: Sequence[StageReport], style: Style, *, files: int = 1) -> str:
    """The last line: how many stages (in how many files), which are blocked, and the
    finding counts."""
    blocked = [
        text(report.stage.name) + (f" in {text(policy_file(report) or '')}" if files > 1 else "")
        for report in reports if report.blocked
    ]
    findings = [finding for report in reports for finding in report.findings]
    checked = plural(len(reports), "stage") + (f" in {files} files" if files > 1 else "")
    if blocked:
        verdict = style(f"{len(blocked)} blocked ({', '.join(blocked)})", fg="red", bold=True)
    else:
        verdict = style("none blocked", fg="green", bold=True)
    return f"{checked} checked, {verdict}: {counts(findings)}."


def render_validation(reports: Sequence[StageReport], *, color: bool = False,
                      absent: Mapping[str, Sequence[str]] | None = None) -> str:
    """The whole `dynsec validate` report, ending with a newline. Stages of several files are
    grouped under a `==> file <==` heading per file (as `head` and `tail` do), with the
    selected stages a file does not have (`absent`) named under it."""
    style = Style(color)
    absent = absent or {}
    by_file: dict[str, list[StageReport]] = {}
    for report in reports:
        by_file.setdefault(policy_file(report) or "", []).append(report)
    for file in absent:
        by_file.setdefault(file, [])
    several = len(by_file) > 1
    lines: list[str] = []
    for file, group in by_file.items():
        if several:
            lines.extend([style(f"==> {text(file)} <==", bold=True), ""])
        if absent.get(file):
            names = ", ".join(text(name) for name in absent[file])
            lines.extend([f"no stage {names} in this file: skipped", ""])
        for report in group:
            lines.extend(stage_report(report, style))
            lines.append("")
    lines.append(summary_line(reports, style, files=len(by_file)))
    return "\n".join(lines) + "\n"
