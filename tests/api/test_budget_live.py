"""The request budget as clients meet it: bursts, a window that frees, shared, retries count.

The real budget's window is 60 s; these tests swap in a process budget with a 1 s window so
that "wait until the window frees" takes a second, not a minute.
"""

from __future__ import annotations

import time

import pytest

from pulumi_dynamic_security.api import budget as budget_module
from pulumi_dynamic_security.api import errors
from pulumi_dynamic_security.api.budget import RequestBudget, process_budget
from pulumi_dynamic_security.api.config import RetryPolicy
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.api.support import ClientFactory
from tests.support.ids import LIVE, SANDBOX
from tests.support.log import statuses

pytestmark = pytest.mark.slow

WINDOW = 1.0


@pytest.fixture
def short_window(monkeypatch: pytest.MonkeyPatch) -> RequestBudget:
    budget = RequestBudget(1000, window=WINDOW)
    monkeypatch.setattr(budget_module, "_process_budget", budget)
    return budget


def test_a_burst_beyond_the_budget_waits_until_the_window_frees(
    short_window: RequestBudget, make_client: ClientFactory, emu: EmulatorHandle
) -> None:
    client = make_client(max_requests_per_minute=3)
    assert process_budget().limit == 3
    started = time.monotonic()
    sent_at = []
    for _ in range(5):
        client.get_environment(LIVE)
        sent_at.append(time.monotonic() - started)
    # Three at once, then the fourth and fifth once the first ones leave the window.
    assert sent_at[2] < 0.5
    assert WINDOW - 0.05 <= sent_at[3] < WINDOW + 0.5
    assert sent_at[4] < WINDOW + 0.6
    assert len(statuses(emu)) == 5


def test_the_budget_is_shared_by_every_client_of_the_process(
    short_window: RequestBudget, make_client: ClientFactory
) -> None:
    first = make_client(max_requests_per_minute=3)
    second = make_client(max_requests_per_minute=3)
    for _ in range(3):
        first.get_environment(LIVE)
    started = time.monotonic()
    second.get_environment(SANDBOX)
    assert time.monotonic() - started >= WINDOW - 0.2


def test_every_retry_takes_a_slot(
    short_window: RequestBudget, make_client: ClientFactory, emu: EmulatorHandle
) -> None:
    emu.set_faults(error_rate=1.0)
    retry = RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_cap=0.01)
    client = make_client(max_requests_per_minute=3, retry=retry)
    started = time.monotonic()
    with pytest.raises(errors.ServerError):
        client.get_environment(LIVE)
    # Four attempts against a budget of three: the fourth waited for the window.
    assert time.monotonic() - started >= WINDOW - 0.1
    assert len(statuses(emu)) == 4
