"""`dynsec validate --format sarif --output FILE` on invalid input (exit 3): the file is still
written, so an upload step that always runs has something to upload, and it says the run
failed and why, without paths of the machine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.support import CLEAN, MIXED
from tests.cli.test_sarif import results, validate_sarif
from tests.support.cli import dynsec, write_policy

Capture = pytest.CaptureFixture[str]
BROKEN = "version: 1\nstages:\n  dev:\n    environment_id: not-a-uuid\n    jwt_lifetime: 45d\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _notifications(log: dict[str, Any]) -> list[list[dict[str, Any]]]:
    return [run["invocations"][0].get("toolExecutionNotifications", []) for run in log["runs"]]


def test_a_broken_policy_still_writes_a_failed_sarif_file(repo: Path, capsys: Capture) -> None:
    write_policy(repo, BROKEN, name="infra/dynamic-security.yaml")

    result = dynsec(capsys, "validate", "infra/dynamic-security.yaml", "--format", "sarif",
                    "--output", "dynsec.sarif")

    assert result.code == 3
    assert result.out == ""
    assert "infra/dynamic-security.yaml:4: " in result.err  # the error as usual, on stderr
    log = json.loads((repo / "dynsec.sarif").read_text(encoding="utf-8"))
    validate_sarif(log)
    assert [run["automationDetails"]["id"] for run in log["runs"]] == [
        "dynsec/production/", "dynsec/other/",
    ]
    for run, notifications in zip(log["runs"], _notifications(log), strict=True):
        invocation = run["invocations"][0]
        assert (invocation["executionSuccessful"], invocation["exitCode"]) == (False, 3)
        assert run["results"] == []
        assert [n["level"] for n in notifications] == ["error", "error"]
        lines = [n["locations"][0]["physicalLocation"]["region"]["startLine"]
                 for n in notifications]
        assert lines == [4, 5]
        for notification in notifications:
            assert notification["locations"][0]["physicalLocation"]["artifactLocation"] == {
                "uri": "infra/dynamic-security.yaml", "uriBaseId": "%SRCROOT%",
            }
        texts = [n["message"]["text"] for n in notifications]
        assert texts[0].startswith("stages.dev.environment_id: 'not-a-uuid' is not")
        assert texts[1] == "stages.dev.jwt_lifetime: 45d must be between 1m and 30d " \
                           "(Dynamic's range)"
    assert str(repo) not in json.dumps(log)


def test_the_files_that_loaded_keep_their_results(repo: Path, capsys: Capture) -> None:
    """Code scanning closes alerts missing from an upload: one broken file must not close
    the alerts of the others."""
    write_policy(repo, MIXED, name="a/dynamic-security.yaml")
    write_policy(repo, BROKEN, name="b/dynamic-security.yaml")

    result = dynsec(capsys, "validate", "a/dynamic-security.yaml", "b/dynamic-security.yaml",
                    "-f", "sarif", "-o", "dynsec.sarif")

    assert result.code == 3
    log = json.loads((repo / "dynsec.sarif").read_text(encoding="utf-8"))
    validate_sarif(log)
    assert sorted(r["ruleId"] for r in results(log)) == ["DS102", "DS104", "DS201", "DS301"]
    for notifications in _notifications(log):
        assert {n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for n in notifications} == {"b/dynamic-security.yaml"}


def test_an_unknown_stage_is_a_notification_too(repo: Path, capsys: Capture) -> None:
    write_policy(repo, CLEAN)

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "--stage", "prodution",
                    "-f", "sarif", "-o", "dynsec.sarif")

    assert result.code == 3
    assert result.out == ""
    log = json.loads((repo / "dynsec.sarif").read_text(encoding="utf-8"))
    validate_sarif(log)
    for notifications in _notifications(log):
        (notification,) = notifications
        assert "no stage 'prodution'" in notification["message"]["text"]
        assert "did you mean 'production'?" in notification["message"]["text"]


def test_without_output_nothing_is_written_and_stdout_stays_empty(
    repo: Path, capsys: Capture
) -> None:
    write_policy(repo, BROKEN)

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "-f", "sarif")

    assert result.code == 3
    assert result.out == ""
    assert sorted(p.name for p in repo.iterdir()) == [".git", "dynamic-security.yaml"]


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_other_formats_leave_an_existing_output_untouched(
    output_format: str, repo: Path, capsys: Capture
) -> None:
    write_policy(repo, BROKEN)
    (repo / "report.out").write_text("previous report\n")

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "-f", output_format,
                    "-o", "report.out")

    assert result.code == 3
    assert (repo / "report.out").read_text() == "previous report\n"


def test_a_sarif_file_that_cannot_be_written_is_reported_beside_the_error(
    repo: Path, capsys: Capture
) -> None:
    write_policy(repo, BROKEN)

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "-f", "sarif",
                    "-o", "missing/dynsec.sarif")

    assert result.code == 3
    assert "dynamic-security.yaml:4: " in result.err
    assert "cannot write the report to missing" in result.err
    assert "Traceback" not in result.err
