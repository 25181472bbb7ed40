"""Bearer authentication and the scope each route needs."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from pulumi_dynamic_security.emulator import seeds
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.scopes import TOKEN_SCOPES
from tests.emulator.support import client, issue
from tests.support.ids import LIVE, ORGANIZATION, PROJECT, SANDBOX, UNKNOWN_ENVIRONMENT

ORIGIN_BODY = {"origin": "https://new.example.com"}
WEBHOOK_BODY = {"url": "https://hooks.example.com/a", "isEnabled": True, "events": ["ping"]}
WEBHOOK_UPDATE = {"url": "https://hooks.example.com/b", "isEnabled": False, "events": ["ping"]}
USER = "a1000000-0000-4000-8000-000000000001"
TOKEN_BODY = {"note": "n"}
HOSTNAME_BODY = {"hostname": "login.example.com", "usage": "cookies"}
LIVE_ORIGIN = "0d000000-0000-4000-8000-000000000004"  # https://*.example.com on the live env

# (method, path, body, scope that allows it); body "settings" means the current settings.
ROUTES: list[tuple[str, str, Any, str]] = [
    ("GET", f"/environments/{LIVE}", None, "environment.settings.read"),
    ("PUT", f"/environments/{LIVE}", "settings", "environment.settings.write"),
    ("GET", f"/environments/{LIVE}/origins", None, "environment.settings.read"),
    ("POST", f"/environments/{LIVE}/origins", ORIGIN_BODY, "environment.settings.write"),
    ("DELETE", f"/origins/{LIVE_ORIGIN}", None, "environment.settings.write"),
    ("GET", f"/environments/{LIVE}/tokens", None, "environment.apiTokens.read"),
    ("POST", f"/environments/{LIVE}/tokens", TOKEN_BODY, "environment.apiTokens.write"),
    ("DELETE", f"/environments/{LIVE}/tokens/{seeds.LEGACY_TOKEN_ID}", None,
     "environment.apiTokens.write"),
    ("POST", f"/environments/{LIVE}/users/some-user/sessions/revoke", None,
     "environment.users.write"),
    ("GET", f"/environments/{LIVE}/custom/hostnames", None, "environment.settings.read"),
    ("POST", f"/environments/{LIVE}/custom/hostnames", HOSTNAME_BODY,
     "environment.settings.write"),
    ("DELETE", f"/environments/{LIVE}/custom/hostnames/{seeds.COOKIE_HOSTNAME_ID}", None,
     "environment.settings.write"),
    ("GET", f"/environments/{LIVE}/keys", None, "environment.settings.read"),
    ("GET", f"/environments/{LIVE}/webhooks", None, "environment.webhooks.read"),
    ("POST", f"/environments/{LIVE}/webhooks", WEBHOOK_BODY, "environment.webhooks.write"),
    ("GET", f"/environments/{LIVE}/webhooks/{{webhook}}", None, "environment.webhooks.read"),
    ("PUT", f"/environments/{LIVE}/webhooks/{{webhook}}", WEBHOOK_UPDATE,
     "environment.webhooks.write"),
    ("DELETE", f"/environments/{LIVE}/webhooks/{{webhook}}", None,
     "environment.webhooks.write"),
    ("GET", f"/environments/{LIVE}/test/account", None, "environment.settings.read"),
    ("POST", f"/environments/{SANDBOX}/test/account", None, "environment.settings.write"),
    ("DELETE", f"/environments/{LIVE}/test/account", None, "environment.settings.write"),
    ("POST", f"/environments/{LIVE}/users/sessions/revoke", None, "environment.users.write"),
    ("PUT", "/sessions/{session}/revoke", None, "environment.users.write"),
    ("GET", f"/users/{USER}/sessions/{{session}}", None, "environment.users.read"),
]
# Routes open to every valid token, whatever its scopes.
ANY_TOKEN_ROUTES: list[tuple[str, str, Any]] = [("GET", "/eventTypes", None)]
ADMIN_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", f"/projects/{PROJECT}", None),
    ("GET", f"/projects/{PROJECT}/environments", None),
    ("POST", f"/organizations/{ORGANIZATION}/projects", {"name": "p"}),
]
ALL_ROUTES = [(m, p, b) for m, p, b, _ in ROUTES] + ADMIN_ROUTES + ANY_TOKEN_ROUTES
ROUTE_IDS = [f"{m} {p}" for m, p, *_ in ROUTES]


def _path(emulator: EmulatorHandle, path: str, environment_id: str = LIVE) -> str:
    """`path` with `{webhook}` and `{session}` replaced by records made for the test."""
    if "{webhook}" in path:
        with client(emulator) as api:
            body = {**WEBHOOK_BODY, "url": f"https://hooks.example.com/{uuid.uuid4()}"}
            created = api.post(f"/environments/{environment_id}/webhooks", json=body)
        path = path.replace("{webhook}", created.json()["webhookId"])
    if "{session}" in path:
        path = path.replace("{session}", emulator.create_session(environment_id, USER)["id"])
    return path


def _body(emulator: EmulatorHandle, body: Any) -> Any:
    if body == "settings":
        with client(emulator) as api:
            return api.get(f"/environments/{LIVE}").json()["settings"]
    return body


@pytest.mark.parametrize(("method", "path", "body"), ALL_ROUTES,
                         ids=[f"{m} {p}" for m, p, _ in ALL_ROUTES])
def test_every_route_needs_a_bearer_token(
    emulator: EmulatorHandle, method: str, path: str, body: Any
) -> None:
    payload = _body(emulator, body)
    path = _path(emulator, path)
    emulator.clear_requests()
    for token, headers in ((None, {}), ("dyn_notatoken", {}),
                           (None, {"Authorization": f"Basic {emulator.token}"}),
                           (None, {"Authorization": "Bearer"})):
        with client(emulator, token) as api:
            response = api.request(method, path, json=payload, headers=headers)
        assert response.status_code == 401
        assert set(response.json()) == {"error"}
        assert isinstance(response.json()["error"], str)
    with client(emulator) as api:  # nothing was done
        assert api.get(f"/environments/{LIVE}/origins").json()["origins"][0]["id"] == LIVE_ORIGIN
    assert {r["status"] for r in emulator.requests()} == {401, 200}


@pytest.mark.parametrize(("method", "path", "body", "scope"), ROUTES, ids=ROUTE_IDS)
def test_each_route_needs_its_scope(
    emulator: EmulatorHandle, method: str, path: str, body: Any, scope: str
) -> None:
    payload = _body(emulator, body)
    path = _path(emulator, path)
    if method == "POST" and path.endswith("/test/account"):
        emulator.remove_test_account(SANDBOX)  # none yet, so that the create can succeed
    others = [s for s in TOKEN_SCOPES if s != scope]
    environment_id = SANDBOX if SANDBOX in path else LIVE
    without = issue(emulator, environment_id, others)
    with_scope = issue(emulator, environment_id, [scope])
    with client(emulator, without) as api:
        refused = api.request(method, path, json=payload)
    assert refused.status_code == 403
    error = refused.json()["error"]
    if "sessions/revoke" in path:  # ForbiddenWithErrorAndPayload
        assert isinstance(error["code"], str) and isinstance(error["message"], str)
    else:
        assert isinstance(error, str)
    with client(emulator, with_scope) as api:
        allowed = api.request(method, path, json=payload)
    assert allowed.status_code in (200, 201, 202, 204), allowed.text


def test_admin_token_has_every_scope_everywhere(emulator: EmulatorHandle) -> None:
    for method, path, body, _ in ROUTES:
        target = _path(emulator, path)
        with client(emulator) as api:
            response = api.request(method, target, json=_body(emulator, body))
        assert response.status_code in (200, 201, 202, 204), (method, path, response.text)


def test_event_types_need_a_token_and_no_scope(emulator: EmulatorHandle) -> None:
    scopeless = issue(emulator, SANDBOX, [])
    with client(emulator, scopeless) as api:
        assert api.get("/eventTypes").status_code == 200


def test_the_sdk_routes_need_no_token(emulator: EmulatorHandle) -> None:
    with client(emulator, None) as api:
        for path in (f"/sdk/{LIVE}/.well-known/jwks", f"/sdk/{LIVE}/.well-known/jwks.json",
                     f"/sdk/{LIVE}/settings"):
            assert api.get(path).status_code == 200, path


def test_session_revocation(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        for user in ("u-1", "0e000000-0000-4000-8000-0000000000aa"):
            response = api.post(f"/environments/{LIVE}/users/{user}/sessions/revoke")
            assert response.status_code == 204 and response.content == b""
        unknown = api.post(f"/environments/{UNKNOWN_ENVIRONMENT}/users/u/sessions/revoke")
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "not_found"


def test_unknown_route_and_method(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        missing = api.get("/environments")
        wrong_method = api.patch(f"/environments/{LIVE}", json={})
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert wrong_method.status_code == 405
    assert isinstance(wrong_method.json()["error"], str)
