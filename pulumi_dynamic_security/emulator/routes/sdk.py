"""The SDK routes (`/sdk/{environmentId}/...`, called by the browser SDK without an API token).

    GET /sdk/{environmentId}/.well-known/jwks        JwksResponse   the signing key, no auth
    GET /sdk/{environmentId}/.well-known/jwks.json   JwksResponse   the same
    GET /sdk/{environmentId}/settings                ProjectSettings
    *   /sdk/{environmentId}/...                     404 (not emulated)

A locked environment (`security.environmentLocked: true`) answers every SDK route but the
JWKS with 403, as Dynamic blocks "all SDK requests to this environment": backends can still
verify the JWTs already issued. An unknown environment is 404 on every route.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pulumi_dynamic_security.emulator import errors, signing, wire
from pulumi_dynamic_security.emulator.context import Emulator
from pulumi_dynamic_security.emulator.records import Environment
from pulumi_dynamic_security.emulator.routes.common import json, known_environment, route

BASE = "/sdk/{environment_id}"
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]


def _environment(request: Request, emulator: Emulator, *, unless_locked: bool) -> Environment:
    env = known_environment(request, emulator)
    if unless_locked and env.settings.get("security", {}).get("environmentLocked") is True:
        raise errors.forbidden("This environment is locked: its SDK requests are blocked")
    return env


async def jwks(request: Request, emulator: Emulator) -> Response:
    env = _environment(request, emulator, unless_locked=False)
    key, made = signing.key_of(env)
    if made:
        emulator.commit()
    return json(wire.jwks(key))


async def settings(request: Request, emulator: Emulator) -> Response:
    env = _environment(request, emulator, unless_locked=True)
    return json(wire.settings(env))


async def not_emulated(request: Request, emulator: Emulator) -> Response:
    _environment(request, emulator, unless_locked=True)
    raise errors.not_found("Route")


def routes(emulator: Emulator) -> list[Route]:
    return [
        route(emulator, BASE + "/.well-known/jwks", ["GET"], jwks),
        route(emulator, BASE + "/.well-known/jwks.json", ["GET"], jwks),
        route(emulator, BASE + "/settings", ["GET"], settings),
        route(emulator, BASE + "/{rest:path}", METHODS, not_emulated),
    ]
