"""The environment's signing keys: its JWKS, fetched when needed and cached by `kid`.

A `kid` the cache holds costs a dictionary lookup, with no lock and no request. A `kid` it
does not hold may cause one fetch, and at most one fetch per `refetch_interval` however many
such tokens arrive (the attempts of one interval share the first one's outcome; the others
are refused as `unknown_key` without a request): a flood of tokens with made-up `kid`s
cannot make the backend a client that exhausts the SDK rate limit of its own IP. A fetch
replaces the whole cache, so a key that left the JWKS (a rotation) is forgotten then.

The answer is untrusted: at most `MAX_JWKS_BYTES` are read (streamed, cut off past the cap,
decompressed size counted), JSON nested at most a few levels, at most `MAX_KEYS` keys looked
at, and only RSA keys of 2048 to 8192 bits meant for RS256 signatures kept. Redirects are not
followed and there is no token to send: the JWKS routes need none.

httpx and cryptography are imported on the first fetch, not with this module.
"""

from __future__ import annotations

import binascii
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pulumi_dynamic_security._version import __version__
from pulumi_dynamic_security.bounded_json import JsonLimitError, describe_size
from pulumi_dynamic_security.bounded_json import loads as bounded_loads
from pulumi_dynamic_security.escaping import echo
from pulumi_dynamic_security.verify.errors import JwksUnavailable, JwtRejected
from pulumi_dynamic_security.verify.tokens import b64url_decode

if TYPE_CHECKING:
    import httpx
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

MAX_JWKS_BYTES = 64 * 1024
MAX_KEYS = 32
MAX_KID_CHARS = 256
MIN_KEY_BITS, MAX_KEY_BITS = 2048, 8192
_JWKS_DEPTH = 4  # {"keys": [{...}]} is 3 deep


class RsaKey:
    """One RS256 verification key (a cryptography public key, padding and hash made once)."""

    __slots__ = ("_invalid", "_key", "_padding", "_sha256", "kid")

    def __init__(self, kid: str, key: RSAPublicKey) -> None:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
        from cryptography.hazmat.primitives.hashes import SHA256

        self.kid = kid
        self._key = key
        self._padding = PKCS1v15()
        self._sha256 = SHA256()
        self._invalid = InvalidSignature

    @property
    def public_key(self) -> RSAPublicKey:
        return self._key

    def verify(self, signature: bytes, signed: bytes) -> bool:
        try:
            self._key.verify(signature, signed, self._padding, self._sha256)
        except self._invalid:
            return False
        return True


class KeyCache:
    """The JWKS at `url`, cached by `kid`; thread-safe (see the module docstring)."""

    def __init__(self, url: str, *, environment_id: str, refetch_interval: float,
                 timeout: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._url = url
        self._environment_id = environment_id
        self._interval = refetch_interval
        self._timeout = timeout
        self._clock = clock
        self._keys: dict[str, RsaKey] = {}
        self._lock = threading.Lock()
        self._last_fetch: float | None = None
        self._last_failure: str | None = None  # what the last fetch met, if it failed
        self._http: httpx.Client | None = None

    def get(self, kid: object) -> RsaKey:
        """The key named `kid`, fetching the JWKS if allowed; JwtRejected(`unknown_key`) or
        JwksUnavailable."""
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is not None:
            return key
        if not isinstance(kid, str) or not kid or len(kid) > MAX_KID_CHARS:
            raise JwtRejected("unknown_key", "the token's header has no usable kid")
        return self._fetch_for(kid)

    def _fetch_for(self, kid: str) -> RsaKey:
        with self._lock:
            key = self._keys.get(kid)  # fetched by another thread while this one waited
            if key is None:
                now = self._clock()
                if self._last_fetch is not None and now - self._last_fetch < self._interval:
                    if not self._keys and self._last_failure is not None:
                        # No key at all yet: not a verdict on the token.
                        raise self._unavailable(self._last_failure)
                    raise JwtRejected(
                        "unknown_key",
                        f"kid {echo(kid)} is not in the environment's JWKS (fetched "
                        f"{now - self._last_fetch:.0f} s ago; the next fetch is allowed "
                        f"{self._interval:g} s after it)",
                    )
                self._refresh_locked(now)
                key = self._keys.get(kid)
        if key is None:
            raise JwtRejected("unknown_key",
                              f"kid {echo(kid)} is not in the environment's JWKS")
        return key

    def refresh(self) -> int:
        """Fetch the JWKS now, whatever the interval; how many keys it holds."""
        with self._lock:
            self._refresh_locked(self._clock())
            return len(self._keys)

    def _refresh_locked(self, now: float) -> None:
        self._last_fetch = now
        try:
            keys = parse_jwks(self._download(), self._environment_id)
        except JwksUnavailable as failure:
            self._last_failure = failure.problem
            raise
        self._last_failure = None
        self._keys = keys  # one assignment: readers see the old dict or the new one

    def _download(self) -> bytes:
        import httpx

        if self._http is None:
            self._http = httpx.Client(
                timeout=self._timeout, follow_redirects=False,
                headers={"Accept": "application/json",
                         "User-Agent": f"pulumi-dynamic-security/{__version__}"},
            )
        started = self._clock()
        try:
            with self._http.stream("GET", self._url) as response:
                if response.status_code != 200:
                    raise self._unavailable(f"answered HTTP {response.status_code}", hint=(
                        "Check the environment id and the API URL." if
                        response.status_code == 404 else None))
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > MAX_JWKS_BYTES:
                    raise self._too_large()
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_JWKS_BYTES:
                        raise self._too_large()
                    if self._clock() - started > 2 * self._timeout:
                        raise self._unavailable("took too long to answer")
        except httpx.HTTPError as exc:
            raise self._unavailable(f"could not be reached ({type(exc).__name__})") from None
        return bytes(body)

    def _too_large(self) -> JwksUnavailable:
        return self._unavailable(f"answered more than {describe_size(MAX_JWKS_BYTES)}")

    def _unavailable(self, problem: str, hint: str | None = None) -> JwksUnavailable:
        return unavailable(self._environment_id, problem, hint=hint)

    def close(self) -> None:
        with self._lock:
            if self._http is not None:
                self._http.close()
                self._http = None


def unavailable(environment_id: str, problem: str, *, hint: str | None = None
                ) -> JwksUnavailable:
    return JwksUnavailable(
        f"Cannot use the signing keys (JWKS) of environment {environment_id}: the JWKS "
        f"route {problem}; no token can be verified until it answers with them.",
        hint=(hint or "Check the API URL and the network.") + " Meanwhile a backend answers "
        "503 (try again later), not 401: this says nothing about the token.",
        problem=problem,
    )


def parse_jwks(body: bytes, environment_id: str) -> dict[str, RsaKey]:
    """The usable keys of a JWKS answer, by kid; JwksUnavailable when there are none."""
    try:
        document = bounded_loads(body, max_depth=_JWKS_DEPTH, max_bytes=MAX_JWKS_BYTES)
    except JsonLimitError as exc:
        raise unavailable(environment_id, f"answered JSON that {exc}") from None
    except ValueError:
        raise unavailable(environment_id, "answered something that is not JSON") from None
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise unavailable(environment_id, 'answered JSON without a "keys" list')
    keys: dict[str, RsaKey] = {}
    for entry in entries[:MAX_KEYS]:
        key = _rsa_key(entry)
        if key is not None:
            keys.setdefault(key.kid, key)
    if not keys:
        raise unavailable(environment_id, "answered no usable RS256 key")
    return keys


def _rsa_key(entry: Any) -> RsaKey | None:
    """An RS256 signing key from one JWK, or None for anything else."""
    if not isinstance(entry, dict):
        return None
    kid, n, e = entry.get("kid"), entry.get("n"), entry.get("e")
    if (entry.get("kty") != "RSA" or entry.get("alg", "RS256") != "RS256"
            or entry.get("use", "sig") != "sig"
            or not isinstance(kid, str) or not 0 < len(kid) <= MAX_KID_CHARS
            or not isinstance(n, str) or not isinstance(e, str)
            or len(n) > MAX_KEY_BITS // 6 + 4 or not 0 < len(e) <= 12):
        return None
    modulus, exponent = _uint(n), _uint(e)
    if modulus is None or exponent is None:
        return None
    if not MIN_KEY_BITS <= modulus.bit_length() <= MAX_KEY_BITS or exponent < 3 \
            or exponent % 2 == 0:
        return None
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers

    try:
        public = RSAPublicNumbers(exponent, modulus).public_key()
    except ValueError:
        return None
    return RsaKey(kid, public)


def _uint(text: str) -> int | None:
    try:
        raw = b64url_decode(text)
    except (binascii.Error, ValueError):
        return None
    return int.from_bytes(raw, "big") if raw else None
