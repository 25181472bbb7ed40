"""End users' sessions and their revocation.

    POST /environments/{environmentId}/users/{userId}/sessions/revoke  users.write  204
    POST /environments/{environmentId}/users/sessions/revoke           users.write  202 {message}
    PUT  /sessions/{sessionId}/revoke                                  users.write  200 Session
    GET  /users/{userId}/sessions/{sessionId}                          users.read   200 Session

Users exist only through their sessions, which the control routes create (one of their own, or
with a minted JWT). Revoking sets `revokedAt` once; revoking again keeps the first time. The
per-user route answers 204 for any user id of a known environment, sessions or not. The
environment-wide route is asynchronous at Dynamic (202, queued); here the sessions are revoked
before it answers. A refusal for a missing scope on the two POST routes uses the
`ForbiddenWithErrorAndPayload` body they declare. The two routes without an environment in
their path look the session up first (404 for an unknown one), then check that the caller may
reach its environment.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pulumi_dynamic_security.emulator import errors, wire
from pulumi_dynamic_security.emulator.auth import require_environment
from pulumi_dynamic_security.emulator.context import Emulator
from pulumi_dynamic_security.emulator.records import Environment, Session
from pulumi_dynamic_security.emulator.routes.common import (
    caller,
    environment,
    json,
    no_content,
    route,
)
from pulumi_dynamic_security.emulator.state import now_ms
from pulumi_dynamic_security.scopes import USERS_READ, USERS_WRITE


def _revoke(sessions: list[Session]) -> int:
    """Revoke the sessions not yet revoked; how many that was."""
    now = now_ms()
    fresh = [s for s in sessions if s.revoked_at is None]
    for session in fresh:
        session.revoked_at = now
    return len(fresh)


def _session(request: Request, emulator: Emulator, scope: str) -> Session:
    principal = caller(request, emulator)
    session = emulator.state.sessions.get(request.path_params["session_id"])
    user_id = request.path_params.get("user_id")
    if session is None or (user_id is not None and session.user_id != user_id):
        raise errors.not_found("Session")
    require_environment(principal, session.environment_id, scope)
    return session


def _revoke_in(emulator: Emulator, env: Environment, user_id: str | None) -> None:
    if _revoke(list(emulator.state.sessions_of(env, user_id))):
        emulator.commit()


async def revoke_user_sessions(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, USERS_WRITE, payload_error=True)
    _revoke_in(emulator, env, request.path_params["user_id"])
    return no_content()


async def revoke_all_sessions(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, USERS_WRITE, payload_error=True)
    _revoke_in(emulator, env, None)
    return json({"message": "Session revocation has been queued"}, status=202)


async def revoke_session(request: Request, emulator: Emulator) -> Response:
    session = _session(request, emulator, USERS_WRITE)
    if _revoke([session]):
        emulator.commit()
    return json(wire.session(session))


async def get_session(request: Request, emulator: Emulator) -> Response:
    return json(wire.session(_session(request, emulator, USERS_READ)))


def routes(emulator: Emulator) -> list[Route]:
    return [
        route(emulator, "/environments/{environment_id}/users/{user_id}/sessions/revoke",
              ["POST"], revoke_user_sessions),
        route(emulator, "/environments/{environment_id}/users/sessions/revoke", ["POST"],
              revoke_all_sessions),
        route(emulator, "/sessions/{session_id}/revoke", ["PUT"], revoke_session),
        route(emulator, "/users/{user_id}/sessions/{session_id}", ["GET"], get_session),
    ]
