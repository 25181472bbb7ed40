"""The request log and the control routes around it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.emulator.support import client, control
from tests.support.ids import LIVE, SANDBOX, UNKNOWN_ENVIRONMENT


def test_log_records_method_relative_path_and_status(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        api.get(f"/environments/{SANDBOX}")
        api.post(f"/environments/{SANDBOX}/origins", json={"origin": "bad"})
        api.get(f"/environments/{UNKNOWN_ENVIRONMENT}?include=all")
    with client(emulator, None) as anonymous:
        anonymous.delete(f"/environments/{LIVE}/tokens/x")
    assert emulator.requests() == [
        {"method": "GET", "path": f"/environments/{SANDBOX}", "status": 200},
        {"method": "POST", "path": f"/environments/{SANDBOX}/origins", "status": 422},
        {"method": "GET", "path": f"/environments/{UNKNOWN_ENVIRONMENT}", "status": 404},
        {"method": "DELETE", "path": f"/environments/{LIVE}/tokens/x", "status": 401},
    ]


def test_control_routes_are_not_logged_and_clear_works(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        api.get(f"/environments/{SANDBOX}")
    emulator.set_faults(latency_ms=0)
    emulator.state()
    assert len(emulator.requests()) == 1
    with control(emulator) as http:
        response = http.delete("/requests")
    assert response.status_code == 204
    assert emulator.requests() == []


def test_reset_clears_the_log_and_restores_the_seed(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        api.post(f"/environments/{SANDBOX}/origins", json={"origin": "https://x.example.com"})
    emulator.reset("empty")
    assert emulator.requests() == []
    assert emulator.state()["environments"] == []
    emulator.reset()
    assert len(emulator.state()["environments"]) == 4


def test_reset_refuses_an_unknown_seed(emulator: EmulatorHandle) -> None:
    with control(emulator) as http:
        response = http.post("/reset", json={"seed": "full"})
    assert response.status_code == 400


def test_plant_token_with_a_chosen_creation_time(emulator: EmulatorHandle) -> None:
    created = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    planted = emulator.plant_token(
        SANDBOX, "dynsec:ci:20240102T030405Z", ["environment.settings.read"], created
    )["token"]
    assert planted["createdAt"] == "2024-01-02T03:04:05.000Z"
    assert planted["checksum"] == planted["rawToken"][-6:]
    with client(emulator) as api:
        listed = api.get(f"/environments/{SANDBOX}/tokens").json()["tokens"]
    assert listed == [{k: v for k, v in planted.items() if k not in ("rawToken", "active")}]
    with client(emulator, planted["rawToken"]) as api:
        assert api.get(f"/environments/{SANDBOX}").status_code == 200
    assert emulator.requests()[-1]["status"] == 200


def test_plant_token_accepts_iso_strings(emulator: EmulatorHandle) -> None:
    when = (datetime.now(timezone.utc) - timedelta(days=100)).isoformat()
    planted = emulator.plant_token(LIVE, "old", [], when)["token"]
    assert planted["createdAt"].endswith("Z")
    naive = emulator.plant_token(LIVE, "naive", [], "2023-05-06T07:08:09")["token"]
    assert naive["createdAt"] == "2023-05-06T07:08:09.000Z"


@pytest.mark.parametrize(
    ("environment_id", "body", "status"),
    [
        (UNKNOWN_ENVIRONMENT, {"note": "x", "scopes": []}, 404),
        (SANDBOX, {"note": "x", "scopes": ["nope"]}, 422),
        (SANDBOX, {"note": "x", "scopes": [], "created_at": "yesterday"}, 400),
    ],
)
def test_plant_token_refusals(
    emulator: EmulatorHandle, environment_id: str, body: dict[str, object], status: int
) -> None:
    with control(emulator) as http:
        response = http.post(f"/environments/{environment_id}/tokens", json=body)
    assert response.status_code == status


def test_state_dump_never_holds_raw_tokens(emulator: EmulatorHandle) -> None:
    raw = emulator.plant_token(SANDBOX, "n", [], None)["token"]["rawToken"]
    with control(emulator) as http:
        dump = http.get("/state").text
    assert raw not in dump
    assert emulator.token not in dump
