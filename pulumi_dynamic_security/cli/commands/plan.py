"""`dynsec plan POLICY --stage S [--format text|json|markdown] [--detailed-exitcode]
[--out PLAN.json] [--base-policy FILE] [--link-base URL]`: read the live settings, show what
is exposed now, what `apply` would change and the findings."""

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
    output_option,
    policy_argument,
    stage_option,
)
from pulumi_dynamic_security.cli.output import (
    refuse_overwriting,
    stdout_wants_color,
    write_output,
)
from pulumi_dynamic_security.exit_codes import ExitCode, combine


@click.command(name="plan")
@policy_argument
@stage_option(required=True, help="The stage to plan.")
@format_option("text", "json", "markdown")
@click.option("--detailed-exitcode", is_flag=True,
              help="Exit 2 when changes are pending (0 when there are none).")
@output_option(name="out", aliases=("--out",), metavar="PLAN.json",
               help="Also save the plan as JSON, for `dynsec apply --plan`, which applies it "
               "only while POLICY and the environment still give exactly this plan.")
@base_policy_option
@link_base_option
@api_options
def command(policy: Path, stage: str, output_format: str, detailed_exitcode: bool,
            out: Path | None, base_policy: Path | None, link_base: str | None,
            api: ApiOptions) -> int:
    """Show what is exposed now in one stage, what `apply` would change, and the findings on
    the effective settings.

    Exit 0 when nothing is pending, 1 when an unwaived error blocks the stage, 2 with
    --detailed-exitcode when changes are pending, 3 on invalid input, 4 on an API failure.
    """
    from pulumi_dynamic_security.cli.render.markdown import MarkdownOptions
    from pulumi_dynamic_security.cli.render.plans import render_plan
    from pulumi_dynamic_security.policy.loader import SecurityPolicy
    from pulumi_dynamic_security.service.plan import plan_stage
    from pulumi_dynamic_security.service.plan_file import render_plan_file

    if out is not None:
        refuse_overwriting(out, [policy], option="--out")  # before any request
    effective = SecurityPolicy.load(policy).stage(stage)
    base = load_base_policy(base_policy)
    connection = api.connection()
    token = connection.token(effective.token_env)
    with connection.client(token) as client:
        result = plan_stage(client, effective, auth_token_checksum=token.checksum, base=base)
    if out is not None:
        write_output(out, render_plan_file(result), what="the plan", protect=[policy],
                     option="--out")
    color = output_format == "text" and stdout_wants_color()
    comment = MarkdownOptions(command="plan", policy=str(policy), link_base=link_base)
    click.echo(render_plan(result, output_format, color=color, markdown=comment), nl=False,
               color=color)
    return combine(
        ExitCode.BLOCKED if result.blocked else ExitCode.OK,
        ExitCode.PENDING if detailed_exitcode and result.changes else ExitCode.OK,
    )
