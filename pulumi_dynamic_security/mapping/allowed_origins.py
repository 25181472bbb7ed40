"""`allowed_origins` <-> the origins endpoints (`GET|POST /environments/{id}/origins`,
`DELETE /origins/{originId}`).

Live origins are normalized like declared ones and compared as a set. Effect: an origin
added weakens and one removed tightens, with the one exception Dynamic's semantics force:
an empty list allows every domain, so the first origin added to an empty list tightens and
removing the last one weakens.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pulumi_dynamic_security.api.models import Origin
from pulumi_dynamic_security.diffing import Action, Change, Effect
from pulumi_dynamic_security.mapping import Exported
from pulumi_dynamic_security.policy.origins import OriginError, normalize_origin
from pulumi_dynamic_security.policy.stages import Area

AREA: Area = "allowed_origins"


def normalized(origin: str) -> str:
    """A live origin in canonical form (one the server accepted but we cannot parse is kept
    lower-cased, so it still shows up, and can be removed)."""
    try:
        return normalize_origin(origin)
    except OriginError:
        return origin.strip().lower()


def from_live(origins: Iterable[Origin]) -> tuple[str, ...]:
    return tuple(sorted({normalized(o.origin) for o in origins if o.origin}))


def view(value: Sequence[str] | None) -> set[str] | None:
    return set(value) if value is not None else None


def effect(action: Action, path: str, before: Any, after: Any, live_view: Any) -> Effect:
    if action == "add":
        return "tightens" if not live_view else "weakens"
    if action == "remove":
        return "weakens" if live_view == {before} else "tightens"
    return "neutral"


def with_plan_effects(changes: list[Change], live: Sequence[str]) -> list[Change]:
    """Classify origin changes knowing the whole plan: adding to an empty list (allow-all)
    tightens, and removals that leave the list empty (with nothing added) weaken."""
    mine = [c for c in changes if c.area == AREA]
    after = (set(live) | {c.after for c in mine if c.action == "add"}) - {
        c.before for c in mine if c.action == "remove"
    }
    def classify(change: Change) -> Effect:
        if change.action == "add":
            return "tightens" if not live else "weakens"
        return "weakens" if not after else "tightens"

    return [
        Change(c.area, c.action, c.path, c.before, c.after, classify(c)) if c.area == AREA else c
        for c in changes
    ]


def holds(origins: Iterable[Origin], change: Change) -> bool:
    """True when the live origins show `change` made (read-back verification)."""
    live = set(from_live(origins))
    return change.after in live if change.action == "add" else change.before not in live


def ids_to_delete(origins: Iterable[Origin], origin: str) -> list[str]:
    """Ids of every live entry that spells `origin` (several spellings may coexist)."""
    return [o.id for o in origins if o.origin and o.id and normalized(o.origin) == origin]


def export(origins: Iterable[Origin]) -> Exported:
    values = from_live(origins)
    comments = []
    valid = []
    for value in values:
        try:
            normalize_origin(value)
        except OriginError as exc:
            comments.append(f"live origin {value!r} is not valid in a policy ({exc}); left "
                            "out, so applying this file would remove it")
        else:
            valid.append(value)
    if not values:
        comments.append("no allowed origins: Dynamic accepts every domain (see DS101)")
    return Exported(valid, tuple(comments))
