"""Stale plan (docs/apply.md#stale-plans) when `updatedAt` does not move.

`apply` refuses a plan when the environment changed since it was made. It compares
`updatedAt`, and also the settings document and the origins themselves, so that an edit which
leaves `updatedAt` as it was (a server that does not move it on an origin write, or two writes
within its resolution) still stops the apply before any write. The emulator moves `updatedAt`
on every write, so the end-to-end tests (test_promises) cannot tell whether the comparison of
contents works: a stub environment whose `updatedAt` never changes does.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import pytest

from pulumi_dynamic_security.api.models import (
    Origin,
    ProjectEnvironment,
    TestAccount,
    Token,
    Webhook,
)
from pulumi_dynamic_security.errors import StalePlanError
from pulumi_dynamic_security.service.apply import apply_plan
from pulumi_dynamic_security.service.plan import plan_stage
from pulumi_dynamic_security.service.snapshot import read_snapshot
from tests.support.policies import policy_text, stage_of

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient

ENVIRONMENT = "0c000000-0000-4000-8000-0000000000aa"
UPDATED_AT = "2026-01-01T00:00:00.000Z"
STAGE = stage_of(policy_text(ENVIRONMENT, """\
    jwt_lifetime: 2h
    allowed_origins: [https://app.example.com]
"""), "production")


class FrozenEnvironment:
    """A client over one environment whose `updatedAt` never moves; writes are recorded."""

    def __init__(self) -> None:
        self.settings: dict[str, Any] = {
            "environmentName": "live",
            "general": {"displayName": "Shop"},
            "security": {"jwtDuration": {"amount": 30, "unit": "days"}},
        }
        self.origins = [Origin(id="o-1", origin="https://old.example.com")]
        self.writes: list[str] = []

    def get_environment(self, environment_id: str) -> ProjectEnvironment:
        return ProjectEnvironment.model_validate({
            "id": environment_id, "settings": copy.deepcopy(self.settings),
            "updatedAt": UPDATED_AT,
        })

    def list_origins(self, environment_id: str) -> list[Origin]:
        return list(self.origins)

    def list_tokens(self, environment_id: str) -> list[Token]:
        return []

    def list_webhooks(self, environment_id: str) -> list[Webhook]:
        return []

    def get_test_account(self, environment_id: str) -> TestAccount | None:
        return None

    def __getattr__(self, name: str) -> Callable[..., Any]:
        # Every other client method is a write (add_origin, update_settings, delete_origin,
        # create_token, delete_token, create_webhook, update_webhook): record it.
        def write(*args: Any, **kwargs: Any) -> None:
            self.writes.append(name)

        return write

    def client(self) -> DynamicClient:
        return cast("DynamicClient", self)


def edit_settings(environment: FrozenEnvironment) -> None:
    environment.settings["security"]["jwtDuration"] = {"amount": 3, "unit": "days"}


def edit_outside_security(environment: FrozenEnvironment) -> None:
    environment.settings["general"]["displayName"] = "Renamed in the dashboard"


def add_origin(environment: FrozenEnvironment) -> None:
    environment.origins.append(Origin(id="o-2", origin="https://dashboard.example.com"))


def test_an_unchanged_environment_keeps_the_basis_of_its_plan() -> None:
    environment = FrozenEnvironment()
    planned = plan_stage(environment.client(), STAGE, auth_token_checksum=None)

    again = read_snapshot(environment.client(), ENVIRONMENT, tokens=False)

    assert planned.changes  # the apply below would have something to write
    assert again.digest() == planned.environment_digest


@pytest.mark.parametrize("edit", [edit_settings, edit_outside_security, add_origin])
def test_an_edit_that_leaves_updated_at_is_caught_and_nothing_is_written(
    edit: Callable[[FrozenEnvironment], None],
) -> None:
    environment = FrozenEnvironment()
    planned = plan_stage(environment.client(), STAGE, auth_token_checksum=None)
    edit(environment)

    with pytest.raises(StalePlanError, match="plan again"):
        apply_plan(environment.client(), planned, auth_token_checksum=None)

    assert environment.writes == []
