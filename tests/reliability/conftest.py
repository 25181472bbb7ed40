"""Fixtures of the reliability tests: the session's emulator reset per test, an empty
process-wide request budget per test (as a new process would start with), and the command
line pointed at the emulator for the tests that run `dynsec` itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.service.support import reset_budget


@pytest.fixture(autouse=True)
def fresh_process_budget() -> Iterator[None]:
    reset_budget()
    yield
    reset_budget()


@pytest.fixture
def emu(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> EmulatorHandle:
    """The emulator with fresh `demo` state; `dynsec` talks to it with the admin token."""
    monkeypatch.setenv("DYNAMIC_API_URL", emulator.base_url)
    monkeypatch.setenv("DYNAMIC_API_TOKEN", emulator.token)
    monkeypatch.delenv("DYNSEC_MAX_REQUESTS_PER_MINUTE", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    return emulator
