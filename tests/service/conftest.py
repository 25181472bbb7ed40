"""Service tests run against the session's emulator (reset per test) with a fresh request
budget and a client with short backoffs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.service.support import make_client, reset_budget


@pytest.fixture(autouse=True)
def _fresh_budget() -> Iterator[None]:
    reset_budget()
    yield
    reset_budget()


@pytest.fixture
def client(emulator: EmulatorHandle) -> Iterator[DynamicClient]:
    """An admin client of the emulator, which is reset to the `demo` seed."""
    with make_client(emulator) as made:
        yield made
