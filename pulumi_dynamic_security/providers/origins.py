"""`AllowedOrigins`: the complete set of origins allowed to use an environment (CORS).

Authoritative: after an update the environment allows exactly `origins`, added before extras
are removed so the list never passes through empty (which Dynamic treats as allow-all). Its id
is the environment id; `create` adopts the current list and converges it; `delete` leaves the
list as it is and never empties it (the component registers it `retain_on_delete`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
import pulumi.dynamic
from pulumi.dynamic import CheckFailure

from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.providers.inputs import Parsed, common_inputs
from pulumi_dynamic_security.providers.settings_like import (
    SettingsLikeProvider,
    descriptive_inputs,
)
from pulumi_dynamic_security.rules.base import RuleArea
from pulumi_dynamic_security.service.resource_reads import read_origins

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient


@dataclass
class AllowedOriginsArgs:
    """Inputs of `AllowedOrigins`. `origins` is normalized (lower case, default
    port dropped, punycode) and compared as a set; `[]` lets every domain in (DS101)."""

    environment_id: pulumi.Input[str]
    stage: pulumi.Input[str]
    origins: pulumi.Input[Sequence[pulumi.Input[str]]]
    production: pulumi.Input[bool] | None = None
    waivers: pulumi.Input[Sequence[pulumi.Input[Mapping[str, Any]]]] | None = None

    @classmethod
    def from_stage(cls, stage: EffectiveStage) -> AllowedOriginsArgs:
        """The inputs for one stage of a loaded policy (which must manage its origins)."""
        if stage.allowed_origins is None:
            raise ValueError(f"stage {stage.name!r} does not manage allowed_origins")
        return cls(
            **common_inputs(stage, AllowedOriginsProvider.rule_areas),
            origins=sorted(set(stage.allowed_origins)),
        )

    def props(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class AllowedOriginsProvider(SettingsLikeProvider):
    """The provider of `AllowedOrigins` (zero-argument constructor; pickled into the state)."""

    rule_areas: ClassVar[tuple[RuleArea, ...]] = ("allowed_origins",)
    area_inputs: ClassVar[tuple[str, ...]] = ("origins",)

    def policy_values(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return {"allowed_origins": inputs.get("origins")}

    def property_of(self, path: tuple[str | int, ...]) -> str:
        head = path[0] if path else "allowed_origins"
        return "origins" if head == "allowed_origins" else str(head)

    def area_outputs(self, stage: EffectiveStage) -> dict[str, Any]:
        origins = stage.allowed_origins
        return {"origins": sorted(set(origins)) if origins is not None else None}

    def parse(self, inputs: Mapping[str, Any]) -> Parsed:
        if inputs.get("origins") is None:
            return Parsed(None, (CheckFailure(
                "origins", "origins is required: the complete list of allowed origins"
            ),))
        return super().parse(inputs)

    def live_outputs(
        self, client: DynamicClient, environment_id: str, props: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        origins = read_origins(client, environment_id)
        if origins is None:
            return None
        return {
            **descriptive_inputs(props), "environment_id": environment_id,
            "origins": list(origins),
        }


class AllowedOrigins(pulumi.dynamic.Resource, module="dynamic-security", name="AllowedOrigins"):
    """The allowed origins of one stage's environment.

    Type token `pulumi-python:dynamic/dynamic-security:AllowedOrigins`; id: the environment id.
    Deleting it leaves the live origins as they are."""

    environment_id: pulumi.Output[str]
    stage: pulumi.Output[str]
    production: pulumi.Output[bool]
    waivers: pulumi.Output[list[dict[str, Any]]]
    origins: pulumi.Output[list[str]]

    def __init__(
        self,
        resource_name: str,
        args: AllowedOriginsArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(AllowedOriginsProvider(), resource_name, args.props(), opts)
