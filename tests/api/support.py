"""Shared helpers of the API client's tests: a tap transport, the client factory's type."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from pulumi_dynamic_security.api.client import DynamicClient

ClientFactory = Callable[..., DynamicClient]


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

