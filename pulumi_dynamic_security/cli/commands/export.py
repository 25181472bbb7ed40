"""`dynsec export --environment-id ID [--stage NAME]`: live settings as a policy file."""

from __future__ import annotations

import re

import click

from pulumi_dynamic_security.cli.options import ApiOptions, api_options

# The policy models' patterns are imported inside the callbacks, so that `--help` does not
# load pydantic.


def _environment_id(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from pulumi_dynamic_security.policy.models import UUID_PATTERN

    if not re.fullmatch(UUID_PATTERN, value):
        raise click.BadParameter(f"{value!r} is not a lower-case uuid (copy it from Dynamic's "
                                 "dashboard, e.g. 3f0c1b9e-...)")
    return value


def _stage_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from pulumi_dynamic_security.policy.models import STAGE_NAME_HINT, STAGE_NAME_PATTERN

    if value is not None and not re.fullmatch(STAGE_NAME_PATTERN, value):
        raise click.BadParameter(f"{value!r} is not a valid stage name: {STAGE_NAME_HINT}")
    return value


@click.command(name="export")
@click.option("--environment-id", required=True, metavar="ID", callback=_environment_id,
              help="The Dynamic environment to export.")
@click.option("-s", "--stage", metavar="NAME", default=None, callback=_stage_name,
              help="Stage name to write (default: production for a live environment, dev for "
              "a sandbox).")
@api_options
def command(environment_id: str, stage: str | None, api: ApiOptions) -> int:
    """Write an environment's live security settings as a policy file on stdout.

    Planning the exported file shows no changes. API tokens are not exported (their raw
    values cannot be read back); values the policy cannot express are explained in comments.
    Credentials: DYNAMIC_API_TOKEN or --token-file.
    """
    from pulumi_dynamic_security.service.export import export_policy

    connection = api.connection()
    with connection.client(connection.token()) as client:
        click.echo(export_policy(client, environment_id, stage), nl=False)
    return 0
