"""Token storage (DS301-DS302): where the browser SDK keeps the end-user JWT."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_dynamic_security.rules import links
from pulumi_dynamic_security.rules.base import Hit, Rule, RuleContext, Severity


class JwtInLocalStorage(Rule):
    """A JWT in localStorage is readable by any script on the page, so one XSS steals the
    session; an HttpOnly cookie is not."""

    id = "DS301"
    name = "jwt-in-localstorage"
    area = "token_storage"
    production = Severity.WARNING
    other = None
    summary = "`token_storage: localstorage`"
    remediation = (
        "Set `token_storage: cookie` once the environment has an active `cookies` custom "
        "hostname; if a backend on another site needs the JWT in a header, waive DS301 with "
        "that reason."
    )
    doc_url = links.AUTH_BEST_PRACTICES

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        if ctx.settings.token_storage == "localstorage":
            yield Hit(
                path="token_storage",
                message="token_storage is localstorage: any script that runs on the page (one "
                "XSS, one compromised dependency) can read the JWT and replay the session",
            )


class CookieWithoutHostname(Rule):
    """In a live environment Dynamic stops returning the JWT to the page once cookies are on;
    without an active cookie domain nothing can set the cookie, so sign-in breaks."""

    id = "DS302"
    name = "cookie-without-hostname"
    area = "token_storage"
    production = Severity.ERROR
    other = Severity.WARNING
    live = True
    summary = (
        "(live) `cookie` storage declared for a `live` environment that has no active `cookies` "
        "custom hostname: every sign-in would break"
    )
    remediation = (
        "Create a custom hostname with usage `cookies` (dashboard: Developer > Domains), wait "
        "until it is active and point the SDK at it, then apply `token_storage: cookie`; until "
        "then keep `token_storage: localstorage`."
    )
    doc_url = links.COOKIE_AUTHENTICATION

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        live = ctx.live
        if live is None or ctx.settings.token_storage != "cookie":
            return
        # `active_cookie_hostname` is None when the hostnames were not read (not a switch to
        # cookie storage): nothing is known, so nothing is reported.
        if live.environment_name == "live" and live.active_cookie_hostname is False:
            yield Hit(
                path="token_storage",
                message="token_storage is cookie but this live environment has no active "
                "custom hostname with usage `cookies`: Dynamic would stop returning the JWT to "
                "the page and no cookie could be set, so every sign-in would break",
            )
