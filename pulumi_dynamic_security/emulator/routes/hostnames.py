"""Custom hostnames (the domain cookie authentication needs).

    GET    /environments/{environmentId}/custom/hostnames                  settings.read
    POST   /environments/{environmentId}/custom/hostnames                  settings.write  201
    DELETE /environments/{environmentId}/custom/hostnames/{hostnameId}     settings.write  204

Dynamic's documents give no scope for these routes; they are environment settings, so the
settings scopes guard them. A new hostname starts `pending` with its DNS records; the control
route `POST /_emulator/environments/{id}/custom/hostnames/{hostnameId}` plays DNS verification.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pulumi_dynamic_security.emulator import errors, factory, validation, wire
from pulumi_dynamic_security.emulator.context import Emulator
from pulumi_dynamic_security.emulator.routes.common import environment, json, no_content, route
from pulumi_dynamic_security.scopes import SETTINGS_READ, SETTINGS_WRITE

BASE = "/environments/{environment_id}/custom/hostnames"


async def list_hostnames(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, SETTINGS_READ)
    items = [wire.hostname(h) for h in emulator.state.hostnames_of(env)]
    return json({"customHostnames": items})


async def create_hostname(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, SETTINGS_WRITE)
    hostname, usage = validation.hostname_request(await validation.json_object(request))
    if any(h.hostname == hostname for h in emulator.state.hostnames_of(env)):
        raise errors.unprocessable(f"Hostname {hostname} already exists", "duplicate_exists")
    item = factory.create_hostname(emulator.state, env, hostname=hostname, usage=usage)
    emulator.commit()
    return json(wire.hostname(item), status=201)


async def delete_hostname(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, SETTINGS_WRITE)
    hostname_id = request.path_params["hostname_id"]
    if hostname_id not in env.hostname_ids:
        raise errors.not_found("Custom hostname")
    emulator.state.remove_hostname(hostname_id)
    emulator.commit()
    return no_content()


def routes(emulator: Emulator) -> list[Route]:
    return [
        route(emulator, BASE, ["GET"], list_hostnames),
        route(emulator, BASE, ["POST"], create_hostname),
        route(emulator, BASE + "/{hostname_id}", ["DELETE"], delete_hostname),
    ]
