"""`dynsec apply` on `api_tokens`: the successor issued with the declared scopes and written
once to `--secrets-out` (0600, docs/apply.md#rotation), never without the flag; predecessors revoked
past their overlap; unmanaged tokens untouched; a saved plan never rotates twice.
"""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime
from pathlib import Path

import pytest

from pulumi_dynamic_security.clock import timestamp
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.emulator.state import parse_iso
from pulumi_dynamic_security.rules.token_notes import parse_note
from tests.rotation.support import Entry, changes_of, live_tokens, write_policy
from tests.support.cli import Result, dynsec
from tests.support.ids import LEGACY_TOKEN, LIVE
from tests.support.log import write_statuses
from tests.support.tokens import OPERATOR_SCOPES, plant

Capsys = pytest.CaptureFixture[str]
SCOPES = ("environment.settings.read", "environment.settings.write")


def apply(capsys: Capsys, policy: Path, *extra: str | Path) -> Result:
    return dynsec(capsys, "apply", policy, "--stage", "production", "--yes", *extra)


def test_due_rotation_issues_the_successor_and_writes_it_once(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    old = plant(emu, "ci-deployer", age_days=91, scopes=("environment.settings.read",))
    policy = write_policy(tmp_path, Entry("ci-deployer", scopes=SCOPES))
    secrets = tmp_path / "new-tokens.json"
    emu.clear_requests()

    result = apply(capsys, policy, "--secrets-out", secrets)

    assert result.code == 0, result.err
    assert f"written to {secrets} (mode 0600)" in result.out
    token_writes = [(m, s) for m, _, s in write_statuses(emu)]
    assert token_writes == [("POST", 201)]  # the issue; the predecessor is kept for overlap
    tokens = live_tokens(emu)
    assert old.id in tokens
    [new_id] = [i for i in tokens if i not in (old.id, LEGACY_TOKEN)]
    new = tokens[new_id]
    assert sorted(new["scopes"]) == sorted(SCOPES)
    note = parse_note(new["note"])
    assert note is not None and note.name == "ci-deployer"

    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    data = json.loads(secrets.read_text(encoding="utf-8"))
    assert list(data) == ["ci-deployer"]
    assert list(data["ci-deployer"]) == ["id", "token", "created_at"]
    written = data["ci-deployer"]
    assert written["id"] == new_id
    assert written["token"][-6:] == new["checksum"]
    assert written["created_at"] == timestamp(parse_iso(new["created_at"]))
    assert datetime.strptime(written["created_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left

    again = dynsec(capsys, "plan", policy, "--stage", "production", "--format", "json",
                   "--detailed-exitcode")
    assert again.code == 0, again.err  # rotated: nothing pending, the predecessor in overlap
    assert changes_of(again) == []


def test_no_rotation_without_secrets_out_and_no_write(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    old = plant(emu, "ci-deployer", age_days=91)
    policy = write_policy(tmp_path, Entry("ci-deployer"))
    emu.clear_requests()

    result = apply(capsys, policy)

    assert result.code == 3
    assert "--secrets-out" in result.err and "nothing was written" in result.err
    assert write_statuses(emu) == []
    assert [r["method"] for r in emu.requests()] == ["GET"] * len(emu.requests())
    assert set(live_tokens(emu)) == {old.id, LEGACY_TOKEN}
    assert list(tmp_path.iterdir()) == [policy]


def test_first_issue_needs_secrets_out_too(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    policy = write_policy(tmp_path, Entry("ci-deployer"))
    emu.clear_requests()
    result = apply(capsys, policy)
    assert result.code == 3 and "--secrets-out" in result.err
    assert write_statuses(emu) == []


def test_an_existing_secrets_file_is_never_replaced(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    """It may hold the only copy of an earlier run's token."""
    plant(emu, "ci-deployer", age_days=91)
    policy = write_policy(tmp_path, Entry("ci-deployer"))
    secrets = tmp_path / "new-tokens.json"
    earlier = '{"ci-deployer": {"id": "x", "token": "dyn_earlier", "created_at": "x"}}\n'
    secrets.write_text(earlier, encoding="utf-8")
    emu.clear_requests()

    result = apply(capsys, policy, "--secrets-out", secrets)

    assert result.code == 3
    assert "already exists" in result.err and "nothing was written" in result.err
    assert write_statuses(emu) == []
    assert secrets.read_text(encoding="utf-8") == earlier


def test_secrets_out_must_be_a_regular_file(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    """A directory, a named pipe, or a link: `/dev/stdout` is a link, and when stdout is
    redirected to a file it points at a regular file (the rename would replace the link
    and the token would not go where the user looks). Refused before any write."""
    plant(emu, "ci-deployer", age_days=91)
    policy = write_policy(tmp_path, Entry("ci-deployer"))
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    redirected = tmp_path / "captured-stdout.log"
    redirected.write_text("", encoding="utf-8")
    link = tmp_path / "stdout"
    link.symlink_to(redirected)  # what /dev/stdout is under `dynsec ... > log`
    emu.clear_requests()
    for target in (tmp_path, pipe, link):
        result = apply(capsys, policy, "--secrets-out", target)
        assert result.code == 3, target
        assert "directory" in result.err or "not a regular file" in result.err
        assert write_statuses(emu) == []
    assert link.is_symlink() and redirected.read_text(encoding="utf-8") == ""


def test_no_rotation_due_needs_no_secrets_out(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    plant(emu, "ci-deployer", age_days=10)
    policy = write_policy(tmp_path, Entry("ci-deployer"))
    secrets = tmp_path / "new-tokens.json"
    emu.clear_requests()
    result = apply(capsys, policy, "--secrets-out", secrets)
    assert result.code == 0, result.err
    assert write_statuses(emu) == [] and not secrets.exists()


def test_overlap_keeps_the_predecessor_then_revokes_it(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    """Successor younger than overlap: nothing to do. Older: the predecessor is revoked
    (no new token, so no --secrets-out needed)."""
    kept = plant(emu, "ci-deployer", age_days=40)
    young = plant(emu, "ci-deployer", age_days=6)
    policy = write_policy(tmp_path, Entry("ci-deployer", rotate_every="30d", overlap="7d"))
    emu.clear_requests()
    assert apply(capsys, policy).code == 0
    assert write_statuses(emu) == []
    assert {kept.id, young.id} <= set(live_tokens(emu))

    emu.reset("demo")
    predecessor = plant(emu, "ci-deployer", age_days=40)
    successor = plant(emu, "ci-deployer", age_days=8)
    emu.clear_requests()
    result = apply(capsys, policy)
    assert result.code == 0, result.err
    assert write_statuses(emu) == [
        ("DELETE", f"/environments/{LIVE}/tokens/{predecessor.id}", 204)
    ]
    assert set(live_tokens(emu)) == {successor.id, LEGACY_TOKEN}


def test_overlap_zero_issues_then_revokes_in_one_apply(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    old = plant(emu, "ci-deployer", age_days=31)
    policy = write_policy(tmp_path, Entry("ci-deployer", rotate_every="30d", overlap="0d"))
    secrets = tmp_path / "new-tokens.json"
    emu.clear_requests()
    result = apply(capsys, policy, "--secrets-out", secrets)
    assert result.code == 0, result.err
    assert [(m, p.rsplit("/", 1)[-1]) for m, p, _ in write_statuses(emu)] == [
        ("POST", "tokens"), ("DELETE", old.id)
    ]
    new_id = json.loads(secrets.read_text(encoding="utf-8"))["ci-deployer"]["id"]
    assert set(live_tokens(emu)) == {new_id, LEGACY_TOKEN}


def test_several_entries_at_once(emu: EmulatorHandle, tmp_path: Path, capsys: Capsys) -> None:
    due = plant(emu, "deployer", age_days=31)
    not_due = plant(emu, "reader", age_days=5)
    predecessor = plant(emu, "auditor", age_days=60)
    successor = plant(emu, "auditor", age_days=20)
    policy = write_policy(
        tmp_path,
        Entry("deployer", rotate_every="30d", overlap="1d", scopes=SCOPES),
        Entry("reader", rotate_every="30d", overlap="1d"),
        Entry("fresh", rotate_every="30d", overlap="1d", scopes=OPERATOR_SCOPES),
        Entry("auditor", rotate_every="30d", overlap="10d"),
    )
    secrets = tmp_path / "new-tokens.json"
    emu.clear_requests()

    result = apply(capsys, policy, "--secrets-out", secrets)

    assert result.code == 0, result.err
    assert "deployer, fresh" in result.out
    data = json.loads(secrets.read_text(encoding="utf-8"))
    assert sorted(data) == ["deployer", "fresh"]
    tokens = live_tokens(emu)
    assert set(tokens) == {
        due.id, not_due.id, successor.id, data["deployer"]["id"], data["fresh"]["id"],
        LEGACY_TOKEN,
    }
    assert predecessor.id not in tokens
    assert sorted(tokens[data["deployer"]["id"]]["scopes"]) == sorted(SCOPES)
    assert sorted(tokens[data["fresh"]["id"]]["scopes"]) == sorted(OPERATOR_SCOPES)
    assert [m for m, _, _ in write_statuses(emu)] == ["POST", "POST", "DELETE"]


def test_unmanaged_and_retired_tokens_are_never_touched(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    by_hand = plant(emu, None, age_days=500, note="deploy key (alice)")
    retired = plant(emu, "old-deployer", age_days=400)
    retired_successor = plant(emu, "old-deployer", age_days=300)
    plant(emu, "ci-deployer", age_days=31)
    policy = write_policy(tmp_path, Entry("ci-deployer", rotate_every="30d", overlap="0d"))
    emu.clear_requests()
    result = apply(capsys, policy, "--secrets-out", tmp_path / "new-tokens.json")
    assert result.code == 0, result.err
    untouched = {LEGACY_TOKEN, by_hand.id, retired.id, retired_successor.id}
    assert untouched <= set(live_tokens(emu))
    assert not any(token_id in path for _, path, _ in write_statuses(emu) for token_id in untouched)
    assert "DS504" in result.out


def test_overdue_token_does_not_block_the_apply_that_rotates_it(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    """DS503 is an error in production, resolved by the plan: apply goes ahead; afterwards
    the predecessor, kept for its overlap, blocks nothing either."""
    overdue = plant(emu, "ci-deployer", age_days=200)
    policy = write_policy(tmp_path, Entry("ci-deployer", rotate_every="90d", overlap="7d"))
    result = apply(capsys, policy, "--secrets-out", tmp_path / "new-tokens.json")
    assert result.code == 0, result.err
    assert "DS503" in result.out and "resolved by the plan" in result.out
    assert overdue.id in live_tokens(emu)  # kept for its overlap

    after = dynsec(capsys, "apply", policy, "--stage", "production", "--yes")
    assert after.code == 0, after.out + after.err
    assert "Nothing to apply" in after.out


def test_a_saved_plan_never_rotates_twice(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    """Token write_statuses do not move the environment's `updatedAt`; apply still sees that the
    saved plan's rotation was already made and refuses it (exit 5, nothing written)."""
    plant(emu, "ci-deployer", age_days=91)
    policy = write_policy(tmp_path, Entry("ci-deployer"))
    saved = tmp_path / "plan.json"
    assert dynsec(capsys, "plan", policy, "--stage", "production", "--out", saved).code == 0
    first = apply(capsys, policy, "--plan", saved, "--secrets-out", tmp_path / "one.json")
    assert first.code == 0, first.err
    emu.clear_requests()

    second = apply(capsys, policy, "--plan", saved, "--secrets-out", tmp_path / "two.json")

    assert second.code == 5
    assert "rotated since the plan" in second.err and "nothing was written" in second.err
    assert write_statuses(emu) == []
    assert not (tmp_path / "two.json").exists()
