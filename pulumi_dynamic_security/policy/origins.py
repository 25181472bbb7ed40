"""Allowed origins: validation and normalization, the way browsers read them.

Valid form: `scheme://host[:port]`, scheme one of http, https, chrome-extension,
moz-extension; no path, query, fragment, user info or trailing slash; at most one `*`
(Dynamic's own limit). Normalization lower-cases scheme and host, drops the default port
(`:443` for https, `:80` for http), and turns the host into what a browser puts in the
`Origin` header, so that two spellings of one origin compare equal and the one Dynamic is
given is the one browsers send:

* international names go to punycode by UTS #46 non-transitional processing with IDNA 2008
  (the `idna` package), as browsers do: `straße.de` is `xn--strae-oqa.de`, never the
  `strasse.de` of IDNA 2003; a punycode label must decode to a valid name and be spelled as
  it encodes back;
* a numeric host becomes its dotted quad (`127.1` is `127.0.0.1`; see `hosts.py`).

What a browser would silently rewrite, we refuse instead, since the result would not be the
host the reviewer read: only ASCII `.` separates labels (U+3002, U+FF0E, U+FF61 and other
dots are input errors), an invisible or default-ignorable character (ZWJ, ZWNJ, soft hyphen,
BOM, ...) anywhere in the host is an input error, and so is a trailing dot. Normalizing a
normalized origin gives it back unchanged.
"""

from __future__ import annotations

import re
import unicodedata

import idna

from pulumi_dynamic_security.escaping import echo
from pulumi_dynamic_security.policy.hosts import NotAnAddress, ends_in_number, ipv4, is_local_host

SCHEMES = ("http", "https", "chrome-extension", "moz-extension")
NETWORK_SCHEMES = ("http", "https")  # the others name a browser extension, not a host
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_HOST_CHARS = re.compile(r"[a-z0-9._*-]{1,256}")
# Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties): drawn as nothing at all.
_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)


def _any_case(word: str) -> str:
    return "".join(f"[{ch}{ch.upper()}]" if ch.isalpha() else ch for ch in word)


# The form `normalize_origin` accepts, as a JSON Schema pattern (ECMA-262 and Python alike;
# JSON Schema patterns have no flags, hence the spelled-out cases): a scheme of SCHEMES in any
# case, `://`, labels of ASCII letters, digits, '_', '-', '*' or any non-ASCII character
# joined by single dots (no empty label, no trailing dot), an optional port 1-65535 of at most
# five digits or '*', and at most one '*' in all. What it cannot say (IDNA validity, dots
# other than '.', invisible characters, IPv4 spellings) the loader still checks.
# A port number 1-65535 without leading zeros (the patterns put `0*` before it).
PORT_NUMBER_PATTERN = (
    r"(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
)
ORIGIN_PATTERN = (
    r"^(?=[^*]*\*?[^*]*$)"
    "(?:" + "|".join(_any_case(scheme) for scheme in SCHEMES) + ")"
    r"://(?:[A-Za-z0-9_*-]|[^\x00-\x7f])+(?:\.(?:[A-Za-z0-9_*-]|[^\x00-\x7f])+)*"
    r"(?::(?:\*|(?=[0-9]{1,5}$)0*" + PORT_NUMBER_PATTERN + "))?$"
)


class OriginError(ValueError):
    """An origin Dynamic would refuse, with the reason in words."""


def split_authority(rest: str) -> tuple[str, str]:
    """What follows `scheme://`, split into the authority and the rest (path, query,
    fragment), at the first `/`, `?` or `#`."""
    split = min((rest.find(ch) for ch in "/?#" if ch in rest), default=len(rest))
    return rest[:split], rest[split:]


def without_user_info(text: str) -> str:
    """`text` with the user info of its authority (`user:password@`) shown as `***@`: it may be
    a password, and error messages reach terminals and CI logs."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "", text
    authority, tail = split_authority(rest)
    if "@" not in authority:
        return text
    return f"{scheme}{sep}***@{authority.rpartition('@')[2]}{tail}"


def normalize_origin(text: str) -> str:
    """The canonical spelling of `text`, or OriginError saying what is wrong with it."""
    if not isinstance(text, str):
        raise OriginError(f"an origin must be a string, got {echo(text)}")
    if text == "":
        raise OriginError("an origin cannot be empty")
    text_shown = without_user_info(text)
    shown = echo(text_shown)
    if any(ch.isspace() for ch in text):
        raise OriginError(f"{shown} contains a space")
    scheme, sep, rest = text.partition("://")
    if not sep:
        raise OriginError(
            f"{shown} has no scheme: write it as scheme://host[:port], e.g. "
            f"https://{text_shown[:60]}"
        )
    scheme = scheme.lower()
    if scheme not in SCHEMES:
        raise OriginError(f"{shown} has scheme {echo(scheme)}; use one of {', '.join(SCHEMES)}")
    _refuse_url_parts(shown, rest)
    if text.count("*") > 1:
        raise OriginError(f"{shown} has more than one '*' (Dynamic allows one)")
    host, port = _split_port(shown, rest)
    host = _normalize_host(shown, host)
    if port is not None and _DEFAULT_PORTS.get(scheme) == port:
        port = None
    return f"{scheme}://{host}" + (f":{port}" if port is not None else "")


def _refuse_url_parts(shown: str, rest: str) -> None:
    if "@" in rest:
        raise OriginError(f"{shown} contains user info ('@'); an origin is scheme://host[:port]")
    if "?" in rest:
        raise OriginError(f"{shown} has a query string; an origin is scheme://host[:port]")
    if "#" in rest:
        raise OriginError(f"{shown} has a fragment; an origin is scheme://host[:port]")
    if rest.endswith("/") and rest.count("/") == 1:
        raise OriginError(f"{shown} ends with '/'; remove the trailing slash")
    if "/" in rest or "\\" in rest:
        raise OriginError(f"{shown} has a path; an origin is scheme://host[:port], no path")
    if rest.startswith("["):
        raise OriginError(f"{shown} is an IPv6 literal, which Dynamic does not accept")


def _split_port(shown: str, rest: str) -> tuple[str, str | None]:
    host, sep, port = rest.partition(":")
    if not sep:
        return host, None
    if port == "*":
        return host, port
    if not port.isdigit() or not port.isascii() or len(port) > 5 or not 1 <= int(port) <= 65535:
        raise OriginError(f"{shown} has an invalid port {echo(port)}: use 1-65535 or '*'")
    return host, str(int(port))


def _normalize_host(shown: str, host: str) -> str:
    if host == "":
        raise OriginError(f"{shown} has no host")
    _refuse_hidden_characters(shown, host)
    if host.endswith("."):
        raise OriginError(
            f"{shown} ends its host with a dot; remove it (a browser sends the origin without it)"
        )
    labels = host.split(".")
    if any(label == "" for label in labels):
        raise OriginError(f"{shown} has an empty label in its host (a leading or double dot)")
    normalized = ".".join(_ascii_label(shown, label) for label in labels)
    if not _HOST_CHARS.fullmatch(normalized):
        raise OriginError(
            f"{shown} has characters Dynamic does not accept in a host "
            "(letters, digits, '.', '_', '-' and one '*')"
        )
    if ends_in_number(normalized):
        try:
            return str(ipv4(normalized))
        except NotAnAddress as exc:
            raise OriginError(
                f"{shown}: a host that ends in a number is an IPv4 address to a browser, and "
                f"this one {exc}; browsers refuse it"
            ) from None
    return normalized


def _refuse_hidden_characters(shown: str, text: str) -> None:
    """Dots other than ASCII '.', and characters drawn as nothing, are refused: a browser
    would read the first as a label separator and drop (or refuse) the second."""
    for ch in text:
        if ch.isascii() and ch.isprintable():
            continue
        if _is_invisible(ch):
            raise OriginError(
                f"{shown} holds an invisible character in its host ({_describe(ch)}): the "
                "host would not be the one it reads as; remove it"
            )
        dot = _dot_kind(ch)
        if dot is not None:
            raise OriginError(
                f"{shown} holds {_describe(ch)} in its host, which {dot}; only '.' may "
                "separate labels: write '.'"
            )


def _is_invisible(ch: str) -> bool:
    code = ord(ch)
    if any(low <= code <= high for low, high in _IGNORABLE):
        return True
    return unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp")


def _dot_kind(ch: str) -> str | None:
    """How `ch` is a dot, if it is one: UTS #46 maps some to '.', others only look like one."""
    try:
        if "." in idna.uts46_remap(ch, std3_rules=False, transitional=False):
            return "browsers read as a dot"
    except idna.IDNAError:
        pass
    if "." in unicodedata.normalize("NFKC", ch) or "FULL STOP" in unicodedata.name(ch, ""):
        return "looks like a dot"
    return None


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}".rstrip()


def _ascii_label(shown: str, label: str) -> str:
    if not label.isascii():
        if "*" in label:
            raise OriginError(f"{shown} mixes '*' with non-ASCII characters in one label")
        try:
            mapped = idna.uts46_remap(label, std3_rules=False, transitional=False)
            if not mapped.isascii():
                return idna.alabel(mapped).decode("ascii")
        except (idna.IDNAError, UnicodeError) as exc:
            raise OriginError(
                f"{shown} has a host label that is not a valid international name (IDNA "
                f"2008): {echo(label)} ({exc})"
            ) from None
        label = mapped  # e.g. fullwidth letters: the ASCII name they stand for
    label = label.lower()
    if label.startswith("xn--"):
        _check_a_label(shown, label)
    return label


def _check_a_label(shown: str, label: str) -> None:
    """A punycode label is valid only if it decodes to a valid name that encodes back to the
    same spelling, and holds nothing invisible."""
    try:
        decoded = idna.ulabel(label)
        valid = idna.alabel(decoded).decode("ascii") == label
    except (idna.IDNAError, UnicodeError):
        valid = False
    if not valid:
        raise OriginError(
            f"{shown} has a punycode label {echo(label)} that does not decode to a valid "
            "international name; browsers refuse it"
        )
    _refuse_hidden_characters(shown, decoded)


def unicode_host(host: str) -> str:
    """A normalized host with its punycode labels decoded (how the address bar may show it)."""
    labels = []
    for label in host.split("."):
        try:
            labels.append(idna.ulabel(label) if label.startswith("xn--") else label)
        except (idna.IDNAError, UnicodeError):
            labels.append(label)  # a live origin we could not validate: shown as it is
    return ".".join(labels)


def origin_host(origin: str) -> str:
    """The host part of a normalized origin (an IPv6 literal keeps its brackets)."""
    rest = origin.partition("://")[2]
    if rest.startswith("["):
        return rest.partition("]")[0] + "]"
    return rest.partition(":")[0]


def origin_scheme(origin: str) -> str:
    return origin.partition("://")[0]


def origin_port(origin: str) -> str | None:
    """The port part of a normalized origin (`"8080"`, `"*"`), None when it has none."""
    rest = origin.partition("://")[2]
    if rest.startswith("["):
        rest = rest.partition("]")[2]
    return rest.partition(":")[2] or None


def is_local_origin(origin: str) -> bool:
    """True when the origin's host is a local one (`hosts.py`). An extension's origin
    (chrome-extension://<id>) names an installed extension, no host on any network."""
    return origin_scheme(origin) in NETWORK_SCHEMES and is_local_host(origin_host(origin))
