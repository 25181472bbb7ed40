"""End-user JWTs as Dynamic issues them, minted by the control route
`POST /_emulator/environments/{id}/jwt` for tests of backend verification.

The claims carry Dynamic's wire names (`MinifiedDynamicJwt`): `kid`, `aud`, `iss`, `sub`,
`sid`, `environment_id`, `last_verified_credential_id`, `scope`, `iat`, `exp`; the header is
`{"alg": "RS256", "typ": "JWT", "kid"}`. `iss` is `<host>/<environment id>`, where the host is
the one the request was sent to (`127.0.0.1:8787`), as Dynamic's is its API host
(`app.dynamicauth.com/<environment id>`), without a scheme.

The body (every member optional):

    sub          the user id (default: a new uuid)
    scope        a space-separated string or an array (default "user:basic")
    aud          the audience, the origin of the client site (default "http://localhost:3000")
    ttl_seconds  lifetime, 1 s to 30 days (default: the environment's jwtDuration)
    expired      true: `exp` five minutes in the past
    wrong_key    true: signed with a key that is not in the environment's JWKS (same `kid`)
    kid          a `kid` to use instead of the environment's (header and claim)
    claims       claims to set last, over the ones above; null removes a claim

Minting also creates the session `sid` for `sub`, so revoking the user's sessions revokes
what this JWT stands for (the JWT itself stays valid until it expires, as with Dynamic).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pulumi_dynamic_security.emulator import errors
from pulumi_dynamic_security.emulator.records import Environment
from pulumi_dynamic_security.emulator.settings_checks import TIME_UNITS_IN_MINUTES

DEFAULT_SCOPE = "user:basic"
DEFAULT_AUDIENCE = "http://localhost:3000"
MAX_TTL_SECONDS = 30 * 24 * 3600
EXPIRED_SECONDS_AGO = 300
MAX_TEXT = 1000
KNOWN = frozenset({"sub", "scope", "aud", "ttl_seconds", "expired", "wrong_key", "kid", "claims"})


@dataclass(frozen=True)
class MintRequest:
    sub: str
    scope: str
    aud: str
    ttl_seconds: int
    expired: bool
    wrong_key: bool
    kid: str | None
    claims: dict[str, Any]


def _text(body: dict[str, Any], key: str, default: str | None) -> str | None:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise errors.bad_request(f"{key} must be a non-empty string of at most {MAX_TEXT} "
                                 "characters")
    return value


def _flag(body: dict[str, Any], key: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise errors.bad_request(f"{key} must be true or false")
    return value


def _scope(value: object) -> str:
    if value is None:
        return DEFAULT_SCOPE
    items = value.split() if isinstance(value, str) else value
    if not isinstance(items, list) or not all(
            isinstance(i, str) and i and not any(c.isspace() for c in i) for i in items):
        raise errors.bad_request("scope must be a space-separated string or an array of "
                                 "scope names")
    return " ".join(items)


def default_ttl_seconds(environment: Environment) -> int:
    """The environment's `security.jwtDuration` in seconds (2 hours when it has none)."""
    duration = environment.settings.get("security", {}).get("jwtDuration")
    if isinstance(duration, dict) and duration.get("unit") in TIME_UNITS_IN_MINUTES:
        amount = duration.get("amount")
        if isinstance(amount, int) and not isinstance(amount, bool) and amount > 0:
            return min(amount * TIME_UNITS_IN_MINUTES[duration["unit"]] * 60, MAX_TTL_SECONDS)
    return 2 * 3600


def mint_request(body: dict[str, Any], environment: Environment) -> MintRequest:
    """The mint body, checked (400 for a member of the wrong type or an unknown member)."""
    unknown = sorted(set(body) - KNOWN)
    if unknown:
        raise errors.bad_request(f"unknown member(s): {', '.join(unknown)}; known: "
                                 f"{', '.join(sorted(KNOWN))}")
    ttl = body.get("ttl_seconds")
    if ttl is None:
        ttl = default_ttl_seconds(environment)
    elif isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
        raise errors.bad_request("ttl_seconds must be a number")
    elif not math.isfinite(ttl) or ttl != int(ttl) or not 1 <= ttl <= MAX_TTL_SECONDS:
        raise errors.unprocessable(
            f"ttl_seconds must be a whole number from 1 to {MAX_TTL_SECONDS}", "invalid_update")
    claims = body.get("claims")
    if claims is None:
        claims = {}
    elif not isinstance(claims, dict):
        raise errors.bad_request("claims must be an object")
    return MintRequest(
        sub=_text(body, "sub", None) or str(uuid.uuid4()),
        scope=_scope(body.get("scope")),
        aud=_text(body, "aud", DEFAULT_AUDIENCE) or DEFAULT_AUDIENCE,
        ttl_seconds=int(ttl),
        expired=_flag(body, "expired"),
        wrong_key=_flag(body, "wrong_key"),
        kid=_text(body, "kid", None),
        claims=claims,
    )


def claims(request: MintRequest, environment: Environment, *, host: str, session_id: str,
           kid: str, now: datetime) -> dict[str, Any]:
    """The JWT's claims, in the order Dynamic's tokens list them."""
    issued = int(now.timestamp())
    expires = issued + request.ttl_seconds
    if request.expired:
        expires = issued - EXPIRED_SECONDS_AGO
        issued = expires - request.ttl_seconds
    body: dict[str, Any] = {
        "kid": kid,
        "aud": request.aud,
        "iss": f"{host}/{environment.id}",
        "sub": request.sub,
        "sid": session_id,
        "environment_id": environment.id,
        "last_verified_credential_id": str(uuid.uuid5(uuid.NAMESPACE_URL, request.sub)),
        "scope": request.scope,
        "iat": issued,
        "exp": expires,
    }
    for name, value in request.claims.items():
        if value is None:
            body.pop(name, None)
        else:
            body[name] = value
    return body
