"""`dynsec drift POLICY [--stage S]... [--format text|json|markdown] [--concurrency N]
[--base-policy FILE] [--link-base URL] [--max-chars N] [--quiet]`: plan every stage
concurrently and summarise."""

from __future__ import annotations

from pathlib import Path

import click

from pulumi_dynamic_security.cli.options import (
    ApiOptions,
    api_options,
    base_policy_option,
    format_option,
    link_base_option,
    load_base_policy,
    max_chars_option,
    policy_argument,
    quiet_option,
    stage_option,
)
from pulumi_dynamic_security.cli.output import stdout_wants_color


@click.command(name="drift")
@policy_argument
@stage_option(multiple=True, help="Only this stage (repeat for several). Default: every stage.")
@format_option("text", "json", "markdown")
@click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True,
              help="How many stages to read at once (the request budget still applies).")
@base_policy_option
@link_base_option
@max_chars_option
@quiet_option
@api_options
def command(policy: Path, stages: tuple[str, ...], output_format: str, concurrency: int,
            base_policy: Path | None, link_base: str | None, max_chars: int, quiet: bool,
            api: ApiOptions) -> int:
    """Plan every stage concurrently and summarise what is exposed now and what drifted.

    Exit 0 when every stage matches the policy, 2 when some drifted, 1 when a stage is
    blocked by policy, 3 on invalid input, 4 when a stage could not be read (the other
    stages are still reported). Exposure (an error on the live settings) is reported and
    never changes the exit code.
    """
    from pulumi_dynamic_security.cli.progress import Progress
    from pulumi_dynamic_security.cli.render.markdown import MarkdownOptions
    from pulumi_dynamic_security.cli.render.plans import render_drift
    from pulumi_dynamic_security.escaping import text
    from pulumi_dynamic_security.policy.loader import SecurityPolicy
    from pulumi_dynamic_security.service.drift import drift

    selected = SecurityPolicy.load(policy).select(stages)
    base = load_base_policy(base_policy)
    connection = api.connection()
    progress = Progress(quiet=quiet)
    report = drift(selected, connection, concurrency=concurrency, base=base,
                   progress=progress.stage_done if progress.enabled else None)
    color = output_format == "text" and stdout_wants_color()
    comment = MarkdownOptions(command="drift", policy=str(policy), link_base=link_base,
                              max_chars=max_chars)
    click.echo(render_drift(report, output_format, color=color, markdown=comment), nl=False,
               color=color)
    for failure in report.errors:
        click.echo(f"Error: stage {text(repr(failure.stage))}: {text(failure.message)}",
                   err=True)
    return report.exit_code
