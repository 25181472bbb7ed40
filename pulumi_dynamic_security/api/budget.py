"""The client-side request budget: at most N requests in any rolling window (SPEC §4, §6).

Dynamic limits admin calls per IP, so the budget belongs to the process, not to a client:
`dynsec drift` fans out over a thread pool and the Pulumi providers build a client per call,
and all of them draw from the one `process_budget()`. Every attempt takes a slot, retries
included, because Dynamic counts every request it receives.

The window is a sliding log of the send times of the last requests: a burst of up to N
requests goes out at once, and request N+1 waits until the oldest of those leaves the window.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from pulumi_dynamic_security.api.config import DEFAULT_MAX_REQUESTS_PER_MINUTE

logger = logging.getLogger("pulumi_dynamic_security.api")

WINDOW_SECONDS = 60.0


class RequestBudget:
    """At most `limit` acquisitions in any rolling `window` seconds; thread-safe.

    `clock` and `sleep` exist for the budget's own unit tests; everything else uses the
    monotonic clock and real sleeps.
    """

    def __init__(
        self,
        limit: int,
        *,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit < 1:
            raise ValueError("a request budget needs a limit of at least 1")
        if window <= 0:
            raise ValueError("a request budget needs a positive window")
        self._limit = limit
        self._window = window
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: deque[float] = deque()

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def window(self) -> float:
        return self._window

    def set_limit(self, limit: int) -> None:
        """Change the limit; requests already in the window still count against it."""
        if limit < 1:
            raise ValueError("a request budget needs a limit of at least 1")
        with self._lock:
            self._limit = limit

    def reset(self) -> None:
        """Forget every request in the window (a fresh process, as tests need)."""
        with self._lock:
            self._sent.clear()

    def in_window(self) -> int:
        """How many requests the current window holds."""
        with self._lock:
            self._expire(self._clock())
            return len(self._sent)

    def acquire(self) -> float:
        """Take one slot, waiting for the window to free one if needed; returns seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._expire(now)
                if len(self._sent) < self._limit:
                    self._sent.append(now)
                    return waited
                # The slot frees when enough of the oldest entries have left the window
                # (more than one when the limit was lowered while the window was full).
                frees_at = self._sent[len(self._sent) - self._limit] + self._window
                delay = max(frees_at - now, 0.0)
            # Sleep outside the lock so that other threads can check (and queue) meanwhile;
            # whoever wakes first takes the slot and the others go round again.
            if delay > 0:
                logger.debug(
                    "request budget: %d requests in the last %gs, waiting %.2fs",
                    self._limit, self._window, delay,
                )
                self._sleep(delay)
                waited += delay

    def _expire(self, now: float) -> None:
        cutoff = now - self._window
        while self._sent and self._sent[0] <= cutoff:
            self._sent.popleft()


_process_budget = RequestBudget(DEFAULT_MAX_REQUESTS_PER_MINUTE)


def process_budget(limit: int | None = None) -> RequestBudget:
    """The budget shared by the whole process; `limit`, when given, becomes its limit.

    Every client passes its configured `max_requests_per_minute`, so the last configured
    value wins. In one process the CLI and the providers configure the same value.
    """
    if limit is not None and limit != _process_budget.limit:
        _process_budget.set_limit(limit)
    return _process_budget
