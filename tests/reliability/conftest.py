"""Fixtures of the reliability tests: the session's emulator reset per test, the command line
pointed at the emulator for the tests that run `dynsec` itself (see tests/conftest.py)."""

from __future__ import annotations

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle


@pytest.fixture
def emu(cli_emulator: EmulatorHandle) -> EmulatorHandle:
    """The emulator with fresh `demo` state; `dynsec` talks to it with the admin token."""
    return cli_emulator
