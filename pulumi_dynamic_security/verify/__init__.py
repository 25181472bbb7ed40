"""Backend verification of what Dynamic sends: end-user JWTs and webhook calls.

    from pulumi_dynamic_security.verify import (
        DynamicJwtVerifier, JwtRejected, verify_webhook_signature)

    verifier = DynamicJwtVerifier.from_policy("dynamic-security.yaml", stage="production")
    claims = verifier.verify(token)            # the claims, or raises JwtRejected
    verifier.check_session(claims, client)     # optional: refuse a revoked session
    ok = verify_webhook_signature(raw_body, request.headers.get("x-dynamic-signature-256"),
                                  secret)

Importing this package loads neither httpx nor cryptography nor the policy loader: the
first JWKS fetch loads the first two, `from_policy` the last.
"""

from __future__ import annotations

from pulumi_dynamic_security.verify.errors import (
    CHECKS,
    SESSION_CHECK,
    JwksUnavailable,
    JwtRejected,
)
from pulumi_dynamic_security.verify.tokens import MAX_TOKEN_CHARS, VerifiedClaims
from pulumi_dynamic_security.verify.verifier import DynamicJwtVerifier
from pulumi_dynamic_security.verify.webhooks import SIGNATURE_HEADER, verify_webhook_signature

__all__ = [
    "CHECKS",
    "MAX_TOKEN_CHARS",
    "SESSION_CHECK",
    "SIGNATURE_HEADER",
    "DynamicJwtVerifier",
    "JwksUnavailable",
    "JwtRejected",
    "VerifiedClaims",
    "verify_webhook_signature",
]
