"""Every client method over real HTTP against the emulator."""

from __future__ import annotations

import json

import pytest

from pulumi_dynamic_security._version import __version__
from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.api.errors import ForbiddenError, NotFoundError
from pulumi_dynamic_security.api.routes import UnsafeIdError
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.api.support import ClientFactory, Tap
from tests.support.ids import (
    LIVE,
    ORGANIZATION,
    PROJECT,
    SANDBOX,
    SECOND_LIVE,
    SECOND_SANDBOX,
)
from tests.support.log import statuses

pytestmark = pytest.mark.slow


def test_get_environment_keeps_settings_and_reads_security(client: DynamicClient) -> None:
    env = client.get_environment(LIVE)
    assert env.id == LIVE
    assert env.environment_name == "live"
    assert env.updated_at is not None
    security = env.security
    assert security.jwt_duration is not None
    assert (security.jwt_duration.amount, security.jwt_duration.unit) == (30, "days")
    assert security.auth is not None and security.auth.storage == ["localstorage"]
    assert security.mfa is not None and security.mfa.enabled is False


def test_update_settings_writes_the_document_and_moves_updated_at(
    client: DynamicClient,
) -> None:
    before = client.get_environment(SANDBOX)
    settings = before.settings_copy()
    settings["security"]["jwtDuration"] = {"amount": 2, "unit": "hours"}
    stored = client.update_settings(SANDBOX, settings)
    assert stored["security"]["jwtDuration"] == {"amount": 2, "unit": "hours"}
    after = client.get_environment(SANDBOX)
    assert after.security.jwt_duration is not None and after.security.jwt_duration.amount == 2
    assert after.updated_at is not None and before.updated_at is not None
    assert after.updated_at > before.updated_at


def test_projects(client: DynamicClient) -> None:
    project = client.get_project(PROJECT)
    assert project.organization_id == ORGANIZATION
    assert {(e.id, e.environment_name) for e in project.project_environments} == {
        (SANDBOX, "sandbox"), (LIVE, "live"),
    }
    environments = client.list_project_environments(PROJECT)
    assert (environments.live.id, environments.sandbox.id) == (LIVE, SANDBOX)
    assert environments.live.environment_name == "live"

    created = client.create_project(ORGANIZATION, "Another app")
    assert created.name == "Another app" and created.organization_id == ORGANIZATION
    names = sorted(e.environment_name or "" for e in created.project_environments)
    assert names == ["live", "sandbox"]
    listed = client.list_project_environments(created.id)
    assert listed.sandbox.environment_name == "sandbox"


def test_origins(client: DynamicClient, emu: EmulatorHandle) -> None:
    assert {o.origin for o in client.list_origins(LIVE)} == {
        "https://*.example.com", "http://localhost:3000",
    }
    added = client.add_origin(LIVE, "https://app.example.com")
    assert added.origin == "https://app.example.com" and added.id
    assert added.project_environment_id == LIVE
    client.delete_origin(added.id)
    assert "https://app.example.com" not in {o.origin for o in client.list_origins(LIVE)}
    assert [s for _, _, s in statuses(emu)] == [200, 201, 204, 200]


def test_tokens_issue_authenticate_and_revoke(
    client: DynamicClient, make_client: ClientFactory
) -> None:
    [legacy] = client.list_tokens(LIVE)
    assert legacy.note == "legacy deploy key"
    scopes = ["environment.settings.read"]
    created = client.create_token(SANDBOX, "dynsec:ci:20260101T000000Z", scopes)
    assert created.scopes == scopes and created.note == "dynsec:ci:20260101T000000Z"
    raw = created.raw_token.reveal()
    assert raw.startswith("dyn_") and created.checksum == raw[-6:]
    assert [t.id for t in client.list_tokens(SANDBOX)] == [created.id]

    # The issued token works, for its own environment and scopes only.
    issued = make_client(token=raw)
    assert issued.get_environment(SANDBOX).id == SANDBOX
    with pytest.raises(ForbiddenError):
        issued.get_environment(LIVE)

    client.delete_token(SANDBOX, created.id)
    assert client.list_tokens(SANDBOX) == []
    with pytest.raises(NotFoundError):
        client.delete_token(SANDBOX, created.id)
    client.delete_token(SANDBOX, created.id, missing_ok=True)


def test_revoke_user_sessions(client: DynamicClient, emu: EmulatorHandle) -> None:
    client.revoke_user_sessions(LIVE, "11111111-1111-4111-8111-111111111111")
    assert statuses(emu) == [
        ("POST", f"/environments/{LIVE}/users/11111111-1111-4111-8111-111111111111"
         "/sessions/revoke", 204),
    ]


def test_custom_hostnames(client: DynamicClient) -> None:
    [existing] = client.list_custom_hostnames(LIVE)
    assert (existing.hostname, existing.usage, existing.status) == (
        "auth.example.com", "cookies", "active",
    )
    created = client.create_custom_hostname(SANDBOX, "login.example.org", "cookies")
    assert created.status == "pending" and created.verification_records
    assert [h.id for h in client.list_custom_hostnames(SANDBOX)] == [created.id]
    client.delete_custom_hostname(SANDBOX, created.id)
    assert client.list_custom_hostnames(SANDBOX) == []


def test_every_request_carries_bearer_auth_and_our_user_agent(
    make_client: ClientFactory, emu: EmulatorHandle
) -> None:
    tap = Tap()
    client = make_client(transport=tap)
    client.get_environment(LIVE)
    client.add_origin(LIVE, "https://ua.example.com")
    for _, path, headers, _ in tap.sent:
        assert path.startswith("/api/v0/")
        assert headers["Authorization"] == f"Bearer {emu.token}"
        assert headers["User-Agent"] == f"pulumi-dynamic-security/{__version__}"
    post = tap.sent[-1]
    assert post[2]["Content-Type"] == "application/json"
    assert json.loads(post[3]) == {"origin": "https://ua.example.com"}


def test_client_is_a_context_manager_and_closes(make_client: ClientFactory) -> None:
    with make_client() as client:
        client.get_environment(LIVE)
    with pytest.raises(RuntimeError):
        client.get_environment(LIVE)


def test_one_client_serves_a_thread_pool(client: DynamicClient, emu: EmulatorHandle) -> None:
    from concurrent.futures import ThreadPoolExecutor

    environments = [SANDBOX, LIVE, SECOND_SANDBOX, SECOND_LIVE] * 10
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(lambda e: client.get_environment(e).id, environments))
    assert ids == environments
    assert len(statuses(emu)) == 40


def test_an_id_that_is_not_one_path_segment_is_refused_before_anything_is_sent(
    make_client: ClientFactory,
) -> None:
    """Percent-encoding `/` was not enough (`..` alone still climbs a level): an id that
    cannot be exactly one segment is refused, naming the route, and nothing is sent."""
    tap = Tap()
    client = make_client(transport=tap)
    with pytest.raises(UnsafeIdError, match=r"DELETE /origins/\{origin_id\}: the origin_id "
                       r"'\.\./environments/x' cannot be one path segment"):
        client.delete_origin("../environments/x")
    assert tap.sent == []


def test_closing_the_client_closes_an_injected_transport(make_client: ClientFactory) -> None:
    tap = Tap()
    with make_client(transport=tap) as client:
        client.list_origins(LIVE)
    assert tap.closed


def test_a_settings_fragment_is_refused_before_anything_is_sent(
    client: DynamicClient, emu: EmulatorHandle
) -> None:
    with pytest.raises(ValueError, match="whole settings document"):
        client.update_settings(LIVE, {"jwtDuration": {"amount": 1, "unit": "hours"}})
    assert statuses(emu) == []
