"""Session revocation.

    POST /environments/{environmentId}/users/{userId}/sessions/revoke   users.write   204

Users are not emulated: any user id answers 204 for a known environment. A refusal for a
missing scope uses the `ForbiddenWithErrorAndPayload` body this route declares.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pulumi_dynamic_security.emulator.context import Emulator
from pulumi_dynamic_security.emulator.routes.common import environment, no_content, route
from pulumi_dynamic_security.scopes import USERS_WRITE


async def revoke_user_sessions(request: Request, emulator: Emulator) -> Response:
    environment(request, emulator, USERS_WRITE, payload_error=True)
    return no_content()


def routes(emulator: Emulator) -> list[Route]:
    return [
        route(emulator, "/environments/{environment_id}/users/{user_id}/sessions/revoke",
              ["POST"], revoke_user_sessions),
    ]
