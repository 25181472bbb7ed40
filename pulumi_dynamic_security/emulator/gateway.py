"""The layer every /api/v0 request passes through: faults first, then the route, then the log.

Order, as a real edge would apply it: latency; the rate limit (429, before authentication,
as Dynamic limits per IP); `error_rate` (503); `fail_writes_after` (503 for writes); then the
route. With `lost_response_rate` a write runs and commits, and its answer is replaced by 502.
Every answer, refusals included, is appended to the request log with the path relative to
/api/v0. Nothing here reads or logs request headers.
"""

from __future__ import annotations

import asyncio
import time

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pulumi_dynamic_security.emulator import errors
from pulumi_dynamic_security.emulator.context import Emulator, RequestRecord

WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})


class ApiGateway:
    """ASGI middleware around the /api/v0 router."""

    def __init__(self, app: ASGIApp, emulator: Emulator):
        self.app = app
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        path = _relative_path(scope)
        status = await self._handle(scope, receive, send, method)
        self.emulator.requests.append(RequestRecord(method, path, status))

    async def _handle(self, scope: Scope, receive: Receive, send: Send, method: str) -> int:
        faults = self.emulator.faults
        if faults.settings.latency_ms:
            await asyncio.sleep(faults.settings.latency_ms / 1000)
        is_write = method in WRITE_METHODS
        refusal: errors.ApiError | None = None
        retry_after = faults.retry_after(time.monotonic())
        if retry_after is not None:
            refusal = errors.rate_limited(retry_after)
        elif faults.fails() or (is_write and not faults.admits_write()):
            refusal = errors.service_unavailable()
        if refusal is not None:
            await refusal.response()(scope, receive, send)
            return refusal.status

        lose = is_write and faults.loses_response()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            if not lose:
                await send(message)

        try:
            await self.app(scope, receive, capture)
        except HTTPException as exc:  # routing refusals (405) raised by Starlette
            body = {"error": str(exc.detail)}
            await JSONResponse(body, exc.status_code, headers=exc.headers)(scope, receive, capture)
        if lose:
            lost = errors.bad_gateway()
            await lost.response()(scope, receive, send)
            return lost.status
        return status


def _relative_path(scope: Scope) -> str:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):]
    return path or "/"
