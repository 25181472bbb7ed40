"""Security e-mails (DS802): the user is the first to notice a key export, a signed
transaction or a credential linked to their account that they did not ask for."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_dynamic_security.rules import links
from pulumi_dynamic_security.rules.base import Hit, Rule, RuleContext, Severity

# What each e-mail tells the user about, in the policy's order.
_ABOUT = {
    "key_export": "their embedded wallet's private key was exported",
    "signed_transaction": "their embedded wallet signed a transaction",
    "credential_linked": "a sign-in credential was linked to their account",
    "credential_unlinked": "a sign-in credential was unlinked from their account",
}


class SecurityNotificationOff(Rule):
    """A takeover that turns off no alarm goes unnoticed: these e-mails are the user's alarm."""

    id = "DS802"
    name = "security-notification-off"
    area = "notifications"
    production = Severity.WARNING
    other = None
    severity_note = "error for `key_export` if `app.embedded_wallets`"
    summary = "a security e-mail in `notifications` is off"
    remediation = (
        "Set the e-mail to true under `notifications` (Dynamic's default): it is how a user "
        "learns that someone else is using their account or wallet."
    )
    doc_url = links.SECURITY_SETTINGS

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        notifications = ctx.settings.notifications
        if notifications is None:
            return
        for key, about in _ABOUT.items():
            if getattr(notifications, key) is not False:
                continue
            escalated = key == "key_export" and ctx.stage.app.embedded_wallets
            yield Hit(
                path=f"notifications.{key}",
                message=f"notifications.{key} is false: a user is not told when {about}"
                + (", and app.embedded_wallets says their keys are worth stealing"
                   if escalated else ""),
                value=key,
                severity=Severity.ERROR if escalated else None,
            )
