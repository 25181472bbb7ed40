"""Dynamic's webhook signatures: the header `x-dynamic-signature-256` is `sha256=` followed
by the hex HMAC-SHA256 of the raw request body, keyed with the webhook's secret (the same
scheme as GitHub's)."""

from __future__ import annotations

import hashlib
import hmac
import re

SIGNATURE_HEADER = "x-dynamic-signature-256"
_PREFIX = "sha256="
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")


def verify_webhook_signature(raw_body: bytes, header: str | None, secret: str | bytes) -> bool:
    """Whether `header` is the signature of `raw_body` with `secret`.

    `raw_body` is the body exactly as received (bytes: never a re-serialized JSON, whose
    bytes differ). False for a missing header or one not of the form `sha256=<64 hex>`; the
    digests are compared in constant time (`hmac.compare_digest`). An empty secret is a
    configuration error (ValueError), never a match."""
    if not isinstance(raw_body, (bytes, bytearray, memoryview)):
        raise TypeError("raw_body must be the request body as bytes, exactly as received")
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not isinstance(key, (bytes, bytearray)) or not key:
        raise ValueError("the webhook secret is empty")
    if not isinstance(header, str) or not header.startswith(_PREFIX):
        return False
    given = header[len(_PREFIX):]
    if not _HEX_DIGEST.fullmatch(given):
        return False
    expected = hmac.new(bytes(key), bytes(raw_body), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given.lower())
