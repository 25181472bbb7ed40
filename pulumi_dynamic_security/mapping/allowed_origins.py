"""`allowed_origins` <-> the origins endpoints (`GET|POST /environments/{id}/origins`,
`DELETE /origins/{originId}`; docs/mapping.md#allowed_origins).

Live origins are normalized like declared ones and compared as a set. Effect: an origin
added weakens and one removed tightens, with the one exception Dynamic's semantics force:
an empty list allows every domain, so the first origin added to an empty list tightens and
a removal that leaves the list empty weakens. Origins are added before the settings
document is written and removed after it, so the list never passes through empty on the way
(docs/apply.md#never-open-the-door).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from pulumi_dynamic_security.api.models import Origin
from pulumi_dynamic_security.diffing import Difference
from pulumi_dynamic_security.escaping import echo
from pulumi_dynamic_security.mapping.area import (
    ComparedArea,
    EndpointArea,
    EndpointWriter,
    Exported,
    not_a_change_apply_makes,
)
from pulumi_dynamic_security.mapping.changes import Change, Effect
from pulumi_dynamic_security.policy.origins import OriginError, normalize_origin
from pulumi_dynamic_security.policy.stages import EffectiveStage


def normalized(origin: str) -> str:
    """A live origin in canonical form (one the server accepted but we cannot parse is kept
    lower-cased, so it still shows up, and can be removed)."""
    try:
        return normalize_origin(origin)
    except OriginError:
        return origin.strip().lower()


def ids_to_delete(origins: Iterable[Origin], origin: str) -> list[str]:
    """Ids of every live entry that spells `origin` (several spellings may coexist)."""
    return [o.id for o in origins if o.origin and o.id and normalized(o.origin) == origin]


class AllowedOriginsArea(EndpointArea, ComparedArea):
    name = "allowed_origins"
    docs = "docs/mapping.md#allowed_origins"
    resource = "AllowedOrigins"
    read_back = True

    def from_live(self, records: Sequence[Origin]) -> tuple[str, ...]:
        return tuple(sorted({normalized(o.origin) for o in records if o.origin}))

    def form(self, value: Sequence[str] | None) -> set[str]:
        return set(value or ())

    def effect(self, difference: Difference, live_form: Any, declared_form: Any) -> Effect:
        if difference.kind == "add":
            return "tightens" if not live_form else "weakens"
        return "weakens" if not declared_form else "tightens"

    def plan(self, declared: Sequence[str], records: Sequence[Origin], *,
             now: datetime) -> list[Change]:
        return self.compared(declared, self.from_live(records))

    def before_document(self, change: Change) -> bool:
        return change.action == "add"  # never an empty list on the way

    def write(self, change: Change, writer: EndpointWriter) -> None:
        environment_id = writer.stage.environment_id
        if change.action == "add":
            writer.say(f"adding origin {change.after}")
            writer.client.add_origin(environment_id, change.after)
            writer.done(change, 1)
            return
        writes = 0
        for origin_id in ids_to_delete(writer.records(self.name), change.before):
            writer.say(f"removing origin {change.before}")
            writer.client.delete_origin(origin_id)
            writes += 1
        writer.done(change, writes)

    def is_kept(self, records: Sequence[Origin], change: Change) -> bool:
        live = set(self.from_live(records))
        return change.after in live if change.action == "add" else change.before not in live

    def export(self, records: Sequence[Origin]) -> Exported:
        values = self.from_live(records)
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

    def check_saved(self, change: Change, stage: EffectiveStage) -> None:
        member = change.after if change.action == "add" else change.before
        if change.path != self.name or change.action not in ("add", "remove") \
                or not isinstance(member, str):
            raise not_a_change_apply_makes(change)
        if normalize_origin(member) != member:
            raise ValueError(f"origin {echo(member)} is not in normalized form")


AREA = AllowedOriginsArea()
