"""Allowed origins (CORS).

    GET    /environments/{environmentId}/origins   settings.read   OriginsResponse
    POST   /environments/{environmentId}/origins   settings.write  201 InlineResponse201
    DELETE /origins/{originId}                     settings.write  204

Every add and delete moves the environment's `updatedAt`. Origins are compared without
regard to case when looking for duplicates (422 `duplicate_exists`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pulumi_dynamic_security.emulator import errors, factory, validation, wire
from pulumi_dynamic_security.emulator.auth import require_environment
from pulumi_dynamic_security.emulator.context import Emulator
from pulumi_dynamic_security.emulator.routes.common import (
    caller,
    environment,
    json,
    no_content,
    route,
)
from pulumi_dynamic_security.scopes import SETTINGS_READ, SETTINGS_WRITE


async def list_origins(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, SETTINGS_READ)
    return json({"origins": [wire.origin(o) for o in emulator.state.origins_of(env)]})


async def add_origin(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, SETTINGS_WRITE)
    value = validation.origin(await validation.json_object(request, origins_route=True))
    wanted = value.lower()
    if any(o.origin.lower() == wanted for o in emulator.state.origins_of(env)):
        raise errors.unprocessable(f"Origin {value} already exists", "duplicate_exists")
    origin = factory.create_origin(emulator.state, env, value)
    emulator.commit()
    return json({"origin": wire.origin(origin)}, status=201)


async def delete_origin(request: Request, emulator: Emulator) -> Response:
    principal = caller(request, emulator)
    origin = emulator.state.origins.get(request.path_params["origin_id"])
    if origin is None:
        raise errors.not_found("Origin")
    require_environment(principal, origin.environment_id, SETTINGS_WRITE)
    emulator.state.remove_origin(origin.id)
    emulator.state.touch(emulator.state.environments[origin.environment_id])
    emulator.commit()
    return no_content()


def routes(emulator: Emulator) -> list[Route]:
    return [
        route(emulator, "/environments/{environment_id}/origins", ["GET"], list_origins),
        route(emulator, "/environments/{environment_id}/origins", ["POST"], add_origin),
        route(emulator, "/origins/{origin_id}", ["DELETE"], delete_origin),
    ]
