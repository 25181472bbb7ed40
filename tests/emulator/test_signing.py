"""Signing keys, the JWKS and minted end-user JWTs, verified with PyJWT as a backend would."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.emulator.support import client
from tests.support.ids import LIVE, SANDBOX, UNKNOWN_ENVIRONMENT

USER = "c0ffee00-0000-4000-8000-000000000001"
# The claims the official client's MinifiedDynamicJwt requires, by their wire names.
REQUIRED_CLAIMS = {"kid", "aud", "iss", "sub", "sid", "environment_id",
                   "last_verified_credential_id"}


def _jwks(emulator: EmulatorHandle, environment_id: str, suffix: str = "") -> httpx.Response:
    # No Authorization header: the SDK fetches the JWKS without one.
    return httpx.get(f"{emulator.base_url}/sdk/{environment_id}/.well-known/jwks{suffix}")


def _key(emulator: EmulatorHandle, environment_id: str) -> jwt.PyJWK:
    keys = _jwks(emulator, environment_id).json()["keys"]
    assert len(keys) == 1
    return jwt.PyJWK(keys[0])


def _verify(emulator: EmulatorHandle, token: str, environment_id: str = LIVE,
            audience: str = "http://localhost:3000") -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, _key(emulator, environment_id).key,
                                        algorithms=["RS256"], audience=audience)
    return claims


def test_jwks_shape_and_both_paths(emulator: EmulatorHandle) -> None:
    plain, dotjson = _jwks(emulator, LIVE), _jwks(emulator, LIVE, ".json")
    assert plain.status_code == dotjson.status_code == 200
    assert plain.json() == dotjson.json()
    [key] = plain.json()["keys"]
    assert set(key) == {"kid", "alg", "kty", "use", "n", "e"}
    assert (key["alg"], key["kty"], key["use"], key["e"]) == ("RS256", "RSA", "sig", "AQAB")
    modulus = int.from_bytes(base64.urlsafe_b64decode(key["n"] + "=="), "big")
    assert modulus.bit_length() == 2048
    assert _jwks(emulator, UNKNOWN_ENVIRONMENT).status_code == 404


def test_admin_keys_route_gives_the_same_key(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        response = api.get(f"/environments/{LIVE}/keys")
    assert response.status_code == 200
    key = response.json()["key"]
    jwk = _jwks(emulator, LIVE).json()["keys"][0]
    assert key["id"] == jwk["kid"]
    public = serialization.load_pem_public_key(base64.b64decode(key["publicKey"]))
    assert isinstance(public, RSAPublicKey)
    assert public.public_numbers().n == int.from_bytes(
        base64.urlsafe_b64decode(jwk["n"] + "=="), "big")


def test_keys_are_per_environment_and_made_on_first_use(emulator: EmulatorHandle) -> None:
    keyed = [e["id"] for e in emulator.state()["environments"] if e["signing_key"]]
    assert keyed == []
    live, sandbox = _jwks(emulator, LIVE).json(), _jwks(emulator, SANDBOX).json()
    assert live["keys"][0]["kid"] != sandbox["keys"][0]["kid"]
    assert live["keys"][0]["n"] != sandbox["keys"][0]["n"]
    assert _jwks(emulator, LIVE).json() == live  # stable once made
    keyed = sorted(e["id"] for e in emulator.state()["environments"] if e["signing_key"])
    assert keyed == sorted([LIVE, SANDBOX])


def test_a_minted_jwt_verifies_and_is_shaped_like_dynamics(emulator: EmulatorHandle) -> None:
    minted = emulator.mint_jwt(LIVE, sub=USER)
    claims = _verify(emulator, minted["jwt"])
    assert claims == minted["claims"]
    header = jwt.get_unverified_header(minted["jwt"])
    kid = _jwks(emulator, LIVE).json()["keys"][0]["kid"]
    assert header == minted["header"] == {"alg": "RS256", "kid": kid, "typ": "JWT"}
    assert set(claims) >= REQUIRED_CLAIMS
    port = emulator.root_url.rsplit(":", 1)[1]
    assert claims["iss"] == f"127.0.0.1:{port}/{LIVE}"  # host/environment, no scheme
    assert claims["kid"] == kid and claims["sub"] == USER
    assert claims["environment_id"] == LIVE
    assert claims["scope"] == "user:basic"
    assert claims["aud"] == "http://localhost:3000"
    assert claims["exp"] - claims["iat"] == 30 * 24 * 3600  # the live seed's JWT lifetime
    assert abs(claims["iat"] - time.time()) < 60


def test_minting_creates_the_session_that_revocation_revokes(emulator: EmulatorHandle) -> None:
    minted = emulator.mint_jwt(LIVE, sub=USER)
    sid = minted["claims"]["sid"]
    assert minted["session"]["id"] == sid and minted["session"]["revokedAt"] is None
    with client(emulator) as api:
        assert api.get(f"/users/{USER}/sessions/{sid}").json()["revokedAt"] is None
        api.post(f"/environments/{LIVE}/users/{USER}/sessions/revoke")
        revoked = api.get(f"/users/{USER}/sessions/{sid}").json()
    assert revoked["revokedAt"] is not None
    _verify(emulator, minted["jwt"])  # the JWT itself still verifies until it expires


def test_the_body_chooses_the_claims(emulator: EmulatorHandle) -> None:
    minted = emulator.mint_jwt(SANDBOX, sub=USER, scope=["user:basic", "requiresAdditionalAuth"],
                               aud="https://app.example.com", ttl_seconds=90)
    claims = _verify(emulator, minted["jwt"], SANDBOX, audience="https://app.example.com")
    assert claims["scope"] == "user:basic requiresAdditionalAuth"
    assert claims["exp"] - claims["iat"] == 90
    default_ttl = emulator.mint_jwt(SANDBOX)["claims"]
    assert default_ttl["exp"] - default_ttl["iat"] == 24 * 3600  # the sandbox seed's 1 day


def test_claims_override_and_remove(emulator: EmulatorHandle) -> None:
    minted = emulator.mint_jwt(LIVE, claims={"iss": "app.dynamicauth.com/" + LIVE, "sid": None,
                                             "email": "u@example.com"})
    claims = _verify(emulator, minted["jwt"])
    assert claims["iss"] == "app.dynamicauth.com/" + LIVE
    assert "sid" not in claims and claims["email"] == "u@example.com"


def test_an_expired_jwt(emulator: EmulatorHandle) -> None:
    minted = emulator.mint_jwt(LIVE, expired=True, ttl_seconds=600)
    with pytest.raises(jwt.ExpiredSignatureError):
        _verify(emulator, minted["jwt"])
    claims = minted["claims"]
    assert claims["exp"] < time.time() - 60 and claims["exp"] - claims["iat"] == 600


def test_a_jwt_signed_with_the_wrong_key(emulator: EmulatorHandle) -> None:
    minted = emulator.mint_jwt(LIVE, wrong_key=True)
    kid = _jwks(emulator, LIVE).json()["keys"][0]["kid"]
    assert jwt.get_unverified_header(minted["jwt"])["kid"] == kid  # the right kid, wrong key
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(emulator, minted["jwt"])


def test_a_jwt_with_an_unknown_kid(emulator: EmulatorHandle) -> None:
    minted = emulator.mint_jwt(LIVE, kid="not-a-known-kid")
    assert jwt.get_unverified_header(minted["jwt"])["kid"] == "not-a-known-kid"
    assert minted["claims"]["kid"] == "not-a-known-kid"
    kids = [k["kid"] for k in _jwks(emulator, LIVE).json()["keys"]]
    assert "not-a-known-kid" not in kids
    _verify(emulator, minted["jwt"])  # signed by the environment's key all the same


def test_rotation_replaces_the_key(emulator: EmulatorHandle) -> None:
    before = emulator.mint_jwt(LIVE)
    old_kid = before["header"]["kid"]
    old_key = _key(emulator, LIVE)
    rotated = emulator.rotate_key(LIVE)
    assert rotated["previousKeyId"] == old_kid
    new_kid = rotated["key"]["id"]
    assert new_kid != old_kid
    assert [k["kid"] for k in _jwks(emulator, LIVE).json()["keys"]] == [new_kid]
    with client(emulator) as api:
        assert api.get(f"/environments/{LIVE}/keys").json()["key"]["id"] == new_kid
    with pytest.raises(jwt.InvalidSignatureError):
        _verify(emulator, before["jwt"])  # the JWKS no longer holds the key it was signed with
    jwt.decode(before["jwt"], old_key.key, algorithms=["RS256"], audience="http://localhost:3000")
    after = emulator.mint_jwt(LIVE)
    assert after["header"]["kid"] == new_kid
    _verify(emulator, after["jwt"])
    assert emulator.rotate_key(SANDBOX)["previousKeyId"] is None  # first key, made by rotating


@pytest.mark.parametrize(
    ("body", "status"),
    [({"ttl_seconds": 0}, 422), ({"ttl_seconds": 30 * 24 * 3600 + 1}, 422),
     ({"ttl_seconds": 1.5}, 422), ({"ttl_seconds": True}, 400), ({"ttl_seconds": "60"}, 400),
     ({"expired": "yes"}, 400), ({"wrong_key": 1}, 400), ({"sub": ""}, 400), ({"sub": 7}, 400),
     ({"scope": "a  b", "aud": ["x"]}, 400), ({"scope": ["has space"]}, 400),
     ({"claims": []}, 400), ({"kid": ""}, 400), ({"lifetime": 60}, 400)],
)
def test_bad_mint_bodies_are_refused(emulator: EmulatorHandle, body: dict[str, Any],
                                     status: int) -> None:
    with pytest.raises(httpx.HTTPStatusError) as refused:
        emulator.mint_jwt(LIVE, **body)
    assert refused.value.response.status_code == status
    assert emulator.state()["sessions"] == []  # no session was created


def test_minting_for_an_unknown_environment_is_404(emulator: EmulatorHandle) -> None:
    with pytest.raises(httpx.HTTPStatusError) as refused:
        emulator.mint_jwt(UNKNOWN_ENVIRONMENT)
    assert refused.value.response.status_code == 404
    with pytest.raises(httpx.HTTPStatusError) as refused:
        emulator.rotate_key(UNKNOWN_ENVIRONMENT)
    assert refused.value.response.status_code == 404
