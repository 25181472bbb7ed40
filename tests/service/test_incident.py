"""`service.incident.set_lock`: an edit made while the confirmation waited is kept (the
document is read again after it), and a lock someone else set meanwhile is not written
again."""

from __future__ import annotations

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.redaction import Secret
from pulumi_dynamic_security.service.incident import set_lock
from tests.support.clients import edit_settings, make_client, settings_of
from tests.support.ids import LIVE
from tests.support.log import writes


def test_an_edit_made_during_the_prompt_is_kept(emulator: EmulatorHandle) -> None:
    def dashboard_edit_while_asking() -> None:
        edit_settings(emulator, LIVE, jwtDuration={"amount": 5, "unit": "hours"})

    with make_client(emulator) as client:
        done = set_lock(client, LIVE, locked=True, credential=Secret(emulator.token),
                        confirm=dashboard_edit_while_asking)
    security = settings_of(emulator, LIVE)["security"]
    assert done.changed and security["environmentLocked"] is True
    assert security["jwtDuration"] == {"amount": 5, "unit": "hours"}


def test_a_lock_set_while_asking_is_not_written_again(emulator: EmulatorHandle) -> None:
    def someone_else_locks() -> None:
        edit_settings(emulator, LIVE, environmentLocked=True)
        emulator.clear_requests()

    with make_client(emulator) as client:
        done = set_lock(client, LIVE, locked=True, credential=Secret(emulator.token),
                        confirm=someone_else_locks)
    assert not done.changed
    assert writes(emulator) == []
    assert done.credential_checksum == emulator.token[-6:]
