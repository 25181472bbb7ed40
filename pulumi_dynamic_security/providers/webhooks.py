"""`Webhook`: one `webhooks` entry, a webhook of one environment.

Unlike the CLI, which never deletes a webhook, the resource has Pulumi's semantics: `create`
makes the webhook, or adopts the live one with the same url (and says so) instead of making a
second; `update` converges its events and enabled flag; `delete` deletes it (unless its url
is no longer the one the state records: then it is left alive, and reported); a new `url`
replaces it (a new `environment_id` too). Its id is `<environment id>/<webhook id>`. The
signing secret is the output `secret`, wrapped as a secret (the component also lists it in
`additional_secret_outputs`); `read` and `update` read it again from Dynamic
(`?includeSecret=true`), never from anywhere in clear. With credentials, `check` also
checks the events against Dynamic's catalogue, so a misspelt event fails the preview.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, UpdateResult

from pulumi_dynamic_security.api.models import Webhook as LiveWebhook
from pulumi_dynamic_security.errors import DynsecError, PolicyFileError
from pulumi_dynamic_security.escaping import text
from pulumi_dynamic_security.mapping.webhooks import live_url
from pulumi_dynamic_security.policy.areas import WebhookPolicy
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.providers.base import DynamicSecurityProvider
from pulumi_dynamic_security.providers.inputs import common_inputs
from pulumi_dynamic_security.providers.state import id_parts
from pulumi_dynamic_security.providers.wire import compact, secret, with_secret_output
from pulumi_dynamic_security.rules.base import RuleArea
from pulumi_dynamic_security.service.resources import (
    delete_webhook,
    ensure_webhook,
    read_webhook,
    single_webhook,
)

_ENTRY_KEYS = ("name", "url", "events", "enabled")
COMPUTED = ("webhook_id", "secret")


@dataclass
class WebhookArgs:
    """Inputs of `Webhook`: one `webhooks` entry of one stage."""

    environment_id: pulumi.Input[str]
    stage: pulumi.Input[str]
    name: pulumi.Input[str]
    url: pulumi.Input[str]
    events: pulumi.Input[Sequence[pulumi.Input[str]]]
    enabled: pulumi.Input[bool] | None = None  # default true
    production: pulumi.Input[bool] | None = None
    waivers: pulumi.Input[Sequence[pulumi.Input[Mapping[str, Any]]]] | None = None

    @classmethod
    def from_stage(cls, stage: EffectiveStage, entry: WebhookPolicy) -> WebhookArgs:
        """The inputs for one `webhooks` entry of one stage of a loaded policy."""
        return cls(
            **common_inputs(stage, WebhookProvider.rule_areas),
            name=entry.name, url=entry.url, events=sorted(entry.events),
            enabled=entry.enabled,
        )

    def props(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _live_outputs(webhook: LiveWebhook) -> dict[str, Any]:
    return compact({
        "url": live_url(webhook),
        "events": sorted(webhook.events),
        "enabled": webhook.is_enabled,
        "webhook_id": webhook.id,
        "secret": secret(webhook.secret.reveal()) if webhook.secret is not None else None,
    })


class WebhookProvider(DynamicSecurityProvider):
    """The provider of `Webhook` (zero-argument constructor; pickled into the state)."""

    rule_areas: ClassVar[tuple[RuleArea, ...]] = ("webhooks",)
    area_inputs: ClassVar[tuple[str, ...]] = _ENTRY_KEYS

    def policy_values(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        return {"webhooks": [compact({key: inputs.get(key) for key in _ENTRY_KEYS})]}

    def property_of(self, path: tuple[str | int, ...]) -> str:
        if path and path[0] == "webhooks":
            field = path[2] if len(path) > 2 else None
            return field if isinstance(field, str) and field in _ENTRY_KEYS else "name"
        return str(path[0]) if path else "name"

    def area_outputs(self, stage: EffectiveStage) -> dict[str, Any]:
        entry = single_webhook(stage)
        return {"name": entry.name, "url": entry.url, "events": sorted(entry.events),
                "enabled": entry.enabled}

    def replace_keys(self) -> tuple[str, ...]:
        return ("environment_id", "url")

    def unreadable(self, stage: EffectiveStage, error: DynsecError) -> list[CheckFailure]:
        if isinstance(error, PolicyFileError):  # an event Dynamic's catalogue lacks
            return [CheckFailure("events", problem.message) for problem in error.problems]
        return super().unreadable(stage, error)

    def _ensure(self, stage: EffectiveStage, action: str) -> dict[str, Any]:
        with self.client() as client:
            outcome = ensure_webhook(client, stage, auth_token_checksum=self.auth_token_checksum)
        webhook = outcome.webhook
        if outcome.adopted and action == "create":
            pulumi.log.info(text(
                f"Webhook {stage.environment_id}/{single_webhook(stage).name}: adopted the live "
                f"webhook {webhook.id} with the same url instead of creating a second one"
            ))
        return {**self.normalized(stage), **_live_outputs(webhook)}

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Create the webhook, or adopt the live one with the same url, and converge it."""
        def run() -> CreateResult:
            stage = self.stage_of(self.only_inputs(props))
            outputs = self._ensure(stage, "create")
            return CreateResult(f"{stage.environment_id}/{outputs['webhook_id']}", outputs)

        return self.call("create", run)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Converge the webhook's events and enabled flag (PUT), its secret read again."""
        def run() -> UpdateResult:
            stage = self.stage_of(self.only_inputs(news))
            return UpdateResult(self._ensure(stage, "update"))

        return self.call("update", run)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The webhook as it is live (its secret as a secret), as outputs and inputs; one
        that no longer exists reads as gone."""
        def run() -> ReadResult:
            environment_id, webhook_id = _split_id(id_, props)
            with self.client() as client:
                webhook = read_webhook(client, environment_id, webhook_id)
            if webhook is None:
                return ReadResult("", {})
            live = _live_outputs(webhook)
            inputs = compact({
                **self.only_inputs(props),
                "environment_id": environment_id,
                **{key: live.get(key) for key in ("url", "events", "enabled")},
            })
            return ReadResult(f"{environment_id}/{webhook.id}", {**inputs, **live}, inputs)

        return self.call("read", run)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Delete the webhook (one already gone is not an error); one whose url is not the
        one the state records is left alive, and reported (`service.resources`)."""
        def run() -> None:
            environment_id, webhook_id = _split_id(id_, props)
            with self.client() as client:
                left = delete_webhook(client, environment_id, webhook_id, url=props.get("url"))
            if left is not None:
                pulumi.log.warn(text(f"Webhook {environment_id}/{webhook_id}: {left}"))

        self.call("delete", run)


def _split_id(id_: str, props: Mapping[str, Any]) -> tuple[str, str]:
    """The environment id and webhook id of the resource: its id, which the state's
    `environment_id` and `webhook_id` must repeat (`providers.state.id_parts`)."""
    environment_id, webhook_id = id_parts(
        "Webhook", id_, props, ("environment_id", "webhook_id")
    )
    return environment_id, webhook_id


class Webhook(pulumi.dynamic.Resource, module="dynamic-security", name="Webhook"):
    """One `webhooks` entry: a webhook of the stage's environment.

    Type token `pulumi-python:dynamic/dynamic-security:Webhook`; id
    `<environment id>/<webhook id>`. `secret` (the key its deliveries are signed with) is a
    secret output, also listed in `additional_secret_outputs`. Deleting it deletes the
    webhook; a new url replaces it."""

    environment_id: pulumi.Output[str]
    stage: pulumi.Output[str]
    production: pulumi.Output[bool]
    waivers: pulumi.Output[list[dict[str, Any]]]
    name: pulumi.Output[str]
    url: pulumi.Output[str]
    events: pulumi.Output[list[str]]
    enabled: pulumi.Output[bool]
    webhook_id: pulumi.Output[str]
    secret: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        args: WebhookArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            WebhookProvider(), resource_name, {**args.props(), **dict.fromkeys(COMPUTED)},
            with_secret_output(opts, "secret"),
        )
