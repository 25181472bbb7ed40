"""`api_tokens` <-> the tokens endpoints: rotation planned by age, not by comparison
(docs/mapping.md#api_tokens, docs/apply.md#rotation).

A token belongs to an `api_tokens` entry when its note is `dynsec:<name>:<timestamp>`
(`rules/token_notes.py`); its age comes from the API's `createdAt`, and when it falls due
is `rules/token_schedule.py`'s to say. For each entry:

* `rotate` when the newest managed token is due (at least `rotate_every` old), or none
  exists (the first issue is a rotation too);
* `revoke` for each older managed token once its successor is at least `overlap` old (with
  `overlap: 0d`, the token being replaced is revoked in the same apply).

Tokens whose note this tool does not manage are never touched (DS504 reports them). Both
actions tighten: a fresh credential replaces one that may have leaked. A new raw token is
delivered (`EndpointWriter.deliver`) before anything else happens, and the token the run
authenticates with is never revoked.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pulumi_dynamic_security import clock
from pulumi_dynamic_security.api.models import Token
from pulumi_dynamic_security.clock import timestamp
from pulumi_dynamic_security.digests import sha256_of
from pulumi_dynamic_security.escaping import echo
from pulumi_dynamic_security.mapping.area import (
    DigestedEndpointArea,
    EndpointWriter,
    not_a_change_apply_makes,
)
from pulumi_dynamic_security.mapping.changes import Change, entry_of
from pulumi_dynamic_security.policy.areas import ApiTokenPolicy, Area
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.rules.token_notes import build_note, managed_by_entry
from pulumi_dynamic_security.rules.token_schedule import revocation_due_at, rotation_due_at

if TYPE_CHECKING:
    from pulumi_dynamic_security.rules.base import Finding

NAME: Area = "api_tokens"
_TOKEN_PATH = re.compile(r"api_tokens\[(0|[1-9][0-9]{0,3})\]")
_FORECAST_KEYS = frozenset({"due"})  # times that are "now" plus a duration in a token change


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
        path = f"{NAME}[{index}]"
        entry_tokens = managed_tokens(entry, token_list)
        newest = entry_tokens[-1] if entry_tokens else None
        rotate_due = newest is None or now >= rotation_due_at(entry, newest.created_at)
        if rotate_due:
            changes.append(rotate_change(index, entry, newest, now=now))
        for older, successor in itertools.pairwise(entry_tokens):
            revoke_at = revocation_due_at(entry, successor.created_at)
            if now >= revoke_at:
                changes.append(Change(NAME, "revoke", path, describe(older, revoke_at), None,
                                      "tightens"))
        if rotate_due and newest is not None and entry.overlap.minutes == 0:
            changes.append(Change(NAME, "revoke", path, describe(newest, now), None, "tightens"))
    return changes


def rotate_change(
    index: int, entry: ApiTokenPolicy, newest: Token | None, *, now: datetime
) -> Change:
    """The rotation of entry `index` (`api_tokens[index]`) at `now`, replacing `newest`."""
    before = (
        describe(newest, rotation_due_at(entry, newest.created_at)) if newest is not None
        else None
    )
    after = {"id": None, "created_at": timestamp(now),
             "due": timestamp(rotation_due_at(entry, now))}
    return Change(NAME, "rotate", f"{NAME}[{index}]", before, after, "tightens")


def revoke_change(token: Token, *, now: datetime) -> Change:
    """A revocation of `token` at `now` (a deleted Pulumi resource's tokens)."""
    return Change(NAME, "revoke", f"{NAME}[0]", describe(token, now), None, "tightens")


def tokens_resolved_by(changes: Iterable[Change]) -> set[str]:
    """Ids of tokens a plan rotates away from or revokes (their DS503 is resolved)."""
    return {
        str(change.before["id"]) for change in changes
        if change.area == NAME and isinstance(change.before, dict) and change.before.get("id")
    }


def _entry_name(change: Change, entries: Sequence[ApiTokenPolicy]) -> str:
    try:
        return entry_of(change, entries).name
    except (ValueError, IndexError):
        return change.path


def _without(value: Any, keys: frozenset[str]) -> Any:
    if not isinstance(value, dict):
        return value
    return {key: item for key, item in value.items() if key not in keys}


class ApiTokensArea(DigestedEndpointArea):
    name = "api_tokens"
    docs = "docs/mapping.md#api_tokens"
    resource = "ApiTokenRotation"  # one per entry
    digest_key = "tokens_sha256"  # token writes move no `updatedAt`

    def from_live(self, records: Sequence[Token]) -> None:
        return None  # the rules read the live tokens from `LiveFacts`

    def after_apply(self, declared: Any, live: Any) -> tuple[Any, frozenset[str]]:
        # The rules judge the entries as declared, and the live tokens through `LiveFacts`.
        return declared, frozenset()

    def plan(self, declared: Sequence[ApiTokenPolicy], records: Sequence[Token], *,
             now: datetime) -> list[Change]:
        return rotation_changes(declared, records, now=now)

    def write_order(self, change: Change) -> int:
        return 0 if change.action == "rotate" else 1  # every successor before a revocation

    def delivers_secret(self, change: Change) -> bool:
        return change.action == "rotate"

    def write(self, change: Change, writer: EndpointWriter) -> None:
        stage = writer.stage
        entries = stage.api_tokens or ()
        if change.action == "rotate":
            entry = entry_of(change, entries)
            writer.say(f"issuing a new {entry.name!r} token")
            created = writer.client.create_token(
                stage.environment_id, build_note(entry.name, clock.utc_now()), list(entry.scopes)
            )
            try:
                writer.deliver(entry.name, created)  # before anything else happens
            except Exception:
                # A token nobody received is a live credential nobody controls: revoke it.
                writer.client.delete_token(stage.environment_id, created.id, missing_ok=True)
                raise
            writer.done(change, 1)
            return
        token_id = str(change.before["id"])
        checksums = {t.id: t.checksum for t in writer.records(self.name)}
        own = writer.auth_token_checksum
        if own is not None and checksums.get(token_id) == own:
            writer.skipped(change, (
                f"token {token_id} ({_entry_name(change, entries)!r}) is the token this run "
                "authenticates with, and dynsec never revokes its own credential, so it was "
                "not revoked. Rotate your own credential first: put the newest token of "
                "that entry (delivered by the run that issued it) wherever this one is "
                "used, then apply again to revoke this one"
            ))
            return
        writer.say(f"revoking token {token_id}")
        writer.client.delete_token(stage.environment_id, token_id, missing_ok=True)
        writer.done(change, 1)

    def check_saved(self, change: Change, stage: EffectiveStage) -> None:
        if change.action not in ("rotate", "revoke"):
            raise not_a_change_apply_makes(change)
        match = _TOKEN_PATH.fullmatch(change.path)
        if match is None or int(match.group(1)) >= len(stage.api_tokens or ()):
            raise ValueError(f"{echo(change.path)} names no api_tokens entry")
        if change.action == "revoke" and not (
            isinstance(change.before, dict) and change.before.get("id")
        ):
            raise ValueError("a revocation without a token id")

    def saved_form(self, change: Change) -> tuple[Any, Any]:
        # The times a rotation forecasts are those of the moment the plan is computed; which
        # token is rotated or revoked (its id and creation time) is compared.
        return (_without(change.before, _FORECAST_KEYS),
                _without(change.after, _FORECAST_KEYS | {"created_at"}))

    def overtaken(self, changes: Sequence[Change], stage: EffectiveStage,
                  records: Sequence[Token]) -> str | None:
        """The entries whose planned rotation no longer fits the live tokens: the entry's
        newest managed token is not the one the plan meant to replace (someone rotated
        since, e.g. the same saved plan applied twice). Carrying it out would issue a second
        successor, so the plan is refused as stale instead."""
        entries = stage.api_tokens or ()
        overtaken: list[str] = []
        for change in changes:
            if change.area != NAME or change.action != "rotate":
                continue
            entry = entry_of(change, entries)
            entry_tokens = managed_tokens(entry, records)
            newest = entry_tokens[-1].id if entry_tokens else None
            planned = change.before.get("id") if isinstance(change.before, dict) else None
            if newest != planned:
                overtaken.append(entry.name)
        if not overtaken:
            return None
        return (f"The API tokens {', '.join(map(repr, overtaken))} of stage {stage.name!r} "
                f"(environment {stage.environment_id}) were rotated")

    def resolves(self, finding: Finding, changes: Sequence[Change]) -> bool:
        return finding.rule == "DS503" and finding.value in tokens_resolved_by(changes)

    def changed_since(self, stage: EffectiveStage) -> str:
        return (f"The API tokens that stage {stage.name!r} manages (environment "
                f"{stage.environment_id}) were issued or revoked")

    def digest(self, stage: EffectiveStage, records: Sequence[Token] | None) -> str:
        """The SHA-256 of the API tokens the stage's entries manage (id, note, creation
        time): a rotation or revocation made since the plan changes it. Tokens of nobody's
        entry do not count (their changes change no plan); tokens not read (None) have a
        digest of their own."""
        if records is None:
            return sha256_of("tokens not read")
        return sha256_of(sorted(
            (entry.name, token.id, token.note or "", timestamp(token.created_at))
            for entry in stage.api_tokens or ()
            for token in managed_tokens(entry, records)
        ))


AREA = ApiTokensArea()
