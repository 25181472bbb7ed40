"""Allowed origins: validation and normalization (SPEC §2).

Valid form: `scheme://host[:port]`, scheme one of http, https, chrome-extension,
moz-extension; no path, query, fragment, user info or trailing slash; at most one `*`
(Dynamic's own limit). Normalization lower-cases scheme and host, drops the default port
(`:443` for https, `:80` for http) and turns IDN hosts into punycode, so that two spellings
of one origin compare equal.
"""

from __future__ import annotations

import ipaddress
import re

SCHEMES = ("http", "https", "chrome-extension", "moz-extension")
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_HOST_CHARS = re.compile(r"[a-z0-9._*-]{1,256}")
_LOCAL_SUFFIXES = (".localhost", ".local", ".test", ".internal", ".lan")


class OriginError(ValueError):
    """An origin Dynamic would refuse, with the reason in words."""


def normalize_origin(text: str) -> str:
    """The canonical spelling of `text`, or OriginError saying what is wrong with it."""
    if not isinstance(text, str):
        raise OriginError(f"an origin must be a string, got {text!r}")
    if text == "":
        raise OriginError("an origin cannot be empty")
    if any(ch.isspace() for ch in text):
        raise OriginError(f"{text!r} contains a space")
    scheme, sep, rest = text.partition("://")
    if not sep:
        raise OriginError(
            f"{text!r} has no scheme: write it as scheme://host[:port], e.g. https://{text}"
        )
    scheme = scheme.lower()
    if scheme not in SCHEMES:
        raise OriginError(f"{text!r} has scheme {scheme!r}; use one of {', '.join(SCHEMES)}")
    _refuse_url_parts(text, rest)
    if text.count("*") > 1:
        raise OriginError(f"{text!r} has more than one '*' (Dynamic allows one)")
    host, port = _split_port(text, rest)
    host = _normalize_host(text, host)
    if port is not None and _DEFAULT_PORTS.get(scheme) == port:
        port = None
    return f"{scheme}://{host}" + (f":{port}" if port is not None else "")


def _refuse_url_parts(text: str, rest: str) -> None:
    if "@" in rest:
        raise OriginError(f"{text!r} contains user info ('@'); an origin is scheme://host[:port]")
    if "?" in rest:
        raise OriginError(f"{text!r} has a query string; an origin is scheme://host[:port]")
    if "#" in rest:
        raise OriginError(f"{text!r} has a fragment; an origin is scheme://host[:port]")
    if rest.endswith("/") and rest.count("/") == 1:
        raise OriginError(f"{text!r} ends with '/'; remove the trailing slash")
    if "/" in rest:
        raise OriginError(f"{text!r} has a path; an origin is scheme://host[:port], no path")
    if rest.startswith("["):
        raise OriginError(f"{text!r} is an IPv6 literal, which Dynamic does not accept")


def _split_port(text: str, rest: str) -> tuple[str, str | None]:
    host, sep, port = rest.partition(":")
    if not sep:
        return host, None
    if port == "*":
        return host, port
    if not port.isdigit() or not port.isascii() or len(port) > 5 or not 1 <= int(port) <= 65535:
        raise OriginError(f"{text!r} has an invalid port {port!r}: use 1-65535 or '*'")
    return host, str(int(port))


def _normalize_host(text: str, host: str) -> str:
    if host == "":
        raise OriginError(f"{text!r} has no host")
    labels = host.split(".")
    if any(label == "" for label in labels):
        raise OriginError(
            f"{text!r} has an empty label in its host (a leading, trailing or double dot)"
        )
    ascii_labels = [_ascii_label(text, label) for label in labels]
    normalized = ".".join(ascii_labels)
    if not _HOST_CHARS.fullmatch(normalized):
        raise OriginError(
            f"{text!r} has characters Dynamic does not accept in a host "
            "(letters, digits, '.', '_', '-' and one '*')"
        )
    return normalized


def _ascii_label(text: str, label: str) -> str:
    if label.isascii():
        return label.lower()
    if "*" in label:
        raise OriginError(f"{text!r} mixes '*' with non-ASCII characters in one label")
    try:
        return label.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise OriginError(f"{text!r} has a host label that is not a valid IDN: {label!r}") from exc


def origin_host(origin: str) -> str:
    """The host part of a normalized origin."""
    rest = origin.partition("://")[2]
    return rest.partition(":")[0]


def origin_scheme(origin: str) -> str:
    return origin.partition("://")[0]


def origin_port(origin: str) -> str | None:
    """The port part of a normalized origin (`"8080"`, `"*"`), None when it has none."""
    rest = origin.partition("://")[2]
    return rest.partition(":")[2] or None


def is_local_host(host: str) -> bool:
    """True for localhost, *.localhost, loopback/private/link-local IPs, 0.0.0.0, and hosts
    ending in .local, .test, .internal or .lan (SPEC §3, DS103)."""
    if host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return (
        address.is_loopback or address.is_private or address.is_link_local
        or address.is_unspecified
    )
