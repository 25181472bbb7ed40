"""Pulumi dynamic resources and their providers (SPEC §6).

One module per resource, the same shape each: `<X>Args` (typed inputs), `<X>Provider` (the
CRUD logic, zero-argument constructor, pickled by reference into the state) and `<X>` (the
`pulumi.dynamic.Resource` subclass, type token `pulumi-python:dynamic/dynamic-security:<X>`).
Importing this package imports `pulumi`; the package's top level loads it lazily.
"""

from pulumi_dynamic_security.providers.origins import (
    AllowedOrigins,
    AllowedOriginsArgs,
    AllowedOriginsProvider,
)
from pulumi_dynamic_security.providers.settings import (
    SecuritySettings,
    SecuritySettingsArgs,
    SecuritySettingsProvider,
)
from pulumi_dynamic_security.providers.tokens import (
    ApiTokenRotation,
    ApiTokenRotationArgs,
    ApiTokenRotationProvider,
)

__all__ = [
    "AllowedOrigins",
    "AllowedOriginsArgs",
    "AllowedOriginsProvider",
    "ApiTokenRotation",
    "ApiTokenRotationArgs",
    "ApiTokenRotationProvider",
    "SecuritySettings",
    "SecuritySettingsArgs",
    "SecuritySettingsProvider",
]
