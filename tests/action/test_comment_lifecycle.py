"""The pull request's comment through the action, against the emulator and the fake GitHub
API: created on the first run, the same comment updated on the next ones (down to clean),
left alone when nothing changed, and nobody else's comment ever touched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.action.conftest import EXAMPLE, Act
from tests.action.fake_github import PERSON, TOKEN, State
from tests.support.cli import Capture, dynsec
from tests.support.clients import clear_live_audits

MARKER = "<!-- dynsec:drift:dynamic-security.yaml -->"
PULUMI = "<!-- pulumi:preview -->\n### Pulumi preview\n+ 3 to create"
OTHER_FILE = "<!-- dynsec:drift:other/dynamic-security.yaml -->\n**dynsec drift**: other"
VALIDATE = "<!-- dynsec:validate:dynamic-security.yaml -->\n**dynsec validate**: ok"
QUOTED = f"> {MARKER}\nsomeone quoting the report"
# A person's comment that starts with the very marker: never ours, whatever it says.
IMPERSONATED = f"{MARKER}\n✅ **no drift** (typed by a person)"

pytestmark = pytest.mark.slow


def apply(capsys: Capture, tmp_path: Path, *stages: str,
          emulator: EmulatorHandle | None = None) -> None:
    """`dynsec apply` of the example policy, stage by stage (as a deploy job would); with
    `emulator`, production's audits are then cleared by hand as well (no apply does that)."""
    policy = tmp_path / "applied.yaml"
    policy.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    for stage in stages:
        result = dynsec(capsys, "apply", policy, "--stage", stage, "--yes",
                        "--secrets-out", tmp_path / f"tokens-{stage}.json")
        assert result.code == 0, result.err
    if emulator is not None and "production" in stages:
        clear_live_audits(emulator)


def seed_other_comments(github: State) -> dict[int, str]:
    """Comments of other workflows and people on pull request 7, and one on another."""
    bodies = {github.add_comment(7, PULUMI): PULUMI,
              github.add_comment(7, OTHER_FILE): OTHER_FILE,
              github.add_comment(7, VALIDATE): VALIDATE,
              github.add_comment(7, QUOTED, PERSON): QUOTED,
              github.add_comment(7, IMPERSONATED, PERSON): IMPERSONATED,
              github.add_comment(8, MARKER + "\nanother pull request"):
                  MARKER + "\nanother pull request"}
    return bodies


def test_first_run_creates_then_updates_the_same_comment_down_to_clean(
        act: Act, github: State, cli_emulator: EmulatorHandle, capsys: Capture,
        tmp_path: Path) -> None:
    others = seed_other_comments(github)
    github.page_size = 2  # eight comments: ours is found across pages

    drifted = act()
    assert drifted.code == 0, drifted.stdout + drifted.stderr  # drift (2) is a result
    assert drifted.outputs() == {"exit-code": "2",
                                 "drifted": json.dumps(["dev", "staging", "production"]),
                                 "exposed": json.dumps(["production"])}
    (created,) = [(m, p) for m, p, _ in github.writes()]
    assert created == ("POST", "/repos/acme/infra/issues/7/comments")
    ours = max(github.comments)
    assert github.comments[ours]["body"].startswith(MARKER + "\n")
    assert "`production` is exposed now" in github.comments[ours]["body"]
    assert MARKER in drifted.summary and "exposed now" in drifted.summary
    assert "::warning::dynsec: production is exposed now" in drifted.stdout

    apply(capsys, tmp_path, "production", emulator=cli_emulator)
    github.log.clear()
    partly = act()
    assert partly.outputs()["drifted"] == json.dumps(["dev", "staging"])
    assert partly.outputs()["exposed"] == "[]"
    assert github.writes() == [("PATCH", f"/repos/acme/infra/issues/comments/{ours}", 200)]
    assert "exposed now" not in github.comments[ours]["body"].split("\n")[1]

    apply(capsys, tmp_path, "dev", "staging")
    github.log.clear()
    clean = act()
    assert clean.code == 0
    assert clean.outputs() == {"exit-code": "0", "drifted": "[]", "exposed": "[]"}
    assert github.writes() == [("PATCH", f"/repos/acme/infra/issues/comments/{ours}", 200)]
    assert "✅ **no drift**" in github.comments[ours]["body"]

    github.log.clear()
    again = act()
    assert again.code == 0
    assert github.writes() == []  # the same report: nothing to edit
    assert f"comment {ours} unchanged" in again.stdout

    # Only ours was written; every other comment is as it was.
    assert [c for c in github.comments if github.comments[c]["body"].startswith(MARKER)
            and github.comments[c]["issue"] == 7
            and github.comments[c]["user"]["type"] == "Bot"] == [ours]
    for comment_id, body in others.items():
        assert github.comments[comment_id]["body"] == body
    print("fake GitHub API:", *github.journal, sep="\n")  # with -s: the whole lifecycle


def test_plan_comments_with_its_own_marker_and_detailed_exit_code(
        act: Act, github: State) -> None:
    planned = act(command="plan", stages="production")
    assert planned.code == 0, planned.stdout + planned.stderr
    assert planned.outputs() == {"exit-code": "2", "drifted": '["production"]',
                                 "exposed": '["production"]'}
    (comment,) = github.comments.values()
    assert comment["body"].startswith("<!-- dynsec:plan:dynamic-security.yaml -->\n")


def test_a_fork_pull_request_without_secrets_gets_a_notice_and_passes(
        act: Act, github: State) -> None:
    from tests.action.composite import pull_request_event

    forked = act(event=pull_request_event(fork=True), dynamic_token="", github_token="")
    assert forked.code == 0, forked.stdout + forked.stderr
    notices = [line for line in forked.stdout.splitlines() if line.startswith("::")]
    assert len(notices) == 1 and notices[0].startswith("::notice::dynsec drift skipped")
    assert "fork" in notices[0]
    assert forked.outputs() == {"exit-code": "", "drifted": "", "exposed": ""}
    assert github.log == []
    assert "skipped" in forked.summary


def test_a_github_api_failure_is_one_clear_line_and_exit_4(
        act: Act, github: State) -> None:
    github.fail[("POST", r"/repos/acme/infra/issues/\d+/comments")] = 403

    failed = act()

    assert failed.code == 4
    errors = [line for line in failed.stdout.splitlines() if line.startswith("::error::")]
    assert errors == [
        "::error::GitHub API: POST /repos/acme/infra/issues/7/comments answered 403 "
        "('Resource not accessible by integration'). The token may not do this: give the "
        "job `pull-requests: write` (the comment) or `issues: write` (the drift issue); a "
        "pull request from a fork only gets a read-only token. A rate limit also answers "
        "403: wait and re-run."]
    assert "Traceback" not in failed.stderr
    assert failed.outputs()["exit-code"] == "2"  # the drift result is still there
    assert TOKEN not in failed.stdout + failed.stderr


def test_a_bad_github_token_fails_with_exit_4_and_is_never_printed(
        act: Act, github: State) -> None:
    failed = act(github_token="ghs_not-the-right-token-42")

    assert failed.code == 4
    assert "answered 401 ('Bad credentials')" in failed.stdout
    assert "ghs_not-the-right-token-42" not in failed.stdout + failed.stderr
    assert github.comments == {}


def test_validate_writes_sarif_and_comments_the_verdict(act: Act, github: State,
                                                        tmp_path: Path) -> None:
    checked = act(command="validate", sarif="dynsec.sarif", dynamic_token="")

    assert checked.code == 0, checked.stdout + checked.stderr
    sarif = json.loads((Path(checked.job_env["GITHUB_WORKSPACE"]) / "dynsec.sarif")
                       .read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and sarif["runs"]
    (comment,) = github.comments.values()
    assert comment["body"].startswith("<!-- dynsec:validate:dynamic-security.yaml -->\n"
                                      "**dynsec validate** `dynamic-security.yaml`: ✅ **passes**")
    assert checked.outputs() == {"exit-code": "0", "drifted": "", "exposed": ""}


def test_a_broken_policy_fails_validate_with_exit_3_and_says_so(
        act: Act, github: State, tmp_path: Path) -> None:
    (tmp_path / "dynamic-security.yaml").write_text("version: 1\nstages: [\n", encoding="utf-8")

    broken = act(command="validate", sarif="dynsec.sarif")

    assert broken.code == 3
    assert broken.outputs()["exit-code"] == "3"
    sarif = json.loads((Path(broken.job_env["GITHUB_WORKSPACE"]) / "dynsec.sarif")
                       .read_text(encoding="utf-8"))
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False
    (comment,) = github.comments.values()
    assert "❌ **could not validate**: exit 3 (invalid input)" in comment["body"]
    assert "::error::dynsec validate exited 3 (invalid input)" in broken.stdout


def test_the_base_commit_policy_tells_the_pull_request_from_drift(
        act: Act, github: State, cli_emulator: EmulatorHandle, capsys: Capture,
        tmp_path: Path) -> None:
    apply(capsys, tmp_path, "dev", "staging", "production")
    # The pull request shortens dev's JWT lifetime: a change of the PR, not drift.
    head = EXAMPLE.read_text(encoding="utf-8").replace("    jwt_lifetime: 1d",
                                                       "    jwt_lifetime: 4h")
    (tmp_path / "dynamic-security.yaml").write_text(head, encoding="utf-8")

    reviewed = act(base=EXAMPLE.read_text(encoding="utf-8"))

    assert reviewed.code == 0, reviewed.stdout + reviewed.stderr
    assert "::notice::" not in reviewed.stdout  # the base was found
    (comment,) = [c for c in github.comments.values() if c["body"].startswith(MARKER)]
    verdict = comment["body"].split("\n")[1]
    assert "**this pull request changes 1 stage**: `dev`" in verdict
    assert "drifted" not in verdict


def test_a_policy_input_that_reads_as_an_option_is_refused_before_dynsec_runs(
        act: Act, github: State) -> None:
    hostile = act(policy="--api-url=https://collector.example")

    assert hostile.code == 3, hostile.stdout + hostile.stderr
    errors = [line for line in hostile.stdout.splitlines() if line.startswith("::error::")]
    assert len(errors) == 1 and "must be a path, not start with '-'" in errors[0]
    assert github.log == []  # nothing ran, nothing was said to GitHub
