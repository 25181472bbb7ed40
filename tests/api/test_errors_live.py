"""Every error class, raised by real answers of the emulator (or a closed port)."""

from __future__ import annotations

import socket
import time

import pytest

from pulumi_dynamic_security.api import errors
from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.api.config import RetryPolicy
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.exit_codes import ExitCode
from tests.api.support import ClientFactory
from tests.support.ids import LIVE, ORGANIZATION, SANDBOX, UNKNOWN_ENVIRONMENT
from tests.support.log import statuses

pytestmark = pytest.mark.slow


def test_401_for_a_wrong_token(make_client: ClientFactory) -> None:
    wrong = "dyn_WrongTokenValue0123456789"
    client = make_client(token=wrong)
    with pytest.raises(errors.UnauthorizedError) as caught:
        client.get_environment(LIVE)
    error = caught.value
    assert (error.method, error.route, error.status) == ("GET", f"/environments/{LIVE}", 401)
    assert error.exit_code is ExitCode.API_FAILURE
    assert error.detail == "Invalid token"
    assert "DYNAMIC_API_TOKEN" in str(error)
    assert wrong not in str(error)


def test_403_names_the_missing_scope(make_client: ClientFactory, emu: EmulatorHandle) -> None:
    planted = emu.plant_token(SANDBOX, "reader", ["environment.settings.read"])
    reader = make_client(token=planted["token"]["rawToken"])
    env = reader.get_environment(SANDBOX)
    with pytest.raises(errors.ForbiddenError) as caught:
        reader.update_settings(SANDBOX, env.settings)
    error = caught.value
    assert error.required_scope == "environment.settings.write"
    assert "the token lacks scope environment.settings.write" in str(error).lower()
    assert error.detail == "This token lacks the scope environment.settings.write"
    assert (error.method, error.route, error.status) == ("PUT", f"/environments/{SANDBOX}", 403)
    # A 403 is not retried: one attempt.
    assert statuses(emu, "PUT") == [("PUT", f"/environments/{SANDBOX}", 403)]

    with pytest.raises(errors.ForbiddenError) as caught:
        reader.list_tokens(SANDBOX)
    assert caught.value.required_scope == "environment.apiTokens.read"


def test_403_on_an_organization_route_for_an_environment_token(
    make_client: ClientFactory, emu: EmulatorHandle
) -> None:
    planted = emu.plant_token(SANDBOX, "everything", ["environment.settings.write"])
    client = make_client(token=planted["token"]["rawToken"])
    with pytest.raises(errors.ForbiddenError) as caught:
        client.create_project(ORGANIZATION, "nope")
    assert caught.value.required_scope is None
    assert "organization (admin) token" in str(caught.value)


def test_403_from_session_revocation_reads_the_nested_error(
    make_client: ClientFactory, emu: EmulatorHandle
) -> None:
    planted = emu.plant_token(SANDBOX, "reader", ["environment.settings.read"])
    client = make_client(token=planted["token"]["rawToken"])
    with pytest.raises(errors.ForbiddenError) as caught:
        client.revoke_user_sessions(SANDBOX, "11111111-1111-4111-8111-111111111111")
    assert caught.value.required_scope == "environment.users.write"
    assert caught.value.code == "forbidden"
    assert caught.value.detail is not None and "environment.users.write" in caught.value.detail


def test_404_for_an_unknown_environment(client: DynamicClient) -> None:
    with pytest.raises(errors.NotFoundError) as caught:
        client.get_environment(UNKNOWN_ENVIRONMENT)
    error = caught.value
    assert error.status == 404 and error.code == "not_found"
    assert "environment_id" in str(error)


def test_422_carries_dynamics_code(client: DynamicClient, emu: EmulatorHandle) -> None:
    with pytest.raises(errors.InvalidRequestError) as caught:
        client.add_origin(LIVE, "example.com")
    assert caught.value.code == "invalid_cors_origins"
    assert caught.value.status == 422
    # Not an ambiguous outcome: one POST, no listing to reconcile.
    assert statuses(emu) == [("POST", f"/environments/{LIVE}/origins", 422)]

    with pytest.raises(errors.InvalidRequestError) as caught:
        client.add_origin(LIVE, "http://localhost:3000")
    assert caught.value.code == "duplicate_exists"

    env = client.get_environment(SANDBOX)
    settings = env.settings_copy()
    settings["security"]["jwtDuration"] = {"amount": 31, "unit": "days"}
    with pytest.raises(errors.InvalidRequestError) as caught:
        client.update_settings(SANDBOX, settings)
    assert caught.value.status == 422


def test_429_after_retries(make_client: ClientFactory, emu: EmulatorHandle) -> None:
    emu.set_faults(rate_limit=1, rate_window_seconds=30)
    retry = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_cap=0.02, retry_after_cap=0.05)
    client = make_client(retry=retry)
    client.get_environment(LIVE)
    started = time.monotonic()
    with pytest.raises(errors.RateLimitedError) as caught:
        client.get_environment(LIVE)
    elapsed = time.monotonic() - started
    assert caught.value.attempts == 3
    assert "after 3 attempts" in str(caught.value)
    assert caught.value.detail == "Rate limit exceeded"
    assert [s for _, _, s in statuses(emu)] == [200, 429, 429, 429]
    # Retry-After said 30 s; the cap held each wait to 0.05 s.
    assert elapsed < 1.0


def test_5xx_after_retries(client: DynamicClient, emu: EmulatorHandle) -> None:
    emu.set_faults(error_rate=1.0)
    with pytest.raises(errors.ServerError) as caught:
        client.list_origins(LIVE)
    error = caught.value
    assert error.status == 503 and error.attempts == 3 and not error.outcome_unknown
    assert statuses(emu) == [("GET", f"/environments/{LIVE}/origins", 503)] * 3


def test_transport_error_against_a_closed_port(make_client: ClientFactory) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(base_url=f"http://127.0.0.1:{port}/api/v0", connect_timeout=1.0)
    started = time.monotonic()
    with pytest.raises(errors.TransportError) as caught:
        client.get_environment(LIVE)
    error = caught.value
    assert error.attempts == 3 and error.status is None and not error.outcome_unknown
    assert f"could not connect to 127.0.0.1:{port}" in str(error)
    assert "DYNAMIC_API_URL" in str(error)
    assert time.monotonic() - started < 2.0


def test_a_post_that_never_connected_is_retried(make_client: ClientFactory) -> None:
    # Nothing was sent, so repeating it cannot duplicate anything.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(base_url=f"http://127.0.0.1:{port}/api/v0")
    with pytest.raises(errors.TransportError) as caught:
        client.create_project(ORGANIZATION, "x")
    assert caught.value.attempts == 3 and not caught.value.outcome_unknown


def test_a_read_timeout(make_client: ClientFactory, emu: EmulatorHandle) -> None:
    emu.set_faults(latency_ms=300)
    client = make_client(read_timeout=0.05)
    with pytest.raises(errors.TransportError) as caught:
        client.get_environment(LIVE)
    assert "did not answer in time" in str(caught.value)
    assert caught.value.attempts == 3
    # Let the abandoned requests finish, so they do not land in the next test's request log.
    time.sleep(0.4)
