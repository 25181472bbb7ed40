"""The verifier's keys: fetched once, cached by kid, refetched at most once per interval on
unknown kids (counted from the emulator's request log), shared safely by threads, and a JWKS
that cannot be had is JwksUnavailable, never a rejection."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.errors import DynamicApiError
from pulumi_dynamic_security.verify import JwksUnavailable, JwtRejected
from pulumi_dynamic_security.verify.keys import MAX_JWKS_BYTES
from tests.security.hostile_api import Answer, hostile_api
from tests.support.ids import LIVE, UNKNOWN_ENVIRONMENT
from tests.verify.support import forge, jwks_requests, mint, parts, verifier

FLOOD = 1000
INTERVAL = 1.0


def _random_kids(token: str, count: int) -> list[str]:
    """`token` with `count` made-up kids (signature and claims kept)."""
    header, claims, signature = parts(token)
    return [forge({**header, "kid": str(uuid.uuid4())}, claims, signature)
            for _ in range(count)]


def _outcome(checker_verify: object, token: str) -> str:
    try:
        checker_verify(token)  # type: ignore[operator]
    except JwtRejected as exc:
        return exc.check
    return "valid"


def test_a_flood_of_unknown_kids_makes_at_most_one_fetch_per_interval(
    emulator: EmulatorHandle, tmp_path: Path,
) -> None:
    good = mint(emulator)
    flood = _random_kids(good, FLOOD)
    with verifier(emulator, tmp_path, refetch_interval_seconds=INTERVAL) as checker:
        checker.verify(good)  # the first fetch
        emulator.clear_requests()
        started = time.monotonic()
        first = [_outcome(checker.verify, token) for token in flood]  # within the interval
        within = jwks_requests(emulator)
        assert time.monotonic() - started < INTERVAL, "the flood took longer than the interval"
        time.sleep(INTERVAL)
        emulator.clear_requests()
        second = [_outcome(checker.verify, token) for token in flood]  # the next interval
        after = jwks_requests(emulator)
        assert _outcome(checker.verify, good) == "valid"
    assert set(first) == set(second) == {"unknown_key"}
    assert (within, after) == (0, 1)


def test_a_flood_from_16_threads_makes_at_most_one_fetch(
    emulator: EmulatorHandle, tmp_path: Path,
) -> None:
    good = mint(emulator)
    flood = _random_kids(good, FLOOD)
    with verifier(emulator, tmp_path, refetch_interval_seconds=60) as checker:
        emulator.clear_requests()
        with ThreadPoolExecutor(16) as pool:  # a cold cache: the flood makes the first fetch
            outcomes = list(pool.map(lambda t: _outcome(checker.verify, t), flood))
        assert jwks_requests(emulator) == 1
        assert _outcome(checker.verify, good) == "valid"
    assert set(outcomes) == {"unknown_key"}


def test_a_warm_cache_makes_no_request(emulator: EmulatorHandle, tmp_path: Path) -> None:
    tokens = [mint(emulator) for _ in range(5)]
    with verifier(emulator, tmp_path, refetch_interval_seconds=0) as checker:
        assert checker.fetch_keys() == 1
        emulator.clear_requests()
        for _ in range(40):
            for token in tokens:
                checker.verify(token)
        assert emulator.requests() == []


def test_16_threads_verify_correctly_on_a_cold_cache(
    emulator: EmulatorHandle, tmp_path: Path,
) -> None:
    kinds = {
        "valid": mint(emulator),
        "expired": mint(emulator, expired=True),
        "audience": mint(emulator, aud="https://evil.example.com"),
        "signature": mint(emulator, wrong_key=True),
        "mfa_pending": mint(emulator, scope="user:basic requiresAdditionalAuth"),
    }
    work = [(kind, token) for kind, token in kinds.items()] * 80
    with verifier(emulator, tmp_path) as checker:
        emulator.clear_requests()
        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(lambda item: (item[0], _outcome(checker.verify, item[1])),
                                    work))
        assert jwks_requests(emulator) == 1  # the threads shared the first fetch
    assert all(kind == outcome for kind, outcome in results), results[:10]
    assert len(results) == 400


def test_an_unknown_environment_is_jwks_unavailable(
    emulator: EmulatorHandle,
) -> None:
    from pulumi_dynamic_security.verify import DynamicJwtVerifier

    token = mint(emulator)
    with DynamicJwtVerifier(UNKNOWN_ENVIRONMENT, api_url=emulator.base_url) as checker, \
            pytest.raises(JwksUnavailable) as failure:
        checker.verify(token)
    assert not isinstance(failure.value, JwtRejected)
    assert isinstance(failure.value, DynamicApiError)  # the CLI's exit 4
    assert "HTTP 404" in failure.value.message and "503" in str(failure.value)


def test_an_outage_is_unavailable_and_not_retried_within_the_interval(
    emulator: EmulatorHandle, tmp_path: Path,
) -> None:
    token = mint(emulator)
    with verifier(emulator, tmp_path, refetch_interval_seconds=0.3) as checker:
        emulator.set_faults(error_rate=1.0)
        emulator.clear_requests()
        for _ in range(20):
            with pytest.raises(JwksUnavailable):  # no key at all yet: never a verdict
                checker.verify(token)
        assert jwks_requests(emulator) == 1
        emulator.set_faults(error_rate=0.0)
        time.sleep(0.35)
        assert checker.verify(token).subject  # the next interval fetches again


def test_an_unreachable_api_is_unavailable(tmp_path: Path) -> None:
    import socket

    from pulumi_dynamic_security.verify import DynamicJwtVerifier

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = forge({"alg": "RS256", "kid": "k"}, {"sub": "x"}, "c2ln")
    with DynamicJwtVerifier(LIVE, api_url=f"http://127.0.0.1:{port}/api/v0",
                            timeout_seconds=1) as checker, \
            pytest.raises(JwksUnavailable, match="could not be reached"):
        checker.verify(token)


JWKS_PATH = f"/api/v0/sdk/{LIVE}/.well-known/jwks"
HOSTILE_ANSWERS = {
    "not JSON": (Answer(200, b"<html>"), "not JSON"),
    "no keys list": (Answer(200, b'{"keys": {}}'), "without a \"keys\" list"),
    "only weak or foreign keys": (Answer(200, (
        b'{"keys": [{"kid": "a", "kty": "RSA", "n": "AQAB", "e": "AQAB"},'
        b' {"kid": "b", "kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"},'
        b' {"kid": "c", "kty": "oct", "k": "c2VjcmV0"}]}')), "no usable RS256 key"),
    "too large, declared": (Answer(200, b"{}", declared_length=MAX_JWKS_BYTES + 1),
                            "more than 64 KiB"),
    "too large, streamed": (Answer(200, b'{"keys": [' + b" " * (MAX_JWKS_BYTES + 10) + b"]}",
                                   chunked=True), "more than 64 KiB"),
    "too deep": (Answer(200, b'{"keys": ' + b"[" * 50 + b"]" * 50 + b"}"), "nests"),
    "a redirect": (Answer(302, b"", headers={"Location": "https://evil.example.com/jwks"}),
                   "HTTP 302"),
}


@pytest.mark.parametrize("name", list(HOSTILE_ANSWERS))
def test_a_hostile_jwks_answer_is_unavailable(name: str) -> None:
    from pulumi_dynamic_security.verify import DynamicJwtVerifier

    answer, words = HOSTILE_ANSWERS[name]
    token = forge({"alg": "RS256", "kid": "a"}, {"sub": "x"}, "c2ln")
    with hostile_api({JWKS_PATH: answer}) as server, \
            DynamicJwtVerifier(LIVE, api_url=server.base_url) as checker:
        started = time.monotonic()
        with pytest.raises(JwksUnavailable) as failure:
            checker.verify(token)
        assert time.monotonic() - started < 5
    assert words in failure.value.message
    assert server.requests == [("GET", JWKS_PATH)]  # the redirect was not followed
