"""What goes into the state as `__provider`: small (the class by reference, no code), and
never a credential, even after `configure()` has run; and the credential appears in no
output and nothing the host prints, even when a call fails."""

from __future__ import annotations

import base64
import pickle
import pickletools

import dill
import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.providers import (
    AllowedOriginsArgs,
    AllowedOriginsProvider,
    ApiTokenRotationArgs,
    ApiTokenRotationProvider,
    SecuritySettingsArgs,
    SecuritySettingsProvider,
)
from pulumi_dynamic_security.providers.base import DynamicSecurityProvider
from pulumi_dynamic_security.redaction import Secret
from tests.providers.conftest import CANARY_TOKEN, program_inputs
from tests.providers.harness import EngineResource, ProviderHost, clear_occurrences

PROVIDERS: tuple[type[DynamicSecurityProvider], ...] = (
    SecuritySettingsProvider, AllowedOriginsProvider, ApiTokenRotationProvider,
)
MAX_SERIALIZED_CHARS = 300


def configured(cls: type[DynamicSecurityProvider]) -> DynamicSecurityProvider:
    provider = cls()
    provider.configure(ConfigureRequest(Config({
        "dynamic-security:apiToken": CANARY_TOKEN,
        "dynamic-security:apiUrl": "http://127.0.0.1:9/api/v0",
    }, "dynamic-security-example")))
    return provider


@pytest.mark.parametrize("cls", PROVIDERS, ids=lambda c: c.__name__)
def test_serialized_provider_is_small_and_by_reference(cls: type[DynamicSecurityProvider]) -> None:
    serialized = serialize_provider(cls())
    assert len(serialized) < MAX_SERIALIZED_CHARS
    payload = base64.b64decode(serialized)
    opcodes = {op.name for op, _, _ in pickletools.genops(payload)}
    assert cls.__module__.encode() in payload and cls.__name__.encode() in payload
    assert b"__main__" not in payload and b"co_code" not in payload  # no code by value
    assert "STACK_GLOBAL" in opcodes or "GLOBAL" in opcodes
    assert type(dill.loads(payload)) is cls


@pytest.mark.parametrize("cls", PROVIDERS, ids=lambda c: c.__name__)
def test_configured_provider_serializes_without_its_credential(
    cls: type[DynamicSecurityProvider],
) -> None:
    provider = configured(cls)
    assert provider.auth_token_checksum == CANARY_TOKEN[-6:]  # configure() did take it
    serialized = serialize_provider(provider)
    assert CANARY_TOKEN not in serialized
    assert CANARY_TOKEN.encode() not in base64.b64decode(serialized)
    assert serialized == serialize_provider(cls())  # the same bytes as a fresh instance
    assert CANARY_TOKEN not in repr(provider)
    restored = dill.loads(base64.b64decode(serialized))
    assert vars(restored) == {}  # unconfigured again: the host configures its own copy


def test_a_credential_that_slips_onto_the_provider_refuses_to_be_pickled() -> None:
    provider = SecuritySettingsProvider()
    provider.__dict__["leaked"] = Secret(CANARY_TOKEN)  # what a careless change might do
    with pytest.raises(TypeError, match="cannot be pickled"):
        serialize_provider(provider)
    with pytest.raises(TypeError):
        pickle.dumps(Secret(CANARY_TOKEN))


@pytest.mark.slow
def test_canary_token_is_absent_from_outputs_errors_and_stderr(
    host: ProviderHost, emu: EmulatorHandle, policy: SecurityPolicy
) -> None:
    stage = policy.stage("production")
    entry = (stage.api_tokens or ())[0]
    resources = [
        (EngineResource(host, "pulumi-python:dynamic/dynamic-security:SecuritySettings", "c-s"),
         program_inputs(SecuritySettingsArgs.from_stage(stage).props(),
                        SecuritySettingsProvider())),
        (EngineResource(host, "pulumi-python:dynamic/dynamic-security:AllowedOrigins", "c-o"),
         program_inputs(AllowedOriginsArgs.from_stage(stage).props(), AllowedOriginsProvider())),
        (EngineResource(host, "pulumi-python:dynamic/dynamic-security:ApiTokenRotation", "c-t"),
         program_inputs(ApiTokenRotationArgs.from_stage(stage, entry).props(),
                        ApiTokenRotationProvider())),
    ]
    for resource, inputs in resources:
        resource.up(inputs)  # Create
        read = resource.refresh()  # Read
        resource.up({**inputs, "waivers": [{"rule": "DS104", "reason": "canary run",
                                            "expires": "2027-01-31"}]})  # Update
        for values in (resource.state, read.outputs, read.inputs or {}):
            assert clear_occurrences(values, CANARY_TOKEN) == []
            assert CANARY_TOKEN not in repr({k: v for k, v in values.items() if k != "token"})

    # failing calls: the API answers 503 to everything. Check (online, with credentials)
    # reports it as a failure; an update the API fails after the check, as the host's error
    resource, inputs = resources[0]
    changed = {**inputs, "jwt_lifetime": "3h"}
    checked = host.check(resource.urn, resource.inputs, changed).inputs
    emu.set_faults(error_rate=1.0)
    with pytest.raises(Exception) as check_failure:
        resource.up(changed)
    assert CANARY_TOKEN not in str(check_failure.value)
    assert "cannot read environment" in str(check_failure.value)
    assert resource.id is not None
    with pytest.raises(Exception) as failure:
        host.update(resource.id, resource.urn, resource.state, resource.inputs, checked)
    assert CANARY_TOKEN not in str(failure.value)
    assert "SecuritySettingsProvider update failed" in str(failure.value)
    emu.set_faults(error_rate=0.0)

    for resource, _ in resources:
        resource.destroy()
    assert CANARY_TOKEN not in host.stderr_text()
