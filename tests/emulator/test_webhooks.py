"""Webhooks (create, list, read with and without the secret, update, delete) and the event
catalogue."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.emulator.support import ISO_UTC, client
from tests.support.ids import LIVE, SANDBOX, UNKNOWN_ENVIRONMENT

BASE = f"/environments/{LIVE}/webhooks"
SESSION_EVENTS = ["user.session.revoked", "admin.user.session.revoked"]
REQUIRED_EVENTS = {
    "user.created", "user.updated", "user.deleted", "user.session.created",
    "user.session.revoked", "admin.user.session.revoked", "wallet.created", "wallet.linked",
    "visit.created", "ping",
}


def _create(emulator: EmulatorHandle, **body: Any) -> dict[str, Any]:
    sent = {"url": "https://hooks.example.com/dynamic", "isEnabled": True,
            "events": SESSION_EVENTS, **body}
    with client(emulator) as api:
        response = api.post(BASE, json=sent)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_event_types_are_a_fixed_catalogue(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        first = api.get("/eventTypes")
        second = api.get("/eventTypes")
    assert first.status_code == 200
    catalogue = first.json()
    assert catalogue == second.json()
    assert all(set(item) == {"name", "description"} for item in catalogue)
    assert all(isinstance(i["name"], str) and isinstance(i["description"], str) and
               i["description"] for i in catalogue)
    names = [item["name"] for item in catalogue]
    assert set(names) >= REQUIRED_EVENTS
    assert len(names) == len(set(names))


def test_create_answers_the_webhook_with_its_secret(emulator: EmulatorHandle) -> None:
    created = _create(emulator)
    assert created["environmentId"] == LIVE
    assert created["url"] == "https://hooks.example.com/dynamic"
    assert created["events"] == SESSION_EVENTS
    assert created["isEnabled"] is True
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 30
    for member in ("createdAt", "updatedAt", "enabledAt"):
        assert ISO_UTC.fullmatch(created[member])


def test_list_and_get_leave_the_secret_out_unless_asked(emulator: EmulatorHandle) -> None:
    created = _create(emulator)
    webhook_id, secret = created["webhookId"], created["secret"]
    with client(emulator) as api:
        listing = api.get(BASE)
        plain = api.get(f"{BASE}/{webhook_id}")
        asked = api.get(f"{BASE}/{webhook_id}", params={"includeSecret": "true"})
        declined = api.get(f"{BASE}/{webhook_id}", params={"includeSecret": "false"})
        bad = api.get(f"{BASE}/{webhook_id}", params={"includeSecret": "yes"})
    assert listing.status_code == 200
    assert set(listing.json()) == {"data", "cursor"}
    assert listing.json()["cursor"] == ""
    assert [w["webhookId"] for w in listing.json()["data"]] == [webhook_id]
    for response in (listing, plain, declined):
        assert secret not in response.text and "secret" not in response.text
    assert asked.json()["secret"] == secret
    expected = {k: v for k, v in created.items() if k != "secret"}
    assert plain.json() == expected
    assert bad.status_code == 400


def test_update_replaces_url_events_and_enabled(emulator: EmulatorHandle) -> None:
    created = _create(emulator)
    path = f"{BASE}/{created['webhookId']}"
    with client(emulator) as api:
        disabled = api.put(path, json={"url": "arn:aws:sns:eu-west-1:123456789012:dynamic",
                                       "isEnabled": False, "events": ["ping", "ping"]})
        assert disabled.status_code == 200, disabled.text
        body = disabled.json()
        assert body["url"] == "arn:aws:sns:eu-west-1:123456789012:dynamic"
        assert body["events"] == ["ping"]  # repeats dropped
        assert body["isEnabled"] is False and "enabledAt" not in body
        assert "secret" not in body
        assert body["createdAt"] == created["createdAt"]
        assert body["updatedAt"] >= created["updatedAt"]
        enabled = api.put(path, json={"url": created["url"], "isEnabled": True,
                                      "events": SESSION_EVENTS}).json()
        assert ISO_UTC.fullmatch(enabled["enabledAt"])
        secret = api.get(path, params={"includeSecret": "true"}).json()["secret"]
    assert secret == created["secret"]  # an update keeps the signing secret


def test_delete_removes_it(emulator: EmulatorHandle) -> None:
    created = _create(emulator)
    path = f"{BASE}/{created['webhookId']}"
    with client(emulator) as api:
        deleted = api.delete(path)
        assert deleted.status_code == 204 and deleted.content == b""
        assert api.get(BASE).json()["data"] == []
        for response in (api.get(path), api.put(path, json={
                "url": created["url"], "isEnabled": True, "events": ["ping"]}),
                api.delete(path)):
            assert response.status_code == 404
            assert response.json() == {"error": "Webhook not found", "code": "not_found"}


def test_webhooks_belong_to_their_environment(emulator: EmulatorHandle) -> None:
    created = _create(emulator)
    with client(emulator) as api:
        assert api.get(f"/environments/{SANDBOX}/webhooks").json()["data"] == []
        assert api.get(f"/environments/{SANDBOX}/webhooks/{created['webhookId']}"
                       ).status_code == 404
        assert api.get(f"/environments/{UNKNOWN_ENVIRONMENT}/webhooks").status_code == 404


@pytest.mark.parametrize(
    "url",
    ["http://hooks.example.com/x", "https://localhost/x", "https://127.0.0.1/hook",
     "https://hooks.example.com:8443/x", "https://Hooks.Example.com/x", "ftp://example.com",
     "hooks.example.com", "https://example", "arn:aws:sns:eu-west-1:1234:topic",
     "arn:aws:sqs:eu-west-1:123456789012:queue", "https://hooks.example.com/a\nb",
     "https://hooks.example.com/" + "a" * 2100, ""],
)
def test_a_url_that_is_not_https_or_an_sns_arn_is_422(emulator: EmulatorHandle,
                                                        url: str) -> None:
    with client(emulator) as api:
        response = api.post(BASE, json={"url": url, "isEnabled": True, "events": ["ping"]})
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_update"
        assert api.get(BASE).json()["data"] == []


@pytest.mark.parametrize("events", [[], ["user.exploded"], ["ping", "Ping"], ["user.*"]])
def test_events_outside_the_catalogue_are_422(emulator: EmulatorHandle,
                                              events: list[str]) -> None:
    with client(emulator) as api:
        response = api.post(BASE, json={"url": "https://h.example.com", "isEnabled": True,
                                        "events": events})
    assert response.status_code == 422
    assert "event" in response.json()["error"]


@pytest.mark.parametrize(
    "body",
    [{}, {"url": "https://h.example.com", "isEnabled": "true", "events": ["ping"]},
     {"url": "https://h.example.com", "isEnabled": True, "events": "ping"},
     {"url": "https://h.example.com", "isEnabled": True, "events": [1]},
     {"url": ["https://h.example.com"], "isEnabled": True, "events": ["ping"]}],
)
def test_a_body_of_the_wrong_shape_is_400(emulator: EmulatorHandle,
                                          body: dict[str, Any]) -> None:
    with client(emulator) as api:
        assert api.post(BASE, json=body).status_code == 400


def test_a_second_webhook_with_the_same_url_is_refused(emulator: EmulatorHandle) -> None:
    first = _create(emulator)
    other = _create(emulator, url="https://other.example.com/hook")
    with client(emulator) as api:
        again = api.post(BASE, json={"url": first["url"], "isEnabled": False,
                                     "events": ["ping"]})
        moved = api.put(f"{BASE}/{other['webhookId']}",
                        json={"url": first["url"], "isEnabled": True, "events": ["ping"]})
        same = api.put(f"{BASE}/{first['webhookId']}",
                       json={"url": first["url"], "isEnabled": True, "events": ["ping"]})
    assert again.status_code == moved.status_code == 422
    assert again.json()["code"] == "duplicate_exists"
    assert same.status_code == 200
