"""Vendor-shaped error answers.

Every refusal the emulator gives is raised as an `ApiError` from anywhere in a handler and
turned into a JSON response at the edge (`routes.common.endpoint`). The bodies follow the
models of the official client `@dynamic-labs/sdk-api@0.0.847`:

    400  BadRequest                   {"error"}   (origins POST also carries "status": 400)
    401  Unauthorized                 {"error"}
    403  Forbidden                    {"error"}
    403  ForbiddenWithErrorAndPayload {"error": {"code", "message"}}  (session revocation)
    404  NotFound                     {"error", "code": "not_found"}
    422  UnprocessableEntity          {"error", "code"}
    429  (documented body)            {"message": "Rate limit exceeded", "code": 429}
    502  BadGateway                   {"error"}
    503  (no model)                   {"error"}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse


class ApiError(Exception):
    """A refusal with its HTTP status, body and headers, raised inside a handler."""

    def __init__(
        self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ):
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = dict(body)
        self.headers = dict(headers or {})

    def response(self) -> JSONResponse:
        """The JSON response this error stands for."""
        return JSONResponse(self.body, status_code=self.status, headers=self.headers)


def bad_request(message: str, *, with_status: bool = False) -> ApiError:
    """400. The origins POST declares `{error, status}`; the other routes `{error}`."""
    body: dict[str, Any] = {"error": message}
    if with_status:
        body["status"] = 400
    return ApiError(400, body)


def unauthorized(message: str = "No jwt provided!") -> ApiError:
    """401, with the vendor's example text when no token was sent."""
    return ApiError(401, {"error": message})


def forbidden(message: str = "Access Forbidden") -> ApiError:
    """403 as the `Forbidden` model."""
    return ApiError(403, {"error": message})


def forbidden_with_code(message: str, code: str = "forbidden") -> ApiError:
    """403 as `ForbiddenWithErrorAndPayload`, which the session-revocation route declares."""
    return ApiError(403, {"error": {"code": code, "message": message}})


def not_found(what: str) -> ApiError:
    """404 as the `NotFound` model (both members required)."""
    return ApiError(404, {"error": f"{what} not found", "code": "not_found"})


def unprocessable(message: str, code: str) -> ApiError:
    """422 as `UnprocessableEntity`; `code` is one of `UnprocessableEntityErrorCode`."""
    return ApiError(422, {"error": message, "code": code})


def rate_limited(retry_after: int) -> ApiError:
    """429 with the body Dynamic documents (not the SDK's `TooManyRequests` model)."""
    return ApiError(
        429,
        {"message": "Rate limit exceeded", "code": 429},
        {"Retry-After": str(retry_after)},
    )


def service_unavailable() -> ApiError:
    """503: an injected failure; nothing was committed."""
    return ApiError(503, {"error": "Service Unavailable"})


def bad_gateway() -> ApiError:
    """502: an injected lost response; the write behind it was committed."""
    return ApiError(502, {"error": "Bad Gateway"})
