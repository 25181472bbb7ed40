"""`EnvironmentSecurity`: one stage of a policy file as Pulumi resources.

    env = EnvironmentSecurity.for_stack("dynamic-security.yaml")
    pulumi.export("origins", env.allowed_origins.origins)

or, naming the stage yourself,

    policy = SecurityPolicy.load("dynamic-security.yaml")
    env = EnvironmentSecurity(pulumi.get_stack(), stage=policy.stage(pulumi.get_stack()))

A `ComponentResource` (type `dynamic-security:index:EnvironmentSecurity`) whose children are
the dynamic resources for the areas the stage manages, and only those:

* `<name>-settings`: `SecuritySettings`, when the stage sets `jwt_lifetime`, `token_storage`,
  `mfa`, `external_auth` or `notifications` (one resource for the whole settings document);
* `<name>-origins`: `AllowedOrigins`, when it sets `allowed_origins`;
* `<name>-token-<entry>`: one `ApiTokenRotation` per `api_tokens` entry, `token` listed in
  `additional_secret_outputs`;
* `<name>-webhook-<entry>`: one `Webhook` per `webhooks` entry, `secret` listed in
  `additional_secret_outputs` (deleting it deletes the webhook).

These names live in the state: renaming them later would delete and re-create resources.
`SecuritySettings` and `AllowedOrigins` are registered `retain_on_delete`: deleting them
stops managing the environment and changes nothing in it, which is what `pulumi destroy`
and `pulumi preview` then say (`[retain]`). Token resources leave their tokens alive on
delete unless `revoke_tokens_on_delete` is true.

The stage a stack deploys (`for_stack`) is the stack config `dynamic-security:stage`, else
the stack name. Constructing the component runs the whole stage's offline rules, as `dynsec
validate` does, because some belong to no single resource (DS501 when `api_tokens` is
missing, DS901/DS902 about the waivers): an unwaived error raises `StageBlockedError` (a
`pulumi.RunError`: the CLI prints it as one paragraph, no traceback) naming the rules before
anything is registered; warnings are logged with `pulumi.log.warn`, notes with
`pulumi.log.info`. Each child's `check` then judges its own inputs again (online too, when
the provider has credentials), and its `create`/`update` the effective settings online.
"""

from __future__ import annotations

from pathlib import Path

import pulumi

from pulumi_dynamic_security.errors import DynsecError, PolicyBlockedError
from pulumi_dynamic_security.escaping import text
from pulumi_dynamic_security.policy.areas import SETTINGS_AREAS
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.providers.errors import PolicyInputError, StageBlockedError
from pulumi_dynamic_security.providers.origins import AllowedOrigins, AllowedOriginsArgs
from pulumi_dynamic_security.providers.settings import SecuritySettings, SecuritySettingsArgs
from pulumi_dynamic_security.providers.tokens import ApiTokenRotation, ApiTokenRotationArgs
from pulumi_dynamic_security.providers.webhooks import Webhook, WebhookArgs
from pulumi_dynamic_security.rules.base import Severity
from pulumi_dynamic_security.rules.engine import StageReport, described, evaluate

TYPE = "dynamic-security:index:EnvironmentSecurity"
CONFIG_NAMESPACE = "dynamic-security"
STAGE_CONFIG = f"{CONFIG_NAMESPACE}:stage"


def blocked_error(report: StageReport) -> PolicyBlockedError:
    """The error for a stage whose declared policy has unwaived `error` findings: a
    `StageBlockedError` (a `pulumi.RunError`), raised before anything is registered."""
    return report.blocked_error(
        StageBlockedError, outcome=None, also="`dynsec validate` shows the same findings"
    )


def stack_stage(policy: SecurityPolicy) -> EffectiveStage:
    """The stage this stack deploys: the stack config `dynamic-security:stage`, else the
    stack name. A name the policy does not have is a `PolicyInputError` saying which."""
    configured = pulumi.Config(CONFIG_NAMESPACE).get("stage")
    name = configured or pulumi.get_stack()
    try:
        return policy.stage(name)
    except DynsecError as exc:
        source = (
            f"the stack config {STAGE_CONFIG}" if configured
            else f"the stack name (set {STAGE_CONFIG} to deploy another stage from this stack)"
        )
        raise PolicyInputError(
            f"{exc.message} The stage comes from {source}.", hint=exc.hint
        ) from None


class EnvironmentSecurity(pulumi.ComponentResource):
    """The security settings of one stage's Dynamic environment."""

    settings: SecuritySettings | None
    allowed_origins: AllowedOrigins | None
    tokens: dict[str, ApiTokenRotation]
    webhooks: dict[str, Webhook]
    stage: EffectiveStage
    report: StageReport

    def __init__(
        self,
        name: str,
        stage: EffectiveStage,
        opts: pulumi.ResourceOptions | None = None,
        *,
        revoke_tokens_on_delete: bool = False,
    ) -> None:
        report = evaluate(stage)  # offline: the declared policy, as `validate` sees it
        if report.blocked:
            raise blocked_error(report)
        super().__init__(TYPE, name, None, opts)
        self.stage, self.report = stage, report
        self._log(report)

        # Deleting these leaves the environment as it is: say so (`[retain]`), and skip the
        # provider's no-op delete.
        kept = pulumi.ResourceOptions(parent=self, retain_on_delete=True)
        self.settings = None
        if any(stage.manages(area) for area in SETTINGS_AREAS):
            self.settings = SecuritySettings(
                f"{name}-settings", SecuritySettingsArgs.from_stage(stage), kept
            )
        self.allowed_origins = None
        if stage.allowed_origins is not None:
            self.allowed_origins = AllowedOrigins(
                f"{name}-origins", AllowedOriginsArgs.from_stage(stage), kept
            )
        secret_token = pulumi.ResourceOptions(parent=self, additional_secret_outputs=["token"])
        self.tokens = {
            entry.name: ApiTokenRotation(
                f"{name}-token-{entry.name}",
                ApiTokenRotationArgs.from_stage(
                    stage, entry, revoke_on_delete=revoke_tokens_on_delete
                ),
                secret_token,
            )
            for entry in stage.api_tokens or ()
        }
        secret_key = pulumi.ResourceOptions(parent=self, additional_secret_outputs=["secret"])
        self.webhooks = {
            entry.name: Webhook(
                f"{name}-webhook-{entry.name}", WebhookArgs.from_stage(stage, entry), secret_key
            )
            for entry in stage.webhooks or ()
        }
        self.register_outputs({
            "environment_id": stage.environment_id,
            "stage": stage.name,
            "production": stage.production,
        })

    @classmethod
    def for_stack(
        cls,
        policy: SecurityPolicy | str | Path,
        opts: pulumi.ResourceOptions | None = None,
        *,
        revoke_tokens_on_delete: bool = False,
    ) -> EnvironmentSecurity:
        """The component for this stack's stage (`stack_stage`), named after the stack.
        `policy` is a loaded policy or the path of its file; a file that cannot be used is
        a `PolicyInputError` (one paragraph per problem, no traceback)."""
        if not isinstance(policy, SecurityPolicy):
            try:
                policy = SecurityPolicy.load(policy)
            except DynsecError as exc:
                raise PolicyInputError(exc.render()) from None
        return cls(pulumi.get_stack(), stack_stage(policy), opts,
                   revoke_tokens_on_delete=revoke_tokens_on_delete)

    def _log(self, report: StageReport) -> None:
        for finding in report.findings:
            if finding.waived:
                # The reason is free text of the policy: one escaped line, as the CLI shows it.
                pulumi.log.info(
                    text(f"waived: {described(finding)} ({finding.waiver_reason})"),
                    resource=self,
                )
            elif finding.severity is Severity.WARNING:
                pulumi.log.warn(text(described(finding)), resource=self)
            elif finding.severity is Severity.NOTE:
                pulumi.log.info(text(described(finding)), resource=self)
