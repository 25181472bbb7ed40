"""The environment itself (DS601-DS602, live): is the stage pointed at the right Dynamic
environment, and do the `app` facts the other rules rely on match what Dynamic has enabled."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_dynamic_security.rules import links
from pulumi_dynamic_security.rules.base import Hit, Rule, RuleContext, Severity


class StageEnvironmentMismatch(Rule):
    """Production settings on a sandbox (or test settings on live) mean the real users get the
    wrong policy."""

    id = "DS601"
    name = "stage-environment-mismatch"
    area = "environment"
    production = Severity.WARNING
    other = Severity.WARNING
    live = True
    summary = (
        "(live) production stage on a `sandbox` environment, or non-production stage on a "
        "`live` one"
    )
    remediation = (
        "Set the stage's `environment_id` to the project's live environment for a production "
        "stage (its sandbox one otherwise), or correct the stage's `production` flag."
    )
    doc_url = links.ENVIRONMENTS

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        kind = ctx.live.environment_name if ctx.live is not None else None
        stage, environment = ctx.stage, ctx.stage.environment_id
        if kind == "sandbox" and stage.production:
            why = (f"is a production stage, but environment {environment} is Dynamic's sandbox "
                   "environment: the production policy guards no real users")
        elif kind == "live" and not stage.production:
            why = (f"is not a production stage, but environment {environment} is Dynamic's live "
                   "environment: real users get the relaxed non-production rules")
        else:
            return
        yield Hit(path="environment_id", message=f"stage {stage.name!r} {why}", value=environment)


class AppFactsMismatch(Rule):
    """The wallet and SMS rules trust `app`; when Dynamic shows the feature on, they are
    silently skipped."""

    id = "DS602"
    name = "app-facts-mismatch"
    area = "environment"
    production = Severity.WARNING
    other = Severity.WARNING
    live = True
    summary = (
        "(live) `app` says no embedded wallets or no SMS sign-in, but the live settings show "
        "them (`sdk.waas` or an enabled `turnkey`/`coinbaseWaas` provider; an enabled `sms` "
        "provider)"
    )
    remediation = (
        "Set `app.embedded_wallets` / `app.sms_sign_in` to true so that DS202, DS403 and DS402 "
        "judge this stage, or turn the feature off in Dynamic's dashboard."
    )
    doc_url = links.SECURITY_RECOMMENDATIONS

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        live, app = ctx.live, ctx.stage.app
        if live is None:
            return
        if live.embedded_wallets_enabled and not app.embedded_wallets:
            yield Hit(
                path="app.embedded_wallets",
                message="app.embedded_wallets is false, but the environment has embedded "
                "wallets enabled (sdk.waas or a turnkey/coinbaseWaas provider): the wallet rules "
                "DS202 and DS403 are not checking it",
                value="embedded_wallets",
            )
        if live.sms_sign_in_enabled and not app.sms_sign_in:
            yield Hit(
                path="app.sms_sign_in",
                message="app.sms_sign_in is false, but the environment has an enabled sms "
                "provider: DS402 (SMS as the only factor) is not checking it",
                value="sms_sign_in",
            )
