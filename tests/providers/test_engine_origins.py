"""`AllowedOrigins` through the provider host, as the engine drives it, against the emulator."""

from __future__ import annotations

import pytest

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.mapping import allowed_origins
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.providers import AllowedOriginsProvider
from tests.providers.harness import UNKNOWN, EngineResource, ProviderHost, urn
from tests.providers.inputs import ORIGINS as TYPE
from tests.providers.inputs import origin_inputs, pending_changes
from tests.support.ids import LIVE
from tests.support.log import writes

pytestmark = pytest.mark.slow

DECLARED = ["https://app.acme-wallet.com", "https://www.acme-wallet.com"]


def live_origins(client: DynamicClient) -> list[str]:
    return list(allowed_origins.AREA.from_live(client.list_origins(LIVE)))


def test_full_lifecycle(host: ProviderHost, emu: EmulatorHandle, admin: DynamicClient,
                        policy: SecurityPolicy) -> None:
    resource = EngineResource(host, TYPE, "production-origins")
    inputs = origin_inputs(policy)
    emu.clear_requests()

    # adopts the seed's insecure list (a wildcard and localhost) and converges it
    assert resource.up(inputs) == "create"
    assert resource.id == LIVE
    assert live_origins(admin) == DECLARED
    done = writes(emu)
    assert [method for method, _ in done] == ["POST", "POST", "DELETE", "DELETE"]  # adds first
    assert resource.state["origins"] == DECLARED
    assert pending_changes(admin, AllowedOriginsProvider(), inputs) == []

    assert resource.refresh().outputs["origins"] == DECLARED
    assert resource.up(inputs) == "same"
    # another spelling of the same set is no change
    respelled = origin_inputs(policy, origins=["HTTPS://www.acme-wallet.com:443",
                                               "https://APP.acme-wallet.com"])
    assert resource.up(respelled) == "same"

    emu.clear_requests()
    more = origin_inputs(policy, origins=[*DECLARED, "https://admin.acme-wallet.com"])
    assert resource.up(more) == "update"
    assert writes(emu) == [("POST", f"/environments/{LIVE}/origins")]  # one origin, one POST

    emu.clear_requests()
    resource.destroy()
    assert writes(emu) == []  # never empties the list (which would allow every domain)
    assert len(live_origins(admin)) == 3


def test_production_wildcard_origin_fails_check(host: ProviderHost,
                                                 policy: SecurityPolicy) -> None:
    inputs = origin_inputs(policy, origins=["https://*.acme-wallet.com"])
    checked = host.check(urn(TYPE, "production-origins"), {}, inputs)
    assert len(checked.failures) == 1
    prop, reason = checked.failures[0]
    assert prop == "origins"
    assert reason.startswith("DS102 origin-wildcard: https://*.acme-wallet.com")


def test_waived_wildcard_passes_in_dev(host: ProviderHost, policy: SecurityPolicy) -> None:
    checked = host.check(urn(TYPE, "dev-origins"), {}, origin_inputs(policy, stage="dev"))
    assert checked.failures == []
    assert checked.inputs["waivers"][0]["rule"] == "DS102"


def test_invalid_origin_is_a_check_failure(host: ProviderHost, policy: SecurityPolicy) -> None:
    inputs = origin_inputs(policy, origins=["https://app.acme-wallet.com/login"])
    assert host.check(urn(TYPE, "o"), {}, inputs).failures == [
        ("origins", "origins[0]: 'https://app.acme-wallet.com/login' has a path; "
                    "an origin is scheme://host[:port], no path")
    ]


def test_drift_seen_by_read_then_update_converges(
    host: ProviderHost, emu: EmulatorHandle, admin: DynamicClient, policy: SecurityPolicy
) -> None:
    resource = EngineResource(host, TYPE, "production-origins")
    inputs = origin_inputs(policy)
    resource.up(inputs)

    admin.add_origin(LIVE, "https://*.evil.example")  # a dashboard edit
    read = resource.refresh()
    assert read.outputs["origins"] == sorted([*DECLARED, "https://*.evil.example"])
    assert read.inputs is not None and read.inputs["origins"] == read.outputs["origins"]

    assert resource.up(inputs) == "update"
    assert live_origins(admin) == DECLARED
    assert pending_changes(admin, AllowedOriginsProvider(), inputs) == []


def test_unknowns_in_check_are_never_failures(host: ProviderHost, policy: SecurityPolicy) -> None:
    resource_urn = urn(TYPE, "production-origins")
    for unknown in (UNKNOWN, ["https://*.acme-wallet.com", UNKNOWN]):
        checked = host.check(resource_urn, {}, origin_inputs(policy, origins=unknown))
        assert checked.failures == []
    known = host.check(resource_urn, {}, origin_inputs(policy)).inputs
    diff = host.diff(LIVE, resource_urn, known, known, origin_inputs(policy, origins=UNKNOWN))
    assert (diff.changes, diff.replaces) == ("DIFF_SOME", [])
