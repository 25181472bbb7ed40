"""The URLs and names third-party sign-in and webhooks take: validation and normalization
(docs/policy.md#external_auth, docs/policy.md#webhooks).

* a **webhook url** is an `https://` URL whose host is a DNS name (Dynamic's
  `HTTPSUrlOrSNSArn`: no IP address, no port other than 443, no user info), or an AWS SNS
  topic ARN `arn:aws:sns:<region>:<account>:<topic>`. Normalized: scheme and host lower
  case, international names in punycode (as origins are, `origins.py`), `:443` dropped, an
  empty path written `/`; the path and query are kept as written. A fragment is refused
  (it never reaches a server);
* a **JWKS url** is an absolute `http(s)://` URL with a DNS host (http loads, and is
  DS701), normalized the same way; a port is allowed; user info and a fragment are not;
* an **event name** is `<resource>.<action>`: labels of letters, digits and `_` joined by
  dots (`user.session.revoked`), at most 255 characters;
* a **claim text** (the `iss` and `aud` Dynamic requires of an external JWT) is Dynamic's
  `OptionalNullableNonEmptyStringWith255MaxLength`: 1-255 of ASCII letters, digits, space
  and `_.,:!?&%@/+-`, no space at either end; a **cookie name** is that without the
  characters a cookie name cannot hold (space, `,:?@/`).

Each check raises `UrlError` (a ValueError: the loader reports it at the value's
`file:line`). The same functions read live values for `export` and match live webhooks.
"""

from __future__ import annotations

import re

from pulumi_dynamic_security.escaping import echo
from pulumi_dynamic_security.policy.origins import (
    PORT_NUMBER_PATTERN,
    OriginError,
    normalize_origin,
    origin_host,
    split_authority,
    without_user_info,
)

URL_MAX_LENGTH = 2048
TEXT_MAX_LENGTH = 255
_SNS_ARN = re.compile(r"arn:aws:sns:[a-z]{2}(-[a-z]+)+-[0-9]{1,2}:[0-9]{12}:[A-Za-z0-9_-]{1,256}")
# Dynamic's host part of `HTTPSUrlOrSNSArn` (and of its JWKS url): a DNS name, alphabetic TLD.
_DNS_HOST = re.compile(r"[a-z0-9]+([-.]+[a-z0-9]+)*\.[a-z]{2,10}")
_EVENT = re.compile(r"[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+")
_CLAIM_TEXT = re.compile(r"[A-Za-z0-9_.,:!?&%@/+ -]+")
_COOKIE_NAME = re.compile(r"[A-Za-z0-9_.!&%+-]+")

# For the JSON Schema: as strict as a pattern can say (the loader says why, and normalizes).
# A host is `_DNS_HOST` in any case; a label with a non-ASCII character is let through (its
# mapping under UTS #46 is the loader's to judge). A port is at most 5 digits, as origins.
_HOST_PATTERN = (
    r"(?:[A-Za-z0-9]|[^\x00-\x7f])+(?:(?:-+|-*\.-*)(?:[A-Za-z0-9]|[^\x00-\x7f])+)*"
    r"\.(?:[A-Za-z]{2,10}|[A-Za-z]*[^\x00-\x7f](?:[A-Za-z]|[^\x00-\x7f])*)"
)
_PORT_DIGITS = r":(?=[0-9]{1,5}(?:[/?]|$))0*"
_TAIL_PATTERN = r"(?:[/?][^\s#\x00-\x1f\x7f-\x9f]*)?"
WEBHOOK_URL_PATTERN = (
    r"^(?:[hH][tT][tT][pP][sS]://" + _HOST_PATTERN + "(?:" + _PORT_DIGITS + "443)?"
    + _TAIL_PATTERN + "|" + _SNS_ARN.pattern + ")$"
)
JWKS_URL_PATTERN = (
    r"^[hH][tT][tT][pP][sS]?://" + _HOST_PATTERN + "(?:" + _PORT_DIGITS + PORT_NUMBER_PATTERN
    + ")?" + _TAIL_PATTERN + "$"
)
EVENT_PATTERN = f"^{_EVENT.pattern}$"
CLAIM_TEXT_PATTERN = r"^[A-Za-z0-9_.,:!?&%@/+-]([A-Za-z0-9_.,:!?&%@/+ -]*[A-Za-z0-9_.,:!?&%@/+-])?$"
COOKIE_NAME_PATTERN = f"^{_COOKIE_NAME.pattern}$"


class UrlError(ValueError):
    """A URL or name Dynamic would refuse (or that would not mean what it reads as)."""


def _refuse_unprintable(shown: str, value: str, what: str) -> None:
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise UrlError(f"{what} {shown} contains a space or a control character")


def _split_url(value: str, shown: str, what: str, schemes: tuple[str, ...]) -> tuple[str, str]:
    """(scheme, normalized `scheme://host[:port]`) and the rest (path and query), refusing
    user info and a fragment."""
    scheme, sep, rest = value.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in schemes:
        wanted = " or ".join(f"{s}://" for s in schemes)
        raise UrlError(f"{what} {shown} must start with {wanted}")
    authority, tail = split_authority(rest)
    if "@" in authority:  # `shown` has it masked (`without_user_info`)
        raise UrlError(f"{what} {shown} contains user info ('@'): never put a credential in a "
                       "URL; remove it")
    if "#" in tail:
        raise UrlError(f"{what} {shown} has a fragment ('#'), which never reaches the server; "
                       "remove it")
    if "*" in authority:
        raise UrlError(f"{what} {shown} has a '*' in its host; name one host")
    try:
        base = normalize_origin(f"{scheme}://{authority}")
    except OriginError as exc:
        raise UrlError(f"{what} {shown} has an invalid host ({exc})") from None
    if not _DNS_HOST.fullmatch(origin_host(base)):
        raise UrlError(f"{what} {shown} must name a DNS host such as hooks.example.com "
                       "(Dynamic refuses IP addresses, single labels and local names)")
    if tail.startswith("?"):
        tail = "/" + tail
    return base, tail or "/"


def _url_text(value: object, what: str) -> tuple[str, str]:
    """`value` as URL text, and how messages show it; UrlError for what no URL can be."""
    if not isinstance(value, str):
        raise UrlError(f"{what} must be text, got {echo(value)}")
    shown = echo(without_user_info(value))  # a password in the url never reaches a message
    if not value:
        raise UrlError(f"{what} cannot be empty")
    if len(value) > URL_MAX_LENGTH:
        raise UrlError(f"{what} {shown} is longer than {URL_MAX_LENGTH} characters")
    _refuse_unprintable(shown, value, what)
    return value, shown


def normalize_webhook_url(value: object) -> str:
    """A webhook url in canonical form (see the module docstring), or UrlError."""
    value, shown = _url_text(value, "webhook url")
    if value.lower().startswith("arn:"):
        if not _SNS_ARN.fullmatch(value):
            raise UrlError(
                f"webhook url {shown} is not an SNS topic ARN: write "
                "arn:aws:sns:<region>:<12-digit account>:<topic>, e.g. "
                "arn:aws:sns:us-east-1:123456789012:dynamic-events"
            )
        return value
    if value.lower().startswith("http://"):
        raise UrlError(f"webhook url {shown} is plain http: Dynamic delivers webhooks only "
                       "over https (or to an SNS topic); use https://")
    base, tail = _split_url(value, shown, "webhook url", ("https",))
    if base.count(":") > 1:
        raise UrlError(f"webhook url {shown} has a port: Dynamic accepts only https on its "
                       "default port 443")
    return base + tail


def webhook_url_or_none(value: object) -> str | None:
    """`normalize_webhook_url`, or None for a live url that is not valid in a policy."""
    try:
        return normalize_webhook_url(value)
    except UrlError:
        return None


def normalize_jwks_url(value: object) -> str:
    """A JWKS url in canonical form, or UrlError (`http://` loads: DS701 judges it)."""
    value, shown = _url_text(value, "jwks_url")
    base, tail = _split_url(value, shown, "jwks_url", ("https", "http"))
    return base + tail


def event_name(value: object) -> str:
    """A webhook event name as written, or UrlError."""
    if not isinstance(value, str):
        raise UrlError(f"an event name must be text, got {echo(value)}")
    if len(value) > TEXT_MAX_LENGTH or not _EVENT.fullmatch(value):
        raise UrlError(f"{echo(value)} is not an event name: write <resource>.<action> with "
                       "letters, digits and '_' between dots, e.g. user.session.revoked")
    return value


def claim_text(value: object) -> str:
    """An `iss` or `aud` value as written, or UrlError."""
    return _text(value, _CLAIM_TEXT, "letters, digits, spaces and _ . , : ! ? & % @ / + -")


def cookie_name(value: object) -> str:
    """A cookie name as written, or UrlError."""
    return _text(value, _COOKIE_NAME, "letters, digits and _ . ! & % + -")


def _text(value: object, pattern: re.Pattern[str], allowed: str) -> str:
    if not isinstance(value, str):
        raise UrlError(f"expected text, got {echo(value)}")
    if not value:
        raise UrlError("must not be empty (leave the key out instead)")
    if value != value.strip():
        raise UrlError(f"{echo(value)} starts or ends with a space")
    if len(value) > TEXT_MAX_LENGTH:
        raise UrlError(f"{echo(value)} is longer than {TEXT_MAX_LENGTH} characters")
    if not pattern.fullmatch(value):
        raise UrlError(f"{echo(value)} holds a character Dynamic does not accept here (only "
                       f"{allowed})")
    return value
