"""`--secrets-out FILE` is created exclusively at the moment a token is written, not only
checked when apply starts: a file that appears during the run is never replaced (it may hold
the only copy of an earlier token), and the token that could not be delivered is revoked.

"During the run" is played exactly: the file appears while apply issues the token (wrapped
around the real `create_token` call, which still goes to the emulator over HTTP).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.rotation.support import Entry, live_tokens, write_policy
from tests.support.cli import Result, dynsec
from tests.support.log import write_statuses
from tests.support.tokens import plant

Capsys = pytest.CaptureFixture[str]
EARLIER = '{"ci": {"id": "x", "token": "dyn_earlier", "created_at": "x"}}\n'


def while_issuing(monkeypatch: pytest.MonkeyPatch, *moments: Callable[[], object]) -> None:
    """Run `moments[i]` while apply issues its i-th token (just before Dynamic answers)."""
    real = DynamicClient.create_token
    pending = list(moments)

    def create_token(self: DynamicClient, *args: object, **kwargs: object) -> object:
        if pending:
            pending.pop(0)()
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(DynamicClient, "create_token", create_token)


def apply(capsys: Capsys, policy: Path, secrets: Path) -> Result:
    return dynsec(capsys, "apply", policy, "--stage", "production", "--yes",
                  "--secrets-out", secrets)


def one_rotation_due(emu: EmulatorHandle, directory: Path) -> tuple[Path, Path]:
    """A policy whose `ci` token is due, and the `--secrets-out` path (not there yet)."""
    plant(emu, "ci", age_days=91)
    return write_policy(directory, Entry("ci")), directory / "new-tokens.json"


def test_a_file_that_appears_during_the_run_is_not_replaced(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy, secrets = one_rotation_due(emu, tmp_path)
    before = set(live_tokens(emu))
    while_issuing(monkeypatch, lambda: secrets.write_text(EARLIER, encoding="utf-8"))
    emu.clear_requests()

    result = apply(capsys, policy, secrets)

    assert result.code == 3, result.err
    assert "was not replaced" in result.err
    assert secrets.read_text(encoding="utf-8") == EARLIER  # the earlier token is kept
    [issue, revoke] = write_statuses(emu)  # the token nobody received is revoked at once
    assert issue[0] == "POST" and revoke[0] == "DELETE"
    assert set(live_tokens(emu)) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dynamic-security.yaml",
                                                          "new-tokens.json"]


def test_a_link_that_appears_during_the_run_is_not_followed_or_replaced(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy, secrets = one_rotation_due(emu, tmp_path)
    target = tmp_path / "elsewhere.log"
    target.write_text("", encoding="utf-8")  # empty: a write through the link would pass
    while_issuing(monkeypatch, lambda: secrets.symlink_to(target))

    result = apply(capsys, policy, secrets)

    assert result.code == 3, result.err
    assert secrets.is_symlink() and target.read_text(encoding="utf-8") == ""


def test_an_empty_file_that_appears_is_taken_and_written_0600(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mktemp`'s empty file is what a CI job passes: empty holds no earlier token."""
    policy, secrets = one_rotation_due(emu, tmp_path)
    while_issuing(monkeypatch, lambda: secrets.write_text("", encoding="utf-8"))

    result = apply(capsys, policy, secrets)

    assert result.code == 0, result.err
    assert stat.S_IMODE(os.stat(secrets).st_mode) == 0o600
    assert set(json.loads(secrets.read_text(encoding="utf-8"))) == {"ci"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dynamic-security.yaml",
                                                          "new-tokens.json"]


def test_the_second_token_of_a_run_keeps_the_first_and_replaces_only_this_runs_file(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    plant(emu, "deployer", age_days=31)
    policy = write_policy(tmp_path, Entry("deployer", rotate_every="30d"), Entry("fresh"))
    secrets = tmp_path / "new-tokens.json"
    seen: list[str] = []
    while_issuing(monkeypatch, lambda: None,
                  lambda: seen.append(secrets.read_text(encoding="utf-8")))

    result = apply(capsys, policy, secrets)

    assert result.code == 0, result.err
    assert set(json.loads(seen[0])) == {"deployer"}  # written before the second issue
    final = json.loads(secrets.read_text(encoding="utf-8"))
    assert set(final) == {"deployer", "fresh"}
    assert final["deployer"] == json.loads(seen[0])["deployer"]


def test_a_file_swapped_in_between_two_tokens_is_not_replaced(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the first token, only the very file this run wrote may be replaced: someone
    else's file put there before the second token is left alone."""
    plant(emu, "deployer", age_days=31)
    policy = write_policy(tmp_path, Entry("deployer", rotate_every="30d"), Entry("fresh"))
    secrets = tmp_path / "new-tokens.json"
    theirs = tmp_path / "theirs.json"
    theirs.write_text(EARLIER, encoding="utf-8")
    while_issuing(monkeypatch, lambda: None, lambda: os.replace(theirs, secrets))

    result = apply(capsys, policy, secrets)

    assert result.code == 3, result.err
    assert "was not replaced" in result.err
    assert secrets.read_text(encoding="utf-8") == EARLIER
