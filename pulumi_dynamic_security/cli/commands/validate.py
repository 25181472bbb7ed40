"""`dynsec validate POLICY [--stage S]... [--format text|json|sarif] [--output FILE]`.

Loads the policy (any problem in it is a `PolicyFileError`: exit 3, nothing on stdout), runs
the offline rules on the selected stages (every stage unless `--stage` names some), prints the
report, and exits 1 when a selected stage is blocked by an unwaived error, else 0.
"""

from __future__ import annotations

from pathlib import Path

import click

from pulumi_dynamic_security.cli.options import debug_option, format_option, policy_argument
from pulumi_dynamic_security.cli.output import (
    refuse_overwriting,
    stdout_wants_color,
    write_output,
)
from pulumi_dynamic_security.exit_codes import ExitCode
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.rules.engine import StageReport, evaluate

FORMATS = ("text", "json", "sarif")


@click.command(name="validate")
@policy_argument
@click.option(
    "--stage",
    "stages",
    multiple=True,
    metavar="S",
    help="Check only this stage (repeat for several). Default: every stage.",
)
@format_option(*FORMATS)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Write the report to FILE (replaced atomically) instead of stdout.",
)
@debug_option
def command(policy: Path, stages: tuple[str, ...], output_format: str, output: Path | None) -> int:
    """Check the declared policy against the security rules, per stage.

    Exit 0 when no selected stage is blocked, 1 when one is (an unwaived error), 3 when the
    policy file or the arguments are invalid.
    """
    if output is not None:
        refuse_overwriting(output, [policy], option="--output")
    loaded = SecurityPolicy.load(policy)
    reports = [evaluate(stage) for stage in loaded.select(stages)]
    color = output is None and output_format == "text" and stdout_wants_color()
    text = render(reports, output_format, color=color)
    if output is None:
        click.echo(text, nl=False, color=color)
    else:
        write_output(output, text, protect=[policy])
        click.echo(_written_note(reports, output_format, output), err=True)
    return ExitCode.BLOCKED if any(report.blocked for report in reports) else ExitCode.OK


def render(reports: list[StageReport], output_format: str, *, color: bool = False) -> str:
    """The report in `output_format` (one of FORMATS)."""
    if output_format == "json":
        from pulumi_dynamic_security.cli.render import json as json_render

        return json_render.render_validation(reports)
    if output_format == "sarif":
        from pulumi_dynamic_security.cli.render import sarif
        from pulumi_dynamic_security.rules.catalog import RULES

        return sarif.render_validation(reports, RULES)
    from pulumi_dynamic_security.cli.render import text

    return text.render_validation(reports, color=color)


def _written_note(reports: list[StageReport], output_format: str, output: Path) -> str:
    blocked = [report.stage.name for report in reports if report.blocked]
    verdict = (
        f"blocked: {', '.join(blocked)}" if blocked else "no stage blocked"
    )
    count = len(reports)
    return (
        f"Wrote the {output_format} report on {count} stage{'s' if count != 1 else ''} "
        f"to {output} ({verdict})."
    )
