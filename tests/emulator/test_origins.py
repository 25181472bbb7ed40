"""Allowed origins: list, add (validation, duplicates), delete, and `updatedAt`."""

from __future__ import annotations

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.emulator.support import ISO_UTC, client
from tests.support.ids import LIVE, SANDBOX, UNKNOWN_ENVIRONMENT


def test_list_origins(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        body = api.get(f"/environments/{LIVE}/origins").json()
    assert [o["origin"] for o in body["origins"]] == [
        "https://*.example.com", "http://localhost:3000",
    ]
    for origin in body["origins"]:
        assert set(origin) == {"id", "origin", "createdAt", "projectEnvironmentId"}
        assert origin["projectEnvironmentId"] == LIVE
        assert ISO_UTC.fullmatch(origin["createdAt"])


def test_add_origin_answers_201_with_the_origin(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        response = api.post(f"/environments/{SANDBOX}/origins",
                            json={"origin": "https://app.example.com"})
        assert response.status_code == 201
        origin = response.json()["origin"]
        assert origin["origin"] == "https://app.example.com"
        assert origin["projectEnvironmentId"] == SANDBOX
        listed = api.get(f"/environments/{SANDBOX}/origins").json()["origins"]
    assert listed[-1] == origin


@pytest.mark.parametrize(
    "value",
    [
        "http://localhost:3000",
        "https://my-app-*.vercel.app",
        "http://127.0.0.1:4200",
        "chrome-extension://abcdefghijklmnop",
        "moz-extension://some-id",
        "https://*.example.com",
        "https://example.com:*",
        "https://EXAMPLE.com",
    ],
)
def test_valid_origins_are_accepted(emulator: EmulatorHandle, value: str) -> None:
    with client(emulator) as api:
        response = api.post(f"/environments/{LIVE}/origins", json={"origin": value})
    # The two seeded ones collide with themselves; everything else is new.
    if value in ("http://localhost:3000", "https://*.example.com"):
        assert response.json()["code"] == "duplicate_exists"
    else:
        assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "value",
    [
        "domain.com",
        "//domain.com",
        "https://domain.com/home",
        "https://domain.com/",
        "ftp://domain.com",
        "https://*.*.example.com",
        "https://user@domain.com",
        "https://domain.com?x=1",
        "https://domain.com:123456",
        "https://domain.com\n",
        "HTTPS://domain.com",
        "",
    ],
)
def test_invalid_origins_are_422_invalid_cors_origins(
    emulator: EmulatorHandle, value: str
) -> None:
    with client(emulator) as api:
        before = api.get(f"/environments/{SANDBOX}").json()["updatedAt"]
        response = api.post(f"/environments/{SANDBOX}/origins", json={"origin": value})
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "invalid_cors_origins" and isinstance(body["error"], str)
        assert api.get(f"/environments/{SANDBOX}").json()["updatedAt"] == before


@pytest.mark.parametrize("value", ["http://localhost:3000", "http://LocalHost:3000"])
def test_duplicate_origin_is_422_duplicate_exists(emulator: EmulatorHandle, value: str) -> None:
    with client(emulator) as api:
        response = api.post(f"/environments/{SANDBOX}/origins", json={"origin": value})
        assert response.status_code == 422
        assert response.json()["code"] == "duplicate_exists"
        assert len(api.get(f"/environments/{SANDBOX}/origins").json()["origins"]) == 1


def test_same_origin_in_two_environments_is_fine(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        for env in (SANDBOX, LIVE):
            response = api.post(f"/environments/{env}/origins",
                                json={"origin": "https://shared.example.com"})
            assert response.status_code == 201


@pytest.mark.parametrize("body", [{}, {"origin": 5}, {"url": "https://a.example.com"}])
def test_origin_body_without_origin_is_400_with_status(
    emulator: EmulatorHandle, body: dict[str, object]
) -> None:
    with client(emulator) as api:
        response = api.post(f"/environments/{SANDBOX}/origins", json=body)
    assert response.status_code == 400
    assert response.json()["status"] == 400
    assert isinstance(response.json()["error"], str)


def test_delete_origin(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        origin_id = api.get(f"/environments/{LIVE}/origins").json()["origins"][0]["id"]
        response = api.delete(f"/origins/{origin_id}")
        assert response.status_code == 204
        assert response.content == b""
        remaining = api.get(f"/environments/{LIVE}/origins").json()["origins"]
        assert [o["origin"] for o in remaining] == ["http://localhost:3000"]
        again = api.delete(f"/origins/{origin_id}")
    assert again.status_code == 404
    assert again.json() == {"error": "Origin not found", "code": "not_found"}


def test_origin_writes_move_updated_at(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        seen = [api.get(f"/environments/{SANDBOX}").json()["updatedAt"]]
        added = api.post(f"/environments/{SANDBOX}/origins",
                         json={"origin": "https://a.example.com"}).json()["origin"]
        seen.append(api.get(f"/environments/{SANDBOX}").json()["updatedAt"])
        api.delete(f"/origins/{added['id']}")
        seen.append(api.get(f"/environments/{SANDBOX}").json()["updatedAt"])
    assert seen == sorted(seen) and len(set(seen)) == 3


def test_origins_of_unknown_environment_are_404(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        assert api.get(f"/environments/{UNKNOWN_ENVIRONMENT}/origins").status_code == 404
        response = api.post(f"/environments/{UNKNOWN_ENVIRONMENT}/origins",
                            json={"origin": "https://a.example.com"})
    assert response.status_code == 404
