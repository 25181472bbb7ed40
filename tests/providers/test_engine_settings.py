"""`SecuritySettings` through the provider host, as the engine drives it, against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.providers import SecuritySettingsProvider
from tests.providers.harness import (
    UNKNOWN,
    EngineResource,
    ProviderHost,
    is_secret,
    urn,
)
from tests.providers.inputs import SETTINGS as TYPE
from tests.providers.inputs import pending_changes, settings_inputs
from tests.support.ids import LIVE, SECOND_LIVE, UNKNOWN_ENVIRONMENT
from tests.support.log import writes

pytestmark = pytest.mark.slow

def live_security(client: DynamicClient) -> dict[str, Any]:
    security: dict[str, Any] = client.get_environment(LIVE).settings["security"]
    return security


def test_full_lifecycle(host: ProviderHost, emu: EmulatorHandle, admin: DynamicClient,
                        policy: SecurityPolicy) -> None:
    resource = EngineResource(host, TYPE, "production-settings")
    inputs = settings_inputs(policy)
    unmanaged_before = {k: v for k, v in admin.get_environment(LIVE).settings.items()
                        if k != "security"}

    assert resource.up(inputs) == "create"  # adopts the insecure seed (30d, localstorage)
    assert resource.id == LIVE
    security = live_security(admin)
    assert security["jwtDuration"] == {"amount": 2, "unit": "hours"}
    assert security["auth"]["storage"] == ["cookie"]
    assert security["mfa"]["required"] is True
    assert pending_changes(admin, SecuritySettingsProvider(), inputs) == []
    # never clobber: everything outside `security` is sent back exactly as read
    assert {k: v for k, v in admin.get_environment(LIVE).settings.items()
            if k != "security"} == unmanaged_before
    outputs = resource.state
    assert outputs["jwt_lifetime"] == "2h" and outputs["production"] is True
    assert outputs["mfa"] == {"methods": ["totp", "passkey"], "require_at_login": True,
                              "require_for_actions": ["wallet.waas.sign", "wallet.waas.export"],
                              "backup_codes": True}
    assert is_secret(outputs["__provider"])  # re-marked by the engine from its input

    read = resource.refresh()
    assert read.id == LIVE and read.outputs["jwt_lifetime"] == "2h"
    assert resource.up(inputs) == "same"

    # `24h` and `1d` are one value: no change, and the check normalizes the spelling
    one_day = settings_inputs(policy, jwt_lifetime="24h")
    assert host.check(resource.urn, resource.inputs, one_day).inputs["jwt_lifetime"] == "1d"
    assert resource.up(settings_inputs(policy, jwt_lifetime="60m")) == "update"
    assert live_security(admin)["jwtDuration"] == {"amount": 1, "unit": "hours"}
    assert resource.state["jwt_lifetime"] == "1h"

    emu.clear_requests()
    settings_before = admin.get_environment(LIVE).settings
    resource.destroy()
    assert writes(emu) == []  # delete leaves the live settings as they are
    assert admin.get_environment(LIVE).settings == settings_before


def test_drift_seen_by_read_then_update_converges(
    host: ProviderHost, emu: EmulatorHandle, admin: DynamicClient, policy: SecurityPolicy
) -> None:
    resource = EngineResource(host, TYPE, "production-settings")
    inputs = settings_inputs(policy)
    resource.up(inputs)

    # someone edits the dashboard: a 30-day JWT, MFA no longer required at login
    document = admin.get_environment(LIVE).settings_copy()
    document["security"]["jwtDuration"] = {"amount": 30, "unit": "days"}
    document["security"]["mfa"]["required"] = False
    admin.update_settings(LIVE, document)

    read = resource.refresh()
    assert read.outputs["jwt_lifetime"] == "30d"
    assert read.inputs is not None and read.inputs["jwt_lifetime"] == "30d"
    assert read.outputs["mfa"]["require_at_login"] is False
    assert read.outputs["token_storage"] == "cookie"  # unchanged, still read

    diff = host.diff(LIVE, resource.urn, resource.state, resource.inputs,
                     host.check(resource.urn, resource.inputs, inputs).inputs)
    assert (diff.changes, diff.replaces) == ("DIFF_SOME", [])
    assert resource.up(inputs) == "update"
    assert pending_changes(admin, SecuritySettingsProvider(), inputs) == []
    assert live_security(admin)["jwtDuration"] == {"amount": 2, "unit": "hours"}
    assert resource.up(inputs) == "same"


def test_check_failure_names_the_rule_and_the_property(
    host: ProviderHost, policy: SecurityPolicy
) -> None:
    # a high-value production app with MFA turned off: DS401 is an error there
    inputs = settings_inputs(policy, mfa={"methods": []})
    checked = host.check(urn(TYPE, "production-settings"), {}, inputs)
    assert ("mfa", checked.failures[0][1]) == checked.failures[0]
    assert checked.failures[0][1].startswith("DS401 mfa-off: ")


def test_waiver_turns_the_failure_into_a_pass(host: ProviderHost, policy: SecurityPolicy) -> None:
    waiver = {"rule": "DS401", "reason": "MFA rolls out next sprint", "expires": "2027-01-31"}
    inputs = settings_inputs(policy, mfa={"methods": []}, waivers=[waiver])
    checked = host.check(urn(TYPE, "production-settings"), {}, inputs)
    assert checked.failures == []
    assert checked.inputs["waivers"] == [waiver]


def test_invalid_input_is_a_check_failure(host: ProviderHost, policy: SecurityPolicy) -> None:
    inputs = settings_inputs(policy, jwt_lifetime="31d", token_storage="session")
    failures = dict(host.check(urn(TYPE, "production-settings"), {}, inputs).failures)
    assert failures.keys() == {"jwt_lifetime", "token_storage"}
    assert "between 1m and 30d" in failures["jwt_lifetime"]


def test_unknowns_in_check_are_never_failures(host: ProviderHost, policy: SecurityPolicy) -> None:
    # preview with values computed by other resources: nothing can be judged yet; with
    # MFA off this would fail (DS401) if it were known
    inputs = settings_inputs(policy, jwt_lifetime=UNKNOWN, mfa={"methods": []})
    resource_urn = urn(TYPE, "production-settings")
    checked = host.check(resource_urn, {}, inputs)
    assert checked.failures == []
    known = settings_inputs(policy)
    diff = host.diff(LIVE, resource_urn, known, known, checked.inputs)
    assert (diff.changes, diff.replaces) == ("DIFF_SOME", [])
    replaced = host.diff(LIVE, resource_urn, known, known, {**known, "environment_id": UNKNOWN})
    assert replaced.replaces == ["environment_id"]


def test_new_environment_id_replaces(host: ProviderHost, policy: SecurityPolicy) -> None:
    old = host.check(urn(TYPE, "s"), {}, settings_inputs(policy)).inputs
    new = host.check(urn(TYPE, "s"), {}, settings_inputs(policy, environment_id=SECOND_LIVE)).inputs
    diff = host.diff(LIVE, urn(TYPE, "s"), old, old, new)
    assert (diff.changes, diff.replaces, diff.delete_before_replace) == (
        "DIFF_SOME", ["environment_id"], False)


def test_missing_environment_reads_as_gone(host: ProviderHost, emu: EmulatorHandle,
                                            policy: SecurityPolicy) -> None:
    gone = UNKNOWN_ENVIRONMENT
    state = host.check(urn(TYPE, "s"), {}, settings_inputs(policy, environment_id=gone)).inputs
    read = host.read(gone, urn(TYPE, "s"), state, state)
    assert read.id == ""
