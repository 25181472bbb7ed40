"""The area registry: every area of the policy, and the module that maps it to Dynamic.

Nothing registers itself on import: adding an area means adding it here, where a reviewer
sees it (CONTRIBUTING.md, "Adding an area"). The planner, the executor, saved plans, export,
the Pulumi providers and the component loop over these tuples; a test fails when an area
the policy declares (`policy/areas.py`) is missing here, or anywhere else it must be.
"""

from __future__ import annotations

from pulumi_dynamic_security.mapping import (
    allowed_origins,
    api_tokens,
    external_auth,
    jwt_lifetime,
    mfa,
    notifications,
    token_storage,
    webhooks,
)
from pulumi_dynamic_security.mapping.area import (
    AreaMapping,
    ComparedArea,
    DigestedEndpointArea,
    EndpointArea,
    SettingsArea,
)
from pulumi_dynamic_security.policy.areas import Area

# Parts of the settings document, in the policy's order (`policy.areas.SETTINGS_AREAS`).
SETTINGS: tuple[SettingsArea, ...] = (
    jwt_lifetime.AREA, token_storage.AREA, mfa.AREA, external_auth.AREA, notifications.AREA,
)
# Lists of records behind endpoints of their own (`policy.areas.ENDPOINT_AREAS`).
ENDPOINTS: tuple[EndpointArea, ...] = (allowed_origins.AREA, api_tokens.AREA, webhooks.AREA)
# The endpoint areas a saved plan records a digest of its own for (`DigestedEndpointArea`).
DIGESTED: tuple[DigestedEndpointArea, ...] = tuple(
    area for area in ENDPOINTS if isinstance(area, DigestedEndpointArea))

ALL: tuple[AreaMapping, ...] = (*SETTINGS, *ENDPOINTS)
# The areas a plan compares by value (a Pulumi resource's diff compares these too).
COMPARED: tuple[ComparedArea, ...] = tuple(a for a in ALL if isinstance(a, ComparedArea))

_BY_NAME: dict[Area, AreaMapping] = {area.name: area for area in ALL}


def area(name: Area) -> AreaMapping:
    """The area called `name`; KeyError when the registry has none."""
    return _BY_NAME[name]
