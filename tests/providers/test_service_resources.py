"""`service/resources.py` against the emulator, in process: re-planning when a parallel
resource moved the environment, forced issues, settling revocations, the guard."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.api.config import ClientConfig, RetryPolicy
from pulumi_dynamic_security.api.models import ProjectEnvironment
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.errors import StalePlanError
from pulumi_dynamic_security.redaction import Secret
from pulumi_dynamic_security.service.resources import (
    STALE_ATTEMPTS,
    converge,
    revoke_tokens,
    rotate_token,
)
from tests.support.ids import LIVE
from tests.support.log import writes
from tests.support.policies import policy_text, stage_of
from tests.support.tokens import plant

pytestmark = pytest.mark.slow

SCOPES = ["environment.settings.read", "environment.settings.write"]


class RacingClient(DynamicClient):
    """A client that lets a parallel writer add an origin just before chosen environment reads
    (the re-read `apply` makes right before writing is every second read)."""

    def __init__(self, config: ClientConfig, other: DynamicClient, race_on: set[int]):
        super().__init__(config)
        self.other, self.race_on, self.reads = other, race_on, 0
        self.counter = itertools.count(1)

    def get_environment(self, environment_id: str) -> ProjectEnvironment:
        self.reads += 1
        if self.reads in self.race_on:
            self.other.add_origin(environment_id, f"https://parallel-{next(self.counter)}.example")
        return super().get_environment(environment_id)


JWT_ONLY = policy_text(LIVE, "    jwt_lifetime: 2h\n")
TOKEN_ZERO_OVERLAP = policy_text(LIVE, (
    "    api_tokens:\n"
    "      - name: ci-deployer\n"
    f"        scopes: [{', '.join(SCOPES)}]\n"
    "        rotate_every: 90d\n"
    "        overlap: 0d\n"
))


@pytest.fixture
def config(emu: EmulatorHandle) -> ClientConfig:
    return ClientConfig(token=Secret(emu.token), base_url=emu.base_url,
                        retry=RetryPolicy(max_attempts=1))


@pytest.fixture
def other(config: ClientConfig) -> Iterator[DynamicClient]:
    with DynamicClient(config) as client:
        yield client


def test_converge_replans_when_a_parallel_write_moved_the_environment(
    emu: EmulatorHandle, config: ClientConfig, other: DynamicClient
) -> None:
    racing = RacingClient(config, other, race_on={2})  # just before apply's re-read
    with racing:
        result = converge(racing, stage_of(JWT_ONLY), auth_token_checksum=None)
    assert result.writes == 1
    security = other.get_environment(LIVE).settings["security"]
    assert security["jwtDuration"] == {"amount": 2, "unit": "hours"}
    # the parallel writer's origin survived: nothing was clobbered
    assert "https://parallel-1.example" in {o.origin for o in other.list_origins(LIVE)}


def test_converge_gives_up_when_the_environment_keeps_moving(
    emu: EmulatorHandle, config: ClientConfig, other: DynamicClient
) -> None:
    racing = RacingClient(config, other, race_on=set(range(2, 2 * STALE_ATTEMPTS + 1, 2)))
    with racing, pytest.raises(StalePlanError):
        converge(racing, stage_of(JWT_ONLY), auth_token_checksum=None)
    assert [w for w in writes(emu) if w[0] == "PUT"] == []  # never wrote on a stale read


def test_forced_issue_with_zero_overlap_revokes_the_predecessor_in_the_same_call(
    emu: EmulatorHandle, other: DynamicClient
) -> None:
    held_elsewhere = plant(emu, "ci-deployer", age_days=1, scopes=SCOPES)
    outcome = rotate_token(other, stage_of(TOKEN_ZERO_OVERLAP), current_token_id=None,
                           auth_token_checksum=None)
    assert outcome.issued is not None
    assert outcome.state.token_id == outcome.issued.id
    assert outcome.revoked == [held_elsewhere.id]
    assert outcome.state.previous_token_id is None
    assert held_elsewhere.id not in {t.id for t in other.list_tokens(LIVE)}


def test_nothing_due_and_token_held_issues_nothing(emu: EmulatorHandle,
                                                   other: DynamicClient) -> None:
    stage = stage_of(TOKEN_ZERO_OVERLAP)
    first = rotate_token(other, stage, current_token_id=None, auth_token_checksum=None)
    assert first.issued is not None
    emu.clear_requests()
    again = rotate_token(other, stage, current_token_id=first.issued.id,
                         auth_token_checksum=None)
    assert again.issued is None and again.state.token_id == first.issued.id
    assert writes(emu) == []


def test_revoke_tokens_skips_the_token_in_use(emu: EmulatorHandle, other: DynamicClient) -> None:
    planted = plant(emu, "ci-deployer", scopes=SCOPES)
    result = revoke_tokens(other, stage_of(TOKEN_ZERO_OVERLAP), [planted.id, "no-such-id"],
                           entry_name="ci-deployer",
                           auth_token_checksum=planted.checksum)
    assert [s.change.before["id"] for s in result.skipped] == [planted.id]
    assert planted.id in {t.id for t in other.list_tokens(LIVE)}
