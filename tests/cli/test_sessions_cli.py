"""`dynsec sessions revoke`: one user's sessions or everyone's, confirmed like apply, saying
what was revoked, when and with which credential (its checksum), with the contract's exit
codes."""

from __future__ import annotations

import re

import pytest

from tests.cli.incident_support import POLICY, pipe, terminal
from tests.support.cli import Cli
from tests.support.clients import make_client
from tests.support.ids import LIVE
from tests.support.tokens import plant

USER = "c0ffee00-0000-4000-8000-0000000000a1"
REVOKE_USER = ("POST", f"/environments/{LIVE}/users/{USER}/sessions/revoke")
REVOKE_ALL = ("POST", f"/environments/{LIVE}/users/sessions/revoke")


def _revoked(cli: Cli, session_id: str, user: str = USER) -> bool:
    with make_client(cli.emulator) as client:
        return client.get_session(user, session_id).revoked_at is not None


def test_revoke_one_users_sessions(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = cli.write(POLICY)
    mine = cli.emulator.create_session(LIVE, USER)["id"]
    other = cli.emulator.create_session(LIVE, "someone-else")["id"]
    pipe(monkeypatch)
    cli.clear()
    result = cli("sessions", "revoke", str(policy), "--stage", "production", "--user", USER,
                 "--yes")
    assert result.code == 0, result.err
    assert cli.writes() == [REVOKE_USER]
    assert re.match(
        rf"Revoked every session of user {USER} in stage 'production' \(environment {LIVE}\) "
        r"at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, with the API token ending in ulator\.\n", result.out)
    assert "stay valid until they expire" in result.out
    assert _revoked(cli, mine) and not _revoked(cli, other, "someone-else")


def test_revoke_all_in_json_says_it_is_queued(cli: Cli) -> None:
    policy = cli.write(POLICY)
    session = cli.emulator.create_session(LIVE, USER)["id"]
    cli.clear()
    result = cli("sessions", "revoke", str(policy), "--stage", "production", "--all", "--yes",
                 "--format", "json")
    assert result.code == 0, result.err
    document = result.json()
    assert set(document) == {"version", "stage", "environment_id", "user_id", "all_users",
                             "status", "at", "credential_checksum", "message"}
    assert (document["status"], document["all_users"], document["user_id"]) == (
        "queued", True, None)
    assert document["credential_checksum"] == cli.emulator.token[-6:]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", document["at"])
    assert cli.emulator.requests()[-1] == {"method": "POST", "path": REVOKE_ALL[1],
                                            "status": 202}
    assert _revoked(cli, session)


@pytest.mark.parametrize("args", [
    (), ("--user", USER, "--all"), ("--user", "../tokens"), ("--user", "a/b"), ("--user", ""),
])
def test_bad_arguments_are_exit_3_with_no_request(cli: Cli, args: tuple[str, ...]) -> None:
    policy = cli.write(POLICY)
    cli.clear()
    result = cli("sessions", "revoke", str(policy), "--stage", "production", *args, "--yes")
    assert result.code == 3, result.out + result.err
    assert result.err.startswith("Error: ") and "Traceback" not in result.err
    assert cli.log() == []


def test_without_a_terminal_it_needs_yes(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = cli.write(POLICY)
    pipe(monkeypatch)
    cli.clear()
    result = cli("sessions", "revoke", str(policy), "--stage", "production", "--user", USER)
    assert result.code == 3
    assert "Pass --yes" in result.err
    assert cli.log() == []


@pytest.mark.parametrize(("answer", "code"), [("y\n", 0), ("n\n", 3), ("\n", 3)])
def test_on_a_terminal_it_asks(cli: Cli, monkeypatch: pytest.MonkeyPatch, answer: str,
                               code: int) -> None:
    policy = cli.write(POLICY)
    terminal(monkeypatch, answer)
    cli.clear()
    result = cli("sessions", "revoke", str(policy), "--stage", "production", "--all")
    assert result.code == code, result.err
    assert f"Revoke every session of EVERY user in stage 'production' (environment {LIVE})?" \
        in result.err
    assert "Every signed-in user is signed out." in result.err
    assert cli.writes() == ([REVOKE_ALL] if code == 0 else [])


def test_api_failures_are_exit_4(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = cli.write(POLICY)
    result = cli("sessions", "revoke", str(policy), "--stage", "gone", "--all", "--yes")
    assert result.code == 4 and "404" in result.err, result.err
    reader = plant(cli.emulator, None, note="reader", scopes=["environment.users.read"])
    monkeypatch.setenv("DYNAMIC_API_TOKEN", reader.raw)
    result = cli("sessions", "revoke", str(policy), "--stage", "production", "--user", USER,
                 "--yes")
    assert result.code == 4
    assert "environment.users.write" in result.err
    monkeypatch.delenv("DYNAMIC_API_TOKEN")
    result = cli("sessions", "revoke", str(policy), "--stage", "production", "--user", USER,
                 "--yes")
    assert result.code == 3 and "DYNAMIC_API_TOKEN" in result.err
