"""The change record: one thing `apply` would do, in the policy's words.

Every plan is a list of `Change`s (the `change` object of docs/cli.md#output-formats): one
per member of a set (origins, MFA methods, MFA actions) with `add`/`remove`, one per scalar
(`update`), `rotate`/`revoke` for API tokens. Each area's module says what its changes are
and how each moves the environment's security (`effect`); this module only holds the record,
reads it back from a saved plan, and puts changes in the order plans list them.

A change is also read the other way round, as drift: `live_effect` says how the live value
stands against the declared one (the mirror of `effect`: a change that tightens means live is
weaker), and `origin` says, when a base policy is given (`--base-policy`), whether the pull
request makes the change (`policy`) or the live value moved outside the policy (`drift`)
(docs/cli.md#drift-in-the-direction-it-happened).
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar

from pulumi_dynamic_security.policy.areas import AREAS, Area

Action = Literal["add", "remove", "update", "rotate", "revoke"]
Effect = Literal["tightens", "weakens", "neutral"]
LiveEffect = Literal["weaker", "stronger", "neutral"]
ChangeOrigin = Literal["policy", "drift"]
E = TypeVar("E")
ACTIONS: tuple[Action, ...] = typing.get_args(Action)
EFFECTS: tuple[Effect, ...] = typing.get_args(Effect)
# How the live value stands against the declared one, for each effect of the change.
LIVE_EFFECTS: dict[Effect, LiveEffect] = {
    "tightens": "weaker", "weakens": "stronger", "neutral": "neutral",
}

# Within a path, additions before removals: the order in which apply performs them.
_ACTION_RANK: dict[Action, int] = {"add": 0, "update": 1, "rotate": 2, "remove": 3, "revoke": 4}


@dataclass(frozen=True)
class Change:
    """One change `apply` would make, in the policy's words."""

    area: Area
    action: Action
    path: str  # e.g. "allowed_origins", "mfa.methods", "mfa.require_at_login", "api_tokens[0]"
    before: Any
    after: Any
    effect: Effect
    # `policy` or `drift` when a base policy was given (`with_origin`); never compared, never
    # read from a saved plan: it is about the pull request, not about what apply does.
    origin: ChangeOrigin | None = field(default=None, compare=False)

    @property
    def live_effect(self) -> LiveEffect:
        """How the live value stands against the declared one: `weaker` when applying the
        change tightens, `stronger` when it weakens."""
        return LIVE_EFFECTS[self.effect]

    def with_origin(self, origin: ChangeOrigin) -> Change:
        return replace(self, origin=origin)

    def to_json(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "action": self.action,
            "path": self.path,
            "before": self.before,
            "after": self.after,
            "effect": self.effect,
            "live_effect": self.live_effect,
            "origin": self.origin,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Change:
        """Read a change back from a saved plan (`plan --out`); ValueError if malformed."""
        area, action, effect = data.get("area"), data.get("action"), data.get("effect")
        path = data.get("path")
        if area not in AREAS or action not in ACTIONS or effect not in EFFECTS:
            raise ValueError(f"not a change record: {dict(data)!r}")
        if not isinstance(path, str):
            raise ValueError(f"change without a path: {dict(data)!r}")
        return cls(area, action, path, data.get("before"), data.get("after"), effect)


def in_plan_order(changes: Iterable[Change]) -> list[Change]:
    """Areas in the policy's order; within a path, additions before removals, then by value,
    so that output is deterministic."""
    return sorted(changes, key=_order)


def _order(change: Change) -> tuple[int, str, int, str]:
    member = str(change.after if change.after is not None else change.before)
    return AREAS.index(change.area), change.path, _ACTION_RANK[change.action], member


def entry_of(change: Change, entries: Sequence[E]) -> E:
    """The entry of a list area (`api_tokens`, `webhooks`) that the change's path
    (`<area>[i]`) points at; ValueError or IndexError when it points at none."""
    return entries[int(change.path.removeprefix(f"{change.area}[").rstrip("]"))]
