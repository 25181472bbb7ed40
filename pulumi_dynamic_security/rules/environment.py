"""The environment itself (live): is the stage pointed at the right Dynamic environment, do
the `app` facts the other rules rely on match what Dynamic has enabled (DS601-DS602), and
what no area of the policy manages but a live environment must not have or must have: a
test account (DS603), sign-in without a captcha (DS703), a lock left on (DS804). The last
three are audits (`Rule.audit`): reported, never blocking."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_dynamic_security.escaping import ECHO_LIMIT, clip
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


class TestAccountLive(Rule):
    """A test account signs in with a fixed e-mail or phone number and a static code: in a
    live environment that is a backdoor into a real user base."""

    id = "DS603"
    name = "test-account-live"
    area = "environment"
    production = Severity.ERROR
    other = None
    live = True
    audit = True
    reads = ("test_account",)
    summary = (
        "(live) a `live` environment has a test account (`GET /environments/{id}/test/"
        "account`): a fixed e-mail or phone number signs in with a static code"
    )
    remediation = (
        "Delete the live environment's test account (dashboard: Developers > Test accounts, "
        "or `DELETE /environments/{id}/test/account`); test against the sandbox environment."
    )
    doc_url = links.TEST_ACCOUNTS

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        live = ctx.live
        if live is None or live.environment_name != "live" or not live.test_account:
            return
        login = live.test_account_login
        login = f" ({clip(login, ECHO_LIMIT)})" if login else ""  # the API's text: cut
        yield Hit(
            path="environment_id",
            message=f"live environment {ctx.stage.environment_id} has a test account{login}: "
            "anyone who learns its static code signs in as that account, past MFA and captcha",
            value="test_account",
            on_live_value=True,
        )


class CaptchaOff(Rule):
    """Without a captcha, sign-in (and every e-mail or SMS code it sends) is open to bots:
    credential stuffing, OTP and SMS pumping."""

    id = "DS703"
    name = "captcha-off"
    area = "environment"
    production = Severity.WARNING
    other = None
    live = True
    audit = True
    summary = (
        "(live) sign-in has no captcha: neither `security.captcha.enabled` nor "
        "`security.hCaptcha.enabled` is true"
    )
    remediation = (
        "Turn on a captcha for sign-in in Dynamic's dashboard (Security > Captcha: Cloudflare "
        "Turnstile or hCaptcha; `security.captcha` in the settings document, which dynsec "
        "never changes)."
    )
    doc_url = links.CAPTCHA

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        live = ctx.live
        if live is None or live.captcha_enabled is not False:
            return
        yield Hit(
            path="environment_id",
            message="sign-in has no captcha (neither security.captcha nor security.hCaptcha "
            "is enabled): bots can try credentials and trigger e-mail and SMS codes at will",
            value="captcha",
            on_live_value=True,
        )


class EnvironmentLocked(Rule):
    """A locked environment refuses every SDK request: nobody can sign in. Right during an
    incident, an outage otherwise."""

    id = "DS804"
    name = "environment-locked"
    area = "environment"
    production = Severity.WARNING
    other = Severity.WARNING
    live = True
    audit = True
    summary = (
        "(live) `security.environmentLocked` is true: every SDK request, so every sign-in, "
        "is refused"
    )
    remediation = (
        "If the incident that called for the lock is over, run `dynsec unlock POLICY --stage "
        "S` (plan and apply never change the lock)."
    )
    doc_url = links.SECURITY_SETTINGS

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        if ctx.live is None or not ctx.live.environment_locked:
            return
        yield Hit(
            path="environment_id",
            message=f"environment {ctx.stage.environment_id} is locked: Dynamic refuses every "
            "SDK request, so no user can sign in",
            value="environment_locked",
            on_live_value=True,
        )
