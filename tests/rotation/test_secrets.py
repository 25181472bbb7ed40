"""The raw token is shown once, in the `--secrets-out` file: never on stdout or stderr (with
`--debug` too), in logs, in `plan --out`, in plan or drift JSON, or in an error message. The
value read from the secrets file is the canary."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from pulumi_dynamic_security.cli import secrets_file
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.errors import InputError
from tests.rotation.support import Entry, live_tokens, write_policy
from tests.support.cli import dynsec
from tests.support.ids import LEGACY_TOKEN
from tests.support.log import write_statuses
from tests.support.secrets import leaks
from tests.support.tokens import plant

Capsys = pytest.CaptureFixture[str]


def test_the_raw_token_appears_only_in_the_secrets_file(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys, caplog: pytest.LogCaptureFixture
) -> None:
    plant(emu, "ci-deployer", age_days=31)
    policy = write_policy(tmp_path, Entry("ci-deployer", rotate_every="30d", overlap="0d"))
    secrets = tmp_path / "new-tokens.json"
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    result = dynsec(capsys, "apply", policy, "--stage", "production", "--yes",
                    "--secrets-out", secrets, "--debug")
    assert result.code == 0, result.err
    seen += [result.out, result.err]
    assert "debug:" in result.err  # the HTTP trace was on
    canary = json.loads(secrets.read_text(encoding="utf-8"))["ci-deployer"]["token"]
    assert len(canary) > 20

    saved = tmp_path / "plan.json"
    for argv in (
        ("plan", policy, "--stage", "production", "--debug", "--out", saved),
        ("plan", policy, "--stage", "production", "--format", "json", "--debug"),
        ("plan", policy, "--stage", "production", "--format", "markdown"),
        ("drift", policy, "--format", "json", "--debug"),
        ("apply", policy, "--stage", "production", "--yes", "--debug"),
    ):
        again = dynsec(capsys, *argv)
        assert again.code in (0, 2), again.err
        seen += [again.out, again.err]
    seen.append(saved.read_text(encoding="utf-8"))
    seen.append(caplog.text)
    seen += [r.getMessage() for r in caplog.records]

    # Neither the token nor a long tail of it.
    assert [text for text in seen if leaks(text, {"issued": canary})] == []


def test_an_undeliverable_token_is_revoked_and_never_shown(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The secrets file cannot be written after the issue (disk full): the token nobody
    received is revoked at once, and the error names the file, not the token."""
    old = plant(emu, "ci-deployer", age_days=31)
    policy = write_policy(tmp_path, Entry("ci-deployer", rotate_every="30d"))
    asked: list[str] = []

    def disk_full(path: Path, text: str, **_: object) -> None:
        asked.append(text)
        raise InputError(f"cannot write the new API token to {path} (No space left on device)")

    monkeypatch.setattr(secrets_file, "write_exclusively", disk_full)
    emu.clear_requests()

    result = dynsec(capsys, "apply", policy, "--stage", "production", "--yes",
                    "--secrets-out", tmp_path / "new-tokens.json", "--debug")

    assert result.code == 3
    assert "No space left on device" in result.err
    [text] = asked
    canary = json.loads(text)["ci-deployer"]["token"]
    assert canary not in result.out + result.err
    [issue, revoke] = write_statuses(emu)
    assert issue[0] == "POST" and revoke[0] == "DELETE"
    assert revoke[1].endswith(json.loads(text)["ci-deployer"]["id"])
    assert set(live_tokens(emu)) == {old.id, LEGACY_TOKEN}
