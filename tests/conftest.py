"""Shared fixtures.

`emulator_server` runs one Dynamic API emulator over real HTTP for the whole test session
(one per xdist worker); `emulator` resets it before each test, so every test starts from the
`demo` seed with an empty request log and no faults.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle, running_emulator


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
