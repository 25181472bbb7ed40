"""Shared helpers of the API client's tests: a tap transport, the request log."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.api.config import RetryPolicy
from pulumi_dynamic_security.emulator.server import EmulatorHandle

ClientFactory = Callable[..., DynamicClient]

FAST_RETRY = RetryPolicy(max_attempts=3, backoff_base=0.02, backoff_cap=0.05, retry_after_cap=2.0)


class Tap(httpx.BaseTransport):
    """Real HTTP (httpx's own transport) with a test hook after each exchange.

    Not a mock: every request reaches the emulator. `before` runs before a request is sent
    (to switch the emulator's faults for that request); `hook` sees the real request and
    response and may return a replacement response, which is how a test plays a network
    fault the emulator has no switch for (a lost header, a lagging read).
    """

    Hook = Callable[[httpx.Request, httpx.Response], "httpx.Response | None"]

    def __init__(
        self, hook: Hook | None = None, *, before: Callable[[httpx.Request], None] | None = None
    ) -> None:
        self._inner = httpx.HTTPTransport()
        self._hook = hook
        self._before = before
        self.sent: list[tuple[str, str, httpx.Headers, bytes]] = []
        self.raw_paths: list[bytes] = []
        self.closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.method, request.url.path, request.headers, request.content))
        self.raw_paths.append(request.url.raw_path)
        if self._before is not None:
            self._before(request)
        response = self._inner.handle_request(request)
        if self._hook is None:
            return response
        response.read()
        replacement = self._hook(request, response)
        return response if replacement is None else replacement

    def close(self) -> None:
        self.closed = True
        self._inner.close()


def statuses(emu: EmulatorHandle, method: str | None = None) -> list[tuple[str, str, int]]:
    """The emulator's request log as (method, path, status), optionally for one method."""
    return [
        (r["method"], r["path"], r["status"])
        for r in emu.requests()
        if method is None or r["method"] == method
    ]
