"""Control routes under /_emulator: no auth, no faults, not in the request log.

Every control request needs the header `X-Dynsec-Emulator: 1`, and one with a body a JSON
content type (`guard.ControlGuard`). The routes of end users and the issuer (test accounts,
sessions, JWTs, key rotation) are in `control_identity`.

    GET    /_emulator/requests        the request log [{"method", "path", "status"}], oldest first
    DELETE /_emulator/requests        clear it (204)
    GET    /_emulator/faults          the active faults (emulator-only)
    POST   /_emulator/faults          change faults: latency_ms, error_rate, rate_limit,
                                      lost_response_rate, fail_writes_after (+ emulator-only
                                      seed, rate_window_seconds); answers the active faults;
                                      400 for an unknown fault, 422 for a value that is not
                                      a finite number in range (nothing is applied then)
    POST   /_emulator/environments/{id}/tokens
                                      plant a token {"note", "scopes", "created_at"}; answers
                                      201 as the create endpoint does (raw token included)
    POST   /_emulator/environments/{id}/custom/hostnames/{hostnameId}
                                      set a hostname's {"status"} (and optional "errors")
    POST   /_emulator/reset           {"seed": "demo"|"empty"}: fresh state, empty log, no
                                      faults (emulator-only)
    GET    /_emulator/state           the whole state as the --state file holds it, token
                                      digests only (emulator-only)
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pulumi_dynamic_security.emulator import errors, factory, persistence, seeds, validation, wire
from pulumi_dynamic_security.emulator.context import Emulator
from pulumi_dynamic_security.emulator.faults import FaultError
from pulumi_dynamic_security.emulator.routes.common import (
    json,
    known_environment,
    no_content,
    route,
)
from pulumi_dynamic_security.emulator.state import now_ms, parse_iso


async def get_requests(request: Request, emulator: Emulator) -> Response:
    return json([record.to_json() for record in emulator.requests])


async def clear_requests(request: Request, emulator: Emulator) -> Response:
    emulator.requests.clear()
    return no_content()


async def get_faults(request: Request, emulator: Emulator) -> Response:
    return json(emulator.faults.describe())


async def set_faults(request: Request, emulator: Emulator) -> Response:
    body = await validation.json_object(request, non_finite=True)
    try:
        emulator.faults.update(body)
    except FaultError as exc:
        if exc.unknown:
            raise errors.bad_request(str(exc)) from exc
        raise errors.unprocessable(str(exc), "invalid_update") from exc
    return json(emulator.faults.describe())


async def reset(request: Request, emulator: Emulator) -> Response:
    body = await validation.json_object(request, optional=True)
    seed = body.get("seed", seeds.DEFAULT_SEED)
    if seed not in seeds.SEEDS:
        raise errors.bad_request(f"unknown seed {seed!r}; known: {', '.join(seeds.SEEDS)}")
    emulator.reset(seed)
    return json({"seed": seed})


async def get_state(request: Request, emulator: Emulator) -> Response:
    return json(persistence.dump(emulator.state))


async def plant_token(request: Request, emulator: Emulator) -> Response:
    env = known_environment(request, emulator)
    body = await validation.json_object(request)
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        raise errors.bad_request("note must be a string")
    scopes = validation.scopes(body.get("scopes"))
    created_at = now_ms()
    if body.get("created_at") is not None:
        try:
            created_at = parse_iso(str(body["created_at"]))
        except ValueError as exc:
            raise errors.bad_request(f"created_at is not an ISO-8601 time: {exc}") from exc
    token, raw = factory.create_token(
        emulator.state, env, note=note, scopes=scopes, created_by=factory.ADMIN_USER,
        created_at=created_at,
    )
    emulator.commit()
    return json(wire.token_with_raw(token, raw), status=201)


async def set_hostname_status(request: Request, emulator: Emulator) -> Response:
    env = known_environment(request, emulator)
    hostname_id = request.path_params["hostname_id"]
    if hostname_id not in env.hostname_ids:
        raise errors.not_found("Custom hostname")
    body = await validation.json_object(request)
    status = body.get("status")
    if status not in validation.HOSTNAME_STATUSES:
        raise errors.bad_request(
            f"status must be one of {', '.join(validation.HOSTNAME_STATUSES)}"
        )
    item = emulator.state.hostnames[hostname_id]
    item.status = status
    problems = body.get("errors")
    item.errors = problems if isinstance(problems, str) else None
    emulator.commit()
    return json(wire.hostname(item))


def routes(emulator: Emulator) -> list[Route]:
    return [
        route(emulator, "/requests", ["GET"], get_requests),
        route(emulator, "/requests", ["DELETE"], clear_requests),
        route(emulator, "/faults", ["GET"], get_faults),
        route(emulator, "/faults", ["POST"], set_faults),
        route(emulator, "/reset", ["POST"], reset),
        route(emulator, "/state", ["GET"], get_state),
        route(emulator, "/environments/{environment_id}/tokens", ["POST"], plant_token),
        route(emulator, "/environments/{environment_id}/custom/hostnames/{hostname_id}",
              ["POST"], set_hostname_status),
    ]
