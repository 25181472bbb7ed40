"""`dynsec drift POLICY [--stage S]... [--format text|json|markdown] [--concurrency N]`: plan
every stage concurrently and summarise."""

from __future__ import annotations

from pathlib import Path

import click

from pulumi_dynamic_security.cli.options import (
    ApiOptions,
    api_options,
    format_option,
    policy_argument,
    stage_option,
)
from pulumi_dynamic_security.cli.output import stdout_wants_color


@click.command(name="drift")
@policy_argument
@stage_option(multiple=True, help="Only this stage (repeat for several). Default: every stage.")
@format_option("text", "json", "markdown")
@click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True,
              help="How many stages to read at once (the request budget still applies).")
@api_options
def command(policy: Path, stages: tuple[str, ...], output_format: str, concurrency: int,
            api: ApiOptions) -> int:
    """Plan every stage concurrently and summarise what drifted.

    Exit 0 when every stage matches the policy, 2 when some drifted, 1 when a stage is
    blocked by policy, 3 on invalid input, 4 when a stage could not be read (the other
    stages are still reported).
    """
    from pulumi_dynamic_security.cli.render.plans import render_drift
    from pulumi_dynamic_security.escaping import text
    from pulumi_dynamic_security.policy.loader import SecurityPolicy
    from pulumi_dynamic_security.service.drift import drift

    selected = SecurityPolicy.load(policy).select(stages)
    connection = api.connection()
    report = drift(selected, connection, concurrency=concurrency)
    color = output_format == "text" and stdout_wants_color()
    click.echo(render_drift(report, output_format, color=color), nl=False, color=color)
    for failure in report.errors:
        click.echo(f"Error: stage {text(repr(failure.stage))}: {text(failure.message)}",
                   err=True)
    return report.exit_code
