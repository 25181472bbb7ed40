"""`apply`: carry out a plan's changes, safely, then read back and verify (SPEC §5).

The promises, and where each is kept:

* **Minimal writes** — only the plan's changes are made; the settings document is written
  (one PUT) only when a settings change is planned; one added origin is one POST.
* **Never clobber** — the PUT body is the document as re-read just before writing, with
  only the planned `security` fields changed (`mapping/<area>.apply_change`). When origins
  were added first, the document is read once more right before the PUT and the PUT is
  refused (exit 5) if it changed meanwhile. What is left is one round trip (that last read,
  then the PUT) in which a concurrent edit would be overwritten: Dynamic has no conditional
  PUT, so no client can close it (SECURITY.md).
* **Never open the door** — origins are added before extras are removed.
* **Stale plan** — the environment is re-read right before writing; if its `updatedAt`, its
  settings or its origins differ from what the plan saw, nothing is written
  (`StalePlanError`, exit 5).
* **Converge** — after writing, the environment is read back and every change checked; any
  failure leaves a state from which a new plan continues; the client never duplicates an
  origin or a token on a retried POST.
* **Rotation** — a new raw token is handed to `on_token_issued` right after it is issued,
  before anything else happens; the token this run authenticates with is never revoked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pulumi_dynamic_security import clock
from pulumi_dynamic_security.api.models import CreatedToken
from pulumi_dynamic_security.diffing import Change
from pulumi_dynamic_security.errors import (
    DynamicApiError,
    InputError,
    PolicyBlockedError,
    StalePlanError,
)
from pulumi_dynamic_security.mapping import (
    allowed_origins,
    api_tokens,
    jwt_lifetime,
    mfa,
    token_storage,
    writable_mapping,
)
from pulumi_dynamic_security.policy.models import ApiTokenPolicy
from pulumi_dynamic_security.rules.token_notes import build_note
from pulumi_dynamic_security.service.plan import SETTINGS_AREAS, Plan
from pulumi_dynamic_security.service.snapshot import Snapshot, read_snapshot

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient

TokenSink = Callable[[str, CreatedToken], None]
Progress = Callable[[str], None]

_SETTINGS_WRITERS = {
    "jwt_lifetime": jwt_lifetime.apply_change,
    "token_storage": token_storage.apply_change,
    "mfa": mfa.apply_change,
}
_SETTINGS_CHECKS = {
    "jwt_lifetime": jwt_lifetime.holds,
    "token_storage": token_storage.holds,
    "mfa": mfa.holds,
}


class ChangeNotKeptError(DynamicApiError):
    """Dynamic accepted the writes but reading back shows a change that did not stick."""


@dataclass(frozen=True)
class Skipped:
    change: Change
    reason: str


@dataclass
class ApplyResult:
    """What an apply did: changes made, changes deliberately left undone, tokens issued."""

    plan: Plan
    done: list[Change] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    issued: list[tuple[str, str]] = field(default_factory=list)  # (entry name, token id)
    writes: int = 0


def apply_plan(
    client: DynamicClient,
    plan: Plan,
    *,
    auth_token_checksum: str | None,
    on_token_issued: TokenSink | None = None,
    progress: Progress | None = None,
) -> ApplyResult:
    """Make `plan`'s changes. Raises PolicyBlockedError (exit 1) when the plan is blocked,
    InputError when a rotation is due and nobody can receive the new token, StalePlanError
    (exit 5) when the environment changed since the plan, ChangeNotKeptError (exit 4) when
    reading back shows a change that did not stick."""
    say = progress or (lambda message: None)
    result = ApplyResult(plan)
    if plan.blocked:
        blocking = sorted({f.rule for f in plan.findings if f.blocks})
        raise PolicyBlockedError(
            f"Stage {plan.stage.name!r} is blocked by {', '.join(blocking)}; nothing was written.",
            hint="Fix the policy, or add a waiver with a reason and an expiry.",
        )
    if not plan.changes:
        return result
    if on_token_issued is None and any(c.action == "rotate" for c in plan.changes):
        raise InputError("A token rotation is due, and the new token would have nowhere to go.",
                         hint="Pass --secrets-out FILE.")

    fresh = _reread(client, plan)
    _refuse_overtaken_rotations(plan, fresh)
    adds = [c for c in plan.changes if c.area == "allowed_origins" and c.action == "add"]
    removes = [c for c in plan.changes if c.area == "allowed_origins" and c.action == "remove"]
    settings = [c for c in plan.changes if c.area in SETTINGS_AREAS]
    tokens = [c for c in plan.changes if c.area == "api_tokens"]

    for change in adds:  # before any removal: never an empty list on the way
        say(f"adding origin {change.after}")
        client.add_origin(plan.environment_id, change.after)
        result.done.append(change)
        result.writes += 1
    if settings:
        say(f"writing the settings document ({len(settings)} change(s))")
        if adds:
            # The PUT replaces the whole document: read it again right before, so that an
            # edit made while the origins were added is refused, not overwritten.
            _refuse_settings_changed_meanwhile(client, plan, fresh, added=len(adds))
        document = fresh.environment.settings_copy()
        security = writable_mapping(document, "security")
        for change in sorted(settings, key=_write_order):
            _SETTINGS_WRITERS[change.area](security, change)
        client.update_settings(plan.environment_id, document)
        result.done.extend(settings)
        result.writes += 1
    for change in removes:
        for origin_id in allowed_origins.ids_to_delete(fresh.origins, change.before):
            say(f"removing origin {change.before}")
            client.delete_origin(origin_id)
            result.writes += 1
        result.done.append(change)
    _apply_tokens(client, plan, fresh, tokens, result, auth_token_checksum=auth_token_checksum,
                  on_token_issued=on_token_issued, say=say)
    _verify(client, plan, result)
    return result


def _reread(client: DynamicClient, plan: Plan) -> Snapshot:
    """Read settings and origins again (and tokens when rotating) and refuse a stale plan."""
    needs_tokens = any(c.area == "api_tokens" for c in plan.changes)
    fresh = read_snapshot(client, plan.environment_id, tokens=needs_tokens)
    now = fresh.basis()
    if now != plan.basis:
        what = "settings" if now.settings_sha256 != plan.basis.settings_sha256 else (
            "allowed origins" if now.origins_sha256 != plan.basis.origins_sha256 else "environment"
        )
        raise StalePlanError(
            f"The {what} of stage {plan.stage.name!r} (environment {plan.environment_id}) "
            "changed since the plan was made; nothing was written.",
            hint="Run plan again, review the new plan, then apply it.",
        )
    return fresh


def _refuse_settings_changed_meanwhile(
    client: DynamicClient, plan: Plan, fresh: Snapshot, *, added: int
) -> None:
    """StalePlanError (exit 5) when the settings document differs from the one re-read
    before the first write (origin writes move `updatedAt`, so the document is compared)."""
    if client.get_environment(plan.environment_id).settings != fresh.settings:
        raise StalePlanError(
            f"The settings of stage {plan.stage.name!r} (environment {plan.environment_id}) "
            f"changed while apply was adding {added} origin(s); those origins were added, the "
            "settings document was not written (it would have overwritten that change).",
            hint="Run plan again, review the new plan, then apply it.",
        )


def _write_order(change: Change) -> tuple[int, str]:
    # Methods before backup codes, so that a newly enabled method gets its backup codes.
    return (1 if change.path.endswith("backup_codes") else 0, change.path)


def _refuse_overtaken_rotations(plan: Plan, fresh: Snapshot) -> None:
    """Refuse (exit 5, nothing written) a rotation someone already made since the plan:
    token writes do not move `updatedAt`, so the basis cannot tell."""
    overtaken = api_tokens.rotations_overtaken(
        plan.changes, plan.stage.api_tokens or (), fresh.tokens or ()
    )
    if overtaken:
        raise StalePlanError(
            f"The API tokens {', '.join(map(repr, overtaken))} of stage {plan.stage.name!r} "
            f"(environment {plan.environment_id}) were rotated since the plan was made; "
            "nothing was written.",
            hint="Run plan again, review the new plan, then apply it.",
        )


def _apply_tokens(
    client: DynamicClient,
    plan: Plan,
    fresh: Snapshot,
    changes: list[Change],
    result: ApplyResult,
    *,
    auth_token_checksum: str | None,
    on_token_issued: TokenSink | None,
    say: Progress,
) -> None:
    entries = plan.stage.api_tokens or ()
    checksums = {t.id: t.checksum for t in fresh.tokens or ()}
    for change in (c for c in changes if c.action == "rotate"):
        entry = api_tokens.entry_for(change, entries)
        say(f"issuing a new {entry.name!r} token")
        created = client.create_token(
            plan.environment_id, build_note(entry.name, clock.utc_now()), list(entry.scopes)
        )
        assert on_token_issued is not None  # checked before any write
        try:
            on_token_issued(entry.name, created)  # delivered before anything else happens
        except Exception:
            # A token nobody received is a live credential nobody controls: revoke it.
            client.delete_token(plan.environment_id, created.id, missing_ok=True)
            raise
        result.issued.append((entry.name, created.id))
        result.done.append(change)
        result.writes += 1
    for change in (c for c in changes if c.action == "revoke"):
        token_id = str(change.before["id"])
        if auth_token_checksum is not None and checksums.get(token_id) == auth_token_checksum:
            result.skipped.append(Skipped(change, (
                f"token {token_id} ({_entry_name(change, entries)!r}) is the token this run "
                "authenticates with, and dynsec never revokes its own credential, so it was "
                "not revoked. Rotate your own credential first: put the newest token of "
                "that entry (delivered by the run that issued it) wherever this one is "
                "used, then apply again to revoke this one"
            )))
            continue
        say(f"revoking token {token_id}")
        client.delete_token(plan.environment_id, token_id, missing_ok=True)
        result.done.append(change)
        result.writes += 1


def _entry_name(change: Change, entries: Sequence[ApiTokenPolicy]) -> str:
    try:
        return api_tokens.entry_for(change, entries).name
    except (ValueError, IndexError):
        return change.path


def _verify(client: DynamicClient, plan: Plan, result: ApplyResult) -> None:
    """Read back and check that no change we made is still pending."""
    touched = [c for c in result.done if c.area != "api_tokens"]
    if not touched:
        return
    readback = read_snapshot(client, plan.environment_id, tokens=False)
    # Each change is checked on its own (not against the policy), so a saved plan applied
    # with `--plan` is verified for exactly what it did.
    not_kept = [
        c for c in touched
        if not (allowed_origins.holds(readback.origins, c) if c.area == "allowed_origins"
                else _SETTINGS_CHECKS[c.area](readback.security, c))
    ]
    if not_kept:
        listing = "; ".join(f"{c.path} {c.action} {c.after or c.before}" for c in not_kept)
        raise ChangeNotKeptError(
            f"Dynamic accepted the writes to stage {plan.stage.name!r} but reading back shows "
            f"changes that did not stick: {listing}.",
            hint="Run plan to see the current state; if it persists, Dynamic may be refusing "
            "the value silently.",
        )
