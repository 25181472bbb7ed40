"""The settings document survives get -> update byte for byte (docs/apply.md#never-clobber)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.api.support import ClientFactory, Tap
from tests.support.ids import SANDBOX

pytestmark = pytest.mark.slow


def odd_settings(base: dict[str, Any]) -> dict[str, Any]:
    """`base` plus what a careless writer would lose: unknown keys in odd places and order,
    nulls, empty containers, non-ASCII text, floats, a newer server's security fields."""
    security = {
        "zNewerFlag": {"nested": [1, 2.5, None, {"deep": "ü ∑ 漢字"}]},
        **base["security"],
        "environmentLocked": False,
        "notifications": {"waasPrivateKeyExport": True, "waasSignedTransaction": False},
    }
    security["mfa"] = {**security.get("mfa", {}), "futureMfaKey": {}}
    return {
        "zzFirst": "kept first",
        **{k: v for k, v in base.items() if k != "security"},
        "security": security,
        "emptyList": [],
        "aNumber": 1.25,
        "aNull": None,
    }


def test_settings_round_trip_byte_for_byte(
    make_client: ClientFactory, emu: EmulatorHandle
) -> None:
    raw = httpx.Client(headers={"Authorization": f"Bearer {emu.token}"})
    url = f"{emu.base_url}/environments/{SANDBOX}"
    seeded = raw.get(url).json()["settings"]
    assert raw.put(url, json=odd_settings(seeded)).status_code == 200
    before = raw.get(url).content

    tap = Tap()
    client = make_client(transport=tap)
    env = client.get_environment(SANDBOX)
    stored = client.update_settings(SANDBOX, env.settings)
    after = raw.get(url).content
    raw.close()

    [(_, _, _, get_body), (method, _, headers, put_body)] = tap.sent
    assert method == "PUT" and headers["Content-Type"] == "application/json"
    # The bytes sent are exactly the bytes of the settings object Dynamic served...
    assert put_body in before
    assert put_body == json.dumps(
        json.loads(before)["settings"], ensure_ascii=False, separators=(",", ":")
    ).encode()
    # ...and what Dynamic holds afterwards is byte for byte what it held before.
    assert put_body in after
    assert json.loads(after)["settings"] == json.loads(before)["settings"]
    assert list(stored) == list(json.loads(before)["settings"])
    assert get_body == b""


def test_a_writer_changes_only_what_it_manages(make_client: ClientFactory) -> None:
    client = make_client()
    env = client.get_environment(SANDBOX)
    settings = env.settings_copy()
    settings["security"]["jwtDuration"] = {"amount": 6, "unit": "hours"}
    client.update_settings(SANDBOX, settings)
    after = client.get_environment(SANDBOX).settings
    expected = env.settings_copy()
    expected["security"]["jwtDuration"] = {"amount": 6, "unit": "hours"}
    assert json.dumps(after) == json.dumps(expected)
