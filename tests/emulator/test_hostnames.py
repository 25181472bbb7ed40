"""Custom hostnames and the control route that plays DNS verification."""

from __future__ import annotations

import pytest

from pulumi_dynamic_security.emulator import seeds
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.emulator.support import client, control
from tests.support.ids import LIVE, SANDBOX, UNKNOWN_ENVIRONMENT

BASE = f"/environments/{SANDBOX}/custom/hostnames"


def test_seeded_cookie_hostname(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        hostnames = api.get(f"/environments/{LIVE}/custom/hostnames").json()["customHostnames"]
        assert api.get(BASE).json() == {"customHostnames": []}
    assert len(hostnames) == 1
    assert hostnames[0]["id"] == seeds.COOKIE_HOSTNAME_ID
    assert (hostnames[0]["hostname"], hostnames[0]["usage"], hostnames[0]["status"]) == (
        "auth.example.com", "cookies", "active",
    )


def test_create_hostname_starts_pending_with_records(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        response = api.post(BASE, json={"hostname": "Auth.Shop.example", "usage": "cookies"})
        assert response.status_code == 201
        hostname = response.json()
        assert api.get(BASE).json() == {"customHostnames": [hostname]}
    assert hostname["hostname"] == "auth.shop.example"
    assert hostname["status"] == "pending"
    kinds = {(r["dnsRecordType"], r["verificationType"]) for r in hostname["verificationRecords"]}
    assert kinds == {("TXT", "ownership"), ("TXT", "certificate"), ("CNAME", "alias")}
    for record in hostname["verificationRecords"]:
        assert record["name"] and record["value"]


def test_duplicate_hostname_is_422(emulator: EmulatorHandle) -> None:
    body = {"hostname": "auth.example.com", "usage": "cookies"}
    with client(emulator) as api:
        response = api.post(f"/environments/{LIVE}/custom/hostnames", json=body)
    assert response.status_code == 422
    assert response.json()["code"] == "duplicate_exists"


@pytest.mark.parametrize("name", ["not a host", "https://a.example.com", "localhost", "a..b.com"])
def test_invalid_hostname_is_422(emulator: EmulatorHandle, name: str) -> None:
    with client(emulator) as api:
        response = api.post(BASE, json={"hostname": name, "usage": "cookies"})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_custom_hostname"


@pytest.mark.parametrize("body", [{"hostname": "a.example.com"}, {"usage": "cookies"},
                                  {"hostname": "a.example.com", "usage": "sessions"}])
def test_incomplete_hostname_request_is_400(
    emulator: EmulatorHandle, body: dict[str, str]
) -> None:
    with client(emulator) as api:
        assert api.post(BASE, json=body).status_code == 400


def test_delete_hostname(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        path = f"/environments/{LIVE}/custom/hostnames/{seeds.COOKIE_HOSTNAME_ID}"
        assert api.delete(path).status_code == 204
        assert api.get(f"/environments/{LIVE}/custom/hostnames").json() == {
            "customHostnames": []
        }
        again = api.delete(path)
    assert again.status_code == 404
    assert again.json()["code"] == "not_found"


def test_set_hostname_status(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        created = api.post(BASE, json={"hostname": "id.example.org", "usage": "cookies"}).json()
        answered = emulator.set_hostname_status(SANDBOX, created["id"], "active")
        assert answered["status"] == "active"
        assert api.get(BASE).json()["customHostnames"][0]["status"] == "active"
        emulator.set_hostname_status(SANDBOX, created["id"], "error")
        assert api.get(BASE).json()["customHostnames"][0]["status"] == "error"


def test_set_hostname_status_refusals(emulator: EmulatorHandle) -> None:
    hostname = seeds.COOKIE_HOSTNAME_ID
    with control(emulator) as http:
        assert http.post(f"/environments/{LIVE}/custom/hostnames/{hostname}",
                         json={"status": "verified"}).status_code == 400
        assert http.post(f"/environments/{UNKNOWN_ENVIRONMENT}/custom/hostnames/{hostname}",
                         json={"status": "active"}).status_code == 404
        assert http.post(f"/environments/{SANDBOX}/custom/hostnames/{hostname}",
                         json={"status": "active"}).status_code == 404
