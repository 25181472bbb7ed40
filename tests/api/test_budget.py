"""The request budget on its own, with a fake clock: the rolling window, bursts, threads."""

from __future__ import annotations

import threading

import pytest

from pulumi_dynamic_security.api import budget as budget_module
from pulumi_dynamic_security.api.budget import RequestBudget, process_budget
from tests.support.fake_time import fake_budget


def test_a_burst_up_to_the_limit_goes_out_at_once() -> None:
    budget, fake = fake_budget(5)
    assert [budget.acquire() for _ in range(5)] == [0.0] * 5
    assert fake.slept == []
    assert budget.in_window() == 5


def test_the_request_beyond_the_limit_waits_until_the_oldest_leaves_the_window() -> None:
    budget, fake = fake_budget(3)
    budget.acquire()
    fake.now += 10
    budget.acquire()
    budget.acquire()
    # The first slot was taken at t=1000 and frees at t=1060; we are at t=1010.
    assert budget.acquire() == pytest.approx(50.0)
    assert fake.now == pytest.approx(1060.0)
    # The next frees when the second (t=1010) leaves: at t=1070.
    assert budget.acquire() == pytest.approx(10.0)


def test_any_rolling_window_holds_at_most_the_limit() -> None:
    budget, fake = fake_budget(4, window=60.0)
    stamps = []
    for _ in range(13):
        budget.acquire()
        stamps.append(fake.now)
        fake.now += 7  # a steady caller, faster than the budget allows
    for i, start in enumerate(stamps):
        inside = [t for t in stamps[i:] if t < start + 60.0]
        assert len(inside) <= 4


def test_lowering_the_limit_with_a_full_window_waits_for_enough_slots() -> None:
    budget, fake = fake_budget(4)
    for _ in range(4):
        budget.acquire()
        fake.now += 1
    budget.set_limit(2)
    # Four in the window, limit two: the third-oldest (t=1002) must leave, at t=1062.
    assert budget.acquire() == pytest.approx(1062.0 - 1004.0)


def test_threads_share_one_budget() -> None:
    budget, fake = fake_budget(10)
    barrier = threading.Barrier(25)

    def worker() -> None:
        barrier.wait()
        budget.acquire()

    threads = [threading.Thread(target=worker) for _ in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 25 requests at 10 a minute: the last ones went out two windows later.
    assert fake.now >= 1000.0 + 120.0
    assert budget.in_window() <= 10


def test_invalid_limits_are_refused() -> None:
    with pytest.raises(ValueError):
        RequestBudget(0)
    with pytest.raises(ValueError):
        RequestBudget(1, window=0)
    with pytest.raises(ValueError):
        RequestBudget(1).set_limit(0)


def test_the_process_budget_is_one_object_whose_limit_is_the_configured_one() -> None:
    first = process_budget(123)
    second = process_budget()
    assert first is second is budget_module._process_budget
    assert second.limit == 123
    assert second.window == 60.0
