"""The self-revocation guard: dynsec never revokes the token it authenticates with (matched
by `checksum`, the token's last 6 characters). It says so, tells the user to rotate their
own credential first, and `apply` exits 2; once the credential is switched, apply revokes it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.rotation.support import Entry, findings_of, live_tokens, write_policy
from tests.support.cli import dynsec
from tests.support.log import write_statuses
from tests.support.tokens import OPERATOR_SCOPES, plant

Capsys = pytest.CaptureFixture[str]


def test_the_token_in_use_is_not_revoked_when_its_overlap_ends(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operator still authenticates with the predecessor, whose successor is past the
    overlap: the plan revokes it, apply leaves it, says why, and exits 2."""
    predecessor = plant(emu, "ci-deployer", age_days=100, scopes=OPERATOR_SCOPES)
    successor = plant(emu, "ci-deployer", age_days=10, scopes=OPERATOR_SCOPES)
    policy = write_policy(tmp_path, Entry("ci-deployer", scopes=OPERATOR_SCOPES))
    monkeypatch.setenv("DYNAMIC_API_TOKEN", predecessor.raw)
    emu.clear_requests()

    result = dynsec(capsys, "apply", policy, "--stage", "production", "--yes")

    assert result.code == 2, result.err
    assert f"revoke {predecessor.id}" in result.out  # the plan shown before applying
    assert f"token {predecessor.id} ('ci-deployer') is the token this run authenticates " \
           "with" in result.err
    assert "Rotate your own credential first" in result.err
    assert write_statuses(emu) == []
    assert {predecessor.id, successor.id} <= set(live_tokens(emu))

    monkeypatch.setenv("DYNAMIC_API_TOKEN", successor.raw)  # the user switches credential
    emu.clear_requests()
    switched = dynsec(capsys, "apply", policy, "--stage", "production", "--yes")
    assert switched.code == 0, switched.err
    assert [(m, p.rsplit("/", 1)[-1]) for m, p, _ in write_statuses(emu)] == [
        ("DELETE", predecessor.id)
    ]
    assert predecessor.id not in live_tokens(emu)


def test_overlap_zero_rotating_the_token_in_use(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `overlap: 0d` the plan rotates the credential's own entry and revokes the
    credential in the same apply: the successor is issued and delivered, the credential is
    kept (exit 2) until the user switches to the successor."""
    current = plant(emu, "ci-deployer", age_days=31, scopes=OPERATOR_SCOPES)
    policy = write_policy(
        tmp_path, Entry("ci-deployer", rotate_every="30d", overlap="0d", scopes=OPERATOR_SCOPES)
    )
    monkeypatch.setenv("DYNAMIC_API_TOKEN", current.raw)
    secrets = tmp_path / "new-tokens.json"
    emu.clear_requests()

    result = dynsec(capsys, "apply", policy, "--stage", "production", "--yes",
                    "--secrets-out", secrets)

    assert result.code == 2, result.err
    assert "authenticates with" in result.err and "Rotate your own credential" in result.err
    assert [m for m, _, _ in write_statuses(emu)] == ["POST"]
    issued = json.loads(secrets.read_text(encoding="utf-8"))["ci-deployer"]
    assert {current.id, issued["id"]} <= set(live_tokens(emu))

    monkeypatch.setenv("DYNAMIC_API_TOKEN", issued["token"])
    emu.clear_requests()
    switched = dynsec(capsys, "apply", policy, "--stage", "production", "--yes")
    assert switched.code == 0, switched.err
    assert [(m, p.rsplit("/", 1)[-1]) for m, p, _ in write_statuses(emu)] == [
        ("DELETE", current.id)
    ]
    assert issued["id"] in live_tokens(emu) and current.id not in live_tokens(emu)


def test_the_credential_in_use_is_not_reported_as_unmanaged(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = plant(emu, None, age_days=30, scopes=OPERATOR_SCOPES, note="laptop (bob)")
    other = plant(emu, None, age_days=30, note="laptop (carol)")
    plant(emu, "ci-deployer", age_days=1)
    policy = write_policy(tmp_path, Entry("ci-deployer"))
    monkeypatch.setenv("DYNAMIC_API_TOKEN", mine.raw)
    result = dynsec(capsys, "plan", policy, "--stage", "production", "--format", "json")
    assert result.code == 0, result.err
    reported = " ".join(f["message"] for f in findings_of(result, "DS504"))
    assert other.id in reported and mine.id not in reported
