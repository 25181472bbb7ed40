"""Service tests run against the session's emulator (reset per test) with a client with short
backoffs (the request budget starts empty for every test: tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.support.clients import make_client


@pytest.fixture
def client(emulator: EmulatorHandle) -> Iterator[DynamicClient]:
    """An admin client of the emulator, which is reset to the `demo` seed."""
    with make_client(emulator) as made:
        yield made
