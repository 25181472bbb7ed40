"""The `rotation` input of `ApiTokenRotation`: the entry's rotation schedule in words, so a
rotation that has fallen due is a named input change in `pulumi preview --diff`, while
`pulumi refresh` stays quiet about it.

Why an input: the Python dynamic host cannot send a detailed diff, so for an update the CLI
shows the old inputs against the new ones; a rotation that is due with nothing else changed
would be a bare `~ update`. So `check` (which runs before every preview and update)
computes this input from the clock and the schedule, and `diff` reads it:

    rotate after 2026-04-01T00:00:00Z                        nothing due
    rotate after 2026-04-01T00:00:00Z; revoke previous after 2026-01-08T00:00:00Z
    rotation due since 2026-04-01T00:00:00Z                  a successor is due
    revocation of the previous token due since 2026-01-08T00:00:00Z
    issue a token                                            no managed token is live

Why refresh stays quiet: on refresh the engine diffs the refreshed outputs against the old
inputs, which were checked at the last update, when nothing was due; and a verdict counts
only for the token the outputs still hold (`due_for`): once the rotation happened, the
outputs' dates have moved on and an old verdict is void. `read` only ever reports the
schedule form, never a verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pulumi_dynamic_security.clock import parse_timestamp, timestamp
from pulumi_dynamic_security.providers.wire import compact, secret
from pulumi_dynamic_security.rules.token_schedule import RotationState

ROTATION = "rotation"  # the input's name
ISSUE = "issue a token"
_ROTATE_AFTER = "rotate after "
_REVOKE_AFTER = "; revoke previous after "
_ROTATION_DUE = "rotation due since "
_REVOKE_DUE = "revocation of the previous token due since "

TOKEN_OUTPUTS = (
    "token_id", "token", "created_at", "rotate_after", "previous_token_id",
    "revoke_previous_after",
)


def _time(value: datetime | None) -> str | None:
    return timestamp(value) if value is not None else None


def token_outputs(state: RotationState, raw_token: str | None) -> dict[str, Any]:
    """The computed outputs (the schedule among them); the raw token wrapped as a secret."""
    return compact({
        "token_id": state.token_id,
        "token": secret(raw_token) if raw_token else None,
        "created_at": _time(state.created_at),
        "rotate_after": _time(state.rotate_after),
        "previous_token_id": state.previous_token_id,
        "revoke_previous_after": _time(state.revoke_previous_after),
        ROTATION: schedule(state.rotate_after, state.revoke_previous_after),
    })


def schedule(rotate_after: datetime | None, revoke_previous_after: datetime | None) -> str:
    """The schedule form, whatever the time now (what `read` and the outputs say)."""
    if rotate_after is None:
        return ISSUE
    revoke = f"{_REVOKE_AFTER}{timestamp(revoke_previous_after)}" if revoke_previous_after else ""
    return f"{_ROTATE_AFTER}{timestamp(rotate_after)}{revoke}"


def verdict(
    rotate_after: datetime | None, revoke_previous_after: datetime | None, now: datetime
) -> str:
    """The schedule judged at `now`: a successor due, the predecessor's revocation due, or
    the schedule form when nothing is."""
    if rotate_after is None:
        return ISSUE
    if now >= rotate_after:
        return f"{_ROTATION_DUE}{timestamp(rotate_after)}"
    if revoke_previous_after is not None and now >= revoke_previous_after:
        return f"{_REVOKE_DUE}{timestamp(revoke_previous_after)}"
    return schedule(rotate_after, revoke_previous_after)


def live_verdict(state: RotationState, *, rotates: bool, revokes: bool) -> str:
    """The verdict of the plan an update would make now (`rotates`/`revokes`: it issues a
    successor / revokes a predecessor), dated by the live tokens."""
    if state.token_id is None or state.rotate_after is None:
        return ISSUE
    if rotates:
        return f"{_ROTATION_DUE}{timestamp(state.rotate_after)}"
    if revokes and state.revoke_previous_after is not None:
        return f"{_REVOKE_DUE}{timestamp(state.revoke_previous_after)}"
    return schedule(state.rotate_after, state.revoke_previous_after)


def offline_verdict(previous: Any, now: datetime) -> str | None:
    """The verdict without credentials, from the schedule the old inputs recorded (a read or
    an earlier check wrote it); a recorded verdict is kept as it is (whether it was carried
    out, only the outputs tell, and `due_for` reads them). None when nothing was recorded."""
    if not isinstance(previous, str) or not previous:
        return None
    if not previous.startswith(_ROTATE_AFTER):
        return previous
    rotate_text, _, revoke_text = previous.removeprefix(_ROTATE_AFTER).partition(_REVOKE_AFTER)
    rotate_after = parse_timestamp(rotate_text)
    if rotate_after is None:
        return None
    return verdict(rotate_after, parse_timestamp(revoke_text) if revoke_text else None, now)


def due_for(value: Any, outputs: Mapping[str, Any]) -> bool:
    """True when `value` (the `rotation` input) says something is due for the token that
    `outputs` (the state) still hold: the date it names is the outputs' own."""
    if not isinstance(value, str):
        return False
    if value.startswith(_ROTATION_DUE):
        return value.removeprefix(_ROTATION_DUE) == outputs.get("rotate_after")
    if value.startswith(_REVOKE_DUE):
        return value.removeprefix(_REVOKE_DUE) == outputs.get("revoke_previous_after")
    return False
