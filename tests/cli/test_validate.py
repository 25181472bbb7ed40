"""`dynsec validate`: exit codes, output formats, stage selection, --output, errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.support import CLEAN, MIXED, findings
from tests.support.cli import dynsec, write_policy
from tests.support.ids import LIVE, SANDBOX
from tests.support.output_contract import FINDING_KEYS

Capture = pytest.CaptureFixture[str]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- exit codes ------------------------------------------------------------------------------


def test_a_clean_policy_exits_0(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, CLEAN)

    result = dynsec(capsys, "validate", "dynamic-security.yaml")

    assert result.code == 0, result.err
    assert "none blocked" in result.out
    assert result.err == ""


def test_an_unwaived_error_exits_1(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, MIXED)

    result = dynsec(capsys, "validate", "dynamic-security.yaml")

    assert result.code == 1
    assert "BLOCKED" in result.out
    assert "1 blocked (production)" in result.out


def test_warnings_and_notes_do_not_block(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, MIXED.replace("      - http://app.example.com\n", ""))

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", "json")

    assert result.code == 0
    assert {f["severity"] for f in findings(result)} == {"warning", "note"}


def test_a_waived_error_does_not_block(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, MIXED + """\
  - rule: DS104
    values: [http://app.example.com]
    reason: Legacy kiosk, replaced next quarter
    expires: {{today+30}}
""")

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", "json")

    assert result.code == 0, result.out
    ds104 = next(f for f in findings(result) if f["rule"] == "DS104")
    assert ds104["waived"] is True
    assert ds104["waiver_reason"] == "Legacy kiosk, replaced next quarter"


def test_a_missing_policy_file_exits_3(workdir: Path, capsys: Capture) -> None:
    result = dynsec(capsys, "validate", "nowhere.yaml", "--format", "json")

    assert result.code == 3
    assert result.out == ""
    assert "nowhere.yaml: policy file not found" in result.err


def test_a_directory_is_not_a_policy(workdir: Path, capsys: Capture) -> None:
    (workdir / "policies").mkdir()

    result = dynsec(capsys, "validate", "policies")

    assert result.code == 3
    assert "Traceback" not in result.err


# --- click usage errors exit 3, not 2 --------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["validate"],  # missing argument
        ["validate", "dynamic-security.yaml", "--frmat", "json"],  # unknown option
        ["validate", "dynamic-security.yaml", "--format", "xml"],  # bad choice
        ["validate", "dynamic-security.yaml", "--stage"],  # option without its value
        ["validate", "dynamic-security.yaml", "extra.yaml"],  # a second file that is missing
        ["valdate", "dynamic-security.yaml"],  # unknown command
    ],
    ids=["missing-argument", "unknown-option", "bad-choice", "no-option-value",
         "missing-second-file", "unknown-command"],
)
def test_usage_errors_exit_3(argv: list[str], workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, CLEAN)

    result = dynsec(capsys, *argv)

    assert result.code == 3
    assert result.out == ""
    assert "Error" in result.err
    assert "Traceback" not in result.err


@pytest.mark.slow
def test_usage_errors_exit_3_from_the_console_script(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_dynamic_security.cli.main", "validate", "--bogus"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 3
    assert "No such option" in result.stderr


# --- stage selection -------------------------------------------------------------------------


def test_every_stage_by_default_in_file_order(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, CLEAN)

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", "json")

    assert [stage["stage"] for stage in result.json()["results"]] == ["dev", "production"]


def test_stage_selects_one_stage(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, MIXED)

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "--stage", "dev",
                    "--format", "json")

    assert result.code == 0  # the blocked production stage is not checked
    assert [stage["stage"] for stage in result.json()["results"]] == ["dev"]


def test_stage_can_be_repeated(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, MIXED)

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "--stage", "production",
                    "--stage", "dev", "--format", "json")

    assert result.code == 1
    assert {stage["stage"] for stage in result.json()["results"]} == {"dev", "production"}


def test_an_unknown_stage_exits_3_with_a_suggestion(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, CLEAN)

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "--stage", "prodution",
                    "--format", "sarif")

    assert result.code == 3
    assert result.out == ""
    assert "no stage 'prodution'" in result.err
    assert "did you mean 'production'?" in result.err


def test_unused_waivers_of_stages_left_out_are_not_reported(
    workdir: Path, capsys: Capture
) -> None:
    write_policy(workdir, CLEAN + """\
waivers:
  - rule: DS301
    stages: [production]
    reason: not needed any more
    expires: {{today+30}}
""")

    everything = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", "json")
    dev_only = dynsec(capsys, "validate", "dynamic-security.yaml", "--stage", "dev",
                      "--format", "json")

    assert [(f["rule"], f["stage"]) for f in findings(everything)] == [("DS902", "production")]
    assert findings(dev_only) == []


# --- waiver expiry ---------------------------------------------------------------------------


def _waiving_ds104(expires: str) -> str:
    return MIXED + f"""\
  - rule: DS104
    stages: [production]
    reason: Legacy kiosk, replaced next quarter
    expires: {expires}
"""


def test_a_past_expiry_is_not_an_input_error_but_ds901(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, _waiving_ds104("{{today-1}}"))

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", "json")

    assert result.code == 1  # the error the waiver covered is active again
    by_rule = {f["rule"]: f for f in findings(result)}
    assert by_rule["DS104"]["waived"] is False
    assert by_rule["DS901"]["path"] == "waivers[1]"
    assert by_rule["DS901"]["stage"] == "production"
    assert by_rule["DS901"]["line"] == 31  # the waiver's first line


def test_an_expired_waiver_on_a_warning_reports_ds901_and_exits_0(
    workdir: Path, capsys: Capture
) -> None:
    write_policy(workdir, MIXED.replace("      - http://app.example.com\n", "")
                 .replace("{{today+60}}", "{{today-400}}"))

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", "json")

    assert result.code == 0
    assert {f["rule"] for f in findings(result) if not f["waived"]} >= {"DS301", "DS901"}


def test_a_waiver_is_valid_through_its_expiry_day(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, _waiving_ds104("{{today+0}}"))

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", "json")

    assert result.code == 0
    assert "DS901" not in {f["rule"] for f in findings(result)}


def test_an_expiry_exactly_a_year_ahead_is_accepted(workdir: Path, capsys: Capture) -> None:
    from tests.support.dated import day

    today = day(0)
    try:
        year_ahead = today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        year_ahead = day(365)
    write_policy(workdir, _waiving_ds104(year_ahead.isoformat()))

    assert dynsec(capsys, "validate", "dynamic-security.yaml").code == 0


# --- JSON ------------------------------------------------------------------------------------


def test_json_has_the_fixed_shape(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, MIXED)

    document = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", "json").json()

    assert set(document) == {"version", "results"}
    assert document["version"] == 1
    for stage in document["results"]:
        assert set(stage) == {"file", "stage", "production", "blocked", "findings"}
        assert stage["file"] == "dynamic-security.yaml"
        for finding in stage["findings"]:
            assert set(finding) == FINDING_KEYS
    dev, production = document["results"]
    assert (dev["production"], dev["blocked"]) == (False, False)
    assert (production["production"], production["blocked"]) == (True, True)


def test_json_locates_findings_in_the_file(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, MIXED, name="policy/security.yaml")

    result = dynsec(capsys, "validate", "policy/security.yaml", "--format", "json")

    located = {(f["rule"], f["stage"]): (f["file"], f["line"], f["path"]) for f in findings(result)}
    file = str(Path("policy") / "security.yaml")
    assert located[("DS104", "production")] == (file, 23, "allowed_origins[1]")
    assert located[("DS102", "dev")] == (file, 18, "allowed_origins[1]")
    assert located[("DS201", "production")] == (file, 24, "jwt_lifetime")
    assert located[("DS301", "production")] == (file, 25, "token_storage")


def test_a_json_policy_validates_too(workdir: Path, capsys: Capture) -> None:
    import json

    document = {
        "version": 1,
        "stages": {"production": {
            "environment_id": LIVE,
            "allowed_origins": ["http://app.example.com"],
        }},
    }
    (workdir / "policy.json").write_text(json.dumps(document, indent=2), encoding="utf-8")

    result = dynsec(capsys, "validate", "policy.json", "--format", "json")

    assert result.code == 1
    ds104 = next(f for f in findings(result) if f["rule"] == "DS104")
    assert (ds104["file"], ds104["line"]) == ("policy.json", 7)  # the list item


# --- text ------------------------------------------------------------------------------------


def test_text_report_reads_as_one_screen(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, MIXED.replace("  production:\n", "  production:\n    production: true\n"))

    out = dynsec(capsys, "validate", "dynamic-security.yaml").out

    assert f"dev · environment {SANDBOX} · not production (inferred from the stage name)" in out
    assert f"production · environment {LIVE} · production (declared)" in out
    assert "BLOCKED: 1 unwaived error" in out
    errors, warnings, waived = out.index("errors (1)"), out.index("warnings (1)"), out.index(
        "waived (1)"
    )
    assert errors < warnings < waived
    assert "dynamic-security.yaml:24  DS104 origin-plain-http" in out
    assert "waived: A backend on another site reads the JWT from a header" in out
    assert "DS301 jwt-in-localstorage (warning)" in out
    assert "fix: " in out
    assert "docs: https://" in out
    last = out.rstrip("\n").splitlines()[-1]
    assert last.startswith("2 stages checked, 1 blocked (production): 1 error, 1 warning,")
    assert last.endswith("1 note, 1 waived.")


def test_text_report_names_the_areas_a_stage_does_not_manage(
    workdir: Path, capsys: Capture
) -> None:
    write_policy(workdir, f"""\
version: 1
stages:
  dev:
    environment_id: {SANDBOX}
    allowed_origins: [https://dev.example.com]
""")

    out = dynsec(capsys, "validate", "dynamic-security.yaml").out

    assert "not managed by this stage, so not checked: jwt_lifetime, token_storage, mfa" in out


def test_no_colour_when_stdout_is_not_a_terminal(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, MIXED)

    out = dynsec(capsys, "validate", "dynamic-security.yaml").out

    assert "\x1b[" not in out


@pytest.mark.slow
def test_no_colour_in_a_pipe(tmp_path: Path) -> None:
    write_policy(tmp_path, MIXED)
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_dynamic_security.cli.main", "validate",
         "dynamic-security.yaml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    assert result.returncode == 1
    assert "BLOCKED" in result.stdout
    assert "\x1b[" not in result.stdout


def _on_a_terminal(cwd: Path, extra_env: dict[str, str]) -> str:
    import pty

    main, secondary = pty.openpty()
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    env.update({"TERM": "xterm-256color", **extra_env})
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "pulumi_dynamic_security.cli.main", "validate",
             "dynamic-security.yaml"],
            cwd=cwd, stdout=secondary, stderr=subprocess.DEVNULL, env=env,
        )
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal closed when the process exited
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=120)
    finally:
        os.close(main)
    return b"".join(chunks).decode("utf-8")


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_colour_on_a_terminal_unless_no_color(tmp_path: Path) -> None:
    write_policy(tmp_path, MIXED)

    assert "\x1b[" in _on_a_terminal(tmp_path, {})
    assert "\x1b[" not in _on_a_terminal(tmp_path, {"NO_COLOR": "1"})


# --- --output --------------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["text", "json", "sarif"])
def test_output_writes_the_file_and_nothing_to_stdout(
    output_format: str, workdir: Path, capsys: Capture
) -> None:
    write_policy(workdir, MIXED)

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", output_format,
                    "--output", "report.out")

    assert result.code == 1
    assert result.out == ""
    assert "report.out" in result.err
    assert "blocked: production" in result.err
    written = (workdir / "report.out").read_text(encoding="utf-8")
    assert "\x1b[" not in written
    stdout_copy = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", output_format)
    assert written == stdout_copy.out
    assert sorted(p.name for p in workdir.iterdir()) == ["dynamic-security.yaml", "report.out"]


def test_output_replaces_an_existing_file_and_keeps_its_mode(
    workdir: Path, capsys: Capture
) -> None:
    write_policy(workdir, CLEAN)
    report = workdir / "report.json"
    report.write_text("old content that is much longer than the new report " * 100)
    report.chmod(0o640)

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", "json",
                    "--output", str(report))

    assert result.code == 0
    assert report.read_text(encoding="utf-8").startswith('{\n  "version": 1,')
    if os.name == "posix":
        assert report.stat().st_mode & 0o777 == 0o640


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_output_to_a_named_pipe_writes_through_it(workdir: Path, capsys: Capture) -> None:
    import stat
    import threading

    write_policy(workdir, CLEAN)
    pipe = workdir / "report.pipe"
    os.mkfifo(pipe)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_text("utf-8")))
    reader.start()

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", "json",
                    "--output", str(pipe))
    reader.join(timeout=30)

    assert result.code == 0
    assert stat.S_ISFIFO(pipe.stat().st_mode), "the pipe was replaced by a regular file"
    assert received and received[0].startswith('{\n  "version": 1,')


@pytest.mark.slow
@pytest.mark.skipif(not Path("/dev/stdout").exists(), reason="needs /dev/stdout")
def test_output_to_dev_stdout(tmp_path: Path) -> None:
    write_policy(tmp_path, CLEAN)
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_dynamic_security.cli.main", "validate",
         "dynamic-security.yaml", "--format", "json", "--output", "/dev/stdout"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('{\n  "version": 1,')


@pytest.mark.skipif(os.name != "posix", reason="symbolic links need privileges elsewhere")
def test_output_through_a_symlink_keeps_the_link(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, CLEAN)
    (workdir / "reports").mkdir()
    real = workdir / "reports" / "dynsec.sarif"
    real.write_text("old\n")
    link = workdir / "dynsec.sarif"
    link.symlink_to(real)

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", "sarif",
                    "--output", "dynsec.sarif")

    assert result.code == 0
    assert link.is_symlink()
    assert '"version": "2.1.0"' in real.read_text(encoding="utf-8")


def test_output_into_a_missing_directory_exits_3(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, CLEAN)

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", "sarif",
                    "--output", "missing/report.sarif")

    assert result.code == 3
    assert result.out == ""
    assert "cannot write the report to missing" in result.err
    assert "Traceback" not in result.err


def test_a_policy_error_leaves_an_existing_output_untouched(
    workdir: Path, capsys: Capture
) -> None:
    write_policy(workdir, "version: 1\nstages: {}\n")
    (workdir / "report.json").write_text("previous report\n")

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", "json",
                    "--output", "report.json")

    assert result.code == 3
    assert (workdir / "report.json").read_text() == "previous report\n"


def test_output_never_replaces_the_policy_file(workdir: Path, capsys: Capture) -> None:
    policy = write_policy(workdir, CLEAN)
    before = policy.read_text(encoding="utf-8")

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", "json",
                    "--output", "./dynamic-security.yaml")

    assert result.code == 3
    assert "is the policy file itself" in result.err
    assert policy.read_text(encoding="utf-8") == before


def test_debug_is_accepted(workdir: Path, capsys: Capture) -> None:
    write_policy(workdir, CLEAN)

    assert dynsec(capsys, "validate", "dynamic-security.yaml", "--debug").code == 0
