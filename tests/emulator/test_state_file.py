"""`--state FILE`: persistence, the file winning over the seed, atomic writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pulumi_dynamic_security.emulator import seeds
from pulumi_dynamic_security.emulator.server import build_app, running_emulator
from pulumi_dynamic_security.emulator.state import StateFileError, StateStore
from tests.emulator.support import client
from tests.support.ids import LIVE, ORGANIZATION, SANDBOX


def test_store_round_trips_a_state(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.json")
    assert store.load() is None
    state = seeds.demo()
    store.save(state)
    loaded = store.load()
    assert loaded is not None
    assert loaded.to_json() == state.to_json()
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
