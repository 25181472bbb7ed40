"""Webhooks (DS801, DS803): someone must hear about revoked sessions, and every webhook
that receives the environment's events should be one the policy declares."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_dynamic_security.escaping import ECHO_LIMIT, clip
from pulumi_dynamic_security.rules import links
from pulumi_dynamic_security.rules.base import Hit, Rule, RuleContext, Severity

SESSION_EVENTS = ("user.session.revoked", "admin.user.session.revoked")


class SessionEventsUnmonitored(Rule):
    """Dynamic's best practices tell teams to monitor session revocations: a revocation
    nobody receives cannot end the backend's own sessions or raise an alert."""

    id = "DS801"
    name = "session-events-unmonitored"
    area = "webhooks"
    production = Severity.WARNING
    other = None
    reads = ("webhooks",)
    summary = (
        "no enabled webhook receives both `user.session.revoked` and "
        "`admin.user.session.revoked` (declared webhooks where the stage manages `webhooks`, "
        "else the live ones)"
    )
    remediation = (
        "Declare an enabled webhook under `webhooks` whose `events` include "
        "user.session.revoked and admin.user.session.revoked, and act on them (end the "
        "backend's session, alert)."
    )
    doc_url = links.WEBHOOKS

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        webhooks = ctx.settings.webhooks
        if webhooks is None:
            return
        if any(w.enabled and set(SESSION_EVENTS) <= set(w.events) for w in webhooks):
            return
        yield Hit(
            path="webhooks",
            message="no enabled webhook receives both user.session.revoked and "
            "admin.user.session.revoked: a revoked session reaches no backend and raises no "
            "alert",
        )


class WebhookUnmanaged(Rule):
    """A webhook nobody declared receives every event it names, signed: it may be a
    leftover, or someone else's listener."""

    id = "DS803"
    name = "webhook-unmanaged"
    area = "webhooks"
    production = Severity.NOTE
    other = Severity.NOTE
    live = True
    reads = ("webhooks",)
    summary = (
        "(live) a live webhook whose url no `webhooks` entry declares (only when the stage "
        "manages `webhooks`)"
    )
    remediation = (
        "Declare it under `webhooks` if it is yours, or delete it in Dynamic's dashboard "
        "(dynsec never deletes a webhook)."
    )
    doc_url = links.WEBHOOKS

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        declared, live = ctx.stage.webhooks, ctx.live
        if declared is None or live is None or live.webhooks is None:
            return
        urls = {webhook.url for webhook in declared}
        for webhook in live.webhooks:
            if webhook.url in urls:
                continue
            state = "enabled" if webhook.enabled else "disabled"
            yield Hit(
                path="webhooks",
                message=f"webhook {clip(webhook.id, ECHO_LIMIT)} ({state}, url "
                f"{clip(webhook.url, ECHO_LIMIT)}, "
                f"{len(webhook.events)} event(s)) is declared by no webhooks entry",
                value=webhook.url,
                on_live_value=True,
            )
