"""`dynsec demo`: the whole story on an embedded emulator, no account needed (docs/cli.md#commands).

An emulator seeded with `demo` runs inside this process; the walk-through then runs the real
`dynsec` commands against it, exactly as a user would type them, and prints each one before
its output: validate the example policy, plan production (which also shows what a live
environment must not have: a test account, sign-in without a captcha), apply every stage
(new tokens and the new webhook's secret go to a 0600 file), drift (clean),
a simulated dashboard edit that adds a wildcard origin to production, and drift again, which
catches it. Then an incident: a user's JWT is accepted by the production backend's verifier
(`pulumi_dynamic_security.verify`, configured from the same policy), `dynsec sessions revoke`
revokes that user's sessions, and the verifier's session check refuses the same JWT.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pulumi_dynamic_security.exit_codes import ExitCode

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient
    from pulumi_dynamic_security.emulator.handle import EmulatorHandle

POLICY_NAME = "dynamic-security.yaml"
PRODUCTION_ENVIRONMENT = "0c000000-0000-4000-8000-000000000002"
DASHBOARD_EDIT = "https://*.vercel.app"
DEMO_USER = "d0000000-0000-4000-8000-00000000a11c"
DEMO_ORIGIN = "https://app.acme-wallet.com"  # one of production's allowed origins


def packaged_policy() -> str:
    """The example policy shipped with the package (the same file as
    examples/dynamic-security.yaml, on the demo seed's environment ids)."""
    data = resources.files("pulumi_dynamic_security") / "data" / POLICY_NAME
    return data.read_text(encoding="utf-8")


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _working_directory(path: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def run_demo(echo: Callable[[str], None] = click.echo) -> int:
    """Run the walk-through; 0 when every step did what the story expects."""
    from pulumi_dynamic_security.cli.main import run
    from pulumi_dynamic_security.emulator.server import running_emulator

    started = time.monotonic()
    expectations: list[tuple[str, int, int]] = []

    def step(title: str, argv: list[str], expected: int) -> None:
        echo("")
        echo(click.style(f"== {title}", bold=True))
        echo(f"$ dynsec {' '.join(argv)}")
        code = run(argv)
        echo(f"(exit code {code}: {_meaning(code)})")
        expectations.append((title, code, expected))

    workdir = Path(tempfile.mkdtemp(prefix="dynsec-demo-"))
    try:
        (workdir / POLICY_NAME).write_text(packaged_policy(), encoding="utf-8")
        with running_emulator(seed="demo") as emulator, _working_directory(workdir), \
                _environment(DYNAMIC_API_URL=emulator.base_url,
                             DYNAMIC_API_TOKEN=emulator.token):
            echo(f"A Dynamic API emulator is running at {emulator.base_url}, seeded with a "
                 "sandbox and a live environment;")
            echo("the live one starts insecure: a wildcard and a localhost origin, a 30-day "
                 "JWT in localstorage, MFA off, a 400-day-old API token nobody manages,")
            echo("a test account that signs in with a static code, no captcha, and no webhook "
                 "for session events.")
            step("Check the policy offline, per stage", ["validate", POLICY_NAME], 0)
            step("Plan production: what would change, and which way it moves security",
                 ["plan", POLICY_NAME, "--stage", "production", "--detailed-exitcode"], 2)
            for stage in ("dev", "staging", "production"):
                step(f"Apply {stage} (new API tokens and webhook secrets go to a 0600 file, "
                     "never to the screen)",
                     ["apply", POLICY_NAME, "--stage", stage, "--yes",
                      "--secrets-out", f"new-tokens-{stage}.json"], 0)
            step("Drift: every stage now matches the policy", ["drift", POLICY_NAME], 0)
            echo("")
            echo(click.style("== Someone adds a wildcard origin in the dashboard", bold=True))
            _dashboard_edit(emulator.base_url, emulator.token)
            echo(f"(production now also allows {DASHBOARD_EDIT})")
            step("Drift again: the edit is caught (exit 2 fails the CI job)",
                 ["drift", POLICY_NAME, "--format", "markdown"], 2)
            expectations.extend(_incident(echo, step, emulator))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    failed = [(title, code, want) for title, code, want in expectations if code != want]
    echo("")
    for title, code, want in failed:
        echo(f"Unexpected: {title!r} exited {code}, expected {want}.")
    echo(f"Demo finished in {time.monotonic() - started:.1f} s.")
    return ExitCode.OK if not failed else ExitCode.API_FAILURE


def _incident(echo: Callable[[str], None], step: Callable[[str, list[str], int], None],
              emulator: EmulatorHandle) -> list[tuple[str, int, int]]:
    """The incident story; the outcomes of its two verifier steps (0 accepted, 1 refused)
    against what the story expects."""
    from pulumi_dynamic_security.verify import DynamicJwtVerifier, JwtRejected

    echo("")
    echo(click.style("== A user signs in; the production backend verifies their JWT", bold=True))
    jwt = emulator.mint_jwt(PRODUCTION_ENVIRONMENT, sub=DEMO_USER, aud=DEMO_ORIGIN)["jwt"]
    echo(f"(the emulator issued a JWT for user {DEMO_USER} on {DEMO_ORIGIN}, as Dynamic does "
         "at sign-in; the token itself is never printed)")
    echo('>>> verifier = DynamicJwtVerifier.from_policy("dynamic-security.yaml", '
         'stage="production")')
    echo(">>> claims = verifier.verify(jwt); verifier.check_session(claims, client)")
    outcomes = []
    with DynamicJwtVerifier.from_policy(POLICY_NAME, stage="production",
                                        api_url=emulator.base_url) as verifier, \
            _admin_client(emulator.base_url, emulator.token) as client:

        def backend(title: str, expected: int) -> None:
            try:
                claims = verifier.verify(jwt)
                verifier.check_session(claims, client)
            except JwtRejected as exc:
                echo(f"refused ({exc.check}): {exc.message}")
                outcomes.append((title, 1, expected))
                return
            echo(f"accepted: sub {claims.subject}, session {claims.session_id}, scopes "
                 f"{' '.join(sorted(claims.scopes))}; the session is active")
            outcomes.append((title, 0, expected))

        backend("the backend accepts the JWT", 0)
        step("Incident: revoke every session of that user",
             ["sessions", "revoke", POLICY_NAME, "--stage", "production", "--user", DEMO_USER,
              "--yes"], 0)
        echo("")
        echo(click.style("== The same JWT again: signature and expiry still hold, the session "
                         "check refuses it", bold=True))
        backend("the backend refuses the revoked session", 1)
    return outcomes


def _admin_client(base_url: str, token: str) -> DynamicClient:
    from pulumi_dynamic_security.api.client import DynamicClient
    from pulumi_dynamic_security.api.config import ClientConfig
    from pulumi_dynamic_security.redaction import Secret

    return DynamicClient(ClientConfig(token=Secret(token), base_url=base_url))


def _meaning(code: int) -> str:
    try:
        return ExitCode(code).meaning
    except ValueError:  # an internal error (70) or an interruption (130)
        return "unexpected"


def _dashboard_edit(base_url: str, token: str) -> None:
    with _admin_client(base_url, token) as client:
        client.add_origin(PRODUCTION_ENVIRONMENT, DASHBOARD_EDIT)
