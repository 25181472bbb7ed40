"""Request validation with the status codes and error codes Dynamic uses.

Convention: a request that is not the shape the client declares (not JSON, a required
member missing, a member of the wrong type) answers 400 `BadRequest`; a well-formed request
that breaks a rule answers 422 `UnprocessableEntity` with the closest code of
`UnprocessableEntityErrorCode` (`invalid_cors_origins`, `duplicate_exists`, `invalid_scopes`,
`invalid_custom_hostname`, and `invalid_update` for settings and token fields).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
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
HOSTNAME_USAGES = ("cookies", "globalWallet")
HOSTNAME_STATUSES = ("active", "pending", "error")
NOTE_MAX_LENGTH = 100
PROJECT_NAME_MAX_LENGTH = 255

TIME_UNITS_IN_MINUTES = {"minutes": 1, "hours": 60, "days": 24 * 60}
JWT_MIN_MINUTES = 1
JWT_MAX_MINUTES = 30 * 24 * 60  # Dynamic's documented maximum: 30 days

AUTH_STORAGES = ("localstorage", "cookie")
MFA_DEVICE_TYPES = ("totp", "passkey", "email")
MFA_ACTIONS = (
    "wallet.waas.sign",
    "wallet.waas.export",
    "wallet.waas.reshare",
    "wallet.waas.refresh",
    "user.update",
)
# The members `ProjectSettings` requires, with the JSON type each must have.
REQUIRED_SETTINGS: dict[str, type] = {
    "chains": list,
    "kyc": list,
    "design": dict,
    "general": dict,
    "privacy": dict,
    "sdk": dict,
    "security": dict,
}


async def json_object(request: Request, *, origins_route: bool = False) -> dict[str, Any]:
    """The request body as a JSON object, or 400."""
    raw = await request.body()
    try:
        body = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.bad_request(
            "Request body is not valid JSON", with_status=origins_route
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


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def settings_document(body: dict[str, Any], environment_name: str) -> None:
    """Check a `ProjectSettings` document sent to PUT /environments/{id}."""
    for member, kind in REQUIRED_SETTINGS.items():
        if member not in body:
            raise errors.bad_request(f"settings.{member} is required")
        if not isinstance(body[member], kind):
            expected = "an array" if kind is list else "an object"
            raise errors.bad_request(f"settings.{member} must be {expected}")
    declared = body.get("environmentName")
    if declared is not None and declared != environment_name:
        raise _invalid(
            f"environmentName is {environment_name!r} for this environment and cannot change"
        )
    security = body["security"]
    _jwt_duration(security.get("jwtDuration"))
    _auth(security.get("auth"))
    _mfa(security.get("mfa"))
    hcaptcha = security.get("hCaptcha")
    if hcaptcha is not None and not isinstance(hcaptcha, dict):
        raise _invalid("security.hCaptcha must be an object")


def _jwt_duration(value: object) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        raise _invalid("security.jwtDuration must be an object {amount, unit}")
    amount, unit = value.get("amount"), value.get("unit")
    if not _is_int(amount):
        raise _invalid("security.jwtDuration.amount must be a whole number")
    if not isinstance(unit, str) or unit not in TIME_UNITS_IN_MINUTES:
        raise _invalid("security.jwtDuration.unit must be one of minutes, hours, days")
    assert isinstance(amount, int)
    minutes = amount * TIME_UNITS_IN_MINUTES[unit]
    if not JWT_MIN_MINUTES <= minutes <= JWT_MAX_MINUTES:
        raise _invalid(
            f"security.jwtDuration {amount} {unit} is outside 1 minute to 30 days"
        )


def _auth(value: object) -> None:
    if value is None:
        return
    if not isinstance(value, dict) or not isinstance(value.get("storage"), list):
        raise _invalid("security.auth.storage is required and must be an array")
    for item in value["storage"]:
        if item not in AUTH_STORAGES:
            raise _invalid(f"security.auth.storage: {item!r} is not localstorage or cookie")


def _mfa(value: object) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        raise _invalid("security.mfa must be an object")
    for key in ("enabled", "required"):
        if key in value and not isinstance(value[key], bool):
            raise _invalid(f"security.mfa.{key} must be a boolean")
    for item in _list(value, "methods"):
        if not isinstance(item, dict) or item.get("type") not in MFA_DEVICE_TYPES:
            raise _invalid("security.mfa.methods[].type must be one of totp, passkey, email")
        if not isinstance(item.get("enabled"), bool):
            raise _invalid("security.mfa.methods[].enabled is required and must be a boolean")
    for item in _list(value, "actions"):
        if not isinstance(item, dict) or item.get("action") not in MFA_ACTIONS:
            raise _invalid(f"security.mfa.actions[].action must be one of {', '.join(MFA_ACTIONS)}")
        if not isinstance(item.get("required"), bool):
            raise _invalid("security.mfa.actions[].required is required and must be a boolean")
    for item in _list(value, "availableMethods"):
        if item not in MFA_DEVICE_TYPES:
            raise _invalid("security.mfa.availableMethods must hold totp, passkey or email")


def _list(container: dict[str, Any], key: str) -> Sequence[Any]:
    value = container.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _invalid(f"security.mfa.{key} must be an array")
    return value


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
