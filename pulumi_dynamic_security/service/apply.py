"""`apply`: carry out a plan's changes, safely, then read back and verify (docs/apply.md).

The promises, and where each is kept:

* **Minimal writes** — only the plan's changes are made; the settings document is written
  (one PUT) only when a settings change is planned; one added origin is one POST.
* **Never clobber** — the PUT body is the document as re-read just before writing, with
  only the planned `security` fields changed (each area's `SettingsArea.write`). When
  records were written first (origins added), the document is read once more right before
  the PUT and the PUT is refused (exit 5) if it changed meanwhile. What is left is one round
  trip (that last read, then the PUT) in which a concurrent edit would be overwritten:
  Dynamic has no conditional PUT, so no client can close it (SECURITY.md).
* **Never open the door** — origins are added before the document and removed after it
  (`EndpointArea.before_document`), so the list never passes through empty.
* **Stale plan** — the environment is re-read right before writing; if its `updatedAt`, its
  settings or its origins differ from what the plan saw, or what the plan would do was done
  meanwhile (`EndpointArea.overtaken`), nothing is written (`StalePlanError`, exit 5).
* **Converge** — after writing, the environment is read back and every change checked; any
  failure leaves a state from which a new plan continues; the client never duplicates an
  origin or a token on a retried POST.
* **Secrets shown once** — a new raw token, or a new webhook's signing secret, is handed to
  `on_secret_issued` right after it is made, before anything else happens (a plan that would
  make one is refused before any write when nobody can receive it); the token this run
  authenticates with is never revoked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pulumi_dynamic_security.errors import DynamicApiError, InputError, StalePlanError
from pulumi_dynamic_security.mapping import registry, writable_mapping
from pulumi_dynamic_security.mapping.area import AreaMapping, EndpointArea, SettingsArea
from pulumi_dynamic_security.mapping.changes import Change
from pulumi_dynamic_security.policy.areas import Area
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.service.plan import Plan
from pulumi_dynamic_security.service.snapshot import Snapshot, read_snapshot

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient

# Receives each secret the API shows once: (name, the answer that carries it: a
# `CreatedToken`, or a `Webhook` under `webhook:<name>`).
SecretSink = Callable[[str, Any], None]
Progress = Callable[[str], None]


class ChangeNotKeptError(DynamicApiError):
    """Dynamic accepted the writes but reading back shows a change that did not stick."""


@dataclass(frozen=True)
class Skipped:
    change: Change
    reason: str


@dataclass
class ApplyResult:
    """What an apply did: changes made, changes deliberately left undone, secrets issued."""

    plan: Plan
    done: list[Change] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # (name, id) of each secret delivered: a token's entry name, or `webhook:<name>`
    issued: list[tuple[str, str]] = field(default_factory=list)
    writes: int = 0


@dataclass
class _Writer:
    """The executor's side of the endpoint areas' writes (`mapping.area.EndpointWriter`)."""

    client: DynamicClient
    fresh: Snapshot
    result: ApplyResult
    auth_token_checksum: str | None
    on_secret_issued: SecretSink | None
    say: Progress

    @property
    def stage(self) -> EffectiveStage:
        return self.result.plan.stage

    def records(self, area: Area) -> tuple[Any, ...]:
        return self.fresh.records(area) or ()

    def done(self, change: Change, writes: int) -> None:
        self.result.done.append(change)
        self.result.writes += writes

    def skipped(self, change: Change, reason: str) -> None:
        self.result.skipped.append(Skipped(change, reason))

    def deliver(self, name: str, created: Any) -> None:
        assert self.on_secret_issued is not None  # checked before any write
        self.on_secret_issued(name, created)
        self.result.issued.append((name, created.id))


def apply_plan(
    client: DynamicClient,
    plan: Plan,
    *,
    auth_token_checksum: str | None,
    on_secret_issued: SecretSink | None = None,
    progress: Progress | None = None,
) -> ApplyResult:
    """Make `plan`'s changes. Raises PolicyBlockedError (exit 1) when the plan is blocked,
    InputError when a secret would be made (a rotation, a new webhook) and nobody can
    receive it, StalePlanError
    (exit 5) when the environment changed since the plan, ChangeNotKeptError (exit 4) when
    reading back shows a change that did not stick."""
    say = progress or (lambda message: None)
    result = ApplyResult(plan)
    if plan.blocked:
        raise plan.report.blocked_error()
    if not plan.changes:
        return result
    if on_secret_issued is None and secret_changes(plan):
        raise InputError("The plan makes a secret that is shown only once (a new API token or "
                         "a new webhook's signing secret), and it would have nowhere to go.",
                         hint="Pass --secrets-out FILE.")

    fresh = _reread(client, plan)
    writer = _Writer(client, fresh, result, auth_token_checksum, on_secret_issued, say)
    before = _endpoint_changes(plan, first=True)
    for area, change in before:  # e.g. origins added: never an empty list on the way
        area.write(change, writer)
    settings = [(a, c) for a in registry.SETTINGS for c in plan.changes if c.area == a.name]
    if settings:
        say(f"writing the settings document ({len(settings)} change(s))")
        if before:
            # The PUT replaces the whole document: read it again right before, so that an
            # edit made while the records were written is refused, not overwritten.
            _refuse_settings_changed_meanwhile(client, plan, fresh, written=before)
        _write_document(client, plan, fresh, settings)
        result.done.extend(change for _, change in settings)
        result.writes += 1
    for area, change in _endpoint_changes(plan, first=False):
        area.write(change, writer)
    _verify(client, plan, result)
    return result


def secret_changes(plan: Plan) -> list[Change]:
    """The changes whose write makes a secret the API shows once (docs/apply.md#rotation)."""
    return [
        change for area in registry.ENDPOINTS for change in plan.changes
        if change.area == area.name and area.delivers_secret(change)
    ]


def _endpoint_changes(plan: Plan, *, first: bool) -> list[tuple[EndpointArea, Change]]:
    """The endpoint areas' changes written before (`first`) or after the settings document,
    area by area, each area's in its own write order."""
    return [
        (area, change)
        for area in registry.ENDPOINTS
        for change in sorted(
            (c for c in plan.changes if c.area == area.name), key=area.write_order
        )
        if area.before_document(change) is first
    ]


def _write_document(client: DynamicClient, plan: Plan, fresh: Snapshot,
                    settings: list[tuple[SettingsArea, Change]]) -> None:
    document = fresh.environment.settings_copy()
    security = writable_mapping(document, "security")
    for area, change in sorted(settings, key=lambda pair: (pair[0].write_order(pair[1]),
                                                           pair[1].path)):
        area.write(security, change)
    client.update_settings(plan.environment_id, document)


def _reread(client: DynamicClient, plan: Plan) -> Snapshot:
    """Read settings and origins again (and tokens or webhooks when the plan writes them)
    and refuse a stale plan."""
    fresh = read_snapshot(
        client, plan.environment_id, tokens=_writes(plan, "api_tokens"),
        webhooks=_writes(plan, "webhooks"), webhooks_required=True,
    )
    changed = plan.environment_digest.what_changed(fresh.digest())
    if changed is not None:
        raise StalePlanError(
            f"The {changed} of stage {plan.stage.name!r} (environment {plan.environment_id}) "
            "changed since the plan was made; nothing was written.",
        )
    # Token writes do not move `updatedAt`, so the digest cannot tell a rotation made since.
    for area in registry.ENDPOINTS:
        overtaken = area.overtaken(plan.changes, plan.stage, fresh.records(area.name) or ())
        if overtaken is not None:
            raise StalePlanError(f"{overtaken} since the plan was made; nothing was written.")
    return fresh


def _refuse_settings_changed_meanwhile(
    client: DynamicClient, plan: Plan, fresh: Snapshot, *, written: list[tuple[Any, Change]]
) -> None:
    """StalePlanError (exit 5) when the settings document differs from the one re-read
    before the first write (origin writes move `updatedAt`, so the document is compared)."""
    if client.get_environment(plan.environment_id).settings != fresh.settings:
        raise StalePlanError(
            f"The settings of stage {plan.stage.name!r} (environment {plan.environment_id}) "
            f"changed while apply was adding {len(written)} origin(s); those origins were "
            "added, the settings document was not written (it would have overwritten that "
            "change).",
        )


def _verify(client: DynamicClient, plan: Plan, result: ApplyResult) -> None:
    """Read back and check that no change we made is still pending."""
    touched = [c for c in result.done if _read_back(registry.area(c.area))]
    if not touched:
        return
    readback = read_snapshot(client, plan.environment_id, tokens=False,
                             webhooks=_writes(plan, "webhooks"), webhooks_required=True)
    # Each change is checked on its own (not against the policy), so a saved plan applied
    # with `--plan` is verified for exactly what it did.
    not_kept = [c for c in touched if not _kept(registry.area(c.area), readback, c)]
    if not_kept:
        listing = "; ".join(f"{c.path} {c.action} {c.after or c.before}" for c in not_kept)
        raise ChangeNotKeptError(
            f"Dynamic accepted the writes to stage {plan.stage.name!r} but reading back shows "
            f"changes that did not stick: {listing}.",
            hint="Run plan to see the current state; if it persists, Dynamic may be refusing "
            "the value silently.",
        )


def _writes(plan: Plan, area: Area) -> bool:
    return any(change.area == area for change in plan.changes)


def _read_back(area: AreaMapping) -> bool:
    return not isinstance(area, EndpointArea) or area.read_back


def _kept(area: AreaMapping, readback: Snapshot, change: Change) -> bool:
    if isinstance(area, SettingsArea):
        return area.is_kept(readback.security, change)
    assert isinstance(area, EndpointArea)
    return area.is_kept(readback.records(area.name) or (), change)
