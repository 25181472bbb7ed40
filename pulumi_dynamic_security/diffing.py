"""The one place that compares declared and live settings (with DeepDiff).

Both sides arrive as *views*: per managed area, the value in the policy's own words, already
normalized by the area's mapping module — durations as canonical strings (`"1d"`, so value
equality is string equality), origins normalized, and set-valued things (origins, MFA
methods, MFA actions) as Python sets so that order never matters. A view holds only what the
stage manages, so nothing else can show up as a change.

Each difference becomes a `Change` (SPEC §4): one per member of a set (`add`/`remove`), one
per scalar (`update`), each classified `tightens`, `weakens` or `neutral` by the area's own
documented rule (`mapping/<area>.py`, `effect`). Token rotations are planned by time, not
by comparison, so they do not pass through here (see `mapping/api_tokens.py`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pulumi_dynamic_security.policy.stages import AREAS, Area

Action = Literal["add", "remove", "update", "rotate", "revoke"]
Effect = Literal["tightens", "weakens", "neutral"]
ACTIONS: tuple[Action, ...] = ("add", "remove", "update", "rotate", "revoke")
EFFECTS: tuple[Effect, ...] = ("tightens", "weakens", "neutral")

# DeepDiff builds result paths with `ast.literal_eval`, and CPython keeps the AST
# constructor's recursion depth per interpreter, not per thread (gh-106905): two threads
# building ASTs at once can fail with "SystemError: AST constructor recursion depth mismatch".
# `drift` plans in a thread pool and the Pulumi provider host serves calls in threads, so
# one thread at a time goes into DeepDiff (the diffs are a few small sets: nothing to lose).
_DEEPDIFF_LOCK = threading.Lock()

# The classifier of one area: (action, path, before, after, live view of the area) -> effect.
Classifier = Callable[[Action, str, Any, Any, Any], Effect]


@dataclass(frozen=True)
class Change:
    """One change `apply` would make, in the policy's words (SPEC §4 `change`)."""

    area: Area
    action: Action
    path: str  # e.g. "allowed_origins", "mfa.methods", "mfa.require_at_login", "api_tokens[0]"
    before: Any
    after: Any
    effect: Effect

    def to_json(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "action": self.action,
            "path": self.path,
            "before": self.before,
            "after": self.after,
            "effect": self.effect,
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


def compare(
    live: Mapping[Area, Any],
    desired: Mapping[Area, Any],
    classifiers: Mapping[Area, Classifier],
) -> list[Change]:
    """The changes that turn `live` into `desired`, area by area, in a stable order."""
    changes: list[Change] = []
    for area in AREAS:
        if area not in desired:
            continue
        before_view, after_view = live.get(area), desired[area]
        if _identical(before_view, after_view):
            continue  # the common case in a drift run: no DeepDiff (nor its import) needed
        from deepdiff import DeepDiff

        with _DEEPDIFF_LOCK:  # DeepDiff and the paths it builds (see _DEEPDIFF_LOCK)
            difference = DeepDiff(
                {area: before_view}, {area: after_view}, view="tree", verbose_level=2
            )
            found = [
                (report_type, item, [p for p in item.path(output_format="list") if p is not None])
                for report_type, items in difference.items() for item in items
            ]
        for report_type, item, parts in found:
            path = ".".join(str(p) for p in parts)
            action, before, after = _interpret(report_type, item.t1, item.t2)
            effect = classifiers[area](action, path, before, after, before_view)
            changes.append(Change(area, action, path, before, after, effect))
    return sorted(changes, key=_order)


def _identical(first: Any, second: Any) -> bool:
    """Equal, and of the same types all the way down (so that `True` never equals `1`)."""
    if type(first) is not type(second):
        return False
    if isinstance(first, dict):
        return first.keys() == second.keys() and all(
            _identical(value, second[key]) for key, value in first.items()
        )
    return bool(first == second)


def _interpret(report_type: str, t1: Any, t2: Any) -> tuple[Action, Any, Any]:
    if report_type == "set_item_added":
        return "add", None, t2
    if report_type == "set_item_removed":
        return "remove", t1, None
    if report_type in ("values_changed", "type_changes"):
        return "update", t1, t2
    if report_type == "dictionary_item_added":
        return "update", None, t2
    if report_type == "dictionary_item_removed":
        return "update", t1, None
    raise AssertionError(f"views never produce a {report_type} difference")


def _order(change: Change) -> tuple[int, str, int, str]:
    # Areas in canonical order; within a path, additions before removals (the order in
    # which apply performs them), then by value so that output is deterministic.
    rank = {"add": 0, "update": 1, "rotate": 2, "remove": 3, "revoke": 4}[change.action]
    member = str(change.after if change.after is not None else change.before)
    return AREAS.index(change.area), change.path, rank, member
