"""`dynsec sessions revoke POLICY --stage S (--user USER_ID | --all) [--yes]
[--format text|json]`: incident response, end users' sessions revoked server-side."""

from __future__ import annotations

from pathlib import Path

import click

from pulumi_dynamic_security.cli.incident import (
    ask,
    credential_words,
    incident_options,
    require_a_way_to_confirm,
    when,
)
from pulumi_dynamic_security.cli.options import ApiOptions, policy_argument
from pulumi_dynamic_security.errors import InputError
from pulumi_dynamic_security.exit_codes import ExitCode

FORMAT_VERSION = 1


@click.group(name="sessions")
def command() -> None:
    """End users' sessions (incident response)."""


@command.command(name="revoke")
@policy_argument
@click.option("--user", "user_id", metavar="USER_ID", default=None,
              help="Revoke every session of this user (Dynamic user id, a JWT's sub).")
@click.option("--all", "everyone", is_flag=True,
              help="Revoke every session of every user of the environment.")
@incident_options
def revoke(policy: Path, stage: str, user_id: str | None, everyone: bool, yes: bool,
           output_format: str, api: ApiOptions) -> int:
    """Revoke end users' sessions in one stage's environment: one user's (--user), or
    everyone's (--all, which Dynamic queues and carries out shortly after).

    JWTs already issued stay valid until they expire; backends that check the session
    (DynamicJwtVerifier.check_session, `dynsec verify-jwt --check-session`) refuse them at
    once. Exit 0 when done, 3 on invalid input (no confirmation possible without --yes),
    4 on an API failure.
    """
    from pulumi_dynamic_security.api.routes import path_segment
    from pulumi_dynamic_security.escaping import json_dumps, text
    from pulumi_dynamic_security.policy.loader import SecurityPolicy
    from pulumi_dynamic_security.service.incident import revoke_sessions

    if (user_id is None) == (not everyone):
        raise InputError("Say whose sessions to revoke: --user USER_ID or --all (one of them).",
                         hint="dynsec sessions revoke POLICY --stage S --user USER_ID")
    if user_id is not None:
        path_segment(user_id)  # an id that cannot be one path segment: exit 3, before asking
    effective = SecurityPolicy.load(policy).stage(stage)
    require_a_way_to_confirm(yes, "sessions revoke")
    connection = api.connection()
    token = connection.token(effective.token_env)
    environment = effective.environment_id
    whose = f"user {user_id}" if user_id is not None else "EVERY user"
    if not yes:
        ask(f"Revoke every session of {whose} in stage {stage!r} (environment {environment})?"
            + (" Every signed-in user is signed out." if user_id is None else ""))
    with connection.client(token) as client:
        done = revoke_sessions(client, environment, user_id=user_id, credential=token)
    if output_format == "json":
        click.echo(json_dumps({
            "version": FORMAT_VERSION,
            "stage": stage,
            "environment_id": environment,
            "user_id": done.user_id,
            "all_users": done.user_id is None,
            "status": "queued" if done.queued else "revoked",
            "at": when(done.at),
            "credential_checksum": done.credential_checksum,
            "message": done.message,
        }))
        return ExitCode.OK
    verb = "Queued the revocation of" if done.queued else "Revoked"
    click.echo(f"{verb} every session of {whose} in stage {stage!r} (environment "
               f"{environment}) at {when(done.at)}, with {credential_words(token.checksum)}.")
    if done.queued:
        click.echo("Dynamic revokes them shortly after it answers (it queues environment-wide "
                   "revocations)" + (f": {text(done.message)}" if done.message else "."))
    click.echo("JWTs already issued stay valid until they expire (at most the stage's "
               "jwt_lifetime); backends that check the session refuse them now.")
    return ExitCode.OK
