"""When a managed API token falls due (docs/apply.md#rotation).

One owner for three questions every part of the tool asks about an `api_tokens` entry:

* a successor is due once the entry's newest token is `rotate_every` old (`rotation_due_at`);
* a predecessor is revoked once its successor is `overlap` old (`revocation_due_at`);
* a token past both, `rotate_every + overlap` old, is overdue (`overdue_at`, DS503).

The planner (`mapping/api_tokens`), the rule (DS503), the Pulumi resource's schedule input
(`providers/rotation`) and its outputs (`rotation_state`) all ask here, and write times as
`clock.timestamp` does (UTC, to the second, with a `Z`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pulumi_dynamic_security.policy.areas import ApiTokenPolicy
from pulumi_dynamic_security.policy.durations import Duration
from pulumi_dynamic_security.rules.token_notes import managed_by_entry


def later_by(moment: datetime, duration: Duration) -> datetime:
    """`moment` plus `duration`."""
    return moment + timedelta(minutes=duration.minutes)


def rotation_due_at(entry: ApiTokenPolicy, created_at: datetime) -> datetime:
    """When the entry needs a successor to its newest token, created at `created_at`."""
    return later_by(created_at, entry.rotate_every)


def revocation_due_at(entry: ApiTokenPolicy, successor_created_at: datetime) -> datetime:
    """When a predecessor is revoked: its successor's `overlap` has run out."""
    return later_by(successor_created_at, entry.overlap)


def overdue_after(entry: ApiTokenPolicy) -> Duration:
    """The age past which a token of the entry should already be replaced and revoked."""
    return Duration(entry.rotate_every.minutes + entry.overlap.minutes)


def overdue_at(entry: ApiTokenPolicy, created_at: datetime) -> datetime:
    """When a token of the entry created at `created_at` is overdue (DS503)."""
    return later_by(created_at, overdue_after(entry))


@dataclass(frozen=True)
class RotationState:
    """An `api_tokens` entry as the live token list shows it."""

    token_id: str | None = None  # the newest managed token
    created_at: datetime | None = None
    rotate_after: datetime | None = None
    previous_token_id: str | None = None  # its predecessor, kept for `overlap`
    revoke_previous_after: datetime | None = None
    scopes: tuple[str, ...] = ()


def rotation_state(entry: ApiTokenPolicy, tokens: Iterable[Any]) -> RotationState:
    """The newest managed token of `entry`, when it is due, and the predecessor it overlaps
    (`tokens`: the environment's tokens as listed, `api.models.Token`)."""
    entry_tokens = managed_by_entry(tokens).get(entry.name, [])
    if not entry_tokens:
        return RotationState()
    newest = entry_tokens[-1]
    previous = entry_tokens[-2] if len(entry_tokens) > 1 else None
    return RotationState(
        token_id=newest.id,
        created_at=newest.created_at,
        rotate_after=rotation_due_at(entry, newest.created_at),
        previous_token_id=previous.id if previous is not None else None,
        revoke_previous_after=(
            revocation_due_at(entry, newest.created_at) if previous is not None else None
        ),
        scopes=tuple(sorted(newest.scopes)),
    )
