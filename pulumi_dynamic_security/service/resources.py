"""Plan and apply for one Pulumi resource: a subset of a stage's areas at a time.

The Pulumi providers hold a slice of a stage each (`SecuritySettings`: the settings document;
`AllowedOrigins`: the origin set; `ApiTokenRotation`: one `api_tokens` entry), expressed as an
`EffectiveStage` that manages only those areas. Everything here is built from the functions
the CLI uses (`read_snapshot`, `plan_from_snapshot`, `apply_plan`, `plan.changes_from`), so a
resource and `dynsec apply` decide and write exactly alike. What this
module adds is what a resource needs and a CLI run does not:

* `plan_for_check` — the plan an apply of the resource would start from, for its `check`;
* `declared_changes` — the normalized comparison of two *declared* versions of an area (the
  provider's `diff`: old outputs against new inputs, so `24h` against `1d` is no change);
* `converge` — plan and apply in one step, re-planning when the environment moved between
  the two. Pulumi runs a stack's resources in parallel, and an origin write moves the
  environment's `updatedAt`, so the settings resource of the same environment would
  otherwise meet the stale-plan guard it has no reviewed plan to protect. The guard still
  runs on every attempt, so no read-modify-write can lose a concurrent change;
* `rotate_token` — one entry's rotation, optionally forcing the issue of a successor (a new
  resource must deliver a raw token, and an existing token's raw value cannot be read), and
  settling revocations that the new token makes due;
* `revoke_tokens` — the revocations a deleted `ApiTokenRotation` makes, through the same
  executor (so the self-revocation guard holds);
* `ensure_webhook`, `read_webhook`, `delete_webhook` — one `Webhook` resource's create
  (adopting a live webhook with the same url) and update, refresh and delete;

What the outputs of an `ApiTokenRotation` say about the live tokens is
`rules.token_schedule.rotation_state`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pulumi_dynamic_security import clock
from pulumi_dynamic_security.api.errors import NotFoundError
from pulumi_dynamic_security.api.models import CreatedToken, Token, Webhook
from pulumi_dynamic_security.errors import PolicyBlockedError, StalePlanError
from pulumi_dynamic_security.escaping import echo
from pulumi_dynamic_security.mapping import api_tokens, webhooks
from pulumi_dynamic_security.mapping.changes import Change
from pulumi_dynamic_security.policy.areas import AREAS, ApiTokenPolicy, WebhookPolicy
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.rules.engine import StageReport
from pulumi_dynamic_security.rules.token_notes import managed_by_entry
from pulumi_dynamic_security.rules.token_schedule import RotationState, rotation_state
from pulumi_dynamic_security.service.apply import ApplyResult, Skipped, apply_plan
from pulumi_dynamic_security.service.plan import Plan, changes_from, plan_from_snapshot
from pulumi_dynamic_security.service.snapshot import EventCatalogue, Snapshot, read_for_stage

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient

# How often `converge` re-plans when the environment changed between its read and its write.
STALE_ATTEMPTS = 4
# Rounds of plan+apply in `rotate_token`: issue, then revocations the issue made due, then a
# plan that shows nothing left (its snapshot is the read-back).
_ROTATION_ROUNDS = 3


def declared_changes(before: EffectiveStage, after: EffectiveStage) -> list[Change]:
    """What going from `before` to `after` changes, for the areas `after` manages, by the
    comparison `plan` uses (`plan.changes_from`)."""
    return changes_from(before, after, AREAS)


def blocked_error(plan: Plan) -> PolicyBlockedError:
    """The error for a blocked plan, naming each blocking rule, where, and why."""
    return plan.report.blocked_error(environment=True)


def _apply_fresh(
    client: DynamicClient,
    stage: EffectiveStage,
    build: Callable[[Snapshot], Plan],
    *,
    auth_token_checksum: str | None,
    on_secret_issued: Callable[[str, Any], None] | None = None,
    tokens: bool | None = None,
) -> tuple[Plan, ApplyResult]:
    """Read (the tokens too when `tokens`, by default when the stage manages some), `build`
    the plan, apply it; when `apply_plan` finds that the environment changed since the read
    (it then writes nothing), read and build again (Dynamic's event catalogue, when the stage
    manages webhooks, is read on the first attempt only)."""
    read_tokens = stage.api_tokens is not None if tokens is None else tokens
    catalogue = EventCatalogue()  # the same for every attempt: read once, not once per attempt
    for attempt in range(1, STALE_ATTEMPTS + 1):
        plan = build(read_for_stage(client, stage, tokens=read_tokens, catalogue=catalogue))
        if plan.blocked:
            raise blocked_error(plan)
        try:
            result = apply_plan(
                client, plan, auth_token_checksum=auth_token_checksum,
                on_secret_issued=on_secret_issued,
            )
        except StalePlanError:
            if attempt == STALE_ATTEMPTS:
                raise
            continue
        return plan, result
    raise AssertionError("unreachable: the last attempt returns or raises")


def plan_for_check(
    client: DynamicClient, stage: EffectiveStage, *, auth_token_checksum: str | None
) -> Plan:
    """The plan `converge` or `rotate_token` would start from, against the environment as it
    is now (the same reads): what a provider's `check` judges when it has credentials, so a
    preview fails where the apply would be blocked. Writes nothing."""
    snapshot = read_for_stage(client, stage, tokens=stage.api_tokens is not None)
    return plan_from_snapshot(stage, snapshot, auth_token_checksum=auth_token_checksum)


def converge(
    client: DynamicClient, stage: EffectiveStage, *, auth_token_checksum: str | None
) -> ApplyResult:
    """Make the environment match the areas `stage` manages (settings document and/or
    origins; not tokens): plan against a fresh read and apply, read back and verified.
    A no-op makes no write. Raises PolicyBlockedError when the online rules block."""
    if stage.api_tokens is not None:
        raise ValueError("converge does not rotate tokens; use rotate_token")

    def build(snapshot: Snapshot) -> Plan:
        return plan_from_snapshot(stage, snapshot, auth_token_checksum=auth_token_checksum)

    _, result = _apply_fresh(client, stage, build, auth_token_checksum=auth_token_checksum)
    return result


# -- tokens -----------------------------------------------------------------------------------


@dataclass
class RotationOutcome:
    """What `rotate_token` did, and the entry's state afterwards."""

    state: RotationState
    issued: CreatedToken | None = None  # the raw value is a Secret, delivered once
    revoked: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def single_entry(stage: EffectiveStage) -> ApiTokenPolicy:
    """The one `api_tokens` entry of a token resource's stage."""
    entries = stage.api_tokens or ()
    if len(entries) != 1:
        raise ValueError("a token resource's stage manages exactly one api_tokens entry")
    return entries[0]


def _forced_rotation(plan: Plan, entry: ApiTokenPolicy) -> Plan:
    """`plan` with a rotation of `entry` added when it has none: the change
    `mapping.api_tokens` plans for a due rotation, only not waiting for the due date."""
    if any(c.area == "api_tokens" and c.action == "rotate" for c in plan.changes):
        return plan
    now = plan.snapshot.read_at if plan.snapshot is not None else clock.utc_now()
    entry_tokens = api_tokens.managed_tokens(entry, _tokens_of(plan))
    rotate = api_tokens.rotate_change(
        0, entry, entry_tokens[-1] if entry_tokens else None, now=now
    )
    return replace(plan, changes=[rotate, *plan.changes])


def _revocations_only(plan: Plan) -> Plan:
    """`plan` reduced to its revocations, judged by nothing: a revocation only tightens (a
    predecessor kept for its overlap after a late rotation is overdue, DS503, and must not
    stop the revocations that are due)."""
    return replace(
        plan,
        changes=[c for c in plan.changes if c.action == "revoke"],
        report=StageReport(stage=plan.stage, findings=[]),
    )


def _tokens_of(plan: Plan) -> Sequence[Token]:
    snapshot = plan.snapshot
    return (snapshot.tokens or ()) if snapshot is not None else ()


def rotate_token(
    client: DynamicClient,
    stage: EffectiveStage,
    *,
    current_token_id: str | None,
    force_issue: bool = False,
    auth_token_checksum: str | None,
) -> RotationOutcome:
    """Rotate the single `api_tokens` entry of `stage`: issue a successor when one is due,
    revoke predecessors past their overlap, never the token this run authenticates with.

    `current_token_id` is the token whose raw value the caller holds (None: none). A
    successor is also issued when that token is not the entry's newest managed token (or
    is gone), since the caller could not hand out the newest one, and when `force_issue`
    (new scopes: a token's scopes cannot change). At most one token is issued per call; its
    raw value is in the outcome. The outcome's state comes from a read after the last write.
    """
    entry = single_entry(stage)
    outcome = RotationOutcome(state=RotationState())

    def keep(name: str, created: CreatedToken) -> None:
        outcome.issued = created

    def first(snapshot: Snapshot) -> Plan:
        plan = plan_from_snapshot(stage, snapshot, auth_token_checksum=auth_token_checksum)
        newest = rotation_state(entry, snapshot.tokens or ()).token_id
        if force_issue or newest is None or newest != current_token_id:
            return _forced_rotation(plan, entry)
        return plan

    def settle(snapshot: Snapshot) -> Plan:
        return _revocations_only(
            plan_from_snapshot(stage, snapshot, auth_token_checksum=auth_token_checksum)
        )

    # Round 1 is the plan `apply` would make (judged by the rules), plus a forced issue when
    # the caller cannot hand out the newest token. An issue can make a revocation due at once
    # (overlap 0d), which round 2 carries out; a round that writes nothing ends the loop, and
    # its snapshot is the read-back.
    for round_number in range(_ROTATION_ROUNDS):
        plan, result = _apply_fresh(
            client, stage, first if round_number == 0 else settle,
            auth_token_checksum=auth_token_checksum, on_secret_issued=keep,
        )
        outcome.state = rotation_state(entry, _tokens_of(plan))
        outcome.skipped = list(result.skipped)
        outcome.revoked.extend(
            str(c.before["id"]) for c in result.done
            if c.action == "revoke" and isinstance(c.before, dict)
        )
        if not result.done:  # nothing was due, or only what the guard refuses
            return outcome
    outcome.state = rotation_state(entry, client.list_tokens(stage.environment_id))
    return outcome


def revoke_tokens(
    client: DynamicClient,
    stage: EffectiveStage,
    token_ids: Iterable[str],
    *,
    entry_name: str,
    auth_token_checksum: str | None,
) -> ApplyResult:
    """Revoke those of `token_ids` that still exist in the stage's environment and are
    tokens of entry `entry_name` (their note says so: tokens this tool issued for it),
    through the executor `apply` uses, so the token this run authenticates with is skipped
    (reported in `skipped`), never revoked. Any other token named (a state file edited or
    written by something else may name any token) is left alive and reported in `skipped`
    too. Findings do not stop a revocation: it only ever tightens."""
    wanted = list(dict.fromkeys(token_ids))
    foreign: list[Skipped] = []

    def build(snapshot: Snapshot) -> Plan:
        live = {t.id: t for t in snapshot.tokens or ()}
        own = {t.id for t in managed_by_entry(live.values()).get(entry_name, [])}
        changes: list[Change] = []
        foreign.clear()
        for token_id in wanted:
            if token_id not in live:
                continue
            change = api_tokens.revoke_change(live[token_id], now=snapshot.read_at)
            if token_id in own:
                changes.append(change)
            else:
                foreign.append(Skipped(change, (
                    f"token {token_id} is not a token dynsec issued for entry {echo(entry_name)} "
                    "(its note does not name that entry), so it was not revoked"
                )))
        return Plan(
            stage=stage,
            changes=changes,
            report=StageReport(stage=stage, findings=[]),
            environment_digest=snapshot.digest(),
            snapshot=snapshot,
            created_at=snapshot.read_at,
        )

    _, result = _apply_fresh(
        client, stage, build, auth_token_checksum=auth_token_checksum, tokens=True
    )
    result.skipped.extend(foreign)
    return result


# -- webhooks ---------------------------------------------------------------------------------


@dataclass
class WebhookOutcome:
    """What `ensure_webhook` left: the live webhook (its signing secret read), and whether it
    existed before (adopted) or was created."""

    webhook: Webhook
    adopted: bool


def single_webhook(stage: EffectiveStage) -> WebhookPolicy:
    """The one `webhooks` entry of a webhook resource's stage."""
    entries = stage.webhooks or ()
    if len(entries) != 1:
        raise ValueError("a webhook resource's stage manages exactly one webhooks entry")
    return entries[0]


def ensure_webhook(
    client: DynamicClient, stage: EffectiveStage, *, auth_token_checksum: str | None
) -> WebhookOutcome:
    """Make the stage's single webhook exist as declared, through the executor `apply`
    uses: created when no live webhook has its url (the answer carries the secret), else
    adopted and updated when its events or enabled flag differ, its secret then read back
    (`?includeSecret=true`). The event names are checked against Dynamic's catalogue first."""
    entry = single_webhook(stage)
    created: list[Webhook] = []

    def keep(name: str, answer: Webhook) -> None:
        created.append(answer)

    def build(snapshot: Snapshot) -> Plan:
        return plan_from_snapshot(stage, snapshot, auth_token_checksum=auth_token_checksum)

    plan, _ = _apply_fresh(client, stage, build, auth_token_checksum=auth_token_checksum,
                           on_secret_issued=keep, tokens=False)
    if created:
        return WebhookOutcome(created[-1], adopted=False)
    found = webhooks.matching(plan.snapshot.webhooks or () if plan.snapshot else (), entry.url)
    if not found:
        raise ValueError(f"webhook {entry.url} is neither live nor created")
    return WebhookOutcome(
        client.get_webhook(stage.environment_id, found[0].id, include_secret=True),
        adopted=True,
    )


def read_webhook(client: DynamicClient, environment_id: str, webhook_id: str) -> Webhook | None:
    """One webhook as it is live, with its secret; None when it (or its environment) no
    longer exists."""
    try:
        return client.get_webhook(environment_id, webhook_id, include_secret=True)
    except NotFoundError:
        return None


def delete_webhook(
    client: DynamicClient, environment_id: str, webhook_id: str, *, url: object
) -> str | None:
    """Delete a webhook (what deleting a Pulumi `Webhook` does; the CLI never deletes one),
    but only while it still has `url`, the url the resource's state records: a webhook id
    in a state that was edited may be any webhook of the environment. Returns why it was
    left alive, or None (deleted, or already gone)."""
    try:
        live = client.get_webhook(environment_id, webhook_id)
    except NotFoundError:
        return None
    if webhooks.live_url(live) != url:
        return (f"webhook {webhook_id} has the url {echo(webhooks.live_url(live))}, not "
                f"{echo(url)} as the resource's state says, so it is not the webhook this "
                "resource manages and was not deleted; delete it in the Dynamic dashboard if "
                "nothing uses it")
    client.delete_webhook(environment_id, webhook_id)
    return None
