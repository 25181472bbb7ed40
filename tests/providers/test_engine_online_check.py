"""`check` with and without credentials, through the host: with a token it judges the plan an
apply would make (so DS302, a (live) rule, fails the preview where `up` would fail), without
one it runs the offline rules and sends no request. And what the user reads when the stage
is blocked at apply time: one paragraph, never a chain of tracebacks."""

from __future__ import annotations

import grpc
import pytest

from pulumi_dynamic_security.emulator.seeds import COOKIE_HOSTNAME_ID
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from tests.providers.harness import CheckFailed, EngineResource, ProviderHost, urn
from tests.providers.inputs import SETTINGS, settings_inputs
from tests.support.ids import LIVE
from tests.support.log import log, writes

pytestmark = pytest.mark.slow

NAME = "production-settings"


@pytest.fixture
def no_cookie_hostname(emu: EmulatorHandle) -> EmulatorHandle:
    """The live environment's cookies hostname is no longer active: switching it to cookie
    storage (as the example's production stage declares) would break every sign-in."""
    emu.set_hostname_status(LIVE, COOKIE_HOSTNAME_ID, "pending")
    emu.clear_requests()
    return emu


def test_ds302_fails_check_with_credentials(
    host: ProviderHost, no_cookie_hostname: EmulatorHandle, policy: SecurityPolicy
) -> None:
    checked = host.check(urn(SETTINGS, NAME), {}, settings_inputs(policy))
    assert [(prop, reason.split()[0]) for prop, reason in checked.failures] == [
        ("token_storage", "DS302")]
    assert checked.failures[0][1].startswith("DS302 cookie-without-hostname: ")
    assert writes(no_cookie_hostname) == []
    # the plan's reads: the environment, its origins, and its hostnames (for DS302)
    assert ("GET", f"/environments/{LIVE}/custom/hostnames") in log(no_cookie_hostname)


def test_without_credentials_check_is_offline(
    offline_host: ProviderHost, no_cookie_hostname: EmulatorHandle, policy: SecurityPolicy
) -> None:
    checked = offline_host.check(urn(SETTINGS, NAME), {}, settings_inputs(policy))
    assert checked.failures == []
    assert log(no_cookie_hostname) == []  # not one request
    # the offline rules still judge: MFA off in a high-value production stage is DS401
    failing = offline_host.check(urn(SETTINGS, NAME), {},
                                 settings_inputs(policy, mfa={"methods": []}))
    assert [reason.split()[0] for _, reason in failing.failures] == ["DS401"]


def test_preview_fails_where_up_would_before_any_write(
    host: ProviderHost, no_cookie_hostname: EmulatorHandle, policy: SecurityPolicy
) -> None:
    resource = EngineResource(host, SETTINGS, NAME)
    with pytest.raises(CheckFailed) as previewed:
        resource.preview(settings_inputs(policy))
    with pytest.raises(CheckFailed) as upped:
        resource.up(settings_inputs(policy))
    assert previewed.value.failures == upped.value.failures
    assert writes(no_cookie_hostname) == []
    assert "Traceback" not in host.stderr_text()


def test_a_stage_blocked_at_apply_is_one_paragraph(
    host: ProviderHost, emu: EmulatorHandle, policy: SecurityPolicy
) -> None:
    # the hostname stops being active between the check (passed) and the create
    resource = EngineResource(host, SETTINGS, NAME)
    checked = host.check(resource.urn, {}, settings_inputs(policy))
    assert checked.failures == []
    emu.set_hostname_status(LIVE, COOKIE_HOSTNAME_ID, "pending")
    emu.clear_requests()
    with pytest.raises(grpc.RpcError) as failed:
        host.create(resource.urn, checked.inputs)

    details = failed.value.details()
    last = details.splitlines()[-1]
    # The paragraph, on the line the CLI ends the error with: before SDK 3.260 the host
    # prefixes "Exception calling application: ", from 3.260 it prints its own frames and
    # then the exception (a pulumi.RunError) and our paragraph.
    assert "SecuritySettingsProvider create failed: Stage 'production'" in last
    assert "blocked by DS302; nothing was written" in last
    assert last.startswith(("Exception calling application: ",
                            "pulumi_dynamic_security.providers.errors.ProviderError: "))
    # no chain: nothing of the HTTP client or the planner behind it
    assert "During handling" not in details and "direct cause" not in details
    assert details.count("Traceback") <= 1
    assert "Traceback" not in host.stderr_text()
    assert writes(emu) == []
