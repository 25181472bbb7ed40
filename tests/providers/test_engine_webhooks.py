"""`Webhook` through the provider host, as the engine drives it, against the emulator: create
(or adopt the live webhook with the same url, and say so), the signing secret only as a
secret output, refresh, an events change updated in place, a url change replaced, delete
deleting it, and with credentials, `check` refusing an event Dynamic's catalogue lacks."""

from __future__ import annotations

import pytest

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from tests.providers.harness import (
    CheckFailed,
    EngineResource,
    ProviderHost,
    clear_occurrences,
    is_secret,
)
from tests.providers.inputs import WEBHOOKS, webhook_inputs
from tests.support.ids import LIVE
from tests.support.log import writes

pytestmark = pytest.mark.slow

NAME = "production-webhook-session-audit"
URL = "https://hooks.acme-wallet.com/dynamic"


def test_full_lifecycle(host: ProviderHost, emu: EmulatorHandle, admin: DynamicClient,
                        policy: SecurityPolicy) -> None:
    resource = EngineResource(host, WEBHOOKS, NAME)
    inputs = webhook_inputs(policy)

    assert resource.up(inputs) == "create"
    state = resource.state
    [live] = admin.list_webhooks(LIVE)
    assert resource.id == f"{LIVE}/{live.id}" and state["webhook_id"] == live.id
    shown = admin.get_webhook(LIVE, live.id, include_secret=True)
    assert shown.secret is not None
    assert is_secret(state["secret"]) and state["secret"]["value"] == shown.secret.reveal()
    assert clear_occurrences(state, shown.secret.reveal()) == []  # only inside the secret
    assert state["url"] == URL and state["enabled"] is True
    assert sorted(live.events) == state["events"]

    read = resource.refresh()
    assert read.op == "same" and is_secret(read.outputs["secret"])
    assert read.inputs is not None and "secret" not in read.inputs
    assert resource.up(inputs) == "same"

    emu.clear_requests()
    fewer = {**inputs, "events": ["user.session.revoked"]}
    assert resource.up(fewer) == "update"
    assert writes(emu) == [("PUT", f"/environments/{LIVE}/webhooks/{live.id}")]
    assert admin.list_webhooks(LIVE)[0].events == ["user.session.revoked"]

    moved = {**fewer, "url": "https://hooks.acme-wallet.com/v2"}
    assert resource.up(moved) == "replace"
    [replacement] = admin.list_webhooks(LIVE)
    assert replacement.url == "https://hooks.acme-wallet.com/v2" and replacement.id != live.id

    assert resource.destroy() == "delete"
    assert admin.list_webhooks(LIVE) == []


def test_create_adopts_a_live_webhook_with_the_same_url_and_says_so(
    host: ProviderHost, emu: EmulatorHandle, admin: DynamicClient, policy: SecurityPolicy
) -> None:
    existing = admin.create_webhook(LIVE, URL, events=["user.created"], enabled=False)
    resource = EngineResource(host, WEBHOOKS, NAME)

    assert resource.up(webhook_inputs(policy)) == "create"

    [live] = admin.list_webhooks(LIVE)  # not a second one
    assert live.id == existing.id == resource.state["webhook_id"]
    assert live.is_enabled and "user.session.revoked" in live.events
    said = f"adopted the live webhook {existing.id} with the same url"
    assert said in host.stderr_with(said)


def test_refresh_shows_a_dashboard_edit_and_a_deleted_webhook_reads_as_gone(
    host: ProviderHost, emu: EmulatorHandle, admin: DynamicClient, policy: SecurityPolicy
) -> None:
    resource = EngineResource(host, WEBHOOKS, NAME)
    resource.up(webhook_inputs(policy))
    webhook_id = resource.state["webhook_id"]
    admin.update_webhook(LIVE, webhook_id, url=URL, events=["wallet.created"], enabled=False)

    edited = resource.refresh()
    assert edited.op == "update"
    assert edited.outputs["events"] == ["wallet.created"] and edited.outputs["enabled"] is False

    admin.delete_webhook(LIVE, webhook_id)
    assert resource.refresh().op == "delete"


def test_check_with_credentials_refuses_an_unknown_event_on_its_input(
    host: ProviderHost, emu: EmulatorHandle, policy: SecurityPolicy
) -> None:
    resource = EngineResource(host, WEBHOOKS, NAME)
    misspelt = {**webhook_inputs(policy),
                "events": ["user.session.revoked", "admin.user.sesion.revoked"]}

    with pytest.raises(CheckFailed) as failed:
        resource.preview(misspelt)

    [(prop, reason)] = failed.value.failures
    assert prop == "events"
    assert "'admin.user.sesion.revoked' is not an event Dynamic knows" in reason
    assert "did you mean 'admin.user.session.revoked'?" in reason
    assert writes(emu) == []
