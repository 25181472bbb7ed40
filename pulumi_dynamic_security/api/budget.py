"""The client-side request budget: at most N requests in any rolling window
(docs/cli.md#the-request-budget).

Dynamic limits admin calls per IP, so the budget belongs to the process, not to a client:
`dynsec drift` fans out over a thread pool and the Pulumi providers build a client per call,
and all of them draw from the one `process_budget()`. Every attempt takes a slot, retries
included, because Dynamic counts every request it receives.

The window is a sliding log of the last requests: a burst of up to N requests goes out at
once, and request N+1 waits until the oldest of those leaves the window.

When does a request enter the log? Dynamic counts a request when it receives it, which is
some time after we send it (queueing, a new connection, the network) and before its answer
reaches us. Logging the send time would let the client's window run ahead of the server's:
request N+1 could go out exactly one window after request 1 was *sent*, and arrive before
one window has passed since request 1 *arrived*, i.e. the (N+1)th request in the server's
window, a 429 with a budget equal to the limit. So the transport takes a slot with `take()`
and gives it back with `Slot.release()` when the answer (or the failure) is in: the slot
counts as in the window the whole time the request is in flight, and then for one full window
from the moment it ended, which is never earlier than the moment the server counted it.
`acquire()` takes and releases at once (the slot counts from its send time), for callers that
do not track an answer.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
from collections.abc import Callable

from pulumi_dynamic_security.api.config import DEFAULT_MAX_REQUESTS_PER_MINUTE

logger = logging.getLogger("pulumi_dynamic_security.api")

WINDOW_SECONDS = 60.0


class Slot:
    """One request's place in the budget, from `RequestBudget.take()` until `release()`."""

    __slots__ = ("_budget", "_generation", "_released", "waited")

    def __init__(self, budget: RequestBudget, generation: int, waited: float) -> None:
        self._budget = budget
        self._generation = generation
        self._released = False
        self.waited = waited  # seconds spent waiting for the slot

    def release(self) -> None:
        """The request is over (answered or failed): from now it counts for one window.
        Releasing twice is harmless."""
        if not self._released:
            self._released = True
            self._budget._settle(self._generation)


class RequestBudget:
    """At most `limit` requests in any rolling `window` seconds; thread-safe.

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
        self._settled = threading.Condition(self._lock)
        self._ended: list[float] = []  # heap: when each request in the window ended
        self._in_flight = 0  # slots taken and not released: in the window until they are
        self._generation = 0  # bumped by reset(), so slots taken before it are forgotten

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
            self._settled.notify_all()

    def reset(self) -> None:
        """Forget every request in the window (a fresh process, as tests need)."""
        with self._lock:
            self._ended.clear()
            self._in_flight = 0
            self._generation += 1
            self._settled.notify_all()

    def in_window(self) -> int:
        """How many requests the current window holds (those in flight included)."""
        with self._lock:
            self._expire(self._clock())
            return self._in_flight + len(self._ended)

    def acquire(self) -> float:
        """Take one slot that counts from now, waiting for the window to free one if needed;
        returns seconds waited."""
        slot = self.take()
        slot.release()
        return slot.waited

    def take(self) -> Slot:
        """Take one slot for a request about to be sent, waiting until the window has room;
        `release()` it when the request is over."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._expire(now)
                used = self._in_flight + len(self._ended)
                if used < self._limit:
                    self._in_flight += 1
                    return Slot(self, self._generation, waited)
                # How many must leave before one more fits (more than one when the limit
                # was lowered while the window was full).
                leaving = used - self._limit + 1
                if leaving > len(self._ended):
                    # The slot frees only once requests still in flight have ended.
                    self._settled.wait(timeout=self._window)
                    waited += max(self._clock() - now, 0.0)
                    continue
                frees_at = heapq.nsmallest(leaving, self._ended)[-1] + self._window
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

    def _settle(self, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return  # taken before a reset(): that window is gone
            self._in_flight -= 1
            heapq.heappush(self._ended, self._clock())
            self._settled.notify_all()

    def _expire(self, now: float) -> None:
        # `ended + window <= now`, the very sum `take` sleeps until, so that waking at
        # `frees_at` always finds the slot free (`ended <= now - window` can miss it by a
        # rounding error and spin).
        ended, window = self._ended, self._window
        while ended and ended[0] + window <= now:
            heapq.heappop(ended)


_process_budget = RequestBudget(DEFAULT_MAX_REQUESTS_PER_MINUTE)


def process_budget(limit: int | None = None) -> RequestBudget:
    """The budget shared by the whole process; `limit`, when given, becomes its limit.

    Every client passes its configured `max_requests_per_minute`, so the last configured
    value wins. In one process the CLI and the providers configure the same value.
    """
    if limit is not None and limit != _process_budget.limit:
        _process_budget.set_limit(limit)
    return _process_budget
