"""The managed-token note `dynsec:<name>:<YYYYMMDDTHHMMSSZ>` (docs/apply.md#rotation)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pulumi_dynamic_security.rules.token_notes import (
    MAX_NOTE_LENGTH,
    ManagedNote,
    build_note,
    parse_note,
)

ISSUED = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)


def test_build_and_parse_round_trip() -> None:
    note = build_note("ci-deployer", ISSUED)
    assert note == "dynsec:ci-deployer:20260304T050607Z"
    assert parse_note(note) == ManagedNote("ci-deployer", ISSUED)
    assert ManagedNote("ci-deployer", ISSUED).render() == note


def test_times_are_written_in_utc_to_the_second() -> None:
    plus_two = timezone(timedelta(hours=2))
    issued = datetime(2026, 3, 4, 7, 6, 7, 999_999, tzinfo=plus_two)
    assert build_note("x", issued) == "dynsec:x:20260304T050607Z"


def test_the_longest_note_fits_dynamics_limit() -> None:
    assert len(build_note("a" * 40, ISSUED)) <= MAX_NOTE_LENGTH


@pytest.mark.parametrize("name", ["", "CI", "a" * 41, "ci_deployer", "ci:deployer"])
def test_build_refuses_names_the_policy_cannot_hold(name: str) -> None:
    with pytest.raises(ValueError, match="token name"):
        build_note(name, ISSUED)


def test_build_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_note("ci", datetime(2026, 3, 4))


@pytest.mark.parametrize("note", [
    None,
    "",
    "CI deployer",
    "dynsec:ci-deployer",
    "dynsec:ci-deployer:2026-03-04",
    "dynsec:ci-deployer:20260304T050607",
    "dynsec:ci-deployer:20261304T050607Z",  # month 13
    "dynsec:CI:20260304T050607Z",
    "DYNSEC:ci:20260304T050607Z",
    " dynsec:ci:20260304T050607Z",
    "dynsec:ci:20260304T050607Z extra",
])
def test_parse_ignores_anything_else(note: str | None) -> None:
    assert parse_note(note) is None
