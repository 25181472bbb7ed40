"""The environment's test account: API routes and the control routes that plant or remove one."""

from __future__ import annotations

import re

from pulumi_dynamic_security.emulator import seeds
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.emulator.support import client
from tests.support.ids import LIVE, SANDBOX, UNKNOWN_ENVIRONMENT

PATH = "/environments/{}/test/account"


def test_the_demo_live_environment_has_one(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        live = api.get(PATH.format(LIVE))
        sandbox = api.get(PATH.format(SANDBOX))
    assert live.status_code == 200
    body = live.json()
    assert re.fullmatch(r"\d{6}", body["code"])
    assert body["email"] == seeds.TEST_ACCOUNT_EMAIL
    assert isinstance(body["phone"], str)
    assert sandbox.status_code == 404
    assert sandbox.json() == {"error": "Test account not found", "code": "not_found"}


def test_create_then_delete(emulator: EmulatorHandle) -> None:
    with client(emulator) as api:
        created = api.post(PATH.format(SANDBOX))
        assert created.status_code == 201
        assert api.get(PATH.format(SANDBOX)).json() == created.json()
        again = api.post(PATH.format(SANDBOX))
        assert again.status_code == 422
        assert again.json()["code"] == "duplicate_exists"
        deleted = api.delete(PATH.format(SANDBOX))
        assert deleted.status_code == 204 and deleted.content == b""
        assert api.get(PATH.format(SANDBOX)).status_code == 404
        assert api.delete(PATH.format(SANDBOX)).status_code == 404
        assert api.get(PATH.format(UNKNOWN_ENVIRONMENT)).status_code == 404


def test_codes_differ_between_accounts(emulator: EmulatorHandle) -> None:
    codes = set()
    with client(emulator) as api:
        for _ in range(5):
            codes.add(api.post(PATH.format(SANDBOX)).json()["code"])
            api.delete(PATH.format(SANDBOX))
    assert len(codes) > 1


def test_control_routes_plant_and_remove(emulator: EmulatorHandle) -> None:
    planted = emulator.plant_test_account(SANDBOX, code="424242",
                                          email="qa+dynamic_test@example.org")
    assert planted == {"code": "424242", "email": "qa+dynamic_test@example.org",
                       "phone": planted["phone"]}
    replaced = emulator.plant_test_account(SANDBOX, code="111111")
    with client(emulator) as api:
        assert api.get(PATH.format(SANDBOX)).json() == replaced
        emulator.remove_test_account(LIVE)
        emulator.remove_test_account(LIVE)  # removing none is fine
        assert api.get(PATH.format(LIVE)).status_code == 404
    assert emulator.requests() == [
        {"method": "GET", "path": PATH.format(SANDBOX), "status": 200},
        {"method": "GET", "path": PATH.format(LIVE), "status": 404},
    ]
