"""What every request must pass before a route sees it: the body cap, the control routes'
header and content type, and (on a loopback address) a loopback `Host`.

* **Body cap.** A request body may hold at most `MAX_BODY_BYTES` (1 MiB). A larger declared
  `Content-Length` is refused before anything is read; a body without one is read in chunks
  and refused as soon as it passes the cap, so the emulator never holds more than 1 MiB + one
  chunk of a request. Both answer 413 and close the connection.
* **Control routes are not a CSRF target.** `/_emulator/...` has no authentication (it is a
  test fixture), so a web page the developer visits must not be able to reach it. Every
  control request needs the header `X-Dynsec-Emulator: 1` (403 without it): a browser sends a
  custom header cross-origin only after a CORS preflight, which the emulator never grants.
  A control request with a body (every POST and PUT) must also say `Content-Type:
  application/json` (415 otherwise), which no HTML form can send.
* **DNS rebinding.** When the emulator listens on a loopback address, a request whose `Host`
  is not a loopback name or address (`localhost`, `127.0.0.0/8`, `::1`) is refused (403): a
  page on an attacker's domain that resolves to 127.0.0.1 sends its own domain as `Host`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 1024 * 1024
CONTROL_HEADER = "X-Dynsec-Emulator"
CONTROL_HEADERS: Mapping[str, str] = {CONTROL_HEADER: "1"}
JSON_MEDIA_TYPE = "application/json"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str,
                  *, close: bool = False) -> None:
    headers = {"Connection": "close"} if close else None
    await JSONResponse({"error": message}, status_code=status, headers=headers)(
        scope, receive, send)


class BodyLimit:
    """Reads the body (at most `limit` bytes) before the app runs, and replays it."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = f"Request body is larger than {self.limit} bytes"
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _refuse(scope, receive, send, 413, too_large, close=True)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _refuse(scope, receive, send, 413, too_large, close=True)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)


def _has_body(headers: Headers) -> bool:
    length = headers.get("content-length")
    return "transfer-encoding" in headers or (length is not None and length not in ("", "0"))


class ControlGuard:
    """The control routes' header and content-type checks, then the body cap."""

    def __init__(self, app: ASGIApp):
        self.app = BodyLimit(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if headers.get(CONTROL_HEADER) != "1":
            await _refuse(scope, receive, send, 403,
                          f"Control routes need the header {CONTROL_HEADER}: 1")
            return
        if scope["method"] in BODY_METHODS or _has_body(headers):
            media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if media_type != JSON_MEDIA_TYPE:
                await _refuse(scope, receive, send, 415,
                              f"Control routes take a JSON body (Content-Type: "
                              f"{JSON_MEDIA_TYPE})")
                return
        await self.app(scope, receive, send)


def is_loopback_host(host: str) -> bool:
    """Whether `host` (a name or an address, without port or brackets) is loopback."""
    host = host.strip().lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_of(value: str) -> str:
    if value.startswith("["):  # [v6]:port
        return value[1:].split("]", 1)[0]
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    return value


class LoopbackHostGuard:
    """Refuses a request whose `Host` header names anything but this machine."""

    def __init__(self, app: ASGIApp, enabled: bool = True):
        self.app = app
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.enabled and scope["type"] == "http":
            host = Headers(scope=scope).get("host")
            if host is not None and not is_loopback_host(_host_of(host)):
                await _refuse(scope, receive, send, 403,
                              "This emulator listens on a loopback address and answers only "
                              "requests addressed to localhost or a loopback IP")
                return
        await self.app(scope, receive, send)
