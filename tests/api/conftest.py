"""Fixtures for the API client's tests.

Integration tests run the client over real HTTP against the emulator: one server for the
session, reset to the `demo` seed (state, request log, faults) before each test that asks
for `emu`. Clients get short backoffs so that retry tests take fractions of a second, and
the process-wide request budget starts empty for every test (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.api.support import ClientFactory
from tests.support import clients


@pytest.fixture
def emu(emulator: EmulatorHandle) -> EmulatorHandle:
    """The session's emulator with fresh `demo` state, an empty request log and no faults."""
    return emulator


@pytest.fixture
def make_client(emu: EmulatorHandle) -> Iterator[ClientFactory]:
    """Build clients against `emu` (`tests.support.clients.make_client`); closed afterwards."""
    made: list[DynamicClient] = []

    def make(**options: Any) -> DynamicClient:
        client = clients.make_client(emu, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: ClientFactory) -> DynamicClient:
    return make_client()
