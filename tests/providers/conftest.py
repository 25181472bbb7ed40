"""Fixtures for the Pulumi provider tests.

One emulator and one provider host per session: the host is configured once (Configure is
once per process, and the configured provider is cached per `__provider` string), with a
canary API token that is also the emulator's admin token, so every call really authenticates
with it and the tests can look for it anywhere it must not be; `offline_host` has no token
at all. Each test that asks for `emu` starts from the `demo` seed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.emulator.server import EmulatorHandle, running_emulator
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from tests.providers.harness import PROJECT, ProviderHost, secret
from tests.support.clients import NO_RETRY, make_client

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# Unmistakable, and not shaped like a Dynamic token (`dyn_...`), so that no log scrubber
# can hide it from the tests that look for it.
CANARY_TOKEN = "canary-7f3e9b1c5a2d4e6f8091"


@pytest.fixture(autouse=True)
def no_credentials_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Providers called directly (not through a configured host) find no token, as on a
    machine without one: their `check` stays offline unless a test gives them one."""
    monkeypatch.delenv("DYNAMIC_API_TOKEN", raising=False)
    monkeypatch.delenv("DYNAMIC_API_URL", raising=False)


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[EmulatorHandle]:
    with running_emulator(seed="demo", token=CANARY_TOKEN) as handle:
        yield handle


@pytest.fixture
def emu(emulator_server: EmulatorHandle) -> EmulatorHandle:
    """The session's emulator, reset to the `demo` seed."""
    emulator_server.reset("demo")
    return emulator_server


def stack_config(emulator: EmulatorHandle, token: str) -> dict[str, Any]:
    """The stack config as the engine sends it to the dynamic provider: every namespace,
    full keys, strings, the token as a secret."""
    return {
        "dynamic-security:apiToken": secret(token),
        "dynamic-security:apiUrl": emulator.base_url,
        f"{PROJECT}:unrelated": "kept-out-of-the-provider",
        "aws:region": "eu-west-1",
    }


@pytest.fixture(scope="session")
def host(emulator_server: EmulatorHandle) -> Iterator[ProviderHost]:
    """A provider host configured with the canary token, shared by the session."""
    started = ProviderHost().start()
    response = started.configure(stack_config(emulator_server, CANARY_TOKEN))
    assert response.acceptSecrets is False  # so the engine strips secrets from now on
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def offline_host(emulator_server: EmulatorHandle) -> Iterator[ProviderHost]:
    """A host without an API token, neither configured nor in its environment (a preview
    on a machine without credentials): its providers' `check` stays offline."""
    offline = ProviderHost().start()
    config = stack_config(emulator_server, "unused")
    del config["dynamic-security:apiToken"]
    offline.configure(config)
    try:
        yield offline
    finally:
        offline.stop()


@pytest.fixture
def admin(emu: EmulatorHandle) -> Iterator[DynamicClient]:
    """A client for direct API edits (what someone in the dashboard would do)."""
    with make_client(emu, retry=NO_RETRY) as client:
        yield client


@pytest.fixture(scope="session")
def policy() -> SecurityPolicy:
    return SecurityPolicy.load(EXAMPLES / "dynamic-security.yaml")


def provider_string(provider: ResourceProvider) -> str:
    serialized: str = serialize_provider(provider)
    return serialized


def program_inputs(props: Mapping[str, Any], provider: ResourceProvider) -> dict[str, Any]:
    """A resource's inputs as the program registers them: None dropped, and `__provider` a
    secret (the SDK's default, `serialize_as_secret_always`)."""
    inputs = {key: value for key, value in props.items() if value is not None}
    inputs["__provider"] = secret(provider_string(provider))
    return inputs
