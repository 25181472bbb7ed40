"""The API's exception tree: every HTTP outcome a caller can meet, typed (exit 4).

    errors.DynamicApiError              exit 4 (pulumi_dynamic_security.errors)
    └── ApiError                        one failed call: method, route, status, code, detail
        ├── UnauthorizedError           401: the token is wrong, revoked or missing
        ├── ForbiddenError              403: the token lacks a scope (`required_scope`)
        ├── NotFoundError               404: an unknown id
        ├── InvalidRequestError         400/422: Dynamic refused the values (`code`)
        ├── RateLimitedError            429, still, after every retry
        ├── ServerError                 5xx after retries (`outcome_unknown` for a write)
        ├── TransportError              refused connection, timeout, dropped connection
        └── UnexpectedResponseError     any other status, or a body we cannot read

Callers never parse HTTP: `client.py` maps each response here at the boundary. Messages are
ours (what failed, which call, what to do); Dynamic's own words go in `detail`, redacted,
and are shown after our sentence, never as the advice. `route` is the request's path, which
holds ids and never a credential.

`outcome_unknown` is true when a write may or may not have been committed (the connection
dropped after sending, a timeout, a 5xx): the client reconciles those itself for origins,
tokens and custom hostnames, and passes the flag on for anything else.
"""

from __future__ import annotations

from typing import Any

from pulumi_dynamic_security.api.routes import Route
from pulumi_dynamic_security.bounded_json import loads as bounded_loads
from pulumi_dynamic_security.errors import DynamicApiError
from pulumi_dynamic_security.escaping import ECHO_LIMIT, clip
from pulumi_dynamic_security.redaction import redact

TOKEN_HINT = (
    "Check DYNAMIC_API_TOKEN / the stage's token_env / --token-file, and that the token "
    "belongs to this environment."
)
# Vendor text is attached for context, not pasted in full: one or two sentences of it (a
# value echoed in our own words is cut shorter, see `escaping.echo`).
_DETAIL_MAX = 300


class ApiError(DynamicApiError):
    """One API call that failed; the base of every class below."""

    def __init__(
        self,
        message: str,
        *,
        method: str,
        route: str,
        status: int | None = None,
        code: str | None = None,
        detail: str | None = None,
        hint: str | None = None,
        attempts: int = 1,
        outcome_unknown: bool = False,
    ) -> None:
        detail = _clip(redact(detail)) if detail else None
        super().__init__(redact(message), hint=hint, detail=detail)
        self.method = method
        self.route = route
        self.status = status
        self.code = code
        self.attempts = attempts
        self.outcome_unknown = outcome_unknown

    def __reduce__(self) -> tuple[Any, ...]:
        # The keyword-only constructor defeats Exception's default pickling (a process pool
        # sends exceptions back pickled); rebuild from the instance's state instead.
        return (_rebuild, (type(self), self.args, self.__dict__.copy()))

    @property
    def call(self) -> str:
        """The API call as the user reads it, e.g. `PUT /environments/<id>`."""
        return f"{self.method} {self.route}"


class UnauthorizedError(ApiError):
    """401: Dynamic did not accept the token at all."""


class ForbiddenError(ApiError):
    """403: the token is valid but may not make this call; `required_scope` names why."""

    required_scope: str | None = None


class NotFoundError(ApiError):
    """404: the environment, project, origin, token or hostname does not exist."""


class InvalidRequestError(ApiError):
    """400/422: Dynamic refused the values sent; `code` is Dynamic's reason, when given."""


class RateLimitedError(ApiError):
    """429 on every attempt: the budget is above what Dynamic allows right now."""


class ServerError(ApiError):
    """5xx after retries (a write is not retried blindly: see `outcome_unknown`)."""


class TransportError(ApiError):
    """The request did not complete: connection refused, timeout, connection dropped."""


class UnexpectedResponseError(ApiError):
    """A status this client does not expect, or a body it cannot read."""


def _rebuild(cls: type[ApiError], args: tuple[Any, ...], state: dict[str, Any]) -> ApiError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


def _clip(text: str) -> str:
    return clip(" ".join(text.split()), _DETAIL_MAX)


def error_fields(body: bytes) -> tuple[str | None, str | None]:
    """Dynamic's `code` and its own words from an error body, whatever shape it has (read
    within the bounds of `bounded_json`; a body past them carries nothing we show)."""
    try:
        data = bounded_loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace").strip()
        # Plain text (a proxy's error page) is shown; broken or too deep JSON is not.
        return None, text if text and text[0] not in "[{" else None
    code: str | None = None
    detail: str | None = None
    if isinstance(data, dict):
        if isinstance(data.get("code"), str):
            code = data["code"]
        error = data.get("error")
        if isinstance(error, dict):  # ForbiddenWithErrorAndPayload: {"error": {code, message}}
            if code is None and isinstance(error.get("code"), str):
                code = error["code"]
            if isinstance(error.get("message"), str):
                detail = error["message"]
        elif isinstance(error, str):
            detail = error
        if detail is None and isinstance(data.get("message"), str):
            detail = data["message"]
    elif isinstance(data, str):
        detail = data
    return code, detail


# Dynamic's 422 codes that have a clear next step of our own.
_CODE_HINTS = {
    "invalid_cors_origins": "An origin must look like scheme://host[:port] "
    "(http, https, chrome-extension or moz-extension; no path; at most one '*').",
    "duplicate_exists": "It already exists: the environment changed meanwhile; run plan again.",
    "too_many_api_tokens": "The environment holds as many API tokens as Dynamic allows: "
    "revoke unused ones first.",
    "invalid_scopes": "Use scopes from Dynamic's list, e.g. environment.settings.read.",
}


def error_for_status(
    route: Route,
    path: str,
    status: int,
    *,
    code: str | None = None,
    detail: str | None = None,
    attempts: int = 1,
    outcome_unknown: bool = False,
) -> ApiError:
    """The typed error for a response with a failing status (after the transport's retries)."""
    call = f"{route.method} {path}"
    common: dict[str, Any] = {
        "method": route.method,
        "route": path,
        "status": status,
        "code": code,
        "detail": detail,
        "attempts": attempts,
    }
    if status == 401:
        return UnauthorizedError(
            f"Dynamic rejected the API token (401 Unauthorized) on {call}.",
            hint=TOKEN_HINT,
            **common,
        )
    if status == 403:
        return _forbidden(route, call, common)
    if status == 404:
        return NotFoundError(
            f"Dynamic has no such {route.resource} ({call} answered 404 Not Found).",
            hint=_not_found_hint(route),
            **common,
        )
    if status in (400, 422):
        reason = f"{status} {clip(code, ECHO_LIMIT)}" if code else str(status)
        return InvalidRequestError(
            f"Dynamic refused {call} ({reason}).",
            hint=_CODE_HINTS.get(code or "", "Fix the value in the policy file and try again."),
            **common,
        )
    tries = _attempts(attempts)
    if status == 429:
        return RateLimitedError(
            f"Dynamic kept answering 429 Too Many Requests to {call} {tries}.",
            hint="Lower --max-requests-per-minute (DYNSEC_MAX_REQUESTS_PER_MINUTE) or wait a "
            "minute and run again; other clients behind the same IP count too.",
            **common,
        )
    if 500 <= status <= 599:
        return ServerError(
            f"Dynamic answered {status} to {call} {tries}{_maybe_applied(outcome_unknown)}.",
            hint=_retry_later_hint(outcome_unknown),
            outcome_unknown=outcome_unknown,
            **common,
        )
    return UnexpectedResponseError(
        f"Dynamic answered {call} with an unexpected status {status}.",
        hint="Dynamic's API may have changed: run again with --debug and report it.",
        **common,
    )


def transport_error(
    route: Route,
    path: str,
    reason: str,
    *,
    attempts: int = 1,
    outcome_unknown: bool = False,
) -> TransportError:
    """The typed error for a request that got no response (`reason`: what the network did)."""
    call = f"{route.method} {path}"
    return TransportError(
        f"Could not complete {call}: {reason} {_attempts(attempts)}"
        f"{_maybe_applied(outcome_unknown)}.",
        hint="Check the network and the API URL (DYNAMIC_API_URL / --api-url). "
        + _retry_later_hint(outcome_unknown),
        method=route.method,
        route=path,
        attempts=attempts,
        outcome_unknown=outcome_unknown,
    )


def unreadable_response(route: Route, path: str, status: int, problem: str) -> ApiError:
    """A success status whose body is not what the API promises."""
    return UnexpectedResponseError(
        f"Dynamic answered {route.method} {path} with {status} but a body this tool cannot "
        f"read ({problem}).",
        hint="Dynamic's API may have changed: run again with --debug and report it.",
        method=route.method,
        route=path,
        status=status,
    )


def _forbidden(route: Route, call: str, common: dict[str, Any]) -> ForbiddenError:
    if route.scope is None:
        hint = (
            "This call needs an organization (admin) token; an environment API token "
            "cannot make it."
        )
    else:
        hint = (
            f"The token lacks scope {route.scope} (or belongs to another environment): use "
            f"a token of this environment that has it (the stage's token_env or "
            f"--token-file), or issue one in the Dynamic dashboard."
        )
    error = ForbiddenError(
        f"The API token may not call {call} (403 Forbidden).", hint=hint, **common
    )
    error.required_scope = route.scope
    return error


def _not_found_hint(route: Route) -> str:
    if route.resource == "environment":
        return (
            "Check the stage's environment_id in the policy file (or --environment-id), "
            "that the token belongs to that environment, and that the API URL "
            "(DYNAMIC_API_URL / --api-url) ends in /api/v0."
        )
    if route.resource in {"project", "organization"}:
        return f"Check the {route.resource} id and that the token belongs to it."
    return f"The {route.resource} may have been deleted meanwhile: run plan again."


def _attempts(attempts: int) -> str:
    return "on the only attempt" if attempts <= 1 else f"after {attempts} attempts"


def _maybe_applied(outcome_unknown: bool) -> str:
    return "; the write may or may not have been applied" if outcome_unknown else ""


def _retry_later_hint(outcome_unknown: bool) -> str:
    if outcome_unknown:
        return "Run plan again to see what was applied, then apply again (a re-run converges)."
    return "Run the command again later (a re-run converges)."
