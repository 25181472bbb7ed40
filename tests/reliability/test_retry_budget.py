"""A 429 does not use up the attempts meant for failures.

Under a rate limit most requests meet a 429 first; when 429s counted against `max_attempts`,
a request interleaving 429s and 503s had about two tries against the 503s, and at 30% 5xx an
apply needed several re-runs (see `test_faults`). A request now gives up after
`max_attempts` failures, or after `max_attempts` 429s in a row (after a 503 the short backoff
usually lands inside the rate window again, so a 429 follows each 503).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pulumi_dynamic_security.api.budget import RequestBudget
from pulumi_dynamic_security.api.config import RetryPolicy
from pulumi_dynamic_security.api.transport import ATTEMPTS, RetryTransport

POLICY = RetryPolicy(max_attempts=3, backoff_base=0.0, backoff_cap=0.0, retry_after_cap=0.0)


class Scripted(httpx.BaseTransport):
    """Answers with the given statuses in turn (`Retry-After: 0` on a 429)."""

    def __init__(self, statuses: list[int]) -> None:
        self._statuses: Iterator[int] = iter(statuses)
        self.sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        status = next(self._statuses)
        headers = {"Retry-After": "0"} if status == 429 else {}
        return httpx.Response(status, headers=headers, json={}, request=request)


def send(statuses: list[int], method: str = "GET") -> tuple[int, int]:
    inner = Scripted(statuses)
    transport = RetryTransport(inner, POLICY, budget=RequestBudget(1000))
    request = httpx.Request(method, "http://dynamic.invalid/api/v0/environments/x")
    response = transport.handle_request(request)
    assert request.extensions[ATTEMPTS] == inner.sent
    return response.status_code, inner.sent


@pytest.mark.parametrize(("statuses", "expected"), [
    pytest.param([429, 503, 429, 503, 200], (200, 5), id="interleaved-then-ok"),
    pytest.param([429, 429, 503, 503, 200], (200, 5), id="429s-first"),
    pytest.param([503, 503, 503], (503, 3), id="failures-still-capped"),
    pytest.param([429, 429, 429], (429, 3), id="429s-still-capped"),
    pytest.param([429, 503, 429, 503, 503], (503, 5), id="failures-capped-after-429s"),
    pytest.param([429, 503, 429, 503, 429, 200], (200, 6), id="429-after-each-503"),
    pytest.param([429, 503, 429, 429, 429], (429, 5), id="429s-in-a-row-capped"),
])
def test_429s_and_failures_are_counted_apart(
    statuses: list[int], expected: tuple[int, int]
) -> None:
    assert send(statuses) == expected


def test_a_post_after_429s_still_gets_no_blind_retry_on_503() -> None:
    # A POST answered 503 may have been committed: handed back at once, 429s or not.
    assert send([429, 429, 503, 200], method="POST") == (503, 3)
