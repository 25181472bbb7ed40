"""Allowed origins (DS101-DS105): which web pages may call Dynamic's SDK endpoints with the
environment id.

The environment id is public (it ships in the page), so the origin list is what keeps another
site from signing users in against this environment. Origins arrive normalized
(`policy/origins.py`), so each hit's `value` is the exact string a waiver's `values` names.
Which hosts are local (DS103), every IPv4 spelling a browser accepts included, is decided in
`policy/hosts.py`; whether a host may not be the domain it reads as (DS105) in
`rules/confusables.py`, whose docstring says why that approach: Unicode's script and
confusables data (UTS #39), the tests browsers apply before they show a name in Unicode.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from pulumi_dynamic_security.escaping import ECHO_LIMIT, clip
from pulumi_dynamic_security.policy.origins import (
    is_local_origin,
    origin_host,
    origin_port,
    origin_scheme,
)
from pulumi_dynamic_security.rules import links
from pulumi_dynamic_security.rules.base import Hit, Rule, RuleContext, Severity
from pulumi_dynamic_security.rules.confusables import confusion


def _origins(ctx: RuleContext) -> Iterator[tuple[int, str]]:
    """(index, origin) for each distinct origin; a repeated spelling is reported once, at its
    first position, since Dynamic compares origins as a set."""
    seen: set[str] = set()
    for index, origin in enumerate(ctx.settings.allowed_origins or ()):
        if origin not in seen:
            seen.add(origin)
            yield index, origin


class OriginsEmpty(Rule):
    """An empty origin list is not "nothing allowed": Dynamic then accepts every domain."""

    id = "DS101"
    name = "origins-empty"
    area = "allowed_origins"
    production = Severity.ERROR
    other = Severity.WARNING
    summary = "`allowed_origins` is empty: Dynamic then accepts every domain"
    remediation = (
        "List the exact origins your app is served from under `allowed_origins` "
        "(e.g. [https://app.example.com]); an empty list lets every domain use the environment id."
    )
    doc_url = links.SECURITY_SETTINGS

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        # `None` is "not managed" (nothing to judge); only a list that is really empty fires.
        if ctx.settings.allowed_origins is not None and not ctx.settings.allowed_origins:
            yield Hit(
                path="allowed_origins",
                message="allowed_origins is empty: Dynamic then accepts SDK requests from every "
                "domain, so any site can sign users in with this environment id",
            )


class OriginWildcard(Rule):
    """A `*` admits origins nobody reviewed, e.g. any preview deployment or subdomain."""

    id = "DS102"
    name = "origin-wildcard"
    area = "allowed_origins"
    production = Severity.ERROR
    other = Severity.NOTE
    summary = "an origin contains `*`"
    remediation = (
        "Replace the wildcard in `allowed_origins` with the exact origins you deploy to; keep "
        "wildcards for previews in non-production stages, or waive one origin with `values:`."
    )
    doc_url = links.SECURITY_SETTINGS

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        for index, origin in _origins(ctx):
            if "*" in origin:
                yield Hit(
                    path=f"allowed_origins[{index}]",
                    message=f"{origin} allows {_wildcard_reach(origin)} to call Dynamic with "
                    "this environment id",
                    value=origin,
                )


def _wildcard_reach(origin: str) -> str:
    """What a wildcard origin admits, in words (Dynamic's `*` matches any run of a-z, 0-9,
    '-' and '.')."""
    host = origin_host(origin)
    if origin_port(origin) == "*":
        return f"any port on {host}"
    if host == "*":
        return f"every {origin_scheme(origin)} origin"
    if host.startswith("*."):
        return f"any subdomain of {host[2:]}"
    return f"any host matching {host}"


class OriginLocal(Rule):
    """A production environment that trusts local hosts trusts whatever runs on them."""

    id = "DS103"
    name = "origin-local"
    area = "allowed_origins"
    production = Severity.ERROR
    other = None
    summary = (
        "host is localhost, `*.localhost`, a loopback/private/link-local/shared (100.64/10) IP in "
        "any spelling the browser accepts (`127.1`, `2130706433`, `0x7f000001`, `0177.0.0.1` "
        "are loopback), `0.0.0.0`, a single label (`intranet`), or ends in `.local`, "
        "`.localdomain`, `.home.arpa`, `.test`, `.internal`, `.lan`"
    )
    remediation = (
        "Remove local origins from the production stage's `allowed_origins`; keep them in a "
        "development stage on the sandbox environment."
    )
    doc_url = links.SECURITY_SETTINGS

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        for index, origin in _origins(ctx):
            if is_local_origin(origin):
                what = "can match local hosts" if "*" in origin else "is a local address"
                yield Hit(
                    path=f"allowed_origins[{index}]",
                    message=f"{origin} {what}: it lets any page served from a developer's "
                    "machine or a private network use the production environment id",
                    value=origin,
                )


class OriginPlainHttp(Rule):
    """Plain http lets anyone on the network read or rewrite the page that holds the session."""

    id = "DS104"
    name = "origin-plain-http"
    area = "allowed_origins"
    production = Severity.ERROR
    other = Severity.WARNING
    summary = "`http://` origin (non-prod: only when the host is not local)"
    remediation = (
        "Serve the app over https and write the origin as `https://` in `allowed_origins`; keep "
        "`http://` only for local hosts in non-production stages."
    )
    doc_url = links.SECURITY_SETTINGS

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        for index, origin in _origins(ctx):
            if origin_scheme(origin) != "http":
                continue
            # Local development servers rarely have certificates; outside production that is
            # expected, and DS103 already keeps local hosts out of production.
            if not ctx.stage.production and is_local_origin(origin):
                continue
            yield Hit(
                path=f"allowed_origins[{index}]",
                message=f"{origin} is plain http: anyone on the network path can read or alter "
                "the page and take over the session Dynamic starts in it",
                value=origin,
            )


class OriginConfusable(Rule):
    """A name that mixes scripts or uses look-alike letters may belong to someone else: in an
    origin (its pages sign users in), a webhook's url or external auth's JWKS URL."""

    id = "DS105"
    name = "origin-confusable"
    area = "allowed_origins"
    production = Severity.WARNING
    other = Severity.NOTE
    summary = (
        "the host mixes scripts (Latin with Cyrillic or Greek, ...) or uses characters that "
        "look like others: it may not be the domain it reads as"
    )
    remediation = (
        "Check that the host is the domain you mean: write it as its punycode form "
        "(xn--...) and compare it with your DNS; if it is yours, waive it with `values:`."
    )
    doc_url = links.SECURITY_SETTINGS

    def check(self, ctx: RuleContext) -> Iterator[Hit]:
        for index, origin in _origins(ctx):
            found = confusion(origin_host(origin))
            if found is not None:
                yield Hit(
                    path=f"allowed_origins[{index}]",
                    message=f"{origin}: {found.describe()}; it may not be the domain it reads "
                    "as, and a look-alike domain can be registered by anyone",
                    value=origin,
                )
        for path, url, stake in _other_hosts(ctx):
            found = confusion(_hostname(url))
            if found is not None:
                yield Hit(
                    path=path,
                    message=f"{clip(url, ECHO_LIMIT)}: {found.describe()}; it may not be the "
                    "domain it reads as, "
                    f"and whoever registered the look-alike {stake}",
                    value=url,
                )


def _hostname(url: str) -> str:
    """The host `url` names; "" when it is no URL (a live webhook's url is Dynamic's answer,
    kept as it came when it does not normalize: `mapping/webhooks.live_url`)."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # e.g. an unclosed `[`: "Invalid IPv6 URL"
        return ""


def _other_hosts(ctx: RuleContext) -> Iterator[tuple[str, str, str]]:
    """(path, url, what a look-alike host would get) for the other URLs a stage writes that
    name a host, normalized as origins are (`policy/urls.py`): each webhook's, and external
    auth's JWKS URL."""
    for index, webhook in enumerate(ctx.settings.webhooks or ()):
        if webhook.url.startswith("https://"):  # else an SNS topic ARN, which names no host
            yield (f"webhooks[{index}].url", webhook.url,
                   "receives the environment's events, signed")
    auth = ctx.settings.external_auth
    if auth is not None and auth.enabled and auth.jwks_url:
        yield ("external_auth.jwks_url", auth.jwks_url,
               "serves the keys every third-party sign-in is checked with")
