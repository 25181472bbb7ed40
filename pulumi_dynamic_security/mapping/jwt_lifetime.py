"""`jwt_lifetime` <-> `security.jwtDuration {amount, unit}` (largest whole unit).

Effect: a shorter lifetime tightens, a longer one weakens; setting it where none was set is
neutral (we cannot tell which way it moves).
"""

from __future__ import annotations

from typing import Any

from pulumi_dynamic_security.diffing import Action, Change, Effect
from pulumi_dynamic_security.mapping import Exported
from pulumi_dynamic_security.policy.durations import Duration
from pulumi_dynamic_security.policy.models import DYNAMIC_JWT_MAX
from pulumi_dynamic_security.policy.stages import Area

AREA: Area = "jwt_lifetime"


def from_live(security: dict[str, Any]) -> Duration | None:
    return Duration.from_api(security.get("jwtDuration"))


def view(value: Duration | None) -> str | None:
    return str(value) if value is not None else None


def effect(action: Action, path: str, before: Any, after: Any, live_view: Any) -> Effect:
    if before is None or after is None:
        return "neutral"
    old, new = Duration.parse(before), Duration.parse(after)
    if new < old:
        return "tightens"
    return "weakens" if new > old else "neutral"


def apply_change(security: dict[str, Any], change: Change) -> None:
    security["jwtDuration"] = Duration.parse(change.after).to_api()


def holds(security: dict[str, Any], change: Change) -> bool:
    """True when the live document shows `change` made (read-back verification)."""
    return from_live(security) == Duration.parse(change.after)


def export(security: dict[str, Any]) -> Exported:
    raw = security.get("jwtDuration")
    value = from_live(security)
    if value is None:
        note = () if raw is None else (f"jwtDuration {raw!r} is not understood; left out",)
        return Exported(None, note)
    if value.minutes < 1 or value > DYNAMIC_JWT_MAX:
        return Exported(None, (f"live JWT lifetime {value} is outside 1m..30d; left out",))
    return Exported(str(value))
