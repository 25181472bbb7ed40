"""What the Pulumi providers read on refresh: one resource's live values, in the policy's
words, with as few requests as the resource needs (the settings document alone for
`SecuritySettings`; the environment and its origins for `AllowedOrigins`; the environment
and its tokens for `ApiTokenRotation`).

Each read answers None when the environment no longer exists, which the provider reports
to the engine as "gone". The providers never call the client or `mapping` themselves: what
an area's live value is belongs here and in `mapping/`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pulumi_dynamic_security.api.errors import NotFoundError
from pulumi_dynamic_security.mapping import allowed_origins, mapping_or_empty, registry
from pulumi_dynamic_security.policy.areas import ApiTokenPolicy, AreaValues
from pulumi_dynamic_security.rules.token_schedule import RotationState, rotation_state
from pulumi_dynamic_security.service.snapshot import read_snapshot

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient


def read_settings(client: DynamicClient, environment_id: str) -> AreaValues | None:
    """The settings-document areas as they are live (one GET)."""
    try:
        settings = client.get_environment(environment_id).settings
    except NotFoundError:
        return None
    security = mapping_or_empty(settings.get("security"))
    return AreaValues(**{area.name: area.from_live(security) for area in registry.SETTINGS})


def read_origins(client: DynamicClient, environment_id: str) -> tuple[str, ...] | None:
    """The allowed origins as they are live, normalized (the environment, then its origins:
    only the environment read tells a deleted environment from one without origins)."""
    try:
        snapshot = read_snapshot(client, environment_id, tokens=False)
    except NotFoundError:
        return None
    return allowed_origins.AREA.from_live(snapshot.origins)


def read_rotation(
    client: DynamicClient, environment_id: str, entry: ApiTokenPolicy
) -> RotationState | None:
    """What the live tokens say about `entry` (the environment first: the token list
    declares no 404, so only this read tells a deleted environment from one without
    tokens)."""
    try:
        client.get_environment(environment_id)
        tokens = client.list_tokens(environment_id)
    except NotFoundError:
        return None
    return rotation_state(entry, tokens)
