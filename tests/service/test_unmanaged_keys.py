"""Never clobber what is newer than our models (docs/mapping.md#what-is-never-written).

`PUT /environments/{id}` replaces the whole settings document. Keys no area manages
(`captcha`, `environmentLocked`, `deviceRegistrationRequired`), a member an area does not
know inside the object it writes (`externalAuth.assumeEmailVerified`), and keys no model has
ever heard of, must go back exactly as read on every PUT. Each is planted in the live
environment, then an apply writes every settings area at once (JWT lifetime, storage, MFA,
third-party sign-in, the security e-mails), and the document read back (and the body of the
PUT itself, from a recording transport) holds the key as planted.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.service.apply import apply_plan
from pulumi_dynamic_security.service.plan import plan_stage
from tests.support.clients import edit_settings, make_client, settings_of
from tests.support.ids import LIVE
from tests.support.policies import policy_text, stage_of

# Every settings area managed, each with a value the demo seed's live environment differs
# from, so that the apply writes the document.
EVERY_SETTINGS_AREA = stage_of(policy_text(LIVE, """\
    jwt_lifetime: 2h
    token_storage: localstorage
    mfa: {methods: [totp], require_at_login: true}
    external_auth:
      enabled: true
      issuer: https://auth.example.com
      audience: dynamic-prod
      jwks_url: https://auth.example.com/.well-known/jwks.json
    notifications: {key_export: true, signed_transaction: false}
""", stage="staging"), "staging")

PLANTED: dict[str, tuple[str, Any]] = {
    # case: (key of settings.security, value as planted)
    "captcha": ("captcha", {"enabled": True, "provider": "cloudflareTurnstile",
                            "siteKey": "0x4AAAAAAA-site"}),
    "environment-locked": ("environmentLocked", True),
    "device-registration": ("deviceRegistrationRequired", False),
    "assume-email-verified": ("externalAuth", {"enabled": False, "assumeEmailVerified": True,
                                               "iss": "old.example.com"}),
    "unknown-key": ("futureSecurityFeature", {"mode": "strict", "levels": [3, 1, 2],
                                              "note": None}),
    "unknown-notification": ("notifications", {"waasPrivateKeyExport": False,
                                               "futureAlert": True}),
}


class Recorder(httpx.BaseTransport):
    """httpx's own transport, keeping the body of every PUT."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.puts: list[dict[str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            self.puts.append(json.loads(request.content))
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def _expected(key: str, planted: Any) -> Any:
    """The planted value as it must read back: an area's own members as the stage wrote
    them, everything else exactly as planted."""
    if key == "externalAuth":
        return {**planted, "enabled": True, "iss": "https://auth.example.com",
                "aud": "dynamic-prod",
                "jwksUrl": "https://auth.example.com/.well-known/jwks.json"}
    if key == "notifications":
        return {**planted, "waasPrivateKeyExport": True, "waasSignedTransaction": False}
    return planted


@pytest.mark.parametrize("case", PLANTED)
def test_a_key_no_area_manages_goes_back_exactly_as_read(
    emulator: EmulatorHandle, case: str
) -> None:
    key, planted = PLANTED[case]
    edit_settings(emulator, LIVE, **{key: planted})
    recorder = Recorder()

    with make_client(emulator, transport=recorder) as client:
        planned = plan_stage(client, EVERY_SETTINGS_AREA, auth_token_checksum=None)
        result = apply_plan(client, planned, auth_token_checksum=None)

    assert result.writes >= 1 and {c.area for c in planned.changes} >= {
        "jwt_lifetime", "mfa", "external_auth", "notifications"}
    [body] = recorder.puts  # the one PUT of the document
    assert body["security"][key] == _expected(key, planted)
    assert settings_of(emulator, LIVE)["security"][key] == _expected(key, planted)


def test_the_lock_is_never_written_even_when_every_area_changes(
    emulator: EmulatorHandle,
) -> None:
    edit_settings(emulator, LIVE, environmentLocked=True)
    with make_client(emulator) as client:
        planned = plan_stage(client, EVERY_SETTINGS_AREA, auth_token_checksum=None)
        apply_plan(client, planned, auth_token_checksum=None)
        again = plan_stage(client, EVERY_SETTINGS_AREA, auth_token_checksum=None)

    assert not any("environmentLocked" in str(change.path) for change in planned.changes)
    assert settings_of(emulator, LIVE)["security"]["environmentLocked"] is True
    assert again.changes == []
    assert [f.rule for f in again.findings if f.rule == "DS804"] == ["DS804"]
    assert not again.blocked  # an audit: reported, never blocks
