"""Fixtures of the rotation tests: the session's emulator reset for each test, the CLI
pointed at it with the admin token, and an empty process-wide request budget per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_dynamic_security.api.budget import process_budget
from pulumi_dynamic_security.api.config import DEFAULT_MAX_REQUESTS_PER_MINUTE
from pulumi_dynamic_security.emulator.server import EmulatorHandle


@pytest.fixture(autouse=True)
def fresh_process_budget() -> Iterator[None]:
    """Each test starts with an empty window at the default limit, as a new process would."""
    process_budget(DEFAULT_MAX_REQUESTS_PER_MINUTE).reset()
    yield
    process_budget(DEFAULT_MAX_REQUESTS_PER_MINUTE).reset()


@pytest.fixture
def emu(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> EmulatorHandle:
    """The emulator with fresh `demo` state; the CLI talks to it with the admin token."""
    monkeypatch.setenv("DYNAMIC_API_URL", emulator.base_url)
    monkeypatch.setenv("DYNAMIC_API_TOKEN", emulator.token)
    monkeypatch.delenv("DYNSEC_MAX_REQUESTS_PER_MINUTE", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    return emulator
