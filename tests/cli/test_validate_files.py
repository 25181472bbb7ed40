"""`dynsec validate` on several files and on standard input (`-`): one report, the worst exit
code, every result named by its file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.cli.support import CLEAN, MIXED, findings
from tests.support.cli import dynsec, write_policy
from tests.support.dated import fill_dates

Capture = pytest.CaptureFixture[str]
BROKEN = "version: 1\nstages:\n  dev:\n    environment_id: not-a-uuid\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_two_files_give_one_report_with_the_worst_exit_code(
    workdir: Path, capsys: Capture
) -> None:
    write_policy(workdir, CLEAN, name="a/dynamic-security.yaml")
    write_policy(workdir, MIXED, name="b/dynamic-security.yaml")

    clean_only = dynsec(capsys, "validate", "a/dynamic-security.yaml", "-f", "json")
    both = dynsec(capsys, "validate", "a/dynamic-security.yaml", "b/dynamic-security.yaml",
                  "-f", "json")

    assert clean_only.code == 0
    assert both.code == 1
    document = both.json()
    assert [(r["file"], r["stage"]) for r in document["results"]] == [
        ("a/dynamic-security.yaml", "dev"), ("a/dynamic-security.yaml", "production"),
        ("b/dynamic-security.yaml", "dev"), ("b/dynamic-security.yaml", "production"),
    ]
    assert {f["file"] for f in findings(both)} == {"b/dynamic-security.yaml"}


def test_text_groups_the_stages_by_file(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, CLEAN, name="a.yaml")
    write_policy(workdir, MIXED, name="b.yaml")

    result = dynsec(capsys, "validate", "a.yaml", "b.yaml")

    lines = result.out.splitlines()
    assert lines[0] == "==> a.yaml <=="
    headings = [line for line in lines if line.startswith("==>")]
    assert headings == ["==> a.yaml <==", "==> b.yaml <=="]
    b_section = result.out.split("==> b.yaml <==")[1]
    assert "b.yaml:23  DS104 origin-plain-http" in b_section
    assert "DS104" not in result.out.split("==> b.yaml <==")[0]
    assert lines[-1].startswith("4 stages in 2 files checked, 1 blocked (production in b.yaml)")


def test_one_file_reads_as_before_without_a_heading(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, MIXED)

    result = dynsec(capsys, "validate", "dynamic-security.yaml")

    assert "==>" not in result.out
    assert result.out.splitlines()[-1].startswith("2 stages checked, 1 blocked (production)")


def test_a_broken_file_is_exit_3_and_names_every_broken_file(
    workdir: Path, capsys: Capture
) -> None:
    write_policy(workdir, CLEAN, name="good.yaml")
    write_policy(workdir, BROKEN, name="bad.yaml")

    result = dynsec(capsys, "validate", "good.yaml", "bad.yaml", "missing.yaml",
                    "-f", "json")

    assert result.code == 3
    assert result.out == ""
    assert "bad.yaml:4: stages.dev.environment_id" in result.err
    assert "missing.yaml: policy file not found" in result.err
    assert [line for line in result.err.splitlines() if line.startswith("Error: ")] == [
        line for line in result.err.splitlines() if "bad.yaml:4" in line or "missing" in line
    ]
    assert "Traceback" not in result.err


def test_a_file_named_twice_is_reported_once(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, MIXED)

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "./dynamic-security.yaml",
                    "-f", "json")

    assert [r["stage"] for r in result.json()["results"]] == ["dev", "production"]


# --- --stage with several files --------------------------------------------------------------


def test_a_stage_is_checked_in_the_files_that_have_it(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, MIXED, name="a.yaml")
    write_policy(workdir, MIXED.replace("production", "live-eu"), name="b.yaml")

    as_json = dynsec(capsys, "validate", "a.yaml", "b.yaml", "-s", "production", "-f", "json")
    as_text = dynsec(capsys, "validate", "a.yaml", "b.yaml", "-s", "production")

    assert as_json.code == 1
    assert [(r["file"], r["stage"]) for r in as_json.json()["results"]] == [
        ("a.yaml", "production"),
    ]
    b_section = as_text.out.split("==> b.yaml <==")[1]
    assert "no stage production in this file: skipped" in b_section


def test_a_stage_no_file_has_is_exit_3_with_a_suggestion(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, CLEAN, name="a.yaml")
    write_policy(workdir, CLEAN.replace("  production:\n", "  staging:\n"), name="b.yaml")

    result = dynsec(capsys, "validate", "a.yaml", "b.yaml", "--stage", "stagin", "-f", "json")

    assert result.code == 3
    assert result.out == ""
    assert "no policy file named has a stage 'stagin'; did you mean 'staging'?" in result.err


def test_output_never_replaces_any_of_the_files_read(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, CLEAN, name="a.yaml")
    second = write_policy(workdir, CLEAN, name="b.yaml")
    before = second.read_text(encoding="utf-8")

    result = dynsec(capsys, "validate", "a.yaml", "b.yaml", "-f", "sarif", "-o", "b.yaml")

    assert result.code == 3
    assert "is the policy file itself" in result.err
    assert second.read_text(encoding="utf-8") == before


def test_the_written_note_names_the_file_of_a_blocked_stage(
    workdir: Path, capsys: Capture
) -> None:
    write_policy(workdir, CLEAN, name="a.yaml")
    write_policy(workdir, MIXED, name="b.yaml")

    result = dynsec(capsys, "validate", "a.yaml", "b.yaml", "-o", "report.txt")

    assert result.code == 1
    assert "Wrote the text report on 4 stages to report.txt (blocked: production (b.yaml))" \
        in result.err


# --- standard input --------------------------------------------------------------------------


def _dynsec(*argv: str, stdin: bytes | int | None, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pulumi_dynamic_security.cli.main", *argv],
        input=stdin.decode("utf-8") if isinstance(stdin, bytes) else None,
        stdin=stdin if isinstance(stdin, int) else None,
        cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.mark.slow
def test_dash_reads_the_policy_from_standard_input(tmp_path: Path) -> None:
    write_policy(tmp_path, CLEAN, name="a.yaml")

    result = _dynsec("validate", "a.yaml", "-", "-f", "json",
                     stdin=fill_dates(MIXED).encode("utf-8"), cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    document = _json(result.stdout)
    assert [r["file"] for r in document["results"]] == ["a.yaml", "a.yaml", "<stdin>",
                                                        "<stdin>"]
    ds104 = next(f for r in document["results"] for f in r["findings"] if f["rule"] == "DS104")
    assert (ds104["file"], ds104["line"]) == ("<stdin>", 23)


@pytest.mark.slow
def test_standard_input_errors_name_it(tmp_path: Path) -> None:
    result = _dynsec("validate", "-", stdin=BROKEN.encode("utf-8"), cwd=tmp_path)

    assert result.returncode == 3
    assert result.stdout == ""
    assert "<stdin>:4: stages.dev.environment_id" in result.stderr


@pytest.mark.slow
def test_standard_input_is_capped_like_a_file(tmp_path: Path) -> None:
    started = time.monotonic()
    result = _dynsec("validate", "-", stdin=b"#" * (9 * 1024 * 1024), cwd=tmp_path)

    assert time.monotonic() - started < 60  # a hang guard, not a speed goal
    assert result.returncode == 3
    assert "<stdin>: is larger than 8 MiB" in result.stderr


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_standard_input_on_a_terminal_is_refused_without_waiting(tmp_path: Path) -> None:
    controller, terminal = os.openpty()
    try:
        result = _dynsec("validate", "-", stdin=terminal, cwd=tmp_path)
    finally:
        os.close(controller)
        os.close(terminal)

    assert result.returncode == 3
    assert "standard input, which is a terminal" in result.stderr


def _json(text: str) -> Any:
    import json

    return json.loads(text)
