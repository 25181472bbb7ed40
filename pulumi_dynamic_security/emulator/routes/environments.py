"""Environments and projects.

    GET  /environments/{environmentId}                 settings.read   ProjectEnvironment
    PUT  /environments/{environmentId}                 settings.write  ProjectSettings
    GET  /environments/{environmentId}/keys            settings.read   KeyResponse
    GET  /projects/{projectId}/environments            admin           EnvironmentsResponse
    GET  /projects/{projectId}                         admin           Project
    POST /organizations/{organizationId}/projects      admin           201 CreateProjectResponse

PUT replaces the whole settings document with what was sent, unknown keys and key order
included, once `settings_checks` passes it, and answers it. `security.hCaptcha.secretKey` is
write-only: it is kept aside, never answered, and a PUT without it keeps the previous one
(null or "" clears it).

`GET .../keys` answers the environment's current JWT signing key (made on first use, see
`signing`): its id, which is the `kid` of the JWTs it signs, and its public key.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pulumi_dynamic_security.emulator import (
    errors,
    factory,
    settings_checks,
    signing,
    validation,
    wire,
)
from pulumi_dynamic_security.emulator.auth import require_admin
from pulumi_dynamic_security.emulator.context import Emulator
from pulumi_dynamic_security.emulator.records import Environment
from pulumi_dynamic_security.emulator.routes.common import caller, environment, json, route
from pulumi_dynamic_security.scopes import SETTINGS_READ, SETTINGS_WRITE


async def get_environment(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, SETTINGS_READ)
    return json(wire.environment(env))


async def put_settings(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, SETTINGS_WRITE)
    body = await validation.json_object(request)
    settings_checks.settings_document(body, env.name)
    _take_hcaptcha_secret(env, body)
    if "environmentName" not in body:
        # Every environment's settings carry their name; Dynamic puts it first.
        body = {"environmentName": env.name, **body}
    env.settings = body
    emulator.state.touch(env)
    emulator.commit()
    return json(wire.settings(env))


async def get_keys(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, SETTINGS_READ)
    key, made = signing.key_of(env)
    if made:
        emulator.commit()
    return json(wire.key(key))


def _take_hcaptcha_secret(env: Environment, body: dict[str, Any]) -> None:
    hcaptcha = body["security"].get("hCaptcha")
    if not isinstance(hcaptcha, dict) or "secretKey" not in hcaptcha:
        return  # omitted: the stored secret stays
    secret = hcaptcha.pop("secretKey")
    env.hcaptcha_secret = secret if isinstance(secret, str) and secret else None


async def get_project_environments(request: Request, emulator: Emulator) -> Response:
    require_admin(caller(request, emulator))
    project = emulator.state.projects.get(request.path_params["project_id"])
    if project is None:
        raise errors.not_found("Project")
    envs = emulator.state.environments
    return json(
        {
            "environments": {
                name: wire.environment(envs[project.environment_ids[name]])
                for name in ("live", "sandbox")
            }
        }
    )


async def get_project(request: Request, emulator: Emulator) -> Response:
    require_admin(caller(request, emulator))
    project = emulator.state.projects.get(request.path_params["project_id"])
    if project is None:
        raise errors.not_found("Project")
    return json(wire.project(emulator.state, project))


async def create_project(request: Request, emulator: Emulator) -> Response:
    require_admin(caller(request, emulator))
    organization_id = request.path_params["organization_id"]
    if organization_id not in emulator.state.organizations:
        raise errors.not_found("Organization")
    name = validation.project_name(await validation.json_object(request))
    project = factory.create_project(emulator.state, organization_id=organization_id, name=name)
    emulator.commit()
    return json({"project": wire.project(emulator.state, project)}, status=201)


def routes(emulator: Emulator) -> list[Route]:
    return [
        route(emulator, "/environments/{environment_id}", ["GET"], get_environment),
        route(emulator, "/environments/{environment_id}", ["PUT"], put_settings),
        route(emulator, "/environments/{environment_id}/keys", ["GET"], get_keys),
        route(emulator, "/projects/{project_id}/environments", ["GET"], get_project_environments),
        route(emulator, "/projects/{project_id}", ["GET"], get_project),
        route(emulator, "/organizations/{organization_id}/projects", ["POST"], create_project),
    ]
