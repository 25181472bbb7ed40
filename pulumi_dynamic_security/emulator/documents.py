"""Settings documents (`ProjectSettings`) as the emulator creates them.

A new environment gets what Dynamic gives a fresh one, reduced to what the official client
requires (`chains`, `kyc`, `design`, `general`, `privacy`, `sdk`, `security`) plus a
realistic `security` section: JWT 2 hours in local storage, MFA off with its methods listed
but disabled, hCaptcha off, no external auth.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def settings_document(
    environment_name: str,
    *,
    display_name: str | None = None,
    jwt: tuple[int, str] = (2, "hours"),
    storage: Sequence[str] = ("localstorage",),
    mfa_enabled_methods: Sequence[str] = (),
) -> dict[str, Any]:
    """A fresh settings document (a new dict every call; callers mutate it)."""
    amount, unit = jwt
    enabled = set(mfa_enabled_methods)
    general: dict[str, Any] = {}
    if display_name is not None:
        general["displayName"] = display_name
    return {
        "environmentName": environment_name,
        "chains": [{"name": "EVM", "enabled": True}],
        "kyc": [
            {"name": "email", "required": False, "enabled": True, "unique": True, "verify": True}
        ],
        "design": {},
        "general": general,
        "privacy": {"collectIp": False},
        "sdk": {},
        "security": {
            "jwtDuration": {"amount": amount, "unit": unit},
            "auth": {"storage": list(storage)},
            "hCaptcha": {"enabled": False},
            "mfa": {
                "enabled": bool(enabled),
                "required": False,
                "availableMethods": ["totp", "passkey"],
                "methods": [
                    {"type": method, "enabled": method in enabled, "allowBackupCodes": True}
                    for method in ("totp", "passkey")
                ],
                "actions": [],
            },
            "externalAuth": {"enabled": False, "iss": None, "aud": None, "cookieName": None},
        },
    }
