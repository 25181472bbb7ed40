"""`EnvironmentSecurity`: one stage of a policy file as Pulumi resources (SPEC §6).

    policy = SecurityPolicy.load("dynamic-security.yaml")
    env = EnvironmentSecurity(pulumi.get_stack(), stage=policy.stage(pulumi.get_stack()))
    pulumi.export("origins", env.allowed_origins.origins)

A `ComponentResource` (type `dynamic-security:index:EnvironmentSecurity`) whose children are
the dynamic resources for the areas the stage manages, and only those:

* `<name>-settings`: `SecuritySettings`, when the stage sets `jwt_lifetime`, `token_storage`
  or `mfa` (one resource for the whole settings document);
* `<name>-origins`: `AllowedOrigins`, when it sets `allowed_origins`;
* `<name>-token-<entry>`: one `ApiTokenRotation` per `api_tokens` entry, `token` listed in
  `additional_secret_outputs`.

These names live in the state: renaming them later would delete and re-create resources.

Constructing it runs the whole stage's offline rules, as `dynsec validate` does, because some
belong to no single resource (DS501 when `api_tokens` is missing, DS901/DS902 about the
waivers): an unwaived error raises `PolicyBlockedError` naming the rules before anything is
registered; warnings are logged with `pulumi.log.warn`, notes with `pulumi.log.info`. Each
child's `check` then judges its own inputs again, and its `create`/`update` the effective
settings online.
"""

from __future__ import annotations

import pulumi

from pulumi_dynamic_security.errors import PolicyBlockedError
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.providers.origins import AllowedOrigins, AllowedOriginsArgs
from pulumi_dynamic_security.providers.settings import SecuritySettings, SecuritySettingsArgs
from pulumi_dynamic_security.providers.tokens import ApiTokenRotation, ApiTokenRotationArgs
from pulumi_dynamic_security.rules.base import Finding, Severity
from pulumi_dynamic_security.rules.engine import StageReport, evaluate
from pulumi_dynamic_security.service.plan import SETTINGS_AREAS

TYPE = "dynamic-security:index:EnvironmentSecurity"


def _where(finding: Finding) -> str:
    if finding.file is None:
        return finding.path
    line = f":{finding.line}" if finding.line is not None else ""
    return f"{finding.path} ({finding.file}{line})"


def _describe(finding: Finding) -> str:
    return f"{finding.rule} {finding.name} at {_where(finding)}: {finding.message}"


def blocked_error(report: StageReport) -> PolicyBlockedError:
    """The error for a stage whose declared policy has unwaived `error` findings."""
    blocking = [f for f in report.findings if f.blocks]
    rules = ", ".join(sorted({f.rule for f in blocking}))
    return PolicyBlockedError(
        f"Stage {report.stage.name!r} is blocked by {rules}: "
        + "; ".join(_describe(f) for f in blocking) + ".",
        hint="Fix the policy, or add a waiver with a reason and an expiry; "
        "`dynsec validate` shows the same findings.",
    )


class EnvironmentSecurity(pulumi.ComponentResource):
    """The security settings of one stage's Dynamic environment."""

    settings: SecuritySettings | None
    allowed_origins: AllowedOrigins | None
    tokens: dict[str, ApiTokenRotation]
    stage: EffectiveStage
    report: StageReport

    def __init__(
        self,
        name: str,
        stage: EffectiveStage,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        report = evaluate(stage)  # offline: the declared policy, as `validate` sees it
        if report.blocked:
            raise blocked_error(report)
        super().__init__(TYPE, name, None, opts)
        self.stage, self.report = stage, report
        self._log(report)

        child = pulumi.ResourceOptions(parent=self)
        self.settings = None
        if any(stage.manages(area) for area in SETTINGS_AREAS):
            self.settings = SecuritySettings(
                f"{name}-settings", SecuritySettingsArgs.from_stage(stage), child
            )
        self.allowed_origins = None
        if stage.allowed_origins is not None:
            self.allowed_origins = AllowedOrigins(
                f"{name}-origins", AllowedOriginsArgs.from_stage(stage), child
            )
        secret_token = pulumi.ResourceOptions(parent=self, additional_secret_outputs=["token"])
        self.tokens = {
            entry.name: ApiTokenRotation(
                f"{name}-token-{entry.name}",
                ApiTokenRotationArgs.from_stage(stage, entry),
                secret_token,
            )
            for entry in stage.api_tokens or ()
        }
        self.register_outputs({
            "environment_id": stage.environment_id,
            "stage": stage.name,
            "production": stage.production,
        })

    def _log(self, report: StageReport) -> None:
        for finding in report.findings:
            if finding.waived:
                pulumi.log.info(
                    f"waived: {_describe(finding)} ({finding.waiver_reason})", resource=self
                )
            elif finding.severity is Severity.WARNING:
                pulumi.log.warn(_describe(finding), resource=self)
            elif finding.severity is Severity.NOTE:
                pulumi.log.info(_describe(finding), resource=self)
