"""API tokens planted in the emulator at a chosen age, through its control route (what an
earlier run, or someone in the dashboard, would have left behind)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.rules.token_notes import build_note
from tests.support.ids import LIVE

READ_SCOPES = ("environment.settings.read",)
# What a token needs to run plan and apply, rotation included, with itself as the credential.
OPERATOR_SCOPES = (
    "environment.settings.read",
    "environment.settings.write",
    "environment.apiTokens.read",
    "environment.apiTokens.write",
)


def ago(days: float) -> datetime:
    """`days` before now, to the second (the precision of a note and of `createdAt`)."""
    moment = datetime.now(timezone.utc) - timedelta(days=days)
    return moment.replace(microsecond=0)


@dataclass(frozen=True)
class Planted:
    id: str
    raw: str
    checksum: str
    note: str | None
    created_at: datetime


def plant(emu: EmulatorHandle, name: str | None, *, age_days: float = 0,
          scopes: Sequence[str] = READ_SCOPES, note: str | None = None,
          environment_id: str = LIVE) -> Planted:
    """Plant a token created `age_days` ago; managed by entry `name` (note
    `dynsec:<name>:<created>`) unless `note` is given instead."""
    created = ago(age_days)
    if note is None and name is not None:
        note = build_note(name, created)
    token = emu.plant_token(environment_id, note, scopes, created)["token"]
    return Planted(token["id"], token["rawToken"], token["checksum"], token.get("note"),
                   created)
