"""`dynsec verify-jwt POLICY --stage S [--check-session] [--format text|json]`: one end-user
JWT from standard input, verified with the stage's verifier; never printed."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from pulumi_dynamic_security.cli.options import (
    ApiOptions,
    api_options,
    format_option,
    policy_argument,
)
from pulumi_dynamic_security.exit_codes import ExitCode

FORMAT_VERSION = 1
_BEARER = "bearer"
_PIPE_HINT = "Pipe the token in: dynsec verify-jwt POLICY --stage S < token.txt"


def _read_token() -> str:
    """The JWT on standard input (a terminal is asked without echo); a byte order mark,
    surrounding blanks and an `Authorization: Bearer ` prefix are dropped. Reads a bounded
    amount: a longer input is refused as malformed by the verifier."""
    from pulumi_dynamic_security.errors import InputError
    from pulumi_dynamic_security.verify import MAX_TOKEN_CHARS

    stream = sys.stdin
    if stream is None:
        raise InputError("No standard input to read the JWT from.",
                         hint=_PIPE_HINT)
    if stream.isatty():
        value = str(click.prompt("JWT (not shown)", hide_input=True, err=True))
    else:
        raw = getattr(stream, "buffer", None)
        data = raw.read(MAX_TOKEN_CHARS + 64) if raw is not None else stream.read(
            MAX_TOKEN_CHARS + 64)
        value = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
    value = value.lstrip("\ufeff").strip()  # a byte order mark: a file saved by Notepad
    if value.lower().startswith("authorization:"):
        value = value.split(":", 1)[1].strip()
    words = value.split(None, 1)
    if words and words[0].lower() == _BEARER:
        value = words[1].strip() if len(words) > 1 else ""
    if not value:
        raise InputError("No JWT on standard input.",
                         hint=_PIPE_HINT)
    return value


def _checks(failed: str | None, session: bool) -> list[dict[str, str]]:
    """Each check with `passed`, `failed` or `not reached`, in the order verify runs them."""
    from pulumi_dynamic_security.verify import CHECKS, SESSION_CHECK

    names = [*CHECKS, SESSION_CHECK] if session else list(CHECKS)
    results, reached = [], True
    for name in names:
        if name == failed:
            results.append({"check": name, "result": "failed"})
            reached = False
        else:
            results.append({"check": name, "result": "passed" if reached else "not reached"})
    return results


def _claims_line(claims: Mapping[str, Any]) -> str:
    from pulumi_dynamic_security.escaping import text

    parts = []
    for name, value in claims.items():
        shown = text(repr(value) if isinstance(value, str) else value)
        if name == "exp" and isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                moment = datetime.fromtimestamp(value, timezone.utc)
                shown += f" ({moment.strftime('%Y-%m-%dT%H:%M:%SZ')})"
            except (OverflowError, OSError, ValueError):
                pass
        parts.append(f"{name}={shown}")
    return ", ".join(parts) if parts else "(none)"


@click.command(name="verify-jwt")
@policy_argument
@click.option("--stage", "-s", required=True, metavar="S", help="The stage whose verifier to use.")
@click.option("--check-session", is_flag=True,
              help="Also ask Dynamic, with the stage's API token, whether the session was "
              "revoked.")
@format_option("text", "json")
@api_options
def command(policy: Path, stage: str, check_session: bool, output_format: str,
            api: ApiOptions) -> int:
    """Verify one end-user JWT read from standard input, as the stage's backend would.

    Shows each check and the claims that are not sensitive (sub, sid, scope, exp,
    environment_id); never the token. Exit 0 when valid, 1 when rejected, 3 on invalid
    input, 4 when the signing keys (or, with --check-session, the session) cannot be read.
    """
    from pulumi_dynamic_security.escaping import json_dumps, text
    from pulumi_dynamic_security.policy.loader import SecurityPolicy
    from pulumi_dynamic_security.verify import DynamicJwtVerifier, JwtRejected
    from pulumi_dynamic_security.verify.tokens import decode_unverified, shown_claims

    effective = SecurityPolicy.load(policy).stage(stage)
    token = _read_token()
    rejection: JwtRejected | None = None
    verified = False
    verifier = DynamicJwtVerifier.from_policy(policy, stage=stage, api_url=api.api_url)
    with verifier:
        try:
            claims = verifier.verify(token)
            verified = True
            if check_session:
                connection = api.connection()
                credential = connection.token(effective.token_env)
                with connection.client(credential) as client:
                    verifier.check_session(claims, client)
        except JwtRejected as exc:
            rejection = exc
    decoded = decode_unverified(token)
    shown = shown_claims(decoded) if decoded is not None else None
    failed = rejection.check if rejection is not None else None
    checks = _checks(failed, check_session)
    if output_format == "json":
        click.echo(json_dumps({
            "version": FORMAT_VERSION,
            "valid": rejection is None,
            "check": failed,
            "message": rejection.message if rejection is not None else None,
            "claims": shown,
            "claims_verified": verified,
            "checks": checks,
            "stage": stage,
            "environment_id": effective.environment_id,
        }))
    else:
        click.echo(f"JWT checked against stage {stage!r} (environment "
                   f"{effective.environment_id}):")
        width = max(len(c["check"]) for c in checks)
        for item in checks:
            mark = {"passed": "ok  ", "failed": "FAIL", "not reached": "-   "}[item["result"]]
            detail = (text(rejection.message) if rejection is not None
                      and item["check"] == failed else "")
            click.echo(f"  {mark}  {item['check'].ljust(width)}  {detail}".rstrip())
        label = "claims" if verified else "claims (NOT verified)"
        click.echo(f"{label}: {_claims_line(shown) if shown is not None else '(unreadable)'}")
        click.echo("Valid." if rejection is None else f"Rejected: {failed}.")
    return ExitCode.OK if rejection is None else ExitCode.BLOCKED
