"""The `demo` and `empty` seeds, with the ids the tests and the demo rely on."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.emulator.support import client
from tests.support.ids import (
    LIVE,
    ORGANIZATION,
    PROJECT,
    SANDBOX,
    SECOND_LIVE,
    SECOND_PROJECT,
    SECOND_SANDBOX,
)


def _environment(emulator: EmulatorHandle, environment_id: str) -> dict[str, Any]:
    with client(emulator) as api:
        response = api.get(f"/environments/{environment_id}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_fixed_ids() -> None:
    assert ORGANIZATION == "0a000000-0000-4000-8000-000000000001"
    assert (PROJECT, SECOND_PROJECT) == (
        "0b000000-0000-4000-8000-000000000001", "0b000000-0000-4000-8000-000000000002",
    )
    expected = tuple(f"0c000000-0000-4000-8000-00000000000{n}" for n in range(1, 5))
    assert expected == (SANDBOX, LIVE, SECOND_SANDBOX, SECOND_LIVE)


def test_projects_and_environment_names(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        for project, sandbox, live in ((PROJECT, SANDBOX, LIVE),
                                       (SECOND_PROJECT, SECOND_SANDBOX, SECOND_LIVE)):
            body = api.get(f"/projects/{project}").json()
            assert body["organizationId"] == ORGANIZATION
            assert body["projectEnvironments"] == [
                {"id": sandbox, "environmentName": "sandbox"},
                {"id": live, "environmentName": "live"},
            ]


def test_live_environment_starts_insecure(emulator: EmulatorHandle) -> None:
    security = _environment(emulator, LIVE)["settings"]["security"]
    assert security["jwtDuration"] == {"amount": 30, "unit": "days"}
    assert security["auth"]["storage"] == ["localstorage"]
    assert security["mfa"]["enabled"] is False
    assert not any(m["enabled"] for m in security["mfa"]["methods"])
    with client(emulator) as api:
        origins = api.get(f"/environments/{LIVE}/origins").json()["origins"]
        tokens = api.get(f"/environments/{LIVE}/tokens").json()["tokens"]
        hostnames = api.get(f"/environments/{LIVE}/custom/hostnames").json()["customHostnames"]
    assert [o["origin"] for o in origins] == ["https://*.example.com", "http://localhost:3000"]
    assert len(tokens) == 1
    assert [(h["hostname"], h["usage"], h["status"]) for h in hostnames] == [
        ("auth.example.com", "cookies", "active")
    ]


@pytest.mark.parametrize("environment_id", [SANDBOX, SECOND_SANDBOX, SECOND_LIVE])
def test_other_environments_are_like_the_first_sandbox(
    emulator: EmulatorHandle, environment_id: str
) -> None:
    body = _environment(emulator, environment_id)
    security = body["settings"]["security"]
    assert security["jwtDuration"] == {"amount": 1, "unit": "days"}
    assert security["auth"]["storage"] == ["localstorage"]
    enabled = [m["type"] for m in security["mfa"]["methods"] if m["enabled"]]
    assert enabled == ["totp"] and security["mfa"]["enabled"] is True
    expected_name = "live" if environment_id == SECOND_LIVE else "sandbox"
    assert body["settings"]["environmentName"] == expected_name
    with client(emulator) as api:
        origins = api.get(f"/environments/{environment_id}/origins").json()["origins"]
        tokens = api.get(f"/environments/{environment_id}/tokens").json()["tokens"]
    assert [o["origin"] for o in origins] == ["http://localhost:3000"]
    assert tokens == []


def test_empty_seed_has_the_organization_only(emulator: EmulatorHandle) -> None:
    emulator.reset("empty")
    with client(emulator) as api:
        assert api.get(f"/environments/{SANDBOX}").status_code == 404
        assert api.get(f"/projects/{PROJECT}").status_code == 404
        created = api.post(f"/organizations/{ORGANIZATION}/projects", json={"name": "first"})
    assert created.status_code == 201
    dump = emulator.state()
    assert [o["id"] for o in dump["organizations"]] == [ORGANIZATION]
    assert len(dump["projects"]) == 1
