"""A state file edited by hand (`pulumi stack export`/`import`) or written by something else,
handed to the provider host as the engine hands it: `delete` never revokes or deletes what
the resource did not create, and an id that its state contradicts is refused with one
paragraph before any request, so no read or write reaches another environment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import pytest

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from tests.providers.harness import EngineResource, ProviderHost
from tests.providers.inputs import (
    ORIGINS,
    SETTINGS,
    TOKENS,
    WEBHOOKS,
    origin_inputs,
    settings_inputs,
    token_inputs,
    webhook_inputs,
)
from tests.support.ids import LEGACY_TOKEN, LIVE, SECOND_LIVE
from tests.support.log import log, writes
from tests.support.tokens import plant

pytestmark = pytest.mark.slow

OTHER_URL = "https://hooks.example.org/not-managed"


def test_delete_never_revokes_a_token_the_resource_did_not_issue(
    host: ProviderHost, emu: EmulatorHandle, admin: DynamicClient, policy: SecurityPolicy
) -> None:
    resource = EngineResource(host, TOKENS, "hostile-token")
    resource.up(token_inputs(policy, revoke_on_delete=True))
    other_entry = plant(emu, "someone-else", age_days=1)
    # The state now names the seed's legacy deploy key and another entry's token.
    resource.state = {**resource.state, "token_id": LEGACY_TOKEN,
                      "previous_token_id": other_entry.id}
    emu.clear_requests()

    assert resource.destroy() == "delete"

    assert writes(emu) == []
    live = {t.id for t in admin.list_tokens(LIVE)}
    assert {LEGACY_TOKEN, other_entry.id} <= live
    said = f"token {LEGACY_TOKEN} is not a token dynsec issued for entry 'ci-deployer'"
    assert said in host.stderr_with(said)


def _refused(call: Callable[[], object]) -> str:
    with pytest.raises(grpc.RpcError) as failed:
        call()
    details = str(failed.value.details())
    return details.strip().splitlines()[-1]


Inputs = Callable[..., dict[str, Any]]


@pytest.mark.parametrize("case", [
    (TOKENS, token_inputs, "environment_id"),
    (TOKENS, token_inputs, "name"),
    (WEBHOOKS, webhook_inputs, "environment_id"),
    (WEBHOOKS, webhook_inputs, "webhook_id"),
    (SETTINGS, settings_inputs, "environment_id"),
    (ORIGINS, origin_inputs, "environment_id"),
], ids=lambda case: f"{case[0].rsplit(':', 1)[1]}-{case[2]}")
def test_a_state_that_contradicts_its_id_is_refused_before_any_request(
    host: ProviderHost, emu: EmulatorHandle, policy: SecurityPolicy,
    case: tuple[str, Inputs, str],
) -> None:
    type_token, inputs, key = case
    resource = EngineResource(host, type_token, "hostile-id")
    resource.up(inputs(policy))
    edited = {"environment_id": SECOND_LIVE, "name": "other-entry",
              "webhook_id": "0d000000-0000-4000-8000-00000000beef"}[key]
    resource.state = {**resource.state, key: edited}
    resource.inputs = {**resource.inputs, key: edited}
    emu.clear_requests()

    for operation in (resource.copy().refresh, resource.copy().destroy):
        if type_token in (SETTINGS, ORIGINS) and operation.__name__ == "destroy":
            continue  # retained on delete: the provider writes nothing
        line = _refused(operation)
        assert f"its state says {key} '{edited}', but its id says" in line
        assert "Nothing was sent" in line and "pulumi state delete" in line

    assert log(emu) == []


def test_delete_leaves_a_webhook_whose_url_is_not_the_one_in_the_state(
    host: ProviderHost, emu: EmulatorHandle, admin: DynamicClient, policy: SecurityPolicy
) -> None:
    resource = EngineResource(host, WEBHOOKS, "hostile-webhook")
    resource.up(webhook_inputs(policy))
    other = admin.create_webhook(LIVE, OTHER_URL, events=["user.created"], enabled=True)
    # Id and state both edited to name another webhook of the environment.
    resource.id = f"{LIVE}/{other.id}"
    resource.state = {**resource.state, "webhook_id": other.id}
    emu.clear_requests()

    assert resource.destroy() == "delete"

    assert writes(emu) == []
    assert other.id in {w.id for w in admin.list_webhooks(LIVE)}
    said = f"webhook {other.id} has the url '{OTHER_URL}'"
    assert said in host.stderr_with(said)


def _token_edited(host: ProviderHost, policy: SecurityPolicy, **edits: object
                  ) -> tuple[EngineResource, str]:
    """A token resource after its first `pulumi up`, its state then edited with `edits`;
    and the id of the token that up issued."""
    resource = EngineResource(host, TOKENS, "hostile-state")
    resource.up(token_inputs(policy))
    issued = str(resource.state["token_id"])
    resource.state = {**resource.state, **edits}
    return resource, issued


@pytest.mark.parametrize("scopes", [True, 1e308, [1, "a"], "environment.settings.read"],
                         ids=["bool", "number", "mixed list", "string"])
def test_an_update_over_scopes_of_the_wrong_type_issues_a_successor(
    host: ProviderHost, emu: EmulatorHandle, admin: DynamicClient, policy: SecurityPolicy,
    scopes: object,
) -> None:
    resource, first = _token_edited(host, policy, scopes=scopes)
    resource.inputs = {**resource.inputs, "scopes": scopes}

    assert resource.up(token_inputs(policy)) == "update"

    # what the held token may do cannot be told from the state: a successor is issued
    assert resource.state["token_id"] != first
    assert resource.state["scopes"] == sorted(token_inputs(policy)["scopes"])


@pytest.mark.parametrize("flag", ["false", "no", 0.0, [], {"x": 1}])
def test_only_revoke_on_delete_true_revokes(
    host: ProviderHost, emu: EmulatorHandle, admin: DynamicClient, policy: SecurityPolicy,
    flag: object,
) -> None:
    resource, token_id = _token_edited(host, policy, revoke_on_delete=flag)
    emu.clear_requests()

    assert resource.destroy() == "delete"

    assert writes(emu) == []
    assert token_id in {t.id for t in admin.list_tokens(LIVE)}


def test_token_ids_from_the_state_are_escaped_and_bounded_in_what_delete_says(
    host: ProviderHost, emu: EmulatorHandle, policy: SecurityPolicy,
) -> None:
    hostile = "x\x1b]0;owned\x07\n::error::forged" + "y" * 10_000
    resource, _ = _token_edited(host, policy, token_id=hostile, previous_token_id=["z"])

    assert resource.destroy() == "delete"

    said = host.stderr_with("::error::forged")
    line = next(line for line in said.splitlines() if "::error::forged" in line)
    assert "\x1b" not in said and "\x07" not in said
    assert "x\\x1b]0;owned\\x07\\x0a::error::forged" in line and "y" * 100 not in line
    assert "['z']" not in line
