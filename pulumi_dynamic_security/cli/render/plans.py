"""Rendering a plan or a drift report in the format the user asked for: `text`, `json` (the
plan object and the drift object of docs/cli.md#output-formats) or `markdown` (a PR comment,
which also needs `MarkdownOptions`: the marker's command and policy, links, the size limit).
Each format's module is imported only when it is asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pulumi_dynamic_security.service.drift import DriftReport
from pulumi_dynamic_security.service.plan import Plan

if TYPE_CHECKING:
    from pulumi_dynamic_security.cli.render.markdown import MarkdownOptions


def render_plan(plan: Plan, output_format: str, *, color: bool = False,
                markdown: MarkdownOptions | None = None) -> str:
    """One stage's plan."""
    return _render(plan, output_format, color=color, markdown=markdown)


def render_drift(report: DriftReport, output_format: str, *, color: bool = False,
                 markdown: MarkdownOptions | None = None) -> str:
    """Every stage's plan, and the stages that could not be read."""
    return _render(report, output_format, color=color, markdown=markdown)


def _render(subject: Plan | DriftReport, output_format: str, *, color: bool,
            markdown: MarkdownOptions | None) -> str:
    if output_format == "json":
        from pulumi_dynamic_security.cli.render.json import dumps

        return dumps(subject.to_json())
    if output_format == "markdown":
        from pulumi_dynamic_security.cli.render import markdown as comment

        if isinstance(subject, Plan):
            return comment.render_plan(subject, markdown)
        return comment.render_drift(subject, markdown)
    from pulumi_dynamic_security.cli.render import plan_text

    if isinstance(subject, Plan):
        return plan_text.render_plan(subject, color=color)
    return plan_text.render_drift(subject, color=color)
