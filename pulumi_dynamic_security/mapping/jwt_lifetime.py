"""`jwt_lifetime` <-> `security.jwtDuration {amount, unit}`, in the largest whole unit
(docs/mapping.md#jwt_lifetime).

Effect: a shorter lifetime tightens, a longer one weakens; setting it where none was set is
neutral (we cannot tell which way it moves).
"""

from __future__ import annotations

from typing import Any

from pulumi_dynamic_security.diffing import Difference
from pulumi_dynamic_security.escaping import echo
from pulumi_dynamic_security.mapping.area import Exported, SettingsArea, not_a_change_apply_makes
from pulumi_dynamic_security.mapping.changes import Change, Effect
from pulumi_dynamic_security.policy.durations import Duration
from pulumi_dynamic_security.policy.fields import DYNAMIC_JWT_MAX
from pulumi_dynamic_security.policy.stages import EffectiveStage


class JwtLifetimeArea(SettingsArea):
    name = "jwt_lifetime"
    docs = "docs/mapping.md#jwt_lifetime"

    def from_live(self, security: dict[str, Any]) -> Duration | None:
        return Duration.from_api(security.get("jwtDuration"))

    def form(self, value: Duration | None) -> str | None:
        return str(value) if value is not None else None

    def effect(self, difference: Difference, live_form: Any, declared_form: Any) -> Effect:
        if difference.before is None or difference.after is None:
            return "neutral"
        old, new = Duration.parse(difference.before), Duration.parse(difference.after)
        if new < old:
            return "tightens"
        return "weakens" if new > old else "neutral"

    def write(self, security: dict[str, Any], change: Change) -> None:
        security["jwtDuration"] = Duration.parse(change.after).to_api()

    def is_kept(self, security: dict[str, Any], change: Change) -> bool:
        return self.from_live(security) == Duration.parse(change.after)

    def export(self, security: dict[str, Any]) -> Exported:
        raw = security.get("jwtDuration")
        value = self.from_live(security)
        if value is None:
            note = () if raw is None else (f"jwtDuration {raw!r} is not understood; left out",)
            return Exported(None, note)
        if value.minutes < 1 or value > DYNAMIC_JWT_MAX:
            return Exported(None, (f"live JWT lifetime {value} is outside 1m..30d; left out",))
        return Exported(str(value))

    def check_saved(self, change: Change, stage: EffectiveStage) -> None:
        if change.path != self.name or change.action != "update" \
                or not isinstance(change.after, str):
            raise not_a_change_apply_makes(change)
        if not Duration(1) <= Duration.parse(change.after) <= DYNAMIC_JWT_MAX:
            raise ValueError(f"JWT lifetime {echo(change.after)} is outside 1m..30d")


AREA = JwtLifetimeArea()
