"""What the verifier tests share: a policy on the demo seed's live environment, verifiers of
it pointed at the emulator, JWTs minted by the emulator (as Dynamic issues them) and forged
ones (as an attacker would make them), and the JWKS requests of the emulator's log."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.verify import DynamicJwtVerifier
from tests.support.ids import LIVE, SANDBOX
from tests.support.log import log

APP = "https://app.example.com"
PREVIEWS = "https://*.preview.example.com"
POLICY = f"""\
version: 1
stages:
  production:
    environment_id: {LIVE}
    allowed_origins: [{APP}, "{PREVIEWS}"]
  dev:
    environment_id: {SANDBOX}
"""


def write_policy(directory: Path) -> Path:
    path = directory / "dynamic-security.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return path


def verifier(emulator: EmulatorHandle, directory: Path, **options: Any) -> DynamicJwtVerifier:
    """The production stage's verifier (from the policy), reading keys from `emulator`."""
    return DynamicJwtVerifier.from_policy(write_policy(directory), stage="production",
                                          api_url=emulator.base_url, **options)


def mint(emulator: EmulatorHandle, **request: Any) -> str:
    """A JWT of the live environment, issued for the production origin unless `aud` says."""
    request.setdefault("aud", APP)
    token: str = emulator.mint_jwt(LIVE, **request)["jwt"]
    return token


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A compact JWT's header, claims and signature segment."""
    head, body, signature = token.split(".")
    return _decode(head), _decode(body), signature


def _decode(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def forge(header: dict[str, Any], claims: dict[str, Any], signature: str = "") -> str:
    """A compact JWT with these parts, signed with nothing (`signature` as given)."""
    segments = [b64(json.dumps(header).encode()), b64(json.dumps(claims).encode())]
    return ".".join([*segments, signature])


def hmac_forgery(token: str, secret: bytes, alg: str = "HS256") -> str:
    """`token` re-signed with HMAC and `secret` (the algorithm-confusion attack: the public
    key as the HMAC secret)."""
    header, claims, _ = parts(token)
    header["alg"] = alg
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    signed = forge(header, claims).rstrip(".")
    return signed + "." + b64(hmac.new(secret, signed.encode(), digest).digest())


def public_pem(emulator: EmulatorHandle) -> bytes:
    """The live environment's public key as PEM, as `GET /environments/{id}/keys` gives it."""
    import httpx

    response = httpx.get(f"{emulator.base_url}/environments/{LIVE}/keys",
                         headers={"Authorization": f"Bearer {emulator.token}"})
    response.raise_for_status()
    return base64.b64decode(response.json()["key"]["publicKey"])


def jwks_requests(emulator: EmulatorHandle) -> int:
    """JWKS fetches in the emulator's request log."""
    return sum(1 for _, path in log(emulator) if path.endswith("/.well-known/jwks"))
