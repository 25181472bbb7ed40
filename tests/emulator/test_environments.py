"""Environments and projects: reads, the whole-document PUT, validation, project creation."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.emulator.support import ISO_UTC, client, issue
from tests.support.ids import LIVE, ORGANIZATION, PROJECT, SANDBOX, UNKNOWN_ENVIRONMENT

REQUIRED_SETTINGS = ("chains", "kyc", "design", "general", "privacy", "sdk", "security")


def _settings(api: httpx.Client, environment_id: str = SANDBOX) -> dict[str, Any]:
    response = api.get(f"/environments/{environment_id}")
    assert response.status_code == 200
    settings: dict[str, Any] = response.json()["settings"]
    return settings


def test_get_environment_shape(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        body = api.get(f"/environments/{LIVE}").json()
    assert body["id"] == LIVE
    assert ISO_UTC.fullmatch(body["createdAt"]) and ISO_UTC.fullmatch(body["updatedAt"])
    settings = body["settings"]
    assert settings["environmentName"] == "live"
    for member in REQUIRED_SETTINGS:
        assert member in settings


def test_unknown_environment_is_404_not_found(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        for response in (
            api.get(f"/environments/{UNKNOWN_ENVIRONMENT}"),
            api.put(f"/environments/{UNKNOWN_ENVIRONMENT}", json=_settings(api)),
        ):
            assert response.status_code == 404
            assert response.json() == {"error": "Environment not found", "code": "not_found"}


def test_put_stores_exactly_what_was_sent(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        settings = _settings(api)
        # Unknown keys at every level, in an order no sorting would produce.
        sent = {"zzz": {"b": 1, "a": 2}, **settings, "aaa": [3, 2, 1]}
        sent["security"] = {"notifications": {"waasSignedTransaction": True},
                            **settings["security"], "environmentLocked": True}
        sent["security"]["jwtDuration"] = {"unit": "hours", "amount": 6}
        response = api.put(f"/environments/{SANDBOX}", json=sent)
        assert response.status_code == 200
        assert response.json() == sent
        assert list(response.json()) == list(sent)
        stored = _settings(api)
    assert stored == sent
    assert list(stored) == list(sent)
    assert list(stored["security"]) == list(sent["security"])
    assert list(stored["security"]["jwtDuration"]) == ["unit", "amount"]
    assert list(stored["zzz"]) == ["b", "a"]


def test_put_answers_project_settings_not_the_environment(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        body = api.put(f"/environments/{SANDBOX}", json=_settings(api)).json()
    assert "id" not in body and "settings" not in body
    assert body["environmentName"] == "sandbox"


def test_put_without_environment_name_keeps_it_first(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        settings = _settings(api)
        del settings["environmentName"]
        body = api.put(f"/environments/{SANDBOX}", json=settings).json()
    assert next(iter(body)) == "environmentName"
    assert body["environmentName"] == "sandbox"


def test_put_cannot_rename_the_environment(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        settings = _settings(api)
        settings["environmentName"] = "live"
        response = api.put(f"/environments/{SANDBOX}", json=settings)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_update"


def test_updated_at_moves_on_every_put(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        settings = _settings(api)
        seen = [api.get(f"/environments/{SANDBOX}").json()["updatedAt"]]
        for _ in range(3):  # fast enough to land in the same millisecond
            api.put(f"/environments/{SANDBOX}", json=settings)
            seen.append(api.get(f"/environments/{SANDBOX}").json()["updatedAt"])
    assert seen == sorted(seen)
    assert len(set(seen)) == len(seen)


def test_hcaptcha_secret_is_write_only_and_kept(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        settings = _settings(api)
        settings["security"]["hCaptcha"] = {"enabled": True, "secretKey": "s3cr3t-value",
                                            "siteKey": "site"}
        answered = api.put(f"/environments/{SANDBOX}", json=settings).json()
        assert answered["security"]["hCaptcha"] == {"enabled": True, "siteKey": "site"}
        assert "s3cr3t-value" not in api.get(f"/environments/{SANDBOX}").text
        # A later PUT without the secret (what a client that read the settings sends).
        again = _settings(api)
        again["security"]["jwtDuration"] = {"amount": 3, "unit": "hours"}
        api.put(f"/environments/{SANDBOX}", json=again)
        dump = emulator.state()
    stored = next(e for e in dump["environments"] if e["id"] == SANDBOX)
    assert stored["hcaptcha_secret"] == "s3cr3t-value"
    assert "secretKey" not in stored["settings"]["security"]["hCaptcha"]


def test_hcaptcha_secret_null_clears_it(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        settings = _settings(api)
        settings["security"]["hCaptcha"] = {"enabled": True, "secretKey": "x"}
        api.put(f"/environments/{SANDBOX}", json=settings)
        settings["security"]["hCaptcha"] = {"enabled": False, "secretKey": None}
        api.put(f"/environments/{SANDBOX}", json=settings)
    stored = next(e for e in emulator.state()["environments"] if e["id"] == SANDBOX)
    assert stored["hcaptcha_secret"] is None


@pytest.mark.parametrize(
    ("amount", "unit"),
    [(1, "minutes"), (59, "minutes"), (12, "hours"), (720, "hours"), (30, "days"),
     (43200, "minutes")],
)
def test_jwt_duration_within_bounds_is_accepted(
    emulator: EmulatorHandle, amount: int, unit: str
) -> None:
    with client(emulator) as api:
        settings = _settings(api)
        settings["security"]["jwtDuration"] = {"amount": amount, "unit": unit}
        assert api.put(f"/environments/{SANDBOX}", json=settings).status_code == 200


@pytest.mark.parametrize(
    "duration",
    [
        {"amount": 0, "unit": "minutes"},
        {"amount": -1, "unit": "days"},
        {"amount": 31, "unit": "days"},
        {"amount": 721, "unit": "hours"},
        {"amount": 43201, "unit": "minutes"},
        {"amount": 1.5, "unit": "hours"},
        {"amount": 2, "unit": "weeks"},
        {"amount": "2", "unit": "hours"},
        {"unit": "hours"},
        "2h",
    ],
)
def test_jwt_duration_out_of_bounds_is_422(emulator: EmulatorHandle, duration: object) -> None:
    with client(emulator) as api:
        settings = _settings(api)
        before = api.get(f"/environments/{SANDBOX}").json()
        settings["security"]["jwtDuration"] = duration
        response = api.put(f"/environments/{SANDBOX}", json=settings)
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "invalid_update" and isinstance(body["error"], str)
        assert api.get(f"/environments/{SANDBOX}").json() == before  # nothing committed


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("auth",), {"storage": ["session"]}),
        (("auth",), {}),
        (("mfa", "methods"), [{"type": "sms", "enabled": True}]),
        (("mfa", "methods"), [{"type": "totp"}]),
        (("mfa", "actions"), [{"action": "wallet.waas.burn", "required": True}]),
        (("mfa", "enabled"), "yes"),
    ],
)
def test_invalid_security_members_are_422(
    emulator: EmulatorHandle, path: tuple[str, ...], value: object
) -> None:
    with client(emulator) as api:
        settings = _settings(api)
        target = settings["security"]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        response = api.put(f"/environments/{SANDBOX}", json=settings)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_update"


@pytest.mark.parametrize("member", REQUIRED_SETTINGS)
def test_missing_required_member_is_400(emulator: EmulatorHandle, member: str) -> None:
    with client(emulator) as api:
        settings = _settings(api)
        del settings[member]
        response = api.put(f"/environments/{SANDBOX}", json=settings)
    assert response.status_code == 400
    assert isinstance(response.json()["error"], str)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b""])
def test_put_body_must_be_a_json_object(emulator: EmulatorHandle, body: bytes) -> None:
    with client(emulator) as api:
        response = api.put(
            f"/environments/{SANDBOX}", content=body, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 400
    assert set(response.json()) == {"error"}


def test_settings_of_different_environments_are_independent(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        live_before = _settings(api, LIVE)
        settings = _settings(api)
        settings["security"]["jwtDuration"] = {"amount": 5, "unit": "minutes"}
        api.put(f"/environments/{SANDBOX}", json=settings)
        assert _settings(api, LIVE) == live_before


def test_get_project(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        body = api.get(f"/projects/{PROJECT}").json()
    assert body == {
        "id": PROJECT,
        "name": body["name"],
        "organizationId": ORGANIZATION,
        "projectEnvironments": [
            {"id": SANDBOX, "environmentName": "sandbox"},
            {"id": LIVE, "environmentName": "live"},
        ],
    }


def test_get_project_environments(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        body = api.get(f"/projects/{PROJECT}/environments").json()
    environments = body["environments"]
    assert environments["sandbox"]["id"] == SANDBOX
    assert environments["live"]["id"] == LIVE
    assert environments["live"]["settings"]["environmentName"] == "live"


def test_unknown_project_and_organization_are_404(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        assert api.get(f"/projects/{UNKNOWN_ENVIRONMENT}").status_code == 404
        assert api.get(f"/projects/{UNKNOWN_ENVIRONMENT}/environments").status_code == 404
        response = api.post(f"/organizations/{UNKNOWN_ENVIRONMENT}/projects", json={"name": "x"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_create_project(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        response = api.post(f"/organizations/{ORGANIZATION}/projects", json={"name": "Shop"})
        assert response.status_code == 201
        project = response.json()["project"]
        assert set(project) == {"id", "name", "organizationId", "projectEnvironments"}
        assert project["name"] == "Shop" and project["organizationId"] == ORGANIZATION
        names = sorted(e["environmentName"] for e in project["projectEnvironments"])
        assert names == ["live", "sandbox"]
        assert api.get(f"/projects/{project['id']}").json() == project
        environments = api.get(f"/projects/{project['id']}/environments").json()["environments"]
        for name in ("sandbox", "live"):
            settings = environments[name]["settings"]
            assert settings["environmentName"] == name
            assert settings["security"]["jwtDuration"] == {"amount": 2, "unit": "hours"}
            assert settings["security"]["auth"] == {"storage": ["localstorage"]}
            assert settings["security"]["mfa"]["enabled"] is False
            # Fresh settings come back through PUT unchanged.
            env_id = environments[name]["id"]
            assert api.put(f"/environments/{env_id}", json=settings).json() == settings
            assert api.get(f"/environments/{env_id}/origins").json() == {"origins": []}
            assert api.get(f"/environments/{env_id}/tokens").json() == {"tokens": []}


def test_create_project_fresh_settings_are_independent(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        projects = f"/organizations/{ORGANIZATION}/projects"
        first = api.post(projects, json={"name": "a"}).json()["project"]
        second = api.post(projects, json={"name": "b"}).json()["project"]
        env_a = first["projectEnvironments"][0]["id"]
        env_b = second["projectEnvironments"][0]["id"]
        settings = copy.deepcopy(_settings(api, env_a))
        settings["security"]["auth"]["storage"] = ["cookie"]
        api.put(f"/environments/{env_a}", json=settings)
        assert _settings(api, env_b)["security"]["auth"]["storage"] == ["localstorage"]


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": 3}])
def test_create_project_needs_a_name(emulator: EmulatorHandle, body: dict[str, Any]) -> None:
    with client(emulator) as api:
        response = api.post(f"/organizations/{ORGANIZATION}/projects", json=body)
    assert response.status_code == 400


def test_project_routes_are_admin_only(emulator: EmulatorHandle) -> None:
    every_scope = [
        "environment.settings.read", "environment.settings.write",
        "environment.apiTokens.read", "environment.apiTokens.write",
    ]
    raw = issue(emulator, SANDBOX, every_scope)
    with client(emulator, raw) as api:
        for response in (
            api.get(f"/projects/{PROJECT}"),
            api.get(f"/projects/{PROJECT}/environments"),
            api.post(f"/organizations/{ORGANIZATION}/projects", json={"name": "x"}),
        ):
            assert response.status_code == 403
            assert isinstance(response.json()["error"], str)
