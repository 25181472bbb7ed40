"""Text the API answers (a token's note, a test account's login, a webhook's id and url)
reaches a finding's message cut to a bound: a hostile answer cannot flood a report; and a
live value that does not parse leaves the rules silent on it, never failing the run."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

from pulumi_dynamic_security.policy.areas import EffectiveExternalAuth, WebhookPolicy
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.rules.base import JudgedSettings, LiveFacts, LiveToken, LiveWebhook
from pulumi_dynamic_security.rules.engine import evaluate

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
POLICY = """\
version: 1
stages:
  production:
    environment_id: 9a7d0000-0000-4000-8000-000000000002
    api_tokens:
      - {name: ci-deployer, scopes: [environment.settings.read], rotate_every: 30d}
    webhooks:
      - name: audit
        url: https://hooks.example.com/dynamic
        events: [user.session.revoked, admin.user.session.revoked]
"""
HUGE = "x" * 10_000


def test_long_live_text_is_cut_in_messages() -> None:
    stage = SecurityPolicy.from_text(POLICY).stage("production")
    live = LiveFacts(
        now=NOW,
        environment_name="live",
        tokens=(LiveToken("tok-" + HUGE, "note " + HUGE, "aaaaaa", NOW - timedelta(days=1)),),
        test_account=True,
        test_account_login=HUGE + "@example.com",
        webhooks=(LiveWebhook("wh-" + HUGE, "https://old.example.net/" + HUGE, ("a.b",), True),),
    )
    report = evaluate(stage, live=live)
    fired = {finding.rule: finding.message for finding in report.findings}
    assert {"DS504", "DS603", "DS803"} <= set(fired)
    for rule in ("DS504", "DS603", "DS803"):
        assert "x" * 100 not in fired[rule], rule
        assert len(fired[rule]) < 600, rule


def test_a_live_webhook_url_that_is_no_url_is_judged_without_failing() -> None:
    stage = SecurityPolicy.from_text(
        "version: 1\nstages:\n  production:\n"
        "    environment_id: 9a7d0000-0000-4000-8000-000000000002\n"
    ).stage("production")
    # As `mapping/webhooks` reads a live url that does not normalize: kept as it came.
    hook = WebhookPolicy.model_construct(name="in", url="https://[::1/in", events=["a.b"],
                                         enabled=True)
    settings = dataclasses.replace(JudgedSettings.declared(stage), webhooks=(hook,),
                                   live_keys=frozenset({"webhooks"}))
    report = evaluate(stage, settings=settings, live=LiveFacts(now=NOW), now=settings)
    rules = {finding.rule for finding in [*report.findings, *report.live_findings]}
    assert "DS801" in rules  # the rules ran on it: no enabled webhook gets session events
    assert "DS104" not in rules


def test_a_long_live_jwks_url_is_cut_in_its_message() -> None:
    stage = SecurityPolicy.from_text(POLICY).stage("production")
    # As `mapping/external_auth` reads a live url that does not normalize: kept as it came.
    auth = EffectiveExternalAuth(enabled=True, issuer="issuer", jwks_url="http://a.com/" + HUGE)
    settings = dataclasses.replace(JudgedSettings.declared(stage), external_auth=auth,
                                   live_keys=frozenset({"external_auth"}))
    report = evaluate(stage, settings=settings, live=LiveFacts(now=NOW))
    (message,) = [f.message for f in report.findings if f.rule == "DS701"]
    assert "http://a.com/" in message and "x" * 100 not in message
