"""Dynamic's words for where the browser keeps the JWT and for end-user MFA: one list for the
policy model, the mapping and the emulator, so the three cannot drift apart.

The values are the enums of `@dynamic-labs/sdk-api` 0.0.847 (`AuthStorageEnum`,
`MFADeviceType`, `MFAAction`); the policy file uses the same words (docs/mapping.md#mfa,
docs/mapping.md#token_storage). Like `scopes`, this module imports nothing of the package.
"""

from __future__ import annotations

import typing
from typing import Literal

TokenStorage = Literal["cookie", "localstorage"]
TOKEN_STORAGES: tuple[TokenStorage, ...] = typing.get_args(TokenStorage)

MfaMethod = Literal["totp", "passkey", "email"]
MFA_METHODS: tuple[MfaMethod, ...] = typing.get_args(MfaMethod)

MfaAction = Literal[
    "wallet.waas.sign", "wallet.waas.export", "wallet.waas.reshare", "wallet.waas.refresh",
    "user.update",
]
MFA_ACTIONS: tuple[MfaAction, ...] = typing.get_args(MfaAction)
