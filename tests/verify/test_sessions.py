"""`check_session`: one read of the session; refused as `revoked` after `dynsec sessions
revoke` (one user, or everyone), and when Dynamic knows no such session."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_dynamic_security.api.errors import ForbiddenError
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.verify import DynamicJwtVerifier, JwtRejected, VerifiedClaims
from tests.support.cli import Cli
from tests.support.clients import make_client
from tests.support.log import log
from tests.support.tokens import plant
from tests.verify.support import POLICY, mint, verifier


def _claims(checker: DynamicJwtVerifier, token: str) -> VerifiedClaims:
    return checker.verify(token)


def _refusal(checker: DynamicJwtVerifier, claims: VerifiedClaims,
             emulator: EmulatorHandle) -> str | None:
    with make_client(emulator) as client:
        try:
            checker.check_session(claims, client)
        except JwtRejected as exc:
            return exc.check
    return None


def test_check_session_after_sessions_revoke_is_revoked(cli: Cli, tmp_path: Path) -> None:
    policy = cli.write(POLICY)
    mine, other = mint(cli.emulator, sub="user-a"), mint(cli.emulator, sub="user-b")
    with verifier(cli.emulator, tmp_path) as checker:
        claims, others = _claims(checker, mine), _claims(checker, other)
        cli.clear()
        assert _refusal(checker, claims, cli.emulator) is None
        assert cli.log() == [("GET", f"/users/user-a/sessions/{claims['sid']}")]  # one read
        result = cli("sessions", "revoke", str(policy), "--stage", "production", "--user",
                     "user-a", "--yes")
        assert result.code == 0, result.err
        checker.verify(mine)  # the JWT itself still verifies until it expires
        assert _refusal(checker, claims, cli.emulator) == "revoked"
        assert _refusal(checker, others, cli.emulator) is None  # another user is untouched
        assert cli("sessions", "revoke", str(policy), "--stage", "production", "--all",
                   "--yes").code == 0
        assert _refusal(checker, others, cli.emulator) == "revoked"


def test_an_unknown_session_is_refused(emulator: EmulatorHandle, tmp_path: Path) -> None:
    with verifier(emulator, tmp_path) as checker:
        unknown = "0f000000-0000-4000-8000-0000000000aa"
        claims = checker.verify(mint(emulator, claims={"sid": unknown}))
        assert _refusal(checker, claims, emulator) == "revoked"
        odd = checker.verify(mint(emulator, claims={"sid": "../../environments"}))
        assert _refusal(checker, odd, emulator) == "subject"
    assert all("environments" not in path for _, path in log(emulator) if "/users/" in path)


def test_a_client_without_the_scope_is_an_api_error_not_a_verdict(
    emulator: EmulatorHandle, tmp_path: Path,
) -> None:
    planted = plant(emulator, None, note="settings only", scopes=["environment.settings.read"])
    with verifier(emulator, tmp_path) as checker:
        claims = checker.verify(mint(emulator))
        with make_client(emulator, token=planted.raw) as client, pytest.raises(ForbiddenError):
            checker.check_session(claims, client)
