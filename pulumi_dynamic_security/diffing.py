"""The one DeepDiff wrapper: two comparable values in, their differences out.

Both sides arrive already normalized by the area that compares them (`mapping/<area>.py`,
`comparable`): durations as canonical strings (`"1d"`, so value equality is string
equality), origins normalized, and set-valued things (origins, MFA methods, MFA actions) as
Python sets so that order never matters. A side holds only what the stage manages, so
nothing else can show up as a difference. Each difference is one member of a set added or
removed, or one scalar updated; turning it into a change (and judging its effect) is the
area's job.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["add", "remove", "update"]

# DeepDiff builds result paths with `ast.literal_eval`, and CPython keeps the AST
# constructor's recursion depth per interpreter, not per thread (gh-106905): two threads
# building ASTs at once can fail with "SystemError: AST constructor recursion depth mismatch".
# `drift` plans in a thread pool and the Pulumi provider host serves calls in threads, so
# one thread at a time goes into DeepDiff (the diffs are a few small sets: nothing to lose).
_DEEPDIFF_LOCK = threading.Lock()


@dataclass(frozen=True)
class Difference:
    """One difference between two values: where (`root.key...`), what kind, and the values."""

    kind: Kind
    path: str
    before: Any
    after: Any


def compare(root: str, before: Any, after: Any) -> list[Difference]:
    """What turns `before` into `after`; paths start with `root` (`mfa.methods`)."""
    if _identical(before, after):
        return []  # the common case in a drift run: no DeepDiff (nor its import) needed
    from deepdiff import DeepDiff

    with _DEEPDIFF_LOCK:  # DeepDiff and the paths it builds (see _DEEPDIFF_LOCK)
        difference = DeepDiff({root: before}, {root: after}, view="tree", verbose_level=2)
        found = [
            (report_type, item, [p for p in item.path(output_format="list") if p is not None])
            for report_type, items in difference.items() for item in items
        ]
    return [
        _interpret(report_type, ".".join(str(p) for p in parts), item.t1, item.t2)
        for report_type, item, parts in found
    ]


def _identical(first: Any, second: Any) -> bool:
    """Equal, and of the same types all the way down (so that `True` never equals `1`)."""
    if type(first) is not type(second):
        return False
    if isinstance(first, dict):
        return first.keys() == second.keys() and all(
            _identical(value, second[key]) for key, value in first.items()
        )
    return bool(first == second)


def _interpret(report_type: str, path: str, t1: Any, t2: Any) -> Difference:
    if report_type == "set_item_added":
        return Difference("add", path, None, t2)
    if report_type == "set_item_removed":
        return Difference("remove", path, t1, None)
    if report_type in ("values_changed", "type_changes"):
        return Difference("update", path, t1, t2)
    if report_type == "dictionary_item_added":
        return Difference("update", path, None, t2)
    if report_type == "dictionary_item_removed":
        return Difference("update", path, t1, None)
    raise AssertionError(f"comparable values never produce a {report_type} difference")
