"""`plan`: what `apply` would change in one stage, and the findings on the effective settings.

The effective settings are the environment as it will be after apply: the declared value
where the stage manages an area, the live value where it does not. The rules judge those,
plus the (live) rules on tokens and the environment as they are now. A (live) finding the
plan resolves (DS503 on a token the plan rotates or revokes) is marked resolved and does not
block the apply that resolves it (docs/rules.md#resolved-by-the-plan). Every area is planned
by its module in the registry (`mapping/registry.py`).

The same read also gives the live findings: the rules on the environment as it is now, every
area read live, managed or not (docs/rules.md#live-findings). They never block; a stage with
an unwaived live error is *exposed*. With a base policy (`--base-policy`, the policy before the
pull request), each change says whether the pull request makes it or the live value moved
outside the policy (`origin`, docs/cli.md#the-pull-request-apart-from-drift).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pulumi_dynamic_security.mapping import registry, webhooks
from pulumi_dynamic_security.mapping.changes import Change
from pulumi_dynamic_security.policy.areas import AREAS, Area, AreaValues
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.rules.base import Finding, JudgedSettings
from pulumi_dynamic_security.rules.engine import StageReport, evaluate
from pulumi_dynamic_security.service.snapshot import (
    EnvironmentDigest,
    EventCatalogue,
    Snapshot,
    read_for_stage,
)

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient

PLAN_JSON_VERSION = 2  # 2: `version`, `live_findings`, `exposed`; `live_effect`, `origin`


@dataclass(frozen=True)
class BasePolicy:
    """The policy a pull request starts from (`--base-policy`): its stages by name."""

    stages: Mapping[str, EffectiveStage]

    def of(self, stage: EffectiveStage) -> EffectiveStage | None:
        """The base's version of `stage`; None when the base has no such stage, or has it
        on another environment (the stage is then new in the pull request)."""
        base = self.stages.get(stage.name)
        return base if base is not None and base.environment_id == stage.environment_id else None


@dataclass
class Plan:
    """One stage's plan: changes, findings, and what it was computed from."""

    stage: EffectiveStage
    changes: list[Change]
    report: StageReport
    environment_digest: EnvironmentDigest
    snapshot: Snapshot | None = field(default=None, repr=False)
    created_at: datetime | None = None
    environment_name: str | None = None  # `sandbox` or `live` as read; None from a saved plan

    @property
    def environment_id(self) -> str:
        return self.stage.environment_id

    @property
    def blocked(self) -> bool:
        return self.report.blocked

    @property
    def findings(self) -> list[Finding]:
        return self.report.findings

    @property
    def live_findings(self) -> list[Finding]:
        return self.report.live_findings

    @property
    def exposed(self) -> bool:
        """True when an unwaived live finding is an error (never blocks)."""
        return self.report.exposed

    def to_json(self) -> dict[str, Any]:
        """The plan object of docs/cli.md#output-formats."""
        return {
            "version": PLAN_JSON_VERSION,
            "stage": self.stage.name,
            "environment_id": self.environment_id,
            "production": self.stage.production,
            "changes": [change.to_json() for change in self.changes],
            "findings": [finding.to_json() for finding in self.findings],
            "live_findings": [finding.to_json() for finding in self.live_findings],
            "exposed": self.exposed,
            "blocked": self.blocked,
        }


def changes_from(current: AreaValues, stage: EffectiveStage, areas: Iterable[Area]) -> list[Change]:
    """The changes that take `current` (values in the policy's words) to what `stage` declares,
    over those of `areas` the stage manages and compares by value: the one comparison `plan`
    and the Pulumi providers' diff share."""
    wanted = set(areas)
    return [
        change
        for area in registry.COMPARED if area.name in wanted and stage.manages(area.name)
        for change in area.compared(stage.value(area.name), current.value(area.name))
    ]


def live_values(snapshot: Snapshot) -> AreaValues:
    """Every area's live value, in the policy's words."""
    security = snapshot.security
    values: dict[str, Any] = {area.name: area.from_live(security) for area in registry.SETTINGS}
    values.update({
        area.name: area.from_live(records) if (records := snapshot.records(area.name)) is not None
        else None
        for area in registry.ENDPOINTS
    })
    return AreaValues(**values)


def settings_changes(stage: EffectiveStage, security: dict[str, Any]) -> list[Change]:
    """Changes to the settings document (its areas only)."""
    current = AreaValues(**{area.name: area.from_live(security) for area in registry.SETTINGS})
    return changes_from(current, stage, (area.name for area in registry.SETTINGS))


def effective_settings(stage: EffectiveStage, live: AreaValues) -> JudgedSettings:
    """The settings as they will be after apply, and which of them are live (unmanaged)."""
    values: dict[str, Any] = {}
    live_keys: set[str] = set()
    for area in registry.ALL:
        values[area.name], from_live = area.after_apply(stage.value(area.name),
                                                        live.value(area.name))
        live_keys |= from_live
    return JudgedSettings(**values, live_keys=frozenset(live_keys))


def live_settings(live: AreaValues) -> JudgedSettings:
    """The environment as it is now, as the rules judge it: every area read live."""
    return JudgedSettings(**live.area_values(), live_keys=frozenset(AREAS))


def planned_changes(stage: EffectiveStage, snapshot: Snapshot) -> list[Change]:
    """What apply would change to make the environment read in `snapshot` match `stage`."""
    changes = settings_changes(stage, snapshot.security)
    for area in registry.ENDPOINTS:
        records = snapshot.records(area.name)
        if stage.manages(area.name) and records is not None:
            changes += area.plan(stage.value(area.name), records, now=snapshot.read_at)
    return changes


def with_origins(changes: list[Change], base: EffectiveStage | None,
                 snapshot: Snapshot) -> list[Change]:
    """`changes` (of the head policy) each marked `policy` or `drift`: `drift` when the base
    policy plans the very same change against the same environment (both declare the same
    value there, so the live value moved), `policy` otherwise (the pull request changes that
    path; every change of a stage new in the pull request)."""
    if base is None:
        return [change.with_origin("policy") for change in changes]
    agreed = planned_changes(base, snapshot)  # a list: a token change holds dicts
    return [change.with_origin("drift" if change in agreed else "policy") for change in changes]


def plan_from_snapshot(
    stage: EffectiveStage, snapshot: Snapshot, *, auth_token_checksum: str | None,
    base: BasePolicy | None = None,
) -> Plan:
    """Plan one stage against an environment already read (pure: no API calls); with
    `base`, each change says whether the pull request makes it (`origin`). An event name of
    the stage's webhooks that Dynamic's catalogue (when read) lacks is an input error (exit
    3), before anything could be written."""
    if stage.webhooks and snapshot.event_names is not None:
        unknown = webhooks.unknown_events(stage, snapshot.event_names)
        if unknown is not None:
            raise unknown
    live = live_values(snapshot)
    changes = planned_changes(stage, snapshot)
    if base is not None:
        changes = with_origins(changes, base.of(stage), snapshot)
    report = evaluate(
        stage,
        settings=effective_settings(stage, live),
        live=snapshot.live_facts(auth_token_checksum),
        today=snapshot.read_at.date(),
        resolved=lambda f: any(area.resolves(f, changes) for area in registry.ENDPOINTS),
        now=live_settings(live),
    )
    return Plan(
        stage=stage,
        changes=changes,
        report=report,
        environment_digest=snapshot.digest(),
        snapshot=snapshot,
        created_at=snapshot.read_at,
        environment_name=snapshot.environment_name,
    )


def plan_stage(
    client: DynamicClient, stage: EffectiveStage, *, auth_token_checksum: str | None,
    base: BasePolicy | None = None,
    catalogue: EventCatalogue | None = None,
) -> Plan:
    """Read the stage's environment (`read_for_stage`: 4 GETs, the test account for a
    production stage, hostnames for DS302, the event catalogue when it manages webhooks)
    and plan it."""
    snapshot = read_for_stage(client, stage, catalogue=catalogue)
    return plan_from_snapshot(stage, snapshot, auth_token_checksum=auth_token_checksum,
                              base=base)
