"""Between the policy and Dynamic's API: one module per area, listed in `registry.py`.

Each area's module implements `area.SettingsArea` (a part of the settings document:
`jwt_lifetime`, `token_storage`, `mfa`, `external_auth`, `notifications`; the last two
through `keyed.KeyedSettingsArea`) or `area.EndpointArea` (records behind endpoints of their
own: `allowed_origins`, `api_tokens`, `webhooks`), and exposes its instance as `AREA`
(docs/architecture.md#the-area-registry). `changes.py` holds the change record every area
plans. This module holds the helpers the areas share to read and write untrusted JSON.
"""

from __future__ import annotations

from typing import Any


def mapping_or_empty(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one (for readers of untrusted JSON)."""
    return value if isinstance(value, dict) else {}


def list_or_empty(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def writable_mapping(parent: dict[str, Any], key: str) -> dict[str, Any]:
    """`parent[key]` as a dict to write into; an absent or malformed value is replaced by a
    new empty one (for writers, e.g. `writable_mapping(settings, "security")`)."""
    value = parent.get(key)
    if not isinstance(value, dict):
        value = parent[key] = {}
    return value


def writable_list(parent: dict[str, Any], key: str) -> list[Any]:
    """`parent[key]` as a list to append to; an absent or malformed value is replaced by a
    new empty one."""
    value = parent.get(key)
    if not isinstance(value, list):
        value = parent[key] = []
    return value
