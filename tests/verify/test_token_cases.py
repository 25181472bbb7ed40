"""The verifier against the emulator over real HTTP: one token per case, each accepted or
refused with the check that names why. Tokens are minted by the emulator as Dynamic issues
them (its JWKS, its key) or forged as an attacker would."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.verify import JwtRejected, VerifiedClaims
from tests.support.ids import LIVE, SANDBOX
from tests.support.secrets import leaks
from tests.verify.support import (
    APP,
    b64,
    forge,
    hmac_forgery,
    jwks_requests,
    mint,
    parts,
    public_pem,
    verifier,
)

LEEWAY = 30
Make = Callable[[EmulatorHandle], str]


@dataclass(frozen=True)
class Case:
    name: str
    make: Make
    check: str | None  # None: accepted
    options: dict[str, Any] = field(default_factory=dict)
    keys_untouched: bool = False  # refused before any key is looked up: no JWKS request


def _host(emulator: EmulatorHandle) -> str:
    return emulator.base_url.split("://", 1)[1].split("/", 1)[0]


def _claims(**claims: Any) -> Make:
    """Minted with `claims` set last; a callable value is called at minting time."""
    return lambda emu: mint(emu, claims={k: v() if callable(v) else v for k, v in claims.items()})


def _now(offset: float) -> Callable[[], float]:
    """`offset` seconds from the moment the token is minted (not rounded: a NumericDate may
    have a fraction, and rounding would move the edge by up to a second)."""
    return lambda: time.time() + offset


def _realg(alg: str, signature: str | None = None) -> Make:
    def make(emu: EmulatorHandle) -> str:
        header, claims, original = parts(mint(emu))
        return forge({**header, "alg": alg}, claims, original if signature is None else signature)
    return make


def _tampered(emu: EmulatorHandle) -> str:
    header, claims, signature = parts(mint(emu))
    return forge(header, {**claims, "sub": "someone-else"}, signature)


def _oversize(emu: EmulatorHandle) -> str:
    return mint(emu, claims={"padding": "x" * 20_000})


def _segments(text: str) -> Make:
    return lambda emu: text


def _not_json_header(emu: EmulatorHandle) -> str:
    _, body, signature = mint(emu).split(".")
    return ".".join([b64(b"not json"), body, signature])


def _array_claims(emu: EmulatorHandle) -> str:
    head, _, signature = mint(emu).split(".")
    return ".".join([head, b64(b"[1, 2]"), signature])


def _crit(emu: EmulatorHandle) -> str:
    header, claims, signature = parts(mint(emu))
    return forge({**header, "crit": ["exp"]}, claims, signature)


def _kid(kid: object) -> Make:
    def make(emu: EmulatorHandle) -> str:
        header, claims, signature = parts(mint(emu))
        return forge({**header, "kid": kid}, claims, signature)
    return make


def _hs256_public_key(emu: EmulatorHandle) -> str:
    return hmac_forgery(mint(emu), public_pem(emu))


CASES = [
    Case("valid", lambda emu: mint(emu), None),
    Case("alg none, no signature", _realg("none", ""), "algorithm", keys_untouched=True),
    Case("alg None spelled otherwise", _realg("None", ""), "algorithm", keys_untouched=True),
    Case("HS256 signed with the public key as secret", _hs256_public_key, "algorithm",
         keys_untouched=True),
    Case("HS512 signed with the public key", lambda emu: hmac_forgery(
        mint(emu), public_pem(emu), "HS512"), "algorithm", keys_untouched=True),
    Case("RS512", _realg("RS512"), "algorithm", keys_untouched=True),
    Case("PS256", _realg("PS256"), "algorithm", keys_untouched=True),
    Case("ES256", _realg("ES256"), "algorithm", keys_untouched=True),
    Case("alg missing", lambda emu: forge({"typ": "JWT"}, parts(mint(emu))[1], "c2ln"),
         "algorithm", keys_untouched=True),
    Case("unknown kid", lambda emu: mint(emu, kid="0f000000-0000-4000-8000-00000000dead"),
         "unknown_key"),
    Case("kid past the length bound", _kid("k" * 257), "unknown_key", keys_untouched=True),
    Case("kid not text", _kid(7), "unknown_key", keys_untouched=True),
    Case("kid missing", _kid(None), "unknown_key", keys_untouched=True),
    Case("a JWT of another environment (its key)", lambda emu: emu.mint_jwt(
        SANDBOX, aud=APP)["jwt"], "unknown_key"),
    Case("signed with a key not in the JWKS (same kid)", lambda emu: mint(emu, wrong_key=True),
         "signature"),
    Case("claims changed after signing", _tampered, "signature"),
    Case("expired", lambda emu: mint(emu, expired=True), "expired"),
    Case("exp 1 s past the leeway", _claims(exp=_now(-LEEWAY - 1)), "expired"),
    Case("exp 1 s inside the leeway", _claims(exp=_now(-LEEWAY + 1)), None),
    Case("no exp", _claims(exp=None), "expired"),
    Case("exp as a string", _claims(exp=lambda: str(int(time.time()) + 600)), "expired"),
    Case("exp an integer past any float", _claims(exp=10**400), "expired"),
    Case("exp as a fraction", _claims(exp=_now(600.5)), None),
    Case("nbf 1 s past the leeway", _claims(nbf=_now(LEEWAY + 1)), "not_yet_valid"),
    Case("nbf 1 s inside the leeway", _claims(nbf=_now(LEEWAY - 1)), None),
    Case("iat 1 s past the leeway", _claims(iat=_now(LEEWAY + 1)), "not_yet_valid"),
    Case("iat an integer past any float", _claims(iat=10**400), "not_yet_valid"),
    Case("nbf as a string", _claims(nbf="0"), "not_yet_valid"),
    Case("iss of another host", _claims(iss=f"evil.example.com/{LIVE}"), "issuer"),
    Case("iss with a scheme", lambda emu: mint(emu, claims={
        "iss": f"http://{_host(emu)}/{LIVE}"}), "issuer"),
    Case("iss without the port", lambda emu: mint(emu, claims={
        "iss": f"{_host(emu).rsplit(':', 1)[0]}/{LIVE}"}), "issuer"),
    Case("iss of Dynamic's own host", _claims(iss=f"app.dynamicauth.com/{LIVE}"), None),
    Case("iss of Dynamic's older host", _claims(iss=f"app.dynamic.xyz/{LIVE}"), None),
    Case("iss of another environment", lambda emu: mint(emu, claims={
        "iss": f"{_host(emu)}/{SANDBOX}"}), "issuer"),
    Case("iss missing", _claims(iss=None), "issuer"),
    Case("environment_id of another environment", _claims(environment_id=SANDBOX),
         "environment"),
    Case("sub missing", _claims(sub=None), "subject"),
    Case("sid missing", _claims(sid=None), "subject"),
    Case("sid empty", _claims(sid=""), "subject"),
    Case("aud not among the stage's origins", lambda emu: mint(
        emu, aud="https://evil.example.com"), "audience"),
    Case("aud missing", _claims(aud=None), "audience"),
    Case("aud under the wildcard origin", lambda emu: mint(
        emu, aud="https://pr-42.preview.example.com"), None),
    Case("aud two labels under the wildcard", lambda emu: mint(
        emu, aud="https://a.pr-42.preview.example.com"), None),
    Case("aud that only ends like the wildcard", lambda emu: mint(
        emu, aud="https://preview.example.com.evil.com"), "audience"),
    Case("aud on another port of the wildcard host", lambda emu: mint(
        emu, aud="https://pr-42.preview.example.com:8443"), "audience"),
    Case("aud over http for an https origin", lambda emu: mint(
        emu, aud="http://app.example.com"), "audience"),
    Case("scope without user:basic", lambda emu: mint(emu, scope="userDataForm"), "scope"),
    Case("scope missing", _claims(scope=None), "scope"),
    Case("requiresAdditionalAuth", lambda emu: mint(
        emu, scope="user:basic requiresAdditionalAuth"), "mfa_pending"),
    Case("requiresAdditionalAuth, allowed", lambda emu: mint(
        emu, scope="user:basic requiresAdditionalAuth"), None,
        options={"allow_mfa_pending": True}),
    Case("two segments", _segments("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0"), "malformed",
         keys_untouched=True),
    Case("four segments", lambda emu: mint(emu) + ".e30", "malformed", keys_untouched=True),
    Case("not base64url", lambda emu: "!" + mint(emu), "malformed", keys_untouched=True),
    Case("a segment of impossible length", _segments("eyJhbGciOiJSUzI1NiJ9.e.c2ln"),
         "malformed", keys_untouched=True),
    Case("header not JSON", _not_json_header, "malformed", keys_untouched=True),
    Case("claims an array", _array_claims, "malformed", keys_untouched=True),
    Case("crit extensions", _crit, "malformed", keys_untouched=True),
    Case("oversize (20 kB)", _oversize, "malformed", keys_untouched=True),
    Case("empty", _segments(""), "malformed", keys_untouched=True),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_token_is_accepted_or_refused_by_the_right_check(
    case: Case, emulator: EmulatorHandle, tmp_path: Path,
) -> None:
    token = case.make(emulator)
    emulator.clear_requests()
    with verifier(emulator, tmp_path, leeway_seconds=LEEWAY, **case.options) as checker:
        if case.check is None:
            claims = checker.verify(token)
            assert isinstance(claims, VerifiedClaims)
            assert "user:basic" in claims.scopes
            assert claims["environment_id"] == LIVE
        else:
            with pytest.raises(JwtRejected) as refused:
                checker.verify(token)
            assert refused.value.check == case.check, refused.value.message
            if token:
                shown = str(refused.value) + repr(refused.value)
                assert leaks(shown, {"token": token}) == []
    if case.keys_untouched:
        assert jwks_requests(emulator) == 0


def test_there_are_at_least_20_cases_and_every_check_is_met() -> None:
    from pulumi_dynamic_security.verify import CHECKS

    assert len(CASES) >= 20
    assert {case.check for case in CASES} - {None} == set(CHECKS)


def test_an_unknown_kid_is_shown_escaped_and_cut(emulator: EmulatorHandle,
                                                 tmp_path: Path) -> None:
    kid = "\x1b]0;owned\x07\x1b[2J" + "k" * 200  # within the bound: it is looked up
    with verifier(emulator, tmp_path) as checker, pytest.raises(JwtRejected) as refused:
        checker.verify(_kid(kid)(emulator))
    assert refused.value.check == "unknown_key"
    assert "\x1b" not in refused.value.message and "\x07" not in refused.value.message
    assert "k" * 100 not in refused.value.message


def test_the_claims_carry_scopes_as_a_set(emulator: EmulatorHandle, tmp_path: Path) -> None:
    token = mint(emulator, sub="user-1", scope="user:basic admin:write device:register")
    with verifier(emulator, tmp_path) as checker:
        claims = checker.verify(token)
    assert claims.scopes == frozenset({"user:basic", "admin:write", "device:register"})
    assert (claims.subject, claims["sub"], claims.environment_id) == ("user-1", "user-1", LIVE)
    assert claims.expires_at > time.time()
    assert dict(claims)["aud"] == APP


def test_a_rotated_key_is_fetched_and_the_old_one_forgotten(
    emulator: EmulatorHandle, tmp_path: Path,
) -> None:
    before = mint(emulator)
    with verifier(emulator, tmp_path, refetch_interval_seconds=0.2) as checker:
        checker.verify(before)
        emulator.rotate_key(LIVE)
        after = mint(emulator)
        assert parts(after)[0]["kid"] != parts(before)[0]["kid"]
        checker.verify(before)  # the cache still holds the old key: no request needed
        time.sleep(0.25)
        emulator.clear_requests()
        checker.verify(after)  # a new kid: one fetch
        assert jwks_requests(emulator) == 1
        with pytest.raises(JwtRejected) as refused:
            checker.verify(before)  # the fetch replaced the cache: the old key is gone
        assert refused.value.check == "unknown_key"


def test_a_new_kid_within_the_interval_waits_for_the_next_fetch(
    emulator: EmulatorHandle, tmp_path: Path,
) -> None:
    with verifier(emulator, tmp_path) as checker:  # 60 s interval
        checker.verify(mint(emulator))
        emulator.rotate_key(LIVE)
        emulator.clear_requests()
        with pytest.raises(JwtRejected) as refused:
            checker.verify(mint(emulator))
    assert refused.value.check == "unknown_key"
    assert "next fetch" in refused.value.message
    assert jwks_requests(emulator) == 0
