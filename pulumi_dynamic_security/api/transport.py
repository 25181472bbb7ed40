"""Retries and the request budget, as a layer around any httpx transport.

`RetryTransport` wraps the transport that actually sends (httpx's own, or one injected by a
caller), so retries, the budget and the debug trace apply whatever sits underneath. Per
attempt it takes a slot from the process-wide `RequestBudget` (released when the answer is
in, so that the slot counts from then on, as the server counts it), sends, and decides:

* 429: always retried (Dynamic refused before doing anything), after `Retry-After` when the
  response has one (capped), else after capped exponential backoff with full jitter. 429s
  are counted apart from failures: a refusal that did nothing must not use up the attempts
  meant for 5xx answers and dropped connections (docs/decisions/retries.md). A request
  gives up after `max_attempts` failures, or after `max_attempts` 429s in a row;
* 500/502/503/504 and a request cut off after it was sent (read/write timeout, dropped
  connection): retried only when repeating the request is harmless: GET, PUT, DELETE, or a
  request the client marked `REPEATABLE`. A POST that may have been committed is handed back
  as it is; `DynamicClient` reconciles it by listing, never by sending it again blindly;
* a connection that never opened (refused, connect or pool timeout): retried for every
  method, since nothing was sent.

The last response (or exception) is returned (raised) once the attempts are spent. How many
attempts were made and how long they waited are written into the request's extensions
(`ATTEMPTS`, `WAITED`), which the client reads to word its errors.

Each attempt is logged at DEBUG on the `pulumi_dynamic_security.api` logger: method, path,
status or failure, elapsed time. Never a header or a body, which may hold a token.

Answers are read within a bound (`read_answer`): at most `MAX_ANSWER_BYTES` once decoded, so
neither a huge body nor a small compressed one that inflates can exhaust memory; a failed
attempt's body is read only up to `_DISCARD_BYTES` before its connection is dropped.
"""

from __future__ import annotations

import logging
import math
import random
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import httpx

from pulumi_dynamic_security.api.budget import RequestBudget, process_budget
from pulumi_dynamic_security.api.config import RetryPolicy
from pulumi_dynamic_security.bounded_json import DEFAULT_MAX_BYTES
from pulumi_dynamic_security.redaction import RedactingFilter, redact

logger = logging.getLogger("pulumi_dynamic_security.api")
if not any(isinstance(f, RedactingFilter) for f in logger.filters):
    # Defence in depth: even a record logged here by mistake with a secret in it is scrubbed.
    logger.addFilter(RedactingFilter())

# Request extensions (httpx passes unknown keys through untouched).
REPEATABLE = "pulumi_dynamic_security.repeatable"  # in: a POST safe to send twice
ATTEMPTS = "pulumi_dynamic_security.attempts"  # out: attempts made
WAITED = "pulumi_dynamic_security.waited"  # out: seconds slept between attempts

MAX_ANSWER_BYTES = DEFAULT_MAX_BYTES  # a decoded answer body, at most
_DISCARD_BYTES = 64 * 1024  # read of a failed attempt's body, so its connection can be reused
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

# The request never left: no connection was made, so repeating it cannot duplicate anything.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# The request may have reached the server: repeat only what is idempotent.
MAYBE_SENT = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


def is_repeatable(request: httpx.Request) -> bool:
    """Whether sending `request` twice has the same effect as once."""
    return request.method in IDEMPOTENT_METHODS or bool(request.extensions.get(REPEATABLE))


class RetryTransport(httpx.BaseTransport):
    """Retries, budget and debug trace around `inner` (see the module docstring)."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        policy: RetryPolicy,
        *,
        budget: RequestBudget | None = None,
    ) -> None:
        self._inner = inner
        self._policy = policy
        self._budget = budget

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        budget = self._budget or process_budget()
        path = request.url.path
        waited = 0.0
        attempt = 0
        failures = 0  # attempts that failed other than with a 429
        refusals = 0  # 429s in a row
        while True:
            attempt += 1
            request.extensions[ATTEMPTS] = attempt
            request.extensions[WAITED] = waited
            # The slot counts until the answer is in, and one window from then: never
            # shorter than the server's count of it (see `api.budget`).
            slot = budget.take()
            started = time.monotonic()
            try:
                response = self._inner.handle_request(request)
            except httpx.TransportError as exc:
                elapsed = time.monotonic() - started
                self._log(request, path, attempt, elapsed, f"failed ({_describe(exc)})")
                failures += 1
                refusals = 0
                if not self._should_retry_failure(request, exc, failures):
                    raise
                delay = self._policy.backoff(failures, random.random)
                reason = type(exc).__name__
            else:
                elapsed = time.monotonic() - started
                self._log(request, path, attempt, elapsed, str(response.status_code))
                if response.status_code == 429:
                    refusals += 1
                else:
                    failures, refusals = failures + 1, 0
                tries = refusals if response.status_code == 429 else failures
                delay_or_none = self._retry_delay(request, response, tries)
                if delay_or_none is None:
                    return response
                delay = delay_or_none
                reason = str(response.status_code)
                _discard(response)
            finally:
                slot.release()
            logger.debug(
                "%s %s: retrying in %.2fs after %s", request.method, path, delay, reason
            )
            time.sleep(delay)
            waited += delay

    def close(self) -> None:
        self._inner.close()

    def _should_retry_failure(
        self, request: httpx.Request, exc: httpx.TransportError, attempt: int
    ) -> bool:
        if attempt >= self._policy.max_attempts:
            return False
        if isinstance(exc, _NOT_SENT):
            return True
        return isinstance(exc, MAYBE_SENT) and is_repeatable(request)

    def _retry_delay(
        self, request: httpx.Request, response: httpx.Response, attempt: int
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to hand `response` back.

        `attempt` counts this one and the attempts before it that count with it: for a 429,
        the 429s in a row; otherwise every attempt that was not a 429."""
        if attempt >= self._policy.max_attempts:
            return None
        if response.status_code == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None:
                return min(retry_after, self._policy.retry_after_cap)
            return self._policy.backoff(attempt, random.random)
        if response.status_code in RETRYABLE_STATUSES and is_repeatable(request):
            return self._policy.backoff(attempt, random.random)
        return None

    def _log(
        self, request: httpx.Request, path: str, attempt: int, elapsed: float, outcome: str
    ) -> None:
        logger.debug(
            "%s %s -> %s in %.0f ms (attempt %d/%d)",
            request.method, path, outcome, elapsed * 1000, attempt, self._policy.max_attempts,
        )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or an HTTP date), None if unusable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    if math.isnan(seconds):
        return None
    return max(seconds, 0.0)


def _describe(exc: httpx.TransportError) -> str:
    text = redact(str(exc)).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class AnswerTooLarge(Exception):
    """An answer whose body is larger than the bound `read_answer` was given."""

    def __init__(self, status: int, limit: int) -> None:
        super().__init__(f"an answer ({status}) larger than {limit} bytes")
        self.status = status
        self.limit = limit


_UNDONE_BY_READING = ("content-encoding", "content-length", "transfer-encoding")


def read_answer(response: httpx.Response, limit: int = MAX_ANSWER_BYTES) -> httpx.Response:
    """`response` (sent with `stream=True`) with its body read and decoded, at most `limit`
    bytes of it: a new response holding the body, the streamed one closed. AnswerTooLarge
    past the bound (checked as the body arrives, after decompression); httpx's own
    exceptions when the connection fails on the way."""
    try:
        declared = response.headers.get("content-length", "")
        encoded = response.headers.get("content-encoding", "identity").lower() != "identity"
        if declared.isdigit() and int(declared) > limit and not encoded:
            raise AnswerTooLarge(response.status_code, limit)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise AnswerTooLarge(response.status_code, limit)
            chunks.append(chunk)
    finally:
        response.close()
    headers = [(k, v) for k, v in response.headers.multi_items()
               if k.lower() not in _UNDONE_BY_READING]
    return httpx.Response(response.status_code, headers=headers, content=b"".join(chunks),
                          request=response.request, extensions=response.extensions)


def _discard(response: httpx.Response) -> None:
    """Release a response we will not return: a short body is read first so the connection
    can be reused; a long one is not read on (its connection is closed instead)."""
    try:
        size = 0
        for chunk in response.iter_raw():
            size += len(chunk)
            if size > _DISCARD_BYTES:
                break
    except (httpx.HTTPError, httpx.StreamError):
        pass
    finally:
        response.close()
