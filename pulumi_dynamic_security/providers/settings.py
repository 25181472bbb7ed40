"""`SecuritySettings`: JWT lifetime, token storage, MFA, third-party sign-in and the security
e-mails: everything a stage manages inside one environment's settings document.

One resource per environment, never one per area: `PUT /environments/{id}` replaces the whole
document, so two resources writing it in a parallel `pulumi up` would race each other's
read-modify-write. Its id is the environment id; `create` adopts the document as it is and
converges the managed fields; `delete` leaves the document as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
import pulumi.dynamic

from pulumi_dynamic_security.mapping import registry
from pulumi_dynamic_security.policy.areas import SETTINGS_AREAS, AreaValues
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.providers.inputs import app_output, common_inputs, limits_output
from pulumi_dynamic_security.providers.settings_like import (
    SettingsLikeProvider,
    descriptive_inputs,
)
from pulumi_dynamic_security.providers.wire import compact
from pulumi_dynamic_security.rules.base import RuleArea
from pulumi_dynamic_security.service.resource_reads import read_settings

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient


def settings_inputs(values: AreaValues) -> dict[str, Any]:
    """Each settings-document area's input from `values` (a stage's, in the policy's
    words: the area's `input_form`); None where the area is not set."""
    return {
        area.name: area.input_form(value) if (value := values.value(area.name)) is not None
        else None
        for area in registry.SETTINGS
    }


@dataclass
class SecuritySettingsArgs:
    """Inputs of `SecuritySettings`, in the policy's words. An area left `None` is
    not managed: never compared, never written."""

    environment_id: pulumi.Input[str]
    stage: pulumi.Input[str]
    production: pulumi.Input[bool] | None = None
    waivers: pulumi.Input[Sequence[pulumi.Input[Mapping[str, Any]]]] | None = None
    jwt_lifetime: pulumi.Input[str] | None = None  # "12h"
    token_storage: pulumi.Input[str] | None = None  # "cookie" | "localstorage"
    mfa: pulumi.Input[Mapping[str, Any]] | None = None  # the policy's `mfa` mapping
    external_auth: pulumi.Input[Mapping[str, Any]] | None = None  # the policy's mapping
    notifications: pulumi.Input[Mapping[str, bool]] | None = None  # the policy's mapping
    app: pulumi.Input[Mapping[str, bool]] | None = None
    limits: pulumi.Input[Mapping[str, str]] | None = None

    @classmethod
    def from_stage(cls, stage: EffectiveStage) -> SecuritySettingsArgs:
        """The inputs for one stage of a loaded policy."""
        return cls(
            **common_inputs(stage, SecuritySettingsProvider.rule_areas),
            **settings_inputs(stage),
            app=app_output(stage),
            limits=limits_output(stage),
        )

    def props(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class SecuritySettingsProvider(SettingsLikeProvider):
    """The provider of `SecuritySettings` (zero-argument constructor; pickled into the state)."""

    rule_areas: ClassVar[tuple[RuleArea, ...]] = SETTINGS_AREAS
    area_inputs: ClassVar[tuple[str, ...]] = (*SETTINGS_AREAS, "app", "limits")

    def policy_values(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return {key: inputs.get(key) for key in self.area_inputs}

    def property_of(self, path: tuple[str | int, ...]) -> str:
        head = path[0] if path else ""
        return head if isinstance(head, str) and head else "mfa"

    def area_outputs(self, stage: EffectiveStage) -> dict[str, Any]:
        return {**settings_inputs(stage), "app": app_output(stage), "limits": limits_output(stage)}

    def live_outputs(
        self, client: DynamicClient, environment_id: str, props: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        # The settings document is all this resource reports: one GET, no origins or tokens.
        live = read_settings(client, environment_id)
        if live is None:
            return None
        managed = [area for area in registry.SETTINGS if props.get(area.name) is not None]
        if not managed:  # nothing known yet (a `get`), so every area
            managed = list(registry.SETTINGS)
        return compact({
            **descriptive_inputs(props),
            "environment_id": environment_id,
            **{
                area.name: area.live_input(value, props.get(area.name))
                for area in managed if (value := live.value(area.name)) is not None
            },
        })


class SecuritySettings(
    pulumi.dynamic.Resource, module="dynamic-security", name="SecuritySettings"
):
    """The settings-document areas of one stage (JWT lifetime, token storage, MFA, third-party
    sign-in, security e-mails).

    Type token `pulumi-python:dynamic/dynamic-security:SecuritySettings`; id: the environment
    id. Deleting it leaves the environment's settings as they are."""

    environment_id: pulumi.Output[str]
    stage: pulumi.Output[str]
    production: pulumi.Output[bool]
    waivers: pulumi.Output[list[dict[str, Any]]]
    jwt_lifetime: pulumi.Output[str | None]
    token_storage: pulumi.Output[str | None]
    mfa: pulumi.Output[dict[str, Any] | None]
    external_auth: pulumi.Output[dict[str, Any] | None]
    notifications: pulumi.Output[dict[str, bool] | None]
    app: pulumi.Output[dict[str, bool]]
    limits: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        resource_name: str,
        args: SecuritySettingsArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(SecuritySettingsProvider(), resource_name, args.props(), opts)
