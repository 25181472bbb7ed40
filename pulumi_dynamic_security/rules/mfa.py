"""End-user MFA (DS401-DS404): whether a second factor exists, and where it is enforced.

A stage may manage only some MFA keys (`EffectiveMfa` leaves the others `None`). A rule fires
only when the keys it needs are known; the helpers here answer `None` for "cannot tell".
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_dynamic_security.policy.areas import EffectiveMfa
from pulumi_dynamic_security.rules import links
from pulumi_dynamic_security.rules.base import Hit, Rule, RuleContext, Severity

WALLET_EXPORT = "wallet.waas.export"
WALLET_SIGN = "wallet.waas.sign"
_WALLET_ACTIONS = (WALLET_EXPORT, WALLET_SIGN)


def wallet_actions_protected(mfa: EffectiveMfa | None) -> bool | None:
    """Whether embedded-wallet actions need a second factor (docs/rules.md#the-catalogue: a
    method enabled and both `wallet.waas.export` and `wallet.waas.sign` required); None when
    the keys are not known."""
    if mfa is None:
        return None
    if mfa.methods is not None and not mfa.methods:
        return False
    actions = mfa.require_for_actions
    if actions is not None and any(action not in actions for action in _WALLET_ACTIONS):
        return False
    if mfa.methods is None or actions is None:
        return None
    return True


def _mfa_required_at_login(mfa: EffectiveMfa | None) -> bool | None:
    """Whether every sign-in needs a second factor; None when the keys are not known."""
    if mfa is None:
        return None
    if mfa.require_at_login is False or (mfa.methods is not None and not mfa.methods):
        return False
    if mfa.require_at_login is None or mfa.methods is None:
        return None
    return True


class MfaOff(Rule):
    """Without MFA, a phished email code or stolen social login is the whole account."""

    id = "DS401"
    name = "mfa-off"
    area = "mfa"
    production = Severity.WARNING
    other = None
    severity_note = "error if `app.high_value`"
    summary = "no MFA method enabled"
    remediation = (
        "Enable at least one MFA method in `mfa.methods` (totp or passkey) and consider "
        "`mfa.require_for_actions` for sensitive actions."
    )
    doc_url = links.END_USER_MFA

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        mfa = ctx.settings.mfa
        if mfa is None or mfa.methods is None or mfa.methods:
            return
        high_value = ctx.stage.app.high_value
        why = (
            "and app.high_value says this app moves significant value"
            if high_value else "so one stolen sign-in factor gives away the account"
        )
        yield Hit(
            path="mfa.methods",
            message=f"no MFA method is enabled (mfa.methods is empty), {why}",
            severity=Severity.ERROR if high_value else None,
        )


class SmsSoleFactor(Rule):
    """SMS codes can be taken over by SIM swapping; they must not be the only factor."""

    id = "DS402"
    name = "sms-sole-factor"
    area = "mfa"
    production = Severity.ERROR
    other = Severity.WARNING
    summary = "`app.sms_sign_in` and MFA not required at login"
    remediation = (
        "Set `mfa.require_at_login: true` with a method in `mfa.methods` (totp or passkey), so "
        "an SMS code is never the only factor; set `app.sms_sign_in: false` if SMS sign-in is off."
    )
    doc_url = links.AUTH_BEST_PRACTICES

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        if not ctx.stage.app.sms_sign_in or _mfa_required_at_login(ctx.settings.mfa) is not False:
            return
        yield Hit(
            path="mfa.require_at_login",
            message="users sign in with an SMS code and MFA is not required at login, so a "
            "SIM swap or intercepted SMS is enough to take over an account",
        )


class WalletExportNoMfa(Rule):
    """Exporting an embedded wallet's private key is irreversible: it should need a second
    factor even when the session is stolen."""

    id = "DS403"
    name = "wallet-export-no-mfa"
    area = "mfa"
    production = Severity.WARNING
    other = None
    severity_note = "error if `app.high_value`"
    summary = "`app.embedded_wallets` and `wallet.waas.export` not in `require_for_actions`"
    remediation = (
        "Add `wallet.waas.export` (and `wallet.waas.sign`) to `mfa.require_for_actions`, with a "
        "method enabled in `mfa.methods`."
    )
    doc_url = links.END_USER_MFA

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        mfa = ctx.settings.mfa
        if not ctx.stage.app.embedded_wallets or mfa is None or mfa.require_for_actions is None:
            return
        if WALLET_EXPORT in mfa.require_for_actions:
            return
        high_value = ctx.stage.app.high_value
        yield Hit(
            path="mfa.require_for_actions",
            message=f"{WALLET_EXPORT} is not in mfa.require_for_actions: whoever holds a user's "
            "session can export the embedded wallet's private key without a second factor",
            severity=Severity.ERROR if high_value else None,
        )


class MfaEmailOnly(Rule):
    """An email code adds little when the email inbox is also how users sign in."""

    id = "DS404"
    name = "mfa-email-only"
    area = "mfa"
    production = Severity.WARNING
    other = None
    summary = "`email` is the only MFA method"
    remediation = (
        "Add `totp` or `passkey` to `mfa.methods`; an email code shares its weakness with an "
        "email sign-in."
    )
    doc_url = links.END_USER_MFA

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        mfa = ctx.settings.mfa
        if mfa is None or mfa.methods is None or tuple(mfa.methods) != ("email",):
            return
        yield Hit(
            path="mfa.methods",
            message="email is the only MFA method: whoever controls a user's inbox passes both "
            "the sign-in and the second factor",
        )
