"""`pulumi destroy` of what the component registered, and `pulumi import`, as the engine runs
them, with the emulator's request log as the witness: the settings and the origins are
retained (the provider is never called), a token resource leaves its tokens alive unless
told to revoke them, and an import is refused by the SDK's host before our code runs."""

from __future__ import annotations

import pytest

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from tests.providers.harness import EngineResource, ImportFailed, ProviderHost
from tests.providers.inputs import ORIGINS, SETTINGS, TOKENS
from tests.providers.stack import children, register
from tests.support.ids import LIVE
from tests.support.log import log

pytestmark = pytest.mark.slow

TOKEN = "production-token-ci-deployer"
WEBHOOK = "production-webhook-session-audit"


def live_token_ids(client: DynamicClient) -> set[str]:
    return {t.id for t in client.list_tokens(LIVE)}


def test_destroy_retains_settings_and_origins_leaves_tokens_alive_and_deletes_the_webhook(
    host: ProviderHost, emu: EmulatorHandle, admin: DynamicClient, policy: SecurityPolicy
) -> None:
    stack = children(register(policy, stack="production"), host)
    for child in stack.values():
        child.up()
    token_id = stack[TOKEN].resource.state["token_id"]
    webhook_id = stack[WEBHOOK].resource.state["webhook_id"]
    settings_before = admin.get_environment(LIVE).settings
    origins_before = {o.origin for o in admin.list_origins(LIVE)}
    calls_before = sum(call.method == "Delete" for call in host.calls)
    emu.clear_requests()

    steps = {name: child.resource.destroy() for name, child in stack.items()}

    assert steps == {"production-settings": "delete[retain]",
                     "production-origins": "delete[retain]", TOKEN: "delete",
                     WEBHOOK: "delete"}
    # the token's and the webhook's Delete calls
    assert sum(call.method == "Delete" for call in host.calls) == calls_before + 2
    # the webhook's requests only (Pulumi's semantics): nothing reset, emptied or revoked;
    # its url is read first, so that a state naming another webhook deletes nothing
    assert log(emu) == [("GET", f"/environments/{LIVE}/webhooks/{webhook_id}"),
                        ("DELETE", f"/environments/{LIVE}/webhooks/{webhook_id}")]
    assert admin.list_webhooks(LIVE) == []
    assert admin.get_environment(LIVE).settings == settings_before
    assert {o.origin for o in admin.list_origins(LIVE)} == origins_before
    assert token_id in live_token_ids(admin)
    left = f"left token(s) {token_id} alive (revoke_on_delete is false)"
    assert left in host.stderr_with(left)


def test_destroy_with_revoke_tokens_on_delete_revokes_them(
    host: ProviderHost, emu: EmulatorHandle, admin: DynamicClient, policy: SecurityPolicy
) -> None:
    stack = children(register(policy, stack="production", revoke_tokens_on_delete=True), host)
    token = stack[TOKEN]
    assert token.inputs["revoke_on_delete"] is True
    token.up()
    token_id = token.resource.state["token_id"]
    emu.clear_requests()

    assert token.resource.destroy() == "delete"

    assert [entry for entry in log(emu) if entry[0] != "GET"] == [
        ("DELETE", f"/environments/{LIVE}/tokens/{token_id}")]
    assert token_id not in live_token_ids(admin)


@pytest.mark.parametrize(("type_token", "resource_id"), [
    (SETTINGS, LIVE), (ORIGINS, LIVE), (TOKENS, f"{LIVE}/ci-deployer"),
])
def test_import_is_refused_by_the_sdk_host(
    host: ProviderHost, emu: EmulatorHandle, type_token: str, resource_id: str
) -> None:
    # The engine's import is a Read with the id alone. The Python dynamic host finds the
    # provider's code only in the `__provider` property of the request's state or inputs,
    # which an import cannot carry: it fails with KeyError before any provider code runs.
    emu.clear_requests()
    with pytest.raises(ImportFailed) as failed:
        EngineResource(host, type_token, "imported").import_(resource_id)
    assert "'__provider'" in str(failed.value)
    assert log(emu) == []
