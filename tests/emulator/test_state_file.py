"""`--state FILE`: persistence, the file winning over the seed, atomic writes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jwt
import pytest

from pulumi_dynamic_security.emulator import persistence, seeds
from pulumi_dynamic_security.emulator.persistence import StateFileError, StateStore
from pulumi_dynamic_security.emulator.server import build_app, running_emulator
from tests.emulator.support import client
from tests.support.ids import LIVE, ORGANIZATION, SANDBOX


def test_store_round_trips_a_state(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.json")
    assert store.load() is None
    state = seeds.demo()
    store.save(state)
    loaded = store.load()
    assert loaded is not None
    assert persistence.dump(loaded) == persistence.dump(state)
    assert loaded.tokens_by_digest == state.tokens_by_digest
    assert list(loaded.environments[LIVE].origin_ids) == list(state.environments[LIVE].origin_ids)


def test_save_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.json"
    store = StateStore(path)
    store.save(seeds.empty())
    before = path.read_text()

    def fail(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        store.save(seeds.demo())
    assert path.read_text() == before  # the old document, whole
    assert os.listdir(tmp_path) == ["state.json"]  # no temp file left behind


def test_unreadable_state_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("{not json")
    with pytest.raises(StateFileError, match="not an emulator state file"):
        build_app(state_path=path)
    path.write_text(json.dumps({"format": 99}))
    with pytest.raises(StateFileError):
        build_app(state_path=path)


def test_unknown_seed_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown seed"):
        build_app(seed="full")


@pytest.mark.slow
def test_state_survives_a_restart_and_wins_over_the_seed(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "state.json"
    with running_emulator(seed="demo", state_path=path) as emu:
        saved_at_start = json.loads(path.read_text())
        assert saved_at_start["organizations"][0]["id"] == ORGANIZATION
        with client(emu) as api:
            added = api.post(f"/environments/{SANDBOX}/origins",
                             json={"origin": "https://kept.example.com"})
            assert added.status_code == 201
            settings = api.get(f"/environments/{SANDBOX}").json()["settings"]
            settings["security"]["jwtDuration"] = {"amount": 15, "unit": "minutes"}
            settings["security"]["hCaptcha"] = {"enabled": True, "secretKey": "hc-secret"}
            api.put(f"/environments/{SANDBOX}", json=settings)
            raw = api.post(f"/environments/{LIVE}/tokens",
                           json={"note": "survivor", "scopes": ["environment.settings.read"]}
                           ).json()["token"]["rawToken"]
            updated_at = api.get(f"/environments/{SANDBOX}").json()["updatedAt"]
    assert raw not in path.read_text()
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]

    with running_emulator(seed="empty", state_path=path) as emu:
        with client(emu) as api:
            origins = api.get(f"/environments/{SANDBOX}/origins").json()["origins"]
            body = api.get(f"/environments/{SANDBOX}").json()
        assert "https://kept.example.com" in [o["origin"] for o in origins]
        assert body["settings"]["security"]["jwtDuration"] == {"amount": 15, "unit": "minutes"}
        assert body["updatedAt"] == updated_at
        with client(emu, raw) as api:
            assert api.get(f"/environments/{LIVE}").status_code == 200
        emu.reset("empty")
    assert json.loads(path.read_text())["environments"] == []


def test_a_format_1_file_still_loads(tmp_path: Path) -> None:
    # What an emulator from before webhooks, sessions, test accounts and keys wrote.
    document = persistence.dump(seeds.demo())
    document["format"] = 1
    for collection in ("webhooks", "sessions"):
        del document[collection]
    for environment in document["environments"]:
        del environment["signing_key"], environment["test_account"]
    document["environments"][0]["hcaptcha_secret"] = "old-secret"
    path = tmp_path / "state.json"
    path.write_text(json.dumps(document))
    loaded = StateStore(path).load()
    assert loaded is not None
    first = next(iter(loaded.environments.values()))
    assert first.hcaptcha_secret == "old-secret"
    assert loaded.webhooks == {} and loaded.sessions == {}
    assert all(e.signing_key is None and e.test_account is None
               for e in loaded.environments.values())


@pytest.mark.parametrize(
    "damage",
    [lambda d: d["environments"][0].update(settings=[]),
     lambda d: d["environments"][0].update(hcaptcha_secret=7),
     lambda d: d["webhooks"].append({"id": "w"}),
     lambda d: d["sessions"].append({"id": "s", "environment_id": "nope", "user_id": "u",
                                     "created_at": "2024-01-01T00:00:00Z"}),
     lambda d: d["environments"][0].update(signing_key={"kid": "k"}),
     lambda d: d["environments"][0].update(signing_key={
         "kid": "k", "private_pem": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
         "created_at": "2024-01-01T00:00:00Z"})],
    ids=["settings", "hcaptcha", "webhook", "session-environment", "key", "broken-key"],
)
def test_a_damaged_state_file_is_reported(tmp_path: Path, damage: Any) -> None:
    document = persistence.dump(seeds.demo())
    damage(document)
    path = tmp_path / "state.json"
    path.write_text(json.dumps(document))
    with pytest.raises(StateFileError, match="not an emulator state file"):
        StateStore(path).load()


@pytest.mark.slow
def test_the_new_state_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    user = "d0000000-0000-4000-8000-000000000001"
    with running_emulator(seed="demo", state_path=path) as emu:
        assert path.stat().st_mode & 0o777 == 0o600  # it holds private keys and secrets
        minted = emu.mint_jwt(LIVE, sub=user, aud="https://app.example.com")
        emu.rotate_key(SANDBOX)
        with client(emu) as api:
            webhook = api.post(f"/environments/{LIVE}/webhooks", json={
                "url": "https://hooks.example.com/x", "isEnabled": True,
                "events": ["user.session.revoked"]}).json()
            account = api.get(f"/environments/{LIVE}/test/account").json()
            api.post(f"/environments/{LIVE}/users/{user}/sessions/revoke")
            session = api.get(f"/users/{user}/sessions/{minted['claims']['sid']}").json()
            jwks = api.get(f"/sdk/{LIVE}/.well-known/jwks").json()
            sandbox_kid = api.get(f"/environments/{SANDBOX}/keys").json()["key"]["id"]
    assert path.stat().st_mode & 0o777 == 0o600
    assert minted["jwt"] not in path.read_text()

    with running_emulator(seed="empty", state_path=path) as emu, client(emu) as api:
        assert api.get(f"/sdk/{LIVE}/.well-known/jwks").json() == jwks
        assert api.get(f"/environments/{SANDBOX}/keys").json()["key"]["id"] == sandbox_kid
        key = jwt.PyJWK(jwks["keys"][0]).key
        claims = jwt.decode(minted["jwt"], key, algorithms=["RS256"],
                            audience="https://app.example.com")
        assert claims["sub"] == user
        assert api.get(f"/users/{user}/sessions/{claims['sid']}").json() == session
        assert session["revokedAt"] is not None
        path_of = f"/environments/{LIVE}/webhooks/{webhook['webhookId']}"
        assert api.get(path_of, params={"includeSecret": "true"}).json() == webhook
        assert api.get(f"/environments/{LIVE}/test/account").json() == account
