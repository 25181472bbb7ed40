"""The environment's test account (`TestAccountApi`).

    GET    /environments/{environmentId}/test/account   settings.read   TestAccountResponse
    POST   /environments/{environmentId}/test/account   settings.write  201 TestAccountResponse
    DELETE /environments/{environmentId}/test/account   settings.write  204

At most one per environment. The answer holds the static sign-in `code`, as Dynamic's does.
Without a test account, GET and DELETE answer 404 `NotFound` (an assumption: Dynamic does not
document it), and a second POST answers 422 `duplicate_exists`. Dynamic names no scope for
these routes; a test account is part of the environment's sign-in setup, so the settings
scopes guard it. The control route `/_emulator/environments/{id}/test/account` plants or
removes one directly.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pulumi_dynamic_security.emulator import errors, factory, wire
from pulumi_dynamic_security.emulator.context import Emulator
from pulumi_dynamic_security.emulator.routes.common import environment, json, no_content, route
from pulumi_dynamic_security.scopes import SETTINGS_READ, SETTINGS_WRITE

PATH = "/environments/{environment_id}/test/account"


async def get_test_account(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, SETTINGS_READ)
    if env.test_account is None:
        raise errors.not_found("Test account")
    return json(wire.account(env.test_account))


async def create_test_account(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, SETTINGS_WRITE)
    if env.test_account is not None:
        raise errors.unprocessable("This environment already has a test account",
                                   "duplicate_exists")
    account = factory.create_test_account(env)
    emulator.commit()
    return json(wire.account(account), status=201)


async def delete_test_account(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, SETTINGS_WRITE)
    if env.test_account is None:
        raise errors.not_found("Test account")
    env.test_account = None
    emulator.commit()
    return no_content()


def routes(emulator: Emulator) -> list[Route]:
    return [
        route(emulator, PATH, ["GET"], get_test_account),
        route(emulator, PATH, ["POST"], create_test_account),
        route(emulator, PATH, ["DELETE"], delete_test_account),
    ]
