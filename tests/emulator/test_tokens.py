"""API tokens: the create answer, listing, deleting, and issued tokens authenticating."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from pulumi_dynamic_security.emulator import seeds
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.scopes import TOKEN_SCOPES
from tests.emulator.support import ISO_UTC, client, issue
from tests.support.ids import LIVE, SANDBOX, UNKNOWN_ENVIRONMENT

RAW_TOKEN = re.compile(r"dyn_[A-Za-z0-9]{36}")


def test_create_token_answer(emulator: EmulatorHandle) -> None:
    before = datetime.now(timezone.utc)
    with client(emulator) as api:
        response = api.post(f"/environments/{SANDBOX}/tokens",
                            json={"note": "ci", "scopes": ["environment.settings.read"]})
    assert response.status_code == 201
    token = response.json()["token"]
    assert RAW_TOKEN.fullmatch(token["rawToken"])
    assert token["checksum"] == token["rawToken"][-6:]
    assert ISO_UTC.fullmatch(token["createdAt"])
    created = datetime.fromisoformat(token["createdAt"].replace("Z", "+00:00"))
    assert abs((created - before).total_seconds()) < 5
    assert isinstance(token["createdBy"]["id"], str)
    assert token["note"] == "ci"
    assert token["scopes"] == ["environment.settings.read"]
    assert token["projectEnvironmentId"] == SANDBOX
    assert token["active"] is True


def test_raw_tokens_are_unique(emulator: EmulatorHandle) -> None:
    raws = {issue(emulator, SANDBOX, []) for _ in range(5)}
    assert len(raws) == 5


def test_listing_never_shows_raw_tokens_nor_the_admin_token(emulator: EmulatorHandle) -> None:
    raw = issue(emulator, LIVE, ["environment.settings.read"])
    with client(emulator) as api:
        response = api.get(f"/environments/{LIVE}/tokens")
    assert raw not in response.text
    assert emulator.token not in response.text
    tokens = response.json()["tokens"]
    assert tokens[0]["id"] == seeds.LEGACY_TOKEN_ID
    assert tokens[-1]["checksum"] == raw[-6:]
    for token in tokens:
        assert "rawToken" not in token
        assert {"id", "checksum", "createdBy", "createdAt"} <= set(token)


def test_seeded_legacy_token_is_400_days_old(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        token = api.get(f"/environments/{LIVE}/tokens").json()["tokens"][0]
    created = datetime.fromisoformat(token["createdAt"].replace("Z", "+00:00"))
    age = datetime.now(timezone.utc) - created
    assert 399 <= age.days <= 400
    assert not token["note"].startswith("dynsec:")


def test_note_is_required_and_at_most_100_characters(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        assert api.post(f"/environments/{SANDBOX}/tokens", json={"note": "n" * 100}
                        ).status_code == 201
        long = api.post(f"/environments/{SANDBOX}/tokens", json={"note": "n" * 101})
        missing = api.post(f"/environments/{SANDBOX}/tokens", json={"scopes": []})
    assert long.status_code == 422
    assert long.json()["code"] == "invalid_update"
    assert missing.status_code == 400


@pytest.mark.parametrize(
    "scopes",
    [["environment.settings.admin"], ["all.read"], "environment.settings.read",
     ["environment.settings.read", 3]],
)
def test_unknown_scopes_are_422_invalid_scopes(emulator: EmulatorHandle, scopes: object) -> None:
    with client(emulator) as api:
        response = api.post(f"/environments/{SANDBOX}/tokens",
                            json={"note": "x", "scopes": scopes})
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_scopes"
        assert api.get(f"/environments/{SANDBOX}/tokens").json() == {"tokens": []}


def test_every_official_scope_is_accepted(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        response = api.post(f"/environments/{SANDBOX}/tokens",
                            json={"note": "all", "scopes": list(TOKEN_SCOPES)})
    assert response.status_code == 201
    assert response.json()["token"]["scopes"] == list(TOKEN_SCOPES)
    assert len(TOKEN_SCOPES) == 14


def test_issued_token_authenticates_with_its_scopes(emulator: EmulatorHandle) -> None:
    raw = issue(emulator, SANDBOX, ["environment.settings.read"])
    with client(emulator, raw) as api:
        assert api.get(f"/environments/{SANDBOX}").status_code == 200
        assert api.get(f"/environments/{SANDBOX}/origins").status_code == 200
        denied = api.post(f"/environments/{SANDBOX}/origins",
                          json={"origin": "https://a.example.com"})
        assert denied.status_code == 403
        assert api.get(f"/environments/{SANDBOX}/tokens").status_code == 403


def test_issued_token_reaches_only_its_own_environment(emulator: EmulatorHandle) -> None:
    raw = issue(emulator, SANDBOX, list(TOKEN_SCOPES))
    with client(emulator, raw) as api:
        for path in (f"/environments/{LIVE}", f"/environments/{LIVE}/origins",
                     f"/environments/{LIVE}/tokens", f"/environments/{UNKNOWN_ENVIRONMENT}"):
            response = api.get(path)
            assert response.status_code == 403, path
            assert isinstance(response.json()["error"], str)
        live_origin = next(o for o in emulator.state()["origins"] if o["environment_id"] == LIVE)
        assert api.delete(f"/origins/{live_origin['id']}").status_code == 403


def test_issued_token_can_issue_tokens(emulator: EmulatorHandle) -> None:
    raw = issue(emulator, SANDBOX, ["environment.apiTokens.write"])
    with client(emulator, raw) as api:
        response = api.post(f"/environments/{SANDBOX}/tokens",
                            json={"note": "child", "scopes": ["environment.settings.read"]})
    assert response.status_code == 201
    child = response.json()["token"]["rawToken"]
    with client(emulator, child) as api:
        assert api.get(f"/environments/{SANDBOX}").status_code == 200


def test_delete_token(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        created = api.post(f"/environments/{SANDBOX}/tokens",
                           json={"note": "gone", "scopes": ["environment.settings.read"]})
        token = created.json()["token"]
        response = api.delete(f"/environments/{SANDBOX}/tokens/{token['id']}")
        assert response.status_code == 204 and response.content == b""
        assert api.get(f"/environments/{SANDBOX}/tokens").json() == {"tokens": []}
        assert api.delete(f"/environments/{SANDBOX}/tokens/{token['id']}").status_code == 404
    with client(emulator, token["rawToken"]) as revoked:
        response = revoked.get(f"/environments/{SANDBOX}")
    assert response.status_code == 401


def test_delete_token_of_another_environment_is_404(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        response = api.delete(f"/environments/{SANDBOX}/tokens/{seeds.LEGACY_TOKEN_ID}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert len(api.get(f"/environments/{LIVE}/tokens").json()["tokens"]) == 1


def test_token_writes_leave_updated_at_alone(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        before = api.get(f"/environments/{SANDBOX}").json()["updatedAt"]
        issue(emulator, SANDBOX, [])
        assert api.get(f"/environments/{SANDBOX}").json()["updatedAt"] == before
