"""The requests the providers make beyond the lifecycle tests: what `pulumi refresh` reads, that
an update with nothing to change on the environment writes nothing, and how an environment
that no longer exists is treated (refresh reads it as gone; destroy succeeds, writing nothing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from tests.providers.harness import EngineResource, ProviderHost, urn
from tests.providers.inputs import (
    ORIGINS,
    SETTINGS,
    TOKENS,
    origin_inputs,
    settings_inputs,
    token_inputs,
)
from tests.support.ids import LIVE
from tests.support.ids import UNKNOWN_ENVIRONMENT as GONE
from tests.support.log import log, writes

pytestmark = pytest.mark.slow

Inputs = Callable[[SecurityPolicy], dict[str, Any]]
REFRESH_READS: dict[str, tuple[str, Inputs, list[str]]] = {
    "settings": (SETTINGS, settings_inputs, [f"/environments/{LIVE}"]),
    "origins": (ORIGINS, origin_inputs,
                [f"/environments/{LIVE}", f"/environments/{LIVE}/origins"]),
    "tokens": (TOKENS, token_inputs,
               [f"/environments/{LIVE}", f"/environments/{LIVE}/tokens"]),
}


@pytest.mark.parametrize("kind", REFRESH_READS)
def test_refresh_reads_only_what_the_resource_reports(
    host: ProviderHost, emu: EmulatorHandle, policy: SecurityPolicy, kind: str
) -> None:
    type_token, inputs, reads = REFRESH_READS[kind]
    resource = EngineResource(host, type_token, "production-x")
    resource.up(inputs(policy))
    emu.clear_requests()
    assert resource.refresh().id == resource.id
    assert log(emu) == [("GET", path) for path in reads]


@pytest.mark.parametrize("kind", ["settings", "origins"])
def test_an_update_with_nothing_to_write_makes_no_write(
    host: ProviderHost, emu: EmulatorHandle, policy: SecurityPolicy, kind: str
) -> None:
    type_token, inputs, _ = REFRESH_READS[kind]
    resource = EngineResource(host, type_token, "production-x")
    resource.up(inputs(policy))
    waiver = {"rule": "DS201", "reason": "long sessions", "expires": "2027-01-31"}
    emu.clear_requests()
    # a new waiver changes what the rules see, so the engine calls update; the environment
    # already matches, so update writes nothing (docs/apply.md#minimal-writes)
    assert resource.up({**inputs(policy), "waivers": [waiver]}) == "update"
    assert writes(emu) == []


@pytest.mark.parametrize("kind", ["origins", "tokens"])
def test_a_missing_environment_reads_as_gone(
    host: ProviderHost, emu: EmulatorHandle, policy: SecurityPolicy, kind: str
) -> None:
    type_token, inputs, _ = REFRESH_READS[kind]
    resource_urn = urn(type_token, "gone")
    state = host.check(resource_urn, {}, {**inputs(policy), "environment_id": GONE}).inputs
    resource_id = f"{GONE}/ci-deployer" if type_token == TOKENS else GONE
    assert host.read(resource_id, resource_urn, state, state).id == ""


def test_destroying_a_token_resource_of_a_deleted_environment_succeeds(
    host: ProviderHost, emu: EmulatorHandle, policy: SecurityPolicy
) -> None:
    resource_urn = urn(TOKENS, "gone")
    state = {
        **host.check(resource_urn, {}, {**token_inputs(policy), "environment_id": GONE}).inputs,
        "token_id": "0d000000-0000-4000-8000-000000000001",
    }
    emu.clear_requests()
    host.delete(f"{GONE}/ci-deployer", resource_urn, state, state)  # raises on a failure
    assert writes(emu) == []
