"""From a program to the engine: run `EnvironmentSecurity` under mocks, then drive what it
registered (inputs, `retain_on_delete`) through a real provider host, so the options the
component sets are the ones the engine honours in these tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_dynamic_security.policy.loader import SecurityPolicy
from tests.providers.harness import EngineResource, ProviderHost
from tests.providers.mocks import RecordingMonitor, run_under_mocks

PROJECT = "dynamic-security-example"


def register(policy: SecurityPolicy, *, stack: str, config: Mapping[str, str] | None = None,
             revoke_tokens_on_delete: bool = False) -> RecordingMonitor:
    """What `EnvironmentSecurity.for_stack(policy)` registers in stack `stack`."""
    from pulumi_dynamic_security import EnvironmentSecurity

    def program() -> None:
        EnvironmentSecurity.for_stack(policy, revoke_tokens_on_delete=revoke_tokens_on_delete)

    return run_under_mocks(program, project=PROJECT, stack=stack, config=config)


@dataclass
class Child:
    """One registered child: its resource in the engine, and the inputs the program gives."""

    resource: EngineResource
    inputs: dict[str, Any]

    def up(self) -> str:
        return self.resource.up(self.inputs)


def children(monitor: RecordingMonitor, host: ProviderHost) -> dict[str, Child]:
    """The custom resources `monitor` recorded, by name, as the engine would hold them."""
    return {
        r.name: Child(
            EngineResource(host, r.type, r.name, retain_on_delete=r.retain_on_delete),
            {k: v for k, v in r.inputs.items() if v is not None},
        )
        for r in monitor.registrations if r.custom
    }
