"""How a `DynamicClient` reaches the API: base URL, token, timeouts, budget and retries.

Both classes are frozen dataclasses so one configuration can be shared by a thread pool.
The token is a `redaction.Secret`: the dataclass `repr` shows `Secret(***)`, never the value.

The API URL is checked before any request (`check_api_url`): `https://`, or `http://` to
this machine (127.0.0.0/8, ::1, localhost), since the token travels in a header of every
request. Plain http to another host is refused (InputError, exit 3) unless the caller
allows it (`--allow-insecure-http`, or `DYNSEC_ALLOW_INSECURE_HTTP=1`, which is also what
`ClientConfig` reads by default, so the Pulumi providers honour it). A malformed URL (a
broken IPv6 literal, a bad port, user info, a query) is an InputError too. No message
shows a URL's user info or query: `display_url` leaves them out.
"""

from __future__ import annotations

import ipaddress
import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pulumi_dynamic_security.errors import InputError
from pulumi_dynamic_security.escaping import ECHO_LIMIT, echo
from pulumi_dynamic_security.redaction import Secret, register

DEFAULT_BASE_URL = "https://app.dynamicauth.com/api/v0"
# Two thirds of Dynamic's 1,500 admin requests per minute per IP.
DEFAULT_MAX_REQUESTS_PER_MINUTE = 1000
ALLOW_INSECURE_HTTP_ENV = "DYNSEC_ALLOW_INSECURE_HTTP"
_TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y", "on"})  # what click takes for a flag
_URL_HINT = "Set DYNAMIC_API_URL or --api-url to e.g. " + DEFAULT_BASE_URL + "."
_LOOPBACK_NAMES = frozenset({"localhost", "localhost."})
_AUTHORITY = re.compile(r"^(?P<scheme>[^:/?#]*:)?//(?P<userinfo>[^/?#]*@)?")


def insecure_http_allowed_by_environment() -> bool:
    """Whether DYNSEC_ALLOW_INSECURE_HTTP allows plain http to a remote API host."""
    return os.environ.get(ALLOW_INSECURE_HTTP_ENV, "").strip().lower() in _TRUE_WORDS


def display_url(url: str) -> str:
    """`url` as a message may show it, quoted: no user info (`***@`), no query or fragment,
    at most ECHO_LIMIT characters, escaped."""
    shown = _AUTHORITY.sub(
        lambda m: (m.group("scheme") or "") + "//" + ("***@" if m.group("userinfo") else ""),
        url.strip(),
        count=1,
    )
    shown = re.split(r"[?#]", shown, maxsplit=1)[0]
    return echo(shown, ECHO_LIMIT)


@dataclass(frozen=True)
class ApiUrl:
    """An API URL that passed `check_api_url`."""

    url: str
    host: str
    insecure: bool  # plain http to another host, allowed by the caller


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 (also as an IPv4-mapped address) or the name localhost."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def _refuse(url: str, problem: str, hint: str = _URL_HINT) -> InputError:
    return InputError(f"The API URL {display_url(url)} {problem}.", hint=hint)


def check_api_url(url: str, *, allow_insecure_http: bool) -> ApiUrl:
    """`url` checked as the base URL of Dynamic's API (see the module docstring); an
    InputError (exit 3) that never echoes user info or a query when it is not usable."""
    text = url.strip()
    scheme = text.partition("://")[0].lower() if "://" in text else ""
    if scheme not in {"http", "https"} or not text.partition("://")[2].strip("/"):
        raise _refuse(url, "is not an http(s) URL")
    if any(char.isspace() or not char.isprintable() or char == "\\" for char in text):
        raise _refuse(url, "contains a space, a backslash or a control character")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:  # a broken [IPv6] literal, a port that is not a number in 0-65535
        raise _refuse(url, "is malformed (check the host and the port)") from None
    if "@" in parts.netloc:
        raise _refuse(
            url, "holds user info (a name or password before '@')",
            hint="Remove it: the API token comes from DYNAMIC_API_TOKEN (or the stage's "
            "token_env) or --token-file, never from the URL.",
        )
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        raise _refuse(url, "has a query or a fragment (not shown here); the base URL ends "
                      "with the path, e.g. /api/v0")
    host = parts.hostname or ""
    if not host:
        raise _refuse(url, "has no host")
    import httpx  # here, not at the top: `dynsec --help` and validate never load it

    try:
        httpx.URL(text)  # what the client will make of it
        if not _is_address(host):
            host.encode("idna")  # how the resolver will spell it (label lengths, empty labels)
    except (httpx.InvalidURL, ValueError):  # UnicodeError is a ValueError
        raise _refuse(url, "is malformed (check the host and the port)") from None
    if port == 0:
        raise _refuse(url, "has port 0")
    insecure = scheme == "http" and not is_loopback_host(host)
    if insecure and not allow_insecure_http:
        raise _refuse(
            url,
            "is plain http to a host that is not this machine: the API token would cross "
            "the network unencrypted",
            hint="Use https://; plain http is only for a local emulator (127.0.0.1, ::1, "
            "localhost). To send it anyway (e.g. through a test proxy), pass "
            f"--allow-insecure-http or set {ALLOW_INSECURE_HTTP_ENV}=1.",
        )
    return ApiUrl(text.rstrip("/"), host, insecure)


def insecure_http_warning(url: str) -> str:
    """The warning shown when plain http to a remote host was allowed."""
    return (
        f"Warning: the API URL {display_url(url)} is plain http to a host that is not this "
        "machine, allowed by --allow-insecure-http / "
        f"{ALLOW_INSECURE_HTTP_ENV}: the API token and every answer cross the network "
        "unencrypted."
    )


@dataclass(frozen=True)
class RetryPolicy:
    """When and how long to wait before trying a request again.

    `max_attempts` counts every try, the first one included. Without a `Retry-After`
    header the wait before attempt n+1 is "full jitter": a uniform draw in
    [0, min(backoff_cap, backoff_base * 2**(n-1))], which spreads out the clients of a
    thread pool that all failed at once. A `Retry-After` is honoured up to
    `retry_after_cap` seconds, so a server asking for an hour cannot hang a CI job. Why six
    attempts, and these waits: docs/decisions/retries.md.
    """

    max_attempts: int = 6
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    retry_after_cap: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.backoff_base < 0 or self.backoff_cap < 0 or self.retry_after_cap < 0:
            raise ValueError("backoff and Retry-After caps must not be negative")

    def backoff(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based), with full jitter."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0 ** max(attempt - 1, 0))
        return ceiling * rng()


@dataclass(frozen=True)
class ClientConfig:
    """Everything a `DynamicClient` needs; safe to print (the token shows as `***`)."""

    token: Secret
    base_url: str = DEFAULT_BASE_URL
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_requests_per_minute: int = DEFAULT_MAX_REQUESTS_PER_MINUTE
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    allow_insecure_http: bool = field(default_factory=insecure_http_allowed_by_environment)

    def __post_init__(self) -> None:
        if not isinstance(self.token, Secret):
            # A plain str here would print itself in repr and tracebacks.
            raise TypeError("ClientConfig.token must be a redaction.Secret")
        # Secret registers itself on construction; registering again is cheap and covers a
        # Secret built before the redaction set was reset (tests do that).
        register(self.token.reveal())
        if self.max_requests_per_minute < 1:
            raise ValueError("max_requests_per_minute must be at least 1")
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            raise ValueError("timeouts must be positive")
        checked = check_api_url(self.base_url, allow_insecure_http=self.allow_insecure_http)
        # The generated client strips trailing slashes from its base path; so do we, so
        # that "base_url + /environments/..." never holds a double slash.
        object.__setattr__(self, "base_url", checked.url)
