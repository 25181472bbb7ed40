"""Injected faults: latency, random failures, rate limiting, lost responses, failing writes.

`FaultInjector` holds the settings and the little state they need (a random generator, the
rolling window of admitted requests, the countdown of writes still allowed). It is used from
the server's event loop only, so it needs no lock. Settings (all off by default):

    latency_ms          every /api/v0 request waits this long first (asyncio.sleep)
    error_rate          probability of answering 503 without doing anything
    rate_limit          requests admitted in any rolling window (60 s) across the server;
                        beyond it 429 with Retry-After (whole seconds until a slot frees)
    lost_response_rate  probability that a write is committed and then answered 502
    fail_writes_after   k: k more writes go through, then every write is 503 (None: off)

Emulator-only test aids: `seed` makes the random draws reproducible; `rate_window_seconds`
shortens the rolling window so rate-limit tests need not wait a minute.

Every value is checked before any is applied: a finite number (never a boolean, NaN or
infinity), not negative, rates at most 1, whole numbers where a count is meant, and latency and
window within `MAX_LATENCY_MS` / `MAX_WINDOW_SECONDS`, so that no setting can hang or break the
requests that follow it. `FaultError` names the unknown or invalid setting.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

DEFAULT_RATE_WINDOW_SECONDS = 60.0
MAX_LATENCY_MS = 60_000.0  # a minute: longer is a hang, not latency
MAX_WINDOW_SECONDS = 3600.0
MAX_COUNT = 10**9  # rate_limit, fail_writes_after, seed


class FaultError(ValueError):
    """An unknown fault, or a value out of its range; `unknown` tells which of the two."""

    def __init__(self, message: str, *, unknown: bool = False):
        super().__init__(message)
        self.unknown = unknown


@dataclass(frozen=True)
class FaultSettings:
    latency_ms: float = 0
    error_rate: float = 0.0
    rate_limit: int = 0
    lost_response_rate: float = 0.0
    fail_writes_after: int | None = None
    rate_window_seconds: float = DEFAULT_RATE_WINDOW_SECONDS
    seed: int | None = None


def _number(key: str, value: object, *, integer: bool = False,
            maximum: float = float(MAX_COUNT)) -> float:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FaultError(f"{key} must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise FaultError(f"{key} must be a finite number")
    if value < 0:
        raise FaultError(f"{key} must not be negative")
    if value > maximum:
        raise FaultError(f"{key} must be at most {maximum:g}")
    if integer and value != int(value):
        raise FaultError(f"{key} must be a whole number")
    return value


def parse_updates(current: FaultSettings, updates: Mapping[str, Any]) -> FaultSettings:
    """`current` with `updates` applied (the body of POST /_emulator/faults). Raises
    FaultError, and then nothing is applied."""
    known = set(FaultSettings.__dataclass_fields__)
    unknown = sorted(set(updates) - known)
    if unknown:
        raise FaultError(
            f"unknown fault(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}",
            unknown=True,
        )
    changes: dict[str, Any] = {}
    for key, value in updates.items():
        if key in ("error_rate", "lost_response_rate"):
            changes[key] = float(_number(key, value, maximum=1.0))
        elif key == "latency_ms":
            changes[key] = _number(key, value, maximum=MAX_LATENCY_MS)
        elif key == "rate_limit":
            changes[key] = int(_number(key, value, integer=True))
        elif key == "fail_writes_after":
            changes[key] = None if value is None else int(_number(key, value, integer=True))
        elif key == "rate_window_seconds":
            window = _number(key, value, maximum=MAX_WINDOW_SECONDS)
            if window <= 0:
                raise FaultError("rate_window_seconds must be positive")
            changes[key] = float(window)
        else:  # seed
            changes[key] = None if value is None else int(_number(key, value, integer=True))
    return replace(current, **changes)


class FaultInjector:
    """The active fault settings and the state they need between requests."""

    def __init__(self, settings: FaultSettings | None = None):
        self.settings = FaultSettings()
        self._rng = random.Random()  # noqa: S311 - fault injection, not security
        self._admitted: deque[float] = deque()
        self._writes_left: int | None = None
        self.apply(settings or FaultSettings())

    def apply(self, settings: FaultSettings) -> None:
        """Switch to `settings` as a whole (start, reset): the countdown of
        `fail_writes_after` restarts, and a seed restarts the random sequence."""
        self.settings = settings
        if settings.seed is not None:
            self._rng.seed(settings.seed)
        self._writes_left = settings.fail_writes_after
        if not settings.rate_limit:
            self._admitted.clear()

    def update(self, updates: Mapping[str, Any]) -> None:
        """Apply a partial update (POST /_emulator/faults). Only what it names restarts:
        the write countdown when it gives `fail_writes_after`, the random sequence when it
        gives `seed`. Raises FaultError for unknown or invalid settings (nothing changes)."""
        new = parse_updates(self.settings, updates)
        self.settings = new
        if "seed" in updates and new.seed is not None:
            self._rng.seed(new.seed)
        if "fail_writes_after" in updates:
            self._writes_left = new.fail_writes_after
        if not new.rate_limit:
            self._admitted.clear()

    def describe(self) -> dict[str, Any]:
        """The settings, plus how many writes are still allowed when that fault is on."""
        body = asdict(self.settings)
        body["writes_left"] = self._writes_left
        return body

    def retry_after(self, now: float) -> int | None:
        """Admit a request at monotonic time `now`, or say in how many seconds to retry."""
        limit = self.settings.rate_limit
        if not limit:
            return None
        window = self.settings.rate_window_seconds
        admitted = self._admitted
        while admitted and admitted[0] <= now - window:
            admitted.popleft()
        if len(admitted) < limit:
            admitted.append(now)
            return None
        # The request that must expire before one more fits (the limit may have been lowered).
        blocking = admitted[len(admitted) - limit]
        return max(1, math.ceil(blocking + window - now))

    def fails(self) -> bool:
        """Draw for `error_rate`."""
        rate = self.settings.error_rate
        return bool(rate) and self._rng.random() < rate

    def loses_response(self) -> bool:
        """Draw for `lost_response_rate` (writes only)."""
        rate = self.settings.lost_response_rate
        return bool(rate) and self._rng.random() < rate

    def admits_write(self) -> bool:
        """Count one write against `fail_writes_after`; False once the allowance is spent."""
        if self._writes_left is None:
            return True
        if self._writes_left > 0:
            self._writes_left -= 1
            return True
        return False
