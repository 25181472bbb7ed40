"""Each environment's RS256 signing key, as Dynamic's issuer has one, and JWT signing.

A key is made lazily, the first time an environment's JWKS, its `GET .../keys` or a minted
JWT needs it: a 2048-bit RSA key takes tens of milliseconds to generate, and most emulator
sessions (the benchmarks' thousand environments, most tests) never need one. Rotation
replaces it; the old key leaves the JWKS at once.

The private key is kept in the state (and the `--state` file) as PKCS#8 PEM: the emulator is a
test fixture, and JWTs minted before a restart should still verify after it. `cryptography`
and PyJWT are imported only when a key is first used, so starting the emulator stays fast.
"""

from __future__ import annotations

import base64
import functools
import uuid
from typing import TYPE_CHECKING, Any

from pulumi_dynamic_security.emulator.records import Environment, SigningKey
from pulumi_dynamic_security.emulator.state import now_ms

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

ALGORITHM = "RS256"
KEY_BITS = 2048
PUBLIC_EXPONENT = 65537


def _new_private_key() -> RSAPrivateKey:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=PUBLIC_EXPONENT, key_size=KEY_BITS)


def _pem(key: RSAPrivateKey) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def generate() -> SigningKey:
    """A fresh key pair with a new `kid` (a uuid, as Dynamic's key ids are)."""
    return SigningKey(kid=str(uuid.uuid4()), private_pem=_pem(_new_private_key()),
                      created_at=now_ms())


def key_of(environment: Environment) -> tuple[SigningKey, bool]:
    """The environment's current key, made now if it has none; and whether it was made
    (the caller then commits the state)."""
    if environment.signing_key is not None:
        return environment.signing_key, False
    environment.signing_key = generate()
    return environment.signing_key, True


def rotate(environment: Environment) -> SigningKey:
    """Replace the environment's key; the old one is forgotten."""
    environment.signing_key = generate()
    return environment.signing_key


@functools.lru_cache(maxsize=256)
def load_private_key(private_pem: str) -> RSAPrivateKey:
    """The key object of a PEM (cached: parsing costs more than signing). Raises ValueError
    for a PEM that is not an RSA private key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("the signing key is not an RSA key")
    return key


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def jwk(key: SigningKey) -> dict[str, str]:
    """The key as a `JwksKey`: `{kid, alg, kty, use, n, e}`."""
    numbers = load_private_key(key.private_pem).public_key().public_numbers()
    return {
        "kid": key.kid,
        "alg": ALGORITHM,
        "kty": "RSA",
        "use": "sig",
        "n": _b64url_uint(numbers.n),
        "e": _b64url_uint(numbers.e),
    }


def public_key_base64(key: SigningKey) -> str:
    """`Key.publicKey`: the base64 of the public key's PEM (SubjectPublicKeyInfo), so that
    decoding it gives what JWT libraries take as a verification key."""
    from cryptography.hazmat.primitives import serialization

    pem = load_private_key(key.private_pem).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(pem).decode("ascii")


@functools.lru_cache(maxsize=1)
def stranger() -> SigningKey:
    """A key no environment has (for tokens that must fail signature verification)."""
    return generate()


def sign(claims: dict[str, Any], key: SigningKey, *, kid: str) -> str:
    """A compact JWS of `claims`, RS256 with `key`, header `{"alg", "typ", "kid"}`."""
    import jwt

    return jwt.encode(claims, load_private_key(key.private_pem), algorithm=ALGORITHM,
                      headers={"kid": kid, "typ": "JWT"})
