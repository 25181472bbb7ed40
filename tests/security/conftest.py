"""Fixtures of the security tests: an empty process-wide request budget per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.service.support import reset_budget


@pytest.fixture(autouse=True)
def fresh_process_budget() -> Iterator[None]:
    reset_budget()
    yield
    reset_budget()
