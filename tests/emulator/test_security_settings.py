"""The newer security members (`captcha`, `environmentLocked`, `deviceRegistrationRequired`,
`notifications`, `externalAuth`): stored as sent once well typed, and the lock's effect on the
SDK routes."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.emulator.support import client
from tests.support.ids import LIVE, SANDBOX, UNKNOWN_ENVIRONMENT

NEWER: dict[str, Any] = {
    "captcha": {"enabled": True, "provider": "cloudflareTurnstile", "siteKey": "0x4AAA"},
    "environmentLocked": False,
    "deviceRegistrationRequired": True,
    "notifications": {"verifiedCredentialLinked": True, "verifiedCredentialUnlinked": False,
                      "waasPrivateKeyExport": True, "waasSignedTransaction": True,
                      "aFutureNotification": "kept"},
    "externalAuth": {"enabled": True, "iss": "https://issuer.example.com",
                     "aud": "dynamic", "jwksUrl": "https://issuer.example.com/.well-known/jwks",
                     "cookieName": None, "assumeEmailVerified": False},
}


def _settings(api: httpx.Client, environment_id: str = SANDBOX) -> dict[str, Any]:
    settings: dict[str, Any] = api.get(f"/environments/{environment_id}").json()["settings"]
    return settings


def _put_security(api: httpx.Client, environment_id: str = SANDBOX,
                  **security: Any) -> httpx.Response:
    settings = _settings(api, environment_id)
    settings["security"].update(security)
    return api.put(f"/environments/{environment_id}", json=settings)


def test_the_newer_members_are_stored_as_sent(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        response = _put_security(api, **copy.deepcopy(NEWER))
        assert response.status_code == 200, response.text
        stored = _settings(api)["security"]
    for key, value in NEWER.items():
        assert stored[key] == value


@pytest.mark.parametrize(
    ("member", "value", "code"),
    [
        ("environmentLocked", "true", "invalid_update"),
        ("environmentLocked", 1, "invalid_update"),
        ("environmentLocked", None, "invalid_update"),
        ("deviceRegistrationRequired", "false", "invalid_update"),
        ("captcha", "on", "invalid_update"),
        ("captcha", {"enabled": "yes"}, "invalid_update"),
        ("captcha", {"enabled": True, "provider": "recaptcha"}, "invalid_update"),
        ("captcha", {"enabled": True, "siteKey": 5}, "invalid_update"),
        ("hCaptcha", {"enabled": 0}, "invalid_update"),
        ("notifications", ["waasPrivateKeyExport"], "invalid_update"),
        ("notifications", {"waasPrivateKeyExport": "true"}, "invalid_update"),
        ("notifications", {"verifiedCredentialLinked": None}, "invalid_update"),
        ("externalAuth", "enabled", "invalid_external_auth"),
        ("externalAuth", {"enabled": "true"}, "invalid_external_auth"),
        ("externalAuth", {"assumeEmailVerified": 1}, "invalid_external_auth"),
        ("externalAuth", {"iss": 5}, "invalid_external_auth"),
        ("externalAuth", {"jwksUrl": "issuer.example.com/jwks"}, "invalid_external_auth"),
        ("externalAuth", {"jwksUrl": "ftp://issuer.example.com/jwks"}, "invalid_external_auth"),
        ("externalAuth", {"jwksUrl": "https://"}, "invalid_external_auth"),
        ("externalAuth", {"jwksUrl": "https://a.example.com:99999/"}, "invalid_external_auth"),
        ("externalAuth", {"jwksUrl": "https://a.example.com/\n"}, "invalid_external_auth"),
        ("externalAuth", {"jwksUrl": ""}, "invalid_external_auth"),
    ],
)
def test_badly_typed_members_are_422(emulator: EmulatorHandle, member: str, value: Any,
                                     code: str) -> None:
    with client(emulator) as api:
        before = _settings(api)
        response = _put_security(api, **{member: value})
        assert response.status_code == 422
        assert response.json()["code"] == code
        assert member in response.json()["error"]
        assert _settings(api) == before


def test_an_http_jwks_url_is_the_rules_business_not_the_emulators(
    emulator: EmulatorHandle,
) -> None:
    # Dynamic does not refuse a plain-http JWKS URL; dynsec's rules report it.
    with client(emulator) as api:
        response = _put_security(api, externalAuth={"enabled": True, "iss": "i",
                                                    "jwksUrl": "http://issuer.example.com/k"})
    assert response.status_code == 200


def _sdk(emulator: EmulatorHandle, path: str, method: str = "GET") -> httpx.Response:
    return httpx.request(method, f"{emulator.base_url}/sdk/{path}")


def test_sdk_settings_answer_the_document(emulator: EmulatorHandle) -> None:
    response = _sdk(emulator, f"{LIVE}/settings")
    assert response.status_code == 200
    with client(emulator) as api:
        assert response.json() == _settings(api, LIVE)
    assert _sdk(emulator, f"{UNKNOWN_ENVIRONMENT}/settings").status_code == 404
    assert _sdk(emulator, f"{LIVE}/nonce").status_code == 404  # not emulated


def test_a_locked_environment_refuses_its_sdk_routes_but_the_jwks(
    emulator: EmulatorHandle,
) -> None:
    with client(emulator) as api:
        assert _put_security(api, LIVE, environmentLocked=True).status_code == 200
    for path, method in ((f"{LIVE}/settings", "GET"), (f"{LIVE}/nonce", "GET"),
                         (f"{LIVE}/verify", "POST"), (f"{LIVE}/users/mfa", "DELETE")):
        response = _sdk(emulator, path, method)
        assert response.status_code == 403, path
        assert "locked" in response.json()["error"]
    for suffix in ("", ".json"):
        assert _sdk(emulator, f"{LIVE}/.well-known/jwks{suffix}").status_code == 200
    assert _sdk(emulator, f"{SANDBOX}/settings").status_code == 200  # only that environment
    with client(emulator) as api:  # the admin API is not locked
        assert api.get(f"/environments/{LIVE}").status_code == 200
        assert _put_security(api, LIVE, environmentLocked=False).status_code == 200
    assert _sdk(emulator, f"{LIVE}/settings").status_code == 200
