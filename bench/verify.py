"""The verifier's cost: `DynamicJwtVerifier.verify` with a warm cache against PyJWT's own
`jwt.decode` of the same token with the same key, side by side in this process.

Both do the whole job a backend needs: PyJWT verifies the RS256 signature and checks `exp`,
`iat`, `aud` and `iss` (with the same leeway); `verify` does that and its own checks
(environment, subject, scope, MFA). The two run in alternating batches, so a change in the
machine's speed affects both alike; the figure is the median time per token over the
batches, and the ratio of the medians. One thread, so tokens per second is per core. The
emulator answers the one JWKS fetch of the warm-up; the request log then proves that the
measured calls made none.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.emulator import EmulatorProcess
from bench.report import Check, Row

ORIGIN = "https://app.bench.example.com"
TARGET_RATIO = 1.2
LEEWAY = 30


def _batch(call: Callable[[], Any], size: int) -> float:
    """Seconds per call over `size` calls."""
    started = time.perf_counter()
    for _ in range(size):
        call()
    return (time.perf_counter() - started) / size


def verify_row(emulator: EmulatorProcess, environment_id: str, *, quick: bool) -> Row:
    import jwt

    from pulumi_dynamic_security.verify import DynamicJwtVerifier

    batches, size = (5, 50) if quick else (60, 500)
    print(f"verify vs jwt.decode: {batches} batches of {size} ...", file=sys.stderr, flush=True)
    emulator.set_faults(latency_ms=0, rate_limit=0)
    minted = emulator.mint_jwt(environment_id, aud=ORIGIN, ttl_seconds=3600)
    token, issuer = minted["jwt"], minted["claims"]["iss"]
    verifier = DynamicJwtVerifier(environment_id, api_url=emulator.base_url, audiences=[ORIGIN],
                                  leeway_seconds=LEEWAY)
    try:
        verifier.fetch_keys()
        key = jwt.PyJWK(_jwks(emulator, environment_id)[0]).key  # the key the JWKS serves

        def pyjwt() -> Any:
            return jwt.decode(token, key, algorithms=["RS256"], audience=ORIGIN, issuer=issuer,
                              leeway=LEEWAY)

        def ours() -> Any:
            return verifier.verify(token)

        assert pyjwt()["sub"] == ours()["sub"]  # the same token, accepted by both
        for _ in range(2):  # warm both paths up before measuring
            _batch(pyjwt, size)
            _batch(ours, size)
        emulator.clear_requests()
        decode_s, verify_s = [], []
        for _ in range(batches):
            decode_s.append(_batch(pyjwt, size))
            verify_s.append(_batch(ours, size))
        requests = emulator.requests().total
    finally:
        verifier.close()
    decode, mine = statistics.median(decode_s), statistics.median(verify_s)
    ratio = mine / decode
    row = Row(scenario="verify (warm cache) vs jwt.decode", kind="verify", requests=requests,
              ratio=ratio, samples_s=verify_s)
    row.figures = {"verify_us": mine * 1e6, "jwt_decode_us": decode * 1e6,
                   "tokens_per_second_per_core": 1 / mine, "batches": batches,
                   "batch_size": size}
    row.note = (f"{1 / mine:,.0f} tokens/s per core; verify {mine * 1e6:.1f} us, jwt.decode "
                f"{decode * 1e6:.1f} us per token, medians of {batches} batches of {size}")
    row.checks.append(Check(f"within {TARGET_RATIO}x of jwt.decode",
                            None if quick else ratio <= TARGET_RATIO))
    row.checks.append(Check("no request with a warm cache", requests == 0))
    return row


def _jwks(emulator: EmulatorProcess, environment_id: str) -> list[dict[str, Any]]:
    import httpx

    response = httpx.get(f"{emulator.base_url}/sdk/{environment_id}/.well-known/jwks",
                         timeout=30)
    response.raise_for_status()
    keys: list[dict[str, Any]] = response.json()["keys"]
    return keys
