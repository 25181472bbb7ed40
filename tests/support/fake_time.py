"""A request budget on a fake clock: time moves only when a test moves it or something sleeps."""

from __future__ import annotations

import threading

from pulumi_dynamic_security.api.budget import RequestBudget


class FakeTime:
    """A clock that moves only when told to (`now`), or when something sleeps (`slept`)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


def fake_budget(limit: int, window: float = 60.0) -> tuple[RequestBudget, FakeTime]:
    """A budget of `limit` requests per `window` seconds on a `FakeTime` of its own."""
    fake = FakeTime()
    return RequestBudget(limit, window=window, clock=fake.clock, sleep=fake.sleep), fake
