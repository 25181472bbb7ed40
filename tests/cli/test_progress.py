"""Long runs talk: `drift` and `apply` show progress on stderr when it is a terminal (a real
pseudo-terminal here, with `dynsec` run as its own process), `--quiet` silences it, and
standard output is byte for byte the same either way."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.support.ids import LIVE, SANDBOX, SECOND_SANDBOX

POLICY = f"""\
version: 1
defaults:
  jwt_lifetime: 2h
stages:
  dev:
    environment_id: {SANDBOX}
  staging:
    environment_id: {SECOND_SANDBOX}
  production:
    environment_id: {LIVE}
    allowed_origins: [https://app.example.com]
"""


def run_on_a_terminal(emulator: EmulatorHandle, cwd: Path, *argv: str,
                      stderr_tty: bool = True) -> tuple[int, bytes, str]:
    """`dynsec argv` with stdout a pipe and stderr a pseudo-terminal (or a pipe):
    (exit code, stdout bytes, what the terminal showed)."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("DYNAMIC_", "DYNSEC_"))},
           "DYNAMIC_API_URL": emulator.base_url,
           "DYNAMIC_API_TOKEN": emulator.token, "NO_COLOR": "1"}
    master, slave = pty.openpty() if stderr_tty else os.pipe()
    process = subprocess.Popen(
        [sys.executable, "-m", "pulumi_dynamic_security.cli.main", *argv], cwd=cwd, env=env,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    shown = bytearray()
    try:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the terminal's other side closed
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(master)
    out = process.stdout.read() if process.stdout else b""
    code = process.wait(timeout=60)
    return code, out, shown.decode("utf-8").replace("\r\n", "\n")


@pytest.mark.slow
def test_drift_shows_one_line_per_stage_on_a_terminal_and_quiet_silences_it(
        emulator: EmulatorHandle, tmp_path: Path) -> None:
    (tmp_path / "dynamic-security.yaml").write_text(POLICY, encoding="utf-8")

    code, out, shown = run_on_a_terminal(emulator, tmp_path, "drift", "dynamic-security.yaml")
    quiet_code, quiet_out, quiet_shown = run_on_a_terminal(
        emulator, tmp_path, "drift", "dynamic-security.yaml", "--quiet")
    piped_code, piped_out, piped_shown = run_on_a_terminal(
        emulator, tmp_path, "drift", "dynamic-security.yaml", stderr_tty=False)

    assert code == quiet_code == piped_code == 2
    progress = sorted(shown.splitlines())
    assert [line[:6] for line in progress] == ["[1/3] ", "[2/3] ", "[3/3] "]
    assert {line.split(" ", 1)[1].split(":")[0] for line in progress} == {
        "dev", "staging", "production"}
    assert any(line.endswith("production: exposed now, 4 change(s)") for line in progress)
    assert quiet_shown == "" and piped_shown == ""
    assert out == quiet_out == piped_out  # stdout never carries progress
    assert b"[1/3]" not in out


@pytest.mark.slow
def test_apply_shows_its_steps_on_a_terminal_and_quiet_silences_them(
        emulator: EmulatorHandle, tmp_path: Path) -> None:
    (tmp_path / "dynamic-security.yaml").write_text(POLICY, encoding="utf-8")
    argv = ("apply", "dynamic-security.yaml", "--stage", "production", "--yes")

    code, out, shown = run_on_a_terminal(emulator, tmp_path, *argv)
    emulator.reset("demo")
    quiet_code, quiet_out, quiet_shown = run_on_a_terminal(emulator, tmp_path, *argv,
                                                           "--quiet")

    assert code == quiet_code == 0
    assert shown.splitlines() == [
        f"reading stage 'production' (environment {LIVE}) ...",
        "  adding origin https://app.example.com",
        "  writing the settings document (1 change(s))",
        "  removing origin http://localhost:3000",
        "  removing origin https://*.example.com",
    ]
    assert quiet_shown == ""
    assert out == quiet_out
    assert b"Applied 4 change(s)" in out
