"""The note that marks an API token as one this tool manages (docs/apply.md#rotation).

Dynamic lists a token's `note` (at most 100 characters) but never its raw value, so the note
is the only place to record which `api_tokens` entry a token belongs to and when it was
issued: `dynsec:<name>:<YYYYMMDDTHHMMSSZ>` (UTC, to the second). The rules (DS503, DS504) read
it; rotation writes it. Keep both sides here so they cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol, TypeVar

PREFIX = "dynsec"
MAX_NOTE_LENGTH = 100  # Dynamic's limit on `PostTokenFields.note`
_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_NAME = r"[a-z0-9-]{1,40}"  # the policy's `api_tokens[].name`
_NOTE = re.compile(rf"{PREFIX}:(?P<name>{_NAME}):(?P<stamp>[0-9]{{8}}T[0-9]{{6}}Z)")


@dataclass(frozen=True)
class ManagedNote:
    """What a managed token's note says: its `api_tokens` entry and when it was issued."""

    name: str
    issued_at: datetime  # timezone-aware, UTC, whole seconds

    def render(self) -> str:
        return build_note(self.name, self.issued_at)


def build_note(name: str, issued_at: datetime) -> str:
    """The note for a token of entry `name` issued at `issued_at` (an aware datetime)."""
    if not re.fullmatch(_NAME, name):
        raise ValueError(f"{name!r} is not a token name: 1-40 of a-z, 0-9 and '-'")
    if issued_at.tzinfo is None or issued_at.utcoffset() is None:
        # A naive time would be read back as UTC and silently shift by the local offset.
        raise ValueError("issued_at must be timezone-aware")
    note = f"{PREFIX}:{name}:{issued_at.astimezone(timezone.utc).strftime(_TIMESTAMP_FORMAT)}"
    assert len(note) <= MAX_NOTE_LENGTH  # 6 + 1 + 40 + 1 + 16 = 64 at most
    return note


def parse_note(note: str | None) -> ManagedNote | None:
    """The managed note in `note`, or None when the token is not one this tool issued."""
    if note is None:
        return None
    match = _NOTE.fullmatch(note)
    if match is None:
        return None
    try:
        issued_at = datetime.strptime(match["stamp"], _TIMESTAMP_FORMAT)
    except ValueError:  # right shape, impossible date (e.g. month 13)
        return None
    return ManagedNote(match["name"], issued_at.replace(tzinfo=timezone.utc))


class NotedToken(Protocol):
    """A listed API token, as the rules (`LiveToken`) and the planner (`api.models.Token`)
    both hold one."""

    @property
    def id(self) -> str: ...

    @property
    def note(self) -> str | None: ...

    @property
    def created_at(self) -> datetime: ...


_T = TypeVar("_T", bound=NotedToken)


def managed_by_entry(tokens: Iterable[_T]) -> dict[str, list[_T]]:
    """The managed tokens among `tokens`, by the `api_tokens` entry their note names, each
    list oldest first (`createdAt`, then id): the order rotation issues them in, so the last
    is the entry's current token and each one's successor is the next."""
    by_entry: dict[str, list[_T]] = {}
    for token in tokens:
        note = parse_note(token.note)
        if note is not None:
            by_entry.setdefault(note.name, []).append(token)
    for entry_tokens in by_entry.values():
        entry_tokens.sort(key=lambda t: (t.created_at, t.id))
    return by_entry
