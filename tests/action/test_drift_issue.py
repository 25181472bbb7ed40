"""The scheduled drift's issue (examples/ci/drift-schedule.yml: `issue: true` on a schedule):
opened on drift or exposure, edited while it lasts, closed when clean; other issues, pull
requests carrying the label and other policy files' issues are never touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.github.report import issue_title
from tests.action.conftest import EXAMPLE, Act
from tests.action.fake_github import State
from tests.action.test_comment_lifecycle import MARKER, OTHER_FILE, apply
from tests.support.cli import Capture

pytestmark = pytest.mark.slow
PRODUCTION = "0c000000-0000-4000-8000-000000000002"
MISSING = "0c000000-0000-4000-8000-0000000000ff"
SCHEDULE = {"schedule": "17 5 * * *"}


def test_the_drift_issue_is_opened_edited_and_closed(
        act: Act, github: State, cli_emulator: EmulatorHandle, capsys: Capture,
        tmp_path: Path) -> None:
    other = github.add_issue("drift elsewhere", OTHER_FILE, ["dynsec-drift"])
    labelled_pr = github.add_issue("a pull request", MARKER + "\nnot an issue",
                                   ["dynsec-drift"], pull_request=True)
    closed_before = github.add_issue("last month's", MARKER + "\nold", ["dynsec-drift"],
                                     state="closed")
    untouched = {n: dict(github.issues[n]) for n in (other, labelled_pr, closed_before)}

    opened = act(event_name="schedule", event=SCHEDULE, issue="true")
    assert opened.code == 0, opened.stdout + opened.stderr
    writes = [(m, p) for m, p, _ in github.writes()]
    assert writes == [("POST", "/repos/acme/infra/labels"),
                      ("POST", "/repos/acme/infra/issues")]
    ours = max(github.issues)
    issue = github.issues[ours]
    assert issue["state"] == "open" and issue["labels"] == [{"name": "dynsec-drift"}]
    assert issue["title"] == "dynsec: drift or exposure in dynamic-security.yaml"
    assert issue["body"].startswith(MARKER) and "`production` is exposed now" in issue["body"]
    assert github.comments == {}  # no pull request, no comment

    apply(capsys, tmp_path, "production", emulator=cli_emulator)
    github.log.clear()
    edited = act(event_name="schedule", event=SCHEDULE, issue="true")
    assert edited.code == 0
    assert github.writes() == [("PATCH", f"/repos/acme/infra/issues/{ours}", 200)]
    assert github.issues[ours]["state"] == "open"
    assert "exposed now" not in github.issues[ours]["body"].split("\n")[1]

    apply(capsys, tmp_path, "dev", "staging")
    github.log.clear()
    closed = act(event_name="schedule", event=SCHEDULE, issue="true")
    assert closed.code == 0
    assert github.writes() == [("PATCH", f"/repos/acme/infra/issues/{ours}", 200)]
    assert github.issues[ours]["state"] == "closed"
    assert github.issues[ours]["state_reason"] == "completed"
    assert "✅ **no drift**" in github.issues[ours]["body"]

    github.log.clear()
    quiet = act(event_name="schedule", event=SCHEDULE, issue="true")
    assert quiet.code == 0 and github.writes() == []  # clean, and no open issue to close
    assert "no issue to update" in quiet.stdout

    for number, before in untouched.items():
        assert github.issues[number] == before
    print("fake GitHub API:", *github.journal, sep="\n")  # with -s: the whole lifecycle


def test_a_stage_that_cannot_be_read_keeps_the_issue_open(
        act: Act, github: State, cli_emulator: EmulatorHandle, capsys: Capture,
        tmp_path: Path) -> None:
    apply(capsys, tmp_path, "dev", "staging")
    opened = act(event_name="schedule", event=SCHEDULE, issue="true", stages="production")
    assert opened.outputs()["drifted"] == '["production"]'
    (ours,) = github.issues
    # production's environment is gone (404): dev and staging are clean, production unknown.
    policy = EXAMPLE.read_text(encoding="utf-8").replace(PRODUCTION, MISSING)
    (tmp_path / "dynamic-security.yaml").write_text(policy, encoding="utf-8")
    github.log.clear()

    failed = act(event_name="schedule", event=SCHEDULE, issue="true")

    assert failed.code == 4
    assert failed.outputs() == {"exit-code": "4", "drifted": "[]", "exposed": "[]"}
    assert github.writes() == [("PATCH", f"/repos/acme/infra/issues/{ours}", 200)]
    assert github.issues[ours]["state"] == "open"  # edited with what is known, not closed
    assert "could not be read" in github.issues[ours]["body"]


def test_the_issue_title_is_one_line_whatever_the_policy_path() -> None:
    title = issue_title("policies/a\n::error::forged\x1b[2J\u202e.yaml")

    assert "\n" not in title and "\x1b" not in title and "\u202e" not in title
    assert title == ("dynsec: drift or exposure in policies/a\\x0a::error::forged\\x1b[2J"
                     "\\u202e.yaml")
