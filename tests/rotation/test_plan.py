"""`dynsec plan` on `api_tokens`: rotate when due (or when no managed token exists), revoke a
predecessor once its successor is past `overlap`, each change with its dates; unmanaged and
retired tokens reported (DS504) and never planned; DS503 resolved by the plan that fixes it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pulumi_dynamic_security.clock import timestamp
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.rotation.support import Entry, changes_of, findings_of, write_policy
from tests.support.cli import dynsec
from tests.support.ids import LEGACY_TOKEN
from tests.support.tokens import plant

Capsys = pytest.CaptureFixture[str]


def plan_json(capsys: Capsys, policy: Path, *extra: str) -> dict[str, Any]:
    result = dynsec(capsys, "plan", policy, "--stage", "production", "--format", "json", *extra)
    assert result.code == 0, result.err
    plan: dict[str, Any] = result.json()
    return plan


def test_first_issue_when_no_managed_token_exists(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    policy = write_policy(tmp_path, Entry("ci-deployer", rotate_every="30d", overlap="1d"))
    result = dynsec(capsys, "plan", policy, "--stage", "production", "--format", "json",
                    "--detailed-exitcode")
    assert result.code == 2, result.err
    [change] = changes_of(result)
    assert change["area"] == "api_tokens" and change["action"] == "rotate"
    assert change["path"] == "api_tokens[0]" and change["effect"] == "tightens"
    assert change["before"] is None
    after = change["after"]
    assert set(after) == {"id", "created_at", "due"} and after["id"] is None
    issued = after["created_at"]
    assert after["due"] > issued  # 30 days later, same format
    assert emu.requests()[-1]["method"] == "GET"


def test_due_rotation_names_the_token_and_its_dates(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    old = plant(emu, "ci-deployer", age_days=91)
    policy = write_policy(tmp_path, Entry("ci-deployer", rotate_every="90d", overlap="7d"))
    [change] = plan_json(capsys, policy)["changes"]
    assert change["action"] == "rotate"
    assert change["before"] == {
        "id": old.id,
        "created_at": timestamp(old.created_at),
        "due": timestamp(old.created_at + timedelta(days=90)),
    }


def test_not_due_rotation_plans_nothing(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    plant(emu, "ci-deployer", age_days=89)
    policy = write_policy(tmp_path, Entry("ci-deployer", rotate_every="90d", overlap="7d"))
    result = dynsec(capsys, "plan", policy, "--stage", "production", "--format", "json",
                    "--detailed-exitcode")
    assert result.code == 0, result.err
    assert changes_of(result) == []
    assert findings_of(result, "DS503") == []


def test_predecessor_is_kept_during_the_overlap(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    """A late rotation: the predecessor is far past rotate_every + overlap, but its successor
    is 3 days old, so it is kept (no revoke) and it is not reported overdue (DS503 would
    block every production apply until the overlap ends)."""
    plant(emu, "ci-deployer", age_days=150)
    plant(emu, "ci-deployer", age_days=3)
    policy = write_policy(tmp_path, Entry("ci-deployer", rotate_every="90d", overlap="7d"))
    plan = plan_json(capsys, policy)
    assert plan["changes"] == []
    assert [f for f in plan["findings"] if f["rule"] == "DS503"] == []
    assert plan["blocked"] is False


def test_predecessor_is_revoked_once_its_successor_is_past_the_overlap(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    predecessor = plant(emu, "ci-deployer", age_days=40)
    successor = plant(emu, "ci-deployer", age_days=8)
    policy = write_policy(tmp_path, Entry("ci-deployer", rotate_every="90d", overlap="7d"))
    [change] = plan_json(capsys, policy)["changes"]
    assert change["action"] == "revoke" and change["effect"] == "tightens"
    assert change["after"] is None
    assert change["before"] == {
        "id": predecessor.id,
        "created_at": timestamp(predecessor.created_at),
        "due": timestamp(successor.created_at + timedelta(days=7)),
    }


def test_overlap_zero_revokes_the_replaced_token_in_the_same_apply(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    old = plant(emu, "ci-deployer", age_days=31)
    policy = write_policy(tmp_path, Entry("ci-deployer", rotate_every="30d", overlap="0d"))
    changes = plan_json(capsys, policy)["changes"]
    assert [(c["action"], c["before"]["id"]) for c in changes] == [
        ("rotate", old.id), ("revoke", old.id)
    ]


def test_several_entries_are_planned_each_on_its_own(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    due = plant(emu, "deployer", age_days=31)
    plant(emu, "reader", age_days=5)
    kept = plant(emu, "auditor", age_days=60)
    plant(emu, "auditor", age_days=20)
    policy = write_policy(
        tmp_path,
        Entry("deployer", rotate_every="30d", overlap="1d"),
        Entry("reader", rotate_every="30d", overlap="1d"),
        Entry("fresh", rotate_every="30d", overlap="1d"),
        Entry("auditor", rotate_every="30d", overlap="10d"),
    )
    changes = plan_json(capsys, policy)["changes"]
    summary = [(c["path"], c["action"], (c["before"] or {}).get("id")) for c in changes]
    assert summary == [
        ("api_tokens[0]", "rotate", due.id),   # due
        ("api_tokens[2]", "rotate", None),     # none yet: the first issue
        ("api_tokens[3]", "revoke", kept.id),  # successor 20d old, past its 10d overlap
    ]  # reader: 5 days old, not due


def test_unmanaged_and_retired_tokens_are_reported_and_never_planned(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    by_hand = plant(emu, None, age_days=500, note="deploy key (alice)")
    no_note = plant(emu, None, age_days=10)
    look_alike = plant(emu, None, age_days=10, note="dynsec:ci-deployer:2026-01-01")
    retired = plant(emu, "old-deployer", age_days=400)
    plant(emu, "ci-deployer", age_days=1)
    policy = write_policy(tmp_path, Entry("ci-deployer", rotate_every="30d", overlap="1d"))
    plan = plan_json(capsys, policy)
    assert plan["changes"] == []
    reported = {f["message"].split()[1]: f for f in plan["findings"] if f["rule"] == "DS504"}
    assert set(reported) == {
        LEGACY_TOKEN, by_hand.id, no_note.id, look_alike.id, retired.id
    }
    assert "old-deployer" in reported[retired.id]["message"]
    assert all(f["severity"] == "warning" and f["file"] is None for f in reported.values())
    assert plan["blocked"] is False


def test_ds503_on_a_token_the_plan_rotates_is_resolved_and_does_not_block(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    overdue = plant(emu, "ci-deployer", age_days=120)
    policy = write_policy(tmp_path, Entry("ci-deployer", rotate_every="90d", overlap="7d"))
    plan = plan_json(capsys, policy)
    [finding] = [f for f in plan["findings"] if f["rule"] == "DS503"]
    assert overdue.id in finding["message"]
    assert finding["severity"] == "error" and finding["resolved_by_plan"] is True
    assert plan["blocked"] is False
    assert [c["action"] for c in plan["changes"]] == ["rotate"]


def test_ds503_on_a_predecessor_the_plan_revokes_is_resolved(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    overdue = plant(emu, "ci-deployer", age_days=120)
    plant(emu, "ci-deployer", age_days=10)
    policy = write_policy(tmp_path, Entry("ci-deployer", rotate_every="90d", overlap="7d"))
    plan = plan_json(capsys, policy)
    [finding] = [f for f in plan["findings"] if f["rule"] == "DS503"]
    assert overdue.id in finding["message"] and finding["resolved_by_plan"] is True
    assert plan["blocked"] is False
    assert [(c["action"], c["before"]["id"]) for c in plan["changes"]] == [
        ("revoke", overdue.id)
    ]


def test_text_and_markdown_show_the_dates(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    replaced = plant(emu, "deployer", age_days=31)
    predecessor = plant(emu, "reader", age_days=40)
    successor = plant(emu, "reader", age_days=8)
    policy = write_policy(tmp_path, Entry("deployer", rotate_every="30d", overlap="7d"),
                          Entry("reader", rotate_every="30d", overlap="7d"))
    rotate_dates = (timestamp(replaced.created_at),
                    timestamp(replaced.created_at + timedelta(days=30)))
    revoke_dates = (timestamp(predecessor.created_at),
                    timestamp(successor.created_at + timedelta(days=7)))
    for output_format in ("text", "markdown"):
        result = dynsec(capsys, "plan", policy, "--stage", "production", "--format",
                        output_format)
        assert result.code == 0, result.err
        [rotate_line] = [line for line in result.out.splitlines() if replaced.id in line
                         and "issue a new token" in line]
        assert all(date in rotate_line for date in rotate_dates)
        # A rotation tightens: read in the direction it happened, live is weaker.
        assert "next rotation due" in rotate_line and "live is weaker" in rotate_line
        [revoke_line] = [line for line in result.out.splitlines()
                         if f"revoke {predecessor.id}" in line]
        assert all(date in revoke_line for date in revoke_dates)
