"""`drift`'s fan-out against the emulator over real HTTP: a stage's reads (four; five for a
production stage, which also reads the test account) go out together, no more than
`concurrency` requests are ever in flight, 429s are waited out without failing the run, and a
budget equal to the server's limit never draws a 429."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import httpx
import pytest

from pulumi_dynamic_security.api import budget as budget_module
from pulumi_dynamic_security.api.budget import RequestBudget
from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.api.config import ClientConfig
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.redaction import Secret
from pulumi_dynamic_security.service.connection import Connection
from pulumi_dynamic_security.service.drift import drift
from tests.support.clients import make_client
from tests.support.ids import ORGANIZATION, UNKNOWN_ENVIRONMENT

pytestmark = pytest.mark.slow


class InFlight(httpx.BaseTransport):
    """httpx's own transport (every request reaches the emulator), counting how many
    requests are in flight at once."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self._lock = threading.Lock()
        self.now = 0
        self.most = 0
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
            self.paths.append(request.url.path)
        try:
            return self._inner.handle_request(request)
        finally:
            with self._lock:
                self.now -= 1

    def close(self) -> None:
        self._inner.close()


@dataclass(frozen=True)
class CountingConnection(Connection):
    """A connection whose clients send through one shared `InFlight` transport."""

    counter: InFlight = field(default_factory=InFlight)

    def client(self, token: Secret) -> DynamicClient:
        config = ClientConfig(token=token, base_url=self.api_url,
                              max_requests_per_minute=self.max_requests_per_minute)
        return DynamicClient(config, transport=self.counter)


def _policy(environment_ids: list[str], *, production: bool = False) -> list[EffectiveStage]:
    stages = "".join(
        f"  s{i:02d}:\n    environment_id: {env}\n    jwt_lifetime: 1d\n"
        f"    production: {'true' if production else 'false'}\n"
        "    allowed_origins: [\"https://app.example.com\"]\n"
        for i, env in enumerate(environment_ids)
    )
    return SecurityPolicy.from_text(f"version: 1\nstages:\n{stages}").select()


def _environments(emulator: EmulatorHandle, projects: int) -> list[str]:
    """The ids of `projects` new projects' environments (two each)."""
    with make_client(emulator) as admin:
        return [
            env.id
            for i in range(projects)
            for env in admin.create_project(ORGANIZATION, f"fan-out {i}").project_environments
            if env.id is not None
        ]


def _env(emulator: EmulatorHandle) -> dict[str, str]:
    return {"DYNAMIC_API_TOKEN": emulator.token}


def test_each_environment_costs_four_gets_and_no_write(emulator: EmulatorHandle) -> None:
    stages = _policy(_environments(emulator, 6))
    emulator.clear_requests()

    report = drift(stages, Connection(emulator.base_url), concurrency=5, environ=_env(emulator))

    assert not report.errors
    assert len(report.plans) == len(stages) == 12
    log = emulator.requests()
    assert {entry["method"] for entry in log} == {"GET"}
    assert len(log) == 4 * len(stages)
    for stage in stages:
        env = stage.environment_id
        assert sorted(e["path"] for e in log if f"/{env}" in e["path"]) == sorted(
            [f"/environments/{env}", f"/environments/{env}/origins",
             f"/environments/{env}/tokens", f"/environments/{env}/webhooks"]
        )


def test_a_production_stage_costs_five_gets_on_live_and_four_on_sandbox(
    emulator: EmulatorHandle,
) -> None:
    with make_client(emulator) as admin:
        project = admin.create_project(ORGANIZATION, "kinds")
    ids = {env.environment_name: env.id for env in project.project_environments}
    text = (f"version: 1\nstages:\n  dev:\n    environment_id: {ids['sandbox']}\n"
            f"  production:\n    environment_id: {ids['live']}\n")
    emulator.clear_requests()

    report = drift(SecurityPolicy.from_text(text).select(), Connection(emulator.base_url),
                   concurrency=8, environ=_env(emulator))

    assert not report.errors
    per_environment = {env: sorted(e["path"] for e in emulator.requests() if f"/{env}" in
                                   e["path"]) for env in ids.values()}
    assert len(per_environment[ids["sandbox"]]) == 4
    assert per_environment[ids["live"]] == sorted(
        f"/environments/{ids['live']}{suffix}"
        for suffix in ("", "/origins", "/tokens", "/webhooks", "/test/account")
    )
    assert {e["method"] for e in emulator.requests()} == {"GET"}


@pytest.mark.parametrize(("production", "reads"), [(False, 4), (True, 5)])
def test_a_stages_reads_are_in_flight_together(
    emulator: EmulatorHandle, production: bool, reads: int
) -> None:
    stages = _policy(_environments(emulator, 1)[:1], production=production)
    emulator.set_faults(latency_ms=300)  # long enough for all of them to overlap
    connection = CountingConnection(emulator.base_url)

    report = drift(stages, connection, concurrency=8, environ=_env(emulator))

    assert len(report.plans) == 1
    assert connection.counter.most == reads


@pytest.mark.parametrize("concurrency", [1, 2, 5])
def test_never_more_requests_in_flight_than_the_concurrency(
    emulator: EmulatorHandle, concurrency: int
) -> None:
    stages = _policy(_environments(emulator, 5))
    emulator.set_faults(latency_ms=20)
    connection = CountingConnection(emulator.base_url)

    report = drift(stages, connection, concurrency=concurrency, environ=_env(emulator))

    assert len(report.plans) == len(stages)
    assert len(connection.counter.paths) == 4 * len(stages)
    assert 1 <= connection.counter.most <= concurrency


def test_a_stage_whose_reads_fail_is_reported_and_the_others_planned(
    emulator: EmulatorHandle,
) -> None:
    environments = _environments(emulator, 2)
    stages = _policy([environments[0], UNKNOWN_ENVIRONMENT, *environments[1:]])

    report = drift(stages, Connection(emulator.base_url), concurrency=3,
                   environ=_env(emulator))

    assert [failure.stage for failure in report.errors] == ["s01"]
    assert "404" in report.errors[0].message or "not found" in report.errors[0].message.lower()
    assert [plan.stage.name for plan in report.plans] == ["s00", "s02", "s03", "s04"]
    assert report.exit_code == 4


def test_429s_are_waited_out_and_every_stage_is_still_planned(emulator: EmulatorHandle) -> None:
    stages = _policy(_environments(emulator, 3))  # 24 reads
    emulator.set_faults(rate_limit=8, rate_window_seconds=1)

    report = drift(stages, Connection(emulator.base_url), concurrency=6,
                   environ=_env(emulator))

    statuses = [entry["status"] for entry in emulator.requests()]
    assert 429 in statuses  # the server did refuse some
    assert not report.errors
    assert len(report.plans) == len(stages)
    assert statuses.count(200) == 4 * len(stages)


def test_a_budget_equal_to_the_server_limit_never_draws_a_429(
    emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The boundary: the client counts a request until its answer is in, the server from
    when it arrives; with both windows one second long and the same limit, request N+1 may
    only leave once request 1 has left the server's window too."""
    limit = 6
    monkeypatch.setattr(budget_module, "_process_budget", RequestBudget(limit, window=1.0))
    stages = _policy(_environments(emulator, 3))  # 24 reads: four windows' worth
    emulator.set_faults(rate_limit=limit, rate_window_seconds=1, latency_ms=5)
    emulator.clear_requests()

    report = drift(stages, Connection(emulator.base_url, max_requests_per_minute=limit),
                   concurrency=4, environ=_env(emulator))

    statuses = [entry["status"] for entry in emulator.requests()]
    assert statuses.count(429) == 0
    assert len(statuses) == 4 * len(stages)
    assert not report.errors
