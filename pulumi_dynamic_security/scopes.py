"""Dynamic's API token scopes: the `TokenScopes` enum of `@dynamic-labs/sdk-api` 0.0.847.

One list for the policy model (which scopes `api_tokens` may grant), the client (which
scope a 403 names) and the emulator (which scopes it enforces), so the three cannot drift.
"""

from __future__ import annotations

import typing
from typing import Literal

TokenScope = Literal[
    "waas.delegatedAccess.signMessage",
    "waas.authenticate",
    "environment.settings.read",
    "environment.settings.write",
    "environment.apiTokens.read",
    "environment.apiTokens.write",
    "environment.users.read",
    "environment.users.write",
    "environment.analytics.read",
    "environment.webhooks.read",
    "environment.webhooks.write",
    "environment.events.read",
    "environment.events.write",
    "environment.balances.read",
]
TOKEN_SCOPES: tuple[str, ...] = typing.get_args(TokenScope)

# The scopes of the routes this tool and its emulator use (`api.routes` and the emulator's
# `routes` modules name the route of each).
SETTINGS_READ = "environment.settings.read"
SETTINGS_WRITE = "environment.settings.write"
TOKENS_READ = "environment.apiTokens.read"
TOKENS_WRITE = "environment.apiTokens.write"
USERS_READ = "environment.users.read"
USERS_WRITE = "environment.users.write"
WEBHOOKS_READ = "environment.webhooks.read"
WEBHOOKS_WRITE = "environment.webhooks.write"
