"""`plan`: what `apply` would change in one stage, and the findings on the effective settings.

The effective settings are the environment as it will be after apply: the declared value
where the stage manages an area, the live value where it does not. The rules judge those,
plus the (live) rules on tokens and the environment as they are now. A (live) finding the
plan resolves (DS503 on a token the plan rotates or revokes) is marked resolved and does not
block the apply that resolves it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pulumi_dynamic_security.diffing import Change, Classifier, compare
from pulumi_dynamic_security.mapping import (
    allowed_origins,
    api_tokens,
    jwt_lifetime,
    mfa,
    token_storage,
)
from pulumi_dynamic_security.policy.stages import MFA_KEYS, Area, EffectiveMfa, EffectiveStage
from pulumi_dynamic_security.rules.base import Finding, Posture
from pulumi_dynamic_security.rules.engine import StageReport, evaluate
from pulumi_dynamic_security.service.snapshot import Basis, Snapshot, read_snapshot

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient

SETTINGS_AREAS: tuple[Area, ...] = ("jwt_lifetime", "token_storage", "mfa")

_CLASSIFIERS: dict[Area, Classifier] = {
    "jwt_lifetime": jwt_lifetime.effect,
    "token_storage": token_storage.effect,
    "mfa": mfa.effect,
    "allowed_origins": allowed_origins.effect,
}


@dataclass
class Plan:
    """One stage's plan: changes, findings, and what it was computed from."""

    stage: EffectiveStage
    changes: list[Change]
    report: StageReport
    basis: Basis
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

    def to_json(self) -> dict[str, Any]:
        """The plan object of SPEC §4."""
        return {
            "stage": self.stage.name,
            "environment_id": self.environment_id,
            "production": self.stage.production,
            "changes": [change.to_json() for change in self.changes],
            "findings": [finding.to_json() for finding in self.findings],
            "blocked": self.blocked,
        }


def changes_from(current: Posture, stage: EffectiveStage, areas: Iterable[Area]) -> list[Change]:
    """The changes that take `current` (values in the policy's words) to what `stage` declares,
    over those of `areas` the stage manages: the one comparison `plan` and the Pulumi
    providers' diff share."""
    live: dict[Area, Any] = {}
    desired: dict[Area, Any] = {}
    managed = [area for area in areas if stage.manages(area)]
    if "jwt_lifetime" in managed:
        live["jwt_lifetime"] = jwt_lifetime.view(current.jwt_lifetime)
        desired["jwt_lifetime"] = jwt_lifetime.view(stage.jwt_lifetime)
    if "token_storage" in managed:
        live["token_storage"] = token_storage.view(current.token_storage)
        desired["token_storage"] = token_storage.view(stage.token_storage)
    if "mfa" in managed and stage.mfa is not None:
        live["mfa"], desired["mfa"] = mfa.views(stage.mfa, current.mfa or EffectiveMfa())
    if "allowed_origins" in managed:
        live["allowed_origins"] = allowed_origins.view(current.allowed_origins or ())
        desired["allowed_origins"] = allowed_origins.view(stage.allowed_origins)
    changes = compare(live, desired, _CLASSIFIERS)
    if "allowed_origins" in managed:
        changes = allowed_origins.with_plan_effects(changes, current.allowed_origins or ())
    return changes


def settings_changes(stage: EffectiveStage, security: dict[str, Any]) -> list[Change]:
    """Changes to the settings document (JWT lifetime, token storage, MFA)."""
    current = Posture(
        jwt_lifetime=jwt_lifetime.from_live(security),
        token_storage=token_storage.from_live(security),
        mfa=mfa.from_live(security),
    )
    return changes_from(current, stage, SETTINGS_AREAS)


def origin_changes(stage: EffectiveStage, snapshot: Snapshot) -> list[Change]:
    """Changes to the allowed origins (one per origin added or removed)."""
    current = Posture(allowed_origins=allowed_origins.from_live(snapshot.origins))
    return changes_from(current, stage, ("allowed_origins",))


def effective_posture(stage: EffectiveStage, security: dict[str, Any],
                      snapshot: Snapshot) -> Posture:
    """The settings as they will be after apply, and which of them are live (unmanaged)."""
    live_keys: set[str] = set()
    live_mfa = mfa.from_live(security)
    declared_mfa = stage.mfa
    if declared_mfa is None:
        effective_mfa = live_mfa
        live_keys.add("mfa")
    else:
        managed = declared_mfa.managed_keys()
        effective_mfa = replace(live_mfa, **{key: getattr(declared_mfa, key) for key in managed})
        live_keys.update(f"mfa.{key}" for key in MFA_KEYS if key not in managed)
    if stage.jwt_lifetime is None:
        live_keys.add("jwt_lifetime")
    if stage.token_storage is None:
        live_keys.add("token_storage")
    if stage.allowed_origins is None:
        live_keys.add("allowed_origins")
    return Posture(
        jwt_lifetime=stage.jwt_lifetime or jwt_lifetime.from_live(security),
        token_storage=stage.token_storage or token_storage.from_live(security),
        mfa=effective_mfa,
        allowed_origins=(
            stage.allowed_origins if stage.allowed_origins is not None
            else allowed_origins.from_live(snapshot.origins)
        ),
        live_keys=frozenset(live_keys),
    )


def plan_from_snapshot(
    stage: EffectiveStage, snapshot: Snapshot, *, auth_token_checksum: str | None
) -> Plan:
    """Plan one stage against an environment already read (pure: no API calls)."""
    security = snapshot.security
    changes = settings_changes(stage, security) + origin_changes(stage, snapshot)
    if stage.api_tokens is not None and snapshot.tokens is not None:
        changes += api_tokens.rotation_changes(
            stage.api_tokens, snapshot.tokens, now=snapshot.read_at
        )
    resolved_tokens = api_tokens.tokens_resolved_by(changes)
    report = evaluate(
        stage,
        posture=effective_posture(stage, security, snapshot),
        live=snapshot.live_facts(auth_token_checksum),
        today=snapshot.read_at.date(),
        resolved=lambda f: f.rule == "DS503" and f.value in resolved_tokens,
    )
    return Plan(
        stage=stage,
        changes=changes,
        report=report,
        basis=snapshot.basis(),
        snapshot=snapshot,
        created_at=snapshot.read_at,
        environment_name=snapshot.environment_name,
    )


def plan_stage(
    client: DynamicClient, stage: EffectiveStage, *, auth_token_checksum: str | None
) -> Plan:
    """Read the stage's environment (3 GETs, plus hostnames for DS302) and plan it."""
    snapshot = read_snapshot(
        client, stage.environment_id, cookie_storage_declared=stage.token_storage == "cookie"
    )
    return plan_from_snapshot(stage, snapshot, auth_token_checksum=auth_token_checksum)
