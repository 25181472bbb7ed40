"""A compact JWT taken apart, and the claims a verification returns.

`split` refuses (`malformed`) anything that is not three base64url segments within
`MAX_TOKEN_CHARS`, whose header and claims are JSON objects: so no later step ever sees an
unbounded or unparsable input. Nothing here verifies anything; `decode_unverified` exists
for `dynsec verify-jwt`, which shows a refused token's claims marked as unverified.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from pulumi_dynamic_security.verify.errors import JwtRejected

# Dynamic's JWTs are well under 4 KiB (a cookie holds one); a header line rarely passes 8 KiB.
MAX_TOKEN_CHARS = 16 * 1024
# The signature may be empty (`alg: none`), to be refused as an algorithm, not as malformed.
_COMPACT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# The claims `dynsec verify-jwt` shows: none is a credential or personal data.
SHOWN_CLAIMS = ("sub", "sid", "scope", "exp", "environment_id")


class Parts(NamedTuple):
    header: dict[str, Any]
    claims: dict[str, Any]
    signed: bytes  # the first two segments, as signed
    signature: bytes


def b64url_decode(text: str) -> bytes:
    """Unpadded base64url (JWT segments, JWK numbers); binascii.Error or ValueError when
    `text` is not that."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise JwtRejected("malformed", f"the token's {what} is not JSON") from None
    if not isinstance(value, dict):
        raise JwtRejected("malformed", f"the token's {what} is not a JSON object")
    return value


def split(token: object) -> Parts:
    """The token's parts, or JwtRejected(`malformed`)."""
    if isinstance(token, (bytes, bytearray)):
        try:
            token = bytes(token).decode("ascii")
        except UnicodeDecodeError:
            raise JwtRejected("malformed", "the token is not ASCII") from None
    if not isinstance(token, str):
        raise JwtRejected("malformed", f"the token is a {type(token).__name__}, not a string")
    if len(token) > MAX_TOKEN_CHARS:
        raise JwtRejected("malformed", f"the token is longer than {MAX_TOKEN_CHARS} characters")
    if not _COMPACT.fullmatch(token):
        raise JwtRejected("malformed", "the token is not three base64url segments "
                          "separated by dots")
    head, body, tail = token.split(".")
    try:
        header_raw, claims_raw, signature = (b64url_decode(part) for part in (head, body, tail))
    except (binascii.Error, ValueError):
        raise JwtRejected("malformed", "a segment of the token is not base64url") from None
    return Parts(_object(header_raw, "header"), _object(claims_raw, "claims"),
                 f"{head}.{body}".encode("ascii"), signature)


def decode_unverified(token: object) -> dict[str, Any] | None:
    """The token's claims WITHOUT any verification (for showing a refused token), or None
    when it cannot be taken apart."""
    try:
        return split(token).claims
    except JwtRejected:
        return None


def shown_claims(claims: Mapping[str, Any]) -> dict[str, Any]:
    """The claims `SHOWN_CLAIMS` names, those present."""
    return {name: claims[name] for name in SHOWN_CLAIMS if name in claims}


class VerifiedClaims(Mapping[str, Any]):
    """The claims of a verified token (read-only), with `scopes` as a set for the
    application's own gating: `if "admin:write" in claims.scopes: ...`."""

    __slots__ = ("_claims", "scopes")

    def __init__(self, claims: dict[str, Any], scopes: frozenset[str]) -> None:
        self._claims = claims
        self.scopes = scopes

    def __getitem__(self, name: str) -> Any:
        return self._claims[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._claims)

    def __len__(self) -> int:
        return len(self._claims)

    @property
    def subject(self) -> str:
        """`sub`: the Dynamic user id."""
        return str(self._claims["sub"])

    @property
    def session_id(self) -> str:
        """`sid`: the session the token stands for (what `check_session` looks up)."""
        return str(self._claims["sid"])

    @property
    def environment_id(self) -> str:
        return str(self._claims["environment_id"])

    @property
    def expires_at(self) -> float:
        """`exp`, seconds since the epoch."""
        return float(self._claims["exp"])

    def __repr__(self) -> str:
        return (f"VerifiedClaims(sub={self._claims.get('sub')!r}, "
                f"sid={self._claims.get('sid')!r}, scopes={sorted(self.scopes)!r})")
