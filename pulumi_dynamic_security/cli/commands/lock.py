"""`dynsec lock POLICY --stage S --reason TEXT [--yes]` and `dynsec unlock POLICY --stage S
[--yes]`: break-glass, `security.environmentLocked` set or cleared and nothing else
(`service.incident.set_lock`)."""

from __future__ import annotations

from pathlib import Path

import click

from pulumi_dynamic_security.cli.incident import (
    ask,
    credential_words,
    incident_options,
    reason_text,
    require_a_way_to_confirm,
    when,
)
from pulumi_dynamic_security.cli.options import ApiOptions, policy_argument
from pulumi_dynamic_security.exit_codes import ExitCode

FORMAT_VERSION = 1
CONSEQUENCE = {
    True: ("Every sign-in of this environment stops: Dynamic refuses all of its SDK requests "
           "until `dynsec unlock`. JWTs already issued still verify (the JWKS stays up) until "
           "they expire; revoke sessions with `dynsec sessions revoke` to end them."),
    False: "Sign-ins of this environment work again: Dynamic answers its SDK requests.",
}


def _run(policy: Path, stage: str, *, locked: bool, reason: str | None, yes: bool,
         output_format: str, api: ApiOptions) -> int:
    from pulumi_dynamic_security.escaping import json_dumps, text
    from pulumi_dynamic_security.policy.loader import SecurityPolicy
    from pulumi_dynamic_security.service.incident import set_lock

    name = "lock" if locked else "unlock"
    effective = SecurityPolicy.load(policy).stage(stage)
    require_a_way_to_confirm(yes, name)
    connection = api.connection()
    token = connection.token(effective.token_env)
    environment = effective.environment_id
    question = (f"Lock stage {stage!r} (environment {environment})? Every sign-in of this "
                "environment stops until it is unlocked." if locked else
                f"Unlock stage {stage!r} (environment {environment})? Sign-ins work again.")
    with connection.client(token) as client:
        done = set_lock(client, environment, locked=locked, credential=token,
                        confirm=None if yes else lambda: ask(question))
    state = "locked" if locked else "unlocked"
    if output_format == "json":
        click.echo(json_dumps({
            "version": FORMAT_VERSION,
            "stage": stage,
            "environment_id": environment,
            "locked": done.locked,
            "changed": done.changed,
            "at": when(done.at),
            "reason": reason,
            "credential_checksum": done.credential_checksum,
        }))
        return ExitCode.OK
    if done.changed:
        click.echo(f"{state.capitalize()} stage {stage!r} (environment {environment}) at "
                   f"{when(done.at)}, with {credential_words(token.checksum)}.")
    else:
        click.echo(f"Stage {stage!r} (environment {environment}) is already {state}; nothing "
                   "was written.")
    if reason is not None:
        click.echo(f"Reason: {text(reason)}")
    click.echo(CONSEQUENCE[locked])
    return ExitCode.OK


@click.command(name="lock")
@policy_argument
@click.option("--reason", required=True, metavar="TEXT",
              help="Why, for the incident record (printed, and in the JSON output).")
@incident_options
def command(policy: Path, stage: str, reason: str, yes: bool, output_format: str,
            api: ApiOptions) -> int:
    """Lock one stage's environment: EVERY SIGN-IN STOPS (break-glass).

    Sets security.environmentLocked and nothing else: the settings document is read, that
    key changed, the rest written back exactly as read, then read back. Locking a locked
    environment writes nothing. plan and apply never touch the lock. Exit 0 when locked,
    3 on invalid input (no confirmation possible without --yes), 4 on an API failure.
    """
    return _run(policy, stage, locked=True, reason=reason_text(reason, required=True),
                yes=yes, output_format=output_format, api=api)


@click.command(name="unlock")
@policy_argument
@click.option("--reason", default=None, metavar="TEXT",
              help="Why, for the incident record (optional).")
@incident_options
def unlock(policy: Path, stage: str, reason: str | None, yes: bool, output_format: str,
           api: ApiOptions) -> int:
    """Unlock one stage's environment: sign-ins work again.

    Clears security.environmentLocked and nothing else (as `lock` sets it). Unlocking an
    unlocked environment writes nothing. Exit 0 when unlocked, 3 on invalid input, 4 on an
    API failure.
    """
    return _run(policy, stage, locked=False, reason=reason_text(reason, required=False),
                yes=yes, output_format=output_format, api=api)
