"""Bearer tokens and scopes.

Two kinds of caller:

* the admin token (`--token`, default `dyn_emulator`): every scope, every environment, and
  the organization and project routes, which nothing else may call;
* tokens issued through the API (or planted, or seeded): their own environment only, and
  only what their scopes allow.

Checks run in a fixed order so answers do not leak more than the caller may know: 401 for a
missing or unknown token, then 403 for an environment that is not the token's own (whether
or not it exists), then 403 for a missing scope, and only then 404 for an unknown id.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field

from pulumi_dynamic_security.emulator import errors
from pulumi_dynamic_security.emulator.factory import ADMIN_USER
from pulumi_dynamic_security.emulator.state import State, token_digest
from pulumi_dynamic_security.scopes import TOKEN_SCOPES


@dataclass(frozen=True)
class Principal:
    """Who is calling: the admin, or an issued token bound to one environment."""

    is_admin: bool
    environment_id: str | None
    scopes: frozenset[str]
    user: dict[str, str] = field(hash=False, compare=False)

    def may_reach(self, environment_id: str) -> bool:
        return self.is_admin or self.environment_id == environment_id


def _bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization")
    if not value:
        return None
    scheme, _, credential = value.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        return None
    return credential.strip()


def authenticate(headers: Mapping[str, str], state: State, admin_token: str) -> Principal:
    """The caller behind the request's `Authorization: Bearer` header, or 401."""
    credential = _bearer(headers)
    if credential is None:
        raise errors.unauthorized()
    if hmac.compare_digest(credential.encode("utf-8"), admin_token.encode("utf-8")):
        return Principal(True, None, frozenset(TOKEN_SCOPES), dict(ADMIN_USER))
    token_id = state.tokens_by_digest.get(token_digest(credential))
    if token_id is None:
        raise errors.unauthorized("Invalid token")
    token = state.tokens[token_id]
    return Principal(
        False, token.environment_id, frozenset(token.scopes), dict(token.created_by)
    )


def require_environment(
    principal: Principal, environment_id: str, scope: str, *, payload_error: bool = False
) -> None:
    """403 unless the caller may reach `environment_id` with `scope`.

    `payload_error` selects the `ForbiddenWithErrorAndPayload` body that the
    session-revocation route declares instead of the plain `Forbidden` one.
    """
    problem = None
    if not principal.may_reach(environment_id):
        problem = "This token does not belong to this environment"
    elif scope not in principal.scopes:
        problem = f"This token lacks the scope {scope}"
    if problem is None:
        return
    if payload_error:
        raise errors.forbidden_with_code(problem)
    raise errors.forbidden(problem)


def require_admin(principal: Principal) -> None:
    """403 unless the caller is the admin (organization and project routes)."""
    if not principal.is_admin:
        raise errors.forbidden("Environment API tokens cannot use organization or project routes")
