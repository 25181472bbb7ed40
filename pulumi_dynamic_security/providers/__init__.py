"""Pulumi dynamic resources and their providers (README: "Using with Pulumi").

One module per resource, the same shape each: `<X>Args` (typed inputs), `<X>Provider` (the
CRUD logic, zero-argument constructor, pickled by reference into the state) and `<X>` (the
`pulumi.dynamic.Resource` subclass, type token `pulumi-python:dynamic/dynamic-security:<X>`).
What they share, by job: `base` (check and diff), `settings_like` (adopt on create, keep on
delete), `inputs` (inputs <-> stage), `credentials`, `errors`, `wire` (the engine's value
quirks); `rotation` is the token resource's schedule input. Importing this package imports
`pulumi`; the package's top level loads it lazily.
"""

from pulumi_dynamic_security.providers.errors import ProviderError
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
from pulumi_dynamic_security.providers.webhooks import Webhook, WebhookArgs, WebhookProvider

__all__ = [
    "AllowedOrigins",
    "AllowedOriginsArgs",
    "AllowedOriginsProvider",
    "ApiTokenRotation",
    "ApiTokenRotationArgs",
    "ApiTokenRotationProvider",
    "ProviderError",
    "SecuritySettings",
    "SecuritySettingsArgs",
    "SecuritySettingsProvider",
    "Webhook",
    "WebhookArgs",
    "WebhookProvider",
]
