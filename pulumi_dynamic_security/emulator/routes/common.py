"""What every API route needs: error handling at the edge, the caller, environment lookups."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pulumi_dynamic_security.emulator import errors
from pulumi_dynamic_security.emulator.auth import Principal, authenticate, require_environment
from pulumi_dynamic_security.emulator.context import Emulator
from pulumi_dynamic_security.emulator.records import Environment

Handler = Callable[[Request, Emulator], Awaitable[Response]]


def route(emulator: Emulator, path: str, methods: Sequence[str], handler: Handler) -> Route:
    """A Starlette route calling `handler(request, emulator)`; an `ApiError` becomes its answer."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request, emulator)
        except errors.ApiError as exc:
            return exc.response()

    endpoint.__name__ = handler.__name__
    return Route(path, endpoint, methods=list(methods))


def caller(request: Request, emulator: Emulator) -> Principal:
    """The authenticated caller, or 401."""
    return authenticate(request.headers, emulator.state, emulator.admin_token)


def environment(
    request: Request, emulator: Emulator, scope: str, *, payload_error: bool = False
) -> tuple[Principal, Environment]:
    """The caller and the environment named by the `environment_id` path parameter.

    401, then 403 (not the caller's environment, or a missing scope), then 404.
    """
    principal = caller(request, emulator)
    environment_id = request.path_params["environment_id"]
    require_environment(principal, environment_id, scope, payload_error=payload_error)
    found = emulator.state.environments.get(environment_id)
    if found is None:
        raise errors.not_found("Environment")
    return principal, found


def known_environment(request: Request, emulator: Emulator) -> Environment:
    """The environment named by the `environment_id` path parameter, or 404; no caller is
    checked (control and SDK routes)."""
    found = emulator.state.environments.get(request.path_params["environment_id"])
    if found is None:
        raise errors.not_found("Environment")
    return found


def json(body: object, status: int = 200) -> JSONResponse:
    """A JSON answer (key order as built)."""
    return JSONResponse(body, status_code=status)


def no_content() -> Response:
    """204 with no body."""
    return Response(status_code=204)
