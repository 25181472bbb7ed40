"""JWT lifetime (DS201-DS202): how long a stolen end-user session stays useful."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_dynamic_security.rules import links
from pulumi_dynamic_security.rules.base import Hit, Rule, RuleContext, Severity
from pulumi_dynamic_security.rules.mfa import wallet_actions_protected


class JwtLong(Rule):
    """A session lasts until its JWT expires: the longer the lifetime, the longer a stolen
    token works."""

    id = "DS201"
    name = "jwt-long"
    area = "jwt_lifetime"
    production = Severity.WARNING
    other = None
    summary = "JWT lifetime above `limits.production_jwt_max`"
    remediation = (
        "Lower `jwt_lifetime` to `limits.production_jwt_max` (default 7d) or less, as short as "
        "your users accept; raise `limits.production_jwt_max` only as a deliberate decision."
    )
    doc_url = links.AUTH_BEST_PRACTICES

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        lifetime, limit = ctx.settings.jwt_lifetime, ctx.stage.limits.production_jwt_max
        if lifetime is not None and lifetime > limit:
            yield Hit(
                path="jwt_lifetime",
                message=f"jwt_lifetime {lifetime} is above limits.production_jwt_max ({limit}): "
                f"a stolen session token keeps working for up to {lifetime}",
            )


class JwtLongWalletsNoMfa(Rule):
    """With embedded wallets and no MFA on wallet actions, the JWT alone can sign and export:
    Dynamic advises a shorter lifetime then."""

    id = "DS202"
    name = "jwt-long-wallets-no-mfa"
    area = "jwt_lifetime"
    production = Severity.ERROR
    other = Severity.WARNING
    summary = (
        "`app.embedded_wallets`, `wallet.waas.*` actions not MFA-protected, JWT above "
        "`limits.wallet_jwt_max`"
    )
    remediation = (
        "Enable a method in `mfa.methods` and list `wallet.waas.export` and `wallet.waas.sign` in "
        "`mfa.require_for_actions`, or lower `jwt_lifetime` to `limits.wallet_jwt_max` "
        "(default 24h) or less."
    )
    doc_url = links.AUTH_BEST_PRACTICES

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        lifetime, limit = ctx.settings.jwt_lifetime, ctx.stage.limits.wallet_jwt_max
        if not ctx.stage.app.embedded_wallets or lifetime is None or not lifetime > limit:
            return
        if wallet_actions_protected(ctx.settings.mfa) is not False:
            return
        yield Hit(
            path="jwt_lifetime",
            message=f"jwt_lifetime {lifetime} is above limits.wallet_jwt_max ({limit}) while "
            "embedded-wallet actions need no second factor: for that long, a stolen session "
            "token can sign with and export the user's wallet",
        )
