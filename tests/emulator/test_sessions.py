"""End users' sessions: created through control routes, read and revoked through the API."""

from __future__ import annotations

import uuid

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.emulator.support import ISO_UTC, client, issue
from tests.support.ids import LIVE, SANDBOX, UNKNOWN_ENVIRONMENT

ALICE = "a1000000-0000-4000-8000-000000000001"
BOB = "b0b00000-0000-4000-8000-000000000002"


def _session(emulator: EmulatorHandle, user: str, environment_id: str = LIVE) -> str:
    session_id: str = emulator.create_session(environment_id, user)["id"]
    return session_id


def test_a_created_session_reads_back_unrevoked(emulator: EmulatorHandle) -> None:
    created = emulator.create_session(LIVE, ALICE, ip_address="203.0.113.7",
                                      user_agent="Mozilla/5.0")
    assert uuid.UUID(created["id"]).version == 4
    assert ISO_UTC.fullmatch(created["createdAt"])
    assert created["revokedAt"] is None
    with client(emulator) as api:
        read = api.get(f"/users/{ALICE}/sessions/{created['id']}")
    assert read.status_code == 200
    assert read.json() == created
    assert created["ipAddress"] == "203.0.113.7" and created["userAgent"] == "Mozilla/5.0"


def test_revoking_a_user_revokes_every_session_of_that_user_only(
    emulator: EmulatorHandle,
) -> None:
    alice = [_session(emulator, ALICE), _session(emulator, ALICE)]
    bob = _session(emulator, BOB)
    alice_elsewhere = _session(emulator, ALICE, SANDBOX)
    with client(emulator) as api:
        revoked = api.post(f"/environments/{LIVE}/users/{ALICE}/sessions/revoke")
        assert revoked.status_code == 204 and revoked.content == b""
        states = {sid: api.get(f"/users/{ALICE}/sessions/{sid}").json()["revokedAt"]
                  for sid in [*alice, alice_elsewhere]}
        bob_state = api.get(f"/users/{BOB}/sessions/{bob}").json()["revokedAt"]
    assert all(ISO_UTC.fullmatch(states[sid]) for sid in alice)
    assert states[alice_elsewhere] is None  # another environment's session
    assert bob_state is None


def test_revocation_keeps_the_first_time(emulator: EmulatorHandle) -> None:
    session_id = _session(emulator, ALICE)
    with client(emulator) as api:
        first = api.put(f"/sessions/{session_id}/revoke")
        assert first.status_code == 200
        assert ISO_UTC.fullmatch(first.json()["revokedAt"])
        again = api.put(f"/sessions/{session_id}/revoke").json()
        api.post(f"/environments/{LIVE}/users/{ALICE}/sessions/revoke")
        read = api.get(f"/users/{ALICE}/sessions/{session_id}").json()
    assert again == first.json() == read


def test_revoke_all_revokes_every_session_of_the_environment(emulator: EmulatorHandle) -> None:
    live = [_session(emulator, ALICE), _session(emulator, BOB)]
    sandbox = _session(emulator, BOB, SANDBOX)
    with client(emulator) as api:
        response = api.post(f"/environments/{LIVE}/users/sessions/revoke")
        assert response.status_code == 202
        assert set(response.json()) == {"message"}
        assert isinstance(response.json()["message"], str)
        owners = {live[0]: ALICE, live[1]: BOB}
        assert all(api.get(f"/users/{owners[s]}/sessions/{s}").json()["revokedAt"]
                   for s in live)
        assert api.get(f"/users/{BOB}/sessions/{sandbox}").json()["revokedAt"] is None
        assert api.post(f"/environments/{UNKNOWN_ENVIRONMENT}/users/sessions/revoke"
                        ).status_code == 404


def test_unknown_sessions_are_404(emulator: EmulatorHandle) -> None:
    session_id = _session(emulator, ALICE)
    unknown = str(uuid.uuid4())
    with client(emulator) as api:
        for response in (api.get(f"/users/{ALICE}/sessions/{unknown}"),
                         api.get(f"/users/{BOB}/sessions/{session_id}"),  # not Bob's
                         api.put(f"/sessions/{unknown}/revoke")):
            assert response.status_code == 404
            assert response.json() == {"error": "Session not found", "code": "not_found"}


def test_a_token_reaches_only_the_sessions_of_its_environment(emulator: EmulatorHandle) -> None:
    live_session = _session(emulator, ALICE)
    sandbox_token = issue(emulator, SANDBOX, ["environment.users.read",
                                              "environment.users.write"])
    with client(emulator, sandbox_token) as api:
        assert api.get(f"/users/{ALICE}/sessions/{live_session}").status_code == 403
        assert api.put(f"/sessions/{live_session}/revoke").status_code == 403
    with client(emulator) as api:
        assert api.get(f"/users/{ALICE}/sessions/{live_session}").json()["revokedAt"] is None


def test_sessions_are_not_a_settings_write(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        before = api.get(f"/environments/{LIVE}").json()["updatedAt"]
        session_id = _session(emulator, ALICE)
        api.put(f"/sessions/{session_id}/revoke")
        api.post(f"/environments/{LIVE}/users/sessions/revoke")
        assert api.get(f"/environments/{LIVE}").json()["updatedAt"] == before
