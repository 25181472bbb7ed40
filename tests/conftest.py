"""Shared fixtures.

`emulator_server` runs one Dynamic API emulator over real HTTP for the whole test session
(one per xdist worker); `emulator` resets it before each test, so every test starts from the
`demo` seed with an empty request log and no faults; `cli_emulator` also points the `dynsec`
command line at it, and `cli` runs `dynsec` in this process against it, in a temporary working
directory, with retries that do not wait. Every test starts with an empty process-wide request
budget, as a new process would (the budget is shared by the whole test process otherwise).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle, running_emulator
from tests.support.cli import Capture, Cli, instant_backoff, point_at
from tests.support.clients import reset_budget


@pytest.fixture(autouse=True)
def fresh_process_budget() -> Iterator[None]:
    """An empty request window at the default limit before and after every test."""
    reset_budget()
    yield
    reset_budget()


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorHandle]:
    """A running emulator shared by the session; prefer `emulator`, which resets it."""
    with running_emulator(seed="demo") as handle:
        yield handle


@pytest.fixture
def emulator(emulator_server: EmulatorHandle) -> EmulatorHandle:
    """The shared emulator, reset to the `demo` seed, empty log, no faults."""
    emulator_server.reset("demo")
    return emulator_server


@pytest.fixture
def cli_emulator(emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> EmulatorHandle:
    """The reset emulator, with `dynsec` pointed at it (admin token) and colour off."""
    point_at(monkeypatch, emulator.base_url, emulator.token)
    monkeypatch.setenv("NO_COLOR", "1")
    return emulator


@pytest.fixture
def cli(emulator: EmulatorHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: Capture) -> Iterator[Cli]:
    """`dynsec` in this process against the reset emulator (admin token), in `tmp_path`, with
    `NO_COLOR` unset and retries that do not wait."""
    monkeypatch.chdir(tmp_path)
    point_at(monkeypatch, emulator.base_url, emulator.token)
    monkeypatch.delenv("NO_COLOR", raising=False)
    instant_backoff(monkeypatch)
    reset_budget()
    yield Cli(emulator, tmp_path, capsys)
    reset_budget()
