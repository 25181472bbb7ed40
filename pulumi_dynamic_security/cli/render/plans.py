"""Rendering a plan or a drift report in the format the user asked for."""

from __future__ import annotations

from pulumi_dynamic_security.service.drift import DriftReport
from pulumi_dynamic_security.service.plan import Plan


def render_plan(plan: Plan, output_format: str, *, color: bool = False) -> str:
    """`text`, `json` (the plan object of docs/cli.md#output-formats) or `markdown` (a PR
    comment)."""
    if output_format == "json":
        from pulumi_dynamic_security.cli.render.json import dumps

        return dumps(plan.to_json())
    if output_format == "markdown":
        from pulumi_dynamic_security.cli.render import markdown

        return markdown.render_plan(plan)
    from pulumi_dynamic_security.cli.render import plan_text

    return plan_text.render_plan(plan, color=color)


def render_drift(report: DriftReport, output_format: str, *, color: bool = False) -> str:
    """`text`, `json` (`{"stages", "drifted", "errors"}`) or `markdown`."""
    if output_format == "json":
        from pulumi_dynamic_security.cli.render.json import dumps

        return dumps(report.to_json())
    if output_format == "markdown":
        from pulumi_dynamic_security.cli.render import markdown

        return markdown.render_drift(report)
    from pulumi_dynamic_security.cli.render import plan_text

    return plan_text.render_drift(report, color=color)
