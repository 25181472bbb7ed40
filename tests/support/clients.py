"""Clients of the emulator, as a test needs them, and what someone in Dynamic's dashboard
would do through them. Everything goes over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from pulumi_dynamic_security.api.budget import process_budget
from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.api.config import (
    DEFAULT_MAX_REQUESTS_PER_MINUTE,
    ClientConfig,
    RetryPolicy,
)
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.redaction import Secret
from tests.emulator.support import client as api_client
from tests.support.ids import LIVE

# Short backoffs: a test that exhausts retries takes a fraction of a second.
FAST_RETRY = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_cap=0.02, retry_after_cap=1)
# One attempt: a failure shows at once (direct edits, checks of what a token may do).
NO_RETRY = RetryPolicy(max_attempts=1)


def reset_budget() -> None:
    """An empty process-wide request window, as a new process would start with."""
    process_budget(DEFAULT_MAX_REQUESTS_PER_MINUTE).reset()


def make_client(
    emulator: EmulatorHandle,
    *,
    token: str | None = None,
    base_url: str | None = None,
    retry: RetryPolicy = FAST_RETRY,
    transport: httpx.BaseTransport | None = None,
    **settings: Any,
) -> DynamicClient:
    """A client of `emulator` (its admin token unless `token` is given); `settings` are more
    `ClientConfig` fields."""
    config = ClientConfig(token=Secret(token or emulator.token),
                          base_url=base_url or emulator.base_url, retry=retry, **settings)
    return DynamicClient(config, transport=transport)


def settings_of(emulator: EmulatorHandle, environment_id: str) -> dict[str, Any]:
    """The settings document as a client reads it (write-only fields not answered)."""
    with make_client(emulator) as client:
        settings = client.get_environment(environment_id).settings
    return settings


def edit_settings(emulator: EmulatorHandle, environment_id: str, **security: Any) -> None:
    """What someone in the dashboard does: change keys of `settings.security` (PUT)."""
    with make_client(emulator) as client:
        document = client.get_environment(environment_id).settings_copy()
        document["security"].update(security)
        client.update_settings(environment_id, document)


def live_origins(emulator: EmulatorHandle, environment_id: str) -> list[str]:
    """The environment's origins as listed, sorted."""
    with make_client(emulator) as client:
        return sorted(o.origin for o in client.list_origins(environment_id))


def clear_live_audits(emulator: EmulatorHandle, environment_id: str = LIVE) -> None:
    """What the audits of a live environment ask and no apply does, done by hand as a team
    would: the seed's test account deleted (DS603) and a captcha turned on (DS703)."""
    with api_client(emulator) as http:
        deleted = http.delete(f"/environments/{environment_id}/test/account")
    assert deleted.status_code == 204, deleted.text
    edit_settings(emulator, environment_id, captcha={
        "enabled": True, "provider": "cloudflareTurnstile", "siteKey": "0x4AAAAAAA-site"})
