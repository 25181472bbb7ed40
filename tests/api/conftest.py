"""Fixtures for the API client's tests.

Integration tests run the client over real HTTP against the emulator: one server for the
session, reset to the `demo` seed (state, request log, faults) before each test that asks
for `emu`. Clients get short backoffs so that retry tests take fractions of a second, and
the process-wide request budget starts empty for every test (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.api.config import (
    ClientConfig,
    RetryPolicy,
)
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.redaction import Secret
from tests.api.support import FAST_RETRY, ClientFactory


@pytest.fixture
def emu(emulator: EmulatorHandle) -> EmulatorHandle:
    """The session's emulator with fresh `demo` state, an empty request log and no faults."""
    return emulator


@pytest.fixture
def make_client(emu: EmulatorHandle) -> Iterator[ClientFactory]:
    """Build clients against `emu` (admin token unless `token` is given); closed afterwards."""
    made: list[DynamicClient] = []

    def make(
        *,
        token: str | None = None,
        base_url: str | None = None,
        retry: RetryPolicy = FAST_RETRY,
        transport: httpx.BaseTransport | None = None,
        **settings: Any,
    ) -> DynamicClient:
        config = ClientConfig(
            token=Secret(token or emu.token),
            base_url=base_url or emu.base_url,
            retry=retry,
            **settings,
        )
        client = DynamicClient(config, transport=transport)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: ClientFactory) -> DynamicClient:
    return make_client()
