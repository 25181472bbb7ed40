"""A backend that trusts exactly what the policy's production stage declares (plain WSGI).

    DYNAMIC_WEBHOOK_SECRET=... DYNAMIC_API_TOKEN=... python examples/backend/app.py

GET /api/me       any signed-in user: the JWT verified (signature, expiry, issuer,
                  environment, audience = the stage's origins, user:basic, MFA done)
POST /api/payout  a high-value operation: also asks Dynamic whether the session was revoked
POST /webhooks/dynamic  a webhook call, accepted only with a valid signature
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import Any

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.api.config import ClientConfig
from pulumi_dynamic_security.errors import DynamicApiError
from pulumi_dynamic_security.redaction import Secret
from pulumi_dynamic_security.verify import (
    SIGNATURE_HEADER,
    DynamicJwtVerifier,
    JwksUnavailable,
    JwtRejected,
    verify_webhook_signature,
)

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
MAX_BODY = 1024 * 1024


def make_app(policy: str, stage: str, *, api_url: str, api_token: str,
             webhook_secret: str) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    verifier = DynamicJwtVerifier.from_policy(policy, stage=stage, api_url=api_url)
    dynamic = DynamicClient(ClientConfig(token=Secret(api_token), base_url=api_url))

    def answer(start: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
        start(status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/webhooks/dynamic" and method == "POST":
            length = min(int(environ.get("CONTENT_LENGTH") or 0), MAX_BODY)
            raw = environ["wsgi.input"].read(length)  # the raw bytes: what was signed
            header = environ.get("HTTP_" + SIGNATURE_HEADER.upper().replace("-", "_"))
            if not verify_webhook_signature(raw, header, webhook_secret):
                return answer(start, "401 Unauthorized", {"error": "bad signature"})
            event = json.loads(raw)
            return answer(start, "200 OK", {"received": event.get("eventName")})
        if path not in ("/api/me", "/api/payout"):
            return answer(start, "404 Not Found", {"error": "not found"})
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        token = authorization[7:] if authorization.startswith("Bearer ") else ""
        try:
            claims = verifier.verify(token)
            if path == "/api/payout":  # too valuable to wait for the JWT to expire
                verifier.check_session(claims, dynamic)
        except JwtRejected as refused:
            return answer(start, "401 Unauthorized", {"error": refused.check})
        except (JwksUnavailable, DynamicApiError):  # keys or session unreadable: no verdict
            return answer(start, "503 Service Unavailable", {"error": "try again later"})
        return answer(start, "200 OK", {"user": claims.subject, "scopes": sorted(claims.scopes)})

    return app


if __name__ == "__main__":
    from wsgiref.simple_server import make_server

    application = make_app(
        os.environ.get("DYNSEC_POLICY", "dynamic-security.yaml"), "production",
        api_url=os.environ.get("DYNAMIC_API_URL", "https://app.dynamicauth.com/api/v0"),
        api_token=os.environ["DYNAMIC_API_TOKEN"],
        webhook_secret=os.environ["DYNAMIC_WEBHOOK_SECRET"],
    )
    make_server("127.0.0.1", 8000, application).serve_forever()
