"""`api_tokens` <-> the tokens endpoints: rotation planned by age, not by comparison.

A token belongs to an `api_tokens` entry when its note is `dynsec:<name>:<timestamp>`
(`rules/token_notes.py`); its age comes from the API's `createdAt`. For each entry:

* `rotate` when the newest managed token is at least `rotate_every` old, or none exists
  (the first issue is a rotation too);
* `revoke` for each older managed token once its successor is at least `overlap` old (with
  `overlap: 0d`, the token being replaced is revoked in the same apply).

Tokens whose note this tool does not manage are never touched (DS504 reports them). Both
actions tighten: a fresh credential replaces one that may have leaked.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from pulumi_dynamic_security.api.models import Token
from pulumi_dynamic_security.diffing import Change
from pulumi_dynamic_security.policy.durations import Duration
from pulumi_dynamic_security.policy.models import ApiTokenPolicy
from pulumi_dynamic_security.policy.stages import Area
from pulumi_dynamic_security.rules.token_notes import managed_by_entry

AREA: Area = "api_tokens"


def timestamp(moment: datetime) -> str:
    """UTC ISO-8601 with a `Z`, to the second (how plans show token times); a naive time is
    taken to be UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def later_by(moment: datetime, duration: Duration) -> datetime:
    """`moment` plus `duration` (when a token falls due)."""
    return moment + timedelta(minutes=duration.minutes)


def managed_tokens(entry: ApiTokenPolicy, tokens: Iterable[Token]) -> list[Token]:
    """The entry's tokens, oldest first."""
    return managed_by_entry(tokens).get(entry.name, [])


def describe(token: Token, due: datetime) -> dict[str, Any]:
    """A token as a change shows it: `{"id", "created_at", "due"}`."""
    return {"id": token.id, "created_at": timestamp(token.created_at), "due": timestamp(due)}


def rotation_changes(
    entries: Sequence[ApiTokenPolicy], tokens: Iterable[Token], *, now: datetime
) -> list[Change]:
    """The rotations and revocations due at `now`, entry by entry."""
    token_list = list(tokens)
    changes: list[Change] = []
    for index, entry in enumerate(entries):
        path = f"{AREA}[{index}]"
        mine = managed_tokens(entry, token_list)
        newest = mine[-1] if mine else None
        rotate_due = newest is None or now >= later_by(newest.created_at, entry.rotate_every)
        if rotate_due:
            changes.append(rotate_change(index, entry, newest, now=now))
        for older, successor in itertools.pairwise(mine):
            revoke_at = later_by(successor.created_at, entry.overlap)
            if now >= revoke_at:
                changes.append(Change(AREA, "revoke", path, describe(older, revoke_at), None,
                                      "tightens"))
        if rotate_due and newest is not None and entry.overlap.minutes == 0:
            changes.append(Change(AREA, "revoke", path, describe(newest, now), None, "tightens"))
    return changes


def rotate_change(
    index: int, entry: ApiTokenPolicy, newest: Token | None, *, now: datetime
) -> Change:
    """The rotation of entry `index` (`api_tokens[index]`) at `now`, replacing `newest`."""
    before = (
        describe(newest, later_by(newest.created_at, entry.rotate_every))
        if newest is not None else None
    )
    after = {"id": None, "created_at": timestamp(now),
             "due": timestamp(later_by(now, entry.rotate_every))}
    return Change(AREA, "rotate", f"{AREA}[{index}]", before, after, "tightens")


def tokens_resolved_by(changes: Iterable[Change]) -> set[str]:
    """Ids of tokens a plan rotates away from or revokes (their DS503 is resolved)."""
    return {
        str(change.before["id"]) for change in changes
        if change.area == AREA and isinstance(change.before, dict) and change.before.get("id")
    }


def entry_for(change: Change, entries: Sequence[ApiTokenPolicy]) -> ApiTokenPolicy:
    """The `api_tokens` entry a change's path (`api_tokens[i]`) points at."""
    index = int(change.path.removeprefix(f"{AREA}[").rstrip("]"))
    return entries[index]


def rotations_overtaken(
    changes: Iterable[Change], entries: Sequence[ApiTokenPolicy], tokens: Iterable[Token]
) -> list[str]:
    """Names of the entries whose planned rotation no longer fits the live tokens: the
    entry's newest managed token is not the one the plan meant to replace (someone rotated
    since, e.g. the same saved plan applied twice). Carrying it out would issue a second
    successor, so `apply` refuses the plan as stale instead."""
    token_list = list(tokens)
    overtaken: list[str] = []
    for change in changes:
        if change.area != AREA or change.action != "rotate":
            continue
        entry = entry_for(change, entries)
        mine = managed_tokens(entry, token_list)
        newest = mine[-1].id if mine else None
        planned = change.before.get("id") if isinstance(change.before, dict) else None
        if newest != planned:
            overtaken.append(entry.name)
    return overtaken
