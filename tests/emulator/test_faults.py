"""Injected faults: latency, error_rate, lost responses, failing writes, rate limiting."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle, running_emulator
from tests.emulator.support import client, control
from tests.support.ids import LIVE, SANDBOX

ENV = f"/environments/{SANDBOX}"
ORIGINS = f"/environments/{SANDBOX}/origins"


def _origins(emulator: EmulatorHandle) -> list[str]:
    return [o["origin"] for o in emulator.state()["origins"] if o["environment_id"] == SANDBOX]


def test_latency_delays_api_requests_but_not_control_routes(emulator: EmulatorHandle) -> None:
    emulator.set_faults(latency_ms=150)
    with client(emulator) as api:
        started = time.perf_counter()
        assert api.get(ENV).status_code == 200
        assert time.perf_counter() - started >= 0.15
    started = time.perf_counter()
    emulator.requests()
    assert time.perf_counter() - started < 0.1


def test_latency_does_not_block_other_requests(emulator: EmulatorHandle) -> None:
    emulator.set_faults(latency_ms=300)

    async def burst() -> list[int]:
        headers = {"Authorization": f"Bearer {emulator.token}"}
        async with httpx.AsyncClient(base_url=emulator.base_url, headers=headers) as api:
            responses = await asyncio.gather(*(api.get(ENV) for _ in range(12)))
        return [r.status_code for r in responses]

    started = time.perf_counter()
    statuses = asyncio.run(burst())
    assert statuses == [200] * 12
    assert time.perf_counter() - started < 1.5  # serialised they would take 3.6 s


def test_error_rate_answers_503_without_committing(emulator: EmulatorHandle) -> None:
    emulator.set_faults(error_rate=1.0)
    with client(emulator) as api:
        read = api.get(ENV)
        write = api.post(ORIGINS, json={"origin": "https://lost.example.com"})
    assert read.status_code == write.status_code == 503
    assert set(write.json()) == {"error"}
    emulator.set_faults(error_rate=0)
    assert "https://lost.example.com" not in _origins(emulator)
    with client(emulator) as api:
        assert api.get(ENV).status_code == 200
    assert [r["status"] for r in emulator.requests()] == [503, 503, 200]


def test_error_rate_is_reproducible_with_a_seed(emulator: EmulatorHandle) -> None:
    def statuses() -> list[int]:
        emulator.set_faults(error_rate=0.5, seed=1234)
        with client(emulator) as api:
            return [api.get(ENV).status_code for _ in range(24)]

    first = statuses()
    emulator.reset()
    assert statuses() == first
    assert set(first) == {200, 503}


def test_lost_response_commits_then_answers_502(emulator: EmulatorHandle) -> None:
    emulator.set_faults(lost_response_rate=1.0)
    with client(emulator) as api:
        write = api.post(ORIGINS, json={"origin": "https://kept.example.com"})
        read = api.get(ORIGINS)
        settings = read.json()  # reads are answered normally
        token = api.post(f"{ENV}/tokens", json={"note": "lost"})
    assert write.status_code == 502 and set(write.json()) == {"error"}
    assert read.status_code == 200 and settings["origins"]
    assert token.status_code == 502
    assert "https://kept.example.com" in _origins(emulator)
    notes = [t["note"] for t in emulator.state()["tokens"]]
    assert "lost" in notes


def test_fail_writes_after_lets_k_writes_through(emulator: EmulatorHandle) -> None:
    emulator.set_faults(fail_writes_after=2)
    with client(emulator) as api:
        codes = [
            api.post(ORIGINS, json={"origin": f"https://n{i}.example.com"}).status_code
            for i in range(4)
        ]
        assert api.get(ORIGINS).status_code == 200  # reads are not writes
        assert api.delete(f"/origins/{emulator.state()['origins'][0]['id']}").status_code == 503
    assert codes == [201, 201, 503, 503]
    assert {"https://n2.example.com", "https://n3.example.com"}.isdisjoint(_origins(emulator))
    emulator.set_faults(fail_writes_after=None)
    with client(emulator) as api:
        assert api.post(ORIGINS, json={"origin": "https://n9.example.com"}).status_code == 201


def test_fail_writes_after_zero_fails_every_write(emulator: EmulatorHandle) -> None:
    assert emulator.set_faults(fail_writes_after=0)["writes_left"] == 0
    with client(emulator) as api:
        assert api.post(ORIGINS, json={"origin": "https://z.example.com"}).status_code == 503
        assert api.post(f"/environments/{LIVE}/users/u/sessions/revoke").status_code == 503


def test_other_fault_updates_keep_the_write_countdown(emulator: EmulatorHandle) -> None:
    emulator.set_faults(fail_writes_after=1)
    with client(emulator) as api:
        assert api.post(ORIGINS, json={"origin": "https://a.example.com"}).status_code == 201
    emulator.set_faults(latency_ms=0)
    with client(emulator) as api:
        assert api.post(ORIGINS, json={"origin": "https://b.example.com"}).status_code == 503


def test_rate_limit_answers_429_with_retry_after(emulator: EmulatorHandle) -> None:
    emulator.set_faults(rate_limit=3, rate_window_seconds=1)
    with client(emulator) as api:
        codes = [api.get(ENV).status_code for _ in range(3)]
        limited = api.get(f"/environments/{LIVE}/origins")
        assert codes == [200, 200, 200]
        assert limited.status_code == 429
        assert limited.json() == {"message": "Rate limit exceeded", "code": 429}
        retry_after = int(limited.headers["Retry-After"])
        assert retry_after == 1
        time.sleep(retry_after + 0.05)
        assert api.get(ENV).status_code == 200
    log = emulator.requests()
    assert log[3] == {"method": "GET", "path": f"/environments/{LIVE}/origins", "status": 429}


def test_rate_limit_counts_requests_across_callers(emulator: EmulatorHandle) -> None:
    emulator.set_faults(rate_limit=2)
    with client(emulator) as api:
        assert api.get(ENV).status_code == 200
    with client(emulator, None) as anonymous:
        assert anonymous.get(ENV).status_code == 401  # counted too: limits come before auth
    with client(emulator) as api:
        limited = api.get(f"/environments/{LIVE}")
    assert limited.status_code == 429
    assert 59 <= int(limited.headers["Retry-After"]) <= 60
    emulator.set_faults(rate_limit=0)
    with client(emulator) as api:
        assert api.get(ENV).status_code == 200


def test_control_routes_are_never_faulted(emulator: EmulatorHandle) -> None:
    emulator.set_faults(error_rate=1.0, rate_limit=1, fail_writes_after=0,
                        lost_response_rate=1.0)
    for _ in range(3):
        emulator.requests()
        emulator.clear_requests()
    planted = emulator.plant_token(SANDBOX, "planted", [], None)
    assert planted["token"]["rawToken"].startswith("dyn_")


def test_an_unknown_fault_is_400(emulator: EmulatorHandle) -> None:
    with control(emulator) as http:
        response = http.post("/faults", json={"bogus": 1})
    assert response.status_code == 400
    assert isinstance(response.json()["error"], str)


@pytest.mark.parametrize(
    "faults",
    [{"error_rate": 2}, {"error_rate": "often"}, {"latency_ms": -1},
     {"rate_limit": 1.5}, {"rate_window_seconds": 0}, {"fail_writes_after": True}],
)
def test_invalid_fault_values_are_422(emulator: EmulatorHandle, faults: dict[str, Any]) -> None:
    # A value that is not a finite number in range is a rule broken (422), not a bad shape.
    with control(emulator) as http:
        response = http.post("/faults", json=faults)
    assert response.status_code == 422
    assert isinstance(response.json()["error"], str)


def test_reset_turns_faults_off(emulator: EmulatorHandle) -> None:
    emulator.set_faults(error_rate=1.0, latency_ms=10, rate_limit=5, fail_writes_after=0)
    emulator.reset()
    with control(emulator) as http:
        faults = http.get("/faults").json()
    assert faults["error_rate"] == 0 and faults["latency_ms"] == 0
    assert faults["rate_limit"] == 0 and faults["fail_writes_after"] is None


@pytest.mark.slow
def test_startup_faults_from_arguments() -> None:
    with running_emulator(error_rate=1.0) as emu, client(emu) as api:
        assert api.get(ENV).status_code == 503
    with running_emulator(rate_limit=1, latency_ms=50) as emu, client(emu) as api:
        started = time.perf_counter()
        assert api.get(ENV).status_code == 200
        assert api.get(ENV).status_code == 429
        assert time.perf_counter() - started >= 0.1


def test_giving_the_seed_again_restarts_the_sequence(emulator: EmulatorHandle) -> None:
    def draws() -> list[int]:
        emulator.set_faults(error_rate=0.5, seed=99)
        with client(emulator) as api:
            return [api.get(ENV).status_code for _ in range(16)]

    assert draws() == draws()
