"""Control routes for what end users and Dynamic's issuer do (tests of incident response and
backend verification). Same rules as every control route: header, JSON body, no faults, not
in the request log.

    POST   /_emulator/environments/{id}/test/account         plant a test account {"code",
                                                             "email", "phone"} (all optional;
                                                             replaces one); 201 as the API's
    DELETE /_emulator/environments/{id}/test/account         remove it (204, none or not)
    POST   /_emulator/environments/{id}/users/{userId}/sessions
                                                             a session of that user
                                                             {"ip_address", "user_agent"};
                                                             201 Session
    POST   /_emulator/environments/{id}/jwt                  mint an end-user JWT (see `jwts`);
                                                             201 {"jwt", "header", "claims",
                                                             "session"}
    POST   /_emulator/environments/{id}/keys/rotate          a new signing key; the old one
                                                             leaves the JWKS at once; answers
                                                             {"key": {"id", "publicKey"},
                                                             "previousKeyId"}
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pulumi_dynamic_security.emulator import errors, factory, jwts, signing, validation, wire
from pulumi_dynamic_security.emulator.context import Emulator
from pulumi_dynamic_security.emulator.routes.common import (
    json,
    known_environment,
    no_content,
    route,
)
from pulumi_dynamic_security.emulator.state import now_ms

MAX_FIELD = 255


def _optional_text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and (not isinstance(value, str) or not value
                              or len(value) > MAX_FIELD):
        raise errors.bad_request(f"{key} must be a non-empty string of at most {MAX_FIELD} "
                                 "characters")
    return value


async def plant_test_account(request: Request, emulator: Emulator) -> Response:
    env = known_environment(request, emulator)
    body = await validation.json_object(request, optional=True)
    account = factory.create_test_account(
        env, code=_optional_text(body, "code"), email=_optional_text(body, "email"),
        phone=_optional_text(body, "phone"),
    )
    emulator.commit()
    return json(wire.account(account), status=201)


async def remove_test_account(request: Request, emulator: Emulator) -> Response:
    env = known_environment(request, emulator)
    if env.test_account is not None:
        env.test_account = None
        emulator.commit()
    return no_content()


async def create_session(request: Request, emulator: Emulator) -> Response:
    env = known_environment(request, emulator)
    body = await validation.json_object(request, optional=True)
    session = factory.create_session(
        emulator.state, env, request.path_params["user_id"],
        ip_address=_optional_text(body, "ip_address"),
        user_agent=_optional_text(body, "user_agent"),
    )
    emulator.commit()
    return json(wire.session(session), status=201)


async def mint_jwt(request: Request, emulator: Emulator) -> Response:
    env = known_environment(request, emulator)
    wanted = jwts.mint_request(await validation.json_object(request, optional=True), env)
    key, _ = signing.key_of(env)
    kid = wanted.kid or key.kid
    session = factory.create_session(emulator.state, env, wanted.sub)
    claims = jwts.claims(wanted, env, host=request.url.netloc, session_id=session.id, kid=kid,
                         now=now_ms())
    signer = signing.stranger() if wanted.wrong_key else key
    try:
        token = signing.sign(claims, signer, kid=kid)
    except TypeError as exc:  # a claim JSON cannot carry (they came from JSON, so none)
        raise errors.bad_request(f"claims cannot be signed: {exc}") from exc
    emulator.commit()
    header = {"alg": signing.ALGORITHM, "kid": kid, "typ": "JWT"}
    return json({"jwt": token, "header": header, "claims": claims,
                 "session": wire.session(session)}, status=201)


async def rotate_key(request: Request, emulator: Emulator) -> Response:
    env = known_environment(request, emulator)
    await validation.json_object(request, optional=True)
    previous = env.signing_key.kid if env.signing_key is not None else None
    key = signing.rotate(env)
    emulator.commit()
    return json({**wire.key(key), "previousKeyId": previous})


def routes(emulator: Emulator) -> list[Route]:
    env = "/environments/{environment_id}"
    return [
        route(emulator, env + "/test/account", ["POST"], plant_test_account),
        route(emulator, env + "/test/account", ["DELETE"], remove_test_account),
        route(emulator, env + "/users/{user_id}/sessions", ["POST"], create_session),
        route(emulator, env + "/jwt", ["POST"], mint_jwt),
        route(emulator, env + "/keys/rotate", ["POST"], rotate_key),
    ]
