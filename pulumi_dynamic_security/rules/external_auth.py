"""Third-party sign-in (DS701-DS702): an external JWT is trusted exactly as far as the
`externalAuth` settings pin it, to an issuer's keys fetched over https and to one audience."""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_dynamic_security.escaping import ECHO_LIMIT, clip
from pulumi_dynamic_security.rules import links
from pulumi_dynamic_security.rules.base import Hit, Rule, RuleContext, Severity


class ExternalAuthInsecureJwks(Rule):
    """Dynamic fetches the keys that decide who may sign in from `jwks_url`: over plain http,
    anyone on the path can swap them."""

    id = "DS701"
    name = "external-auth-insecure-jwks"
    area = "external_auth"
    production = Severity.ERROR
    other = Severity.WARNING
    summary = (
        "`external_auth` enabled and `jwks_url` is not `https://`: whoever sits on the path "
        "can swap the keys and sign in as anyone"
    )
    remediation = "Serve the issuer's JWKS over https and set `external_auth.jwks_url` to it."
    doc_url = links.EXTERNAL_AUTH

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        external = ctx.settings.external_auth
        if external is None or not external.enabled or external.jwks_url is None:
            return
        if not external.jwks_url.startswith("https://"):
            yield Hit(
                path="external_auth.jwks_url",
                # cut: a live url that does not normalize is kept as Dynamic answered it
                message=f"external_auth.jwks_url is {clip(external.jwks_url, ECHO_LIMIT)}, not "
                "https: whoever "
                "sits between Dynamic and the issuer can serve their own keys and sign in as "
                "any user",
                value=external.jwks_url,
            )


class ExternalAuthNoAudience(Rule):
    """Without an audience, a JWT the same issuer minted for any other application of it
    (another product, a test client) signs in here too."""

    id = "DS702"
    name = "external-auth-no-audience"
    area = "external_auth"
    production = Severity.ERROR
    other = Severity.WARNING
    summary = (
        "`external_auth` enabled with no `audience`: a JWT the issuer minted for any other "
        "application signs in here"
    )
    remediation = (
        "Have the issuer put an audience for this application in its JWTs and set "
        "`external_auth.audience` to it."
    )
    doc_url = links.EXTERNAL_AUTH

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        external = ctx.settings.external_auth
        if external is None or not external.enabled or external.audience:
            return
        yield Hit(
            path="external_auth.audience",
            message="external_auth is enabled with no audience: a JWT the issuer minted for "
            "any other application accepted by the same issuer signs in here",
        )
