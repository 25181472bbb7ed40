"""Helpers shared by the service, end-to-end and CLI tests of plan, apply, drift and export.

Everything runs against the emulator over real HTTP. Request logs are read from the emulator
itself (`GET /_emulator/requests`), never from the client, so a test sees exactly what reached
the server.
"""

from __future__ import annotations

from typing import Any

from pulumi_dynamic_security.api.budget import process_budget
from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.api.config import (
    DEFAULT_MAX_REQUESTS_PER_MINUTE,
    ClientConfig,
    RetryPolicy,
)
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.redaction import Secret

WRITE_METHODS = ("POST", "PUT", "DELETE")

# Short backoffs: a test that exhausts retries takes a fraction of a second.
FAST_RETRY = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_cap=0.02, retry_after_cap=1)


def reset_budget() -> None:
    """An empty process-wide request window, as a new process would start with."""
    process_budget(DEFAULT_MAX_REQUESTS_PER_MINUTE).reset()


def make_client(emulator: EmulatorHandle, token: str | None = None,
                retry: RetryPolicy = FAST_RETRY) -> DynamicClient:
    """A client of the emulator (admin token unless `token` is given)."""
    return DynamicClient(ClientConfig(token=Secret(token or emulator.token),
                                      base_url=emulator.base_url, retry=retry))


def stage_of(text: str, name: str) -> EffectiveStage:
    """Stage `name` of the policy `text`."""
    return SecurityPolicy.from_text(text).stage(name)


def policy_text(environment_id: str, body: str, stage: str = "production") -> str:
    """A one-stage policy: `body` is the stage's keys, indented by the caller's 4 spaces."""
    return f"version: 1\nstages:\n  {stage}:\n    environment_id: {environment_id}\n{body}"


def log(emulator: EmulatorHandle) -> list[tuple[str, str]]:
    """The emulator's request log as (method, path), oldest first."""
    return [(r["method"], r["path"]) for r in emulator.requests()]


def writes(emulator: EmulatorHandle) -> list[tuple[str, str]]:
    return [(m, p) for m, p in log(emulator) if m in WRITE_METHODS]


def reads(emulator: EmulatorHandle) -> list[tuple[str, str]]:
    return [(m, p) for m, p in log(emulator) if m == "GET"]


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
    with make_client(emulator) as client:
        return sorted(o.origin for o in client.list_origins(environment_id))
