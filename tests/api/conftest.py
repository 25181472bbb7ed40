"""Fixtures for the API client's tests: a fresh process budget per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_dynamic_security.api.budget import process_budget
from pulumi_dynamic_security.api.config import DEFAULT_MAX_REQUESTS_PER_MINUTE


@pytest.fixture(autouse=True)
def fresh_process_budget() -> Iterator[None]:
    """Each test starts with an empty window at the default limit, as a new process would."""
    budget = process_budget(DEFAULT_MAX_REQUESTS_PER_MINUTE)
    budget.reset()
    yield
    process_budget(DEFAULT_MAX_REQUESTS_PER_MINUTE).reset()
