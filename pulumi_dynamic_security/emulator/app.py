"""The ASGI application: `create_app(state, ...)`.

    /api/v0/...      the emulated Dynamic admin API, behind `gateway.ApiGateway`
    /_emulator/...   control routes (`routes.control`): no auth, no faults, not logged
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, Router
from starlette.types import Receive, Scope, Send

from pulumi_dynamic_security.emulator.context import DEFAULT_ADMIN_TOKEN, Emulator
from pulumi_dynamic_security.emulator.faults import FaultInjector, FaultSettings
from pulumi_dynamic_security.emulator.gateway import ApiGateway
from pulumi_dynamic_security.emulator.routes import (
    control,
    environments,
    hostnames,
    origins,
    sessions,
    tokens,
)
from pulumi_dynamic_security.emulator.state import State, StateStore

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
    ]


def create_app(
    state: State,
    *,
    admin_token: str = DEFAULT_ADMIN_TOKEN,
    store: StateStore | None = None,
    faults: FaultSettings | None = None,
) -> Starlette:
    """The emulator app over `state`; `store` persists it after every change.

    The `Emulator` behind the app is `app.state.emulator` (for in-process inspection).
    """
    emulator = Emulator(
        state=state, admin_token=admin_token, store=store, faults=FaultInjector(faults)
    )
    api = Router(routes=api_routes(emulator), redirect_slashes=False, default=_unknown_route)
    control_router = Router(routes=control.routes(emulator), redirect_slashes=False)

    async def root(request: Request) -> Response:
        return JSONResponse({"emulator": "dynamic", "api": API_PREFIX, "control": CONTROL_PREFIX})

    app = Starlette(
        routes=[
            Route("/", root, methods=["GET"]),
            Mount(API_PREFIX, app=ApiGateway(api, emulator)),
            Mount(CONTROL_PREFIX, app=control_router),
        ]
    )
    app.state.emulator = emulator
    return app
