"""Request validation with the status codes and error codes Dynamic uses.

Convention: a request that is not the shape the client declares (not JSON, a required
member missing, a member of the wrong type) answers 400 `BadRequest`; a well-formed request
that breaks a rule answers 422 `UnprocessableEntity` with the closest code of
`UnprocessableEntityErrorCode` (`invalid_cors_origins`, `duplicate_exists`, `invalid_scopes`,
`invalid_custom_hostname`, and `invalid_update` for settings, token and webhook fields).
The settings document's own checks are in `settings_checks`.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from starlette.requests import Request

from pulumi_dynamic_security.emulator import errors
from pulumi_dynamic_security.scopes import TOKEN_SCOPES

# From the vendor's OpenAPI schema `origin`; the look-ahead allows at most one `*`.
ORIGIN_PATTERN = re.compile(
    r"(https?|chrome-extension|moz-extension)://(?!.*(\*).*(\*).*)[*a-zA-Z0-9._-]{1,256}"
    r"(:[*0-9]{1,5})?"
)
HOSTNAME_PATTERN = re.compile(
    r"(?=.{1,253}\Z)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]"
)
# From the vendor's OpenAPI schema `HTTPSUrlOrSNSArn`: an https URL with a lower-case DNS
# name (no port, no IP address), or an SNS topic ARN.
WEBHOOK_URL_PATTERN = re.compile(
    r"https://[a-z0-9]+([-.]+[a-z0-9]+)*\.[a-z]{2,10}(/.*)?"
    r"|arn:aws:sns:[a-z0-9-]*:[0-9]{12}:[a-zA-Z0-9_-]+"
)
WEBHOOK_URL_MAX_LENGTH = 2048
HOSTNAME_USAGES = ("cookies", "globalWallet")
HOSTNAME_STATUSES = ("active", "pending", "error")
NOTE_MAX_LENGTH = 100
PROJECT_NAME_MAX_LENGTH = 255
MAX_JSON_DEPTH = 32  # settings documents nest 6 levels; no request needs more than this


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _too_deep(value: object) -> bool:
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            return True
        if isinstance(item, dict):
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
    return False


def parse_json(raw: bytes, *, non_finite: bool = False) -> object:
    """A request body as JSON, bounded so that nothing it holds can break a later answer.

    Refused (ValueError): text that is not JSON or not UTF-8, nesting deeper than
    `MAX_JSON_DEPTH`, strings that cannot be written back (lone surrogates), and, unless
    `non_finite`, `NaN`, `Infinity` and numbers too large for a float. The control routes
    pass `non_finite=True` so that a fault value of NaN reaches its own check (422).
    """
    try:
        if non_finite:
            body = json.loads(raw)
        else:
            body = json.loads(raw, parse_float=_finite, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels") from None
    if _too_deep(body):
        raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("holds text that is not valid Unicode") from None
    return body


async def json_object(request: Request, *, origins_route: bool = False,
                      optional: bool = False, non_finite: bool = False) -> dict[str, Any]:
    """The request body as a JSON object, or 400. An empty body is `{}` when `optional`."""
    raw = await request.body()
    if not raw and optional:
        return {}
    try:
        body = parse_json(raw, non_finite=non_finite) if raw else None
    except (ValueError, UnicodeDecodeError) as exc:
        reason = str(exc) if not isinstance(exc, UnicodeDecodeError) else "not UTF-8"
        if isinstance(exc, json.JSONDecodeError):
            reason = "not valid JSON"
        raise errors.bad_request(
            f"Request body is not valid JSON ({reason})", with_status=origins_route
        ) from exc
    if not isinstance(body, dict):
        raise errors.bad_request("Request body must be a JSON object", with_status=origins_route)
    return body


def origin(body: dict[str, Any]) -> str:
    """The `origin` of an `InlineObject` body; 400 when absent, 422 when not a valid origin."""
    value = body.get("origin")
    if not isinstance(value, str):
        raise errors.bad_request("origin is required and must be a string", with_status=True)
    if ORIGIN_PATTERN.fullmatch(value) is None:
        raise errors.unprocessable(
            f"Invalid CORS origin {value!r}: expected scheme://host[:port] with at most one *",
            "invalid_cors_origins",
        )
    return value


def _invalid(message: str) -> errors.ApiError:
    return errors.unprocessable(message, "invalid_update")


def token_fields(body: dict[str, Any]) -> tuple[str, list[str]]:
    """`PostTokenFields`: `note` (required, at most 100 characters) and `scopes`."""
    note = body.get("note")
    if not isinstance(note, str):
        raise errors.bad_request("note is required and must be a string")
    if len(note) > NOTE_MAX_LENGTH:
        raise _invalid(f"note is {len(note)} characters long; the maximum is {NOTE_MAX_LENGTH}")
    return note, scopes(body.get("scopes"))


def scopes(value: object) -> list[str]:
    """Token scopes: absent means none; anything outside `TokenScopes` is 422 invalid_scopes."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise errors.unprocessable("scopes must be an array of token scopes", "invalid_scopes")
    unknown = [item for item in value if item not in TOKEN_SCOPES]
    if unknown:
        raise errors.unprocessable(
            f"Unknown token scopes: {', '.join(map(str, unknown))}", "invalid_scopes"
        )
    # Keep the caller's order, drop repeats.
    return list(dict.fromkeys(value))


def hostname_request(body: dict[str, Any]) -> tuple[str, str]:
    """`CustomHostnameCreateRequest`: a DNS name and its usage."""
    hostname, usage = body.get("hostname"), body.get("usage")
    if not isinstance(hostname, str) or not isinstance(usage, str):
        raise errors.bad_request("hostname and usage are required strings")
    if usage not in HOSTNAME_USAGES:
        raise errors.bad_request(f"usage must be one of {', '.join(HOSTNAME_USAGES)}")
    normalized = hostname.strip().lower()
    if HOSTNAME_PATTERN.fullmatch(normalized) is None:
        raise errors.unprocessable(
            f"{hostname!r} is not a valid host name", "invalid_custom_hostname"
        )
    return normalized, usage


def project_name(body: dict[str, Any]) -> str:
    """`ProjectRequest`: a non-empty `name`."""
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise errors.bad_request("name is required and must be a non-empty string")
    if len(name) > PROJECT_NAME_MAX_LENGTH:
        raise _invalid(f"name is longer than {PROJECT_NAME_MAX_LENGTH} characters")
    return name


def webhook_request(body: dict[str, Any], catalogue: frozenset[str]) -> tuple[str, bool, list[str]]:
    """`WebhookCreateRequest` / `WebhookUpdateRequest`: `url`, `isEnabled`, `events`.

    400 when a member is missing or of the wrong type; 422 for a url that is not https (or an
    SNS topic ARN) and for events that are empty or not in `catalogue`.
    """
    url, enabled, events = body.get("url"), body.get("isEnabled"), body.get("events")
    if not isinstance(url, str) or not isinstance(enabled, bool) or not isinstance(events, list):
        raise errors.bad_request(
            "url (a string), isEnabled (a boolean) and events (an array) are required"
        )
    if not all(isinstance(item, str) for item in events):
        raise errors.bad_request("events must be an array of strings")
    if len(url) > WEBHOOK_URL_MAX_LENGTH or WEBHOOK_URL_PATTERN.fullmatch(url) is None:
        raise _invalid("url must be an https URL with a DNS name, or an SNS topic ARN")
    if not events:
        raise _invalid("events must name at least one event type")
    unknown = [item for item in events if item not in catalogue]
    if unknown:
        shown = ", ".join(repr(item[:80]) for item in unknown[:5])
        raise _invalid(f"Unknown event types: {shown} (see GET /eventTypes)")
    return url, enabled, list(dict.fromkeys(events))
