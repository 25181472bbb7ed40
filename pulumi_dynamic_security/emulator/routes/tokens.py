"""Environment API tokens.

    GET    /environments/{environmentId}/tokens             apiTokens.read   TokensResponse
    POST   /environments/{environmentId}/tokens             apiTokens.write  201 CreateTokenResponse
    DELETE /environments/{environmentId}/tokens/{tokenId}   apiTokens.write  204

The raw token appears in the create answer only. Issued tokens authenticate at once, with
their scopes, on their own environment. The admin token is not a record and is never listed.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pulumi_dynamic_security.emulator import errors, factory, validation, wire
from pulumi_dynamic_security.emulator.context import Emulator
from pulumi_dynamic_security.emulator.routes.common import environment, json, no_content, route
from pulumi_dynamic_security.scopes import TOKENS_READ, TOKENS_WRITE


async def list_tokens(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, TOKENS_READ)
    return json({"tokens": [wire.token(t) for t in emulator.state.tokens_of(env)]})


async def create_token(request: Request, emulator: Emulator) -> Response:
    principal, env = environment(request, emulator, TOKENS_WRITE)
    note, scopes = validation.token_fields(await validation.json_object(request))
    token, raw = factory.create_token(
        emulator.state, env, note=note, scopes=scopes, created_by=principal.user
    )
    emulator.commit()
    return json(wire.token_with_raw(token, raw), status=201)


async def delete_token(request: Request, emulator: Emulator) -> Response:
    _, env = environment(request, emulator, TOKENS_WRITE)
    token_id = request.path_params["token_id"]
    if token_id not in env.token_ids:
        raise errors.not_found("Token")
    emulator.state.remove_token(token_id)
    emulator.commit()
    return no_content()


def routes(emulator: Emulator) -> list[Route]:
    return [
        route(emulator, "/environments/{environment_id}/tokens", ["GET"], list_tokens),
        route(emulator, "/environments/{environment_id}/tokens", ["POST"], create_token),
        route(emulator, "/environments/{environment_id}/tokens/{token_id}", ["DELETE"],
              delete_token),
    ]
