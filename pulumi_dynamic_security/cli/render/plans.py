"""Rendering a plan or a drift report in the format the user asked for: `text`, `json` (the
plan object and the drift object of docs/cli.md#output-formats) or `markdown` (a PR comment).
Each format's module is imported only when it is asked for."""

from __future__ import annotations

from pulumi_dynamic_security.service.drift import DriftReport
from pulumi_dynamic_security.service.plan import Plan


def render_plan(plan: Plan, output_format: str, *, color: bool = False) -> str:
    """One stage's plan."""
    return _render(plan, output_format, color=color)


def render_drift(report: DriftReport, output_format: str, *, color: bool = False) -> str:
    """Every stage's plan, and the stages that could not be read."""
    return _render(report, output_format, color=color)


def _render(subject: Plan | DriftReport, output_format: str, *, color: bool) -> str:
    if output_format == "json":
        from pulumi_dynamic_security.cli.render.json import dumps

        return dumps(subject.to_json())
    if output_format == "markdown":
        from pulumi_dynamic_security.cli.render import markdown

        if isinstance(subject, Plan):
            return markdown.render_plan(subject)
        return markdown.render_drift(subject)
    from pulumi_dynamic_security.cli.render import plan_text

    if isinstance(subject, Plan):
        return plan_text.render_plan(subject, color=color)
    return plan_text.render_drift(subject, color=color)
