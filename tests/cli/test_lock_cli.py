"""`dynsec lock` / `dynsec unlock`: `security.environmentLocked` and nothing else changes
(the rest of the document goes back exactly as read, unknown keys and write-only secrets
kept), read back; the consequence said plainly; the reason escaped for the terminal and
carried unchanged in JSON; plan and apply never touch the lock."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.cli.incident_support import POLICY, pipe, terminal
from tests.security.hostile import HOSTILE, check_text
from tests.support.cli import Cli
from tests.support.clients import make_client
from tests.support.ids import LIVE

ENV = ("GET", f"/environments/{LIVE}")
PUT = ("PUT", f"/environments/{LIVE}")


def _stored(emulator: EmulatorHandle) -> dict[str, Any]:
    """The live environment as the emulator keeps it (write-only secrets included)."""
    return next(e for e in emulator.state()["environments"] if e["id"] == LIVE)


def _decorate(emulator: EmulatorHandle) -> None:
    """Keys this tool does not manage, as the dashboard or a newer API would leave them."""
    with make_client(emulator) as client:
        document = client.get_environment(LIVE).settings_copy()
        document["futureArea"] = {"nested": [1, {"x": None}]}
        document["security"]["captcha"] = {"enabled": True, "provider": "cloudflareTurnstile"}
        document["security"]["hCaptcha"] = {"enabled": True, "secretKey": "hc-secret",
                                            "siteKey": "site"}
        document["security"]["futureKey"] = "kept"
        client.update_settings(LIVE, document)


def _sdk_settings_status(emulator: EmulatorHandle) -> tuple[int, int]:
    root = emulator.base_url
    return (httpx.get(f"{root}/sdk/{LIVE}/settings").status_code,
            httpx.get(f"{root}/sdk/{LIVE}/.well-known/jwks").status_code)


def test_lock_changes_only_the_lock_and_unlock_only_clears_it(cli: Cli) -> None:
    policy = cli.write(POLICY)
    _decorate(cli.emulator)
    before = _stored(cli.emulator)
    cli.clear()
    result = cli("lock", str(policy), "--stage", "production", "--reason", "leaked key", "--yes")
    assert result.code == 0, result.err
    assert cli.log() == [ENV, PUT, ENV]
    locked = _stored(cli.emulator)
    expected = copy.deepcopy(before["settings"])
    expected["security"]["environmentLocked"] = True
    assert locked["settings"] == expected
    assert locked["hcaptcha_secret"] == before["hcaptcha_secret"] == "hc-secret"
    assert "Locked stage 'production'" in result.out
    assert "Every sign-in of this environment stops" in result.out
    assert "with the API token ending in ulator" in result.out
    assert "Reason: leaked key" in result.out
    assert _sdk_settings_status(cli.emulator) == (403, 200)  # JWKS stays up

    cli.clear()
    result = cli("unlock", str(policy), "--stage", "production", "--yes")
    assert result.code == 0, result.err
    assert cli.log() == [ENV, PUT, ENV]
    expected["security"]["environmentLocked"] = False
    assert _stored(cli.emulator)["settings"] == expected
    assert "Sign-ins of this environment work again" in result.out
    assert _sdk_settings_status(cli.emulator) == (200, 200)


def test_locking_a_locked_environment_writes_nothing(cli: Cli) -> None:
    policy = cli.write(POLICY)
    assert cli("lock", str(policy), "--stage", "production", "--reason", "r", "--yes").code == 0
    cli.clear()
    result = cli("lock", str(policy), "--stage", "production", "--reason", "r", "--yes",
                 "--format", "json")
    assert result.code == 0
    assert cli.writes() == []
    document = result.json()
    assert (document["locked"], document["changed"], document["reason"]) == (True, False, "r")
    assert set(document) == {"version", "stage", "environment_id", "locked", "changed", "at",
                             "reason", "credential_checksum"}
    cli.clear()
    result = cli("unlock", str(policy), "--stage", "dev", "--yes")  # never locked
    assert result.code == 0 and "already unlocked; nothing was written" in result.out
    assert cli.writes() == []


def test_plan_and_apply_never_touch_the_lock(cli: Cli) -> None:
    policy = cli.write(POLICY)
    assert cli("lock", str(policy), "--stage", "production", "--reason", "r", "--yes").code == 0
    result = cli("apply", str(policy), "--stage", "production", "--yes")
    assert result.code == 0, result.out + result.err
    security = _stored(cli.emulator)["settings"]["security"]
    assert security["environmentLocked"] is True
    assert security["jwtDuration"] == {"amount": 2, "unit": "hours"}  # apply did write
    assert cli("plan", str(policy), "--stage", "production", "--format", "json").json()[
        "changes"] == []


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_the_reason_is_escaped_in_text_and_unchanged_in_json(cli: Cli, name: str) -> None:
    policy = cli.write(POLICY)
    reason = HOSTILE[name]
    text = cli("lock", str(policy), "--stage", "production", "--reason", reason, "--yes")
    assert text.code == 0, text.err
    check_text(text.out)
    as_json = cli("unlock", str(policy), "--stage", "production", "--reason", reason, "--yes",
                  "--format", "json")
    assert as_json.json()["reason"] == reason.strip()


@pytest.mark.parametrize("args", [(), ("--reason", "   "), ("--reason", "x" * 501)])
def test_lock_needs_a_reason(cli: Cli, args: tuple[str, ...]) -> None:
    policy = cli.write(POLICY)
    cli.clear()
    result = cli("lock", str(policy), "--stage", "production", *args, "--yes")
    assert result.code == 3
    assert "reason" in result.err.lower()
    assert cli.log() == []


def test_without_a_terminal_it_needs_yes(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = cli.write(POLICY)
    pipe(monkeypatch)
    cli.clear()
    for argv in (("lock", str(policy), "--stage", "production", "--reason", "r"),
                 ("unlock", str(policy), "--stage", "production")):
        result = cli(*argv)
        assert result.code == 3 and "Pass --yes" in result.err
    assert cli.log() == []


def test_on_a_terminal_it_asks_and_reads_again_after(cli: Cli,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    policy = cli.write(POLICY)
    terminal(monkeypatch, "n\n")
    cli.clear()
    result = cli("lock", str(policy), "--stage", "production", "--reason", "r")
    assert result.code == 3
    assert "Every sign-in of this environment stops until it is unlocked." in result.err
    assert cli.writes() == []
    terminal(monkeypatch, "y\n")
    cli.clear()
    assert cli("lock", str(policy), "--stage", "production", "--reason", "r").code == 0
    assert cli.log() == [ENV, ENV, PUT, ENV]  # read again after the prompt


def test_api_failures_are_exit_4(cli: Cli) -> None:
    policy = cli.write(POLICY)
    assert cli("lock", str(policy), "--stage", "gone", "--reason", "r", "--yes").code == 4
    cli.emulator.set_faults(fail_writes_after=0)
    result = cli("lock", str(policy), "--stage", "production", "--reason", "r", "--yes")
    assert result.code == 4
    assert "Traceback" not in result.err
