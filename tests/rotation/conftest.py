"""Fixtures of the rotation tests: the session's emulator reset for each test, with the CLI
pointed at it with the admin token (see tests/conftest.py)."""

from __future__ import annotations

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle


@pytest.fixture
def emu(cli_emulator: EmulatorHandle) -> EmulatorHandle:
    """The emulator with fresh `demo` state; `dynsec` talks to it with the admin token."""
    return cli_emulator
