"""`drift`: plan every stage concurrently and summarise (docs/cli.md#commands).

Two thread pools share one client per distinct API token. `concurrency` stage workers each
take a stage, send its reads (settings, origins, tokens, webhooks, and the test account of
a production stage) at once through the read pool, and plan it when they are in; the read
pool's `concurrency` threads only send and receive, so `concurrency` requests stay in flight
while planning (CPU) happens beside them, and a stage costs one round trip of waiting
instead of one per read. Dynamic's event catalogue is read once for the whole run
(`EventCatalogue`), by the first stage that manages webhooks. The process-wide request
budget keeps the whole fan-out under the configured requests per minute, and the client
backs off on 429. A stage that fails is reported in `errors` with its own message; the
others are still planned. A plan keeps no snapshot, so memory stays flat over many
environments. The live findings come from the same reads (no request of their own), and
`progress`, when given, hears of each stage as it is done (the CLI shows it on a terminal).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pulumi_dynamic_security.errors import DynsecError
from pulumi_dynamic_security.exit_codes import ExitCode, combine
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.redaction import Secret
from pulumi_dynamic_security.service.connection import Connection
from pulumi_dynamic_security.service.plan import (
    PLAN_JSON_VERSION,
    BasePolicy,
    Plan,
    plan_from_snapshot,
)
from pulumi_dynamic_security.service.snapshot import EventCatalogue, read_for_stage

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient

DEFAULT_CONCURRENCY = 8
DRIFT_JSON_VERSION = PLAN_JSON_VERSION  # the drift object carries plan objects of that version


@dataclass(frozen=True)
class StageFailure:
    stage: str
    message: str
    exit_code: ExitCode

    def to_json(self) -> dict[str, Any]:
        return {"stage": self.stage, "message": self.message}


@dataclass
class DriftReport:
    plans: list[Plan] = field(default_factory=list)
    errors: list[StageFailure] = field(default_factory=list)

    @property
    def drifted(self) -> list[str]:
        return [plan.stage.name for plan in self.plans if plan.changes]

    @property
    def exposed(self) -> list[str]:
        """The stages with an unwaived live error (never part of the exit code)."""
        return [plan.stage.name for plan in self.plans if plan.exposed]

    @property
    def exit_code(self) -> ExitCode:
        return combine(
            ExitCode.PENDING if self.drifted else ExitCode.OK,
            ExitCode.BLOCKED if any(plan.blocked for plan in self.plans) else ExitCode.OK,
            *(failure.exit_code for failure in self.errors),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "version": DRIFT_JSON_VERSION,
            "stages": [plan.to_json() for plan in self.plans],
            "drifted": self.drifted,
            "exposed": self.exposed,
            "errors": [failure.to_json() for failure in self.errors],
        }


# Told of each stage as it is done: (stages done, stages in all, the stage's outcome).
DriftProgress = Callable[[int, int, Plan | StageFailure], None]


class _Clients:
    """The token of each `token_env`, read once (not once per stage: with `--token-file`
    that would be a file read per environment), and one client per distinct token, created
    on first use and closed at the end."""

    def __init__(self, connection: Connection, environ: Mapping[str, str] | None):
        self._connection = connection
        self._environ = environ
        self._tokens: dict[str, Secret] = {}
        self._clients: dict[Secret, DynamicClient] = {}
        self._lock = threading.Lock()

    def for_stage(self, stage: EffectiveStage) -> tuple[Secret, DynamicClient]:
        """The stage's token and its client; InputError when the token is missing."""
        with self._lock:
            token = self._tokens.get(stage.token_env)
            if token is None:
                token = self._connection.token(stage.token_env, self._environ)
                self._tokens[stage.token_env] = token
            client = self._clients.get(token)
            if client is None:
                client = self._connection.client(token)
                self._clients[token] = client
            return token, client

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def drift(
    stages: Sequence[EffectiveStage],
    connection: Connection,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    environ: Mapping[str, str] | None = None,
    base: BasePolicy | None = None,
    progress: DriftProgress | None = None,
) -> DriftReport:
    """Plan every stage in `stages`; never raises for one stage's failure. With `base`,
    each change says whether the pull request makes it (`Change.origin`)."""
    clients = _Clients(connection, environ)
    workers = max(1, concurrency)
    catalogue = EventCatalogue()  # read once per run, by the first stage that needs it
    done = 0
    told = threading.Lock()

    def plan_one(stage: EffectiveStage, reads: ThreadPoolExecutor) -> Plan | StageFailure:
        outcome = _plan_one(stage, reads)
        if progress is not None:
            nonlocal done
            with told:  # one report at a time, counted in the order stages finish
                done += 1
                progress(done, len(stages), outcome)
        return outcome

    def _plan_one(stage: EffectiveStage, reads: ThreadPoolExecutor) -> Plan | StageFailure:
        try:
            token, client = clients.for_stage(stage)
            # What `plan_stage` does, with the reads sent together through `reads`.
            snapshot = read_for_stage(client, stage, pool=reads, catalogue=catalogue)
            plan = plan_from_snapshot(stage, snapshot, auth_token_checksum=token.checksum,
                                      base=base)
        except DynsecError as exc:
            return StageFailure(stage.name, exc.render(), exc.exit_code)
        plan.snapshot = None  # keep memory flat over many environments
        return plan

    report = DriftReport()
    try:
        with ThreadPoolExecutor(workers, thread_name_prefix="dynsec-read") as reads, \
                ThreadPoolExecutor(workers, thread_name_prefix="dynsec-plan") as planners:
            for outcome in planners.map(lambda stage: plan_one(stage, reads), stages):
                if isinstance(outcome, StageFailure):
                    report.errors.append(outcome)
                else:
                    report.plans.append(outcome)
    finally:
        clients.close()
    return report
