"""The resources' inputs as the program registers them for one stage of the example policy,
what `dynsec plan` would still change after a provider ran, and the state an earlier
`pulumi up` of a token resource would have left."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.providers import (
    AllowedOriginsArgs,
    AllowedOriginsProvider,
    ApiTokenRotationArgs,
    ApiTokenRotationProvider,
    SecuritySettingsArgs,
    SecuritySettingsProvider,
    WebhookArgs,
    WebhookProvider,
)
from pulumi_dynamic_security.providers.base import DynamicSecurityProvider
from pulumi_dynamic_security.providers.rotation import schedule
from pulumi_dynamic_security.service.plan import plan_stage
from tests.providers.conftest import program_inputs
from tests.providers.harness import EngineResource, secret, strip_secrets
from tests.support.ids import LIVE
from tests.support.tokens import Planted

PREFIX = "pulumi-python:dynamic/dynamic-security:"
SETTINGS = PREFIX + "SecuritySettings"
ORIGINS = PREFIX + "AllowedOrigins"
TOKENS = PREFIX + "ApiTokenRotation"
WEBHOOKS = PREFIX + "Webhook"


def settings_inputs(policy: SecurityPolicy, *, stage: str = "production", **changes: Any
                    ) -> dict[str, Any]:
    props = SecuritySettingsArgs.from_stage(policy.stage(stage)).props()
    return program_inputs({**props, **changes}, SecuritySettingsProvider())


def origin_inputs(policy: SecurityPolicy, *, stage: str = "production", **changes: Any
                  ) -> dict[str, Any]:
    props = AllowedOriginsArgs.from_stage(policy.stage(stage)).props()
    return program_inputs({**props, **changes}, AllowedOriginsProvider())


def token_inputs(policy: SecurityPolicy, *, stage: str = "production", **changes: Any
                 ) -> dict[str, Any]:
    effective = policy.stage(stage)
    props = ApiTokenRotationArgs.from_stage(effective, (effective.api_tokens or ())[0]).props()
    return program_inputs({**props, **changes}, ApiTokenRotationProvider())


def webhook_inputs(policy: SecurityPolicy, *, stage: str = "production", **changes: Any
                   ) -> dict[str, Any]:
    effective = policy.stage(stage)
    props = WebhookArgs.from_stage(effective, (effective.webhooks or ())[0]).props()
    return program_inputs({**props, **changes}, WebhookProvider())


def pending_changes(client: DynamicClient, provider: DynamicSecurityProvider,
                    inputs: dict[str, Any]) -> list[Any]:
    """What `dynsec plan` would still change for the resource's slice of the stage."""
    plain = {k: v for k, v in strip_secrets(inputs).items() if k != "__provider"}
    stage = provider.stage_of(plain)
    return plan_stage(client, stage, auth_token_checksum=None).changes


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def with_state(resource: EngineResource, inputs: dict[str, Any], current: Planted,
               previous: Planted | None, overlap: timedelta) -> None:
    """Give `resource` the state an earlier `pulumi up` would have left (`current` and
    `previous` planted as managed `ci-deployer` tokens): its outputs, and its inputs with the
    schedule that up's check recorded, when nothing was due yet."""
    created = current.created_at
    rotate_after = created + timedelta(days=90)
    revoke_after = created + overlap if previous is not None else None
    recorded = schedule(rotate_after, revoke_after)
    checked = resource.host.check(resource.urn, {}, inputs).inputs
    resource.id = f"{LIVE}/ci-deployer"
    resource.inputs = {**checked, "rotation": recorded}
    resource.state = {
        **resource.inputs,
        "token_id": current.id,
        "token": secret(current.raw),
        "created_at": stamp(created),
        "rotate_after": stamp(rotate_after),
    }
    if previous is not None and revoke_after is not None:
        resource.state["previous_token_id"] = previous.id
        resource.state["revoke_previous_after"] = stamp(revoke_after)
