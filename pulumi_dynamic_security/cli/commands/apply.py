"""`dynsec apply POLICY --stage S [--yes] [--secrets-out FILE] [--plan PLAN.json] [--quiet]`:
validate, plan, confirm, write, read back and verify."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pulumi_dynamic_security.cli.options import (
    ApiOptions,
    api_options,
    policy_argument,
    quiet_option,
    stage_option,
)
from pulumi_dynamic_security.cli.output import stdout_wants_color
from pulumi_dynamic_security.errors import InputError
from pulumi_dynamic_security.escaping import text
from pulumi_dynamic_security.exit_codes import ExitCode


@click.command(name="apply")
@policy_argument
@stage_option(required=True, help="The stage to apply.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed without a TTY).")
@click.option("--secrets-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="FILE",
              help="Write secrets shown only once here (JSON, mode 0600): newly issued API "
              "tokens, new webhooks' signing secrets. Required when a rotation is due or a "
              "webhook is created; a secret is never printed.")
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, metavar="PLAN.json",
              help="Apply only if this saved plan (from `dynsec plan --out`) is exactly what "
              "POLICY and the environment give now: a changed file is refused (exit 3), a "
              "policy or environment changed since it was written too (exit 5).")
@quiet_option
@api_options
def command(policy: Path, stage: str, yes: bool, secrets_out: Path | None,
            plan_file: Path | None, quiet: bool, api: ApiOptions) -> int:
    """Write the policy to one stage's environment, then read back and verify it.

    Exit 0 when done (or nothing to do), 1 when an unwaived error blocks the stage (nothing
    written), 2 when something was deliberately left undone (the token this run authenticates
    with is never revoked), 3 on invalid input (a saved plan that does not match POLICY
    included), 4 on an API failure, 5 when the policy or the environment changed since the
    plan (nothing written).
    """
    from pulumi_dynamic_security.cli.progress import Progress
    from pulumi_dynamic_security.cli.render.plans import render_plan
    from pulumi_dynamic_security.cli.secrets_file import SecretsFile, check_writable
    from pulumi_dynamic_security.policy.loader import SecurityPolicy
    from pulumi_dynamic_security.service.apply import apply_plan, secret_changes
    from pulumi_dynamic_security.service.plan import plan_stage
    from pulumi_dynamic_security.service.plan_check import verify_saved_plan
    from pulumi_dynamic_security.service.plan_file import load_plan_file

    effective = SecurityPolicy.load(policy).stage(stage)
    # Read and check the saved plan before any request (its order of checks: plan_check).
    saved = load_plan_file(plan_file, effective) if plan_file is not None else None
    if not yes and not sys.stdin.isatty():
        raise InputError("apply needs a confirmation and there is no terminal to ask on.",
                         hint="Pass --yes to apply without asking.")
    connection = api.connection()
    token = connection.token(effective.token_env)
    progress = Progress(quiet=quiet)
    with connection.client(token) as client:
        progress.say(f"reading stage {stage!r} (environment {effective.environment_id}) ...")
        # Always the plan of POLICY and the environment as they are now; a saved plan is
        # only compared with it, never carried out itself.
        plan = plan_stage(client, effective, auth_token_checksum=token.checksum)
        if saved is not None:
            plan = verify_saved_plan(saved, plan, policy=str(policy))
        color = stdout_wants_color()
        click.echo(render_plan(plan, "text", color=color), nl=False, color=color)
        if plan.blocked:  # the findings were just shown with the plan
            raise plan.report.blocked_error(details=False)
        if not plan.changes:
            click.echo(f"Nothing to apply: stage {stage!r} matches the policy.")
            return ExitCode.OK
        secrets = secret_changes(plan)
        if secrets and secrets_out is None:
            rotations = sum(1 for c in secrets if c.action == "rotate")
            made = [f"{rotations} API token rotation(s)"] if rotations else []
            if len(secrets) > rotations:
                made.append(f"{len(secrets) - rotations} new webhook(s)")
            raise InputError(
                f"The plan makes {' and '.join(made)}, whose secret is shown only once; "
                "nothing was written.",
                hint="Pass --secrets-out FILE to receive the new secret(s) (mode 0600).",
            )
        if secrets_out is not None and secrets:
            check_writable(secrets_out)
        if not yes:
            click.confirm(f"Apply {len(plan.changes)} change(s) to stage {stage!r} "
                          f"(environment {effective.environment_id})?", abort=True, err=True)
        result = apply_plan(
            client, plan, auth_token_checksum=token.checksum,
            on_secret_issued=SecretsFile(secrets_out) if secrets_out is not None else None,
            progress=lambda message: progress.say(f"  {text(message)}"),
        )
    for skipped in result.skipped:
        click.echo(f"Left undone: {text(skipped.reason)}.", err=True)
    if result.issued:
        names = ", ".join(name for name, _ in result.issued)
        click.echo(f"New secret(s) for {names} written to {secrets_out} (mode 0600).")
    elif secrets_out is not None:
        click.echo(f"No secret was made (no token issued, no webhook created); {secrets_out} "
                   "was not written.")
    done = len(result.done)
    click.echo(f"Applied {done} change(s) to stage {stage!r} with {result.writes} write(s); "
               "read back and verified.")
    return ExitCode.PENDING if result.skipped else ExitCode.OK
