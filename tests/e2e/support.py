"""Fixtures for tests that run `dynsec` commands in this process against the emulator.

`cli` points the command line at the session's emulator (reset to the `demo` seed) through
the environment, as a user would (`DYNAMIC_API_URL`, `DYNAMIC_API_TOKEN`), runs in a temporary
directory, starts with an empty request budget, and makes retry backoffs instant so that a
test of "unreachable after retries" takes milliseconds. Import it into a test module with
`from tests.e2e.support import cli`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pulumi_dynamic_security.api.config import RetryPolicy
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.cli.support import Result, dynsec
from tests.policy.dated import fill_dates
from tests.support.clients import reset_budget
from tests.support.log import log, writes

Capture = pytest.CaptureFixture[str]


@dataclass
class Cli:
    """The emulator and a runner of `dynsec` in a temporary working directory."""

    emulator: EmulatorHandle
    directory: Path
    capsys: Capture

    def __call__(self, *argv: str) -> Result:
        reset_budget()
        return dynsec(self.capsys, *argv)

    def write(self, text: str, name: str = "dynamic-security.yaml") -> Path:
        """Write a policy file; `{{today+N}}` becomes the date N days from today (UTC)."""
        path = self.directory / name
        path.write_text(fill_dates(text), encoding="utf-8")  # {{today+N}} -> a date
        return path

    def log(self) -> list[tuple[str, str]]:
        return log(self.emulator)

    def writes(self) -> list[tuple[str, str]]:
        return writes(self.emulator)

    def clear(self) -> None:
        self.emulator.clear_requests()


@pytest.fixture
def cli(emulator: EmulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: Capture) -> Iterator[Cli]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DYNAMIC_API_URL", emulator.base_url)
    monkeypatch.setenv("DYNAMIC_API_TOKEN", emulator.token)
    for name in ("NO_COLOR", "DYNSEC_MAX_REQUESTS_PER_MINUTE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(RetryPolicy, "backoff", lambda self, attempt, rng=None: 0.0)
    reset_budget()
    yield Cli(emulator, tmp_path, capsys)
    reset_budget()


def json_out(result: Result) -> Any:
    assert result.out, result.err
    return json.loads(result.out)


PLAN_KEYS = {"stage", "environment_id", "production", "changes", "findings", "blocked"}
CHANGE_KEYS = {"area", "action", "path", "before", "after", "effect"}
FINDING_KEYS = {
    "rule", "name", "severity", "stage", "path", "message", "remediation", "doc_url", "waived",
    "waiver_reason", "resolved_by_plan", "file", "line",
}


def assert_plan_shape(plan: dict[str, Any]) -> None:
    """Exactly the keys SPEC §4 fixes, with the fixed vocabularies."""
    assert set(plan) == PLAN_KEYS
    for change in plan["changes"]:
        assert set(change) == CHANGE_KEYS
        assert change["area"] in {"jwt_lifetime", "token_storage", "mfa", "allowed_origins",
                                  "api_tokens"}
        assert change["action"] in {"add", "remove", "update", "rotate", "revoke"}
        assert change["effect"] in {"tightens", "weakens", "neutral"}
    for finding in plan["findings"]:
        assert set(finding) == FINDING_KEYS
        assert finding["severity"] in {"error", "warning", "note"}
