"""Checks of a `ProjectSettings` document sent to `PUT /environments/{id}`.

The document is stored as sent (unknown keys and key order included) once it passes: the
members `ProjectSettings` requires must be there with the right JSON type (400 otherwise), and
the `security` members the emulator knows must be well typed (422 `invalid_update`, or
`invalid_external_auth` for `externalAuth`). Known members: `jwtDuration` (1 minute to 30
days), `auth.storage`, `mfa`, `hCaptcha` and, from the newer generated client, `captcha`,
`environmentLocked`, `deviceRegistrationRequired`, `notifications` and `externalAuth`. A
boolean must be a JSON boolean (not a string, a number or null); a string member may be null.

`security.hCaptcha.secretKey` is write-only; the route takes it out of the document.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from pulumi_dynamic_security.emulator import errors
from pulumi_dynamic_security.vocabulary import MFA_ACTIONS, MFA_METHODS, TOKEN_STORAGES

TIME_UNITS_IN_MINUTES = {"minutes": 1, "hours": 60, "days": 24 * 60}
JWT_MIN_MINUTES = 1
JWT_MAX_MINUTES = 30 * 24 * 60  # Dynamic's documented maximum: 30 days

CAPTCHA_PROVIDERS = ("hcaptcha", "cloudflareTurnstile")
NOTIFICATIONS = (
    "verifiedCredentialLinked",
    "verifiedCredentialUnlinked",
    "waasPrivateKeyExport",
    "waasSignedTransaction",
)
SECURITY_BOOLEANS = ("environmentLocked", "deviceRegistrationRequired")
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


def _invalid(message: str, code: str = "invalid_update") -> errors.ApiError:
    return errors.unprocessable(message, code)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def settings_document(body: dict[str, Any], environment_name: str) -> None:
    """Check a `ProjectSettings` document; raises the refusal as an `ApiError`."""
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
    for key in SECURITY_BOOLEANS:
        _boolean(security, key, f"security.{key}")
    _hcaptcha(security.get("hCaptcha"))
    _captcha(security.get("captcha"))
    _notifications(security.get("notifications"))
    _external_auth(security.get("externalAuth"))


def _object(value: object, path: str, code: str = "invalid_update") -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _invalid(f"{path} must be an object", code)
    return value


def _boolean(container: dict[str, Any], key: str, path: str,
             code: str = "invalid_update") -> None:
    if key in container and not isinstance(container[key], bool):
        raise _invalid(f"{path} must be true or false", code)


def _string(container: dict[str, Any], key: str, path: str,
            code: str = "invalid_update") -> None:
    if key in container and container[key] is not None and not isinstance(
            container[key], str):
        raise _invalid(f"{path} must be a string", code)


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
        if item not in TOKEN_STORAGES:
            raise _invalid(f"security.auth.storage: {item!r} is not localstorage or cookie")


def _mfa(value: object) -> None:
    mfa = _object(value, "security.mfa")
    if mfa is None:
        return
    for key in ("enabled", "required"):
        if key in mfa and not isinstance(mfa[key], bool):
            raise _invalid(f"security.mfa.{key} must be a boolean")
    for item in _list(mfa, "methods"):
        if not isinstance(item, dict) or item.get("type") not in MFA_METHODS:
            raise _invalid("security.mfa.methods[].type must be one of totp, passkey, email")
        if not isinstance(item.get("enabled"), bool):
            raise _invalid("security.mfa.methods[].enabled is required and must be a boolean")
    for item in _list(mfa, "actions"):
        if not isinstance(item, dict) or item.get("action") not in MFA_ACTIONS:
            raise _invalid(f"security.mfa.actions[].action must be one of {', '.join(MFA_ACTIONS)}")
        if not isinstance(item.get("required"), bool):
            raise _invalid("security.mfa.actions[].required is required and must be a boolean")
    for item in _list(mfa, "availableMethods"):
        if item not in MFA_METHODS:
            raise _invalid("security.mfa.availableMethods must hold totp, passkey or email")


def _list(container: dict[str, Any], key: str) -> Sequence[Any]:
    value = container.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _invalid(f"security.mfa.{key} must be an array")
    return value


def _hcaptcha(value: object) -> None:
    hcaptcha = _object(value, "security.hCaptcha")
    if hcaptcha is None:
        return
    _boolean(hcaptcha, "enabled", "security.hCaptcha.enabled")
    for key in ("siteKey", "secretKey"):
        _string(hcaptcha, key, f"security.hCaptcha.{key}")


def _captcha(value: object) -> None:
    captcha = _object(value, "security.captcha")
    if captcha is None:
        return
    _boolean(captcha, "enabled", "security.captcha.enabled")
    _string(captcha, "siteKey", "security.captcha.siteKey")
    provider = captcha.get("provider")
    if provider is not None and provider not in CAPTCHA_PROVIDERS:
        raise _invalid(
            f"security.captcha.provider must be one of {', '.join(CAPTCHA_PROVIDERS)}"
        )


def _notifications(value: object) -> None:
    notifications = _object(value, "security.notifications")
    if notifications is None:
        return
    for key in NOTIFICATIONS:
        _boolean(notifications, key, f"security.notifications.{key}")


def _external_auth(value: object) -> None:
    code = "invalid_external_auth"
    external = _object(value, "security.externalAuth", code)
    if external is None:
        return
    for key in ("enabled", "assumeEmailVerified"):
        _boolean(external, key, f"security.externalAuth.{key}", code)
    for key in ("iss", "aud", "cookieName", "jwksUrl"):
        _string(external, key, f"security.externalAuth.{key}", code)
    url = external.get("jwksUrl")
    if url is not None and not is_url(url):
        raise _invalid("security.externalAuth.jwksUrl must be an http(s) URL with a host", code)


def is_url(value: str) -> bool:
    """An absolute http(s) URL with a host, no spaces or control characters."""
    if not value or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return False
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
