"""`pulumi refresh` and `pulumi preview --diff` as the engine runs them (Read, then Diff of
the refreshed outputs against the old inputs; Check, then Diff of the old outputs against
the checked inputs), against the emulator: drift is reported, a rotation falling due is not
drift, and a due rotation is a named input change in preview."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from tests.providers.harness import EngineResource, ProviderHost
from tests.providers.inputs import (
    ORIGINS,
    SETTINGS,
    TOKENS,
    origin_inputs,
    settings_inputs,
    stamp,
    token_inputs,
    with_state,
)
from tests.providers.stack import children, register
from tests.support.ids import LIVE
from tests.support.tokens import plant

pytestmark = pytest.mark.slow

SCOPES = ["environment.settings.read", "environment.settings.write"]


def test_refresh_without_drift_reports_no_change(
    host: ProviderHost, emu: EmulatorHandle, policy: SecurityPolicy
) -> None:
    stack = children(register(policy, stack="production"), host)
    assert set(stack) == {"production-settings", "production-origins",
                          "production-token-ci-deployer", "production-webhook-session-audit"}
    for child in stack.values():
        assert child.up() == "create"
    for child in stack.values():
        refreshed = child.resource.refresh()
        assert (child.resource.name, refreshed.op) == (child.resource.name, "same")
        assert refreshed.shown.changes == {}
        assert child.resource.preview(child.inputs).op == "same"


def test_refresh_with_drift_reports_what_changed_and_up_undoes_it(
    host: ProviderHost, emu: EmulatorHandle, admin: DynamicClient, policy: SecurityPolicy
) -> None:
    settings = EngineResource(host, SETTINGS, "production-settings")
    origins = EngineResource(host, ORIGINS, "production-origins")
    token = EngineResource(host, TOKENS, "production-token-ci-deployer")
    stack = [(settings, settings_inputs(policy)), (origins, origin_inputs(policy)),
             (token, token_inputs(policy))]
    for resource, inputs in stack:
        resource.up(inputs)

    # dashboard edits: a 30-day JWT, one more origin, the token revoked
    document = admin.get_environment(LIVE).settings_copy()
    document["security"]["jwtDuration"] = {"amount": 30, "unit": "days"}
    admin.update_settings(LIVE, document)
    admin.add_origin(LIVE, "https://*.evil.example")
    admin.delete_token(LIVE, token.state["token_id"])

    refreshed = [resource.refresh() for resource, _ in stack]
    assert [r.op for r in refreshed] == ["update", "update", "update"]
    assert refreshed[0].shown.changes["jwt_lifetime"] == ("2h", "30d")
    assert "https://*.evil.example" in refreshed[1].shown.changes["origins"][1]
    assert {"token_id", "token"} <= set(refreshed[2].shown.changes)

    # the next preview shows what up would undo, and up undoes it
    for resource, inputs in stack:
        assert resource.preview(inputs).op == "update"
        assert resource.up(inputs) == "update"
        assert resource.refresh().op == "same"


@pytest.fixture
def due_token(host: ProviderHost, emu: EmulatorHandle, policy: SecurityPolicy
              ) -> Iterator[tuple[EngineResource, str]]:
    """A token resource whose token is 100 days old (rotate_every 90d): its state as the
    last `up` left it, 10 days before the rotation fell due; and the due date."""
    old = plant(emu, "ci-deployer", age_days=100, scopes=SCOPES)
    resource = EngineResource(host, TOKENS, "production-token-ci-deployer")
    with_state(resource, token_inputs(policy), old, None, timedelta(days=7))
    yield resource, stamp(old.created_at + timedelta(days=90))


def test_a_due_rotation_is_not_drift(due_token: tuple[EngineResource, str]) -> None:
    resource, _ = due_token
    state_before = dict(resource.state)
    refreshed = resource.refresh()
    assert refreshed.op == "same"  # Pulumi Cloud drift detection sees nothing
    assert refreshed.shown.changes == {}
    assert resource.state["token_id"] == state_before["token_id"]


def test_a_due_rotation_is_a_named_input_change_in_preview(
    due_token: tuple[EngineResource, str], policy: SecurityPolicy
) -> None:
    resource, due = due_token
    expected = [f'~ rotation: "rotate after {due}" => "rotation due since {due}"']
    previewed = resource.preview(token_inputs(policy))
    assert (previewed.op, previewed.shown.lines()) == ("update", expected)
    # with `refresh: always` (or --refresh): the refresh is quiet, the change is the same
    refreshed_first = resource.preview(token_inputs(policy), refresh=True)
    assert (refreshed_first.op, refreshed_first.shown.lines()) == ("update", expected)

    assert resource.up(token_inputs(policy)) == "update"  # rotates
    assert resource.state["previous_token_id"] != resource.state["token_id"]
    # the verdict the update carried out is void: neither refresh nor preview repeat it
    assert resource.refresh().op == "same"
    assert resource.preview(token_inputs(policy)).op == "same"


def test_a_revocation_falling_due_is_named_too(
    host: ProviderHost, emu: EmulatorHandle, policy: SecurityPolicy
) -> None:
    predecessor = plant(emu, "ci-deployer", age_days=100, scopes=SCOPES)
    successor = plant(emu, "ci-deployer", age_days=8, scopes=SCOPES)
    resource = EngineResource(host, TOKENS, "production-token-ci-deployer")
    with_state(resource, token_inputs(policy), successor, predecessor, timedelta(days=7))
    rotate = stamp(successor.created_at + timedelta(days=90))
    revoke = stamp(successor.created_at + timedelta(days=7))

    assert resource.refresh().op == "same"
    previewed = resource.preview(token_inputs(policy))
    assert previewed.shown.lines() == [
        f'~ rotation: "rotate after {rotate}; revoke previous after {revoke}" => '
        f'"revocation of the previous token due since {revoke}"'
    ]


def test_without_credentials_the_recorded_schedule_still_names_it(
    due_token: tuple[EngineResource, str], offline_host: ProviderHost, emu: EmulatorHandle,
    policy: SecurityPolicy,
) -> None:
    resource, due = due_token
    offline = resource.copy()
    offline.host = offline_host
    emu.clear_requests()
    previewed = offline.preview(token_inputs(policy))
    assert previewed.shown.lines() == [
        f'~ rotation: "rotate after {due}" => "rotation due since {due}"'
    ]
    assert emu.requests() == []  # judged from the state alone
