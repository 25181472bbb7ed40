"""The ASGI application: `create_app(state, ...)`.

    /api/v0/...      the emulated Dynamic admin and SDK API, behind `gateway.ApiGateway`
                     (faults, the request log) and the body cap
    /_emulator/...   control routes (`routes.control`, `routes.control_identity`): no auth,
                     no faults, not logged; behind `guard.ControlGuard` (header, JSON, body cap)

With `loopback_only` (the emulator listens on a loopback address), every request must be
addressed to a loopback `Host` (`guard.LoopbackHostGuard`).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, Router
from starlette.types import Receive, Scope, Send

from pulumi_dynamic_security.emulator.context import DEFAULT_ADMIN_TOKEN, Emulator
from pulumi_dynamic_security.emulator.faults import FaultInjector, FaultSettings
from pulumi_dynamic_security.emulator.gateway import ApiGateway
from pulumi_dynamic_security.emulator.guard import BodyLimit, ControlGuard, LoopbackHostGuard
from pulumi_dynamic_security.emulator.persistence import StateStore
from pulumi_dynamic_security.emulator.routes import (
    control,
    control_identity,
    environments,
    hostnames,
    origins,
    sdk,
    sessions,
    test_accounts,
    tokens,
    webhooks,
)
from pulumi_dynamic_security.emulator.state import State

API_PREFIX = "/api/v0"
CONTROL_PREFIX = "/_emulator"


async def _unknown_route(scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse({"error": "Route not found", "code": "not_found"}, status_code=404)
    await response(scope, receive, send)


def api_routes(emulator: Emulator) -> list[Route]:
    """Every emulated /api/v0 route."""
    return [
        *environments.routes(emulator),
        *origins.routes(emulator),
        *tokens.routes(emulator),
        *sessions.routes(emulator),
        *hostnames.routes(emulator),
        *webhooks.routes(emulator),
        *test_accounts.routes(emulator),
        *sdk.routes(emulator),
    ]


def create_app(
    state: State,
    *,
    admin_token: str = DEFAULT_ADMIN_TOKEN,
    store: StateStore | None = None,
    faults: FaultSettings | None = None,
    loopback_only: bool = True,
) -> Starlette:
    """The emulator app over `state`; `store` persists it after every change.

    The `Emulator` behind the app is `app.state.emulator` (for in-process inspection).
    """
    emulator = Emulator(
        state=state, admin_token=admin_token, store=store, faults=FaultInjector(faults)
    )
    api = Router(routes=api_routes(emulator), redirect_slashes=False, default=_unknown_route)
    control_router = Router(
        routes=[*control.routes(emulator), *control_identity.routes(emulator)],
        redirect_slashes=False, default=_unknown_route,
    )

    async def root(request: Request) -> Response:
        return JSONResponse({"emulator": "dynamic", "api": API_PREFIX, "control": CONTROL_PREFIX})

    app = Starlette(
        routes=[
            Route("/", root, methods=["GET"]),
            Mount(API_PREFIX, app=ApiGateway(BodyLimit(api), emulator)),
            Mount(CONTROL_PREFIX, app=ControlGuard(control_router)),
        ],
        middleware=[Middleware(LoopbackHostGuard, enabled=loopback_only)],
    )
    app.state.emulator = emulator
    return app
