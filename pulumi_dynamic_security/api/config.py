"""How a `DynamicClient` reaches the API: base URL, token, timeouts, budget and retries.

Both classes are frozen dataclasses so one configuration can be shared by a thread pool.
The token is a `redaction.Secret`: the dataclass `repr` shows `Secret(***)`, never the value.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from pulumi_dynamic_security.errors import InputError
from pulumi_dynamic_security.redaction import Secret, register

DEFAULT_BASE_URL = "https://app.dynamicauth.com/api/v0"
# Two thirds of Dynamic's 1,500 admin requests per minute per IP (SPEC §4).
DEFAULT_MAX_REQUESTS_PER_MINUTE = 1000


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before trying a request again.

    `max_attempts` counts every try, the first one included. Without a `Retry-After`
    header the wait before attempt n+1 is "full jitter": a uniform draw in
    [0, min(backoff_cap, backoff_base * 2**(n-1))], which spreads out the clients of a
    thread pool that all failed at once. A `Retry-After` is honoured up to
    `retry_after_cap` seconds, so a server asking for an hour cannot hang a CI job.

    Six attempts: against a server failing 30% of requests and losing 20% of answers, four
    left about one apply in three failing somewhere (and some needing two re-runs); six
    make a failed run rare and a second re-run rarer still, at a worst-case wait of about
    half a minute before an outage is reported.
    """

    max_attempts: int = 6
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    retry_after_cap: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.backoff_base < 0 or self.backoff_cap < 0 or self.retry_after_cap < 0:
            raise ValueError("backoff and Retry-After caps must not be negative")

    def backoff(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based), with full jitter."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0 ** max(attempt - 1, 0))
        return ceiling * rng()


@dataclass(frozen=True)
class ClientConfig:
    """Everything a `DynamicClient` needs; safe to print (the token shows as `***`)."""

    token: Secret
    base_url: str = DEFAULT_BASE_URL
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_requests_per_minute: int = DEFAULT_MAX_REQUESTS_PER_MINUTE
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        if not isinstance(self.token, Secret):
            # A plain str here would print itself in repr and tracebacks.
            raise TypeError("ClientConfig.token must be a redaction.Secret")
        # Secret registers itself on construction; registering again is cheap and covers a
        # Secret built before the redaction set was reset (tests do that).
        register(self.token.reveal())
        if self.max_requests_per_minute < 1:
            raise ValueError("max_requests_per_minute must be at least 1")
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            raise ValueError("timeouts must be positive")
        scheme, _, rest = self.base_url.partition("://")
        if scheme.lower() not in {"http", "https"} or not rest.strip("/"):
            raise InputError(
                f"The API URL {self.base_url!r} is not an http(s) URL.",
                hint="Set DYNAMIC_API_URL or --api-url to e.g. " + DEFAULT_BASE_URL,
            )
        # The generated client strips trailing slashes from its base path; so do we, so
        # that "base_url + /environments/..." never holds a double slash.
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
