"""The `dynsec` command line run in this process, as the tests drive it.

`dynsec(capsys, ...)` runs one command and captures what it printed; `Cli` (the `cli` fixture
of tests/conftest.py) does the same in a temporary working directory against the session's
emulator, with an empty request budget before each command, as a new process would start.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pulumi_dynamic_security.api.config import RetryPolicy
from pulumi_dynamic_security.cli.main import run
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.support.clients import reset_budget
from tests.support.dated import fill_dates
from tests.support.log import log, writes

Capture = pytest.CaptureFixture[str]
POLICY_FILE = "dynamic-security.yaml"


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def dynsec(capsys: Capture, *argv: str | Path) -> Result:
    """Run `dynsec argv...` in this process and capture what it printed."""
    capsys.readouterr()
    code = run([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return Result(code, out, err)


def write_policy(directory: Path, text: str, name: str = POLICY_FILE) -> Path:
    """Write `text` (with `{{today+N}}` filled in) to `directory/name`."""
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(fill_dates(text), encoding="utf-8")
    return path


def point_at(monkeypatch: pytest.MonkeyPatch, base_url: str, token: str) -> None:
    """`dynsec` talks to `base_url` with `token`, at the default request budget, as a user
    would set it up (`DYNAMIC_API_URL`, `DYNAMIC_API_TOKEN`)."""
    monkeypatch.setenv("DYNAMIC_API_URL", base_url)
    monkeypatch.setenv("DYNAMIC_API_TOKEN", token)
    monkeypatch.delenv("DYNSEC_MAX_REQUESTS_PER_MINUTE", raising=False)


def instant_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries without waiting, so that "unreachable after retries" takes milliseconds."""
    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, attempt, rng=None: 0.0)


@dataclass
class Cli:
    """The emulator and a runner of `dynsec` in a temporary working directory."""

    emulator: EmulatorHandle
    directory: Path
    capsys: Capture

    def __call__(self, *argv: str) -> Result:
        reset_budget()
        return dynsec(self.capsys, *argv)

    def write(self, text: str, name: str = POLICY_FILE) -> Path:
        """Write a policy file; `{{today+N}}` becomes the date N days from today (UTC)."""
        return write_policy(self.directory, text, name)

    def log(self) -> list[tuple[str, str]]:
        return log(self.emulator)

    def writes(self) -> list[tuple[str, str]]:
        return writes(self.emulator)

    def clear(self) -> None:
        self.emulator.clear_requests()


def json_out(result: Result) -> Any:
    assert result.out, result.err
    return json.loads(result.out)
