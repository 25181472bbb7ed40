"""`ApiTokenRotation` through the provider host, as the engine drives it, against the emulator:
issue, rotation with overlap, drift, the self-revocation guard, and the raw token kept secret.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.providers import ApiTokenRotationProvider
from pulumi_dynamic_security.rules.token_notes import parse_note
from tests.providers.conftest import stack_config
from tests.providers.harness import (
    UNKNOWN,
    EngineResource,
    ProviderHost,
    clear_occurrences,
    is_secret,
    secret,
    urn,
)
from tests.providers.inputs import TOKENS as TYPE
from tests.providers.inputs import pending_changes, stamp, token_inputs, with_state
from tests.support.clients import NO_RETRY, make_client
from tests.support.ids import LIVE
from tests.support.tokens import Planted, plant

pytestmark = pytest.mark.slow

NAME = "production-token-ci-deployer"
SCOPES = ["environment.settings.read", "environment.settings.write"]
ADMIN_SCOPES = [*SCOPES, "environment.apiTokens.read", "environment.apiTokens.write"]


def live_tokens(client: DynamicClient) -> dict[str, Any]:
    return {t.id: t for t in client.list_tokens(LIVE)}


def test_full_lifecycle(host: ProviderHost, emu: EmulatorHandle, admin: DynamicClient,
                        policy: SecurityPolicy) -> None:
    unmanaged = set(live_tokens(admin))  # the seed's 400-day-old token nobody manages
    resource = EngineResource(host, TYPE, NAME)
    inputs = token_inputs(policy, revoke_on_delete=True)

    assert resource.up(inputs) == "create"
    state = resource.state
    token_id, raw = state["token_id"], state["token"]["value"]
    assert resource.id == f"{LIVE}/ci-deployer"
    assert is_secret(state["token"]) and is_secret(state["__provider"])
    listed = live_tokens(admin)[token_id]
    note = parse_note(listed.note)
    assert note is not None and note.name == "ci-deployer"
    assert sorted(listed.scopes) == SCOPES
    assert state["rotate_after"] == stamp(listed.created_at + timedelta(days=90))
    assert "previous_token_id" not in state
    with make_client(emu, token=raw, retry=NO_RETRY) as issued:
        assert issued.get_environment(LIVE).id == LIVE  # the raw token works, with its scopes
    assert pending_changes(admin, ApiTokenRotationProvider(), inputs) == []

    read = resource.refresh()
    assert read.outputs["token_id"] == token_id
    assert read.outputs["token"] == secret(raw)  # carried forward, still a secret
    assert read.inputs is not None and "token" not in read.inputs
    assert resource.up(inputs) == "same"

    resource.destroy()
    assert set(live_tokens(admin)) == unmanaged  # ours revoked, the unmanaged one untouched


def test_raw_token_only_ever_travels_as_a_secret(
    host: ProviderHost, emu: EmulatorHandle, policy: SecurityPolicy
) -> None:
    resource = EngineResource(host, TYPE, NAME)
    inputs = token_inputs(policy)
    checked = host.check(resource.urn, {}, inputs)
    created = host.create(resource.urn, checked.inputs)
    raw = created.raw["token"]["value"]
    # the provider wrapped it itself: the engine keeps a secret it is given
    assert is_secret(created.raw["token"])
    assert clear_occurrences(created.raw, raw) == []
    assert clear_occurrences(created.outputs, raw) == []
    read = host.read(created.id, resource.urn, created.outputs, checked.inputs)
    assert clear_occurrences(read.outputs, raw) == [] and read.outputs["token"] == secret(raw)
    assert read.inputs is not None and clear_occurrences(read.inputs, raw) == []
    updated = host.update(created.id, resource.urn, created.outputs, checked.inputs,
                          host.check(resource.urn, checked.inputs,
                                     token_inputs(policy, overlap="1d")).inputs)
    assert clear_occurrences(updated.raw, raw) == [] and updated.raw["token"] == secret(raw)
    assert raw not in host.stderr_text()
    host.delete(created.id, resource.urn, updated.outputs, checked.inputs)


def test_due_rotation_issues_successor_and_keeps_predecessor(
    host: ProviderHost, emu: EmulatorHandle, admin: DynamicClient, policy: SecurityPolicy
) -> None:
    old = plant(emu, "ci-deployer", age_days=100, scopes=SCOPES)
    resource = EngineResource(host, TYPE, NAME)
    inputs = token_inputs(policy)
    with_state(resource, inputs, old, None, timedelta(days=7))

    diff = host.diff(resource.id or "", resource.urn, resource.state, resource.inputs,
                     host.check(resource.urn, resource.inputs, inputs).inputs)
    assert (diff.changes, diff.replaces) == ("DIFF_SOME", [])  # rotate_after has passed
    assert resource.up(inputs) == "update"

    state = resource.state
    assert state["token_id"] != old.id
    assert state["previous_token_id"] == old.id  # kept for the overlap
    new_created = live_tokens(admin)[state["token_id"]].created_at
    assert state["revoke_previous_after"] == stamp(new_created + timedelta(days=7))
    assert state["token"]["value"] != old.raw and is_secret(state["token"])
    assert old.id in live_tokens(admin)
    assert pending_changes(admin, ApiTokenRotationProvider(), inputs) == []
    assert resource.up(inputs) == "same"


def test_predecessor_revoked_once_overlap_has_passed(
    host: ProviderHost, emu: EmulatorHandle, admin: DynamicClient, policy: SecurityPolicy
) -> None:
    predecessor = plant(emu, "ci-deployer", age_days=100, scopes=SCOPES)
    successor = plant(emu, "ci-deployer", age_days=8, scopes=SCOPES)
    resource = EngineResource(host, TYPE, NAME)
    inputs = token_inputs(policy)
    with_state(resource, inputs, successor, predecessor, timedelta(days=7))

    assert resource.up(inputs) == "update"  # revoke_previous_after has passed
    assert predecessor.id not in live_tokens(admin)
    state = resource.state
    assert state["token_id"] == successor.id
    assert state["token"] == secret(successor.raw)  # no new token: carried forward
    assert "previous_token_id" not in state and "revoke_previous_after" not in state
    assert pending_changes(admin, ApiTokenRotationProvider(), inputs) == []


def test_token_revoked_elsewhere_is_drift_and_update_reissues(
    host: ProviderHost, emu: EmulatorHandle, admin: DynamicClient, policy: SecurityPolicy
) -> None:
    resource = EngineResource(host, TYPE, NAME)
    inputs = token_inputs(policy)
    resource.up(inputs)
    first = resource.state["token_id"]

    admin.delete_token(LIVE, first)  # revoked in the dashboard
    read = resource.refresh()
    assert "token_id" not in read.outputs and "token" not in read.outputs

    assert resource.up(inputs) == "update"
    assert resource.state["token_id"] not in (None, first)
    assert resource.state["token_id"] in live_tokens(admin)
    assert pending_changes(admin, ApiTokenRotationProvider(), inputs) == []


def test_new_scopes_issue_a_successor(host: ProviderHost, emu: EmulatorHandle,
                                      admin: DynamicClient, policy: SecurityPolicy) -> None:
    resource = EngineResource(host, TYPE, NAME)
    resource.up(token_inputs(policy))
    first = resource.state["token_id"]
    wider = [*SCOPES, "environment.users.read"]
    assert resource.up(token_inputs(policy, scopes=wider)) == "update"
    assert resource.state["token_id"] != first
    assert sorted(live_tokens(admin)[resource.state["token_id"]].scopes) == sorted(wider)
    assert resource.state["previous_token_id"] == first


def test_new_name_replaces(host: ProviderHost, policy: SecurityPolicy) -> None:
    old = host.check(urn(TYPE, NAME), {}, token_inputs(policy)).inputs
    new = host.check(urn(TYPE, NAME), {}, token_inputs(policy, name="ci-reader")).inputs
    diff = host.diff(f"{LIVE}/ci-deployer", urn(TYPE, NAME), old, old, new)
    assert (diff.changes, diff.replaces) == ("DIFF_SOME", ["name"])


def test_slow_production_rotation_fails_check(host: ProviderHost, policy: SecurityPolicy) -> None:
    checked = host.check(urn(TYPE, NAME), {}, token_inputs(policy, rotate_every="400d"))
    assert [p for p, _ in checked.failures] == ["rotate_every"]
    assert checked.failures[0][1].startswith("DS502 rotation-too-slow: ")


def test_unknowns_in_check_are_never_failures(host: ProviderHost, policy: SecurityPolicy) -> None:
    unknowns: list[dict[str, Any]] = [
        {"scopes": UNKNOWN}, {"rotate_every": UNKNOWN}, {"scopes": [UNKNOWN]},
    ]
    for unknown in unknowns:
        # 400d would fail DS502 in production, were the rest known
        inputs = token_inputs(policy, **{"rotate_every": "400d", **unknown})
        assert host.check(urn(TYPE, NAME), {}, inputs).failures == []


@pytest.fixture
def self_authenticated(emu: EmulatorHandle) -> Iterator[tuple[ProviderHost, Planted]]:
    """A host whose credential is itself a managed `ci-deployer` token."""
    credential = plant(emu, "ci-deployer", age_days=2, scopes=ADMIN_SCOPES)
    other = ProviderHost().start()
    try:
        other.configure(stack_config(emu, credential.raw))
        yield other, credential
    finally:
        other.stop()


def test_never_revokes_the_token_it_authenticates_with(
    self_authenticated: tuple[ProviderHost, Planted], admin: DynamicClient,
    policy: SecurityPolicy,
) -> None:
    other, credential = self_authenticated
    resource = EngineResource(other, TYPE, NAME)
    # overlap 0d: issuing the successor makes the predecessor (our own credential) due
    assert resource.up(token_inputs(policy, overlap="0d", revoke_on_delete=True)) == "create"
    assert credential.id in live_tokens(admin)
    assert resource.state["previous_token_id"] == credential.id
    successor = resource.state["token_id"]

    resource.destroy()  # revokes what it issued, skips the credential in use
    tokens = live_tokens(admin)
    assert successor not in tokens and credential.id in tokens
    assert "authenticates with" in other.stderr_with("authenticates with")
    assert credential.raw not in other.stderr_text()
